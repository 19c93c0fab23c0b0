#!/bin/bash
# A caller who is not root (nobody, inside the container) gets one clear
# line saying permission is missing and what to do, a non-zero exit, and
# nothing changes: no file, no daemon-reload, no restart. For set on a
# fresh unit, and for set and unset of a unit root configured before.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=ut-lib.sh
. "$(dirname "$0")/ut-lib.sh"

t_all=$(ct_now)
ut_setup
ct_node_client ut-fresh
ct_node_client ut-done
ut_run set ut-done --ca "$UT_CA"
ut_expect_rc "set ut-done (as root)" 0
ct_copy "$CT_DIR/pki/ca.crt" "$UT_CA_DIR/other.crt"

as_nobody() { # WHAT ARGS...
	local what=$1 fresh finished reloads digest
	shift
	fresh=$(ut_state ut-fresh.service) finished=$(ut_state ut-done.service)
	reloads=$(ut_reloads) digest=$(ut_tree_digest --strict)
	ut_run_as nobody "$@"
	((UT_RC != 0)) || ct_fail "$what as nobody: exit 0"
	ct_log "ok: $what as nobody: exit $UT_RC"
	ct_assert_eq "$what as nobody: lines on stderr" 1 "$(grep -c . <<<"$UT_ERR")"
	ut_assert_contains "$what as nobody: stderr" "$UT_ERR" "Permission denied"
	ut_assert_contains "$what as nobody: stderr" "$UT_ERR" "run as root"
	ut_assert_contains "$what as nobody: stderr" "$UT_ERR" "nothing was changed"
	ct_assert_eq "$what as nobody: stdout" "" "$UT_OUT"
	ct_assert_eq "$what as nobody: unit files (with mtimes)" "$digest" "$(ut_tree_digest --strict)"
	ut_assert_reloads "$what as nobody" "$reloads" 0
	ut_assert_not_restarted ut-fresh.service "$fresh"
	ut_assert_not_restarted ut-done.service "$finished"
}

as_nobody "set ut-fresh" set ut-fresh --ca "$UT_CA"
ut_assert_no_dropin_dir ut-fresh.service
ut_assert_no_env ut-fresh.service NODE_EXTRA_CA_CERTS
as_nobody "set ut-done (other CA)" set ut-done --ca "$UT_CA_DIR/other.crt"
as_nobody "unset ut-done" unset ut-done
ut_assert_dropin ut-done.service "$(ut_expected_dropin "$UT_CA")"
ut_assert_env ut-done.service NODE_EXTRA_CA_CERTS "$UT_CA"

ct_log "scenario body took $(ct_elapsed "$t_all")s (boot ${CT_BOOT_SECONDS}s)"
