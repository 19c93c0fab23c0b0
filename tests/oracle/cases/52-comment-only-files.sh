# shellcheck shell=bash disable=SC2034,SC2154
# Files with only comments or blank lines: a drop-in that contributes nothing is
# still listed; a comment-only fragment is not a mask (and has no ExecStart=).
svc "$T/usr/ot-co.service" 'Environment=FRAG=1'
put "$T/usr/ot-co.service.d/10-comments.conf" '# only a comment' '; and another'
put "$T/usr/ot-co.service.d/20-blank.conf" '' '   ' ''
put "$T/usr/ot-co.service.d/30-header.conf" '[Service]'
put "$T/usr/ot-co2.service" '# nothing here'
UNITS="ot-co.service ot-co2.service"
