/* SPDX-License-Identifier: MIT */
/* The unit loader and the effective environment on a tiny unit tree that the input writes.
 *
 * Input: FRAGMENT 0xFF DROPIN 0xFF ENVFILE 0xFF NAME 0xFF OVERLAY (0xFF never occurs in valid
 * UTF-8, so it never hides an interesting byte of a text file). Missing parts are empty; NAME
 * defaults to fz.service.
 *
 * The tree lives in one temporary directory per process, used as the root:
 *   etc/systemd/system/fz.service                     FRAGMENT
 *   etc/systemd/system/fz.service.d/50-fuzz.conf      DROPIN
 *   etc/systemd/system/alias.service -> fz.service
 *   usr/lib/systemd/system/fz@.service                FRAGMENT
 *   usr/lib/systemd/system/fz@.service.d/50-fuzz.conf DROPIN
 *   env                                               ENVFILE (EnvironmentFile=/env)
 * SYSTEMD_UNIT_PATH names the two unit directories (prefixed with the root by
 * lookup_paths_init()); OVERLAY, when given, is the what-if content of
 * etc/systemd/system/fz.service.d/90-unit-tls.conf. */
#include <ftw.h>
#include <sys/stat.h>

#include "fuzz-common.h"
#include "trust/inspect.h"
#include "systemd/unit-name.h"

volatile size_t fuzz_sink;

static char root[] = "/tmp/fuzz-unit-load.XXXXXX";
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

static char *at(const char *rel) {
        char *p = xasprintf("%s/%s", root, rel);
        FUZZ_CHECK(p);
        return p;
}

static void mkdirs(const char *rel) {
        char *p = at(rel);
        for (char *s = p + strlen(root) + 1; *s; s++)
                if (*s == '/') {
                        *s = 0;
                        (void) mkdir(p, 0755);
                        *s = '/';
                }
        (void) mkdir(p, 0755);
        free(p);
}

static void put(const char *rel, const char *data, size_t n) {
        char *p = at(rel);
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
        mkdirs("etc/systemd/system/fz.service.d");
        mkdirs("usr/lib/systemd/system/fz@.service.d");
        char *link = at("etc/systemd/system/alias.service");
        FUZZ_CHECK(symlink("fz.service", link) == 0);
        free(link);
        FUZZ_CHECK(setenv("SYSTEMD_UNIT_PATH", "/etc/systemd/system:/usr/lib/systemd/system", 1) == 0);
        return 0;
}

static void touch_setting(const Setting *s) {
        fuzz_sink += fuzz_touch(s->value) + fuzz_touch(s->source);
}

static void touch_unit(const Unit *u) {
        fuzz_sink += fuzz_touch(u->name) + fuzz_touch(u->id) + fuzz_touch(u->load_error) +
                     fuzz_touch(u->fragment) + fuzz_touch(load_state_to_string(u->load_state));
        for (char **n = u->names; n && *n; n++)
                fuzz_sink += fuzz_touch(*n);
        for (char **n = u->dropins; n && *n; n++)
                fuzz_sink += fuzz_touch(*n);
        for (size_t i = 0; i < u->environment.n; i++) {
                FUZZ_CHECK(env_assignment_is_valid(u->environment.entries[i].assignment));
                fuzz_sink += fuzz_touch(u->environment.entries[i].source);
        }
        for (size_t i = 0; i < u->n_env_files; i++) {
                FUZZ_CHECK(u->env_files[i].path && u->env_files[i].path[0] == '/');
                fuzz_sink += fuzz_touch(u->env_files[i].path) + fuzz_touch(u->env_files[i].source);
        }
        for (char **n = u->unset_environment; n && *n; n++)
                fuzz_sink += fuzz_touch(*n);
        for (char **n = u->unset_sources; n && *n; n++)
                fuzz_sink += fuzz_touch(*n);
        for (size_t i = 0; i < u->n_exec_start; i++) {
                for (char **a = u->exec_start[i].argv; a && *a; a++)
                        fuzz_sink += fuzz_touch(*a);
                fuzz_sink += fuzz_touch(u->exec_start[i].path) + fuzz_touch(u->exec_start[i].source);
        }
        touch_setting(&u->type);
        touch_setting(&u->user);
        touch_setting(&u->group);
        touch_setting(&u->dynamic_user);
        touch_setting(&u->protect_home);
        touch_setting(&u->private_tmp);
        touch_setting(&u->root_directory);
        touch_setting(&u->root_image);
        touch_setting(&u->protect_system);
        for (char **n = u->supplementary_groups; n && *n; n++)
                fuzz_sink += fuzz_touch(*n);
        for (char **n = u->inaccessible_paths; n && *n; n++)
                fuzz_sink += fuzz_touch(*n);
        for (char **n = u->temporary_filesystem; n && *n; n++)
                fuzz_sink += fuzz_touch(*n);
        fuzz_sink += fuzz_touch_diags(&u->diags);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *part[5];
        size_t len[5];
        fuzz_split(data, size, 0xff, part, len, 5);

        put("etc/systemd/system/fz.service", part[0] ? part[0] : "", len[0]);
        put("usr/lib/systemd/system/fz@.service", part[0] ? part[0] : "", len[0]);
        put("etc/systemd/system/fz.service.d/50-fuzz.conf", part[1] ? part[1] : "", len[1]);
        put("usr/lib/systemd/system/fz@.service.d/50-fuzz.conf", part[1] ? part[1] : "", len[1]);
        put("env", part[2] ? part[2] : "", len[2]);
        const char *name = !isempty(part[3]) ? part[3] : "fz.service";

        LookupPaths lp = {};
        FUZZ_CHECK(lookup_paths_init(&lp, SCOPE_SYSTEM, root, 0) == 0);
        UnitIndex ix = {};
        FUZZ_CHECK(unit_index_build(&ix, &lp) == 0);
        char *overlay = NULL;
        if (part[4]) {
                overlay = at("etc/systemd/system/fz.service.d/90-unit-tls.conf");
                ix.overlay_path = overlay;
                ix.overlay_content = part[4];
        }

        Unit *u = NULL;
        int r = unit_load(&ix, name, &u);
        if (r < 0) {
                FUZZ_CHECK(r == -EINVAL && !unit_name_is_valid(name, UNIT_NAME_ANY));
                FUZZ_CHECK(!u);
        } else {
                FUZZ_CHECK(u);
                touch_unit(u);
                if (u->load_state == LOAD_LOADED || u->load_state == LOAD_BAD_SETTING) {
                        /* The drop-in unit-tls would write stays inside the config directory. */
                        FUZZ_CHECK(unit_name_is_valid(u->id, UNIT_NAME_PLAIN | UNIT_NAME_INSTANCE));
                        char *dir = unit_dropin_dir(u, lp.persistent_config);
                        FUZZ_CHECK(dir && !strstr(dir, "/../") && !strstr(dir + strlen(lp.persistent_config) + 1, "/"));
                        free(dir);

                        EnvList env = {};
                        Findings fs = {};
                        r = effective_environment(&lp, NULL, u, &env, &fs);
                        FUZZ_CHECK(r == 0);
                        for (size_t i = 0; i < env.n; i++)
                                fuzz_sink += fuzz_touch(env.entries[i].assignment) + fuzz_touch(env.entries[i].source);
                        for (size_t i = 0; i < fs.n; i++)
                                fuzz_sink += fuzz_touch(fs.items[i].code) + fuzz_touch(fs.items[i].message);
                        char *why = sandbox_hides_path(&lp, u, "/etc/ssl/certs/ca.pem");
                        fuzz_sink += fuzz_touch(why);
                        free(why);
                        env_list_done(&env);
                        findings_done(&fs);
                }
                unit_free(u);
        }

        unit_index_done(&ix);
        lookup_paths_done(&lp);
        free(overlay);
        for (size_t i = 0; i < 5; i++)
                free(part[i]);
        return 0;
}
