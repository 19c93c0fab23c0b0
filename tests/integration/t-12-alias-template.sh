#!/bin/bash
# Names that are not the unit's own file name:
#  - an alias (ut-alias.service -> ut-real.service, a symlink in
#    /etc/systemd/system): the drop-in lands in ut-real.service.d (the unit's
#    id), not in ut-alias.service.d, and the service is restarted and works;
#  - a template instance ut-cli@one.service: the drop-in lands in
#    ut-cli@one.service.d (this instance only; ut-cli@two is not touched);
#  - the template ut-cli@.service: ut-cli@.service.d, every running instance
#    restarted and verified, and a new instance has it too.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=ut-lib.sh
. "$(dirname "$0")/ut-lib.sh"

t_all=$(ct_now)
ut_setup

# --- alias
ct_node_client ut-real
ct_exec ln -s ut-real.service /etc/systemd/system/ut-alias.service
ct_daemon_reload
ct_assert_eq "ut-alias.service Id" ut-real.service "$(ut_show ut-alias.service Id)"
ut_assert_result ut-real "$UT_FAIL" "before"
before=$(ut_state ut-real.service) reloads=$(ut_reloads)
ut_run set ut-alias --ca "$UT_CA"
ut_expect_rc "set ut-alias" 0
ut_assert_dropin ut-real.service "$(ut_expected_dropin "$UT_CA")"
ut_assert_no_dropin_dir ut-alias.service
ut_assert_loaded ut-real.service "$UT_CA"
ut_assert_reloads "set ut-alias" "$reloads" 1
ut_assert_restarted ut-real.service "$before"
ut_assert_contains "set ut-alias output" "$UT_OUT" "ut-real.service: wrote $(ut_dropin ut-real.service)"
ut_assert_contains "set ut-alias output" "$UT_OUT" "verified: NODE_EXTRA_CA_CERTS=$UT_CA"
ut_assert_env ut-real.service NODE_EXTRA_CA_CERTS "$UT_CA"
ut_assert_result ut-real OK "after set ut-alias"
ut_run status ut-alias
ut_expect_rc "status ut-alias" 0
ut_assert_contains "status ut-alias" "$UT_OUT" "  verdict:    ok"
# unset through the alias too
before=$(ut_state ut-real.service)
ut_run unset ut-alias
ut_expect_rc "unset ut-alias" 0
ut_assert_no_dropin_dir ut-real.service
ut_assert_restarted ut-real.service "$before"
ut_assert_result ut-real "$UT_FAIL" "after unset ut-alias"

# --- template instance
node=${UT_NODE:-$(command -v node)}
ct_write_unit ut-cli@.service <<EOF
[Unit]
Description=unit-tls test Node.js client %n (template)
After=ut-https.service

[Service]
ExecStart=$node $CT_SHARE/client.js
StateDirectory=%N
Environment=UT_URL=https://127.0.0.1:$CT_HTTPS_PORT/
EOF
ct_daemon_reload
ct_systemctl start ut-cli@one.service ut-cli@two.service
ut_assert_result ut-cli@one "$UT_FAIL" "before"
ut_assert_result ut-cli@two "$UT_FAIL" "before"
one=$(ut_state ut-cli@one.service) two=$(ut_state ut-cli@two.service) reloads=$(ut_reloads)
ut_run set ut-cli@one --ca "$UT_CA"
ut_expect_rc "set ut-cli@one" 0
ut_assert_dropin ut-cli@one.service "$(ut_expected_dropin "$UT_CA")"
ut_assert_no_dropin_dir ut-cli@.service
ut_assert_no_dropin_dir ut-cli@two.service
ut_assert_loaded ut-cli@one.service "$UT_CA"
ut_assert_reloads "set ut-cli@one" "$reloads" 1
ut_assert_restarted ut-cli@one.service "$one"
ut_assert_env ut-cli@one.service NODE_EXTRA_CA_CERTS "$UT_CA"
ut_assert_result ut-cli@one OK "after set"
ut_assert_not_restarted ut-cli@two.service "$two"
ut_assert_no_env ut-cli@two.service NODE_EXTRA_CA_CERTS
ct_assert_eq "ut-cli@two next attempt" "$UT_FAIL" "$(ct_wait_next_result ut-cli@two)"

# --- the template itself: ut-cli@.service.d applies to every instance; the running
# instances are restarted (one reload), each verified
ut_run unset ut-cli@one
ut_expect_rc "unset ut-cli@one" 0
one=$(ut_state ut-cli@one.service) two=$(ut_state ut-cli@two.service) reloads=$(ut_reloads)
ut_run set ut-cli@.service --ca "$UT_CA"
ut_expect_rc "set ut-cli@.service" 0
ut_assert_dropin ut-cli@.service "$(ut_expected_dropin "$UT_CA")"
ut_assert_reloads "set ut-cli@.service" "$reloads" 1
ut_assert_restarted ut-cli@one.service "$one"
ut_assert_restarted ut-cli@two.service "$two"
ut_assert_contains "set ut-cli@.service output" "$UT_OUT" "ut-cli@two.service: loaded by systemd, restarted"
ut_assert_env ut-cli@two.service NODE_EXTRA_CA_CERTS "$UT_CA"
ut_assert_result ut-cli@one OK "after set on the template"
ut_assert_result ut-cli@two OK "after set on the template"
# a new instance started later gets it too
ct_systemctl start ut-cli@three.service
ut_assert_result ut-cli@three OK "a new instance"

ct_log "scenario body took $(ct_elapsed "$t_all")s (boot ${CT_BOOT_SECONDS}s)"
