#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/install/run.sh BUILD_DIR — what `meson install` and `meson dist` ship.
#   1. DESTDIR=tmp meson install -C BUILD_DIR --no-rebuild: the binary in
#      sbindir, the man page, the bash completion (bash-completion's
#      completionsdir, else datadir/bash-completion/completions) and the
#      example files (datadir/unit-tls/...), and nothing outside DESTDIR.
#   2. meson dist --no-tests from a clean git tree, in a scratch build dir: the
#      tarball unpacks, configures, builds, and its unit-tls runs. Skipped (with
#      a message) when the tree has uncommitted changes or is not a git clone:
#      meson dist packs the last commit only.
# One line per case (ok / FAIL / skip), then "N passed, M failed".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$(realpath "${1:-$top/build}")
[[ -f $build/build.ninja ]] || { echo "not a meson build dir: $build" >&2; exit 2; }

tmp=$(mktemp -d /tmp/unit-tls-installtest.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { printf 'ok   %s\n' "$1"; pass=$((pass + 1)); }
bad() { printf 'FAIL %s: %s\n' "$1" "$2"; fail=$((fail + 1)); }
skip() { printf 'skip %s (%s)\n' "$1" "$2"; }

# The install dirs this build was configured with.
opt() {
	python3 - "$build" "$1" <<-'PY'
		import json, subprocess, sys
		opts = json.loads(subprocess.check_output(["meson", "introspect", "--buildoptions", sys.argv[1]]))
		print(next(o["value"] for o in opts if o["name"] == sys.argv[2]))
	PY
}
abs() { [[ $1 == /* ]] && printf '%s\n' "$1" || printf '%s/%s\n' "$prefix" "$1"; }
prefix=$(opt prefix)
sbindir=$(abs "$(opt sbindir)")
mandir=$(abs "$(opt mandir)")
datadir=$(abs "$(opt datadir)")
if pkg-config --exists bash-completion 2>/dev/null; then
	compdir=$(pkg-config --define-variable=prefix="$prefix" --variable=completionsdir bash-completion)
else
	compdir=$datadir/bash-completion/completions
fi

dest=$tmp/dest
if out=$(DESTDIR=$dest meson install -C "$build" --no-rebuild --quiet 2>&1); then
	ok "DESTDIR=… meson install"
else
	bad "DESTDIR=… meson install" "$out"
fi

check_file() { # NAME PATH [test flags]
	if [[ -f $dest$2 ]]; then ok "$1: $2"; else bad "$1" "$2 not installed"; fi
}
check_file "binary in sbindir" "$sbindir/unit-tls"
if [[ -x $dest$sbindir/unit-tls ]] && v=$("$dest$sbindir/unit-tls" --version 2>&1); then
	ok "installed binary runs: $v"
else
	bad "installed binary runs" "${v:-not executable}"
fi
check_file "man page" "$mandir/man8/unit-tls.8"
if [[ -s $dest$mandir/man8/unit-tls.8 ]]; then
	ok "man page is not empty"
else
	bad "man page is not empty" "$mandir/man8/unit-tls.8 is empty"
fi
check_file "bash completion" "$compdir/unit-tls"
if [[ -f $dest$compdir/unit-tls ]] &&
	r=$(bash --norc --noprofile -c '. "$1" && complete -p unit-tls' _ "$dest$compdir/unit-tls" 2>&1) &&
	[[ $r == "complete -F _unit_tls unit-tls" ]]; then
	ok "installed completion registers _unit_tls"
else
	bad "installed completion registers _unit_tls" "${r:-missing}"
fi
for f in packaging/README packaging/debian-postinst packaging/debian-postrm packaging/rpm-post \
	packaging/rpm-postun ansible/README ansible/example-playbook.yml ansible/library/unit_tls.py; do
	check_file "example" "$datadir/unit-tls/$f"
done
# Nothing lands outside the prefix, except in systemd's own directories
# (systemd.pc gives absolute paths, e.g. the generator's).
outside=$(cd "$dest" && find . -type f | sed 's|^\.||' | grep -v "^$prefix/" || true)
stray=$(grep -vE '^/(usr/)?lib/systemd/' <<<"$outside" || true)
if [[ -z $stray ]]; then
	ok "everything under the prefix $prefix${outside:+ (and in systemd dirs: $(echo $outside))}"
else
	bad "everything under the prefix" "$(echo $stray)"
fi

# ------------------------------------------------------------------ dist --
if ! git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	skip "meson dist" "not a git clone"
elif [[ -n $(git -C "$top" status --porcelain --untracked-files=no) ]]; then
	skip "meson dist" "the tree has uncommitted changes; meson dist packs the last commit only"
else
	d=$tmp/dist-build
	if ! out=$(meson setup "$d" "$top" 2>&1); then
		bad "meson dist: scratch setup" "$(tail -n 5 <<<"$out")"
	elif ! out=$(meson dist -C "$d" --no-tests --formats xztar 2>&1); then
		bad "meson dist --no-tests" "$(tail -n 5 <<<"$out")"
	else
		tarball=$(ls "$d"/meson-dist/*.tar.xz)
		ok "meson dist --no-tests: ${tarball##*/}"
		mkdir -p "$tmp/unpack"
		tar -C "$tmp/unpack" -xf "$tarball"
		src=$(ls -d "$tmp"/unpack/*/)
		if out=$(meson setup "$tmp/tb" "$src" 2>&1 && ninja -C "$tmp/tb" 2>&1) &&
			v=$("$tmp/tb/src/unit-tls" --version 2>&1); then
			ok "the tarball configures, builds and runs: $v"
		else
			bad "the tarball builds" "$(tail -n 5 <<<"$out")"
		fi
		for f in data/bash-completion/unit-tls data/packaging/debian-postinst data/ansible/library/unit_tls.py man/unit-tls.8; do
			if [[ -f $src/$f ]]; then ok "tarball has $f"; else bad "tarball has $f" "missing"; fi
		done
	fi
fi

printf '%s passed, %s failed\n' "$pass" "$fail"
((fail == 0))
