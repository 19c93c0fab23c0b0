# shellcheck shell=bash disable=SC2034,SC2154
# The same drop-in basename in etc, run and usr: the highest dir wins, the
# others are dropped; drop-ins apply whichever dir holds the fragment.
svc "$T/etc/ot-prio.service" 'Environment=FRAG=etc'
put "$T/usr/ot-prio.service.d/10-a.conf" '[Service]' 'Environment=A=usr'
put "$T/run/ot-prio.service.d/10-a.conf" '[Service]' 'Environment=A=run'
put "$T/etc/ot-prio.service.d/10-a.conf" '[Service]' 'Environment=A=etc'
put "$T/run/ot-prio.service.d/20-b.conf" '[Service]' 'Environment=B=run'
put "$T/usr/ot-prio.service.d/20-b.conf" '[Service]' 'Environment=B=usr'
put "$T/usr/ot-prio.service.d/30-c.conf" '[Service]' 'Environment=C=usr'
UNITS="ot-prio.service"
