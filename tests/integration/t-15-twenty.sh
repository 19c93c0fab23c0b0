#!/bin/bash
# Twenty running Node services in one `unit-tls set`: exactly one
# daemon-reload (counted by the generator of ut-lib.sh, which PID 1 runs
# once per reload), all twenty restarted (new MainPID and InvocationID),
# each new process has the variable, each verified in the output, and each
# records OK.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=ut-lib.sh
. "$(dirname "$0")/ut-lib.sh"

t_all=$(ct_now)
n=20
names=()
ct_prepare
# Installed before boot: they start with the system, in parallel.
for i in $(seq -w 1 "$n"); do
	names+=("ut-node$i")
	ct_node_client "ut-node$i" "Environment=UT_INTERVAL_MS=2000"
done
ut_setup
declare -A before
for s in "${names[@]}"; do
	ct_assert_eq "$s.service ActiveState" active "$(ut_show "$s.service" ActiveState)"
	ut_assert_result "$s" "$UT_FAIL" "before"
	before[$s]=$(ut_state "$s.service")
done

reloads=$(ut_reloads)
t0=$(ct_now)
ut_run set "${names[@]}" --ca "$UT_CA"
took=$(ct_elapsed "$t0")
ut_expect_rc "set (twenty units)" 0
ct_log "set of $n units took ${took}s"
ut_assert_reloads "set (twenty units)" "$reloads" 1
ct_assert_eq "verified lines in the output" "$n" "$(grep -c ': loaded by systemd, restarted; running process (PID [0-9]*) verified: NODE_EXTRA_CA_CERTS=' <<<"$UT_OUT")"
for s in "${names[@]}"; do
	ut_assert_restarted "$s.service" "${before[$s]}"
	pid=$(ct_main_pid "$s.service")
	ut_assert_contains "set output for $s" "$UT_OUT" "$s.service: loaded by systemd, restarted; running process (PID $pid) verified: NODE_EXTRA_CA_CERTS=$UT_CA"
	ut_assert_env "$s.service" NODE_EXTRA_CA_CERTS "$UT_CA"
	ut_assert_result "$s" OK "after set"
done

# Cross-check the counter against PID 1's own log lines for each reload:
# "Reloading." on systemd 252, "Reloading..." (then "Reloading finished in
# N ms.") on 257 (Debian 13). Two matches of one field are ORed.
# The generator also runs once at boot, which logs neither.
ct_exec journalctl --sync
ct_assert_eq "generator runs = boot + \"Reloading.\" messages of PID 1" "$(ut_reloads)" \
	"$(($(ct_exec journalctl -b -q -o cat _PID=1 MESSAGE=Reloading. MESSAGE=Reloading... | wc -l) + 1))"

# The same again: nothing to do, still no reload and no restart.
for s in "${names[@]}"; do before[$s]=$(ut_state "$s.service"); done
reloads=$(ut_reloads)
ut_run set "${names[@]}" --ca "$UT_CA"
ut_expect_rc "set again (twenty units)" 0
ut_assert_reloads "set again (twenty units)" "$reloads" 0
ct_assert_eq "'already in place' lines" "$n" "$(grep -c ': already in place' <<<"$UT_OUT")"
for s in "${names[@]}"; do ut_assert_not_restarted "$s.service" "${before[$s]}"; done

ct_log "scenario body took $(ct_elapsed "$t_all")s (boot ${CT_BOOT_SECONDS}s)"
