# shellcheck shell=bash disable=SC1003,SC2034,SC2154
# A blank or whitespace-only line ends a continuation: the next line is read as
# a line of its own.
put "$T/usr/ot-blank.service" \
        '[Service]' \
        'ExecStart=/bin/true' \
        'Environment=A=1 \' \
        '' \
        'Environment=B=2' \
        'Environment=C=3 \' \
        '   ' \
        'D=4' \
        'Environment=E=5 \' \
        '	' \
        'Environment=F=6'
UNITS="ot-blank.service"
