# shellcheck shell=bash disable=SC2034,SC2154
# Drop-in order: survivors from all dirs are sorted by basename with strcmp
# (byte order: '-' < digits < 'Z' < '_' < 'a'), regardless of their directory.
svc "$T/usr/ot-order.service" 'Environment=ORDER=fragment'
put "$T/usr/ot-order.service.d/a-lower.conf" '[Service]' 'Environment=F_a_lower=1 ORDER=a-lower'
put "$T/etc/ot-order.service.d/Z-upper.conf" '[Service]' 'Environment=F_Z_upper=1 ORDER=Z-upper'
put "$T/run/ot-order.service.d/9.conf" '[Service]' 'Environment=F_9=1 ORDER=9'
put "$T/usr/ot-order.service.d/10-a.conf" '[Service]' 'Environment=F_10_a=1 ORDER=10-a'
put "$T/etc/ot-order.service.d/10-A.conf" '[Service]' 'Environment=F_10_A=1 ORDER=10-A'
put "$T/run/ot-order.service.d/1.conf" '[Service]' 'Environment=F_1=1 ORDER=1'
put "$T/usr/ot-order.service.d/_under.conf" '[Service]' 'Environment=F_under=1 ORDER=_under'
put "$T/etc/ot-order.service.d/-dash.conf" '[Service]' 'Environment=F_dash=1 ORDER=-dash'
put "$T/usr/ot-order.service.d/10.conf" '[Service]' 'Environment=F_10=1 ORDER=10'
put "$T/run/ot-order.service.d/10-.conf" '[Service]' 'Environment=F_10_=1 ORDER=10-'
UNITS="ot-order.service"
