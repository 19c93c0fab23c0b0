#!/bin/bash
# The service manager's own environment, checked against the real systemd and
# the real service processes (/proc/PID/environ):
#  - DefaultEnvironment=NODE_TLS_REJECT_UNAUTHORIZED=0 in a system.conf.d
#    drop-in (masking a same-named /usr/lib one), read again by daemon-reload;
#    a broken drop-in after it ends systemd's reading (the next file is not
#    read) and unit-tls agrees with `systemctl show-environment`;
#  - status names the file and line; audit reports the manager once, with the
#    services it reaches (not a unit that unsets it); set repairs a unit with
#    UnsetEnvironment= and leaves a unit that unsets it already as it is;
#  - `systemctl set-environment NODE_EXTRA_CA_CERTS=CA`: a manager-wide CA,
#    attributed to set-environment, trusted by a restarted service;
#  - PassEnvironment=container takes PID 1's own variable (/proc/1/environ).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=ut-lib.sh
. "$(dirname "$0")/ut-lib.sh"

t_all=$(ct_now)
ut_setup
conf=/etc/systemd/system.conf.d/50-insecure.conf
ct_write "$conf" <<<$'# every service\n[Manager]\nDefaultEnvironment="NODE_TLS_REJECT_UNAUTHORIZED=0" UT_MGR=file'
ct_write /usr/lib/systemd/system.conf.d/50-insecure.conf <<<$'[Manager]\nDefaultEnvironment=NODE_TLS_REJECT_UNAUTHORIZED=1 UT_MASKED=1'
ct_write /etc/systemd/system.conf.d/60-broken.conf <<<$'[Manager\nDefaultEnvironment=UT_IN_BROKEN=1'
ct_write /etc/systemd/system.conf.d/70-after-broken.conf <<<$'[Manager]\nDefaultEnvironment=UT_AFTER_BROKEN=1'
ct_daemon_reload

# What systemd itself made of the files.
shown=$(ct_systemctl show-environment)
ct_log "systemctl show-environment:"$'\n'"$shown"
ut_assert_contains "show-environment" "$shown" "NODE_TLS_REJECT_UNAUTHORIZED=0"
ut_assert_contains "show-environment" "$shown" "UT_MGR=file"
for v in UT_MASKED UT_IN_BROKEN UT_AFTER_BROKEN; do
	ut_assert_not_contains "show-environment ($v)" "$shown" "$v="
done

ct_node_client ut-mgr
ct_node_client ut-mgr-unset "UnsetEnvironment=NODE_TLS_REJECT_UNAUTHORIZED" "PassEnvironment=container UT_NOT_IN_PID1"
ut_assert_env ut-mgr.service NODE_TLS_REJECT_UNAUTHORIZED 0
ut_assert_env ut-mgr.service UT_MGR file
ut_assert_no_env ut-mgr-unset.service NODE_TLS_REJECT_UNAUTHORIZED
ut_assert_result ut-mgr OK "before: verification off, any certificate accepted"
ut_assert_result ut-mgr-unset "$UT_FAIL" "before: verification on, no CA"

ut_run status ut-mgr
ut_expect_rc "status ut-mgr (manager-wide insecure)" 1
ut_assert_contains "status ut-mgr" "$UT_OUT" "NODE_TLS_REJECT_UNAUTHORIZED=0  ($conf:3, manager-wide)"
ut_assert_contains "status ut-mgr" "$UT_OUT" "verdict:    insecure"
ut_run status ut-mgr --json
python3 - "$UT_OUT" "$(ct_unit_getenv ut-mgr.service UT_MGR)" <<-'PY' || ct_fail "status --json of ut-mgr disagrees with the process"
	import json, sys
	u = json.loads(sys.argv[1])["units"][0]
	env = u["environment"]
	assert env["UT_MGR"] == {"value": sys.argv[2], "source": "/etc/systemd/system.conf.d/50-insecure.conf:3, manager-wide"}, env["UT_MGR"]
	assert "UT_AFTER_BROKEN" not in env and "UT_MASKED" not in env, env
	assert [f["code"] for f in u["findings"] if f["severity"] == "error"] == ["manager-insecure"], u["findings"]
PY

# PassEnvironment=: PID 1's own variable, as the process got it.
ut_run status ut-mgr-unset --json
python3 - "$UT_OUT" "$(ct_unit_getenv ut-mgr-unset.service container)" <<-'PY' || ct_fail "PassEnvironment= disagrees with the process"
	import json, sys
	u = json.loads(sys.argv[1])["units"][0]
	env = u["environment"]
	assert env["container"]["value"] == sys.argv[2], (env.get("container"), sys.argv[2])
	assert env["container"]["source"].startswith("PID 1's environment (/proc/1/environ), passed by PassEnvironment="), env["container"]
	assert "NODE_TLS_REJECT_UNAUTHORIZED" not in env and "UT_NOT_IN_PID1" not in env, env
	assert u["verdict"] == "ok", u["verdict"]
PY

# audit: the manager once; ut-mgr only through it; ut-mgr-unset not reached.
ut_run audit
ut_expect_rc "audit (manager-wide insecure)" 1
ct_assert_eq "audit: first line" "service manager: insecure" "$(head -n1 <<<"$UT_OUT")"
ct_assert_eq "audit: the manager's finding, once" 1 "$(grep -c 'disables TLS certificate verification for' <<<"$UT_OUT")"
ut_assert_not_contains "audit" "$UT_OUT" "ut-mgr.service:"
ut_assert_not_contains "audit" "$UT_OUT" "ut-mgr-unset.service:"
reached_before=$(sed -n 's/.*verification for \([0-9]*\) of \([0-9]*\) services.*/\1/p' <<<"$UT_OUT")
[[ -n $reached_before && $reached_before -ge 1 ]] || ct_fail "audit gives no count of the services reached"

# A manager-wide CA from systemctl set-environment.
ct_systemctl set-environment "NODE_EXTRA_CA_CERTS=$UT_CA"
ct_systemctl restart ut-mgr-unset.service
ut_assert_env ut-mgr-unset.service NODE_EXTRA_CA_CERTS "$UT_CA"
ut_assert_result ut-mgr-unset OK "the manager-wide CA, verification on"
ut_run status ut-mgr-unset
ut_expect_rc "status ut-mgr-unset (manager-wide CA)" 0
ut_assert_contains "status ut-mgr-unset" "$UT_OUT" "NODE_EXTRA_CA_CERTS=$UT_CA  (systemctl set-environment, manager-wide)"
ut_assert_contains "status ut-mgr-unset" "$UT_OUT" "verdict:    ok"

# set repairs ut-mgr: the drop-in unsets the manager's value; the new process has no override.
ut_run set ut-mgr --ca "$UT_CA"
ut_expect_rc "set ut-mgr" 0
ut_assert_contains "set ut-mgr: warning" "$UT_ERR" "in the service manager's environment ($conf:3, manager-wide)"
ut_assert_dropin ut-mgr.service "$UT_DROPIN_HEADER
[Service]
Environment=\"NODE_EXTRA_CA_CERTS=$UT_CA\"
UnsetEnvironment=NODE_TLS_REJECT_UNAUTHORIZED"
ut_assert_no_env ut-mgr.service NODE_TLS_REJECT_UNAUTHORIZED
ut_assert_env ut-mgr.service NODE_EXTRA_CA_CERTS "$UT_CA"
ut_assert_result ut-mgr OK "after set: verified with the CA"
ut_run status ut-mgr
ut_expect_rc "status ut-mgr (repaired)" 0
# a unit that unsets it already gets no UnsetEnvironment= of ours
ut_run set ut-mgr-unset --ca "$UT_CA"
ut_expect_rc "set ut-mgr-unset" 0
ut_assert_dropin ut-mgr-unset.service "$UT_DROPIN_HEADER
[Service]
Environment=\"NODE_EXTRA_CA_CERTS=$UT_CA\""

ut_run audit
ut_expect_rc "audit (after the repair)" 1
ut_assert_contains "audit" "$UT_OUT" "verification for $((reached_before - 1)) of "

ct_log "scenario body took $(ct_elapsed "$t_all")s (boot ${CT_BOOT_SECONDS}s)"
