# shellcheck shell=bash disable=SC2034,SC2154
# Alias chains across dirs (etc -> run -> usr), and a chain longer than the
# 8 hops systemd follows.
svc "$T/usr/ot-c3.service" 'Environment=CHAIN=3 N=%n'
link ot-c3.service "$T/run/ot-c2.service"
link ot-c2.service "$T/etc/ot-c1.service"
svc "$T/usr/ot-l10.service" 'Environment=LONG=10'
for i in 0 1 2 3 4 5 6 7 8 9; do
        link "ot-l$((i + 1)).service" "$T/usr/ot-l$i.service"
done
UNITS="ot-c1.service ot-c2.service ot-c3.service ot-l0.service ot-l1.service ot-l2.service ot-l3.service ot-l9.service"
