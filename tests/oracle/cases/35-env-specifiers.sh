# shellcheck shell=bash disable=SC2034,SC2154
# Unit-name specifiers in Environment= for plain units, instances with escaped
# characters, and dashed prefixes; %f, %j, %J; the fixed system-manager dirs.
spec='Environment=n=%n N=%N p=%p P=%P i=%i I=%I j=%j J=%J f=%f'
svc "$T/usr/ot-spec-a-b@.service" "$spec"
svc "$T/usr/ot-spec-plain.service" "$spec"
svc "$T/usr/ot-spec-x\\x2dy.service" "$spec"
svc "$T/usr/ot-spec-dirs.service" 'Environment=t=%t S=%S C=%C L=%L E=%E T=%T V=%V'
UNITS="ot-spec-a-b@in-st.service ot-spec-a-b@a\\x2fb\\x2dc.service ot-spec-plain.service ot-spec-x\\x2dy.service ot-spec-dirs.service"
