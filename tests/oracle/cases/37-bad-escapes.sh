# shellcheck shell=bash disable=SC2034,SC2154
# A bad escape or an unbalanced quote stops Environment= at that word: earlier
# words stay, the rest of the line is dropped; the next line is read normally.
put "$T/usr/ot-badesc.service" \
        '[Service]' \
        'ExecStart=/bin/true' \
        'Environment=A=1 B=\d C=3' \
        'Environment=D=ok E="unterminated F=4' \
        'Environment=G=1 H=\x4 I=2' \
        'Environment=J=1 K=\x00 L=2' \
        "Environment=M=1 N='unterminated O=5" \
        'Environment=P=1 Q=\u0000 R=2' \
        'Environment=S=1 U=\400 V=2' \
        'Environment=W=1 X=\ Y=2' \
        'Environment=Z=1 ZZ=\xff ZZZ=2' \
        'Environment=LAST=ok'
UNITS="ot-badesc.service"
