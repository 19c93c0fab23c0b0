# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# Helpers for the fixture snippets in cases/. run.sh sources this file, then one
# case, inside a subshell whose working directory is the fresh tree $T.

# put FILE LINE...: create FILE (and its directory), one LINE per argument, each
# followed by "\n". Arguments are written verbatim: no printf escapes, no '%'.
put() {
        local f=$1
        shift
        mkdir -p -- "${f%/*}"
        printf '%s\n' "$@" > "$f"
}

# link TARGET NAME: create the symlink NAME -> TARGET (and NAME's directory).
link() {
        mkdir -p -- "${2%/*}"
        ln -s -- "$1" "$2"
}

# svc FILE LINE...: a service fragment with a [Service] header and an ExecStart=,
# followed by the given lines (each still inside [Service] unless they open a
# new section).
svc() {
        local f=$1
        shift
        put "$f" '[Service]' 'ExecStart=/bin/true' "$@"
}
