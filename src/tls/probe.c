/* SPDX-License-Identifier: MIT */
#include "tls/probe.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* ---- URL ---------------------------------------------------------------------------- */

void probe_url_done(ProbeUrl *u) {
        free(u->host);
        *u = (ProbeUrl) {};
}

/* "[v6]" at p (the authority ends at end): its address in *ret_host; *ret_colon at the ':' after
 * it, or NULL when no port follows. */
static int parse_bracketed_host(const char *p, const char *end, char **ret_host, const char **ret_colon,
                                const char **ret_why) {
        _cleanup_free_ char *host = NULL;
        const char *rb = memchr(p, ']', (size_t) (end - p));
        if (!rb) {
                *ret_why = "an IPv6 address needs a closing ']', e.g. https://[::1]:8006";
                return -EINVAL;
        }
        host = strndup(p + 1, (size_t) (rb - p - 1));
        if (!host)
                return -ENOMEM;
        struct in6_addr a6;
        if (inet_pton(AF_INET6, host, &a6) != 1) {
                *ret_why = "the text in [...] is not an IPv6 address";
                return -EINVAL;
        }
        const char *colon = rb + 1 < end ? rb + 1 : NULL;
        if (colon && *colon != ':') {
                *ret_why = "expected ':' and a port after the IPv6 address";
                return -EINVAL;
        }
        *ret_host = TAKE_PTR(host);
        *ret_colon = colon;
        return 0;
}

static bool is_dns_name_char(char c) {
        return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

/* An IPv4 address or a host name at p, up to a ':' or end: *ret_host, *ret_is_ip, and *ret_colon
 * at the ':', or NULL when no port follows. */
static int parse_plain_host(const char *p, const char *end, char **ret_host, const char **ret_colon, bool *ret_is_ip,
                            const char **ret_why) {
        _cleanup_free_ char *host = NULL;
        const char *colon = memchr(p, ':', (size_t) (end - p));
        host = strndup(p, (size_t) ((colon ? colon : end) - p));
        if (!host)
                return -ENOMEM;
        struct in_addr a4;
        struct in6_addr a6;
        if (inet_pton(AF_INET6, host, &a6) == 1 || (colon && memchr(colon + 1, ':', (size_t) (end - colon - 1)))) {
                *ret_why = "put an IPv6 address in brackets, e.g. https://[::1]:8006";
                return -EINVAL;
        }
        bool is_ip = inet_pton(AF_INET, host, &a4) == 1;
        if (!is_ip)
                for (const char *q = host; *q; q++)
                        if (!is_dns_name_char(*q)) {
                                *ret_why = "the host name has a character a DNS name cannot have";
                                return -EINVAL;
                        }
        *ret_host = TAKE_PTR(host);
        *ret_colon = colon;
        *ret_is_ip = is_ip;
        return 0;
}

/* The port between the ':' at colon and end. */
static int parse_port(const char *colon, const char *end, unsigned long *ret, const char **ret_why) {
        const char *d = colon + 1;
        char *e = NULL;
        unsigned long port;

        if (d == end || *d < '0' || *d > '9') {
                *ret_why = "the port must be a number from 1 to 65535";
                return -EINVAL;
        }
        errno = 0;
        port = strtoul(d, &e, 10);
        if (errno != 0 || e != end || port < 1 || port > 65535) {
                *ret_why = "the port must be a number from 1 to 65535";
                return -EINVAL;
        }
        *ret = port;
        return 0;
}

int probe_url_parse(const char *url, ProbeUrl *ret, const char **ret_why) {
        const char *p, *end, *colon;
        _cleanup_free_ char *host = NULL;
        unsigned long port = PROBE_DEFAULT_PORT;
        bool is_ip = false;
        int r;

        if (!url || strncasecmp(url, "https://", 8) != 0) {
                *ret_why = "give an https:// URL, e.g. https://pve.example.internal:8006";
                return -EINVAL;
        }
        p = url + 8;
        end = p + strcspn(p, "/?#");
        if (memchr(p, '@', (size_t) (end - p))) {
                *ret_why = "user information (user@host) in the URL is not supported; give https://host[:port]";
                return -EINVAL;
        }
        for (const char *q = url; *q; q++)
                if ((unsigned char) *q <= ' ' || *q == 0x7f) {
                        *ret_why = "the URL contains a blank or a control character";
                        return -EINVAL;
                }

        if (*p == '[') {
                r = parse_bracketed_host(p, end, &host, &colon, ret_why);
                is_ip = true;
        } else
                r = parse_plain_host(p, end, &host, &colon, &is_ip, ret_why);
        if (r < 0)
                return r;
        if (isempty(host) || strlen(host) > 253) {
                *ret_why = "the URL names no host (or one longer than 253 characters)";
                return -EINVAL;
        }
        if (colon) {
                r = parse_port(colon, end, &port, ret_why);
                if (r < 0)
                        return r;
        }

        *ret = (ProbeUrl) { .host = TAKE_PTR(host), .port = (uint16_t) port, .is_ip = is_ip };
        return 0;
}

/* ---- verification outcomes ---------------------------------------------------------- */

const char *node_x509_code(int e) {
        /* The table of Node's X509ErrorCode() (src/crypto/crypto_common.cc). */
        switch (e) {
#define C(x) case X509_V_ERR_##x: return #x
        C(UNABLE_TO_GET_ISSUER_CERT);
        C(UNABLE_TO_GET_CRL);
        C(UNABLE_TO_DECRYPT_CERT_SIGNATURE);
        C(UNABLE_TO_DECRYPT_CRL_SIGNATURE);
        C(UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY);
        C(CERT_SIGNATURE_FAILURE);
        C(CRL_SIGNATURE_FAILURE);
        C(CERT_NOT_YET_VALID);
        C(CERT_HAS_EXPIRED);
        C(CRL_NOT_YET_VALID);
        C(CRL_HAS_EXPIRED);
        C(ERROR_IN_CERT_NOT_BEFORE_FIELD);
        C(ERROR_IN_CERT_NOT_AFTER_FIELD);
        C(ERROR_IN_CRL_LAST_UPDATE_FIELD);
        C(ERROR_IN_CRL_NEXT_UPDATE_FIELD);
        C(OUT_OF_MEM);
        C(DEPTH_ZERO_SELF_SIGNED_CERT);
        C(SELF_SIGNED_CERT_IN_CHAIN);
        C(UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
        C(UNABLE_TO_VERIFY_LEAF_SIGNATURE);
        C(CERT_CHAIN_TOO_LONG);
        C(CERT_REVOKED);
        C(INVALID_CA);
        C(PATH_LENGTH_EXCEEDED);
        C(INVALID_PURPOSE);
        C(CERT_UNTRUSTED);
        C(CERT_REJECTED);
        C(HOSTNAME_MISMATCH);
#undef C
        case X509_V_OK:
                return NULL;
        default:
                return "UNSPECIFIED";
        }
}

int verify_outcome_last(const VerifyOutcome *o) {
        return o->n_errors > 0 ? o->errors[o->n_errors - 1].code : X509_V_OK;
}

const VerifyError *verify_outcome_find(const VerifyOutcome *o, int code) {
        for (size_t i = 0; i < o->n_errors; i++)
                if (o->errors[i].code == code)
                        return &o->errors[i];
        return NULL;
}

void verify_outcome_done(VerifyOutcome *o) {
        for (size_t i = 0; i < o->n_errors; i++) {
                free(o->errors[i].subject);
                free(o->errors[i].issuer);
        }
        *o = (VerifyOutcome) {};
}

static void cert_info_free(CertInfo *c) {
        free(c->subject);
        free(c->issuer);
        *c = (CertInfo) {};
}

void probe_facts_done(ProbeFacts *f) {
        for (size_t i = 0; i < f->n_chain; i++)
                cert_info_free(&f->chain[i]);
        free(f->chain);
        free(f->leaf_names);
        verify_outcome_done(&f->public_);
        cert_info_free(&f->public_anchor);
        verify_outcome_done(&f->with_ca);
        verify_outcome_done(&f->with_top);
        *f = (ProbeFacts) {};
}

/* ---- the verdict (pure) ------------------------------------------------------------- */

const char *probe_verdict_to_string(ProbeVerdict v) {
        static const char *const table[_PROBE_VERDICT_MAX] = {
                [PROBE_TRUSTED] = "trusted",
                [PROBE_TRUSTED_WITH_CA] = "trusted-with-ca",
                [PROBE_TRUST_PRESENTED_ROOT] = "trust-presented-root",
                [PROBE_SELF_SIGNED_LEAF] = "self-signed-leaf",
                [PROBE_MISSING_INTERMEDIATE] = "missing-intermediate",
                [PROBE_UNKNOWN_ISSUER] = "unknown-issuer",
                [PROBE_UNFIXABLE] = "unfixable",
        };
        return (unsigned) v < _PROBE_VERDICT_MAX ? table[v] : NULL;
}

void probe_decision_done(ProbeDecision *d) {
        free(d->message);
        free(d->missing);
        free(d->fingerprint);
        *d = (ProbeDecision) {};
}

static const char *node_code_of(const VerifyOutcome *o, bool name_ok) {
        int e = verify_outcome_last(o);
        if (e != X509_V_OK)
                return node_x509_code(e);
        /* checkServerIdentity() runs only when the chain verified */
        return name_ok ? NULL : NODE_ALTNAME_INVALID;
}

static const char *or_unknown(const char *s) {
        return s ? s : "(unknown)";
}

static bool mentions_proxmox(const char *s) {
        return s && (strstr(s, "PVE") || strstr(s, "Proxmox"));
}

static const char *proxmox_hint(const char *name) {
        return mentions_proxmox(name) ? "; on Proxmox VE it is /etc/pve/pve-root-ca.pem"
                                      : " (e.g. on Proxmox VE: /etc/pve/pve-root-ca.pem)";
}

#define DANGER                                                                                      \
        "Only the rejection override would make Node accept it (unit-tls set UNIT --insecure, i.e. " \
        "NODE_TLS_REJECT_UNAUTHORIZED=0), and that is dangerous: it turns off every certificate "     \
        "check for the whole service, so anyone on the network path can impersonate this and every " \
        "other server it talks to and read or change what it sends, API tokens included"

/* The kinds of verification error no trust setting fixes, each explained once. */
typedef enum Unfixable {
        UNFIXABLE_NONE,
        UNFIXABLE_TIME,       /* expired, not yet valid, a broken date */
        UNFIXABLE_CA,         /* an issuer that is not a valid CA, a leaf not for TLS servers */
        UNFIXABLE_CHAIN,      /* a bad signature, a weak key or digest, a rejected certificate */
        _UNFIXABLE_MAX,
} Unfixable;

static Unfixable unfixable_of(int code) {
        switch (code) {
        case X509_V_ERR_CERT_HAS_EXPIRED:
        case X509_V_ERR_CERT_NOT_YET_VALID:
        case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
        case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
                return UNFIXABLE_TIME;
        case X509_V_ERR_INVALID_PURPOSE:
        case X509_V_ERR_INVALID_CA:
        case X509_V_ERR_PATH_LENGTH_EXCEEDED:
                return UNFIXABLE_CA;
        case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
        case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
        case X509_V_ERR_CERT_REJECTED:
        case X509_V_ERR_CERT_UNTRUSTED:
        case X509_V_ERR_CERT_CHAIN_TOO_LONG:
        case X509_V_ERR_CA_KEY_TOO_SMALL:
        case X509_V_ERR_EE_KEY_TOO_SMALL:
        case X509_V_ERR_CA_MD_TOO_WEAK:
                return UNFIXABLE_CHAIN;
        default:
                return UNFIXABLE_NONE;
        }
}

static void explain_time(Buf *b, const VerifyError *e) {
        buf_printf(b, "%s\"%s\" %s (%s); no trust setting changes that: renew the "
                   "certificate on the server (or fix the server's clock)",
                   b->len ? "; also " : "", or_unknown(e->subject),
                   e->code == X509_V_ERR_CERT_NOT_YET_VALID ? "is not valid yet"
                   : e->code == X509_V_ERR_CERT_HAS_EXPIRED ? "has expired"
                                                             : "has a broken validity date",
                   node_x509_code(e->code));
}

static void explain_ca(Buf *b, const VerifyError *e) {
        if (e->depth == 0 && e->code == X509_V_ERR_INVALID_PURPOSE)
                buf_printf(b, "%sthe server certificate \"%s\" is not made for TLS "
                           "servers (%s: its extendedKeyUsage lacks serverAuth): "
                           "reissue it", b->len ? "; also " : "",
                           or_unknown(e->subject), node_x509_code(e->code));
        else
                buf_printf(b, "%s\"%s\" issues certificates but is not a valid CA "
                           "(%s: no basicConstraints CA:TRUE, or a path length it "
                           "breaks); Node never accepts such an issuer, even when "
                           "trusted: reissue the CA with basicConstraints "
                           "critical,CA:TRUE and the server certificate under it",
                           b->len ? "; also " : "", or_unknown(e->subject),
                           node_x509_code(e->code));
}

static void explain_chain(Buf *b, const VerifyError *e) {
        buf_printf(b, "%sthe chain is broken at \"%s\" (%s: %s): fix the server's "
                   "certificates", b->len ? "; also " : "", or_unknown(e->subject),
                   or_unknown(node_x509_code(e->code)), X509_verify_cert_error_string(e->code));
}

static void explain_name(Buf *b, const ProbeFacts *f) {
        buf_printf(b, "%sthe certificate is for %s, not for %s %s (%s): use a URL with a name the "
                   "certificate lists, or reissue it with %s:%s in subjectAltName",
                   b->len ? "; also " : "", f->leaf_names ? f->leaf_names : "no subjectAltName at all",
                   f->host_is_ip ? "the address" : "the name", f->host, NODE_ALTNAME_INVALID,
                   f->host_is_ip ? "IP" : "DNS", f->host);
}

/* Why no CA file can help, from every error any of the verifications met; *ret NULL if
 * nothing says so. */
static int unfixable_reasons(const ProbeFacts *f, char **ret) {
        const VerifyOutcome *all[] = { &f->public_, &f->with_ca, &f->with_top };
        bool seen[_UNFIXABLE_MAX] = {};
        _cleanup_(buf_free) Buf b = {};

        for (size_t k = 0; k < ELEMENTSOF(all); k++)
                for (size_t i = 0; i < all[k]->n_errors; i++) {
                        const VerifyError *e = &all[k]->errors[i];
                        Unfixable u = unfixable_of(e->code);
                        if (u == UNFIXABLE_NONE || seen[u])
                                continue;
                        seen[u] = true;
                        if (u == UNFIXABLE_TIME)
                                explain_time(&b, e);
                        else if (u == UNFIXABLE_CA)
                                explain_ca(&b, e);
                        else
                                explain_chain(&b, e);
                }
        if (!f->name_ok)
                explain_name(&b, f);
        if (b.oom)
                return -ENOMEM;
        *ret = b.len > 0 ? buf_steal(&b) : NULL;
        return 0;
}

/* The first "issuer not found" error: the certificate whose issuer is missing. */
static const VerifyError *missing_issuer(const VerifyOutcome *o) {
        static const int codes[] = {
                X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
                X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
                X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE,
        };
        for (size_t i = 0; i < o->n_errors; i++)
                for (size_t k = 0; k < ELEMENTSOF(codes); k++)
                        if (o->errors[i].code == codes[k])
                                return &o->errors[i];
        return NULL;
}

/* The verdicts Node's error codes decide alone: no certificate at all, trusted with the public
 * roots, trusted with the given CA files. False when the CA that is missing must be found. */
static bool decide_by_codes(const ProbeFacts *f, const CertInfo *top, ProbeDecision *d, Buf *b) {
        if (!top) {
                d->verdict = PROBE_UNFIXABLE;
                buf_puts(b, "the server presented no certificate; no CA file can help");
                return true;
        }
        if (!d->node_code) {
                d->verdict = PROBE_TRUSTED;
                d->ok = true;
                buf_printf(b, "Node trusts this server with its public roots; nothing is needed%s",
                           f->have_ca ? " (the given CA files are not needed either)" : "");
                return true;
        }
        if (f->have_ca && !d->node_code_with_ca) {
                d->verdict = PROBE_TRUSTED_WITH_CA;
                d->ok = true;
                buf_printf(b, "Node trusts this server with the given CA files in NODE_EXTRA_CA_CERTS "
                           "(without them: %s); unit-tls set UNIT --ca FILE... makes the service use them",
                           d->node_code);
                return true;
        }
        return false;
}

/* The presented chain ends in a self-signed certificate: trusting exactly it is the fix,
 * provided that makes the chain verify. 1 when that is the verdict, 0 when not. */
static int decide_self_signed(const ProbeFacts *f, const CertInfo *top, const char *ca_intro, ProbeDecision *d,
                              Buf *b) {
        if (!top->self_signed || !f->with_top.done || verify_outcome_last(&f->with_top) != X509_V_OK)
                return 0;

        d->verdict = f->n_chain == 1 ? PROBE_SELF_SIGNED_LEAF : PROBE_TRUST_PRESENTED_ROOT;
        if (!(d->fingerprint = strdup(top->sha256)) || !(d->missing = strdup(or_unknown(top->subject))))
                return -ENOMEM;
        if (ca_intro)
                buf_printf(b, "%s (%s); ", ca_intro, d->node_code_with_ca);
        if (f->n_chain == 1)
                buf_printf(b, "the server certificate \"%s\" is self-signed, so it is its own "
                           "anchor: trust exactly that certificate (a file with it alone)",
                           or_unknown(top->subject));
        else
                buf_printf(b, "the server sends its self-signed root \"%s\": trust that CA%s",
                           or_unknown(top->subject), proxmox_hint(top->subject));
        buf_printf(b, ". Take the file from the server itself, not from this connection (nothing "
                   "has verified it yet), and check that its SHA-256 fingerprint is %s "
                   "(openssl x509 -in FILE -noout -fingerprint -sha256)", top->sha256);
        return 1;
}

/* From the outside a missing intermediate and a private root look the same: the
 * server sends its certificate, the issuer is unknown. Say both. */
static void explain_unknown_issuer(const ProbeFacts *f, const VerifyError *e, const char *ca_intro,
                                   const ProbeDecision *d, Buf *b) {
        if (ca_intro)
                buf_printf(b, "%s (%s): ", ca_intro, d->node_code_with_ca);
        if (e->depth == 0 && f->n_chain == 1)
                buf_printf(b, "the server sends only its own certificate \"%s\", issued by \"%s\"",
                           or_unknown(e->subject), d->missing);
        else
                buf_printf(b, "the server's chain ends at \"%s\", issued by \"%s\", which it does not send",
                           or_unknown(e->subject), d->missing);
        if (f->have_ca && f->ca_has_root)
                buf_printf(b, ", and the files hold a root but nothing named \"%s\". Either they hold the "
                           "wrong CA: trust \"%s\" instead%s; or \"%s\" is an intermediate the server "
                           "does not send (Node fetches no missing intermediates): then the file needs it "
                           "too (intermediate + root), or make the server send it",
                           d->missing, d->missing, proxmox_hint(d->missing), d->missing);
        else
                buf_printf(b, ", and Node does not know that CA. Trust it: a PEM file with the certificate "
                           "of \"%s\"%s; if \"%s\" is itself an intermediate, the file needs it and its "
                           "root (intermediate + root)", d->missing, proxmox_hint(d->missing), d->missing);
}

/* Names the issuer Node is missing, or says that no CA file can fix the failure. */
static int decide_missing_issuer(const ProbeFacts *f, const char *ca_intro, ProbeDecision *d, Buf *b) {
        const VerifyOutcome *o = f->have_ca ? &f->with_ca : f->with_top.done ? &f->with_top : &f->public_;
        const VerifyError *e = missing_issuer(o);
        if (!e) {
                d->verdict = PROBE_UNFIXABLE;
                buf_printf(b, "Node rejects it with %s (%s) and no CA file unit-tls can name fixes that. " DANGER,
                           or_unknown(f->have_ca ? d->node_code_with_ca : d->node_code),
                           X509_verify_cert_error_string(verify_outcome_last(o)));
                return 0;
        }
        if (!(d->missing = strdup(or_unknown(e->issuer))))
                return -ENOMEM;

        if (f->have_ca && e->code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT) {
                d->verdict = PROBE_MISSING_INTERMEDIATE;
                buf_printf(b, "%s (%s): they hold \"%s\" but not its issuer \"%s\"; a CA file for an "
                           "intermediate must hold the intermediate and its root: add the root \"%s\"",
                           ca_intro, d->node_code_with_ca, or_unknown(e->subject), d->missing, d->missing);
        } else {
                d->verdict = PROBE_UNKNOWN_ISSUER;
                explain_unknown_issuer(f, e, ca_intro, d, b);
        }
        return 0;
}

/* The verdict and its message, in b; the node codes are already in d. */
static int decide(const ProbeFacts *f, ProbeDecision *d, Buf *b) {
        const CertInfo *top = f->n_chain > 0 ? &f->chain[f->n_chain - 1] : NULL;
        const char *ca_intro = f->have_ca ? "the given CA files do not make Node trust it" : NULL;
        _cleanup_free_ char *why = NULL;
        int r;

        if (decide_by_codes(f, top, d, b))
                return 0;

        if (unfixable_reasons(f, &why) < 0)
                return -ENOMEM;
        if (why) {
                d->verdict = PROBE_UNFIXABLE;
                buf_printf(b, "no CA file can fix this: %s. " DANGER "; fix the server instead", why);
                return 0;
        }

        r = decide_self_signed(f, top, ca_intro, d, b);
        if (r != 0)
                return r < 0 ? r : 0;
        return decide_missing_issuer(f, ca_intro, d, b);
}

int probe_decide(const ProbeFacts *f, ProbeDecision *ret) {
        _cleanup_(probe_decision_done) ProbeDecision d = {};
        _cleanup_(buf_free) Buf b = {};
        int r;

        d.node_code = node_code_of(&f->public_, f->name_ok);
        if (f->have_ca)
                d.node_code_with_ca = node_code_of(&f->with_ca, f->name_ok);

        r = decide(f, &d, &b);
        if (r < 0)
                return r;
        if (!(d.message = buf_steal(&b)))
                return -ENOMEM;
        *ret = d;
        d = (ProbeDecision) {};
        return 0;
}

/* ---- the TLS edge ------------------------------------------------------------------- */

static inline void SSL_CTX_freep(SSL_CTX **p) {
        SSL_CTX_free(*p);
}
static inline void SSL_freep(SSL **p) {
        SSL_free(*p);
}
static inline void BIO_freep(BIO **p) {
        BIO_free(*p);
}
static inline void X509_STORE_freep(X509_STORE **p) {
        X509_STORE_free(*p);
}
static inline void X509_STORE_CTX_freep(X509_STORE_CTX **p) {
        X509_STORE_CTX_free(*p);
}
static inline void sk_X509_pop_freep(STACK_OF(X509) **p) {
        sk_X509_pop_free(*p, X509_free);
}
static inline void freeaddrinfop(struct addrinfo **p) {
        if (*p)
                freeaddrinfo(*p);
}
static inline void GENERAL_NAMES_freep(GENERAL_NAMES **p) {
        GENERAL_NAMES_free(*p);
}

static char *name_string(const X509_NAME *name) {
        _cleanup_(BIO_freep) BIO *b = BIO_new(BIO_s_mem());
        char *p = NULL;
        if (!b || !name || X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
                return NULL;
        long len = BIO_get_mem_data(b, &p);
        return len >= 0 ? strndup(p ? p : "", (size_t) len) : NULL;
}

static int verify_cb(int ok, X509_STORE_CTX *ctx) {
        VerifyOutcome *o = X509_STORE_CTX_get_app_data(ctx);
        int code = X509_STORE_CTX_get_error(ctx);

        if (ok || code == X509_V_OK || !o)
                return 1;
        if (o->n_errors == PROBE_MAX_ERRORS) {
                /* keep the last error in the last slot: it is the one Node reports */
                free(o->errors[o->n_errors - 1].subject);
                free(o->errors[o->n_errors - 1].issuer);
                o->n_errors--;
        }
        X509 *x = X509_STORE_CTX_get_current_cert(ctx);
        o->errors[o->n_errors++] = (VerifyError) {
                .code = code,
                .depth = X509_STORE_CTX_get_error_depth(ctx),
                .subject = x ? name_string(X509_get_subject_name(x)) : NULL,
                .issuer = x ? name_string(X509_get_issuer_name(x)) : NULL,
        };
        /* Like Node's VerifyCallback: go on; the handshake's verify result is the last error. */
        return 1;
}

/* Verifies chain (leaf first) against store the way an OpenSSL 3 TLS client does for Node. */
static int cert_info(X509 *x, CertInfo *ret);

static int verify_chain_anchor(STACK_OF(X509) *chain, X509_STORE *store, VerifyOutcome *ret, CertInfo *ret_anchor) {
        _cleanup_(X509_STORE_CTX_freep) X509_STORE_CTX *ctx = X509_STORE_CTX_new();
        VerifyOutcome o = { .done = true };

        if (!ctx || X509_STORE_CTX_init(ctx, store, sk_X509_value(chain, 0), chain) != 1)
                return -ENOMEM;
        /* what ssl_verify_cert_chain() sets for a client: the TLS-server purpose and trust */
        if (X509_STORE_CTX_set_default(ctx, "ssl_server") != 1)
                return -ENOMEM;
        X509_VERIFY_PARAM_set_auth_level(X509_STORE_CTX_get0_param(ctx), 1);
        X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
        X509_STORE_CTX_set_app_data(ctx, &o);

        int r = X509_verify_cert(ctx);
        int last = X509_STORE_CTX_get_error(ctx);
        if (r <= 0 && last == X509_V_OK) {
                verify_outcome_done(&o);
                return -ENOMEM;  /* an internal failure, not a verdict */
        }
        if (last != X509_V_OK && verify_outcome_last(&o) != last && o.n_errors < PROBE_MAX_ERRORS)
                o.errors[o.n_errors++] = (VerifyError) { .code = last, .depth = X509_STORE_CTX_get_error_depth(ctx) };
        /* the anchor of a chain that verified: which root of the store it was */
        STACK_OF(X509) *built = ret_anchor && r > 0 && last == X509_V_OK ? X509_STORE_CTX_get0_chain(ctx) : NULL;
        if (built && sk_X509_num(built) > 0 && cert_info(sk_X509_value(built, sk_X509_num(built) - 1), ret_anchor) < 0) {
                verify_outcome_done(&o);
                return -ENOMEM;
        }
        *ret = o;
        return 0;
}

static int verify_chain(STACK_OF(X509) *chain, X509_STORE *store, VerifyOutcome *ret) {
        return verify_chain_anchor(chain, store, ret, NULL);
}

static X509_STORE *public_store(const char *roots) {
        _cleanup_(X509_STORE_freep) X509_STORE *s = X509_STORE_new();
        if (!s)
                return NULL;
        /* Explicit paths only: X509_STORE_set_default_paths() would honour SSL_CERT_FILE/DIR. */
        if (X509_STORE_load_locations(s, roots ? roots : PROBE_PUBLIC_ROOTS_FILE, NULL) != 1 &&
            (roots || X509_STORE_load_locations(s, NULL, PROBE_PUBLIC_ROOTS_DIR) != 1))
                ERR_clear_error();  /* no public roots: every private server still gets its verdict */
        return TAKE_PTR(s);
}

/* Node's AddCertsFromFile(): PEM certificates until the first failure, the rest ignored. */
static int store_add_pem(X509_STORE *s, const ProbeCaData *ca, size_t *n_loaded, bool *has_root) {
        if (ca->size > INT_MAX)
                return -EFBIG;
        _cleanup_(BIO_freep) BIO *b = BIO_new_mem_buf(ca->data, (int) ca->size);
        if (!b)
                return -ENOMEM;
        for (;;) {
                X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
                if (!x)
                        break;
                if (X509_self_signed(x, 0) == 1)
                        *has_root = true;
                (*n_loaded)++;
                (void) X509_STORE_add_cert(s, x);
                X509_free(x);
        }
        ERR_clear_error();
        return 0;
}

static int cert_info(X509 *x, CertInfo *ret) {
        _cleanup_(BIO_freep) BIO *b = BIO_new(BIO_s_mem());
        _cleanup_(ca_report_done) CaReport rep = {};
        char *pem = NULL;

        if (!b || PEM_write_bio_X509(b, x) != 1)
                return -ENOMEM;
        long len = BIO_get_mem_data(b, &pem);
        /* the same facts (names, CA flag, self-signed, fingerprint) status shows for CA files */
        int r = ca_check_data(pem, (size_t) len, "(presented)", time(NULL), &rep);
        if (r < 0)
                return r;
        if (rep.n_certs < 1)
                return -EBADMSG;
        *ret = rep.certs[0];
        rep.certs[0] = (CertInfo) {};
        return 0;
}

static char *san_string(X509 *x) {
        _cleanup_(GENERAL_NAMES_freep) GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
        _cleanup_(buf_free) Buf b = {};
        for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
                const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
                if (g->type == GEN_DNS) {
                        const unsigned char *s = ASN1_STRING_get0_data(g->d.dNSName);
                        buf_printf(&b, "%sDNS:%.*s", b.len ? ", " : "", ASN1_STRING_length(g->d.dNSName),
                                   (const char *) s);
                } else if (g->type == GEN_IPADD) {
                        char t[INET6_ADDRSTRLEN] = "?";
                        int n = ASN1_STRING_length(g->d.iPAddress);
                        const unsigned char *s = ASN1_STRING_get0_data(g->d.iPAddress);
                        if (n == 4 || n == 16)
                                inet_ntop(n == 4 ? AF_INET : AF_INET6, s, t, sizeof t);
                        buf_printf(&b, "%sIP:%s", b.len ? ", " : "", t);
                }
        }
        return b.len > 0 ? buf_steal(&b) : NULL;
}

static int64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_fd(int fd, short events, int64_t deadline) {
        for (;;) {
                int64_t left = deadline - now_ms();
                if (left <= 0)
                        return -ETIMEDOUT;
                struct pollfd p = { .fd = fd, .events = events };
                int r = poll(&p, 1, (int) left);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                if (r == 0)
                        return -ETIMEDOUT;
                return 0;
        }
}

static int connect_addr(const struct addrinfo *ai, int64_t deadline, int *ret_fd) {
        _cleanup_close_ int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
                if (errno != EINPROGRESS)
                        return -errno;
                int r = wait_fd(fd, POLLOUT, deadline);
                if (r < 0)
                        return r;
                int err = 0;
                socklen_t len = sizeof err;
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                        return -errno;
                if (err != 0)
                        return -err;
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static char *openssl_reason(void) {
        unsigned long e = ERR_peek_last_error();
        char buf[256];
        if (e == 0)
                return strdup("the server closed the connection");
        ERR_error_string_n(e, buf, sizeof buf);
        ERR_clear_error();
        return strdup(buf);
}

/* The handshake on a connected socket; the peer chain (leaf first) on success. */
static int handshake(int fd, const ProbeUrl *url, int64_t deadline, STACK_OF(X509) **ret_chain, char **ret_why) {
        _cleanup_(SSL_CTX_freep) SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
        _cleanup_(SSL_freep) SSL *ssl = NULL;

        if (!ctx)
                return -ENOMEM;
        /* We verify ourselves, afterwards; Node's defaults: TLS 1.2+, security level 1 (the
         * distribution's openssl.cnf may raise it). */
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        SSL_CTX_set_security_level(ctx, 1);
        if (!(ssl = SSL_new(ctx)) || SSL_set_fd(ssl, fd) != 1)
                return -ENOMEM;
        /* SNI for names only, as Node does (an IP literal is not a valid server_name) */
        if (!url->is_ip && SSL_set_tlsext_host_name(ssl, url->host) != 1)
                return -ENOMEM;

        for (;;) {
                ERR_clear_error();
                int r = SSL_connect(ssl);
                if (r == 1)
                        break;
                int e = SSL_get_error(ssl, r);
                if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                        int k = wait_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline);
                        if (k < 0) {
                                *ret_why = strdup("the TLS handshake timed out");
                                return k;
                        }
                        continue;
                }
                if (e == SSL_ERROR_SYSCALL && errno != 0) {
                        int saved = errno;
                        *ret_why = xasprintf("the TLS handshake failed: %s", strerror(saved));
                        return -saved;
                }
                _cleanup_free_ char *reason = openssl_reason();
                *ret_why = xasprintf("the TLS handshake failed: %s", reason ? reason : "?");
                return -EPROTO;
        }

        STACK_OF(X509) *peer = SSL_get_peer_cert_chain(ssl);
        if (!peer || sk_X509_num(peer) < 1) {
                *ret_why = strdup("the server presented no certificate");
                return -EPROTO;
        }
        STACK_OF(X509) *copy = X509_chain_up_ref(peer);
        if (!copy)
                return -ENOMEM;
        SSL_set_quiet_shutdown(ssl, 1);
        *ret_chain = copy;
        return 0;
}

static int fetch_chain(const ProbeUrl *url, STACK_OF(X509) **ret_chain, char **ret_address, char **ret_error) {
        _cleanup_(freeaddrinfop) struct addrinfo *ais = NULL;
        struct addrinfo hints = {
                .ai_socktype = SOCK_STREAM,
                .ai_flags = url->is_ip ? AI_NUMERICHOST : 0,
        };
        char port[8], where[300];
        int64_t deadline = now_ms() + PROBE_TIMEOUT_MS;
        int r, last = -EHOSTUNREACH;
        _cleanup_free_ char *last_why = NULL;

        snprintf(port, sizeof port, "%u", url->port);
        snprintf(where, sizeof where, url->is_ip && strchr(url->host, ':') ? "[%s]:%s" : "%s:%s", url->host, port);
        r = getaddrinfo(url->host, port, &hints, &ais);
        if (r != 0) {
                int saved = r == EAI_SYSTEM ? errno : 0;
                *ret_error = xasprintf("cannot resolve %s: %s", where, saved ? strerror(saved) : gai_strerror(r));
                return saved ? -saved : r == EAI_NONAME ? -ENXIO : -EHOSTUNREACH;
        }

        for (const struct addrinfo *ai = ais; ai; ai = ai->ai_next) {
                char addr[INET6_ADDRSTRLEN] = "?";
                const void *a = ai->ai_family == AF_INET6 ? (const void *) &((struct sockaddr_in6 *) ai->ai_addr)->sin6_addr
                                                          : (const void *) &((struct sockaddr_in *) ai->ai_addr)->sin_addr;
                inet_ntop(ai->ai_family, a, addr, sizeof addr);

                _cleanup_close_ int fd = -1;
                r = connect_addr(ai, deadline, &fd);
                if (r < 0) {
                        /* try the next address, as a client with several A/AAAA records does */
                        last = r;
                        free(last_why);
                        last_why = xasprintf("cannot connect to %s (%s): %s", where, addr, strerror(-r));
                        continue;
                }
                _cleanup_free_ char *why = NULL;
                r = handshake(fd, url, deadline, ret_chain, &why);
                if (r < 0) {
                        *ret_error = xasprintf("%s (%s): %s", where, addr, why ? why : strerror(-r));
                        return r;
                }
                *ret_address = strdup(addr);
                return 0;
        }
        *ret_error = last_why ? TAKE_PTR(last_why) : xasprintf("cannot connect to %s: no address", where);
        return last;
}

int probe_run(const ProbeUrl *url, const ProbeCaData *cas, size_t n_cas, const char *public_roots,
              ProbeFacts *ret, char **ret_address, char **ret_error) {
        _cleanup_(sk_X509_pop_freep) STACK_OF(X509) *chain = NULL;
        _cleanup_(probe_facts_done) ProbeFacts f = { .host = url->host, .host_is_ip = url->is_ip };
        _cleanup_free_ char *address = NULL;
        int r;

        r = fetch_chain(url, &chain, &address, ret_error);
        if (r < 0)
                return r;

        int n = sk_X509_num(chain);
        if (!(f.chain = calloc((size_t) n, sizeof(CertInfo))))
                return -ENOMEM;
        for (int i = 0; i < n; i++) {
                if ((r = cert_info(sk_X509_value(chain, i), &f.chain[i])) < 0)
                        return r;
                f.n_chain++;
        }
        X509 *leaf = sk_X509_value(chain, 0);
        f.leaf_names = san_string(leaf);
        /* checkServerIdentity(): IP literals against IP SANs only; names against DNS SANs (CN
         * only without any) */
        f.name_ok = url->is_ip ? X509_check_ip_asc(leaf, url->host, 0) == 1
                               : X509_check_host(leaf, url->host, strlen(url->host), 0, NULL) == 1;

        _cleanup_(X509_STORE_freep) X509_STORE *pub = public_store(public_roots);
        if (!pub || (r = verify_chain_anchor(chain, pub, &f.public_, &f.public_anchor)) < 0)
                return -ENOMEM;

        if (n_cas > 0) {
                _cleanup_(X509_STORE_freep) X509_STORE *s = public_store(public_roots);
                if (!s)
                        return -ENOMEM;
                f.have_ca = true;
                for (size_t i = 0; i < n_cas; i++)
                        if ((r = store_add_pem(s, &cas[i], &f.ca_loaded, &f.ca_has_root)) < 0)
                                return r;
                if ((r = verify_chain(chain, s, &f.with_ca)) < 0)
                        return r;
        }

        X509 *top = sk_X509_value(chain, n - 1);
        if (X509_self_signed(top, 1) == 1) {
                _cleanup_(X509_STORE_freep) X509_STORE *s = public_store(public_roots);
                if (!s || X509_STORE_add_cert(s, top) != 1)
                        return -ENOMEM;
                if ((r = verify_chain(chain, s, &f.with_top)) < 0)
                        return r;
        }
        ERR_clear_error();

        *ret = f;
        f = (ProbeFacts) {};
        *ret_address = TAKE_PTR(address);
        return 0;
}

void probe_ca_set_done(ProbeCaSet *f) {
        for (size_t i = 0; i < f->n; i++)
                free(f->data[i]);
        free(f->data);
        free(f->items);
        *f = (ProbeCaSet) {};
}

int probe_ca_set_add(ProbeCaSet *f, char *data, size_t size) {
        char **d = reallocarray(f->data, f->n + 1, sizeof(char *));
        if (!d) {
                free(data);
                return -ENOMEM;
        }
        f->data = d;
        ProbeCaData *it = reallocarray(f->items, f->n + 1, sizeof(ProbeCaData));
        if (!it) {
                free(data);
                return -ENOMEM;
        }
        f->items = it;
        f->data[f->n] = data;
        f->items[f->n] = (ProbeCaData) { .data = data, .size = size };
        f->n++;
        return 0;
}
