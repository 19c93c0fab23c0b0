# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# tests/lib/debian13-build.sh — a cached layer over the Debian 13 root
# (tests/lib/debian13.sh) with what building the Debian package needs.
#
# Source this file (it sources debian13.sh), then call d13_build_root: it
# prints an overlay lowerdir list "LAYER:ROOT" (for
# data/packaging/build-deb.sh --root), building the layer first when it is
# missing or stale. Progress goes to stderr. Needs root and, to build the
# layer, the network (the machine's Debian mirror).
#
# The layer is the upper directory of an overlay over the cached root in which
# apt-get installed build-essential, dpkg-dev, lintian and the Build-Depends of
# data/packaging/debian/control. The root is never written. apt's sources are
# written into the overlay only while apt runs, from the machine's own sources
# (_d13_mirror), and removed with the package lists before the layer is kept;
# the layer is checked not to name the mirror.
#
# Layout under C=${UT_CACHE:-/var/cache/unit-tls-test}:
#   C/debian13-build               the layer (complete iff its stamp matches)
#   C/debian13-build/.unit-tls-build-layer   the stamp: key, build time
#   C/debian13-build.lock          flock: one builder at a time
#   C/debian13-build-debs/         apt's downloaded .debs, kept for next time
# The key covers the root's stamp, the package list and this recipe: a new
# root or a changed Build-Depends rebuilds the layer.

# shellcheck source=tests/lib/debian13.sh
. "$(dirname "${BASH_SOURCE[0]}")/debian13.sh"

readonly D13B_STAMP=.unit-tls-build-layer
readonly D13B_EXTRA='build-essential, dpkg-dev, lintian'

# _d13b_packages CONTROL: the dependency string apt-get satisfy installs.
_d13b_packages() {
	local bd
	bd=$(awk '/^Build-Depends:/ { f = 1; sub(/^Build-Depends:/, ""); print; next }
		f && /^[ \t]/ { print; next } { f = 0 }' "$1" | tr -s ' \t\n' ' ' | sed 's/^ //; s/,* *$//')
	printf '%s, %s\n' "$D13B_EXTRA" "$bd"
}

_d13b_key() { # ROOT CONTROL
	{
		cat "$1/$D13_STAMP"
		_d13b_packages "$2"
		declare -f _d13b_build _d13b_packages
	} | sha256sum | cut -c1-16
}

# _d13b_build ROOT UPPER CACHE CONTROL: install the packages into UPPER.
_d13b_build() {
	local root=$1 upper=$2 cache=$3 control=$4 mirror host work merged rc=0
	mirror=$(_d13_mirror) || return 1
	host=${mirror#*://}
	host=${host%%/*}
	work=$(mktemp -d "$cache/debian13-build.work.XXXXXX")
	merged=$work/merged
	mkdir -p "$work/w" "$merged" "$cache/debian13-build-debs/partial"
	mount -t overlay overlay -o "lowerdir=$root,upperdir=$upper,workdir=$work/w" "$merged" || return 1
	mkdir -p "$merged/etc/apt/sources.list.d"
	printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$mirror" "$D13_SUITE" >"$merged/etc/apt/sources.list.d/unit-tls-build.sources"
	_d13_log "installing the build dependencies into the Debian 13 build layer"
	# shellcheck disable=SC2016 # the inner shell expands its own argument
	env -i PATH="$D13_PATH" systemd-nspawn -q --register=no --keep-unit --console=pipe -D "$merged" \
		--bind="$cache/debian13-build-debs:/var/cache/apt/archives" --setenv=DEBIAN_FRONTEND=noninteractive \
		sh -c 'apt-get update -qq && apt-get satisfy -y -qq --no-install-recommends "$1"' _ \
		"$(_d13b_packages "$control")" </dev/null >"$cache/debian13-build.log" 2>&1 || rc=$?
	rm -f "$merged/etc/apt/sources.list.d/unit-tls-build.sources"
	rm -rf "$merged"/var/lib/apt/lists/* "$merged"/var/cache/apt/*.bin "$merged/var/log/apt" "$merged/var/log/dpkg.log"
	umount "$merged" || umount -l "$merged"
	rm -rf --one-file-system "$work"
	if ((rc)); then
		_d13_log "apt-get failed ($rc); last lines of $cache/debian13-build.log:"
		tail -n 20 "$cache/debian13-build.log" >&2
		return 1
	fi
	# Where apt and dpkg keep state and configuration (as debian13.sh checks).
	if grep -rlsF -- "$host" "$upper/etc" "$upper/var" >"$cache/debian13-build.mirror-refs"; then
		_d13_log "the mirror's name is still written in the layer:"
		sed 's/^/#   /' "$cache/debian13-build.mirror-refs" >&2
		return 1
	fi
	rm -f "$cache/debian13-build.mirror-refs"
}

# d13_build_root [CONTROL]: print "LAYER:ROOT", building the layer if needed.
# CONTROL defaults to this checkout's data/packaging/debian/control.
d13_build_root() (
	set -euo pipefail
	local control=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/data/packaging/debian/control}
	local root cache final tmp lockfd key t0
	root=$(d13_root)
	cache=$(_d13_cache)
	final=$cache/debian13-build
	key=$(_d13b_key "$root" "$control")
	if [[ -f $final/$D13B_STAMP ]] && grep -qx "key=$key" "$final/$D13B_STAMP"; then
		printf '%s:%s\n' "$final" "$root"; exit 0
	fi
	[[ $(id -u) == 0 ]] || { _d13_log "building the Debian 13 build layer needs root"; exit 1; }
	exec {lockfd}>"$cache/debian13-build.lock"
	flock -w "${D13_LOCK_TIMEOUT:-3600}" "$lockfd" || { _d13_log "timed out waiting for $cache/debian13-build.lock"; exit 1; }
	if [[ -f $final/$D13B_STAMP ]] && grep -qx "key=$key" "$final/$D13B_STAMP"; then
		printf '%s:%s\n' "$final" "$root"; exit 0
	fi
	for left in "$cache"/debian13-build.tmp.* "$cache"/debian13-build.work.*; do
		if [[ -e $left ]]; then
			if mountpoint -q "$left/merged" 2>/dev/null; then umount -l "$left/merged"; fi
			rm -rf --one-file-system "$left"
		fi
	done
	tmp=$(mktemp -d "$cache/debian13-build.tmp.XXXXXX")
	chmod 0755 "$tmp"
	trap 'rm -rf --one-file-system "$tmp"' EXIT
	t0=$SECONDS
	_d13b_build "$root" "$tmp" "$cache" "$control"
	printf 'key=%s\nbuilt=%s\nseconds=%s\npackages=%s\n' "$key" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		"$((SECONDS - t0))" "$(_d13b_packages "$control")" >"$tmp/$D13B_STAMP"
	rm -rf --one-file-system "$final"
	mv -T "$tmp" "$final"
	trap - EXIT
	_d13_log "Debian 13 build layer ready in $((SECONDS - t0))s"
	printf '%s:%s\n' "$final" "$root"
)
