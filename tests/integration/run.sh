#!/bin/bash
# tests/integration/run.sh [SCENARIO...] — run the integration scenarios.
#
# Runs every tests/integration/t-*.sh (or only the ones named, e.g. t-01 or
# t-01-seed-baseline.sh), one after the other, each in a fresh container it
# boots itself. Prints one line per scenario (ok / FAIL / skip), then
# "N passed, M failed" (", K skipped" when some were skipped); exit status 1
# if any failed. The log of a failed scenario goes to stderr.
#
# Environment:
#   UNIT_TLS             path of the unit-tls binary (exported to scenarios;
#                        scenarios that need it skip without it)
#   CI=true              no skipping: a scenario that would skip fails
#   UT_SCENARIO_TIMEOUT  seconds per scenario (default 300)
#   UT_LOG_DIR           keep the scenario logs there (default: temp dir,
#                        removed when everything passed)
#   CT_TMPDIR            where this run makes its own temp dir, under which
#                        lib.sh puts the containers (default /tmp)
#   CT_LOWER             boot this root directory instead of the host's "/"
#                        (e.g. CT_LOWER=$(. tests/lib/debian13.sh && d13_root)
#                        for Debian 13 / systemd 257; see lib.sh)
# plus the other CT_* tunables documented in lib.sh. Needs root (scenarios skip
# otherwise); python3, if present, makes each scenario a child subreaper
# (see below). A scenario left behind after SIGKILL is reaped here and fails.
#
# Meson (tests/meson.build, not part of this directory) could run it as:
#   test('integration', find_program('integration/run.sh'),
#        env : ['UNIT_TLS=' + unit_tls.full_path()], suite : 'integration',
#        is_parallel : false, timeout : 900)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
timeout_s=${UT_SCENARIO_TIMEOUT:-300}
[[ $timeout_s =~ ^[0-9]+$ ]] || { echo "UT_SCENARIO_TIMEOUT must be whole seconds" >&2; exit 2; }

if [[ -n ${UNIT_TLS:-} ]]; then
	# Scenarios may change directory: hand them an absolute path.
	if [[ -e $UNIT_TLS ]]; then UNIT_TLS=$(realpath "$UNIT_TLS"); fi
	export UNIT_TLS
fi

if [[ -n ${CT_LOWER:-} ]]; then
	[[ -d $CT_LOWER ]] || { echo "CT_LOWER='$CT_LOWER' is not a directory" >&2; exit 2; }
	CT_LOWER=$(realpath "$CT_LOWER")
	export CT_LOWER
	printf '# booting %s instead of the host\n' "$CT_LOWER"
fi

scenarios=()
if (($# == 0)); then
	for t in "$here"/t-*.sh; do [[ -e $t ]] && scenarios+=("$t"); done
else
	for a in "$@"; do
		a=${a##*/}
		matches=("$here/${a%.sh}"*.sh)
		[[ -e ${matches[0]} ]] || { echo "no scenario matches '$a'" >&2; exit 2; }
		scenarios+=("${matches[@]}")
	done
fi

keep_logs=0
if [[ -n ${UT_LOG_DIR:-} ]]; then
	logdir=$UT_LOG_DIR keep_logs=1
	mkdir -p "$logdir"
else
	logdir=$(mktemp -d /tmp/unit-tls-itest-logs.XXXXXX)
fi

now() { printf '%s\n' "${EPOCHREALTIME/,/.}"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# Containers' temp dirs (lib.sh makes them as $CT_TMPDIR/unit-tls-ct.*). Each
# run gets a CT_TMPDIR of its own: another run.sh on the same machine (another
# checkout, another CI job) then never sees our containers as its leftovers,
# nor we its, so nobody reaps a container that is still in use.
run_tmp=$(mktemp -d "${CT_TMPDIR:-/tmp}/unit-tls-run.XXXXXX")
export CT_TMPDIR=$run_tmp
ct_dirs() { compgen -G "$CT_TMPDIR/unit-tls-ct.*" | sort || true; }

# reap DIR: last-resort cleanup of a container a scenario left behind (the
# scenario was SIGKILLed before its trap could run). lib.sh records the
# container's PID 1 and its PID namespace in DIR; killing that PID 1 kills
# the whole namespace, after which the overlay can be unmounted.
reap() {
	local d=$1 leader ns i
	leader=$(cat "$d/leader" 2>/dev/null || true)
	ns=$(cat "$d/pidns" 2>/dev/null || true)
	if [[ -n $leader && -n $ns && $(readlink "/proc/$leader/ns/pid" 2>/dev/null) == "$ns" ]]; then
		kill -s KILL "$leader" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do [[ -e /proc/$leader ]] || break; sleep 0.05; done
	fi
	for ((i = 0; i < 20; i++)); do
		mountpoint -q "$d/merged" || break
		umount "$d/merged" 2>/dev/null || sleep 0.1
	done
	if mountpoint -q "$d/merged"; then umount -l "$d/merged" || true; fi
	if ! findmnt -rn -o TARGET | grep -qF "$d"; then rm -rf --one-file-system "$d"; fi
}

# Each scenario runs as a "child subreaper" (prctl PR_SET_CHILD_SUBREAPER,
# kept across exec): a process orphaned inside the container by a killed
# nsenter is then adopted and reaped by the scenario's bash at once. Adopted
# by this sandbox's init instead, it stayed a zombie for up to a minute, and
# a zombie in the container's PID namespace holds up its poweroff.
subreaper=()
if command -v python3 >/dev/null; then
	subreaper=(python3 -c 'import ctypes, os, sys
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
os.execvp(sys.argv[1], sys.argv[1:])')
fi

passed=0 failed=0 skipped=0
t_all=$(now)
for t in "${scenarios[@]}"; do
	name=$(basename "$t" .sh)
	log=$logdir/$name.log
	before=$(ct_dirs)
	t0=$(now)
	rc=0
	# timeout signals the whole process group (scenario and its container);
	# the scenario's trap then powers the container off and cleans up, so
	# allow that cleanup time before the final SIGKILL.
	timeout -k "$((${CT_STOP_TIMEOUT:-20} + 30))" "$timeout_s" \
		"${subreaper[@]}" bash "$t" </dev/null >"$log" 2>&1 || rc=$?
	took=$(since "$t0")
	# A scenario must not leave a container directory (mount, upper layer).
	left=$(comm -13 <(printf '%s\n' "$before") <(ct_dirs) | sed '/^$/d')
	if [[ -n $left ]]; then
		printf '# leftover after %s: %s (reaped by run.sh)\n' "$name" "$left" >>"$log"
		while read -r d; do reap "$d"; done <<<"$left"
		((rc == 0 || rc == 77)) && rc=1
	fi
	if ((rc == 77)) && [[ ${CI:-} == true ]]; then
		printf '# CI=true: a skip counts as a failure\n' >>"$log"
		rc=1
	fi
	case $rc in
	0)
		printf 'ok   %s (%ss)\n' "$name" "$took"
		passed=$((passed + 1))
		;;
	77)
		why=$(sed -n 's/^SKIP: //p' "$log" | tail -n1)
		printf 'skip %s (%s)\n' "$name" "${why:-no reason given}"
		skipped=$((skipped + 1))
		;;
	*)
		extra=''
		((rc == 124)) && extra=", timed out after ${timeout_s}s"
		printf 'FAIL %s (%ss, exit %s%s; log %s)\n' "$name" "$took" "$rc" "$extra" "$log"
		{
			printf '#### %s log:\n' "$name"
			sed 's/^/    /' "$log"
		} >&2
		failed=$((failed + 1))
		keep_logs=1
		;;
	esac
done

printf '# total %ss\n' "$(since "$t_all")"
if ((keep_logs == 0)); then rm -rf "$logdir"; fi
rmdir "$run_tmp" 2>/dev/null || printf '# %s is not empty: a container could not be cleaned\n' "$run_tmp" >&2
summary="$passed passed, $failed failed"
((skipped == 0)) || summary+=", $skipped skipped"
printf '%s\n' "$summary"
((failed == 0))
