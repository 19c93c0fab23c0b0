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

# Run a command as nobody when we are root, so that both programs meet the
# same permission checks; as another user, run it directly. With a systemd
# root, run it chrooted there, with an empty environment but for VAR=value
# arguments given first.
as_reader() {
        if [[ -n $root ]]; then
                local vars=()
                while [[ ${1:-} == [A-Z_]*=* ]]; do
                        vars+=("$1")
                        shift
                done
                env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin SYSTEMD_UTF8=0 "${vars[@]}" \
                        chroot "$mnt" runuser -u nobody -- "$@"
        elif ((EUID == 0)); then
                runuser -u nobody -- "$@"
        else
                "$@"
        fi
}

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
if [[ -n $root ]]; then
        mnt=$(mktemp -d)
        mount --bind -- "$root" "$mnt"
        mount -o remount,bind,ro -- "$mnt"
        mount --bind /tmp "$mnt/tmp"
        mount -t proc proc "$mnt/proc"
        mount --rbind /dev "$mnt/dev"
        mount --rbind /sys "$mnt/sys"
        # systemd 257 --test stops at "Failed to create directory
        # '/run/systemd/'" as nobody; a running system has it, root-owned.
        mount -t tmpfs -o mode=0755 tmpfs "$mnt/run"
        mkdir -m 0755 "$mnt/run/systemd"
fi

# nobody must be able to execute the binary; copy it if its directory is closed.
# With a systemd root, it must also be under /tmp, which the chroot sees.
if [[ $mode == compare ]] && ((EUID == 0)) && { [[ -n $root ]] || ! runuser -u nobody -- test -x "$bin"; }; then
        chmod 755 "$scratch"
        cp -- "$bin" "$scratch/unit-tls"
        chmod 755 "$scratch/unit-tls"
        bin=$scratch/unit-tls
fi

# normalize: keep the compared fields of a dump (leading tabs removed), grouped
# in the fixed order unit-tls prints them, each group in its original order.
normalize() {
        awk '
        { sub(/^\t+/, "") }
        /^Unit Load State: / { g[1] = g[1] $0 "\n"; next }
        /^Fragment Path: /   { g[2] = g[2] $0 "\n"; next }
        /^DropIn Path: /     { g[3] = g[3] $0 "\n"; next }
        /^Environment: /     { g[4] = g[4] $0 "\n"; next }
        /^EnvironmentFile: / { g[5] = g[5] $0 "\n"; next }
        /^UnsetEnvironment: / { g[6] = g[6] $0 "\n"; next }
        END { for (i = 1; i <= 6; i++) printf "%s", g[i] }'
}

# unit_block UNIT < dump: print "#id ID" and the second-level lines of UNIT's
# block. An alias has no block of its own: it is the block with "Alias: UNIT".
# Exit 3 when there is no such block.
unit_block() {
        U=$1 awk '
        BEGIN { u = ENVIRON["U"]; want = "\t-> Unit " u ":"; alias = "\t\tAlias: " u }
        /^\t-> Unit / { n++; hdr[n] = $0; if ($0 == want) sel = n; next }
        n && /^\t\t[^\t]/ {
                body[n] = body[n] $0 "\n"
                if ($0 == alias && !asel) asel = n
        }
        END {
                if (!sel) sel = asel
                if (!sel) exit 3
                id = hdr[sel]; sub(/^\t-> Unit /, "", id); sub(/:$/, "", id)
                print "#id " id
                printf "%s", body[sel]
        }'
}

# state_from_log UNIT < stderr: the load state systemd names when it refuses
# to start UNIT and prints no dump.
state_from_log() {
        local line
        line=$(grep -a -F -e "Failed to start default target: " -e "Unit $1 " | tail -n 1) || true
        case $line in
        *masked*) echo masked ;;
        *"not found"* | *"not-found"*) echo not-found ;;
        *"bad unit file setting"* | *bad-setting*) echo bad-setting ;;
        *"failed to load properly"* | *"error"*) echo error ;;
        *) echo "unknown (${line:-no message})" ;;
        esac
}

# oracle T UNIT: systemd's normalized reading of UNIT, with $T written @T@.
# Lines starting with '#' are commentary (id, warnings) and are not compared;
# "#only-load-state" says there was no dump and only the load state counts.
oracle() {
        local t=$1 u=$2 out err block rc=0 w refusal
        out=$scratch/sd.out
        err=$scratch/sd.err
        if [[ -n $root ]]; then
                as_reader SYSTEMD_UNIT_PATH="$t/etc:$t/run:$t/usr:" timeout 60 \
                        "$systemd" --test --system --unit="$u" --no-pager > "$out" 2> "$err" || true
        else
                SYSTEMD_UNIT_PATH="$t/etc:$t/run:$t/usr:" timeout 60 \
                        runuser -u nobody -- "$systemd" --test --system --unit="$u" --no-pager \
                        > "$out" 2> "$err" || true
        fi
        block=$(unit_block "$u" < "$out") || rc=$?
        {
                if ((rc == 0)); then
                        printf '%s\n' "${block%%$'\n'*}"
                        printf '%s\n' "$block" | normalize
                elif refusal=$(grep -a -F "Failed to load unit $u: " "$err"); then
                        # No unit object at all (e.g. a bare template name).
                        echo "#refused ${refusal#*: }"
                else
                        echo "#only-load-state (systemd printed no dump)"
                        echo "Unit Load State: $(state_from_log "$u" < "$err")"
                fi
                # Parser warnings that concern the fixture, for the reader.
                while IFS= read -r w; do
                        printf '#warn %s\n' "$w"
                done < <(grep -a -E -e "$t|(^|[^[:alnum:]])ot-" "$err" | grep -a -v -e "^Queued start job" |
                        iconv -c -f UTF-8 -t UTF-8 || true)
        } | sed "s|$t|@T@|g"
}

# mine T UNIT: unit-tls's normalized reading of UNIT, with $T written @T@.
mine() {
        local t=$1 u=$2 rc=0
        if [[ -n $root ]]; then
                as_reader SYSTEMD_UNIT_PATH="$t/etc:$t/run:$t/usr:" timeout 60 \
                        "$bin" dump "$u" > "$scratch/me.out" 2> "$scratch/me.err" || rc=$?
        else
                as_reader env -i SYSTEMD_UNIT_PATH="$t/etc:$t/run:$t/usr:" \
                        timeout 60 "$bin" dump "$u" > "$scratch/me.out" 2> "$scratch/me.err" || rc=$?
        fi
        echo "$rc" > "$scratch/me.rc"
        normalize < "$scratch/me.out" | sed "s|$t|@T@|g"
}

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
                if grep -q '^#only-load-state' <<< "$exp"; then
                        got=$(grep '^Unit Load State: ' <<< "$got" || true)
                fi
                exp_fields=$(grep -v '^#' <<< "$exp" || true)
                if grep -q '^#refused' <<< "$exp"; then
                        # systemd refuses the name itself: unit-tls must not
                        # load it, and must say so (error state or exit status).
                        exp_fields="(refused: exit status 1..123 or load state error, never loaded)"
                        if ! grep -q '^Unit Load State: loaded$' <<< "$got" && ((rc < 124)) &&
                                { ((rc != 0)) || grep -q '^Unit Load State: error$' <<< "$got"; }; then
                                got=$exp_fields
                        fi
                fi
                if [[ $exp_fields == "$got" ]] && ((rc < 124)); then
                        echo "ok   $name $u"
                        passed=$((passed + 1))
                else
                        echo "FAIL $name $u (unit-tls exit status $rc)"
                        diff -u --label "systemd" --label "unit-tls" \
                                <(printf '%s\n' "$exp_fields") <(printf '%s\n' "$got") | sed 's/^/    /' || true
                        grep '^#' <<< "$exp" | sed 's/^/    /' || true
                        sed 's/^/    unit-tls stderr: /' "$scratch/me.err" | head -n 20
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
