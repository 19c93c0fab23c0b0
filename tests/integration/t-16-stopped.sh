#!/bin/bash
# A stopped service stays stopped: set writes and loads the drop-in (one
# reload), does not start it, and says it applies at its next start; a
# running service in the same command is restarted as usual. Starting the
# stopped one later gives its process the variable.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=ut-lib.sh
. "$(dirname "$0")/ut-lib.sh"

t_all=$(ct_now)
ut_setup
ct_node_client ut-idle
ct_node_client ut-busy
ct_systemctl stop ut-idle.service
ct_assert_eq "ut-idle ActiveState" inactive "$(ut_show ut-idle.service ActiveState)"
busy=$(ut_state ut-busy.service) reloads=$(ut_reloads)

ut_run set ut-idle ut-busy --ca "$UT_CA"
ut_expect_rc "set ut-idle ut-busy" 0
ut_assert_contains "set output" "$UT_OUT" "ut-idle.service: loaded by systemd; not running, so it applies at its next start"
ut_assert_contains "set output" "$UT_OUT" "ut-busy.service: loaded by systemd, restarted; running process (PID $(ct_main_pid ut-busy.service)) verified"
ut_assert_reloads "set" "$reloads" 1
ct_assert_eq "ut-idle ActiveState after set" inactive "$(ut_show ut-idle.service ActiveState)"
ct_assert_eq "ut-idle MainPID after set" 0 "$(ut_show ut-idle.service MainPID)"
ut_assert_dropin ut-idle.service "$(ut_expected_dropin "$UT_CA")"
ut_assert_loaded ut-idle.service "$UT_CA"
ut_assert_restarted ut-busy.service "$busy"
ut_assert_result ut-busy OK "after set"

ut_run status ut-idle
ut_expect_rc "status ut-idle (stopped)" 0
# A stopped unit nothing refers to is unloaded by PID 1's garbage collector
# (status asks with GetUnit, which does not load it): either answer is true.
loaded=$(grep '^  loaded:' <<<"$UT_OUT") || ct_fail "status ut-idle: no loaded level"
case $loaded in
"  loaded:     inactive, up to date with the files")
	ut_assert_contains "status ut-idle" "$UT_OUT" "  running:    no main process" ;;
"  loaded:     no (systemd has not loaded it; it is not running)") ;;
*) ct_fail "status ut-idle: unexpected loaded level: $loaded" ;;
esac
ct_log "ok: status ut-idle: $loaded"
ut_assert_contains "status ut-idle" "$UT_OUT" "  verdict:    ok"

# unit-tls loads libsystemd.so.0 only to talk to systemd. Without it (a test hook points the
# loader at a file that is not there): status shows what the files say and names the package;
# set refuses before it writes anything.
nolib() { # unit-tls ARGS..., as ut_run, with the loader pointed at a missing libsystemd
	UT_RC=0
	ct_exec env UNIT_TLS_TEST_LIBSYSTEMD=/nonexistent/libsystemd.so.0 unit-tls "$@" \
		>"$CT_DIR/ut.out" 2>"$CT_DIR/ut.err" || UT_RC=$?
	UT_OUT=$(cat "$CT_DIR/ut.out") UT_ERR=$(cat "$CT_DIR/ut.err")
}
nolib status ut-idle
ut_assert_contains "status without libsystemd" "$UT_ERR" "cannot load libsystemd.so.0 (install libsystemd0)"
ut_assert_contains "status without libsystemd" "$UT_OUT" "  verdict:    ok"
nolib set ut-busy --insecure
ut_expect_rc "set without libsystemd" 1
ut_assert_contains "set without libsystemd" "$UT_ERR" "install libsystemd0"
ut_assert_contains "set without libsystemd" "$UT_ERR" "nothing written"
ut_assert_dropin ut-busy.service "$(ut_expected_dropin "$UT_CA")"

# Again: nothing to do, and still not started.
reloads=$(ut_reloads)
ut_run set ut-idle --ca "$UT_CA"
ut_expect_rc "set ut-idle again" 0
ut_assert_contains "set again output" "$UT_OUT" "ut-idle.service: systemd already had it; not running, so it applies at its next start"
ut_assert_reloads "set again" "$reloads" 0
ct_assert_eq "ut-idle ActiveState after set again" inactive "$(ut_show ut-idle.service ActiveState)"

# The next start picks it up.
ct_systemctl start ut-idle.service
ut_assert_env ut-idle.service NODE_EXTRA_CA_CERTS "$UT_CA"
ut_assert_result ut-idle OK "after start"

ct_log "scenario body took $(ct_elapsed "$t_all")s (boot ${CT_BOOT_SECONDS}s)"
