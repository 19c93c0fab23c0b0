# shellcheck shell=bash disable=SC2034,SC2154
# Templates and instances: a real instance file wins over the template, even
# when the template is in a higher dir.
svc "$T/usr/ot-t@.service" 'Environment=FROM=template I=%i'
svc "$T/usr/ot-t@real.service" 'Environment=FROM=instance-file I=%i'
svc "$T/etc/ot-t2@.service" 'Environment=FROM=etc-template I=%i'
svc "$T/usr/ot-t2@x.service" 'Environment=FROM=usr-instance-file I=%i'
UNITS="ot-t@a.service ot-t@real.service ot-t2@x.service ot-t2@y.service ot-nt@x.service"
