# shellcheck shell=bash disable=SC2034,SC2154
# Section names are exact and case-sensitive: '[ Service ]', '[service]',
# '[X-Custom]', '[Socket]' are other sections whose lines are ignored; a
# repeated [Service] is fine.
put "$T/usr/ot-sec.service" \
        '[Service]' \
        'ExecStart=/bin/true' \
        'Environment=FIRST=1' \
        '[ Service ]' \
        'Environment=SPACED=1' \
        '[service]' \
        'Environment=LOWER=1' \
        '[X-Custom]' \
        'Environment=XCUSTOM=1' \
        '[Socket]' \
        'Environment=SOCKET=1' \
        '[Service]' \
        'Environment=AGAIN=1' \
        '[Service ]' \
        'Environment=TRAILSPACE=1' \
        '	[Service]' \
        'Environment=INDENTED_HDR=1'
UNITS="ot-sec.service"
