/* SPDX-License-Identifier: MIT */
/* Tests for src/systemd/environ.c. Expected values come from research/systemd.md §3.13/§4 and were
 * cross-checked against libsystemd-shared-252 and `systemd --test` (see the module report). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include "systemd/environ.h"

#define END ((const char *) NULL)

static const SpecifierContext sys_ctx = { .unit_id = "foo-bar@a-b\\x2dc.service" };

/* Joins an EnvList as "A=1|B=2" for compact comparisons. */
static char *env_join(const EnvList *l) {
        Buf b = {};

        buf_put(&b, "", 0);
        for (size_t i = 0; i < l->n; i++) {
                if (i > 0)
                        buf_putc(&b, '|');
                buf_puts(&b, l->entries[i].assignment);
        }
        return buf_steal(&b);
}

static char *strv_join_bar(char **l) {
        Buf b = {};

        buf_put(&b, "", 0);
        for (size_t i = 0; l && l[i]; i++) {
                if (i > 0)
                        buf_putc(&b, '|');
                buf_puts(&b, l[i]);
        }
        return buf_steal(&b);
}

static void assert_env(const EnvList *l, const char *expected) {
        _cleanup_free_ char *s = env_join(l);
        assert_non_null(s);
        assert_string_equal(s, expected);
}

/* ---------------------------------------------------------------------------------------------- */

typedef struct WordCase {
        const char *input;
        unsigned flags;
        const char *words[6]; /* expected words, END-terminated */
        int final;            /* return value of the call after the last word */
} WordCase;

#define UQ_CE (EXTRACT_UNQUOTE | EXTRACT_CUNESCAPE)

static const WordCase word_cases[] = {
        { "", UQ_CE, { END }, 0 },
        { "   \t\n\r ", UQ_CE, { END }, 0 },
        { "a b  c", UQ_CE, { "a", "b", "c", END }, 0 },
        { "  lead trail  ", UQ_CE, { "lead", "trail", END }, 0 },
        { "A='x y'z", UQ_CE, { "A=x yz", END }, 0 },
        { "A=a\"b c\"d", UQ_CE, { "A=ab cd", END }, 0 },
        { "\"A=a b\" B=c", UQ_CE, { "A=a b", "B=c", END }, 0 },
        { "A=ok B=\"unterminated", UQ_CE, { "A=ok", END }, -EINVAL },
        { "A='unterminated", UQ_CE, { END }, -EINVAL },
        { "''", UQ_CE, { "", END }, 0 },
        { "\"\" x", UQ_CE, { "", "x", END }, 0 },
        { "'a'\"b\"c", UQ_CE, { "abc", END }, 0 },
        { "'\"'", UQ_CE, { "\"", END }, 0 },
        /* C escapes, also inside single quotes */
        { "\\a\\b\\f\\n\\r\\t\\v", UQ_CE, { "\a\b\f\n\r\t\v", END }, 0 },
        { "\\\\ \\\" \\' x\\sy", UQ_CE, { "\\", "\"", "'", "x y", END }, 0 },
        { "'\\t'", UQ_CE, { "\t", END }, 0 },
        { "\"\\n\"", UQ_CE, { "\n", END }, 0 },
        { "\\x41\\x2f", UQ_CE, { "A/", END }, 0 },
        { "\\101\\177", UQ_CE, { "A\177", END }, 0 },
        { "\\u00e9", UQ_CE, { "\xc3\xa9", END }, 0 },
        { "\\U0001F600", UQ_CE, { "\xf0\x9f\x98\x80", END }, 0 },
        { "\\x80", UQ_CE, { "\x80", END }, 0 }, /* raw byte, judged later */
        { "\\ud800", UQ_CE, { "\xed\xa0\x80", END }, 0 },
        { "ok \\U0000d800", UQ_CE, { "ok", END }, -EINVAL },
        { "ok \\U00110000", UQ_CE, { "ok", END }, -EINVAL },
        { "\\x00", UQ_CE, { END }, -EINVAL },
        { "\\000", UQ_CE, { END }, -EINVAL },
        { "\\u0000", UQ_CE, { END }, -EINVAL },
        { "\\400", UQ_CE, { END }, -EINVAL },
        { "\\08", UQ_CE, { END }, -EINVAL },
        { "\\xg1", UQ_CE, { END }, -EINVAL },
        { "a \\d b", UQ_CE, { "a", END }, -EINVAL },
        { "trailing\\", UQ_CE, { END }, -EINVAL },
        { "a\\ b", UQ_CE, { END }, -EINVAL }, /* "\ " is no C escape */
        /* without CUNESCAPE a backslash just keeps the next character */
        { "a\\ b \\d", EXTRACT_UNQUOTE, { "a b", "d", END }, 0 },
        { "'\\n'", EXTRACT_UNQUOTE, { "n", END }, 0 },
        /* without UNQUOTE quotes are ordinary characters */
        { "'a b'", EXTRACT_CUNESCAPE, { "'a", "b'", END }, 0 },
        { "\"x", 0, { "\"x", END }, 0 },
};

static void test_extract_word_table(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(word_cases); i++) {
                const WordCase *c = &word_cases[i];
                const char *p = c->input;
                size_t k = 0;
                int r;

                for (;;) {
                        _cleanup_free_ char *w = NULL;

                        r = extract_word(&p, &w, c->flags);
                        if (r <= 0) {
                                assert_null(w);
                                break;
                        }
                        assert_non_null(c->words[k]);
                        assert_string_equal(w, c->words[k]);
                        k++;
                }
                if (c->words[k] != NULL || r != c->final)
                        fail_msg("row %zu '%s': stopped after %zu words with %d, expected %d", i, c->input, k,
                                 r, c->final);
        }
}

static void test_extract_word_pointer(void **state) {
        const char *p = "one  two";
        char *w = NULL;

        assert_int_equal(extract_word(&p, &w, UQ_CE), 1);
        assert_string_equal(w, "one");
        assert_string_equal(p, "two");
        free(w);
        assert_int_equal(extract_word(&p, &w, UQ_CE), 1);
        free(w);
        assert_int_equal(extract_word(&p, &w, UQ_CE), 0);
        assert_null(w);

        /* a NULL cursor is the end */
        p = NULL;
        w = (char *) "sentinel";
        assert_int_equal(extract_word(&p, &w, UQ_CE), 0);
        assert_null(w);

        /* on error the out-parameters stay untouched */
        const char *q = "\"open";
        const char *saved = q;
        w = (char *) "sentinel";
        assert_int_equal(extract_word(&q, &w, UQ_CE), -EINVAL);
        assert_ptr_equal(q, saved);
        assert_string_equal(w, "sentinel");
}

/* ---------------------------------------------------------------------------------------------- */

typedef struct ValidCase {
        const char *s;
        bool name, assignment;
} ValidCase;

static const ValidCase valid_cases[] = {
        { "A", true, false },
        { "_", true, false },
        { "a_1", true, false },
        { "A=", false, true },
        { "A=1", false, true },
        { "A=x=y", false, true },
        { "_X9=\t\n\x1b", false, true }, /* control characters are fine in values */
        { "1A", false, false },
        { "1A=x", false, false },
        { "A-B=x", false, false },
        { "A B=x", false, false },
        { "export G=1", false, false },
        { "\xc3\xa9=1", false, false },
        { "=x", false, false },
        { "", false, false },
        { "A=\xc3\xa9", false, true },
        { "A=\xff", false, false },
        { "A=\xc0\x80", false, false },         /* overlong */
        { "A=\xed\xa0\x80", false, false },     /* surrogate */
        { "A=\xef\xbf\xbe", false, false },     /* U+FFFE: systemd refuses non-characters */
        { "A=\xef\xb7\x90", false, false },     /* U+FDD0 */
        { "A=\xf4\x8f\xbf\xbd", false, true },  /* U+10FFFD */
        { "A=\xf0\x9f\x98\x80", false, true },
};

static void test_validity_table(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(valid_cases); i++) {
                const ValidCase *c = &valid_cases[i];
                if (env_name_is_valid(c->s) != c->name || env_assignment_is_valid(c->s) != c->assignment)
                        fail_msg("row %zu '%s': name=%d assignment=%d", i, c->s, env_name_is_valid(c->s),
                                 env_assignment_is_valid(c->s));
        }
        assert_false(env_name_is_valid(NULL));
        assert_false(env_assignment_is_valid(NULL));
}

/* ---------------------------------------------------------------------------------------------- */

typedef struct EnvLineCase {
        const char *before;   /* applied first as its own line, or NULL */
        const char *rvalue;
        const char *expected; /* env joined by '|' */
        size_t n_diags;
} EnvLineCase;

static const EnvLineCase env_line_cases[] = {
        { NULL, "A=1", "A=1", 0 },
        { NULL, "A='x y'z", "A=x yz", 0 },
        { NULL, "A=a\"b c\"d", "A=ab cd", 0 },
        { NULL, "\"A=a b\" B=c", "A=a b|B=c", 0 },
        { NULL, "A=ok B=\"unterminated", "A=ok", 1 },
        { NULL, "A=1 B=\\d C=3", "A=1", 1 },
        { NULL, "A=$HOME", "A=$HOME", 0 },
        { NULL, "A=\\n", "A=\n", 0 },
        { NULL, "A=", "A=", 0 },
        { NULL, "1A=x A-B=y ok=1", "ok=1", 2 },
        { NULL, "novalue A=1", "A=1", 1 },
        { NULL, "A=\\x80 B=2", "B=2", 1 },        /* raw byte: not UTF-8 */
        { NULL, "A=\\ud800 B=2", "B=2", 1 },      /* surrogate: invalid word, line goes on */
        { NULL, "A=\\U0000d800 B=2", "", 1 },     /* invalid \U: syntax error, rest dropped */
        { NULL, "A=1 A=2 B=3 A=4", "A=4|B=3", 0 },
        { "A=1 B=2 C=3", "B=x", "A=1|B=x|C=3", 0 }, /* replace in place */
        { "A=1 B=2", "", "", 0 },                   /* empty resets */
        { "A=1", "   ", "A=1", 0 },                 /* only whitespace: no words, no reset */
        /* specifiers are expanded after unescaping */
        { NULL, "N=%n", "N=foo-bar@a-b\\x2dc.service", 0 },
        { NULL, "N=\\x25n", "N=foo-bar@a-b\\x2dc.service", 0 },
        { NULL, "P=%%", "P=%", 0 },
        { NULL, "P=%%n", "P=%n", 0 },
        { NULL, "Z=%Z Y=ok", "Y=ok", 1 },
        { NULL, "T=x% U=%-x", "T=x%|U=%-x", 0 },
        { NULL, "%i=1", "", 1 },            /* "a-b\x2dc=1": an invalid name after expansion */
        { NULL, "X=%i", "X=a-b\\x2dc", 0 },
};

static void test_environ_line_table(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(env_line_cases); i++) {
                const EnvLineCase *c = &env_line_cases[i];
                _cleanup_(env_list_done) EnvList env = {};
                _cleanup_(diags_done) Diags d = {};

                if (c->before)
                        assert_int_equal(environ_apply_line(&env, c->before, "u:1", &sys_ctx, NULL), 0);
                assert_int_equal(environ_apply_line(&env, c->rvalue, "u:2", &sys_ctx, &d), 0);

                _cleanup_free_ char *got = env_join(&env);
                if (!streq(got, c->expected) || strv_length(d.lines) != c->n_diags)
                        fail_msg("row %zu '%s': got '%s' with %zu diags, expected '%s' and %zu", i, c->rvalue,
                                 got, strv_length(d.lines), c->expected, c->n_diags);
        }
}

static void test_environ_line_diags_and_sources(void **state) {
        _cleanup_(env_list_done) EnvList env = {};
        _cleanup_(diags_done) Diags d = {};

        assert_int_equal(environ_apply_line(&env, "A=1 B=2", "a.conf:3", &sys_ctx, &d), 0);
        assert_int_equal(environ_apply_line(&env, "B=3 C=\"x", "b.conf:7", &sys_ctx, &d), 0);
        assert_env(&env, "A=1|B=3");
        assert_string_equal(env_list_get(&env, "A")->source, "a.conf:3");
        assert_string_equal(env_list_get(&env, "B")->source, "b.conf:7");
        assert_int_equal(strv_length(d.lines), 1);
        assert_string_equal(d.lines[0], "b.conf:7: Invalid syntax, ignoring: B=3 C=\"x");

        assert_int_equal(environ_apply_line(&env, "1X=y", "c.conf:1", &sys_ctx, &d), 0);
        assert_string_equal(d.lines[1], "c.conf:1: Invalid environment assignment, ignoring: 1X=y");
        assert_int_equal(environ_apply_line(&env, "Q=%Z", "c.conf:2", &sys_ctx, &d), 0);
        assert_non_null(strstr(d.lines[2], "c.conf:2: Failed to resolve specifiers in Q=%Z"));
}

/* ---------------------------------------------------------------------------------------------- */

typedef struct SpecCase {
        const char *unit_id;
        const char *fmt;
        const char *expected; /* NULL: error */
        int error;
} SpecCase;

static const SpecCase spec_cases[] = {
        { "foo-bar@a-b\\x2dc.service", "%n", "foo-bar@a-b\\x2dc.service", 0 },
        { "foo-bar@a-b\\x2dc.service", "%N", "foo-bar@a-b\\x2dc", 0 },
        { "foo-bar@a-b\\x2dc.service", "%p", "foo-bar", 0 },
        { "foo-bar@a-b\\x2dc.service", "%P", "foo/bar", 0 },
        { "foo-bar@a-b\\x2dc.service", "%i", "a-b\\x2dc", 0 },
        { "foo-bar@a-b\\x2dc.service", "%I", "a/b-c", 0 },
        { "foo-bar@a-b\\x2dc.service", "%j", "bar", 0 },
        { "foo-bar@a-b\\x2dc.service", "%J", "bar", 0 },
        { "foo-bar@a-b\\x2dc.service", "%f", "/a/b-c", 0 },
        { "foo-bar@a-b\\x2dc.service", "%d", "/run/credentials/foo-bar@a-b\\x2dc.service", 0 },
        /* %c %r as the unit file is read: no cgroup and no default slice yet (oracle tree 59) */
        { "foo-bar@a-b\\x2dc.service", "%c", "/foo-bar@a-b\\x2dc.service", 0 },
        { "foo-bar@a-b\\x2dc.service", "[%r]", "[]", 0 },
        { "foo.service", "%c", "/foo.service", 0 },
        { "foo.service", "[%R]", "[]", 0 },
        { "foo.service", "[%i][%I]", "[][]", 0 }, /* no instance: empty */
        { "foo.service", "%j", "foo", 0 },
        { "foo.service", "%f", "/foo", 0 },
        { "var-lib-my\\x20app.mount", "%f", "/var/lib/my app", 0 },
        { "var-lib-my\\x20app.mount", "%J", "my app", 0 },
        { "-.mount", "%f", "/", 0 },
        { "foo@-.service", "%f", "/", 0 },
        { "foo-.service", "[%j]", "[]", 0 },
        { "foo-.service", "[%J]", "[]", 0 }, /* systemd 252 itself aborts here */
        { "foo-.service", "%f", NULL, -EINVAL },
        { "foo@a-..-b.service", "%f", NULL, -EINVAL },
        { "foo@\\xzz.service", "%I", NULL, -EINVAL },
        { "aaaaaaaaaaaaaaaaaaaa_0123456789abcdef.mount", "%f", NULL, -ENAMETOOLONG },
        { "foo.bogus", "%p", NULL, -EINVAL },
        { "foo.bogus", "%n", "foo.bogus", 0 },
        /* system manager facts */
        { "x.service", "%u:%U:%g:%G", "root:0:root:0", 0 },
        { "x.service", "%h %s", "/root /bin/sh", 0 },
        { "x.service", "%t %S %C %L %E", "/run /var/lib /var/cache /var/log /etc", 0 },
        { "x.service", "%T %V", "/tmp /var/tmp", 0 },
        /* escaping rules */
        { "x.service", "%%", "%", 0 },
        { "x.service", "100%", "100%", 0 },
        { "x.service", "%-x %/ %\xc3\xa9", "%-x %/ %\xc3\xa9", 0 },
        { "x.service", "%Z", NULL, -EBADSLT },
        { "x.service", "%9", NULL, -EBADSLT },
        { "x.service", "%k", NULL, -EBADSLT },
        { "x.service", "%y", NULL, -ENOENT }, /* no fragment path given */
};

static void test_specifier_table(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(spec_cases); i++) {
                const SpecCase *c = &spec_cases[i];
                const SpecifierContext ctx = { .unit_id = c->unit_id };
                char *out = (char *) "untouched";
                int r = specifier_expand(c->fmt, &ctx, &out);

                if (c->expected) {
                        if (r != 0 || !streq(out, c->expected))
                                fail_msg("row %zu %s '%s': r=%d out='%s', expected '%s'", i, c->unit_id, c->fmt, r,
                                         r == 0 ? out : "", c->expected);
                        free(out);
                } else if (r != c->error || !streq(out, "untouched"))
                        fail_msg("row %zu %s '%s': r=%d, expected %d", i, c->unit_id, c->fmt, r, c->error);
        }
}

static void test_specifier_host_facts(void **state) {
        const SpecifierContext ctx = { .unit_id = "x.service" };
        _cleanup_free_ char *m = NULL, *b = NULL, *a = NULL, *h = NULL, *l = NULL, *v = NULL;

        /* machine and boot id: 32 lowercase hex digits, as the host has them */
        if (access("/etc/machine-id", R_OK) == 0) {
                assert_int_equal(specifier_expand("%m", &ctx, &m), 0);
                assert_int_equal(strlen(m), 32);
                assert_int_equal(strspn(m, "0123456789abcdef"), 32);
        }
        if (access("/proc/sys/kernel/random/boot_id", R_OK) == 0) {
                assert_int_equal(specifier_expand("%b", &ctx, &b), 0);
                assert_int_equal(strspn(b, "0123456789abcdef"), 32);
                assert_int_equal(strlen(b), 32);
        }
        assert_int_equal(specifier_expand("%a", &ctx, &a), 0);
#if defined(__x86_64__)
        assert_string_equal(a, "x86-64");
#endif
        assert_int_equal(specifier_expand("%H", &ctx, &h), 0);
        assert_int_equal(specifier_expand("%l", &ctx, &l), 0);
        assert_true(strlen(h) > 0);
        assert_null(strchr(l, '.'));
        assert_int_equal(strncmp(h, l, strlen(l)), 0);
        assert_int_equal(specifier_expand("%v", &ctx, &v), 0);
        assert_true(strlen(v) > 0);
}

/* An OS tree in a temp dir. */
static char *make_root(void) {
        char tmpl[] = "/tmp/test-environ-XXXXXX";
        char *d = mkdtemp(tmpl) ? strdup(tmpl) : NULL;
        return d;
}

static void write_file(const char *root, const char *rel, const char *content) {
        _cleanup_free_ char *p = strjoin_path(root, rel);
        _cleanup_fclose_ FILE *f = NULL;

        assert_non_null(p);
        f = fopen(p, "we");
        assert_non_null(f);
        fputs(content, f);
}

static void rm_tree(const char *root) {
        _cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", root);
        assert_int_equal(system(cmd), 0);
}

static void test_specifier_root(void **state) {
        _cleanup_free_ char *root = make_root(), *etc = NULL, *lib = NULL;
        SpecifierContext ctx = { .unit_id = "x.service" };

        assert_non_null(root);
        ctx.root = root;
        etc = strjoin_path(root, "etc");
        lib = strjoin_path(root, "usr/lib");
        assert_int_equal(mkdir(etc, 0755), 0);

        /* nothing there: os-release is -EUNATCH, machine-id -EUNATCH, hostname falls back */
        char *out = NULL;
        assert_int_equal(specifier_expand("%o", &ctx, &out), -EUNATCH);
        assert_int_equal(specifier_expand("%m", &ctx, &out), -EUNATCH);
        assert_int_equal(specifier_expand("%H", &ctx, &out), 0);
        assert_string_equal(out, "localhost");
        free(out);

        write_file(root, "etc/machine-id", "0123456789ABCDEF0123456789abcdef\n");
        write_file(root, "etc/hostname", "web1.example.com\n");
        write_file(root, "etc/machine-info", "PRETTY_HOSTNAME=\"Web One\"\n");
        write_file(root, "etc/os-release",
                   "# comment\nID=testos\nVERSION_ID=\"42\"\nBUILD_ID='b 7'\nVARIANT_ID=server\n"
                   "IMAGE_ID=img\nIMAGE_VERSION=1.2\nID=final\n");

        static const struct {
                const char *fmt, *expected;
        } rows[] = {
                { "%m", "0123456789abcdef0123456789abcdef" },
                { "%o", "final" }, /* the last assignment wins */
                { "%w", "42" },
                { "%B", "b 7" },
                { "%W", "server" },
                { "%M", "img" },
                { "%A", "1.2" },
                { "%H", "web1.example.com" },
                { "%l", "web1" },
                { "%q", "Web One" },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                out = NULL;
                assert_int_equal(specifier_expand(rows[i].fmt, &ctx, &out), 0);
                if (!streq(out, rows[i].expected))
                        fail_msg("%s: '%s', expected '%s'", rows[i].fmt, out, rows[i].expected);
                free(out);
        }

        /* a missing field is empty; /usr/lib/os-release is the fallback */
        _cleanup_free_ char *etc_osr = strjoin_path(root, "etc/os-release");
        assert_int_equal(unlink(etc_osr), 0);
        _cleanup_free_ char *usr = strjoin_path(root, "usr");
        assert_int_equal(mkdir(usr, 0755), 0);
        assert_int_equal(mkdir(lib, 0755), 0);
        write_file(root, "usr/lib/os-release", "ID=fallback\n");
        out = NULL;
        assert_int_equal(specifier_expand("[%o][%w]", &ctx, &out), 0);
        assert_string_equal(out, "[fallback][]");
        free(out);

        /* /etc/hostname as read_etc_hostname() reads it (systemd 252 src/test/test-hostname-setup.c,
         * TEST(read_etc_hostname)): comments and blank lines skipped, the name cleaned up */
        static const struct {
                const char *file, *expected;
        } hostnames[] = {
                { "# written by the installer\n\n  pve-node1  \n", "pve-node1" },
                { "#only a comment\n", "localhost" },
                { "\n\n", "localhost" },
                { "foo.bar.\n", "foo.bar" },
                { "foo..bar\n", "foo.bar" },
                { "#a\n#b\nhost_x\n", "host_x" },
                { "# comment\n\n foo ", "foo" },
                { "!foo/bar.com", "foobar.com" },
                { "", "localhost" },
        };
        for (size_t i = 0; i < ELEMENTSOF(hostnames); i++) {
                write_file(root, "etc/hostname", hostnames[i].file);
                out = NULL;
                assert_int_equal(specifier_expand("%H", &ctx, &out), 0);
                if (!streq(out, hostnames[i].expected))
                        fail_msg("/etc/hostname %zu: '%s', expected '%s'", i, out, hostnames[i].expected);
                free(out);
        }

        /* invalid machine ids */
        write_file(root, "etc/machine-id", "uninitialized\n");
        assert_int_equal(specifier_expand("%m", &ctx, &out), -ENOMEDIUM);
        write_file(root, "etc/machine-id", "xyz\n");
        assert_int_equal(specifier_expand("%m", &ctx, &out), -EINVAL);

        /* %y %Y resolve symlinks within the root */
        _cleanup_free_ char *sysdir = strjoin_path(root, "etc/systemd");
        assert_int_equal(mkdir(sysdir, 0755), 0);
        write_file(root, "usr/lib/real.service", "[Service]\n");
        _cleanup_free_ char *link = strjoin_path(root, "etc/systemd/x.service");
        assert_int_equal(symlink("/usr/lib/real.service", link), 0);
        ctx.fragment_path = "/etc/systemd/x.service";
        out = NULL;
        assert_int_equal(specifier_expand("%y|%Y", &ctx, &out), 0);
        assert_string_equal(out, "/usr/lib/real.service|/usr/lib");
        free(out);

        /* relative targets, and ".." that would climb out of the root, stay inside it */
        _cleanup_free_ char *rel = strjoin_path(root, "etc/systemd/rel.service");
        _cleanup_free_ char *esc = strjoin_path(root, "etc/systemd/esc.service");
        _cleanup_free_ char *dangling = strjoin_path(root, "etc/systemd/gone.service");
        assert_int_equal(symlink("../../usr/lib/real.service", rel), 0);
        assert_int_equal(symlink("../../../../../../usr/lib/./real.service", esc), 0);
        assert_int_equal(symlink("/nowhere", dangling), 0);
        static const char *const frags[] = { "/etc/systemd/rel.service", "/etc/systemd/esc.service" };
        for (size_t i = 0; i < ELEMENTSOF(frags); i++) {
                ctx.fragment_path = frags[i];
                out = NULL;
                assert_int_equal(specifier_expand("%y", &ctx, &out), 0);
                assert_string_equal(out, "/usr/lib/real.service");
                free(out);
        }
        ctx.fragment_path = "/etc/systemd/gone.service";
        assert_int_equal(specifier_expand("%y", &ctx, &out), -ENOENT);

        rm_tree(root);
}

static void test_specifier_fragment_host(void **state) {
        _cleanup_free_ char *root = make_root(), *frag = NULL, *out = NULL;
        SpecifierContext ctx = { .unit_id = "x.service" };

        assert_non_null(root);
        write_file(root, "x.service", "[Service]\n");
        frag = strjoin_path(root, "x.service");
        ctx.fragment_path = frag;
        assert_int_equal(specifier_expand("%Y/%n", &ctx, &out), 0);
        _cleanup_free_ char *real_root = realpath(root, NULL);
        _cleanup_free_ char *expected = xasprintf("%s/x.service", real_root);
        assert_string_equal(out, expected);
        rm_tree(root);
}

static void test_specifier_user(void **state) {
        const SpecifierContext ctx = { .unit_id = "x.service", .user = true };
        char *out = NULL;

        setenv("HOME", "/home/tester//", 1);
        setenv("XDG_RUNTIME_DIR", "/run/user/1234", 1);
        setenv("XDG_STATE_HOME", "/st", 1);
        unsetenv("XDG_CACHE_HOME");
        setenv("XDG_CONFIG_HOME", "relative/ignored", 1);
        setenv("SHELL", "/bin/zsh", 1);

        assert_int_equal(specifier_expand("%h|%s|%t|%S|%L|%C|%E|%d", &ctx, &out), 0);
        assert_string_equal(out, "/home/tester|/bin/zsh|/run/user/1234|/st|/st/log|/home/tester/.cache|"
                                 "/home/tester/.config|/run/user/1234/credentials/x.service");
        free(out);

        _cleanup_free_ char *uid = xasprintf("%u", (unsigned) getuid());
        assert_int_equal(specifier_expand("%U", &ctx, &out), 0);
        assert_string_equal(out, uid);
        free(out);

        unsetenv("XDG_RUNTIME_DIR");
        out = (char *) "untouched";
        assert_int_equal(specifier_expand("%t", &ctx, &out), -ENXIO);
        assert_string_equal(out, "untouched");
}

static void test_specifier_without_unit(void **state) {
        char *out = NULL;

        /* without a unit (DefaultEnvironment=) only system and tmp specifiers exist */
        assert_int_equal(specifier_expand("%T%%", NULL, &out), 0);
        assert_string_equal(out, "/tmp%");
        free(out);
        assert_int_equal(specifier_expand("%n", NULL, &out), -EBADSLT);
}

/* ---------------------------------------------------------------------------------------------- */

static void test_env_list_ops(void **state) {
        _cleanup_(env_list_done) EnvList l = {};

        assert_int_equal(env_list_set(&l, "A=1", "f:1"), 0);
        assert_int_equal(env_list_set(&l, "B=2", "f:2"), 0);
        assert_int_equal(env_list_set(&l, "C=3", NULL), 0);
        assert_int_equal(env_list_set(&l, "A=9", "f:9"), 0);
        assert_env(&l, "A=9|B=2|C=3");
        assert_string_equal(env_list_get(&l, "A")->source, "f:9");
        assert_null(env_list_get(&l, "C")->source);
        assert_string_equal(env_entry_value(env_list_get(&l, "B")), "2");
        assert_null(env_list_get(&l, "D"));
        assert_null(env_list_get(&l, "A=9"));
        assert_int_equal(env_list_set(&l, "noequals", NULL), -EINVAL);
        assert_env(&l, "A=9|B=2|C=3");

        /* names that are prefixes of each other stay apart */
        assert_int_equal(env_list_set(&l, "AB=x", NULL), 0);
        env_list_unset(&l, "A");
        assert_env(&l, "B=2|C=3|AB=x");

        env_list_reset(&l);
        assert_int_equal(l.n, 0);
        assert_int_equal(env_list_set(&l, "Z=", NULL), 0);
        assert_string_equal(env_entry_value(&l.entries[0]), "");
}

typedef struct UnsetCase {
        const char *pattern;
        const char *expected;
} UnsetCase;

static const UnsetCase unset_cases[] = {
        { "A", "B=2|C=|D=x" },
        { "A=1", "B=2|C=|D=x" },
        { "A=2", "A=1|B=2|C=|D=x" }, /* exact assignment only */
        { "A=", "A=1|B=2|C=|D=x" },
        { "C=", "A=1|B=2|D=x" },
        { "C", "A=1|B=2|D=x" },
        { "X", "A=1|B=2|C=|D=x" },
        { "D=x", "A=1|B=2|C=" },
};

/* Many variables: every one found, a replacement keeps its position, and after an unset in the
 * middle every later name is still found at its new position (the name index). */
static void test_env_list_many(void **state) {
        _cleanup_(env_list_done) EnvList l = {};
        char a[64];
        for (int i = 0; i < 10000; i++) {
                snprintf(a, sizeof a, "V%d=%d", i, i);
                assert_int_equal(env_list_set(&l, a, "src"), 0);
        }
        assert_int_equal(env_list_set(&l, "V5000=new", "later"), 0);
        assert_int_equal(l.n, 10000);
        assert_string_equal(l.entries[5000].assignment, "V5000=new");
        assert_int_equal(env_list_unset(&l, "V17"), 0);
        assert_int_equal(env_list_unset(&l, "V18=wrong-value"), 0);   /* not that value: stays */
        assert_int_equal(l.n, 9999);
        for (int i = 0; i < 10000; i++) {
                snprintf(a, sizeof a, "V%d", i);
                const EnvEntry *e = env_list_get(&l, a);
                if (i == 17) {
                        assert_null(e);
                        continue;
                }
                assert_non_null(e);
                assert_ptr_equal(e, &l.entries[i < 17 ? i : i - 1]);
        }
        assert_null(env_list_get(&l, "V"));
        assert_null(env_list_get(&l, "V10000"));
}

/* Across the size where the list starts indexing its names (a scan below it), both ways: the
 * same answers while it grows past it and after an unset brings it back under. */
static void test_env_list_index_threshold(void **state) {
        _cleanup_(env_list_done) EnvList l = {};
        char a[64];
        for (int n = 1; n <= 40; n++) {
                snprintf(a, sizeof a, "V%d=%d", n, n);
                assert_int_equal(env_list_set(&l, a, "src"), 0);
                assert_int_equal(env_list_set(&l, "V1=again", "later"), 0);  /* in place */
                assert_int_equal(l.n, (size_t) n);
                assert_string_equal(l.entries[0].assignment, "V1=again");
                for (int i = 1; i <= n; i++) {
                        snprintf(a, sizeof a, "V%d", i);
                        assert_ptr_equal(env_list_get(&l, a), &l.entries[i - 1]);
                }
                assert_null(env_list_get(&l, "V1=again"));  /* a name, never an assignment */
                assert_null(env_list_get(&l, "V"));
        }
        for (int n = 40; n > 1; n--) {
                snprintf(a, sizeof a, "V%d", n);
                assert_int_equal(env_list_unset(&l, a), 0);
                assert_null(env_list_get(&l, a));
                assert_int_equal(l.n, (size_t) n - 1);
                assert_ptr_equal(env_list_get(&l, "V1"), &l.entries[0]);
                snprintf(a, sizeof a, "V%d", n - 1);
                assert_ptr_equal(env_list_get(&l, a), &l.entries[n - 2]);
        }
}

static void test_env_list_unset_table(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(unset_cases); i++) {
                _cleanup_(env_list_done) EnvList l = {};
                for (const char *const *a = (const char *const[]) { "A=1", "B=2", "C=", "D=x", NULL }; *a; a++)
                        assert_int_equal(env_list_set(&l, *a, NULL), 0);
                env_list_unset(&l, unset_cases[i].pattern);
                _cleanup_free_ char *got = env_join(&l);
                if (!streq(got, unset_cases[i].expected))
                        fail_msg("unset '%s': '%s'", unset_cases[i].pattern, got);
        }
}

/* env_list_unset_all() is env_list_unset() of each name: every row of the table alone, all of
 * them at once, and many names on many variables (one pass: this ran for seconds before). */
static void test_env_list_unset_all(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(unset_cases); i++) {
                _cleanup_(env_list_done) EnvList l = {};
                for (const char *const *a = (const char *const[]) { "A=1", "B=2", "C=", "D=x", NULL }; *a; a++)
                        assert_int_equal(env_list_set(&l, *a, NULL), 0);
                char *one[] = { (char *) unset_cases[i].pattern, NULL };
                assert_int_equal(env_list_unset_all(&l, one), 0);
                _cleanup_free_ char *got = env_join(&l);
                if (!streq(got, unset_cases[i].expected))
                        fail_msg("unset_all '%s': '%s'", unset_cases[i].pattern, got);
        }
        _cleanup_(env_list_done) EnvList l = {}, m = {};
        _cleanup_strv_free_ char **names = NULL;
        char a[64];
        for (int i = 0; i < 20000; i++) {
                snprintf(a, sizeof a, "V%d=%d", i, i);
                assert_int_equal(env_list_set(&l, a, "src"), 0);
                assert_int_equal(env_list_set(&m, a, "src"), 0);
        }
        for (int i = 0; i < 20000; i += 3) {
                snprintf(a, sizeof a, i % 2 ? "V%d" : "V%d=%d", i, i + (i % 4 == 0));  /* some values differ */
                assert_int_equal(strv_extend(&names, a), 0);
                if (i < 600)
                        env_list_unset(&m, a);  /* the slow way, on a prefix */
        }
        assert_int_equal(env_list_unset_all(&l, names), 0);
        for (int i = 0; i < 20000; i++) {
                snprintf(a, sizeof a, "V%d", i);
                const EnvEntry *e = env_list_get(&l, a);
                bool gone = i % 3 == 0 && (i % 2 || i % 4 != 0);
                if (gone)
                        assert_null(e);
                else
                        assert_non_null(e);
                if (i < 600)
                        assert_true(!env_list_get(&m, a) == gone);
        }
        assert_null(env_list_get(&l, "V1=1"));
}

typedef struct UnsetLineCase {
        const char *before, *rvalue, *expected;
        size_t n_diags;
} UnsetLineCase;

static const UnsetLineCase unset_line_cases[] = {
        { NULL, "A B=1", "A|B=1", 0 },
        { NULL, "'A' \"B=x y\"", "A|B=x y", 0 },
        { NULL, "1A A-B ok", "ok", 2 },
        { "A", "A B A", "A|B", 0 },        /* no duplicates */
        { "A B", "", "", 0 },               /* reset */
        { NULL, "A \"B", "A", 1 },          /* earlier words kept on a syntax error */
        { NULL, "X_%p", "X_foo", 0 },       /* specifiers */
        { NULL, "N=%n", "N=foo.service", 0 },
        { NULL, "Z=%Z K", "K", 1 },
        { NULL, "A=\\x41", "A=A", 0 },
};

static void test_unset_environ_table(void **state) {
        const SpecifierContext ctx = { .unit_id = "foo.service" };

        for (size_t i = 0; i < ELEMENTSOF(unset_line_cases); i++) {
                const UnsetLineCase *c = &unset_line_cases[i];
                _cleanup_strv_free_ char **list = NULL;
                _cleanup_(diags_done) Diags d = {};

                if (c->before)
                        assert_int_equal(unset_environ_apply_line(&list, c->before, "u:1", &ctx, NULL), 0);
                assert_int_equal(unset_environ_apply_line(&list, c->rvalue, "u:2", &ctx, &d), 0);
                _cleanup_free_ char *got = strv_join_bar(list);
                if (!streq(got, c->expected) || strv_length(d.lines) != c->n_diags)
                        fail_msg("row %zu '%s': '%s' (%zu diags), expected '%s' (%zu)", i, c->rvalue, got,
                                 strv_length(d.lines), c->expected, c->n_diags);
        }
}

static void test_unset_applied_to_env(void **state) {
        const SpecifierContext ctx = { .unit_id = "foo.service" };
        _cleanup_(env_list_done) EnvList env = {};
        _cleanup_strv_free_ char **unset = NULL;

        assert_int_equal(environ_apply_line(&env, "A=1 B=2 C=3 D=4", "u:1", &ctx, NULL), 0);
        assert_int_equal(unset_environ_apply_line(&unset, "A B=9 C=3", "u:2", &ctx, NULL), 0);
        for (char **u = unset; *u; u++)
                env_list_unset(&env, *u);
        assert_env(&env, "B=2|D=4");
}

/* ---------------------------------------------------------------------------------------------- */

typedef struct EnvFileCase {
        const char *data;
        const char *expected; /* NULL when the whole file fails */
        int error;
} EnvFileCase;

static const EnvFileCase env_file_cases[] = {
        { "", "", 0 },
        { "A=1\nB=2\n", "A=1|B=2", 0 },
        { "A=1\nB=2", "A=1|B=2", 0 },
        { "F=value # x\n", "F=value # x", 0 },
        { "#c\nG=1\n;c\n  # indented\nH=2", "G=1|H=2", 0 },
        { "export G=1\nK=ok\n", "K=ok", 0 },
        { "bad name=1\n1X=2\nY-Z=3\nok=4\n", "ok=4", 0 },
        { "noequals\nA=1\n", "A=1", 0 },
        { "  lead=1\n\tB =  2  \n", "lead=1|B=2", 0 },
        { "O=a\"b\"\n", "O=a\"b\"", 0 },
        { "M=\"a\" \"b\"\nN=\"a\"b\n", "M=ab|N=ab", 0 },
        { "Q=\"x\" y z \n", "Q=xy z", 0 },
        { "S='multi\nline'\n", "S=multi\nline", 0 },
        { "S='no \\n $esc'\n", "S=no \\n $esc", 0 },
        { "T=\"a\\\nb\"\n", "T=ab", 0 },
        { "U=\"\\\"\\\\\\$\\`\\n\"\n", "U=\"\\$`\\n", 0 },
        { "V=a\\\nb\n", "V=ab", 0 },
        { "V=\\\nb\n", "V=b", 0 },
        { "W=a\\x\\ b\n", "W=ax b", 0 },
        { "E=a \\  \n", "E=a  ", 0 },       /* escaped space kept, unescaped trailing stripped */
        { "A=\"\"\nB=''\nC=\n", "A=|B=|C=", 0 },
        { "DUP=1\nX=2\nDUP=3\n", "DUP=3|X=2", 0 },
        { "#comment \\\nL=swallowed\nM=kept\n", "M=kept", 0 }, /* 252 quirk */
        { "#comment \\\r\nL=kept\r\n", "L=kept", 0 },          /* CR eaten by the escape, LF ends */
        { "A=1\r\nB=2\r\n", "A=1|B=2", 0 },
        { "A=1\rB=2\r", "A=1|B=2", 0 },
        { "A=\"open\nB=2", "A=open\nB=2", 0 },
        { "A='open", "A=open", 0 },
        { "A=\\", "A=", 0 },
        { "==x\n", "", 0 },
        { "A=\xc3\xa9\n", "A=\xc3\xa9", 0 },
        { "#\xff comment\nA=1\n", "A=1", 0 },   /* only pushed keys/values must be UTF-8 */
        { "\xff no equals\nA=1\n", "A=1", 0 },
        { "A=1\nB=\xff\n", NULL, -EINVAL },
        { "K\xff=1\n", NULL, -EINVAL },
        { "A=\xef\xbf\xbe\n", NULL, -EINVAL },
};

static void test_env_file_table(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(env_file_cases); i++) {
                const EnvFileCase *c = &env_file_cases[i];
                _cleanup_(env_list_done) EnvList out = {};
                _cleanup_(diags_done) Diags d = {};

                assert_int_equal(env_list_set(&out, "PRE=x", "seed"), 0);
                int r = env_file_parse(c->data, strlen(c->data), "/etc/t.env", 252, &out, &d);
                _cleanup_free_ char *got = env_join(&out);

                if (c->expected) {
                        _cleanup_free_ char *want = xasprintf(*c->expected ? "PRE=x|%s" : "PRE=x%s", c->expected);
                        if (r != 0 || !streq(got, want))
                                fail_msg("row %zu: r=%d '%s', expected '%s'", i, r, got, want);
                } else if (r != c->error || !streq(got, "PRE=x")) /* untouched on failure */
                        fail_msg("row %zu: r=%d '%s', expected error %d", i, r, got, c->error);
        }
}

static void test_env_file_nul_and_sources(void **state) {
        _cleanup_(env_list_done) EnvList out = {};
        _cleanup_(diags_done) Diags d = {};
        static const char nul[] = "A=1\0B=2\n";

        /* an embedded NUL: systemd's read_full_stream() refuses the file */
        assert_int_equal(env_file_parse(nul, sizeof nul - 1, "/x.env", 252, &out, &d), -EBADMSG);
        assert_int_equal(out.n, 0);

        static const char data[] = "# head\r\n\r\nA=1\r\nB='two\nlines'\n\nbad-name=1\nC=\\\ncont\nA=again\n";
        assert_int_equal(env_file_parse(data, sizeof data - 1, "/x.env", 252, &out, &d), 0);
        assert_env(&out, "A=again|B=two\nlines|C=cont");
        assert_string_equal(env_list_get(&out, "A")->source, "/x.env:10");
        assert_string_equal(env_list_get(&out, "B")->source, "/x.env:4");
        assert_string_equal(env_list_get(&out, "C")->source, "/x.env:8");
        assert_int_equal(strv_length(d.lines), 1);
        assert_string_equal(d.lines[0], "/x.env:7: Ignoring invalid environment assignment 'bad-name=1'");

        /* a later file overrides in place, keeping the first position */
        static const char second[] = "C=new\nD=4\n";
        assert_int_equal(env_file_parse(second, sizeof second - 1, "/y.env", 252, &out, &d), 0);
        assert_env(&out, "A=again|B=two\nlines|C=new|D=4");
        assert_string_equal(env_list_get(&out, "C")->source, "/y.env:1");

        /* invalid UTF-8 is reported and the file leaves out alone */
        static const char bad[] = "E=5\nF=\xc3\n";
        assert_int_equal(env_file_parse(bad, sizeof bad - 1, "/z.env", 252, &out, &d), -EINVAL);
        assert_null(env_list_get(&out, "E"));
        assert_non_null(strstr(d.lines[strv_length(d.lines) - 1], "/z.env:2: invalid UTF-8"));
}

/* systemd's own test-env-file.c, 252 (bookworm) and 257 (trixie): the same inputs, each read by
 * the version that tests it; env_file_3 is where they differ (v254: a comment ending in '\'
 * no longer continues onto the next line). */
#define SD_ENV_FILE_1 "a=a\na=b\na=b\na=a\nb=b\\\nc\nd= d\\\ne  \\\nf  \ng=g\\ \n" \
                      "h= \xc4\x85\xc4\x99\\ x \ni=i\\"
#define SD_ENV_FILE_3_252 "#SPAMD_ARGS=\"-d --socketpath=/var/lib/bulwark/spamd \\\n" \
                          "#--nouser-config                                     \\\n" \
                          "normal=line                                          \\\n" \
                          ";normal=ignored                                      \\\n" \
                          "normal_ignored                                       \\\n" \
                          "normal ignored                                       \\\n"
#define SD_ENV_FILE_3_257 "#SPAMD_ARGS=\"-d --socketpath=/var/lib/bulwark/spamd \\\n" \
                          "#--nouser-config                                     \\\n" \
                          "normal1=line\\\n" \
                          "111\n" \
                          ";normal=ignored                                      \\\n" \
                          "normal2=line222\n" \
                          "normal ignored                                       \\\n"

static void test_env_file_systemd_cases(void **state) {
        static const struct {
                unsigned version;
                const char *data, *expected;
        } rows[] = {
                { 252, SD_ENV_FILE_1, "a=a|b=bc|d=de  f|g=g |h=\xc4\x85\xc4\x99 x|i=i" },
                { 257, SD_ENV_FILE_1, "a=a|b=bc|d=de  f|g=g |h=\xc4\x85\xc4\x99 x|i=i" },
                { 252, "a=a\\\n", "a=a" },
                { 257, "a=a\\\n", "a=a" },
                { 252, SD_ENV_FILE_3_252, "" },
                { 252, SD_ENV_FILE_3_257, "" },
                { 253, SD_ENV_FILE_3_257, "" },
                { 254, SD_ENV_FILE_3_257, "normal1=line111|normal2=line222" },
                { 257, SD_ENV_FILE_3_257, "normal1=line111|normal2=line222" },
                { 252, "# Generated\n\nHWMON_MODULES=\"coretemp f71882fg\"\n\n# For compatibility reasons\n\n"
                       "MODULE_0=coretemp\nMODULE_1=f71882fg",
                  "HWMON_MODULES=coretemp f71882fg|MODULE_0=coretemp|MODULE_1=f71882fg" },
                { 257, "a=\nb=", "a=|b=" },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(env_list_done) EnvList out = {};
                assert_int_equal(env_file_parse(rows[i].data, strlen(rows[i].data), "/t.env", rows[i].version, &out, NULL), 0);
                _cleanup_free_ char *got = env_join(&out);
                if (!streq(got, rows[i].expected))
                        fail_msg("row %zu (systemd %u): '%s', expected '%s'", i, rows[i].version, got, rows[i].expected);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_extract_word_table),
                cmocka_unit_test(test_extract_word_pointer),
                cmocka_unit_test(test_validity_table),
                cmocka_unit_test(test_environ_line_table),
                cmocka_unit_test(test_environ_line_diags_and_sources),
                cmocka_unit_test(test_specifier_table),
                cmocka_unit_test(test_specifier_host_facts),
                cmocka_unit_test(test_specifier_root),
                cmocka_unit_test(test_specifier_fragment_host),
                cmocka_unit_test(test_specifier_user),
                cmocka_unit_test(test_specifier_without_unit),
                cmocka_unit_test(test_env_list_ops),
                cmocka_unit_test(test_env_list_unset_table),
                cmocka_unit_test(test_unset_environ_table),
                cmocka_unit_test(test_unset_applied_to_env),
                cmocka_unit_test(test_env_file_table),
                cmocka_unit_test(test_env_file_nul_and_sources),
                cmocka_unit_test(test_env_file_systemd_cases),
                cmocka_unit_test(test_env_list_many),
                cmocka_unit_test(test_env_list_index_threshold),
                cmocka_unit_test(test_env_list_unset_all),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
