# shellcheck shell=bash disable=SC2034,SC2154
# Symlinked drop-in dirs: a .d symlink to a dir outside the path is read and
# listed by its resolved path; a .d symlink to another search dir's .d is
# de-duplicated; a .d that is a regular file is ignored.
svc "$T/usr/ot-dds.service" 'Environment=FRAG=1'
put "$T/ext/dds.d/10-ext.conf" '[Service]' 'Environment=EXT=1'
link "$T/ext/dds.d" "$T/etc/ot-dds.service.d"
put "$T/usr/ot-dds.service.d/20-usr.conf" '[Service]' 'Environment=USR=1'
svc "$T/usr/ot-dds2.service" 'Environment=FRAG=2'
put "$T/usr/ot-dds2.service.d/10.conf" '[Service]' 'Environment=TEN=usr'
link "$T/usr/ot-dds2.service.d" "$T/run/ot-dds2.service.d"
svc "$T/usr/ot-dds3.service" 'Environment=FRAG=3'
put "$T/etc/ot-dds3.service.d" '[Service]' 'Environment=FILE_NOT_DIR=1'
put "$T/usr/ot-dds3.service.d/10.conf" '[Service]' 'Environment=TEN=usr'
UNITS="ot-dds.service ot-dds2.service ot-dds3.service"
