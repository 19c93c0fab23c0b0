#!/bin/bash
# SPDX-License-Identifier: MIT
# The whole test suite from a fresh clone: installs what is missing (Debian 12 or 13, as root),
# builds with warnings as errors, runs every suite, then the unit and CLI suites again under
# AddressSanitizer and UndefinedBehaviorSanitizer. Ends with "N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=tests/deps.sh
. tests/deps.sh
install_deps ansible-core time clang libclang-rt-dev debootstrap strace

build=${BUILD_DIR:-build}
asan=${ASAN_BUILD_DIR:-build-asan}
[ -d "$build" ] || meson setup "$build" -Dtests=enabled --werror
ninja -C "$build"
# The sanitizer tree is built with clang when it is there: a second compiler catches what gcc
# lets pass (a goto over a _cleanup_ variable, for one).
asan_cc=gcc
command -v clang >/dev/null && asan_cc=clang
[ -d "$asan" ] || CC=$asan_cc meson setup "$asan" -Dtests=enabled --werror -Db_sanitize=address,undefined -Db_lundef=false
ninja -C "$asan"

status=0
meson test -C "$build" --logbase all --print-errorlogs --num-processes 2 || status=1
meson test -C "$build" --logbase fuzz --print-errorlogs --suite fuzz || status=1
meson test -C "$build" --logbase deb --print-errorlogs --suite deb || status=1
# Sanitizers: the suites that run unit-tls's own code in-process or as a CLI.
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1 \
        meson test -C "$asan" --logbase sanitizers --print-errorlogs --suite unit --suite cli --suite oracle || status=1

# One closing line over both runs, from meson's own logs.
python3 - "$build" "$asan" <<'PY'
import json, sys
passed = failed = skipped = 0
for d, base in ((sys.argv[1], "all"), (sys.argv[1], "fuzz"), (sys.argv[1], "deb"), (sys.argv[2], "sanitizers")):
    try:
        lines = open(f"{d}/meson-logs/{base}.json").read().splitlines()
    except OSError:
        continue
    for line in lines:
        r = json.loads(line).get("result")
        if r == "OK": passed += 1
        elif r == "SKIP": skipped += 1
        else: failed += 1
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
exit $status
