# shellcheck shell=bash disable=SC2034,SC2154
# Aliases: symlinks whose target lies inside the search path (relative,
# absolute, same directory). The unit id is the target's name.
svc "$T/usr/ot-real.service" 'Environment=REAL=1 N=%n'
link ../usr/ot-real.service "$T/etc/ot-alias.service"
link "$T/usr/ot-real.service" "$T/etc/ot-alias-abs.service"
link ot-real.service "$T/usr/ot-alias-usr.service"
UNITS="ot-alias.service ot-alias-abs.service ot-alias-usr.service ot-real.service"
