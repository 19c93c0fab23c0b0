#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/generator/run.sh — unit-tls-generator run directly, offline, into temporary directories.
#
#   tests/generator/run.sh [GENERATOR [UNIT_TLS]]
#       (default build/src/unit-tls-generator and build/src/unit-tls)
#
# Each case builds an OS tree with mktemp and runs the generator with the test-only
# UNIT_TLS_GENERATOR_ROOT=TREE (configuration, units, users and CA files are read below it) and
# NORMAL/EARLY/LATE output directories of its own. One line per case: "ok NAME" or "FAIL NAME:
# why", then "N passed, M failed"; exit 1 on any failure. Sanitizer reports fail the case. The
# systemd cases (systemd-analyze verify, `systemd --test` as nobody) need root and are skipped
# with a message otherwise. The 200-entry timing is printed, never asserted.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
GEN=${1:-$TOP/build/src/unit-tls-generator}
UT=${2:-$(dirname "$GEN")/unit-tls}
[[ $GEN == /* ]] || GEN=$PWD/$GEN
[[ $UT == /* ]] || UT=$PWD/$UT
if [[ ! -x $GEN ]]; then
        echo "FAIL setup: $GEN is not an executable (build it: ninja -C build)"
        echo "0 passed, 1 failed"
        exit 1
fi
SYSTEMD=/lib/systemd/systemd
# This machine exports NODE_EXTRA_CA_CERTS and friends: everything runs in a clean environment.
CLEAN_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TZ=UTC
        "ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}"
        "UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}")

umask 022
WORK=$(mktemp -d /tmp/unit-tls-gen.XXXXXX)
chmod 755 "$WORK"
trap 'rm -rf -- "$WORK"' EXIT

PASSED=0 FAILED=0
FAILS=$WORK/fails
ERR=$WORK/err OUTP=$WORK/stdout RC=0

fail() { printf '%s\n' "$*" >> "$FAILS"; }

sanitizer_check() {
        if grep -q -E 'runtime error|ERROR: AddressSanitizer|LeakSanitizer|SUMMARY: UndefinedBehaviorSanitizer' "$1"; then
                fail "sanitizer report: $(grep -m1 -E 'runtime error|Sanitizer' "$1")"
        fi
}

# gen [ARGS...]: run the generator on tree $R into $OUT (default args: $OUT $OUT.early $OUT.late).
gen() {
        RC=0
        local args=("$@")
        ((${#args[@]})) || args=("$OUT" "$OUT.early" "$OUT.late")
        "${CLEAN_ENV[@]}" UNIT_TLS_GENERATOR_ROOT="$R" "$GEN" "${args[@]}" > "$OUTP" 2> "$ERR" || RC=$?
        sanitizer_check "$ERR"
        [[ $RC == 0 ]] || fail "the generator exited $RC (it must always exit 0)"
}

check_stderr_contains() {
        grep -q -F -e "$1" "$ERR" || fail "stderr lacks '$1' (stderr: $(head -c 600 "$ERR" | tr '\n' '|'))"
}
check_stderr_empty() {
        [[ ! -s $ERR ]] || fail "stderr not empty: $(head -c 400 "$ERR" | tr '\n' '|')"
}
check_file_equals() {
        if [[ ! -f $1 ]]; then
                fail "${1#"$WORK"/} does not exist"
                return 0
        fi
        local d
        d=$(diff -u --label expected --label "${1#"$WORK"/}" <(printf '%s\n' "$2") "$1") ||
                fail "${1#"$WORK"/} differs: $(head -n 14 <<< "$d" | tr '\n' '|')"
}
check_absent() {
        [[ ! -e $1 && ! -L $1 ]] || fail "${1#"$WORK"/} exists"
}

# -------------------------------------------------------------- certificates --

make_ca() {
        local P=$WORK/pki ossl=("${CLEAN_ENV[@]}" openssl) ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
        mkdir -p "$P"
        for x in a b; do
                "${ossl[@]}" req -x509 "${ec[@]}" -keyout "$P/$x.key" -out "$P/$x.pem" -days 3650 \
                        -subj "/CN=Generator Test Root CA $x" \
                        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
        done
        "${ossl[@]}" req -new "${ec[@]}" -keyout "$P/server.key" -out "$P/server.csr" -subj "/CN=server.lan" 2>/dev/null
        printf 'basicConstraints=critical,CA:FALSE\n' > "$P/server.ext"
        "${ossl[@]}" x509 -req -in "$P/server.csr" -CA "$P/a.pem" -CAkey "$P/a.key" -CAcreateserial -days 365 \
                -extfile "$P/server.ext" -out "$P/server.pem" 2>/dev/null
}

# ---------------------------------------------------------------- OS trees --

# make_root: $R with users, a fake node and homepage.service / api.service (User=homepage);
# CA files /etc/ssl/certs/{a,b}.pem (0644); $OUT is an empty output directory (0755, as PID 1
# makes /run/systemd/generator).
make_root() {
        R=$(mktemp -d "$WORK/root.XXXXXX")
        OUT=$(mktemp -d "$WORK/out.XXXXXX")
        chmod 755 "$R" "$OUT"
        mkdir -p "$R"/etc/systemd/system "$R"/usr/lib/systemd/system "$R"/usr/bin "$R"/etc/ssl/certs \
                "$R"/etc/unit-tls.d "$R"/usr/lib/unit-tls.d
        printf '%s\n' 'root:x:0:0:root:/root:/bin/bash' 'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin' \
                'homepage:x:999:999::/opt/homepage:/usr/sbin/nologin' > "$R/etc/passwd"
        printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' 'homepage:x:999:' > "$R/etc/group"
        printf '#!/bin/sh\nexit 0\n' > "$R/usr/bin/node"
        chmod 755 "$R/usr/bin/node"
        write_unit homepage.service
        write_unit api.service
        install -m 0644 "$WORK/pki/a.pem" "$R/etc/ssl/certs/a.pem"
        install -m 0644 "$WORK/pki/b.pem" "$R/etc/ssl/certs/b.pem"
}

write_unit() {
        printf '[Unit]\nDescription=%s\n\n[Service]\nUser=homepage\nExecStart=/usr/bin/node /opt/%s/server.js\n' \
                "$1" "${1%.service}" > "$R/usr/lib/systemd/system/$1"
}

# put PATH LINE...: a file in the tree.
put() {
        local f=$R$1
        shift
        mkdir -p -- "$(dirname -- "$f")"
        printf '%s\n' "$@" > "$f"
}

# expected_dropin SOURCE VALUE [NOTE]: the generated drop-in for NODE_EXTRA_CA_CERTS=VALUE.
expected_dropin() {
        printf '# Generated by unit-tls-generator from %s\n' "$1"
        printf '# Edit that file, then run `unit-tls apply`; this file is rewritten at every boot and daemon-reload.\n'
        [[ -z ${3:-} ]] || printf '# %s\n' "$3"
        printf '[Service]\nEnvironment="NODE_EXTRA_CA_CERTS=%s"\n' "$2"
}

readonly HP=homepage.service.d/50-unit-tls.conf

# ------------------------------------------------------------------- cases --

case_vendor_config() {
        make_root
        put /usr/lib/unit-tls.d/homepage.conf '# shipped by the homepage package' '[homepage]' 'CA=/etc/ssl/certs/a.pem'
        gen
        check_stderr_empty
        check_file_equals "$OUT/$HP" "$(expected_dropin /usr/lib/unit-tls.d/homepage.conf:2 /etc/ssl/certs/a.pem)"
        check_absent "$OUT/api.service.d"
        check_absent "$OUT.early/homepage.service.d"
        check_absent "$OUT.late/homepage.service.d"
        local m
        m=$(stat -c %a "$OUT/$HP")
        [[ $m == 644 ]] || fail "drop-in mode $m, expected 644"
}

case_etc_overrides_same_name() {
        make_root
        put /usr/lib/unit-tls.d/homepage.conf '[homepage.service]' 'CA=/etc/ssl/certs/a.pem' '[api]' 'CA=/etc/ssl/certs/a.pem'
        put /etc/unit-tls.d/homepage.conf '[homepage.service]' 'CA=/etc/ssl/certs/b.pem'
        gen
        check_stderr_empty
        check_file_equals "$OUT/$HP" "$(expected_dropin /etc/unit-tls.d/homepage.conf:1 /etc/ssl/certs/b.pem)"
        # the vendor file is replaced as a whole: its [api] section is gone too
        check_absent "$OUT/api.service.d"
}

case_run_between_etc_and_usr() {
        make_root
        put /usr/lib/unit-tls.d/homepage.conf '[homepage]' 'CA=/etc/ssl/certs/a.pem'
        put /run/unit-tls.d/homepage.conf '[homepage]' 'CA=/etc/ssl/certs/b.pem'
        gen
        check_file_equals "$OUT/$HP" "$(expected_dropin /run/unit-tls.d/homepage.conf:1 /etc/ssl/certs/b.pem)"
}

case_devnull_masks() {
        make_root
        put /usr/lib/unit-tls.d/homepage.conf '[homepage]' 'CA=/etc/ssl/certs/a.pem'
        ln -s /dev/null "$R/etc/unit-tls.d/homepage.conf"
        put /usr/lib/unit-tls.d/other.conf '[api]' 'CA=/etc/ssl/certs/a.pem'
        gen
        check_stderr_empty
        check_absent "$OUT/homepage.service.d"
        [[ -f $OUT/api.service.d/50-unit-tls.conf ]] || fail "other files must still apply"
}

case_empty_file_masks() {
        make_root
        put /usr/lib/unit-tls.d/homepage.conf '[homepage]' 'CA=/etc/ssl/certs/a.pem'
        : > "$R/etc/unit-tls.d/homepage.conf"
        gen
        check_absent "$OUT/homepage.service.d"
}

case_later_file_replaces_unit() {
        make_root
        put /usr/lib/unit-tls.d/10-vendor.conf '[homepage]' 'CA=/etc/ssl/certs/a.pem'
        put /etc/unit-tls.d/90-local.conf '[homepage.service]' 'CA=/etc/ssl/certs/b.pem'
        gen
        check_file_equals "$OUT/$HP" "$(expected_dropin /etc/unit-tls.d/90-local.conf:1 /etc/ssl/certs/b.pem)"
}

case_broken_entries_skipped() {
        make_root
        mkdir -m 0700 "$R/root/private" -p
        install -m 0644 "$WORK/pki/a.pem" "$R/root/private/ca.pem"
        put /etc/unit-tls.d/mixed.conf \
                '[bad/name]' 'CA=/etc/ssl/certs/a.pem' \
                '[api]' 'CA=/etc/ssl/certs/missing.pem' 'Colour=blue' \
                '[homepage]' 'CA=/etc/ssl/certs/a.pem' 'CA=/root/private/ca.pem' \
                'not an assignment' \
                '[nothere.service]' 'CA=/etc/ssl/certs/a.pem'
        gen
        # the good CA is written, the unreadable one is not (one CA left: no bundle)
        check_file_equals "$OUT/$HP" "$(expected_dropin /etc/unit-tls.d/mixed.conf:6 /etc/ssl/certs/a.pem)"
        check_absent "$OUT/unit-tls"
        check_absent "$OUT/api.service.d"
        check_absent "$OUT/nothere.service.d"
        check_stderr_contains '/etc/unit-tls.d/mixed.conf:1: [bad/name]: invalid unit name'
        check_stderr_contains '/etc/unit-tls.d/mixed.conf:5: unknown key '"'"'Colour'"'"
        check_stderr_contains '/etc/unit-tls.d/mixed.conf:4: api.service: CA /etc/ssl/certs/missing.pem skipped'
        check_stderr_contains '/etc/unit-tls.d/mixed.conf:8: homepage.service: CA /root/private/ca.pem skipped: the service cannot read'
        check_stderr_contains '/etc/unit-tls.d/mixed.conf:9: expected KEY=VALUE'
        check_stderr_contains '/etc/unit-tls.d/mixed.conf:10: nothere.service: unit not found'
}

case_refused_ca_never_written() {
        make_root
        install -m 0644 "$WORK/pki/server.pem" "$R/etc/ssl/certs/server.pem"
        cat "$WORK/pki/a.pem" "$WORK/pki/a.key" > "$R/etc/ssl/certs/withkey.pem"
        put /etc/unit-tls.d/x.conf '[homepage]' 'CA=/etc/ssl/certs/server.pem' '[api]' 'CA=/etc/ssl/certs/withkey.pem'
        gen
        check_absent "$OUT/homepage.service.d"
        check_absent "$OUT/api.service.d"
        check_stderr_contains 'x.conf:2: homepage.service: CA /etc/ssl/certs/server.pem skipped'
        check_stderr_contains 'x.conf:4: api.service: CA /etc/ssl/certs/withkey.pem skipped'
}

case_bundle() {
        make_root
        put /etc/unit-tls.d/x.conf '[homepage]' 'CA=/etc/ssl/certs/a.pem' 'CA=/etc/ssl/certs/b.pem ; the second one'
        gen
        check_stderr_empty
        check_file_equals "$OUT/$HP" "$(expected_dropin /etc/unit-tls.d/x.conf:1 "$OUT/unit-tls/homepage.service.pem" \
                'CAs: /etc/ssl/certs/a.pem /etc/ssl/certs/b.pem')"
        check_file_equals "$OUT/unit-tls/homepage.service.pem" "$(
                printf '# Generated by unit-tls-generator from /etc/unit-tls.d/x.conf:1: CA bundle for homepage.service.\n'
                printf '# from /etc/ssl/certs/a.pem\n'; cat "$WORK/pki/a.pem"
                printf '# from /etc/ssl/certs/b.pem\n'; cat "$WORK/pki/b.pem")"
}

case_insecure_and_conflict() {
        make_root
        put /etc/unit-tls.d/x.conf '[homepage]' 'Insecure=yes' '[api]' 'CA=/etc/ssl/certs/a.pem' 'Insecure=yes'
        gen
        grep -q -x 'Environment=NODE_TLS_REJECT_UNAUTHORIZED=0' "$OUT/$HP" 2>/dev/null || fail "no insecure drop-in"
        check_absent "$OUT/api.service.d"
        check_stderr_contains 'x.conf:3: [api.service]: CA= (/etc/unit-tls.d/x.conf:4) and Insecure=yes (/etc/unit-tls.d/x.conf:5) cannot be combined'
        check_stderr_contains 'Insecure=yes turns off TLS certificate verification'
}

case_hash_is_not_inline_comment() {
        make_root
        put /etc/unit-tls.d/x.conf '[homepage]' 'CA=/etc/ssl/certs/a.pem   # not a comment for inih'
        gen
        check_absent "$OUT/homepage.service.d"
        check_stderr_contains "x.conf:2: CA=/etc/ssl/certs/a.pem   # not a comment for inih: '#' starts a comment only"
}

case_always_exit_0() {
        make_root
        put /etc/unit-tls.d/x.conf '[homepage]' 'CA=/etc/ssl/certs/a.pem'
        gen "$WORK/does-not-exist" "$WORK/e" "$WORK/l"
        gen
        gen "$OUT"
        gen relative/dir a b
        gen
        gen "$OUT" "$OUT.early"
        printf '\xff\xfe[\x00garbage' > "$R/etc/unit-tls.d/y.conf"
        gen
        chmod 000 "$R/etc/unit-tls.d/x.conf"
        gen
        chmod 644 "$R/etc/unit-tls.d/x.conf"
        rm -rf "$R/usr/lib/systemd"
        gen
}

case_long_line() {
        make_root
        local long
        long=/etc/ssl/certs/$(printf 'x%.0s' {1..200}).pem
        put /etc/unit-tls.d/x.conf '[homepage]' "CA=$long" '[api]' 'CA=/etc/ssl/certs/a.pem'
        gen
        check_absent "$OUT/homepage.service.d"
        [[ -f $OUT/api.service.d/50-unit-tls.conf ]] || fail "the entry after a long line must apply"
        check_stderr_contains 'x.conf:2: line is longer than 198 bytes'
}

# The generated drop-in as systemd 252 reads it: `systemd --test` prints the environment, and
# `systemd-analyze verify` accepts the unit with it.
case_systemd_reads_it() {
        if [[ $(id -u) != 0 || ! -x $SYSTEMD ]] || ! command -v runuser > /dev/null; then
                echo "  (skipped: needs root, runuser and $SYSTEMD)"
                return 0
        fi
        make_root
        local tricky='/etc/ssl/certs/a dir/100% "CA".pem'
        mkdir -p "$R/etc/ssl/certs/a dir"
        install -m 0644 "$WORK/pki/a.pem" "$R$tricky"
        # units with host binaries, so that verify finds them
        printf '[Service]\nExecStart=/bin/true\n' > "$R/usr/lib/systemd/system/homepage.service"
        printf '[Service]\nExecStart=/bin/true\n' > "$R/usr/lib/systemd/system/api.service"
        put /etc/unit-tls.d/x.conf '[homepage]' "CA=$tricky" '[api]' 'CA=/etc/ssl/certs/a.pem' 'CA=/etc/ssl/certs/b.pem'
        gen
        chmod -R a+rX "$WORK"
        local out
        out=$("${CLEAN_ENV[@]}" SYSTEMD_UNIT_PATH="$OUT:$R/usr/lib/systemd/system:" runuser -u nobody -- \
                "$SYSTEMD" --test --system --unit=homepage.service --no-pager 2>&1) || true
        grep -q -F "Environment: NODE_EXTRA_CA_CERTS=$tricky" <<< "$out" ||
                fail "systemd --test does not show the CA path: $(grep -m2 -E 'Environment|DropIn' <<< "$out" | tr '\n' '|')"
        grep -q -F "DropIn Path: $OUT/$HP" <<< "$out" || fail "systemd --test does not list the drop-in"
        out=$("${CLEAN_ENV[@]}" SYSTEMD_UNIT_PATH="$OUT:$R/usr/lib/systemd/system:" runuser -u nobody -- \
                "$SYSTEMD" --test --system --unit=api.service --no-pager 2>&1) || true
        grep -q -F "Environment: NODE_EXTRA_CA_CERTS=$OUT/unit-tls/api.service.pem" <<< "$out" ||
                fail "systemd --test does not show the bundle: $(grep -m2 Environment <<< "$out" | tr '\n' '|')"
        local rc=0
        "${CLEAN_ENV[@]}" SYSTEMD_UNIT_PATH="$OUT:$R/usr/lib/systemd/system:" systemd-analyze verify \
                homepage.service api.service > "$WORK/verify" 2>&1 || rc=$?
        [[ $rc == 0 ]] || fail "systemd-analyze verify: rc $rc: $(head -c 400 "$WORK/verify" | tr '\n' '|')"
        ! grep -q -i -E 'unknown|invalid|ignoring' "$WORK/verify" || fail "systemd-analyze verify complains: $(head -c 400 "$WORK/verify" | tr '\n' '|')"
}

# apply --root on the same tree: what the generator will write at the next boot, exit 0.
case_apply_offline() {
        if [[ ! -x $UT ]]; then
                echo "  (skipped: $UT not built)"
                return 0
        fi
        make_root
        put /etc/unit-tls.d/x.conf '[homepage]' 'CA=/etc/ssl/certs/a.pem'
        RC=0
        "${CLEAN_ENV[@]}" "$UT" --root="$R" apply --dry-run > "$OUTP" 2> "$ERR" || RC=$?
        sanitizer_check "$ERR"
        [[ $RC == 0 ]] || fail "apply --root --dry-run exited $RC: $(head -c 300 "$ERR")"
        grep -q -F "+++ /run/systemd/generator/$HP" "$OUTP" || fail "no diff for the drop-in: $(head -c 300 "$OUTP" | tr '\n' '|')"
        grep -q -F 'homepage.service: the generator will write /run/systemd/generator/homepage.service.d/50-unit-tls.conf (from /etc/unit-tls.d/x.conf:1) at the next boot' "$OUTP" ||
                fail "no next-boot line: $(tail -c 300 "$OUTP" | tr '\n' '|')"
        # once the generator has run (into the tree's /run), apply has nothing to do
        mkdir -p "$R/run/systemd/generator"
        "${CLEAN_ENV[@]}" UNIT_TLS_GENERATOR_ROOT="$R" "$GEN" "$R/run/systemd/generator" x y 2>> "$ERR"
        sed -i "s|$R||" "$R/run/systemd/generator/$HP"   # as if written at /run/systemd/generator
        RC=0
        "${CLEAN_ENV[@]}" "$UT" --root="$R" apply > "$OUTP" 2> "$ERR" || RC=$?
        [[ $RC == 0 ]] || fail "apply --root exited $RC"
        grep -q -F 'nothing to apply' "$OUTP" || fail "apply sees a change: $(head -c 300 "$OUTP" | tr '\n' '|')"
        # status names the generated drop-in and the config line it came from
        "${CLEAN_ENV[@]}" "$UT" --root="$R" status homepage > "$OUTP" 2> "$ERR" || true
        sanitizer_check "$ERR"
        grep -q -F "generated by unit-tls-generator from /etc/unit-tls.d/x.conf:1" "$OUTP" ||
                fail "status does not name the source: $(head -c 600 "$OUTP" | tr '\n' '|')"
}

# 200 units, 200 sections in 20 files (every fourth with two CAs: a bundle). Printed, not asserted.
case_timing_200() {
        make_root
        local i f
        for ((i = 0; i < 200; i++)); do
                write_unit "svc$i.service"
        done
        for ((f = 0; f < 20; f++)); do
                for ((i = f * 10; i < f * 10 + 10; i++)); do
                        printf '[svc%d]\nCA=/etc/ssl/certs/a.pem\n' "$i"
                        ((i % 4)) || printf 'CA=/etc/ssl/certs/b.pem\n'
                done > "$R/usr/lib/unit-tls.d/$(printf '%02d' "$f")-vendor.conf"
        done
        # PID 1 has generators write to /run (tmpfs): time it on a tmpfs too, where fsync is free
        local shm=/dev/shm where=tmpfs
        [[ -d $shm && -w $shm ]] || { shm=$WORK; where="$(stat -f -c %T "$WORK")"; }
        OUT=$(mktemp -d "$shm/unit-tls-gen-out.XXXXXX")
        local best=999999 t0 t1 ms
        for ((i = 0; i < 5; i++)); do
                rm -rf "$OUT" && mkdir -m 755 "$OUT"
                t0=$(date +%s%N)
                gen
                t1=$(date +%s%N)
                ms=$(((t1 - t0) / 1000000))
                ((ms < best)) && best=$ms
        done
        local n
        n=$(find "$OUT" -name 50-unit-tls.conf | wc -l)
        [[ $n == 200 ]] || fail "expected 200 drop-ins, got $n"
        rm -rf "$OUT"
        echo "  timing: 200 entries (50 bundles) in ${best} ms (best of 5, output on $where, $GEN)"
}

# fake_node VERSION: /usr/bin/node whose bytes carry the release URL the version reader looks for
fake_node() {
        printf '#!/bin/sh\nexit 0\n# https://nodejs.org/download/release/v%s/node-v%s.tar.gz\0\n' "$1" "$1" > "$R/usr/bin/node"
}

# set_body UNIT ARGS...: the drop-in `set --dry-run --json` plans, without its first (header) line
set_body() {
        local u=$1
        shift
        "${CLEAN_ENV[@]}" "$UT" --root="$R" set "$u" "$@" --dry-run --json 2> "$ERR" | python3 -c '
import json, sys
u = json.load(sys.stdin)["units"][0]
lines = [l[1:] for l in u["diff"].splitlines() if l.startswith("+") and not l.startswith("+++")]
print("\n".join(lines[1:]))'
}

# Issue 14: SystemStore=yes and set --system-store render the same drop-in (below the headers),
# for the variable the runtime's version honours; and CA= and --ca too.
case_system_store_same_as_set() {
        make_root
        fake_node 24.6.0
        put /etc/unit-tls.d/h.conf '[homepage]' 'SystemStore=yes' '[api]' 'CA=/etc/ssl/certs/a.pem'
        gen
        check_stderr_empty
        local want got
        want=$(printf '# Trust the OS certificate store, in addition to the runtime'"'"'s own roots.\n[Service]\nEnvironment="NODE_USE_SYSTEM_CA=1"')
        got=$(tail -n +3 "$OUT/$HP")
        [[ $got == "$want" ]] || fail "generated SystemStore drop-in: $(tr '\n' '|' <<< "$got")"
        [[ $(set_body homepage --system-store) == "$got" ]] || fail "set --system-store differs: $(set_body homepage --system-store | tr '\n' '|')"
        got=$(tail -n +3 "$OUT/api.service.d/50-unit-tls.conf")
        [[ $(set_body api --ca /etc/ssl/certs/a.pem) == "$got" ]] || fail "set --ca differs from CA="
}

# set_dropin_body UNIT ARGS...: the drop-in set --dry-run plans for UNIT below its header line
# (the diff's file that ends in .conf; a bundle, when there is one, is another file of it).
set_dropin_body() {
        local u=$1
        shift
        "${CLEAN_ENV[@]}" "$UT" --root="$R" set "$u" "$@" --dry-run --json 2> "$ERR" | python3 -c '
import json, sys
u = json.load(sys.stdin)["units"][0]
out, on = [], False
for l in u["diff"].splitlines():
    if l.startswith("+++ "):
        on = l.rstrip().endswith(".conf")
    elif on and l.startswith("+"):
        out.append(l[1:])
print("\n".join(out[1:]))'
}

# One planner: for every kind of declaration, the generated drop-in is, below its header, the
# drop-in set writes for the same unit and CAs (a bundle's path aside: the generator's lives
# under its output directory, set's under /etc/unit-tls), and a bundle holds the same
# certificates in the same order.
case_every_declaration_same_as_set() {
        make_root
        fake_node 24.6.0
        write_unit web.service
        write_unit repair.service
        printf 'Environment=NODE_TLS_REJECT_UNAUTHORIZED=0\n' >> "$R/usr/lib/systemd/system/repair.service"
        put /etc/unit-tls.d/all.conf '[homepage]' 'CA=/etc/ssl/certs/a.pem' \
                '[api]' 'CA=/etc/ssl/certs/a.pem' 'CA=/etc/ssl/certs/b.pem' \
                '[web]' 'Insecure=yes' '[repair]' 'CA=/etc/ssl/certs/b.pem'
        gen
        local unit args got want
        for unit in homepage api web repair; do
                case $unit in
                homepage) args=(--ca /etc/ssl/certs/a.pem) ;;
                api) args=(--ca /etc/ssl/certs/a.pem --ca /etc/ssl/certs/b.pem) ;;
                web) args=(--insecure) ;;
                repair) args=(--ca /etc/ssl/certs/b.pem) ;;
                esac
                got=$(tail -n +3 "$OUT/$unit.service.d/50-unit-tls.conf" | sed "s#$OUT/unit-tls/#BUNDLE/#")
                want=$(set_dropin_body "$unit" "${args[@]}" | sed "s#/etc/unit-tls/#BUNDLE/#")
                [[ -n $got && $got == "$want" ]] ||
                        fail "$unit: generated '$(tr '\n' '|' <<< "$got")' but set plans '$(tr '\n' '|' <<< "$want")'"
        done
        grep -q 'UnsetEnvironment=NODE_TLS_REJECT_UNAUTHORIZED' "$OUT/repair.service.d/50-unit-tls.conf" ||
                fail "repair: the generated drop-in does not unset NODE_TLS_REJECT_UNAUTHORIZED"
        "${CLEAN_ENV[@]}" "$UT" --root="$R" set api --ca /etc/ssl/certs/a.pem --ca /etc/ssl/certs/b.pem -q 2> "$ERR" ||
                fail "set api failed: $(cat "$ERR")"
        got=$(grep -v '^#' "$OUT/unit-tls/api.service.pem")
        want=$(grep -v '^#' "$R/etc/unit-tls/api.service.pem")
        [[ -n $got && $got == "$want" ]] || fail "the generated bundle's certificates differ from set's"
}

# A Node that ignores NODE_USE_SYSTEM_CA: the section is skipped, the fix named; set refuses alike.
case_system_store_refused() {
        make_root
        fake_node 20.20.2
        put /etc/unit-tls.d/h.conf '[homepage]' 'SystemStore=yes'
        gen
        check_absent "$OUT/homepage.service.d"
        check_stderr_contains 'Node.js 20.20.2 does not honour NODE_USE_SYSTEM_CA=1'
        check_stderr_contains '--ca FILE'
        local rc=0
        "${CLEAN_ENV[@]}" "$UT" --root="$R" set homepage --system-store --dry-run > /dev/null 2> "$ERR" || rc=$?
        [[ $rc == 2 ]] || fail "set --system-store on Node 20 exited $rc, expected 2"
        check_stderr_contains 'Node.js 20.20.2 does not honour NODE_USE_SYSTEM_CA=1'
        put /etc/unit-tls.d/h.conf '[homepage]' 'SystemStore=yes' 'CA=/etc/ssl/certs/a.pem'
        gen
        check_stderr_contains 'SystemStore=yes'
        check_stderr_contains 'cannot be combined with CA='
}

run_case() {
        local name=$1 rc=0
        : > "$FAILS"
        set +e
        (set -e; "$name")
        rc=$?
        set -e
        ((rc == 0)) || fail "the case aborted (rc $rc)"
        if [[ -s $FAILS ]]; then
                echo "FAIL ${name#case_}: $(paste -sd ';' "$FAILS")"
                FAILED=$((FAILED + 1))
        else
                echo "ok ${name#case_}"
                PASSED=$((PASSED + 1))
        fi
}

make_ca
for c in $(declare -F | awk '{print $3}' | grep '^case_'); do
        run_case "$c"
done
echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
