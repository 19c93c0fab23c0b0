#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/cli/run.sh — the command line as users meet it, offline only.
#
#   tests/cli/run.sh [BINARY]          (or UNIT_TLS=BINARY; default build/src/unit-tls)
#   UPDATE_GOLDEN=1 tests/cli/run.sh   rewrite tests/cli/golden/ from this run (review the diff!)
#
# Every case builds its own OS tree with mktemp and runs unit-tls with --root=TREE; nothing
# here reads or writes the host's /etc. One line per case: "ok NAME" or "FAIL NAME: why",
# then "N passed, M failed"; exit 1 on any failure. Works with any build of the binary, e.g.
# build-asan/src/unit-tls: every run's stderr is checked for sanitizer reports.
#
# The hostile-path cases (section 4) check the written drop-in against systemd itself
# (`systemd --test` as nobody); that part needs root and is skipped with a message otherwise.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
GOLDEN=$HERE/golden
BIN=${1:-${UNIT_TLS:-$TOP/build/src/unit-tls}}
[[ $BIN == /* ]] || BIN=$PWD/$BIN
if [[ ! -x $BIN ]]; then
        echo "FAIL setup: $BIN is not an executable (build it: ninja -C build)" >&2
        echo "0 passed, 1 failed"
        exit 1
fi
UPDATE_GOLDEN=${UPDATE_GOLDEN:-0}
SYSTEMD=/lib/systemd/systemd
PY=/usr/bin/python3
# This machine exports SSL_CERT_FILE, NODE_EXTRA_CA_CERTS and friends globally: every tool
# (openssl, unit-tls, systemd) runs with this clean environment instead.
CLEAN_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TZ=UTC
        "ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}"
        "UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}"
        ${LSAN_OPTIONS:+"LSAN_OPTIONS=$LSAN_OPTIONS"})

umask 022
WORK=$(mktemp -d /tmp/unit-tls-cli.XXXXXX)
chmod 755 "$WORK"
trap 'rm -rf -- "$WORK"' EXIT

PASSED=0 FAILED=0
FAILS=$WORK/fails          # the current case's failure messages, one a line
OUT=$WORK/out ERR=$WORK/err RC=0

# ------------------------------------------------------------------ helpers --

# fail MSG: record a failed assertion of the current case (the case goes on).
fail() { printf '%s\n' "$*" >> "$FAILS"; }

# ut ARGS...: run unit-tls; stdout in $OUT, stderr in $ERR, exit status in $RC. Any
# sanitizer report fails the case.
ut() {
        RC=0
        "${CLEAN_ENV[@]}" "$BIN" "$@" > "$OUT" 2> "$ERR" || RC=$?
        if grep -q -E 'runtime error|ERROR: AddressSanitizer|LeakSanitizer|SUMMARY: UndefinedBehaviorSanitizer' "$ERR"; then
                fail "sanitizer report from 'unit-tls $*': $(grep -m1 -E 'runtime error|Sanitizer' "$ERR")"
        fi
        return 0
}

# check_exit WANT: the last run exited with WANT.
check_exit() {
        [[ $RC == "$1" ]] || fail "exit status $RC, expected $1 (stderr: $(head -c 300 "$ERR" | tr '\n' '|'))"
}

# check_stderr_contains TEXT / check_stdout_contains TEXT (fixed strings)
check_stderr_contains() {
        grep -q -F -e "$1" "$ERR" || fail "stderr lacks '$1' (stderr: $(head -c 400 "$ERR" | tr '\n' '|'))"
}
check_stdout_contains() {
        grep -q -F -e "$1" "$OUT" || fail "stdout lacks '$1' (stdout: $(head -c 400 "$OUT" | tr '\n' '|'))"
}
check_stderr_lacks() {
        ! grep -q -F -e "$1" "$ERR" || fail "stderr has '$1'"
}
check_stdout_lacks() {
        ! grep -q -F -e "$1" "$OUT" || fail "stdout has '$1'"
}

# check_file_equals FILE EXPECTED_TEXT: FILE exists with exactly EXPECTED_TEXT.
check_file_equals() {
        if [[ ! -f $1 ]]; then
                fail "${1#"$WORK"/} does not exist"
                return 0
        fi
        local d
        d=$(diff -u --label expected --label "${1#"$WORK"/}" <(printf '%s' "$2") "$1") ||
                fail "${1#"$WORK"/} differs: $(head -n 12 <<< "$d" | tr '\n' '|')"
}

check_absent() {
        [[ ! -e $1 && ! -L $1 ]] || fail "${1#"$WORK"/} exists"
}

check_mode() {
        local m
        m=$(stat -c %a "$1" 2>/dev/null) || { fail "${1#"$WORK"/} does not exist"; return 0; }
        [[ $m == "$2" ]] || fail "${1#"$WORK"/} has mode $m, expected $2"
}

# snapshot DIR: every entry with type, mode, owner, size, mtime, link target and checksum.
snapshot() {
        (cd "$1" && find . -printf '%p\t%y\t%m\t%U:%G\t%s\t%T@\t%l\n' | LC_ALL=C sort &&
                find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}
# take_snapshot DIR; ...; check_no_change DIR: nothing under DIR was created, removed or touched.
take_snapshot() { snapshot "$1" > "$WORK/snap.before"; }
check_no_change() {
        local d
        d=$(diff -u --label before --label after "$WORK/snap.before" <(snapshot "$1")) ||
                fail "the tree changed: $(grep '^[-+][^-+]' <<< "$d" | head -n 6 | tr '\n' '|')"
}

# check_golden NAME FILE: FILE (with the tree's path shown as <ROOT>) equals golden/NAME.
check_golden() {
        local name=$1 got
        got=$(cat "$2"; printf x)
        got=${got%x}
        got=${got//"$R"/<ROOT>}
        if [[ $UPDATE_GOLDEN == 1 ]]; then
                printf '%s' "$got" > "$GOLDEN/$name"
                return 0
        fi
        if [[ ! -f $GOLDEN/$name ]]; then
                fail "golden/$name is missing (UPDATE_GOLDEN=1 creates it)"
                return 0
        fi
        local d
        d=$(diff -u --label "golden/$name" --label got "$GOLDEN/$name" <(printf '%s' "$got")) ||
                fail "differs from golden/$name: $(head -n 14 <<< "$d" | tr '\n' '|')"
}

# refused_cleanly WANT_TEXT...: the last run refused (exit 2), said each TEXT on stderr, said
# "nothing was changed"-style output only on stderr, and left the tree alone.
refused_cleanly() {
        check_exit 2
        local t
        for t in "$@"; do
                check_stderr_contains "$t"
        done
        check_no_change "$R"
}

# -------------------------------------------------------------- certificates --

# make_ca: the certificates every case copies from, made once with openssl in a clean
# environment. EC keys: fast.
make_ca() {
        local P=$WORK/pki
        mkdir -p "$P/db"
        local ossl=("${CLEAN_ENV[@]}" openssl)
        local ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
        # A: a Proxmox-like root CA; B: another root CA
        "${ossl[@]}" req -x509 "${ec[@]}" -keyout "$P/a.key" -out "$P/a.pem" -days 3650 \
                -subj "/O=PVE Cluster Manager CA/CN=Proxmox Virtual Environment" \
                -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
        "${ossl[@]}" req -x509 "${ec[@]}" -keyout "$P/b.key" -out "$P/b.pem" -days 3650 \
                -subj "/CN=Example Internal Root CA B" \
                -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
        # the Proxmox node's server certificate, issued by A
        "${ossl[@]}" req -new "${ec[@]}" -keyout "$P/server.key" -out "$P/server.csr" \
                -subj "/O=PVE Cluster Node/CN=pve.example.lan" 2>/dev/null
        printf 'basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:pve.example.lan\n' > "$P/server.ext"
        "${ossl[@]}" x509 -req -in "$P/server.csr" -CA "$P/a.pem" -CAkey "$P/a.key" -CAcreateserial \
                -days 365 -extfile "$P/server.ext" -out "$P/server.pem" 2>/dev/null
        # DER copy of A
        "${ossl[@]}" x509 -in "$P/a.pem" -outform der -out "$P/a.der"
        # an expired root CA (2020-01-01 .. 2021-01-01)
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
        "${ossl[@]}" req -new "${ec[@]}" -keyout "$P/expired.key" -out "$P/expired.csr" \
                -subj "/CN=Expired Test CA" -addext basicConstraints=critical,CA:TRUE 2>/dev/null
        "${ossl[@]}" ca -batch -config "$P/ca.cnf" -selfsign -keyfile "$P/expired.key" -in "$P/expired.csr" \
                -out "$P/expired.pem" -startdate 20200101000000Z -enddate 20210101000000Z -notext 2>/dev/null
        printf 'this is not a certificate\njust some text\n' > "$P/garbage.pem"
        : > "$P/empty.pem"
}

# ---------------------------------------------------------------- OS trees --

# make_root: a fresh image tree in $R with users, a fake node, homepage.service (User=homepage,
# ExecStart=/usr/bin/node ...) and the Proxmox files: /etc/pve/pve-root-ca.pem (CA A),
# /etc/pve/local/pve-ssl.pem (server cert), /etc/pve/local/pve-ssl.key (its key, 0600).
make_root() {
        R=$(mktemp -d "$WORK/root.XXXXXX")
        chmod 755 "$R"
        mkdir -p "$R"/etc/systemd/system "$R"/usr/lib/systemd/system "$R"/usr/bin "$R"/etc/pve/local \
                "$R"/etc/ssl/certs "$R"/opt/homepage
        cat > "$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
homepage:x:999:999:Homepage:/opt/homepage:/usr/sbin/nologin
reader:x:998:998::/nonexistent:/usr/sbin/nologin
EOF
        cat > "$R/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
homepage:x:999:
reader:x:998:
ssl-cert:x:110:
EOF
        printf '#!/bin/sh\nexit 0\n' > "$R/usr/bin/node"
        chmod 755 "$R/usr/bin/node"
        printf '[Service]\nExecStart=/bin/true\n' > "$R/usr/lib/systemd/system/dummy.service"
        write_unit homepage.service 'User=homepage' 'ExecStart=/usr/bin/node /opt/homepage/server.js'
        install -m 0644 "$WORK/pki/a.pem" "$R/etc/pve/pve-root-ca.pem"
        install -m 0644 "$WORK/pki/server.pem" "$R/etc/pve/local/pve-ssl.pem"
        install -m 0600 "$WORK/pki/server.key" "$R/etc/pve/local/pve-ssl.key"
}

# write_unit NAME LINE...: /usr/lib/systemd/system/NAME with [Unit] and [Service] + LINEs.
write_unit() {
        local name=$1
        shift
        { printf '[Unit]\nDescription=Homepage dashboard\n\n[Service]\n'; printf '%s\n' "$@"; } \
                > "$R/usr/lib/systemd/system/$name"
}

# put PATH LINE...: a file in the tree (directories made as needed).
put() {
        local f=$R$1
        shift
        mkdir -p -- "$(dirname -- "$f")"
        printf '%s\n' "$@" > "$f"
}

# install_ca WHICH PATH [MODE]: copy pki/WHICH to PATH inside the tree.
install_ca() {
        mkdir -p -- "$(dirname -- "$R$2")"
        install -m "${3:-0644}" -- "$WORK/pki/$1" "$R$2"
}

# dropin_for PATH: the exact drop-in unit-tls writes for NODE_EXTRA_CA_CERTS=PATH (plain paths).
dropin_for() {
        printf '# Managed by unit-tls: change it with `unit-tls set` / `unit-tls unset`.\n[Service]\nEnvironment="NODE_EXTRA_CA_CERTS=%s"\n' "$1"
}

readonly D=/etc/systemd/system/homepage.service.d
readonly PVE_CA=/etc/pve/pve-root-ca.pem

# ------------------------------------------------------------------- runner --

run_case() {
        local name=$1 fn=$2 rc=0
        # CLI_ONLY=GLOB runs the matching cases only (while working on one).
        # shellcheck disable=SC2053 # a glob on purpose
        [[ -z ${CLI_ONLY:-} || $name == $CLI_ONLY ]] || return 0
        : > "$FAILS"
        set +e
        (set -e; "$fn")
        rc=$?
        set -e
        if ((rc != 0)); then
                fail "the case itself stopped with exit status $rc (a setup command failed)"
        fi
        if [[ -s $FAILS ]]; then
                FAILED=$((FAILED + 1))
                printf 'FAIL %s: %s\n' "$name" "$(paste -s -d ';' "$FAILS" | sed 's/;/; /g')"
        else
                PASSED=$((PASSED + 1))
                printf 'ok %s\n' "$name"
        fi
}

# ================================================= 1. the new user's tour ==

t_tour_dry_run() {
        make_root
        take_snapshot "$R"
        ut --root="$R" set homepage --ca "$PVE_CA" --dry-run
        check_exit 0
        check_golden set-new.diff "$OUT"
        check_stdout_contains '--- /dev/null'
        check_stdout_contains "+++ $D/tls.conf"
        check_no_change "$R"
}

t_tour_set() {
        make_root
        ut --root="$R" set homepage --ca "$PVE_CA"
        check_exit 0
        check_file_equals "$R$D/tls.conf" "$(dropin_for "$PVE_CA")"$'\n'
        check_golden tls.conf "$R$D/tls.conf"
        check_mode "$R$D/tls.conf" 644
        check_mode "$R$D" 755
        check_stdout_contains "written, not applied"
        [[ $(find "$R$D" -mindepth 1 | wc -l) == 1 ]] || fail "$D holds more than tls.conf: $(ls -A "$R$D" | tr '\n' ' ')"

        # the same again: unchanged, nothing touched
        local before
        before=$(stat -c %Y.%y "$R$D/tls.conf")
        take_snapshot "$R"
        ut --root="$R" set homepage --ca "$PVE_CA"
        check_exit 0
        check_stdout_contains "unchanged"
        [[ $(stat -c %Y.%y "$R$D/tls.conf") == "$before" ]] || fail "the second set touched tls.conf"
        check_no_change "$R"

        # status: the verdict is ok
        ut --root="$R" status homepage
        check_exit 0
        check_stdout_contains "verdict:    ok"
        check_stdout_contains "NODE_EXTRA_CA_CERTS=$PVE_CA  ($D/tls.conf:3)"

        # unset: file and the emptied directory are gone
        ut --root="$R" unset homepage
        check_exit 0
        check_absent "$R$D/tls.conf"
        check_absent "$R$D"
        ut --root="$R" status homepage
        check_stdout_contains "environment: no TLS settings"
}

t_tour_server_cert() {
        make_root
        take_snapshot "$R"
        ut --root="$R" set homepage --ca /etc/pve/local/pve-ssl.pem
        refused_cleanly "server certificate" "/etc/pve/pve-root-ca.pem" "nothing was changed"
        check_golden err-server-cert.txt "$ERR"
}

t_tour_private_key() {
        make_root
        take_snapshot "$R"
        ut --root="$R" set homepage --ca /etc/pve/local/pve-ssl.key
        refused_cleanly "private key"
        # Only the private-key line is frozen: the second line (the key is also unreadable by the
        # service) ends in "(or --force if you know it is readable)", advice that cannot work for
        # a private key; see the report that came with this suite.
        grep -F 'private key' "$ERR" > "$WORK/err.key" || true
        check_golden err-private-key.txt "$WORK/err.key"
        # a private key that everyone could read: still refused, with --force too
        chmod 644 "$R/etc/pve/local/pve-ssl.key"
        take_snapshot "$R"
        ut --root="$R" set homepage --ca /etc/pve/local/pve-ssl.key --force
        refused_cleanly "private key" "even with --force"
}

t_tour_typo() {
        make_root
        take_snapshot "$R"
        ut --root="$R" set homepage --ca /etc/pve/pve-root-ca.pm
        refused_cleanly "no such file"
        check_golden err-no-such-file.txt "$ERR"
}

t_tour_unknown_unit() {
        make_root
        take_snapshot "$R"
        ut --root="$R" set homepge --ca "$PVE_CA"
        refused_cleanly "unit not found"
        check_golden err-unit-not-found.txt "$ERR"
        check_absent "$R/etc/systemd/system/homepge.service.d"
}

t_tour_insecure_with_ca() {
        make_root
        take_snapshot "$R"
        ut --root="$R" set homepage --ca "$PVE_CA" --insecure
        refused_cleanly "--insecure cannot be combined with --ca"
        check_golden err-insecure-with-ca.txt "$ERR"
}

t_tour_set_without_ca() {
        make_root
        take_snapshot "$R"
        ut --root="$R" set homepage
        refused_cleanly "--ca FILE"
        check_golden err-set-without-ca.txt "$ERR"
}

t_tour_relative_ca() {
        make_root
        take_snapshot "$R"
        # a relative path that does exist relative to the working directory: still refused
        cd "$R"
        ut --root="$R" set homepage --ca etc/pve/pve-root-ca.pem
        refused_cleanly "starting with '/'"
        check_golden err-relative-ca.txt "$ERR"
}

# ====================================================== 2. golden texts ==

t_golden_change_a_to_b() {
        make_root
        install_ca b.pem /etc/ssl/certs/example-root-b.pem
        ut --root="$R" set homepage --ca "$PVE_CA" -q
        check_exit 0
        [[ ! -s $OUT ]] || fail "-q printed on stdout: $(head -c 200 "$OUT")"
        take_snapshot "$R"
        ut --root="$R" set homepage --ca /etc/ssl/certs/example-root-b.pem --dry-run
        check_exit 0
        check_golden set-change.diff "$OUT"
        check_no_change "$R"
        ut --root="$R" set homepage --ca /etc/ssl/certs/example-root-b.pem
        check_exit 0
        check_file_equals "$R$D/tls.conf" "$(dropin_for /etc/ssl/certs/example-root-b.pem)"$'\n'
}

t_golden_unset() {
        make_root
        ut --root="$R" set homepage --ca "$PVE_CA" -q
        take_snapshot "$R"
        ut --root="$R" unset homepage --dry-run
        check_exit 0
        check_golden unset.diff "$OUT"
        check_no_change "$R"
        # unset where nothing is set: fine, nothing to do
        ut --root="$R" unset homepage -q
        check_exit 0
        take_snapshot "$R"
        ut --root="$R" unset homepage
        check_exit 0
        check_no_change "$R"
}

t_golden_json() {
        make_root
        take_snapshot "$R"
        ut --root="$R" set homepage --ca "$PVE_CA" --dry-run --json
        check_exit 0
        check_no_change "$R"
        local py
        py=$("${CLEAN_ENV[@]}" "$PY" -c '
import json, sys
doc = json.load(open(sys.argv[1]))
want_diff = open(sys.argv[2]).read()
want_diff = want_diff[:want_diff.index("homepage.service: would write")]  # the diff without the info line
errs = []
units = doc.get("units")
if not isinstance(units, list) or len(units) != 1:
    print("units is not a list of one"); sys.exit()
u = units[0]
for k in ("unit", "fragment", "dropins", "environment", "runtime", "findings", "verdict", "changed", "actions", "diff"):
    if k not in u:
        errs.append("no key " + k)
checks = [
    ("unit", u.get("unit") == "homepage.service"),
    ("fragment", u.get("fragment") == "/usr/lib/systemd/system/homepage.service"),
    ("dropins", u.get("dropins") == []),
    ("environment", isinstance(u.get("environment"), dict)),
    ("runtime", u.get("runtime") == "node"),
    ("findings", isinstance(u.get("findings"), list)),
    ("verdict", u.get("verdict") in ("ok", "insecure", "broken", "stale", "shadowed", "not-node", "unknown", "unmanaged")),
    ("changed", u.get("changed") is True),
    ("actions", u.get("actions") == ["write"]),
    ("diff", u.get("diff") == want_diff),
]
errs += ["bad " + k + "=" + json.dumps(u.get(k))[:120] for k, ok in checks if not ok]
print("; ".join(errs))
' "$OUT" "$GOLDEN/set-new.diff" 2>&1) || true
        [[ -z $py ]] || fail "json: $py"
        # a refusal in JSON: still one document on stdout, with the error finding, exit 2
        take_snapshot "$R"
        ut --root="$R" set homepage --ca /etc/pve/local/pve-ssl.pem --json
        check_exit 2
        check_no_change "$R"
        py=$("${CLEAN_ENV[@]}" "$PY" -c '
import json, sys
u = json.load(open(sys.argv[1]))["units"][0]
f = [x for x in u["findings"] if x["severity"] == "error"]
errs = []
if not f: errs.append("no error finding")
elif "server certificate" not in f[0]["message"]: errs.append("finding: " + f[0]["message"][:100])
if u.get("changed") is not False: errs.append("changed=" + json.dumps(u.get("changed")))
if u.get("actions") != []: errs.append("actions=" + json.dumps(u.get("actions")))
print("; ".join(errs))
' "$OUT" 2>&1) || true
        [[ -z $py ]] || fail "json refusal: $py"
}

# ============================================== 3. planner rules as rows ==

# refuse_row CA TEXT...: set homepage --ca CA is refused with TEXTs and nothing changes.
refuse_row() {
        local ca=$1
        shift
        take_snapshot "$R"
        ut --root="$R" set homepage --ca "$ca"
        refused_cleanly "$@" "nothing was changed"
}

t_masked_empty() {
        make_root
        : > "$R/etc/systemd/system/homepage.service"
        refuse_row "$PVE_CA" "masked"
}

t_masked_devnull() {
        make_root
        ln -s /dev/null "$R/etc/systemd/system/homepage.service"
        refuse_row "$PVE_CA" "masked"
}

t_not_a_service() {
        make_root
        printf '[Socket]\nListenStream=3000\n' > "$R/usr/lib/systemd/system/homepage.socket"
        take_snapshot "$R"
        ut --root="$R" set homepage.socket --ca "$PVE_CA"
        refused_cleanly "not a service"
}

t_ca_missing() { make_root; refuse_row /etc/ssl/certs/nope.pem "no such file"; }
t_ca_directory() { make_root; refuse_row /etc/pve "is a directory"; }
t_ca_empty() { make_root; install_ca empty.pem /etc/ssl/certs/empty.pem; refuse_row /etc/ssl/certs/empty.pem "is empty"; }
t_ca_garbage() { make_root; install_ca garbage.pem /etc/ssl/certs/garbage.pem; refuse_row /etc/ssl/certs/garbage.pem "no PEM certificate"; }
t_ca_der() { make_root; install_ca a.der /etc/ssl/certs/a.der; refuse_row /etc/ssl/certs/a.der "DER" "openssl x509 -inform der"; }
t_ca_expired() { make_root; install_ca expired.pem /etc/ssl/certs/old.pem; refuse_row /etc/ssl/certs/old.pem "expired on 2021-01-01"; }
t_ca_server_cert() { make_root; refuse_row /etc/pve/local/pve-ssl.pem "is a server certificate, not a CA"; }

# Debian's /etc/ssl/private: 0710 root:ssl-cert
ssl_private_tree() {
        make_root
        install -d -m 0710 -o 0 -g 110 "$R/etc/ssl/private"
        install -m 0640 -o 0 -g 110 "$WORK/pki/a.pem" "$R/etc/ssl/private/ca.pem"
}

t_unreadable_by_user() {
        ssl_private_tree
        write_unit homepage.service 'User=nobody' 'ExecStart=/usr/bin/node /opt/homepage/server.js'
        refuse_row /etc/ssl/private/ca.pem "cannot read /etc/ssl/private/ca.pem" "not searchable by nobody" "--force"
        ut --root="$R" set homepage --ca /etc/ssl/private/ca.pem --force
        check_exit 0
        check_stderr_contains "warning"
        check_file_equals "$R$D/tls.conf" "$(dropin_for /etc/ssl/private/ca.pem)"$'\n'
}

t_readable_via_group() {
        ssl_private_tree
        write_unit homepage.service 'User=nobody' 'Group=ssl-cert' 'ExecStart=/usr/bin/node /opt/homepage/server.js'
        ut --root="$R" set homepage --ca /etc/ssl/private/ca.pem
        check_exit 0
        check_stderr_lacks "cannot read"
        check_file_equals "$R$D/tls.conf" "$(dropin_for /etc/ssl/private/ca.pem)"$'\n'
}

t_readable_via_supplementary() {
        ssl_private_tree
        write_unit homepage.service 'User=reader' 'SupplementaryGroups=ssl-cert' 'ExecStart=/usr/bin/node /opt/homepage/server.js'
        ut --root="$R" set homepage --ca /etc/ssl/private/ca.pem
        check_exit 0
        check_stderr_lacks "cannot read"
        check_file_equals "$R$D/tls.conf" "$(dropin_for /etc/ssl/private/ca.pem)"$'\n'
}

t_protect_home() {
        make_root
        write_unit homepage.service 'User=homepage' 'ProtectHome=yes' 'ExecStart=/usr/bin/node /opt/homepage/server.js'
        install -d -m 0755 "$R/home/admin"
        install_ca a.pem /home/admin/ca.pem
        refuse_row /home/admin/ca.pem "ProtectHome=yes"
}

t_private_tmp() {
        make_root
        write_unit homepage.service 'User=homepage' 'PrivateTmp=yes' 'ExecStart=/usr/bin/node /opt/homepage/server.js'
        install -d -m 1777 "$R/tmp"
        install_ca a.pem /tmp/ca.pem
        refuse_row /tmp/ca.pem "PrivateTmp=yes"
}

t_later_dropin_overrides() {
        make_root
        install_ca b.pem /etc/ssl/certs/other.pem
        put "$D/zz-override.conf" '[Service]' 'Environment=NODE_EXTRA_CA_CERTS=/etc/ssl/certs/other.pem'
        refuse_row "$PVE_CA" "$D/zz-override.conf:2"
}

t_environment_file_overrides() {
        make_root
        write_unit homepage.service 'User=homepage' 'EnvironmentFile=/etc/default/homepage' \
                'ExecStart=/usr/bin/node /opt/homepage/server.js'
        put /etc/default/homepage 'PORT=3000' 'NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt'
        refuse_row "$PVE_CA" "/etc/default/homepage:2"
}

# EnvironmentFile= globs as systemd's safe_glob(): no {a,b} expansion (a brace is a literal
# character, and 2^n lookups for n groups made unit-tls hang), "." and ".." never match.
t_environment_file_glob() {
        make_root
        write_unit homepage.service 'User=homepage' 'EnvironmentFile=-/etc/default/home{page,x}' \
                'EnvironmentFile=-/etc/default/.*' 'ExecStart=/usr/bin/node /opt/homepage/server.js'
        put /etc/default/homepage 'NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt'
        ut --root="$R" set homepage --ca "$PVE_CA" -q
        check_exit 0
        check_file_equals "$R$D/tls.conf" "$(dropin_for "$PVE_CA")"$'\n'

        local bomb
        bomb=$(printf '{a,b}%.0s' {1..30})
        put "$D/20-bomb.conf" '[Service]' "EnvironmentFile=-/etc/$bomb"
        RC=0
        timeout 30 "${CLEAN_ENV[@]}" "$BIN" --root="$R" status homepage > "$OUT" 2> "$ERR" || RC=$?
        ((RC != 124)) || fail "status did not finish within 30 s on 30 {a,b} groups"
        check_exit 0
}

# A backslash in an EnvironmentFile= path is glob()'s escape, as in systemd's safe_glob(): the
# path /etc/default/home\page names /etc/default/homepage, not a file with a backslash.
t_environment_file_backslash() {
        make_root
        write_unit homepage.service 'User=homepage' 'EnvironmentFile=/etc/default/home\page' \
                'ExecStart=/usr/bin/node /opt/homepage/server.js'
        put /etc/default/homepage 'NODE_EXTRA_CA_CERTS=/etc/ssl/certs/globbed.pem'
        put '/etc/default/home\page' 'NODE_EXTRA_CA_CERTS=/etc/ssl/certs/literal.pem'
        ut --root="$R" status homepage --json
        check_stdout_contains '/etc/ssl/certs/globbed.pem'
        check_stdout_lacks '/etc/ssl/certs/literal.pem'
}

# Files an EnvironmentFile= glob matches are read in sorted order, the last one winning, as
# systemd's safe_glob() sorts them; readdir's order (here: creation order) must not matter.
t_environment_file_glob_order() {
        make_root
        write_unit homepage.service 'User=homepage' 'EnvironmentFile=-/etc/default/homepage.d/*' \
                'ExecStart=/usr/bin/node /opt/homepage/server.js'
        local n
        for n in 17 03 20 11 08 14 01 19 05 12 16 02 09 18 06 13 04 10 15 07; do
                put "/etc/default/homepage.d/$n" "NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-$n.pem"
        done
        refuse_row "$PVE_CA" "/etc/default/homepage.d/20:1"
        ut --root="$R" status homepage --json
        check_stdout_contains '"source":"/etc/default/homepage.d/20:1"'
}

# Asked by an alias, a unit is read as the booted manager holds it: loaded by its own name (as
# the .wants/ link that starts it at boot names it), so %p in its fragment is that name.
t_alias_specifiers_booted() {
        make_root
        write_unit etcd.service 'User=homepage' 'EnvironmentFile=-/etc/default/%p' \
                'ExecStart=/usr/bin/node /opt/homepage/server.js'
        ln -s etcd.service "$R/usr/lib/systemd/system/etcd2.service"
        install_ca a.pem /etc/ssl/certs/own.pem
        put /etc/default/etcd 'NODE_EXTRA_CA_CERTS=/etc/ssl/certs/own.pem'
        put /etc/default/etcd2 'NODE_EXTRA_CA_CERTS=/etc/ssl/certs/alias.pem'
        ut --root="$R" status etcd2 --json
        check_exit 0
        check_stdout_contains '"source":"/etc/default/etcd:1"'
}

# Under --root, absolute symlinks resolve inside the tree, as the booted system resolves them:
# a drop-in directory and an EnvironmentFile= directory that are links to /srv/... (which the
# host does not have).
t_root_absolute_symlinks() {
        make_root
        write_unit homepage.service 'User=homepage' 'EnvironmentFile=-/etc/default/homepage*' \
                'ExecStart=/usr/bin/node /opt/homepage/server.js'
        mkdir -p "$R/srv/unit-tls-test-dropins" "$R/srv/unit-tls-test-default"
        ln -s /srv/unit-tls-test-dropins "$R$D"
        put /srv/unit-tls-test-dropins/10-port.conf '[Service]' 'Environment=PORT=3000'
        ln -s /srv/unit-tls-test-default "$R/etc/default"
        install_ca a.pem /etc/ssl/certs/other.pem
        put /srv/unit-tls-test-default/homepage 'NODE_EXTRA_CA_CERTS=/etc/ssl/certs/other.pem'
        ut --root="$R" status homepage --json
        check_exit 0
        check_stdout_contains '"/srv/unit-tls-test-dropins/10-port.conf"'
        check_stdout_contains '"source":"/etc/default/homepage:1"'
}

t_unset_environment_elsewhere() {
        make_root
        put "$D/10-clean.conf" '[Service]' 'UnsetEnvironment=NODE_EXTRA_CA_CERTS'
        refuse_row "$PVE_CA" "UnsetEnvironment="
}

t_setuid_node() {
        make_root
        chmod u+s "$R/usr/bin/node"
        refuse_row "$PVE_CA" "/usr/bin/node is setuid" "AmbientCapabilities="
        check_stderr_lacks "$R"   # the path as the tree sees it, not the host's
        # setgid too, and status says the same about an existing setting
        chmod u-s,g+s "$R/usr/bin/node"
        refuse_row "$PVE_CA" "/usr/bin/node is setgid" "AmbientCapabilities="
        chmod g-s "$R/usr/bin/node"
        ut --root="$R" set homepage --ca "$PVE_CA" -q
        check_exit 0
        chmod u+s "$R/usr/bin/node"
        ut --root="$R" status homepage
        check_exit 1
        check_stdout_contains "error: /usr/bin/node is setuid"
        check_stdout_contains "verdict:    broken"
}

t_not_node_warns() {
        make_root
        write_unit homepage.service 'User=homepage' 'ExecStart=/usr/bin/python3 app.py'
        ut --root="$R" set homepage --ca "$PVE_CA"
        check_exit 0
        check_stderr_contains "warning"
        check_stderr_contains "does not look like Node.js"
        check_file_equals "$R$D/tls.conf" "$(dropin_for "$PVE_CA")"$'\n'
}

# ------------------------------------------- runtime detection through shells --

# unit_json_field KEY: units[0][KEY] of the last --json run.
unit_json_field() {
        "${CLEAN_ENV[@]}" "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["units"][0][sys.argv[2]])' "$OUT" "$1" 2>&1 || true
}

# A wrapper script (the kind the Proxmox community scripts install) that starts node.
t_wrapper_runs_node() {
        make_root
        put /opt/homepage/run.sh '#!/bin/sh' '# start the dashboard' 'cd /opt/homepage && exec node server.js "$@"'
        chmod 755 "$R/opt/homepage/run.sh"
        write_unit homepage.service 'User=homepage' 'ExecStart=/opt/homepage/run.sh'
        ut --root="$R" status homepage
        check_exit 0
        check_stdout_contains "runtime:    node (ExecStart= runs /opt/homepage/run.sh, which runs node at line 3 (/usr/lib/systemd/system/homepage.service:6))"
        ut --root="$R" set homepage --ca "$PVE_CA"
        check_exit 0
        [[ ! -s $ERR ]] || fail "set said something on stderr: $(head -c 300 "$ERR" | tr '\n' '|')"
        check_file_equals "$R$D/tls.conf" "$(dropin_for "$PVE_CA")"$'\n'
        ut --root="$R" status homepage --json
        check_exit 0
        [[ $(unit_json_field verdict) == ok && $(unit_json_field runtime) == node ]] ||
                fail "status: verdict $(unit_json_field verdict), runtime $(unit_json_field runtime), expected ok, node"

        # `sh -c` to a file without #! (the shell runs it itself), relative to WorkingDirectory=~,
        # which is then pnpm: two shell levels, inside the root
        mkdir -p "$R/opt/homepage/app"
        printf 'export PORT=3000\npnpm start\n' > "$R/opt/homepage/app/entry.sh"
        chmod 755 "$R/opt/homepage/app/entry.sh"
        write_unit homepage.service 'User=homepage' 'WorkingDirectory=-~' "ExecStart=/usr/bin/env sh -c 'cd app; ./entry.sh'"
        ut --root="$R" status homepage
        check_exit 0
        check_stdout_contains "runtime:    node (ExecStart= runs sh -c 'cd app; ./entry.sh', which runs ./entry.sh, which runs pnpm at line 2"
}

# A wrapper that runs python: positive evidence, so not-node, a warning.
t_wrapper_runs_python() {
        make_root
        put /opt/homepage/run.sh '#!/usr/bin/env bash' 'set -e' '. venv/bin/activate' 'exec python3 -m homepage'
        put /opt/homepage/venv/bin/activate 'deactivate () {' '    unset VIRTUAL_ENV' '    hash -r 2> /dev/null' '}' \
                'deactivate nondestructive' 'VIRTUAL_ENV=/opt/homepage/venv' 'export VIRTUAL_ENV'
        chmod 755 "$R/opt/homepage/run.sh"
        write_unit homepage.service 'User=homepage' 'WorkingDirectory=/opt/homepage' 'ExecStart=/opt/homepage/run.sh'
        ut --root="$R" set homepage --ca "$PVE_CA"
        check_exit 0
        check_stderr_contains "warning"
        check_stderr_contains "does not look like Node.js"
        check_stderr_contains "it runs Python (ExecStart= runs /opt/homepage/run.sh, which runs python3 at line 4"
        ut --root="$R" status homepage --json
        check_exit 1
        [[ $(unit_json_field verdict) == not-node && $(unit_json_field runtime) == other ]] ||
                fail "status: verdict $(unit_json_field verdict), runtime $(unit_json_field runtime), expected not-node, other"
}

# A wrapper unit-tls cannot see through: unknown, said once at info level; exit 0 everywhere.
t_wrapper_opaque_unknown() {
        make_root
        put /opt/homepage/run.sh '#!/bin/sh' 'exec ./server --port 3000'
        chmod 755 "$R/opt/homepage/run.sh"
        install -m 0755 /usr/bin/true "$R/opt/homepage/server"
        write_unit homepage.service 'User=homepage' 'WorkingDirectory=/opt/homepage' 'ExecStart=/opt/homepage/run.sh'
        ut --root="$R" set homepage --ca "$PVE_CA"
        check_exit 0
        [[ ! -s $ERR ]] || fail "set warned: $(head -c 300 "$ERR" | tr '\n' '|')"
        check_stdout_contains "cannot tell whether ExecStart= runs Node.js, Bun or Deno (ExecStart= runs /opt/homepage/run.sh, which runs ./server at line 2, a program unit-tls cannot identify"
        ut --root="$R" status homepage
        check_exit 0
        check_stdout_contains "runtime:    unknown (ExecStart= runs /opt/homepage/run.sh, which runs ./server"
        check_stdout_contains "info: unit-tls cannot tell whether the service runs Node.js, Bun or Deno"
        check_stdout_contains "verdict:    unknown"
        ut --root="$R" audit
        check_exit 0
        check_stdout_contains "0 with problems"

        # a FIFO, a device, a script nested too deep: unknown too, at once
        mkfifo "$R/opt/homepage/fifo.sh"
        write_unit homepage.service 'User=homepage' 'ExecStart=/bin/sh /opt/homepage/fifo.sh'
        RC=0
        timeout 10 "${CLEAN_ENV[@]}" "$BIN" --root="$R" status homepage > "$OUT" 2> "$ERR" || RC=$?
        check_exit 0
        check_stdout_contains "verdict:    unknown"
        ln -s /dev/zero "$R/opt/homepage/zero"
        write_unit homepage.service 'User=homepage' 'ExecStart=/opt/homepage/zero'
        ut --root="$R" status homepage
        check_exit 0
        check_stdout_contains "verdict:    unknown"
        put /opt/homepage/a.sh '#!/bin/sh' 'exec /opt/homepage/b.sh'
        put /opt/homepage/b.sh '#!/bin/sh' 'exec /opt/homepage/c.sh'
        put /opt/homepage/c.sh '#!/bin/sh' 'exec node x.js'
        chmod 755 "$R"/opt/homepage/[abc].sh
        write_unit homepage.service 'User=homepage' 'ExecStart=/opt/homepage/a.sh'
        ut --root="$R" status homepage
        check_exit 0
        check_stdout_contains "which runs /opt/homepage/c.sh at line 2, a shell script nested deeper than unit-tls follows"
}

# A Go program (its linker's .go.buildinfo section) is positive evidence; a static ELF is not.
t_wrapper_go_binary() {
        make_root
        command -v objcopy > /dev/null || { echo "# objcopy missing: Go binary row skipped" >&2; return 0; }
        printf 'buildinfo' > "$WORK/gobuildinfo"
        objcopy --add-section .go.buildinfo="$WORK/gobuildinfo" /usr/bin/true "$R/usr/bin/gitea"
        write_unit homepage.service 'User=homepage' 'ExecStart=/usr/bin/gitea web'
        ut --root="$R" set homepage --ca "$PVE_CA"
        check_exit 0
        check_stderr_contains "it runs a Go program (ExecStart= runs /usr/bin/gitea, a Go program"
}

t_reject_unauthorized_repaired() {
        make_root
        put "$D/10-insecure.conf" '[Service]' 'Environment=NODE_TLS_REJECT_UNAUTHORIZED=0'
        ut --root="$R" set homepage --ca "$PVE_CA"
        check_exit 0
        check_stderr_contains "warning"
        check_stderr_contains "$D/10-insecure.conf:2"
        check_file_equals "$R$D/tls.conf" "$(dropin_for "$PVE_CA")"$'\nUnsetEnvironment=NODE_TLS_REJECT_UNAUTHORIZED\n'
        [[ -f $R$D/10-insecure.conf ]] || fail "the other drop-in was removed"
        ut --root="$R" status homepage --json
        check_exit 0
        local v
        v=$("${CLEAN_ENV[@]}" "$PY" -c 'import json,sys; u=json.load(open(sys.argv[1]))["units"][0]; print(u["verdict"], "NODE_TLS_REJECT_UNAUTHORIZED" in u["environment"])' "$OUT" 2>&1) || true
        [[ $v == "ok False" ]] || fail "status after the repair: verdict/reject-present = $v"
}

t_insecure_replaced() {
        make_root
        ut --root="$R" set homepage --insecure
        check_exit 0
        check_stderr_contains "DISABLES TLS certificate verification"
        grep -q '^Environment=NODE_TLS_REJECT_UNAUTHORIZED=0$' "$R$D/tls.conf" || fail "--insecure wrote no NODE_TLS_REJECT_UNAUTHORIZED=0"
        ut --root="$R" status homepage
        check_stdout_contains "verdict:    insecure"
        ut --root="$R" set homepage --ca "$PVE_CA"
        check_exit 0
        check_file_equals "$R$D/tls.conf" "$(dropin_for "$PVE_CA")"$'\n'
        check_absent "$R$D/tls.conf.unit-tls-backup"
}

t_two_cas_bundle() {
        make_root
        install_ca b.pem /etc/ssl/certs/example-root-b.pem
        local bundle=/etc/unit-tls/homepage.service.pem
        ut --root="$R" set homepage --ca "$PVE_CA" --ca /etc/ssl/certs/example-root-b.pem
        check_exit 0
        [[ -f $R$bundle ]] || fail "no bundle at $bundle"
        check_mode "$R$bundle" 644
        grep -q -F "Environment=\"NODE_EXTRA_CA_CERTS=$bundle\"" "$R$D/tls.conf" || fail "tls.conf does not point to $bundle"
        head -n 1 "$R$D/tls.conf" | grep -q '^# Managed by unit-tls' || fail "tls.conf lacks the header"
        # the bundle holds both certificates, byte for byte
        local n
        n=$(grep -c -- '-----BEGIN CERTIFICATE-----' "$R$bundle" || true)
        [[ $n == 2 ]] || fail "bundle has $n certificates, expected 2"
        grep -q -F -f <(sed -n 2p "$WORK/pki/a.pem") "$R$bundle" || fail "bundle lacks CA A"
        grep -q -F -f <(sed -n 2p "$WORK/pki/b.pem") "$R$bundle" || fail "bundle lacks CA B"
        ut --root="$R" status homepage
        check_exit 0
        check_stdout_contains "verdict:    ok"
        # the same again: unchanged
        take_snapshot "$R"
        ut --root="$R" set homepage --ca "$PVE_CA" --ca /etc/ssl/certs/example-root-b.pem
        check_exit 0
        check_no_change "$R"
        ut --root="$R" unset homepage
        check_exit 0
        check_absent "$R$D/tls.conf"
        check_absent "$R$bundle"
}

t_foreign_dropin() {
        make_root
        put "$D/tls.conf" '[Service]' 'Environment=NODE_EXTRA_CA_CERTS=/etc/ssl/certs/mine.pem'
        local orig
        orig=$(cat "$R$D/tls.conf")
        refuse_row "$PVE_CA" "not written by unit-tls" "--force"
        ut --root="$R" set homepage --ca "$PVE_CA" --force
        check_exit 0
        check_stderr_contains "backup"
        check_file_equals "$R$D/tls.conf" "$(dropin_for "$PVE_CA")"$'\n'
        check_file_equals "$R$D/tls.conf.unit-tls-backup" "$orig"$'\n'
}

t_unset_foreign() {
        make_root
        put "$D/tls.conf" '[Service]' 'Environment=NODE_EXTRA_CA_CERTS=/etc/ssl/certs/mine.pem'
        take_snapshot "$R"
        ut --root="$R" unset homepage
        refused_cleanly "not written by unit-tls"
}

t_alias() {
        make_root
        ln -s /usr/lib/systemd/system/homepage.service "$R/etc/systemd/system/dash.service"
        ut --root="$R" set dash --ca "$PVE_CA"
        check_exit 0
        check_file_equals "$R$D/tls.conf" "$(dropin_for "$PVE_CA")"$'\n'
        check_absent "$R/etc/systemd/system/dash.service.d"
}

# A search directory that is an absolute symlink in the tree is followed inside the tree, never
# onto the host, for listing it and for reading its files and drop-in directories.
t_search_dir_symlink_in_root() {
        make_root
        mkdir -p "$R/srv/units/inroot.service.d" "$R/usr/local/lib/systemd"
        ln -s /srv/units "$R/usr/local/lib/systemd/system"
        printf '[Service]\nUser=homepage\nExecStart=/usr/bin/node /opt/homepage/server.js\n' > "$R/srv/units/inroot.service"
        printf '[Service]\nEnvironment=NODE_TLS_REJECT_UNAUTHORIZED=0\n' > "$R/srv/units/inroot.service.d/x.conf"
        ut --root="$R" status inroot.service
        check_stdout_contains "/usr/local/lib/systemd/system/inroot.service"
        check_stdout_contains "NODE_TLS_REJECT_UNAUTHORIZED=0"
        ut --root="$R" audit
        check_stdout_contains "inroot.service: insecure"
}

t_template_instance() {
        make_root
        write_unit app@.service 'User=homepage' 'ExecStart=/usr/bin/node /opt/app/%i.js'
        ut --root="$R" set app@one --ca "$PVE_CA"
        check_exit 0
        check_file_equals "$R/etc/systemd/system/app@one.service.d/tls.conf" "$(dropin_for "$PVE_CA")"$'\n'
        check_absent "$R/etc/systemd/system/app@.service.d"
        ut --root="$R" set app@.service --ca "$PVE_CA"
        check_exit 0
        check_file_equals "$R/etc/systemd/system/app@.service.d/tls.conf" "$(dropin_for "$PVE_CA")"$'\n'
}

t_drop_in_name() {
        make_root
        ut --root="$R" set homepage --ca "$PVE_CA" --drop-in=50-ca
        check_exit 0
        check_file_equals "$R$D/50-ca.conf" "$(dropin_for "$PVE_CA")"$'\n'
        check_absent "$R$D/tls.conf"
        ut --root="$R" unset homepage --drop-in=50-ca
        check_exit 0
        check_absent "$R$D"
}

t_drop_in_traversal() {
        make_root
        take_snapshot "$R"
        ut --root="$R" set homepage --ca "$PVE_CA" --drop-in=../x
        refused_cleanly "--drop-in"
}

t_runtime() {
        make_root
        ut --root="$R" set homepage --ca "$PVE_CA" --runtime
        check_exit 0
        check_file_equals "$R/run/systemd/system/homepage.service.d/tls.conf" "$(dropin_for "$PVE_CA")"$'\n'
        check_absent "$R$D"
        check_stdout_contains "/run/systemd/system/homepage.service.d/tls.conf"
}

# A refusal changes nothing, not even a directory: a fresh image tree without
# /etc/systemd/system or /etc/unit-tls stays as it was.
t_refusal_creates_no_dirs() {
        make_root
        rm -rf "$R/etc/systemd"
        install_ca garbage.pem /etc/ssl/certs/garbage.pem
        take_snapshot "$R"
        ut --root="$R" set homepage --ca "$PVE_CA" --ca /etc/ssl/certs/garbage.pem
        refused_cleanly "no PEM certificate" "nothing was changed"
        check_absent "$R/etc/systemd"
        check_absent "$R/etc/unit-tls"
}

# ... and a real set into such a tree creates what it needs, 0755.
t_fresh_tree_set() {
        make_root
        rm -rf "$R/etc/systemd"
        ut --root="$R" set homepage --ca "$PVE_CA"
        check_exit 0
        check_file_equals "$R$D/tls.conf" "$(dropin_for "$PVE_CA")"$'\n'
        check_mode "$R/etc/systemd" 755
        check_mode "$R/etc/systemd/system" 755
}

# A hardened umask must not make the drop-in directory or the bundle unreadable.
t_umask_077() {
        make_root
        install_ca b.pem /etc/ssl/certs/example-root-b.pem
        umask 077
        ut --root="$R" set homepage --ca "$PVE_CA" --ca /etc/ssl/certs/example-root-b.pem
        umask 022
        check_exit 0
        check_mode "$R$D" 755
        check_mode "$R$D/tls.conf" 644
        check_mode "$R/etc/unit-tls" 755
        check_mode "$R/etc/unit-tls/homepage.service.pem" 644
        ut --root="$R" status homepage
        check_exit 0
        check_stdout_contains "verdict:    ok"
}

# The bundle is a path the service must read too (DESIGN.md §4: refuse what User= cannot read).
t_bundle_dir_unreadable() {
        make_root
        install_ca b.pem /etc/ssl/certs/example-root-b.pem
        install -d -m 0700 "$R/etc/unit-tls"
        take_snapshot "$R"
        ut --root="$R" set homepage --ca "$PVE_CA" --ca /etc/ssl/certs/example-root-b.pem
        refused_cleanly "/etc/unit-tls" "nothing was changed"
        check_absent "$R/etc/unit-tls/homepage.service.pem"
}

t_runtime_hidden_by_persistent() {
        make_root
        install_ca b.pem /etc/ssl/certs/example-root-b.pem
        ut --root="$R" set homepage --ca "$PVE_CA" -q
        check_exit 0
        take_snapshot "$R"
        ut --root="$R" set homepage --ca /etc/ssl/certs/example-root-b.pem --runtime
        refused_cleanly "would not be read by systemd" "--drop-in=NAME"
        check_absent "$R/run"
}

t_hidden_by_system_control() {
        make_root
        put /etc/systemd/system.control/homepage.service.d/tls.conf '[Service]' 'CPUQuota=50%'
        refuse_row "$PVE_CA" "would not be read by systemd"
        # another name is read: accepted
        ut --root="$R" set homepage --ca "$PVE_CA" --drop-in=50-ca
        check_exit 0
        check_file_equals "$R$D/50-ca.conf" "$(dropin_for "$PVE_CA")"$'\n'
}

t_dropin_dir_symlink() {
        make_root
        install -d -m 0755 "$R/elsewhere"
        ln -s ../../../elsewhere "$R$D"
        refuse_row "$PVE_CA" "symlink"
        check_absent "$R/elsewhere/tls.conf"
}

t_dropin_dir_group_writable() {
        make_root
        install -d -m 0775 "$R$D"
        refuse_row "$PVE_CA" "writable by group or others"
}

t_dropin_file_symlink() {
        make_root
        printf 'precious\n' > "$R/precious"
        install -d -m 0755 "$R$D"
        ln -s /precious "$R$D/tls.conf"
        refuse_row "$PVE_CA" "symlink"
        check_file_equals "$R/precious" $'precious\n'
}

# several units: one refused, none written
t_batch_all_or_nothing() {
        make_root
        write_unit other.service 'ExecStart=/usr/bin/node /srv/other.js'
        ln -s /dev/null "$R/etc/systemd/system/other.service"
        take_snapshot "$R"
        ut --root="$R" set homepage other --ca "$PVE_CA"
        refused_cleanly "other.service" "masked" "nothing was changed"
        check_absent "$R$D"
}

t_invalid_unit_names() {
        make_root
        local n long
        long=$(printf 'a%.0s' {1..252}).service
        for n in "$long" '' '@x'; do
                take_snapshot "$R"
                ut --root="$R" set "$n" --ca "$PVE_CA"
                refused_cleanly "invalid unit name"
        done
        # what systemctl escapes is escaped, said, and then not found here: nothing written
        local -A escaped=([../x]=..-x.service [/]=-.mount ['a b']='a\x20b.service'
                          [x/../homepage]=x-..-homepage.service)
        for n in "${!escaped[@]}"; do
                take_snapshot "$R"
                ut --root="$R" set "$n" --ca "$PVE_CA"
                refused_cleanly "systemctl reads it as ${escaped[$n]}" "${escaped[$n]}: unit not found"
        done
}

# --root confines every path: an absolute symlink or a ".." resolves inside the tree, never on
# the host (the host has /etc/ssl/certs/ca-certificates.crt; the tree does not).
t_ca_confined_to_root() {
        make_root
        ln -s /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/host.pem"
        refuse_row /etc/ssl/certs/host.pem "no such file"
        refuse_row /../../../../../../etc/ssl/certs/ca-certificates.crt "no such file"
        ln -s /etc/pve/pve-root-ca.pem "$R/etc/ssl/certs/pve.pem"
        ut --root="$R" set homepage --ca /etc/ssl/certs/pve.pem
        check_exit 0
        check_file_equals "$R$D/tls.conf" "$(dropin_for /etc/ssl/certs/pve.pem)"$'\n'
}

# ================================= 4. hostile paths, read back by systemd ==

HOSTILE=(
        '/etc/ca/with space.pem'
        '/etc/ca/double"quote.pem'
        "/etc/ca/single'quote.pem"
        '/etc/ca/back\slash.pem'
        '/etc/ca/back\\two\n.pem'
        '/etc/ca/100%.pem'
        '/etc/ca/%n%i%%.pem'
        '/etc/ca/$HOME.pem'
        '/etc/ca/${X}$.pem'
        '/etc/ca/ünïcødé-证书.pem'
        '/etc/ca/-x.pem'
        '/etc/ca/-/-y.pem'
        '/etc/ca/semi;colon #hash.pem'
        '/etc/ca/ lead and trail .pem'
        $'/etc/ca/tab\there.pem'
        '/etc/ca/all " '"'"' \ % $ ü ;-.pem'
)

# oracle_env UNIT: systemd's own reading of UNIT in the tree: its "Environment:" lines.
oracle_env() {
        "${CLEAN_ENV[@]}" SYSTEMD_UTF8=0 SYSTEMD_UNIT_PATH="$R/etc/systemd/system:$R/usr/lib/systemd/system:" \
                runuser -u nobody -- "$SYSTEMD" --test --system --unit="$1" --no-pager 2>/dev/null |
                U=$1 awk 'BEGIN { want = "\t-> Unit " ENVIRON["U"] ":" }
                          /^\t-> Unit / { sel = ($0 == want); next }
                          sel && /^\t\tEnvironment: / { print }'
}

ORACLE=1
ORACLE_WHY=''
if ((EUID != 0)); then
        ORACLE=0 ORACLE_WHY="not root (runuser -u nobody needs root)"
elif [[ ! -x $SYSTEMD ]]; then
        ORACLE=0 ORACLE_WHY="$SYSTEMD is missing"
fi

t_hostile_paths() {
        make_root
        local p i=0
        for p in "${HOSTILE[@]}"; do
                i=$((i + 1))
                install_ca a.pem "$p"
                ut --root="$R" set homepage --ca "$p"
                if [[ $RC != 0 ]]; then
                        fail "[$p] set: exit $RC: $(head -c 300 "$ERR" | tr '\n' '|')"
                        continue
                fi
                [[ -f $R$D/tls.conf ]] || { fail "[$p] no tls.conf"; continue; }
                # unit-tls reads its own file back as that path
                ut --root="$R" status homepage --json
                local got
                got=$("${CLEAN_ENV[@]}" "$PY" -c 'import json,sys; u=json.load(open(sys.argv[1]))["units"][0]; e=u["environment"].get("NODE_EXTRA_CA_CERTS"); sys.stdout.write((e or {}).get("value","<unset>") + "\n" + u["verdict"])' "$OUT" 2>&1) || true
                [[ $got == "$p"$'\n'ok ]] || fail "[$p] status reads back: $(tr '\n' '|' <<< "$got")"
                # the same again is unchanged (the reader and the writer agree)
                ut --root="$R" set homepage --ca "$p"
                [[ $RC == 0 ]] && grep -q unchanged "$OUT" || fail "[$p] a second set is not 'unchanged' (exit $RC)"
                if ((ORACLE)); then
                        chmod -R a+rX "$R"
                        got=$(oracle_env homepage.service)
                        [[ $got == $'\t\tEnvironment: NODE_EXTRA_CA_CERTS='"$p" ]] ||
                                fail "[$p] systemd reads: $(printf '%q' "$got") (drop-in: $(grep Environment "$R$D/tls.conf"))"
                fi
        done
        if ((!ORACLE)); then
                echo "# skipped the systemd read-back of ${#HOSTILE[@]} hostile paths: $ORACLE_WHY" >&2
        fi
}

t_newline_path() {
        make_root
        # A NUL cannot be passed at all: argv strings end at the first NUL byte, so the only
        # control character that can reach unit-tls in a path and break a unit file is a line
        # break (\n, \r).
        local p
        for p in $'/etc/ca/new\nline.pem' $'/etc/ca/carriage\rreturn.pem' $'/etc/ca/x.pem\n'; do
                install_ca a.pem "$p"
                take_snapshot "$R"
                ut --root="$R" set homepage --ca "$p"
                refused_cleanly "line break"
                check_absent "$R$D"
        done
}

t_invalid_utf8_path() {
        make_root
        local p=$'/etc/ca/latin1-\xe9.pem'
        install_ca a.pem "$p"
        take_snapshot "$R"
        ut --root="$R" set homepage --ca "$p"
        refused_cleanly "UTF-8"
}

# ======================================================================= run ==

make_ca


# ====================================== the manager's environment (system.conf) ==

# A NODE_TLS_REJECT_UNAUTHORIZED=0 in DefaultEnvironment= reaches every service that neither
# unsets nor overrides it: status names the file and line, audit reports it once with the count.
manager_insecure_root() {
        make_root
        put /etc/systemd/system.conf '[Manager]' 'DefaultEnvironment=NODE_TLS_REJECT_UNAUTHORIZED=1'
        put /etc/systemd/system.conf.d/50-insecure.conf '# everyone' '[Manager]' \
                'DefaultEnvironment="NODE_TLS_REJECT_UNAUTHORIZED=0" OTHER=x'
        # a same-named file in a lower directory is masked by /etc's
        put /usr/lib/systemd/system.conf.d/50-insecure.conf '[Manager]' 'DefaultEnvironment=NODE_TLS_REJECT_UNAUTHORIZED=1'
        write_unit unsets.service 'ExecStart=/usr/bin/node /srv/a.js' 'UnsetEnvironment=NODE_TLS_REJECT_UNAUTHORIZED'
        write_unit overrides.service 'ExecStart=/usr/bin/node /srv/b.js' 'Environment=NODE_TLS_REJECT_UNAUTHORIZED=1'
}

t_manager_status() {
        manager_insecure_root
        ut --root="$R" status homepage
        check_exit 1
        check_stdout_contains "NODE_TLS_REJECT_UNAUTHORIZED=0  (/etc/systemd/system.conf.d/50-insecure.conf:3, manager-wide)"
        check_stdout_contains "in the service manager's environment (/etc/systemd/system.conf.d/50-insecure.conf:3)"
        check_stdout_contains "systemctl daemon-reload"
        check_stdout_contains "verdict:    insecure"
        ut --root="$R" status unsets overrides
        check_exit 0
        check_stdout_contains "NODE_TLS_REJECT_UNAUTHORIZED=1  (/usr/lib/systemd/system/overrides.service:6)"
        grep -q 'manager-wide' "$OUT" && fail "a unit that unsets or overrides it still shows the manager's value"
        ut --root="$R" status homepage --json
        local v
        v=$("${CLEAN_ENV[@]}" "$PY" -c 'import json,sys; u=json.load(open(sys.argv[1]))["units"][0]; e=u["environment"]["NODE_TLS_REJECT_UNAUTHORIZED"]; print(u["verdict"], e["value"], e["source"], [f["code"] for f in u["findings"]])' "$OUT" 2>&1) || true
        [[ $v == "insecure 0 /etc/systemd/system.conf.d/50-insecure.conf:3, manager-wide ['manager-insecure']" ]] ||
                fail "status --json: $v"
}

t_manager_audit() {
        manager_insecure_root
        ut --root="$R" audit
        check_exit 1
        [[ $(head -n1 "$OUT") == "service manager: insecure" ]] || fail "the manager's finding is not first: $(head -n1 "$OUT")"
        # dummy and homepage are reached; unsets and overrides are not
        check_stdout_contains "disables TLS certificate verification for 2 of 4 services"
        [[ $(grep -c 'disables TLS certificate verification' "$OUT") == 1 ]] || fail "the manager's finding is not reported once"
        grep -q '^homepage.service' "$OUT" && fail "a unit whose only problem is the manager's value is listed again"
        check_stdout_contains "4 services checked, 0 with problems, and the service manager's environment"
        ut --root="$R" audit --json
        check_exit 1
        local v
        v=$("${CLEAN_ENV[@]}" "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); m=d["manager"]; print(m["findings"][0]["code"], m["environment"]["NODE_TLS_REJECT_UNAUTHORIZED"]["source"], len(d["units"]))' "$OUT" 2>&1) || true
        [[ $v == "manager-insecure /etc/systemd/system.conf.d/50-insecure.conf:3, manager-wide 0" ]] || fail "audit --json: $v"
}

t_manager_set_repairs() {
        manager_insecure_root
        ut --root="$R" set homepage unsets --ca "$PVE_CA"
        check_exit 0
        check_stderr_contains "in the service manager's environment (/etc/systemd/system.conf.d/50-insecure.conf:3, manager-wide)"
        check_file_equals "$R$D/tls.conf" "$(dropin_for "$PVE_CA")"$'\nUnsetEnvironment=NODE_TLS_REJECT_UNAUTHORIZED\n'
        # the unit that already unsets it needs no repair
        check_file_equals "$R/etc/systemd/system/unsets.service.d/tls.conf" "$(dropin_for "$PVE_CA")"$'\n'
        ut --root="$R" status homepage
        check_exit 0
        check_stdout_contains "verdict:    ok"
        ut --root="$R" audit
        check_stdout_contains "for 1 of 4 services"
}

# A manager-wide CA is fine, shown with its source; no not-node warning for the others.
t_manager_ca() {
        make_root
        put /etc/systemd/system.conf.d/ca.conf '[Manager]' "DefaultEnvironment=NODE_EXTRA_CA_CERTS=$PVE_CA"
        ut --root="$R" status homepage dummy
        check_exit 0
        check_stdout_contains "NODE_EXTRA_CA_CERTS=$PVE_CA  (/etc/systemd/system.conf.d/ca.conf:2, manager-wide)"
        check_stdout_contains "CA file:"
        [[ $(grep -c 'verdict:    ok' "$OUT") == 2 ]] || fail "a manager-wide CA is not ok: $(grep verdict "$OUT" | tr '\n' ' ')"
        ut --root="$R" audit
        check_exit 0
}

# ManagerEnvironment= is PID 1's own: services get it only through PassEnvironment=. Offline
# that is all unit-tls knows of PID 1's environment, and it says so.
t_manager_pass_environment() {
        make_root
        put /etc/systemd/system.conf '[Manager]' 'ManagerEnvironment=NODE_TLS_REJECT_UNAUTHORIZED=0 NODE_EXTRA_CA_CERTS=/nope'
        write_unit passes.service 'ExecStart=/usr/bin/node /srv/p.js' 'PassEnvironment=NODE_TLS_REJECT_UNAUTHORIZED NODE_OPTIONS'
        ut --root="$R" status homepage
        check_exit 0
        check_stdout_contains "no TLS settings"
        ut --root="$R" status passes
        check_exit 1
        check_stdout_contains "NODE_TLS_REJECT_UNAUTHORIZED=0  (PID 1's environment (ManagerEnvironment= at /etc/systemd/system.conf:2), passed by PassEnvironment= at /usr/lib/systemd/system/passes.service:6)"
        check_stdout_contains "verdict:    insecure"
        check_stdout_contains "PassEnvironment=NODE_OPTIONS"
        check_stdout_contains "PID 1's own environment is not known (offline)"
}

# A broken drop-in ends systemd's reading: what comes after it is not in effect.
t_manager_broken_file() {
        make_root
        put /etc/systemd/system.conf.d/10-broken.conf '[Manager' 'DefaultEnvironment=A=1'
        put /etc/systemd/system.conf.d/20-insecure.conf '[Manager]' 'DefaultEnvironment=NODE_TLS_REJECT_UNAUTHORIZED=0'
        ut --root="$R" status homepage
        check_exit 0
        check_stdout_contains "no TLS settings"
        ut --root="$R" --systemd-version=257 audit
        check_exit 0
}

run_case tour/dry-run-new t_tour_dry_run
run_case tour/set-again-status-unset t_tour_set
run_case tour/server-cert-refused t_tour_server_cert
run_case tour/private-key-refused-even-forced t_tour_private_key
run_case tour/typo-no-such-file t_tour_typo
run_case tour/unknown-unit t_tour_unknown_unit
run_case tour/insecure-with-ca t_tour_insecure_with_ca
run_case tour/set-without-ca t_tour_set_without_ca
run_case tour/relative-ca-under-root t_tour_relative_ca

run_case golden/change-a-to-b t_golden_change_a_to_b
run_case golden/unset t_golden_unset
run_case golden/json-dry-run t_golden_json

run_case plan/masked-empty-file t_masked_empty
run_case plan/masked-dev-null t_masked_devnull
run_case plan/not-a-service t_not_a_service
run_case plan/ca-missing t_ca_missing
run_case plan/ca-directory t_ca_directory
run_case plan/ca-empty t_ca_empty
run_case plan/ca-garbage t_ca_garbage
run_case plan/ca-der t_ca_der
run_case plan/ca-expired t_ca_expired
run_case plan/ca-server-cert t_ca_server_cert
run_case plan/ssl-private-unreadable-then-force t_unreadable_by_user
run_case plan/readable-via-group t_readable_via_group
run_case plan/readable-via-supplementary-groups t_readable_via_supplementary
run_case plan/protect-home t_protect_home
run_case plan/private-tmp t_private_tmp
run_case plan/later-dropin-overrides t_later_dropin_overrides
run_case plan/environment-file-overrides t_environment_file_overrides
run_case plan/environment-file-glob-like-systemd t_environment_file_glob
run_case plan/environment-file-glob-sorted t_environment_file_glob_order
run_case plan/alias-specifiers-as-booted t_alias_specifiers_booted
run_case paths/root-absolute-symlinks t_root_absolute_symlinks
run_case plan/unset-environment-elsewhere t_unset_environment_elsewhere
run_case plan/setuid-node t_setuid_node
run_case plan/not-node-warns t_not_node_warns
run_case runtime/wrapper-runs-node t_wrapper_runs_node
run_case runtime/wrapper-runs-python t_wrapper_runs_python
run_case runtime/wrapper-opaque-unknown t_wrapper_opaque_unknown
run_case runtime/wrapper-go-binary t_wrapper_go_binary
run_case plan/reject-unauthorized-repaired t_reject_unauthorized_repaired
run_case plan/insecure-dropin-replaced t_insecure_replaced
run_case plan/two-cas-bundle t_two_cas_bundle
run_case plan/foreign-dropin-force-backup t_foreign_dropin
run_case plan/unset-foreign-refused t_unset_foreign
run_case plan/alias t_alias
run_case plan/template-instance-and-template t_template_instance
run_case plan/drop-in-name t_drop_in_name
run_case plan/drop-in-traversal t_drop_in_traversal
run_case plan/runtime t_runtime

run_case plan/refusal-creates-no-directories t_refusal_creates_no_dirs
run_case plan/fresh-tree-set t_fresh_tree_set
run_case plan/umask-077-modes t_umask_077
run_case plan/bundle-dir-unreadable t_bundle_dir_unreadable
run_case plan/runtime-hidden-by-persistent t_runtime_hidden_by_persistent
run_case plan/hidden-by-system-control t_hidden_by_system_control
run_case plan/dropin-dir-symlink t_dropin_dir_symlink
run_case plan/dropin-dir-group-writable t_dropin_dir_group_writable
run_case plan/dropin-file-symlink t_dropin_file_symlink
run_case plan/batch-all-or-nothing t_batch_all_or_nothing
run_case names/invalid-unit-names t_invalid_unit_names
run_case paths/ca-confined-to-root t_ca_confined_to_root
run_case paths/search-dir-symlink-in-root t_search_dir_symlink_in_root
run_case env/environment-file-backslash t_environment_file_backslash

run_case paths/hostile-round-trip t_hostile_paths
run_case paths/line-break-refused t_newline_path
run_case paths/invalid-utf8-refused t_invalid_utf8_path

run_case manager/status t_manager_status
run_case manager/audit t_manager_audit
run_case manager/set-repairs t_manager_set_repairs
run_case manager/ca t_manager_ca
run_case manager/pass-environment t_manager_pass_environment
run_case manager/broken-file t_manager_broken_file

echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
