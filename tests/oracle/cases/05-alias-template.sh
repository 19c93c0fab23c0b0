# shellcheck shell=bash disable=SC2034,SC2154
# Aliases of templates: template -> template, instance -> instance (only that
# instance), instance -> template.
svc "$T/usr/ot-tpl@.service" 'Environment=I=%i N=%n P=%p'
link ot-tpl@.service "$T/etc/ot-alt@.service"
link ot-tpl@foo.service "$T/etc/ot-ia@foo.service"
link ot-tpl@.service "$T/etc/ot-it@bar.service"
UNITS="ot-alt@x.service ot-tpl@x.service ot-ia@foo.service ot-ia@other.service ot-tpl@foo.service ot-it@bar.service ot-it@baz.service"
