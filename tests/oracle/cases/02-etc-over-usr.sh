# shellcheck shell=bash disable=SC2034,SC2154
# One name in several search dirs: the highest dir's file is used whole, never
# merged with the lower ones; drop-ins still come from every dir.
svc "$T/usr/ot-over.service" 'Environment=FROM_USR=1 SHARED=usr'
svc "$T/etc/ot-over.service" 'Environment=FROM_ETC=1'
put "$T/usr/ot-over.service.d/10-usr.conf" '[Service]' 'Environment=DROPIN_USR=1'
svc "$T/usr/ot-run.service" 'Environment=FROM_USR=1'
svc "$T/run/ot-run.service" 'Environment=FROM_RUN=1'
svc "$T/run/ot-both.service" 'Environment=FROM_RUN=1'
svc "$T/etc/ot-both.service" 'Environment=FROM_ETC=1'
UNITS="ot-over.service ot-run.service ot-both.service"
