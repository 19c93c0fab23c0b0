# shellcheck shell=bash disable=SC2034,SC2154
# A realistic mix on an instance: Environment= with %i in the template,
# EnvironmentFile= with specifiers and '-', UnsetEnvironment=, and drop-ins in
# the template dir (etc) and the instance dir (run) that override one name.
svc "$T/usr/ot-app@.service" \
        'Environment="APP_NAME=%i" APP_PORT=80 "APP_OPTS=--verbose --name=%i"' \
        'EnvironmentFile=-/etc/ot-app/%i.env' \
        'UnsetEnvironment=DEBUG'
put "$T/etc/ot-app@.service.d/override.conf" '[Service]' 'Environment=APP_PORT=8080' \
        'EnvironmentFile=-/etc/ot-app/common.env'
put "$T/run/ot-app@blue.service.d/override.conf" '[Service]' 'Environment=APP_PORT=9090 COLOR=blue'
put "$T/run/ot-app@green.service.d/zz-tls.conf" '[Service]' 'Environment=SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt'
UNITS="ot-app@blue.service ot-app@green.service ot-app@red.service"
