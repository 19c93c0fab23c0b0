# shellcheck shell=bash disable=SC2154 # the caller sets root, mnt, scratch, systemd, bin
# SPDX-License-Identifier: MIT
# tests/oracle/compare.sh — the oracle suite's comparison machinery, shared by
# tests/oracle/run.sh (fixture trees) and tests/pkgs/run.sh (real packages).
#
# The caller sets: root (a systemd root mounted by oracle_mount_root, or empty
# for this machine's systemd), systemd (its path), bin (unit-tls), scratch (a
# private directory) and, for oracle_mount_root, mnt=''. A reading is read from
# SYSTEMD_UNIT_PATH=PATH, by default "$T/etc:$T/run:$T/usr:" (see run.sh).

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

# oracle_mount_root: mount the systemd root read-only on a fresh $mnt, with what
# systemd --test and unit-tls need. Call it in a private mount namespace.
oracle_mount_root() {
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
}

# oracle_own_bin: nobody must be able to execute the binary; copy it into
# $scratch if its directory is closed. With a systemd root, it must also be
# under /tmp, which the chroot sees.
oracle_own_bin() {
        if ((EUID == 0)) && { [[ -n $root ]] || ! runuser -u nobody -- test -x "$bin"; }; then
                chmod 755 "$scratch"
                cp -- "$bin" "$scratch/unit-tls"
                chmod 755 "$scratch/unit-tls"
                bin=$scratch/unit-tls
        fi
}

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

# sd_test PATH UNIT OUT ERR: systemd --test's dump and log for UNIT, reading
# SYSTEMD_UNIT_PATH=PATH, as the reader.
sd_test() {
        if [[ -n $root ]]; then
                as_reader SYSTEMD_UNIT_PATH="$1" timeout "${ORACLE_TIMEOUT:-60}" \
                        "$systemd" --test --system --unit="$2" --no-pager > "$3" 2> "$4" || true
        else
                SYSTEMD_UNIT_PATH="$1" timeout "${ORACLE_TIMEOUT:-60}" \
                        runuser -u nobody -- "$systemd" --test --system --unit="$2" --no-pager \
                        > "$3" 2> "$4" || true
        fi
}

# ut_dump PATH OUT ERR UNIT...: unit-tls dump of the units; returns its status.
ut_dump() {
        local p=$1 out=$2 err=$3 rc=0
        shift 3
        if [[ -n $root ]]; then
                as_reader SYSTEMD_UNIT_PATH="$p" timeout "${ORACLE_TIMEOUT:-60}" "$bin" dump "$@" > "$out" 2> "$err" || rc=$?
        else
                as_reader env -i SYSTEMD_UNIT_PATH="$p" timeout "${ORACLE_TIMEOUT:-60}" "$bin" dump "$@" > "$out" 2> "$err" || rc=$?
        fi
        return "$rc"
}

# oracle_render T UNIT OUT ERR: systemd's normalized reading of UNIT from a dump
# and log already made, with $T written @T@. Lines starting with '#' are
# commentary (id, warnings) and are not compared; "#only-load-state" says there
# was no dump and only the load state counts.
oracle_render() {
        local t=$1 u=$2 out=$3 err=$4 block rc=0 w refusal
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
                done < <(grep -a -E -e "$t|${ORACLE_WARN_RE:-(^|[^[:alnum:]])ot-}" "$err" |
                        grep -a -v -e "^Queued start job" | iconv -c -f UTF-8 -t UTF-8 || true)
        } | sed "s|$t|@T@|g"
}

# oracle T UNIT [PATH]: systemd's normalized reading of UNIT (oracle_render).
oracle() {
        local t=$1 u=$2 p=${3:-$1/etc:$1/run:$1/usr:}
        sd_test "$p" "$u" "$scratch/sd.out" "$scratch/sd.err"
        oracle_render "$t" "$u" "$scratch/sd.out" "$scratch/sd.err"
}

# mine T UNIT [PATH]: unit-tls's normalized reading of UNIT, with $T written @T@;
# its exit status in $scratch/me.rc, its stderr in $scratch/me.err.
mine() {
        local t=$1 u=$2 p=${3:-$1/etc:$1/run:$1/usr:} rc=0
        ut_dump "$p" "$scratch/me.out" "$scratch/me.err" "$u" || rc=$?
        echo "$rc" > "$scratch/me.rc"
        normalize < "$scratch/me.out" | sed "s|$t|@T@|g"
}

# judge NAME UNIT EXP GOT RC: compare systemd's reading EXP (oracle) with
# unit-tls's GOT (mine, exit status RC); print "ok ..." or "FAIL ..." with the
# difference, unit-tls's stderr taken from $scratch/me.err. Returns 1 on FAIL.
judge() {
        local name=$1 u=$2 exp=$3 got=$4 rc=$5 exp_fields
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
                return 0
        fi
        echo "FAIL $name $u (unit-tls exit status $rc)"
        diff -u --label "systemd" --label "unit-tls" \
                <(printf '%s\n' "$exp_fields") <(printf '%s\n' "$got") | sed 's/^/    /' || true
        grep '^#' <<< "$exp" | sed 's/^/    /' || true
        sed 's/^/    unit-tls stderr: /' "$scratch/me.err" | head -n 20
        return 1
}
