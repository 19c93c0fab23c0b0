# shellcheck shell=bash disable=SC2034,SC2154
# An unreadable (mode 000) fragment is still the chosen fragment: the lower
# file of the same name is not used. (Both programs read as user nobody.)
put "$T/etc/ot-unread.service" '[Service]' 'ExecStart=/bin/true' 'Environment=WHO=etc'
chmod 000 "$T/etc/ot-unread.service"
svc "$T/usr/ot-unread.service" 'Environment=WHO=usr'
put "$T/usr/ot-unread2.service" '[Service]' 'ExecStart=/bin/true'
chmod 000 "$T/usr/ot-unread2.service"
put "$T/usr/ot-unread2.service.d/10.conf" '[Service]' 'Environment=DROPIN=1'
UNITS="ot-unread.service ot-unread2.service"
