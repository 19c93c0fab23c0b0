/* SPDX-License-Identifier: MIT */
/* Environment= and UnsetEnvironment= word splitting, C escapes and specifiers.
 * Input: one selector byte (which specifier context), then the rvalue (up to the first NUL).
 * Properties: extract_word() always advances and terminates; every entry that
 * environ_apply_line() keeps is a valid assignment and names are unique. */
#include "systemd/environ.h"
#include "fuzz-common.h"

volatile size_t fuzz_sink;

static const SpecifierContext contexts[] = {
        { .unit_id = "foo.service" },
        { .unit_id = "foo-bar@a-b\\x2dc.service", .fragment_path = "/etc/systemd/system/foo-bar@.service" },
        { .unit_id = "foo@.service", .user = true },
        { .unit_id = "x\\x2fy-z.mount", .root = "/nonexistent-fuzz-root" },
        { .unit_id = "a-b-c.slice", .fragment_path = "/nonexistent/a-b-c.slice" },
};

static void all_words(const char *s, unsigned flags) {
        const char *p = s;
        size_t len = strlen(s);
        for (size_t guard = 0;; guard++) {
                char *w = NULL;
                const char *before = p;
                int r = extract_word(&p, &w, flags);
                FUZZ_CHECK(r >= -EINVAL && r <= 1);
                if (r <= 0) {
                        FUZZ_CHECK(!w || r < 0);
                        free(w);
                        break;
                }
                FUZZ_CHECK(w);
                /* A found word consumes input and stays inside the string. */
                FUZZ_CHECK(p > before && p <= s + len);
                /* Unescaping never makes a word longer than its source, except \u/\U of
                 * fewer bytes than their digits: bounded by the input anyway. */
                FUZZ_CHECK(strlen(w) <= (size_t) (p - before));
                fuzz_sink += fuzz_touch(w);
                free(w);
                FUZZ_CHECK(guard <= len);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 1)
                return 0;
        const SpecifierContext *ctx = &contexts[data[0] % ELEMENTSOF(contexts)];
        bool no_ctx = data[0] >= 0xf0;
        char *s = fuzz_strndup(data + 1, size - 1);

        for (unsigned flags = 0; flags <= (EXTRACT_UNQUOTE | EXTRACT_CUNESCAPE); flags++)
                all_words(s, flags);

        char *x = NULL;
        int r = specifier_expand(s, no_ctx ? NULL : ctx, &x);
        if (r >= 0) {
                FUZZ_CHECK(x);
                fuzz_sink += fuzz_touch(x);
                /* Without any '%' the text is unchanged. */
                if (!strchr(s, '%'))
                        FUZZ_CHECK(streq(x, s));
        }
        free(x);

        EnvList env = {};
        Diags d = {};
        /* Start from a non-empty list so that replacing and resetting are exercised. */
        FUZZ_CHECK(env_list_set(&env, "A=1", "seed:1") == 0);
        FUZZ_CHECK(env_list_set(&env, "NODE_EXTRA_CA_CERTS=/x", "seed:2") == 0);
        r = environ_apply_line(&env, s, "/fuzz/unit.service:1", ctx, &d);
        FUZZ_CHECK(r == 0);
        for (size_t i = 0; i < env.n; i++) {
                const char *a = env.entries[i].assignment;
                FUZZ_CHECK(env_assignment_is_valid(a));
                fuzz_sink += fuzz_touch(env.entries[i].source);
                size_t n = strcspn(a, "=");
                for (size_t j = 0; j < i; j++)
                        FUZZ_CHECK(!(strncmp(env.entries[j].assignment, a, n) == 0 &&
                                     env.entries[j].assignment[n] == '='));
                FUZZ_CHECK(env_list_get(&env, strndupa(a, n)) == &env.entries[i]);
        }

        char **unset = NULL;
        r = unset_environ_apply_line(&unset, s, "/fuzz/unit.service:2", ctx, &d);
        FUZZ_CHECK(r == 0);
        for (char **u = unset; u && *u; u++) {
                fuzz_sink += fuzz_touch(*u);
                env_list_unset(&env, *u);
                /* After unsetting a name, it is gone. */
                if (!strchr(*u, '='))
                        FUZZ_CHECK(!env_list_get(&env, *u));
        }
        strv_free(unset);

        fuzz_sink += fuzz_touch_diags(&d);
        diags_done(&d);
        env_list_done(&env);
        free(s);
        return 0;
}
