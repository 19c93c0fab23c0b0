#!/bin/bash
# SPDX-License-Identifier: MIT
# unit-tls probe and set --url against openssl s_server instances on 127.0.0.1, each row of
# research/node.md §4 checked against real Node.js: Node's err.code must equal the one unit-tls
# reports, and the file unit-tls says would work must make Node connect (or, for the rows no
# CA can fix, must not).
# Usage: run.sh [path/to/unit-tls]
set -euo pipefail

UT=${1:-${UNIT_TLS:-$(dirname "$0")/../../build/src/unit-tls}}
UT=$(realpath "$UT")
CLEAN=(env -i PATH=/usr/bin:/bin)   # this machine exports SSL_CERT_FILE, NODE_EXTRA_CA_CERTS, ...
for tool in openssl node; do
        if ! "${CLEAN[@]}" sh -c "command -v $tool" >/dev/null; then
                echo "SKIP: $tool not found in /usr/bin:/bin; the probe suite needs it"
                exit 77
        fi
done

W=$(mktemp -d /tmp/unit-tls-probe.XXXXXX)
PIDS=()
cleanup() {
        local p
        for p in "${PIDS[@]}"; do
                kill "$p" 2>/dev/null || true
        done
        for p in "${PIDS[@]}"; do
                wait "$p" 2>/dev/null || true
        done
        rm -rf "$W"
}
trap cleanup EXIT INT TERM

pass=0 fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
check() { # name expected actual
        if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: expected '$2', got '$3'"; fi
}
contains() { # name haystack needle
        if [[ $2 == *"$3"* ]]; then ok "$1"; else bad "$1: '$3' not in: $2"; fi
}

O() { "${CLEAN[@]}" openssl "$@"; }

# ---- the PKI (research/node.md appendix A, plus the bogus CAs and a SAN mismatch) ----
mkdir -p "$W/pki" && cd "$W/pki"
san="subjectAltName=IP:127.0.0.1,DNS:localhost"
cat > ext_ca.cnf <<X
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
X
leaf_ext() { # san
        cat <<X
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$1
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
X
}
leaf_ext "IP:127.0.0.1,DNS:localhost" > ext_leaf.cnf
leaf_ext "DNS:pve.example.internal" > ext_leaf_other.cnf
root_ca() { # name subject [extra -addext...]
        local n=$1 s=$2
        shift 2
        O req -x509 -newkey rsa:2048 -nodes -keyout "$n.key" -out "$n.crt" -days 3650 -subj "$s" "$@" 2>/dev/null
}
leaf() { # name issuer ext [days]
        O req -new -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=localhost" 2>/dev/null
        O x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -out "$1.crt" -days "${4:-365}" \
                -extfile "$3" 2>/dev/null
}
root_ca root "/CN=Test Root CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
O req -new -newkey rsa:2048 -nodes -keyout inter.key -out inter.csr -subj "/CN=Test Intermediate CA" 2>/dev/null
O x509 -req -in inter.csr -CA root.crt -CAkey root.key -CAcreateserial -out inter.crt -days 3650 -extfile ext_ca.cnf 2>/dev/null
leaf leaf_root root ext_leaf.cnf
leaf leaf_inter inter ext_leaf.cnf
leaf leaf_other root ext_leaf_other.cnf
cat inter.crt root.crt > inter_root.pem
O req -x509 -newkey rsa:2048 -nodes -keyout ss_cafalse.key -out ss_cafalse.crt -days 365 -subj "/CN=localhost" \
        -addext "basicConstraints=critical,CA:FALSE" -addext "keyUsage=critical,digitalSignature,keyEncipherment" \
        -addext "$san" 2>/dev/null
O req -x509 -newkey rsa:2048 -nodes -keyout ss_catrue.key -out ss_catrue.crt -days 365 -subj "/CN=localhost" \
        -addext "$san" 2>/dev/null
printf '[req]\ndistinguished_name=dn\nx509_extensions=v3\nprompt=no\n[dn]\nCN=localhost\n[v3]\n%s\n' "$san" > nobc.cnf
O req -x509 -newkey rsa:2048 -nodes -keyout ss_nobc.key -out ss_nobc.crt -days 365 -config nobc.cnf 2>/dev/null
root_ca pveca "/CN=Proxmox Virtual Environment/OU=a1b2c3/O=PVE Cluster Manager CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
O req -new -newkey rsa:2048 -nodes -keyout pveleaf.key -out pveleaf.csr \
        -subj "/OU=PVE Cluster Node/O=Proxmox Virtual Environment/CN=localhost" 2>/dev/null
O x509 -req -in pveleaf.csr -CA pveca.crt -CAkey pveca.key -CAcreateserial -out pveleaf.crt -days 365 \
        -extfile ext_leaf.cnf 2>/dev/null
# home-made "CAs" without CA:TRUE: no basicConstraints at all / CA:FALSE
printf '[req]\ndistinguished_name=dn\nx509_extensions=v3\nprompt=no\n[dn]\nCN=Home CA without BC\n[v3]\nsubjectKeyIdentifier=hash\n' > ca_nobc.cnf
O req -x509 -newkey rsa:2048 -nodes -keyout ca_nobc.key -out ca_nobc.crt -days 3650 -config ca_nobc.cnf 2>/dev/null
root_ca ca_false "/CN=Home CA with CA FALSE" -addext "basicConstraints=critical,CA:FALSE"
leaf leaf_nobc ca_nobc ext_leaf.cnf
leaf leaf_cafalse ca_false ext_leaf.cnf
# expired leaf (2020-01-01..2020-02-01) under the root, via `openssl ca`
mkdir -p cadb && : > cadb/index.txt && echo 1000 > cadb/serial
cat > ca.cnf <<X
[ca]
default_ca=myca
[myca]
dir=./cadb
database=\$dir/index.txt
serial=\$dir/serial
new_certs_dir=\$dir
certificate=./root.crt
private_key=./root.key
default_md=sha256
policy=pol
copy_extensions=none
unique_subject=no
[pol]
commonName=supplied
X
O req -new -newkey rsa:2048 -nodes -keyout expired.key -out expired.csr -subj "/CN=localhost" 2>/dev/null
O ca -batch -config ca.cnf -in expired.csr -out expired.crt -startdate 20200101000000Z -enddate 20200201000000Z \
        -extfile ext_leaf.cnf -notext 2>/dev/null
fp() { O x509 -in "$1" -noout -fingerprint -sha256 | sed 's/^.*=//'; }

# ---- servers: loopback only, ports from a free range, all killed by the trap ----
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
NEXT_PORT=$((20000 + RANDOM % 20000))
declare -A PORT
serve() { # label cert key [chain]
        local label=$1 cert=$2 key=$3 chain=${4:-} tries=0 p pid
        while :; do
                p=$NEXT_PORT
                NEXT_PORT=$((NEXT_PORT + 1))
                tries=$((tries + 1))
                [ $tries -gt 50 ] && { echo "cannot find a free port for $label"; exit 1; }
                port_busy "$p" && continue
                "${CLEAN[@]}" openssl s_server -accept "127.0.0.1:$p" -cert "$cert" -key "$key" \
                        ${chain:+-cert_chain "$chain"} -www -quiet >/dev/null 2>&1 </dev/null &
                pid=$!
                PIDS+=("$pid")
                for _ in $(seq 50); do
                        kill -0 "$pid" 2>/dev/null || break
                        port_busy "$p" && break
                        sleep 0.05
                done
                if kill -0 "$pid" 2>/dev/null && port_busy "$p"; then
                        PORT[$label]=$p
                        return
                fi
        done
}
serve leaf_root leaf_root.crt leaf_root.key
serve leaf_root_plus_root leaf_root.crt leaf_root.key root.crt
serve missing_inter leaf_inter.crt leaf_inter.key
serve full_chain leaf_inter.crt leaf_inter.key inter.crt
serve ss_cafalse ss_cafalse.crt ss_cafalse.key
serve ss_catrue ss_catrue.crt ss_catrue.key
serve ss_nobc ss_nobc.crt ss_nobc.key
serve pve pveleaf.crt pveleaf.key
serve pve_plus_ca pveleaf.crt pveleaf.key pveca.crt
serve expired expired.crt expired.key
serve other_name leaf_other.crt leaf_other.key
serve ca_nobc leaf_nobc.crt leaf_nobc.key
serve ca_false_sent leaf_cafalse.crt leaf_cafalse.key ca_false.crt

url() { echo "https://127.0.0.1:${PORT[$1]}/"; }
# Real Node: one https.get; prints OK or err.code
node_says() { # url [extra-ca-file]
        local env=("${CLEAN[@]}")
        [ -n "${2:-}" ] && env+=("NODE_EXTRA_CA_CERTS=$2")
        "${env[@]}" node -e '
                const r = require("https").get(process.argv[1], { timeout: 8000 }, (res) => { res.resume(); console.log("OK"); });
                r.on("error", (e) => console.log(e.code || e.message));
                r.on("timeout", () => { console.log("TIMEOUT"); r.destroy(); });' "$1"
}
# unit-tls probe --json: sets P_RC and P_JSON
probe() {
        P_RC=0
        P_JSON=$("${CLEAN[@]}" "$UT" probe --json "$@" 2>"$W/stderr") || P_RC=$?
}
field() { # key -> value of probe.key from P_JSON ("null" when null)
        printf '%s' "$P_JSON" | "${CLEAN[@]}" node -e '
                const o = JSON.parse(require("fs").readFileSync(0, "utf8")).probe;
                const v = o[process.argv[1]];
                console.log(v === null || v === undefined ? "null" : typeof v === "object" ? JSON.stringify(v) : String(v));' "$1"
}
code_or_ok() { local c; c=$(field "$1"); [ "$c" = null ] && echo OK || echo "$c"; }

# One row: server, Node's code, verdict, the file to hand Node, OK/FAIL with it.
row() { # label expected-code expected-verdict fix-file expect-with-fix
        local label=$1 code=$2 verdict=$3 fix=$4 want=$5 u
        u=$(url "$label")
        probe "$u"
        check "$label: unit-tls code" "$code" "$(code_or_ok node_code)"
        check "$label: verdict" "$verdict" "$(field verdict)"
        check "$label: exit" 1 "$P_RC"
        check "$label: node agrees ($code)" "$(code_or_ok node_code)" "$(node_says "$u")"
        local with
        with=$(node_says "$u" "$W/pki/$fix")
        if [ "$want" = OK ]; then
                check "$label: node with $fix" OK "$with"
        else
                if [ "$with" != OK ]; then ok "$label: node with $fix still fails ($with)"; else bad "$label: node with $fix connected"; fi
        fi
}
# --ca: the code with the file, the verdict, and Node with the same file.
row_ca() { # label ca-file expected-code-with-ca expected-verdict
        local label=$1 ca=$2 code=$3 verdict=$4 u
        u=$(url "$label")
        probe "$u" --ca "$W/pki/$ca"
        check "$label --ca $ca: unit-tls code" "$code" "$(code_or_ok node_code_with_ca)"
        check "$label --ca $ca: verdict" "$verdict" "$(field verdict)"
        check "$label --ca $ca: exit" "$([ "$code" = OK ] && echo 0 || echo 1)" "$P_RC"
        check "$label --ca $ca: node agrees" "$(code_or_ok node_code_with_ca)" "$(node_says "$u" "$W/pki/$ca")"
}

echo "# probe: research/node.md §4, row by row"
row leaf_root UNABLE_TO_VERIFY_LEAF_SIGNATURE unknown-issuer root.crt OK
check "leaf_root: names the missing CA" "CN=Test Root CA" "$(field missing)"
row_ca leaf_root root.crt OK trusted-with-ca

row leaf_root_plus_root SELF_SIGNED_CERT_IN_CHAIN trust-presented-root root.crt OK
check "leaf_root_plus_root: fingerprint of the presented root" "$(fp root.crt)" "$(field fingerprint)"
row_ca leaf_root_plus_root root.crt OK trusted-with-ca

row missing_inter UNABLE_TO_VERIFY_LEAF_SIGNATURE unknown-issuer inter_root.pem OK
check "missing_inter: names the intermediate" "CN=Test Intermediate CA" "$(field missing)"
row_ca missing_inter root.crt UNABLE_TO_VERIFY_LEAF_SIGNATURE unknown-issuer
contains "missing_inter --ca root.crt: says intermediate + root" "$(field message)" "intermediate + root"
row_ca missing_inter inter.crt UNABLE_TO_GET_ISSUER_CERT missing-intermediate
check "missing_inter --ca inter.crt: names the missing root" "CN=Test Root CA" "$(field missing)"
row_ca missing_inter inter_root.pem OK trusted-with-ca

row full_chain UNABLE_TO_GET_ISSUER_CERT_LOCALLY unknown-issuer root.crt OK
check "full_chain: names the root" "CN=Test Root CA" "$(field missing)"
row_ca full_chain inter.crt UNABLE_TO_GET_ISSUER_CERT missing-intermediate
row_ca full_chain root.crt OK trusted-with-ca

for s in ss_cafalse ss_catrue ss_nobc; do
        row $s DEPTH_ZERO_SELF_SIGNED_CERT self-signed-leaf $s.crt OK
        check "$s: fingerprint of the leaf" "$(fp $s.crt)" "$(field fingerprint)"
        row_ca $s $s.crt OK trusted-with-ca
done

row pve UNABLE_TO_VERIFY_LEAF_SIGNATURE unknown-issuer pveca.crt OK
contains "pve: names the PVE CA" "$(field missing)" "O=PVE Cluster Manager CA"
contains "pve: points at pve-root-ca.pem" "$(field message)" "/etc/pve/pve-root-ca.pem"
row_ca pve pveleaf.crt UNABLE_TO_VERIFY_LEAF_SIGNATURE unknown-issuer
row_ca pve pveca.crt OK trusted-with-ca

row pve_plus_ca SELF_SIGNED_CERT_IN_CHAIN trust-presented-root pveca.crt OK
check "pve_plus_ca: fingerprint of the PVE CA" "$(fp pveca.crt)" "$(field fingerprint)"
contains "pve_plus_ca: points at pve-root-ca.pem" "$(field message)" "/etc/pve/pve-root-ca.pem"
row_ca pve_plus_ca pveleaf.crt SELF_SIGNED_CERT_IN_CHAIN trust-presented-root

row expired CERT_HAS_EXPIRED unfixable root.crt FAIL
contains "expired: explains the override's danger" "$(field message)" "NODE_TLS_REJECT_UNAUTHORIZED=0"
row_ca expired root.crt CERT_HAS_EXPIRED unfixable

row other_name UNABLE_TO_VERIFY_LEAF_SIGNATURE unfixable root.crt FAIL
contains "other_name: says which names the cert has" "$(field message)" "DNS:pve.example.internal"
row_ca other_name root.crt ERR_TLS_CERT_ALTNAME_INVALID unfixable

row ca_nobc UNABLE_TO_VERIFY_LEAF_SIGNATURE unknown-issuer ca_nobc.crt FAIL
row_ca ca_nobc ca_nobc.crt INVALID_PURPOSE unfixable
contains "ca_nobc --ca: says CA:TRUE is missing" "$(field message)" "CA:TRUE"

u=$(url ca_false_sent)
probe "$u"
check "ca_false_sent: verdict" unfixable "$(field verdict)"
check "ca_false_sent: node agrees" "$(code_or_ok node_code)" "$(node_says "$u")"
with=$(node_says "$u" "$W/pki/ca_false.crt")
if [ "$with" != OK ]; then ok "ca_false_sent: node with ca_false.crt still fails ($with)"; else bad "ca_false_sent: node connected"; fi

echo "# probe: names, SNI, text output, usage"
u="https://localhost:${PORT[leaf_root]}/some/path?x=1"
probe "$u" --ca "$W/pki/root.crt"
check "localhost (SNI, DNS name check): verdict" trusted-with-ca "$(field verdict)"
check "localhost: node agrees" OK "$(node_says "$u" "$W/pki/root.crt")"
probe "https://localhost:${PORT[other_name]}/" --ca "$W/pki/root.crt"
check "localhost vs DNS:pve.example.internal: code" ERR_TLS_CERT_ALTNAME_INVALID "$(code_or_ok node_code_with_ca)"
check "localhost vs DNS:pve.example.internal: node agrees" ERR_TLS_CERT_ALTNAME_INVALID \
        "$(node_says "https://localhost:${PORT[other_name]}/" "$W/pki/root.crt")"

rc=0
out=$("${CLEAN[@]}" "$UT" probe "$(url pve_plus_ca)" 2>&1) || rc=$?
check "text: exit 1 for a finding" 1 "$rc"
contains "text: prints the chain" "$out" "subject: O=PVE Cluster Manager CA,OU=a1b2c3,CN=Proxmox Virtual Environment"
contains "text: prints the fingerprint" "$out" "SHA-256: $(fp pveca.crt)"
contains "text: prints Node's code" "$out" "Node.js: SELF_SIGNED_CERT_IN_CHAIN"
contains "text: prints the verdict" "$out" "verdict: trust-presented-root"
rc=0
out=$("${CLEAN[@]}" "$UT" probe "$(url pve)" --ca "$W/pki/pveca.crt" 2>&1) || rc=$?
check "text --ca that works: exit 0" 0 "$rc"

closed=$NEXT_PORT
while port_busy "$closed"; do closed=$((closed + 1)); done
rc=0
err=$("${CLEAN[@]}" "$UT" probe "https://127.0.0.1:$closed/" 2>&1 >/dev/null) || rc=$?
check "unreachable: exit 1" 1 "$rc"
check "unreachable: one line" 1 "$(printf '%s\n' "$err" | wc -l)"
contains "unreachable: names host:port and errno" "$err" "127.0.0.1:$closed (127.0.0.1): Connection refused"
for bad_url in "http://127.0.0.1/" "https://" "https://127.0.0.1:0/" "https://127.0.0.1:99999/" "https://::1/" \
        "https://[::1/" "https://user@host/" "https://bad host/" "127.0.0.1:443"; do
        rc=0
        "${CLEAN[@]}" "$UT" probe "$bad_url" >/dev/null 2>&1 || rc=$?
        check "bad URL '$bad_url': exit 2" 2 "$rc"
done
rc=0
"${CLEAN[@]}" "$UT" probe >/dev/null 2>&1 || rc=$?
check "no URL: exit 2" 2 "$rc"
rc=0
"${CLEAN[@]}" "$UT" probe "$(url pve)" --ca "$W/pki/nonexistent.pem" >/dev/null 2>&1 || rc=$?
check "missing --ca file: exit 2" 2 "$rc"

echo "# set --url under --root"
R=$W/root
mkdir -p "$R/etc/pve" "$R/etc/ssl" "$R/usr/lib/systemd/system" "$R/usr/bin" "$R/srv"
cp /etc/passwd /etc/group "$R/etc/"
printf '[Service]\nExecStart=/usr/bin/node /srv/a.js\n' > "$R/usr/lib/systemd/system/homepage.service"
printf '#!/bin/sh\nexit 0\n' > "$R/usr/bin/node" && chmod 755 "$R/usr/bin/node"
cp "$W/pki/pveca.crt" "$R/etc/pve/pve-root-ca.pem"
cp "$W/pki/root.crt" "$R/etc/ssl/test-root.pem"
cp "$W/pki/ss_cafalse.crt" "$R/etc/ssl/ss.pem"
DROPIN=$R/etc/systemd/system/homepage.service.d/tls.conf
set_rc() { # args...: sets S_RC, S_OUT (stdout+stderr)
        S_RC=0
        S_OUT=$("${CLEAN[@]}" "$UT" --root="$R" set homepage "$@" 2>&1) || S_RC=$?
}

set_rc --url "$(url pve)" --ca /etc/ssl/test-root.pem
check "set --url pve --ca wrong root: refused (2)" 2 "$S_RC"
contains "... says what would: the PVE CA" "$S_OUT" "O=PVE Cluster Manager CA"
contains "... and where it lives on Proxmox" "$S_OUT" "/etc/pve/pve-root-ca.pem"
check "... nothing written" no "$([ -e "$DROPIN" ] && echo yes || echo no)"

set_rc --url "$(url pve_plus_ca)" --ca /etc/ssl/test-root.pem
check "set --url pve+ca --ca wrong root: refused (2)" 2 "$S_RC"
contains "... names the presented root's fingerprint" "$S_OUT" "$(fp pveca.crt)"

set_rc --url "$(url missing_inter)" --ca /etc/ssl/test-root.pem
check "set --url missing intermediate --ca root: refused (2)" 2 "$S_RC"
contains "... says the intermediate is missing" "$S_OUT" "CN=Test Intermediate CA"

set_rc --url "$(url expired)" --ca /etc/ssl/test-root.pem
check "set --url expired --ca root: refused (2)" 2 "$S_RC"
contains "... says no CA can help" "$S_OUT" "no CA file can fix this"

set_rc --url "$(url pve)" --ca /etc/pve/pve-root-ca.pem --json
check "set --url pve --ca pve-root-ca.pem --json: accepted" 0 "$S_RC"
check "... drop-in written" yes "$([ -e "$DROPIN" ] && echo yes || echo no)"
contains "... with the CA" "$(cat "$DROPIN" 2>/dev/null)" 'NODE_EXTRA_CA_CERTS=/etc/pve/pve-root-ca.pem'

set_rc --url "$(url ss_cafalse)" --ca /etc/ssl/ss.pem --dry-run
check "set --url self-signed --ca the leaf itself: accepted" 0 "$S_RC"

set_rc --url "$(url pve)" --insecure --dry-run
check "set --url pve --insecure: refused (2)" 2 "$S_RC"
contains "... 'a CA would work'" "$S_OUT" "a CA would work:"
set_rc --url "$(url pve)" --insecure --force --dry-run
check "set --url pve --insecure --force: accepted" 0 "$S_RC"
contains "... still warns" "$S_OUT" "a CA would work"

set_rc --url "$(url expired)" --insecure --dry-run
check "set --url expired --insecure: accepted" 0 "$S_RC"
contains "... explains why --insecure was the only way" "$S_OUT" "--insecure is the only way"
contains "... and why" "$S_OUT" "has expired"
set_rc --url "$(url other_name)" --insecure --dry-run
check "set --url name mismatch --insecure: accepted" 0 "$S_RC"
contains "... explains the name" "$S_OUT" "DNS:pve.example.internal"

set_rc --url "https://127.0.0.1:$closed/" --ca /etc/pve/pve-root-ca.pem --dry-run
check "set --url unreachable: exit 1" 1 "$S_RC"
contains "... names host:port" "$S_OUT" "127.0.0.1:$closed"
set_rc --url "ftp://x/" --ca /etc/pve/pve-root-ca.pem --dry-run
check "set --url bad URL: exit 2" 2 "$S_RC"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
