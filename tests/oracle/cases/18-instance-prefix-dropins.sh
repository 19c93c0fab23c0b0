# shellcheck shell=bash disable=SC2034,SC2154
# An instance of a dashed template reads the instance, template, and dash-prefix
# dirs of both: ot-foo-bar@baz.d, ot-foo-bar@.d, ot-foo-.d, ot-foo-@baz.d,
# ot-foo-@.d, ot-.d, ot-@baz.d, ot-@.d. 50-same.conf shows the order within usr.
svc "$T/usr/ot-foo-bar@.service" 'Environment=I=%i'
for d in ot-foo-bar@baz ot-foo-bar@ ot-foo- ot-foo-@baz ot-foo-@ ot- ot-@baz ot-@ ot-foo-bar; do
        n=${d//-/_}
        n=${n//@/_at_}
        put "$T/usr/$d.service.d/$n.conf" '[Service]' "Environment=D_$n=1"
        put "$T/usr/$d.service.d/50-same.conf" '[Service]' "Environment=SAME=$d"
done
put "$T/etc/ot-@.service.d/60-etc.conf" '[Service]' 'Environment=ETC=least-specific'
put "$T/usr/ot-foo-bar@baz.service.d/60-etc.conf" '[Service]' 'Environment=ETC=usr-exact'
UNITS="ot-foo-bar@baz.service ot-foo-bar@other.service"
