# shellcheck shell=bash disable=SC2034,SC2154
# A search dir that is itself a symlink: files in it are not "linked", a
# symlink into its resolved location is an alias, drop-in dirs are listed by
# their resolved path.
mkdir -p "$T/ext/usr-real"
rmdir "$T/usr"
ln -s ext/usr-real "$T/usr"
svc "$T/ext/usr-real/ot-sl.service" 'Environment=WHO=usr-real N=%n'
put "$T/ext/usr-real/ot-sl.service.d/10.conf" '[Service]' 'Environment=DROPIN=1'
link "$T/ext/usr-real/ot-sl.service" "$T/etc/ot-sl-alias.service"
svc "$T/ext/usr-real/ot-sl2.service" 'Environment=WHO=sl2'
link ../usr/ot-sl2.service "$T/etc/ot-sl2-alias.service"
UNITS="ot-sl.service ot-sl-alias.service ot-sl2-alias.service"
