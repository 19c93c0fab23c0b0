#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Oracle suite: compare how unit-tls reads a service unit (fragment, drop-ins,
# Environment=, EnvironmentFile=, UnsetEnvironment=) with how systemd itself
# reads it, on the fixture trees in cases/.
#
# usage: run.sh [-k GLOB] [BIN]            compare BIN with live systemd
#        run.sh [-k GLOB] --expect-only     print systemd's normalized reading
#        run.sh [-k GLOB] --regen           rewrite expected/*.txt from systemd
#        run.sh [-k GLOB] --golden [BIN]    compare BIN with expected/*.txt;
#                                           only where systemd is absent
#        any of these with --systemd-root DIR (or ORACLE_ROOT=DIR): use the
#                                           systemd installed in root DIR
#
# BIN defaults to $UNIT_TLS, then build/src/unit-tls in the repository.
# Exit: 0 all passed, 1 a unit failed, 2 usage error, 77 prerequisites missing.
#
# Compared fields: Unit Load State, Fragment Path, DropIn Path, Environment,
# EnvironmentFile, UnsetEnvironment. When systemd prints no dump for a unit,
# only the load state named in its log is compared; when it refuses the name
# itself ("Failed to load unit U: ..."), unit-tls must not report it loaded and
# must exit 1..123 or report load state error. An exit status >= 124 (timeout,
# crash) always fails.
#
# Each case is a bash snippet sourced with $T set to a fresh mktemp directory.
# It builds $T/etc, $T/run, $T/usr (search path, highest priority first) and
# $T/ext (outside the path) and sets UNITS. Both programs then read
# SYSTEMD_UNIT_PATH="$T/etc:$T/run:$T/usr:" (the trailing ':' appends the
# default directories so sysinit.target and friends exist) as user nobody, so
# they see the same files with the same permissions (mode-000 cases).
#
# --systemd-root DIR runs another system's systemd, e.g. Debian 13's 257 from
# tests/lib/debian13.sh (ORACLE_ROOT=$(. tests/lib/debian13.sh && d13_root)).
# The script then re-runs itself in a private mount namespace, mounts DIR
# read-only with /tmp (where the trees are made: TMPDIR is set to /tmp), a
# fresh /proc, /dev, /sys and a /run holding only systemd/, and runs BOTH
# programs chrooted there as nobody: systemd --test with SYSTEMD_UTF8=0 (257
# writes "→ Unit" under a UTF-8 locale), and unit-tls, which must run on DIR's
# libraries. So both append DIR's default unit directories to the path.
# The mounts vanish with the namespace; DIR is never written. expected/ holds
# systemd 252's reading: --regen with another systemd rewrites it.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# ORACLE_SYSTEMD only exists to test the fallback paths of this script.
systemd=${ORACLE_SYSTEMD:-/lib/systemd/systemd}
root=${ORACLE_ROOT:-}
args=("$@")
min_cases=45

usage() {
        sed -n '/^# usage:/,/^# Exit:/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

mode=compare
golden=0
pattern='*'
bin=${UNIT_TLS:-$repo/build/src/unit-tls}
while (($#)); do
        case $1 in
        --expect-only) mode=expect ;;
        --regen) mode=regen ;;
        --golden) golden=1 ;;
        -k)
                (($# >= 2)) || { usage >&2; exit 2; }
                pattern=$2
                shift
                ;;
        --systemd-root)
                (($# >= 2)) || { usage >&2; exit 2; }
                root=$2
                shift
                ;;
        -h | --help) usage; exit 0 ;;
        -*) usage >&2; exit 2 ;;
        *) bin=$1 ;;
        esac
        shift
done

if [[ -n $root ]]; then
        [[ -d $root ]] || { echo "error: --systemd-root $root: not a directory" >&2; exit 2; }
        root=$(cd "$root" && pwd -P)
        systemd=/usr/lib/systemd/systemd
        if [[ ! -x $root$systemd ]]; then
                echo "SKIP: no $systemd in $root"
                exit 77
        fi
        if ((EUID != 0)); then
                echo "SKIP: --systemd-root needs root (mount namespace, chroot)"
                exit 77
        fi
        if [[ ${_ORACLE_NS:-} != "$root" ]]; then
                command -v unshare > /dev/null || { echo "SKIP: unshare not found (util-linux)"; exit 77; }
                export TMPDIR=/tmp _ORACLE_NS=$root
                exec unshare -m --propagation private -- bash "${BASH_SOURCE[0]}" "${args[@]}"
        fi
fi

# The live oracle needs root (to drop to nobody) and systemd itself. The golden
# files are only a fallback for machines without systemd.
if [[ -x $root$systemd ]]; then
        if ((golden)); then
                echo "note: $systemd is present; comparing with live systemd, not golden files"
                golden=0
        fi
        if ((EUID != 0)); then
                echo "SKIP: the oracle runs systemd --test as nobody via runuser, which needs root"
                exit 77
        fi
elif ((golden)) && [[ $mode == compare ]]; then
        echo "note: $systemd is missing; comparing with the golden files in $here/expected"
else
        echo "SKIP: $systemd is missing (use --golden to compare with the stored golden files)"
        exit 77
fi

if [[ $mode == compare ]]; then
        [[ $bin == /* ]] || bin=$PWD/$bin
        if [[ ! -x $bin ]]; then
                echo "error: unit-tls binary not found or not executable: $bin" >&2
                echo "       build it, pass its path, or use --expect-only" >&2
                exit 2
        fi
fi

# as_reader, normalize, unit_block, oracle, mine, judge...
# shellcheck source=tests/oracle/compare.sh
. "$here/compare.sh"

scratch=$(mktemp -d)
trees=()
mnt=''
cleanup() {
        local d
        # Unmount first: the chroot holds a writable bind of /tmp.
        if [[ -n $mnt ]]; then
                umount -R -- "$mnt" && rmdir -- "$mnt"
        fi
        for d in "${trees[@]}" "$scratch"; do
                chmod -R u+rwX -- "$d" 2> /dev/null || true
                rm -rf -- "$d"
        done
}
trap cleanup EXIT

# The systemd root, read-only, with what systemd --test and unit-tls need.
[[ -z $root ]] || oracle_mount_root
[[ $mode != compare ]] || oracle_own_bin

# golden_for CASE UNIT: the stored reading of UNIT from expected/CASE.txt.
golden_for() {
        H="== $2" awk '
        BEGIN { h = ENVIRON["H"] }
        /^== / { p = ($0 == h); next }
        p && /^$/ { p = 0 }
        p' "$here/expected/$1.txt"
}

# build_tree CASEFILE T: run the case in the fresh tree T; print its UNITS.
build_tree() {
        mkdir -p -- "$2/etc" "$2/run" "$2/usr" "$2/ext"
        (cd "$2" && umask 022 && T=$2 bash -c '
                set -euo pipefail
                . "$1"
                . "$2"
                printf "%s" "${UNITS:?case does not set UNITS}"' _ "$here/lib.sh" "$1")
}

passed=0
failed=0
ncases=0
nunits=0
for case in "$here"/cases/*.sh; do
        name=$(basename "$case" .sh)
        # shellcheck disable=SC2053 # $pattern is a glob on purpose
        [[ $name == $pattern ]] || continue
        ncases=$((ncases + 1))
        t=$(mktemp -d)
        trees+=("$t")
        t=$(cd "$t" && pwd -P)
        chmod 755 "$t"
        if ! units=$(build_tree "$case" "$t"); then
                echo "FAIL $name: the case script failed"
                failed=$((failed + 1))
                continue
        fi
        read -r -a unit_list <<< "$units"
        [[ $mode == regen ]] && : > "$here/expected/$name.txt"
        for u in "${unit_list[@]}"; do
                nunits=$((nunits + 1))
                if [[ $mode != compare ]]; then
                        {
                                echo "== $u"
                                oracle "$t" "$u"
                                echo
                        } > "$scratch/exp.txt"
                        if [[ $mode == regen ]]; then
                                cat "$scratch/exp.txt" >> "$here/expected/$name.txt"
                        else
                                printf '%s: ' "$name"
                                cat "$scratch/exp.txt"
                        fi
                        continue
                fi
                if ((golden)); then
                        exp=$(golden_for "$name" "$u")
                else
                        exp=$(oracle "$t" "$u")
                fi
                got=$(mine "$t" "$u")
                rc=$(cat "$scratch/me.rc")
                if judge "$name" "$u" "$exp" "$got" "$rc"; then
                        passed=$((passed + 1))
                else
                        failed=$((failed + 1))
                fi
        done
        chmod -R u+rwX -- "$t" 2> /dev/null || true
        rm -rf -- "$t"
done

echo "$ncases fixture trees, $nunits units"
if [[ $pattern == '*' ]] && ((ncases < min_cases)); then
        echo "FAIL: only $ncases fixture trees, need at least $min_cases"
        failed=$((failed + 1))
fi
[[ $mode == compare ]] || exit 0
echo "$passed passed, $failed failed"
((failed == 0)) || exit 1
