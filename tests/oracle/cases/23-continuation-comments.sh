# shellcheck shell=bash disable=SC1003,SC2034,SC2154
# Continuation lines: a trailing backslash becomes a space and joins the next
# line (with its leading whitespace); comment lines inside a continuation are
# skipped and the continuation goes on; quotes may span the join.
put "$T/usr/ot-cont.service" \
        '[Service]' \
        'ExecStart=/bin/echo one \' \
        '# a comment inside' \
        '  two \' \
        '; another comment' \
        'three' \
        'Environment=A=1 \' \
        '#comment' \
        '    B=2' \
        'Environment=C=1\' \
        'D=2' \
        'Environment=E=x\' \
        'y' \
        'Environment="Q=a \' \
        '  b" R=1' \
        'Environment=S=1 \' \
        '   # indented comment' \
        '	; tab-indented comment' \
        'T=2'
UNITS="ot-cont.service"
