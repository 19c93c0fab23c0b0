# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# pkgs_env_files DIR: write the administrator's environment files of the package corpus
# (tests/pkgs/run.sh puts them in TREE/etc/ut-admin) into DIR. The integration scenario
# t-21-envfiles.sh boots a systemd on the same files and compares what a service process
# gets with unit-tls's reading. Their traps: a comment ending in a backslash (252 swallows
# the next line, 254+ does not), double and single quotes, a backslash-newline inside and
# outside quotes, "export", blanks around '=', a ';' comment, a value with " #".
pkgs_env_files() {
        local d=$1
        mkdir -p "$d"
        printf '%s\n' '# a comment ending in a backslash \' 'UT_AFTER_COMMENT=1' \
                'UT_QUOTED="a \"b\" c"' "UT_SINGLE='x y'" 'UT_CONT=one \' 'two' \
                'export UT_EXPORTED=yes' '  UT_INDENTED = spaced  ' > "$d/all.env"
        printf '%s\n' '; semicolon comment \' 'UT_A=1' '' 'UT_B="multi' 'line"' 'UT_D="cont \' 'inued"' > "$d/10-a.env"
        printf '%s\n' 'UT_C=3 # not a comment' 'UT_A=from-20' > "$d/20-b.env"
}
