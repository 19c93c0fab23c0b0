# shellcheck shell=bash disable=SC2034,SC2154
svc "$T/usr/ot-cg.service" 'Environment="C=%c" "R=%r" "RR=%R" "Y=%y" "YY=%Y"'
svc "$T/usr/ot-cg2.service" 'Slice=foo-bar.slice' 'Environment="C=%c" "R=%r"'
put "$T/etc/ot-cg2.service.d/10.conf" '[Service]' 'Environment="C2=%c" "R2=%r" "Y2=%y" "YY2=%Y"'
svc "$T/usr/ot-cg@.service" 'Environment="C=%c" "R=%r" "Y=%y"'
link ../ext/ot-linked.service "$T/etc/ot-lk.service"
svc "$T/ext/ot-linked.service" 'Environment="Y=%y" "YY=%Y"'
UNITS="ot-cg.service ot-cg2.service ot-cg@a-b.service ot-lk.service"
