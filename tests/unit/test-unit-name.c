/* SPDX-License-Identifier: MIT */
/* Unit names as systemd validates and completes them (research/systemd.md §7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "systemd/unit-name.h"

static void test_classify(void **state) {
        static const struct {
                const char *name;
                UnitNameKind kind;
        } rows[] = {
                { "foo.service", UNIT_NAME_PLAIN },
                { "foo@.service", UNIT_NAME_TEMPLATE },
                { "foo@bar.service", UNIT_NAME_INSTANCE },
                { "foo@a@b.service", UNIT_NAME_INSTANCE },
                { "a-b_c:d.e\\x20.service", UNIT_NAME_PLAIN },
                { "@.service", UNIT_NAME_INVALID },
                { "@foo.service", UNIT_NAME_INVALID },
                { "foo.bogus", UNIT_NAME_INVALID },
                { "foo", UNIT_NAME_INVALID },
                { ".service", UNIT_NAME_INVALID },
                { "", UNIT_NAME_INVALID },
                { "foo bar.service", UNIT_NAME_INVALID },
                { "foo/bar.service", UNIT_NAME_INVALID },
                { "f\xc3\xa9.service", UNIT_NAME_INVALID },
                { "a\tb.service", UNIT_NAME_INVALID },
                { "foo.socket", UNIT_NAME_PLAIN },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                if (unit_name_classify(rows[i].name) != rows[i].kind)
                        print_error("%s\n", rows[i].name);
                assert_int_equal(unit_name_classify(rows[i].name), rows[i].kind);
        }
}

static void test_length_limit(void **state) {
        char name[300];
        memset(name, 'a', sizeof(name));
        /* 255 bytes in all is the longest valid name */
        strcpy(name + 255 - strlen(".service"), ".service");
        assert_int_equal(strlen(name), 255);
        assert_true(unit_name_is_valid(name, UNIT_NAME_ANY));
        memset(name, 'a', sizeof(name));
        strcpy(name + 256 - strlen(".service"), ".service");
        assert_false(unit_name_is_valid(name, UNIT_NAME_ANY));
}

static void test_complete(void **state) {
        static const struct {
                const char *in, *out;
        } ok[] = {
                { "homepage", "homepage.service" },
                { "homepage.service", "homepage.service" },
                { "foo.bar", "foo.bar.service" },
                { "foo.bogus", "foo.bogus.service" },
                { "foo@bar", "foo@bar.service" },
                { "foo@", "foo@.service" },
                { "x.socket", "x.socket" },
                /* escaped as systemctl escapes them */
                { "a b", "a\\x20b.service" },
                { "a/b", "a-b.service" },
                { "../../etc/passwd", "..-..-etc-passwd.service" },
                { "/", "-.mount" },
                { "a\nb", "a\\x0ab.service" },
        };
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                char *r = NULL;
                const char *why = NULL;
                assert_true(unit_name_complete(ok[i].in, 252, &r, &why) >= 0);
                assert_string_equal(r, ok[i].out);
                free(r);
        }
        static const char *const bad[] = { "", "@x", "@.service" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *r = NULL;
                const char *why = NULL;
                assert_int_equal(unit_name_complete(bad[i], 252, &r, &why), -EINVAL);
                assert_non_null(why);
                assert_null(r);
        }
        char *r = NULL;
        assert_int_equal(unit_name_with_suffix("a b", &r), -EINVAL);
        assert_int_equal(unit_name_with_suffix("homepage", &r), 0);
        assert_string_equal(r, "homepage.service");
        free(r);
}

/* systemd's own cases: 252 src/test/test-unit-name.c TEST(unit_name_mangle) (without globs) and
 * 257 TEST(unit_name_mangle_with_suffix). 0: unchanged, 1: mangled. */
static void test_mangle_systemd_cases(void **state) {
        static const struct {
                unsigned version;
                const char *in, *out;
                int ret;
        } rows[] = {
                { 252, "foo.service", "foo.service", 0 },
                { 252, "/home", "home.mount", 1 },
                { 252, "/dev/sda", "dev-sda.device", 1 },
                { 252, "\xc3\xbcxkn\xc3\xbcrz.service", "\\xc3\\xbcxkn\\xc3\\xbcrz.service", 1 },
                { 252, "foobar-meh...waldi.service", "foobar-meh...waldi.service", 0 },
                { 252, "_____####----.....service", "_____\\x23\\x23\\x23\\x23----.....service", 1 },
                { 252, "_____##@;;;,,,##----.....service",
                  "_____\\x23\\x23@\\x3b\\x3b\\x3b\\x2c\\x2c\\x2c\\x23\\x23----.....service", 1 },
                { 252, "xxx@@@@/////\\\\\\\\\\yyy.service", "xxx@@@@-----\\\\\\\\\\yyy.service", 1 },
                { 252, "", NULL, -EINVAL },
                { 257, "", NULL, -EINVAL },
                { 257, "/dev", "dev.mount", 1 },
                { 257, "/../dev", "dev.mount", 1 },
                { 257, "/../dev/.", "dev.mount", 1 },
                { 257, "/.././dev", "dev.mount", 1 },
                { 257, "/./.././../dev/", "dev.mount", 1 },
                { 257, "/../sys", "sys.mount", 1 },
                { 257, "/../proc", "proc.mount", 1 },
                { 257, "/dev/sda", "dev-sda.device", 1 },
                { 257, "/dev/sda5", "dev-sda5.device", 1 },
                { 257, "/.././dev/..", "-..-.-dev-...service", 1 },
                /* 252 keeps a leading "/..": no path, so it is escaped instead */
                { 252, "/../dev", "-..-dev.service", 1 },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                char *r = NULL;
                int k = unit_name_mangle(rows[i].in, rows[i].version, &r);
                if (k != rows[i].ret || !streq_ptr(r, rows[i].out))
                        fail_msg("row %zu (%s, systemd %u): %d '%s', expected %d '%s'", i, rows[i].in,
                                 rows[i].version, k, r ? r : "(null)", rows[i].ret, rows[i].out ? rows[i].out : "(null)");
                /* mangling the result again changes nothing */
                char *again = NULL;
                if (r && (unit_name_mangle(r, rows[i].version, &again) != 0 || !streq(again, r)))
                        fail_msg("row %zu: mangling '%s' again gave '%s'", i, r, again ? again : "(null)");
                free(again);
                free(r);
        }
}

static void test_parts(void **state) {
        _cleanup_free_ char *t = NULL, *i = NULL, *p = NULL, *r = NULL;
        assert_int_equal(unit_name_template("foo-bar@baz.service", &t), 0);
        assert_string_equal(t, "foo-bar@.service");
        assert_int_equal(unit_name_instance("foo-bar@baz.service", &i), 0);
        assert_string_equal(i, "baz");
        assert_int_equal(unit_name_prefix("foo-bar@baz.service", &p), 0);
        assert_string_equal(p, "foo-bar");
        assert_int_equal(unit_name_replace_instance("foo@.service", "x", &r), 0);
        assert_string_equal(r, "foo@x.service");
        char *x = NULL;
        assert_int_equal(unit_name_template("foo.service", &x), -EINVAL);
        assert_null(x);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_classify),
                cmocka_unit_test(test_length_limit),
                cmocka_unit_test(test_complete),
                cmocka_unit_test(test_mangle_systemd_cases),
                cmocka_unit_test(test_parts),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
