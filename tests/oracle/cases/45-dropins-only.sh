# shellcheck shell=bash disable=SC2034,SC2154
# Drop-ins without a fragment do not make a unit: not-found (plain unit,
# instance with only an instance dir, template dir without a template).
put "$T/etc/ot-only.service.d/10.conf" '[Service]' 'ExecStart=/bin/true' 'Environment=A=1'
put "$T/usr/ot-onlyt@x.service.d/10.conf" '[Service]' 'ExecStart=/bin/true'
put "$T/usr/ot-onlyt@.service.d/10.conf" '[Service]' 'ExecStart=/bin/true'
put "$T/usr/ot-.service.d/10.conf" '[Service]' 'Environment=PREFIX=1'
UNITS="ot-only.service ot-onlyt@x.service"
