# shellcheck shell=bash disable=SC1003,SC2034,SC2154
# Backslashes at the end of a line: '\\' is not a continuation (the value keeps
# one backslash), '\\\' is; a trailing '\' at end of file, with or without a
# final newline, ends the pending text; a drop-in's dangling continuation does
# not reach into the next drop-in.
put "$T/usr/ot-bs.service" \
        '[Service]' \
        'ExecStart=/bin/true' \
        'Environment=TRAIL=x\\' \
        'Environment=NEXT=1' \
        'Environment=Z=1\\\' \
        'W=2' \
        'Environment=TAB=a\tb' \
        'Environment=LAST=1 \'
svc "$T/usr/ot-bs-eof.service" 'Environment=FRAG=1'
mkdir -p "$T/usr/ot-bs-eof.service.d"
printf '%s\n%s' '[Service]' 'Environment=NONL=1 \' > "$T/usr/ot-bs-eof.service.d/10.conf"
put "$T/usr/ot-bs-eof.service.d/20.conf" 'Environment=SECOND=1' '[Service]' 'Environment=THIRD=1 \'
put "$T/usr/ot-bs-eof.service.d/30.conf" '[Service]' 'Environment=FOURTH=1'
printf '%s\n%s\n%s' '[Service]' 'ExecStart=/bin/true' 'Environment=EOFNONL=1 K=\' > "$T/usr/ot-bs-nonl.service"
UNITS="ot-bs.service ot-bs-eof.service ot-bs-nonl.service"
