# shellcheck shell=bash disable=SC2034,SC2154
# Only the alias target's name counts, never its path: the name is looked up
# again through all dirs (it may be masked, or live in another dir).
svc "$T/run/ot-gone.service" 'Environment=WHO=run-gone'
link "$T/usr/ot-gone.service" "$T/etc/ot-al.service"
svc "$T/usr/ot-masked.service" 'Environment=WHO=usr-masked'
link /dev/null "$T/etc/ot-masked.service"
link ot-masked.service "$T/usr/ot-al2.service"
svc "$T/etc/ot-shadow.service" 'Environment=WHO=etc-shadow'
svc "$T/usr/ot-target.service" 'Environment=WHO=usr-target'
link ot-target.service "$T/usr/ot-shadow.service"
UNITS="ot-al.service ot-gone.service ot-al2.service ot-masked.service ot-shadow.service ot-target.service"
