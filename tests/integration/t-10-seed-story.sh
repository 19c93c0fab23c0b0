#!/bin/bash
# The seed story with unit-tls: a Node.js service that calls an HTTPS server
# signed by a private CA fails with UNABLE_TO_VERIFY_LEAF_SIGNATURE;
# `unit-tls set svc --ca ca.crt` writes the drop-in, has systemd load it,
# restarts the service and proves the new process has the variable; the
# service now records OK. status shows the loaded and running levels. The
# same set again changes and restarts nothing; unset brings the error back.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=ut-lib.sh
. "$(dirname "$0")/ut-lib.sh"

t_all=$(ct_now)
ut_setup
svc=ut-homepage
unit=$svc.service
dropin=$(ut_dropin "$unit")

# --- before
ct_node_client "$svc"
ut_assert_result "$svc" "$UT_FAIL" "before"
ut_assert_no_env "$unit" NODE_EXTRA_CA_CERTS

# --- set
before=$(ut_state "$unit") reloads=$(ut_reloads)
ut_run set "$svc" --ca "$UT_CA"
ut_expect_rc "set" 0
ut_assert_dropin "$unit" "$(ut_expected_dropin "$UT_CA")"
ut_assert_loaded "$unit" "$UT_CA"
ut_assert_reloads "set" "$reloads" 1
ut_assert_restarted "$unit" "$before"
ut_assert_result "$svc" OK "after set"
ut_assert_env "$unit" NODE_EXTRA_CA_CERTS "$UT_CA"
ut_assert_no_env "$unit" NODE_TLS_REJECT_UNAUTHORIZED
pid=$(ct_main_pid "$unit")
ut_assert_contains "set output" "$UT_OUT" "$unit: wrote $dropin"
ut_assert_contains "set output" "$UT_OUT" "$unit: loaded by systemd, restarted; running process (PID $pid) verified: NODE_EXTRA_CA_CERTS=$UT_CA"
ct_assert_eq "set stderr (no warning for a good CA)" "" "$UT_ERR"

# --- status: text
ut_run status "$svc"
ut_expect_rc "status" 0
ut_assert_contains "status" "$UT_OUT" "  verdict:    ok"
ut_assert_contains "status" "$UT_OUT" "  drop-ins:   $dropin"
ut_assert_contains "status" "$UT_OUT" "NODE_EXTRA_CA_CERTS=$UT_CA  ($dropin:3)"
ut_assert_contains "status: loaded level" "$UT_OUT" "  loaded:     active, up to date with the files"
ut_assert_contains "status: running level" "$UT_OUT" "  running:    PID $pid, NODE_EXTRA_CA_CERTS=$UT_CA"

# --- status: JSON
ut_run status --json "$svc"
ut_expect_rc "status --json" 0
printf '%s\n' "$UT_OUT" >"$CT_DIR/status.json"
python3 - "$CT_DIR/status.json" "$unit" "$pid" "$UT_CA" "$dropin" <<'EOF' >&2 || ct_fail "status --json: unexpected document"
import json, sys
unit, pid, ca, dropin = sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
with open(sys.argv[1]) as f:
    doc = json.load(f)
(u,) = doc["units"]
def check(what, want, got):
    if want != got:
        sys.exit(f"FAIL: status --json {what}: expected {want!r}, got {got!r}")
    print(f"# ok: status --json {what} = {got!r}")
check("unit", unit, u["unit"])
check("verdict", "ok", u["verdict"])
check("dropins", [dropin], u["dropins"])
check("environment.NODE_EXTRA_CA_CERTS.value", ca, u["environment"]["NODE_EXTRA_CA_CERTS"]["value"])
check("findings", [], u["findings"])
lo = u["loaded"]
check("loaded.loaded", True, lo["loaded"])
check("loaded.active_state", "active", lo["active_state"])
check("loaded.need_daemon_reload", False, lo["need_daemon_reload"])
check("NODE_EXTRA_CA_CERTS in loaded.environment", True, f"NODE_EXTRA_CA_CERTS={ca}" in lo["environment"])
run = u["running"]
check("running.pid", pid, run["pid"])
check("running.environment", [f"NODE_EXTRA_CA_CERTS={ca}"], run["environment"])
EOF

# --- the same set again: nothing to do
before=$(ut_state "$unit") reloads=$(ut_reloads) digest=$(ut_tree_digest --strict)
ut_run set "$svc" --ca "$UT_CA"
ut_expect_rc "set again" 0
ut_assert_contains "set again output" "$UT_OUT" "$unit: already in place"
ut_assert_not_contains "set again output" "$UT_OUT" "wrote"
ut_assert_reloads "set again" "$reloads" 0
ut_assert_not_restarted "$unit" "$before"
ct_assert_eq "unit files after set again" "$digest" "$(ut_tree_digest --strict)"
ct_assert_eq "$svc next attempt (same process)" OK "$(ct_wait_next_result "$svc")"

# --- unset
before=$(ut_state "$unit") reloads=$(ut_reloads)
ut_run unset "$svc"
ut_expect_rc "unset" 0
ut_assert_contains "unset output" "$UT_OUT" "$unit: removed $dropin"
ut_assert_no_dropin_dir "$unit"
ct_exec test ! -e "$dropin" || ct_fail "$dropin still exists"
ct_assert_eq "$unit DropInPaths after unset" "" "$(ut_show "$unit" DropInPaths)"
ut_assert_not_contains "$unit Environment after unset" "$(ut_show "$unit" Environment)" NODE_EXTRA_CA_CERTS
ut_assert_reloads "unset" "$reloads" 1
ut_assert_restarted "$unit" "$before"
ut_assert_no_env "$unit" NODE_EXTRA_CA_CERTS
ut_assert_result "$svc" "$UT_FAIL" "after unset"

ut_run status "$svc"
ut_expect_rc "status after unset" 0
ut_assert_contains "status after unset" "$UT_OUT" "  verdict:    ok"
ut_assert_contains "status after unset" "$UT_OUT" "  running:    PID $(ct_main_pid "$unit"), no TLS settings"

ct_log "scenario body took $(ct_elapsed "$t_all")s (boot ${CT_BOOT_SECONDS}s)"
