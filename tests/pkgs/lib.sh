# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# tests/pkgs/lib.sh — the real-package corpus: download the .debs of the packages
# listed in packages-SUITE.txt and extract their unit files into one tree per suite.
#
# Layout under C=${UT_CACHE:-/var/cache/unit-tls-test}/pkgs/SUITE:
#   C/debs/*.deb          the downloaded packages (kept: a later run needs no network)
#   C/debs/.fetched       the sha256 of the list they were fetched for, then one line per
#                         package: "NAME ok" or "NAME missing" (not in the suite)
#   C/tree/               the files of every .deb under the directories below, and
#   C/tree/.unit-tls-pkgs the stamp: the hash of the .debs' names and of the recipe,
#                         then "NAME N" lines: how many .service files each package ships
#   C/lock                flock: one builder at a time
# Only these members are extracted (dpkg-deb --fsys-tarfile | tar): the unit
# directories, /etc/systemd and /etc/default (the environment files units name). No
# maintainer script runs; the tree is never written after it is built (a run works
# on a copy).
#
# Downloads use a private apt configuration in a temporary directory: the source is
# the URI of the machine's main Debian suite read at run time (tests/lib/debian13.sh,
# _d13_mirror), the suite is SUITE's main component, and nothing of the machine's apt
# state (pins, other sources, lists) is used or changed. The temporary directory is
# removed afterwards, so no mirror name stays in a file.

readonly PKGS_RECIPE=1
readonly PKGS_MEMBERS=('./lib/systemd/system/*' './usr/lib/systemd/system/*' './etc/systemd/system/*' './etc/default/*')
readonly PKGS_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

_pkgs_log() { printf '# pkgs: %s\n' "$*" >&2; }

# pkgs_list FILE: the package names of a list file (comments and blanks dropped).
pkgs_list() { sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$1"; }

# _pkgs_apt DIR SUITE CMD ARGS...: run apt-get/apt-cache with the private
# configuration in DIR (created by _pkgs_apt_init).
_pkgs_apt() {
	local dir=$1 cmd=$3
	shift 3
	env -i PATH="$PKGS_PATH" LC_ALL=C "$cmd" -q \
		-o Dir::Etc::sourcelist="$dir/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::Etc::preferences=/dev/null -o Dir::Etc::preferencesparts=- \
		-o Dir::State="$dir/state" -o Dir::State::status="$dir/status" \
		-o Dir::Cache="$dir/cache" -o Debug::NoLocking=1 \
		-o APT::Architecture=amd64 -o APT::Architectures::=amd64 \
		-o Acquire::Languages=none -o APT::Sandbox::User=root "$@"
}

_pkgs_apt_init() {
	local dir=$1 suite=$2 mirror
	mirror=$(_d13_mirror) || return 1
	mkdir -p "$dir/state/lists/partial" "$dir/cache/archives/partial"
	: > "$dir/status"
	printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
		"$mirror" "$suite" > "$dir/sources.list"
	# Without --error-on=any, an unreachable mirror is only a warning.
	_pkgs_apt "$dir" "$suite" apt-get update --error-on=any >&2
}

# pkgs_fetch SUITE LISTFILE: make C/debs hold one .deb per listed package the
# suite has. Prints nothing; notes missing packages on stderr.
pkgs_fetch() (
	set -euo pipefail
	local suite=$1 list=$2 c hash apt p want=() have missing=0 lockfd
	c=${UT_CACHE:-/var/cache/unit-tls-test}/pkgs/$suite
	mkdir -p "$c/debs"
	exec {lockfd}> "$c/lock"
	flock -w 3600 "$lockfd"
	hash=$(pkgs_list "$list" | sha256sum | cut -c1-16)
	if [[ -f $c/debs/.fetched ]] && head -n1 "$c/debs/.fetched" | grep -qx "list=$hash"; then
		exit 0
	fi
	apt=$(mktemp -d "$c/apt.XXXXXX")
	trap 'rm -rf -- "$apt"' EXIT
	_pkgs_log "$suite: fetching the package index (private apt configuration)"
	_pkgs_apt_init "$apt" "$suite" || { _pkgs_log "$suite: apt-get update failed"; exit 1; }
	# The candidates: a package the suite lacks has no "Candidate: V" line.
	mapfile -t want < <(pkgs_list "$list")
	have=$(_pkgs_apt "$apt" "$suite" apt-cache policy "${want[@]}" 2> /dev/null |
		awk '/^[^ ].*:$/ { p = substr($0, 1, length($0) - 1) } /^  Candidate: / && $2 != "(none)" { print p }')
	{
		echo "list=$hash"
		for p in "${want[@]}"; do
			if grep -qxF -- "$p" <<< "$have"; then echo "$p ok"; else echo "$p missing"; missing=$((missing + 1)); fi
		done
	} > "$apt/fetched"
	if [[ -z $have ]]; then
		_pkgs_log "$suite: none of the ${#want[@]} listed packages is in the index"
		exit 1
	fi
	_pkgs_log "$suite: ${#want[@]} listed, $missing not in $suite; downloading the others"
	# Drop .debs of packages no longer listed, then fetch what is not here yet.
	local get=()
	for p in $(awk '$2 == "ok" { print $1 }' "$apt/fetched"); do
		compgen -G "$c/debs/${p}_*.deb" > /dev/null || get+=("$p")
	done
	for f in "$c"/debs/*.deb; do
		[[ -e $f ]] || continue
		p=${f##*/}
		p=${p%%_*}
		awk -v p="$p" '$1 == p && $2 == "ok" { f = 1 } END { exit !f }' "$apt/fetched" || rm -f -- "$f"
	done
	if ((${#get[@]})); then
		(cd "$c/debs" && _pkgs_apt "$apt" "$suite" apt-get download "${get[@]}" >&2) ||
			{ _pkgs_log "$suite: apt-get download failed"; exit 1; }
	fi
	mv -f -- "$apt/fetched" "$c/debs/.fetched"
)

# pkgs_tree SUITE: print the path of SUITE's extracted tree, building it from
# C/debs when the stamp does not match them.
pkgs_tree() (
	set -euo pipefail
	local suite=$1 c key tmp f p n lockfd
	c=${UT_CACHE:-/var/cache/unit-tls-test}/pkgs/$suite
	compgen -G "$c/debs/*.deb" > /dev/null || { _pkgs_log "$suite: no .deb in $c/debs"; exit 1; }
	key=$({
		echo "recipe=$PKGS_RECIPE ${PKGS_MEMBERS[*]}"
		cd "$c/debs" && LC_ALL=C ls -- *.deb
	} | sha256sum | cut -c1-16)
	if [[ -f $c/tree/.unit-tls-pkgs ]] && head -n1 "$c/tree/.unit-tls-pkgs" | grep -qx "key=$key"; then
		printf '%s\n' "$c/tree"
		exit 0
	fi
	exec {lockfd}> "$c/lock"
	flock -w 3600 "$lockfd"
	tmp=$(mktemp -d "$c/tree.tmp.XXXXXX")
	trap 'rm -rf -- "$tmp"' EXIT
	chmod 755 "$tmp"
	_pkgs_log "$suite: extracting the unit files of $(compgen -G "$c/debs/*.deb" | wc -l) packages"
	echo "key=$key" > "$tmp/.stamp"
	for f in "$c"/debs/*.deb; do
		p=${f##*/}
		p=${p%%_*}
		# tar exits 2 when a pattern matches nothing: only dpkg-deb's status counts.
		# Its -v list of members gives the count of .service files (and links).
		dpkg-deb --fsys-tarfile "$f" | tar -xv -C "$tmp" --wildcards "${PKGS_MEMBERS[@]}" > "$tmp/.members" 2> /dev/null || true
		[[ ${PIPESTATUS[0]} == 0 ]] || { _pkgs_log "$suite: cannot read $f"; exit 1; }
		n=$(grep -c -E '^\.(/usr)?/lib/systemd/system/[^/]+\.service$' "$tmp/.members" || true)
		echo "$p $n" >> "$tmp/.stamp"
	done
	rm -f -- "$tmp/.members"
	mv -- "$tmp/.stamp" "$tmp/.unit-tls-pkgs"
	rm -rf -- "$c/tree"
	mv -T -- "$tmp" "$c/tree"
	trap - EXIT
	printf '%s\n' "$c/tree"
)
