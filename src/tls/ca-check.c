/* SPDX-License-Identifier: MIT */
#include "tls/ca-check.h"

#include <limits.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* The labels PEM_read_bio_X509() (what Node uses) accepts; see check_pem() in crypto/pem/pem_lib.c. */
#define LABEL_CERT "CERTIFICATE"
#define LABEL_CERT_OLD "X509 CERTIFICATE"
/* Written by `openssl x509 -trustout`; only PEM_read_bio_X509_AUX() reads it, so Node skips it. */
#define LABEL_CERT_TRUSTED "TRUSTED CERTIFICATE"

static inline void BIO_freep(BIO **b) {
        BIO_free(*b);
}
static inline void EVP_PKEY_freep(EVP_PKEY **k) {
        EVP_PKEY_free(*k);
}

/* A "-----BEGIN <label>-----" line as OpenSSL's get_name() recognises it. */
typedef struct Marker {
        size_t offset;          /* of the start of the BEGIN line */
        unsigned line;
        const char *label;      /* points into the caller's data; not NUL-terminated */
        size_t label_len;
} Marker;

typedef struct Scan {
        Marker *markers;
        size_t n_markers;
        unsigned key_line;      /* first line with a private key BEGIN marker, 0 if none */
        char *key_label;
} Scan;

static void scan_done(Scan *s) {
        free(s->markers);
        free(s->key_label);
        *s = (Scan) {};
}

static bool label_is(const Marker *m, const char *label) {
        return m->label_len == strlen(label) && memcmp(m->label, label, m->label_len) == 0;
}

/* The labels Node loads. */
static bool marker_is_cert(const Marker *m) {
        return label_is(m, LABEL_CERT) || label_is(m, LABEL_CERT_OLD);
}

static bool marker_is_any_cert(const Marker *m) {
        return marker_is_cert(m) || label_is(m, LABEL_CERT_TRUSTED);
}

static int scan_add_marker(Scan *s, size_t offset, unsigned line, const char *label, size_t label_len) {
        Marker *n = reallocarray(s->markers, s->n_markers + 1, sizeof(Marker));
        if (!n)
                return -ENOMEM;
        s->markers = n;
        s->markers[s->n_markers++] = (Marker) {
                .offset = offset,
                .line = line,
                .label = label,
                .label_len = label_len,
        };
        return 0;
}

/* Looks for a private key BEGIN marker anywhere on the line: deliberately looser than OpenSSL,
 * since an indented key is still a key handed to the service. */
static int scan_private_key(Scan *s, const char *p, size_t len, unsigned line) {
        const char *b = memmem(p, len, "-----BEGIN ", 11);
        if (!b || s->key_line > 0)
                return 0;
        const char *label = b + 11;
        size_t rest = len - (size_t) (label - p);
        const char *e = memmem(label, rest, "-----", 5);
        size_t label_len = e ? (size_t) (e - label) : rest;
        if (!memmem(label, label_len, "PRIVATE KEY", 11))
                return 0;
        s->key_label = strndup(label, label_len);
        if (!s->key_label)
                return -ENOMEM;
        s->key_line = line;
        return 0;
}

static int scan_pem(const char *data, size_t size, Scan *ret) {
        _cleanup_(scan_done) Scan s = {};
        unsigned line = 1;
        int r;

        for (size_t off = 0; off < size; line++) {
                const char *p = data + off;
                const char *nl = memchr(p, '\n', size - off);
                size_t len = nl ? (size_t) (nl - p) : size - off;
                size_t next = off + len + (nl ? 1 : 0);

                /* OpenSSL skips a UTF-8 BOM at the start of the file. */
                if (off == 0 && len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
                        p += 3;
                        len -= 3;
                }
                r = scan_private_key(&s, p, len, line);
                if (r < 0)
                        return r;

                /* Trailing blanks and CR are stripped before matching, like sanitize_line(). */
                while (len > 0 && (unsigned char) p[len - 1] <= ' ')
                        len--;
                if (len >= 16 && memcmp(p, "-----BEGIN ", 11) == 0 && memcmp(p + len - 5, "-----", 5) == 0) {
                        r = scan_add_marker(&s, off, line, p + 11, len - 16);
                        if (r < 0)
                                return r;
                }
                off = next;
        }
        *ret = s;
        s = (Scan) {};
        return 0;
}

/* Node passes a callback that refuses to give a passphrase; same here. */
static int no_password_cb(char *buf, int size, int rwflag, void *u) {
        return 0;
}

static size_t bio_consumed(BIO *bio, size_t size) {
        return size - BIO_ctrl_pending(bio);
}

static bool openssl_oom(unsigned long e) {
        return ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE;
}

static char *name_to_string(const X509_NAME *name) {
        /* RFC 2253 one-liner, but keep UTF-8 readable instead of \XX-escaping it. */
        static const unsigned long flag_sets[] = { XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB, XN_FLAG_RFC2253 };

        for (size_t i = 0; i < ELEMENTSOF(flag_sets); i++) {
                _cleanup_(BIO_freep) BIO *b = BIO_new(BIO_s_mem());
                if (!b)
                        return NULL;
                if (X509_NAME_print_ex(b, name, 0, flag_sets[i]) < 0)
                        continue;
                char *p = NULL;
                long len = BIO_get_mem_data(b, &p);
                if (len < 0 || (len > 0 && !p))
                        continue;
                if (!utf8_is_valid(p ? p : "", (size_t) len) || memchr(p ? p : "", 0, (size_t) len))
                        continue;
                return strndup(p ? p : "", (size_t) len);
        }
        return strdup("?");
}

static int asn1_time_to_time_t(const ASN1_TIME *t, time_t *ret) {
        struct tm tm = {};

        if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
                return -EINVAL;
        time_t v = timegm(&tm);
        if (v == (time_t) -1)
                return -ERANGE;
        *ret = v;
        return 0;
}

static bool cert_self_signed(X509 *x) {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
        /* Same test as OpenSSL's chain builder (names, AKID, key type), plus the signature. Not
         * X509_check_issued(x, x): it fails on a keyUsage without keyCertSign, yet Node trusts such
         * a self-signed server certificate. */
        return X509_self_signed(x, 1) == 1;
#else
        if (X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) != 0)
                return false;
        AUTHORITY_KEYID *akid = X509_get_ext_d2i(x, NID_authority_key_identifier, NULL, NULL);
        int ok = X509_check_akid(x, akid);
        AUTHORITY_KEYID_free(akid);
        if (ok != X509_V_OK)
                return false;
        EVP_PKEY *k = X509_get0_pubkey(x);
        return k && X509_verify(x, k) == 1;
#endif
}

static void cert_info_done(CertInfo *c) {
        free(c->subject);
        free(c->issuer);
        *c = (CertInfo) {};
}

static int cert_info_fill(X509 *x, unsigned line, CertInfo *ret) {
        _cleanup_(cert_info_done) CertInfo c = { .line = line };
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned md_len = 0;

        c.subject = name_to_string(X509_get_subject_name(x));
        c.issuer = name_to_string(X509_get_issuer_name(x));
        if (!c.subject || !c.issuer)
                return -ENOMEM;
        /* An unparsable validity was already rejected by d2i; keep 0 rather than fail. */
        (void) asn1_time_to_time_t(X509_get0_notBefore(x), &c.not_before);
        (void) asn1_time_to_time_t(X509_get0_notAfter(x), &c.not_after);
        c.is_ca = (X509_get_extension_flags(x) & EXFLAG_CA) != 0;
        c.self_signed = cert_self_signed(x);
        if (X509_digest(x, EVP_sha256(), md, &md_len) != 1 || md_len * 3 > sizeof(c.sha256))
                return -ENOMEM;
        for (unsigned i = 0; i < md_len; i++)
                snprintf(c.sha256 + i * 3, sizeof(c.sha256) - i * 3, i + 1 < md_len ? "%02X:" : "%02X", md[i]);

        *ret = c;
        c = (CertInfo) {};
        return 0;
}

/* The certificates as Node would load them, plus where its loop stopped on an error. */
typedef struct Loaded {
        X509 **x509;
        CertInfo *certs;
        size_t n;
        bool failed;            /* Node's loop ended on an error other than "no start line" */
        size_t fail_from;       /* offset where the failing read started */
} Loaded;

static void loaded_done(Loaded *l) {
        for (size_t i = 0; i < l->n; i++) {
                X509_free(l->x509[i]);
                if (l->certs)
                        cert_info_done(&l->certs[i]);
        }
        free(l->x509);
        free(l->certs);
        *l = (Loaded) {};
}

static int loaded_add(Loaded *l, X509 *x, unsigned line) {
        X509 **nx = reallocarray(l->x509, l->n + 1, sizeof(X509 *));
        if (!nx)
                return -ENOMEM;
        l->x509 = nx;
        CertInfo *nc = reallocarray(l->certs, l->n + 1, sizeof(CertInfo));
        if (!nc)
                return -ENOMEM;
        l->certs = nc;
        int r = cert_info_fill(x, line, &l->certs[l->n]);
        if (r < 0)
                return r;
        l->x509[l->n++] = x;
        return 0;
}

/* Line of the last certificate BEGIN marker before offset end: the block PEM_read_bio_X509() just read.
 * *cursor remembers where the previous search stopped, so a big bundle stays linear. */
static unsigned cert_line_before(const Scan *s, size_t end, size_t *cursor, unsigned *last) {
        for (; *cursor < s->n_markers && s->markers[*cursor].offset < end; (*cursor)++)
                if (marker_is_cert(&s->markers[*cursor]))
                        *last = s->markers[*cursor].line;
        return *last;
}

/* Mirrors Node's AddCertsFromFile(): PEM_read_bio_X509() until it fails; "no start line" means done. */
static int load_like_node(const char *data, size_t size, const Scan *s, Loaded *ret) {
        _cleanup_(loaded_done) Loaded l = {};
        _cleanup_(BIO_freep) BIO *bio = BIO_new_mem_buf(data, (int) size);
        size_t cursor = 0;
        unsigned last_line = 0;
        if (!bio)
                return -ENOMEM;

        for (;;) {
                size_t before = bio_consumed(bio, size);
                X509 *x = PEM_read_bio_X509(bio, NULL, no_password_cb, NULL);
                if (!x) {
                        unsigned long e = ERR_peek_last_error();
                        if (openssl_oom(e))
                                return -ENOMEM;
                        if (!(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
                                l.failed = true;
                                l.fail_from = before;
                        }
                        break;
                }
                int r = loaded_add(&l, x, cert_line_before(s, bio_consumed(bio, size), &cursor, &last_line));
                if (r < 0) {
                        X509_free(x);
                        return r;
                }
        }
        *ret = l;
        l = (Loaded) {};
        return 0;
}

/* Reads the one block starting at m on its own; returns 1 if Node would get past it, 0 if it is the
 * broken one (*ret_reason says why), or -ENOMEM. */
static int block_check(const char *data, size_t size, const Marker *m, const char **ret_reason) {
        _cleanup_(BIO_freep) BIO *bio = BIO_new_mem_buf(data + m->offset, (int) (size - m->offset));
        char *name = NULL, *header = NULL;
        unsigned char *der = NULL;
        long len = 0;
        int ok;

        if (!bio)
                return -ENOMEM;
        if (PEM_read_bio(bio, &name, &header, &der, &len) != 1) {
                unsigned long e = ERR_peek_last_error();
                if (openssl_oom(e))
                        return -ENOMEM;
                *ret_reason = ERR_reason_error_string(e) ?: "unreadable PEM block";
                return 0;
        }
        ok = 1;
        if (marker_is_cert(m)) {
                EVP_CIPHER_INFO cipher;
                const unsigned char *p = der;
                X509 *x;

                if (PEM_get_EVP_CIPHER_INFO(header, &cipher) != 1 || cipher.cipher) {
                        *ret_reason = "encrypted or bad PEM header";
                        ok = 0;
                } else if (!(x = d2i_X509(NULL, &p, len))) {
                        *ret_reason = "not a valid X.509 certificate";
                        ok = 0;
                } else
                        X509_free(x);
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(der);
        return ok;
}

/* Finds the block that ended Node's loop: the first one at or after fail_from that fails alone. */
static int find_bad_block(const char *data, size_t size, const Scan *s, size_t fail_from,
                          const Marker **ret_marker, const char **ret_reason) {
        const Marker *first = NULL;

        for (size_t i = 0; i < s->n_markers; i++) {
                const Marker *m = &s->markers[i];
                const char *reason = NULL;
                if (m->offset < fail_from)
                        continue;
                if (!first)
                        first = m;
                int r = block_check(data, size, m, &reason);
                if (r < 0)
                        return r;
                if (r == 0) {
                        *ret_marker = m;
                        *ret_reason = reason;
                        return 0;
                }
        }
        *ret_marker = first;
        *ret_reason = NULL;
        return 0;
}

static unsigned line_of_offset(const char *data, size_t size, size_t off) {
        unsigned line = 1;
        for (size_t i = 0; i < off && i < size; i++)
                if (data[i] == '\n')
                        line++;
        return line;
}

/* Quotes a path for a copy-pasteable shell hint, only when needed. */
static char *shell_quote(const char *s) {
        if (!isempty(s) && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._-+,:@=%") ==
                                   strlen(s))
                return strdup(s);
        Buf b = {};
        buf_putc(&b, '\'');
        for (const char *p = s; *p; p++)
                if (*p == '\'')
                        buf_puts(&b, "'\\''");
                else
                        buf_putc(&b, *p);
        buf_putc(&b, '\'');
        return buf_steal(&b);
}

static void format_date(time_t t, char buf[static 32]) {
        struct tm tm;
        if (!gmtime_r(&t, &tm) || strftime(buf, 32, "%Y-%m-%d %H:%M UTC", &tm) == 0)
                snprintf(buf, 32, "@%lld", (long long) t);
}

static const char *subject_or_placeholder(const CertInfo *c) {
        return isempty(c->subject) ? "(empty subject)" : c->subject;
}

static bool mentions_proxmox(const char *s) {
        return s && (strcasestr(s, "PVE") || strcasestr(s, "Proxmox") || strcasestr(s, "pve-ssl"));
}

static int set_verdict(CaReport *r, CaVerdict v, char *message) {
        if (!message)
                return -ENOMEM;
        r->verdict = v;
        r->message = message;
        return 0;
}

static int add_warning(CaReport *r, char *w) {
        return strv_consume(&r->warnings, w);
}

static bool is_der_cert(const char *data, size_t size) {
        const unsigned char *p = (const unsigned char *) data;
        if (size < 2 || p[0] != 0x30 || size > LONG_MAX)
                return false;
        X509 *x = d2i_X509(NULL, &p, (long) size);
        bool ok = x != NULL;
        X509_free(x);
        return ok;
}

static bool is_der_private_key(const char *data, size_t size) {
        const unsigned char *p = (const unsigned char *) data;
        if (size < 2 || p[0] != 0x30 || size > LONG_MAX)
                return false;
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *k = d2i_AutoPrivateKey(NULL, &p, (long) size);
        return k != NULL;
}

static const Marker *find_marker(const Scan *s, const char *label) {
        for (size_t i = 0; i < s->n_markers; i++)
                if (label_is(&s->markers[i], label))
                        return &s->markers[i];
        return NULL;
}

static int verdict_not_pem(CaReport *rep, const Scan *s, const char *path, const char *qpath) {
        const Marker *m;

        if ((m = find_marker(s, LABEL_CERT_TRUSTED)))
                return set_verdict(rep, CA_NOT_PEM,
                                   xasprintf("%s has only TRUSTED CERTIFICATE blocks (line %u), which Node skips "
                                             "without a word; convert it: openssl x509 -in %s -out %s.pem",
                                             path, m->line, qpath, qpath));
        if ((m = find_marker(s, "PKCS7")))
                return set_verdict(rep, CA_NOT_PEM,
                                   xasprintf("%s is a PKCS#7 bundle (line %u), which Node does not read; extract "
                                             "the certificates: openssl pkcs7 -print_certs -in %s -out %s.pem",
                                             path, m->line, qpath, qpath));
        if ((m = find_marker(s, "CERTIFICATE REQUEST")) || (m = find_marker(s, "NEW CERTIFICATE REQUEST")))
                return set_verdict(rep, CA_NOT_PEM,
                                   xasprintf("%s is a certificate signing request (line %u), not a certificate; "
                                             "use the CA certificate in PEM format instead",
                                             path, m->line));
        return set_verdict(rep, CA_NOT_PEM,
                           xasprintf("%s has no PEM certificate (-----BEGIN CERTIFICATE-----), so Node would "
                                     "silently load nothing from it; use the CA certificate in PEM format",
                                     path));
}

static int verdict_server_cert(CaReport *rep, const Loaded *l, size_t i, const char *path) {
        const CertInfo *c = &l->certs[i];
        const char *pve = mentions_proxmox(c->issuer) || mentions_proxmox(path) ? "; on Proxmox: /etc/pve/pve-root-ca.pem" : "";

        /* Issuer == subject yet not self-signed: damaged, or issued by an older key of the same name. */
        if (X509_NAME_cmp(X509_get_subject_name(l->x509[i]), X509_get_issuer_name(l->x509[i])) == 0)
                return set_verdict(rep, CA_SERVER_CERT,
                                   xasprintf("%s: the certificate at line %u (%s) names itself as issuer but its "
                                             "signature or key identifier does not match its own key, and it is "
                                             "not a CA; Node cannot use it as a trust anchor: get an intact copy "
                                             "of the CA certificate", path, c->line, subject_or_placeholder(c)));
        if (l->n == 1)
                return set_verdict(rep, CA_SERVER_CERT,
                                   xasprintf("%s is a server certificate, not a CA; trust its issuer instead (%s%s)",
                                             path, c->issuer, pve));

        /* In a bundle, the issuer may already be there: then the fix is only to drop the leaf. */
        for (size_t j = 0; j < l->n; j++)
                if (j != i && X509_check_issued(l->x509[j], l->x509[i]) == X509_V_OK)
                        return set_verdict(rep, CA_SERVER_CERT,
                                           xasprintf("%s: the certificate at line %u (%s) is a server certificate, "
                                                     "not a CA; remove it from the file (its issuer at line %u is "
                                                     "what Node needs)",
                                                     path, c->line, subject_or_placeholder(c), l->certs[j].line));
        return set_verdict(rep, CA_SERVER_CERT,
                           xasprintf("%s: the certificate at line %u (%s) is a server certificate, not a CA; "
                                     "replace it with its issuer (%s%s)",
                                     path, c->line, subject_or_placeholder(c), c->issuer, pve));
}

/* Follows issuers inside the file; true when the chain from i ends at a self-signed certificate. */
static bool reaches_root(const Loaded *l, size_t i, size_t *ret_top) {
        size_t cur = i;

        for (size_t steps = 0; steps <= l->n; steps++) {
                if (l->certs[cur].self_signed)
                        return true;
                size_t next = SIZE_MAX;
                for (size_t j = 0; j < l->n; j++)
                        if (j != cur && X509_check_issued(l->x509[j], l->x509[cur]) == X509_V_OK) {
                                next = j;
                                break;
                        }
                if (next == SIZE_MAX)
                        break;
                cur = next;
        }
        *ret_top = cur;
        return false;
}

static int add_cert_warnings(CaReport *rep, const Loaded *l, const Scan *s, const char *path, const char *qpath,
                             time_t now) {
        int r;

        for (size_t i = 0; i < s->n_markers; i++) {
                const Marker *m = &s->markers[i];
                if (!label_is(m, LABEL_CERT_TRUSTED))
                        continue;
                r = add_warning(rep, xasprintf("%s: the TRUSTED CERTIFICATE block at line %u is skipped by Node; "
                                               "convert it: openssl x509 -in %s -out %s.pem",
                                               path, m->line, qpath, qpath));
                if (r < 0)
                        return r;
        }

        for (size_t i = 0; i < l->n; i++) {
                const CertInfo *c = &l->certs[i];
                char date[32];
                if (c->not_after < now || c->not_after - now > (time_t) CA_EXPIRY_WARN_DAYS * 86400)
                        continue;
                format_date(c->not_after, date);
                r = add_warning(rep, xasprintf("%s: the certificate at line %u (%s) expires on %s, in %lld days; "
                                               "renew it before then, Node rejects expired certificates",
                                               path, c->line, subject_or_placeholder(c), date,
                                               (long long) ((c->not_after - now) / 86400)));
                if (r < 0)
                        return r;
        }

        /* An intermediate is only useful to Node together with its self-signed root. */
        for (size_t i = 0; i < l->n; i++) {
                const CertInfo *c = &l->certs[i];
                size_t top;
                if (c->self_signed || !c->is_ca || reaches_root(l, i, &top))
                        continue;
                r = add_warning(rep, xasprintf("%s: the CA at line %u (%s) is an intermediate and the file has no "
                                               "self-signed root for it; Node cannot use an intermediate alone: "
                                               "append the root (%s) to this file",
                                               path, c->line, subject_or_placeholder(c), l->certs[top].issuer));
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The file's size alone refuses it. Returns 1 with the verdict set, 0 when the size is fine. */
static int verdict_size(CaReport *rep, const char *path, size_t size) {
        if (size == 0)
                return set_verdict(rep, CA_EMPTY,
                                   xasprintf("%s is empty, so Node would silently load nothing; "
                                             "use a PEM file with the CA certificate", path)) ?: 1;
        if (size > CA_FILE_MAX_SIZE)
                return set_verdict(rep, CA_TOO_LARGE,
                                   xasprintf("%s is %zu bytes, more than the %d MiB a CA file may have; "
                                             "use a file with only the CA certificate(s) the service needs",
                                             path, size, CA_FILE_MAX_SIZE / (1024 * 1024))) ?: 1;
        return 0;
}

/* Node stopped loading at a block it could not read: name that block and what is lost after it. */
static int verdict_bad_block(CaReport *rep, const char *data, size_t size, const Scan *s, const Loaded *l,
                             const char *path) {
        const Marker *bad = NULL;
        const char *reason = NULL;
        int r;

        r = find_bad_block(data, size, s, l->fail_from, &bad, &reason);
        if (r < 0)
                return r;
        unsigned line = bad ? bad->line : line_of_offset(data, size, l->fail_from);
        size_t lost = 0;
        for (size_t i = 0; i < s->n_markers; i++)
                if (marker_is_cert(&s->markers[i]) && s->markers[i].line > line)
                        lost++;
        _cleanup_free_ char *label = bad ? strndup(bad->label, bad->label_len) : strdup("PEM");
        if (!label)
                return -ENOMEM;
        return set_verdict(rep, CA_BAD_BLOCK,
                           xasprintf("%s: malformed %s block at line %u (%s); Node stops loading the file "
                                     "there%s%s%s; re-export that certificate or remove the block",
                                     path, label, line, reason ?: "unreadable",
                                     lost > 0 ? " and ignores the " : "",
                                     lost > 0 ? (lost == 1 ? "certificate" : "certificates") : "",
                                     lost > 0 ? " after it" : ""));
}

/* Refusals decided by what the file is rather than by the certificates in it: a private key
 * (PEM or DER), a DER certificate, nothing Node reads, a malformed block. Returns 1 with the
 * verdict set, 0 when the loaded certificates are to be judged. */
static int verdict_shape(CaReport *rep, const char *data, size_t size, const Scan *s, const Loaded *l,
                         const char *path, const char *qpath) {
        if (s->key_line > 0)
                return set_verdict(rep, CA_PRIVATE_KEY,
                                   xasprintf("%s holds a private key (%s at line %u); never hand a private key to "
                                             "a service's trust setting, unit-tls refuses it even with --force; "
                                             "use a file with only the CA certificate(s)",
                                             path, s->key_label, s->key_line)) ?: 1;
        if (is_der_private_key(data, size))
                return set_verdict(rep, CA_PRIVATE_KEY,
                                   xasprintf("%s is a private key (DER); never hand a private key to a service's "
                                             "trust setting, unit-tls refuses it even with --force; use the CA "
                                             "certificate in PEM format instead", path)) ?: 1;
        if (is_der_cert(data, size))
                return set_verdict(rep, CA_NOT_PEM,
                                   xasprintf("%s is a DER (binary) certificate, but Node reads only PEM and would "
                                             "silently load nothing; convert it: openssl x509 -inform der -in %s "
                                             "-out %s.pem", path, qpath, qpath)) ?: 1;

        bool any_cert_block = false;
        for (size_t i = 0; i < s->n_markers; i++)
                any_cert_block = any_cert_block || marker_is_any_cert(&s->markers[i]);
        if (l->n == 0 && (!l->failed || !any_cert_block))
                return verdict_not_pem(rep, s, path, qpath) ?: 1;

        if (l->failed)
                return verdict_bad_block(rep, data, size, s, l, path) ?: 1;
        return 0;
}

/* With others_work, an expired certificate is a warning; otherwise the first refuses the file.
 * Returns 1 with the verdict set, 0 otherwise. */
static int verdict_expired(CaReport *rep, const Loaded *l, const char *path, time_t now, bool others_work) {
        for (size_t i = 0; i < l->n; i++) {
                const CertInfo *c = &l->certs[i];
                char date[32];
                if (c->not_after >= now)
                        continue;
                format_date(c->not_after, date);
                if (others_work) {
                        if (strv_consume(&rep->warnings,
                                         xasprintf("%s: the certificate at line %u (%s) expired on %s; Node ignores it, "
                                                   "the other certificates in the file still work",
                                                   path, c->line, subject_or_placeholder(c), date)) < 0)
                                return -ENOMEM;
                        continue;
                }
                return set_verdict(rep, CA_EXPIRED,
                                   xasprintf("%s: the certificate at line %u (%s) expired on %s; Node rejects it "
                                             "(CERT_HAS_EXPIRED) and no trust setting changes that: use a renewed "
                                             "certificate", path, c->line, subject_or_placeholder(c), date)) ?: 1;
        }
        return 0;
}

/* As verdict_expired(), for a certificate whose validity has not started yet. */
static int verdict_not_yet_valid(CaReport *rep, const Loaded *l, const char *path, time_t now, bool others_work) {
        for (size_t i = 0; i < l->n; i++) {
                const CertInfo *c = &l->certs[i];
                char date[32];
                if (c->not_before <= now)
                        continue;
                format_date(c->not_before, date);
                if (others_work) {
                        if (strv_consume(&rep->warnings,
                                         xasprintf("%s: the certificate at line %u (%s) is not valid before %s; "
                                                   "Node ignores it until then",
                                                   path, c->line, subject_or_placeholder(c), date)) < 0)
                                return -ENOMEM;
                        continue;
                }
                return set_verdict(rep, CA_NOT_YET_VALID,
                                   xasprintf("%s: the certificate at line %u (%s) is not valid before %s; check the "
                                             "system clock, or wait until then", path, c->line,
                                             subject_or_placeholder(c), date)) ?: 1;
        }
        return 0;
}

/* An expired or not yet valid certificate refuses the file when nothing else in it can
 * work; inside a larger bundle (a copy of the system store, say) it is only a warning,
 * since the other anchors still verify. Returns 1 with the verdict set, 0 otherwise. */
static int verdict_dates(CaReport *rep, const Loaded *l, const char *path, time_t now) {
        size_t n_out_of_date = 0;
        int r;

        for (size_t i = 0; i < l->n; i++)
                if (l->certs[i].not_after < now || l->certs[i].not_before > now)
                        n_out_of_date++;
        r = verdict_expired(rep, l, path, now, n_out_of_date < l->n);
        if (r != 0)
                return r;
        return verdict_not_yet_valid(rep, l, path, now, n_out_of_date < l->n);
}

/* Judges the loaded certificates: their dates, then a leaf that is no CA. */
static int verdict_certs(CaReport *rep, const Loaded *l, const char *path, time_t now) {
        int r;

        r = verdict_dates(rep, l, path, now);
        if (r != 0)
                return r < 0 ? r : 0;
        for (size_t i = 0; i < l->n; i++)
                if (!l->certs[i].is_ca && !l->certs[i].self_signed)
                        return verdict_server_cert(rep, l, i, path);
        rep->verdict = CA_OK;
        return 0;
}

static int check(const char *data, size_t size, const char *path, time_t now, CaReport *rep) {
        _cleanup_(scan_done) Scan s = {};
        _cleanup_(loaded_done) Loaded l = {};
        _cleanup_free_ char *qpath = shell_quote(path);
        int r;

        if (!qpath)
                return -ENOMEM;

        r = verdict_size(rep, path, size);
        if (r != 0)
                return r < 0 ? r : 0;

        r = scan_pem(data, size, &s);
        if (r < 0)
                return r;
        /* What Node would load; the verdicts below judge these certificates. */
        r = load_like_node(data, size, &s, &l);
        if (r < 0)
                return r;

        r = verdict_shape(rep, data, size, &s, &l, path, qpath);
        if (r == 0) {
                r = verdict_certs(rep, &l, path, now);
                if (r >= 0)
                        r = add_cert_warnings(rep, &l, &s, path, qpath, now);
        }
        if (r < 0)
                return r;
        rep->certs = TAKE_PTR(l.certs);
        rep->n_certs = l.n;
        return 0;
}

int ca_check_data(const char *data, size_t size, const char *display_path, time_t now, CaReport *ret) {
        _cleanup_(ca_report_done) CaReport rep = {};

        if (!data && size > 0)
                return -EINVAL;
        if (!display_path)
                display_path = "(CA file)";

        /* Keep the caller's OpenSSL error queue as it was: our parse errors are data, not failures. */
        ERR_set_mark();
        int r = check(data, size, display_path, now, &rep);
        ERR_pop_to_mark();
        if (r < 0)
                return r;

        *ret = rep;
        rep = (CaReport) {};
        return 0;
}

void ca_check_init_lean(void) {
        (void) OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ADD_ALL_CIPHERS, NULL);
}

void ca_report_done(CaReport *r) {
        if (!r)
                return;
        free(r->message);
        strv_free(r->warnings);
        for (size_t i = 0; i < r->n_certs; i++)
                cert_info_done(&r->certs[i]);
        free(r->certs);
        *r = (CaReport) {};
}

const char *ca_verdict_to_string(CaVerdict v) {
        static const char *const table[] = {
                [CA_OK] = "ok",
                [CA_EMPTY] = "empty",
                [CA_TOO_LARGE] = "too-large",
                [CA_NOT_PEM] = "not-pem",
                [CA_PRIVATE_KEY] = "private-key",
                [CA_BAD_BLOCK] = "bad-block",
                [CA_EXPIRED] = "expired",
                [CA_NOT_YET_VALID] = "not-yet-valid",
                [CA_SERVER_CERT] = "server-cert",
        };
        if ((unsigned) v >= ELEMENTSOF(table) || !table[v])
                return NULL;
        return table[v];
}

int ca_report_copy(const CaReport *from, CaReport *ret) {
        CaReport c = { .verdict = from->verdict };
        if ((from->message && !(c.message = strdup(from->message))) ||
            (from->warnings && !(c.warnings = strv_copy(from->warnings))))
                goto oom;
        if (from->n_certs > 0) {
                if (!(c.certs = calloc(from->n_certs, sizeof(CertInfo))))
                        goto oom;
                for (size_t i = 0; i < from->n_certs; i++) {
                        c.certs[i] = from->certs[i];
                        c.certs[i].subject = c.certs[i].issuer = NULL;
                        c.n_certs = i + 1;
                        if ((from->certs[i].subject && !(c.certs[i].subject = strdup(from->certs[i].subject))) ||
                            (from->certs[i].issuer && !(c.certs[i].issuer = strdup(from->certs[i].issuer))))
                                goto oom;
                }
        }
        *ret = c;
        return 0;
oom:
        ca_report_done(&c);
        return -ENOMEM;
}
