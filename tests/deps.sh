# SPDX-License-Identifier: MIT
# Sourced by the quick-start scripts: installs the Debian 12 or 13 packages unit-tls needs to build,
# test and demo itself, only when something is missing.

DEPS=(meson ninja-build pkg-config gcc libsystemd-dev libinih-dev libssl-dev libcmocka-dev
      systemd systemd-container dbus openssl python3 util-linux iproute2 ca-certificates)

# install_deps [EXTRA...]: the base set plus what a caller needs on top (the full suite adds
# ansible-core and time).
install_deps() {
        local missing=() p
        for p in "${DEPS[@]}" "$@"; do
                dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
        done
        # Node.js: any node on PATH will do (the machine's own, or Debian's nodejs).
        command -v node >/dev/null 2>&1 || missing+=(nodejs)
        # npm fetches the official Node.js binaries some suites run (tests/lib/).
        command -v npm >/dev/null 2>&1 || missing+=(npm)
        [ ${#missing[@]} -eq 0 ] && return 0
        if [ "$(id -u)" -ne 0 ]; then
                echo "unit-tls: missing packages: ${missing[*]}; run this as root or install them" >&2
                return 1
        fi
        echo "Installing: ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
