# shellcheck shell=bash disable=SC2034,SC2154
# Probes for line-reader shortcuts: a fixed line buffer would split a long line
# and read its tail as a line of its own (INJ_* must never appear); indented
# lines are not continuations; ':' is not a key/value separator.
pad() { head -c "$1" /dev/zero | tr '\0' a; }
lines=('[Service]' 'ExecStart=/bin/true')
for n in 200 256 512 1024 4096 8192 65536; do
        # X-Pad= is silently ignored; the tail starts at byte n-1 (0-based).
        lines+=("X-Pad=$(pad $((n - 1 - 6)))Environment=INJ_$n=1")
        lines+=("X-Pad=$(pad $((n - 6)))Environment=INJB_$n=1")
done
lines+=('Environment=MULTI=1' '  INDENTED=2' '	Environment=TAB_INDENTED=3')
lines+=("Environment=VALUE_LONG=$(pad 250) ;tail" 'Environment=LAST=1')
put "$T/usr/ot-inih.service" "${lines[@]}"
UNITS="ot-inih.service"
