#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/debian13/run.sh oracle|integration [BIN]: a suite against Debian 13 (systemd 257), the
# platform most users run: the oracle suite with trixie's `systemd --test`, or the integration
# suite in a booted trixie container (Node 24 inside). The root is debootstrapped once and
# cached (tests/lib/debian13.sh). Exit 77 when it cannot be had (no root, no network), except
# under CI=true, where that fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
suite=${1:?usage: run.sh oracle|integration [BIN]}
bin=${2:-${UNIT_TLS:-$repo/build/src/unit-tls}}

skip() {
        if [[ ${CI:-} == true ]]; then
                echo "FAIL: $* (CI=true: not skipping)" >&2
                exit 1
        fi
        echo "SKIP: $*" >&2
        exit 77
}
[[ $(id -u) == 0 ]] || skip "the Debian 13 suites need root (debootstrap, chroot, systemd-nspawn)"
# shellcheck source=tests/lib/debian13.sh
. "$repo/tests/lib/debian13.sh"
root=$(d13_root) || skip "no Debian 13 root (debootstrap failed; see the messages above)"

case $suite in
oracle) exec "$repo/tests/oracle/run.sh" --systemd-root "$root" "$bin" ;;
integration) CT_LOWER=$root UNIT_TLS=$bin exec "$repo/tests/integration/run.sh" ;;
*) echo "usage: run.sh oracle|integration [BIN]" >&2; exit 2 ;;
esac
