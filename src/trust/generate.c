/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <sys/stat.h>

#include "basic/fs.h"
#include "trust/generate.h"
#include "trust/plan.h"
#include "trust/rtfacts.h"
#include "basic/writer.h"

static void gen_unit_done(GenUnit *u) {
        free(u->unit);
        free(u->source);
        free(u->dropin);
        free(u->content);
        free(u->bundle);
        free(u->bundle_content);
        free(u->expect);
        *u = (GenUnit) {};
}

void gen_plan_done(GenPlan *p) {
        for (size_t i = 0; i < p->n; i++)
                gen_unit_done(&p->units[i]);
        free(p->units);
        *p = (GenPlan) {};
}

const GenUnit *gen_plan_find(const GenPlan *p, const char *unit) {
        for (size_t i = 0; i < p->n; i++)
                if (streq(p->units[i].unit, unit))
                        return &p->units[i];
        return NULL;
}

/* set's rendering with the first line (the "Managed by unit-tls" header) replaced by ours: the
 * same text otherwise, so both read back identically in systemd. */
static char *generated_text(const char *rendered, const char *source) {
        const char *body = startswith(rendered, DROPIN_HEADER);
        if (!body)
                body = rendered;
        return xasprintf(GENERATED_HEADER_PREFIX "%s\n"
                         "# Edit that file, then run `unit-tls apply`; this file is rewritten at every boot and daemon-reload.\n"
                         "%s",
                         source, body);
}

static int bundle_text(const LookupPaths *lp, const TrustEntry *e, const char *id, char **cas, char **ret) {
        Buf b = {};
        buf_printf(&b, GENERATED_HEADER_PREFIX "%s: CA bundle for %s.\n", e->source, id);
        for (char **p = cas; *p; p++) {
                _cleanup_free_ char *data = NULL;
                size_t size = 0;
                int r = read_target_file(lp, *p, CA_FILE_MAX_SIZE, &data, &size);
                if (r < 0) {
                        buf_free(&b);
                        return r;
                }
                buf_printf(&b, "# from %s\n", *p);
                buf_put(&b, data, size);
                if (size > 0 && data[size - 1] != '\n')
                        buf_putc(&b, '\n');
        }
        *ret = buf_steal(&b);
        return *ret ? 0 : -ENOMEM;
}

/* check_ca_path()'s answer depends only on the path, the service's credentials and what its
 * sandboxing hides; the certificate parsing is what costs. 200 units sharing a CA parse it once. */
typedef struct CaMemo {
        char *key;
        Findings findings;
} CaMemo;

typedef struct CaCache {
        CaMemo *items;
        size_t n;
} CaCache;

static void ca_cache_done(CaCache *c) {
        for (size_t i = 0; i < c->n; i++) {
                free(c->items[i].key);
                findings_done(&c->items[i].findings);
        }
        free(c->items);
        *c = (CaCache) {};
}

static char *ca_key(const LookupPaths *lp, const Unit *u, const ServiceCred *cred, const char *path) {
        _cleanup_free_ char *hidden = sandbox_hides_path(lp, u, path);
        Buf b = {};
        buf_printf(&b, "%s\n%s\n%u:%u:%d:%d:", path, cred->user ? cred->user : "", (unsigned) cred->uid,
                   (unsigned) cred->gid, cred->known, cred->dynamic);
        for (size_t i = 0; i < cred->n_groups; i++)
                buf_printf(&b, "%u,", (unsigned) cred->groups[i]);
        buf_printf(&b, "\n%s", hidden ? hidden : "");
        return buf_steal(&b);
}

static int ca_checked(const LookupPaths *lp, const Unit *u, const ServiceCred *cred, const char *path,
                      CaCache *cache, Findings *ret) {
        _cleanup_free_ char *key = ca_key(lp, u, cred, path);
        if (!key)
                return -ENOMEM;
        const Findings *f = NULL;
        for (size_t i = 0; i < cache->n && !f; i++)
                if (streq(cache->items[i].key, key))
                        f = &cache->items[i].findings;
        if (!f) {
                Findings fresh = {};
                CaReport report = {};
                int r = check_ca_path(lp, u, cred, path, &report, &fresh);
                ca_report_done(&report);
                CaMemo *items = r < 0 ? NULL : realloc(cache->items, (cache->n + 1) * sizeof(CaMemo));
                if (!items) {
                        findings_done(&fresh);
                        return r < 0 ? r : -ENOMEM;
                }
                cache->items = items;
                items[cache->n] = (CaMemo) { .key = TAKE_PTR(key), .findings = fresh };
                f = &items[cache->n++].findings;
        }
        Findings copy = {};
        for (size_t i = 0; i < f->n; i++)
                findings_add(&copy, f->items[i].severity, f->items[i].code, "%s", f->items[i].message);
        if (copy.n != f->n) {
                findings_done(&copy);
                return -ENOMEM;
        }
        *ret = copy;
        return 0;
}

/* The CAs of e that pass set's checks for this service; the others are diagnosed. */
static int usable_cas(const LookupPaths *lp, const Unit *u, const ServiceCred *cred, const TrustEntry *e,
                      CaCache *cache, char ***ret, Diags *errors, Diags *warnings) {
        _cleanup_strv_free_ char **ok = NULL;
        for (size_t i = 0; i < e->n_cas; i++) {
                const TrustCa *ca = &e->cas[i];
                Findings f = {};
                int r = ca_checked(lp, u, cred, ca->path, cache, &f);
                if (r < 0)
                        return r;
                bool refused = findings_have(&f, SEV_ERROR);
                for (size_t k = 0; k < f.n; k++) {
                        if (refused && f.items[k].severity == SEV_ERROR)
                                diags_add(errors, ca->source, "%s: CA %s skipped: %s", u->id, ca->path, f.items[k].message);
                        else if (!refused && f.items[k].severity == SEV_WARNING)
                                diags_add(warnings, ca->source, "%s: %s", u->id, f.items[k].message);
                }
                findings_done(&f);
                if (!refused && (r = strv_extend(&ok, ca->path)) < 0)
                        return r;
        }
        *ret = TAKE_PTR(ok);
        return 0;
}

/* The bundle path as the service sees it must be visible and readable for it. */
static char *bundle_problem(const LookupPaths *lp, const Unit *u, const ServiceCred *cred, const GenTarget *t,
                            const char *path) {
        char *hidden = sandbox_hides_path(lp, u, path);
        if (hidden)
                return hidden;
        LookupPaths out = *lp;
        out.root = (char *) t->out_root;
        _cleanup_free_ char *host = lookup_host_path(&out, path);
        return host ? path_unreadable_by(&out, cred, host) : NULL;
}

/* The runtime binary ignores environment variables for this service (setuid, capabilities):
 * the section is skipped (true). */
static bool privilege_problem(const LookupPaths *lp, const Unit *u, const TrustEntry *e, const RuntimeInfo *rt,
                              const ServiceCred *cred, Diags *errors) {
        _cleanup_free_ char *why = rt->binary ? runtime_privilege_problem(rt, cred, lookup_display_path(lp, rt->binary)) : NULL;
        if (why)
                diags_add(errors, e->source, "%s: %s; section skipped", u->id, why);
        return why != NULL;
}

/* NODE_EXTRA_CA_CERTS for these CAs: the one file, or a bundle the generator writes next to the
 * drop-ins. 0, 1 when the section is skipped (diagnosed), -ENOMEM. */
static int bundle_for(const LookupPaths *lp, const Unit *u, const ServiceCred *cred, const TrustEntry *e,
                      const GenTarget *t, char **cas, char **ret_value, char **ret_bundle, char **ret_content,
                      Diags *errors) {
        if (strv_length(cas) == 1)
                return (*ret_value = strdup(cas[0])) ? 0 : -ENOMEM;
        if (!(*ret_bundle = xasprintf("%s/%s.pem", GENERATOR_BUNDLE_DIR, u->id)) ||
            !(*ret_value = xasprintf("%s/%s", t->out_dir, *ret_bundle)))
                return -ENOMEM;
        _cleanup_free_ char *why = bundle_problem(lp, u, cred, t, *ret_value);
        if (why) {
                diags_add(errors, e->source, "%s: the service could not read the CA bundle %s: %s; section skipped",
                          u->id, *ret_value, why);
                return 1;
        }
        int r = bundle_text(lp, e, u->id, cas, ret_content);
        if (r < 0 && r != -ENOMEM) {
                diags_add(errors, e->source, "%s: cannot read a CA for the bundle: %s; section skipped", u->id,
                          strerror(-r));
                return 1;
        }
        return r;
}

/* What set would say about the planned drop-in, as the generator says it: an error skips the
 * section (1), warnings are passed on. */
static int write_diags(const TrustEntry *e, const Unit *u, PlanMode mode, const PlanWrite *w, Diags *errors,
                       Diags *warnings) {
        if (w->refusal) {
                diags_add(errors, e->system_store_source, "%s: SystemStore=yes: %s; section skipped", u->id, w->refusal);
                return 1;
        }
        bool refused = false;
        for (size_t i = 0; i < w->runtime.n; i++) {
                const Finding *x = &w->runtime.items[i];
                refused = refused || x->severity == SEV_ERROR;
                if (x->severity >= SEV_WARNING)
                        diags_add(x->severity == SEV_ERROR ? errors : warnings, e->source, "%s: %s%s", u->id,
                                  x->message, x->severity == SEV_ERROR ? "; section skipped" : "");
        }
        if (refused)
                return 1;
        if (mode == PLAN_SET_INSECURE)
                diags_add(warnings, e->insecure_source, "%s: Insecure=yes turns off TLS certificate verification for "
                          "this service; trust the server's CA with CA= instead", u->id);
        if (w->repair)
                diags_add(warnings, e->source, "%s: %s", u->id, w->repair);
        return 0;
}

/* Appends g (taken, also on failure). */
static int plan_add(GenPlan *plan, GenUnit *g) {
        GenUnit *items = g->unit && g->source ? realloc(plan->units, (plan->n + 1) * sizeof(GenUnit)) : NULL;
        if (!items) {
                gen_unit_done(g);
                return -ENOMEM;
        }
        plan->units = items;
        items[plan->n++] = *g;
        return 0;
}

/* The section's unit, loaded as the booted manager holds it: 0, 1 when the section is skipped
 * (diagnosed), -ENOMEM. */
static int load_entry(const UnitIndex *ix, const TrustEntry *e, const GenPlan *plan, Unit **ret, Diags *errors) {
        _cleanup_unit_ Unit *u = NULL;
        int r = unit_load_booted(ix, e->unit, &u);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                diags_add(errors, e->source, "%s: cannot be loaded: %s; section skipped", e->unit, strerror(-r));
        else if (u->load_state == LOAD_NOT_FOUND)
                diags_add(errors, e->source, "%s: unit not found in the unit search path; section skipped", e->unit);
        else if (u->load_state == LOAD_MASKED)
                diags_add(errors, e->source, "%s: the unit is masked; section skipped", e->unit);
        else if (u->load_state != LOAD_LOADED)
                diags_add(errors, e->source, "%s: systemd cannot load the unit (%s); section skipped", e->unit,
                          u->load_error ? u->load_error : load_state_to_string(u->load_state));
        else if (gen_plan_find(plan, u->id))
                diags_add(errors, e->source, "%s: %s is already configured under another of its names; section skipped",
                          e->unit, u->id);
        else {
                *ret = TAKE_PTR(u);
                return 0;
        }
        return 1;
}

static int plan_entry(const LookupPaths *lp, const UnitIndex *ix, const TrustEntry *e, const GenTarget *t,
                      CaCache *cache, GenPlan *plan, Diags *errors, Diags *warnings) {
        _cleanup_unit_ Unit *u = NULL;
        ServiceCred cred = {};
        EnvList env = {};
        RuntimeInfo rt = {};
        Findings ignored = {};
        _cleanup_strv_free_ char **cas = NULL;
        _cleanup_free_ char *ca_value = NULL, *bundle = NULL, *bundle_content = NULL,
                *rendered = NULL, *content = NULL, *dropin = NULL, *dropin_display = NULL, *expect = NULL;
        _cleanup_(plan_write_done) PlanWrite w = {};
        int r;

        if (e->invalid)
                return 0;           /* diagnosed by the parser */
        if (e->n_cas == 0 && e->insecure <= 0 && e->system_store <= 0)
                return 0;           /* an empty section (or Insecure=no alone): nothing for this unit */

        if ((r = load_entry(ix, e, plan, &u, errors)) != 0)
                return MIN(r, 0);
        if (!(dropin = xasprintf("%s.d/%s", u->id, GENERATOR_DROPIN)) ||
            !(dropin_display = xasprintf("%s/%s", t->out_dir, dropin))) {
                r = -ENOMEM;
                goto out;
        }
        if ((r = unit_cred(lp, u, &cred)) < 0 || (r = effective_environment(lp, NULL, u, &env, &ignored)) < 0 ||
            (r = runtime_detect(lp, u, &cred, &rt)) < 0)
                goto out;

        PlanMode mode = e->insecure > 0 ? PLAN_SET_INSECURE : e->system_store > 0 ? PLAN_SET_SYSTEM : PLAN_SET_CA;
        if (mode != PLAN_SET_INSECURE && privilege_problem(lp, u, e, &rt, &cred, errors))
                goto out;
        if (mode == PLAN_SET_CA) {
                if ((r = usable_cas(lp, u, &cred, e, cache, &cas, errors, warnings)) < 0)
                        goto out;
                if (!cas) {
                        diags_add(errors, e->source, "%s: none of its CAs can be used; no drop-in written", u->id);
                        goto out;
                }
                if ((r = bundle_for(lp, u, &cred, e, t, cas, &ca_value, &bundle, &bundle_content, errors)) != 0) {
                        r = MIN(r, 0);
                        goto out;
                }
        }
        Inspection now = { .env = env, .runtime = rt, .cred = cred };   /* borrowed, not freed */
        PlanWriteFacts wf = { .mode = mode, .unit_id = u->id, .now = &now, .dropin_display = dropin_display,
                              .ca_value = ca_value, .bundle_cas = bundle ? cas : NULL };
        if ((r = plan_write(&wf, &w)) < 0 || (r = write_diags(e, u, mode, &w, errors, warnings)) != 0) {
                r = MIN(r, 0);
                goto out;
        }
        rendered = TAKE_PTR(w.rendered);
        expect = TAKE_PTR(w.expect);
        if (rt.runtime == RUNTIME_OTHER)  /* unknown is no warning: unit-tls cannot tell */
                diags_add(warnings, e->source, "%s: ExecStart= does not look like Node.js, Bun or Deno: it runs %s; "
                          "the drop-in is written, but only those runtimes read it", u->id, rt.other);
        if (!(content = generated_text(rendered, e->source))) {
                r = -ENOMEM;
                goto out;
        }

        GenUnit g = {
                .unit = strdup(u->id),
                .source = strdup(e->source),
                .dropin = TAKE_PTR(dropin),
                .content = TAKE_PTR(content),
                .bundle = TAKE_PTR(bundle),
                .bundle_content = TAKE_PTR(bundle_content),
                .expect = TAKE_PTR(expect),
                .insecure = e->insecure > 0,
        };
        r = plan_add(plan, &g);
out:
        service_cred_done(&cred);
        env_list_done(&env);
        runtime_info_done(&rt);
        findings_done(&ignored);
        return r;
}

static int cmp_unit(const void *a, const void *b) {
        return strcmp(((const GenUnit *) a)->unit, ((const GenUnit *) b)->unit);
}

int gen_plan(const LookupPaths *lp, const UnitIndex *ix, const TrustConf *conf, const GenTarget *t,
             GenPlan *ret, Diags *errors, Diags *warnings) {
        GenPlan p = {};
        CaCache cache = {};
        for (size_t i = 0; i < conf->n; i++) {
                int r = plan_entry(lp, ix, &conf->entries[i], t, &cache, &p, errors, warnings);
                if (r < 0) {
                        ca_cache_done(&cache);
                        gen_plan_done(&p);
                        return r;
                }
        }
        ca_cache_done(&cache);
        if (p.n > 0)
                qsort(p.units, p.n, sizeof(GenUnit), cmp_unit);
        *ret = p;
        return 0;
}

/* Writes "dir/name" below out_fd, making dir (0755) when missing: the output directories are
 * made empty for every run and read only after it, so the files are made in place, not
 * renamed into place, and never synced (below /run they are made again at every boot). */
static int write_one(int out_fd, const char *rel, const char *content) {
        return fresh_write_at(out_fd, rel, content, 0644);
}

int gen_write(int out_fd, const GenPlan *p, Diags *errors) {
        int failed = 0;
        for (size_t i = 0; i < p->n; i++) {
                const GenUnit *g = &p->units[i];
                int r = 0;
                const char *what = g->bundle;
                /* The bundle first: the drop-in must never point at a file that is not there. */
                if (g->bundle)
                        r = write_one(out_fd, g->bundle, g->bundle_content);
                if (r >= 0) {
                        what = g->dropin;
                        r = write_one(out_fd, g->dropin, g->content);
                }
                if (r < 0) {
                        diags_add(errors, g->source, "%s: cannot write %s: %s", g->unit, what, strerror(-r));
                        failed++;
                }
        }
        return failed;
}
