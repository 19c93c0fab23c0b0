# shellcheck shell=bash disable=SC2034,SC2154
# Byte-level line handling: a UTF-8 BOM on the first line only, CRLF, lone CR
# and NUL as line terminators, a BOM followed by '#' (not a comment), a BOM on
# a later line (not stripped), two BOMs.
printf '\xef\xbb\xbf[Service]\nExecStart=/bin/true\nEnvironment=BOM=1\n' > "$T/usr/ot-bom.service"
printf '[Service]\r\nExecStart=/bin/true\r\nEnvironment=CRLF=1 "Q=a b"\r\nEnvironment=CONT=1 \\\r\n  MORE=2\r\nEnvironment=X=1 \\\r\n\r\nEnvironment=Y=2\r\n' > "$T/usr/ot-crlf.service"
printf '[Service]\rExecStart=/bin/true\rEnvironment=CR=1\rEnvironment=CR2=2\r' > "$T/usr/ot-cr.service"
printf '\xef\xbb\xbf# comment=1\n[Service]\nExecStart=/bin/true\nEnvironment=AFTER_BOM_COMMENT=1\n' > "$T/usr/ot-bom-comment.service"
svc "$T/usr/ot-bom-dropin.service" 'Environment=FRAG=1'
mkdir -p "$T/usr/ot-bom-dropin.service.d"
printf '\xef\xbb\xbf[Service]\nEnvironment=DROPIN_BOM=1\n' > "$T/usr/ot-bom-dropin.service.d/10.conf"
printf '\xef\xbb\xbf\xef\xbb\xbf[Service]\nEnvironment=DOUBLE_BOM=1\n' > "$T/usr/ot-bom-dropin.service.d/20-double.conf"
printf '[Service]\n\xef\xbb\xbfEnvironment=MID_BOM=1\nEnvironment=AFTER_MID=1\n' > "$T/usr/ot-bom-dropin.service.d/30-mid.conf"
printf '\xef\xbb\xbf#[Service]\nEnvironment=BOM_HASH=1\n' > "$T/usr/ot-bom-dropin.service.d/40-bomhash.conf"
printf '[Service]\nExecStart=/bin/true\nEnvironment=A=1\0Environment=B=2\0\0Environment=C=3\n' > "$T/usr/ot-nul.service"
printf '\xef\xbb\xbf' > "$T/usr/ot-bom-only.service"
UNITS="ot-bom.service ot-crlf.service ot-cr.service ot-bom-comment.service ot-bom-dropin.service ot-nul.service ot-bom-only.service"
