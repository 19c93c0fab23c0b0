/* SPDX-License-Identifier: MIT */
/* env_file_parse() (EnvironmentFile= format) on arbitrary bytes. Properties: on success every
 * entry has a valid name, one entry per name; on failure the list is untouched. */
#include "systemd/environ.h"
#include "fuzz-common.h"

volatile size_t fuzz_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        EnvList env = {};
        Diags d = {};
        FUZZ_CHECK(env_list_set(&env, "KEEP=1", "seed:1") == 0);
        int r = env_file_parse((const char *) data, size, "/fuzz/env", size % 2 ? 252 : 257, &env, &d);
        FUZZ_CHECK(r == 0 || r == -EINVAL || r == -EBADMSG);
        if (r < 0)
                FUZZ_CHECK(env.n == 1 && streq(env.entries[0].assignment, "KEEP=1"));
        if (r == -EBADMSG)
                FUZZ_CHECK(memchr(data, 0, size));
        for (size_t i = 0; i < env.n; i++) {
                const char *a = env.entries[i].assignment;
                size_t n = strcspn(a, "=");
                FUZZ_CHECK(a[n] == '=');
                char *name = strndup(a, n);
                FUZZ_CHECK(name && env_name_is_valid(name));
                FUZZ_CHECK(env_list_get(&env, name) == &env.entries[i]);
                free(name);
                fuzz_sink += fuzz_touch(a) + fuzz_touch(env.entries[i].source);
        }
        fuzz_sink += fuzz_touch_diags(&d);
        diags_done(&d);
        env_list_done(&env);
        return 0;
}
