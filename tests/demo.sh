#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/demo.sh — the seed story, live, in a throwaway systemd container.
#
# As root on Debian 12, from a fresh clone: installs what is missing
# (tests/deps.sh), builds unit-tls with meson into build/ if needed, then boots
# a container (tests/integration/lib.sh) where a Node.js service ("homepage")
# calls an HTTPS server ("Proxmox") whose certificate comes from a private CA:
#   1. the service fails to verify the server (its recorded error is shown);
#   2. unit-tls set homepage --ca /etc/pve/pve-root-ca.pem --dry-run (the diff);
#   3. unit-tls set homepage --ca /etc/pve/pve-root-ca.pem;
#   4. unit-tls status homepage (configured, loaded, running);
#   5. the service now records OK.
# The container, its files and the throwaway CA are removed at the end.
# Exit status 0 when every step behaved as told, non-zero otherwise.
# Environment: BUILD_DIR (default build), UNIT_TLS (use this binary instead).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

say() { printf '%s\n' "$*"; }
show() { sed 's/^/    /'; }
die() { printf 'demo FAILED: %s\n' "$*" >&2; exit 1; }

if [[ $(id -u) != 0 ]]; then
	die "run it as root (it boots a container with systemd-nspawn and installs missing packages)"
fi

# shellcheck source=tests/deps.sh
. tests/deps.sh
install_deps

if [[ -z ${UNIT_TLS:-} ]]; then
	build=${BUILD_DIR:-build}
	if [[ ! -f $build/build.ninja ]]; then
		say "Building unit-tls in $build/ ..."
		meson setup "$build" -Dtests=enabled --werror >/dev/null
	fi
	ninja -C "$build" >/dev/null || die "the build failed: ninja -C $build"
	UNIT_TLS=$top/$build/src/unit-tls
	[[ $build == /* ]] && UNIT_TLS=$build/src/unit-tls
fi
export UNIT_TLS

# The harness's own progress lines ("# ...") go to a log, shown on failure.
harness_log=$(mktemp /tmp/unit-tls-demo.XXXXXX.log)
exec 3>&2 2>"$harness_log"
on_fail() { # run by lib.sh's exit trap, whose local $rc is the exit status
	if ((${rc:-1} != 0)); then
		printf 'demo FAILED (exit %s); the harness said:\n' "$rc" >&3
		sed 's/^/    /' "$harness_log" >&3
	fi
	rm -f "$harness_log"
}
# shellcheck source=tests/integration/lib.sh
. tests/integration/lib.sh
ct_on_exit on_fail

t0=$(ct_now)
ca=/etc/pve/pve-root-ca.pem
svc=homepage

# --- a throwaway CA ("Proxmox's"), and a server certificate it signed
ct_prepare
pki=$CT_DIR/pki
mkdir -p "$pki"
(
	cd "$pki"
	o() { env -i PATH="$CT_PATH" openssl "$@"; }
	o req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
		-keyout ca.key -out ca.crt -subj "/CN=Demo Proxmox Virtual Environment/OU=demo/O=PVE Cluster Manager CA" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
	o req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr -subj "/CN=localhost"
	printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
		"extendedKeyUsage=serverAuth" "subjectAltName=IP:127.0.0.1,DNS:localhost" >leaf.ext
	o x509 -req -in leaf.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -out leaf.crt -extfile leaf.ext
) >"$CT_DIR/pki.log" 2>&1 || die "could not make the demo CA: $(cat "$CT_DIR/pki.log")"

# Everything is in place before boot: the server, the Node client, the CA
# file where Proxmox keeps it, and unit-tls in /usr/local/bin.
ct_copy "$pki/ca.crt" "$ca"
ct_install_unit_tls
ct_https_server "$pki/leaf.crt" "$pki/leaf.key"
ct_node_client "$svc"
ct_start
ct_wait_port "$CT_HTTPS_PORT" 10
say "A throwaway systemd container is up ($(ct_exec systemctl --version | head -n1 | cut -d' ' -f1-2), Node $(ct_exec node --version))."
say "In it, homepage.service (Node.js) calls https://127.0.0.1:$CT_HTTPS_PORT/, a server whose certificate comes from a private CA ($ca)."

# --- 1. the failure
before=$(ct_wait_result "$svc" 20)
[[ $before != OK ]] || die "the service verified the server before unit-tls did anything"
say ""
say "1. The service cannot verify the server; it records:"
ct_exec cat "/var/lib/$svc/result" | awk '{ print "    " $1 "   (invocation " substr($2, 1, 8) "…, pid " $3 ")" }'
[[ $before == UNABLE_TO_VERIFY_LEAF_SIGNATURE ]] ||
	die "expected UNABLE_TO_VERIFY_LEAF_SIGNATURE, got $before"

run() { # run ARGS...: unit-tls inside the container, output shown indented; returns its status
	local rc=0 out
	out=$(ct_exec unit-tls "$@" 2>&1) || rc=$?
	printf '%s\n' "$out" | show
	return "$rc"
}

# --- 2. the dry run
say ""
say "2. unit-tls set $svc --ca $ca --dry-run   (shows the change, changes nothing)"
run set "$svc" --ca "$ca" --dry-run || die "the dry run exited $?"
[[ ! -e $CT_ROOT/etc/systemd/system/$svc.service.d/tls.conf ]] || die "the dry run wrote the drop-in"

# --- 3. the real thing
say ""
say "3. unit-tls set $svc --ca $ca"
run set "$svc" --ca "$ca" || die "unit-tls set exited $?"
[[ -f $CT_ROOT/etc/systemd/system/$svc.service.d/tls.conf ]] || die "no drop-in was written"
env_now=$(ct_unit_getenv "$svc.service" NODE_EXTRA_CA_CERTS) || die "the running process has no NODE_EXTRA_CA_CERTS"
[[ $env_now == "$ca" ]] || die "the running process has NODE_EXTRA_CA_CERTS=$env_now"

# --- 4. status: configured, loaded, running
say ""
say "4. unit-tls status $svc"
status_out=$(ct_exec unit-tls status "$svc" 2>&1) || { printf '%s\n' "$status_out" | show; die "unit-tls status exited non-zero"; }
printf '%s\n' "$status_out" | show
json=$(ct_exec unit-tls status "$svc" --json) || die "unit-tls status --json failed"
python3 - "$ca" "$json" <<-'PY' || die "status --json does not show the CA at all three levels: $json"
	import json, sys
	ca, doc = sys.argv[1], json.loads(sys.argv[2])
	u = doc["units"][0]
	want = "NODE_EXTRA_CA_CERTS=" + ca
	assert u["verdict"] == "ok", u["verdict"]
	assert u["environment"]["NODE_EXTRA_CA_CERTS"]["value"] == ca      # configured (files)
	assert u["loaded"]["need_daemon_reload"] is False                  # loaded by systemd
	assert want in u["loaded"]["environment"]
	assert want in u["running"]["environment"]                         # the running process
	PY
for re in "environment: +NODE_EXTRA_CA_CERTS=$ca " "loaded: +active, up to date" \
	"running: +PID [0-9]+, NODE_EXTRA_CA_CERTS=$ca\$" "verdict: +ok"; do
	grep -Eq "^ *$re" <<<"$status_out" || die "status lacks a line matching '$re'"
done

# --- 5. the service now works
after=$(ct_wait_result "$svc" 20)
say ""
say "5. The restarted service records:"
ct_exec cat "/var/lib/$svc/result" | awk '{ print "    " $1 "   (invocation " substr($2, 1, 8) "…, pid " $3 ")" }'
[[ $after == OK ]] || die "expected OK after unit-tls set, got $after"

# --- clean up, and prove it
dir=$CT_DIR
ct_stop || die "the container was not cleaned up completely"
[[ ! -e $dir ]] || die "$dir is left behind"
say ""
say "Done in $(ct_elapsed "$t0")s. The container, the demo CA and every file are gone."
