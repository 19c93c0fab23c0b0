#!/bin/bash
# SPDX-License-Identifier: MIT
# The man pages say what --help says: every option of `unit-tls --help` appears in the
# rendered unit-tls(8), every verb has its own entry, and both pages render without warnings.
set -euo pipefail
bin=${1:-${UNIT_TLS:-build/src/unit-tls}}
top=$(cd "$(dirname "$0")/../.." && pwd)
passed=0 failed=0

render() {
        if command -v man >/dev/null; then
                MANWIDTH=100 man --warnings -l "$1" 2>"$tmp/warn" | col -b
        elif command -v groff >/dev/null; then
                groff -mandoc -Tutf8 -ww "$1" 2>"$tmp/warn" | col -b
        else
                echo "skip: neither man nor groff is installed" >&2
                exit 77
        fi
}
check() {
        if eval "$2"; then
                echo "ok $1"; passed=$((passed + 1))
        else
                echo "FAIL $1"; failed=$((failed + 1))
        fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
render "$top/man/unit-tls.8" >"$tmp/unit-tls.8.txt"
check "unit-tls.8 renders without warnings" '[ ! -s "$tmp/warn" ]'
render "$top/man/unit-tls.d.5" >"$tmp/unit-tls.d.5.txt"
check "unit-tls.d.5 renders without warnings" '[ ! -s "$tmp/warn" ]'

for opt in $("$bin" --help | grep -oE -- '(^|[ ,])-(-[a-z][a-z-]+|[a-z])\b' | tr -d ' ,' | sort -u); do
        check "option $opt is documented" 'grep -qF -- "$opt" "$tmp/unit-tls.8.txt"'
done
for verb in $("$bin" --help | sed -n 's/^  unit-tls \[OPTIONS\] \([a-z]*\).*/\1/p' | sort -u); do
        check "command $verb has an entry" 'grep -qE "^ {5,}$verb( |$)" "$tmp/unit-tls.8.txt"'
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
