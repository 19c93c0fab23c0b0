# shellcheck shell=bash disable=SC2034,SC2154
# UnsetEnvironment=: names or exact NAME=VALUE assignments, unquoted and
# unescaped like Environment=, specifiers expanded, invalid words skipped,
# empty value resets (across files).
svc "$T/usr/ot-unset.service" \
        'Environment=A=1 B=1' \
        "UnsetEnvironment=A B=1 'C=x y' 1BAD bad-name D= E\\x3d2 F%%=1" \
        'UnsetEnvironment=A G_%i H=%p'
put "$T/usr/ot-unset.service.d/10.conf" '[Service]' 'UnsetEnvironment=LATER'
svc "$T/usr/ot-unset2.service" 'UnsetEnvironment=A B'
put "$T/usr/ot-unset2.service.d/10.conf" '[Service]' 'UnsetEnvironment=' 'UnsetEnvironment=C'
svc "$T/usr/ot-unset3.service" 'UnsetEnvironment=X=1 Y \d Z'
UNITS="ot-unset.service ot-unset2.service ot-unset3.service"
