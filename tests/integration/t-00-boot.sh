#!/bin/bash
# Boot a throwaway systemd container, check it is a real, clean systemd with
# only a loopback network, then stop it and check nothing is left behind.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

ct_prepare
# A file written into the upper layer before boot is part of the container.
mkdir -p "$CT_ROOT$CT_SHARE"
echo before-boot >"$CT_ROOT$CT_SHARE/marker"
ct_start

state=$(ct_exec systemctl is-system-running || true)
case $state in
running | degraded) ct_log "ok: is-system-running = $state" ;;
*) ct_fail "is-system-running = '$state'" ;;
esac
ct_assert_eq "PID 1 inside" systemd "$(ct_exec cat /proc/1/comm)"
ct_assert_eq "pre-boot file" before-boot "$(ct_exec cat "$CT_SHARE/marker")"
# unit-tls talks to systemd over the system bus: the bus must answer, with
# the version of the systemd installed in the container (the host's, unless
# CT_LOWER boots another root).
ct_assert_eq "systemd version over D-Bus" "$(ct_exec systemctl --version | awk 'NR == 1 { print $2 }')" \
	"$(ct_exec busctl get-property org.freedesktop.systemd1 /org/freedesktop/systemd1 \
		org.freedesktop.systemd1.Manager Version | sed -E 's/^s "([0-9]+).*/\1/')"

# A file written through ct_write after boot is visible at once.
echo after-boot | ct_write "$CT_SHARE/marker2"
ct_assert_eq "post-boot file" after-boot "$(ct_exec cat "$CT_SHARE/marker2")"

# The environment of commands run inside is clean, and so is the manager's:
# the host exports NODE_EXTRA_CA_CERTS, SSL_CERT_FILE... which must not leak.
env_inside=$(ct_exec env)
if grep -Eq '^(NODE_|SSL_|CURL_|REQUESTS_)' <<<"$env_inside"; then
	ct_fail "host environment leaked into ct_exec: $env_inside"
fi
manager_env=$(ct_systemctl show-environment)
if grep -Eq '^(NODE_|SSL_|CURL_|REQUESTS_)' <<<"$manager_env"; then
	ct_fail "host environment leaked into the service manager: $manager_env"
fi
ct_log "ok: no host TLS variables inside"

# Private network: only a loopback interface.
ct_assert_eq "network interfaces" lo "$(ct_exec ls /sys/class/net | tr '\n' ' ' | sed 's/ $//')"

dir=$CT_DIR leader=$CT_LEADER nspawn=$CT_NSPAWN_PID
ct_stop
ct_log "stopped in ${CT_STOP_SECONDS}s"
[[ ! -e /proc/$nspawn ]] || ct_fail "systemd-nspawn ($nspawn) still running"
[[ ! -e /proc/$leader ]] || ct_fail "container PID 1 ($leader) still running"
if findmnt -rn -o TARGET | grep -qF "$dir"; then ct_fail "mounts left under $dir"; fi
[[ ! -e $dir ]] || ct_fail "$dir not removed"
ct_log "ok: no process, mount or directory left"
