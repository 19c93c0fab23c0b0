/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include "basic/fs.h"
#include "systemd/conf-files.h"
#include "systemd/manager-env.h"
#include "systemd/unit-syntax.h"
#include "systemd/unit.h"
#include "systemd/version.h"

void manager_config_done(ManagerConfig *c) {
        env_list_done(&c->default_environment);
        env_list_done(&c->manager_environment);
        strv_free(c->files);
        diags_done(&c->diags);
        *c = (ManagerConfig) {};
}

/* CONF_PATHS("systemd") as the version builds them: Debian's 252 was split-usr (/lib too). */
static int conf_dirs(const LookupPaths *lp, char ***ret) {
        static const char *const dirs[] = { "/etc/systemd", "/run/systemd", "/usr/local/lib/systemd",
                                            "/usr/lib/systemd", "/lib/systemd" };
        char **l = NULL;
        if (lp->scope == SCOPE_USER && lp->persistent_config) {
                /* $XDG_CONFIG_HOME/systemd: the parent of the user's unit directory */
                const char *slash = strrchr(lp->persistent_config, '/');
                if (strv_consume(&l, strndup(lp->persistent_config, (size_t) (slash - lp->persistent_config))) < 0)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                if (streq(dirs[i], "/lib/systemd") && systemd_at_least(lp->version, SYSTEMD_V_NO_SPLIT_USR))
                        continue;
                if (strv_extend(&l, dirs[i]) < 0) {
                        strv_free(l);
                        return -ENOMEM;
                }
        }
        *ret = l;
        return 0;
}

/* The main files, in the order systemd tries them (the first that exists is read). */
static int main_files(const LookupPaths *lp, char **dirs, char ***ret) {
        const char *name = lp->scope == SCOPE_USER ? "user.conf" : "system.conf";
        char **l = NULL;
        int r = 0;
        if (lp->scope == SCOPE_USER)
                /* the user's own, then /etc/systemd/user.conf */
                r = strv_consume(&l, strjoin_path(dirs[0], name)) < 0 ? -ENOMEM
                    : strv_extend(&l, "/etc/systemd/user.conf");
        else if (!systemd_at_least(lp->version, SYSTEMD_V_CONF_MAIN_CASCADE))
                r = strv_extend(&l, "/etc/systemd/system.conf");
        else
                for (char **d = dirs; *d && r >= 0; d++)
                        if (!streq(*d, "/lib/systemd"))
                                r = strv_consume(&l, strjoin_path(*d, name));
        if (r < 0) {
                strv_free(l);
                return -ENOMEM;
        }
        *ret = l;
        return 0;
}

/* conf_files_list_strv(".conf", dirs/dropin): the first directory providing a name wins, the
 * result sorted by name. Paths as the target sees them. */
static int list_dropins(const LookupPaths *lp, char **dirs, const char *dropin, char ***ret) {
        _cleanup_(conf_files_done) ConfFiles cf = {};
        int r;

        for (char **d = dirs; *d; d++) {
                _cleanup_free_ char *dir = strjoin_path(*d, dropin), *host = NULL;
                if (!dir)
                        return -ENOMEM;
                if (fs_chase(lp->root, dir, 0, &host) < 0)
                        continue;
                if ((r = conf_files_add_dir(&cf, host, dir, NULL)) < 0)
                        return r;
        }
        *ret = conf_files_steal(&cf);
        return 0;
}

typedef struct ParseCtx {
        ManagerConfig *config;
        SpecifierContext spec;
        const char *path;
} ParseCtx;

static int on_assignment(void *userdata, const char *section, const char *key, const char *value, unsigned line) {
        ParseCtx *c = userdata;
        if (!streq_ptr(section, "Manager"))
                return 0;
        EnvList *target = streq(key, "DefaultEnvironment") ? &c->config->default_environment
                          : streq(key, "ManagerEnvironment") ? &c->config->manager_environment : NULL;
        if (!target)
                return 0;
        _cleanup_free_ char *source = xasprintf("%s:%u", c->path, line);
        if (!source)
                return -ENOMEM;
        return environ_apply_line(target, value, source, &c->spec, &c->config->diags);
}

/* 1 read, 0 absent, -ENOMEM, or another negative errno: systemd stops reading there (said in
 * diags). */
static int parse_one(const LookupPaths *lp, ParseCtx *c, const char *path) {
        _cleanup_free_ char *host = NULL;
        int r = fs_chase(lp->root, path, 0, &host);
        if (r == -ENOENT)
                return 0;
        if (r == -ENOMEM)
                return r;
        _cleanup_fclose_ FILE *f = r < 0 ? NULL : fopen(host, "re");
        if (!f && r >= 0 && errno == ENOENT)
                return 0;
        unsigned line = 0;
        c->path = path;
        if (f)
                r = unit_syntax_parse(f, path, on_assignment, c, &c->config->diags, &line);
        else if (r >= 0)
                r = -errno;
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                _cleanup_free_ char *where = line ? xasprintf("%s:%u", path, line) : strdup(path);
                diags_add(&c->config->diags, where ? where : path,
                          "%s; systemd stops reading its configuration here: the files after it are ignored",
                          r == -EBADMSG ? "invalid section header" : r == -EINVAL ? "invalid UTF-8" : strerror(-r));
                return r;
        }
        if (strv_extend(&c->config->files, path) < 0)
                return -ENOMEM;
        return 1;
}

/* 257: a main file that is (a link to) one of the drop-ins is read once, as the drop-in. */
static bool same_inode_as_dropin(const LookupPaths *lp, const char *main, char **dropins) {
        _cleanup_free_ char *host = NULL;
        struct stat a, b;
        if (!systemd_at_least(lp->version, SYSTEMD_V_CONF_MAIN_CASCADE) || fs_chase(lp->root, main, 0, &host) < 0 ||
            stat(host, &a) < 0)
                return false;
        for (char **d = dropins; d && *d; d++) {
                _cleanup_free_ char *h = NULL;
                if (fs_chase(lp->root, *d, 0, &h) == 0 && stat(h, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
                        return true;
        }
        return false;
}

static int read_all(const LookupPaths *lp, ParseCtx *c, char **mains, char **dropins) {
        int r = 0;
        for (char **m = mains; *m; m++) {
                if (same_inode_as_dropin(lp, *m, dropins))
                        break;
                if ((r = parse_one(lp, c, *m)) != 0)
                        break;
        }
        for (char **d = dropins; r >= 0 && d && *d; d++)
                r = parse_one(lp, c, *d);
        return r == -ENOMEM ? r : 0;
}

int manager_config_read(const LookupPaths *lp, ManagerConfig *ret) {
        _cleanup_strv_free_ char **dirs = NULL, **mains = NULL, **dropins = NULL;
        ManagerConfig cfg = {};
        ParseCtx c = {
                .config = &cfg,
                .spec = { .root = lp->root, .user = lp->scope == SCOPE_USER, .version = lp->version, .manager = true },
        };
        int r = conf_dirs(lp, &dirs);
        if (r >= 0)
                r = main_files(lp, dirs, &mains);
        if (r >= 0)
                r = list_dropins(lp, dirs, lp->scope == SCOPE_USER ? "user.conf.d" : "system.conf.d", &dropins);
        if (r >= 0)
                r = read_all(lp, &c, mains, dropins);
        if (r < 0) {
                manager_config_done(&cfg);
                return r;
        }
        *ret = cfg;
        return 0;
}

int manager_cmdline_apply(EnvList *env, const char *cmdline) {
        for (const char *p = cmdline;;) {
                _cleanup_free_ char *word = NULL;
                int r = extract_word(&p, &word, EXTRACT_UNQUOTE);
                if (r == -ENOMEM)
                        return r;
                if (r <= 0)
                        return 0;  /* the end, or an unbalanced quote: the rest is not a word */
                size_t n = strcspn(word, "=");
                /* parse_proc_cmdline_item() compares the key with streq(): no '-'/'_' folding here */
                if (!word[n] || n != strlen("systemd.setenv") || strncmp(word, "systemd.setenv", n) != 0 ||
                    !env_assignment_is_valid(word + n + 1))
                        continue;
                if ((r = env_list_set(env, word + n + 1, MANAGER_SOURCE_CMDLINE)) < 0)
                        return r;
        }
}

int manager_cmdline_read(char **ret) {
        bool container = access("/run/systemd/container", F_OK) == 0;
        size_t size = 0;
        char *data = NULL;
        int r = read_file_limited(container ? "/proc/1/cmdline" : "/proc/cmdline", PROC_ENVIRON_MAX, &data, &size);
        if (r < 0)
                return r;
        for (size_t i = 0; i < size; i++)
                if (data[i] == 0)
                        data[i] = ' ';
        *ret = data;
        return 0;
}

bool env_source_is_manager(const char *source) {
        return source && endswith(source, MANAGER_WIDE);
}

/* Where a live entry comes from: the file line or kernel word with that very value, the
 * manager's own defaults, or else (it can come from nowhere else) systemctl set-environment. */
static char *attribute(const LookupPaths *lp, const EnvList *from_config, const char *assignment) {
        size_t n = strcspn(assignment, "=");
        _cleanup_free_ char *name = strndup(assignment, n);
        if (!name)
                return NULL;
        const EnvEntry *e = env_list_get(from_config, name);
        if (e && streq(e->assignment, assignment))
                return env_source_is_manager(e->source) ? strdup(e->source) : xasprintf("%s%s", e->source, MANAGER_WIDE);
        if (lp->scope == SCOPE_USER)
                return strdup("the user manager's own environment (inherited, environment.d or "
                              "systemctl --user set-environment)" MANAGER_WIDE);
        if (streq(name, "PATH") && !e)
                return strdup("the manager's default PATH" MANAGER_WIDE);
        if ((streq(name, "LANG") || streq(name, "LANGUAGE") || startswith(name, "LC_")) && !e)
                return strdup("/etc/locale.conf" MANAGER_WIDE);
        return strdup(MANAGER_SOURCE_SET_ENVIRONMENT);
}

static int build_environment(const LookupPaths *lp, const ManagerLive *live, ManagerEnv *m) {
        EnvList cfg = {};
        int r = 0;
        for (size_t i = 0; i < m->config.default_environment.n && r >= 0; i++) {
                const EnvEntry *e = &m->config.default_environment.entries[i];
                _cleanup_free_ char *s = xasprintf("%s%s", e->source, MANAGER_WIDE);
                r = s ? env_list_set(&cfg, e->assignment, s) : -ENOMEM;
        }
        /* systemd.setenv= is read by the system manager only, after the files */
        if (r >= 0 && live && live->cmdline && lp->scope == SCOPE_SYSTEM)
                r = manager_cmdline_apply(&cfg, live->cmdline);
        if (r < 0 || !live || !live->environment) {
                if (r < 0)
                        env_list_done(&cfg);
                else
                        m->environment = cfg;
                return r;
        }
        m->live = true;
        for (char **x = live->environment; *x && r >= 0; x++) {
                _cleanup_free_ char *s = attribute(lp, &cfg, *x);
                r = s ? env_list_set(&m->environment, *x, s) : -ENOMEM;
        }
        env_list_done(&cfg);
        return r;
}

/* PID 1's environment: what it was started with (/proc/1/environ: the kernel's, or the
 * container manager's), then ManagerEnvironment= put on top (setenv_manager_environment()). */
static int build_pid1(const LookupPaths *lp, const ManagerLive *live, ManagerEnv *m) {
        int r = 0;
        if (live && live->pid1_environ) {
                const char *p = live->pid1_environ, *end = p + live->pid1_environ_size;
                for (; p < end && r >= 0; p += strlen(p) + 1)
                        if (env_assignment_is_valid(p))
                                r = env_list_set(&m->pid1, p, "/proc/1/environ");
        } else if (lp->scope == SCOPE_USER && live && live->environment)
                /* the user manager passes its whole environment on: its Environment is its own */
                for (size_t i = 0; i < m->environment.n && r >= 0; i++)
                        r = env_list_set(&m->pid1, m->environment.entries[i].assignment, m->environment.entries[i].source);
        else if (!(m->pid1_note = xasprintf("PID 1's own environment is not known (%s): PassEnvironment= is "
                                            "shown with ManagerEnvironment= only",
                                            live && live->pid1_why ? live->pid1_why : "offline")))
                return -ENOMEM;
        for (size_t i = 0; i < m->config.manager_environment.n && r >= 0; i++) {
                const EnvEntry *e = &m->config.manager_environment.entries[i];
                _cleanup_free_ char *s = xasprintf("ManagerEnvironment= at %s", e->source);
                r = s ? env_list_set(&m->pid1, e->assignment, s) : -ENOMEM;
        }
        return r;
}

int manager_env_build(const LookupPaths *lp, const ManagerLive *live, ManagerEnv *ret) {
        ManagerEnv m = {};
        int r = manager_config_read(lp, &m.config);
        if (r >= 0)
                r = build_environment(lp, live, &m);
        if (r >= 0)
                r = build_pid1(lp, live, &m);
        if (r < 0) {
                manager_env_done(&m);
                return r;
        }
        *ret = m;
        return 0;
}

void manager_env_done(ManagerEnv *m) {
        env_list_done(&m->environment);
        env_list_done(&m->pid1);
        free(m->pid1_note);
        manager_config_done(&m->config);
        *m = (ManagerEnv) {};
}
