# shellcheck shell=bash disable=SC1003,SC2034,SC2154
# C escapes in Environment=: \xHH, octal \NNN, \u, \U, \s, \\, \", \'. They are
# decoded before specifiers, so \x25n becomes %n and is expanded; %% is a '%'.
put "$T/usr/ot-esc.service" \
        '[Service]' \
        'ExecStart=/bin/true' \
        'Environment=A=\x41\102\u00e9\U0001F600 B=\s C=\\ D=\" E=\'"'"' F=x\ty' \
        'Environment=G=\x25n H=%%n I=100%% J=\x25\x25 K=\x25%% L=\x25\x25n' \
        'Environment=M=\x41%n N="%%i" O='"'"'%p'"'" \
        'Environment=P=é Q=日本 R=\xc3\xa9'
UNITS="ot-esc.service"
