# shellcheck shell=bash disable=SC2034,SC2154
# Linked unit files: symlinks to files outside the search path. The fragment
# path is the symlink itself; drop-ins next to the real file are not used.
svc "$T/ext/ot-linked.service" 'Environment=LINKED=1 N=%n'
link "$T/ext/ot-linked.service" "$T/etc/ot-linked.service"
put "$T/ext/ot-linked.service.d/10-ext.conf" '[Service]' 'Environment=EXT_DROPIN=1'
put "$T/etc/ot-linked.service.d/20-etc.conf" '[Service]' 'Environment=ETC_DROPIN=1'
svc "$T/ext/some-other-name.service" 'Environment=OTHER=1 N=%n'
link "$T/ext/some-other-name.service" "$T/etc/ot-lk2.service"
svc "$T/ext/ot-lkrel.service" 'Environment=REL=1'
link ../ext/ot-lkrel.service "$T/run/ot-lkrel.service"
link "$T/ext/nonexistent.service" "$T/etc/ot-lkdangle.service"
svc "$T/usr/ot-lkdangle.service" 'Environment=WHO=usr'
svc "$T/ext/ot-lktpl@.service" 'Environment=I=%i'
link "$T/ext/ot-lktpl@.service" "$T/usr/ot-lktpl@.service"
UNITS="ot-linked.service ot-lk2.service ot-lkrel.service ot-lkdangle.service ot-lktpl@a.service"
