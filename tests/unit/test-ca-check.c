/* SPDX-License-Identifier: MIT */
/* ca_check_data() against certificates generated here with libcrypto: no files, no environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls/ca-check.h"

/* Fixed reference time (2026-01-01T00:00:00Z) so results never depend on the clock. */
#define NOW ((time_t) 1767225600)
#define DAY ((time_t) 86400)
#define PATH "/etc/ssl/ca.pem"

#define CHECK(x)                                                                           \
        do {                                                                               \
                if (!(x)) {                                                                \
                        fprintf(stderr, "%s:%d: setup failed: %s\n", __FILE__, __LINE__, #x); \
                        abort();                                                           \
                }                                                                          \
        } while (0)

static inline void BIO_freep(BIO **b) {
        BIO_free(*b);
}

typedef struct Blob {
        char *p;
        size_t n;
} Blob;

/* Pieces a test file is made of. */
enum {
        P_END,
        P_ROOT,
        P_INTER,
        P_LEAF,
        P_LEAF_INTER,
        P_SS_LEAF,
        P_SS_NOBC,
        P_SS_BADSIG,
        P_EXPIRED_CA,
        P_EXPIRED_LEAF,
        P_NOTYET,
        P_SOON,
        P_PVECA,
        P_PVELEAF,
        P_KEY,
        P_KEY_ENC,
        P_KEY_EC,
        P_KEY_OPENSSH,
        P_KEY_INDENTED,
        P_KEY_DER,
        P_ROOT_DER,
        P_ROOT_TRUSTED,
        P_PVECA_TRUSTED,
        P_ROOT_X509OLD,
        P_ROOT_CRLF,
        P_ROOT_INDENTED,
        P_BOM,
        P_PUBKEY,
        P_CSR,
        P_BAD_B64,
        P_BAD_DER,
        P_NO_END,
        P_GARBAGE,
        P_TEXT,
        P_BLANKS,
        P_BINARY,
        _P_MAX,
};

static Blob blobs[_P_MAX];
static X509 *root_x509, *ss_leaf_x509;

static Blob blob_from_bio(BIO *b) {
        char *p = NULL;
        long n = BIO_get_mem_data(b, &p);
        CHECK(n >= 0);
        Blob r = { .p = malloc((size_t) n + 1), .n = (size_t) n };
        CHECK(r.p);
        memcpy(r.p, p, (size_t) n);
        r.p[n] = 0;
        return r;
}

static Blob blob_str(const char *s) {
        Blob r = { .p = strdup(s), .n = strlen(s) };
        CHECK(r.p);
        return r;
}

/* Replaces every occurrence of a in s by b. */
static Blob blob_replace(const Blob *s, const char *a, const char *b) {
        Buf buf = {};
        size_t la = strlen(a);
        for (const char *p = s->p; *p;)
                if (strncmp(p, a, la) == 0) {
                        buf_puts(&buf, b);
                        p += la;
                } else
                        buf_putc(&buf, *p++);
        Blob r = { .n = buf.len };
        r.p = buf_steal(&buf);
        CHECK(r.p);
        return r;
}

static EVP_PKEY *gen_key(void) {
        EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        CHECK(k);
        return k;
}

typedef struct CertSpec {
        const char *cn, *ou, *o;
        const char *bc;         /* basicConstraints, NULL: no extension */
        const char *ku;
        const char *san;
        time_t not_before, not_after;
} CertSpec;

static void add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value) {
        if (!value)
                return;
        X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
        CHECK(e);
        CHECK(X509_add_ext(x, e, -1));
        X509_EXTENSION_free(e);
}

/* issuer == NULL: self-signed with key. */
static X509 *make_cert(const CertSpec *s, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key) {
        static long serial = 1000;
        X509 *x = X509_new();
        CHECK(x);
        CHECK(X509_set_version(x, X509_VERSION_3));
        CHECK(ASN1_INTEGER_set(X509_get_serialNumber(x), serial++));
        X509_NAME *n = X509_get_subject_name(x);
        if (s->o)
                CHECK(X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *) s->o, -1, -1, 0));
        if (s->ou)
                CHECK(X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_UTF8, (const unsigned char *) s->ou, -1, -1, 0));
        CHECK(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *) s->cn, -1, -1, 0));
        CHECK(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n));
        CHECK(ASN1_TIME_set(X509_getm_notBefore(x), s->not_before));
        CHECK(ASN1_TIME_set(X509_getm_notAfter(x), s->not_after));
        CHECK(X509_set_pubkey(x, key));

        X509V3_CTX ctx;
        X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
        add_ext(x, &ctx, NID_basic_constraints, s->bc);
        add_ext(x, &ctx, NID_key_usage, s->ku);
        add_ext(x, &ctx, NID_subject_alt_name, s->san);
        add_ext(x, &ctx, NID_subject_key_identifier, "hash");
        if (issuer)
                add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
        CHECK(X509_sign(x, issuer ? issuer_key : key, EVP_sha256()) > 0);
        return x;
}

static Blob pem_of(X509 *x) {
        _cleanup_(BIO_freep) BIO *b = BIO_new(BIO_s_mem());
        CHECK(b && PEM_write_bio_X509(b, x));
        return blob_from_bio(b);
}

static Blob der_of(X509 *x) {
        unsigned char *p = NULL;
        int n = i2d_X509(x, &p);
        CHECK(n > 0);
        Blob r = { .p = malloc((size_t) n), .n = (size_t) n };
        CHECK(r.p);
        memcpy(r.p, p, (size_t) n);
        OPENSSL_free(p);
        return r;
}

static CertSpec ca_spec(const char *cn) {
        return (CertSpec) {
                .cn = cn,
                .bc = "critical,CA:TRUE",
                .ku = "critical,keyCertSign,cRLSign",
                .not_before = NOW - DAY,
                .not_after = NOW + 3650 * DAY,
        };
}

static CertSpec leaf_spec(const char *cn) {
        return (CertSpec) {
                .cn = cn,
                .bc = "critical,CA:FALSE",
                .ku = "critical,digitalSignature,keyEncipherment",
                .san = "DNS:localhost,IP:127.0.0.1",
                .not_before = NOW - DAY,
                .not_after = NOW + 365 * DAY,
        };
}

static int setup_pki(void **state) {
        EVP_PKEY *root_key = gen_key(), *inter_key = gen_key(), *leaf_key = gen_key(), *pve_key = gen_key(),
                 *k = gen_key();
        CertSpec s;

        root_x509 = make_cert(&(CertSpec) { .cn = "Test Root CA", .bc = "critical,CA:TRUE",
                                            .ku = "critical,keyCertSign,cRLSign", .not_before = NOW - DAY,
                                            .not_after = NOW + 3650 * DAY },
                              root_key, NULL, NULL);
        blobs[P_ROOT] = pem_of(root_x509);
        blobs[P_ROOT_DER] = der_of(root_x509);

        s = ca_spec("Test Intermediate CA");
        X509 *inter = make_cert(&s, inter_key, root_x509, root_key);
        blobs[P_INTER] = pem_of(inter);

        s = leaf_spec("localhost");
        X509 *x = make_cert(&s, leaf_key, root_x509, root_key);
        blobs[P_LEAF] = pem_of(x);
        X509_free(x);

        s = leaf_spec("leaf.under.intermediate");
        x = make_cert(&s, leaf_key, inter, inter_key);
        blobs[P_LEAF_INTER] = pem_of(x);
        X509_free(x);
        X509_free(inter);

        /* keyUsage without keyCertSign: X509_check_issued(x, x) fails on it, Node still trusts it. */
        s = leaf_spec("selfsigned.example");
        ss_leaf_x509 = make_cert(&s, k, NULL, NULL);
        blobs[P_SS_LEAF] = pem_of(ss_leaf_x509);

        s = (CertSpec) { .cn = "nobc.example", .san = "DNS:nobc.example", .not_before = NOW - DAY,
                         .not_after = NOW + 365 * DAY };
        x = make_cert(&s, k, NULL, NULL);
        blobs[P_SS_NOBC] = pem_of(x);
        X509_free(x);

        /* A self-signed leaf whose signature no longer verifies: not self-signed, not a CA. */
        s = leaf_spec("tampered.example");
        x = make_cert(&s, k, NULL, NULL);
        Blob der = der_of(x);
        der.p[der.n - 1] ^= 0x01;
        const unsigned char *dp = (const unsigned char *) der.p;
        X509 *bad = d2i_X509(NULL, &dp, (long) der.n);
        CHECK(bad);
        blobs[P_SS_BADSIG] = pem_of(bad);
        X509_free(bad);
        X509_free(x);
        free(der.p);

        s = ca_spec("Old Root CA");
        s.not_before = 1577836800;      /* 2020-01-01 */
        s.not_after = 1580515200;       /* 2020-02-01 */
        x = make_cert(&s, k, NULL, NULL);
        blobs[P_EXPIRED_CA] = pem_of(x);
        X509_free(x);

        s = leaf_spec("expired.example");
        s.not_before = 1577836800;
        s.not_after = 1580515200;
        x = make_cert(&s, leaf_key, root_x509, root_key);
        blobs[P_EXPIRED_LEAF] = pem_of(x);
        X509_free(x);

        s = ca_spec("Future Root CA");
        s.not_before = NOW + 5 * DAY;
        x = make_cert(&s, k, NULL, NULL);
        blobs[P_NOTYET] = pem_of(x);
        X509_free(x);

        s = ca_spec("Soon Expiring CA");
        s.not_after = NOW + 10 * DAY;
        x = make_cert(&s, k, NULL, NULL);
        blobs[P_SOON] = pem_of(x);
        X509_free(x);

        /* Proxmox-like: pve-root-ca.pem and the node's pve-ssl.pem it issues. */
        s = ca_spec("Proxmox Virtual Environment");
        s.ou = "a1b2c3";
        s.o = "PVE Cluster Manager CA";
        X509 *pveca = make_cert(&s, pve_key, NULL, NULL);
        blobs[P_PVECA] = pem_of(pveca);
        s = leaf_spec("pve1.example.internal");
        s.ou = "PVE Cluster Node";
        s.o = "Proxmox Virtual Environment";
        x = make_cert(&s, leaf_key, pveca, pve_key);
        blobs[P_PVELEAF] = pem_of(x);
        X509_free(x);

        _cleanup_(BIO_freep) BIO *b = BIO_new(BIO_s_mem());
        CHECK(b && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL));
        blobs[P_KEY] = blob_from_bio(b);
        CHECK(BIO_reset(b) == 1 && PEM_write_bio_PKCS8PrivateKey(b, k, EVP_aes_128_cbc(), "secret", 6, NULL, NULL));
        blobs[P_KEY_ENC] = blob_from_bio(b);
        CHECK(BIO_reset(b) == 1 && PEM_write_bio_PrivateKey_traditional(b, k, NULL, NULL, 0, NULL, NULL));
        blobs[P_KEY_EC] = blob_from_bio(b);
        CHECK(BIO_reset(b) == 1 && PEM_write_bio_PUBKEY(b, k));
        blobs[P_PUBKEY] = blob_from_bio(b);
        CHECK(BIO_reset(b) == 1 && PEM_write_bio_X509_AUX(b, root_x509));
        blobs[P_ROOT_TRUSTED] = blob_from_bio(b);
        CHECK(BIO_reset(b) == 1 && PEM_write_bio_X509_AUX(b, pveca));
        blobs[P_PVECA_TRUSTED] = blob_from_bio(b);
        X509_free(pveca);

        unsigned char *kd = NULL;
        int kn = i2d_PrivateKey(k, &kd);
        CHECK(kn > 0);
        blobs[P_KEY_DER] = (Blob) { .p = malloc((size_t) kn), .n = (size_t) kn };
        CHECK(blobs[P_KEY_DER].p);
        memcpy(blobs[P_KEY_DER].p, kd, (size_t) kn);
        OPENSSL_free(kd);

        blobs[P_KEY_OPENSSH] = blob_str("-----BEGIN OPENSSH PRIVATE KEY-----\n"
                                        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
                                        "-----END OPENSSH PRIVATE KEY-----\n");
        blobs[P_KEY_INDENTED] = blob_replace(&blobs[P_KEY], "\n", "\n    ");
        blobs[P_ROOT_X509OLD] = blob_replace(&blobs[P_ROOT], "CERTIFICATE-----", "X509 CERTIFICATE-----");
        blobs[P_ROOT_CRLF] = blob_replace(&blobs[P_ROOT], "\n", "\r\n");
        Blob ind = blob_replace(&blobs[P_ROOT], "\n", "\n  ");
        blobs[P_ROOT_INDENTED] = (Blob) { .p = xasprintf("  %s", ind.p), .n = ind.n + 2 };
        CHECK(blobs[P_ROOT_INDENTED].p);
        free(ind.p);
        blobs[P_BOM] = blob_str("\xef\xbb\xbf");
        blobs[P_CSR] = blob_str("-----BEGIN CERTIFICATE REQUEST-----\nMIIBAAAA\n-----END CERTIFICATE REQUEST-----\n");
        blobs[P_BAD_B64] = blob_str("-----BEGIN CERTIFICATE-----\nMIIB!!!!not*base64\n-----END CERTIFICATE-----\n");
        blobs[P_BAD_DER] = blob_str("-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n-----END CERTIFICATE-----\n");
        blobs[P_NO_END] = blob_str("-----BEGIN CERTIFICATE-----\nMIIBAAAAAAAAAAAAAAAA\n");
        blobs[P_GARBAGE] = blob_str("This is not a certificate.\nJust some notes, 0x30 and all.\n");
        blobs[P_TEXT] = blob_str("subject=CN = something\n# text between blocks is fine\n\n");
        blobs[P_BLANKS] = blob_str(" \n\t\n\n");
        /* Starts like DER (0x30) but is not a certificate; has NUL bytes. */
        static const char junk[] = "\x30\x82\x00\x05\x00\xff\x00\n-----BEGIN\x00";
        blobs[P_BINARY] = (Blob) { .p = malloc(sizeof(junk)), .n = sizeof(junk) - 1 };
        CHECK(blobs[P_BINARY].p);
        memcpy(blobs[P_BINARY].p, junk, sizeof(junk));

        EVP_PKEY_free(root_key);
        EVP_PKEY_free(inter_key);
        EVP_PKEY_free(leaf_key);
        EVP_PKEY_free(pve_key);
        EVP_PKEY_free(k);
        return 0;
}

static int teardown_pki(void **state) {
        for (size_t i = 0; i < _P_MAX; i++)
                free(blobs[i].p);
        X509_free(root_x509);
        X509_free(ss_leaf_x509);
        return 0;
}

/* Exactly-sized heap copy of the concatenated parts, so ASan sees any read past the end. */
static Blob build(const int *parts) {
        Buf b = {};
        for (const int *p = parts; *p != P_END; p++)
                buf_put(&b, blobs[*p].p, blobs[*p].n);
        Blob r = { .n = b.len };
        r.p = malloc(b.len ? b.len : 1);
        CHECK(r.p);
        if (b.len)
                memcpy(r.p, b.data, b.len);
        buf_free(&b);
        return r;
}

static unsigned count_lines(const int *parts) {
        Blob b = build(parts);
        unsigned n = 0;
        for (size_t i = 0; i < b.n; i++)
                n += b.p[i] == '\n';
        free(b.p);
        return n;
}

typedef struct Row {
        const char *name;
        int parts[8];
        const char *path;               /* NULL: PATH */
        CaVerdict verdict;
        const char *msg[5];             /* substrings of the message */
        const char *not_msg;            /* must not appear in the message */
        size_t n_certs;
        size_t n_warnings;
        const char *warn;               /* substring of some warning */
} Row;

static const Row rows[] = {
        { "empty", { P_END }, .verdict = CA_EMPTY, .msg = { "is empty" } },
        { "blank lines", { P_BLANKS }, .verdict = CA_NOT_PEM, .msg = { "has no PEM certificate" } },
        { "garbage text", { P_GARBAGE }, .verdict = CA_NOT_PEM,
          .msg = { "has no PEM certificate", "silently load nothing" } },
        { "binary junk", { P_BINARY }, .verdict = CA_NOT_PEM, .msg = { "has no PEM certificate" } },
        { "DER certificate", { P_ROOT_DER }, .verdict = CA_NOT_PEM,
          .msg = { "DER", "openssl x509 -inform der -in " PATH " -out " PATH ".pem" } },
        { "DER with a path that needs quoting", { P_ROOT_DER }, .path = "/srv/my ca.der", .verdict = CA_NOT_PEM,
          .msg = { "/srv/my ca.der is a DER", "-in '/srv/my ca.der' -out '/srv/my ca.der'.pem" } },
        { "key only", { P_KEY }, .verdict = CA_PRIVATE_KEY,
          .msg = { "PRIVATE KEY at line 1", "never hand a private key to a service's trust setting",
                   "refuses it even with --force" } },
        { "cert then key", { P_ROOT, P_KEY }, .verdict = CA_PRIVATE_KEY, .msg = { "private key" }, .n_certs = 1 },
        { "key then cert", { P_KEY, P_ROOT }, .verdict = CA_PRIVATE_KEY, .msg = { "at line 1" }, .n_certs = 1 },
        { "encrypted key", { P_ROOT, P_KEY_ENC }, .verdict = CA_PRIVATE_KEY, .msg = { "ENCRYPTED PRIVATE KEY" },
          .n_certs = 1 },
        { "EC key", { P_KEY_EC }, .verdict = CA_PRIVATE_KEY, .msg = { "EC PRIVATE KEY" } },
        { "OpenSSH key", { P_ROOT, P_KEY_OPENSSH }, .verdict = CA_PRIVATE_KEY, .msg = { "OPENSSH PRIVATE KEY" },
          .n_certs = 1 },
        { "indented key", { P_ROOT, P_TEXT, P_KEY_INDENTED }, .verdict = CA_PRIVATE_KEY,
          .msg = { "PRIVATE KEY" }, .n_certs = 1 },
        { "DER key", { P_KEY_DER }, .verdict = CA_PRIVATE_KEY, .msg = { "private key (DER)", "--force" } },
        { "root CA", { P_ROOT }, .verdict = CA_OK, .n_certs = 1 },
        { "CRLF", { P_ROOT_CRLF }, .verdict = CA_OK, .n_certs = 1 },
        { "UTF-8 BOM", { P_BOM, P_ROOT }, .verdict = CA_OK, .n_certs = 1 },
        { "text between blocks", { P_TEXT, P_ROOT, P_TEXT, P_PVECA, P_TEXT }, .verdict = CA_OK, .n_certs = 2 },
        { "two CAs", { P_ROOT, P_PVECA }, .verdict = CA_OK, .n_certs = 2 },
        { "public key block is skipped", { P_PUBKEY, P_ROOT }, .verdict = CA_OK, .n_certs = 1 },
        { "X509 CERTIFICATE label", { P_ROOT_X509OLD }, .verdict = CA_OK, .n_certs = 1 },
        { "TRUSTED CERTIFICATE only", { P_ROOT_TRUSTED }, .verdict = CA_NOT_PEM,
          .msg = { "TRUSTED CERTIFICATE", "openssl x509 -in " PATH " -out " PATH ".pem" } },
        { "TRUSTED CERTIFICATE next to a plain one", { P_ROOT, P_PVECA_TRUSTED }, .verdict = CA_OK, .n_certs = 1,
          .n_warnings = 1, .warn = "TRUSTED CERTIFICATE block at line" },
        { "indented certificate", { P_ROOT_INDENTED }, .verdict = CA_NOT_PEM, .msg = { "no PEM certificate" } },
        { "certificate request", { P_CSR }, .verdict = CA_NOT_PEM, .msg = { "signing request" } },
        { "bad base64 between good ones", { P_ROOT, P_BAD_B64, P_PVECA }, .verdict = CA_BAD_BLOCK,
          .msg = { "malformed CERTIFICATE block at line", "Node stops loading", "ignores the certificate after it" },
          .n_certs = 1 },
        { "bad DER between good ones", { P_ROOT, P_BAD_DER, P_PVECA, P_INTER }, .verdict = CA_BAD_BLOCK,
          .msg = { "not a valid X.509 certificate", "ignores the certificates after it" }, .n_certs = 1 },
        { "bad block first", { P_BAD_B64, P_ROOT }, .verdict = CA_BAD_BLOCK, .msg = { "at line 1" } },
        { "bad block last", { P_ROOT, P_BAD_DER }, .verdict = CA_BAD_BLOCK, .msg = { "block at line" },
          .not_msg = "ignores", .n_certs = 1 },
        { "missing END line", { P_ROOT, P_NO_END }, .verdict = CA_BAD_BLOCK, .msg = { "malformed CERTIFICATE block" },
          .n_certs = 1 },
        { "server certificate", { P_LEAF }, .verdict = CA_SERVER_CERT,
          .msg = { PATH " is a server certificate, not a CA; trust its issuer instead (CN=Test Root CA)" },
          .not_msg = "Proxmox", .n_certs = 1 },
        { "Proxmox pve-ssl.pem", { P_PVELEAF }, .path = "/etc/pve/local/pve-ssl.pem", .verdict = CA_SERVER_CERT,
          .msg = { "/etc/pve/local/pve-ssl.pem is a server certificate, not a CA; trust its issuer instead (",
                   "O=PVE Cluster Manager CA", "; on Proxmox: /etc/pve/pve-root-ca.pem)" },
          .n_certs = 1 },
        { "Proxmox leaf under another name", { P_PVELEAF }, .verdict = CA_SERVER_CERT,
          .msg = { "on Proxmox: /etc/pve/pve-root-ca.pem" }, .n_certs = 1 },
        { "Proxmox CA", { P_PVECA }, .path = "/etc/pve/pve-root-ca.pem", .verdict = CA_OK, .n_certs = 1 },
        { "Proxmox leaf + CA", { P_PVELEAF, P_PVECA }, .verdict = CA_SERVER_CERT,
          .msg = { "the certificate at line 1 (", "remove it from the file" }, .n_certs = 2 },
        { "leaf + root", { P_LEAF, P_ROOT }, .verdict = CA_SERVER_CERT, .msg = { "remove it from the file" },
          .n_certs = 2 },
        { "leaf + intermediate (fullchain)", { P_LEAF_INTER, P_INTER }, .verdict = CA_SERVER_CERT,
          .msg = { "CN=leaf.under.intermediate", "is a server certificate" }, .n_certs = 2, .n_warnings = 1,
          .warn = "no self-signed root" },
        { "intermediate alone", { P_INTER }, .verdict = CA_OK, .n_certs = 1, .n_warnings = 1,
          .warn = "no self-signed root for it; Node cannot use an intermediate alone: append the root (CN=Test Root CA)" },
        { "intermediate + root", { P_INTER, P_ROOT }, .verdict = CA_OK, .n_certs = 2 },
        { "root + intermediate", { P_ROOT, P_INTER }, .verdict = CA_OK, .n_certs = 2 },
        { "self-signed leaf CA:FALSE", { P_SS_LEAF }, .verdict = CA_OK, .n_certs = 1 },
        { "self-signed, no basicConstraints", { P_SS_NOBC }, .verdict = CA_OK, .n_certs = 1 },
        { "self-signed with a broken signature", { P_SS_BADSIG }, .verdict = CA_SERVER_CERT,
          .msg = { "names itself as issuer but its signature or key identifier does not match" }, .n_certs = 1 },
        { "expired CA", { P_EXPIRED_CA }, .verdict = CA_EXPIRED,
          .msg = { "the certificate at line 1 (CN=Old Root CA) expired on 2020-02-01 00:00 UTC", "renewed" },
          .n_certs = 1 },
        /* A bundle (a copy of the system store, say) with one expired root still works. */
        { "expired CA inside a bundle", { P_EXPIRED_CA, P_ROOT }, .verdict = CA_OK, .n_certs = 2, .n_warnings = 1,
          .warn = "(CN=Old Root CA) expired on 2020-02-01 00:00 UTC; Node ignores it" },
        { "expired leaf beats server cert", { P_EXPIRED_LEAF }, .verdict = CA_EXPIRED,
          .msg = { "CN=expired.example" }, .n_certs = 1 },
        { "not yet valid", { P_NOTYET }, .verdict = CA_NOT_YET_VALID,
          .msg = { "(CN=Future Root CA) is not valid before 2026-01-06 00:00 UTC" }, .n_certs = 1 },
        { "expiring in 10 days", { P_SOON }, .verdict = CA_OK, .n_certs = 1, .n_warnings = 1,
          .warn = "(CN=Soon Expiring CA) expires on 2026-01-11 00:00 UTC, in 10 days" },
};

static void run_row(void **state) {
        const Row *row = *state;
        const char *path = row->path ?: PATH;
        Blob in = build(row->parts);
        CaReport r = {};

        print_message("row: %s\n", row->name);
        assert_int_equal(ca_check_data(in.p, in.n, path, NOW, &r), 0);
        if (r.verdict != row->verdict)
                print_message("got %s: %s\n", ca_verdict_to_string(r.verdict), r.message ?: "(null)");
        assert_string_equal(ca_verdict_to_string(r.verdict), ca_verdict_to_string(row->verdict));
        if (row->verdict == CA_OK)
                assert_null(r.message);
        else {
                assert_non_null(r.message);
                assert_non_null(startswith(r.message, path));
                assert_null(strchr(r.message, '\n'));
                for (size_t i = 0; i < ELEMENTSOF(row->msg) && row->msg[i]; i++)
                        if (!strstr(r.message, row->msg[i]))
                                fail_msg("message \"%s\" lacks \"%s\"", r.message, row->msg[i]);
                if (row->not_msg && strstr(r.message, row->not_msg))
                        fail_msg("message \"%s\" has \"%s\"", r.message, row->not_msg);
        }
        assert_int_equal(r.n_certs, row->n_certs);
        if (strv_length(r.warnings) != row->n_warnings)
                for (char **w = r.warnings; w && *w; w++)
                        print_message("warning: %s\n", *w);
        assert_int_equal(strv_length(r.warnings), row->n_warnings);
        bool found = !row->warn;
        for (char **w = r.warnings; w && *w; w++) {
                assert_non_null(startswith(*w, path));
                assert_null(strchr(*w, '\n'));
                found = found || strstr(*w, row->warn);
        }
        if (!found)
                fail_msg("no warning has \"%s\"", row->warn);
        ca_report_done(&r);
        free(in.p);
}

static void test_cert_info(void **state) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned md_len;
        char hex[96] = "";
        CaReport r = {};
        const int parts[] = { P_TEXT, P_ROOT, P_TEXT, P_PVECA, P_END }, before_root[] = { P_TEXT, P_END },
                  before_pve[] = { P_TEXT, P_ROOT, P_TEXT, P_END };
        Blob in = build(parts);

        assert_int_equal(ca_check_data(in.p, in.n, PATH, NOW, &r), 0);
        assert_int_equal(r.verdict, CA_OK);
        assert_int_equal(r.n_certs, 2);

        const CertInfo *c = &r.certs[0];
        assert_string_equal(c->subject, "CN=Test Root CA");
        assert_string_equal(c->issuer, "CN=Test Root CA");
        assert_true(c->is_ca);
        assert_true(c->self_signed);
        assert_int_equal(c->not_before, NOW - DAY);
        assert_int_equal(c->not_after, NOW + 3650 * DAY);
        assert_int_equal(c->line, count_lines(before_root) + 1);
        assert_true(X509_digest(root_x509, EVP_sha256(), md, &md_len));
        for (unsigned i = 0; i < md_len; i++)
                snprintf(hex + strlen(hex), sizeof(hex) - strlen(hex), "%s%02X", i ? ":" : "", md[i]);
        assert_int_equal(strlen(c->sha256), 95);
        assert_string_equal(c->sha256, hex);

        c = &r.certs[1];
        assert_string_equal(c->subject, "CN=Proxmox Virtual Environment,OU=a1b2c3,O=PVE Cluster Manager CA");
        assert_int_equal(c->line, count_lines(before_pve) + 1);
        ca_report_done(&r);
        free(in.p);
}

static void test_leaf_flags(void **state) {
        CaReport r = {};
        const int parts[] = { P_LEAF, P_SS_LEAF, P_SS_NOBC, P_SS_BADSIG, P_END };
        Blob in = build(parts);

        assert_int_equal(ca_check_data(in.p, in.n, PATH, NOW, &r), 0);
        assert_int_equal(r.verdict, CA_SERVER_CERT);
        assert_int_equal(r.n_certs, 4);
        assert_false(r.certs[0].is_ca);
        assert_false(r.certs[0].self_signed);
        assert_string_equal(r.certs[0].issuer, "CN=Test Root CA");
        /* The trap: OpenSSL's X509_check_issued(x, x) rejects it for its keyUsage, yet it is self-signed. */
        assert_int_not_equal(X509_check_issued(ss_leaf_x509, ss_leaf_x509), X509_V_OK);
        assert_false(r.certs[1].is_ca);
        assert_true(r.certs[1].self_signed);
        assert_false(r.certs[2].is_ca);
        assert_true(r.certs[2].self_signed);
        assert_false(r.certs[3].self_signed);
        assert_non_null(strstr(r.message, "line 1 (CN=localhost)"));
        ca_report_done(&r);
        free(in.p);
}

static void test_bad_block_line(void **state) {
        CaReport r = {};
        const int parts[] = { P_ROOT, P_TEXT, P_BAD_B64, P_PVECA, P_END }, before[] = { P_ROOT, P_TEXT, P_END };
        Blob in = build(parts);
        char want[64];

        assert_int_equal(ca_check_data(in.p, in.n, PATH, NOW, &r), 0);
        assert_int_equal(r.verdict, CA_BAD_BLOCK);
        snprintf(want, sizeof(want), "block at line %u (bad base64 decode)", count_lines(before) + 1);
        if (!strstr(r.message, want))
                fail_msg("message \"%s\" lacks \"%s\"", r.message, want);
        assert_int_equal(r.n_certs, 1);
        assert_string_equal(r.certs[0].subject, "CN=Test Root CA");
        ca_report_done(&r);
        free(in.p);
}

static void test_too_large(void **state) {
        CaReport r = {};
        size_t n = CA_FILE_MAX_SIZE + 1;
        char *p = malloc(n);

        assert_non_null(p);
        memset(p, ' ', n);
        assert_int_equal(ca_check_data(p, n, PATH, NOW, &r), 0);
        assert_int_equal(r.verdict, CA_TOO_LARGE);
        assert_non_null(strstr(r.message, "10 MiB"));
        ca_report_done(&r);

        /* Exactly at the limit is still examined. */
        assert_int_equal(ca_check_data(p, n - 1, PATH, NOW, &r), 0);
        assert_int_equal(r.verdict, CA_NOT_PEM);
        ca_report_done(&r);
        free(p);
}

static void test_expiry_boundary(void **state) {
        CaReport r = {};
        const int parts[] = { P_SOON, P_END };
        Blob in = build(parts);

        /* Valid up to and including notAfter; a second later it is expired. */
        assert_int_equal(ca_check_data(in.p, in.n, PATH, NOW + 10 * DAY, &r), 0);
        assert_int_equal(r.verdict, CA_OK);
        assert_int_equal(strv_length(r.warnings), 1);
        ca_report_done(&r);
        assert_int_equal(ca_check_data(in.p, in.n, PATH, NOW + 10 * DAY + 1, &r), 0);
        assert_int_equal(r.verdict, CA_EXPIRED);
        ca_report_done(&r);
        free(in.p);

        /* The warning window is CA_EXPIRY_WARN_DAYS wide, to the second. */
        const int root[] = { P_ROOT, P_END };
        in = build(root);
        time_t edge = NOW + 3650 * DAY - CA_EXPIRY_WARN_DAYS * DAY;
        assert_int_equal(ca_check_data(in.p, in.n, PATH, edge, &r), 0);
        assert_int_equal(r.verdict, CA_OK);
        assert_int_equal(strv_length(r.warnings), 1);
        assert_non_null(strstr(r.warnings[0], "in 30 days"));
        ca_report_done(&r);
        assert_int_equal(ca_check_data(in.p, in.n, PATH, edge - 1, &r), 0);
        assert_int_equal(r.verdict, CA_OK);
        assert_null(r.warnings);
        ca_report_done(&r);
        free(in.p);
}

static void test_error_queue_kept(void **state) {
        CaReport r = {};
        const int parts[] = { P_ROOT, P_BAD_B64, P_END };
        Blob in = build(parts);

        ERR_clear_error();
        ERR_raise(ERR_LIB_USER, 42);
        unsigned long mine = ERR_peek_last_error();
        assert_int_equal(ca_check_data(in.p, in.n, PATH, NOW, &r), 0);
        assert_int_equal(r.verdict, CA_BAD_BLOCK);
        assert_int_equal(ERR_peek_last_error(), mine);
        assert_int_equal(ERR_peek_error(), mine);
        ERR_clear_error();
        ca_report_done(&r);
        free(in.p);
}

static void test_verdict_strings(void **state) {
        static const char *const want[] = { "ok", "empty", "too-large", "not-pem", "private-key", "bad-block",
                                            "expired", "not-yet-valid", "server-cert" };
        for (CaVerdict v = CA_OK; v <= CA_SERVER_CERT; v++)
                assert_string_equal(ca_verdict_to_string(v), want[v]);
        assert_null(ca_verdict_to_string((CaVerdict) 99));

        CaReport r = {};
        ca_report_done(&r);
        ca_report_done(&r);
        ca_report_done(NULL);
}

int main(void) {
        struct CMUnitTest tests[ELEMENTSOF(rows) + 7];
        size_t n = 0;

        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                tests[n++] = (struct CMUnitTest) {
                        .name = rows[i].name,
                        .test_func = run_row,
                        .initial_state = (void *) &rows[i],
                };
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_cert_info);
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_leaf_flags);
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_bad_block_line);
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_too_large);
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_expiry_boundary);
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_error_queue_kept);
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_verdict_strings);

        return _cmocka_run_group_tests("ca-check", tests, n, setup_pki, teardown_pki);
}
