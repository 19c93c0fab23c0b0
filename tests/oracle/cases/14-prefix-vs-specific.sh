# shellcheck shell=bash disable=SC2034,SC2154
# Search-dir priority beats specificity: etc/ot-foo-.service.d/40-p.conf hides
# usr/ot-foo-bar-baz.service.d/40-p.conf; within one dir the more specific wins;
# the exact dir in usr beats the top-level service.d in etc.
svc "$T/usr/ot-foo-bar-baz.service" 'Environment=FRAG=1'
put "$T/etc/ot-foo-.service.d/40-p.conf" '[Service]' 'Environment=P=etc-prefix'
put "$T/usr/ot-foo-bar-baz.service.d/40-p.conf" '[Service]' 'Environment=P=usr-exact'
put "$T/usr/ot-foo-bar-.service.d/45-q.conf" '[Service]' 'Environment=Q=usr-mid'
put "$T/usr/ot-foo-.service.d/45-q.conf" '[Service]' 'Environment=Q=usr-short'
put "$T/usr/ot-foo-bar-baz.service.d/50-t.conf" '[Service]' 'Environment=T=usr-exact'
put "$T/etc/service.d/50-t.conf" '[Service]' 'Environment=T=etc-service.d'
put "$T/usr/service.d/60-u.conf" '[Service]' 'Environment=U=usr-service.d'
UNITS="ot-foo-bar-baz.service"
