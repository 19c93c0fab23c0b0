# shellcheck shell=bash disable=SC2034,SC2154
# Invalid UTF-8 on a line is fatal in a fragment and cuts a drop-in at that
# line, even inside an unknown section or an X- key; inside a comment line it
# is harmless. An escaped invalid byte (\xff) only drops that word.
printf '[Service]\nExecStart=/bin/true\nEnvironment=A=\xff\n' > "$T/usr/ot-utf-frag.service"
svc "$T/usr/ot-utf-dropin.service" 'Environment=FRAG=1'
mkdir -p "$T/usr/ot-utf-dropin.service.d"
printf '[Service]\nEnvironment=BEFORE=1\nEnvironment=BAD=\xc3\x28\nEnvironment=AFTER=1\n' > "$T/usr/ot-utf-dropin.service.d/10.conf"
printf '[X-Mine]\nKey=\xff\n[Service]\nEnvironment=AFTER_X=1\n' > "$T/usr/ot-utf-dropin.service.d/20.conf"
printf '[Service]\nX-Key=\xed\xa0\x80\nEnvironment=AFTER_SURROGATE=1\n' > "$T/usr/ot-utf-dropin.service.d/30.conf"
printf '[Service]\n# comment \xff\xfe\nEnvironment=AFTER_COMMENT=1\n' > "$T/usr/ot-utf-dropin.service.d/40.conf"
printf '[Service]\nEnvironment=OK=1 ESC=\\xff OK2=2 U=h\xc3\xa9\n' > "$T/usr/ot-utf-dropin.service.d/50.conf"
printf '[Service]\nEnvironment=OVERLONG=\xc0\xaf\nEnvironment=AFTER_OVERLONG=1\n' > "$T/usr/ot-utf-dropin.service.d/60.conf"
UNITS="ot-utf-frag.service ot-utf-dropin.service"
