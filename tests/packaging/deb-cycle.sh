#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/packaging/deb-cycle.sh [debian12] [debian13] — the Debian package, built
# and used as Debian users use it, on Debian 12 (this machine's system) and
# Debian 13 (the cached root of tests/lib/debian13.sh):
#   1. data/packaging/build-deb.sh builds the changelog's version (unit tests
#      and lintian: no error, no warning) and an older one, UPSTREAM-0 (nocheck,
#      no lintian), on this machine and in the Debian 13 build layer
#      (tests/lib/debian13-build.sh); builds of unchanged sources are kept in
#      ${UT_CACHE:-/var/cache/unit-tls-test}/debs and not redone;
#   2. deb-cycle-ct.sh runs in a booted container of each system: apt-get
#      install of the old .deb, the seed story with /usr/sbin/unit-tls, the
#      generator, the upgrade to the new .deb, remove, purge.
# One line per step (ok / FAIL / skip) with its time, then "N passed, M failed".
# Needs root, systemd-nspawn, overlayfs and, the first time, the network
# (Debian's mirror, npm). Exit 0, 1 on a failure, 77 when nothing could run
# (never 77 under CI=true). DEB_BUILD_OPTIONS adds to parallel=2.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
dists=("$@")
((${#dists[@]})) || dists=(debian12 debian13)

pass=0 fail=0 skipped=0
ok() { printf 'ok   %s\n' "$1"; pass=$((pass + 1)); }
bad() { printf 'FAIL %s\n' "$1"; fail=$((fail + 1)); }
skip() {
	if [[ ${CI:-} == true ]]; then bad "$1 (skipped under CI=true)"; return; fi
	printf 'skip %s\n' "$1"; skipped=$((skipped + 1))
}
finish() {
	printf '%d passed, %d failed%s\n' "$pass" "$fail" "$( ((skipped)) && printf ', %d skipped' "$skipped")"
	((fail == 0)) || exit 1
	((pass > 0)) || exit 77
	exit 0
}
if [[ $(id -u) != 0 ]]; then skip "deb-cycle: needs root (dpkg-buildpackage's dependencies, containers)"; finish; fi

# shellcheck source=tests/lib/debian13-build.sh
. "$top/tests/lib/debian13-build.sh"
cache=$(_d13_cache)/debs
new_v=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$top/data/packaging/debian/changelog")
old_v=${new_v%-*}-0
opts=${DEB_BUILD_OPTIONS:+$DEB_BUILD_OPTIONS }parallel=2
t_all=$SECONDS

# build DIST VERSION [ARGS...]: set BUILT to the .deb's path (build-deb.sh's last line).
build() {
	local dist=$1 v=$2 o=$opts t0=$SECONDS out rc=0
	shift 2
	[[ $v == "$new_v" ]] || { o+=" nocheck"; set -- "$@" --no-lintian; }
	out=$(DEB_BUILD_OPTIONS=$o "$top/data/packaging/build-deb.sh" -o "$cache/$dist/$v" --version "$v" "$@" 2>"$cache/$dist.$v.err") || rc=$?
	sed 's/^/# /' "$cache/$dist.$v.err" >&2
	if ((rc)); then bad "build $dist $v ($((SECONDS - t0))s)"; return 1; fi
	ok "build $dist $v ($((SECONDS - t0))s)"
	BUILT=$(tail -n1 <<<"$out")
}

for dist in "${dists[@]}"; do
	mkdir -p "$cache/$dist"
	lower='' root_args=()
	case $dist in
	debian12)
		[[ $(. /etc/os-release && echo "$VERSION_ID") == 12 ]] || { skip "$dist: this machine is not Debian 12"; continue; }
		;;
	debian13)
		if ! lower=$(d13_build_root); then skip "$dist: no Debian 13 build root (see above)"; continue; fi
		root_args=(--root "$lower")
		;;
	*) bad "$dist: unknown system (debian12, debian13)"; continue ;;
	esac
	build "$dist" "$old_v" "${root_args[@]}" || continue
	old=$BUILT
	build "$dist" "$new_v" "${root_args[@]}" || continue
	new=$BUILT
	t0=$SECONDS rc=0
	ct_lower=''
	[[ $dist == debian13 ]] && ct_lower=${lower##*:}
	CT_LOWER=$ct_lower "$here/deb-cycle-ct.sh" "$old" "$new" 2>"$cache/$dist.cycle.log" >"$cache/$dist.cycle.out" || rc=$?
	sed 's/^/# /' "$cache/$dist.cycle.log" >&2
	summary=$(tail -n1 "$cache/$dist.cycle.out")
	case $rc in
	0) ok "$dist: install, seed story, generator, upgrade, remove, purge ($((SECONDS - t0))s): $summary" ;;
	77) skip "$dist: container cycle ($(grep -m1 '^SKIP' "$cache/$dist.cycle.log" || true))" ;;
	*) bad "$dist: container cycle ($((SECONDS - t0))s): $(grep -m1 '^FAIL' "$cache/$dist.cycle.log" || echo "exit $rc")" ;;
	esac
done
printf '# deb-cycle: %ss in all\n' "$((SECONDS - t_all))"
finish
