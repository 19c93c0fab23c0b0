# shellcheck shell=bash disable=SC2034,SC2154
# Baseline: one plain unit in usr, one in etc, one that exists nowhere.
svc "$T/usr/ot-basic.service" 'Environment=A=1 B=2' \
        'EnvironmentFile=-/etc/ot-basic.env' 'UnsetEnvironment=C'
svc "$T/etc/ot-etc.service" 'Environment="GREETING=hello world"'
UNITS="ot-basic.service ot-etc.service ot-missing.service"
