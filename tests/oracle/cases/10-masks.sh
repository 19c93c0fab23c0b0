# shellcheck shell=bash disable=SC2034,SC2154
# Fragment masks: an empty file and a /dev/null symlink (absolute or relative)
# mask the unit, at any level (plain, template, single instance). Drop-ins of a
# masked unit are listed but do not apply. A file with only a newline is not a
# mask (and has no ExecStart=: bad-setting).
: > "$T/etc/ot-m-empty.service"
svc "$T/usr/ot-m-empty.service" 'Environment=WHO=usr'
link /dev/null "$T/etc/ot-m-null.service"
svc "$T/usr/ot-m-null.service" 'Environment=WHO=usr'
link /dev/null "$T/usr/ot-m-usr.service"
link ../../../../../../../../../../../../../../dev/null "$T/etc/ot-m-rel.service"
svc "$T/usr/ot-m-rel.service" 'Environment=WHO=usr'
printf '\n' > "$T/run/ot-m-nl.service"
svc "$T/usr/ot-m-nl.service" 'Environment=WHO=usr'
link /dev/null "$T/etc/ot-m-dropins.service"
svc "$T/usr/ot-m-dropins.service" 'Environment=WHO=usr'
put "$T/etc/ot-m-dropins.service.d/10.conf" '[Service]' 'Environment=DROPIN=1'
link /dev/null "$T/etc/ot-mt@.service"
svc "$T/usr/ot-mt@.service" 'Environment=WHO=usr I=%i'
link /dev/null "$T/etc/ot-mt2@x.service"
svc "$T/usr/ot-mt2@.service" 'Environment=WHO=usr I=%i'
UNITS="ot-m-empty.service ot-m-null.service ot-m-usr.service ot-m-rel.service ot-m-nl.service ot-m-dropins.service ot-mt@x.service ot-mt2@x.service ot-mt2@y.service"
