# shellcheck shell=bash disable=SC2034,SC2154
# A second ExecStart= on a simple service is a bad setting; a drop-in must
# reset it first. A service without ExecStart= is refused too.
svc "$T/usr/ot-exec2.service" 'Environment=A=1'
put "$T/usr/ot-exec2.service.d/10.conf" '[Service]' 'ExecStart=/bin/false' 'Environment=B=2'
svc "$T/usr/ot-execreset.service" 'Environment=A=1'
put "$T/usr/ot-execreset.service.d/10.conf" '[Service]' 'ExecStart=' 'ExecStart=/bin/false' 'Environment=B=2'
put "$T/usr/ot-noexec.service" '[Service]' 'Environment=A=1'
put "$T/usr/ot-oneshot.service" '[Service]' 'Type=oneshot' 'ExecStart=/bin/true' 'ExecStart=/bin/false' 'Environment=A=1'
UNITS="ot-exec2.service ot-execreset.service ot-noexec.service ot-oneshot.service"
