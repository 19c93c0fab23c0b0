# shellcheck shell=bash disable=SC2034,SC2154
# The name of a linked file's target is not a name of the unit: drop-ins for
# that name do not apply; an instance of a linked template reads its own dirs.
svc "$T/ext/other-name.service" 'Environment=WHO=ext N=%n'
link "$T/ext/other-name.service" "$T/etc/ot-lt.service"
put "$T/usr/other-name.service.d/10.conf" '[Service]' 'Environment=TARGET_NAME_DROPIN=1'
put "$T/usr/ot-lt.service.d/20.conf" '[Service]' 'Environment=LINK_NAME_DROPIN=1'
svc "$T/ext/ot-ltt@.service" 'Environment=I=%i'
link "$T/ext/ot-ltt@.service" "$T/etc/ot-ltt@.service"
put "$T/run/ot-ltt@.service.d/10.conf" '[Service]' 'Environment=TPL_DROPIN=1'
put "$T/run/ot-ltt@a.service.d/20.conf" '[Service]' 'Environment=INST_DROPIN=1'
UNITS="ot-lt.service ot-ltt@a.service ot-ltt@b.service"
