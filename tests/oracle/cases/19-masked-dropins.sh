# shellcheck shell=bash disable=SC2034,SC2154
# Drop-in masks in etc: an empty file, a /dev/null link, a dangling link and an
# unreadable (mode 000) file each hide the usr file of that name, stay in the
# list and contribute nothing. A directory named *.conf is listed as well.
svc "$T/usr/ot-mask.service" 'Environment=FRAG=1'
for n in 10-empty 20-null 30-dangle 40-unread 50-keep 60-dir; do
        put "$T/usr/ot-mask.service.d/$n.conf" '[Service]' "Environment=USR_${n#*-}=1"
done
mkdir -p "$T/etc/ot-mask.service.d"
: > "$T/etc/ot-mask.service.d/10-empty.conf"
link /dev/null "$T/etc/ot-mask.service.d/20-null.conf"
link "$T/ext/missing.conf" "$T/etc/ot-mask.service.d/30-dangle.conf"
put "$T/etc/ot-mask.service.d/40-unread.conf" '[Service]' 'Environment=ETC_unread=1'
chmod 000 "$T/etc/ot-mask.service.d/40-unread.conf"
mkdir -p "$T/etc/ot-mask.service.d/60-dir.conf"
put "$T/etc/ot-mask.service.d/70-own.conf" '[Service]' 'Environment=ETC_own=1'
UNITS="ot-mask.service"
