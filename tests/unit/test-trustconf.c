/* SPDX-License-Identifier: MIT */
/* unit-tls.d(5): the parser on the distro's inih (a table of texts, what they mean and what is
 * said about them), and the tmpfiles.d-style merge of /etc, /run and /usr/lib on a temp tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "trust/trustconf.h"

#define F "/etc/unit-tls.d/t.conf"

/* One line per entry: "unit@source CA=path@line ... Insecure=x invalid". */
static char *render(const TrustConf *c) {
        Buf b = {};
        buf_puts(&b, "");
        for (size_t i = 0; i < c->n; i++) {
                const TrustEntry *e = &c->entries[i];
                buf_printf(&b, "%s@%s", e->unit, strrchr(e->source, ':') + 1);
                for (size_t k = 0; k < e->n_cas; k++)
                        buf_printf(&b, " CA=%s@%s", e->cas[k].path, strrchr(e->cas[k].source, ':') + 1);
                if (e->insecure >= 0)
                        buf_printf(&b, " Insecure=%d", e->insecure);
                if (e->invalid)
                        buf_puts(&b, " invalid");
                buf_putc(&b, '\n');
        }
        return buf_steal(&b);
}

static char *joined(const Diags *d) {
        Buf b = {};
        buf_puts(&b, "");
        for (char **l = d->lines; l && *l; l++)
                buf_printf(&b, "%s\n", *l);
        return buf_steal(&b);
}

typedef struct Case {
        const char *name;
        const char *text;
        const char *entries;   /* render() of the result */
        const char *diag;      /* a substring every diagnostic run must contain; NULL: none at all */
} Case;

#define LONG49 "a-unit-name-that-is-longer-than-inih-keeps-for-sections"

static const Case cases[] = {
        { "basic", "[homepage]\nCA=/etc/pve/pve-root-ca.pem\nCA=/etc/ssl/b.pem\n",
          "homepage.service@1 CA=/etc/pve/pve-root-ca.pem@2 CA=/etc/ssl/b.pem@3\n", NULL },
        { "full name and insecure", "[legacy.service]\nInsecure=yes\n", "legacy.service@1 Insecure=1\n", NULL },
        { "start-of-line comments", "# a\n; b\n  # c\n[x]\n;CA=/no.pem\nCA=/a.pem\n", "x.service@4 CA=/a.pem@6\n", NULL },
        { "inline ; comment", "[x]\nCA=/a.pem ; the Proxmox root\n", "x.service@1 CA=/a.pem@2\n", NULL },
        { "; without space is data", "[x]\nCA=/a;b.pem\n", "x.service@1 CA=/a;b.pem@2\n", NULL },
        { "inline # is not a comment", "[x]\nCA=/a.pem  # note\n", "x.service@1\n", F ":2: CA=/a.pem  # note: '#' starts a comment only" },
        { "repeated keys one by one", "[x]\nCA=/a.pem\nCA=/b.pem\nCA=/a.pem\n", "x.service@1 CA=/a.pem@2 CA=/b.pem@3\n", NULL },
        { "indented line continues", "[x]\nCA=/a.pem\n   /b.pem\n", "x.service@1 CA=/a.pem@2 CA=/b.pem@3\n", NULL },
        { "empty CA= resets", "[x]\nCA=/a.pem\nCA=\nCA=/b.pem\n", "x.service@1 CA=/b.pem@4\n", NULL },
        { "path simplified", "[x]\nCA=/etc//ssl/./a.pem\n", "x.service@1 CA=/etc/ssl/a.pem@2\n", NULL },
        { "colon separates too", "[x]\nCA: /a.pem\n", "x.service@1 CA=/a.pem@2\n", NULL },
        { "same unit twice merges", "[x]\nCA=/a.pem\n[y]\nInsecure=yes\n[x.service]\nCA=/b.pem\n",
          "x.service@1 CA=/a.pem@2 CA=/b.pem@6\ny.service@3 Insecure=1\n", NULL },
        { "unknown key", "[x]\nColour=blue\nCA=/a.pem\n", "x.service@1 CA=/a.pem@3\n", F ":2: unknown key 'Colour'" },
        { "key case matters", "[x]\nca=/a.pem\n", "x.service@1\n", F ":2: unknown key 'ca' (keys are case-sensitive" },
        { "bad unit name", "[../x]\nCA=/a.pem\n[y]\nCA=/b.pem\n", "y.service@3 CA=/b.pem@4\n", F ":1: [../x]: invalid unit name" },
        { "not a service", "[x.socket]\nCA=/a.pem\n", "", F ":1: [x.socket]: not a service" },
        { "relative CA", "[x]\nCA=ca.pem\n", "x.service@1\n", F ":2: CA=ca.pem: not an absolute path" },
        { "CA and Insecure", "[x]\nCA=/a.pem\nInsecure=yes\n", "x.service@1 CA=/a.pem@2 Insecure=1 invalid\n",
          F ":1: [x.service]: CA= (" F ":2) and Insecure=yes (" F ":3) cannot be combined" },
        { "CA and Insecure=no", "[x]\nCA=/a.pem\nInsecure=no\n", "x.service@1 CA=/a.pem@2 Insecure=0\n", NULL },
        { "bad boolean", "[x]\nInsecure=maybe\n", "x.service@1\n", F ":2: Insecure=maybe: expected yes or no" },
        { "outside a section", "CA=/a.pem\n[x]\n", "x.service@2\n", F ":1: CA= outside of a [UNIT] section" },
        { "malformed line", "[x]\njunk\nCA=/a.pem\n", "x.service@1 CA=/a.pem@3\n", F ":2: expected KEY=VALUE" },
        { "unclosed section", "[x\nCA=/a.pem\n", "", F ":1: invalid section header" },
        { "long line skipped", "[x]\nCA=/" "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
                               "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\n"
                               "CA=/a.pem\n",
          "x.service@1 CA=/a.pem@3\n", F ":2: line is longer than 198 bytes" },
        { "long section name kept whole", "[" LONG49 "]\nCA=/a.pem\n", LONG49 ".service@1 CA=/a.pem@2\n", NULL },
        { "BOM and CRLF", "\xef\xbb\xbf[x]\r\nCA=/a.pem\r\n", "x.service@1 CA=/a.pem@2\n", NULL },
        { "control characters", "[x]\nCA=/a\x01.pem\n", "x.service@1\n", F ":2: CA=: the path has control characters" },
        { "template", "[web@.service]\nCA=/a.pem\n", "web@.service@1 CA=/a.pem@2\n", NULL },
};

static void test_parse_table(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const Case *c = &cases[i];
                FILE *f = fmemopen((void *) c->text, strlen(c->text), "r");
                assert_non_null(f);
                TrustConf conf = {};
                Diags d = {};
                assert_int_equal(trustconf_parse_file(f, F, &conf, &d), 0);
                fclose(f);
                _cleanup_free_ char *got = render(&conf), *diags = joined(&d);
                if (!streq(got, c->entries))
                        fail_msg("%s: entries\n%s\nexpected\n%s", c->name, got, c->entries);
                if (!c->diag && *diags)
                        fail_msg("%s: unexpected diagnostics:\n%s", c->name, diags);
                if (c->diag && !strstr(diags, c->diag))
                        fail_msg("%s: diagnostics\n%s\nlack '%s'", c->name, diags, c->diag);
                trustconf_done(&conf);
                diags_done(&d);
        }
}

/* ------------------------------------------------------------- the merge -- */

static char root[] = "/tmp/test-trustconf.XXXXXX";

static void put(const char *path, const char *text) {
        char p[512];
        snprintf(p, sizeof(p), "%s%s", root, path);
        char *slash = strrchr(p, '/');
        *slash = 0;
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", p);
        assert_int_equal(system(cmd), 0);
        *slash = '/';
        FILE *f = fopen(p, "we");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static void link_null(const char *path) {
        char p[512];
        snprintf(p, sizeof(p), "%s%s", root, path);
        assert_int_equal(symlink("/dev/null", p), 0);
}

static char *load(Diags *d) {
        TrustConf c = {};
        assert_int_equal(trustconf_load(root, &c, d), 0);
        Buf b = {};
        buf_puts(&b, "");
        for (char **f = c.files; f && *f; f++)
                buf_printf(&b, "file %s\n", *f);
        for (size_t i = 0; i < c.n; i++) {
                const TrustEntry *e = &c.entries[i];
                buf_printf(&b, "%s from %s:", e->unit, e->source);
                for (size_t k = 0; k < e->n_cas; k++)
                        buf_printf(&b, " %s", e->cas[k].path);
                buf_putc(&b, '\n');
        }
        trustconf_done(&c);
        return buf_steal(&b);
}

static void test_precedence(void **state) {
        assert_non_null(mkdtemp(root));
        put("/usr/lib/unit-tls.d/50-vendor.conf", "[a]\nCA=/vendor-a.pem\n[b]\nCA=/vendor-b.pem\n");
        put("/usr/lib/unit-tls.d/60-other.conf", "[c]\nCA=/vendor-c.pem\n");
        put("/usr/lib/unit-tls.d/70-masked.conf", "[d]\nCA=/vendor-d.pem\n");
        put("/usr/lib/unit-tls.d/80-emptied.conf", "[e]\nCA=/vendor-e.pem\n");
        put("/usr/lib/unit-tls.d/not-conf.txt", "[f]\nCA=/f.pem\n");
        put("/usr/lib/unit-tls.d/.hidden.conf", "[g]\nCA=/g.pem\n");
        put("/run/unit-tls.d/60-other.conf", "[c]\nCA=/run-c.pem\n");
        put("/etc/unit-tls.d/60-other.conf", "[c]\nCA=/etc-c.pem\n");   /* /etc beats /run beats /usr/lib */
        link_null("/etc/unit-tls.d/70-masked.conf");
        put("/run/unit-tls.d/80-emptied.conf", "");
        put("/etc/unit-tls.d/90-local.conf", "[a.service]\nCA=/local-a.pem\n");  /* later file: replaces [a] */
        put("/etc/unit-tls.d/10-early.conf", "[b]\nCA=/early-b.pem\n");          /* earlier file: replaced by 50- */

        Diags d = {};
        _cleanup_free_ char *got = load(&d);
        const char *want =
                "file /etc/unit-tls.d/10-early.conf\n"
                "file /usr/lib/unit-tls.d/50-vendor.conf\n"
                "file /etc/unit-tls.d/60-other.conf\n"
                "file /etc/unit-tls.d/90-local.conf\n"
                "a.service from /etc/unit-tls.d/90-local.conf:1: /local-a.pem\n"
                "b.service from /usr/lib/unit-tls.d/50-vendor.conf:3: /vendor-b.pem\n"
                "c.service from /etc/unit-tls.d/60-other.conf:1: /etc-c.pem\n";
        if (!streq(got, want))
                fail_msg("got\n%s\nexpected\n%s", got, want);
        assert_null(d.lines);
        diags_done(&d);
}

static void test_invalid_section_still_replaces(void **state) {
        /* The last file that names a unit decides; if its section is unusable, nothing for it. */
        put("/etc/unit-tls.d/95-broken.conf", "[c]\nCA=/x.pem\nInsecure=yes\n");
        Diags d = {};
        TrustConf c = {};
        assert_int_equal(trustconf_load(root, &c, &d), 0);
        const TrustEntry *e = trustconf_find(&c, "c.service");
        assert_non_null(e);
        assert_true(e->invalid);
        assert_string_equal(e->source, "/etc/unit-tls.d/95-broken.conf:1");
        assert_non_null(d.lines);
        assert_non_null(strstr(d.lines[0], "/etc/unit-tls.d/95-broken.conf:1: [c.service]: CA="));
        trustconf_done(&c);
        diags_done(&d);
}

static void test_unreadable_file(void **state) {
        if (geteuid() == 0)
                skip();   /* root reads a mode 000 file anyway */
        put("/etc/unit-tls.d/99-secret.conf", "[z]\nCA=/z.pem\n");
        char p[512];
        snprintf(p, sizeof(p), "%s/etc/unit-tls.d/99-secret.conf", root);
        chmod(p, 0);
        Diags d = {};
        _cleanup_free_ char *got = load(&d), *all = joined(&d);
        assert_non_null(strstr(all, "/etc/unit-tls.d/99-secret.conf: cannot be read: Permission denied; file skipped"));
        assert_null(strstr(got, "z.service"));
        diags_done(&d);
        unlink(p);
}

static void test_empty_root(void **state) {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", root);
        assert_int_equal(system(cmd), 0);
        TrustConf c = {};
        Diags d = {};
        assert_int_equal(trustconf_load(root, &c, &d), 0);
        assert_int_equal(c.n, 0);
        assert_non_null(c.files);
        assert_null(c.files[0]);
        trustconf_done(&c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_table),
                cmocka_unit_test(test_precedence),
                cmocka_unit_test(test_invalid_section_still_replaces),
                cmocka_unit_test(test_unreadable_file),
                cmocka_unit_test(test_empty_root),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
