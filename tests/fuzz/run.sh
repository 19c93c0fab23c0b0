#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Builds the libFuzzer harnesses in tests/fuzz with clang (-fsanitize=fuzzer,address,undefined),
# replays every input kept in regressions/<harness>/, then fuzzes each harness for SECONDS on a
# copy of its seed corpus (corpus/<harness>/). Nothing is written into the source tree: the
# build, the growing corpora and any crash go to a work directory, kept when something failed.
#
# usage: run.sh [SECONDS] [HARNESS...]
#   SECONDS      fuzzing time per harness, default 30; 0 only builds and replays the regressions
#   HARNESS      e.g. unit-syntax environ (default: every fuzz-*.c here)
# env: FUZZ_WORKDIR  work directory (default: a new mktemp -d, removed when all passed)
#      FUZZ_JOBS     harnesses fuzzed at the same time (default 1)
#      FUZZ_ARGS     extra libFuzzer arguments, e.g. "-max_len=8192"
#      CC            clang (default clang)
# Prints per harness: executions, corpus size, crashes; the last line is "N passed, M failed".
# Exit: 0 all passed, 1 a harness failed (crash, leak, timeout, failing regression, build error),
#       2 usage error, 77 clang or its libFuzzer runtime is missing.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cc=${CC:-clang}
[[ $cc == cc || $cc == gcc ]] && cc=clang
jobs=${FUZZ_JOBS:-1}

seconds=30
if (($#)) && [[ $1 =~ ^[0-9]+$ ]]; then
        seconds=$1
        shift
elif (($#)) && [[ $1 == -h || $1 == --help ]]; then
        sed -n '/^# usage:/,/^# Exit:/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
        exit 0
fi
harnesses=("$@")
if ((${#harnesses[@]} == 0)); then
        for f in "$here"/fuzz-*.c; do
                h=${f##*/fuzz-}
                harnesses+=("${h%.c}")
        done
fi
for h in "${harnesses[@]}"; do
        if [[ ! -f $here/fuzz-$h.c ]]; then
                echo "run.sh: no harness $h (tests/fuzz/fuzz-$h.c)" >&2
                exit 2
        fi
done

if ! command -v "$cc" > /dev/null; then
        echo "SKIP: $cc is not installed (apt-get install clang)"
        exit 77
fi

if [[ -n ${FUZZ_WORKDIR:-} ]]; then
        work=$FUZZ_WORKDIR
        mkdir -p "$work"
        keep=1
else
        work=$(mktemp -d /tmp/unit-tls-fuzz.XXXXXX)
        keep=0
fi
build=$work/build
mkdir -p "$build"

# libFuzzer's runtime (libclang_rt.fuzzer) ships separately from clang on some systems.
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void) d; (void) n; return 0; }\n' \
        > "$build/probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$build/probe.c" -o "$build/probe" 2> "$build/probe.log"; then
        echo "SKIP: $cc cannot link -fsanitize=fuzzer,address,undefined (libFuzzer runtime missing;" \
             "on Debian: apt-get install libclang-rt-14-dev or a full clang package):"
        sed 's/^/  /' "$build/probe.log" | head -5
        ((keep)) || rm -rf "$work"
        exit 77
fi

# The library part under test: every src/LAYER/*.c but the programs' main(). Only the objects a
# harness calls are linked from the archive, so a file that does not build (work in progress)
# only fails the harnesses that need it.
sources=()
for f in "$repo"/src/*/*.c; do
        grep -q '^int main(' "$f" || sources+=("$(realpath --relative-to="$repo/src" "$f" | sed 's/\.c$//')")
done
cflags=(-std=gnu11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer
        -fsanitize=address,undefined -fno-sanitize-recover=undefined
        -I"$repo/src" -I"$build")
libs=$(pkg-config --libs inih libcrypto libssl libsystemd 2> /dev/null) || libs="-linih -lssl -lcrypto -lsystemd"
printf '#pragma once\n#define PACKAGE_VERSION "fuzz"\n#define SYSCONFDIR "/etc"\n' > "$build/config.h"

echo "building in $build"
pids=()
for s in "${sources[@]}"; do
        mkdir -p "$build/${s%/*}"
        rm -f "$build/$s.o"
        "$cc" "${cflags[@]}" -fsanitize=fuzzer-no-link -c "$repo/src/$s.c" -o "$build/$s.o" 2> "$build/$s.log" &
        pids+=($!)
        if ((${#pids[@]} >= $(nproc))); then
                wait "${pids[0]}"
                pids=("${pids[@]:1}")
        fi
done
wait
objects=()
for s in "${sources[@]}"; do
        if [[ -f $build/$s.o ]]; then
                objects+=("$build/$s.o")
        else
                echo "warning: src/$s.c does not build; harnesses that need it will fail:"
                grep -m3 'error' "$build/$s.log" | sed 's/^/  /'
        fi
done
rm -f "$build/libunittls-fuzz.a"
ar rcs "$build/libunittls-fuzz.a" "${objects[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Fuzzes one harness; writes its report lines to $work/<h>.report and its status to $work/<h>.rc.
fuzz_one() {
        local h=$1 bin=$build/fuzz-$h status=0
        local rep=$work/$h.report
        : > "$rep"
        if ! "$cc" "${cflags[@]}" -fsanitize=fuzzer -I"$here" "$here/fuzz-$h.c" "$build/libunittls-fuzz.a" \
                $libs -o "$bin" 2> "$build/fuzz-$h.log"; then
                echo "$h: BUILD FAILED" >> "$rep"
                head -20 "$build/fuzz-$h.log" | sed 's/^/  /' >> "$rep"
                echo 1 > "$work/$h.rc"
                return
        fi

        # Every input that ever crashed must now run cleanly (one run per file).
        local regs=() f
        if [[ -d $here/regressions/$h ]]; then
                for f in "$here/regressions/$h"/*; do
                        [[ -f $f ]] && regs+=("$f")
                done
        fi
        if ((${#regs[@]})); then
                if "$bin" -runs=1 -timeout=25 -error_exitcode=1 -timeout_exitcode=1 "${regs[@]}" > "$work/$h.regressions.log" 2>&1; then
                        echo "$h: ${#regs[@]} regression inputs replayed, ok" >> "$rep"
                else
                        echo "$h: REGRESSION FAILED (of ${#regs[@]} inputs in tests/fuzz/regressions/$h):" >> "$rep"
                        grep -E 'Running: |ERROR: |SUMMARY: |property failed|runtime error' "$work/$h.regressions.log" |
                                tail -8 | sed 's/^/  /' >> "$rep"
                        status=1
                fi
        fi

        if ((seconds > 0)); then
                local corpus=$work/corpus/$h findings=$work/findings/$h
                mkdir -p "$corpus" "$findings"
                [[ -d $here/corpus/$h ]] && cp -r "$here/corpus/$h/." "$corpus/"
                local seeds
                seeds=$(find "$corpus" -type f | wc -l)
                # shellcheck disable=SC2086
                "$bin" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2560 -print_final_stats=1 \
                        -error_exitcode=1 -timeout_exitcode=1 -artifact_prefix="$findings/" ${FUZZ_ARGS:-} \
                        "$corpus" > "$work/$h.log" 2>&1
                local rc=$? execs files bytes crashes
                execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$h.log" | tail -1)
                if [[ -z $execs ]]; then
                        execs=$(grep -oE '^#[0-9]+' "$work/$h.log" | tail -1 | tr -d '#')
                fi
                files=$(find "$corpus" -type f | wc -l)
                bytes=$(find "$corpus" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
                crashes=$(find "$findings" -type f | wc -l)
                if ((rc == 0 && crashes == 0)); then
                        echo "$h: ${execs:-0} executions in ${seconds}s, corpus $seeds -> $files inputs ($bytes bytes), no crash" >> "$rep"
                else
                        echo "$h: CRASH after ${execs:-?} executions, corpus $seeds -> $files inputs ($bytes bytes)" >> "$rep"
                        grep -E '^==[0-9]+==ERROR|^SUMMARY: |property failed|runtime error|^ALARM|out-of-memory|Test unit written' \
                                "$work/$h.log" | head -8 | sed 's/^/  /' >> "$rep"
                        for f in "$findings"/*; do
                                [[ -f $f ]] && echo "  input: $f (minimise: $bin -minimize_crash=1 -runs=100000 $f)" >> "$rep"
                        done
                        echo "  log: $work/$h.log" >> "$rep"
                        status=1
                fi
        fi
        echo "$status" > "$work/$h.rc"
}

running=0
for h in "${harnesses[@]}"; do
        fuzz_one "$h" &
        running=$((running + 1))
        if ((running >= jobs)); then
                wait -n
                running=$((running - 1))
        fi
done
wait

passed=0
failed=0
for h in "${harnesses[@]}"; do
        cat "$work/$h.report"
        if [[ $(cat "$work/$h.rc" 2> /dev/null) == 0 ]]; then
                passed=$((passed + 1))
        else
                failed=$((failed + 1))
        fi
done
if ((failed)); then
        echo "work directory kept: $work"
elif ((!keep)); then
        rm -rf "$work"
fi
echo "$passed passed, $failed failed"
((failed == 0))
