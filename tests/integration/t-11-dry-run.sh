#!/bin/bash
# --dry-run prints the diff and what it would do, exits 0, and changes
# nothing: no file, no daemon-reload, no restart. Checked with the unit
# loaded and up to date (NeedDaemonReload=no) and again with an unrelated
# unreloaded edit pending (NeedDaemonReload=yes must stay yes: a dry run
# that reloaded would turn it to no), for set and for unset.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=ut-lib.sh
. "$(dirname "$0")/ut-lib.sh"

t_all=$(ct_now)
ut_setup
svc=ut-dry
unit=$svc.service
dropin=$(ut_dropin "$unit")
ct_node_client "$svc"
ut_assert_result "$svc" "$UT_FAIL" "before"

# dry_run WHAT NEED_RELOAD ARGS...: run unit-tls ARGS (with --dry-run) and
# check that nothing moved.
dry_run() {
	local what=$1 need=$2 before reloads digest
	shift 2
	ct_assert_eq "$what: NeedDaemonReload before" "$need" "$(ut_show "$unit" NeedDaemonReload)"
	before=$(ut_state "$unit") reloads=$(ut_reloads) digest=$(ut_tree_digest --strict)
	ut_run "$@"
	ut_expect_rc "$what" 0
	ct_assert_eq "$what: unit files and drop-ins (with mtimes)" "$digest" "$(ut_tree_digest --strict)"
	ut_assert_reloads "$what" "$reloads" 0
	ct_assert_eq "$what: NeedDaemonReload after" "$need" "$(ut_show "$unit" NeedDaemonReload)"
	ut_assert_not_restarted "$unit" "$before"
}

# --- set --dry-run, nothing there yet
dry_run "set --dry-run" no set "$svc" --ca "$UT_CA" --dry-run
ut_assert_contains "set --dry-run diff" "$UT_OUT" "--- /dev/null"
ut_assert_contains "set --dry-run diff" "$UT_OUT" "+++ $dropin"
ut_assert_contains "set --dry-run diff" "$UT_OUT" "+$UT_DROPIN_HEADER"
ut_assert_contains "set --dry-run diff" "$UT_OUT" "+[Service]"
ut_assert_contains "set --dry-run diff" "$UT_OUT" "+Environment=\"NODE_EXTRA_CA_CERTS=$UT_CA\""
ut_assert_contains "set --dry-run plan" "$UT_OUT" "$unit: would write $dropin, daemon-reload, then restart $unit if it is running"
ut_assert_no_dropin_dir "$unit"
ut_assert_no_env "$unit" NODE_EXTRA_CA_CERTS
ct_assert_eq "$svc next attempt (same process)" "$UT_FAIL" "$(ct_wait_next_result "$svc")"

# --- the same with a pending, unreloaded edit of the unit file
# (an edit of the fragment: PID 1 notices a new .d directory only at reload)
ct_exec sh -c "echo '# edited by hand' >>/etc/systemd/system/$unit"
dry_run "set --dry-run (reload pending)" yes set "$svc" --ca "$UT_CA" --dry-run
ut_assert_contains "set --dry-run diff" "$UT_OUT" "+++ $dropin"
ut_assert_no_dropin_dir "$unit"
ct_daemon_reload

# --- unset --dry-run after a real set
ut_run set "$svc" --ca "$UT_CA"
ut_expect_rc "set" 0
ut_assert_result "$svc" OK "after set"
dry_run "unset --dry-run" no unset "$svc" --dry-run
ut_assert_contains "unset --dry-run diff" "$UT_OUT" "--- $dropin"
ut_assert_contains "unset --dry-run diff" "$UT_OUT" "+++ /dev/null"
ut_assert_contains "unset --dry-run diff" "$UT_OUT" "-Environment=\"NODE_EXTRA_CA_CERTS=$UT_CA\""
ut_assert_dropin "$unit" "$(ut_expected_dropin "$UT_CA")"
ut_assert_env "$unit" NODE_EXTRA_CA_CERTS "$UT_CA"
ct_assert_eq "$svc next attempt (same process)" OK "$(ct_wait_next_result "$svc")"

# --- set --dry-run --json with another CA: the diff is in the document,
# and still nothing moves
ct_copy "$CT_DIR/pki/ca.crt" "$UT_CA_DIR/other.crt"
dry_run "set --dry-run --json (another CA)" no set "$svc" --ca "$UT_CA_DIR/other.crt" --dry-run --json
printf '%s\n' "$UT_OUT" >"$CT_DIR/dry.json"
python3 - "$CT_DIR/dry.json" "$UT_CA" "$UT_CA_DIR/other.crt" <<'EOF' >&2 || ct_fail "set --dry-run --json: unexpected document"
import json, sys
with open(sys.argv[1]) as f:
    (u,) = json.load(f)["units"]
old, new = sys.argv[2], sys.argv[3]
assert u["refused"] is False, u
for line in (f'-Environment="NODE_EXTRA_CA_CERTS={old}"', f'+Environment="NODE_EXTRA_CA_CERTS={new}"'):
    assert line in u["diff"].splitlines(), (line, u["diff"])
# DESIGN §2: actions are what ran or, in a dry run, what would run
assert u["actions"] == ["write", "reload", "restart"], u["actions"]
assert json.load(open(sys.argv[1]))["dry_run"] is True
print(f"# ok: set --dry-run --json: refused=false, actions={u['actions']}, diff has both lines")
EOF
ut_assert_env "$unit" NODE_EXTRA_CA_CERTS "$UT_CA"

ct_log "scenario body took $(ct_elapsed "$t_all")s (boot ${CT_BOOT_SECONDS}s)"
