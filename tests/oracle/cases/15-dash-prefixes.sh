# shellcheck shell=bash disable=SC2034,SC2154
# Dash prefixes: ot-a-b-c reads ot-a-b-c.d, ot-a-b-.d, ot-a-.d, ot-.d, but not
# ot-a-b.d or ot-a-b-c-.d. Names ending in '-' and double dashes.
for u in ot-a-b-c ot-a-b ot-a- ot-x--y ot-x-; do
        svc "$T/usr/$u.service" "Environment=FRAG=$u"
done
for d in ot-a-b-c ot-a-b- ot-a- ot- ot-a-b ot-a-b-c- ot-x-- ot-x- ot-a; do
        put "$T/usr/$d.service.d/${d//-/_}.conf" '[Service]' "Environment=D_${d//-/_}=1"
done
UNITS="ot-a-b-c.service ot-a-b.service ot-a-.service ot-x--y.service ot-x-.service"
