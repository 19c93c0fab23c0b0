# shellcheck shell=bash disable=SC2034,SC2154
# Invalid alias symlinks are skipped before their name is recorded, so a
# lower-priority file of the same name is used (or the unit is not found).
put "$T/usr/ot-other.socket" '[Socket]' 'ListenStream=/run/ot-other.sock'
link ot-other.socket "$T/etc/ot-bad.service"
svc "$T/usr/ot-bad.service" 'Environment=WHO=usr-bad'
link ot-nothing.socket "$T/etc/ot-bad2.service"
link ot-self.service "$T/etc/ot-self.service"
svc "$T/usr/ot-self.service" 'Environment=WHO=usr-self'
svc "$T/usr/ot-tpl@.service" 'Environment=WHO=tpl I=%i'
svc "$T/usr/ot-plain.service" 'Environment=WHO=plain'
link ot-tpl@.service "$T/etc/ot-p2t.service"
link ot-plain.service "$T/etc/ot-t2p@.service"
link ot-tpl@b.service "$T/etc/ot-ix@a.service"
UNITS="ot-bad.service ot-bad2.service ot-self.service ot-p2t.service ot-t2p@x.service ot-ix@a.service"
