# shellcheck shell=bash disable=SC2034,SC2154
# Drop-in dirs of instance and template aliases: ot-ia@foo (alias of one
# instance) reads ot-ia@foo.d and ot-ia@.d; ot-alt@x (template alias) reads
# ot-alt@x.d and ot-alt@.d; the real names' dirs come first.
svc "$T/usr/ot-tpl@.service" 'Environment=I=%i N=%n'
link ot-tpl@foo.service "$T/etc/ot-ia@foo.service"
link ot-tpl@.service "$T/etc/ot-alt@.service"
put "$T/etc/ot-ia@foo.service.d/10-ia-inst.conf" '[Service]' 'Environment=IA_INST=1'
put "$T/etc/ot-ia@.service.d/20-ia-tpl.conf" '[Service]' 'Environment=IA_TPL=1'
put "$T/usr/ot-alt@.service.d/30-alt-tpl.conf" '[Service]' 'Environment=ALT_TPL=1'
put "$T/usr/ot-alt@x.service.d/40-alt-inst.conf" '[Service]' 'Environment=ALT_INST=1'
put "$T/usr/ot-tpl@.service.d/50-tpl.conf" '[Service]' 'Environment=TPL=1'
put "$T/usr/ot-tpl@.service.d/10-ia-inst.conf" '[Service]' 'Environment=TPL_SAME_NAME=1'
UNITS="ot-ia@foo.service ot-tpl@foo.service ot-alt@x.service ot-tpl@x.service ot-alt@y.service"
