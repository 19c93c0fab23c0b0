/* SPDX-License-Identifier: MIT */
/* Tests for src/systemd/manager-env.c: system.conf, user.conf and their drop-ins read as systemd
 * 252 and 257 read them (parse_config_file() in src/core/main.c, config_parse_many() in
 * src/shared/conf-parser.c), the kernel command line, and how the running manager's
 * Environment is attributed. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include "systemd/manager-env.h"

static char *make_root(void) {
        char tmpl[] = "/tmp/test-manager-env-XXXXXX";
        return mkdtemp(tmpl) ? strdup(tmpl) : NULL;
}

/* Writes root/rel, creating its directories. */
static void put(const char *root, const char *rel, const char *content) {
        _cleanup_free_ char *p = strjoin_path(root, rel);
        assert_non_null(p);
        for (char *s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
                *s = 0;
                (void) mkdir(p, 0755);
                *s = '/';
        }
        _cleanup_fclose_ FILE *f = fopen(p, "we");
        assert_non_null(f);
        fputs(content, f);
}

static void rm_tree(const char *root) {
        _cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", root);
        assert_int_equal(system(cmd), 0);
}

static char *joined(const EnvList *l) {
        Buf b = {};
        buf_put(&b, "", 0);
        for (size_t i = 0; i < l->n; i++)
                buf_printf(&b, "%s%s @%s", i ? "|" : "", l->entries[i].assignment, l->entries[i].source);
        return buf_steal(&b);
}

static char *files(char **l) {
        Buf b = {};
        buf_put(&b, "", 0);
        for (char **x = l; x && *x; x++)
                buf_printf(&b, "%s%s", x == l ? "" : " ", *x);
        return buf_steal(&b);
}

static void read_config(const char *root, unsigned version, ManagerConfig *c) {
        LookupPaths lp = {};
        assert_int_equal(lookup_paths_init(&lp, SCOPE_SYSTEM, root, version), 0);
        assert_int_equal(manager_config_read(&lp, c), 0);
        lookup_paths_done(&lp);
}

static bool diags_have(const Diags *d, const char *needle) {
        for (char **l = d->lines; l && *l; l++)
                if (strstr(*l, needle))
                        return true;
        return false;
}

/* Which directories, in which order, and which file of a name wins. */
static void test_directories_and_order(void **state) {
        _cleanup_free_ char *root = make_root();
        put(root, "etc/systemd/system.conf", "[Manager]\nDefaultEnvironment=A=main B=main\n");
        put(root, "usr/lib/systemd/system.conf.d/10-a.conf", "[Manager]\nDefaultEnvironment=A=usrlib\n");
        put(root, "run/systemd/system.conf.d/10-a.conf", "# /run masks /usr/lib\n[Manager]\nDefaultEnvironment=A=run\n");
        put(root, "etc/systemd/system.conf.d/20-b.conf", "[Manager]\nDefaultEnvironment=B=etc\n");
        put(root, "usr/local/lib/systemd/system.conf.d/05-c.conf", "[Manager]\nDefaultEnvironment=C=local A=local\n");
        put(root, "etc/systemd/system.conf.d/.hidden.conf", "[Manager]\nDefaultEnvironment=H=1\n");
        put(root, "etc/systemd/system.conf.d/x.conf.bak", "[Manager]\nDefaultEnvironment=H=2\n");
        put(root, "etc/systemd/system.conf.d/readme", "[Manager]\nDefaultEnvironment=H=3\n");
        for (unsigned v = 252; v <= 257; v += 5) {
                ManagerConfig c = {};
                read_config(root, v, &c);
                _cleanup_free_ char *env = joined(&c.default_environment), *fl = files(c.files);
                assert_string_equal(env, "A=run @/run/systemd/system.conf.d/10-a.conf:3|"
                                         "B=etc @/etc/systemd/system.conf.d/20-b.conf:2|"
                                         "C=local @/usr/local/lib/systemd/system.conf.d/05-c.conf:2");
                assert_string_equal(fl, "/etc/systemd/system.conf /usr/local/lib/systemd/system.conf.d/05-c.conf "
                                        "/run/systemd/system.conf.d/10-a.conf /etc/systemd/system.conf.d/20-b.conf");
                manager_config_done(&c);
        }
        rm_tree(root);
}

/* 252 reads only /etc/systemd/system.conf and, split-usr, /lib/systemd/system.conf.d too; 257
 * takes the first system.conf of the cascade and no /lib. */
static void test_versions(void **state) {
        _cleanup_free_ char *root = make_root();
        put(root, "usr/lib/systemd/system.conf", "[Manager]\nDefaultEnvironment=MAIN=usrlib\n");
        put(root, "lib/systemd/system.conf.d/50-lib.conf", "[Manager]\nDefaultEnvironment=LIB=1\n");
        ManagerConfig c = {};
        read_config(root, 252, &c);
        _cleanup_free_ char *e252 = joined(&c.default_environment);
        assert_string_equal(e252, "LIB=1 @/lib/systemd/system.conf.d/50-lib.conf:2");
        manager_config_done(&c);
        read_config(root, 257, &c);
        _cleanup_free_ char *e257 = joined(&c.default_environment);
        assert_string_equal(e257, "MAIN=usrlib @/usr/lib/systemd/system.conf:2");
        manager_config_done(&c);
        rm_tree(root);
}

/* Word splitting and quoting as Environment=, resets, [Manager] only, later lines win. */
static void test_syntax(void **state) {
        _cleanup_free_ char *root = make_root();
        put(root, "etc/systemd/system.conf.d/a.conf",
            "[Manager]\n"
            "DefaultEnvironment=\"Q=a b\" S='c d' E=x\\x41 OLD=1\n"
            "DefaultEnvironment=\n"
            "DefaultEnvironment=Q=\"a b\" S='c d' E=x\\x41 \\\n"
            "   CONT=yes 1BAD=x NOEQ\n"
            "ManagerEnvironment=M=1 M=2\n"
            "[Service]\n"
            "DefaultEnvironment=SVC=ignored\n"
            "[Manager]\n"
            "DefaultEnvironment=Q=later %%x UNBALANCED=\"x\n");
        ManagerConfig c = {};
        read_config(root, 252, &c);
        _cleanup_free_ char *env = joined(&c.default_environment), *m = joined(&c.manager_environment);
        assert_string_equal(env, "Q=later @/etc/systemd/system.conf.d/a.conf:10|"
                                 "S=c d @/etc/systemd/system.conf.d/a.conf:4|"
                                 "E=xA @/etc/systemd/system.conf.d/a.conf:4|"
                                 "CONT=yes @/etc/systemd/system.conf.d/a.conf:4");
        assert_string_equal(m, "M=2 @/etc/systemd/system.conf.d/a.conf:6");
        assert_true(diags_have(&c.diags, "Invalid environment assignment, ignoring: 1BAD=x"));
        assert_true(diags_have(&c.diags, "Invalid environment assignment, ignoring: %x"));
        assert_true(diags_have(&c.diags, "Invalid syntax"));
        manager_config_done(&c);
        rm_tree(root);
}

/* Specifiers: the system and tmp table in both; %u %h only since 254; unit ones never. */
static void test_specifiers(void **state) {
        _cleanup_free_ char *root = make_root();
        put(root, "etc/hostname", "box\n");
        put(root, "etc/systemd/system.conf", "[Manager]\nDefaultEnvironment=H=%H T=%T U=%u HOME_=%h N=%n\n");
        ManagerConfig c = {};
        read_config(root, 252, &c);
        _cleanup_free_ char *e252 = joined(&c.default_environment);
        assert_string_equal(e252, "H=box @/etc/systemd/system.conf:2|T=/tmp @/etc/systemd/system.conf:2");
        assert_true(diags_have(&c.diags, "Failed to resolve specifiers in U=%u"));
        manager_config_done(&c);
        read_config(root, 257, &c);
        _cleanup_free_ char *e257 = joined(&c.default_environment);
        assert_string_equal(e257, "H=box @/etc/systemd/system.conf:2|T=/tmp @/etc/systemd/system.conf:2|"
                                  "U=root @/etc/systemd/system.conf:2|HOME_=/root @/etc/systemd/system.conf:2");
        assert_true(diags_have(&c.diags, "Failed to resolve specifiers in N=%n"));
        manager_config_done(&c);
        rm_tree(root);
}

/* A fatal error in one file ends the reading: what came before stays, the rest is not read. */
static void test_broken_file(void **state) {
        _cleanup_free_ char *root = make_root();
        put(root, "etc/systemd/system.conf.d/10-ok.conf", "[Manager]\nDefaultEnvironment=OK=1\n");
        put(root, "etc/systemd/system.conf.d/20-bad.conf", "[Manager]\nDefaultEnvironment=BEFORE=1\n[Manager\n"
                                                           "DefaultEnvironment=AFTER=1\n");
        put(root, "etc/systemd/system.conf.d/30-later.conf", "[Manager]\nDefaultEnvironment=LATER=1\n");
        ManagerConfig c = {};
        read_config(root, 252, &c);
        _cleanup_free_ char *env = joined(&c.default_environment), *fl = files(c.files);
        assert_string_equal(env, "OK=1 @/etc/systemd/system.conf.d/10-ok.conf:2|"
                                 "BEFORE=1 @/etc/systemd/system.conf.d/20-bad.conf:2");
        assert_string_equal(fl, "/etc/systemd/system.conf.d/10-ok.conf");
        assert_true(diags_have(&c.diags, "20-bad.conf:3: invalid section header; systemd stops reading"));
        manager_config_done(&c);

        /* invalid UTF-8 is fatal too */
        put(root, "etc/systemd/system.conf.d/20-bad.conf", "[Manager]\nDefaultEnvironment=X=\xff\n");
        read_config(root, 257, &c);
        _cleanup_free_ char *env2 = joined(&c.default_environment);
        assert_string_equal(env2, "OK=1 @/etc/systemd/system.conf.d/10-ok.conf:2");
        assert_true(diags_have(&c.diags, "invalid UTF-8"));
        manager_config_done(&c);
        rm_tree(root);
}

/* A drop-in linked to /dev/null masks the lower file of its name; links resolve inside the root. */
static void test_mask_and_links(void **state) {
        _cleanup_free_ char *root = make_root(), *lnk = NULL, *abs = NULL;
        put(root, "usr/lib/systemd/system.conf.d/50-x.conf", "[Manager]\nDefaultEnvironment=X=1\n");
        put(root, "etc/systemd/system.conf.d/keep", "");
        put(root, "srv/real.conf", "[Manager]\nDefaultEnvironment=R=1\n");
        assert_non_null(lnk = strjoin_path(root, "etc/systemd/system.conf.d/50-x.conf"));
        assert_int_equal(symlink("/dev/null", lnk), 0);
        assert_non_null(abs = strjoin_path(root, "etc/systemd/system.conf.d/60-r.conf"));
        assert_int_equal(symlink("/srv/real.conf", abs), 0);
        ManagerConfig c = {};
        read_config(root, 252, &c);
        _cleanup_free_ char *env = joined(&c.default_environment);
        assert_string_equal(env, "R=1 @/etc/systemd/system.conf.d/60-r.conf:2");
        manager_config_done(&c);
        rm_tree(root);
}

static void test_cmdline(void **state) {
        EnvList env = {};
        assert_int_equal(env_list_set(&env, "A=file", "f:1"), 0);
        assert_int_equal(manager_cmdline_apply(&env, "quiet systemd.setenv=A=1 systemd_setenv=B=2 systemd.setenv=1X=y "
                                                     "rd.systemd.setenv=C=3 \"systemd.setenv=D=a b\" systemd.setenv"),
                         0);
        _cleanup_free_ char *j = joined(&env);
        assert_string_equal(j, "A=1 @" MANAGER_SOURCE_CMDLINE "|D=a b @" MANAGER_SOURCE_CMDLINE);
        env_list_done(&env);
}

/* The running manager's Environment, each entry explained; PID 1's own for PassEnvironment=. */
static void test_build_live(void **state) {
        _cleanup_free_ char *root = make_root();
        put(root, "etc/systemd/system.conf.d/x.conf",
            "[Manager]\nDefaultEnvironment=NODE_TLS_REJECT_UNAUTHORIZED=0 K=file\nManagerEnvironment=P=mgr\n");
        LookupPaths lp = {};
        assert_int_equal(lookup_paths_init(&lp, SCOPE_SYSTEM, root, 252), 0);
        char *live_env[] = { "PATH=/usr/bin", "LANG=C.UTF-8", "NODE_TLS_REJECT_UNAUTHORIZED=0", "K=setenv", "S=kernel",
                             "NODE_EXTRA_CA_CERTS=/ca.pem", NULL };
        static const char pid1[] = "container=x\0P=boot\0Q=boot\0";
        ManagerLive live = { .environment = live_env, .cmdline = "ro systemd.setenv=S=kernel",
                             .pid1_environ = pid1, .pid1_environ_size = sizeof(pid1) - 1 };
        ManagerEnv m = {};
        assert_int_equal(manager_env_build(&lp, &live, &m), 0);
        _cleanup_free_ char *env = joined(&m.environment), *p = joined(&m.pid1);
        assert_string_equal(env, "PATH=/usr/bin @the manager's default PATH, manager-wide|"
                                 "LANG=C.UTF-8 @/etc/locale.conf, manager-wide|"
                                 "NODE_TLS_REJECT_UNAUTHORIZED=0 @/etc/systemd/system.conf.d/x.conf:2, manager-wide|"
                                 "K=setenv @systemctl set-environment, manager-wide|"
                                 "S=kernel @kernel command line systemd.setenv=, manager-wide|"
                                 "NODE_EXTRA_CA_CERTS=/ca.pem @systemctl set-environment, manager-wide");
        assert_string_equal(p, "container=x @/proc/1/environ|P=mgr @ManagerEnvironment= at /etc/systemd/system.conf.d/x.conf:3|"
                               "Q=boot @/proc/1/environ");
        assert_true(m.live);
        assert_null(m.pid1_note);
        assert_true(env_source_is_manager(m.environment.entries[0].source));
        manager_env_done(&m);

        /* offline: the files only, and a note about PID 1 */
        assert_int_equal(manager_env_build(&lp, NULL, &m), 0);
        _cleanup_free_ char *off = joined(&m.environment), *poff = joined(&m.pid1);
        assert_string_equal(off, "NODE_TLS_REJECT_UNAUTHORIZED=0 @/etc/systemd/system.conf.d/x.conf:2, manager-wide|"
                                 "K=file @/etc/systemd/system.conf.d/x.conf:2, manager-wide");
        assert_string_equal(poff, "P=mgr @ManagerEnvironment= at /etc/systemd/system.conf.d/x.conf:3");
        assert_non_null(m.pid1_note);
        assert_false(m.live);
        manager_env_done(&m);
        lookup_paths_done(&lp);
        rm_tree(root);
}

/* --user: $XDG_CONFIG_HOME/systemd/user.conf and user.conf.d first. */
static void test_user(void **state) {
        _cleanup_free_ char *root = make_root(), *cfg = strjoin_path(root, "cfg");
        put(root, "cfg/systemd/user.conf", "[Manager]\nDefaultEnvironment=U=main\n");
        put(root, "cfg/systemd/user.conf.d/zz-unit-tls-test.conf", "[Manager]\nDefaultEnvironment=U=dropin\n");
        assert_int_equal(setenv("XDG_CONFIG_HOME", cfg, 1), 0);
        LookupPaths lp = {};
        assert_int_equal(lookup_paths_init(&lp, SCOPE_USER, NULL, 257), 0);
        ManagerConfig c = {};
        assert_int_equal(manager_config_read(&lp, &c), 0);
        const EnvEntry *e = env_list_get(&c.default_environment, "U");
        assert_non_null(e);
        assert_string_equal(e->assignment, "U=dropin");
        assert_non_null(strstr(e->source, "/cfg/systemd/user.conf.d/zz-unit-tls-test.conf:2"));
        assert_non_null(strstr(c.files[0], "/cfg/systemd/user.conf"));
        manager_config_done(&c);
        lookup_paths_done(&lp);
        rm_tree(root);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_directories_and_order),
                cmocka_unit_test(test_versions),
                cmocka_unit_test(test_syntax),
                cmocka_unit_test(test_specifiers),
                cmocka_unit_test(test_broken_file),
                cmocka_unit_test(test_mask_and_links),
                cmocka_unit_test(test_cmdline),
                cmocka_unit_test(test_build_live),
                cmocka_unit_test(test_user),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
