/* SPDX-License-Identifier: MIT */
/* probe URL [--ca FILE...]: what Node would say about the server, and what would fix it.
 *
 * Exit: 0 trusted (or trusted with the --ca files), 1 not trusted (a finding) or the server
 * cannot be reached, 2 bad usage (bad URL, unreadable --ca file).
 *
 * --json prints one object (not the verbs' {"units": [...]}: probe is about a server):
 *   {"probe": {"url", "host", "port", "address",
 *              "chain": [{"subject", "issuer", "not_before", "not_after", "ca", "self_signed",
 *                         "sha256"}, ...]                  (leaf first, as presented)
 *              "names", "name_ok",                          (subjectAltName; matches the host?)
 *              "node_code",                                 (Node's err.code now; null: it connects)
 *              "ca": [paths], "node_code_with_ca",          (with NODE_EXTRA_CA_CERTS = those files)
 *              "verdict", "ok", "missing", "fingerprint", "message"}}
 * or, when the server cannot be reached, {"probe": {"url", "host", "port", "address": null,
 * "error"}}. verdict: trusted, trusted-with-ca, trust-presented-root, self-signed-leaf,
 * missing-intermediate, unknown-issuer, unfixable. */
#include <time.h>

#include "cli/cli.h"
#include "basic/fs.h"
#include "tls/probe.h"
#include "cli/os-store.h"

static void format_time(time_t t, bool iso, char buf[static 32]) {
        struct tm tm;
        if (!gmtime_r(&t, &tm) || strftime(buf, 32, iso ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M UTC", &tm) == 0)
                snprintf(buf, 32, "?");
}

static const char *verdict_name(const ProbeDecision *d, const OsStoreHit *h) {
        return h->file && d->verdict == PROBE_TRUSTED ? "in-os-store" : probe_verdict_to_string(d->verdict);
}

static void print_text(const char *url, const char *address, const ProbeUrl *u, const ProbeFacts *f,
                       const ProbeDecision *d, char **ca_paths, bool quiet, const OsStoreHit *h) {
        if (!quiet) {
                printf("%s (%s, port %u)\n", url, address ? address : "?", u->port);
                printf("chain presented by the server, leaf first:\n");
                for (size_t i = 0; i < f->n_chain; i++) {
                        const CertInfo *c = &f->chain[i];
                        char nb[32], na[32];
                        format_time(c->not_before, false, nb);
                        format_time(c->not_after, false, na);
                        printf("  [%zu] subject: %s\n", i, c->subject);
                        printf("      issuer:  %s\n", c->issuer);
                        printf("      valid:   %s to %s\n", nb, na);
                        printf("      CA: %s, self-signed: %s\n", c->is_ca ? "yes" : "no", c->self_signed ? "yes" : "no");
                        printf("      SHA-256: %s\n", c->sha256);
                }
                printf("names: %s (%s %s)\n", f->leaf_names ? f->leaf_names : "(no subjectAltName)",
                       f->name_ok ? "matches" : "does NOT match", u->host);
                printf("Node.js: %s\n", d->node_code ? d->node_code : "OK");
                if (f->have_ca) {
                        printf("Node.js with NODE_EXTRA_CA_CERTS =");
                        for (char **p = ca_paths; p && *p; p++)
                                printf(" %s", *p);
                        printf(": %s\n", d->node_code_with_ca ? d->node_code_with_ca : "OK");
                }
        }
        printf("verdict: %s\n", verdict_name(d, h));
        if (!quiet)
                printf("%s\n", d->message);
        if (!quiet && h->file) {
                _cleanup_free_ char *advice = os_store_advice(h, NULL);
                printf("os-store: %s\n", advice ? advice : h->file);
        }
}

static void print_json(const char *url, const char *address, const ProbeUrl *u, const ProbeFacts *f,
                       const ProbeDecision *d, char **ca_paths, const char *error, const OsStoreHit *h) {
        Json js = {};
        json_begin_object(&js, NULL);
        json_begin_object(&js, "probe");
        json_string(&js, "url", url);
        json_string(&js, "host", u ? u->host : NULL);
        json_int(&js, "port", u ? u->port : 0);
        json_string(&js, "address", address);
        if (error) {
                json_string(&js, "error", error);
        } else {
                json_begin_array(&js, "chain");
                for (size_t i = 0; i < f->n_chain; i++) {
                        const CertInfo *c = &f->chain[i];
                        char nb[32], na[32];
                        format_time(c->not_before, true, nb);
                        format_time(c->not_after, true, na);
                        json_begin_object(&js, NULL);
                        json_string(&js, "subject", c->subject);
                        json_string(&js, "issuer", c->issuer);
                        json_string(&js, "not_before", nb);
                        json_string(&js, "not_after", na);
                        json_bool(&js, "ca", c->is_ca);
                        json_bool(&js, "self_signed", c->self_signed);
                        json_string(&js, "sha256", c->sha256);
                        json_end_object(&js);
                }
                json_end_array(&js);
                json_string(&js, "names", f->leaf_names);
                json_bool(&js, "name_ok", f->name_ok);
                json_string(&js, "node_code", d->node_code);
                json_begin_array(&js, "ca");
                for (char **p = ca_paths; p && *p; p++)
                        json_string(&js, NULL, *p);
                json_end_array(&js);
                json_string(&js, "node_code_with_ca", d->node_code_with_ca);
                json_string(&js, "verdict", verdict_name(d, h));
                json_bool(&js, "ok", d->ok && !(h->file && d->verdict == PROBE_TRUSTED));
                if (h->file) {
                        _cleanup_free_ char *advice = os_store_advice(h, NULL);
                        json_begin_object(&js, "os_store");
                        json_string(&js, "file", h->file);
                        json_string(&js, "subject", h->subject);
                        json_string(&js, "advice", advice);
                        json_end_object(&js);
                }
                json_string(&js, "missing", d->missing);
                json_string(&js, "fingerprint", d->fingerprint);
                json_string(&js, "message", d->message);
        }
        json_end_object(&js);
        json_end_object(&js);
        printf("%s\n", js.out.data ? js.out.data : "{}");
        buf_free(&js.out);
}

/* The one URL to probe, parsed. 0, or an exit code after saying why. */
static int probe_arguments(const Args *a, const char **ret_url, ProbeUrl *u) {
        const char *why = NULL;
        size_t n_words = strv_length(a->words);

        if (n_words > 1 || (n_words == 1 && a->url) || (n_words == 0 && !a->url)) {
                log_error("probe: give exactly one URL, e.g. 'unit-tls probe https://pve.example.internal:8006'");
                return EXIT_USAGE;
        }
        if (a->insecure) {
                log_error("probe: --insecure does not apply; probe only looks at the server");
                return EXIT_USAGE;
        }
        const char *url = n_words == 1 ? a->words[0] : a->url;
        int r = probe_url_parse(url, u, &why);
        if (r == -ENOMEM)
                return EXIT_FAILURE_RUNTIME;
        if (r < 0) {
                log_error("probe: %s: %s", url, why);
                return EXIT_USAGE;
        }
        *ret_url = url;
        return 0;
}

/* --ca paths are this host's files: probe runs here, whatever --root says. 0 or an exit code. */
static int read_cas(const Args *a, ProbeCaSet *cas) {
        for (char **p = a->ca; p && *p; p++) {
                char *data = NULL;
                size_t size = 0;
                int r = read_file_limited(*p, CA_FILE_MAX_SIZE, &data, &size);
                if (r < 0) {
                        log_error("--ca %s: %s", *p, r == -EFBIG ? "larger than a CA file may be" : strerror(-r));
                        return r == -ENOMEM ? EXIT_FAILURE_RUNTIME : EXIT_USAGE;
                }
                if (probe_ca_set_add(cas, data, size) < 0)
                        return EXIT_FAILURE_RUNTIME;
        }
        return 0;
}

int verb_probe(Context *c) {
        const Args *a = c->args;
        _cleanup_(probe_url_done) ProbeUrl u = {};
        _cleanup_(probe_ca_set_done) ProbeCaSet cas = {};
        _cleanup_(probe_facts_done) ProbeFacts f = {};
        _cleanup_(probe_decision_done) ProbeDecision d = {};
        _cleanup_free_ char *address = NULL, *error = NULL;
        _cleanup_(os_store_hit_done) OsStoreHit hit = {};
        const char *url = NULL;
        int r;

        if ((r = probe_arguments(a, &url, &u)) != 0 || (r = read_cas(a, &cas)) != 0)
                return r;
        r = probe_run(&u, cas.items, cas.n, NULL, &f, &address, &error);
        if (r < 0) {
                if (r == -ENOMEM && !error)
                        return EXIT_FAILURE_RUNTIME;
                log_error("probe: %s", error ? error : strerror(-r));
                if (a->json)
                        print_json(url, NULL, &u, NULL, NULL, NULL, error ? error : strerror(-r), &hit);
                return EXIT_FAILURE_RUNTIME;
        }
        if (probe_decide(&f, &d) < 0 || os_store_find(&c->lp, &f, &d, &hit) < 0)
                return EXIT_FAILURE_RUNTIME;
        /* trusted only through the OS store's local CAs: Node's bundled roots do not have it */
        bool ok = d.ok && !(hit.file && d.verdict == PROBE_TRUSTED);

        if (a->json)
                print_json(url, address, &u, &f, &d, a->ca, NULL, &hit);
        else
                print_text(url, address, &u, &f, &d, a->ca, a->quiet, &hit);
        return ok ? EXIT_OK : EXIT_FAILURE_RUNTIME;
}
