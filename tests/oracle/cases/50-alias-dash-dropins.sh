# shellcheck shell=bash disable=SC2034,SC2154
# An alias with dashes brings its own dash-prefix dirs (ot-x-.d), but they come
# after every dir of the real name, including the real name's prefix dirs.
svc "$T/usr/ot-realname.service" 'Environment=FRAG=1'
link ot-realname.service "$T/etc/ot-x-y.service"
put "$T/usr/ot-x-.service.d/10-alias-prefix.conf" '[Service]' 'Environment=ALIAS_PREFIX=1'
put "$T/usr/ot-x-y.service.d/20-alias.conf" '[Service]' 'Environment=ALIAS=1'
put "$T/usr/ot-.service.d/10-alias-prefix.conf" '[Service]' 'Environment=REAL_PREFIX_WINS=1'
UNITS="ot-x-y.service ot-realname.service"
