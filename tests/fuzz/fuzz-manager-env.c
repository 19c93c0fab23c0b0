/* SPDX-License-Identifier: MIT */
/* The manager's configuration reader (system.conf and its drop-ins) and the attribution of the
 * running manager's Environment, on a tiny tree that the input writes.
 *
 * Input: MAIN 0xFF DROPIN_ETC 0xFF DROPIN_USRLIB 0xFF LIVE (0xFF never occurs in valid UTF-8).
 *   etc/systemd/system.conf                       MAIN
 *   etc/systemd/system.conf.d/50-fuzz.conf        DROPIN_ETC
 *   usr/lib/systemd/system.conf.d/40-fuzz.conf    DROPIN_USRLIB
 * LIVE: one "NAME=VALUE" a line, the running manager's Environment; the same text is also
 * read as a kernel command line and as PID 1's environ. Both 252's and 257's rules run. */
#include <ftw.h>
#include <sys/stat.h>

#include "fuzz-common.h"
#include "systemd/manager-env.h"

volatile size_t fuzz_sink;

static char root[] = "/tmp/fuzz-manager-env.XXXXXX";
static pid_t owner;

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st;
        (void) flag;
        (void) ftw;
        remove(p);
        return 0;
}

static void cleanup(void) {
        if (getpid() == owner)
                nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void put(const char *rel, const char *data, size_t n) {
        char *p = xasprintf("%s/%s", root, rel);
        FUZZ_CHECK(p);
        FILE *f = fopen(p, "we");
        FUZZ_CHECK(f);
        FUZZ_CHECK(fwrite(data, 1, n, f) == n || n == 0);
        FUZZ_CHECK(fclose(f) == 0);
        free(p);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
        (void) argc;
        (void) argv;
        FUZZ_CHECK(mkdtemp(root));
        owner = getpid();
        atexit(cleanup);
        static const char *const dirs[] = { "etc", "etc/systemd", "etc/systemd/system.conf.d", "usr", "usr/lib",
                                            "usr/lib/systemd", "usr/lib/systemd/system.conf.d" };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                char *p = xasprintf("%s/%s", root, dirs[i]);
                FUZZ_CHECK(p && mkdir(p, 0755) == 0);
                free(p);
        }
        return 0;
}

/* Every entry is a valid assignment, one per name, with a source that names where it is from. */
static void check_list(const EnvList *l, bool manager_wide) {
        for (size_t i = 0; i < l->n; i++) {
                const EnvEntry *e = &l->entries[i];
                FUZZ_CHECK(env_assignment_is_valid(e->assignment));
                FUZZ_CHECK(e->source && *e->source);
                FUZZ_CHECK(!manager_wide || env_source_is_manager(e->source));
                size_t n = strcspn(e->assignment, "=");
                for (size_t j = i + 1; j < l->n; j++)
                        FUZZ_CHECK(strncmp(l->entries[j].assignment, e->assignment, n + 1) != 0);
                fuzz_sink += fuzz_touch(e->assignment) + fuzz_touch(e->source);
        }
}

static void run(unsigned version, char **live_env, const char *text, size_t size) {
        LookupPaths lp = {};
        FUZZ_CHECK(lookup_paths_init(&lp, SCOPE_SYSTEM, root, version) == 0);
        ManagerLive live = { .environment = live_env, .cmdline = text, .pid1_environ = text, .pid1_environ_size = size };
        ManagerEnv m = {};
        FUZZ_CHECK(manager_env_build(&lp, &live, &m) == 0);
        check_list(&m.config.default_environment, false);
        check_list(&m.config.manager_environment, false);
        check_list(&m.environment, true);
        check_list(&m.pid1, false);
        for (size_t i = 0; i < m.config.default_environment.n; i++)
                FUZZ_CHECK(m.config.default_environment.entries[i].source[0] == '/');
        for (char **f = m.config.files; f && *f; f++)
                FUZZ_CHECK(**f == '/' && endswith(*f, ".conf"));
        fuzz_sink += fuzz_touch_diags(&m.config.diags);
        manager_env_done(&m);
        lookup_paths_done(&lp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *part[4];
        size_t len[4];
        fuzz_split(data, size, 0xff, part, len, 4);
        put("etc/systemd/system.conf", part[0] ? part[0] : "", len[0]);
        put("etc/systemd/system.conf.d/50-fuzz.conf", part[1] ? part[1] : "", len[1]);
        put("usr/lib/systemd/system.conf.d/40-fuzz.conf", part[2] ? part[2] : "", len[2]);

        /* LIVE as the bus would give it: valid assignments only */
        char **live_env = NULL;
        char *text = part[3] ? part[3] : strdup("");
        FUZZ_CHECK(text);
        char *copy = strdup(text), *save = NULL;
        FUZZ_CHECK(copy);
        for (char *t = strtok_r(copy, "\n", &save); t; t = strtok_r(NULL, "\n", &save))
                if (env_assignment_is_valid(t))
                        FUZZ_CHECK(strv_extend(&live_env, t) == 0);
        run(252, live_env, text, strlen(text));
        run(257, NULL, text, strlen(text));
        strv_free(live_env);
        free(copy);
        free(text);
        for (size_t i = 0; i < 3; i++)
                free(part[i]);
        return 0;
}
