# shellcheck shell=bash
# tests/integration/ut-lib.sh — shared steps of the unit-tls scenarios (t-1x).
#
# Source after lib.sh. Gives:
#   ut_setup            prepare, install the reload counter, boot, make a PKI,
#                       start the HTTPS server, install the CA at $UT_CA and
#                       unit-tls at /usr/local/bin/unit-tls
#   ut_run ARGS...      run `unit-tls ARGS` inside the container as root;
#                       sets UT_RC, UT_OUT, UT_ERR and logs all three
#   ut_run_as USER ARGS...  the same through runuser -u USER
#   ut_reloads          how many times PID 1 has (re)loaded its units so far
#   ut_show UNIT PROP   one property of UNIT (systemctl show --value)
#   ut_dropin UNIT      container path of UNIT's unit-tls drop-in
#   ut_tree_digest --content|--strict  digest of the unit directories and of
#                       /etc/unit-tls (paths, types, modes, symlink targets,
#                       file contents; --strict: and every mtime, so that
#                       even a rewrite with the same bytes shows)
#   ut_expect_* / ut_assert_*  assertions that log what they check
#
# How reloads are counted: a generator (/etc/systemd/system-generators/
# ut-count-reloads) appends a line to /run/ut-reloads each time it runs.
# PID 1 runs all generators at boot and synchronously inside every
# daemon-reload (Manager.Reload, before its reply is sent) and
# daemon-reexec, and at no other time. So the counter is exact, needs no
# journal (asynchronous, rate-limited) and no bus monitor (racy to start
# and stop), and the test just compares it before and after a command.
# (systemd 252 has no property that counts reloads.)

readonly UT_CA_DIR=$CT_SHARE/ca
readonly UT_CA=$UT_CA_DIR/ca.crt
# shellcheck disable=SC2016 # the backquotes are the header's own text
readonly UT_DROPIN_HEADER='# Managed by unit-tls: change it with `unit-tls set` / `unit-tls unset`.'
# shellcheck disable=SC2034 # used by the scenarios
readonly UT_FAIL=UNABLE_TO_VERIFY_LEAF_SIGNATURE
UT_RC=0 UT_OUT='' UT_ERR=''

ut_setup() {
	ct_require_unit_tls
	command -v python3 >/dev/null || ct_skip "python3 not found (used to check JSON output)"
	ct_prepare
	ct_write /etc/systemd/system-generators/ut-count-reloads 0755 <<-'EOF'
		#!/bin/sh
		echo "$$" >>/run/ut-reloads
	EOF
	ct_start
	pki_make "$CT_DIR/pki"
	ct_https_server "$CT_DIR/pki/leaf.crt" "$CT_DIR/pki/leaf.key"
	ct_copy "$CT_DIR/pki/ca.crt" "$UT_CA"
	ct_install_unit_tls
	[[ $(ut_reloads) -ge 1 ]] || ct_fail "the reload counter generator did not run"
}

ut_reloads() { ct_exec cat /run/ut-reloads 2>/dev/null | wc -l; }

# shellcheck disable=SC2001 # sed prefixes every line
_ut_log_run() {
	ct_log "\$ $* -> exit $UT_RC"
	if [[ -n $UT_OUT ]]; then sed 's/^/#   out: /' <<<"$UT_OUT" >&2; fi
	if [[ -n $UT_ERR ]]; then sed 's/^/#   err: /' <<<"$UT_ERR" >&2; fi
	return 0
}

ut_run() {
	local o=$CT_DIR/ut.out e=$CT_DIR/ut.err
	UT_RC=0
	ct_exec unit-tls "$@" >"$o" 2>"$e" || UT_RC=$?
	UT_OUT=$(cat "$o") UT_ERR=$(cat "$e")
	_ut_log_run unit-tls "$@"
}

ut_run_as() {
	local user=$1 o=$CT_DIR/ut.out e=$CT_DIR/ut.err
	shift
	UT_RC=0
	ct_exec runuser -u "$user" -- unit-tls "$@" >"$o" 2>"$e" || UT_RC=$?
	UT_OUT=$(cat "$o") UT_ERR=$(cat "$e")
	_ut_log_run "runuser -u $user -- unit-tls" "$@"
}

ut_show() { ct_systemctl show -p "$2" --value "$1"; }
ut_dropin() { printf '/etc/systemd/system/%s.d/tls.conf\n' "$1"; }

# The drop-in unit-tls writes for CA path $1 (no insecure override to undo).
ut_expected_dropin() {
	printf '%s\n[Service]\nEnvironment="NODE_EXTRA_CA_CERTS=%s"\n' "$UT_DROPIN_HEADER" "$1"
}

ut_tree_digest() { # --content | --strict
	local fmt='%p %y %m %l\n'
	[[ $1 != --strict ]] || fmt='%p %y %m %l %T@\n'
	# shellcheck disable=SC2016
	ct_sh 'for d in /etc/systemd/system /run/systemd/system /etc/unit-tls; do
			[ -e "$d" ] || continue
			find "$d" -printf "$1"
			find "$d" -type f -exec sha256sum {} +
		done | sort | sha256sum | cut -d" " -f1' _ "$fmt"
}

# ut_state UNIT: "MainPID InvocationID" of UNIT.
ut_state() { ct_systemctl show -p MainPID -p InvocationID --value "$1" | paste -sd' '; }

# ------------------------------------------------------------ assertions --

ut_expect_rc() { # WHAT EXPECTED
	[[ $UT_RC == "$2" ]] || ct_fail "$1: exit status $UT_RC, expected $2"
	ct_log "ok: $1: exit $UT_RC"
}

# ut_assert_contains WHAT HAYSTACK NEEDLE (fixed string)
ut_assert_contains() {
	grep -qF -- "$3" <<<"$2" || ct_fail "$1: '$3' not found in: $2"
	ct_log "ok: $1: has '$3'"
}

ut_assert_not_contains() {
	if grep -qF -- "$3" <<<"$2"; then ct_fail "$1: '$3' unexpectedly found in: $2"; fi
	ct_log "ok: $1: no '$3'"
}

# ut_assert_restarted UNIT BEFORE: BEFORE is an earlier ut_state; both the
# main PID and the invocation ID must have changed, and it must be running.
ut_assert_restarted() {
	local now pid inv opid oinv
	now=$(ut_state "$1")
	read -r pid inv <<<"$now"
	read -r opid oinv <<<"$2"
	[[ $pid != 0 && $pid != "$opid" && $inv != "$oinv" ]] ||
		ct_fail "$1 was not restarted: before '$2', now '$now'"
	ct_assert_eq "$1 ActiveState after restart" active "$(ut_show "$1" ActiveState)"
	ct_log "ok: $1 restarted (PID $opid -> $pid)"
}

ut_assert_not_restarted() {
	local now
	now=$(ut_state "$1")
	[[ $now == "$2" ]] || ct_fail "$1 was restarted: before '$2', now '$now'"
	ct_log "ok: $1 not restarted (MainPID/InvocationID '$now')"
}

# ut_assert_reloads WHAT BEFORE N: exactly N reloads since count BEFORE.
ut_assert_reloads() {
	local now
	now=$(ut_reloads)
	ct_assert_eq "$1: daemon-reloads" "$3" "$((now - $2))"
}

# ut_assert_env UNIT VAR VALUE: the main process has VAR=VALUE.
ut_assert_env() {
	local v
	v=$(ct_unit_getenv "$1" "$2") || ct_fail "$1: main process has no $2"
	ct_assert_eq "$1: $2 in /proc/MAINPID/environ" "$3" "$v"
}

# ut_assert_no_env UNIT VAR: the main process has no VAR.
ut_assert_no_env() {
	local v rc=0
	v=$(ct_unit_getenv "$1" "$2") || rc=$?
	((rc == 1)) || ct_fail "$1: main process has $2='$v' (status $rc)"
	ct_log "ok: $1: no $2 in /proc/MAINPID/environ"
}

# ut_assert_loaded UNIT CA: systemd loaded unit-tls's drop-in with CA.
ut_assert_loaded() {
	local show
	show=$(ct_systemctl show -p DropInPaths -p Environment -p NeedDaemonReload "$1")
	ut_assert_contains "$1 DropInPaths" "$(grep '^DropInPaths=' <<<"$show")" "$(ut_dropin "$1")"
	ut_assert_contains "$1 Environment" "$(grep '^Environment=' <<<"$show")" "NODE_EXTRA_CA_CERTS=$2"
	ct_assert_eq "$1 NeedDaemonReload" "NeedDaemonReload=no" "$(grep '^NeedDaemonReload=' <<<"$show")"
}

# ut_assert_dropin UNIT CONTENT: the drop-in holds exactly CONTENT.
ut_assert_dropin() {
	local got
	got=$(ct_exec cat "$(ut_dropin "$1")") || ct_fail "$1: no drop-in $(ut_dropin "$1")"
	[[ $got == "$2" ]] || ct_fail "$1: drop-in content differs; expected:
$2
got:
$got"
	ct_log "ok: $1: drop-in $(ut_dropin "$1") has the expected content"
}

ut_assert_no_dropin_dir() {
	if ct_exec test -e "/etc/systemd/system/$1.d"; then
		ct_fail "/etc/systemd/system/$1.d exists: $(ct_exec ls -la "/etc/systemd/system/$1.d" 2>&1)"
	fi
	ct_log "ok: no /etc/systemd/system/$1.d"
}

ut_assert_result() { # NAME EXPECTED [WHEN]: the client's current run records EXPECTED
	ct_assert_eq "$1 records${3:+ ($3)}" "$2" "$(ct_wait_result "$1")"
}
