/* SPDX-License-Identifier: MIT */
/* set --url: probe the server with exactly the CA files the plan would write, and turn the
 * answer into a refusal (or a note) the planner puts into every job. */
#include "cli/url-check.h"
#include "basic/fs.h"
#include "tls/probe.h"
#include "cli/os-store.h"

void set_url_check_done(SetUrlCheck *s) {
        free(s->code);
        free(s->message);
        *s = (SetUrlCheck) {};
}

void set_url_apply(const SetUrlCheck *s, Plan *p) {
        if (!s || !s->refuse)
                return;
        findings_add(&p->findings, SEV_ERROR, s->code, "%s", s->message);
        p->refused = true;
}

static int refuse(SetUrlCheck *ret, const char *code, char *message) {
        if (!message)
                return -ENOMEM;
        *ret = (SetUrlCheck) { .refuse = true, .code = strdup(code), .message = message };
        if (!ret->code) {
                set_url_check_done(ret);
                return -ENOMEM;
        }
        return 0;
}

/* --system-store: the OS store (where the probe found the CA, or the public roots) must do. */
static int decide_system(const Args *a, const ProbeDecision *d, const OsStoreHit *h, SetUrlCheck *ret) {
        if (d->verdict == PROBE_TRUSTED || h->file) {
                log_info(a, "--url: %s verifies with the OS store%s%s", a->url, h->file ? ": the CA is in " : "",
                         h->file ? h->file : "");
                return 0;
        }
        return refuse(ret, "url-not-in-os-store",
                      xasprintf("--url %s: the OS store does not have the CA this server needs: %s (verdict: %s); "
                                "add it (update-ca-certificates) or use --ca FILE", a->url, d->message,
                                probe_verdict_to_string(d->verdict)));
}

static int decide_set(const Args *a, PlanMode mode, const ProbeDecision *d, const OsStoreHit *h, SetUrlCheck *ret) {
        const char *url = a->url;
        bool insecure = mode == PLAN_SET_INSECURE;
        _cleanup_free_ char *advice = h->file ? os_store_advice(h, a->units && a->units[0] ? a->units[0] : NULL) : NULL;

        if (mode == PLAN_SET_SYSTEM)
                return decide_system(a, d, h, ret);
        if (insecure && advice)
                return refuse(ret, "url-in-os-store", xasprintf("--url %s: --insecure is not needed: %s", url, advice));
        if (!insecure && advice && d->verdict == PROBE_TRUSTED) {
                log_info(a, "--url: %s", advice);
                return 0;
        }
        if (!insecure) {
                if (d->verdict == PROBE_TRUSTED_WITH_CA) {
                        log_info(a, "--url: Node verifies %s with these CA files (without them: %s)", url, d->node_code);
                        return 0;
                }
                if (d->verdict == PROBE_TRUSTED) {
                        log_warning("--url: %s already verifies with the public roots; "
                                    "the CA files are not needed (written anyway)", url);
                        return 0;
                }
                return refuse(ret, d->verdict == PROBE_UNFIXABLE ? "url-unfixable" : "url-ca-mismatch",
                              xasprintf("--url %s: %s (verdict: %s)", url, d->message,
                                        probe_verdict_to_string(d->verdict)));
        }

        if (d->verdict == PROBE_UNFIXABLE) {
                log_warning("--url: --insecure is the only way for %s (Node: %s): %s",
                            url, d->node_code ? d->node_code : "?", d->message);
                return 0;
        }
        if (a->force) {
                log_warning("--url: a CA would work for %s (%s): %s; turning verification "
                            "off anyway because of --force", url, probe_verdict_to_string(d->verdict), d->message);
                return 0;
        }
        if (d->verdict == PROBE_TRUSTED)
                return refuse(ret, "url-trusted",
                              xasprintf("%s already verifies with the public roots: --insecure is not needed "
                                        "(--force to turn verification off anyway)", url));
        return refuse(ret, "url-ca-would-work",
                      xasprintf("a CA would work: %s (Node: %s; %s). Use --ca FILE instead of --insecure "
                                "(or --force to turn verification off anyway)",
                                d->message, d->node_code ? d->node_code : "?", probe_verdict_to_string(d->verdict)));
}

int set_url_check(Context *c, PlanMode mode, char **cas, SetUrlCheck *ret) {
        bool insecure = mode != PLAN_SET_CA;
        const Args *a = c->args;
        _cleanup_(probe_url_done) ProbeUrl u = {};
        _cleanup_(probe_ca_set_done) ProbeCaSet files = {};
        _cleanup_(probe_facts_done) ProbeFacts f = {};
        _cleanup_(probe_decision_done) ProbeDecision d = {};
        _cleanup_(os_store_hit_done) OsStoreHit hit = {};
        _cleanup_free_ char *address = NULL, *error = NULL;
        const char *why = NULL;
        SetUrlCheck s = {};
        int r;

        r = probe_url_parse(a->url, &u, &why);
        if (r == -ENOMEM)
                return EXIT_FAILURE_RUNTIME;
        if (r < 0) {
                log_error("--url=%s: %s", a->url, why);
                return EXIT_USAGE;
        }
        /* Exactly the files the plan writes, read where the service will read them. */
        for (char **p = cas; !insecure && p && *p; p++) {
                char *data = NULL;
                size_t size = 0;
                if (read_target_file(&c->lp, *p, CA_FILE_MAX_SIZE, &data, &size) < 0)
                        continue;  /* the plan's CA check says why */
                if (probe_ca_set_add(&files, data, size) < 0)
                        return EXIT_FAILURE_RUNTIME;
        }
        r = probe_run(&u, files.items, files.n, NULL, &f, &address, &error);
        if (r < 0) {
                if (r == -ENOMEM && !error)
                        return EXIT_FAILURE_RUNTIME;
                log_error("--url: %s", error ? error : strerror(-r));
                log_error("cannot check the server, so nothing was changed; drop --url to plan without it");
                return EXIT_FAILURE_RUNTIME;
        }
        if (probe_decide(&f, &d) < 0 || os_store_find(&c->lp, &f, &d, &hit) < 0 || decide_set(a, mode, &d, &hit, &s) < 0)
                return EXIT_FAILURE_RUNTIME;
        *ret = s;
        return 0;
}
