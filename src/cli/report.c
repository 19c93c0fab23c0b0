/* SPDX-License-Identifier: MIT */
/* What several verbs print or list the same way: the unit and findings JSON of status, audit
 * and set, and the set of services audit and status walk. */
#include "cli/report.h"
#include "systemd/unit-name.h"

void print_findings_json(Json *j, const Findings *f) {
        json_begin_array(j, "findings");
        for (size_t i = 0; i < f->n; i++) {
                json_begin_object(j, NULL);
                json_string(j, "severity", severity_to_string(f->items[i].severity));
                json_string(j, "code", f->items[i].code);
                json_string(j, "message", f->items[i].message);
                json_end_object(j);
        }
        json_end_array(j);
}

/* The fields of one unit in --json (unit-tls(8)). */
void print_unit_json(Json *j, const LookupPaths *lp, const Unit *u, const Inspection *in, const Findings *findings) {
        json_string(j, "unit", u->id);
        json_string(j, "load_state", load_state_to_string(u->load_state));
        json_string(j, "fragment", u->fragment ? lookup_display_path(lp, u->fragment) : NULL);
        json_begin_array(j, "dropins");
        for (char **d = u->dropins; d && *d; d++)
                json_string(j, NULL, lookup_display_path(lp, *d));
        json_end_array(j);
        json_begin_object(j, "environment");
        for (size_t i = 0; i < in->env.n; i++) {
                const EnvEntry *e = &in->env.entries[i];
                _cleanup_free_ char *name = strndup(e->assignment, strcspn(e->assignment, "="));
                if (!name)
                        continue;
                json_begin_object(j, name);
                json_string(j, "value", env_entry_value(e));
                json_string(j, "source", e->source);
                json_end_object(j);
        }
        json_end_object(j);
        json_string(j, "runtime", runtime_to_string(in->runtime.runtime));
        /* read from the binary's bytes; null when unknown */
        json_string(j, "runtime_version", in->runtime.version.known ? in->runtime.version.text : NULL);
        json_string(j, "user", in->cred.user);
        print_findings_json(j, findings ? findings : &in->findings);
        json_string(j, "verdict", verdict_to_string(in->verdict));
}

/* Only what bears on TLS trust: a unit without any TLS setting is not the audit's business,
 * even if something else about it is broken. */
bool tls_relevant(const Inspection *in) {
        return env_has_tls_variable(&in->env, false) || in->managed_dropin != NULL;
}

/* Every service the files define (templates excepted), sorted by name. */
int collect_service_names(const Context *c, char ***ret) {
        char **names = NULL;
        size_t k_names = 0, cap = 0;
        for (char **n = c->index.all_names; n && *n; n++) {
                UnitNameKind k = unit_name_classify(*n);
                const char *t = unit_name_type(*n);
                if (!t || !streq(t, "service") || k == UNIT_NAME_TEMPLATE)
                        continue;
                if (k_names + 2 > cap) {
                        cap = cap ? cap * 2 : 256;
                        char **nn = realloc(names, cap * sizeof(char *));
                        if (!nn) {
                                strv_free(names);
                                return -ENOMEM;
                        }
                        names = nn;
                }
                if (!(names[k_names] = strdup(*n))) {
                        strv_free(names);
                        return -ENOMEM;
                }
                names[++k_names] = NULL;
        }
        strv_sort(names);  /* by name, as they are checked and listed */
        *ret = names;
        return 0;
}
