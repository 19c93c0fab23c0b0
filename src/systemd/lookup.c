/* SPDX-License-Identifier: MIT */
#include <limits.h>
#include <pwd.h>

#include "basic/fs.h"
#include "systemd/lookup.h"
#include "systemd/version.h"

static int add(char ***l, const char *root, const char *path) {
        if (!path)
                return -ENOMEM;
        char *p = root ? strjoin_path(root, path) : strdup(path);
        if (!p)
                return -ENOMEM;
        /* strv_uniq: systemd drops exact duplicates (Debian's /lib and /usr/lib entries). */
        if (strv_contains(*l, p)) {
                free(p);
                return 0;
        }
        return strv_consume(l, p);
}

static int add_owned(char ***l, const char *root, char *path) {
        int r = add(l, root, path);
        free(path);
        return r;
}

static int system_defaults(char ***l, const char *root, unsigned version) {
        static const char *const dirs[] = {
                "/etc/systemd/system.control", "/run/systemd/system.control", "/run/systemd/transient",
                "/run/systemd/generator.early", "/etc/systemd/system", "/etc/systemd/system.attached",
                "/run/systemd/system", "/run/systemd/system.attached", "/run/systemd/generator",
                "/usr/local/lib/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system",
                "/run/systemd/generator.late",
        };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                /* Debian built 252 with split-usr; 255 dropped it */
                if (streq(dirs[i], "/lib/systemd/system") && systemd_at_least(version, SYSTEMD_V_NO_SPLIT_USR))
                        continue;
                int r = add(l, root, dirs[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static char *home_dir(void) {
        const char *h = getenv("HOME");
        if (h && *h == '/')
                return strdup(h);
        struct passwd *pw = getpwuid(getuid());
        return pw && pw->pw_dir ? strdup(pw->pw_dir) : NULL;
}

/* $XDG_x or $HOME/fallback. */
static char *xdg_dir(const char *var, const char *fallback) {
        const char *v = getenv(var);
        if (v && *v == '/')
                return strdup(v);
        _cleanup_free_ char *home = home_dir();
        return home ? strjoin_path(home, fallback) : NULL;
}

static int add_xdg_list(char ***l, const char *var, const char *def, const char *suffix) {
        const char *v = getenv(var);
        if (isempty(v))
                v = def;
        _cleanup_free_ char *copy = strdup(v);
        if (!copy)
                return -ENOMEM;
        char *save = NULL;
        for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
                if (*t != '/')
                        continue;
                int r = add_owned(l, NULL, strjoin_path(t, suffix));
                if (r < 0)
                        return r;
        }
        return 0;
}

static int user_defaults(char ***l, char **ret_persistent, char **ret_runtime) {
        _cleanup_free_ char *config = xdg_dir("XDG_CONFIG_HOME", ".config");
        _cleanup_free_ char *data = xdg_dir("XDG_DATA_HOME", ".local/share");
        const char *rt = getenv("XDG_RUNTIME_DIR");
        bool have_rt = rt && *rt == '/';
        int r;

        if (!config || !data)
                return -ENOMEM;

#define ADD(p) do { if ((r = add_owned(l, NULL, (p))) < 0) return r; } while (0)
        ADD(strjoin_path(config, "systemd/user.control"));
        if (have_rt) {
                ADD(strjoin_path(rt, "systemd/user.control"));
                ADD(strjoin_path(rt, "systemd/transient"));
                ADD(strjoin_path(rt, "systemd/generator.early"));
        }
        ADD(strjoin_path(config, "systemd/user"));
        if ((r = add_xdg_list(l, "XDG_CONFIG_DIRS", "/etc/xdg", "systemd/user")) < 0)
                return r;
        ADD(strdup("/etc/systemd/user"));
        if (have_rt)
                ADD(strjoin_path(rt, "systemd/user"));
        ADD(strdup("/run/systemd/user"));
        if (have_rt)
                ADD(strjoin_path(rt, "systemd/generator"));
        ADD(strjoin_path(data, "systemd/user"));
        if ((r = add_xdg_list(l, "XDG_DATA_DIRS", "/usr/local/share:/usr/share", "systemd/user")) < 0)
                return r;
        ADD(strdup("/usr/local/lib/systemd/user"));
        ADD(strdup("/usr/lib/systemd/user"));
        if (have_rt)
                ADD(strjoin_path(rt, "systemd/generator.late"));
#undef ADD

        *ret_persistent = strjoin_path(config, "systemd/user");
        *ret_runtime = have_rt ? strjoin_path(rt, "systemd/user") : strdup("/run/systemd/user");
        return *ret_persistent && *ret_runtime ? 0 : -ENOMEM;
}

void lookup_paths_done(LookupPaths *lp) {
        free(lp->root);
        strv_free(lp->search_path);
        strv_free(lp->resolved);
        free(lp->persistent_config);
        free(lp->runtime_config);
        *lp = (LookupPaths) {};
}

/* root without trailing slashes, in *ret; NULL for no root, or for "/", which as root is the host
 * itself: no prefix at all. */
static int root_normalize(const char *root, char **ret) {
        *ret = NULL;
        if (!root)
                return 0;
        size_t len = strlen(root);
        while (len > 1 && root[len - 1] == '/')
                len--;
        if (!(len == 1 && root[0] == '/') && !(*ret = strndup(root, len)))
                return -ENOMEM;
        return 0;
}

/* Each entry of $SYSTEMD_UNIT_PATH, prefixed with root; an empty entry at the
 * end means "and then the defaults". */
static int search_path_from_env(const char *env, const char *root, char **defaults, char ***l) {
        size_t len = strlen(env);
        bool append = len > 0 && env[len - 1] == ':';
        _cleanup_free_ char *copy = strdup(env);
        int r;

        if (!copy)
                return -ENOMEM;
        char *save = NULL;
        for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save))
                if ((r = add(l, root, t)) < 0)
                        return r;
        if (append)
                for (char **d = defaults; d && *d; d++)
                        if ((r = add(l, NULL, *d)) < 0)
                                return r;
        return 0;
}

/* Each search path entry as found under the root (symlinks followed inside it), or as it is. */
static int search_path_resolve(LookupPaths *n) {
        int r;

        for (char **d = n->search_path; *d; d++) {
                _cleanup_free_ char *res = NULL;
                if (fs_resolve_under_root(n->root, *d, &res) < 0)
                        res = strdup(*d);
                if ((r = strv_consume(&n->resolved, TAKE_PTR(res))) < 0)
                        return r;
        }
        return 0;
}

int lookup_paths_init(LookupPaths *lp, LookupScope scope, const char *root, unsigned version) {
        _cleanup_(lookup_paths_done) LookupPaths n = { .scope = scope, .version = version };
        _cleanup_free_ char *user_persistent = NULL, *user_runtime = NULL;
        _cleanup_strv_free_ char **defaults = NULL;
        int r;

        if (root && scope == SCOPE_USER)
                return -EINVAL;
        r = root_normalize(root, &n.root);
        if (r < 0)
                return r;

        n.version = systemd_version_resolve(n.root, version);

        if (scope == SCOPE_SYSTEM)
                r = system_defaults(&defaults, n.root, n.version);
        else
                r = user_defaults(&defaults, &user_persistent, &user_runtime);
        if (r < 0)
                return r;

        const char *env = getenv("SYSTEMD_UNIT_PATH");
        if (env) {
                r = search_path_from_env(env, n.root, defaults, &n.search_path);
                if (r < 0)
                        return r;
        } else
                n.search_path = TAKE_PTR(defaults);
        if (!n.search_path && !(n.search_path = calloc(1, sizeof(char *))))
                return -ENOMEM;

        r = search_path_resolve(&n);
        if (r < 0)
                return r;

        if (scope == SCOPE_SYSTEM) {
                n.persistent_config = n.root ? strjoin_path(n.root, "/etc/systemd/system") : strdup("/etc/systemd/system");
                n.runtime_config = n.root ? strjoin_path(n.root, "/run/systemd/system") : strdup("/run/systemd/system");
        } else {
                n.persistent_config = TAKE_PTR(user_persistent);
                n.runtime_config = TAKE_PTR(user_runtime);
        }
        if (!n.persistent_config || !n.runtime_config)
                return -ENOMEM;
        *lp = n;
        n = (LookupPaths) {};
        return 0;
}

const char *lookup_display_path(const LookupPaths *lp, const char *path) {
        if (!lp->root || !path)
                return path;
        const char *rest = startswith(path, lp->root);
        if (rest && (*rest == '/' || *rest == 0))
                return *rest ? rest : "/";
        return path;
}

char *lookup_host_path(const LookupPaths *lp, const char *path) {
        return lp->root ? strjoin_path(lp->root, path) : strdup(path);
}

bool lookup_in_search_path(const LookupPaths *lp, const char *dir) {
        return strv_contains(lp->search_path, dir) || strv_contains(lp->resolved, dir);
}
