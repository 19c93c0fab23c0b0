# shellcheck shell=bash disable=SC2034,SC2154
# Directory entries that are not unit files: a directory or a FIFO named like a
# unit is skipped, so the lower file of that name is used.
mkdir -p "$T/etc/ot-dir.service"
svc "$T/usr/ot-dir.service" 'Environment=WHO=usr-dir'
mkfifo "$T/etc/ot-fifo.service"
svc "$T/usr/ot-fifo.service" 'Environment=WHO=usr-fifo'
mkdir -p "$T/ext/adir"
link "$T/ext/adir" "$T/etc/ot-dirlink.service"
svc "$T/usr/ot-dirlink.service" 'Environment=WHO=usr-dirlink'
UNITS="ot-dir.service ot-fifo.service ot-dirlink.service"
