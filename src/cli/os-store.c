/* SPDX-License-Identifier: MIT */
#include <glob.h>

#include "basic/fs.h"
#include "cli/os-store.h"

#define OS_STORE_LOCAL "/usr/local/share/ca-certificates"
#define OS_STORE_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#define OS_STORE_MAX_FILES 256

void os_store_hit_done(OsStoreHit *h) {
        free(h->file);
        free(h->subject);
        *h = (OsStoreHit) {};
}

/* Does the file (path as the target sees it) hold the certificate: by fingerprint, or a CA by
 * subject? */
static int file_holds(const LookupPaths *lp, const char *path, const char *sha256, const char *subject,
                      OsStoreHit *ret) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        if (read_target_file(lp, path, CA_FILE_MAX_SIZE, &data, &size) < 0)
                return 0;
        CaReport report = {};
        int r = ca_check_data(data, size, path, time(NULL), &report);
        for (size_t i = 0; r >= 0 && i < report.n_certs && !ret->file; i++) {
                const CertInfo *c = &report.certs[i];
                if ((sha256 && streq(c->sha256, sha256)) || (subject && c->is_ca && streq_ptr(c->subject, subject))) {
                        ret->file = strdup(path);
                        ret->subject = strdup(c->subject ? c->subject : "");
                        if (!ret->file || !ret->subject)
                                r = -ENOMEM;
                }
        }
        ca_report_done(&report);
        return r < 0 ? r : ret->file != NULL;
}

/* The *.crt files update-ca-certificates takes from the local directory (and one level down). */
static int local_files(const LookupPaths *lp, char ***ret) {
        static const char *const patterns[] = { OS_STORE_LOCAL "/*.crt", OS_STORE_LOCAL "/*/*.crt" };
        char **out = NULL;
        for (size_t i = 0; i < ELEMENTSOF(patterns); i++) {
                _cleanup_free_ char *pattern = lp->root ? strjoin_path(lp->root, patterns[i]) : strdup(patterns[i]);
                glob_t g = {};
                if (!pattern)
                        return -ENOMEM;
                if (glob(pattern, GLOB_NOSORT, NULL, &g) == 0)
                        for (size_t k = 0; k < g.gl_pathc && strv_length(out) < OS_STORE_MAX_FILES; k++)
                                if (strv_extend(&out, lookup_display_path(lp, g.gl_pathv[k])) < 0) {
                                        globfree(&g);
                                        strv_free(out);
                                        return -ENOMEM;
                                }
                globfree(&g);
        }
        strv_sort(out);
        *ret = out;
        return 0;
}

int os_store_find(const LookupPaths *lp, const ProbeFacts *f, const ProbeDecision *d, OsStoreHit *ret) {
        const char *sha = d->verdict == PROBE_TRUSTED && f->public_anchor.subject ? f->public_anchor.sha256 : NULL;
        const char *subject = d->verdict == PROBE_UNKNOWN_ISSUER ? d->missing : NULL;
        OsStoreHit h = {};
        _cleanup_strv_free_ char **files = NULL;
        if (!sha && !subject)
                return 0;
        int r = local_files(lp, &files);
        for (char **p = files; r == 0 && p && *p; p++)
                r = file_holds(lp, *p, sha, subject, &h);
        /* the probe's public roots are this host's bundle; under --root, the image's may differ */
        if (r == 0 && subject)
                r = file_holds(lp, OS_STORE_BUNDLE, NULL, subject, &h);
        if (r <= 0) {
                os_store_hit_done(&h);
                return r;
        }
        *ret = h;
        return 1;
}

char *os_store_advice(const OsStoreHit *h, const char *unit) {
        const char *u = unit ? unit : "UNIT";
        return xasprintf("the CA the server needs, \"%s\", is in the OS store (%s, gathered into %s), so curl and "
                         "openssl trust the server; Node.js's bundled roots do not have it, and Node reads the OS "
                         "store only when asked. Either trust that file: unit-tls set %s --ca %s (any version), or "
                         "trust what the OS trusts: unit-tls set %s --system-store (Node.js 22.19+ in 22, 24.6+, "
                         "Bun 1.2.23+, Deno)",
                         h->subject, h->file, OS_STORE_BUNDLE, u, h->file, u);
}
