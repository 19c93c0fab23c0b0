# shellcheck shell=bash disable=SC2034,SC2154
# Environment= words: quotes may start anywhere in a word and are removed;
# single quotes still honour C escapes; adjacent quoted parts join.
put "$T/usr/ot-quote.service" \
        '[Service]' \
        'ExecStart=/bin/true' \
        "Environment=A='x y'z \"B=a b\" C=a\"b c\"d" \
        "Environment='D=it\\'s' \"E=say \\\"hi\\\"\" F='tab\\there'" \
        "Environment=G=\"\" H='' I=" \
        "Environment=\"J=a\"'b'\"c\" K=\"'inner'\" L='\"dq\"'" \
        "Environment=\"M=  padded  \" N=a\\ b" \
        "Environment=O=\$HOME P=\${HOME} Q=\`cmd\`" \
        "Environment=\"R=multi word\"S=joined"
UNITS="ot-quote.service"
