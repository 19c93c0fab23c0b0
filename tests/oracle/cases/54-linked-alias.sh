# shellcheck shell=bash disable=SC2034,SC2154
# An alias that points at a linked unit, and a linked unit whose target is an
# alias-looking path in ext: the id and fragment follow the link name.
svc "$T/ext/lnk-target.service" 'Environment=TARGET=1 N=%n'
link "$T/ext/lnk-target.service" "$T/etc/ot-lnk.service"
link ot-lnk.service "$T/usr/ot-lnk-alias.service"
put "$T/usr/ot-lnk.service.d/10.conf" '[Service]' 'Environment=LNK_DROPIN=1'
put "$T/usr/ot-lnk-alias.service.d/20.conf" '[Service]' 'Environment=ALIAS_DROPIN=1'
UNITS="ot-lnk.service ot-lnk-alias.service"
