# shellcheck shell=bash disable=SC2034,SC2154
# Name validity: [A-Za-z_][A-Za-z0-9_]*, '=' required; invalid words are
# skipped one by one and the rest of the line still counts.
put "$T/usr/ot-names.service" \
        '[Service]' \
        'ExecStart=/bin/true' \
        'Environment=1A=x A-B=y _OK=1 a1=2 =z NOEQ é=1 A.B=1 OK2=v' \
        "Environment='SP ACE=1' lower_case=ok _=underscore __9=x A1B2=c" \
        'Environment=EMPTY= TAB=\t NL_LAST=end'
UNITS="ot-names.service"
