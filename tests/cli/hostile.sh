#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/cli/hostile.sh — the "Hostile input table" of issue 7, one row per case.
#
#   tests/cli/hostile.sh [BINARY]       (or UNIT_TLS=BINARY; default build/src/unit-tls)
#
# Every row builds its own OS tree with mktemp and runs unit-tls offline with --root=TREE
# (offline: no D-Bus, so nothing can be reloaded or restarted; the rows also check that the
# output never claims a reload or restart). Nothing here touches the host's /etc.
#
# Each run of unit-tls is checked for:
#   - the exit status (2 for a refusal, 0 where the input must work);
#   - no crash: status < 128, and no sanitizer report on stderr (run it against an
#     ASan/UBSan build too: meson setup … -Db_sanitize=address,undefined -Db_lundef=false);
#   - bounded time: every run under `timeout 20` (a hang fails the row, it never hangs the
#     suite), and bounded memory: peak RSS from /usr/bin/time -f %M under MAX_RSS_MB
#     (default 200). The plain build carries that bound; a sanitizer build only gets a runaway
#     ceiling, SAN_RSS_MB (default 2048): ASan quarantines freed memory and keeps each size
#     class's chunks, so unit-tls's grow-by-one realloc()s of arrays (a strv, the environment
#     list) show as 1.3 GB under ASan for the 10,000-drop-in row against 14 MB plain;
#   - for a refusal: exactly ONE line naming the problem on stderr. unit-tls ends a refusal
#     made after planning with a second line, exactly "unit-tls: nothing was changed"; a
#     refusal of the arguments (before anything is read) has no such line. So: stderr is one
#     error line, optionally followed by that exact line, and nothing else (no warnings, no
#     second error). The tree's snapshot (every entry's type, mode, owner, size, mtime, link
#     target and content checksum) is the same before and after;
#   - for input that must work: the drop-in's exact content, and unit-tls's own reading of it
#     (status --json) and systemd's (`systemd --test` as nobody, when available) give back
#     the path byte for byte.
#
# One line per row: "ok NAME" or "FAIL NAME: why"; then "N passed, M failed"; exit 1 on any
# failure, 77 (skipped) when not root (mknod and runuser need root).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BIN=${1:-${UNIT_TLS:-$TOP/build/src/unit-tls}}
[[ $BIN == /* ]] || BIN=$PWD/$BIN

if ((EUID != 0)); then
        echo "skipped: hostile.sh needs root (mknod for /dev/zero, runuser for the systemd read-back)"
        exit 77
fi
if [[ ! -x $BIN ]]; then
        echo "FAIL setup: $BIN is not an executable (build it: ninja -C build)" >&2
        echo "0 passed, 1 failed"
        exit 1
fi
# A private copy: other people rebuild build/ while this runs (a half-linked binary is not
# executable), and the copy's path has no odd characters.
BIN_COPY=$(mktemp /tmp/unit-tls-hostile-bin.XXXXXX)
cp -- "$BIN" "$BIN_COPY"
chmod 755 "$BIN_COPY"
if [[ ! -x /usr/bin/time ]]; then
        echo "FAIL setup: /usr/bin/time is missing (apt-get install time)" >&2
        echo "0 passed, 1 failed"
        exit 1
fi

SYSTEMD=/lib/systemd/systemd
PY=/usr/bin/python3
TIME_LIMIT=20
if nm -D "$BIN" 2>/dev/null | grep -q -E '__asan_init|__ubsan_handle' ||
        grep -q -a -m1 -F '__asan_init' "$BIN"; then
        SANITIZED=1 MAX_RSS_MB=${SAN_RSS_MB:-2048}
else
        SANITIZED=0 MAX_RSS_MB=${MAX_RSS_MB:-200}
fi
# This machine exports SSL_CERT_FILE, NODE_EXTRA_CA_CERTS and friends globally: every tool
# (openssl, unit-tls, systemd) runs with this clean environment instead.
CLEAN_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TZ=UTC
        "ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}"
        "UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}"
        ${LSAN_OPTIONS:+"LSAN_OPTIONS=$LSAN_OPTIONS"})
NOTHING_CHANGED='unit-tls: nothing was changed'
echo "# $BIN (sanitizer build: $( ((SANITIZED)) && echo "yes, RSS ceiling ${MAX_RSS_MB} MB" || echo "no, RSS bound ${MAX_RSS_MB} MB"))"

umask 022
# Trees live on tmpfs when there is one: the 10,000-drop-in row creates 10,000 files, which costs
# about 10 s on this machine's ext4 /tmp and under a second on /dev/shm. (HOSTILE_TMPDIR=DIR
# to choose; DIR must allow device nodes for the /dev/zero row.)
TMPBASE=${HOSTILE_TMPDIR:-}
if [[ -z $TMPBASE ]]; then
        TMPBASE=/tmp
        [[ -d /dev/shm && -w /dev/shm && $(findmnt -no FSTYPE,OPTIONS -T /dev/shm 2>/dev/null) == tmpfs* &&
                $(findmnt -no OPTIONS -T /dev/shm) != *nodev* ]] && TMPBASE=/dev/shm
fi
WORK=$(mktemp -d "$TMPBASE/unit-tls-hostile.XXXXXX")
chmod 755 "$WORK"
cleanup() {
        # FIFOs and the like are harmless to rm; undo chattr-free modes first.
        chmod -R u+rwX "$WORK" 2>/dev/null || true
        rm -rf -- "$WORK"
}
VERBOSE=${HOSTILE_VERBOSE:-0}   # 1: print every run's stderr and each row's time
trap 'cleanup; rm -f -- "$BIN_COPY"' EXIT

PASSED=0 FAILED=0
FAILS=$WORK/fails
OUT=$WORK/out ERR=$WORK/err RC=0 RSS_KB=0

# ------------------------------------------------------------------ helpers --

fail() { printf '%s\n' "$*" >> "$FAILS"; }

# show FILE: the first 300 bytes of FILE on one line, control characters visible.
show() { head -c 300 "$1" | cat -v | tr '\n' '|'; }

# ut ARGS...: run unit-tls in the clean environment, under timeout and /usr/bin/time; stdout
# in $OUT, stderr in $ERR, status in $RC, peak RSS in $RSS_KB. Fails the row on a timeout, a
# crash (status >= 128), a sanitizer report or too much memory.
ut() {
        RC=0
        /usr/bin/time -f '%M' -o "$WORK/rss" \
                timeout -k 5 "$TIME_LIMIT" "${CLEAN_ENV[@]}" "$BIN_COPY" "$@" > "$OUT" 2> "$ERR" < /dev/null || RC=$?
        RSS_KB=$(tail -n 1 "$WORK/rss")
        if ((VERBOSE)); then
                printf '    $ unit-tls %s-> %s, %s KB\n' "$(printf '%q ' "${@:2}" | head -c 150)" "$RC" "$RSS_KB" >&2
                sed 's/^/    | /' "$ERR" | cat -v | head -c 2000 >&2
        fi
        local what
        what="unit-tls $(printf '%q ' "$@" | head -c 200)"
        if ((RC == 124 || RC == 137)); then
                fail "timed out after ${TIME_LIMIT}s: $what"
        elif ((RC >= 128)); then
                fail "crashed (status $RC, signal $((RC - 128))): $what; stderr: $(show "$ERR")"
        fi
        if grep -q -a -E 'runtime error|ERROR: AddressSanitizer|ERROR: LeakSanitizer|SUMMARY: (Address|Undefined|Leak)Sanitizer' "$ERR"; then
                fail "sanitizer report from $what: $(grep -a -m1 -E 'runtime error|Sanitizer' "$ERR" | head -c 300)"
        fi
        if [[ $RSS_KB =~ ^[0-9]+$ ]]; then
                ((RSS_KB <= MAX_RSS_MB * 1024)) || fail "peak RSS $((RSS_KB / 1024)) MB > $MAX_RSS_MB MB: $what"
        else
                fail "no peak RSS from /usr/bin/time: $(tr '\n' '|' < "$WORK/rss")"
        fi
        # offline: never a reload or a restart
        if grep -q -a -i -E '(^|[^a-z])(restarted|reloaded)' "$OUT" "$ERR"; then
                fail "an offline run claims a reload/restart: $(grep -a -h -i -m1 -E 'restarted|reloaded' "$OUT" "$ERR")"
        fi
        return 0
}

check_exit() {
        [[ $RC == "$1" ]] || fail "exit status $RC, expected $1 (stderr: $(show "$ERR"))"
}

# check_one_error TEXT...: stderr is one line naming the problem (each TEXT in it, as fixed
# strings), optionally followed by exactly "unit-tls: nothing was changed".
check_one_error() {
        local n first t
        n=$(wc -l < "$ERR")
        first=$(head -n 1 "$ERR")
        if [[ ! -s $ERR ]]; then
                fail "nothing on stderr"
                return 0
        fi
        if [[ $(tail -c 1 "$ERR" | od -An -c | tr -d ' ') != '\n' ]]; then
                fail "stderr does not end in a newline: $(show "$ERR")"
        fi
        if ((n == 2)); then
                [[ $(sed -n 2p "$ERR") == "$NOTHING_CHANGED" ]] ||
                        fail "stderr has 2 lines and the second is not '$NOTHING_CHANGED': $(show "$ERR")"
        elif ((n != 1)); then
                fail "stderr has $n lines, expected one error (+ '$NOTHING_CHANGED'): $(show "$ERR")"
        fi
        [[ $first == unit-tls:* ]] || fail "the error does not start with 'unit-tls:': $(show "$ERR")"
        # a person reads it on a terminal: no control characters (ESC, CR, ...) in the line
        if LC_ALL=C grep -q -a -P '[\x00-\x09\x0b-\x1f\x7f]' "$ERR"; then
                fail "stderr carries raw control characters: $(show "$ERR")"
        fi
        for t in "$@"; do
                grep -q -a -F -e "$t" <<< "$first" || fail "the error lacks '$t': $(show "$ERR")"
        done
}

# snapshot DIR: every entry with type, mode, owner, size, mtime, link target and checksum.
snapshot() {
        (cd "$1" && find . -printf '%p\t%y\t%m\t%U:%G\t%s\t%T@\t%l\n' | LC_ALL=C sort &&
                find . -type f -size -20M -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}
take_snapshot() { snapshot "$R" > "$WORK/snap.before"; }
check_no_change() {
        local d
        d=$(diff -u --label before --label after "$WORK/snap.before" <(snapshot "$R")) ||
                fail "the tree changed: $(grep -a '^[-+][^-+]' <<< "$d" | head -n 6 | tr '\n' '|')"
}

# refused_row TEXT... -- ARGS...: unit-tls ARGS (--root="$R" first) is refused: exit 2, one
# error line with every TEXT, the tree untouched.
refused_row() {
        local texts=()
        while [[ $1 != -- ]]; do
                texts+=("$1")
                shift
        done
        shift
        take_snapshot
        ut --root="$R" "$@"
        check_exit 2
        check_one_error "${texts[@]}"
        [[ ! -s $OUT ]] || fail "a refusal printed on stdout: $(show "$OUT")"
        check_no_change
}

# set_refused CA TEXT...: set homepage --ca CA is refused with TEXTs, nothing written.
set_refused() {
        local ca=$1
        shift
        refused_row "$@" -- set homepage --ca "$ca"
        check_absent "$R$D"
}

check_absent() {
        [[ ! -e $1 && ! -L $1 ]] || fail "${1#"$WORK"/} exists"
}

check_file_equals() {
        if [[ ! -f $1 ]]; then
                fail "${1#"$WORK"/} does not exist (stderr: $(show "$ERR"))"
                return 0
        fi
        local d
        d=$(diff -u --label expected --label "${1#"$WORK"/}" <(printf '%s' "$2") "$1") ||
                fail "${1#"$WORK"/} differs: $(head -n 12 <<< "$d" | cat -v | tr '\n' '|')"
}

# shellcheck disable=SC2016  # the backquotes are literal text of the header
HEADER='# Managed by unit-tls: change it with `unit-tls set` / `unit-tls unset`.'
# dropin_line PATH: the Environment= line systemd reads back as exactly PATH, written out
# independently of unit-tls: inside double quotes, '\' and '"' are escaped, '%' is doubled.
dropin_line() {
        local v=$1
        v=${v//\\/\\\\}
        v=${v//\"/\\\"}
        v=${v//%/%%}
        printf 'Environment="NODE_EXTRA_CA_CERTS=%s"' "$v"
}
dropin_for() { printf '%s\n[Service]\n%s\n' "$HEADER" "$(dropin_line "$1")"; }

# -------------------------------------------------------------- certificates --

make_ca() {
        local P=$WORK/pki
        mkdir -p "$P/db"
        local ossl=("${CLEAN_ENV[@]}" openssl)
        local ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
        "${ossl[@]}" req -x509 "${ec[@]}" -keyout "$P/a.key" -out "$P/a.pem" -days 3650 \
                -subj "/O=PVE Cluster Manager CA/CN=Proxmox Virtual Environment" \
                -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
        "${ossl[@]}" req -new "${ec[@]}" -keyout "$P/server.key" -out "$P/server.csr" \
                -subj "/O=PVE Cluster Node/CN=pve.example.lan" 2>/dev/null
        printf 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:pve.example.lan\n' > "$P/server.ext"
        "${ossl[@]}" x509 -req -in "$P/server.csr" -CA "$P/a.pem" -CAkey "$P/a.key" -CAcreateserial \
                -days 365 -extfile "$P/server.ext" -out "$P/server.pem" 2>/dev/null
        "${ossl[@]}" x509 -in "$P/a.pem" -outform der -out "$P/a.der"
        : > "$P/db/index"
        echo 01 > "$P/db/serial"
        cat > "$P/ca.cnf" <<EOF
[ca]
default_ca = d
[d]
database = $P/db/index
serial = $P/db/serial
new_certs_dir = $P/db
default_md = sha256
policy = p
unique_subject = no
copy_extensions = copy
[p]
commonName = supplied
EOF
        # expired (2020..2021) and not yet valid (2090..2091) self-signed CAs
        local which start end
        for which in expired:20200101000000Z:20210101000000Z future:20900101000000Z:20910101000000Z; do
                IFS=: read -r which start end <<< "$which"
                "${ossl[@]}" req -new "${ec[@]}" -keyout "$P/$which.key" -out "$P/$which.csr" \
                        -subj "/CN=${which^} Test CA" -addext basicConstraints=critical,CA:TRUE 2>/dev/null
                "${ossl[@]}" ca -batch -config "$P/ca.cnf" -selfsign -keyfile "$P/$which.key" -in "$P/$which.csr" \
                        -out "$P/$which.pem" -startdate "$start" -enddate "$end" -notext 2>/dev/null
        done
        printf 'this is not a certificate\njust some text\n' > "$P/garbage.pem"
        : > "$P/empty.pem"
        cp "$P/server.key" "$P/key-alone.pem"
        cat "$P/a.pem" "$P/a.key" > "$P/cert-then-key.pem"
        local f
        for f in a.pem a.der server.pem server.key expired.pem future.pem; do
                [[ -s $P/$f ]] || { echo "FAIL setup: openssl did not make $f" >&2; exit 1; }
        done
}

# ---------------------------------------------------------------- OS trees --

readonly D=/etc/systemd/system/homepage.service.d
readonly PVE_CA=/etc/pve/pve-root-ca.pem
readonly LIB=/usr/lib/systemd/system

make_root() {
        R=$(mktemp -d "$WORK/root.XXXXXX")
        chmod 755 "$R"
        mkdir -p "$R"/etc/systemd/system "$R$LIB" "$R"/usr/bin "$R"/etc/pve/local "$R"/etc/ssl/certs \
                "$R"/etc/ca "$R"/opt/homepage "$R"/dev
        cat > "$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
homepage:x:999:999:Homepage:/opt/homepage:/usr/sbin/nologin
EOF
        cat > "$R/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
homepage:x:999:
EOF
        printf '#!/bin/sh\nexit 0\n' > "$R/usr/bin/node"
        chmod 755 "$R/usr/bin/node"
        write_unit homepage.service
        install -m 0644 "$WORK/pki/a.pem" "$R$PVE_CA"
}

# write_unit NAME [LINE...]: $LIB/NAME, a Node service run as homepage, plus LINEs in [Service].
write_unit() {
        local name=$1
        shift
        { printf '[Unit]\nDescription=Homepage dashboard\n\n[Service]\nUser=homepage\n'
          printf 'ExecStart=/usr/bin/node /opt/homepage/server.js\n'
          (($# == 0)) || printf '%s\n' "$@"; } > "$R$LIB/$name"
}

# install_ca WHICH PATH [MODE]: pki/WHICH at PATH inside the tree.
install_ca() {
        mkdir -p -- "$(dirname -- "$R$2")"
        install -m "${3:-0644}" -- "$WORK/pki/$1" "$R$2"
}

# set_works PATH [UNIT] [DROPIN_DIR]: set UNIT --ca PATH succeeds, the drop-in is exactly
# dropin_for PATH, unit-tls reads the value back, and systemd does too (if it can run here).
set_works() {
        local p=$1 unit=${2:-homepage} dir=${3:-$D}
        ut --root="$R" set "$unit" --ca "$p"
        check_exit 0
        check_file_equals "$R$dir/tls.conf" "$(dropin_for "$p")"$'\n'
        [[ $RC == 0 ]] || return 0
        local stray
        stray=$(find "$R" -name '.#*' -o -name '*.unit-tls-backup' | head -n 3)
        [[ -z $stray ]] || fail "left behind: $stray"
        # nothing on stderr but warnings
        if grep -q -a -v '^unit-tls: warning: ' "$ERR"; then
                fail "stderr of a successful set: $(show "$ERR")"
        fi
        ut --root="$R" status "$unit" --json
        local got
        got=$("${CLEAN_ENV[@]}" "$PY" -c 'import json,sys; u=json.load(open(sys.argv[1]))["units"][0]; e=u["environment"].get("NODE_EXTRA_CA_CERTS"); sys.stdout.write((e or {}).get("value","<unset>"))' "$OUT" 2>&1) || true
        [[ $got == "$p" ]] || fail "status reads back $(printf '%q' "$got"), not $(printf '%q' "$p")"
        if ((ORACLE)); then
                got=$(oracle_env "$unit") || true
                [[ $got == *$'\t\tEnvironment: NODE_EXTRA_CA_CERTS='"$p" ]] ||
                        fail "systemd reads back $(printf '%q' "$got")"
        fi
}

# oracle_env UNIT: systemd's own reading of UNIT in the tree: its "Environment:" lines.
ORACLE=0
[[ -x $SYSTEMD ]] && command -v runuser > /dev/null && ORACLE=1
oracle_env() {
        local u=$1
        [[ $u == *.* ]] || u=$u.service
        u=${u/@./@x.}   # a template: systemd loads an instance
        chmod -R a+rX "$R"
        "${CLEAN_ENV[@]}" SYSTEMD_UTF8=0 SYSTEMD_UNIT_PATH="$R/etc/systemd/system:$R$LIB:" \
                runuser -u nobody -- timeout 20 "$SYSTEMD" --test --system --unit="$u" --no-pager 2>/dev/null |
                U=$u awk 'BEGIN { want = "\t-> Unit " ENVIRON["U"] ":" }
                          /^\t-> Unit / { sel = ($0 == want); next }
                          sel && /^\t\tEnvironment: / { print }'
}

# ------------------------------------------------------------------- runner --

run_case() {
        local name=$1 fn=$2 rc=0 t0=$SECONDS
        shift 2
        : > "$FAILS"
        set +e
        (set -e; "$fn" "$@")
        rc=$?
        set -e
        ((rc == 0)) || fail "the row itself stopped with exit status $rc (a setup command failed)"
        if [[ -s $FAILS ]]; then
                FAILED=$((FAILED + 1))
                printf 'FAIL %s: %s\n' "$name" "$(paste -s -d ';' "$FAILS" | sed 's/;/; /g')"
        else
                PASSED=$((PASSED + 1))
                printf 'ok %s\n' "$name"
        fi
        ((!VERBOSE)) || echo "    ($((SECONDS - t0)) s)" >&2
}

# ============================================================ unit names ==

# name_refused NAME TEXT...: set NAME is refused before any path is built.
name_refused() {
        local n=$1
        shift
        make_root
        refused_row "$@" -- set "$n" --ca "$PVE_CA"
}

# A name that is not a unit name is read as systemctl reads it (unit_name_mangle(): '/' -> '-',
# other bytes -> \xHH, an absolute path -> a .mount): here no such unit exists, so it is refused,
# and the escaped name in the message carries no control character.
name_escaped() {
        local n=$1 escaped=$2
        make_root
        refused_row "$escaped" "not found" -- set "$n" --ca "$PVE_CA" -q
}

# Without -q, systemctl's notice comes first: the escaped name, never the raw one.
t_name_escaped_note() {
        make_root
        take_snapshot
        ut --root="$R" status $'my\e]0;x\aapp'
        check_exit 2
        grep -q -F 'systemctl reads it as my\x1b\x5d0\x3bx\x07app.service' "$ERR" || fail "no escaped notice: $(show "$ERR")"
        ! grep -q $'\e' "$ERR" || fail "an escape character reached stderr"
        check_no_change
}

# @.service: a template without a prefix is no unit name.
# a@.service: the template itself is a unit one can configure (drop-ins in a@.service.d apply
# to every instance); it must exist, though.
t_template_missing() {
        make_root
        refused_row "a@.service" "not found" -- set a@.service --ca "$PVE_CA"
        check_absent "$R/etc/systemd/system/a@.service.d"
}
t_template_exists() {
        make_root
        write_unit a@.service
        set_works "$PVE_CA" a@.service /etc/systemd/system/a@.service.d
        check_absent "$R$D"
}

# Control characters in the other arguments: the message is still one line, no raw bytes.
t_args_control() {
        make_root
        refused_row "--drop-in=a" "plain file name" -- set homepage --ca "$PVE_CA" --drop-in=$'a\nb'
        refused_row "unknown command" -- $'se\e[2Jt' homepage
        refused_row "--root=" "not an existing directory" -- --root=$'/no\nsuch' status homepage
        # a path may hold an escape sequence (it is valid UTF-8 and has no line break): a
        # message about it shows it escaped
        refused_row "no such file" -- set homepage --ca $'/etc/ca/\e[2Jgone.pem'
        refused_row "starting with '/'" -- set homepage --ca $'rel\e[2J.pem'
}

# ============================================================== CA files ==

# The CA-file rows: NAME SETUP... where SETUP makes $R/etc/ca/x and TEXT is what the error names.
ca_missing()    { :; }
ca_directory()  { mkdir "$R/etc/ca/x"; }
ca_devzero()    { mknod -m 0666 "$R/etc/ca/x" c 1 5; }
ca_fifo()       { mkfifo -m 0644 "$R/etc/ca/x"; }
ca_big()        { truncate -s 100M "$R/etc/ca/x"; }
ca_empty()      { install_ca empty.pem /etc/ca/x; }
ca_der()        { install_ca a.der /etc/ca/x; }
ca_garbage()    { install_ca garbage.pem /etc/ca/x; }
ca_key()        { install_ca key-alone.pem /etc/ca/x; }
ca_cert_key()   { install_ca cert-then-key.pem /etc/ca/x; }
ca_expired()    { install_ca expired.pem /etc/ca/x; }
ca_future()     { install_ca future.pem /etc/ca/x; }
ca_server()     { install_ca server.pem /etc/ca/x; }
ca_unreadable() { install_ca a.pem /etc/ca/x 0600; }   # root's; the service runs as homepage

# t_ca KIND LINK TEXT...: KIND's file refused as /etc/ca/x, or through LINK=abs|rel, a
# symlink /etc/ca/link -> /etc/ca/x (absolute: resolved inside the tree) or -> x.
t_ca() {
        local kind=$1 link=$2
        shift 2
        make_root
        "ca_$kind"
        local p=/etc/ca/x
        case $link in
        abs) ln -s /etc/ca/x "$R/etc/ca/link"; p=/etc/ca/link ;;
        rel) ln -s x "$R/etc/ca/link"; p=/etc/ca/link ;;
        esac
        set_refused "$p" "$p" "$@"
}

# ================================================================= paths ==

# A path with a line break cannot be written into a unit file: refused, naming it.
t_path_newline() {
        make_root
        local p=$'/etc/ca/new\nline.pem'
        install_ca a.pem "$p"
        set_refused "$p" "line break"
}
# NUL: impossible through argv. execve() copies each argument up to its first NUL byte, and
# bash cannot even hold one in a string: $'/etc/ca/nul\0tail.pem' is "/etc/ca/nul". So the
# row can only show that what arrives is the prefix, which is set like any path.
t_path_nul() {
        make_root
        install_ca a.pem /etc/ca/nul
        local p=$'/etc/ca/nul\0tail.pem'
        [[ $p == /etc/ca/nul ]] || fail "bash kept a NUL in a string"
        set_works "$p"
}

t_path_works() { make_root; install_ca a.pem "$1"; set_works "$1"; }

# --ca -rel.pem: getopt takes "-rel.pem" as the argument; under --root a relative path is
# refused as such (it does not become an option).
t_path_dash_relative() {
        make_root
        install_ca a.pem /-rel.pem
        refused_row "-rel.pem" "starting with '/'" -- set homepage --ca -rel.pem
}

# ============================================================ unit files ==

# the body of write_unit's homepage.service, for rows that append raw bytes to it
unit_body() {
        printf '[Unit]\nDescription=Homepage dashboard\n\n[Service]\nUser=homepage\nExecStart=/usr/bin/node /opt/homepage/server.js\n'
}

# A line of 2 MiB: systemd's read_line() stops at 1 MiB and refuses the file (the unit does
# not load); unit-tls must say so in one line and write nothing.
t_unit_long_line() {
        make_root
        { unit_body; printf 'Environment=X='; head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' a; printf '\n'; } \
                > "$R$LIB/homepage.service"
        set_refused "$PVE_CA" "homepage.service" "$LIB/homepage.service:7" "longer than 1 MiB"
}

# Invalid UTF-8 in an assignment: systemd 252 logs "String is not UTF-8 clean, ignoring
# assignment" and then fails the unit ("failed to load properly: Invalid argument"; checked
# with systemd --test): refused, naming the file and line.
t_unit_bad_utf8() {
        make_root
        printf '[Unit]\nDescription=caf\xe9 \xff\xfe\n\n[Service]\nUser=homepage\nExecStart=/usr/bin/node /opt/homepage/server.js\n' \
                > "$R$LIB/homepage.service"
        set_refused "$PVE_CA" "homepage.service" "$LIB/homepage.service:2" "not valid UTF-8"
}
# ... in a comment it is harmless: the unit loads, the set works.
t_unit_bad_utf8_comment() {
        make_root
        { unit_body; printf '# caf\xe9 \xc3\x28 \xff\n; \xfe\n'; } > "$R$LIB/homepage.service"
        set_works "$PVE_CA"
}

# "[Service] # comment": systemd refuses the section header (not ending in ']'), so the file
# does not load.
t_unit_section_comment() {
        make_root
        printf '[Unit]\nDescription=x\n\n[Service] # the service\nUser=homepage\nExecStart=/usr/bin/node /srv/x.js\n' \
                > "$R$LIB/homepage.service"
        set_refused "$PVE_CA" "homepage.service" "$LIB/homepage.service:4" "section header"
}

# 100,000 backslash-continued lines up to the end of the file (400 KB: under the 1 MiB cap,
# so the whole thing is one long assignment). unit-tls took minutes here (it re-joined and
# re-scanned the whole text for every line) before the reader appended in place.
t_unit_endless_continuation() {
        make_root
        { unit_body; printf 'Environment=A=1 \\\n'; awk 'BEGIN { for (i = 0; i < 100000; i++) print "B=2 \\" }'; } > "$R$LIB/homepage.service"
        # no systemd read-back here: systemd 252's own continuation loop is quadratic and needs
        # about 40 s for this file (unit-tls: milliseconds)
        local ORACLE=0
        set_works "$PVE_CA"
}

# ... and 100,000 lines of 12 bytes: over 1 MiB joined, so systemd refuses the file.
t_unit_endless_continuation_over() {
        make_root
        { unit_body; printf 'Environment=A=1 \\\n'; awk 'BEGIN { for (i = 0; i < 100000; i++) print "B=222222222 \\" }'; } \
                > "$R$LIB/homepage.service"
        set_refused "$PVE_CA" "homepage.service" "continuation line longer than 1 MiB"
}

# 10,000 drop-ins in homepage.service.d: read in bounded time, tls.conf added among them.
t_unit_many_dropins() {
        make_root
        mkdir -p "$R$D"
        "$PY" -c 'import sys
for i in range(1, 10001):
    with open("%s/d%05d.conf" % (sys.argv[1], i), "w") as f:
        f.write("[Service]\nEnvironment=V%05d=%d\n" % (i, i))' "$R$D"
        set_works "$PVE_CA"
}

# homepage.service.d is a symlink (inside the tree): unit-tls writes only through real
# directories; refused, the target untouched.
t_unit_dropin_dir_symlink() {
        make_root
        mkdir -p "$R/elsewhere"
        ln -s ../../../elsewhere "$R$D"
        refused_row "$D" "symlink" -- set homepage --ca "$PVE_CA"
        check_absent "$R/elsewhere/tls.conf"
}

# a.service -> b.service -> a.service: systemd gives up after 8 hops ("not found"); so does
# unit-tls, in one line, without looping.
t_unit_alias_loop() {
        make_root
        ln -s b.service "$R/etc/systemd/system/a.service"
        ln -s a.service "$R/etc/systemd/system/b.service"
        refused_row "a.service" -- set a --ca "$PVE_CA"
        check_absent "$R/etc/systemd/system/a.service.d"
}

# ======================================================================= run ==

make_ca

long=$(printf 'x%.0s' {1..292}).service   # 300 bytes
run_case name/dotdot-etc-passwd name_escaped '../../etc/passwd' '..-..-etc-passwd.service'
run_case name/slash name_escaped / '-.mount'
run_case name/empty name_refused '' "invalid unit name" "empty"
run_case name/300-bytes name_refused "$long" "invalid unit name" "255 bytes"
run_case name/at-service name_refused @.service "invalid unit name"
run_case name/template-missing t_template_missing
run_case name/template-exists t_template_exists
run_case name/unicode name_escaped 'hömepage' 'h\xc3\xb6mepage.service'
run_case name/unicode-cjk name_escaped '证书.service' '\xe8\xaf\x81\xe4\xb9\xa6.service'
run_case name/control-newline name_escaped $'home\npage' 'home\x0apage.service'
run_case name/control-escape name_escaped $'\e[31mhomepage\e[0m' '\x1b\x5b31mhomepage\x1b\x5b0m.service'
run_case name/control-tab name_escaped $'home\tpage' 'home\x09page.service'
run_case name/control-cr name_escaped $'homepage\r' 'homepage\x0d.service'
run_case name/control-del name_escaped $'home\x7fpage' 'home\x7fpage.service'
run_case name/escaped-note t_name_escaped_note
run_case args/control-characters t_args_control

for link in file abs rel; do
        sfx=${link/file/}
        sfx=${sfx:+-symlink-$sfx}
        run_case "ca/missing$sfx" t_ca missing "$link" "no such file"
        run_case "ca/directory$sfx" t_ca directory "$link" "is a directory"
        run_case "ca/dev-zero$sfx" t_ca devzero "$link" "not a regular file"
        run_case "ca/fifo$sfx" t_ca fifo "$link" "not a regular file"
        run_case "ca/100MB-sparse$sfx" t_ca big "$link" "larger than 10 MiB"
        run_case "ca/empty$sfx" t_ca empty "$link" "empty"
        run_case "ca/der$sfx" t_ca der "$link" "DER"
        run_case "ca/garbage$sfx" t_ca garbage "$link" "no PEM certificate"
        run_case "ca/private-key-alone$sfx" t_ca key "$link" "private key"
        run_case "ca/cert-then-key$sfx" t_ca cert_key "$link" "private key"
        run_case "ca/expired$sfx" t_ca expired "$link" "expired"
        run_case "ca/not-yet-valid$sfx" t_ca future "$link" "not valid before"
        run_case "ca/server-cert$sfx" t_ca server "$link" "server certificate"
        run_case "ca/unreadable-by-user$sfx" t_ca unreadable "$link" "cannot read"
done

run_case path/newline t_path_newline
run_case path/nul-truncated-by-argv t_path_nul
run_case path/percent t_path_works '/etc/ca/100%-%i-%%n.pem'
run_case path/double-quote t_path_works '/etc/ca/say "hi".pem'
run_case path/single-quote t_path_works "/etc/ca/it's.pem"
run_case path/backslash t_path_works '/etc/ca/back\slash\\n\x41.pem'
run_case path/leading-dash t_path_works '/-/-x.pem'
run_case path/leading-dash-relative t_path_dash_relative

run_case unit/2MiB-line t_unit_long_line
run_case unit/invalid-utf8-assignment t_unit_bad_utf8
run_case unit/invalid-utf8-comment t_unit_bad_utf8_comment
run_case unit/section-header-trailing-comment t_unit_section_comment
run_case unit/endless-continuation t_unit_endless_continuation
run_case unit/endless-continuation-over-1MiB t_unit_endless_continuation_over
run_case unit/10000-dropins t_unit_many_dropins
run_case unit/dropin-dir-symlink t_unit_dropin_dir_symlink
run_case unit/alias-symlink-loop t_unit_alias_loop

echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
