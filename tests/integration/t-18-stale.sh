#!/bin/bash
# Convergence: status says "stale" when what systemd loaded or what the
# process runs with differs from the files, and `unit-tls set` with the
# content already on disk does only what is missing:
#   1. drop-in edited by hand, no daemon-reload -> stale (needs reload);
#      set: no write, one reload, one restart -> ok
#   2. drop-in touched by hand (same bytes, new mtime) -> stale (needs
#      reload); set: one reload, no restart (the process has it) -> ok
#   3. drop-in edited by hand + daemon-reload, no restart -> stale (running
#      process); set: no write, no reload, one restart -> ok
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=ut-lib.sh
. "$(dirname "$0")/ut-lib.sh"

t_all=$(ct_now)
ut_setup
svc=ut-stale
unit=$svc.service
dropin=$(ut_dropin "$unit")
other=$UT_CA_DIR/other.crt
ct_copy "$CT_DIR/pki/ca.crt" "$other"
ct_node_client "$svc"
ut_run set "$svc" --ca "$UT_CA"
ut_expect_rc "set (start)" 0
ut_assert_result "$svc" OK "after set"

expect_stale() { # WHAT LOADED-LINE
	ut_run status "$svc"
	ut_expect_rc "status ($1)" 1
	ut_assert_contains "status ($1)" "$UT_OUT" "  verdict:    stale"
	ut_assert_contains "status ($1)" "$UT_OUT" "$2"
}

# converge WHAT CA RELOADS RESTARTED: set --ca CA, with that content already
# on disk; check what was done and that everything agrees afterwards.
converge() {
	local what=$1 ca=$2 want_reloads=$3 restarted=$4 before reloads digest
	before=$(ut_state "$unit") reloads=$(ut_reloads) digest=$(ut_tree_digest --strict)
	ut_run set "$svc" --ca "$ca"
	ut_expect_rc "set ($what)" 0
	ut_assert_not_contains "set ($what) output" "$UT_OUT" "wrote"
	ct_assert_eq "set ($what): files untouched (with mtimes)" "$digest" "$(ut_tree_digest --strict)"
	ut_assert_reloads "set ($what)" "$reloads" "$want_reloads"
	if [[ $restarted == yes ]]; then
		ut_assert_restarted "$unit" "$before"
		ut_assert_contains "set ($what) output" "$UT_OUT" "restarted; running process (PID $(ct_main_pid "$unit")) verified"
	else
		ut_assert_not_restarted "$unit" "$before"
		ut_assert_not_contains "set ($what) output" "$UT_OUT" "restarted"
		ut_assert_contains "set ($what) output" "$UT_OUT" "running process (PID $(ct_main_pid "$unit")) verified"
	fi
	ut_assert_loaded "$unit" "$ca"
	ut_assert_env "$unit" NODE_EXTRA_CA_CERTS "$ca"
	ut_run status "$svc"
	ut_expect_rc "status after set ($what)" 0
	ut_assert_contains "status after set ($what)" "$UT_OUT" "  verdict:    ok"
	ut_assert_contains "status after set ($what)" "$UT_OUT" "  loaded:     active, up to date with the files"
	ut_assert_contains "status after set ($what)" "$UT_OUT" "  running:    PID $(ct_main_pid "$unit"), NODE_EXTRA_CA_CERTS=$ca"
}

# --- 1. edited by hand, not reloaded
ut_expected_dropin "$other" | ct_write "$dropin"
ct_assert_eq "1. NeedDaemonReload" yes "$(ut_show "$unit" NeedDaemonReload)"
expect_stale "1. edited, not reloaded" "  loaded:     active, files changed since (needs daemon-reload)"
converge "1. edited, not reloaded" "$other" 1 yes

# --- 2. touched by hand: same bytes, newer mtime
ct_exec touch "$dropin"
ct_assert_eq "2. NeedDaemonReload" yes "$(ut_show "$unit" NeedDaemonReload)"
expect_stale "2. touched, not reloaded" "  loaded:     active, files changed since (needs daemon-reload)"
converge "2. touched, not reloaded" "$other" 1 no

# --- 3. edited by hand and reloaded, not restarted
ut_expected_dropin "$UT_CA" | ct_write "$dropin"
ct_daemon_reload
ct_assert_eq "3. NeedDaemonReload" no "$(ut_show "$unit" NeedDaemonReload)"
expect_stale "3. reloaded, not restarted" "  running:    PID $(ct_main_pid "$unit"), NODE_EXTRA_CA_CERTS=$other"
converge "3. reloaded, not restarted" "$UT_CA" 0 yes
ut_assert_result "$svc" OK "at the end"

ct_log "scenario body took $(ct_elapsed "$t_all")s (boot ${CT_BOOT_SECONDS}s)"
