#!/bin/bash
# A service whose restart fails after the change: unit-tls exits 1, says
# which unit failed with its result and the journal hint, puts the previous
# drop-in back (or removes its own), reloads, and the service runs again
# with its old environment. --no-rollback keeps the new file.
# The service refuses to start (ExecStartPre) when NODE_EXTRA_CA_CERTS
# names "bad.crt", a copy of the good CA at another path: so set --ca bad.crt
# plans fine (the file is a good CA) and fails only at the restart.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=ut-lib.sh
. "$(dirname "$0")/ut-lib.sh"

t_all=$(ct_now)
ut_setup
bad=$UT_CA_DIR/bad.crt
ct_copy "$CT_DIR/pki/ca.crt" "$bad"
svc=ut-picky
unit=$svc.service
dropin=$(ut_dropin "$unit")
# $$ passes a literal $ to the shell (systemd would expand $VAR itself).
ct_node_client "$svc" "ExecStartPre=/bin/sh -c 'test \"\$\$NODE_EXTRA_CA_CERTS\" != $bad'"
ut_assert_result "$svc" "$UT_FAIL" "before"

check_failure_report() { # WHAT
	ut_expect_rc "$1" 1
	ut_assert_contains "$1: stderr" "$UT_ERR" "$unit: restart failed"
	ut_assert_contains "$1: stderr" "$UT_ERR" "service result exit-code"
	ut_assert_contains "$1: stderr (journal hint)" "$UT_ERR" "journalctl -xeu $unit"
}

# --- A. no drop-in before: the failed set removes its own
before=$(ut_state "$unit") reloads=$(ut_reloads) digest=$(ut_tree_digest --content)
ut_run set "$svc" --ca "$bad"
check_failure_report "A. set --ca bad.crt (no drop-in before)"
ut_assert_contains "A. stderr" "$UT_ERR" "rolled back"
ut_assert_no_dropin_dir "$unit"
ct_assert_eq "A. unit files restored" "$digest" "$(ut_tree_digest --content)"
ct_assert_eq "A. $unit DropInPaths" "" "$(ut_show "$unit" DropInPaths)"
ct_assert_eq "A. $unit NeedDaemonReload" no "$(ut_show "$unit" NeedDaemonReload)"
ut_assert_not_contains "A. $unit Environment" "$(ut_show "$unit" Environment)" NODE_EXTRA_CA_CERTS
ut_assert_reloads "A. set + rollback" "$reloads" 2
ut_assert_restarted "$unit" "$before"
ut_assert_no_env "$unit" NODE_EXTRA_CA_CERTS
ut_assert_result "$svc" "$UT_FAIL" "A. after the rollback"

# --- B. a working drop-in
ut_run set "$svc" --ca "$UT_CA"
ut_expect_rc "B. set --ca ca.crt" 0
ut_assert_result "$svc" OK "B. after set"
good=$(ct_exec cat "$dropin")

# --- C. the failed set puts the previous drop-in back
before=$(ut_state "$unit") reloads=$(ut_reloads) digest=$(ut_tree_digest --content)
ut_run set "$svc" --ca "$bad"
check_failure_report "C. set --ca bad.crt (drop-in before)"
ut_assert_contains "C. stderr" "$UT_ERR" "rolled back"
ut_assert_dropin "$unit" "$good"
ct_assert_eq "C. unit files restored" "$digest" "$(ut_tree_digest --content)"
ut_assert_loaded "$unit" "$UT_CA"
ut_assert_reloads "C. set + rollback" "$reloads" 2
ut_assert_restarted "$unit" "$before"
ut_assert_env "$unit" NODE_EXTRA_CA_CERTS "$UT_CA"
ut_assert_result "$svc" OK "C. after the rollback"

# --- D. --no-rollback keeps the new file (and the failed service)
reloads=$(ut_reloads)
ut_run set "$svc" --ca "$bad" --no-rollback
check_failure_report "D. set --ca bad.crt --no-rollback"
ut_assert_not_contains "D. stderr" "$UT_ERR" "rolled back"
ut_assert_dropin "$unit" "$(ut_expected_dropin "$bad")"
ut_assert_loaded "$unit" "$bad"
ut_assert_reloads "D. set --no-rollback" "$reloads" 1
ct_assert_eq "D. $unit ActiveState" failed "$(ut_show "$unit" ActiveState)"
ct_assert_eq "D. $unit Result" exit-code "$(ut_show "$unit" Result)"

ct_log "scenario body took $(ct_elapsed "$t_all")s (boot ${CT_BOOT_SECONDS}s)"
