# shellcheck shell=bash disable=SC2034,SC2154
# A repeated name replaces the earlier value in place (first position kept),
# within one line, across lines and across drop-ins.
svc "$T/usr/ot-repl.service" 'Environment=A=1 B=2 A=3' 'Environment=C=1 B=changed'
put "$T/usr/ot-repl.service.d/10.conf" '[Service]' 'Environment=D=d C=c2 A=a3' 'Environment=D=1 D=2 D=3'
put "$T/etc/ot-repl.service.d/20.conf" '[Service]' 'Environment=B='
UNITS="ot-repl.service"
