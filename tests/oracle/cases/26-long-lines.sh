# shellcheck shell=bash disable=SC2034,SC2154
# Line length: lines up to 1 MiB (1048576 bytes) are read whole. A longer line
# makes a fragment fail to load (error) and silently cuts a drop-in at that
# point. Boundaries: 1048575, 1048576 and 1048577 bytes before the newline;
# a continuation whose joined text exceeds 1 MiB.
xs() { head -c "$1" /dev/zero | tr '\0' x; }
mb=1048576
svc "$T/usr/ot-long.service" "Environment=LONG=$(xs 300)" 'Environment=AFTER_LONG=1'
for n in $((mb - 1)) $mb $((mb + 1)); do
        u=ot-edge-$n
        svc "$T/usr/$u.service" 'Environment=FRAG=1'
        put "$T/usr/$u.service.d/10.conf" '[Service]' 'Environment=BEFORE=1' \
                "# $(xs $((n - 2)))" 'Environment=AFTER=1'
        put "$T/usr/$u.service.d/20.conf" '[Service]' 'Environment=NEXT_FILE=1'
done
svc "$T/usr/ot-edge-key.service" 'Environment=FRAG=1'
put "$T/usr/ot-edge-key.service.d/10.conf" '[Service]' 'Environment=BEFORE=1' \
        "X-Long=$(xs $((mb - 8)))" 'Environment=AFTER=1'
put "$T/usr/ot-huge-frag.service" '[Service]' 'ExecStart=/bin/true' 'Environment=BEFORE=1' \
        "# $(xs $((mb + 10)))" 'Environment=AFTER=1'
svc "$T/usr/ot-huge-cont.service" 'Environment=FRAG=1'
put "$T/usr/ot-huge-cont.service.d/10.conf" '[Service]' 'Environment=BEFORE=1' \
        "X-Cont=$(xs 600000) \\" "$(xs 600000)" 'Environment=AFTER=1'
put "$T/usr/ot-huge-cont.service.d/20.conf" '[Service]' 'Environment=NEXT_FILE=1'
UNITS="ot-long.service ot-edge-$((mb - 1)).service ot-edge-$mb.service ot-edge-$((mb + 1)).service ot-edge-key.service ot-huge-frag.service ot-huge-cont.service"
