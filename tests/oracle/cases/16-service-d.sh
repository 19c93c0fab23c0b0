# shellcheck shell=bash disable=SC2034,SC2154
# Top-level service.d/ in every dir comes after all name-specific dirs: the
# exact usr dir beats etc/service.d for one basename; among service.d dirs the
# higher dir wins. Templates and other types see it too (socket.d does not
# apply to services).
svc "$T/usr/ot-sd.service" 'Environment=FRAG=1'
svc "$T/usr/ot-sdt@.service" 'Environment=FRAG=tpl'
put "$T/usr/ot-sd.service.d/50.conf" '[Service]' 'Environment=FIFTY=exact-usr'
put "$T/etc/service.d/50.conf" '[Service]' 'Environment=FIFTY=service.d-etc'
put "$T/etc/service.d/60.conf" '[Service]' 'Environment=SIXTY=service.d-etc'
put "$T/usr/service.d/60.conf" '[Service]' 'Environment=SIXTY=service.d-usr'
put "$T/run/service.d/05.conf" '[Service]' 'Environment=FIVE=service.d-run'
put "$T/usr/socket.d/07.conf" '[Socket]' 'Environment=SOCKET_D=1'
put "$T/usr/ot-.service.d/70.conf" '[Service]' 'Environment=SEVENTY=prefix-usr'
put "$T/etc/service.d/70.conf" '[Service]' 'Environment=SEVENTY=service.d-etc'
UNITS="ot-sd.service ot-sdt@i.service"
