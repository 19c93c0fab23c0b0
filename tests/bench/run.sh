#!/bin/bash
# tests/bench/run.sh [UNIT_TLS] — the performance benchmark (DESIGN.md §9, issue 5).
#
# Not part of the pass/fail suite: it prints figures, ratios and whether each goal is met,
# and never fails because of a time. Everything is measured side by side in one run:
#   1. audit --root on synthetic trees of 1,000 and 10,000 services against
#      grep -rl NODE_TLS_REJECT_UNAUTHORIZED over the same tree (the I/O floor), warm cache;
#      plus a sanity check that audit finds exactly the insecure units planted in the tree;
#   2. online audit in a booted container (tests/integration/lib.sh) with 500 loaded services
#      against one `systemctl show -p Id,Environment,EnvironmentFiles` of the same 500;
#   3. set on 50 idle Node services against a per-unit shell loop (write, daemon-reload,
#      restart) and the best manual way (write all, one reload, one restart of all 50);
#   4. start-up: median wall time and peak RSS of `status` on one unit, offline (beside
#      `systemctl --root=DIR is-enabled` of the same unit) and online;
#   5. set on one unit with 1,000 and 10,000 Environment= variables (offline): linear or not;
#   6. unit-tls-generator, which runs at every boot and daemon-reload: `systemctl daemon-reload`
#      without it and with it installed (/etc/systemd/system-generators) and 0, 5 and 200
#      /etc/unit-tls.d declarations, and the generator run by hand with three output
#      directories, beside each of systemd's own generators run the same way and beside the floor
#      of any of them (/bin/true run the same way); and the generators' phase of a daemon-reload
#      itself (PID 1 traced with strace: its fork of the generator runner to the end of its
#      wait), without the generator and with each number of declarations.
#
# Usage (as root, from anywhere):  tests/bench/run.sh [path/to/unit-tls]
# Without an argument it builds a release binary (meson --buildtype=release) in a temp dir;
# the generator is the unit-tls-generator next to the binary (UNIT_TLS_GENERATOR to override).
# Times are medians (hyperfine when installed — apt-get install hyperfine — else a bash loop).
#
# Environment: BENCH_RUNS (timed runs per fast measurement, 10), BENCH_SET_RUNS (per set
# measurement, 3), BENCH_SIZES ("1000 10000"), BENCH_ONLINE (500), BENCH_SET_UNITS (50),
# BENCH_VARS ("1000 10000"), BENCH_GEN_DECLS ("0 5 200"), BENCH_CONTAINER=0 (offline parts
# only), BENCH_KEEP=1 (keep the temp dir), and the CT_* tunables of tests/integration/lib.sh.
# BENCH_QUICK=1 is the small mode CI runs so that the script cannot rot: sizes 100, 10 set
# services, 100/1,000 variables, 1 run each, the container parts included; its figures mean
# nothing. The exit status is never about a time: non-zero only when the script itself breaks
# (a container part that fails, rather than one that cannot boot and skips, counts as broken).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
: "${BENCH_QUICK:=0}"
if [[ $BENCH_QUICK == 1 ]]; then
	: "${BENCH_RUNS:=1}" "${BENCH_SET_RUNS:=1}" "${BENCH_SIZES:=100}" "${BENCH_ONLINE:=100}"
	: "${BENCH_SET_UNITS:=10}" "${BENCH_VARS:=100 1000}"
fi
: "${BENCH_RUNS:=10}" "${BENCH_SET_RUNS:=3}" "${BENCH_SIZES:=1000 10000}" "${BENCH_ONLINE:=500}"
: "${BENCH_SET_UNITS:=50}" "${BENCH_CONTAINER:=1}" "${BENCH_KEEP:=0}"
: "${BENCH_VARS:=1000 10000}" "${BENCH_GEN_DECLS:=0 5 200}"
for v in BENCH_RUNS BENCH_SET_RUNS BENCH_ONLINE BENCH_SET_UNITS; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "bench: $v must be a positive number" >&2; exit 2; }
done
for v in BENCH_SIZES BENCH_VARS BENCH_GEN_DECLS; do
	[[ ${!v} =~ ^[0-9]+( [0-9]+)*$ ]] || { echo "bench: $v must be numbers separated by spaces" >&2; exit 2; }
done

TMP=$(mktemp -d /tmp/unit-tls-bench.XXXXXX)
chmod 755 "$TMP"
cleanup() {
	if [[ $BENCH_KEEP == 1 ]]; then echo "# kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
RESULTS=$TMP/results.tsv
: >"$RESULTS"

log() { printf '# %s\n' "$*" >&2; }
section() { printf '\n== %s\n' "$*"; }

# ----------------------------------------------------------------- binary --

if (($# > 0)); then
	UT=$(realpath "$1")
	[[ -x $UT ]] || { echo "bench: $1 is not an executable" >&2; exit 2; }
	UT_HOW="given on the command line"
else
	command -v meson >/dev/null && command -v ninja >/dev/null ||
		{ echo "bench: meson and ninja are needed to build unit-tls (or pass a binary)" >&2; exit 2; }
	log "building a release binary in $TMP/build"
	(cd "$repo" && meson setup "$TMP/build" --buildtype=release -Dtests=disabled) >"$TMP/build.log" 2>&1 &&
		ninja -C "$TMP/build" src/unit-tls src/unit-tls-generator >>"$TMP/build.log" 2>&1 ||
		{ cat "$TMP/build.log" >&2; echo "bench: build failed" >&2; exit 2; }
	UT=$TMP/build/src/unit-tls
	UT_HOW="release build (meson --buildtype=release -Dtests=disabled) made by this script"
fi
export UNIT_TLS=$UT
GEN=${UNIT_TLS_GENERATOR:-$(dirname "$UT")/unit-tls-generator}
[[ -x $GEN ]] || GEN=''

# ----------------------------------------------------------------- timing --

# The timing helper, also copied into the container: timeit.sh RUNS WARMUP PREPARE CMD...
# prints the median wall time of CMD in seconds (exit status ignored; output discarded).
# PREPARE is a shell command run before every run, untimed ("" for none).
cat >"$TMP/timeit.sh" <<'EOF'
#!/bin/bash
set -euo pipefail
runs=$1 warm=$2 prep=$3
shift 3
if command -v hyperfine >/dev/null 2>&1 && [[ ${BENCH_NO_HYPERFINE:-0} != 1 ]]; then
	j=$(mktemp)
	args=(-N -i -w "$warm" -r "$runs" --style none --export-json "$j")
	if [[ -n $prep ]]; then args+=(--prepare "$prep"); fi
	hyperfine "${args[@]}" -- "$(printf '%q ' "$@")" >/dev/null 2>&1 || { rm -f "$j"; echo nan; exit 0; }
	sed -n 's/.*"median": *\([0-9.eE+-]*\).*/\1/p' "$j" | head -n1
	rm -f "$j"
else
	times=()
	for ((i = 0; i < warm + runs; i++)); do
		if [[ -n $prep ]]; then bash -c "$prep" >/dev/null 2>&1 || true; fi
		t0=$EPOCHREALTIME
		"$@" >/dev/null 2>&1 || true
		t1=$EPOCHREALTIME
		((i < warm)) || times+=("$(awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN { printf "%.6f", b - a }')")
	done
	printf '%s\n' "${times[@]}" | sort -g | awk '{ v[NR] = $1 } END { printf "%.6f\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
fi
EOF
chmod 755 "$TMP/timeit.sh"
TIMER=$(command -v hyperfine >/dev/null 2>&1 && [[ ${BENCH_NO_HYPERFINE:-0} != 1 ]] &&
	echo "hyperfine $(hyperfine --version | awk '{ print $2 }') (-N, median)" || echo "bash loop with \$EPOCHREALTIME (median)")

# peak_rss CMD...: median of 5 runs of /usr/bin/time -f %M (KiB).
peak_rss() {
	local i out=()
	[[ -x /usr/bin/time ]] || { echo nan; return 0; }
	for i in 1 2 3 4 5; do
		/usr/bin/time -f %M -o "$TMP/rss" "$@" >/dev/null 2>&1 || true
		out+=("$(tail -n1 "$TMP/rss")")
	done
	printf '%s\n' "${out[@]}" | grep -E '^[0-9]+$' | sort -n | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : "nan" }'
}

# record MEASUREMENT UNIT_TLS BASELINE KIND GOAL: one row of the final table. Times in
# seconds, RSS in KiB. KIND: ratio (unit-tls/baseline <= GOAL), faster (ratio < 1),
# abs-s / abs-kib (unit-tls < GOAL), info / info-kib (no goal).
record() { printf '%s|%s|%s|%s|%s\n' "$@" >>"$RESULTS"; }

fmt_s() { awk -v s="$1" 'BEGIN { if (s == "nan" || s == "") print "n/a"; else if (s < 1) printf "%.1f ms\n", s * 1000; else printf "%.2f s\n", s }'; }
fmt_v() { if [[ $2 == abs-kib || $2 == info-kib ]]; then awk -v k="$1" 'BEGIN { printf "%.2f MiB\n", k / 1024 }'; else fmt_s "$1"; fi; }

# -------------------------------------------------------------- the trees --

# A throwaway CA that every NODE_EXTRA_CA_CERTS in the trees points at.
(cd "$TMP" && env -i PATH=/usr/bin:/bin openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout ca.key -out ca.pem -days 365 -subj "/CN=unit-tls bench CA" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign") >/dev/null 2>&1 ||
	{ echo "bench: openssl failed to make a CA" >&2; exit 2; }

# gen_tree ROOT N BIN PLANTED: N services bench-NNNNN.service under ROOT:
#   fragments in usr/lib/systemd/system (3 in 4 run BIN/node, 1 in 4 BIN/python3; every 3rd
#   has User=nobody); every 5th a drop-in in etc/systemd/system/X.service.d/10-override.conf;
#   every 10th an EnvironmentFile=-/etc/bench/bench-N.env (every 50th of those sets
#   NODE_TLS_REJECT_UNAUTHORIZED=1: a grep hit that is not insecure); every 20th a drop-in with
#   NODE_EXTRA_CA_CERTS=/etc/ssl/bench/ca.pem (a real CA). Insecure (=0), listed in PLANTED:
#   i % 200 == 7 in a drop-in, i % 200 == 107 in /srv/bench/app-N/.env. i % 1000 == 550 sets
#   =0 in a drop-in and a later drop-in unsets it again: not insecure.
gen_tree() {
	local root=$1 n=$2 bin=$3 planted=$4 i name dd
	local sys=$root/usr/lib/systemd/system etc=$root/etc/systemd/system
	local -a dirs=("$sys" "$etc" "$root/etc/bench" "$root$bin" "$root/etc/ssl/bench")
	for ((i = 1; i <= n; i++)); do
		printf -v name 'bench-%05d.service' "$i"
		if ((i % 5 == 0 || i % 20 == 0 || i % 200 == 7 || i % 1000 == 550)); then dirs+=("$etc/$name.d"); fi
		if ((i % 200 == 107)); then dirs+=("$root/srv/bench/app-$i"); fi
	done
	mkdir -p "${dirs[@]}"
	printf '#!/bin/sh\nexec sleep infinity\n' >"$root$bin/node"
	printf '#!/bin/sh\nexec sleep infinity\n' >"$root$bin/python3"
	chmod 755 "$root$bin/node" "$root$bin/python3"
	cp "$TMP/ca.pem" "$root/etc/ssl/bench/ca.pem"
	chmod 644 "$root/etc/ssl/bench/ca.pem"
	: >"$planted"
	for ((i = 1; i <= n; i++)); do
		printf -v name 'bench-%05d.service' "$i"
		dd=$etc/$name.d
		{
			printf '[Unit]\nDescription=Benchmark service %d\nAfter=network-online.target\n\n[Service]\nType=simple\n' "$i"
			if ((i % 4 == 3)); then
				printf 'ExecStart=%s/python3 -m http.server %d\n' "$bin" $((20000 + i % 10000))
			else
				printf 'ExecStart=%s/node /srv/bench/app-%d/server.js --port %d\n' "$bin" "$i" $((20000 + i % 10000))
			fi
			if ((i % 3 == 0)); then printf 'User=nobody\n'; fi
			printf 'Environment=NODE_ENV=production "PORT=%d" APP_NAME=bench-%d\n' $((20000 + i % 10000)) "$i"
			if ((i % 10 == 0)); then printf 'EnvironmentFile=-/etc/bench/bench-%d.env\n' "$i"; fi
			if ((i % 200 == 107)); then printf 'EnvironmentFile=/srv/bench/app-%d/.env\n' "$i"; fi
			printf 'Restart=on-failure\nNoNewPrivileges=yes\n\n[Install]\nWantedBy=multi-user.target\n'
		} >"$sys/$name"
		if ((i % 5 == 0)); then printf '[Service]\nEnvironment=LOG_LEVEL=info\nMemoryMax=512M\n' >"$dd/10-override.conf"; fi
		if ((i % 20 == 0)); then printf '[Service]\nEnvironment=NODE_EXTRA_CA_CERTS=/etc/ssl/bench/ca.pem\n' >"$dd/20-ca.conf"; fi
		if ((i % 10 == 0)); then
			printf '# bench\nDB_HOST=db.internal\nDB_PORT=5432\n' >"$root/etc/bench/bench-$i.env"
			if ((i % 50 == 0)); then printf 'NODE_TLS_REJECT_UNAUTHORIZED=1\n' >>"$root/etc/bench/bench-$i.env"; fi
		fi
		if ((i % 200 == 7)); then
			printf '[Service]\n# debugging a self-signed upstream\nEnvironment=NODE_TLS_REJECT_UNAUTHORIZED=0\n' >"$dd/30-debug.conf"
			echo "$name" >>"$planted"
		fi
		if ((i % 200 == 107)); then
			printf 'API_URL=https://api.internal\nNODE_TLS_REJECT_UNAUTHORIZED=0\n' >"$root/srv/bench/app-$i/.env"
			echo "$name" >>"$planted"
		fi
		if ((i % 1000 == 550)); then
			printf '[Service]\nEnvironment=NODE_TLS_REJECT_UNAUTHORIZED=0\n' >"$dd/30-debug.conf"
			printf '[Service]\nUnsetEnvironment=NODE_TLS_REJECT_UNAUTHORIZED\n' >"$dd/90-fix.conf"
		fi
	done
}

# found_vs_planted AUDIT_OUTPUT PLANTED: "found/planted" of the bench units audit calls
# insecure, plus what differs.
found_vs_planted() {
	local found
	found=$(grep -E '^bench-[0-9]+\.service: insecure$' "$1" | cut -d: -f1 | sort || true)
	local nf np
	nf=$(grep -c . <<<"$found" || true)
	np=$(grep -c . "$2" || true)
	printf '%s/%s' "$nf" "$np"
	if [[ $found != "$(sort "$2")" ]]; then
		printf ' MISMATCH (missed: %s; extra: %s)' \
			"$(comm -13 <(echo "$found") <(sort "$2") | tr '\n' ' ')" "$(comm -23 <(echo "$found") <(sort "$2") | tr '\n' ' ')"
	fi
}

# ---------------------------------------------------------------- machine --

section "machine"
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME" || echo unknown)
sysd=$(systemctl --version 2>/dev/null | awk 'NR == 1 { print $2 }' || true)
MACHINE="$(nproc) CPUs, ${cpu:-unknown CPU}, Linux $(uname -r), $os, systemd ${sysd:-?}"
echo "machine:  $MACHINE"
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) at start; on a shared machine the times are noisy"
echo "binary:   $UT ($UT_HOW), $("$UT" --version 2>/dev/null | head -n1)"
echo "generator: ${GEN:-none found next to the binary (set UNIT_TLS_GENERATOR): section 6 is skipped}"
echo "timer:    $TIMER; $BENCH_RUNS runs (set: $BENCH_SET_RUNS) after warm-up, warm page cache"
REPRO="sudo $(realpath --relative-to="$repo" "$here")/run.sh"
for v in BENCH_QUICK BENCH_RUNS BENCH_SET_RUNS BENCH_SIZES BENCH_ONLINE BENCH_SET_UNITS BENCH_VARS BENCH_GEN_DECLS BENCH_CONTAINER; do
	[[ -z ${!v+x} || $(env | grep -c "^$v=" || true) == 0 ]] || REPRO="$v='${!v}' $REPRO"
done
echo "command:  (cd $repo && $REPRO${1:+ $1})"

# ---------------------------------------------------------- 1. audit --root --

section "1. audit --root vs grep -rl NODE_TLS_REJECT_UNAUTHORIZED (offline tree)"
for n in $BENCH_SIZES; do
	tree=$TMP/tree-$n
	t0=$EPOCHREALTIME
	gen_tree "$tree" "$n" /usr/bin "$TMP/planted-$n"
	cp /etc/passwd /etc/group "$tree/etc/"
	nfiles=$(find "$tree" -type f | wc -l)
	log "tree of $n services: $nfiles files, $(du -sh "$tree" | cut -f1), made in $(awk -v a="${t0/,/.}" -v b="${EPOCHREALTIME/,/.}" 'BEGIN { printf "%.1f", b - a }') s"
	# warm the cache and check the semantics once
	grep -rl NODE_TLS_REJECT_UNAUTHORIZED "$tree" >"$TMP/grep-$n.txt" || true
	rc=0
	"$UT" --root="$tree" audit >"$TMP/audit-$n.txt" 2>"$TMP/audit-$n.err" || rc=$?
	fp=$(found_vs_planted "$TMP/audit-$n.txt" "$TMP/planted-$n")
	echo "$n services ($nfiles files): audit exit $rc, '$(tail -n1 "$TMP/audit-$n.txt")'; insecure found/planted: $fp; grep lists $(wc -l <"$TMP/grep-$n.txt") files"
	t_ut=$("$TMP/timeit.sh" "$BENCH_RUNS" 3 "" "$UT" --root="$tree" audit)
	t_grep=$("$TMP/timeit.sh" "$BENCH_RUNS" 3 "" grep -rl NODE_TLS_REJECT_UNAUTHORIZED "$tree")
	echo "  unit-tls audit: $(fmt_s "$t_ut")   grep -rl: $(fmt_s "$t_grep")   ratio $(awk -v a="$t_ut" -v b="$t_grep" 'BEGIN { printf "%.1f", a / b }')x"
	if ((n == 10000)); then
		record "audit --root, $n services (vs grep -rl)" "$t_ut" "$t_grep" ratio 2
	else
		record "audit --root, $n services (vs grep -rl)" "$t_ut" "$t_grep" info ''
	fi
	record "  sanity: insecure found/planted ($n)" "$fp" '' text ''
done

# ------------------------------------------------- 4a. status, offline --

section "4a. start-up: status on one unit, offline (--root tree)"
for n in $BENCH_SIZES; do
	tree=$TMP/tree-$n
	"$UT" --root="$tree" status bench-00020.service >"$TMP/status-$n.txt" 2>&1 || true
	t=$("$TMP/timeit.sh" "$((BENCH_RUNS * 3))" 5 "" "$UT" --root="$tree" status bench-00020.service)
	rss=$(peak_rss "$UT" --root="$tree" status bench-00020.service)
	# systemctl --root reads the same search path offline: the nearest thing systemd has
	t_sc=$("$TMP/timeit.sh" "$((BENCH_RUNS * 3))" 5 "" systemctl --root="$tree" is-enabled bench-00020.service)
	echo "tree of $n: status bench-00020.service (a CA in a drop-in, an EnvironmentFile): $(fmt_s "$t"), peak RSS $(fmt_v "$rss" abs-kib); systemctl --root is-enabled: $(fmt_s "$t_sc")"
	record "status, offline, tree of $n (vs systemctl --root is-enabled)" "$t" "$t_sc" ratio 1
	record "status, offline, tree of $n: peak RSS" "$rss" '' info-kib ''
done
# and on a tree the size of a real host (the host's own units are not in it: 60 services)
small=$TMP/tree-small
gen_tree "$small" 60 /usr/bin "$TMP/planted-small"
cp /etc/passwd /etc/group "$small/etc/"
t=$("$TMP/timeit.sh" "$((BENCH_RUNS * 3))" 5 "" "$UT" --root="$small" status bench-00020.service)
rss=$(peak_rss "$UT" --root="$small" status bench-00020.service)
echo "tree of 60: $(fmt_s "$t"), peak RSS $(fmt_v "$rss" abs-kib)"
record "status, offline, tree of 60: wall" "$t" '' info ''
record "status, offline, tree of 60: peak RSS" "$rss" '' info-kib ''

# ------------------------------------------------------- 5. many variables --

section "5. set on one unit with many Environment= variables (offline tree)"
prev_n='' prev_t=''
for n in $BENCH_VARS; do
	vt=$TMP/vars-$n
	mkdir -p "$vt/etc/systemd/system" "$vt/usr/bin" "$vt/etc/ssl/bench"
	cp /etc/passwd /etc/group "$vt/etc/"
	cp "$TMP/ca.pem" "$vt/etc/ssl/bench/ca.pem"
	printf '#!/bin/sh\nexec sleep infinity\n' >"$vt/usr/bin/node"
	chmod 755 "$vt/usr/bin/node"
	{
		printf '[Unit]\nDescription=%d variables\n\n[Service]\nExecStart=/usr/bin/node /srv/app.js\n' "$n"
		for ((i = 0; i < n; i++)); do printf 'Environment=APP_SETTING_%d=value-%d\n' "$i" "$i"; done
	} >"$vt/etc/systemd/system/many.service"
	rc=0
	"$UT" --root="$vt" set many.service --ca /etc/ssl/bench/ca.pem >"$TMP/vars-$n.txt" 2>&1 || rc=$?
	t=$("$TMP/timeit.sh" "$BENCH_SET_RUNS" 1 "rm -rf $vt/etc/systemd/system/many.service.d" \
		"$UT" --root="$vt" set many.service --ca /etc/ssl/bench/ca.pem -q)
	echo "$n variables: set exit $rc, $(fmt_s "$t")"
	if [[ -n $prev_n ]]; then
		# linear: about n/prev_n times (less: the start-up is fixed); quadratic: its square
		record "set, one unit with $n variables (vs $prev_n)" "$t" "$prev_t" ratio "$(awk -v a="$n" -v b="$prev_n" 'BEGIN { print a / b * 1.2 }')"
	else
		record "set, one unit with $n variables" "$t" '' info ''
	fi
	# the issue's goal for the big one: under 50 ms
	if ((n == 10000)); then record "set, one unit with $n variables: wall" "$t" '' abs-s 0.050; fi
	prev_n=$n prev_t=$t
done

# ------------------------------------------------------------- container --

container_part() {
	# shellcheck source=../integration/lib.sh
	source "$repo/tests/integration/lib.sh"
	: "${CT_BOOT_TIMEOUT:=180}"
	local n=$BENCH_ONLINE m=$BENCH_SET_UNITS i u names=() nodes=() share
	ct_prepare
	share=$CT_ROOT$CT_SHARE
	gen_tree "$CT_ROOT" "$n" "$CT_SHARE/bin" "$TMP/planted-online"
	mkdir -p "$CT_ROOT/etc/systemd/system/ut-test.target.wants"
	for ((i = 1; i <= n; i++)); do
		printf -v u 'bench-%05d.service' "$i"
		names+=("$u")
		ln -s "/usr/lib/systemd/system/$u" "$CT_ROOT/etc/systemd/system/ut-test.target.wants/$u"
	done
	command -v node >/dev/null || ct_skip "node is not installed (needed for the set benchmark)"
	local nodebin
	nodebin=$(command -v node)
	for ((i = 1; i <= m; i++)); do
		printf -v u 'bn-%02d.service' "$i"
		nodes+=("$u")
		cat >"$CT_ROOT/etc/systemd/system/$u" <<-EOF
			[Unit]
			Description=unit-tls bench: idle Node service $i

			[Service]
			Type=simple
			ExecStart=$nodebin -e 'setInterval(() => {}, 1e6)'
		EOF
		ln -s "../$u" "$CT_ROOT/etc/systemd/system/ut-test.target.wants/$u"
	done
	cp "$TMP/timeit.sh" "$share/timeit.sh"
	# The drop-in every way writes: exactly what unit-tls writes.
	local content
	content=$(printf '# Managed by unit-tls: change it with `unit-tls set` / `unit-tls unset`.\n[Service]\nEnvironment="NODE_EXTRA_CA_CERTS=/etc/ssl/bench/ca.pem"')
	printf '%s\n' "$content" >"$share/tls.conf"
	{
		echo 'set -e'
		echo "rm -rf /etc/systemd/system/bn-*.service.d"
		echo "systemctl daemon-reload"
	} >"$share/reset.sh"
	{
		echo 'set -e'
		echo "for u in ${nodes[*]}; do"
		echo "  mkdir -p /etc/systemd/system/\$u.d"
		echo "  cp $CT_SHARE/tls.conf /etc/systemd/system/\$u.d/tls.conf"
		echo "  systemctl daemon-reload"
		echo "  systemctl restart \$u"
		echo "done"
	} >"$share/loop.sh"
	{
		echo 'set -e'
		echo "for u in ${nodes[*]}; do"
		echo "  mkdir -p /etc/systemd/system/\$u.d"
		echo "  cp $CT_SHARE/tls.conf /etc/systemd/system/\$u.d/tls.conf"
		echo "done"
		echo "systemctl daemon-reload"
		echo "systemctl restart ${nodes[*]}"
	} >"$share/manual.sh"
	ct_install_unit_tls
	# The generator as an administrator installs it, from the first boot on.
	if [[ -n $GEN ]]; then
		mkdir -p "$CT_ROOT/etc/systemd/system-generators"
		install -m 0755 "$GEN" "$CT_ROOT/etc/systemd/system-generators/unit-tls-generator"
	fi
	ct_start

	local active
	active=$(ct_exec systemctl list-units --no-legend --plain --state=active 'bench-*' 'bn-*' | wc -l)
	log "container: $active of $((n + m)) bench services active"

	section "2. online audit vs systemctl show -p Id,Environment,EnvironmentFiles ($n services)"
	local rc=0 t_ut t_sc fp checked
	ct_exec_t 300 unit-tls audit >"$TMP/audit-online.txt" 2>"$TMP/audit-online.err" || rc=$?
	fp=$(found_vs_planted "$TMP/audit-online.txt" "$TMP/planted-online")
	checked=$(tail -n1 "$TMP/audit-online.txt")
	echo "audit exit $rc, '$checked' (the $n bench services, $m node services and the OS's own); insecure found/planted: $fp"
	t_ut=$(ct_exec_t 900 "$CT_SHARE/timeit.sh" "$BENCH_RUNS" 2 "" unit-tls audit)
	t_sc=$(ct_exec_t 900 "$CT_SHARE/timeit.sh" "$BENCH_RUNS" 2 "" systemctl show -p Id,Environment,EnvironmentFiles "${names[@]}")
	echo "  unit-tls audit: $(fmt_s "$t_ut")   systemctl show ($n names, one call): $(fmt_s "$t_sc")   ratio $(awk -v a="$t_ut" -v b="$t_sc" 'BEGIN { printf "%.2f", a / b }')"
	record "online audit, $n loaded services (vs systemctl show)" "$t_ut" "$t_sc" faster ''
	record "  sanity: insecure found/planted (online)" "$fp" '' text ''

	section "4b. start-up: status on one unit, online"
	local t rss
	ct_exec unit-tls status bench-00020.service >"$TMP/status-online.txt" 2>&1 || true
	t=$(ct_exec_t 300 "$CT_SHARE/timeit.sh" "$((BENCH_RUNS * 3))" 5 "" unit-tls status bench-00020.service)
	rss=$(for i in 1 2 3 4 5; do
		ct_exec bash -c '/usr/bin/time -f %M -o /run/rss unit-tls status bench-00020.service >/dev/null 2>&1; tail -n1 /run/rss' || true
	done |
		grep -E '^[0-9]+$' | sort -n | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : "nan" }')
	echo "status bench-00020.service: $(fmt_s "$t"), peak RSS $(fmt_v "$rss" abs-kib)"
	record "status, online: wall" "$t" '' info ''
	record "status, online: peak RSS" "$rss" '' info-kib ''

	section "3. set on $m idle Node services"
	# Check once that set works and does what the scripts do.
	ct_exec_t 300 bash "$CT_SHARE/reset.sh"
	rc=0
	ct_exec_t 300 unit-tls set "${nodes[@]}" --ca /etc/ssl/bench/ca.pem >"$TMP/set.txt" 2>&1 || rc=$?
	local got
	got=$(ct_unit_getenv "${nodes[0]}" NODE_EXTRA_CA_CERTS || echo '(unset)')
	echo "set exit $rc; ${nodes[0]} now runs with NODE_EXTRA_CA_CERTS=$got; $(grep -c . "$TMP/set.txt") lines of output"
	local t_reload t_set t_man t_loop both
	t_reload=$(ct_exec_t 300 "$CT_SHARE/timeit.sh" 5 1 "" systemctl daemon-reload)
	# set and the best manual way take turns (set, manual, set, manual, ... each after its own
	# reset, one warm-up pair first), so that a drift of the machine weighs on both alike; the
	# script prints the median of each (exit status ignored, output discarded, as timeit.sh).
	ct_write "$CT_SHARE/set-vs-manual.sh" 0755 <<-'EOF'
		#!/bin/bash
		# set-vs-manual.sh SHARE RUNS WARMUP UNIT...: "MEDIAN_SET MEDIAN_MANUAL" in seconds
		set -u
		share=$1 runs=$2 warm=$3
		shift 3
		ts=() tm=()
		span() { awk -v a="${1/,/.}" -v b="${2/,/.}" 'BEGIN { printf "%.6f", b - a }'; }
		median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.6f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
		for ((i = 0; i < warm + runs; i++)); do
			bash "$share/reset.sh" >/dev/null 2>&1 || true
			t0=$EPOCHREALTIME
			unit-tls set "$@" --ca /etc/ssl/bench/ca.pem -q >/dev/null 2>&1 || true
			t1=$EPOCHREALTIME
			bash "$share/reset.sh" >/dev/null 2>&1 || true
			t2=$EPOCHREALTIME
			bash "$share/manual.sh" >/dev/null 2>&1 || true
			t3=$EPOCHREALTIME
			if ((i >= warm)); then ts+=("$(span "$t0" "$t1")") tm+=("$(span "$t2" "$t3")"); fi
		done
		echo "$(median "${ts[@]}") $(median "${tm[@]}")"
	EOF
	both=$(ct_exec_t 1800 "$CT_SHARE/set-vs-manual.sh" "$CT_SHARE" "$BENCH_SET_RUNS" 1 "${nodes[@]}")
	read -r t_set t_man <<<"$both"
	t_loop=$(ct_exec_t 1800 "$CT_SHARE/timeit.sh" "$BENCH_SET_RUNS" 0 "bash $CT_SHARE/reset.sh" bash "$CT_SHARE/loop.sh")
	ct_exec_t 300 bash "$CT_SHARE/reset.sh" || true
	echo "  unit-tls set: $(fmt_s "$t_set")   best manual (write all, 1 reload, 1 restart): $(fmt_s "$t_man")   per-unit loop: $(fmt_s "$t_loop")   one daemon-reload: $(fmt_s "$t_reload")"
	record "set, $m Node services (vs write all+1 reload+1 restart)" "$t_set" "$t_man" ratio 1.1
	record "set, $m Node services (vs per-unit loop)" "$t_set" "$t_loop" info ''
	record "  one daemon-reload (for scale)" "$t_reload" '' info ''

	if [[ -z $GEN ]]; then
		echo "(section 6 skipped: no unit-tls-generator)"
		return 0
	fi
	generator_part "$n"
}

# Section 6, in the booted container of container_part. N: the bench services there.
generator_part() {
	local n=$1 d k t t0 t_none gdir=/etc/systemd/system-generators g name sum=0 slowest='' t_slow=0
	section "6. unit-tls-generator at daemon-reload ($n bench services and the OS's own)"
	# one command: hyperfine -N runs --prepare without a shell
	local prep="bash -c 'rm -rf /run/ut-gen && mkdir -p /run/ut-gen/n /run/ut-gen/e /run/ut-gen/l'"
	# decls K: K declarations of the bench services' CA in /etc/unit-tls.d (none: no file)
	decls() {
		ct_exec rm -rf /etc/unit-tls.d
		(($1 > 0)) || return 0
		local i
		for ((i = 1; i <= $1; i++)); do printf '[bench-%05d]\nCA=/etc/ssl/bench/ca.pem\n' "$i"; done |
			ct_write /etc/unit-tls.d/bench.conf
	}
	# gen_phase: the median, over BENCH_RUNS reloads, of the generators' phase of a daemon-reload:
	# PID 1 forks one child that runs every generator in parallel and waits for it; strace on
	# PID 1 (not its children) sees that fork and the wait return. "nan" without strace.
	gen_phase() {
		command -v strace >/dev/null || { echo nan; return 0; }
		local i f=$TMP/phase.strace v=()
		for ((i = 0; i < BENCH_RUNS; i++)); do
			strace -qq -ttt -T -p "$CT_LEADER" -e trace=clone,clone3,waitid,wait4 -o "$f" &
			local sp=$!
			sleep 0.3  # attached
			ct_exec systemctl daemon-reload
			sleep 0.05
			kill "$sp" 2>/dev/null || true
			wait "$sp" 2>/dev/null || true
			# the last fork before the last wait on a PID: the generators (the environment
			# generators run before them the same way)
			v+=("$(awk '/clone/ { c = $1 } /wait(id|4)\(P_PID|wait4\([0-9]/ { t = $NF; gsub(/[<>]/, "", t); w = $1 + t; last_c = c }
				END { if (w > 0 && last_c > 0) printf "%.6f\n", w - last_c; else print "nan" }' "$f")")
		done
		printf '%s\n' "${v[@]}" | grep -v nan | sort -g |
			awk '{ x[NR] = $1 } END { if (!NR) print "nan"; else print (NR % 2) ? x[(NR + 1) / 2] : (x[NR / 2] + x[NR / 2 + 1]) / 2 }'
	}
	# without the generator, for scale
	ct_exec mv "$gdir/unit-tls-generator" /root/unit-tls-generator
	ct_exec systemctl daemon-reload
	t_none=$(ct_exec_t 300 "$CT_SHARE/timeit.sh" "$BENCH_RUNS" 2 "" systemctl daemon-reload)
	local p_none p
	p_none=$(gen_phase)
	ct_exec mv /root/unit-tls-generator "$gdir/unit-tls-generator"
	echo "daemon-reload without unit-tls-generator: $(fmt_s "$t_none"); its generators phase $(fmt_s "$p_none")"
	record "  generators phase of a daemon-reload, without unit-tls-generator" "$p_none" '' info ''
	# The floor of any generator run this way: exec of a program that does nothing (/bin/true,
	# libc only) with the same arguments, the same timer and the same preparation.
	local t_floor
	t_floor=$(ct_exec_t 300 "$CT_SHARE/timeit.sh" "$((BENCH_RUNS * 3))" 3 "$prep" \
		/bin/true /run/ut-gen/n /run/ut-gen/e /run/ut-gen/l)
	echo "the floor, /bin/true run the same way: $(fmt_s "$t_floor")"
	record "  the floor: /bin/true run the same way" "$t_floor" '' info ''
	for d in $BENCH_GEN_DECLS; do
		k=$((d > n ? n : d))
		decls "$k"
		ct_exec systemctl daemon-reload
		local made
		made=$({ ct_exec find /run/systemd/generator -name 50-unit-tls.conf 2>/dev/null || true; } | wc -l)
		t=$(ct_exec_t 300 "$CT_SHARE/timeit.sh" "$BENCH_RUNS" 2 "" systemctl daemon-reload)
		# by hand, as PID 1 runs it: three output directories
		t0=$(ct_exec_t 300 "$CT_SHARE/timeit.sh" "$((BENCH_RUNS * 3))" 3 "$prep" \
			"$gdir/unit-tls-generator" /run/ut-gen/n /run/ut-gen/e /run/ut-gen/l)
		echo "$k declarations ($made drop-ins generated): daemon-reload $(fmt_s "$t") (without the generator $(fmt_s "$t_none"), difference $(fmt_s "$(awk -v a="$t" -v b="$t_none" 'BEGIN { print a - b }')")); the generator by hand $(fmt_s "$t0"), $(fmt_s "$(awk -v a="$t0" -v b="$t_floor" 'BEGIN { print a - b }')") above the floor"
		record "daemon-reload, generator with $k declarations (vs without it)" "$t" "$t_none" info ''
		p=$(gen_phase)
		echo "  its generators phase: $(fmt_s "$p") (without the generator $(fmt_s "$p_none"))"
		record "  generators phase with it, $k declarations (vs without it)" "$p" "$p_none" info ''
		case $d in
		5) record "  unit-tls-generator by hand, $k declarations" "$t0" '' abs-s 0.002 ;;
		200) record "  unit-tls-generator by hand, $k declarations" "$t0" '' abs-s 0.020 ;;
		*) record "  unit-tls-generator by hand, $k declarations" "$t0" '' info '' ;;
		esac
		record "  the same, above the floor" "$(awk -v a="$t0" -v b="$t_floor" 'BEGIN { print a - b }')" '' info ''
	done
	decls 0
	ct_exec systemctl daemon-reload
	# systemd's own generators on the same system, each run by hand the same way
	for g in $(ct_exec sh -c 'ls -d /usr/lib/systemd/system-generators/systemd-* 2>/dev/null'); do
		name=${g##*/}
		t=$(ct_exec_t 300 "$CT_SHARE/timeit.sh" "$((BENCH_RUNS * 3))" 3 "$prep" \
			"$g" /run/ut-gen/n /run/ut-gen/e /run/ut-gen/l)
		echo "  $name by hand: $(fmt_s "$t")"
		sum=$(awk -v a="$sum" -v b="$t" 'BEGIN { print a + (b == "nan" ? 0 : b) }')
		if awk -v a="$t" -v b="$t_slow" 'BEGIN { exit !(a != "nan" && a > b) }'; then t_slow=$t slowest=$name; fi
	done
	ct_exec rm -rf /run/ut-gen
	echo "systemd's own generators: $(fmt_s "$sum") together, the slowest $slowest $(fmt_s "$t_slow")"
	record "  systemd's own generators by hand, together" "$sum" '' info ''
	record "  the slowest of them ($slowest)" "$t_slow" '' info ''
}

if [[ $BENCH_CONTAINER == 1 ]]; then
	crc=0
	(container_part) || crc=$?
	case $crc in
	0) ;;
	77) echo "(container part skipped: see the message above)" ;;
	*) echo "(container part failed with status $crc: its figures are missing)" ;;
	esac
fi
# A failed container part is a broken script (a container that cannot boot skips with 77).
broken=0
[[ ${crc:-0} == 0 || ${crc:-0} == 77 ]] || broken=1

# ------------------------------------------------------------------ table --

section "summary"
{
	printf 'measurement|unit-tls|baseline|ratio|goal|met?\n'
	while IFS='|' read -r what ut base kind goal; do
		ratio='' goaltxt='' met=''
		case $kind in
		text) printf '%s|%s| | | | \n' "$what" "$ut"; continue ;;
		ratio) ratio=$(awk -v a="$ut" -v b="$base" 'BEGIN { printf "%.2f", a / b }')
			goaltxt="<= ${goal}x"
			met=$(awk -v r="$ratio" -v g="$goal" 'BEGIN { print (r <= g) ? "yes" : "NO" }') ;;
		faster) ratio=$(awk -v a="$ut" -v b="$base" 'BEGIN { printf "%.2f", a / b }')
			goaltxt="< 1x (faster)"
			met=$(awk -v r="$ratio" 'BEGIN { print (r < 1) ? "yes" : "NO" }') ;;
		abs-s) goaltxt="< $(fmt_s "$goal")"
			met=$(awk -v a="$ut" -v g="$goal" 'BEGIN { print (a < g) ? "yes" : "NO" }') ;;
		abs-kib) goaltxt="< $(fmt_v "$goal" abs-kib)"
			met=$(awk -v a="$ut" -v g="$goal" 'BEGIN { print (a < g) ? "yes" : "NO" }') ;;
		info-kib) goaltxt="(info)" ;;
		info) if [[ -n $base ]]; then ratio=$(awk -v a="$ut" -v b="$base" 'BEGIN { printf "%.2f", a / b }'); fi
			goaltxt="(info)" ;;
		esac
		[[ $ut == nan ]] && met="n/a"
		printf '%s|%s|%s|%s|%s|%s\n' "$what" "$(fmt_v "$ut" "$kind")" \
			"$(if [[ -n $base ]]; then fmt_s "$base"; else echo -; fi)" "${ratio:+${ratio}x}" "$goaltxt" "${met:--}"
	done <"$RESULTS"
} | if command -v column >/dev/null; then column -t -s '|'; else tr '|' '\t'; fi
echo
echo "machine:  $MACHINE"
echo "binary:   $UT_HOW"
echo "command:  (cd $repo && $REPRO${1:+ $1})"
exit "$broken"
