/* SPDX-License-Identifier: MIT */
/* ca_check_data() on arbitrary bytes, with a fixed reference time. Properties: always 0, a
 * message exactly when the verdict is not ok, every string readable. */
#include "tls/ca-check.h"
#include "fuzz-common.h"

volatile size_t fuzz_sink;

/* 2030-01-01T00:00:00Z: the seed certificates in corpus/ca-check are valid, expired, not yet valid
 * and expiring within 30 days at this time. */
#define NOW ((time_t) 1893456000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        CaReport r = {};
        FUZZ_CHECK(ca_check_data((const char *) data, size, "/fuzz/ca.pem", NOW, &r) == 0);
        FUZZ_CHECK((r.verdict == CA_OK) == (r.message == NULL));
        FUZZ_CHECK(ca_verdict_to_string(r.verdict));
        if (size == 0)
                FUZZ_CHECK(r.verdict == CA_EMPTY);
        fuzz_sink += fuzz_touch(r.message);
        for (char **w = r.warnings; w && *w; w++)
                fuzz_sink += fuzz_touch(*w);
        for (size_t i = 0; i < r.n_certs; i++) {
                fuzz_sink += fuzz_touch(r.certs[i].subject) + fuzz_touch(r.certs[i].issuer);
                FUZZ_CHECK(memchr(r.certs[i].sha256, 0, sizeof(r.certs[i].sha256)));
                fuzz_sink += fuzz_touch(r.certs[i].sha256) + r.certs[i].line;
        }
        ca_report_done(&r);
        return 0;
}
