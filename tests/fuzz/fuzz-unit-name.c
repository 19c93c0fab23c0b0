/* SPDX-License-Identifier: MIT */
/* Unit-name validation and completion, and the drop-in escaping proof.
 * Input: NAME [ '\n' INSTANCE ] (each up to the first NUL).
 * Properties: the name helpers agree with unit_name_classify() and with each other (template +
 * instance give back the name); and for any valid UTF-8 path without newline,
 * environment_quote() read back by environ_apply_line() -- directly and through the drop-in
 * that render_dropin() writes, parsed by the unit-file reader -- gives exactly
 * NODE_EXTRA_CA_CERTS=<path>. */
#include "systemd/environ.h"
#include "fuzz-common.h"
#include "trust/plan.h"
#include "systemd/unit-name.h"
#include "systemd/unit-syntax.h"

volatile size_t fuzz_sink;

static void check_name(const char *s, const char *inst) {
        UnitNameKind k = unit_name_classify(s);
        FUZZ_CHECK(k == UNIT_NAME_INVALID || k == UNIT_NAME_PLAIN || k == UNIT_NAME_TEMPLATE ||
                   k == UNIT_NAME_INSTANCE);
        FUZZ_CHECK(unit_name_is_valid(s, UNIT_NAME_ANY) == (k != UNIT_NAME_INVALID));
        if (k != UNIT_NAME_INVALID) {
                FUZZ_CHECK(strlen(s) < UNIT_NAME_MAX);
                FUZZ_CHECK(!strchr(s, '/'));
                FUZZ_CHECK(unit_name_type(s));
        }

        /* systemctl's mangling, both versions: a valid result that mangles to itself again, or a
         * refusal with a reason */
        for (unsigned v = 252; v <= 257; v += 5) {
                char *full = NULL, *again = NULL;
                const char *why = NULL;
                int r = unit_name_complete(s, v, &full, &why);
                if (r >= 0) {
                        FUZZ_CHECK(full && unit_name_classify(full) != UNIT_NAME_INVALID);
                        FUZZ_CHECK(!strchr(full, '/') && strlen(full) < UNIT_NAME_MAX);
                        if (k != UNIT_NAME_INVALID)
                                FUZZ_CHECK(r == 0 && streq(full, s));
                        FUZZ_CHECK(unit_name_mangle(full, v, &again) == 0 && streq(again, full));
                        fuzz_sink += fuzz_touch(full);
                } else {
                        FUZZ_CHECK(r == -EINVAL && why && *why);
                        fuzz_sink += fuzz_touch(why);
                }
                free(again);
                free(full);
        }

        char *tmpl = NULL, *instance = NULL, *prefix = NULL;
        int r = unit_name_template(s, &tmpl);
        FUZZ_CHECK((r == 0) == (k == UNIT_NAME_INSTANCE));
        if (r == 0)
                FUZZ_CHECK(unit_name_classify(tmpl) == UNIT_NAME_TEMPLATE);
        r = unit_name_instance(s, &instance);
        FUZZ_CHECK((r == 0) == (k == UNIT_NAME_INSTANCE));
        if (r == 0) {
                FUZZ_CHECK(*instance);
                char *back = NULL;
                FUZZ_CHECK(unit_name_replace_instance(tmpl, instance, &back) == 0);
                FUZZ_CHECK(streq(back, s));
                free(back);
        }
        r = unit_name_prefix(s, &prefix);
        FUZZ_CHECK((r == 0) == (k != UNIT_NAME_INVALID));
        if (r == 0) {
                FUZZ_CHECK(unit_prefix_is_valid(prefix, strlen(prefix)));
                FUZZ_CHECK(strncmp(s, prefix, strlen(prefix)) == 0);
        }
        free(tmpl);
        free(instance);
        free(prefix);

        if (inst) {
                char *t = NULL, *i2 = NULL;
                r = unit_name_replace_instance(s, inst, &t);
                if (r == 0) {
                        FUZZ_CHECK(k == UNIT_NAME_TEMPLATE || k == UNIT_NAME_INSTANCE);
                        FUZZ_CHECK(unit_name_classify(t) == UNIT_NAME_INSTANCE);
                        FUZZ_CHECK(unit_name_instance(t, &i2) == 0 && streq(i2, inst));
                }
                free(t);
                free(i2);
        }
}

typedef struct DropinEnv {
        EnvList env;
        Diags diags;
        int n_env_lines;
        bool other;
} DropinEnv;

static const SpecifierContext ctx = { .unit_id = "foo@bar.service" };

static int on_assignment(void *userdata, const char *section, const char *key, const char *value,
                         unsigned line) {
        DropinEnv *d = userdata;
        if (section && streq(section, "Service") && streq(key, "Environment")) {
                d->n_env_lines++;
                return environ_apply_line(&d->env, value, "dropin", &ctx, &d->diags);
        }
        d->other = true;
        return 0;
}

static void check_quote(const char *path) {
        if (strchr(path, '\n') || !utf8_is_valid(path, strlen(path)))
                return;
        char *expect = xasprintf("NODE_EXTRA_CA_CERTS=%s", path);
        char *q = environment_quote("NODE_EXTRA_CA_CERTS", path);
        FUZZ_CHECK(expect && q);
        /* One physical line, so it cannot add settings to the drop-in. */
        FUZZ_CHECK(!strchr(q, '\n') && !strchr(q, '\r'));

        EnvList env = {};
        Diags d = {};
        FUZZ_CHECK(environ_apply_line(&env, q, "q", &ctx, &d) == 0);
        if (env.n != 1 || !streq(env.entries[0].assignment, expect)) {
                fprintf(stderr, "path:   '%s'\nquoted: %s\ngot:    %zu entries, '%s'\n", path, q, env.n,
                        env.n ? env.entries[0].assignment : "");
                FUZZ_CHECK(!"environment_quote round trip");
        }
        env_list_done(&env);
        diags_done(&d);

        /* The same through the whole drop-in, as systemd will read the file unit-tls writes. */
        char *dropin = render_dropin(PLAN_SET_CA, path, true, NULL);
        FUZZ_CHECK(dropin);
        FILE *f = fmemopen(dropin, strlen(dropin), "r");
        FUZZ_CHECK(f);
        DropinEnv de = {};
        unsigned line = 0;
        int r = unit_syntax_parse(f, "/etc/systemd/system/foo@bar.service.d/unit-tls.conf", on_assignment,
                                  &de, &de.diags, &line);
        fclose(f);
        if (r != 0 || de.n_env_lines != 1 || de.env.n != 1 || !streq(de.env.entries[0].assignment, expect)) {
                fprintf(stderr, "path: '%s'\ndrop-in:\n%s\nparse %d, %d Environment= lines, %zu entries, '%s'\n",
                        path, dropin, r, de.n_env_lines, de.env.n, de.env.n ? de.env.entries[0].assignment : "");
                for (char **l = de.diags.lines; l && *l; l++)
                        fprintf(stderr, "diag: %s\n", *l);
                FUZZ_CHECK(!"drop-in round trip");
        }
        env_list_done(&de.env);
        diags_done(&de.diags);
        free(dropin);
        free(q);
        free(expect);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = fuzz_strndup(data, size);
        char *nl = strchr(s, '\n');
        const char *inst = NULL;
        if (nl) {
                *nl = 0;
                inst = nl + 1;
        }
        check_name(s, inst);
        check_quote(s);
        free(s);
        return 0;
}
