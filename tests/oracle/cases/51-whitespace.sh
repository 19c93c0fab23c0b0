# shellcheck shell=bash disable=SC1003,SC2034,SC2154
# Whitespace: tabs and runs of blanks separate words; blanks around the value
# are stripped but kept inside quotes; trailing blanks after a continuation.
put "$T/usr/ot-ws.service" \
        '[Service]' \
        'ExecStart=/bin/true' \
        'Environment=	A=1		B=2   ' \
        'Environment=   "C=  c  "   D=d' \
        "Environment=E='	tab	'" \
        'Environment=F=1 \   ' \
        'G=2' \
        '    Environment=H=indented' \
        'Environment=I=1\' \
        '   J=2'
UNITS="ot-ws.service"
