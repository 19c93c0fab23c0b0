#!/bin/bash
# An insecure override (NODE_TLS_REJECT_UNAUTHORIZED=0) set elsewhere is
# repaired by `set --ca`: the drop-in adds UnsetEnvironment= (applied after
# every Environment= and EnvironmentFile=, whatever the file order), set
# warns naming where the override comes from, and the new process has the
# CA and no override, so verification is on again and the call still works.
#  - ut-dropin: the override in another drop-in (zz-insecure.conf, which
#    sorts after tls.conf);
#  - ut-envfile: the override in an EnvironmentFile= .env file.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=ut-lib.sh
. "$(dirname "$0")/ut-lib.sh"

t_all=$(ct_now)
ut_setup
insecure=/etc/systemd/system/ut-dropin.service.d/zz-insecure.conf
envfile=/etc/ut-envfile.env
ct_write_dropin ut-dropin.service zz-insecure.conf <<<$'[Service]\nEnvironment=NODE_TLS_REJECT_UNAUTHORIZED=0'
printf 'UT_FROM_FILE=1\nNODE_TLS_REJECT_UNAUTHORIZED=0\n' | ct_write "$envfile"
ct_node_client ut-dropin
ct_node_client ut-envfile "EnvironmentFile=$envfile"

expected="$UT_DROPIN_HEADER
[Service]
Environment=\"NODE_EXTRA_CA_CERTS=$UT_CA\"
UnsetEnvironment=NODE_TLS_REJECT_UNAUTHORIZED"

repair() { # SVC SOURCE
	local svc=$1 unit=$1.service src=$2 before reloads
	ut_assert_env "$unit" NODE_TLS_REJECT_UNAUTHORIZED 0
	ut_assert_result "$svc" OK "before: verification off"
	ut_run status "$svc"
	ut_expect_rc "status $svc (insecure)" 1
	ut_assert_contains "status $svc" "$UT_OUT" "  verdict:    insecure"

	before=$(ut_state "$unit") reloads=$(ut_reloads)
	ut_run set "$svc" --ca "$UT_CA"
	ut_expect_rc "set $svc" 0
	ut_assert_contains "set $svc: warning" "$UT_ERR" "unit-tls: warning: $unit: NODE_TLS_REJECT_UNAUTHORIZED=0 from $src"
	ut_assert_contains "set $svc: warning" "$UT_ERR" "the drop-in unsets it"
	ut_assert_dropin "$unit" "$expected"
	ut_assert_loaded "$unit" "$UT_CA"
	ut_assert_contains "$unit UnsetEnvironment" "$(ut_show "$unit" UnsetEnvironment)" NODE_TLS_REJECT_UNAUTHORIZED
	ut_assert_reloads "set $svc" "$reloads" 1
	ut_assert_restarted "$unit" "$before"
	ut_assert_no_env "$unit" NODE_TLS_REJECT_UNAUTHORIZED
	ut_assert_env "$unit" NODE_EXTRA_CA_CERTS "$UT_CA"
	ut_assert_contains "set $svc output" "$UT_OUT" "running process (PID $(ct_main_pid "$unit")) verified"
	ut_assert_result "$svc" OK "after set: verified with the CA"
	ut_run status "$svc"
	ut_expect_rc "status $svc (repaired)" 0
	ut_assert_contains "status $svc" "$UT_OUT" "  verdict:    ok"
	ut_assert_not_contains "status $svc: running level" "$(grep '  running:' <<<"$UT_OUT")" NODE_TLS_REJECT_UNAUTHORIZED
}

repair ut-dropin "$insecure:2"
repair ut-envfile "$envfile"
ut_assert_env ut-envfile.service UT_FROM_FILE 1

ct_log "scenario body took $(ct_elapsed "$t_all")s (boot ${CT_BOOT_SECONDS}s)"
