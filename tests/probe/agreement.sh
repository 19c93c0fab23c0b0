#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14: unit-tls's prediction against what the real runtimes do.
#
# For each runtime (official Node 20/22/24/26 and two in-between versions, Bun, Deno and an older
# Deno, fetched and cached by tests/lib/runtimes.sh) and each case:
#   ca      set --ca ROOT          (the private root of the server's leaf)
#   system  set --system-store     (the root is in the OS store: /etc/ssl/certs/ca-certificates.crt
#                                   and its hashed link, as update-ca-certificates leaves them)
#   leaf    set --ca LEAF          (the server's own certificate, not a CA)
#   none    no trust setting       (status --json: nothing to trust the root with)
# unit-tls runs `set --dry-run --json` on a --root tree whose ExecStart= is that runtime (the real
# binary copied in), and its planned drop-in's Environment= lines are taken. The runtime then runs
# with exactly that environment (env -i + those variables; for a refused plan, the variable the
# naive fix would have written), inside `unshare -m` with a private /etc/ssl bind-mounted, against
# `openssl s_server` on 127.0.0.1 that sends only its leaf; the client makes one https.get and
# one fetch(). The prediction (planned and trusting, or refused / not trusting) must equal what
# the runtime did.
# Usage: agreement.sh [path/to/unit-tls] [RUNTIME...]
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
UT=$(realpath "${1:-$here/../../build/src/unit-tls}")
shift || true
# shellcheck source=../lib/runtimes.sh
. "$here/../lib/runtimes.sh"
DEFAULT=(node20 node@22.18.0 node22 node@24.5.0 node24 node26 bun bun@1.2.0 deno deno@2.5.0)
[ $# -gt 0 ] && RTS=("$@") || RTS=("${DEFAULT[@]}")

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (unshare -m, bind mounts)"; exit 77; }
for t in openssl python3 unshare timeout; do
	command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done

W=$(mktemp -d /tmp/unit-tls-agree.XXXXXX)
SERVER=
cleanup() {
	[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

# PKI: a private root, a leaf for 127.0.0.1 signed by it; the server sends the leaf only.
pki() {
	local o=$W/pki
	mkdir -p "$o"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$o/root.key" -out "$o/root.pem" -days 30 \
		-subj "/CN=unit-tls agreement root" -addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null || return 1
	openssl req -newkey rsa:2048 -nodes -keyout "$o/leaf.key" -out "$o/leaf.csr" -subj "/CN=127.0.0.1" 2>/dev/null &&
	openssl x509 -req -in "$o/leaf.csr" -CA "$o/root.pem" -CAkey "$o/root.key" -CAcreateserial -days 30 \
		-extfile <(printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n') \
		-out "$o/leaf.pem" 2>/dev/null
}
pki || { echo "FAIL: cannot make the test PKI"; exit 1; }

# Two private /etc/ssl trees: "plain" (the test files only) and "store" (the root in the OS store).
for s in plain store; do
	mkdir -p "$W/ssl-$s/certs" "$W/ssl-$s/agree"
	cp "$W/pki/root.pem" "$W/pki/leaf.pem" "$W/ssl-$s/agree/"
done
cp "$W/pki/root.pem" "$W/ssl-store/certs/ca-certificates.crt"
ln -s ca-certificates.crt "$W/ssl-store/certs/$(openssl x509 -in "$W/pki/root.pem" -noout -subject_hash).0"

PORT=$((20000 + RANDOM % 20000))
openssl s_server -quiet -accept "127.0.0.1:$PORT" -cert "$W/pki/leaf.pem" -key "$W/pki/leaf.key" -www \
	>/dev/null 2>&1 </dev/null &
SERVER=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

cat >"$W/client.mjs" <<EOF
import https from 'node:https';
const url = 'https://127.0.0.1:$PORT/';
const viaHttps = () => new Promise((res) => {
	https.get(url, (r) => { r.resume(); res('ok'); }).on('error', (e) => res(e.code || e.message));
});
const viaFetch = () => fetch(url).then(() => 'ok', (e) => String((e.cause && e.cause.code) || e.message));
const a = await viaHttps(), b = await viaFetch();
console.log(a === 'ok' && b === 'ok' ? 'trusted' : 'untrusted https=' + a + ' fetch=' + b);
process.exit(0);
EOF

# tree RTPATH KIND: a --root tree whose app.service runs the real binary
tree() {
	local bin=$1 kind=$2 t=$W/tree-$kind
	rm -rf "$t"
	mkdir -p "$t/etc/systemd/system" "$t/usr/bin" "$t/etc/ssl/agree"
	cp "$W/pki/root.pem" "$W/pki/leaf.pem" "$t/etc/ssl/agree/"
	cp "$bin" "$t/usr/bin/$kind"
	local args='/srv/app.js'
	[ "$kind" = deno ] && args='run -A /srv/app.ts'
	printf '[Unit]\nDescription=agreement\n[Service]\nExecStart=/usr/bin/%s %s\n' "$kind" "$args" \
		>"$t/etc/systemd/system/app.service"
	echo "$t"
}

# plan TREE CASE: prints "planned VAR=VAL..." or "refused CODE" (from set --dry-run --json)
plan() {
	local t=$1 c=$2 opt
	case $c in
	ca) opt=(--ca /etc/ssl/agree/root.pem) ;;
	leaf) opt=(--ca /etc/ssl/agree/leaf.pem) ;;
	system) opt=(--system-store) ;;
	none) echo "planned"; return ;;
	esac
	env -i PATH=/usr/bin:/bin "$UT" --root="$t" set app "${opt[@]}" --dry-run --json 2>/dev/null | python3 -c '
import json, sys
u = json.load(sys.stdin)["units"][0]
if u["refused"]:
    print("refused " + ",".join(f["code"] for f in u["findings"] if f["severity"] == "error"))
    sys.exit()
out = []
for line in u["diff"].splitlines():
    if line.startswith("+Environment="):
        v = line[len("+Environment="):]
        if v.startswith("\"") and v.endswith("\""):
            v = v[1:-1].replace("\\\"", "\"").replace("\\\\", "\\")
        out.append(v)
print(" ".join(["planned"] + out))'
}

# naive CASE KIND: the variable a refused plan would have written
naive() {
	case $1 in
	ca) echo NODE_EXTRA_CA_CERTS=/etc/ssl/agree/root.pem ;;
	leaf) echo NODE_EXTRA_CA_CERTS=/etc/ssl/agree/leaf.pem ;;
	system) [ "$2" = deno ] && echo DENO_TLS_CA_STORE=mozilla,system || echo NODE_USE_SYSTEM_CA=1 ;;
	esac
}

# run BIN KIND SSLDIR VAR...: what the runtime does
run() {
	local bin=$1 kind=$2 ssl=$3
	shift 3
	local cmd=("$bin" "$W/client.mjs")
	[ "$kind" = deno ] && cmd=("$bin" run -A --no-config "$W/client.mjs")
	timeout 30 unshare -m --propagation private sh -c 'mount --bind "$0" /etc/ssl && exec "$@"' \
		"$ssl" env -i PATH=/usr/bin:/bin HOME="$W/home" DENO_DIR="$W/deno" NO_COLOR=1 "$@" "${cmd[@]}" 2>&1 |
		tail -n 1
}

pass=0 fail=0
printf '%-16s %-7s %-60s %-10s %s\n' runtime case "unit-tls" runtime result
for rt in "${RTS[@]}"; do
	bin=$(rt_install "$rt") || { echo "FAIL $rt: rt_install"; fail=$((fail + 1)); continue; }
	case $rt in bun*) kind=bun ;; deno*) kind=deno ;; *) kind=node ;; esac
	t=$(tree "$bin" "$kind")
	ver=$(env -i "$UT" --root="$t" status app --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["units"][0]["runtime_version"])')
	for c in ca system leaf none; do
		p=$(plan "$t" "$c")
		ssl=$W/ssl-plain
		[ "$c" = system ] && ssl=$W/ssl-store
		if [ "${p%% *}" = planned ]; then
			# shellcheck disable=SC2086
			got=$(run "$bin" "$kind" "$ssl" ${p#planned})
			want=$([ "$c" = none ] && echo untrusted || echo trusted)
		else
			got=$(run "$bin" "$kind" "$ssl" "$(naive "$c" "$kind")")
			want=untrusted
		fi
		verdict=FAIL
		[ "${got%% *}" = "$want" ] && verdict=ok
		[ $verdict = ok ] && pass=$((pass + 1)) || fail=$((fail + 1))
		printf '%-16s %-7s %-60s %-10s %s\n' "$rt ($ver)" "$c" "${p:0:60}" "${got%% *}" "$verdict${got:+ }$([ $verdict = ok ] || echo "$got")"
	done
done
echo "$pass agree, $fail disagree"
[ "$fail" = 0 ]
