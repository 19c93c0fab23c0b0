# shellcheck shell=bash disable=SC2034,SC2154
# Drop-ins of aliases: the unit's own id in every dir comes before any alias
# dir (usr/real.d/10-x beats etc/alias.d/10-x). Basenames differ between the
# two aliases because their relative order is hash order.
svc "$T/usr/ot-real.service" 'Environment=FRAG=1'
link ot-real.service "$T/etc/ot-alias.service"
link ot-real.service "$T/etc/ot-alias2.service"
put "$T/usr/ot-real.service.d/10-x.conf" '[Service]' 'Environment=X=real-usr'
put "$T/etc/ot-alias.service.d/10-x.conf" '[Service]' 'Environment=X=alias-etc'
put "$T/run/ot-real.service.d/20-y.conf" '[Service]' 'Environment=Y=real-run'
put "$T/etc/ot-alias.service.d/30-z.conf" '[Service]' 'Environment=Z=alias-etc'
put "$T/usr/ot-alias2.service.d/40-w.conf" '[Service]' 'Environment=W=alias2-usr'
put "$T/etc/service.d/05-top.conf" '[Service]' 'Environment=TOP=1'
UNITS="ot-alias.service ot-real.service ot-alias2.service"
