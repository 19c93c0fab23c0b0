#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/packaging/run.sh [UNIT_TLS] — run the maintainer-script snippets in
# data/packaging for real:
#   image tree   DPKG_ROOT=DIR postinst/postrm (offline, inside DIR only);
#   chroot       postinst and rpm-post inside a chroot of an overlay of /
#                (/proc mounted, /run/systemd/system present): offline;
#   container    a booted systemd with a running Node service: postinst sets
#                and restarts, runs idempotently, survives a failed restart
#                and a refused CA; policy-rc.d 101 → written, not restarted;
#                postrm purge unsets (also after the unit file is gone);
#                rpm-post / rpm-postun the same.
# One line per case (ok / FAIL / skip), then "N passed, M failed"; exit 1 on
# a failure, 77 when nothing could run (not root, no container support),
# never 77 under CI=true.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
snippets=$top/data/packaging
UNIT_TLS=${1:-${UNIT_TLS:-$top/build/src/unit-tls}}
[[ -x $UNIT_TLS ]] || { echo "unit-tls binary not found: $UNIT_TLS (pass it as argument or UNIT_TLS)" >&2; exit 2; }
UNIT_TLS=$(realpath "$UNIT_TLS")
export UNIT_TLS

results=$(mktemp /tmp/unit-tls-pkgtest.XXXXXX)
work=$(mktemp -d /tmp/unit-tls-pkgtest.XXXXXX)
cleanup() {
	local m
	for m in "$work/chroot/merged/proc" "$work/chroot/merged"; do
		if mountpoint -q "$m" 2>/dev/null; then umount "$m" 2>/dev/null || umount -l "$m"; fi
	done
	rm -rf --one-file-system "$work" "$results"
}
trap cleanup EXIT

ok() { printf 'ok   %s\n' "$1"; echo ok >>"$results"; }
bad() { printf 'FAIL %s: %s\n' "$1" "$2"; echo fail >>"$results"; }
skip() {
	if [[ ${CI:-} == true ]]; then bad "$1" "skipped under CI=true: $2"; return; fi
	printf 'skip %s (%s)\n' "$1" "$2"; echo skip >>"$results"
}
# case NAME CMD...: CMD prints the reason and returns non-zero on failure.
case_() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$name"; else bad "$name" "$(printf '%s' "$out" | tr '\n' ' ' | cut -c1-400)"; fi
}
summary() {
	local p f s
	p=$(grep -c '^ok$' "$results" || true)
	f=$(grep -c '^fail$' "$results" || true)
	s=$(grep -c '^skip$' "$results" || true)
	printf '%s passed, %s failed\n' "$p" "$f"
	((f == 0)) || return 1
	((p > 0 || s == 0)) || return 77
	return 0
}

# materialize SNIPPET UNIT CA OUT: the snippet with its placeholders filled.
materialize() { sed -e "s|@UNIT@|$2|g" -e "s|@CA@|$3|g" "$snippets/$1" >"$4"; chmod 0755 "$4"; }

# A CA valid for a year (no "expires soon" warning) and a server cert it signed.
pki=$work/pki
mkdir -p "$pki"
(
	cd "$pki"
	o() { env -i PATH=/usr/bin:/bin openssl "$@"; }
	o req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 -keyout ca.key -out ca.crt \
		-subj "/CN=unit-tls packaging test CA" -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign"
	o req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr -subj "/CN=localhost"
	printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
		"extendedKeyUsage=serverAuth" "subjectAltName=IP:127.0.0.1,DNS:localhost" >leaf.ext
	o x509 -req -in leaf.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -out leaf.crt -extfile leaf.ext
) >"$work/pki.log" 2>&1 || { cat "$work/pki.log" >&2; exit 1; }

for s in debian-postinst debian-postrm; do
	case_ "sh -n $s" sh -n "$snippets/$s"
done
for s in rpm-post rpm-postun; do
	case_ "sh -n $s" sh -n "$snippets/$s"
done

# ------------------------------------------------------------ image tree --
# A package installed into an image tree with dpkg --root: DPKG_ROOT is set,
# the unit and the CA exist only inside the tree.
img=$work/img
bin=$work/bin        # unit-tls on PATH, as an installed package would have it
mkdir -p "$img/etc/systemd/system" "$img/etc/myapp" "$img/usr/bin" "$bin"
ln -s "$UNIT_TLS" "$bin/unit-tls"
cp "$pki/ca.crt" "$img/etc/myapp/ca.pem"
write_img_unit() {
	cat >"$img/etc/systemd/system/myapp.service" <<-'EOF'
		[Service]
		ExecStart=/usr/bin/node /usr/lib/myapp/server.js
	EOF
}
write_img_unit
materialize debian-postinst myapp.service /etc/myapp/ca.pem "$work/postinst"
materialize debian-postrm myapp.service /etc/myapp/ca.pem "$work/postrm"
dropin=$img/etc/systemd/system/myapp.service.d/tls.conf
host_dropin=/etc/systemd/system/myapp.service.d/tls.conf
host_had_dropin=0; [[ -e $host_dropin ]] && host_had_dropin=1

# in_img SCRIPT ARG: run a maintainer script as dpkg --root would.
in_img() {
	env -i PATH="$bin:/usr/sbin:/usr/bin:/sbin:/bin" DPKG_ROOT="$img" \
		DPKG_MAINTSCRIPT_NAME="${1##*/}" DPKG_MAINTSCRIPT_PACKAGE=myapp "$@"
}
t_img_postinst() {
	local out
	out=$(in_img "$work/postinst" configure 2>&1) || { echo "exit $?: $out"; return 1; }
	[[ -f $dropin ]] || { echo "no drop-in in the tree; output: $out"; return 1; }
	grep -qx 'Environment="NODE_EXTRA_CA_CERTS=/etc/myapp/ca.pem"' "$dropin" || { cat "$dropin"; return 1; }
	[[ -z $out ]] || { echo "not quiet: $out"; return 1; }
	if [[ $host_had_dropin == 0 && -e $host_dropin ]]; then echo "wrote the HOST's $host_dropin"; return 1; fi
}
case_ "image tree: DPKG_ROOT postinst configure writes the drop-in inside the tree, quietly" t_img_postinst
t_img_again() {
	local before after out
	before=$(stat -c '%i %Y' "$dropin")
	out=$(in_img "$work/postinst" configure 2>&1) || { echo "exit $?: $out"; return 1; }
	after=$(stat -c '%i %Y' "$dropin")
	[[ $before == "$after" ]] || { echo "the file was rewritten ($before → $after)"; return 1; }
	[[ -z $out ]] || { echo "not quiet: $out"; return 1; }
}
case_ "image tree: postinst again is a no-op (same file, no output)" t_img_again
t_img_other_args() {
	in_img "$work/postinst" triggered >/dev/null 2>&1 && [[ -f $dropin ]]
}
case_ "image tree: postinst triggered leaves it alone" t_img_other_args
t_img_badca() {
	local out
	materialize debian-postinst myapp.service /etc/myapp/missing.pem "$work/postinst-bad"
	out=$(in_img "$work/postinst-bad" configure 2>&1) || { echo "the package failed: exit $? $out"; return 1; }
	grep -q 'was not changed' <<<"$out" || { echo "no message: $out"; return 1; }
	grep -qx 'Environment="NODE_EXTRA_CA_CERTS=/etc/myapp/ca.pem"' "$dropin" || { echo "drop-in changed"; return 1; }
}
case_ "image tree: a refused CA does not fail the package, says so" t_img_badca
t_img_purge() {
	local out
	out=$(in_img "$work/postrm" purge 2>&1) || { echo "exit $?: $out"; return 1; }
	[[ ! -e $dropin ]] || { echo "drop-in still there: $out"; return 1; }
	[[ -f $img/etc/systemd/system/myapp.service ]] || { echo "the unit file went away"; return 1; }
}
case_ "image tree: postrm purge removes the drop-in" t_img_purge
t_img_purge_unit_gone() {
	local out
	in_img "$work/postinst" configure >/dev/null 2>&1 && [[ -f $dropin ]] || { echo "setup failed"; return 1; }
	rm "$img/etc/systemd/system/myapp.service"     # dpkg removed the package's files first
	out=$(in_img "$work/postrm" purge 2>&1) || { echo "exit $?: $out"; return 1; }
	[[ ! -e $dropin && ! -e ${dropin%/*} ]] || { echo "drop-in left behind: $out"; return 1; }
}
case_ "image tree: postrm purge after the unit file is gone still removes it" t_img_purge_unit_gone
t_img_purge_no_tool() {
	local out
	write_img_unit
	in_img "$work/postinst" configure >/dev/null 2>&1 && [[ -f $dropin ]] || { echo "setup failed"; return 1; }
	[[ ! -e /usr/bin/unit-tls && ! -e /usr/sbin/unit-tls ]] || { echo "unit-tls is installed on the host: cannot test its absence"; return 0; }
	out=$(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DPKG_ROOT="$img" DPKG_MAINTSCRIPT_NAME=postrm "$work/postrm" purge 2>&1) ||
		{ echo "exit $?: $out"; return 1; }
	[[ ! -e $dropin ]] || { echo "drop-in left behind: $out"; return 1; }
}
case_ "image tree: postrm purge without unit-tls installed removes our drop-in" t_img_purge_no_tool
t_img_purge_foreign() {
	local out
	mkdir -p "${dropin%/*}"
	printf '[Service]\nEnvironment=NODE_EXTRA_CA_CERTS=/root/mine.pem\n' >"$dropin"
	out=$(in_img "$work/postrm" purge 2>&1) || { echo "exit $?: $out"; return 1; }
	[[ -f $dropin ]] || { echo "removed a drop-in unit-tls did not write"; return 1; }
	grep -q 'left .* in place' <<<"$out" || { echo "no message: $out"; return 1; }
	rm -rf "${dropin%/*}"
}
case_ "image tree: postrm purge keeps a tls.conf unit-tls did not write" t_img_purge_foreign

# ---------------------------------------------------------------- chroot --
# An image build that chroots (debootstrap, mmdebstrap, rpm --root, mock):
# an overlay of the host's / with /proc mounted. First without
# /run/systemd/system (a fresh tree: "not booted with systemd"), then with it
# (a bind-mounted /run), where only unit-tls's chroot check keeps it offline.
chroot_tests() {
	local m=$work/chroot/merged u=$work/chroot/upper out
	mkdir -p "$u" "$work/chroot/work" "$m"
	mount -t overlay overlay -o "lowerdir=/,upperdir=$u,workdir=$work/chroot/work" "$m" 2>/dev/null || return 1
	mount -t proc proc "$m/proc" || return 1
	mkdir -p "$m/etc/myapp" "$m/usr/local/sbin" "$m/var/tmp/pkg"
	rm -f "$m/usr/sbin/policy-rc.d"   # a build host's "exit 101" (Docker images ship one)
	install -m 0755 "$UNIT_TLS" "$m/usr/local/sbin/unit-tls"
	cp "$pki/ca.crt" "$m/etc/myapp/ca.pem"
	printf '[Service]\nExecStart=/usr/bin/node /usr/lib/myapp/server.js\n' >"$m/etc/systemd/system/ut-pkg-chroot.service"
	materialize debian-postinst ut-pkg-chroot.service /etc/myapp/ca.pem "$m/var/tmp/pkg/postinst"
	materialize rpm-post ut-pkg-chroot-rpm.service /etc/myapp/ca.pem "$m/var/tmp/pkg/rpm-post"
	materialize rpm-postun ut-pkg-chroot-rpm.service /etc/myapp/ca.pem "$m/var/tmp/pkg/rpm-postun"
	materialize debian-postrm ut-pkg-chroot.service /etc/myapp/ca.pem "$m/var/tmp/pkg/postrm"
	printf '[Service]\nExecStart=/usr/bin/node /srv/app.js\n' >"$m/etc/systemd/system/ut-pkg-chroot-rpm.service"
	return 0
}
in_chroot() { chroot "$work/chroot/merged" /usr/bin/env -i PATH=/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
t_chroot_postinst() {
	local out f=$work/chroot/upper/etc/systemd/system/ut-pkg-chroot.service.d/tls.conf
	out=$(in_chroot DPKG_MAINTSCRIPT_NAME=postinst sh /var/tmp/pkg/postinst configure 2>&1) || { echo "exit $?: $out"; return 1; }
	[[ -f $f ]] || { echo "no drop-in: $out"; return 1; }
	[[ -z $out ]] || { echo "not quiet: $out"; return 1; }
	# and what unit-tls says without -q: offline, nothing applied
	out=$(in_chroot unit-tls unset ut-pkg-chroot --dry-run 2>&1) || { echo "exit $?: $out"; return 1; }
	grep -q 'not applied (' <<<"$out" || { echo "unit-tls does not say it is offline in the chroot: $out"; return 1; }
}
t_chroot_rpm() {
	local out f=$work/chroot/upper/etc/systemd/system/ut-pkg-chroot-rpm.service.d/tls.conf
	out=$(in_chroot sh /var/tmp/pkg/rpm-post 1 2>&1) || { echo "exit $?: $out"; return 1; }
	[[ -f $f && -z $out ]] || { echo "no drop-in or not quiet: $out"; return 1; }
	out=$(in_chroot sh /var/tmp/pkg/rpm-post 2 2>&1) || { echo "upgrade: exit $?: $out"; return 1; }
	out=$(in_chroot sh /var/tmp/pkg/rpm-postun 1 2>&1) || { echo "postun 1: exit $?: $out"; return 1; }
	[[ -f $f ]] || { echo "%postun on upgrade removed the drop-in"; return 1; }
	out=$(in_chroot sh /var/tmp/pkg/rpm-postun 0 2>&1) || { echo "postun 0: exit $?: $out"; return 1; }
	[[ ! -e $f ]] || { echo "%postun on erase left the drop-in: $out"; return 1; }
}
t_chroot_postrm() {
	local out f=$work/chroot/upper/etc/systemd/system/ut-pkg-chroot.service.d/tls.conf
	out=$(in_chroot DPKG_MAINTSCRIPT_NAME=postrm sh /var/tmp/pkg/postrm purge 2>&1) || { echo "exit $?: $out"; return 1; }
	[[ ! -e $f ]] || { echo "drop-in left: $out"; return 1; }
}
if [[ $(id -u) != 0 ]]; then
	skip "chroot: postinst, rpm-post/postun, postrm" "needs root to mount an overlay and chroot"
elif ! chroot_tests; then
	skip "chroot: postinst, rpm-post/postun, postrm" "cannot mount an overlay of / here"
else
	case_ "chroot: postinst configure writes the drop-in, offline, quietly" t_chroot_postinst
	case_ "chroot: rpm-post 1/2 writes, rpm-postun 1 keeps, rpm-postun 0 removes" t_chroot_rpm
	case_ "chroot: postrm purge removes the drop-in" t_chroot_postrm
	# unit-tls, like systemd, spots a chroot by comparing / with /proc/1/root;
	# some sandboxes deny even root a stat of /proc/1/root (EACCES), and then
	# no tool can tell a chroot from the real system: not testable here.
	if stat -L /proc/1/root >/dev/null 2>&1; then
		mkdir -p "$work/chroot/merged/run/systemd/system"
		case_ "chroot with /run/systemd/system: postinst configure still offline" t_chroot_postinst
		case_ "chroot with /run/systemd/system: rpm-post/postun offline" t_chroot_rpm
		case_ "chroot with /run/systemd/system: postrm purge" t_chroot_postrm
		rmdir "$work/chroot/merged/run/systemd/system"
	else
		printf 'skip %s (%s)\n' "chroot with /run/systemd/system present" \
			"this sandbox denies stat /proc/1/root, so a chroot cannot be detected here"
		echo skip >>"$results"
	fi
fi
umount "$work/chroot/merged/proc" 2>/dev/null || true
umount "$work/chroot/merged" 2>/dev/null || true

# ------------------------------------------------------------- container --
# A booted systemd (tests/integration/lib.sh) with a running Node client of a
# private-CA HTTPS server. Runs in a subshell: lib.sh owns its EXIT trap.
container_tests() (
	# shellcheck source=tests/integration/lib.sh
	. "$top/tests/integration/lib.sh"
	exec 2>>"$work/container.log"
	ct_prepare
	ct_install_unit_tls
	ct_copy "$pki/ca.crt" /etc/myapp/ca.pem
	ct_https_server "$pki/leaf.crt" "$pki/leaf.key"
	ct_node_client myapp
	# restarts, then fails as soon as it is given the variable: a failed restart
	ct_node_client ut-fragile 'ExecStartPre=/bin/sh -c "test -z \"$${NODE_EXTRA_CA_CERTS:-}\""'
	for s in debian-postinst debian-postrm rpm-post rpm-postun; do
		materialize "$s" myapp.service /etc/myapp/ca.pem "$work/$s"
		ct_copy "$work/$s" "$CT_SHARE/$s" 0755
	done
	materialize debian-postinst ut-fragile.service /etc/myapp/ca.pem "$work/fragile-postinst"
	ct_copy "$work/fragile-postinst" "$CT_SHARE/fragile-postinst" 0755
	materialize debian-postinst myapp.service /etc/myapp/nope.pem "$work/bad-postinst"
	ct_copy "$work/bad-postinst" "$CT_SHARE/bad-postinst" 0755
	ct_start
	ct_exec rm -f /usr/sbin/policy-rc.d   # the host's, if any (Docker images ship an "exit 101")
	ct_wait_port "$CT_HTTPS_PORT" 10
	ct_wait_result myapp >/dev/null

	dpkg_run() { # dpkg_run SCRIPT ARG: as dpkg runs a maintainer script
		ct_exec env DPKG_MAINTSCRIPT_NAME="${1%%-*}" DPKG_MAINTSCRIPT_PACKAGE=myapp \
			sh "$CT_SHARE/$1" "$2"
	}
	pid() { ct_systemctl show -p MainPID --value "$1"; }
	f=$CT_ROOT/etc/systemd/system/myapp.service.d/tls.conf

	t_postinst() {
		local p0 out
		[[ $(ct_result myapp) == UNABLE_TO_VERIFY_LEAF_SIGNATURE* ]] || { echo "baseline: $(ct_result myapp)"; return 1; }
		p0=$(pid myapp)
		out=$(dpkg_run debian-postinst configure 2>&1) || { echo "exit $?: $out"; return 1; }
		[[ -z $out ]] || { echo "not quiet: $out"; return 1; }
		[[ -f $f ]] || { echo "no drop-in"; return 1; }
		[[ $(pid myapp) != "$p0" ]] || { echo "not restarted"; return 1; }
		[[ $(ct_unit_getenv myapp.service NODE_EXTRA_CA_CERTS) == /etc/myapp/ca.pem ]] || { echo "running process lacks the variable"; return 1; }
		[[ $(ct_wait_result myapp) == OK ]] || { echo "client: $(ct_result myapp)"; return 1; }
	}
	case_ "container: postinst configure sets, restarts; the service now verifies (OK)" t_postinst
	t_again() {
		local p0 out
		p0=$(pid myapp)
		out=$(dpkg_run debian-postinst configure 2>&1) || { echo "exit $?: $out"; return 1; }
		[[ -z $out && $(pid myapp) == "$p0" ]] || { echo "restarted or chatty: $out"; return 1; }
	}
	case_ "container: postinst again: no restart, no output" t_again
	t_purge() {
		local p0 out
		p0=$(pid myapp)
		out=$(dpkg_run debian-postrm purge 2>&1) || { echo "exit $?: $out"; return 1; }
		[[ ! -e $CT_MERGED/etc/systemd/system/myapp.service.d/tls.conf ]] || { echo "drop-in still there"; return 1; }
		[[ $(pid myapp) != "$p0" ]] || { echo "not restarted"; return 1; }
		if ct_unit_getenv myapp.service NODE_EXTRA_CA_CERTS >/dev/null; then echo "process still has the variable"; return 1; fi
	}
	case_ "container: postrm purge unsets and restarts" t_purge
	t_policy() {
		local p0 out loaded
		printf '#!/bin/sh\nexit 101\n' | ct_write /usr/sbin/policy-rc.d 0755
		p0=$(pid myapp)
		out=$(dpkg_run debian-postinst configure 2>&1) || { echo "exit $?: $out"; return 1; }
		grep -q 'policy-rc.d returned 101' <<<"$out" || { echo "does not say so: $out"; return 1; }
		[[ -f $CT_MERGED/etc/systemd/system/myapp.service.d/tls.conf ]] || { echo "not written"; return 1; }
		[[ $(pid myapp) == "$p0" ]] || { echo "restarted despite policy-rc.d"; return 1; }
		loaded=$(ct_systemctl show -p NeedDaemonReload,Environment myapp.service)
		grep -q '^NeedDaemonReload=no' <<<"$loaded" && grep -q 'NODE_EXTRA_CA_CERTS=/etc/myapp/ca.pem' <<<"$loaded" ||
			{ echo "not loaded by systemd: $loaded"; return 1; }
		if ct_unit_getenv myapp.service NODE_EXTRA_CA_CERTS >/dev/null; then echo "process got the variable"; return 1; fi
		# and policy-rc.d without dpkg (no DPKG_MAINTSCRIPT_NAME) is not consulted
		ct_exec rm -f /etc/systemd/system/myapp.service.d/tls.conf
		ct_daemon_reload
		out=$(ct_exec sh "$CT_SHARE/debian-postinst" configure 2>&1) || { echo "exit $?: $out"; return 1; }
		[[ $(pid myapp) != "$p0" ]] || { echo "outside dpkg: not restarted"; return 1; }
	}
	case_ "container: policy-rc.d 101 → written and loaded, not restarted, and said" t_policy
	t_policy_purge() {
		local p0 out
		p0=$(pid myapp)
		out=$(dpkg_run debian-postrm purge 2>&1) || { echo "exit $?: $out"; return 1; }
		grep -q 'policy-rc.d returned 101' <<<"$out" || { echo "does not say so: $out"; return 1; }
		[[ ! -e $CT_MERGED/etc/systemd/system/myapp.service.d/tls.conf ]] || { echo "not removed"; return 1; }
		[[ $(pid myapp) == "$p0" ]] || { echo "restarted despite policy-rc.d"; return 1; }
		ct_exec rm -f /usr/sbin/policy-rc.d
	}
	case_ "container: policy-rc.d 101 → postrm purge removes without a restart" t_policy_purge
	t_fragile() {
		local out
		out=$(dpkg_run fragile-postinst configure 2>&1) || { echo "the package failed: exit $? $out"; return 1; }
		grep -q 'failed (exit 1' <<<"$out" || { echo "no message: $out"; return 1; }
		# (that the service runs again after the rollback is unit-tls's part: t-14-rollback)
		[[ ! -e $CT_MERGED/etc/systemd/system/ut-fragile.service.d/tls.conf ]] || { echo "not rolled back"; return 1; }
	}
	case_ "container: a failed restart (rolled back) does not fail the package, says so" t_fragile
	t_badca() {
		local out
		out=$(dpkg_run bad-postinst configure 2>&1) || { echo "the package failed: exit $? $out"; return 1; }
		grep -q 'was not changed' <<<"$out" || { echo "no message: $out"; return 1; }
	}
	case_ "container: a missing CA file does not fail the package, says so" t_badca
	t_purge_unit_gone() {
		local out
		dpkg_run debian-postinst configure >/dev/null 2>&1
		[[ -f $CT_MERGED/etc/systemd/system/myapp.service.d/tls.conf ]] || { echo "setup failed"; return 1; }
		ct_systemctl stop myapp.service
		ct_exec rm /etc/systemd/system/myapp.service
		ct_daemon_reload
		out=$(dpkg_run debian-postrm purge 2>&1) || { echo "exit $?: $out"; return 1; }
		[[ ! -e $CT_MERGED/etc/systemd/system/myapp.service.d ]] || { echo "drop-in left behind: $out"; return 1; }
		[[ $(ct_systemctl show -p NeedDaemonReload --value myapp.service) == no ]] || { echo "not reloaded"; return 1; }
	}
	case_ "container: postrm purge after the unit file is gone removes the drop-in, reloads" t_purge_unit_gone
	t_rpm() {
		local p0 out
		ct_node_client myapp
		p0=$(pid myapp)
		out=$(ct_exec sh "$CT_SHARE/rpm-post" 1 2>&1) || { echo "%post exit $?: $out"; return 1; }
		[[ $(pid myapp) != "$p0" && $(ct_wait_result myapp) == OK ]] || { echo "not applied: $out"; return 1; }
		out=$(ct_exec sh "$CT_SHARE/rpm-postun" 1 2>&1) || { echo "%postun 1 exit $?: $out"; return 1; }
		[[ -f $CT_MERGED/etc/systemd/system/myapp.service.d/tls.conf ]] || { echo "%postun 1 removed it"; return 1; }
		out=$(ct_exec sh "$CT_SHARE/rpm-postun" 0 2>&1) || { echo "%postun 0 exit $?: $out"; return 1; }
		[[ ! -e $CT_MERGED/etc/systemd/system/myapp.service.d/tls.conf ]] || { echo "%postun 0 left it"; return 1; }
	}
	case_ "container: rpm %post sets and restarts; %postun 1 keeps, 0 removes" t_rpm
)

if [[ $(id -u) != 0 ]]; then
	skip "container: postinst/postrm/rpm against a running service" "needs root (systemd-nspawn)"
else
	rc=0
	container_tests || rc=$?
	if ((rc == 77)); then
		skip "container: postinst/postrm/rpm against a running service" "$(sed -n 's/^SKIP: //p' "$work/container.log" | tail -n1)"
	elif ((rc != 0)); then
		bad "container" "the scenario aborted (exit $rc): $(tail -n 5 "$work/container.log" | tr '\n' ' ')"
	fi
fi

rc=0
summary || rc=$?
exit "$rc"
