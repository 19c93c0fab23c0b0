/* SPDX-License-Identifier: MIT */
/* probe_decide() (pure): a table of facts -> verdict, Node's code and message substrings; plus
 * the URL parser and Node's error-code names. No network, no files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/x509.h>

#include "tls/probe.h"

#define ROOT "CN=Test Root CA"
#define INTER "CN=Test Intermediate CA"
#define PVECA "O=PVE Cluster Manager CA,OU=a1b2c3,CN=Proxmox Virtual Environment"
#define LEAF "CN=localhost"
#define FP_LEAF "11:11"
#define FP_TOP "22:22"

enum { C_LEAF_ROOT, C_LEAF_INTER, C_LEAF_PVE, C_SS_LEAF, C_ROOT, C_INTER, C_PVECA, _C_MAX };
static CertInfo certs[_C_MAX] = {
        [C_LEAF_ROOT] = { .subject = (char *) LEAF, .issuer = (char *) ROOT, .sha256 = FP_LEAF },
        [C_LEAF_INTER] = { .subject = (char *) LEAF, .issuer = (char *) INTER, .sha256 = FP_LEAF },
        [C_LEAF_PVE] = { .subject = (char *) LEAF, .issuer = (char *) PVECA, .sha256 = FP_LEAF },
        [C_SS_LEAF] = { .subject = (char *) LEAF, .issuer = (char *) LEAF, .self_signed = true, .sha256 = FP_LEAF },
        [C_ROOT] = { .subject = (char *) ROOT, .issuer = (char *) ROOT, .is_ca = true, .self_signed = true, .sha256 = FP_TOP },
        [C_INTER] = { .subject = (char *) INTER, .issuer = (char *) ROOT, .is_ca = true, .sha256 = FP_TOP },
        [C_PVECA] = { .subject = (char *) PVECA, .issuer = (char *) PVECA, .is_ca = true, .self_signed = true, .sha256 = FP_TOP },
};

#define E(c, d, s, i) { .code = X509_V_ERR_##c, .depth = d, .subject = (char *) (s), .issuer = (char *) (i) }
#define NONE -1

typedef struct Case {
        const char *name;
        int chain[3];                 /* indexes into certs, NONE-terminated */
        bool name_ok, have_ca, ca_has_root, top_checked;
        VerifyError pub[3], ca[3], top[3];
        const char *verdict, *code, *code_ca, *missing, *fingerprint;
        bool ok;
        const char *says[4];          /* substrings of the message */
} Case;

static const Case cases[] = {
        { .name = "public CA: nothing needed", .chain = { C_LEAF_ROOT, C_INTER, NONE }, .name_ok = true,
          .verdict = "trusted", .ok = true, .says = { "nothing is needed" } },
        { .name = "public CA and --ca: the files are not needed", .chain = { C_LEAF_ROOT, NONE }, .name_ok = true,
          .have_ca = true, .verdict = "trusted", .ok = true, .says = { "not needed" } },
        { .name = "leaf <- private root, with --ca root", .chain = { C_LEAF_ROOT, NONE }, .name_ok = true,
          .have_ca = true, .ca_has_root = true,
          .pub = { E(UNABLE_TO_VERIFY_LEAF_SIGNATURE, 0, LEAF, ROOT) },
          .verdict = "trusted-with-ca", .code = "UNABLE_TO_VERIFY_LEAF_SIGNATURE", .ok = true,
          .says = { "NODE_EXTRA_CA_CERTS", "UNABLE_TO_VERIFY_LEAF_SIGNATURE" } },
        { .name = "Proxmox: leaf only, CA unknown", .chain = { C_LEAF_PVE, NONE }, .name_ok = true,
          .pub = { E(UNABLE_TO_VERIFY_LEAF_SIGNATURE, 0, LEAF, PVECA) },
          .verdict = "unknown-issuer", .code = "UNABLE_TO_VERIFY_LEAF_SIGNATURE", .missing = PVECA,
          .says = { "only its own certificate", "/etc/pve/pve-root-ca.pem", "intermediate + root" } },
        { .name = "Proxmox: leaf + CA sent", .chain = { C_LEAF_PVE, C_PVECA, NONE }, .name_ok = true,
          .top_checked = true, .pub = { E(SELF_SIGNED_CERT_IN_CHAIN, 1, PVECA, PVECA) },
          .verdict = "trust-presented-root", .code = "SELF_SIGNED_CERT_IN_CHAIN", .fingerprint = FP_TOP,
          .missing = PVECA, .says = { "sends its self-signed root", FP_TOP, "on Proxmox VE it is /etc/pve/pve-root-ca.pem" } },
        { .name = "Proxmox: leaf + CA sent, the leaf given as --ca", .chain = { C_LEAF_PVE, C_PVECA, NONE },
          .name_ok = true, .top_checked = true, .have_ca = true,
          .pub = { E(SELF_SIGNED_CERT_IN_CHAIN, 1, PVECA, PVECA) },
          .ca = { E(SELF_SIGNED_CERT_IN_CHAIN, 1, PVECA, PVECA) },
          .verdict = "trust-presented-root", .code = "SELF_SIGNED_CERT_IN_CHAIN", .code_ca = "SELF_SIGNED_CERT_IN_CHAIN",
          .fingerprint = FP_TOP, .says = { "the given CA files do not make Node trust it", FP_TOP } },
        { .name = "self-signed leaf", .chain = { C_SS_LEAF, NONE }, .name_ok = true, .top_checked = true,
          .pub = { E(DEPTH_ZERO_SELF_SIGNED_CERT, 0, LEAF, LEAF) },
          .verdict = "self-signed-leaf", .code = "DEPTH_ZERO_SELF_SIGNED_CERT", .fingerprint = FP_LEAF,
          .says = { "its own anchor", FP_LEAF, "-fingerprint -sha256" } },
        { .name = "full chain, root unknown", .chain = { C_LEAF_INTER, C_INTER, NONE }, .name_ok = true,
          .pub = { E(UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 1, INTER, ROOT) },
          .verdict = "unknown-issuer", .code = "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", .missing = ROOT,
          .says = { "chain ends at \"" INTER "\"", "issued by \"" ROOT "\"" } },
        { .name = "missing intermediate, --ca holds only the intermediate", .chain = { C_LEAF_INTER, NONE },
          .name_ok = true, .have_ca = true,
          .pub = { E(UNABLE_TO_VERIFY_LEAF_SIGNATURE, 0, LEAF, INTER) },
          .ca = { E(UNABLE_TO_GET_ISSUER_CERT, 1, INTER, ROOT) },
          .verdict = "missing-intermediate", .code = "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
          .code_ca = "UNABLE_TO_GET_ISSUER_CERT", .missing = ROOT,
          .says = { "intermediate and its root", "add the root \"" ROOT "\"" } },
        { .name = "missing intermediate, --ca holds only the root", .chain = { C_LEAF_INTER, NONE },
          .name_ok = true, .have_ca = true, .ca_has_root = true,
          .pub = { E(UNABLE_TO_VERIFY_LEAF_SIGNATURE, 0, LEAF, INTER) },
          .ca = { E(UNABLE_TO_VERIFY_LEAF_SIGNATURE, 0, LEAF, INTER) },
          .verdict = "unknown-issuer", .code = "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
          .code_ca = "UNABLE_TO_VERIFY_LEAF_SIGNATURE", .missing = INTER,
          .says = { "nothing named \"" INTER "\"", "wrong CA", "intermediate + root" } },
        { .name = "expired leaf, CA unknown: the last error wins", .chain = { C_LEAF_ROOT, NONE }, .name_ok = true,
          .pub = { E(UNABLE_TO_VERIFY_LEAF_SIGNATURE, 0, LEAF, ROOT), E(CERT_HAS_EXPIRED, 0, LEAF, ROOT) },
          .verdict = "unfixable", .code = "CERT_HAS_EXPIRED",
          .says = { "has expired", "renew", "NODE_TLS_REJECT_UNAUTHORIZED=0", "dangerous" } },
        { .name = "expired leaf, --ca root", .chain = { C_LEAF_ROOT, NONE }, .name_ok = true, .have_ca = true,
          .pub = { E(UNABLE_TO_VERIFY_LEAF_SIGNATURE, 0, LEAF, ROOT), E(CERT_HAS_EXPIRED, 0, LEAF, ROOT) },
          .ca = { E(CERT_HAS_EXPIRED, 0, LEAF, ROOT) },
          .verdict = "unfixable", .code = "CERT_HAS_EXPIRED", .code_ca = "CERT_HAS_EXPIRED",
          .says = { "no CA file can fix this", "--insecure" } },
        { .name = "name mismatch, chain trusted", .chain = { C_LEAF_ROOT, C_INTER, NONE }, .name_ok = false,
          .verdict = "unfixable", .code = "ERR_TLS_CERT_ALTNAME_INVALID",
          .says = { "DNS:pve.example.internal", "not for the address 127.0.0.1", "IP:127.0.0.1 in subjectAltName" } },
        { .name = "name mismatch, chain untrusted: Node reports the chain first", .chain = { C_LEAF_ROOT, NONE },
          .name_ok = false, .pub = { E(UNABLE_TO_VERIFY_LEAF_SIGNATURE, 0, LEAF, ROOT) },
          .verdict = "unfixable", .code = "UNABLE_TO_VERIFY_LEAF_SIGNATURE", .says = { "not for the address" } },
        { .name = "home-made CA without CA:TRUE, given as --ca", .chain = { C_LEAF_ROOT, NONE }, .name_ok = true,
          .have_ca = true, .ca_has_root = true, .pub = { E(UNABLE_TO_VERIFY_LEAF_SIGNATURE, 0, LEAF, ROOT) },
          .ca = { E(INVALID_PURPOSE, 1, ROOT, ROOT) },
          .verdict = "unfixable", .code = "UNABLE_TO_VERIFY_LEAF_SIGNATURE", .code_ca = "INVALID_PURPOSE",
          .says = { "not a valid CA", "CA:TRUE" } },
        { .name = "server certificate without serverAuth", .chain = { C_LEAF_ROOT, NONE }, .name_ok = true,
          .have_ca = true, .pub = { E(UNABLE_TO_VERIFY_LEAF_SIGNATURE, 0, LEAF, ROOT) },
          .ca = { E(INVALID_PURPOSE, 0, LEAF, ROOT) },
          .verdict = "unfixable", .code_ca = "INVALID_PURPOSE", .code = "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
          .says = { "not made for TLS servers", "serverAuth" } },
        { .name = "self-signed top that does not sign the leaf", .chain = { C_LEAF_INTER, C_ROOT, NONE },
          .name_ok = true, .top_checked = true,
          .pub = { E(UNABLE_TO_VERIFY_LEAF_SIGNATURE, 0, LEAF, INTER) },
          .top = { E(UNABLE_TO_VERIFY_LEAF_SIGNATURE, 0, LEAF, INTER) },
          .verdict = "unknown-issuer", .code = "UNABLE_TO_VERIFY_LEAF_SIGNATURE", .missing = INTER },
        { .name = "no certificate at all", .chain = { NONE }, .name_ok = false, .verdict = "unfixable",
          .code = "ERR_TLS_CERT_ALTNAME_INVALID", .says = { "no certificate" } },
};

static void fill(VerifyOutcome *o, const VerifyError *e, bool done) {
        *o = (VerifyOutcome) { .done = done };
        for (size_t i = 0; i < 3 && e[i].code != 0; i++)
                o->errors[o->n_errors++] = e[i];
}

static void test_decide(void **state) {
        for (size_t k = 0; k < ELEMENTSOF(cases); k++) {
                const Case *t = &cases[k];
                CertInfo chain[3];
                ProbeFacts f = {
                        .host = "127.0.0.1",
                        .host_is_ip = true,
                        .chain = chain,
                        .leaf_names = (char *) (t->name_ok ? "IP:127.0.0.1, DNS:localhost" : "DNS:pve.example.internal"),
                        .name_ok = t->name_ok,
                        .have_ca = t->have_ca,
                        .ca_loaded = t->have_ca ? 1 : 0,
                        .ca_has_root = t->ca_has_root,
                };
                for (size_t i = 0; i < 3 && t->chain[i] != NONE; i++)
                        chain[f.n_chain++] = certs[t->chain[i]];
                fill(&f.public_, t->pub, true);
                fill(&f.with_ca, t->ca, t->have_ca);
                fill(&f.with_top, t->top, t->top_checked);

                ProbeDecision d = {};
                print_message("case: %s\n", t->name);
                assert_int_equal(probe_decide(&f, &d), 0);
                print_message("  -> %s: %s\n", probe_verdict_to_string(d.verdict), d.message);
                assert_string_equal(probe_verdict_to_string(d.verdict), t->verdict);
                assert_true(d.ok == t->ok);
                if (t->code)
                        assert_string_equal(d.node_code, t->code);
                else
                        assert_null(d.node_code);
                if (t->code_ca)
                        assert_string_equal(d.node_code_with_ca, t->code_ca);
                else if (t->ok || !t->have_ca)
                        assert_null(d.node_code_with_ca);
                if (t->missing)
                        assert_string_equal(d.missing, t->missing);
                if (t->fingerprint)
                        assert_string_equal(d.fingerprint, t->fingerprint);
                assert_non_null(d.message);
                for (size_t i = 0; i < ELEMENTSOF(t->says) && t->says[i]; i++)
                        if (!strstr(d.message, t->says[i]))
                                fail_msg("case '%s': '%s' not in: %s", t->name, t->says[i], d.message);
                probe_decision_done(&d);
        }
}

static void test_node_codes(void **state) {
        assert_null(node_x509_code(X509_V_OK));
        assert_string_equal(node_x509_code(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT), "DEPTH_ZERO_SELF_SIGNED_CERT");
        assert_string_equal(node_x509_code(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY),
                            "UNABLE_TO_GET_ISSUER_CERT_LOCALLY");
        assert_string_equal(node_x509_code(X509_V_ERR_INVALID_PURPOSE), "INVALID_PURPOSE");
        /* not in Node's table */
        assert_string_equal(node_x509_code(X509_V_ERR_EE_KEY_TOO_SMALL), "UNSPECIFIED");
        for (int v = 0; v < _PROBE_VERDICT_MAX; v++)
                assert_non_null(probe_verdict_to_string((ProbeVerdict) v));
        assert_null(probe_verdict_to_string(_PROBE_VERDICT_MAX));
}

static void test_url(void **state) {
        static const struct {
                const char *url, *host;
                unsigned port;
                bool ip;
        } good[] = {
                { "https://pve.example.internal:8006", "pve.example.internal", 8006, false },
                { "https://pve.example.internal:8006/api2/json?x=1#y", "pve.example.internal", 8006, false },
                { "HTTPS://Example.COM", "Example.COM", 443, false },
                { "https://127.0.0.1/", "127.0.0.1", 443, true },
                { "https://[::1]:8443/x", "::1", 8443, true },
                { "https://[fe80::1]", "fe80::1", 443, true },
                { "https://localhost:1", "localhost", 1, false },
                { "https://a.b?q", "a.b", 443, false },
        };
        static const char *const bad[] = {
                "http://x", "https://", "https:///path", "https://x:", "https://x:0", "https://x:65536",
                "https://x:8a", "https://::1/", "https://[::1", "https://[x]:1", "https://[::1]x",
                "https://u@x", "https://a b", "https://x\n", "ftp://x", "x:443", "https://a:1:2",
                "https://ä.example",
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                ProbeUrl u = {};
                const char *why = NULL;
                print_message("good: %s\n", good[i].url);
                assert_int_equal(probe_url_parse(good[i].url, &u, &why), 0);
                assert_string_equal(u.host, good[i].host);
                assert_int_equal(u.port, good[i].port);
                assert_true(u.is_ip == good[i].ip);
                probe_url_done(&u);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                ProbeUrl u = {};
                const char *why = NULL;
                print_message("bad: %s\n", bad[i]);
                assert_int_equal(probe_url_parse(bad[i], &u, &why), -EINVAL);
                assert_non_null(why);
                assert_null(u.host);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_decide),
                cmocka_unit_test(test_node_codes),
                cmocka_unit_test(test_url),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
