#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/ansible/run.sh [UNIT_TLS] — the unit_tls Ansible module
# (data/ansible/library) with Debian's ansible-core, run by ansible-playbook
# (connection: local) INSIDE a booted systemd container
# (tests/integration/lib.sh) against a running Node.js service:
# first run changed (and the service now verifies), second run unchanged (no
# restart), check mode changes nothing, diff mode shows the drop-in's diff,
# a refused CA fails with unit-tls's message, absent removes.
# Installs ansible-core with apt-get when it is missing; skips (77) only if
# that is impossible, and never under CI=true.
# One line per case (ok / FAIL / skip), then "N passed, M failed".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
UNIT_TLS=${1:-${UNIT_TLS:-$top/build/src/unit-tls}}
[[ -x $UNIT_TLS ]] || { echo "unit-tls binary not found: $UNIT_TLS (pass it as argument or UNIT_TLS)" >&2; exit 2; }
UNIT_TLS=$(realpath "$UNIT_TLS")
export UNIT_TLS

skip_all() {
	if [[ ${CI:-} == true ]]; then
		printf 'FAIL ansible: %s (CI=true: not skipping)\n0 passed, 1 failed\n' "$1"
		exit 1
	fi
	printf 'skip ansible (%s)\n0 passed, 0 failed\n' "$1"
	exit 77
}
[[ $(id -u) == 0 ]] || skip_all "needs root (a systemd container; apt-get for ansible-core)"
if ! command -v ansible-playbook >/dev/null; then
	echo "# installing Debian's ansible-core" >&2
	{ DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ansible-core; } >&2 ||
		skip_all "ansible-core is not installed and apt-get could not install it"
	command -v ansible-playbook >/dev/null || skip_all "ansible-playbook not found after installing ansible-core"
fi

work=$(mktemp -d /tmp/unit-tls-ansibletest.XXXXXX)
log=$work/container.log
results=$work/results
: >"$results"
keep=0
cleanup_work() { if ((keep)); then echo "# logs kept in $work" >&2; else rm -rf "$work"; fi; }
trap cleanup_work EXIT

# ---- the scenario, in a subshell (lib.sh owns its own EXIT trap) ----
scenario() (
	# shellcheck source=tests/integration/lib.sh
	. "$top/tests/integration/lib.sh"
	exec 2>>"$log"
	ct_prepare
	pki_make "$CT_DIR/pki"
	# a second CA for the diff case, and one that expires in 10 days: unit-tls
	# warns about it, and the module must pass that on as an Ansible warning
	for c in ca2:365 ca10:10; do
		env -i PATH=/usr/bin:/bin openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "${c#*:}" \
			-keyout "$CT_DIR/pki/${c%:*}.key" -out "$CT_DIR/pki/${c%:*}.crt" -subj "/CN=unit-tls ansible test ${c%:*}" \
			-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
		ct_copy "$CT_DIR/pki/${c%:*}.crt" "/etc/myapp/${c%:*}.pem"
	done
	ct_install_unit_tls
	ct_copy "$CT_DIR/pki/ca.crt" /etc/myapp/ca.pem
	ct_copy "$top/data/ansible/library/unit_tls.py" "$CT_SHARE/library/unit_tls.py"
	ct_https_server "$CT_DIR/pki/leaf.crt" "$CT_DIR/pki/leaf.key"
	ct_node_client myapp
	ct_write "$CT_SHARE/playbook.yml" <<-'EOF'
		- hosts: localhost
		  connection: local
		  gather_facts: false
		  vars:
		    out: /var/tmp/unit-tls-ansible
		    pid: systemctl show -p MainPID --value myapp.service
		  tasks:
		    - {name: pid0, command: "{{ pid }}", changed_when: false, register: pid0}
		    - name: set1
		      unit_tls: {unit: myapp, ca: [/etc/myapp/ca.pem]}
		      register: set1
		    - {name: pid1, command: "{{ pid }}", changed_when: false, register: pid1}
		    - name: verifies_after_set1
		      wait_for: {path: /var/lib/myapp/result, search_regex: "^OK ", timeout: 20}
		      register: verifies_after_set1
		      ignore_errors: true
		    - name: set2
		      unit_tls: {unit: myapp, ca: [/etc/myapp/ca.pem]}
		      register: set2
		    - {name: pid2, command: "{{ pid }}", changed_when: false, register: pid2}
		    - name: check_other_ca
		      unit_tls: {unit: myapp.service, ca: [/etc/myapp/ca2.pem]}
		      check_mode: true
		      diff: true
		      register: check_other_ca
		    - {name: conf_after_check, command: cat /etc/systemd/system/myapp.service.d/tls.conf, changed_when: false, register: conf_after_check}
		    - {name: pid3, command: "{{ pid }}", changed_when: false, register: pid3}
		    - name: warn_check
		      unit_tls: {unit: myapp, ca: [/etc/myapp/ca10.pem]}
		      check_mode: true
		      register: warn_check
		    - name: diff_real
		      unit_tls: {unit: myapp, ca: [/etc/myapp/ca2.pem]}
		      diff: true
		      register: diff_real
		    - name: bad_ca
		      unit_tls: {unit: myapp, ca: [/etc/myapp/missing.pem]}
		      register: bad_ca
		      ignore_errors: true
		    - name: bad_unit
		      unit_tls: {unit: no-such-unit, ca: [/etc/myapp/ca.pem]}
		      register: bad_unit
		      ignore_errors: true
		    - name: absent_check
		      unit_tls: {unit: myapp, state: absent}
		      check_mode: true
		      register: absent_check
		    - {name: stat_after_absent_check, stat: {path: /etc/systemd/system/myapp.service.d/tls.conf}, register: stat_after_absent_check}
		    - name: absent
		      unit_tls: {unit: myapp, state: absent}
		      register: absent
		    - {name: stat_after_absent, stat: {path: /etc/systemd/system/myapp.service.d/tls.conf}, register: stat_after_absent}
		    - {name: env_after_absent, shell: "tr '\\0' '\\n' </proc/$({{ pid }})/environ | grep -c NODE_EXTRA_CA_CERTS || true", changed_when: false, register: env_after_absent}
		    - name: absent2
		      unit_tls: {unit: myapp, state: absent}
		      register: absent2
		    - name: save
		      copy:
		        dest: "{{ out }}.json"
		        content: "{{ dict(pid0=pid0, set1=set1, pid1=pid1, verifies_after_set1=verifies_after_set1, set2=set2, pid2=pid2, check_other_ca=check_other_ca,
		          conf_after_check=conf_after_check, pid3=pid3, warn_check=warn_check, diff_real=diff_real, bad_ca=bad_ca, bad_unit=bad_unit,
		          absent_check=absent_check, stat_after_absent_check=stat_after_absent_check, absent=absent,
		          stat_after_absent=stat_after_absent, env_after_absent=env_after_absent, absent2=absent2) | to_nice_json }}"
	EOF
	ct_start
	ct_exec rm -f /usr/sbin/policy-rc.d   # a Docker-style host's "exit 101" must not matter here
	ct_wait_port "$CT_HTTPS_PORT" 10
	before=$(ct_wait_result myapp)
	printf 'baseline %s\n' "$before" >>"$results"
	ct_exec_t 300 env HOME=/root ANSIBLE_LIBRARY="$CT_SHARE/library" ANSIBLE_NOCOLOR=1 \
		ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false \
		ansible-playbook -i localhost, "$CT_SHARE/playbook.yml" >"$work/playbook.out" 2>&1 ||
		echo "playbook-exit $?" >>"$results"
	cp "$CT_MERGED/var/tmp/unit-tls-ansible.json" "$work/results.json" 2>/dev/null || true
	# the service after the playbook: the absent run restarted it without the CA
	after=$(ct_wait_result myapp)
	printf 'final %s\n' "$after" >>"$results"
)

rc=0
scenario || rc=$?
if ((rc == 77)); then
	skip_all "$(sed -n 's/^SKIP: //p' "$log" | tail -n1)"
fi

python3 - "$work/results.json" "$results" "$rc" "$work/playbook.out" <<'PY' || { keep=1; tail -n 40 "$work/playbook.out" >&2 || true; exit 1; }
import json, sys
path, side, rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
passed = failed = 0
def case(name, cond, why=""):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {why}")
facts = dict(l.split(" ", 1) for l in open(side).read().split("\n") if " " in l)
case("scenario ran (container booted, playbook finished)", rc == 0 and "playbook-exit" not in facts,
     f"exit {rc}, {facts.get('playbook-exit', '')}")
try:
    r = json.load(open(path))
except Exception as e:
    case("playbook results", False, str(e))
    print(f"{passed} passed, {failed} failed")
    sys.exit(1)
g = lambda k: r.get(k, {})
pid = lambda k: g(k).get("stdout", "?")
case("baseline: the service fails to verify", facts.get("baseline", "").startswith("UNABLE_TO_VERIFY"), facts.get("baseline"))
s1 = g("set1")
case("present, first run: changed, write+reload+restart, restarted",
     s1.get("changed") is True and {"write", "restart"} <= set(s1.get("actions", [])) and pid("pid1") != pid("pid0"),
     f"changed={s1.get('changed')} actions={s1.get('actions')} pid {pid('pid0')}→{pid('pid1')} msg={s1.get('msg')}")
case("present, first run: the service now verifies the server (OK)",
     not g("verifies_after_set1").get("failed", True), g("verifies_after_set1").get("msg"))
out = open(sys.argv[4]).read().split("TASK [warn_check]")[-1].split("TASK [diff_real]")[0]
case("unit-tls's warning (a CA expiring in 10 days) becomes an Ansible [WARNING]",
     "[WARNING]" in out and "expires on" in out, "no such [WARNING] in the warn_check task's output")
s2 = g("set2")
case("present, second run: unchanged, nothing ran, not restarted",
     s2.get("changed") is False and not s2.get("actions") and pid("pid2") == pid("pid1"),
     f"changed={s2.get('changed')} actions={s2.get('actions')} pid {pid('pid1')}→{pid('pid2')}")
c = g("check_other_ca")
case("check mode + diff (another CA): changed=true, the diff, nothing written, no restart",
     c.get("changed") is True and "+Environment=\"NODE_EXTRA_CA_CERTS=/etc/myapp/ca2.pem\"" in c.get("diff", {}).get("prepared", "")
     and "/etc/myapp/ca.pem" in g("conf_after_check").get("stdout", "") and pid("pid3") == pid("pid2"),
     f"changed={c.get('changed')} diff={c.get('diff')} conf={g('conf_after_check').get('stdout')}")
d = g("diff_real")
case("diff mode on a real run: changed, the diff shows -ca.pem +ca2.pem",
     d.get("changed") is True and "-Environment=\"NODE_EXTRA_CA_CERTS=/etc/myapp/ca.pem\"" in d.get("diff", {}).get("prepared", "")
     and "+Environment=\"NODE_EXTRA_CA_CERTS=/etc/myapp/ca2.pem\"" in d.get("diff", {}).get("prepared", ""),
     f"changed={d.get('changed')} diff={d.get('diff')}")
b = g("bad_ca")
case("a missing CA file fails the task with unit-tls's message, unchanged",
     b.get("failed") is True and "missing.pem" in b.get("msg", "") and not b.get("changed"),
     f"failed={b.get('failed')} msg={b.get('msg')}")
u = g("bad_unit")
case("an unknown unit fails with unit-tls's message",
     u.get("failed") is True and "not found" in u.get("msg", ""), f"failed={u.get('failed')} msg={u.get('msg')}")
a0 = g("absent_check")
case("absent in check mode: changed=true, file still there",
     a0.get("changed") is True and g("stat_after_absent_check").get("stat", {}).get("exists") is True,
     f"changed={a0.get('changed')} exists={g('stat_after_absent_check').get('stat', {}).get('exists')}")
a1 = g("absent")
case("absent: changed, the drop-in is gone, the process no longer has the variable",
     a1.get("changed") is True and g("stat_after_absent").get("stat", {}).get("exists") is False
     and g("env_after_absent").get("stdout") == "0",
     f"changed={a1.get('changed')} actions={a1.get('actions')} exists={g('stat_after_absent').get('stat', {}).get('exists')} env={g('env_after_absent').get('stdout')}")
a2 = g("absent2")
case("absent again: unchanged", a2.get("changed") is False, f"changed={a2.get('changed')}")
case("the service is back to failing verification after absent",
     facts.get("final", "").startswith("UNABLE_TO_VERIFY"), facts.get("final"))
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
