# shellcheck shell=bash
# tests/integration/lib.sh — boot a real systemd in a throwaway container.
#
# Source this from a scenario (tests/integration/t-*.sh); run the scenarios
# with run.sh. Needs root, systemd-nspawn (package systemd-container),
# nsenter, overlayfs, openssl and node. Scenario exit codes: 0 pass, 1 fail,
# 77 skip. Missing prerequisites and any failure to boot skip (77), except
# under CI=true, where they fail (1): CI machines are meant to run these.
#
# How the container is built: an overlay whose lower layer is the host's "/"
# (so the container runs the host's own systemd, node, openssl and libraries,
# and sees /work read-through), booted with systemd-nspawn --boot in a
# private network namespace (its own loopback only) into ut-test.target
# (basic.target and nothing else; timers and gettys masked). PID 1 of the
# container is the "leader"; ct_exec runs commands in all its namespaces
# with a clean environment (the host exports NODE_EXTRA_CA_CERTS & co).
#
# Where to write files (host-side paths):
#   $CT_ROOT    the overlay's upper directory. Writes into it BEFORE ct_start
#               (after ct_prepare) are always seen by the container. Writes
#               into it AFTER the overlay is mounted are undefined behaviour
#               for overlayfs (the kernel caches lookups and directory
#               listings of the merged tree); seen here: a file created in
#               $CT_ROOT after the container had once looked for that name
#               stayed invisible inside, to lookups and to readdir. Reading
#               it is always fine, and useful: it holds exactly what the
#               container created or changed (a drop-in written by unit-tls
#               appears as $CT_ROOT/etc/systemd/system/NAME.service.d/*.conf).
#   $CT_MERGED  the mounted overlay, the very filesystem the container uses
#               as "/". Writes through it after boot are seen at once inside.
#   ct_path P   the right host path for container path P at any time
#               ($CT_ROOT/P before boot, $CT_MERGED/P after); ct_write,
#               ct_copy, ct_install_bin and ct_write_unit/_dropin use it.
# The container's /tmp is a private tmpfs: put what it must run under
# /usr/local/bin or /usr/local/lib/unit-tls-test/ ($CT_SHARE) instead.
#
# Functions: ct_prepare ct_start ct_stop ct_on_exit | ct_exec ct_exec_t ct_sh
# ct_systemctl ct_daemon_reload | ct_path ct_write ct_copy ct_install_bin
# ct_install_unit_tls ct_write_unit ct_write_dropin | ct_main_pid ct_environ
# ct_unit_getenv | pki_make ct_https_server ct_wait_port ct_node_client
# ct_result ct_wait_result ct_wait_next_result | ct_require
# ct_require_unit_tls ct_skip ct_fail ct_assert_eq ct_log ct_dump_debug.
#
# Cleanup: sourcing this file installs an EXIT trap (INT/TERM/HUP exit, so
# they reach it too) that dumps diagnostics on failure and calls ct_stop:
# end in-flight ct_execs, poweroff (SIGKILL after CT_STOP_TIMEOUT), unmount,
# check that no process of the container's PID namespace and no mount under
# the temp dir is left, remove the temp dir. A scenario that needs cleanup
# of its own registers it with ct_on_exit instead of trapping EXIT. If the
# scenario is SIGKILLed, run.sh reaps what it left (see reap in run.sh).
#
# Tunables (environment): CT_BOOT_TIMEOUT (s, 60), CT_STOP_TIMEOUT (s, 20),
# CT_EXEC_TIMEOUT (s, 60), CT_TMPDIR (/tmp), CT_MASK (more units to mask),
# CT_DEBUG=1 (more output), UT_NODE (node for the client unit; default: node
# on PATH), CT_LOWER (see below).
#
# CT_LOWER=DIR boots another system instead of the host: DIR (a complete root,
# e.g. tests/lib/debian13.sh's d13_root) becomes the overlay's lower layer in
# place of "/". The container then runs DIR's systemd and libraries, and does
# NOT see /work: binaries installed with ct_install_bin must run against
# DIR's libraries (check with `chroot DIR ldd`). UT_NODE then defaults to the
# node on $CT_PATH inside DIR (a container-side path). DIR is never written.

set -euo pipefail

readonly CT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
readonly CT_SHARE=/usr/local/lib/unit-tls-test   # container-side dir for our files
readonly CT_HTTPS_PORT=8443
# The system the container boots: "" is the host's "/", else a root directory.
readonly _CT_LOWER=${CT_LOWER:-}

: "${CT_BOOT_TIMEOUT:=60}" "${CT_STOP_TIMEOUT:=20}" "${CT_EXEC_TIMEOUT:=60}"
: "${CT_TMPDIR:=/tmp}" "${CT_DEBUG:=0}"
for _v in CT_BOOT_TIMEOUT CT_STOP_TIMEOUT CT_EXEC_TIMEOUT; do
	[[ ${!_v} =~ ^[0-9]+$ ]] || { printf 'FAIL: %s=%s is not a whole number of seconds\n' "$_v" "${!_v}" >&2; exit 1; }
done
unset _v

CT_DIR='' CT_ROOT='' CT_MERGED='' CT_LEADER='' CT_NSPAWN_PID='' CT_PIDNS=''
CT_BOOTED=0 CT_BOOT_SECONDS='' CT_STOP_SECONDS=''
_CT_EXIT_HOOKS=()
# The scenario's own stdout/stderr, for the exit trap: a signal can arrive
# while a command runs with 2>/dev/null, and the trap inherits that redirect.
exec {_CT_OUT}>&1 {_CT_ERR}>&2

# ---------------------------------------------------------------- messages --

ct_log() { printf '# %s\n' "$*" >&2; }
ct_debug() { if [[ $CT_DEBUG == 1 ]]; then ct_log "$@"; fi; return 0; }

# ct_fail MSG: report a failure and exit 1 (the EXIT trap dumps diagnostics).
ct_fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

# ct_skip MSG: exit 77, except under CI=true where a missing prerequisite is
# itself a failure (CI machines are set up to run these tests).
ct_skip() {
	if [[ ${CI:-} == true ]]; then
		printf 'FAIL: %s (CI=true: not skipping)\n' "$*" >&2
		exit 1
	fi
	printf 'SKIP: %s\n' "$*" >&2
	exit 77
}

# ct_assert_eq WHAT EXPECTED ACTUAL
ct_assert_eq() {
	if [[ $2 != "$3" ]]; then ct_fail "$1: expected '$2', got '$3'"; fi
	ct_log "ok: $1 = '$3'"
}

# Wall clock in seconds with microseconds (bash 5 $EPOCHREALTIME).
ct_now() { printf '%s\n' "${EPOCHREALTIME/,/.}"; }
# ct_elapsed START: seconds since START, two decimals.
ct_elapsed() { awk -v a="$1" -v b="$(ct_now)" 'BEGIN { printf "%.2f\n", b - a }'; }

# ------------------------------------------------------------ prerequisites --

# ct_require: skip (77) unless we can boot a container here.
ct_require() {
	[[ $(id -u) == 0 ]] || ct_skip "integration tests need root (to mount overlayfs and run systemd-nspawn)"
	local c
	for c in systemd-nspawn nsenter mount umount findmnt mountpoint timeout; do
		command -v "$c" >/dev/null || ct_skip "'$c' not found (systemd-nspawn is in package systemd-container, nsenter in util-linux)"
	done
	if [[ -n $_CT_LOWER ]]; then
		[[ $_CT_LOWER == /* && -d $_CT_LOWER ]] || ct_skip "CT_LOWER='$_CT_LOWER' is not an absolute path to a directory"
	fi
	[[ -x $_CT_LOWER/lib/systemd/systemd || -x $_CT_LOWER/usr/lib/systemd/systemd ]] || ct_skip "no systemd on this machine to boot in a container"
	grep -qw overlay /proc/filesystems 2>/dev/null || modprobe overlay 2>/dev/null ||
		ct_skip "overlayfs not available"
}

# ct_require_unit_tls: the scenario needs the tool; $UNIT_TLS names the binary.
ct_require_unit_tls() {
	[[ -n ${UNIT_TLS:-} ]] || ct_skip "UNIT_TLS is not set (path to the unit-tls binary)"
	[[ -f $UNIT_TLS && -x $UNIT_TLS ]] || ct_skip "UNIT_TLS='$UNIT_TLS' is not an executable file"
}

# ct_install_unit_tls: install $UNIT_TLS as /usr/local/bin/unit-tls.
ct_install_unit_tls() {
	ct_require_unit_tls
	ct_install_bin "$UNIT_TLS" unit-tls
}

# ------------------------------------------------------------- life cycle --

_ct_alive() { # PID: exists and is not a zombie
	local st
	[[ -r /proc/$1/stat ]] || return 1
	st=$(sed 's/.*) //; s/ .*//' "/proc/$1/stat" 2>/dev/null) || return 1   # comm may hold spaces
	[[ -n $st && $st != Z && $st != X ]]
}

# ct_prepare: make the temp dir and the (not yet mounted) layers, write the
# masks and the test target into $CT_ROOT. Files written into $CT_ROOT after
# this and before ct_start are part of the container from its first instant.
ct_prepare() {
	[[ -z $CT_DIR ]] || return 0
	ct_require
	CT_DIR=$(mktemp -d "$CT_TMPDIR/unit-tls-ct.XXXXXX")
	CT_ROOT=$CT_DIR/upper
	CT_MERGED=$CT_DIR/merged
	mkdir -p "$CT_ROOT" "$CT_DIR/work" "$CT_MERGED"
	_ct_write_base_config
	ct_debug "prepared $CT_DIR"
}

# The container boots into ut-test.target = basic.target + nothing else, so
# whatever the host enables in multi-user/graphical.target (databases, cron,
# ssh, getty...) never starts; timers.target is masked so no timer fires.
# Extra units to mask: CT_MASK="a.service b.socket".
_ct_write_base_config() {
	local sys=$CT_ROOT/etc/systemd/system u
	mkdir -p "$sys"
	cat >"$sys/ut-test.target" <<-'EOF'
		[Unit]
		Description=unit-tls integration test target
		Requires=basic.target
		After=basic.target
		AllowIsolate=yes
	EOF
	ln -sfn ut-test.target "$sys/default.target"
	# shellcheck disable=SC2086 # CT_MASK is a space separated list on purpose
	for u in timers.target getty.target console-getty.service \
		container-getty@.service getty@.service serial-getty@.service \
		systemd-timesyncd.service systemd-pstore.service \
		e2scrub_reap.service postgresql.service postgresql@.service \
		apt-daily.service apt-daily-upgrade.service man-db.service \
		dpkg-db-backup.service e2scrub_all.service fstrim.service \
		${CT_MASK:-}; do
		ln -sfn /dev/null "$sys/$u"
	done
	mkdir -p "$CT_ROOT$CT_SHARE"
}

# ct_start: (prepare if needed,) mount the overlay, boot, wait until the
# system is up. Sets CT_LEADER (host PID of the container's PID 1),
# CT_BOOT_SECONDS. Any failure to boot skips (77), or fails under CI=true.
ct_start() {
	ct_prepare
	[[ $CT_BOOTED == 0 ]] || return 0
	local t0 deadline state pid i
	t0=$(ct_now)
	mount -t overlay overlay \
		-o "lowerdir=${_CT_LOWER:-/},upperdir=$CT_ROOT,workdir=$CT_DIR/work" "$CT_MERGED" 2>"$CT_DIR/mount.err" ||
		ct_skip "cannot mount overlayfs: $(cat "$CT_DIR/mount.err")"
	# The host environment (NODE_EXTRA_CA_CERTS, SSL_CERT_FILE...) must not
	# reach the container: nspawn builds its own environment for PID 1, and
	# we start it from an empty one anyway.
	env -i PATH="$CT_PATH" SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 \
		systemd-nspawn -D "$CT_MERGED" --machine="ut-${CT_DIR##*.}" \
		--private-network --boot --register=no --keep-unit -q --console=pipe \
		</dev/null >"$CT_DIR/console.log" 2>&1 {_CT_OUT}>&- {_CT_ERR}>&- &
	CT_NSPAWN_PID=$!
	deadline=$((SECONDS + CT_BOOT_TIMEOUT))

	# The leader is the child of systemd-nspawn that is PID 1 of the new PID
	# namespace (NSpid ends in 1) and has exec'd systemd (comm "systemd").
	while [[ -z $CT_LEADER ]]; do
		_ct_alive "$CT_NSPAWN_PID" || _ct_boot_failed "systemd-nspawn exited early"
		((SECONDS < deadline)) || _ct_boot_failed "no container PID 1 after ${CT_BOOT_TIMEOUT}s"
		for pid in $(pgrep -P "$CT_NSPAWN_PID" || true); do
			grep -Eq '^NSpid:.*[[:space:]]1$' "/proc/$pid/status" 2>/dev/null || continue
			# Remember the namespace at once, so that ct_stop can check
			# for leftovers even if the boot fails from here on.
			CT_PIDNS=$(readlink "/proc/$pid/ns/pid" 2>/dev/null) || continue
			[[ $(cat "/proc/$pid/comm" 2>/dev/null) == systemd ]] && CT_LEADER=$pid
		done
		[[ -n $CT_LEADER ]] || sleep 0.02
	done
	CT_BOOTED=1
	# For run.sh's last-resort cleanup, should this shell be SIGKILLed.
	printf '%s\n' "$CT_LEADER" >"$CT_DIR/leader"
	printf '%s\n' "$CT_PIDNS" >"$CT_DIR/pidns"

	# Wait for the boot transaction. Early on systemctl cannot connect yet
	# and reports "offline"/nothing; retry until a final state or deadline.
	state=''
	for ((i = 0; ; i++)); do
		state=$(ct_exec_t "$((deadline - SECONDS > 1 ? deadline - SECONDS : 1))" \
			systemctl is-system-running --wait 2>/dev/null | tail -n1) || true
		case $state in running | degraded) break ;; esac
		_ct_alive "$CT_LEADER" || _ct_boot_failed "container PID 1 died (state '$state')"
		((SECONDS < deadline)) || _ct_boot_failed "system not up after ${CT_BOOT_TIMEOUT}s (state '$state')"
		sleep 0.05
	done
	CT_BOOT_SECONDS=$(ct_elapsed "$t0")
	ct_log "container booted in ${CT_BOOT_SECONDS}s: leader PID $CT_LEADER, state $state, dir $CT_DIR"
	if [[ $state == degraded ]]; then
		ct_log "system is degraded; failed units:"
		ct_exec systemctl --failed --no-legend --plain 2>&1 | sed 's/^/#   /' >&2 || true
	fi
}

_ct_boot_failed() {
	ct_log "boot failed: $1"
	ct_log "console output (last 30 lines):"
	tail -n 30 "$CT_DIR/console.log" 2>/dev/null | sed 's/^/#   /' >&2 || true
	if [[ $CT_BOOTED == 1 ]] && _ct_alive "$CT_LEADER"; then
		ct_log "jobs still queued:"
		ct_exec_t 5 systemctl list-jobs --no-legend 2>&1 | sed 's/^/#   /' >&2 || true
	fi
	ct_skip "cannot boot a systemd container: $1"
}

# A ct_exec still in flight (ct_exec ... & in a scenario) must end before
# poweroff: systemd-shutdown SIGSTOPs everything in the container, nsenter
# then stops itself too (it mirrors its child's job-control state), never
# reaps its child, and poweroff waits 10 s for that zombie. So kill the
# children of every nsenter into this container (they are inside it; their
# own children are adopted by the container's init) and SIGCONT nsenter so
# it reaps them. The leader's PID in the command line identifies ours.
_ct_end_execs() {
	local p c
	[[ -n $CT_LEADER ]] || return 0
	for p in $(pgrep -x nsenter || true); do
		# 2>/dev/null first: the nsenter may be gone (or another run's) by now
		tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -q -- "^nsenter -t $CT_LEADER -a " || continue
		for c in $(pgrep -P "$p" || true); do kill -s KILL "$c" 2>/dev/null || true; done
		kill -s CONT "$p" 2>/dev/null || true
	done
}

# ct_stop: power the container off and remove every trace. Idempotent.
# Returns non-zero if something could not be cleaned (and says what).
ct_stop() {
	local rc=0 t0 deadline pid left
	[[ -n $CT_DIR ]] || return 0
	t0=$(ct_now)
	_ct_end_execs
	if [[ -n $CT_NSPAWN_PID ]] && _ct_alive "$CT_NSPAWN_PID"; then
		# SIGRTMIN+4 asks systemd for an orderly poweroff. Without a leader
		# (boot failed early) there is nobody to ask: a signal sent to PID 1
		# of a PID namespace before it installed handlers is dropped, so
		# SIGKILL nspawn's children (that kills the namespace) and let
		# nspawn notice.
		if [[ -n $CT_LEADER ]] && _ct_alive "$CT_LEADER"; then
			kill -s RTMIN+4 "$CT_LEADER" 2>/dev/null || true
		else
			kill -s TERM "$CT_NSPAWN_PID" 2>/dev/null || true
		fi
		deadline=$((SECONDS + CT_STOP_TIMEOUT))
		while _ct_alive "$CT_NSPAWN_PID" && ((SECONDS < deadline)); do
			if [[ -z $CT_LEADER ]]; then
				for pid in $(pgrep -P "$CT_NSPAWN_PID" || true); do kill -s KILL "$pid" 2>/dev/null || true; done
			fi
			sleep 0.02
		done
		if _ct_alive "$CT_NSPAWN_PID"; then
			ct_log "container did not power off within ${CT_STOP_TIMEOUT}s; killing it"
			[[ -z $CT_LEADER ]] || kill -s KILL "$CT_LEADER" 2>/dev/null || true
			kill -s KILL "$CT_NSPAWN_PID" 2>/dev/null || true
			deadline=$((SECONDS + 5))
			while _ct_alive "$CT_NSPAWN_PID" && ((SECONDS < deadline)); do sleep 0.02; done
		fi
	fi
	if [[ -n $CT_NSPAWN_PID ]]; then wait "$CT_NSPAWN_PID" 2>/dev/null || true; fi

	# Nothing may survive in the container's PID namespace (the kernel kills
	# it with its PID 1, but check rather than trust).
	if [[ -n $CT_PIDNS ]]; then
		left=''
		for pid in /proc/[0-9]*; do
			[[ $(readlink "$pid/ns/pid" 2>/dev/null) == "$CT_PIDNS" ]] && left+=" ${pid#/proc/}"
		done
		if [[ -n $left ]]; then
			ct_log "processes left in the container's PID namespace:$left; killing"
			# shellcheck disable=SC2086
			kill -s KILL $left 2>/dev/null || true
			rc=1
		fi
	fi

	if mountpoint -q "$CT_MERGED"; then
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			umount "$CT_MERGED" 2>/dev/null && break
			sleep 0.1
		done
		if mountpoint -q "$CT_MERGED"; then
			ct_log "umount $CT_MERGED failed: $(umount "$CT_MERGED" 2>&1); detaching lazily"
			umount -l "$CT_MERGED" || true
			rc=1
		fi
	fi
	if findmnt -rn -o TARGET | grep -qF "$CT_DIR"; then
		ct_log "mounts left under $CT_DIR, not removing it:"
		findmnt -rn -o TARGET | grep -F "$CT_DIR" | sed 's/^/#   /' >&2
		rc=1
	else
		rm -rf --one-file-system "$CT_DIR"
	fi
	CT_STOP_SECONDS=$(ct_elapsed "$t0")
	ct_debug "container stopped and removed in ${CT_STOP_SECONDS}s"
	CT_DIR='' CT_ROOT='' CT_MERGED='' CT_LEADER='' CT_NSPAWN_PID='' CT_PIDNS='' CT_BOOTED=0
	return "$rc"
}

# ct_on_exit CMD...: run CMD (as one string, eval'd) at exit, before ct_stop.
ct_on_exit() { _CT_EXIT_HOOKS+=("$*"); }

_ct_exit_trap() {
	local rc=$? h
	set +e
	exec 1>&"$_CT_OUT" 2>&"$_CT_ERR"
	ct_debug "exit trap: status $rc"
	for h in "${_CT_EXIT_HOOKS[@]}"; do eval "$h"; done
	if ((rc != 0 && rc != 77)) && [[ $CT_BOOTED == 1 ]]; then ct_dump_debug; fi
	if ! ct_stop; then
		ct_log "cleanup was incomplete"
		((rc == 0 || rc == 77)) && rc=1
	fi
	exit "$rc"
}
trap _ct_exit_trap EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------- inside the box --

# ct_exec CMD...: run CMD inside the container (all its namespaces) with a
# clean environment. Bounded by CT_EXEC_TIMEOUT seconds. SYSTEMD_PAGER=cat
# keeps systemctl/journalctl from starting a pager when stdout is a tty.
ct_exec() { ct_exec_t "$CT_EXEC_TIMEOUT" "$@"; }

# ct_exec_t SECONDS CMD...: ct_exec with an explicit time limit (exit 124
# on expiry). The timeout runs INSIDE the container, as nsenter's child: on
# expiry it kills CMD there and nsenter reaps it. Killing nsenter from the
# host instead would orphan CMD to the host's init; this sandbox's init
# reaps late, and a zombie left in the container's PID namespace makes
# systemd-shutdown wait its full 10 s at poweroff.
ct_exec_t() {
	local t=$1
	shift
	[[ $CT_BOOTED == 1 ]] || ct_fail "ct_exec before ct_start"
	nsenter -t "$CT_LEADER" -a env -i PATH="$CT_PATH" SYSTEMD_PAGER=cat \
		timeout -k 5 "$t" "$@"
}

# ct_sh SCRIPT [ARG...]: run a bash script inside the container.
ct_sh() { ct_exec bash -euo pipefail -c "$@"; }

ct_systemctl() { ct_exec systemctl --no-pager "$@"; }
ct_daemon_reload() { ct_systemctl daemon-reload; }

# ct_path P: host path through which container path P is written now.
ct_path() {
	if [[ $CT_BOOTED == 1 ]]; then printf '%s%s\n' "$CT_MERGED" "$1"; else printf '%s%s\n' "$CT_ROOT" "$1"; fi
}

# ct_write P [MODE]: write stdin to container path P (parents created).
ct_write() {
	local dst
	[[ -n $CT_DIR ]] || ct_fail "ct_write before ct_prepare/ct_start"
	dst=$(ct_path "$1")
	mkdir -p "$(dirname "$dst")"
	cat >"$dst"
	chmod "${2:-0644}" "$dst"
}

# ct_copy SRC P [MODE]: copy host file SRC to container path P.
ct_copy() { ct_write "$2" "${3:-0644}" <"$1"; }

# ct_install_bin SRC [NAME]: install a host binary as /usr/local/bin/NAME.
# The container shares the host's libraries (overlay on "/") and sees /work,
# so a binary from a meson build dir with an rpath into /work still runs.
# Under CT_LOWER it has neither: the binary must run on that root's libraries.
ct_install_bin() {
	local name=${2:-$(basename "$1")}
	ct_copy "$1" "/usr/local/bin/$name" 0755
	ct_debug "installed $1 as /usr/local/bin/$name"
}

# ct_write_unit NAME: write stdin as /etc/systemd/system/NAME. Does not
# daemon-reload (tests decide when that happens).
ct_write_unit() { ct_write "/etc/systemd/system/$1" 0644; }

# ct_write_dropin UNIT FILE: write stdin as /etc/systemd/system/UNIT.d/FILE.
ct_write_dropin() { ct_write "/etc/systemd/system/$1.d/$2" 0644; }

# _ct_start_unit UNIT: after boot: daemon-reload and (re)start UNIT; before
# boot: make ut-test.target want it, so it starts during boot.
_ct_start_unit() {
	if [[ $CT_BOOTED == 1 ]]; then
		ct_daemon_reload
		ct_systemctl restart "$1"
	else
		mkdir -p "$CT_ROOT/etc/systemd/system/ut-test.target.wants"
		ln -sfn "../$1" "$CT_ROOT/etc/systemd/system/ut-test.target.wants/$1"
	fi
}

# ct_main_pid UNIT: the unit's MainPID (fails if it has none).
ct_main_pid() {
	local pid
	pid=$(ct_systemctl show -p MainPID --value "$1")
	[[ -n $pid && $pid != 0 ]] || { ct_log "$1 has no main process"; return 1; }
	printf '%s\n' "$pid"
}

# ct_environ PID: the environment of a process inside the container, one
# VAR=value per line (PID as seen inside the container).
# A process that systemd has just started may still be systemd's own fork or,
# since systemd 255, systemd-executor (whose environment is the manager's, or
# empty during its execve): wait up to 5 s until PID runs something else and
# its environment reads non-empty, so that what is read is the service's own
# environment. A `systemctl restart` of a Type=simple service returns before
# that exec.
ct_environ() {
	# shellcheck disable=SC2016 # the script expands its own arguments
	ct_exec bash -c '
		for ((i = 0; i < 100; i++)); do
			exe=$(readlink "/proc/$1/exe") || break
			case ${exe##*/} in
			systemd | systemd-executor) ;;
			*) (($(head -c1 "/proc/$1/environ" 2>/dev/null | wc -c))) && break ;;
			esac
			sleep 0.05
		done
		cat "/proc/$1/environ"' _ "$1" | tr '\0' '\n'
}

# ct_unit_getenv UNIT VAR: print VAR from the unit's main process environment;
# status 1 if the variable is not set there.
ct_unit_getenv() {
	local pid env
	pid=$(ct_main_pid "$1") || return 2
	env=$(ct_environ "$pid") || return 2
	awk -v v="$2" 'index($0, v "=") == 1 { print substr($0, length(v) + 2); f = 1 } END { exit !f }' <<<"$env"
}

# ct_wait_port PORT [TIMEOUT]: wait until something accepts on 127.0.0.1:PORT.
ct_wait_port() {
	# shellcheck disable=SC2016 # the script expands its own arguments
	ct_exec_t "$((${2:-10} + 5))" bash -c '
		end=$((SECONDS + $2))
		until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
			((SECONDS < end)) || exit 1
			sleep 0.05
		done' _ "$1" "${2:-10}" || ct_fail "nothing listens on 127.0.0.1:$1 after ${2:-10}s"
}

# ct_dump_debug: failed units, state of our test units, recent journal.
ct_dump_debug() {
	[[ $CT_BOOTED == 1 ]] && _ct_alive "$CT_LEADER" || return 0
	{
		echo "--- failed units"
		ct_exec_t 10 systemctl --failed --no-legend --plain 2>&1
		echo "--- test units"
		ct_exec_t 10 systemctl status --no-pager -n 0 'ut-*' 2>&1
		echo "--- journal (last 40 lines)"
		ct_exec_t 10 journalctl --no-pager -q -n 40 2>&1
	} | sed 's/^/#   /' >&2 || true
}

# -------------------------------------------------------------------- PKI --

# pki_make DIR: a throwaway root CA and a server leaf for 127.0.0.1/localhost
# signed by it, in host dir DIR: ca.crt ca.key leaf.crt leaf.key (PEM, EC
# P-256: fast to make). openssl runs with an empty environment. Valid for
# PKI_DAYS days (default 365): more than unit-tls's 30-day expiry warning,
# so that a healthy setup gives no warning (and `status` exits 0).
pki_make() {
	local d=$1 days=${PKI_DAYS:-365}
	mkdir -p "$d"
	(
		cd "$d"
		o() { env -i PATH="$CT_PATH" openssl "$@"; }
		cat >leaf.ext <<-'EOF'
			basicConstraints=critical,CA:FALSE
			keyUsage=critical,digitalSignature,keyEncipherment
			extendedKeyUsage=serverAuth
			subjectAltName=IP:127.0.0.1,DNS:localhost
			subjectKeyIdentifier=hash
			authorityKeyIdentifier=keyid:always
		EOF
		o req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout ca.key -out ca.crt -days "$days" -subj "/CN=unit-tls test root CA $$" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign"
		o req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout leaf.key -out leaf.csr -subj "/CN=localhost"
		o x509 -req -in leaf.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
			-out leaf.crt -days "$days" -extfile leaf.ext
		rm -f leaf.csr ca.srl
		o verify -CAfile ca.crt leaf.crt >/dev/null
	) >"$d/pki.log" 2>&1 || { cat "$d/pki.log" >&2; ct_fail "pki_make $d failed"; }
	ct_debug "PKI in $d: $(env -i PATH="$CT_PATH" openssl x509 -in "$d/ca.crt" -noout -subject)"
}

# ------------------------------------------------------ server and client --

# ct_https_server CERT KEY [CHAIN]: install ut-https.service, an
# `openssl s_server -www` on 127.0.0.1:8443 sending CERT (plus CHAIN if
# given, else the leaf alone), start it and wait until it accepts. Called
# before ct_start, it only installs the unit, which then starts at boot
# (use ct_wait_port after ct_start).
# -no-CAfile/-no-CApath/-no-CAstore: otherwise s_server completes its chain
# from the system trust store, so after update-ca-certificates it starts
# sending the root too and the client's error turns into
# SELF_SIGNED_CERT_IN_CHAIN; the chain sent must be exactly what we chose.
ct_https_server() {
	local d=$CT_SHARE/server chain=''
	ct_copy "$1" "$d/cert.pem" 0644
	ct_copy "$2" "$d/key.pem" 0600
	if [[ -n ${3:-} ]]; then
		ct_copy "$3" "$d/chain.pem" 0644
		chain=" -cert_chain $d/chain.pem"
	fi
	ct_write_unit ut-https.service <<-EOF
		[Unit]
		Description=unit-tls test HTTPS server (stands in for Proxmox)

		[Service]
		ExecStart=/usr/bin/openssl s_server -www -no-CAfile -no-CApath -no-CAstore -accept 127.0.0.1:$CT_HTTPS_PORT -cert $d/cert.pem -key $d/key.pem$chain
		StandardInput=null
	EOF
	_ct_start_unit ut-https.service
	if [[ $CT_BOOTED == 1 ]]; then
		ct_wait_port "$CT_HTTPS_PORT" 10
		ct_log "ut-https.service listening on 127.0.0.1:$CT_HTTPS_PORT"
	fi
}

# The Node client: every UT_INTERVAL_MS (0 = once) GET UT_URL, then replace
# $STATE_DIRECTORY/result atomically with one line:
#   <OK|err.code> <INVOCATION_ID> <pid> <attempt number>
# The invocation ID (set by systemd for each start) lets a test tell a result
# of the current run from a stale one left by the previous run.
_ct_client_js() {
	cat <<-'EOF'
		'use strict';
		const https = require('https');
		const fs = require('fs');
		const path = require('path');
		const dir = process.env.STATE_DIRECTORY;
		const url = process.env.UT_URL || 'https://127.0.0.1:8443/';
		const every = Number(process.env.UT_INTERVAL_MS || 1000);
		const inv = process.env.INVOCATION_ID || '-';
		let seq = 0;
		function record(what) {
		  seq += 1;
		  const line = `${what} ${inv} ${process.pid} ${seq}\n`;
		  const tmp = path.join(dir, '.result.tmp');
		  fs.writeFileSync(tmp, line);
		  fs.renameSync(tmp, path.join(dir, 'result'));
		  process.stdout.write(line);
		}
		function attempt() {
		  let done = false;
		  const finish = (what) => {
		    if (done) return;
		    done = true;
		    record(what);
		    if (every > 0) setTimeout(attempt, every);
		  };
		  const req = https.get(url, { timeout: 5000 }, (res) => {
		    res.resume();
		    finish(res.statusCode === 200 ? 'OK' : `HTTP_${res.statusCode}`);
		  });
		  req.on('timeout', () => { req.destroy(); finish('TIMEOUT'); });
		  req.on('error', (e) => {
		    // The server may still be starting when we are (both started
		    // at boot): retry a refused connection quietly for 5 s.
		    if (e.code === 'ECONNREFUSED' && process.uptime() < 5 && !done) {
		      done = true;
		      setTimeout(attempt, 100);
		      return;
		    }
		    finish(e.code || e.name || 'ERROR');
		  });
		}
		attempt();
		if (every <= 0) setInterval(() => {}, 1 << 30); // stay up: tests read our environ
	EOF
}

# _ct_which CMD: the path of CMD as the container will find it: on PATH on
# the host, or on $CT_PATH inside $CT_LOWER. Empty if there is none.
_ct_which() {
	local d
	if [[ -z $_CT_LOWER ]]; then
		command -v "$1" || true
		return 0
	fi
	for d in ${CT_PATH//:/ }; do
		if [[ -f $_CT_LOWER$d/$1 && -x $_CT_LOWER$d/$1 ]]; then printf '%s\n' "$d/$1"; return 0; fi
	done
}
if [[ -n $_CT_LOWER && -z ${UT_NODE:-} ]]; then UT_NODE=$(_ct_which node); fi

# ct_node_client NAME [LINE...]: install and start NAME.service, a Node
# client of the HTTPS server writing /var/lib/NAME/result (see above); each
# LINE is appended to [Service] (e.g. "Environment=UT_INTERVAL_MS=0",
# "User=nobody"). After boot it (re)starts it and waits for its first
# result; before boot it installs it to start at boot (then ct_wait_result).
ct_node_client() {
	local name=$1 node line extra=''
	shift
	node=${UT_NODE:-$(_ct_which node)}
	[[ -n $node ]] || ct_skip "node not found (set UT_NODE)"
	for line in "$@"; do extra+=$line$'\n'; done
	_ct_client_js | ct_write "$CT_SHARE/client.js" 0644
	ct_write_unit "$name.service" <<-EOF
		[Unit]
		Description=unit-tls test Node.js client $name (stands in for Homepage)
		After=ut-https.service

		[Service]
		ExecStart=$node $CT_SHARE/client.js
		StateDirectory=$name
		Environment=UT_URL=https://127.0.0.1:$CT_HTTPS_PORT/
		$extra
	EOF
	_ct_start_unit "$name.service"
	if [[ $CT_BOOTED == 1 ]]; then ct_wait_result "$name" >/dev/null; fi
}

# ct_result NAME: the raw result line of client NAME (empty if none yet).
ct_result() { ct_exec cat "/var/lib/$1/result" 2>/dev/null || true; }

# ct_wait_result NAME [TIMEOUT] [MIN_ATTEMPT]: wait until client NAME has
# written a result in its CURRENT invocation (after a restart, a leftover
# result of the previous run never counts) whose attempt number is at least
# MIN_ATTEMPT (default 1); print the verdict (OK or err.code).
ct_wait_result() {
	local name=$1 t=${2:-15} min=${3:-1} inv out
	inv=$(ct_systemctl show -p InvocationID --value "$name.service")
	[[ -n $inv ]] || ct_fail "$name.service has no invocation ID (not started?)"
	# shellcheck disable=SC2016 # the script expands its own arguments
	out=$(ct_exec_t "$((t + 5))" bash -c '
		end=$((SECONDS + $3))
		while :; do
			if read -r what id _ seq 2>/dev/null <"/var/lib/$1/result" &&
				[[ $id == "$2" ]] && ((seq >= $4)); then
				printf "%s\n" "$what"
				exit 0
			fi
			((SECONDS < end)) || exit 1
			sleep 0.05
		done' _ "$name" "$inv" "$t" "$min") ||
		ct_fail "no result from $name.service (invocation $inv, attempt >= $min) within ${t}s; last: '$(ct_result "$name")'"
	printf '%s\n' "$out"
}

# ct_wait_next_result NAME [TIMEOUT]: like ct_wait_result, but only a result
# written after this call counts (the same process's next attempt; needs
# UT_INTERVAL_MS > 0). For "without a restart nothing changes" checks.
ct_wait_next_result() {
	local seq=0 inv what id pid n
	inv=$(ct_systemctl show -p InvocationID --value "$1.service")
	read -r what id pid n <<<"$(ct_result "$1")" || true
	[[ ${id:-} != "$inv" ]] || seq=$n
	: "$what" "$pid"
	ct_wait_result "$1" "${2:-15}" "$((seq + 1))"
}
