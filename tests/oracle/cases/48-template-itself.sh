# shellcheck shell=bash disable=SC2034,SC2154
# Asking for a template name itself (no instance): systemd cannot load or start
# a bare template. Compared next to a normal instance of the same template.
svc "$T/usr/ot-bare@.service" 'Environment=I=%i'
UNITS="ot-bare@.service ot-bare@x.service"
