#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/completion/run.sh [UNIT_TLS] — drive data/bash-completion/unit-tls the
# way bash does (COMP_WORDS/COMP_CWORD, then _unit_tls) in a clean bash.
# One line per case (ok / FAIL), then "N passed, M failed"; exit 1 on failure.
# With UNIT_TLS, also checks that every option of `unit-tls --help` completes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
comp=$top/data/bash-completion/unit-tls
UNIT_TLS=${1:-${UNIT_TLS:-}}

tmp=$(mktemp -d /tmp/unit-tls-comptest.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { printf 'ok   %s\n' "$1"; pass=$((pass + 1)); }
bad() { printf 'FAIL %s: %s\n' "$1" "$2"; fail=$((fail + 1)); }

# An OS tree for --root: units in every directory of the search path.
root=$tmp/img
mkdir -p "$root/etc/systemd/system" "$root/run/systemd/system" "$root/usr/lib/systemd/system" \
	"$root/lib/systemd/system" "$root/etc/systemd/user" "$root/etc/pve" "$root/etc/pki"
touch "$root/etc/systemd/system/homepage.service" "$root/run/systemd/system/runtime-app.service" \
	"$root/usr/lib/systemd/system/uptime-kuma.service" "$root/lib/systemd/system/legacy.service" \
	"$root/etc/systemd/system/getty@.service" "$root/etc/systemd/system/other.socket" \
	"$root/etc/systemd/user/user-app.service" "$root/etc/pve/pve-root-ca.pem" "$root/etc/pve/pve-ssl.pem"
ln -s /dev/null "$root/etc/systemd/system/masked.service"
mkdir -p "$tmp/cwd/certs"
touch "$tmp/cwd/ca.pem" "$tmp/cwd/cab.pem" "$tmp/cwd/certs/x.pem"

# complete_words WORD...: the candidates bash would offer for the last WORD
# (the cursor), one per line, sorted. "--root=DIR" is split at "=" the way
# COMP_WORDBREAKS does. Runs in a clean bash, in $tmp/cwd.
complete_words() {
	(cd "$tmp/cwd" && env -i HOME="$tmp/home" PATH=/usr/bin:/bin bash --norc --noprofile -c '
		set -u
		. "$1"; shift
		COMP_WORDS=(); for w in "$@"; do
			if [[ $w == --*=* ]]; then COMP_WORDS+=("${w%%=*}" "=" ); [[ -n ${w#*=} ]] && COMP_WORDS+=("${w#*=}")
			elif [[ $w == --*= ]]; then COMP_WORDS+=("${w%=}" "=")
			else COMP_WORDS+=("$w"); fi
		done
		# a trailing "--opt=" leaves the cursor on the "=" word; otherwise on the last word
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_unit_tls unit-tls "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]:-}"
		printf "%s\n" "${COMPREPLY[@]}" | sed "/^$/d" | sort
	' _ "$comp" "$@")
}
# expect NAME "EXPECTED (space separated)" WORD...
expect() {
	local name=$1 want got
	want=$(tr ' ' '\n' <<<"$2" | sed '/^$/d' | sort)
	shift 2
	if ! got=$(complete_words "$@" 2>&1); then bad "$name" "completion failed: $got"; return; fi
	if [[ $got == "$want" ]]; then ok "$name"; else bad "$name" "expected [$(echo $want)] got [$(echo $got)]"; fi
}
# expect_has NAME "MUST CONTAIN" WORD...
expect_has() {
	local name=$1 w got missing=''
	local -a must
	read -ra must <<<"$2"
	shift 2
	got=$(complete_words "$@" 2>&1) || { bad "$name" "completion failed: $got"; return; }
	for w in "${must[@]}"; do grep -qxF -- "$w" <<<"$got" || missing+=" $w"; done
	if [[ -z $missing ]]; then ok "$name"; else bad "$name" "missing:$missing (got: $(echo $got))"; fi
}

# The file registers itself for the command.
if reg=$(bash --norc --noprofile -c '. "$1"; complete -p unit-tls' _ "$comp" 2>&1) && [[ $reg == "complete -F _unit_tls unit-tls" ]]; then
	ok "complete -p unit-tls: complete -F _unit_tls unit-tls"
else
	bad "complete -p unit-tls" "$reg"
fi
if out=$(bash -n "$comp" 2>&1); then ok "bash -n"; else bad "bash -n" "$out"; fi

expect "verbs" "set unset status audit probe apply" unit-tls ""
expect "verbs by prefix" "set status" unit-tls s
expect "verbs after an option" "unset" unit-tls -q un
expect_has "options" "--ca --dry-run --root= --user --no-restart --no-ask-password --json --quiet" unit-tls set homepage --
expect "option by prefix" "--no-reload --no-restart --no-rollback --no-ask-password" unit-tls set x --no-
expect "--ca: files" "ca.pem cab.pem certs" unit-tls set x --ca ""
expect "--ca: files by prefix" "ca.pem cab.pem" unit-tls set x --ca ca
expect "--ca=: files after =" "ca.pem cab.pem" unit-tls set x --ca=ca
expect "--ca in a subdirectory" "certs/x.pem" unit-tls set x --ca certs/
expect "--ca under --root: the tree's files" "/etc/pve/pve-root-ca.pem /etc/pve/pve-ssl.pem" \
	unit-tls "--root=$root" set homepage --ca /etc/pve/pve-
expect "--ca under --root: directories end in /" "/etc/pve/" unit-tls --root "$root" set homepage --ca /etc/pv
expect "--url: nothing" "" unit-tls set homepage --url ""
expect "--drop-in=: nothing" "" unit-tls set homepage --drop-in=
expect "--root=: directories" "$tmp/img" unit-tls "--root=$tmp/im"
expect "units under --root=DIR (etc, run, usr/lib, lib; no sockets)" \
	"getty@.service homepage.service legacy.service masked.service runtime-app.service uptime-kuma.service" \
	unit-tls "--root=$root" set ""
expect "units under --root DIR, by prefix" "uptime-kuma.service" unit-tls --root "$root" status up
expect "units: --root after the verb" "homepage.service" unit-tls unset "--root=$root" ho
expect "units: --user under --root" "user-app.service" unit-tls "--root=$root" --user set ""
expect "units: several" "legacy.service" unit-tls "--root=$root" set homepage le
expect "audit: no units" "" unit-tls "--root=$root" audit ""
expect "probe: a URL, nothing" "" unit-tls probe ""
# Without --root: the host's unit directories.
host_units=$(for d in /etc/systemd/system /run/systemd/system /usr/local/lib/systemd/system \
	/usr/lib/systemd/system /lib/systemd/system; do
	for f in "$d"/*.service; do [[ -e $f || -L $f ]] && echo "${f##*/}"; done
done | sort -u)
if [[ -n $host_units ]]; then
	expect "units from the host's directories" "$(echo $host_units)" unit-tls status ""
else
	ok "units from the host's directories (none on this host)"
fi

# Every option of --help is offered.
if [[ -n $UNIT_TLS ]]; then
	all=$(complete_words unit-tls -)
	missing=''
	for o in $("$UNIT_TLS" --help | grep -oE -- '(^|[ ,])--?[a-z][a-z-]*' | tr -d ' ,' | sort -u); do
		grep -qxE -- "$o=?" <<<"$all" || missing+=" $o"
	done
	if [[ -z $missing ]]; then ok "every option of --help completes"; else bad "every option of --help completes" "missing:$missing"; fi
fi

printf '%s passed, %s failed\n' "$pass" "$fail"
((fail == 0))
