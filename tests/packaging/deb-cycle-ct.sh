#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/packaging/deb-cycle-ct.sh OLD.deb NEW.deb — the Debian package used as
# users use it, in one booted container (the host's system, or CT_LOWER=DIR):
#   1. a Node service fails on a private CA; nothing of unit-tls is there;
#   2. apt-get install ./OLD.deb: unit-tls in /usr/sbin, the generator in
#      systemd's generator directory, man pages, completion, /etc/unit-tls.d;
#   3. the seed story with the installed /usr/sbin/unit-tls: set --ca,
#      verified, the service now OK;
#   4. a declaration in /etc/unit-tls.d: daemon-reload runs the package's
#      generator, its drop-in is under /run/systemd/generator, the service OK;
#   5. apt-get install ./NEW.deb (an upgrade): /etc/unit-tls.d kept, the
#      drop-ins kept, the generator still applies it;
#   6. apt-get remove: no file of the package left, the generated drop-in gone
#      (that service fails again), the drop-in `set` wrote and the
#      declaration stay and still work;
#   7. apt-get purge: dpkg forgets the package, no file of it anywhere, the
#      administrator's files stay.
# Called by deb-cycle.sh; exit 0 pass, 1 fail, 77 skip (not under CI=true).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/../integration/lib.sh"

old_deb=${1:?usage: deb-cycle-ct.sh OLD.deb NEW.deb}
new_deb=${2:?usage: deb-cycle-ct.sh OLD.deb NEW.deb}
[[ -f $old_deb && -f $new_deb ]] || ct_fail "no such .deb: $old_deb $new_deb"
old_v=$(dpkg-deb -f "$old_deb" Version) new_v=$(dpkg-deb -f "$new_deb" Version)
readonly DEBS=$CT_SHARE/debs CA=$CT_SHARE/ca/ca.crt FAIL=UNABLE_TO_VERIFY_LEAF_SIGNATURE
readonly DECL=/etc/unit-tls.d/ut.conf GEN=/run/systemd/generator/ut-gen.service.d/50-unit-tls.conf
readonly SETDROPIN=/etc/systemd/system/ut-homepage.service.d/tls.conf

t_all=$(ct_now)
declare -A T
step() { T[$1]=$(ct_elapsed "$t_step"); ct_log "--- $1 done in ${T[$1]}s"; t_step=$(ct_now); }
t_step=$(ct_now)

ct_prepare
ct_start
# ut-homepage gets trust from `unit-tls set`, ut-gen from /etc/unit-tls.d.
pki_make "$CT_DIR/pki"
ct_https_server "$CT_DIR/pki/leaf.crt" "$CT_DIR/pki/leaf.key"
ct_copy "$CT_DIR/pki/ca.crt" "$CA"
ct_node_client ut-homepage
ct_node_client ut-gen
ct_assert_eq "ut-homepage before" "$FAIL" "$(ct_wait_result ut-homepage)"
ct_assert_eq "ut-gen before" "$FAIL" "$(ct_wait_result ut-gen)"
ct_copy "$old_deb" "$DEBS/$(basename "$old_deb")"
ct_copy "$new_deb" "$DEBS/$(basename "$new_deb")"
# shellcheck disable=SC2016 # expanded in the container
os=$(ct_sh '. /etc/os-release; echo "$PRETTY_NAME"')
ct_log "container: $os, systemd $(ct_exec systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p'), node $(ct_exec "${UT_NODE:-$(_ct_which node)}" --version)"
# Nothing of unit-tls before the package: no binary on PATH, no generator.
if ct_sh 'command -v unit-tls' >/dev/null; then ct_fail "unit-tls is on PATH before the package is installed"; fi
if ct_sh 'ls /etc/systemd/system-generators/*unit-tls* /usr/local/lib/systemd/system-generators/*unit-tls* /lib/systemd/system-generators/*unit-tls* /usr/lib/systemd/system-generators/*unit-tls* 2>/dev/null' | grep -q .; then
	ct_fail "a unit-tls generator exists before the package is installed"
fi
step boot

# apt_get ARGS...: apt-get in the container, as an administrator runs it; logged.
apt_get() {
	local out rc=0
	# shellcheck disable=SC2016 # the inner shell expands its own arguments
	out=$(ct_exec_t 600 env DEBIAN_FRONTEND=noninteractive bash -c 'cd "$1" && shift && apt-get "$@"' _ "$DEBS" -y "$@" 2>&1) || rc=$?
	printf '%s\n' "$out" | sed 's/^/#   apt: /' >&2
	((rc == 0)) || ct_fail "apt-get $* exited $rc"
	APT_OUT=$out
}
# shellcheck disable=SC2016 # dpkg-query's format, not ours
status() { ct_exec dpkg-query -W -f '${db:Status-Abbrev}${Version}' unit-tls 2>/dev/null || true; }

# --- 2. install
apt_get install "./$(basename "$old_deb")"
ct_assert_eq "dpkg status after install" "ii $old_v" "$(status)"
ct_assert_eq "unit-tls on PATH" /usr/sbin/unit-tls "$(ct_sh 'command -v unit-tls')"
ct_assert_eq "owner of /usr/sbin/unit-tls" "unit-tls: /usr/sbin/unit-tls" "$(ct_exec dpkg -S /usr/sbin/unit-tls)"
ct_exec dpkg -L unit-tls >"$CT_DIR/files"
sed 's/^/#   dpkg -L: /' "$CT_DIR/files" >&2
gen=$(grep -E '/system-generators/unit-tls-generator$' "$CT_DIR/files") || ct_fail "the package ships no generator"
# The generator directory systemd itself runs (Debian 12: /lib, 13: /usr/lib).
case $gen in
/lib/systemd/system-generators/* | /usr/lib/systemd/system-generators/*) ct_log "ok: generator at $gen" ;;
*) ct_fail "generator at $gen, not in systemd's system-generators directory" ;;
esac
for f in /usr/share/man/man8/unit-tls.8.gz /usr/share/man/man5/unit-tls.d.5.gz \
	/usr/share/bash-completion/completions/unit-tls /etc/unit-tls.d /etc/unit-tls; do
	grep -qxF "$f" "$CT_DIR/files" || ct_fail "the package does not ship $f"
	ct_exec test -e "$f" || ct_fail "$f missing after install"
done
ct_assert_eq "completion" "complete -F _unit_tls unit-tls" \
	"$(ct_exec bash --norc --noprofile -c '. /usr/share/bash-completion/completions/unit-tls && complete -p unit-tls')"
[[ $(ct_exec unit-tls --version) == *"${old_v%-*}"* ]] || ct_fail "unit-tls --version does not say ${old_v%-*}"
for f in /usr/share/man/man8/unit-tls.8.gz /usr/share/man/man5/unit-tls.d.5.gz; do
	ct_exec zcat "$f" >"$CT_DIR/man"
	grep -Eq '^\.(TH|Dt) ' "$CT_DIR/man" || ct_fail "$f is not a man page"
done
step install

# --- 3. the seed story, with the packaged binary
out=$(ct_exec /usr/sbin/unit-tls set ut-homepage --ca "$CA" 2>&1) || ct_fail "unit-tls set failed: $out"
printf '%s\n' "$out" | sed 's/^/#   set: /' >&2
pid=$(ct_main_pid ut-homepage.service)
grep -qF "ut-homepage.service: loaded by systemd, restarted; running process (PID $pid) verified: NODE_EXTRA_CA_CERTS=$CA" <<<"$out" ||
	ct_fail "set did not report the verified restart"
ct_assert_eq "ut-homepage after set" OK "$(ct_wait_result ut-homepage)"
ct_exec /usr/sbin/unit-tls status ut-homepage >"$CT_DIR/status" || ct_fail "status exited non-zero: $(cat "$CT_DIR/status")"
grep -q 'verdict: *ok' "$CT_DIR/status" || ct_fail "status: $(cat "$CT_DIR/status")"
ct_exec test -f "$SETDROPIN" || ct_fail "no $SETDROPIN"
step seed-story

# --- 4. the generator, from the package's path, at daemon-reload
printf '# unit-tls.d(5): declared by the administrator\n[ut-gen]\nCA=%s\n' "$CA" | ct_write "$DECL" 0644
ct_daemon_reload
ct_exec test -f "$GEN" || ct_fail "daemon-reload: the generator wrote no $GEN"
ct_exec head -n1 "$GEN" | grep -qF "Generated by unit-tls-generator from $DECL" || ct_fail "$GEN: $(ct_exec cat "$GEN")"
ct_systemctl show -p DropInPaths --value ut-gen.service | grep -qF "$GEN" || ct_fail "systemd did not load $GEN"
ct_systemctl restart ut-gen.service
ct_assert_eq "ut-gen after the declaration" OK "$(ct_wait_result ut-gen)"
decl_sum=$(ct_exec sha256sum "$DECL")
step generator

# --- 5. upgrade
apt_get install "./$(basename "$new_deb")"
ct_assert_eq "dpkg status after the upgrade" "ii $new_v" "$(status)"
grep -q "Unpacking unit-tls ($new_v) over ($old_v)" <<<"$APT_OUT" || ct_fail "apt did not upgrade $old_v to $new_v"
ct_assert_eq "declaration after the upgrade" "$decl_sum" "$(ct_exec sha256sum "$DECL")"
ct_exec test -f "$SETDROPIN" || ct_fail "the upgrade removed $SETDROPIN"
ct_daemon_reload
ct_exec test -f "$GEN" || ct_fail "after the upgrade, daemon-reload: no $GEN"
ct_systemctl restart ut-gen.service ut-homepage.service
ct_assert_eq "ut-gen after the upgrade" OK "$(ct_wait_result ut-gen)"
ct_assert_eq "ut-homepage after the upgrade" OK "$(ct_wait_result ut-homepage)"
ct_exec dpkg -L unit-tls >"$CT_DIR/files"
step upgrade

# left_behind: every path the package listed that still exists must be a
# directory that is not empty or that another package owns too.
left_behind() {
	# shellcheck disable=SC2016 # the inner script expands its own variables
	ct_exec bash -c 'while IFS= read -r p; do
		[ -e "$p" ] || [ -L "$p" ] || continue
		if [ -d "$p" ]; then   # (also /lib, a symlink to usr/lib on merged /usr)
			[ -n "$(ls -A "$p")" ] && continue
			dpkg-query -S "$p" >/dev/null 2>&1 && continue
		fi
		echo "$p"
	done' <"$CT_DIR/files"
}

# --- 6. remove
apt_get remove unit-tls
ct_assert_eq "dpkg status after remove" "rc $new_v" "$(status)"
left=$(left_behind) || ct_fail "cannot list what remove left"
[[ -z $left ]] || ct_fail "apt-get remove left: $left"
if ct_sh 'command -v unit-tls' >/dev/null; then ct_fail "unit-tls still on PATH after remove"; fi
if ct_exec test -e "$GEN"; then ct_fail "the generator's drop-in $GEN outlived the package"; fi
ct_assert_eq "declaration after remove" "$decl_sum" "$(ct_exec sha256sum "$DECL")"
ct_exec test -f "$SETDROPIN" || ct_fail "remove deleted the administrator's $SETDROPIN"
ct_systemctl restart ut-gen.service ut-homepage.service
ct_assert_eq "ut-homepage after remove (its drop-in stays)" OK "$(ct_wait_result ut-homepage)"
ct_assert_eq "ut-gen after remove (no generator)" "$FAIL" "$(ct_wait_result ut-gen)"
step remove

# --- 7. purge
apt_get purge unit-tls
ct_assert_eq "dpkg status after purge" "" "$(status | sed 's/^un *$//')"
left=$(left_behind) || ct_fail "cannot list what purge left"
[[ -z $left ]] || ct_fail "apt-get purge left: $left"
if ct_exec bash -c 'ls /var/lib/dpkg/info/unit-tls.* 2>/dev/null' | grep -q .; then ct_fail "dpkg still has unit-tls's info files"; fi
ct_assert_eq "declaration after purge" "$decl_sum" "$(ct_exec sha256sum "$DECL")"
ct_exec test -f "$SETDROPIN" || ct_fail "purge deleted the administrator's $SETDROPIN"
# Everything the container created or changed is in the overlay's upper dir:
# no file named after unit-tls there but the test's own and the administrator's.
stray=$(cd "$CT_ROOT" && find . -name '*unit-tls*' ! -path ".$CT_SHARE" ! -path ".$CT_SHARE/*" \
	! -path ./etc/unit-tls.d ! -path ".$DECL" | sed 's/^\.//')
[[ -z $stray ]] || ct_fail "after purge, files named after unit-tls remain: $stray"
ct_log "ok: after purge only the administrator's files remain: $DECL, $SETDROPIN"
step purge

printf 'deb-cycle %s: boot %ss, install %ss, seed story %ss, generator %ss, upgrade %ss, remove %ss, purge %ss; total %ss\n' \
	"$os" "${T[boot]}" "${T[install]}" "${T[seed-story]}" "${T[generator]}" "${T[upgrade]}" "${T[remove]}" "${T[purge]}" "$(ct_elapsed "$t_all")"
