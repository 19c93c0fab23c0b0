#!/bin/bash
# The seed story, without unit-tls: a Node.js service ("Homepage") calls an
# HTTPS server whose certificate comes from a private CA ("Proxmox").
#   1. it fails with UNABLE_TO_VERIFY_LEAF_SIGNATURE;
#   2. adding the CA to the system trust store and restarting does not help
#      (Node uses its bundled CA list);
#   3. exporting NODE_EXTRA_CA_CERTS in the shell that runs systemctl does
#      not help (the service manager does not take the caller's environment);
#   4. a drop-in with Environment=NODE_EXTRA_CA_CERTS=... is ignored by a
#      restart without daemon-reload, and by the running process after
#      daemon-reload alone; daemon-reload + restart makes the call succeed.
# Step 4 is what unit-tls automates; its scenarios replace the hand-written
# drop-in with the tool.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

t_all=$(ct_now)
ct_start
pki_make "$CT_DIR/pki"
ct_https_server "$CT_DIR/pki/leaf.crt" "$CT_DIR/pki/leaf.key"

svc=ut-homepage
ca=/usr/local/share/ca-certificates/ut-test-ca.crt
expect_fail=UNABLE_TO_VERIFY_LEAF_SIGNATURE

# --- 1. baseline
ct_node_client "$svc"
ct_assert_eq "1. baseline result" "$expect_fail" "$(ct_wait_result "$svc")"
if v=$(ct_unit_getenv "$svc.service" NODE_EXTRA_CA_CERTS); then
	ct_fail "NODE_EXTRA_CA_CERTS leaked into the service: '$v'"
fi
ct_log "ok: service environment has no NODE_EXTRA_CA_CERTS"

# --- 2. system trust store
if ct_exec test -x /usr/sbin/update-ca-certificates; then
	ct_copy "$CT_DIR/pki/ca.crt" "$ca"
	ct_exec update-ca-certificates >/dev/null 2>&1 || ct_fail "update-ca-certificates failed inside the container"
	# OpenSSL (like curl, Python...) now trusts the server: the store is right.
	verify=$(ct_exec_t 15 openssl s_client -connect "127.0.0.1:$CT_HTTPS_PORT" \
		-verify_return_error </dev/null 2>&1 | grep -m1 -o 'Verify return code: .*' || true)
	ct_assert_eq "2. openssl s_client with the system store" "Verify return code: 0 (ok)" "$verify"
	ct_systemctl restart "$svc.service"
	# A distro build of Node (NODE_OPENSSL_CERT_STORE) would read the system
	# store; the seed story is about the usual bundled-store builds.
	if ct_exec node -p "process.config.target_defaults.defines.includes('NODE_OPENSSL_CERT_STORE')" | grep -q true; then
		ct_log "note: this node uses the system store; step 2 shows nothing here"
		ct_wait_result "$svc" >/dev/null
	else
		ct_assert_eq "2. after update-ca-certificates + restart" "$expect_fail" "$(ct_wait_result "$svc")"
	fi
else
	ct_log "ca-certificates not installed in the container: step 2 skipped"
	ct_copy "$CT_DIR/pki/ca.crt" "$ca"
fi

# --- 3. the variable in the caller's shell
ct_exec env NODE_EXTRA_CA_CERTS="$ca" systemctl restart "$svc.service"
ct_assert_eq "3. exported in the shell + restart" "$expect_fail" "$(ct_wait_result "$svc")"

# --- 4. drop-in: ignored without daemon-reload, effective with it
ct_write_dropin "$svc.service" 50-node-extra-ca-certs.conf <<EOF2
[Service]
Environment=NODE_EXTRA_CA_CERTS=$ca
EOF2
ct_systemctl restart "$svc.service" 2>/dev/null
ct_assert_eq "4a. drop-in, restart without daemon-reload" "$expect_fail" "$(ct_wait_result "$svc")"
ct_daemon_reload
ct_assert_eq "4b. daemon-reload, no restart: next attempt" "$expect_fail" "$(ct_wait_next_result "$svc")"
ct_systemctl restart "$svc.service"
ct_assert_eq "4c. drop-in + daemon-reload + restart" OK "$(ct_wait_result "$svc")"
ct_assert_eq "4c. NODE_EXTRA_CA_CERTS of the main process" "$ca" \
	"$(ct_unit_getenv "$svc.service" NODE_EXTRA_CA_CERTS)"
# The drop-in is a file the container wrote into the upper layer.
[[ -f $CT_ROOT/etc/systemd/system/$svc.service.d/50-node-extra-ca-certs.conf ]] ||
	ct_fail "drop-in not found in the upper layer"

ct_log "scenario body took $(ct_elapsed "$t_all")s (boot ${CT_BOOT_SECONDS}s)"
