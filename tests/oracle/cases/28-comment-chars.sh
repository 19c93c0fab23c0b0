# shellcheck shell=bash disable=SC2034,SC2154
# '#' and ';' start a comment only as the first non-blank of a physical line;
# inside a value they are data (' ; ' must survive, inih would cut there).
put "$T/usr/ot-semi.service" \
        '[Service]' \
        'ExecStart=/bin/true' \
        'Environment="SEMI=a ; b" HASH=x#y' \
        'Environment=SP=1 ; not-a-comment' \
        'Environment=AFTER=2 # trailing' \
        '   # indented comment' \
        '	; tab-indented comment' \
        'Environment=E="a;b" F='"'"'c # d'"'" \
        'Environment=G=;x H=#y' \
        ';Environment=COMMENTED=1' \
        '#Environment=COMMENTED2=1' \
        'Environment=I=1;J=2'
UNITS="ot-semi.service"
