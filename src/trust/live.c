/* SPDX-License-Identifier: MIT */
#include "basic/fs.h"
#include "trust/live.h"

void live_done(Live *l) {
        unit_state_done(&l->state);
        strv_free(l->running_tls);
        *l = (Live) {};
}

static bool is_tls_variable(const char *assignment) {
        for (const char *const *v = tls_variables; *v; v++) {
                size_t n = strlen(*v);
                if (strncmp(assignment, *v, n) == 0 && assignment[n] == '=')
                        return true;
        }
        return false;
}

/* The TLS variables of a process, from /proc/PID/environ. */
static int read_running_tls(uint32_t pid, char ***ret) {
        _cleanup_free_ char *env = NULL;
        size_t size = 0;
        int r = proc_environ_read(pid, &env, &size);
        if (r < 0)
                return r;
        char **l = NULL;
        for (size_t i = 0; i < size; i += strlen(env + i) + 1)
                if (is_tls_variable(env + i) && strv_extend(&l, env + i) < 0) {
                        strv_free(l);
                        return -ENOMEM;
                }
        *ret = l;
        return 0;
}

/* The value of NAME in a list of "NAME=VALUE", or NULL. */
static const char *strv_env_get(char **l, const char *name) {
        size_t n = strlen(name);
        for (; l && *l; l++)
                if (strncmp(*l, name, n) == 0 && (*l)[n] == '=')
                        return *l + n + 1;
        return NULL;
}

/* Does the process run with other TLS settings than the files give? Every TLS variable the
 * files set must have that value; the two unit-tls manages must also not linger after they
 * were removed. Other variables the process has without the files (the manager's
 * DefaultEnvironment=, say) are not a difference the files can explain. */
static bool running_differs(const Inspection *in, char **running) {
        for (size_t i = 0; i < in->env.n; i++) {
                const char *a = in->env.entries[i].assignment;
                if (!is_tls_variable(a))
                        continue;
                _cleanup_free_ char *name = strndup(a, strcspn(a, "="));
                const char *v = name ? strv_env_get(running, name) : NULL;
                if (!v || !streq(v, env_entry_value(&in->env.entries[i])))
                        return true;
        }
        static const char *const managed[] = { "NODE_EXTRA_CA_CERTS", "NODE_TLS_REJECT_UNAUTHORIZED" };
        for (size_t i = 0; i < ELEMENTSOF(managed); i++)
                if (strv_env_get(running, managed[i]) && !env_list_get(&in->env, managed[i]))
                        return true;
        return false;
}

static bool same_strv(char **a, char **b) {
        size_t n = strv_length(a);
        if (n != strv_length(b))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!streq(a[i], b[i]))
                        return false;
        return true;
}

int live_check(const BusOps *ops, void *ctx, const Unit *u, Inspection *in, Live *ret) {
        Live l = {};
        const char *why = NULL;
        char *ids[] = { (char *) u->id, NULL };
        int r = ops->read_states(ctx, ids, false, &l.state, &why);
        if (r < 0) {
                findings_add(&in->findings, SEV_WARNING, "live-unknown", "cannot ask systemd about the unit: %s", why);
                *ret = l;
                return 0;
        }
        l.checked = true;
        if (!l.state.loaded) {
                *ret = l;
                return 0;
        }

        /* loaded: what systemd parsed versus what the files say now */
        _cleanup_strv_free_ char **files_env = NULL;
        for (size_t i = 0; i < u->environment.n; i++)
                if (strv_extend(&files_env, u->environment.entries[i].assignment) < 0)
                        return -ENOMEM;
        bool stale_loaded = l.state.need_reload || !same_strv(files_env, l.state.environment);
        if (stale_loaded)
                findings_add(&in->findings, SEV_ERROR, "stale",
                             "systemd runs an older version of the unit's files: run 'systemctl daemon-reload' and "
                             "restart it (unit-tls set does both)");

        /* running: the main process's TLS variables versus the effective environment */
        if (l.state.main_pid) {
                l.running_error = read_running_tls(l.state.main_pid, &l.running_tls);
                if (l.running_error == 0 && !stale_loaded && running_differs(in, l.running_tls))
                        findings_add(&in->findings, SEV_ERROR, "stale",
                                     "the running process (PID %u) was started with other TLS settings than the "
                                     "files give: restart it (unit-tls set does it)",
                                     l.state.main_pid);
        }
        for (size_t i = 0; i < in->findings.n; i++)
                if (streq(in->findings.items[i].code, "stale") && in->verdict > VERDICT_STALE)
                        in->verdict = VERDICT_STALE;  /* a worse verdict stays (Verdict is worst first) */
        *ret = l;
        return 0;
}

void live_print_json(Json *j, const Live *l) {
        if (!l->checked)
                return;
        json_begin_object(j, "loaded");
        json_bool(j, "loaded", l->state.loaded);
        if (l->state.loaded) {
                json_string(j, "active_state", l->state.active_state);
                json_bool(j, "need_daemon_reload", l->state.need_reload);
                json_begin_array(j, "environment");
                for (char **e = l->state.environment; e && *e; e++)
                        json_string(j, NULL, *e);
                json_end_array(j);
                json_begin_array(j, "environment_files");
                for (char **e = l->state.environment_files; e && *e; e++)
                        json_string(j, NULL, *e);
                json_end_array(j);
        }
        json_end_object(j);
        json_begin_object(j, "running");
        json_int(j, "pid", l->state.main_pid);
        if (l->state.main_pid && l->running_error == 0) {
                json_begin_array(j, "environment");
                for (char **e = l->running_tls; e && *e; e++)
                        json_string(j, NULL, *e);
                json_end_array(j);
        } else if (l->state.main_pid)
                json_string(j, "error", strerror(-l->running_error));
        json_end_object(j);
}

void live_print_text(const Live *l) {
        if (!l->checked)
                return;
        if (!l->state.loaded) {
                printf("  loaded:     no (systemd has not loaded it; it is not running)\n");
                return;
        }
        printf("  loaded:     %s, %s\n", l->state.active_state,
               l->state.need_reload ? "files changed since (needs daemon-reload)" : "up to date with the files");
        if (!l->state.main_pid)
                printf("  running:    no main process\n");
        else if (l->running_error)
                printf("  running:    PID %u, environment not readable (%s; run as root)\n", l->state.main_pid,
                       strerror(-l->running_error));
        else {
                printf("  running:    PID %u", l->state.main_pid);
                if (!l->running_tls)
                        printf(", no TLS settings");
                for (char **e = l->running_tls; e && *e; e++)
                        printf("%s%s", e == l->running_tls ? ", " : " ", *e);
                printf("\n");
        }
}
