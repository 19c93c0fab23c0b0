#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Real-package corpus (issue 13): the unit files of a few hundred real Debian
# packages that ship services, enabled as their [Install] sections say, with a
# deterministic layer of administrator drop-ins, read by unit-tls and by
# `systemd --test` of the matching version, unit by unit.
#
# usage: run.sh [--suite bookworm|trixie] [-k GLOB] [--keep] [BIN]
#
#   bookworm   packages-bookworm.txt, this machine's systemd (must be 252)
#   trixie     packages-trixie.txt, systemd 257 of the cached Debian 13 root
#              (tests/lib/debian13.sh), chrooted in a private mount namespace
#   no --suite both, one after the other
#   -k GLOB    compare only the units whose name matches GLOB
#   --keep     keep the work tree (its path is printed)
# BIN defaults to $UNIT_TLS, then build/src/unit-tls in the repository.
# Exit: 0 all agreed, 1 a unit disagreed, 2 usage error, 77 no root or no
# network for the first download (under CI=true those fail instead).
#
# How (tests/pkgs/NOTES.md has the findings):
# 1. lib.sh downloads the listed .debs once into ${UT_CACHE:-/var/cache/unit-tls-test}/pkgs/SUITE
#    (a private apt configuration; a package the suite lacks is skipped with a note)
#    and extracts their unit directories, /etc/systemd and /etc/default into one
#    cached tree per suite. A run copies that tree to /tmp.
# 2. Every unit file with an [Install] section (templates with a DefaultInstance=
#    too) is enabled with `systemctl --root=TREE enable`: the machine's systemctl
#    for bookworm, the Debian 13 root's (chrooted) for trixie.
# 3. admin_layer writes the administrator's drop-ins: one for every service
#    (service.d/), one for every systemd-* unit (systemd-.service.d/), and on every
#    5th service (sorted by name) one of four variants with quotes, escapes,
#    specifiers, UnsetEnvironment=, EnvironmentFile= with globs, specifiers and a
#    '-', plus the environment files they name (comments ending in a backslash,
#    quotes, continuation lines).
# 4. The units compared: every *.service name in the tree's unit directories
#    (fragments, aliases, masks, enabled aliases), and every template as the
#    instance "ut-pkgs". Both programs read SYSTEMD_UNIT_PATH=TREE's etc, run,
#    usr/lib and lib unit directories, then the defaults (a trailing ':'), as
#    user nobody, like tests/oracle/run.sh (whose machinery, tests/oracle/compare.sh,
#    this script uses).
# 5. Speed: ONE `systemd --test` loads every unit through a target that wants
#    them all (in a directory of its own at the end of the path), and ONE
#    `unit-tls dump` reads them all. A unit whose two readings differ is then read
#    again alone by each program (exactly as tests/oracle/run.sh does): that
#    verdict counts. (Loaded together, a unit first reached through an alias
#    takes the alias's name for %n; alone, it does not.)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
args=("$@")
suite=''
pattern='*'
keep=0
bin=${UNIT_TLS:-$repo/build/src/unit-tls}

usage() { sed -n '/^# usage:/,/^# Exit:/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
while (($#)); do
        case $1 in
        --suite)
                (($# >= 2)) || { usage >&2; exit 2; }
                suite=$2
                shift
                ;;
        -k)
                (($# >= 2)) || { usage >&2; exit 2; }
                pattern=$2
                shift
                ;;
        --keep) keep=1 ;;
        -h | --help) usage; exit 0 ;;
        -*) usage >&2; exit 2 ;;
        *) bin=$1 ;;
        esac
        shift
done
[[ $bin == /* ]] || bin=$PWD/$bin

skip() {
        if [[ ${CI:-} == true ]]; then
                printf 'FAIL pkgs: %s (CI=true: not skipping)\n0 passed, 1 failed\n' "$*"
                exit 1
        fi
        echo "SKIP: $*"
        exit 77
}

[[ -x $bin ]] || { echo "error: unit-tls binary not found or not executable: $bin" >&2; exit 2; }
((EUID == 0)) || skip "the package corpus needs root (runuser, chroot, mount namespaces)"

# Without --suite: each suite in a process of its own; one summary line.
if [[ -z $suite ]]; then
        rc=0
        total_p=0
        total_f=0
        for s in bookworm trixie; do
                out=$(mktemp)
                set +e
                bash "${BASH_SOURCE[0]}" --suite "$s" -k "$pattern" "$bin" | tee "$out"
                r=${PIPESTATUS[0]}
                set -e
                line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1 || true)
                rm -f -- "$out"
                if ((r == 77)); then
                        [[ ${CI:-} != true ]] || rc=1
                        continue
                fi
                ((r == 0)) || rc=1
                if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
                        total_p=$((total_p + BASH_REMATCH[1]))
                        total_f=$((total_f + BASH_REMATCH[2]))
                else
                        total_f=$((total_f + 1))
                fi
        done
        if ((total_p + total_f == 0)); then
                skip "no suite could run"
        fi
        echo "pkgs: $total_p passed, $total_f failed"
        exit "$rc"
fi

list=$here/packages-$suite.txt
[[ -f $list ]] || { echo "error: no package list $list" >&2; exit 2; }

# shellcheck source=tests/lib/debian13.sh
. "$repo/tests/lib/debian13.sh"
# shellcheck source=tests/pkgs/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/pkgs/envfiles.sh
. "$here/envfiles.sh"

case $suite in
bookworm)
        root=''
        systemd=/lib/systemd/systemd
        [[ -x $systemd ]] || skip "bookworm: no $systemd on this machine"
        v=$("$systemd" --version | awk 'NR == 1 { print $2 }')
        [[ $v == 252 ]] || skip "bookworm: this machine's systemd is $v, not 252 (Debian 12)"
        ;;
trixie)
        systemd=/usr/lib/systemd/systemd
        if [[ -z ${_PKGS_NS:-} ]]; then
                command -v unshare > /dev/null || skip "unshare not found (util-linux)"
                d13=$(d13_root) || skip "trixie: no Debian 13 root (tests/lib/debian13.sh failed)"
        fi
        ;;
*) usage >&2; exit 2 ;;
esac

# Download and extract before entering a namespace (network, cache).
if [[ -z ${_PKGS_NS:-} ]]; then
        pkgs_fetch "$suite" "$list" || skip "$suite: the packages could not be downloaded (network?)"
        tree=$(pkgs_tree "$suite") || { echo "FAIL $suite: the tree could not be extracted"; exit 1; }
        if [[ $suite == trixie ]]; then
                export TMPDIR=/tmp _PKGS_NS=$d13 _PKGS_TREE=$tree
                exec unshare -m --propagation private -- bash "${BASH_SOURCE[0]}" "${args[@]}"
        fi
else
        tree=$_PKGS_TREE
fi
[[ $suite != trixie ]] || root=$_PKGS_NS

# as_reader, normalize, unit_block, oracle, mine, judge...
# shellcheck source=tests/oracle/compare.sh
. "$repo/tests/oracle/compare.sh"
ORACLE_TIMEOUT=300
ORACLE_WARN_RE='^$'

scratch=$(mktemp -d)
mnt=''
work=''
cleanup() {
        if [[ -n $mnt ]]; then
                umount -R -- "$mnt" && rmdir -- "$mnt"
        fi
        rm -rf -- "$scratch"
        if [[ -n $work ]] && ((!keep)); then rm -rf -- "$work"; fi
}
trap cleanup EXIT
[[ -z $root ]] || oracle_mount_root
oracle_own_bin

t0=$SECONDS
work=$(mktemp -d /tmp/ut-pkgs-"$suite".XXXXXX)
chmod 755 "$work"
cp -a -- "$tree/." "$work/"
rm -f -- "$work/.unit-tls-pkgs"
mkdir -p "$work/etc/systemd/system" "$work/run/systemd/system" "$work/usr/lib/systemd/system" "$work/lib/systemd/system"
upath="$work/etc/systemd/system:$work/run/systemd/system:$work/usr/lib/systemd/system:$work/lib/systemd/system:"

# ---- 2. enable ------------------------------------------------------------
# systemctl_root ARGS...: the suite's systemctl, on the work tree.
systemctl_root() {
        if [[ -n $root ]]; then
                env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$mnt" systemctl --root="$work" "$@"
        else
                env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin systemctl --root="$work" "$@"
        fi
}
mapfile -t installable < <(
        for d in "$work/usr/lib/systemd/system" "$work/lib/systemd/system"; do
                find "$d" -maxdepth 1 -type f -name '*.*' -printf '%f\n'
        done | LC_ALL=C sort -u | while IFS= read -r n; do
                f=$work/usr/lib/systemd/system/$n
                [[ -f $f ]] || f=$work/lib/systemd/system/$n
                case $n in *@.*) grep -q '^[[:space:]]*DefaultInstance=' "$f" || continue ;; esac
                grep -q -E '^[[:space:]]*(WantedBy|RequiredBy|UpheldBy|Alias|Also)=' "$f" && printf '%s\n' "$n"
        done)
# enable_set UNIT...: enable them in one call; when that call fails (one unit
# refused: 257 refuses an Alias= another package already holds), enable each
# half again (idempotent), down to the single unit, which is then noted.
enable_set() {
        (($#)) || return 0
        if systemctl_root --no-reload enable "$@" >> "$scratch/enable.log" 2>&1; then
                enabled=$((enabled + $#))
        elif (($# == 1)); then
                echo "note: $suite: systemctl --root enable $1 failed: $(tail -n 1 "$scratch/enable.log")"
        else
                local h=$(($# / 2))
                enable_set "${@:1:h}"
                enable_set "${@:h+1}"
        fi
}
enabled=0
enable_set "${installable[@]}"

# ---- 3. the administrator's layer ----------------------------------------
admin_layer() {
        local etc=$work/etc/systemd/system i=0 n v d
        mkdir -p "$work/etc/ut-admin" "$etc/service.d" "$etc/systemd-.service.d"
        # For every service, and for every systemd-* unit.
        printf '%s\n' '[Service]' 'Environment=UT_ALL=%N "UT_ALL_Q=%p said \"hi\""' \
                'EnvironmentFile=-/etc/ut-admin/all.env' > "$etc/service.d/10-ut-all.conf"
        printf '%s\n' '[Service]' 'Environment=UT_SYSTEMD=%n UT_ALL=overridden' \
                'UnsetEnvironment=UT_NOTHING' > "$etc/systemd-.service.d/10-ut-systemd.conf"
        # The environment files (their contents are read at exec time, not by
        # --test; tests/integration/t-21-envfiles.sh checks them in a booted system).
        pkgs_env_files "$work/etc/ut-admin"
        while IFS= read -r n; do
                i=$((i + 1))
                ((i % 5 == 1)) || continue
                v=$(((i / 5) % 4))
                d=$etc/$n.d
                # Named after the unit: two names of one unit (an alias) never hold
                # drop-ins of the same name, which systemd applies in random order
                # (NOTES.md).
                mkdir -p "$d"
                case $v in
                0) printf '%s\n' '[Service]' \
                        'Environment="UT_Q=a b  c" '"'"'UT_SQ=single quoted'"'"' UT_ESC=tab\there' \
                        'Environment=UT_SPEC=%n|%N|%p|%i|%I|%j|%f UT_DIRS=%t:%S:%C:%L:%E' \
                        'Environment=UT_PCT=100%% UT_EMPTY=' \
                        'UnsetEnvironment=UT_EMPTY LANG UT_NEVER=set' \
                        'EnvironmentFile=-/etc/ut-admin/*.env' > "$d/50-ut-admin-${n%.service}.conf" ;;
                1) printf '%s\n' '[Service]' \
                        'Environment=UT_CONT=first \' '  second "third fourth"' \
                        'EnvironmentFile=-/etc/default/%p' \
                        'EnvironmentFile=/etc/ut-admin/20-b.env' > "$d/50-ut-admin-${n%.service}.conf"
                   printf '%s\n' '[Service]' 'Environment=UT_CONT=replaced' \
                        'EnvironmentFile=' 'EnvironmentFile=-/etc/ut-admin/10-a.env' > "$d/60-ut-later-${n%.service}.conf" ;;
                2) printf '%s\n' '[Service]' 'Environment=' 'Environment=UT_AFTER_RESET=1 PATH=/ut/bin:%S' \
                        'UnsetEnvironment=PATH=/usr/bin UT_AFTER_RESET' \
                        'EnvironmentFile=-/etc/ut-admin/%N.env' > "$d/50-ut-admin-${n%.service}.conf" ;;
                3) printf '%s\n' '[Service]' 'Environment=UT_CREDS=%d UT_USER=%u' \
                        '# Environment=UT_COMMENTED=1' 'Environment="UT_TRAIL=back\\"' \
                        'EnvironmentFile=-/etc/ut-admin/1?-*.env' > "$d/50-ut-admin-${n%.service}.conf" ;;
                esac
        done
}
unit_names() {
        local d
        for d in "$work/etc/systemd/system" "$work/run/systemd/system" "$work/usr/lib/systemd/system" "$work/lib/systemd/system"; do
                find "$d" -maxdepth 1 \( -type f -o -type l \) -name '*.service' -printf '%f\n'
        done | LC_ALL=C sort -u
}
admin_layer < <(unit_names | grep -v '@' || true)

# ---- 4. the units ---------------------------------------------------------
mapfile -t units < <(unit_names | sed 's/@\.service$/@ut-pkgs.service/' | while IFS= read -r u; do
        # shellcheck disable=SC2053 # $pattern is a glob on purpose
        [[ $u == $pattern ]] && printf '%s\n' "$u"
done)
((${#units[@]})) || { echo "FAIL $suite: no unit matches $pattern"; exit 1; }
nfiles=$(find "$work/usr/lib/systemd/system" "$work/lib/systemd/system" -maxdepth 1 -type f -name '*.service' | wc -l)
nlinks=$(find "$work/usr/lib/systemd/system" "$work/lib/systemd/system" -maxdepth 1 -type l -name '*.service' | wc -l)
ndropins=$(find "$work/etc/systemd/system" -path '*.d/*.conf' | wc -l)

# ---- 5. compare -------------------------------------------------------------
# The batch target, in a directory of its own, last before the defaults.
batch=$(mktemp -d /tmp/ut-pkgs-batch.XXXXXX)
chmod 755 "$batch"
printf '[Unit]\nDescription=unit-tls package corpus\nWants=%s\n' "${units[*]}" > "$batch/ut-pkgs-all.target"
bpath=${upath%:}:$batch:
sd_test "$bpath" ut-pkgs-all.target "$scratch/all.out" "$scratch/all.err"
rm -rf -- "$batch"
# Split the dump: one file per unit block (second-level lines), plus aliases.
mkdir "$scratch/blk"
awk -v dir="$scratch/blk" '
        function flush() { if (id != "") { printf "%s", body > (dir "/" id); close(dir "/" id) } }
        /^\t-> Unit / { flush(); id = $0; sub(/^\t-> Unit /, "", id); sub(/:$/, "", id); body = "#id " id "\n"; next }
        id != "" && /^\t\t[^\t]/ {
                body = body $0 "\n"
                if ($0 ~ /^\t\tAlias: /) { a = $0; sub(/^\t\tAlias: /, "", a); print a, id > (dir "/.aliases") }
        }
        END { flush() }' "$scratch/all.out"
touch "$scratch/blk/.aliases"
# unit-tls: one dump of all; each unit starts with "Unit Load State:".
mkdir "$scratch/me"
if ut_dump "$bpath" "$scratch/me.all" "$scratch/me.allerr" "${units[@]}" &&
        [[ $(grep -c '^Unit Load State: ' "$scratch/me.all") == "${#units[@]}" ]]; then
        awk -v dir="$scratch/me" '/^Unit Load State: / { if (f) close(f); f = dir "/" (++n) } { print > f }' "$scratch/me.all"
else
        echo "note: $suite: unit-tls could not dump all units at once; reading them one by one"
fi

passed=0
failed=0
known=0
batch_only=0
for i in "${!units[@]}"; do
        u=${units[$i]}
        id=$u
        [[ -f $scratch/blk/$u ]] || id=$(awk -v u="$u" '$1 == u { print $2; exit }' "$scratch/blk/.aliases")
        if [[ -n $id && -f $scratch/blk/$id ]] && [[ -f $scratch/me/$((i + 1)) ]]; then
                exp=$({ head -n 1 "$scratch/blk/$id"; tail -n +2 "$scratch/blk/$id" | normalize; } | sed "s|$work|@T@|g")
                got=$(normalize < "$scratch/me/$((i + 1))" | sed "s|$work|@T@|g")
                : > "$scratch/me.err"
                if judge "$suite" "$u" "$exp" "$got" 0 > /dev/null; then
                        echo "ok   $suite $u"
                        passed=$((passed + 1))
                        if awk -v s="$suite" -v u="$u" '$1 == s && $2 == u { f = 1 } END { exit !f }' "$here/known.txt"; then
                                echo "note: $suite $u agrees now; drop it from known.txt"
                        fi
                        continue
                fi
        fi
        # Alone, exactly as tests/oracle/run.sh reads a unit: this verdict counts.
        exp=$(oracle "$work" "$u" "$upath" | awk -v n="${u%.service}" '!/^#warn / || index($0, n)')
        got=$(mine "$work" "$u" "$upath")
        rc=$(cat "$scratch/me.rc")
        cause=$(awk -v s="$suite" -v u="$u" '$1 == s && $2 == u { $1 = $2 = ""; sub(/^ +/, ""); print; exit }' "$here/known.txt")
        if judge "$suite" "$u" "$exp" "$got" "$rc" > "$scratch/verdict"; then
                cat "$scratch/verdict"
                passed=$((passed + 1))
                [[ -z $id ]] || batch_only=$((batch_only + 1))
                [[ -z $cause ]] || echo "note: $suite $u agrees now; drop it from known.txt"
        elif [[ -n $cause ]]; then
                sed '1s/^FAIL/KNOWN/' "$scratch/verdict"
                echo "    known: $cause"
                known=$((known + 1))
        else
                cat "$scratch/verdict"
                failed=$((failed + 1))
        fi
done

npk=$(pkgs_list "$list" | wc -l)
nmiss=$(awk '$2 == "missing"' "${UT_CACHE:-/var/cache/unit-tls-test}/pkgs/$suite/debs/.fetched" | wc -l)
nwith=$(awk 'NR > 1 && $2 > 0' "$tree/.unit-tls-pkgs" | wc -l)
awk '$2 == "missing" { print "note: '"$suite"': " $1 " is not in '"$suite"' (skipped)" }' \
        "${UT_CACHE:-/var/cache/unit-tls-test}/pkgs/$suite/debs/.fetched"
echo "$suite: $npk packages listed, $((npk - nmiss)) downloaded, $nwith ship services ($nfiles service files, $nlinks service links)"
echo "$suite: $enabled unit files enabled, $ndropins drop-ins in /etc; ${#units[@]} units compared, $passed agree," \
        "$known known disagreements (known.txt), $failed disagree ($batch_only agreed only when read alone); $((SECONDS - t0)) s"
((keep == 0)) || echo "$suite: work tree kept in $work"
echo "$passed passed, $failed failed"
((failed == 0))
