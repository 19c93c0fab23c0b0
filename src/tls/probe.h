/* SPDX-License-Identifier: MIT */
#pragma once

/* probe: what a Node.js client would say about an https:// server, and what would fix it
 *
 * Two layers:
 *  - the TLS edge (probe_url_parse(), probe_run()): connects, fetches the presented chain
 *    and verifies it with libcrypto the way Node does (OpenSSL chain verification with a
 *    callback that accepts everything, so the LAST error is the one reported; no partial
 *    chain; the name check after, as checkServerIdentity() does);
 *  - the verdict (probe_decide()): pure, facts in, decision and message out. */

#include "tls/ca-check.h"

#define PROBE_DEFAULT_PORT 443
#define PROBE_TIMEOUT_MS 10000
/* The stand-in for Node's bundled Mozilla list; never SSL_CERT_FILE / SSL_CERT_DIR. */
#define PROBE_PUBLIC_ROOTS_FILE "/etc/ssl/certs/ca-certificates.crt"
#define PROBE_PUBLIC_ROOTS_DIR "/etc/ssl/certs"
#define PROBE_MAX_ERRORS 16

typedef struct ProbeUrl {
        char *host;        /* without brackets */
        uint16_t port;
        bool is_ip;        /* an IPv4/IPv6 literal: no SNI, IP name check */
} ProbeUrl;

/* Parses https://host[:port][/path][?query][#fragment]. -EINVAL with *ret_why set (static
 * text) for anything else. */
int probe_url_parse(const char *url, ProbeUrl *ret, const char **ret_why);
void probe_url_done(ProbeUrl *u);

/* One error the verification met, in the order OpenSSL met it. */
typedef struct VerifyError {
        int code;          /* X509_V_ERR_* */
        int depth;
        char *subject;     /* the certificate it is about (NULL when there is none) */
        char *issuer;
} VerifyError;

/* One chain verification: every error (OpenSSL goes on after each) and so the last one,
 * which is what Node reports. */
typedef struct VerifyOutcome {
        bool done;         /* this verification was run */
        VerifyError errors[PROBE_MAX_ERRORS];
        size_t n_errors;   /* capped; the last slot always holds the last error */
} VerifyOutcome;

int verify_outcome_last(const VerifyOutcome *o);   /* X509_V_OK when none */
const VerifyError *verify_outcome_find(const VerifyOutcome *o, int code);
void verify_outcome_done(VerifyOutcome *o);

/* Node's err.code for an X509_V_ERR_* value (crypto_common.cc X509ErrorCode()); NULL for OK. */
const char *node_x509_code(int x509_error);
#define NODE_ALTNAME_INVALID "ERR_TLS_CERT_ALTNAME_INVALID"

/* Everything the verdict looks at. Filled by probe_run() or by a test. */
typedef struct ProbeFacts {
        const char *host;
        bool host_is_ip;
        CertInfo *chain;           /* as presented, leaf first */
        size_t n_chain;
        char *leaf_names;          /* "DNS:a, IP:1.2.3.4" (subjectAltName) or NULL */
        bool name_ok;              /* the leaf matches host (X509_check_host / _ip_asc) */
        VerifyOutcome public_;     /* public roots only: Node without NODE_EXTRA_CA_CERTS */
        CertInfo public_anchor;    /* the root public_ verified with, when it did (subject NULL: none) */
        bool have_ca;              /* --ca files were given */
        VerifyOutcome with_ca;     /* public roots + the --ca files, loaded as Node loads them */
        size_t ca_loaded;          /* certificates Node would load from the --ca files */
        bool ca_has_root;          /* ... one of them is self-signed */
        VerifyOutcome with_top;    /* public roots + the top of the presented chain, when self-signed */
} ProbeFacts;

void probe_facts_done(ProbeFacts *f);

typedef enum ProbeVerdict {
        PROBE_TRUSTED,              /* nothing needed */
        PROBE_TRUSTED_WITH_CA,      /* the --ca files make it verify */
        PROBE_TRUST_PRESENTED_ROOT, /* the server sends its self-signed root: trust that */
        PROBE_SELF_SIGNED_LEAF,     /* the server certificate itself is the anchor */
        PROBE_MISSING_INTERMEDIATE, /* the --ca files hold an intermediate but not its root */
        PROBE_UNKNOWN_ISSUER,       /* the issuer is neither sent nor known: get that CA (a root,
                                     * or an intermediate + its root: the outside cannot tell) */
        PROBE_UNFIXABLE,            /* expired, wrong name, bad CA: no CA file helps */
        _PROBE_VERDICT_MAX,
} ProbeVerdict;

const char *probe_verdict_to_string(ProbeVerdict v);

typedef struct ProbeDecision {
        ProbeVerdict verdict;
        const char *node_code;          /* what Node says now (NULL: it connects) */
        const char *node_code_with_ca;  /* with the --ca files (NULL: it connects, or no --ca) */
        char *message;                  /* one paragraph: what is wrong and what to do */
        char *missing;                  /* the certificate name that is missing, if any */
        char *fingerprint;              /* SHA-256 of the certificate to trust, if one is named */
        bool ok;                        /* trusted now, or with the --ca files */
} ProbeDecision;

/* Pure. 0 or -ENOMEM; *ret set only on success. */
int probe_decide(const ProbeFacts *f, ProbeDecision *ret);
void probe_decision_done(ProbeDecision *d);

/* A CA file's bytes as Node hands them to its store (PEM_read_bio_X509 until the first
 * failure); used for --ca. */
typedef struct ProbeCaData {
        const char *data;
        size_t size;
} ProbeCaData;

/* The TLS edge: connect to url (timeout PROBE_TIMEOUT_MS for connect + handshake), fetch the
 * chain and verify it three ways. On a connection failure returns a negative errno and sets
 * *ret_error to a one-line explanation naming host:port (caller frees). public_roots NULL
 * means PROBE_PUBLIC_ROOTS_FILE. ret_address: the address that answered, e.g. "127.0.0.1". */
int probe_run(const ProbeUrl *url, const ProbeCaData *cas, size_t n_cas, const char *public_roots,
              ProbeFacts *ret, char **ret_address, char **ret_error);

/* CA files' bytes, in order, as probe_run() takes them. */
typedef struct ProbeCaSet {
        char **data;
        ProbeCaData *items;
        size_t n;
} ProbeCaSet;

/* Takes data (also on failure). */
int probe_ca_set_add(ProbeCaSet *s, char *data, size_t size);
void probe_ca_set_done(ProbeCaSet *s);
