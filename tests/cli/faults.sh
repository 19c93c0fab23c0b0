#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/cli/faults.sh — how `unit-tls set` behaves when things go wrong: a full
# file system, a read-only one, injected I/O errors, a failure in the middle of a
# multi-unit run, SIGKILL at random points, concurrent runs, and file-system
# attacks (symlinks, unsafe modes, --root escapes, a swap race).
#
# Usage: faults.sh [UNIT_TLS_BINARY]   (or UNIT_TLS=... faults.sh)
# Needs root (tmpfs and bind mounts, chown); exits 77 without it.
# Offline only: every run uses --root on a throwaway tree under mktemp.
# Output: one line per case, "ok NAME" or "FAIL NAME: why"; notes go to stderr
# prefixed with '#'; the last line is "N passed, M failed"; exit 1 on a failure.

set -euo pipefail

BIN=${1:-${UNIT_TLS:-}}
if [[ -z $BIN ]]; then
	echo "usage: $0 UNIT_TLS_BINARY (or set UNIT_TLS)" >&2
	exit 2
fi
if [[ $(id -u) != 0 ]]; then
	echo "SKIP: faults.sh needs root (tmpfs and bind mounts, chown)" >&2
	exit 77
fi
BIN=$(realpath -- "$BIN")
[[ -x $BIN ]] || { echo "FAIL: $BIN is not executable" >&2; exit 1; }

# A clean environment for every tool: this machine exports SSL_CERT_FILE,
# NODE_EXTRA_CA_CERTS and friends globally, and none of that may leak in.
readonly CLEAN_PATH=/usr/sbin:/usr/bin:/sbin:/bin

T=$(mktemp -d /tmp/unit-tls-faults.XXXXXX)
MOUNTS=()
BG_PIDS=()

cleanup() {
	local rc=$? i
	trap - EXIT INT TERM HUP
	set +e
	for i in "${BG_PIDS[@]}"; do
		kill "$i" 2>/dev/null
		wait "$i" 2>/dev/null
	done
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}" 2>/dev/null
	done
	if grep -q " ${T}[/ ]" /proc/self/mounts; then
		echo "# cleanup: something is still mounted under $T; not removing it" >&2
	else
		rm -rf --one-file-system "$T"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Run a private copy: a rebuild of the tree under test must not swap the binary mid-run.
cp -- "$BIN" "$T/unit-tls"
BIN=$T/unit-tls

# mount_tracked ARGS...: mount, and remember the mount point (last argument) for cleanup.
mount_tracked() {
	mount "$@"
	MOUNTS+=("${!#}")
}
# umount_tracked DIR: unmount one mount point registered by mount_tracked.
umount_tracked() {
	local i
	umount "$1"
	for i in "${!MOUNTS[@]}"; do
		if [[ ${MOUNTS[i]} == "$1" ]]; then
			unset 'MOUNTS[i]'
			MOUNTS=("${MOUNTS[@]}")
			break
		fi
	done
}
# ro_bind DIR: DIR becomes a read-only bind mount of itself.
ro_bind() {
	mount_tracked --bind "$1" "$1"
	mount -o remount,bind,ro "$1"
}

# ------------------------------------------------------------------ results --

PASSED=0 FAILED=0 CASE='' WHY=()
begin() { CASE=$1; WHY=(); }
fail() { WHY+=("$*"); }
end() {
	if ((${#WHY[@]} == 0)); then
		echo "ok $CASE"
		PASSED=$((PASSED + 1))
	else
		local IFS=';'
		echo "FAIL $CASE: ${WHY[*]}" | tr '\n' ' ' | sed 's/ *$//'
		echo
		FAILED=$((FAILED + 1))
	fi
}
note() { echo "# $*" >&2; }

# ------------------------------------------------------------------ running --

# ut [VAR=VALUE...] ARGS...: runs unit-tls in a clean environment; sets RC, OUT, ERR.
ut() {
	local envs=()
	while [[ $# -gt 0 && $1 == [A-Z_]*=* ]]; do
		envs+=("$1")
		shift
	done
	set +e
	env -i PATH="$CLEAN_PATH" "${envs[@]}" "$BIN" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	set -e
	OUT=$(<"$T/out")
	ERR=$(<"$T/err")
}
# set_ca ROOT CA [UNIT...] (VAR=VALUE before ROOT passes through to ut)
set_ca() {
	local envs=()
	while [[ $1 == [A-Z_]*=* ]]; do
		envs+=("$1")
		shift
	done
	local root=$1 ca=$2
	shift 2
	[[ $# -gt 0 ]] || set -- homepage.service
	ut "${envs[@]}" --root="$root" set "$@" --ca "$ca"
}

expect_rc() {
	[[ $RC == "$1" ]] || fail "exit $RC, want $1 (stderr: ${ERR:-none})"
}
# expect_err REGEX: the error is one "unit-tls: ..." line that names the problem. A refusal
# may add the fixed line "unit-tls: nothing was changed"; anything else is noise.
expect_err() {
	local first rest
	first=$(head -n1 <<<"$ERR")
	rest=$(tail -n +2 <<<"$ERR")
	[[ $first =~ ^unit-tls:\ .*$1 ]] || fail "stderr first line '$first' does not match /$1/"
	[[ -z $rest || $rest == "unit-tls: nothing was changed" ]] || fail "more than one error line: $(tr '\n' '|' <<<"$ERR")"
}
# expect_file_is FILE WANT_FILE: byte-identical.
expect_file_is() {
	if [[ ! -e $1 && ! -L $1 ]]; then
		fail "${1#"$T"/} is missing"
	elif [[ -L $1 ]] || ! cmp -s -- "$1" "$2"; then
		fail "${1#"$T"/} differs from ${2#"$T"/}"
	fi
}
expect_absent() {
	[[ ! -e $1 && ! -L $1 ]] || fail "${1#"$T"/} exists"
}
# expect_no_temp DIR: no .#* temp file left behind.
expect_no_temp() {
	local left
	[[ -d $1 ]] || return 0
	left=$(find "$1" -maxdepth 1 -name '.#*' -printf '%f ')
	[[ -z $left ]] || fail "temp files left in ${1#"$T"/}: $left"
}
# fingerprint DIR: names, types, modes, owners, link targets and contents of a tree.
fingerprint() {
	(cd "$1" && find . -printf '%p %y %m %u:%g %l\n' | LC_ALL=C sort &&
		find . -type f -exec sha256sum {} + | LC_ALL=C sort)
}
# expect_unchanged DIR SAVED_FINGERPRINT
expect_unchanged() {
	local now
	now=$(fingerprint "$1")
	[[ $now == "$2" ]] || fail "${1#"$T"/} changed: $(diff <(echo "$2") <(echo "$now") | grep '^[<>]' | head -n4 | tr '\n' '|')"
}

# ------------------------------------------------------------------- trees --

CA_A=/etc/ssl/ca-a.pem
CA_B=/etc/ssl/ca-b.pem
mkdir -p "$T/ca"
for n in a b; do
	env -i PATH="$CLEAN_PATH" openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout /dev/null -out "$T/ca/$n.pem" -days 365 -subj "/CN=unit-tls faults CA $n" 2>/dev/null
done

# mkroot DIR: a minimal OS tree with homepage.service and api.service (both Node).
mkroot() {
	local r=$1
	mkdir -p "$r/etc/ssl" "$r/etc/systemd/system" "$r/usr/lib/systemd/system" "$r/usr/bin" "$r/srv"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$r/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
	printf '[Service]\nExecStart=/usr/bin/node /srv/app.js\n' >"$r/usr/lib/systemd/system/homepage.service"
	printf '[Service]\nExecStart=/usr/bin/node /srv/api.js\n' >"$r/usr/lib/systemd/system/api.service"
	printf '#!/bin/sh\nexit 0\n' >"$r/usr/bin/node"
	chmod 0755 "$r/usr/bin/node"
	cp "$T/ca/a.pem" "$r$CA_A"
	cp "$T/ca/b.pem" "$r$CA_B"
}
dropin_dir() { echo "$1/etc/systemd/system/${2:-homepage.service}.d"; }
dropin() { echo "$(dropin_dir "$@")/tls.conf"; }

# The two expected versions of tls.conf, from clean runs on a reference tree.
mkroot "$T/ref"
for n in A B; do
	ca=CA_$n
	set_ca "$T/ref" "${!ca}"
	if [[ $RC != 0 ]]; then
		echo "FAIL: reference run with CA $n failed ($RC): $ERR" >&2
		exit 1
	fi
	cp "$(dropin "$T/ref")" "$T/version-$n"
	grep -qx "Environment=\"NODE_EXTRA_CA_CERTS=${!ca}\"" "$T/version-$n" ||
		{ echo "FAIL: reference tls.conf for CA $n lacks the expected line" >&2; exit 1; }
done
VA=$T/version-A VB=$T/version-B

# ==================================================== 1. full file system ==

# fill DIR: writes a filler file until the file system says ENOSPC; checks it did.
fill() {
	dd if=/dev/zero of="$1/filler.$RANDOM" bs=1k 2>/dev/null || true
	if printf x 2>/dev/null >"$1/probe"; then
		rm -f "$1/probe"
		return 1
	fi
	rm -f "$1/probe"
}

M=$T/full
mkdir "$M"
mount_tracked -t tmpfs -o size=64k,mode=0755 tmpfs "$M"
mkroot "$T/full-src"
cp -a "$T/full-src/." "$M/"

begin enospc-new-dropin
if fill "$M"; then
	before=$(fingerprint "$M")
	set_ca "$M" "$CA_A"
	expect_rc 1
	expect_err 'homepage.service: .*tls.conf.*No space left on device'
	expect_absent "$(dropin "$M")"
	expect_no_temp "$(dropin_dir "$M")"
	# Nothing existed before: not even an empty homepage.service.d may be left.
	expect_unchanged "$M" "$before"
else
	fail "could not fill the tmpfs"
fi
end

begin enospc-keeps-old
rm -f "$M"/filler.*
set_ca "$M" "$CA_A"
if [[ $RC != 0 ]]; then
	fail "set with free space failed ($RC): $ERR"
elif fill "$M"; then
	before=$(fingerprint "$M")
	set_ca "$M" "$CA_B"
	expect_rc 1
	expect_err 'homepage.service: cannot write .*tls.conf: No space left on device'
	expect_file_is "$(dropin "$M")" "$VA"
	expect_no_temp "$(dropin_dir "$M")"
	expect_unchanged "$M" "$before"
else
	fail "could not refill the tmpfs"
fi
end
umount_tracked "$M"

# ======================================================= 2. read-only ==

R=$T/ro
mkroot "$R"
S=$R/etc/systemd/system

begin readonly-config-dir
set_ca "$R" "$CA_A"
[[ $RC == 0 ]] || fail "initial set failed ($RC): $ERR"
ro_bind "$S"
before=$(fingerprint "$R")
set_ca "$R" "$CA_B"
expect_rc 1
expect_err 'cannot write to /etc/systemd/system: Read-only file system; run as root'
expect_file_is "$(dropin "$R")" "$VA"
expect_no_temp "$(dropin_dir "$R")"
expect_unchanged "$R" "$before"
end

begin readonly-config-dir-new-unit
set_ca "$R" "$CA_B" api.service
expect_rc 1
expect_err 'cannot write to /etc/systemd/system: Read-only file system; run as root'
expect_absent "$(dropin_dir "$R" api.service)"
expect_unchanged "$R" "$before"
umount_tracked "$S"
end

# ================================================= 3. injected failures ==

R=$T/inject
mkroot "$R"
set_ca "$R" "$CA_A"
[[ $RC == 0 ]] || { echo "FAIL: setup of the injection tree failed: $ERR" >&2; exit 1; }
for step in write fsync rename; do
	begin "inject-$step"
	before=$(fingerprint "$R")
	set_ca UNIT_TLS_TEST_FAIL_AT=$step "$R" "$CA_B"
	expect_rc 1
	expect_err 'homepage.service: cannot write .*tls.conf: Input/output error'
	expect_file_is "$(dropin "$R")" "$VA"
	expect_no_temp "$(dropin_dir "$R")"
	expect_unchanged "$R" "$before"
	end

	begin "inject-$step-new-dropin"
	before=$(fingerprint "$R")
	set_ca UNIT_TLS_TEST_FAIL_AT=$step "$R" "$CA_B" api.service
	expect_rc 1
	expect_err 'api.service: cannot write .*tls.conf: Input/output error'
	expect_absent "$(dropin "$R" api.service)"
	expect_no_temp "$(dropin_dir "$R" api.service)"
	expect_unchanged "$R" "$before"
	end
done

# ======================== 4. multi-unit: the second fails, the first is restored ==

R=$T/multi
mkroot "$R"
API_D=$(dropin_dir "$R" api.service)

begin multi-unit-restores-first
set_ca "$R" "$CA_A"
[[ $RC == 0 ]] || fail "initial set failed ($RC): $ERR"
mkdir -p "$API_D"
ro_bind "$API_D"
before=$(fingerprint "$R")
set_ca "$R" "$CA_B" homepage.service api.service
expect_rc 1
expect_err 'api.service: cannot write .*api.service.d/tls.conf: Read-only file system; the other units were restored'
expect_file_is "$(dropin "$R")" "$VA"
expect_no_temp "$(dropin_dir "$R")"
expect_unchanged "$R" "$before"
end

begin multi-unit-removes-new-first
rm -rf "$(dropin_dir "$R")"
before=$(fingerprint "$R")
set_ca "$R" "$CA_B" homepage.service api.service
expect_rc 1
expect_err 'api.service: cannot write .*Read-only file system; the other units were restored'
expect_absent "$(dropin "$R")"
expect_unchanged "$R" "$before"
umount_tracked "$API_D"
end

# The drop-ins are staged, then committed together: a unit named twice (by its alias) must not
# take its own staged temp for a stale one.
begin multi-unit-same-unit-twice
ln -s /usr/lib/systemd/system/homepage.service "$R/etc/systemd/system/hp.service"
set_ca "$R" "$CA_B" homepage.service hp.service api.service
expect_rc 0
expect_file_is "$(dropin "$R")" "$VB"
expect_no_temp "$(dropin_dir "$R")"
expect_no_temp "$API_D"
end

# ======================================================= 5. SIGKILL ==

R=$T/kill
mkroot "$R"
D=$(dropin_dir "$R")
begin sigkill-200
killed=0 completed=0 seen_complete=0 leftovers=0
for ((i = 0; i < 200; i++)); do
	if ((i % 2)); then ca=$CA_B; else ca=$CA_A; fi
	us=$((RANDOM % 20001))
	((us > 0)) || us=1   # timeout 0 would mean "no timeout"
	delay=$(printf '0.%06d' "$us")
	# timeout re-raises SIGKILL on itself; the inner shell's "Killed" report goes to /dev/null.
	rc=$(
		exec 2>/dev/null
		env -i PATH="$CLEAN_PATH" timeout -s KILL "$delay" "$BIN" --root="$R" set homepage.service --ca "$ca" \
			>/dev/null 2>"$T/err"
		echo $?
	)
	case $rc in
	0) completed=$((completed + 1)) ;;
	124 | 137) killed=$((killed + 1)) ;;
	*) fail "run $i exited $rc: $(head -n1 "$T/err")" ;;
	esac
	f=$D/tls.conf
	if [[ -L $f ]]; then
		fail "run $i: tls.conf is a symlink"
	elif [[ -e $f ]]; then
		if cmp -s "$f" "$VA" || cmp -s "$f" "$VB"; then
			seen_complete=1
		else
			fail "run $i: tls.conf is neither version A nor B ($(wc -c <"$f") bytes)"
		fi
	elif ((seen_complete || rc == 0)); then
		fail "run $i: tls.conf vanished after a complete run"
	fi
	if [[ -d $D ]]; then
		while IFS= read -r -d '' t; do
			name=${t##*/}
			# systemd reads only *.conf that are not hidden; the temp must be neither.
			if [[ $name != .#tls.conf* || $name == *.conf ]]; then
				fail "run $i: leftover '$name' is not a hidden .#tls.conf… temp"
			fi
		done < <(find "$D" -maxdepth 1 -name '.*' -type f -print0)
		other=$(find "$D" -mindepth 1 -maxdepth 1 ! -name 'tls.conf' ! -name '.#tls.conf*' -printf '%f ')
		[[ -z $other ]] || fail "run $i: unexpected files in the drop-in dir: $other"
	fi
	((${#WHY[@]} < 5)) || break
done
if [[ -d $D ]]; then
	leftovers=$(find "$D" -maxdepth 1 -name '.#tls.conf*' | wc -l)
fi
set_ca "$R" "$CA_B"
[[ $RC == 0 ]] || fail "a clean run after the kills failed ($RC): $ERR"
expect_file_is "$D/tls.conf" "$VB"
ut --root="$R" status --json homepage.service
grep -q '"dropins":\["/etc/systemd/system/homepage.service.d/tls.conf"\]' <<<"$OUT" ||
	fail "status lists other drop-ins than tls.conf: $OUT"
note "sigkill: $killed runs killed, $completed completed, $leftovers .#tls.conf* temp files left (a SIGKILLed run cannot clean up)"
end

begin stale-temp-is-ignored
# A temp left by a killed run (made here on purpose, with garbage in it) must not be read
# by unit-tls as a drop-in and must not stop the next run.
stale=$D/.#tls.conf0123456789abcdef
printf '[Service]\nEnvironment=NODE_TLS_REJECT_UNAUTHORIZED=0\ngarbage' >"$stale"
set_ca "$R" "$CA_A"
expect_rc 0
expect_file_is "$D/tls.conf" "$VA"
ut --root="$R" status --json homepage.service
[[ $OUT != *REJECT_UNAUTHORIZED* && $OUT != *'.#tls.conf'* ]] || fail "status reads the stale temp: $OUT"
rm -f "$stale"
end

# =================================================== 6. concurrent runs ==

R=$T/conc
mkroot "$R"
begin concurrent-8
pids=()
: >"$T/go"
for ((i = 0; i < 8; i++)); do
	if ((i % 2)); then ca=$CA_B; else ca=$CA_A; fi
	(
		# Start together: every runner waits for the same go signal.
		while [[ -e $T/go ]]; do sleep 0.001; done
		exec env -i PATH="$CLEAN_PATH" "$BIN" --root="$R" set homepage.service --ca "$ca" >/dev/null 2>"$T/conc-err.$i"
	) &
	pids+=($!)
done
sleep 0.05
rm -f "$T/go"
for i in "${!pids[@]}"; do
	set +e
	wait "${pids[i]}"
	rc=$?
	set -e
	[[ $rc == 0 ]] || fail "runner $i exited $rc: $(head -n1 "$T/conc-err.$i")"
done
f=$(dropin "$R")
cmp -s "$f" "$VA" || cmp -s "$f" "$VB" || fail "final tls.conf is not one complete version"
expect_no_temp "$(dropin_dir "$R")"
end

# ======================================================= 7. attacks ==

R=$T/attack
mkroot "$R"
D=$(dropin_dir "$R")
set_ca "$R" "$CA_A"
[[ $RC == 0 ]] || { echo "FAIL: setup of the attack tree failed: $ERR" >&2; exit 1; }

begin dropin-dir-symlink
mkdir -p "$T/elsewhere"
printf '%s\n' 'root:!fake-hash:19000:0:99999:7:::' >"$T/elsewhere/shadow"
mv "$D" "$D.real"
ln -s "$T/elsewhere" "$D"
target=$(fingerprint "$T/elsewhere")
before=$(fingerprint "$R")
set_ca "$R" "$CA_B"
expect_rc 2
expect_err 'homepage.service: .*symlink'
expect_unchanged "$T/elsewhere" "$target"
expect_unchanged "$R" "$before"
rm "$D"
mv "$D.real" "$D"
end

begin dropin-file-symlink
printf '%s\n' 'root:!fake-hash:19000:0:99999:7:::' >"$R/etc/shadow"
chmod 0640 "$R/etc/shadow"
mv "$D/tls.conf" "$T/tls.conf.saved"
ln -s /etc/shadow "$D/tls.conf"
target=$(sha256sum <"$R/etc/shadow")
before=$(fingerprint "$R")
set_ca "$R" "$CA_B"
expect_rc 2
expect_err 'homepage.service: .*tls.conf.*symlink'
[[ $(sha256sum <"$R/etc/shadow") == "$target" ]] || fail "etc/shadow changed"
expect_unchanged "$R" "$before"
end

begin dropin-file-symlink-force
set_ca "$R" "$CA_B" homepage.service --force
# Refusing is fine; writing is fine only if it replaces the link, never the target.
[[ $RC == 0 || $RC == 2 ]] || fail "exit $RC: $ERR"
[[ $(sha256sum <"$R/etc/shadow") == "$target" ]] || fail "etc/shadow changed with --force"
[[ $(stat -c %a "$R/etc/shadow") == 640 ]] || fail "etc/shadow mode changed"
expect_no_temp "$D"
rm -f "$D/tls.conf" "$D"/tls.conf.unit-tls-backup
mv "$T/tls.conf.saved" "$D/tls.conf"
end

begin config-dir-symlink
S=$R/etc/systemd/system
mkdir -p "$T/elsewhere-sys"
mv "$S" "$T/sys.real"
ln -s "$T/elsewhere-sys" "$S"
target=$(fingerprint "$T/elsewhere-sys")
before=$(fingerprint "$R")
set_ca "$R" "$CA_B"
expect_rc 2
expect_err '/etc/systemd/system is a symlink'
expect_unchanged "$T/elsewhere-sys" "$target"
expect_unchanged "$R" "$before"
rm "$S"
mv "$T/sys.real" "$S"
end

begin dropin-dir-world-writable
chmod 0777 "$D"
before=$(fingerprint "$R")
set_ca "$R" "$CA_B"
expect_rc 2
expect_err 'homepage.service: .*writable by group or others'
expect_unchanged "$R" "$before"
chmod 0755 "$D"
end

begin dropin-dir-foreign-owner
chown nobody "$D"
before=$(fingerprint "$R")
set_ca "$R" "$CA_B"
expect_rc 2
expect_err 'homepage.service: .*owned by another user'
expect_unchanged "$R" "$before"
chown root "$D"
end

begin fragment-abs-symlink-in-root
# usr/lib/systemd/system/homepage.service -> /etc/evil.service must be the tree's
# /etc/evil.service, not the host's (which does not exist here).
R2=$T/escape
mkroot "$R2"
mv "$R2/usr/lib/systemd/system/homepage.service" "$R2/etc/evil.service"
ln -s /etc/evil.service "$R2/usr/lib/systemd/system/homepage.service"
if [[ -e /etc/evil.service ]]; then
	fail "the host has /etc/evil.service; this case cannot tell host from tree"
else
	set_ca "$R2" "$CA_A"
	expect_rc 0
	[[ $RC != 0 ]] || expect_file_is "$(dropin "$R2")" "$VA"
fi
end

begin fragment-abs-symlink-not-host
# The same with a path that exists on the host too: only the tree's copy may be read.
mkdir -p "$T/hostside" "$R2$T/hostside"
printf '[Service]\nEnvironment=HOSTMARKER=1\nExecStart=/usr/bin/node /srv/host.js\n' >"$T/hostside/evil.service"
printf '[Service]\nEnvironment=ROOTMARKER=1\nExecStart=/usr/bin/node /srv/root.js\n' >"$R2$T/hostside/evil.service"
ln -sfn "$T/hostside/evil.service" "$R2/usr/lib/systemd/system/homepage.service"
ut --root="$R2" status --json homepage.service
[[ $OUT == *ROOTMARKER* ]] || fail "the tree's fragment was not read"
[[ $OUT != *HOSTMARKER* ]] || fail "the host's $T/hostside/evil.service was read through the tree's symlink"
end

begin ca-dotdot-stays-in-root
# The tree's /etc/hostname is a CA; the host's is not a PEM file. A '..' walk must stop at
# the tree's root, so the run succeeds only if it read the tree's file.
R3=$T/dotdot
mkroot "$R3"
cp "$T/ca/a.pem" "$R3/etc/hostname"
if grep -qs 'BEGIN CERTIFICATE' /etc/hostname; then
	fail "the host's /etc/hostname is a PEM file; this case cannot tell host from tree"
else
	set_ca "$R3" /etc/../../../../etc/hostname
	expect_rc 0
	grep -qx 'Environment="NODE_EXTRA_CA_CERTS=/etc/hostname"' "$(dropin "$R3")" 2>/dev/null ||
		fail "tls.conf does not name /etc/hostname"
fi
end

begin ca-abs-symlink-stays-in-root
# A CA that is a symlink to an absolute path present only on the host must be missing.
mkdir -p "$T/hostca"
cp "$T/ca/b.pem" "$T/hostca/ca.pem"
ln -s "$T/hostca/ca.pem" "$R3/etc/ssl/link.pem"
before=$(fingerprint "$R3")
set_ca "$R3" /etc/ssl/link.pem
expect_rc 2
expect_err 'link.pem'
expect_unchanged "$R3" "$before"
end

# ========================================================= 8. swap race ==

R=$T/race
mkroot "$R"
S=$R/etc/systemd/system
mkdir -p "$T/race-target"
begin race-swap-dropin-dir
set_ca "$R" "$CA_A"
[[ $RC == 0 ]] || fail "initial set failed ($RC): $ERR"
(
	set +e
	cd "$S" || exit 1
	end_at=$((SECONDS + 3))
	while ((SECONDS < end_at)); do
		mv -T homepage.service.d d.real || continue
		# -T: if unit-tls made a fresh directory in the gap, do not link inside it.
		ln -sT "$T/race-target" homepage.service.d && rm homepage.service.d
		if ! mv -T d.real homepage.service.d; then
			# unit-tls filled a fresh directory in the gap; drop it, put the real one back.
			rm -rf homepage.service.d
			mv -T d.real homepage.service.d
		fi
	done
) 2>/dev/null &
swapper=$!
BG_PIDS+=("$swapper")
runs=0 codes=''
while kill -0 "$swapper" 2>/dev/null; do
	if ((runs % 2)); then ca=$CA_B; else ca=$CA_A; fi
	set_ca "$R" "$ca"
	runs=$((runs + 1))
	case $RC in
	0 | 1 | 2) codes+="$RC" ;;
	*) fail "run $runs exited $RC: $ERR" ;;
	esac
done
wait "$swapper" || true
BG_PIDS=()
left=$(find "$T/race-target" -mindepth 1 -printf '%f ')
[[ -z $left ]] || fail "the symlink target received: $left"
[[ -d $(dropin_dir "$R") && ! -L $(dropin_dir "$R") ]] || fail "the drop-in dir is not a directory after the race"
set_ca "$R" "$CA_B"
[[ $RC == 0 ]] || fail "a run after the race failed ($RC): $ERR"
expect_file_is "$(dropin "$R")" "$VB"
note "race: $runs runs; exit codes 0/1/2: $(tr -cd 0 <<<"$codes" | wc -c)/$(tr -cd 1 <<<"$codes" | wc -c)/$(tr -cd 2 <<<"$codes" | wc -c)"
end

# ------------------------------------------------------------ durability --
# unset: the removal of the drop-in (and of its emptied directory) reaches the disk before the
# run ends, as a write does: fsync() of each directory after its unlinkat(), seen by strace.
begin unset-durable
R=$T/unset-durable
mkroot "$R"
set_ca "$R" "$CA_A"
expect_rc 0
set +e
# (LeakSanitizer cannot run under ptrace: an ASan build is traced without it)
env -i PATH="$CLEAN_PATH" ASAN_OPTIONS=detect_leaks=0 strace -f -y -qq -e trace=unlinkat,fsync -o "$T/unset.trace" \
	"$BIN" --root="$R" unset homepage.service >"$T/out" 2>"$T/err"
RC=$?
set -e
ERR=$(<"$T/err")
expect_rc 0
expect_absent "$(dropin "$R")"
# the lines after the drop-in's unlinkat(): an fsync() of the drop-in directory, then one of
# its parent after the directory's own removal
after=$(sed -n '/unlinkat(.*"tls.conf"/,$p' "$T/unset.trace")
grep -q "^[0-9]* *fsync([0-9]*<$(dropin_dir "$R")" <<<"$after" ||
	fail "no fsync() of the drop-in directory after the unlink: $(tr '\n' '|' <<<"$after")"
grep -q "^[0-9]* *fsync([0-9]*<$R/etc/systemd/system>" <<<"$(sed -n '/AT_REMOVEDIR/,$p' <<<"$after")" ||
	fail "no fsync() of /etc/systemd/system after the directory's removal: $(tr '\n' '|' <<<"$after")"
end

echo "$PASSED passed, $FAILED failed"
((FAILED == 0)) || exit 1
