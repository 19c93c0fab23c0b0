/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include "basic/fs.h"
#include "trust/runtime.h"

const char *runtime_to_string(Runtime r) {
        static const char *const t[] = {
                [RUNTIME_UNKNOWN] = "unknown",
                [RUNTIME_NODE] = "node",
                [RUNTIME_BUN] = "bun",
                [RUNTIME_DENO] = "deno",
        };
        return t[r];
}

void runtime_info_done(RuntimeInfo *r) {
        free(r->how);
        free(r->binary);
        *r = (RuntimeInfo) {};
}

static const char *base(const char *p) {
        const char *s = strrchr(p, '/');
        return s ? s + 1 : p;
}

static Runtime runtime_of_name(const char *name) {
        static const char *const node[] = { "node", "nodejs", "npm", "npx", "yarn", "yarnpkg", "pnpm", "pnpx", "corepack", "pm2", "pm2-runtime" };
        for (size_t i = 0; i < ELEMENTSOF(node); i++)
                if (streq(name, node[i]))
                        return RUNTIME_NODE;
        /* versioned names such as node20 or nodejs18 */
        if ((startswith(name, "node") || startswith(name, "nodejs")) && name[strspn(name, "nodejs")] >= '0' &&
            name[strspn(name, "nodejs")] <= '9')
                return RUNTIME_NODE;
        if (streq(name, "bun") || streq(name, "bunx"))
                return RUNTIME_BUN;
        if (streq(name, "deno"))
                return RUNTIME_DENO;
        return RUNTIME_UNKNOWN;
}

/* systemd's default search path for a bare ExecStart= name. */
static char *find_in_path(const LookupPaths *lp, const char *name) {
        static const char *const dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin" };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_free_ char *p = xasprintf("%s/%s", dirs[i], name), *host = NULL;
                if (!p)
                        return NULL;
                if (fs_chase(lp->root, p, 0, &host) == 0 && access(host, F_OK) == 0)
                        return TAKE_PTR(host);
        }
        return NULL;
}

static char *resolve_binary(const LookupPaths *lp, const char *cmd) {
        char *host = NULL;
        if (cmd[0] == '/')
                return fs_chase(lp->root, cmd, 0, &host) == 0 ? host : NULL;
        return find_in_path(lp, cmd);
}

/* "env [-S] [-i] [VAR=x] prog": the program env runs, or NULL. */
static const char *env_target(char **argv) {
        for (char **a = argv + 1; *a; a++) {
                if ((*a)[0] == '-' || strchr(*a, '='))
                        continue;
                return *a;
        }
        return NULL;
}

/* Reads "#!interp arg" of a script; returns the runtime it names. */
static Runtime shebang_runtime(const char *host_path, char **ret_interp) {
        _cleanup_fclose_ FILE *f = fopen(host_path, "re");
        char line[512];
        if (!f || !fgets(line, sizeof(line), f) || !startswith(line, "#!"))
                return RUNTIME_UNKNOWN;
        line[strcspn(line, "\r\n")] = 0;
        _cleanup_strv_free_ char **words = NULL;
        char *save = NULL;
        for (char *w = strtok_r(line + 2, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
                if (strv_extend(&words, w) < 0)
                        return RUNTIME_UNKNOWN;
        if (!words)
                return RUNTIME_UNKNOWN;
        const char *prog = words[0];
        if (streq(base(prog), "env"))
                prog = env_target(words);
        if (!prog)
                return RUNTIME_UNKNOWN;
        Runtime r = runtime_of_name(base(prog));
        if (r != RUNTIME_UNKNOWN)
                *ret_interp = strdup(prog);
        return r;
}

int runtime_detect(const LookupPaths *lp, const Unit *u, RuntimeInfo *ret) {
        RuntimeInfo info = {};
        for (size_t i = 0; i < u->n_exec_start && info.runtime == RUNTIME_UNKNOWN; i++) {
                ExecCommand *c = &u->exec_start[i];
                const char *prog = c->path;
                const char *via = NULL;
                if (streq(base(prog), "env")) {
                        via = "env";
                        prog = env_target(c->argv);
                        if (!prog)
                                continue;
                }
                Runtime r = runtime_of_name(base(prog));
                if (r != RUNTIME_UNKNOWN) {
                        info.runtime = r;
                        info.how = xasprintf("ExecStart= runs %s%s (%s)", via ? "env " : "", prog, c->source);
                        /* npm and friends are node scripts: the binary that reads the
                         * environment is node itself. */
                        const char *bin = r == RUNTIME_NODE && !startswith(base(prog), "node") ? "node" : prog;
                        info.binary = resolve_binary(lp, bin);
                        if (!info.binary && r == RUNTIME_NODE)
                                info.binary = resolve_binary(lp, "nodejs");
                        break;
                }
                _cleanup_free_ char *host = resolve_binary(lp, prog), *interp = NULL;
                if (host && (r = shebang_runtime(host, &interp)) != RUNTIME_UNKNOWN) {
                        info.runtime = r;
                        info.how = xasprintf("ExecStart= runs %s, a script for %s (%s)", prog, interp, c->source);
                        const char *bin = r == RUNTIME_NODE && !startswith(base(interp), "node") ? "node" : interp;
                        info.binary = streq(base(interp), "env") ? NULL : resolve_binary(lp, bin);
                        if (!info.binary)
                                info.binary = resolve_binary(lp, r == RUNTIME_NODE ? "node" : base(interp));
                }
        }
        if (info.binary && info.runtime != RUNTIME_UNKNOWN)
                (void) rtversion_read(info.runtime == RUNTIME_BUN ? RTV_BUN : info.runtime == RUNTIME_DENO ? RTV_DENO : RTV_NODE,
                                      lp->root, info.binary, &info.version);  /* unreadable: unknown */
        *ret = info;
        return 0;
}
