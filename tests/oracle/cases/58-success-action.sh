# shellcheck shell=bash disable=SC2034,SC2154
# A service without ExecStart= loads when it has SuccessAction= (other than none): it is a
# oneshot that only triggers the action, as systemd-poweroff.service, systemd-reboot.service
# and systemd-exit.service are (service_verify() in src/core/service.c). A value that does
# not parse is ignored and the previous one stays (config_parse_emergency_action()).
put "$T/usr/ot-sa-reboot.service" '[Unit]' 'SuccessAction=reboot-force' '[Service]' 'Type=oneshot'
put "$T/usr/ot-sa-exit.service" '[Unit]' 'SuccessAction=exit' '[Service]' 'Environment=A=1'
put "$T/usr/ot-sa-none.service" '[Unit]' 'SuccessAction=none' '[Service]' 'Environment=A=1'
put "$T/usr/ot-sa-bogus.service" '[Unit]' 'SuccessAction=bogus' '[Service]' 'Environment=A=1'
put "$T/usr/ot-sa-keep.service" '[Unit]' 'SuccessAction=poweroff' 'SuccessAction=bogus' '[Service]' 'Environment=A=1'
put "$T/usr/ot-sa-reset.service" '[Unit]' 'SuccessAction=poweroff' 'SuccessAction=none' '[Service]' 'Environment=A=1'
put "$T/usr/ot-sa-dropin.service" '[Service]' 'Environment=A=1'
put "$T/etc/ot-sa-dropin.service.d/10-action.conf" '[Unit]' 'SuccessAction=exit-force'
put "$T/usr/ot-sa-service-section.service" '[Service]' 'SuccessAction=reboot' 'Environment=A=1'
UNITS="ot-sa-reboot.service ot-sa-exit.service ot-sa-none.service ot-sa-bogus.service"
UNITS+=" ot-sa-keep.service ot-sa-reset.service ot-sa-dropin.service ot-sa-service-section.service"
