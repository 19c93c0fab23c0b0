#!/usr/bin/python3
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: MIT
"""Ansible module: make a systemd service trust a private CA, through unit-tls."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: unit_tls
short_description: Make a systemd service (Node.js) trust a private CA with unit-tls
description:
  - Runs C(unit-tls set) or C(unit-tls unset) on the target with C(--json) and
    C(--no-ask-password): writes or removes the C(<unit>.d/tls.conf) drop-in
    (C(NODE_EXTRA_CA_CERTS)), reloads systemd, restarts the unit if it runs, and
    verifies the running process. unit-tls checks the CA file first and refuses
    anything that cannot work (nothing is changed then).
  - Check mode runs C(--dry-run); diff mode returns unit-tls's unified diff.
  - C(changed) is what unit-tls reports; a unit that already trusts the CA,
    loaded and running, is not changed.
  - On an image or chroot (O(root), C(DPKG_ROOT), C(SYSTEMD_OFFLINE=1), no
    running systemd) unit-tls writes the files and applies nothing.
version_added: "0.1.0"
options:
  unit:
    description: The service, e.g. C(homepage) or C(homepage.service).
    type: str
    required: true
    aliases: [name]
  ca:
    description:
      - PEM files of CA certificates to trust (several become one bundle).
      - Required with O(state=present) unless O(insecure=true).
    type: list
    elements: path
  state:
    description: V(present) sets the trust, V(absent) removes unit-tls's drop-in.
    type: str
    choices: [present, absent]
    default: present
  insecure:
    description:
      - Last resort, C(NODE_TLS_REJECT_UNAUTHORIZED=0); disables every certificate
        check of the service. Cannot be combined with O(ca).
    type: bool
    default: false
  restart:
    description: Restart the unit if it runs (C(--no-restart) when false).
    type: bool
    default: true
  force:
    description: Take over a C(tls.conf) that unit-tls did not write; accept warning-level risks.
    type: bool
    default: false
  root:
    description: Operate on an OS tree (image, chroot); nothing is applied.
    type: path
  drop_in:
    description: Drop-in file name (unit-tls's default is C(tls.conf)).
    type: str
  executable:
    description: Path of unit-tls (default, the one on PATH, sbin included).
    type: path
requirements: [unit-tls]
author: unit-tls
"""

EXAMPLES = r"""
- name: Homepage trusts the Proxmox CA
  unit_tls:
    unit: homepage
    ca: [/etc/pve/pve-root-ca.pem]

- name: Stop trusting it
  unit_tls:
    unit: homepage
    state: absent
"""

RETURN = r"""
units:
  description: unit-tls's JSON per unit (unit, dropin, actions, findings, verdict, changed...).
  returned: always
  type: list
  elements: dict
actions:
  description: What ran (or, in check mode, would run) over all units, e.g. write, reload, restart.
  returned: always
  type: list
  elements: str
dropin:
  description: The drop-in path (relative to O(root) when given).
  returned: when unit-tls names it
  type: str
verdict:
  description: unit-tls's verdict for the unit (ok, insecure, broken, stale, ...).
  returned: when unit-tls gives one
  type: str
"""

import json

from ansible.module_utils.basic import AnsibleModule

PREFIX = "unit-tls: "


def stderr_lines(stderr):
    out = []
    for line in (stderr or "").splitlines():
        line = line.strip()
        if line.startswith(PREFIX):
            line = line[len(PREFIX):]
        if line:
            out.append(line)
    return out


def parse(stdout):
    try:
        doc = json.loads(stdout)
    except ValueError:
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("units"), list):
        return None
    return doc


def main():
    module = AnsibleModule(
        argument_spec=dict(
            unit=dict(type="str", required=True, aliases=["name"]),
            ca=dict(type="list", elements="path"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            insecure=dict(type="bool", default=False),
            restart=dict(type="bool", default=True),
            force=dict(type="bool", default=False),
            root=dict(type="path"),
            drop_in=dict(type="str"),
            executable=dict(type="path"),
        ),
        mutually_exclusive=[("ca", "insecure")],
        supports_check_mode=True,
    )
    p = module.params
    if p["state"] == "present" and not p["ca"] and not p["insecure"]:
        module.fail_json(msg="state=present needs ca (a list of CA files) or insecure=true")
    if p["state"] == "absent" and (p["ca"] or p["insecure"]):
        module.fail_json(msg="state=absent takes neither ca nor insecure")

    exe = p["executable"] or module.get_bin_path("unit-tls", required=True,
                                                   opt_dirs=["/usr/local/sbin", "/usr/sbin", "/sbin"])
    cmd = [exe, "--json", "--no-ask-password"]
    if p["root"]:
        cmd.append("--root=" + p["root"])
    if p["drop_in"]:
        cmd.append("--drop-in=" + p["drop_in"])
    if not p["restart"]:
        cmd.append("--no-restart")
    if p["force"]:
        cmd.append("--force")
    if p["state"] == "present":
        cmd += ["set", p["unit"]]
        for ca in p["ca"] or []:
            cmd += ["--ca", ca]
        if p["insecure"]:
            cmd.append("--insecure")
    else:
        cmd += ["unset", p["unit"]]

    def run(dry):
        c = cmd + (["--dry-run"] if dry else [])
        rc, out, err = module.run_command(c, environ_update={"NO_COLOR": "1"})
        doc = parse(out)
        if rc != 0 or doc is None:
            lines = stderr_lines(err)
            errors = [l for l in lines if not l.startswith("warning:")]
            msg = "; ".join(errors or lines) or ("unit-tls exited %d" % rc)
            if doc is not None:
                # the refusal's own words, when stderr had none
                found = [f.get("message") for u in doc["units"] for f in u.get("findings", [])
                         if f.get("severity") == "error"]
                if not errors and found:
                    msg = "; ".join(found)
            units = (doc or {}).get("units", [])
            # a failed run changed something only if unit-tls kept it (--no-rollback)
            changed = not dry and any(u.get("changed") and "rollback" not in (u.get("actions") or [])
                                      and "write" in (u.get("actions") or []) for u in units)
            module.fail_json(msg=msg, rc=rc, cmd=c, stdout=out, stderr=err, units=units, changed=changed)
        for l in stderr_lines(err):
            if l.startswith("warning:"):
                module.warn(l[len("warning:"):].strip())
        return doc

    diff_text = None
    if module._diff and not module.check_mode:
        # unit-tls prints its diff on dry runs only: ask for it first.
        diff_text = "".join(u.get("diff") or "" for u in run(True)["units"])
    doc = run(module.check_mode)
    units = doc["units"]
    if diff_text is None:
        diff_text = "".join(u.get("diff") or "" for u in units)

    result = dict(
        changed=any(bool(u.get("changed")) for u in units),
        units=units,
        actions=[a for u in units for a in (u.get("actions") or [])],
    )
    if len(units) == 1:
        for key in ("dropin", "verdict"):
            if units[0].get(key) is not None:
                result[key] = units[0][key]
    if module._diff and diff_text:
        result["diff"] = dict(prepared=diff_text)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
