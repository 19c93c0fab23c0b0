/* SPDX-License-Identifier: MIT */
#include "trust/plan.h"
#include "trust/rtfacts.h"
#include "systemd/manager-env.h"

char *environment_quote(const char *name, const char *value) {
        Buf b = {};
        buf_printf(&b, "\"%s=", name);
        for (const unsigned char *p = (const unsigned char *) value; *p; p++) {
                if (*p == '\\' || *p == '"')
                        buf_printf(&b, "\\%c", *p);
                else if (*p == '%')
                        buf_puts(&b, "%%");
                else if (*p < 0x20 || *p == 0x7f)
                        buf_printf(&b, "\\x%02x", *p);
                else
                        buf_putc(&b, (char) *p);
        }
        buf_putc(&b, '"');
        return buf_steal(&b);
}

char *render_dropin(PlanMode mode, const char *ca_value, bool unset_reject, const char *source_note) {
        Buf b = {};
        buf_puts(&b, DROPIN_HEADER);
        if (mode == PLAN_SET_INSECURE)
                buf_puts(&b, "# WARNING: this turns off TLS certificate verification for this service:\n"
                             "# anyone on the network path can impersonate the servers it talks to.\n"
                             "# Replace it with the server's CA: unit-tls set UNIT --ca FILE\n");
        if (source_note)
                buf_printf(&b, "# %s\n", source_note);
        buf_puts(&b, "[Service]\n");
        if (mode == PLAN_SET_INSECURE)
                buf_puts(&b, "Environment=NODE_TLS_REJECT_UNAUTHORIZED=0\n");
        else {
                _cleanup_free_ char *q = environment_quote("NODE_EXTRA_CA_CERTS", ca_value);
                if (!q) {
                        buf_free(&b);
                        return NULL;
                }
                buf_printf(&b, "Environment=%s\n", q);
                if (unset_reject)
                        buf_puts(&b, "UnsetEnvironment=NODE_TLS_REJECT_UNAUTHORIZED\n");
        }
        return buf_steal(&b);
}

char *render_dropin_system(const char *name, const char *value, bool unset_reject) {
        _cleanup_free_ char *q = environment_quote(name, value);
        if (!q)
                return NULL;
        Buf b = {};
        buf_puts(&b, DROPIN_HEADER);
        buf_puts(&b, "# Trust the OS certificate store, in addition to the runtime's own roots.\n");
        buf_printf(&b, "[Service]\nEnvironment=%s\n", q);
        if (unset_reject)
                buf_puts(&b, "UnsetEnvironment=NODE_TLS_REJECT_UNAUTHORIZED\n");
        return buf_steal(&b);
}

static bool source_is(const char *source, const char *file) {
        const char *rest = source ? startswith(source, file) : NULL;
        return rest && rest[0] == ':';
}

bool plan_needs_reject_repair(const Inspection *now, const char *dropin_display) {
        const EnvEntry *e = env_list_get(&now->env, "NODE_TLS_REJECT_UNAUTHORIZED");
        return e && streq(env_entry_value(e), "0") && !source_is(e->source, dropin_display);
}

void plan_write_done(PlanWrite *w) {
        free(w->rendered);
        free(w->expect);
        free(w->refusal);
        findings_done(&w->runtime);
        free(w->repair);
        *w = (PlanWrite) {};
}

/* "CAs: a b": which files a bundle was made of, as a comment in the drop-in. */
static char *bundle_note(char **cas) {
        if (!cas)
                return strdup("");
        Buf b = {};
        buf_puts(&b, "CAs:");
        for (char **p = cas; *p; p++)
                buf_printf(&b, " %s", *p);
        return buf_steal(&b);
}

/* The warning that goes with the UnsetEnvironment= repair, naming where the =0 comes from. */
static char *repair_warning(const Inspection *now) {
        const EnvEntry *e = env_list_get(&now->env, "NODE_TLS_REJECT_UNAUTHORIZED");
        _cleanup_free_ char *hint = env_source_is_manager(e->source)
                ? manager_fix_hint(e->source, "NODE_TLS_REJECT_UNAUTHORIZED") : NULL;
        if (hint)
                return xasprintf("NODE_TLS_REJECT_UNAUTHORIZED=0 in the service manager's environment (%s) disabled "
                                 "verification; the drop-in unsets it for this service, other services still get it: %s",
                                 e->source, hint);
        return xasprintf("NODE_TLS_REJECT_UNAUTHORIZED=0 from %s disabled verification; the drop-in unsets it "
                         "(remove it there too)", e->source);
}

/* What the runtime at its version does with name=value. */
static int runtime_notes(const PlanWriteFacts *f, const char *name, const char *value, Findings *out) {
        _cleanup_free_ char *assignment = xasprintf("%s=%s", name, value);
        EnvList one = {};
        RtNotes notes = {};
        int r = assignment ? env_list_set(&one, assignment, f->dropin_display) : -ENOMEM;
        if (r >= 0)
                r = rt_env_notes(&f->now->runtime, &one, name, f->n_certs, f->unit_id, &notes);
        for (size_t i = 0; r >= 0 && i < notes.n; i++)
                findings_add(out, (Severity) notes.items[i].severity, notes.items[i].code, "%s", notes.items[i].message);
        rt_notes_done(&notes);
        env_list_done(&one);
        return r < 0 ? r : 0;
}

int plan_write(const PlanWriteFacts *f, PlanWrite *ret) {
        PlanWrite w = {};
        _cleanup_free_ char *note = NULL;
        int r = 0;
        if (f->mode == PLAN_SET_INSECURE) {
                w.rendered = render_dropin(PLAN_SET_INSECURE, NULL, false, NULL);
                w.expect = strdup("NODE_TLS_REJECT_UNAUTHORIZED=0");
                r = w.rendered && w.expect ? 0 : -ENOMEM;
                goto out;
        }
        if (f->mode == PLAN_SET_SYSTEM) {
                r = rt_system_store_setting(&f->now->runtime, f->unit_id, &w.sys_name, &w.sys_value, &w.refusal);
                if (r == -EOPNOTSUPP) {
                        r = 0;
                        goto out;
                }
        }
        const char *name = f->mode == PLAN_SET_CA ? "NODE_EXTRA_CA_CERTS" : w.sys_name;
        const char *value = f->mode == PLAN_SET_CA ? f->ca_value : w.sys_value;
        bool repair = plan_needs_reject_repair(f->now, f->dropin_display);
        if (r < 0 || (r = runtime_notes(f, name, value, &w.runtime)) < 0)
                goto out;
        if (f->mode == PLAN_SET_CA && !(note = bundle_note(f->bundle_cas))) {
                r = -ENOMEM;
                goto out;
        }
        w.rendered = f->mode == PLAN_SET_CA ? render_dropin(PLAN_SET_CA, value, repair, isempty(note) ? NULL : note)
                                            : render_dropin_system(name, value, repair);
        w.expect = xasprintf("%s=%s", name, value);
        if (repair)
                w.repair = repair_warning(f->now);
        r = w.rendered && w.expect && (!repair || w.repair) ? 0 : -ENOMEM;
out:
        if (r < 0) {
                plan_write_done(&w);
                return r;
        }
        *ret = w;
        return 0;
}

void plan_done(Plan *p) {
        findings_done(&p->findings);
        free(p->new_content);
        *p = (Plan) {};
}

/* Refusals that --force may override: risks unit-tls cannot see through (ACLs, bind mounts). */
static bool forceable(const char *code) {
        return streq(code, "ca-unreadable") || streq(code, "ca-hidden");
}

/* Is the unit one a drop-in can be planned for? Adds the error when not. unset removes what
 * unit-tls wrote even when the unit itself is gone (a package's postrm runs after its unit file
 * was removed) or masked. */
static bool unit_refused(const PlanFacts *f, Findings *out) {
        const Unit *u = f->unit;

        if (f->mode == PLAN_UNSET && (u->load_state == LOAD_NOT_FOUND || u->load_state == LOAD_MASKED))
                ;
        else if (u->load_state == LOAD_NOT_FOUND)
                findings_add(out, SEV_ERROR, "not-found", "unit not found; check the name with 'systemctl list-unit-files'");
        else if (u->load_state == LOAD_MASKED)
                findings_add(out, SEV_ERROR, "masked", "the unit is masked: it cannot run, so a drop-in would do nothing; unmask it first");
        else if (!u->is_service)
                findings_add(out, SEV_ERROR, "not-a-service", "not a service: only services run Node.js processes");
        else if (u->load_state != LOAD_LOADED)
                findings_add(out, SEV_ERROR, "load-error", "systemd cannot load the unit (%s); fix it first",
                             u->load_error ? u->load_error : load_state_to_string(u->load_state));
        return out->n > 0;
}

/* Can the drop-in's place be written at all? Adds the error when not. */
static bool place_refused(const PlanFacts *f, Findings *out) {
        if (f->old_error < 0) {
                findings_add(out, SEV_ERROR, "dropin-unreadable", "%s cannot be used: %s%s", f->dropin_display,
                             f->old_error == -ELOOP ? "it is a symlink; unit-tls never writes through a symlink"
                             : f->old_error == -EBADFD ? "it is not a regular file"
                                                       : strerror(-f->old_error),
                             f->old_error == -ELOOP ? " (remove it and run again)" : "");
                return true;
        }
        if (f->dir_unsafe) {
                _cleanup_free_ char *dir = strndup(f->dropin_display, strrchr(f->dropin_display, '/') - f->dropin_display);
                findings_add(out, SEV_ERROR, "dir-unsafe", "%s %s", dir ? dir : f->dropin_display, f->dir_unsafe_why);
                return true;
        }
        return false;
}

/* unset: remove the drop-in when there is one and it is unit-tls's. */
static void plan_unset(const PlanFacts *f, bool foreign, Plan *p) {
        if (!f->old_content)
                return;
        if (foreign) {
                findings_add(&p->findings, SEV_ERROR, "foreign-dropin",
                             "%s was not written by unit-tls; unit-tls removes only its own files (delete it by hand if you mean to)",
                             f->dropin_display);
                p->refused = true;
                return;
        }
        p->changed = true;
}

/* A drop-in of the same name that unit-tls did not write: replaced (with a backup) only with
 * --force. Returns true when that refuses the plan. */
static bool foreign_refused(const PlanFacts *f, Plan *p) {
        if (!f->force) {
                findings_add(&p->findings, SEV_ERROR, "foreign-dropin",
                             "%s exists and was not written by unit-tls; choose another --drop-in=NAME, or --force to "
                             "replace it (a backup is kept)", f->dropin_display);
                return true;
        }
        findings_add(&p->findings, SEV_WARNING, "foreign-dropin", "%s was not written by unit-tls; replacing it, backup kept",
                     f->dropin_display);
        p->backup = true;
        return false;
}

/* What the verb found before planning: the runtime's refusal or notes, the CA files' findings
 * (--force lowers what unit-tls cannot see through to a warning), a node binary that ignores
 * the environment. */
static void add_fact_findings(const PlanFacts *f, Findings *out) {
        if (f->mode == PLAN_SET_SYSTEM && f->system_refusal)
                findings_add(out, SEV_ERROR, "system-store-unsupported", "%s", f->system_refusal);
        if (f->mode == PLAN_SET_SYSTEM && f->node_problem)
                findings_add(out, SEV_ERROR, "node-ignores-env", "%s", f->node_problem);
        for (size_t i = 0; f->mode != PLAN_SET_INSECURE && f->runtime_findings && i < f->runtime_findings->n; i++)
                findings_add(out, f->runtime_findings->items[i].severity, f->runtime_findings->items[i].code, "%s",
                             f->runtime_findings->items[i].message);
        if (f->mode != PLAN_SET_CA)
                return;
        for (size_t i = 0; f->ca_findings && i < f->ca_findings->n; i++) {
                const Finding *x = &f->ca_findings->items[i];
                Severity s = x->severity;
                if (s == SEV_ERROR && f->force && forceable(x->code)) {
                        s = SEV_WARNING;
                }
                findings_add(out, s, x->code, "%s%s", x->message,
                             s == SEV_ERROR && forceable(x->code) ? " (or --force if you know it is readable)" : "");
        }
        if (f->node_problem)
                findings_add(out, SEV_ERROR, "node-ignores-env", "%s", f->node_problem);
}

/* The new variable must win in the planned state, and nothing may still disable verification. */
static void prove_variable(const PlanFacts *f, Findings *out) {
        const char *name = f->mode == PLAN_SET_CA ? "NODE_EXTRA_CA_CERTS" : f->env_name;
        const char *value = f->mode == PLAN_SET_CA ? f->ca_value : f->env_value;
        const EnvEntry *e = env_list_get(f->planned_env, name);
        if (!e)
                findings_add(out, SEV_ERROR, "shadowed",
                             "%s from %s would be removed again by a later Environment= reset or "
                             "UnsetEnvironment=; remove that setting first", name, f->dropin_display);
        else if (!source_is(e->source, f->dropin_display) || !streq(env_entry_value(e), value))
                findings_add(out, SEV_ERROR, "shadowed",
                             "%s from %s would be overridden by %s (%s); EnvironmentFile= and later "
                             "drop-ins win, so remove it there first",
                             name, f->dropin_display, e->assignment, e->source);
        const EnvEntry *rej = env_list_get(f->planned_env, "NODE_TLS_REJECT_UNAUTHORIZED");
        if (rej && streq(env_entry_value(rej), "0"))
                findings_add(out, SEV_ERROR, "insecure-remains",
                             "verification would stay disabled by NODE_TLS_REJECT_UNAUTHORIZED=0 (%s); remove it there",
                             rej->source);
}

/* --insecure: the =0 must win in the planned state; and it is said what that means. */
static void prove_insecure(const PlanFacts *f, Findings *out) {
        const EnvEntry *rej = env_list_get(f->planned_env, "NODE_TLS_REJECT_UNAUTHORIZED");
        if (!rej || !streq(env_entry_value(rej), "0"))
                findings_add(out, SEV_ERROR, "shadowed",
                             "NODE_TLS_REJECT_UNAUTHORIZED=0 from %s would be overridden%s%s",
                             f->dropin_display, rej ? " by " : " (unset later)", rej ? rej->source : "");
        findings_add(out, SEV_WARNING, "insecure",
                     "this DISABLES TLS certificate verification: any server, including an attacker's, "
                     "will be accepted; prefer --ca with the server's CA");
}

/* The proof: the planned state, loaded by the same loader systemd's rules drive. */
static void prove_planned(const PlanFacts *f, Findings *out) {
        if (!f->planned_listed)
                findings_add(out, SEV_ERROR, "dropin-ignored",
                             "%s would not be read by systemd: another file of the same name in a directory that "
                             "takes precedence hides it, or its directory is not in the unit search path; use --drop-in=NAME",
                             f->dropin_display);
        else if (f->mode == PLAN_SET_CA || (f->mode == PLAN_SET_SYSTEM && f->env_name))
                prove_variable(f, out);
        else if (f->mode == PLAN_SET_INSECURE)
                prove_insecure(f, out);
}

/* What a person may not know: the value the new one replaces, and a runtime that may not read it. */
static void add_notes(const PlanFacts *f, Findings *out) {
        if (f->mode == PLAN_SET_CA && f->now) {
                const EnvEntry *prev = env_list_get(&f->now->env, "NODE_EXTRA_CA_CERTS");
                if (prev && !source_is(prev->source, f->dropin_display) && !streq(env_entry_value(prev), f->ca_value))
                        findings_add(out, SEV_INFO, "replaces", "replaces %s (%s)", prev->assignment, prev->source);
        }
        /* --system-store has said why it cannot, for a runtime it cannot name */
        const RuntimeInfo *rt = f->now && f->mode != PLAN_SET_SYSTEM ? &f->now->runtime : NULL;
        if (rt && rt->runtime == RUNTIME_OTHER)
                findings_add(out, SEV_WARNING, "not-node",
                             "ExecStart= does not look like Node.js, Bun or Deno: it runs %s (%s); the variable is "
                             "written, but only those runtimes read it", rt->other, rt->how ? rt->how : "");
        else if (rt && rt->runtime == RUNTIME_UNKNOWN)
                findings_add(out, SEV_INFO, "runtime-unknown",
                             "unit-tls cannot tell whether ExecStart= runs Node.js, Bun or Deno (%s); the variable "
                             "is written, and works only if it does", rt->how ? rt->how : "no ExecStart=");
}

int plan_decide(const PlanFacts *f, const char *rendered, Plan *ret) {
        Plan p = {};
        Findings *out = &p.findings;

        if (unit_refused(f, out) || place_refused(f, out))
                goto refuse;
        bool foreign = f->old_content && !startswith(f->old_content, DROPIN_HEADER);
        if (f->mode == PLAN_UNSET) {
                plan_unset(f, foreign, &p);
                *ret = p;
                return 0;
        }
        if (foreign && foreign_refused(f, &p))
                goto refuse;

        add_fact_findings(f, out);
        prove_planned(f, out);
        add_notes(f, out);
        if (findings_have(out, SEV_ERROR))
                goto refuse;

        p.new_content = strdup(rendered);
        if (!p.new_content) {
                plan_done(&p);
                return -ENOMEM;
        }
        p.changed = !f->old_content || !streq(f->old_content, rendered);
        *ret = p;
        return 0;

refuse:
        p.refused = true;
        *ret = p;
        return 0;
}
