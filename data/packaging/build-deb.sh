#!/bin/bash
# SPDX-License-Identifier: MIT
# data/packaging/build-deb.sh [OPTIONS] — build the Debian package of unit-tls.
#
# From the files of this checkout (git's tracked files, as they are in the work
# tree; every file but build*/ when it is not a git clone), in a temp dir:
#   unit-tls_VERSION.orig.tar.xz    the upstream tree, as it is
#   unit-tls-VERSION/debian/        data/packaging/debian placed at the top
# then `dpkg-buildpackage -us -uc` (source and binary: the .dsc is what lintian
# checks of the source), then lintian on the .changes: an error or a warning
# fails the build. The results land in OUTDIR:
#   unit-tls_VERSION-REV_ARCH.deb (and -dbgsym), .dsc, .orig.tar.xz,
#   .debian.tar.xz, .changes, .buildinfo, build.log, lintian.txt
#
# On this machine (default): the Build-Depends that are missing are installed
# with apt-get (as root), with build-essential, dpkg-dev and lintian.
# With --root LOWER: the build runs in a systemd-nspawn container of an overlay
# over LOWER (a root, or an overlay lowerdir list "LAYER:ROOT") that already
# has the build dependencies and lintian; LOWER is never written.
#
# Options:
#   -o, --outdir DIR     where the results go, replacing an earlier build's (default:
#                        build-deb/ in the checkout)
#   --version V          build version V instead of the changelog's (e.g. 0.1.0-0:
#                        an older build, to test upgrades)
#   --root LOWER         build inside LOWER (see above)
#   --no-lintian         skip lintian
#   --force              rebuild even when OUTDIR holds a build of the same sources
# Environment: DEB_BUILD_OPTIONS is passed on (nocheck skips the unit tests,
# parallel=N builds with N jobs).
# A build is skipped when OUTDIR holds one of exactly the same sources, version
# and build root (OUTDIR/.source-digest).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

outdir=$top/build-deb version='' lower='' lint=1 force=0
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while (($#)); do
	case $1 in
	-o | --outdir) outdir=${2:?}; shift 2 ;;
	--version) version=${2:?}; shift 2 ;;
	--root) lower=${2:?}; shift 2 ;;
	--no-lintian) lint=0; shift ;;
	--force) force=1; shift ;;
	-h | --help) usage ;;
	*) echo "build-deb.sh: unknown argument '$1'" >&2; usage ;;
	esac
done
log() { printf 'build-deb: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

debian=$here/debian
[[ -f $debian/control && -f $debian/changelog ]] || die "no Debian packaging in $debian"
# The package's version: the changelog's first line, or --version.
[[ -n $version ]] || version=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$debian/changelog")
[[ $version =~ ^([0-9][0-9A-Za-z.+~]*)-([0-9A-Za-z.+~]+)$ ]] ||
	die "version '$version' is not UPSTREAM-REVISION"
upstream=${BASH_REMATCH[1]}
meson_version=$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" "$top/meson.build" | head -n1)
[[ ${upstream%%[~+]*} == "$meson_version" ]] ||
	die "upstream version $upstream does not match meson.build's $meson_version"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/unit-tls-deb.XXXXXX")
merged=''
cleanup() {
	if [[ -n $merged ]] && mountpoint -q "$merged"; then umount "$merged" || umount -l "$merged"; fi
	rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT

# --- the source tree and the orig tarball
src=$tmp/build/unit-tls-$upstream
mkdir -p "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# Tracked files as they are now (a deleted one is left out).
	git -C "$top" ls-files -z | while IFS= read -r -d '' f; do
		if [[ -e $top/$f || -L $top/$f ]]; then printf '%s\0' "$f"; fi
	done | tar -C "$top" --null -T - -cf - | tar -C "$src" -xf -
else
	tar -C "$top" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$src" -xf -
fi
# Deterministic tarballs: the same sources give the same bytes (and digest).
dtar() { tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu "$@"; }
dtar -C "$tmp/build" -cf - "unit-tls-$upstream" | xz -T1 -6 >"$tmp/build/unit-tls_$upstream.orig.tar.xz"
cp -a "$debian" "$src/debian"
if [[ $version != "$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$debian/changelog")" ]]; then
	sed -i "1s/([^)]*)/($version)/" "$src/debian/changelog"
fi

root_id=host:$(. /etc/os-release && printf '%s' "$VERSION_CODENAME")
if [[ -n $lower ]]; then
	root_id=root:$lower
	# The stamps tests/lib/debian13*.sh leave in the roots they build.
	for d in ${lower//:/ }; do
		for f in "$d"/.unit-tls-root "$d"/.unit-tls-build-layer; do
			if [[ -f $f ]]; then root_id+=:$(sha256sum <"$f" | cut -c1-16); fi
		done
	done
fi
digest=$({
	printf 'version=%s\nroot=%s\noptions=%s\nlint=%s\n' "$version" "$root_id" "${DEB_BUILD_OPTIONS:-}" "$lint"
	xz -dc "$tmp/build/unit-tls_$upstream.orig.tar.xz"
	dtar -C "$src" -cf - debian
} | sha256sum | cut -c1-64)
if ((!force)) && [[ -f $outdir/.source-digest && $(cat "$outdir/.source-digest") == "$digest" ]] &&
	compgen -G "$outdir/unit-tls_${version}_*.deb" >/dev/null; then
	log "$outdir already holds this build of unit-tls $version (use --force to rebuild)"
	ls "$outdir"/unit-tls_"${version}"_*.deb
	exit 0
fi

# --- build dependencies
bd=$(awk '/^Build-Depends:/ { f = 1; sub(/^Build-Depends:/, ""); print; next }
	f && /^[ \t]/ { print; next } { f = 0 }' "$debian/control" | tr -s ' \t\n' ' ' | sed 's/^ //; s/,* *$//')
if [[ -z $lower ]]; then
	need=(build-essential dpkg-dev)
	((lint)) && need+=(lintian)
	if ! (cd "$src" && dpkg-checkbuilddeps) >/dev/null 2>&1 || ! dpkg-query -W "${need[@]}" >/dev/null 2>&1 ||
		! command -v dpkg-buildpackage >/dev/null; then
		[[ $(id -u) == 0 ]] || die "missing build dependencies; as root, run: apt-get satisfy '$(IFS=,; echo "${need[*]}"), $bd'"
		log "installing the build dependencies"
		DEBIAN_FRONTEND=noninteractive apt-get satisfy -y -qq --no-install-recommends \
			"$(IFS=,; echo "${need[*]}"), $bd" >&2 ||
			{ DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
				DEBIAN_FRONTEND=noninteractive apt-get satisfy -y -qq --no-install-recommends \
					"$(IFS=,; echo "${need[*]}"), $bd" >&2; } || die "cannot install the build dependencies"
	fi
fi

# --- build (and lintian)
run_build() { # in $tmp/build/unit-tls-$upstream, host or container
	# shellcheck disable=SC2016 # expanded by the inner shell
	local script='set -e
		cd "$1"
		dpkg-buildpackage -us -uc >../build.log 2>&1 || { tail -n 40 ../build.log >&2; exit 1; }
		if [ "$2" = 1 ]; then
			cd .. && lintian --fail-on error,warning --display-info ./*.changes >lintian.txt 2>&1 || { cat lintian.txt >&2; exit 3; }
		fi'
	if [[ -z $lower ]]; then
		sh -c "$script" _ "$src" "$lint"
	else
		mkdir -p "$tmp/upper" "$tmp/work" "$tmp/merged"
		merged=$tmp/merged
		mount -t overlay overlay -o "lowerdir=$lower,upperdir=$tmp/upper,workdir=$tmp/work" "$merged"
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin systemd-nspawn -q --register=no --private-network --machine="unit-tls-deb-${tmp##*.}" \
			--keep-unit --console=pipe -D "$merged" --bind="$tmp/build:/build" \
			--setenv=DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-}" --setenv=LANG=C.UTF-8 \
			sh -c "$script" _ "/build/unit-tls-$upstream" "$lint" </dev/null
	fi
}
t0=$SECONDS
log "building unit-tls $version ${lower:+in $lower }(DEB_BUILD_OPTIONS='${DEB_BUILD_OPTIONS:-}')"
rc=0
run_build || rc=$?
mkdir -p "$outdir"
# One build per OUTDIR: the files of an earlier one go first.
rm -f "$outdir/.source-digest" "$outdir"/unit-tls_* "$outdir"/unit-tls-dbgsym_* "$outdir/build.log" "$outdir/lintian.txt"
(cd "$tmp/build" && cp -f -- *.deb *.dsc *.tar.* *.changes *.buildinfo build.log "$outdir/" 2>/dev/null) || true
[[ -f $tmp/build/lintian.txt ]] && cp -f "$tmp/build/lintian.txt" "$outdir/"
case $rc in
0) ;;
3) die "lintian found errors or warnings (above; $outdir/lintian.txt)" ;;
*) die "the build failed ($outdir/build.log)" ;;
esac
printf '%s\n' "$digest" >"$outdir/.source-digest"
log "built in $((SECONDS - t0))s:"
if ((lint)); then sed 's/^/build-deb: lintian: /' "$outdir/lintian.txt" >&2; fi
ls "$outdir"/unit-tls_"${version}"_*.deb
