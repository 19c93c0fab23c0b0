/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <pwd.h>
#include <sys/stat.h>

#include "basic/fs.h"
#include "trust/inspect.h"
#include "trust/managed.h"
#include "trust/rtfacts.h"

#define ENV_FILE_MAX (4 * 1024 * 1024)

_Static_assert(SEV_INFO == 0 && SEV_WARNING == 1 && SEV_ERROR == 2, "RtNote severities are inspect's");

const char *const tls_variables[] = {
        "NODE_EXTRA_CA_CERTS", "NODE_TLS_REJECT_UNAUTHORIZED", "NODE_OPTIONS", "NODE_USE_SYSTEM_CA",
        "SSL_CERT_FILE", "SSL_CERT_DIR", "DENO_CERT", "DENO_TLS_CA_STORE", NULL,
};

const char *severity_to_string(Severity s) {
        return s == SEV_ERROR ? "error" : s == SEV_WARNING ? "warning" : "info";
}

const char *verdict_to_string(Verdict v) {
        static const char *const t[] = {
                [VERDICT_INSECURE] = "insecure",
                [VERDICT_BROKEN] = "broken",
                [VERDICT_STALE] = "stale",
                [VERDICT_SHADOWED] = "shadowed",
                [VERDICT_NOT_NODE] = "not-node",
                [VERDICT_UNKNOWN] = "unknown",
                [VERDICT_UNMANAGED] = "unmanaged",
                [VERDICT_OK] = "ok",
        };
        return t[v];
}

void findings_add(Findings *f, Severity s, const char *code, const char *fmt, ...) {
        va_list ap;
        char *msg = NULL;
        va_start(ap, fmt);
        int n = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        Finding *items = realloc(f->items, (f->n + 1) * sizeof(Finding));
        char *c = strdup(code);
        if (!items || !c) {
                free(msg);
                free(c);
                if (items)
                        f->items = items;
                return;
        }
        f->items = items;
        f->items[f->n++] = (Finding) { .severity = s, .code = c, .message = msg };
}

void findings_done(Findings *f) {
        for (size_t i = 0; i < f->n; i++) {
                free(f->items[i].code);
                free(f->items[i].message);
        }
        free(f->items);
        *f = (Findings) {};
}

bool findings_have(const Findings *f, Severity at_least) {
        for (size_t i = 0; i < f->n; i++)
                if (f->items[i].severity >= at_least)
                        return true;
        return false;
}

static bool has_code(const Findings *f, const char *code) {
        for (size_t i = 0; i < f->n; i++)
                if (streq(f->items[i].code, code))
                        return true;
        return false;
}

static bool source_in(const EnvEntry *e, const char *file) {
        const char *rest = e && file ? startswith(e->source, file) : NULL;
        return rest && *rest == ':';
}

/* Problems with a value the generator wrote are fixed in the config file it came from. */
static void note_generated(Findings *f, size_t from, const char *origin, bool extra_ours, bool reject_ours) {
        for (size_t i = from; i < f->n; i++) {
                Finding *x = &f->items[i];
                bool about_reject = streq(x->code, "insecure");
                if (x->severity < SEV_WARNING || (about_reject ? !reject_ours : !extra_ours && !streq(x->code, "shadowed")))
                        continue;
                char *m = xasprintf("%s (generated from %s: fix it there, then run 'unit-tls apply')", x->message, origin);
                if (m) {
                        free(x->message);
                        x->message = m;
                }
        }
}

int unit_cred(const LookupPaths *lp, const Unit *u, ServiceCred *ret) {
        bool dynamic = u->dynamic_user.value && parse_boolean(u->dynamic_user.value) > 0;
        if (lp->scope == SCOPE_USER) {
                /* A user manager runs its services as the user it belongs to: the caller. */
                ServiceCred c = { .uid = getuid(), .gid = getgid(), .known = true };
                struct passwd *pw = getpwuid(c.uid);
                c.user = pw ? strdup(pw->pw_name) : xasprintf("%u", (unsigned) c.uid);
                c.home = pw && pw->pw_dir[0] == '/' ? strdup(pw->pw_dir) : NULL;
                int n = getgroups(0, NULL);
                if (n > 0 && (c.groups = calloc((size_t) n, sizeof(gid_t))))
                        c.n_groups = (size_t) MAX(getgroups(n, c.groups), 0);
                if (!c.user) {
                        service_cred_done(&c);
                        return -ENOMEM;
                }
                *ret = c;
                return 0;
        }
        return service_cred_resolve(lp->root, u->user.value, u->group.value, u->supplementary_groups,
                                    dynamic, ret);
}

/* Directory functions for glob(): systemd's safe_glob() never lets a pattern match "." or "..". */
static void *glob_opendir(const char *path) {
        return opendir(path);
}

static void glob_closedir(void *d) {
        closedir(d);
}

static struct dirent *readdir_no_dot(void *d) {
        struct dirent *de;
        while ((de = readdir(d)) && (streq(de->d_name, ".") || streq(de->d_name, "..")))
                ;
        return de;
}

/* The root as a glob pattern that matches only itself. */
static char *glob_escape(const char *s) {
        Buf b = {};
        buf_put(&b, "", 0);
        for (; *s; s++) {
                if (strchr("*?[\\", *s))
                        buf_putc(&b, '\\');
                buf_putc(&b, *s);
        }
        return buf_steal(&b);
}

/* The glob pattern for an EnvironmentFile= path: its directories before the first glob
 * character resolved as the target system resolves them (under --root, an absolute symlink
 * stays inside the root), escaped, then the rest as written. *ret_dir_len: how much of a match
 * is that resolved directory, to show the match under the path as written. -ENOENT when the
 * directory does not exist. */
static int env_file_pattern(const LookupPaths *lp, const char *path, char **ret, size_t *ret_dir_len,
                            size_t *ret_written_len) {
        size_t glob_at = strcspn(path, "*?[");
        const char *slash = memrchr(path, '/', glob_at < strlen(path) ? glob_at : strlen(path));
        size_t dir_len = slash ? (size_t) (slash - path) : 0;
        _cleanup_free_ char *dir = strndup(path, dir_len), *esc = NULL;
        const char *host = NULL;
        if (!dir)
                return -ENOMEM;
        /* A directory that is not there makes glob() find nothing, as systemd's would. */
        int r = fs_chase_dir_cached(lp->root, *dir ? dir : "/", &host);
        if (r < 0)
                return r;
        if (!(esc = glob_escape(host)))
                return -ENOMEM;
        *ret = xasprintf("%s%s", streq(host, "/") ? "" : esc, path + dir_len);
        *ret_dir_len = streq(host, "/") ? 0 : strlen(host);
        *ret_written_len = dir_len;
        return *ret ? 0 : -ENOMEM;
}

/* Parses what an EnvironmentFile= file holds into *one; false, with a finding, when it cannot be
 * read (e < 0) or parsed. */
static bool parse_env_file_data(const LookupPaths *lp, const EnvFileRef *ref, const char *shown, int e,
                                const char *data, size_t size, EnvList *one, Findings *findings) {
        if (e < 0) {
                if (!ref->ignore_errors)
                        findings_add(findings, SEV_ERROR, "environment-file-unreadable",
                                     "EnvironmentFile=%s (%s) cannot be read: %s", shown, ref->source,
                                     strerror(-e));
                return false;
        }
        if (env_file_parse(data, size, shown, lp->version, one, NULL) < 0) {
                findings_add(findings, SEV_WARNING, "environment-file-invalid",
                             "%s is not valid UTF-8: systemd ignores the whole file", shown);
                return false;
        }
        return true;
}

/* One file an EnvironmentFile= pattern matched, read as the target system sees it (links resolve
 * inside the root) and parsed into *one; false, with a finding, when it cannot be read or parsed. */
static bool read_env_file_match(const LookupPaths *lp, const EnvFileRef *ref, const char *shown, EnvList *one,
                                Findings *findings) {
        _cleanup_free_ char *data = NULL, *resolved = NULL;
        size_t size = 0;

        /* glob() just saw it: resolve it under its (cached) directory, links inside the root */
        _cleanup_free_ char *host = lp->root ? strjoin3(lp->root, shown, "") : strdup(shown);
        int e = host ? fs_resolve_under_root(lp->root, host, &resolved) : -ENOMEM;
        if (e >= 0)
                e = read_file_limited(resolved, ENV_FILE_MAX, &data, &size);
        return parse_env_file_data(lp, ref, shown, e, data, size, one, findings);
}

/* The common case, an EnvironmentFile= path without glob characters naming a plain file in its
 * (resolved, cached) directory: opened with O_NOFOLLOW and read, no glob() and no lstat()s
 * before. 1 when done (parsed into *one, or a finding made), 0 when the careful way must decide
 * (no such file, a symlink, not a regular file), -ENOMEM. */
static int read_env_file_plain(const LookupPaths *lp, const EnvFileRef *ref, EnvList *one, Findings *findings) {
        size_t len = strlen(ref->path);
        if (ref->path[0] != '/' || strcspn(ref->path, "*?[\\") != len)  /* glob() reads a backslash as an escape */
                return 0;
        const char *slash = strrchr(ref->path, '/'), *host_dir = NULL;
        if (!slash || !slash[1] || streq(slash + 1, ".") || streq(slash + 1, ".."))
                return 0;
        _cleanup_free_ char *dir = strndup(ref->path, (size_t) (slash - ref->path));
        if (!dir)
                return -ENOMEM;
        if (fs_chase_dir_cached(lp->root, *dir ? dir : "/", &host_dir) < 0)
                return 0;
        _cleanup_free_ char *host = strjoin3(streq(host_dir, "/") ? "" : host_dir, "/", slash + 1);
        if (!host)
                return -ENOMEM;
        _cleanup_close_ int fd = open(host, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return 0;
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int e = read_fd_sized(fd, ENV_FILE_MAX, (uint64_t) st.st_size, &data, &size);
        if (e == -ENOMEM)
                return e;
        (void) parse_env_file_data(lp, ref, ref->path, e, data, size, one, findings);
        return 1;
}

static int load_env_file(const LookupPaths *lp, const EnvFileRef *ref, EnvList *out, Findings *findings) {
        EnvList one = {};
        int r = read_env_file_plain(lp, ref, &one, findings);
        for (size_t j = 0; r > 0 && j < one.n; j++)
                if (env_list_set(out, one.entries[j].assignment, one.entries[j].source) < 0)
                        r = -ENOMEM;
        env_list_done(&one);
        if (r != 0)
                return r < 0 ? r : 0;

        _cleanup_free_ char *pattern = NULL;
        size_t host_dir_len = 0, written_dir_len = 0;
        int k = env_file_pattern(lp, ref->path, &pattern, &host_dir_len, &written_dir_len);
        if (k == -ENOMEM)
                return k;
        /* systemd expands EnvironmentFile= with safe_glob(path, 0): no GLOB_BRACE, which would
         * also let a line of "{a,b}" groups cost 2^n directory lookups. */
        glob_t g = {
                .gl_opendir = glob_opendir,
                .gl_readdir = readdir_no_dot,
                .gl_closedir = glob_closedir,
                .gl_lstat = lstat,
                .gl_stat = stat,
        };
        if (k >= 0)
                k = glob(pattern, GLOB_NOSORT | GLOB_ALTDIRFUNC, NULL, &g);
        if (k != 0) {
                globfree(&g);
                if (!ref->ignore_errors)
                        findings_add(findings, SEV_ERROR, "environment-file-missing",
                                     "EnvironmentFile=%s (%s) does not exist: systemd will refuse to start the service; "
                                     "create it or write EnvironmentFile=-%s",
                                     ref->path, ref->source, ref->path);
                return 0;
        }
        /* systemd sorts glob results (safe_glob) and reads them in order; later files win. */
        strv_sort(g.gl_pathv);
        r = 0;
        for (size_t i = 0; i < g.gl_pathc; i++) {
                /* the match under the directory as written (not its resolved target) */
                _cleanup_free_ char *shown = xasprintf("%.*s%s", (int) written_dir_len, ref->path,
                                                       g.gl_pathv[i] + host_dir_len);
                if (!shown) {
                        r = -ENOMEM;
                        break;
                }
                EnvList m = {};
                if (read_env_file_match(lp, ref, shown, &m, findings))
                        for (size_t j = 0; j < m.n && r >= 0; j++)
                                r = env_list_set(out, m.entries[j].assignment, m.entries[j].source);
                env_list_done(&m);
        }
        globfree(&g);
        return r;
}

static bool is_tls_name(const char *name) {
        for (const char *const *v = tls_variables; *v; v++)
                if (streq(*v, name))
                        return true;
        return false;
}

/* PassEnvironment=: the named variables that PID 1's own environment has (getenv() in PID 1). */
static int pass_environment(const ManagerEnv *m, const Unit *u, EnvList *env, Findings *findings) {
        int r = 0;
        for (size_t i = 0; u->pass_environment && u->pass_environment[i] && r >= 0; i++) {
                const char *name = u->pass_environment[i];
                const EnvEntry *e = m ? env_list_get(&m->pid1, name) : NULL;
                if (!e) {
                        if (m && m->pid1_note && is_tls_name(name))
                                findings_add(findings, SEV_INFO, "pass-environment-unknown", "PassEnvironment=%s (%s): %s",
                                             name, u->pass_sources[i], m->pid1_note);
                        continue;
                }
                _cleanup_free_ char *src = xasprintf("PID 1's environment (%s), passed by PassEnvironment= at %s",
                                                     e->source, u->pass_sources[i]);
                r = src ? env_list_set(env, e->assignment, src) : -ENOMEM;
        }
        return r;
}

/* effective_environment(); with borrow, the entries of m's and u's own lists are not copied
 * (then the result is valid while they are, as an Inspection's is). */
static int environment_of(const LookupPaths *lp, const ManagerEnv *m, const Unit *u, bool borrow, EnvList *ret,
                          Findings *findings) {
        EnvList env = {};
        int r = 0;
        /* manager environment < (built-ins: no TLS variable) < PassEnvironment= < Environment= <
         * EnvironmentFile=, then UnsetEnvironment= (exec_invoke()/exec_child() in systemd) */
        for (size_t i = 0; m && i < m->environment.n && r >= 0; i++)
                r = borrow ? env_list_set_borrowed(&env, &m->environment.entries[i])
                           : env_list_set(&env, m->environment.entries[i].assignment, m->environment.entries[i].source);
        if (r >= 0)
                r = pass_environment(m, u, &env, findings);
        for (size_t i = 0; i < u->environment.n && r >= 0; i++)
                r = borrow ? env_list_set_borrowed(&env, &u->environment.entries[i])
                           : env_list_set(&env, u->environment.entries[i].assignment, u->environment.entries[i].source);
        for (size_t i = 0; i < u->n_env_files && r >= 0; i++)
                r = load_env_file(lp, &u->env_files[i], &env, findings);
        if (r >= 0)
                r = env_list_unset_all(&env, u->unset_environment);
        if (r < 0) {
                env_list_done(&env);
                return r;
        }
        *ret = env;
        return 0;
}

int effective_environment(const LookupPaths *lp, const ManagerEnv *m, const Unit *u, EnvList *ret,
                          Findings *findings) {
        return environment_of(lp, m, u, false, ret, findings);
}

/* "FILE:LINE, manager-wide" -> "FILE:LINE" */
static char *source_plain(const char *source) {
        size_t n = strlen(source), k = strlen(MANAGER_WIDE);
        return strndup(source, env_source_is_manager(source) ? n - k : n);
}

char *manager_fix_hint(const char *source, const char *name) {
        bool user = strstr(source, "user manager") || strstr(source, "user.conf");
        const char *ctl = user ? "systemctl --user" : "systemctl";
        if (streq(source, MANAGER_SOURCE_SET_ENVIRONMENT) || (user && !strstr(source, ".conf")))
                return xasprintf("run '%s unset-environment %s'", ctl, name);
        if (streq(source, MANAGER_SOURCE_CMDLINE))
                return xasprintf("remove systemd.setenv=%s=... from the kernel command line", name);
        _cleanup_free_ char *where = source_plain(source);
        if (!where)
                return NULL;
        if (where[0] != '/')
                return xasprintf("remove it from %s", where);
        return xasprintf("remove it from %s and run '%s daemon-reload'", where, ctl);
}

/* The per-service finding for NODE_TLS_REJECT_UNAUTHORIZED=0: from the manager, or its own. */
static void add_insecure(Findings *f, const Unit *u, const EnvEntry *reject) {
        if (!env_source_is_manager(reject->source)) {
                findings_add(f, SEV_ERROR, "insecure",
                             "TLS certificate verification is disabled: NODE_TLS_REJECT_UNAUTHORIZED=0 (%s); "
                             "trust the server's CA instead: unit-tls set %s --ca FILE",
                             reject->source, u->id);
                return;
        }
        _cleanup_free_ char *where = source_plain(reject->source),
                            *hint = manager_fix_hint(reject->source, "NODE_TLS_REJECT_UNAUTHORIZED");
        findings_add(f, SEV_ERROR, "manager-insecure",
                     "TLS certificate verification is disabled for every service by NODE_TLS_REJECT_UNAUTHORIZED=0 in "
                     "the service manager's environment (%s); %s, or unset it for this service: unit-tls set %s --ca FILE",
                     where ? where : reject->source, hint ? hint : "remove it there", u->id);
}

void manager_findings(const ManagerEnv *m, size_t reached, size_t scanned, Findings *out) {
        const EnvEntry *e = m ? env_list_get(&m->environment, "NODE_TLS_REJECT_UNAUTHORIZED") : NULL;
        if (!e || !streq(env_entry_value(e), "0"))
                return;
        _cleanup_free_ char *where = source_plain(e->source), *hint = manager_fix_hint(e->source, "NODE_TLS_REJECT_UNAUTHORIZED");
        findings_add(out, SEV_ERROR, "manager-insecure",
                     "NODE_TLS_REJECT_UNAUTHORIZED=0 in the service manager's environment (%s) disables TLS certificate "
                     "verification for %zu of %zu services (the others unset or override it); %s",
                     where ? where : e->source, reached, scanned, hint ? hint : "remove it there");
}

static bool path_under(const char *path, const char *dir) {
        const char *rest = startswith(path, dir);
        size_t n = strlen(dir);
        return rest && (*rest == '/' || *rest == 0 || (n > 0 && dir[n - 1] == '/'));
}

/* The unit's sandboxing that would hide path from the service, or NULL. */
char *sandbox_hides_path(const LookupPaths *lp, const Unit *u, const char *path) {
        if (u->root_image.value && *u->root_image.value)
                return xasprintf("the service runs in RootImage=%s (%s), where unit-tls cannot check %s",
                                 u->root_image.value, u->root_image.source, path);
        if (u->root_directory.value && *u->root_directory.value && !streq(u->root_directory.value, "/")) {
                _cleanup_free_ char *inner = strjoin_path(u->root_directory.value, path), *host = NULL;
                if (!inner || fs_chase(lp->root, inner, 0, &host) < 0)
                        return xasprintf("the service runs in RootDirectory=%s (%s), where %s does not exist",
                                         u->root_directory.value, u->root_directory.source, path);
        }
        const char *ph = u->protect_home.value;
        bool dynamic = u->dynamic_user.value && parse_boolean(u->dynamic_user.value) > 0;
        if (ph && (parse_boolean(ph) > 0 || streq(ph, "tmpfs"))) {
                static const char *const homes[] = { "/home", "/root", "/run/user" };
                for (size_t i = 0; i < ELEMENTSOF(homes); i++)
                        if (path_under(path, homes[i]))
                                return xasprintf("ProtectHome=%s (%s) hides %s from the service; "
                                                 "put the CA under /etc (e.g. /etc/ssl/certs or /etc/unit-tls)",
                                                 ph, u->protect_home.source, homes[i]);
        }
        bool private_tmp = (u->private_tmp.value && parse_boolean(u->private_tmp.value) > 0) || dynamic;
        if (private_tmp && (path_under(path, "/tmp") || path_under(path, "/var/tmp")))
                return xasprintf("%s gives the service its own /tmp and /var/tmp, so it cannot see %s; "
                                 "put the CA under /etc",
                                 dynamic && !(u->private_tmp.value && parse_boolean(u->private_tmp.value) > 0)
                                         ? "DynamicUser=yes" : "PrivateTmp=yes",
                                 path);
        for (char **p = u->inaccessible_paths; p && *p; p++) {
                const char *d = *p + strspn(*p, "-+");
                if (path_under(path, d))
                        return xasprintf("InaccessiblePaths=%s hides %s from the service", d, path);
        }
        for (char **p = u->temporary_filesystem; p && *p; p++) {
                _cleanup_free_ char *d = strndup(*p, strcspn(*p, ":"));
                if (d && path_under(path, d))
                        return xasprintf("TemporaryFileSystem=%s hides %s from the service", d, path);
        }
        return NULL;
}

/* Checks that cred can reach and read host path (resolved, under root): x on every directory,
 * r on the file. Returns NULL or the first obstacle. */
/* stat() of the directories on the way to a file, remembered for the run: hundreds of services
 * share /etc/ssl/certs. Only directories that exist are kept; the run never changes the mode or
 * owner of a directory it has looked at. */
static StrMap dir_stats = { .free_value = free };

static int stat_dir_cached(const char *host, struct stat *ret) {
        const struct stat *hit = strmap_get(&dir_stats, host);
        if (hit) {
                *ret = *hit;
                return 0;
        }
        if (stat(host, ret) < 0)
                return -errno;
        struct stat *copy = S_ISDIR(ret->st_mode) ? malloc(sizeof(struct stat)) : NULL;
        if (copy) {
                *copy = *ret;
                if (strmap_put(&dir_stats, host, copy) <= 0)
                        free(copy);
        }
        return 0;
}

char *path_unreadable_by(const LookupPaths *lp, const ServiceCred *cred, const char *host) {
        const char *inner = lookup_display_path(lp, host);
        _cleanup_free_ char *prefix = strdup(inner);
        if (!prefix)
                return NULL;
        for (char *s = prefix + 1;; s++) {
                char c = *s;
                if (c != '/' && c != 0)
                        continue;
                *s = 0;
                _cleanup_free_ char *hp = lookup_host_path(lp, prefix);
                struct stat st;
                bool last = c == 0;
                if (hp && (last ? stat(hp, &st) : stat_dir_cached(hp, &st)) == 0) {
                        int want = last ? R_OK : X_OK;
                        if (!cred_may_access(cred, st.st_uid, st.st_gid, st.st_mode, want))
                                return xasprintf("%s (mode %04o, uid %u, gid %u) is not %s by %s",
                                                 prefix, st.st_mode & 07777, st.st_uid, st.st_gid,
                                                 last ? "readable" : "searchable", cred->user);
                }
                if (c == 0)
                        break;
                *s = c;
        }
        return NULL;
}

/* The same CA file serves many units (audit of a host where 500 services share one): parse and
 * verify it once per process. Keyed by the path shown and the file's identity and mtime, so an
 * edit in between is seen. */
static StrMap ca_cache;

static void ca_report_free(void *p) {
        ca_report_done(p);
        free(p);
}

static char *ca_cache_key(const char *host, const char *path) {
        struct stat st;
        if (stat(host, &st) < 0 || !S_ISREG(st.st_mode))
                return NULL;
        return xasprintf("%s\n%llu:%llu:%lld.%09ld:%lld", path, (unsigned long long) st.st_dev,
                         (unsigned long long) st.st_ino, (long long) st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                         (long long) st.st_size);
}

/* 0 and a copy in *ret on a hit; -ENOENT on a miss; -ENOMEDIUM when the file cannot be keyed. */
static int ca_check_cached(const char *host, const char *path, CaReport *ret) {
        _cleanup_free_ char *key = ca_cache_key(host, path);
        if (!key)
                return -ENOMEDIUM;
        CaReport *hit = strmap_get(&ca_cache, key);
        return hit ? ca_report_copy(hit, ret) : -ENOENT;
}

static int ca_cache_store(const char *host, const char *path, const CaReport *report) {
        _cleanup_free_ char *key = ca_cache_key(host, path);
        if (!key)
                return -ENOMEDIUM;
        CaReport *copy = calloc(1, sizeof(CaReport));
        if (!copy || ca_report_copy(report, copy) < 0) {
                free(copy);
                return -ENOMEM;
        }
        ca_cache.free_value = ca_report_free;
        int r = strmap_put(&ca_cache, key, copy);
        if (r <= 0)
                ca_report_free(copy);  /* already there, or out of memory */
        return r < 0 ? r : 0;
}

/* Can the service see the CA file (its sandbox) and read it (its user)? host: the file on this host. */
static void ca_access_findings(const LookupPaths *lp, const Unit *u, const ServiceCred *cred, const char *path,
                               const char *host, Findings *findings) {
        _cleanup_free_ char *hidden = sandbox_hides_path(lp, u, path);
        if (hidden)
                findings_add(findings, SEV_ERROR, "ca-hidden", "%s", hidden);
        else if (!cred->known)
                findings_add(findings, SEV_WARNING, "user-unknown",
                             "User=%s does not exist in %s/etc/passwd: cannot check who can read %s",
                             cred->user, lp->root ? lp->root : "", path);
        else {
                _cleanup_free_ char *why = path_unreadable_by(lp, cred, host);
                if (why)
                        findings_add(findings, SEV_ERROR, "ca-unreadable",
                                     "the service cannot read %s: %s; put the CA where it can be read "
                                     "(e.g. /etc/ssl/certs, mode 0644) or grant access",
                                     path, why);
        }
}

int check_ca_path(const LookupPaths *lp, const Unit *u, const ServiceCred *cred, const char *path,
                  CaReport *report, Findings *findings) {
        *report = (CaReport) {};
        if (path[0] != '/') {
                findings_add(findings, SEV_ERROR, "ca-relative",
                             "%s is a relative path: Node resolves it against the service's working directory; "
                             "use an absolute path", path);
                return 0;
        }
        _cleanup_free_ char *host = NULL;
        int r = fs_chase_existing(lp->root, path, &host, NULL);
        if (r < 0) {
                findings_add(findings, SEV_ERROR, "ca-missing", "%s: %s; check the path",
                             path, r == -ENOENT ? "no such file" : strerror(-r));
                return 0;
        }
        _cleanup_free_ char *data = NULL;  /* before the goto: never jump over a _cleanup_ */
        size_t size = 0;
        r = ca_check_cached(host, path, report);
        if (r == 0)
                goto checked;
        if (r != -ENOENT && r != -ENOMEDIUM)  /* a miss, or a file to read to say what is wrong */
                return r;
        r = read_file_limited(host, CA_FILE_MAX_SIZE, &data, &size);
        if (r < 0) {
                const char *why = r == -EISDIR   ? "is a directory, not a PEM file"
                                  : r == -ENOTSUP ? "is not a regular file"
                                  : r == -EFBIG   ? "is larger than 10 MiB, not a CA file"
                                                  : strerror(-r);
                findings_add(findings, SEV_ERROR, "ca-unusable", "%s %s", path, why);
                return 0;
        }
        if ((r = ca_check_data(data, size, path, time(NULL), report)) < 0)
                return r;
        (void) ca_cache_store(host, path, report);
checked:
        if (report->verdict != CA_OK) {
                /* One clear reason: who could read a file that must not be used is beside the point. */
                findings_add(findings, SEV_ERROR, report->verdict == CA_PRIVATE_KEY ? "ca-private-key" : "ca-invalid",
                             "%s", report->message);
                return 0;
        }
        for (char **w = report->warnings; w && *w; w++)
                findings_add(findings, SEV_WARNING, "ca-warning", "%s", *w);
        ca_access_findings(lp, u, cred, path, host, findings);
        return 0;
}

/* What the runtime, at its version, does with the settings (trust/rtfacts). */
static int runtime_version_findings(const LookupPaths *lp, const Unit *u, Inspection *in) {
        const EnvEntry *extra = env_list_get(&in->env, "NODE_EXTRA_CA_CERTS");
        const EnvEntry *system = env_list_get(&in->env, "NODE_USE_SYSTEM_CA");
        if ((extra && !isempty(env_entry_value(extra))) || system) {
                _cleanup_free_ char *why = in->runtime.binary ? runtime_privilege_problem(
                        &in->runtime, &in->cred, lookup_display_path(lp, in->runtime.binary)) : NULL;
                if (why)
                        findings_add(&in->findings, SEV_ERROR, "node-ignores-env", "%s", why);
        }
        RtNotes notes = {};
        int r = rt_env_notes(&in->runtime, &in->env, NULL, in->have_ca ? in->ca.n_certs : 0, u->id, &notes);
        for (size_t i = 0; r >= 0 && i < notes.n; i++)
                findings_add(&in->findings, (Severity) notes.items[i].severity, notes.items[i].code, "%s",
                             notes.items[i].message);
        rt_notes_done(&notes);
        return r;
}

/* NODE_EXTRA_CA_CERTS is set (at source): is it read? Another runtime is a warning; a service
 * unit-tls cannot see through is only that, said at info level. */
static void runtime_kind_findings(const RuntimeInfo *rt, const char *source, Findings *findings) {
        const char *how = rt->how ? rt->how : "no ExecStart=";
        if (rt->runtime == RUNTIME_OTHER)
                findings_add(findings, SEV_WARNING, "not-node",
                             "NODE_EXTRA_CA_CERTS is set (%s) but ExecStart= does not look like Node.js, Bun or "
                             "Deno, which are the programs that read it: it runs %s (%s)",
                             source, rt->other, how);
        else if (rt->runtime == RUNTIME_UNKNOWN)
                findings_add(findings, SEV_INFO, "runtime-unknown",
                             "unit-tls cannot tell whether the service runs Node.js, Bun or Deno (%s); "
                             "NODE_EXTRA_CA_CERTS (%s) works only if it does", how, source);
}

int inspect_unit(const LookupPaths *lp, const ManagerEnv *m, const Unit *u, Inspection *ret) {
        return inspect_unit_full(lp, m, u, false, ret);
}

/* Does the unit set anything about TLS itself (a manager-wide value is not its own)? */
/* Does the assignment ("NAME=...") set one of tls_variables? */
static bool assignment_is_tls(const char *a) {
        size_t n = strcspn(a, "=");
        for (const char *const *v = tls_variables; *v; v++)
                if ((*v)[0] == a[0] && strlen(*v) == n && memcmp(*v, a, n) == 0)
                        return true;
        return false;
}

bool env_has_tls_variable(const EnvList *l, bool own_only) {
        /* one pass over the list, not a lookup per variable: audit asks this of every service */
        for (size_t i = 0; i < l->n; i++)
                if (assignment_is_tls(l->entries[i].assignment) &&
                    (!own_only || !env_source_is_manager(l->entries[i].source)))
                        return true;
        return false;
}

static bool has_own_tls_setting(const Inspection *in) {
        return env_has_tls_variable(&in->env, true);
}

/* A unit that did not load has one finding and no environment to look at. */
static void inspect_not_loaded(const Unit *u, Inspection *in) {
        if (u->load_state == LOAD_NOT_FOUND)
                findings_add(&in->findings, SEV_ERROR, "not-found", "%s: unit not found", u->name);
        else if (u->load_state == LOAD_MASKED)
                findings_add(&in->findings, SEV_INFO, "masked", "%s is masked", u->name);
        else
                findings_add(&in->findings, SEV_ERROR, "load-error", "%s", u->load_error ? u->load_error : "failed to load");
        in->verdict = u->load_state == LOAD_MASKED ? VERDICT_OK : VERDICT_BROKEN;
}

/* The last of the unit's drop-ins that is unit-tls's own. */
static void find_managed_dropin(const Unit *u, Inspection *in) {
        for (char **d = u->dropins; d && *d; d++)
                if (strv_contains(u->managed_dropins, *d)) {
                        free(in->managed_dropin);
                        in->managed_dropin = strdup(*d);
                }
}

/* Our drop-in sets something, but what the service gets comes from elsewhere. */
static void shadowed_findings(const LookupPaths *lp, const Unit *u, const EnvEntry *extra, bool insecure,
                              Inspection *in) {
        const char *ours = lookup_display_path(lp, in->managed_dropin);
        if (extra && startswith(extra->source, ours) && extra->source[strlen(ours)] == ':')
                return;

        bool sets_extra = false;
        for (size_t i = 0; i < u->environment.n; i++)
                if (startswith(u->environment.entries[i].assignment, "NODE_EXTRA_CA_CERTS="))
                        sets_extra = true;
        if (extra && !insecure)
                findings_add(&in->findings, SEV_ERROR, "shadowed",
                             "unit-tls's %s is overridden: NODE_EXTRA_CA_CERTS comes from %s; "
                             "remove it there or run unit-tls set again",
                             ours, extra->source);
        else if (!extra && sets_extra)
                findings_add(&in->findings, SEV_ERROR, "shadowed",
                             "unit-tls's %s is overridden: NODE_EXTRA_CA_CERTS is reset or unset later",
                             ours);
}

/* The verdict of a loaded unit, from its findings, the worst first. */
static Verdict loaded_verdict(const Inspection *in, bool insecure, const EnvEntry *extra, bool extra_manager) {
        if (insecure)
                return VERDICT_INSECURE;
        if (has_code(&in->findings, "shadowed"))
                return VERDICT_SHADOWED;
        if (findings_have(&in->findings, SEV_ERROR))
                return VERDICT_BROKEN;
        if (has_code(&in->findings, "not-node"))
                return VERDICT_NOT_NODE;
        if (has_code(&in->findings, "runtime-unknown"))
                return VERDICT_UNKNOWN;
        if (extra && !in->managed_dropin && !extra_manager)
                return VERDICT_UNMANAGED;
        return VERDICT_OK;
}

/* A unit with a TLS setting of its own, or our drop-in: the insecure override, the CA file, the
 * runtime, our drop-in shadowed or generated; then the verdict. */
static int inspect_tls_settings(const LookupPaths *lp, const Unit *u, const EnvEntry *reject, bool insecure,
                                Inspection *in) {
        _cleanup_free_ char *origin = NULL;   /* "file:line" when our drop-in is a generated one */
        int r;

        origin = in->managed_dropin ? dropin_generated_origin(in->managed_dropin) : NULL;
        size_t mark = in->findings.n;

        if (insecure)
                add_insecure(&in->findings, u, reject);

        const EnvEntry *extra = env_list_get(&in->env, "NODE_EXTRA_CA_CERTS");
        const char *extra_value = extra ? env_entry_value(extra) : NULL;
        /* A CA the manager gives every service is not the unit's own setting: checked for the
         * services known to read it (Node.js, Bun, Deno) only, and no runtime finding. */
        bool extra_manager = extra && env_source_is_manager(extra->source);
        bool reads_it = in->runtime.runtime != RUNTIME_UNKNOWN && in->runtime.runtime != RUNTIME_OTHER;
        if (!isempty(extra_value) && (!extra_manager || reads_it)) {
                if ((r = check_ca_path(lp, u, &in->cred, extra_value, &in->ca, &in->findings)) < 0)
                        return r;
                in->have_ca = true;
                if (!extra_manager)
                        runtime_kind_findings(&in->runtime, extra->source, &in->findings);
        }
        /* what the manager gives a service that does not read it is not this unit's concern */
        if ((reads_it || has_own_tls_setting(in)) && (r = runtime_version_findings(lp, u, in)) < 0)
                return r;

        if (in->managed_dropin)
                shadowed_findings(lp, u, extra, insecure, in);

        if (origin) {
                const char *ours = lookup_display_path(lp, in->managed_dropin);
                note_generated(&in->findings, mark, origin, source_in(extra, ours), source_in(reject, ours));
                findings_add(&in->findings, SEV_INFO, "generated",
                             "%s is generated by unit-tls-generator from %s; change it there, then run 'unit-tls apply'",
                             ours, origin);
        }

        in->verdict = loaded_verdict(in, insecure, extra, extra_manager);
        return 0;
}

int inspect_unit_full(const LookupPaths *lp, const ManagerEnv *m, const Unit *u, bool only_relevant,
                      Inspection *ret) {
        Inspection in = {};
        int r;

        if (u->load_state != LOAD_LOADED) {
                inspect_not_loaded(u, &in);
                *ret = in;
                return 0;
        }

        if ((r = environment_of(lp, m, u, true, &in.env, &in.findings)) < 0)
                goto fail;
        find_managed_dropin(u, &in);
        const EnvEntry *reject = env_list_get(&in.env, "NODE_TLS_REJECT_UNAUTHORIZED");
        bool insecure = reject && streq(env_entry_value(reject), "0");
        if (only_relevant && !in.managed_dropin && !has_own_tls_setting(&in)) {
                /* audit's fast path: no TLS setting of its own, nothing more to know than what
                 * the manager gives every service */
                if (insecure)
                        add_insecure(&in.findings, u, reject);
                in.verdict = insecure ? VERDICT_INSECURE : VERDICT_OK;
                *ret = in;
                return 0;
        }
        if ((r = unit_cred(lp, u, &in.cred)) < 0 || (r = runtime_detect(lp, u, &in.cred, &in.runtime)) < 0)
                goto fail;
        if ((r = inspect_tls_settings(lp, u, reject, insecure, &in)) < 0)
                goto fail;
        *ret = in;
        return 0;
fail:
        inspection_done(&in);
        return r;
}

void inspection_done(Inspection *i) {
        env_list_done(&i->env);
        runtime_info_done(&i->runtime);
        service_cred_done(&i->cred);
        findings_done(&i->findings);
        free(i->managed_dropin);
        ca_report_done(&i->ca);
        *i = (Inspection) {};
}

int read_target_file(const LookupPaths *lp, const char *path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_free_ char *host = NULL;
        int r = fs_chase(lp->root, path, 0, &host);
        if (r < 0)
                return r;
        return read_file_limited(host, max, ret, ret_size);
}
