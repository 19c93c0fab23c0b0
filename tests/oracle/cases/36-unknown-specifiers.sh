# shellcheck shell=bash disable=SC2034,SC2154
# An unknown %X (letter or digit) drops only that word; '%' before another
# character or at the end is kept; specifier-made names are still validated.
put "$T/usr/ot-uspec.service" \
        '[Service]' \
        'ExecStart=/bin/true' \
        'Environment=A=1 B=%Z C=3 D=%-x E=100% F=% G=%9 H=a%.b' \
        'Environment=%n=x %p=y X_%i=z Y%%=w' \
        'Environment="Q=%i" R=%I'
UNITS="ot-uspec.service"
