# shellcheck shell=bash disable=SC2034,SC2154
# Template drop-ins: etc/tpl@.service.d/10-a.conf hides usr/tpl@x.service.d/10-a.conf;
# instance dirs apply only to that instance; template dirs apply to a real
# instance file too.
svc "$T/usr/ot-tpl@.service" 'Environment=I=%i'
svc "$T/usr/ot-tpl@real.service" 'Environment=REAL_FILE=1'
put "$T/etc/ot-tpl@.service.d/10-a.conf" '[Service]' 'Environment=A=etc-template'
put "$T/usr/ot-tpl@x.service.d/10-a.conf" '[Service]' 'Environment=A=usr-instance'
put "$T/usr/ot-tpl@x.service.d/20-b.conf" '[Service]' 'Environment=B=usr-instance-x'
put "$T/usr/ot-tpl@.service.d/20-b.conf" '[Service]' 'Environment=B=usr-template'
put "$T/run/ot-tpl@real.service.d/30-c.conf" '[Service]' 'Environment=C=run-real'
UNITS="ot-tpl@x.service ot-tpl@y.service ot-tpl@real.service"
