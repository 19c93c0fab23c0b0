/* SPDX-License-Identifier: MIT */
#include "cli/cli.h"
#include "cli/report.h"
#include "trust/live.h"
#include "systemd/unit-name.h"

/* Worst first: what disables verification, then what cannot work, then the rest. */
static int verdict_rank(const char *v) {
        static const char *const order[] = { "insecure", "broken", "stale", "shadowed", "not-node", "unknown", "unmanaged", "ok" };
        for (size_t i = 0; i < ELEMENTSOF(order); i++)
                if (streq(v, order[i]))
                        return (int) i;
        return (int) ELEMENTSOF(order);
}

typedef struct Entry {
        Unit *unit;
        Inspection in;
        Live live;
} Entry;

static int cmp_entry(const void *a, const void *b) {
        const Entry *x = a, *y = b;
        int d = verdict_rank(x->in.verdict) - verdict_rank(y->in.verdict);
        return d ? d : strcmp(x->unit->id, y->unit->id);
}

/* Is the manager's insecure value all that is wrong with it? Such a unit is counted in the
 * manager's finding, not listed once more. */
static bool only_manager_findings(const Inspection *in) {
        bool manager = false;
        for (size_t i = 0; i < in->findings.n; i++) {
                const Finding *f = &in->findings.items[i];
                if (streq(f->code, "manager-insecure"))
                        manager = true;
                else if (f->severity >= SEV_WARNING)
                        return false;
        }
        return manager;
}

static bool reached_by_manager(const Inspection *in) {
        for (size_t i = 0; i < in->findings.n; i++)
                if (streq(in->findings.items[i].code, "manager-insecure"))
                        return true;
        return false;
}

/* The manager's TLS variables and finding, in --json. */
static void print_manager_json(Json *j, const ManagerEnv *m, const Findings *f) {
        json_begin_object(j, "manager");
        json_begin_object(j, "environment");
        for (const char *const *v = tls_variables; *v; v++) {
                const EnvEntry *e = env_list_get(&m->environment, *v);
                if (!e)
                        continue;
                json_begin_object(j, *v);
                json_string(j, "value", env_entry_value(e));
                json_string(j, "source", e->source);
                json_end_object(j);
        }
        json_end_object(j);
        print_findings_json(j, f);
        json_end_object(j);
}

static void print_manager_text(const Findings *f) {
        if (f->n == 0)
                return;
        printf("service manager: insecure\n");
        for (size_t k = 0; k < f->n; k++)
                printf("  %s: %s\n", severity_to_string(f->items[k].severity), f->items[k].message);
}

int verb_audit(Context *c) {
        const Args *a = c->args;
        _cleanup_strv_free_ char **names = NULL;
        int r;

        if (a->units) {
                log_error("audit: takes no unit names; it checks every service (use status for one)");
                return EXIT_USAGE;
        }
        if ((r = collect_service_names(c, &names)) < 0) {
                log_error("audit: %s", strerror(-r));
                return EXIT_FAILURE_RUNTIME;
        }
        void *bus = NULL;
        if (!c->offline) {
                bus = bus_sdbus_new();
                const char *why = NULL;
                if (bus && bus_ops_sdbus.connect(bus, a->user, false, &why) < 0) {
                        fprintf(stderr, "unit-tls: warning: %s; auditing the files only\n", why);
                        bus_ops_sdbus.close(bus);
                        bus = NULL;
                }
        }
        if (context_load_manager(c, &bus_ops_sdbus, bus) < 0) {
                if (bus)
                        bus_ops_sdbus.close(bus);
                return EXIT_FAILURE_RUNTIME;
        }
        /* The names as a set: for merging the loaded ones and for spotting aliases, in O(1). */
        StrMap listed = {};
        for (char **x = names; x && *x; x++)
                if (strmap_put(&listed, *x, NULL) < 0) {
                        strmap_done(&listed);
                        return EXIT_FAILURE_RUNTIME;
                }
        char **loaded = NULL;
        if (bus && bus_list_services(bus, &loaded) == 0) {
                for (char **l = loaded; l && *l; l++)
                        if (strmap_put(&listed, *l, NULL) > 0 && strv_extend(&names, *l) < 0)
                                break;
                strv_free(loaded);
        }

        size_t n = strv_length(names), m = 0, scanned = 0, reached = 0;
        Entry *e = calloc(n ? n : 1, sizeof(Entry));
        if (!e)
                return EXIT_FAILURE_RUNTIME;
        for (size_t i = 0; i < n; i++) {
                Unit *u = NULL;
                if (unit_load_booted(&c->index, names[i], &u) < 0 || !u)
                        continue;
                if (u->load_state != LOAD_LOADED || (!streq(u->id, names[i]) && strmap_contains(&listed, u->id))) {
                        unit_free(u);  /* not loadable, or an alias of a unit seen under its own name */
                        continue;
                }
                scanned++;
                Entry *x = &e[m];
                x->unit = u;
                if (inspect_unit_full(&c->lp, &c->manager, u, true, &x->in) < 0 || !tls_relevant(&x->in)) {
                        inspection_done(&x->in);
                        unit_free(u);
                        continue;
                }
                reached += reached_by_manager(&x->in);
                if (bus && !only_manager_findings(&x->in))
                        (void) live_check(&bus_ops_sdbus, bus, u, &x->in, &x->live);
                if (!findings_have(&x->in.findings, SEV_WARNING) || only_manager_findings(&x->in)) {
                        inspection_done(&x->in);
                        live_done(&x->live);
                        unit_free(u);
                        continue;
                }
                m++;
        }
        if (bus)
                bus_ops_sdbus.close(bus);
        strmap_done(&listed);
        qsort(e, m, sizeof(Entry), cmp_entry);
        Findings mf = {};
        manager_findings(&c->manager, reached, scanned, &mf);

        Json j = {};
        if (a->json) {
                json_begin_object(&j, NULL);
                json_int(&j, "scanned", (long long) scanned);
                print_manager_json(&j, &c->manager, &mf);
                json_begin_array(&j, "units");
        } else if (!a->quiet)
                print_manager_text(&mf);
        for (size_t i = 0; i < m; i++) {
                Entry *x = &e[i];
                if (a->json) {
                        json_begin_object(&j, NULL);
                        print_unit_json(&j, &c->lp, x->unit, &x->in, NULL);
                        live_print_json(&j, &x->live);
                        json_end_object(&j);
                } else if (!a->quiet) {
                        printf("%s: %s\n", x->unit->id, x->in.verdict);
                        for (size_t k = 0; k < x->in.findings.n; k++)
                                if (x->in.findings.items[k].severity >= SEV_WARNING)
                                        printf("  %s: %s\n", severity_to_string(x->in.findings.items[k].severity),
                                               x->in.findings.items[k].message);
                }
        }
        if (a->json) {
                json_end_array(&j);
                json_end_object(&j);
                printf("%s\n", j.out.data);
                buf_free(&j.out);
        } else if (!a->quiet)
                printf("%zu service%s checked, %zu with problems%s\n", scanned, scanned == 1 ? "" : "s", m,
                       mf.n ? ", and the service manager's environment" : "");
        for (size_t i = 0; i < m; i++) {
                inspection_done(&e[i].in);
                live_done(&e[i].live);
                unit_free(e[i].unit);
        }
        free(e);
        bool manager_bad = mf.n > 0;
        findings_done(&mf);
        return m > 0 || manager_bad ? EXIT_FAILURE_RUNTIME : EXIT_OK;
}
