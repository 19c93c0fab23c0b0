# shellcheck shell=bash disable=SC2034,SC2154
# Invalid section headers ('[Service] # c', junk after ']', no ']', quotes
# inside) are fatal in a fragment (load state error) and cut a drop-in at that
# line; later drop-ins still apply. "[]" is an unknown (empty) section. A failed
# fragment lists no drop-ins.
put "$T/usr/ot-hdr-f1.service" '[Service] # comment' 'ExecStart=/bin/true' 'Environment=A=1'
put "$T/usr/ot-hdr-f1.service.d/10.conf" '[Service]' 'Environment=DROPIN=1'
put "$T/usr/ot-hdr-f2.service" '[Service' 'ExecStart=/bin/true' 'Environment=A=1'
put "$T/usr/ot-hdr-f3.service" '[Service]' 'ExecStart=/bin/true' 'Environment=A=1' '[Ser"vice]'
put "$T/usr/ot-hdr-f4.service" '[Service]' 'ExecStart=/bin/true' 'Environment=A=1' '[]' 'Environment=B=1'
svc "$T/usr/ot-hdr-d.service" 'Environment=FRAG=1'
d=$T/usr/ot-hdr-d.service.d
put "$d/10.conf" '[Service]' 'Environment=D10=1' '[Service] # comment' 'Environment=D10_AFTER=1'
put "$d/20.conf" '[Service]' 'Environment=D20=1' '[Service]x' 'Environment=D20_AFTER=1'
put "$d/30.conf" '[Service]' 'Environment=D30=1' '[Serv"ice]' 'Environment=D30_AFTER=1'
put "$d/40.conf" '[Service]' 'Environment=D40=1' '[Service' 'Environment=D40_AFTER=1'
put "$d/50.conf" '[]' 'Environment=D50=1' '[Service]' 'Environment=D50_AFTER=1'
put "$d/60.conf" '[Service]' 'Environment=D60=1'
UNITS="ot-hdr-f1.service ot-hdr-f2.service ot-hdr-f3.service ot-hdr-f4.service ot-hdr-d.service"
