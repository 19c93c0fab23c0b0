/* SPDX-License-Identifier: MIT */
#include "cli/cli.h"
#include "cli/report.h"
#include "trust/live.h"
#include "systemd/unit-name.h"

typedef struct Entry {
        Unit *unit;
        Inspection in;
        Live live;
} Entry;

static int cmp_entry(const void *a, const void *b) {
        const Entry *x = a, *y = b;
        /* Worst first (the order of Verdict): what disables verification, then what cannot work,
         * then the rest. */
        int d = (int) x->in.verdict - (int) y->in.verdict;
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

/* What audit found: the services with a problem of their own (m of them, in e), and the counts
 * the manager's finding needs. */
typedef struct Audit {
        Entry *e;
        size_t m;
        size_t scanned;         /* services loaded (aliases once) */
        size_t reached;         /* of those, the TLS-relevant ones the manager's environment reaches */
} Audit;

static void audit_done(Audit *au) {
        for (size_t i = 0; i < au->m; i++) {
                inspection_done(&au->e[i].in);
                live_done(&au->e[i].live);
                unit_free(au->e[i].unit);
        }
        free(au->e);
}

/* Online, the bus to the manager; NULL offline, or with a warning when it cannot be reached. */
static void *audit_bus(const Context *c) {
        if (c->offline)
                return NULL;
        void *bus = bus_sdbus_new();
        const char *why = NULL;
        if (bus && bus_ops_sdbus.connect(bus, c->args->user, false, &why) < 0) {
                log_warning("%s; auditing the files only", why);
                bus_ops_sdbus.close(bus);
                return NULL;
        }
        return bus;
}

/* The names as a set: for merging the loaded ones and for spotting aliases, in O(1). The
 * services the manager has loaded are added to names. */
static int collect_listed(void *bus, char ***names, StrMap *listed) {
        int r;

        for (char **x = *names; x && *x; x++) {
                r = strmap_put(listed, *x, NULL);
                if (r < 0)
                        return r;
        }
        char **loaded = NULL;
        if (bus && bus_list_services(bus, &loaded) == 0) {
                for (char **l = loaded; l && *l; l++)
                        if (strmap_put(listed, *l, NULL) > 0 && strv_extend(names, *l) < 0)
                                break;
                strv_free(loaded);
        }
        return 0;
}

/* Loads and inspects one service; keeps it in au when it has a problem the manager's finding
 * does not already count. */
static void audit_unit(Context *c, void *bus, const char *name, const StrMap *listed, Audit *au) {
        Unit *u = NULL;

        if (unit_load_booted(&c->index, name, &u) < 0 || !u)
                return;
        if (u->load_state != LOAD_LOADED || (!streq(u->id, name) && strmap_contains(listed, u->id))) {
                unit_free(u);  /* not loadable, or an alias of a unit seen under its own name */
                return;
        }
        au->scanned++;
        Entry *x = &au->e[au->m];
        x->unit = u;
        if (inspect_unit_full(&c->lp, &c->manager, u, true, &x->in) < 0 || !tls_relevant(&x->in)) {
                inspection_done(&x->in);
                unit_free(u);
                return;
        }
        au->reached += reached_by_manager(&x->in);
        if (bus && !only_manager_findings(&x->in))
                (void) live_check(&bus_ops_sdbus, bus, u, &x->in, &x->live);
        if (!findings_have(&x->in.findings, SEV_WARNING) || only_manager_findings(&x->in)) {
                inspection_done(&x->in);
                live_done(&x->live);
                unit_free(u);
                return;
        }
        au->m++;
}

/* Every service of names and those the manager has loaded, into au. */
static int audit_services(Context *c, void *bus, char ***names, Audit *au) {
        _cleanup_(strmap_done) StrMap listed = {};
        int r;

        r = collect_listed(bus, names, &listed);
        if (r < 0)
                return r;
        size_t n = strv_length(*names);
        au->e = calloc(n ? n : 1, sizeof(Entry));
        if (!au->e)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                audit_unit(c, bus, (*names)[i], &listed, au);
        return 0;
}

static void print_audit_json(const Context *c, const Audit *au, const Findings *mf) {
        Json j = {};

        json_begin_object(&j, NULL);
        json_int(&j, "scanned", (long long) au->scanned);
        print_manager_json(&j, &c->manager, mf);
        json_begin_array(&j, "units");
        for (size_t i = 0; i < au->m; i++) {
                const Entry *x = &au->e[i];
                json_begin_object(&j, NULL);
                print_unit_json(&j, &c->lp, x->unit, &x->in, NULL);
                live_print_json(&j, &x->live);
                json_end_object(&j);
        }
        json_end_array(&j);
        json_end_object(&j);
        printf("%s\n", j.out.data);
        buf_free(&j.out);
}

static void print_audit_text(const Audit *au, const Findings *mf) {
        print_manager_text(mf);
        for (size_t i = 0; i < au->m; i++) {
                const Entry *x = &au->e[i];
                printf("%s: %s\n", x->unit->id, verdict_to_string(x->in.verdict));
                for (size_t k = 0; k < x->in.findings.n; k++)
                        if (x->in.findings.items[k].severity >= SEV_WARNING)
                                printf("  %s: %s\n", severity_to_string(x->in.findings.items[k].severity),
                                       x->in.findings.items[k].message);
        }
        printf("%zu service%s checked, %zu with problems%s\n", au->scanned, au->scanned == 1 ? "" : "s", au->m,
               mf->n ? ", and the service manager's environment" : "");
}

int verb_audit(Context *c) {
        const Args *a = c->args;
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_(audit_done) Audit au = {};
        int r;

        if (a->units) {
                log_error("audit: takes no unit names; it checks every service (use status for one)");
                return EXIT_USAGE;
        }
        if ((r = collect_service_names(c, &names)) < 0) {
                log_error("audit: %s", strerror(-r));
                return EXIT_FAILURE_RUNTIME;
        }
        void *bus = audit_bus(c);
        if (context_load_manager(c, &bus_ops_sdbus, bus) < 0) {
                if (bus)
                        bus_ops_sdbus.close(bus);
                return EXIT_FAILURE_RUNTIME;
        }
        r = audit_services(c, bus, &names, &au);
        if (bus)
                bus_ops_sdbus.close(bus);
        if (r < 0)
                return EXIT_FAILURE_RUNTIME;

        qsort(au.e, au.m, sizeof(Entry), cmp_entry);
        Findings mf = {};
        manager_findings(&c->manager, au.reached, au.scanned, &mf);
        if (a->json)
                print_audit_json(c, &au, &mf);
        else if (!a->quiet)
                print_audit_text(&au, &mf);
        bool manager_bad = mf.n > 0;
        findings_done(&mf);
        return au.m > 0 || manager_bad ? EXIT_FAILURE_RUNTIME : EXIT_OK;
}
