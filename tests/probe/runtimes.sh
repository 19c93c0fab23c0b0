#!/bin/bash
# SPDX-License-Identifier: MIT
# The runtime facts table (issue 14), established by running the real runtimes: for each
# runtime and version, each trust setting against openssl s_server on 127.0.0.1, print
#   runtime  version  server  setting  https=RESULT  fetch=RESULT  [stderr note]
# RESULT is OK or the runtime's error code (UNABLE_TO_VERIFY_LEAF_SIGNATURE, ...).
# Needs root (mount namespaces stand in for the system store; setcap; setpriv).
#
# Usage: runtimes.sh [RUNTIME...]   e.g. node20 node@22.15.0 bun deno@2.0.0 debian-bookworm
#        with no argument: the default list below.  PRIV=0 skips the privilege section.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/runtimes.sh
. "$here/../lib/runtimes.sh"

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (unshare -m, setcap)"; exit 77; }
for t in openssl unshare setpriv setcap npm; do
	command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done

DEFAULT=(node20 node@22.14.0 node@22.15.0 node@22.18.0 node@22.19.0 node22 node@23.7.0 node@23.8.0
	node@23.9.0 node@23.10.0 node@24.5.0 node@24.6.0 node24 node@25.0.0 node26 debian-bookworm debian-trixie
	bun@1.1.27 bun@1.2.0 bun@1.2.23 bun@1.3.0 bun@1.3.1 bun@1.3.2 bun@1.3.5 bun@1.3.10 bun@1.3.14 bun@1.4.0 bun
	deno@2.0.0 deno@2.2.0 deno@2.5.0 deno@2.7.14 deno@2.8.0 deno@2.9.0 deno)
[ $# -gt 0 ] && RTS=("$@") || RTS=("${DEFAULT[@]}")

W=$(mktemp -d /tmp/unit-tls-rt.XXXXXX)
chmod 0755 "$W"
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

# ---- PKI -------------------------------------------------------------------------------
P=$W/pki; mkdir -p "$P"; cd "$P" || exit 1
O() { openssl "$@" 2>/dev/null; }
K=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n' >ext_ca
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n' >ext_leaf
# root, intermediate, leaf under the root; a second, unrelated root
O req -x509 "${K[@]}" -keyout root.key -out root.pem -days 3650 -subj "/CN=unit-tls Test Root CA" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
O req -x509 "${K[@]}" -keyout other.key -out other.pem -days 3650 -subj "/CN=unit-tls Other Root CA" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
O req -new "${K[@]}" -keyout inter.key -out inter.csr -subj "/CN=unit-tls Test Intermediate"
O x509 -req -in inter.csr -CA root.pem -CAkey root.key -CAcreateserial -days 3650 -extfile ext_ca -out inter.pem
O req -new "${K[@]}" -keyout leaf.key -out leaf.csr -subj "/CN=localhost"
O x509 -req -in leaf.csr -CA root.pem -CAkey root.key -CAcreateserial -days 365 -extfile ext_leaf -out leaf.pem
# an expired root (2020-01-01..2020-02-01) and a currently valid leaf under it
mkdir -p ca; : >ca/index.txt; echo 01 >ca/serial
cat >ca.cnf <<'EOF'
[ca]
default_ca=d
[d]
dir=ca
database=ca/index.txt
serial=ca/serial
new_certs_dir=ca
default_md=sha256
policy=p
unique_subject=no
[p]
commonName=supplied
[v3ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
EOF
O req -new "${K[@]}" -keyout old.key -out old.csr -subj "/CN=unit-tls Expired Root CA"
O ca -batch -config ca.cnf -selfsign -keyfile old.key -in old.csr -startdate 20200101000000Z \
	-enddate 20200201000000Z -extensions v3ca -notext -out old.pem
O req -new "${K[@]}" -keyout oldleaf.key -out oldleaf.csr -subj "/CN=localhost"
O x509 -req -in oldleaf.csr -CA old.pem -CAkey old.key -CAcreateserial -days 365 -extfile ext_leaf -out oldleaf.pem
# files for NODE_EXTRA_CA_CERTS
cat other.pem inter.pem old.pem root.pem >bundle.pem               # several certs, the anchor last
O x509 -in root.pem -trustout -addtrust serverAuth -out trusted.pem # BEGIN TRUSTED CERTIFICATE
mkdir -p hashdir; cp root.pem "hashdir/$(O x509 -in root.pem -noout -subject_hash).0"
for f in root.pem leaf.pem old.pem bundle.pem trusted.pem; do [ -s "$f" ] || { echo "FAIL: PKI: $f"; exit 1; }; done
grep -q 'BEGIN TRUSTED CERTIFICATE' trusted.pem || { echo "FAIL: PKI: trusted.pem"; exit 1; }
# system stores: each a whole /etc/ssl, laid over the real one in a private mount namespace
mkstore() { # NAME: a copy of /etc/ssl's openssl.cnf plus the layout NAME
	local d=$W/store-$1
	mkdir -p "$d/certs" "$d/private"; cp /etc/ssl/openssl.cnf "$d/" 2>/dev/null
	case $1 in
	bundle) cp root.pem "$d/certs/ca-certificates.crt" ;;                         # Debian's bundle file only
	bundle2) cat other.pem root.pem >"$d/certs/ca-certificates.crt" ;;            # the same, the anchor 2nd
	hashed) cp root.pem "$d/certs/$(O x509 -in root.pem -noout -subject_hash).0" ;;  # a hashed name only
	plain)  cp root.pem "$d/certs/my-ca.pem" ;;                                     # no hash, no bundle
	certpem) cp root.pem "$d/cert.pem" ;;                                           # OPENSSLDIR/cert.pem
	esac
}
for s in bundle bundle2 hashed plain certpem; do mkstore "$s"; done
chmod -R a+rX "$W"

# ---- servers (loopback only) -----------------------------------------------------------
free_port() { # a port nothing listens on, from a bounded range
	local p
	for p in $(seq "$1" $(($1 + 200))); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
	done
	return 1
}
serve() { # PORT CERT KEY
	openssl s_server -quiet -www -accept "127.0.0.1:$1" -cert "$2" -key "$3" >/dev/null 2>&1 </dev/null &
	PIDS+=($!)
	local _
	for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
	echo "FAIL: s_server on $1 did not start"; exit 1
}
PA=$(free_port 19440); serve "$PA" leaf.pem leaf.key       # leaf <- Test Root, leaf only
PB=$(free_port $((PA + 1))); serve "$PB" oldleaf.pem oldleaf.key # leaf <- Expired Root, leaf only

# ---- client: one https.get and one fetch; prints "https=R fetch=R" ----------------------
cat >"$W/client.mjs" <<'EOF'
import https from 'node:https';
import process from 'node:process';
const url = process.argv[process.argv.length - 1];
const code = (e) => {
  if (!e) return 'ERR';
  let c = e.code || (e.cause && (e.cause.code || e.cause.message)) || e.message || String(e);
  const m = /invalid peer certificate: ([A-Za-z]+)/.exec(String(c) + ' ' + (e.message || ''));
  if (m) c = 'rustls:' + m[1];
  return String(c).split('\n')[0].slice(0, 60).replace(/ /g, '_');
};
const viaHttps = () => new Promise((res) => {
  const t = setTimeout(() => res('TIMEOUT'), 8000);
  try {
    const r = https.get(url, (s) => { s.resume(); s.on('end', () => { clearTimeout(t); res('OK'); }); });
    r.on('error', (e) => { clearTimeout(t); res(code(e)); });
  } catch (e) { clearTimeout(t); res(code(e)); }
});
const viaFetch = async () => {
  if (typeof fetch !== 'function') return 'NOFETCH';
  try { const r = await fetch(url, { signal: AbortSignal.timeout(8000) }); await r.text(); return 'OK'; }
  catch (e) { return code(e); }
};
const a = await viaHttps();
const b = await viaFetch();
console.log(`https=${a} fetch=${b}`);
process.exit(0);
EOF
chmod 0644 "$W/client.mjs"
mkdir -p "$W/home" "$W/deno"; chmod 0777 "$W/home" "$W/deno"

# run KIND BIN STORE FLAGS ENV... : one client run; STORE is - or a store name (namespace)
BASEENV=(PATH=/usr/bin:/bin HOME="$W/home" DENO_DIR="$W/deno" DENO_NO_UPDATE_CHECK=1 NO_COLOR=1)
run1() {
	local kind=$1 bin=$2 store=$3 flags=$4 port=$5; shift 5
	local cmd=() out err rc
	# BIN may be "setpriv ... node" and FLAGS several words: split on purpose
	# shellcheck disable=SC2206
	case $kind in
	deno) cmd=($bin run -A $flags "$W/client.mjs") ;;
	*) cmd=($bin $flags "$W/client.mjs") ;;
	esac
	cmd+=("https://127.0.0.1:$port/")
	err=$W/stderr
	if [ "$store" = - ]; then
		out=$(cd / && timeout 30 env -i "${BASEENV[@]}" "$@" "${cmd[@]}" 2>"$err"); rc=$?
	else
		out=$(cd / && timeout 30 unshare -m --propagation private sh -c 'mount --bind "$0" /etc/ssl && exec "$@"' \
			"$W/store-$store" env -i "${BASEENV[@]}" "$@" "${cmd[@]}" 2>"$err"); rc=$?
	fi
	[ -n "$out" ] || out="exit=$rc $(grep -v '^\s*$' "$err" | head -n 1 | cut -c1-90)"
	local note=""
	grep -qi 'ignoring extra certs' "$err" && note="[warn: $(grep -i -m1 'ignoring extra certs' "$err" | cut -c1-110)]"
	grep -q 'Failed opening CA file\|not allowed in NODE_OPTIONS\|bad option' "$err" &&
		note="[stderr: $(grep -m1 'Failed opening CA file\|not allowed in NODE_OPTIONS\|bad option' "$err" | cut -c1-110)]"
	echo "$out $note"
}

row() { # label kind bin ver server store flags env...
	local label=$1 kind=$2 bin=$3 ver=$4 srv=$5 store=$6 flags=$7; shift 7
	local port=$PA; [ "$srv" = B ] && port=$PB
	printf '%-8s %-9s %s %-44s %s\n' "$label" "$ver" "$srv" "$(echo "$flags $* ${store/#-/}" | sed 's|'"$P"'/||g; s/  */ /g; s/^ //; s/ $//; s/^$/(none)/')" \
		"$(run1 "$kind" "$bin" "$store" "$flags" "$port" "$@")"
}

echo "# PKI: A = leaf<-'Test Root CA' (leaf only) on 127.0.0.1:$PA; B = valid leaf<-expired root on :$PB"
echo "# store-X = namespace with a private /etc/ssl: bundle=certs/ca-certificates.crt (bundle2: 2 certs, anchor 2nd), hashed=certs/<hash>.0,"
echo "#           plain=certs/my-ca.pem (no hash), certpem=/etc/ssl/cert.pem"
for rt in "${RTS[@]}"; do
	bin=$(rt_install "$rt") || { echo "FAIL: rt_install $rt"; continue; }
	case $rt in bun*) kind=bun ;; deno*) kind=deno ;; debian-*) kind=node ;; *) kind=node ;; esac
	ver=$(env -i "$bin" --version 2>/dev/null | head -n 1 | awk '{print ($1=="deno") ? $2 : $1}')
	label=$kind; [ "${rt#debian-}" != "$rt" ] && label=deb-${rt#debian-}
	R() { row "$label" "$kind" "$bin" "$ver" "$@"; }
	R A - ""
	R B - ""
	R A - "" NODE_EXTRA_CA_CERTS="$P/root.pem"
	R A - "" NODE_EXTRA_CA_CERTS="$P/leaf.pem"
	R A - "" NODE_EXTRA_CA_CERTS="$P/bundle.pem"
	R A - "" NODE_EXTRA_CA_CERTS="$P/trusted.pem"
	R A - "" NODE_EXTRA_CA_CERTS=/nonexistent.pem
	R B - "" NODE_EXTRA_CA_CERTS="$P/old.pem"
	R A - "" NODE_TLS_REJECT_UNAUTHORIZED=0
	R A - "" SSL_CERT_FILE="$P/root.pem"
	R A - "" SSL_CERT_DIR="$P/hashdir"
	for st in bundle bundle2 hashed plain certpem; do
		R A "$st" ""
		[ $kind = deno ] && continue
		R A "$st" "" NODE_USE_SYSTEM_CA=1
		R A "$st" --use-system-ca
		[ $kind = node ] && R A "$st" "" NODE_OPTIONS=--use-system-ca
	done
	if [ $kind != deno ]; then
		R A - "" NODE_USE_SYSTEM_CA=1 SSL_CERT_FILE="$P/root.pem"
		R A - "" NODE_USE_SYSTEM_CA=1 SSL_CERT_DIR="$P/hashdir"
		R A - --use-system-ca SSL_CERT_FILE="$P/root.pem"
		[ $kind = node ] && R A - --use-openssl-ca SSL_CERT_FILE="$P/root.pem"
	fi
	if [ $kind = deno ]; then
		R A - "" DENO_CERT="$P/root.pem"
		R A - "--cert $P/root.pem"
		R A - "" DENO_CERT=/nonexistent.pem
		for st in bundle bundle2 hashed plain certpem; do
			R A "$st" "" DENO_TLS_CA_STORE=system
			R A "$st" "" DENO_TLS_CA_STORE=mozilla,system
		done
		R A - "" DENO_TLS_CA_STORE=system SSL_CERT_FILE="$P/root.pem"
		R A - "" DENO_TLS_CA_STORE=system SSL_CERT_DIR="$P/hashdir"
		R A - --unsafely-ignore-certificate-errors
	fi
done

# ---- privilege: secure-exec (AT_SECURE) vs NODE_EXTRA_CA_CERTS / NODE_OPTIONS ----------------
[ "${PRIV:-1}" = 0 ] && exit 0
echo "# privilege: a copy of the binary with file capabilities or setuid, run as root / nobody"
for rt in node20 node@22.15.0 node22 node24 node26 bun; do
	src=$(rt_install "$rt") || continue
	case $rt in bun*) kind=bun ;; *) kind=node ;; esac
	ver=$(env -i "$src" --version | head -n 1)
	for mode in none cap_net_bind_service cap_net_raw cap_net_bind_service,cap_net_raw setuid; do
		d=$W/priv-$mode; mkdir -p "$d"; chmod 0755 "$d"
		cp "$src" "$d/$kind"; chmod 0755 "$d/$kind"
		case $mode in
		none) ;;
		setuid) chmod 4755 "$d/$kind" ;;
		*) setcap "$mode=+ep" "$d/$kind" || { echo "FAIL: setcap $mode"; continue; } ;;
		esac
		for who in root nobody; do
			[ "$mode" = setuid ] && [ $who = root ] && continue
			run=$d/$kind
			[ $who = nobody ] && run="setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all $d/$kind"
			# "STORE|FLAGS|ENV...": STORE - or a namespace store (see above)
			for set in "-||NODE_EXTRA_CA_CERTS=$P/root.pem" "bundle||NODE_USE_SYSTEM_CA=1" \
				"-||NODE_USE_SYSTEM_CA=1 SSL_CERT_FILE=$P/root.pem" "bundle|--use-system-ca|" \
				"bundle||NODE_OPTIONS=--use-system-ca" "-||NODE_OPTIONS=--use-openssl-ca SSL_CERT_FILE=$P/root.pem" \
				"-|--use-openssl-ca|SSL_CERT_FILE=$P/root.pem" "-||NODE_TLS_REJECT_UNAUTHORIZED=0"; do
				st=${set%%|*}; fl=${set#*|}; fl=${fl%%|*}; ev=${set##*|}
				[ "$rt" = node20 ] && [ "${set#*use-system-ca}" != "$set" ] && continue
				# shellcheck disable=SC2086
				r=$(run1 "$kind" "$run" "$st" "$fl" "$PA" $ev)
				printf '%-5s %-9s %-32s %-7s %-60s %s\n' "$kind" "$ver" "$mode" "$who" \
					"$(echo "$fl $ev ${st/#-/}" | sed "s|$P/||g; s/  */ /g; s/^ //")" "$r"
			done
		done
		rm -rf "$d"
	done
done
