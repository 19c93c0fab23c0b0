# shellcheck shell=bash disable=SC2034,SC2154
# EnvironmentFile=: '-' prefix kept, relative paths ignored, globs stored as
# written, specifiers expanded, duplicates kept, empty value resets (across
# files). Values are not unquoted.
svc "$T/usr/ot-ef.service" \
        'EnvironmentFile=/etc/ot-a.env' \
        'EnvironmentFile=-/etc/ot-b.env' \
        'EnvironmentFile=relative.env' \
        'EnvironmentFile=-relative.env' \
        'EnvironmentFile=/etc/ot-*.env' \
        'EnvironmentFile=-/run/ot-%n.env' \
        'EnvironmentFile=   /leading/space.env   ' \
        'EnvironmentFile="/quoted path.env"' \
        'EnvironmentFile=/a /b' \
        'EnvironmentFile=-' \
        'EnvironmentFile=/bad%Z.env' \
        'EnvironmentFile=/etc/ot-a.env' \
        'EnvironmentFile=--/double-dash.env' \
        'EnvironmentFile=/etc/../etc//ot-c.env'
svc "$T/usr/ot-ef2.service" 'EnvironmentFile=/etc/ot-one.env' 'Environment=A=1'
put "$T/usr/ot-ef2.service.d/10.conf" '[Service]' 'EnvironmentFile=' 'EnvironmentFile=-/etc/ot-two.env'
put "$T/etc/ot-ef2.service.d/20.conf" '[Service]' 'EnvironmentFile=-/etc/ot-three-%i.env'
UNITS="ot-ef.service ot-ef2.service"
