# shellcheck shell=bash disable=SC2034,SC2154
# Assignments outside any section are ignored ("Assignment outside of
# section"); assignments under the wrong section are unknown keys there.
svc "$T/usr/ot-nosec.service" 'Environment=FRAG=1'
put "$T/usr/ot-nosec.service.d/10-nohdr.conf" 'Environment=NOHDR=1'
put "$T/usr/ot-nosec.service.d/20-unit.conf" '[Unit]' 'Environment=IN_UNIT=1' 'Description=d'
put "$T/usr/ot-nosec.service.d/30-late.conf" 'Environment=BEFORE_HDR=1' '[Service]' 'Environment=AFTER_HDR=1'
put "$T/usr/ot-nosec.service.d/40-install.conf" '[Install]' 'Environment=IN_INSTALL=1'
put "$T/usr/ot-nosec.service.d/50-back.conf" '[Unit]' 'Description=x' '[Service]' 'Environment=BACK=1' '[Unit]' 'Environment=NOT=1'
put "$T/usr/ot-nosec2.service" 'Environment=OUTSIDE=1' '[Service]' 'ExecStart=/bin/true' 'Environment=INSIDE=1'
UNITS="ot-nosec.service ot-nosec2.service"
