/* SPDX-License-Identifier: MIT */
/* trustconf_parse_file() (unit-tls.d(5)) on arbitrary bytes. Properties: every entry is a valid
 * service name, found again by trustconf_find(), once; every CA path is absolute; a problem is a
 * diagnostic, never an error but -ENOMEM. */
#include "systemd/unit-name.h"
#include "trust/trustconf.h"
#include "fuzz-common.h"

volatile size_t fuzz_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        FILE *f = fuzz_fmemopen(data, size);
        if (!f)
                return 0;
        TrustConf c = {};
        Diags d = {};
        int r = trustconf_parse_file(f, "/etc/unit-tls.d/fuzz.conf", &c, &d);
        fclose(f);
        FUZZ_CHECK(r == 0 || r == -ENOMEM);
        for (size_t i = 0; i < c.n; i++) {
                const TrustEntry *e = &c.entries[i];
                FUZZ_CHECK(e->unit && unit_name_is_valid(e->unit, UNIT_NAME_ANY));
                FUZZ_CHECK(streq(unit_name_type(e->unit), "service"));
                FUZZ_CHECK(trustconf_find(&c, e->unit) == e);
                FUZZ_CHECK(e->source && startswith(e->source, "/etc/unit-tls.d/fuzz.conf:"));
                FUZZ_CHECK(e->insecure >= -1 && e->insecure <= 1 && e->system_store >= -1 && e->system_store <= 1);
                for (size_t k = 0; k < e->n_cas; k++) {
                        FUZZ_CHECK(e->cas[k].path && e->cas[k].path[0] == '/');
                        fuzz_sink += fuzz_touch(e->cas[k].path) + fuzz_touch(e->cas[k].source);
                }
                fuzz_sink += fuzz_touch(e->unit) + fuzz_touch(e->insecure_source) + fuzz_touch(e->system_store_source);
        }
        fuzz_sink += fuzz_touch_diags(&d);
        diags_done(&d);
        trustconf_done(&c);
        return 0;
}
