/* SPDX-License-Identifier: MIT */
#pragma once

/* Facts about a CA file as Node.js will read it (NODE_EXTRA_CA_CERTS), with libcrypto.
 * Pure: works on bytes already read by the caller; never logs, never opens files. */

#include <time.h>

#include "basic/util.h"

#define CA_FILE_MAX_SIZE (10 * 1024 * 1024)
#define CA_EXPIRY_WARN_DAYS 30

typedef struct CertInfo {
        char *subject;            /* one-line RFC 2253 form, e.g. "CN=PVE Cluster Manager CA,O=..." */
        char *issuer;
        time_t not_before, not_after;
        bool is_ca;               /* basicConstraints CA:TRUE */
        bool self_signed;         /* issuer == subject and the signature verifies with its own key */
        char sha256[96];          /* "AB:CD:..." upper-case hex with colons */
        unsigned line;            /* line of its BEGIN marker in the file */
} CertInfo;

typedef enum CaVerdict {
        CA_OK,                 /* usable; warnings may still apply */
        CA_EMPTY,              /* no bytes */
        CA_TOO_LARGE,          /* > CA_FILE_MAX_SIZE */
        CA_NOT_PEM,            /* no PEM certificate at all (DER, garbage, text) */
        CA_PRIVATE_KEY,        /* a private key block anywhere in the file */
        CA_BAD_BLOCK,          /* a malformed CERTIFICATE block: Node stops loading there */
        CA_EXPIRED,            /* a certificate is past notAfter */
        CA_NOT_YET_VALID,      /* a certificate is before notBefore */
        CA_SERVER_CERT,        /* a certificate that is neither a CA nor self-signed */
} CaVerdict;

typedef struct CaReport {
        CaVerdict verdict;
        char *message;            /* one line naming the problem and the fix; NULL when CA_OK */
        char **warnings;          /* e.g. expiring within 30 days, no self-signed root in the file */
        CertInfo *certs;          /* what Node would load: up to a malformed block, no TRUSTED CERTIFICATE */
        size_t n_certs;
} CaReport;

/* Examines data (the whole file, size bytes) that will be used under display_path.
 * now is the reference time (for tests). Fills *ret (caller frees with ca_report_done).
 * Returns 0 (whatever the verdict) or -ENOMEM. */
int ca_check_data(const char *data, size_t size, const char *display_path, time_t now, CaReport *ret);
void ca_report_done(CaReport *r);

/* For a process that uses OpenSSL only to check CA files (the generator; the verbs that open no
 * TLS connection), called before any other OpenSSL use: initialises it without reading openssl.cnf and without registering every cipher by
 * name. A CA check needs neither (Node does not read the system's openssl.cnf either; digests stay
 * registered, as signature checks look them up by name), and it saves about a millisecond of CPU
 * at every boot and daemon-reload. */
void ca_check_init_lean(void);
/* A deep copy. 0 or -ENOMEM. */
int ca_report_copy(const CaReport *from, CaReport *ret);
const char *ca_verdict_to_string(CaVerdict v);  /* "ok", "empty", "private-key", ... */
