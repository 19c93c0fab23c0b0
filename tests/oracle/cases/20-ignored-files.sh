# shellcheck shell=bash disable=SC2034,SC2154
# Files that are not drop-ins: hidden, '~' backups, other suffixes, upper-case
# .CONF, files in subdirectories. A .dpkg-old suffix before .conf still counts,
# and a .conf symlink to a file outside the path is read.
svc "$T/usr/ot-ign.service" 'Environment=FRAG=1'
d=$T/usr/ot-ign.service.d
put "$d/.hidden.conf" '[Service]' 'Environment=HIDDEN=1'
put "$d/backup.conf~" '[Service]' 'Environment=BACKUP=1'
put "$d/notconf.txt" '[Service]' 'Environment=TXT=1'
put "$d/upper.CONF" '[Service]' 'Environment=UPPER=1'
put "$d/.conf" '[Service]' 'Environment=DOTCONF=1'
put "$d/x.conf.dpkg-old" '[Service]' 'Environment=DPKG_OLD=1'
put "$d/x.dpkg-old.conf" '[Service]' 'Environment=DPKG_OLD_CONF=1'
put "$d/x.rpmnew" '[Service]' 'Environment=RPMNEW=1'
put "$d/sub/nested.conf" '[Service]' 'Environment=NESTED=1'
put "$d/20-real.conf" '[Service]' 'Environment=REAL=1'
put "$T/ext/linked-dropin.conf" '[Service]' 'Environment=LINKED=1'
link "$T/ext/linked-dropin.conf" "$d/30-linked.conf"
UNITS="ot-ign.service"
