# shellcheck shell=bash disable=SC2034,SC2154
# Specifiers when a unit is loaded by an alias: the fragment is read while the unit's id is
# still the name asked for, drop-ins after the id became the real name (unit_load_fragment()
# merges the alias before drop-ins are read, src/core/load-fragment.c).
svc "$T/usr/ot-real.service" 'Environment="FN=%n" "FP=%p" "FNN=%N"'
link ot-real.service "$T/usr/ot-alias.service"
put "$T/etc/ot-real.service.d/10.conf" '[Service]' 'Environment="DN=%n" "DP=%p"'
put "$T/etc/ot-alias.service.d/20.conf" '[Service]' 'Environment="AN=%n"'
svc "$T/usr/ot-tpl@.service" 'Environment="FI=%i" "FN=%n"'
link ot-tpl@.service "$T/usr/ot-tal@.service"
put "$T/etc/ot-tpl@.service.d/10.conf" '[Service]' 'Environment="DI=%i" "DN=%n"'
UNITS="ot-alias.service ot-real.service ot-tal@x.service ot-tpl@x.service"
