# shellcheck shell=bash disable=SC2034,SC2154
# An empty Environment= (or one that is only blanks) resets the list, also
# across files; Environment="" is an invalid word, not a reset.
svc "$T/usr/ot-reset.service" 'Environment=A=1 B=2' 'Environment=' 'Environment=C=3'
put "$T/usr/ot-reset.service.d/10.conf" '[Service]' 'Environment=' 'Environment=D=4'
put "$T/usr/ot-reset.service.d/20.conf" '[Service]' 'Environment=E=5'
svc "$T/usr/ot-reset2.service" 'Environment=A=1'
put "$T/usr/ot-reset2.service.d/10.conf" '[Service]' 'Environment=   ' 'Environment=B=2'
svc "$T/usr/ot-reset3.service" 'Environment=A=1'
put "$T/usr/ot-reset3.service.d/10.conf" '[Service]' 'Environment=""' 'Environment=B=2'
svc "$T/usr/ot-reset4.service" 'Environment=A=1'
put "$T/usr/ot-reset4.service.d/90-last.conf" '[Service]' 'Environment='
UNITS="ot-reset.service ot-reset2.service ot-reset3.service ot-reset4.service"
