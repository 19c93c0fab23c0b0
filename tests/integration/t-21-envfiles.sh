#!/bin/bash
# The package corpus's environment files (tests/pkgs/envfiles.sh), read by a real
# service manager: four services name them as the corpus's administrator drop-ins do
# (a glob, a '-' prefix, a specifier, a later file overriding an earlier one, an
# Environment= that an EnvironmentFile= overrides, UnsetEnvironment=). systemd --test
# never reads these files (tests/pkgs/run.sh cannot check them); here each running
# process's UT_* variables must equal unit-tls status --json's environment, exactly.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/pkgs/envfiles.sh
. "$(dirname "$0")/../pkgs/envfiles.sh"

t_all=$(ct_now)
ct_require_unit_tls
command -v python3 >/dev/null || ct_skip "python3 not found (used to read JSON output)"
ct_prepare
pkgs_env_files "$(ct_path /etc/ut-admin)"
printf 'UT_OWN=%s\n' 'by %N' >"$(ct_path /etc/ut-admin/ut-env-c.env)"
units=(ut-env-a ut-env-b ut-env-c ut-env-d)
unit_body() {
	case $1 in
	ut-env-a) printf '%s\n' 'EnvironmentFile=-/etc/ut-admin/all.env' ;;
	ut-env-b) printf '%s\n' 'Environment=UT_A=from-unit UT_KEEP=kept' 'EnvironmentFile=-/etc/ut-admin/*.env' ;;
	ut-env-c) printf '%s\n' 'EnvironmentFile=-/etc/ut-admin/%N.env' 'EnvironmentFile=-/etc/ut-admin/1?-*.env' \
		'EnvironmentFile=-/etc/ut-admin/missing.env' ;;
	ut-env-d) printf '%s\n' 'EnvironmentFile=/etc/ut-admin/20-b.env' 'EnvironmentFile=-/etc/ut-admin/10-a.env' \
		'UnsetEnvironment=UT_B UT_C=3' ;;
	esac
}
for u in "${units[@]}"; do
	{
		printf '%s\n' '[Service]' 'ExecStart=/bin/sleep infinity'
		unit_body "$u"
		printf '%s\n' '[Install]' 'WantedBy=ut-test.target'
	} | ct_write_unit "$u.service"
	mkdir -p "$(ct_path /etc/systemd/system/ut-test.target.wants)"
	ln -s "/etc/systemd/system/$u.service" "$(ct_path "/etc/systemd/system/ut-test.target.wants/$u.service")"
done
ct_start
ct_install_unit_tls

fails=0
for u in "${units[@]}"; do
	pid=$(ct_main_pid "$u.service") || ct_fail "$u.service did not start"
	ct_exec cat "/proc/$pid/environ" >"$CT_DIR/$u.environ" || ct_fail "$u: cannot read its environment"
	ct_exec unit-tls status --json "$u" >"$CT_DIR/$u.json" || true
	# Values may hold newlines: compare the NUL-separated environment, shown with repr().
	if python3 - "$CT_DIR/$u.environ" "$CT_DIR/$u.json" "$u" >&2 <<-'PY'; then
		import json, sys
		raw = open(sys.argv[1], "rb").read().decode()
		real = dict(a.split("=", 1) for a in raw.split("\0") if a.startswith("UT_"))
		(u,) = json.load(open(sys.argv[2]))["units"]
		mine = {k: v["value"] for k, v in u["environment"].items() if k.startswith("UT_")}
		if real == mine:
		    print(f"# ok: {sys.argv[3]}: {len(real)} UT_ variables, the same in the process and in unit-tls")
		    sys.exit(0)
		print(f"# FAIL: {sys.argv[3]}: the process and unit-tls status --json differ:")
		for k in sorted(set(real) | set(mine)):
		    if real.get(k) != mine.get(k):
		        print(f"#   {k}: process {real.get(k)!r}, unit-tls {mine.get(k)!r}")
		sys.exit(1)
	PY
		:
	else
		fails=$((fails + 1))
	fi
done
((fails == 0)) || ct_fail "$fails of ${#units[@]} services: unit-tls's environment is not the process's"
ct_log "scenario body took $(ct_elapsed "$t_all")s (boot ${CT_BOOT_SECONDS}s)"
