/* SPDX-License-Identifier: MIT */
#include "trust/apply.h"

void apply_unit_done(ApplyUnit *u) {
        free(u->expect);
        free(u->expect_absent);
        free(u->message);
        u->expect = u->expect_absent = u->message = NULL;
}

static bool is_running(const UnitState *s) {
        return s->active_state && (streq(s->active_state, "active") || streq(s->active_state, "activating") ||
                                   streq(s->active_state, "reloading"));
}

/* Does the running process have what it should? 1 yes, 0 no, < 0 cannot tell. */
static int running_ok(const BusOps *ops, void *ctx, const ApplyUnit *u, const UnitState *s) {
        if (!s->main_pid)
                return -ESRCH;
        int r = 1;
        if (u->expect && (r = ops->environ_has(ctx, s->main_pid, u->expect)) <= 0)
                return r;
        if (u->expect_absent) {
                int k = ops->environ_has(ctx, s->main_pid, u->expect_absent);
                if (k != 0)
                        return k < 0 ? k : 0;
        }
        return r;
}

/* Has systemd loaded the files as they are now? */
static bool loaded_ok(const ApplyUnit *u, const UnitState *s) {
        if (s->need_reload)
                return false;
        if (u->expect && startswith(u->expect, "NODE_EXTRA_CA_CERTS=") && !strv_contains(s->environment, u->expect))
                return false;
        if (u->dropin_display && strv_contains(s->dropins, u->dropin_display) != u->expect_dropin)
                return false;
        return true;
}

static void set_message(ApplyUnit *u, bool failed, const char *fmt, ...) _printf_(3, 4);
static void set_message(ApplyUnit *u, bool failed, const char *fmt, ...) {
        va_list ap;
        char *m = NULL;
        va_start(ap, fmt);
        if (vasprintf(&m, fmt, ap) < 0)
                m = NULL;
        va_end(ap);
        free(u->message);
        u->message = m;
        u->failed = u->failed || failed;
}

static void verify_running(const BusOps *ops, void *ctx, const ApplyOptions *o, ApplyUnit *u, const UnitState *s,
                           bool wanted_restart) {
        const char *what = u->reloaded ? "loaded by systemd" : "systemd already had it";
        if (u->inactive) {
                set_message(u, false, "%s; not running, so it applies at its next start", what);
                return;
        }
        if (wanted_restart && o->no_restart) {
                set_message(u, false, "%s; not restarted (--no-restart): the running process keeps its old environment",
                            what);
                return;
        }
        int ok = running_ok(ops, ctx, u, s);
        if (ok < 0 && ok != -ESRCH)
                set_message(u, false, "%s%s; running process: not readable (run as root to check it)", what,
                            u->restarted ? ", restarted" : "");
        else if (ok <= 0)
                set_message(u, true, "%s%s, but the running process (PID %u) does not have %s", what,
                            u->restarted ? ", restarted" : "", s->main_pid, u->expect ? u->expect : "the change");
        else {
                u->verified_running = true;
                if (!u->reloaded && !u->restarted)
                        set_message(u, false, "already in place: loaded by systemd and in the running process (PID %u)",
                                    s->main_pid);
                else
                        set_message(u, false, "%s%s; running process (PID %u) verified%s%s", what,
                                    u->restarted ? ", restarted" : "", s->main_pid, u->expect ? ": " : "",
                                    u->expect ? u->expect : "");
        }
}

/* Daemon-reload once if a file changed or systemd has not loaded one, and read every unit's
 * state after it. When a file changed the reload happens anyway: the states before it would
 * decide nothing, so they are not read. */
static int load_all(const BusOps *ops, void *ctx, ApplyUnit *units, size_t n, UnitState *st, const char **ret_why) {
        _cleanup_free_ char **ids = calloc(n + 1, sizeof(char *));
        bool need_reload = false;
        int r;
        if (!ids)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                ids[i] = (char *) units[i].id;
                need_reload = need_reload || units[i].file_changed;
        }
        if (!need_reload) {
                if ((r = ops->read_states(ctx, ids, true, st, ret_why)) < 0)
                        return r;
                for (size_t i = 0; i < n && !need_reload; i++)
                        need_reload = !loaded_ok(&units[i], &st[i]);
        }
        if (!need_reload)
                return 0;
        if ((r = ops->reload(ctx, ret_why)) < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                units[i].reloaded = true;
        return ops->read_states(ctx, ids, true, st, ret_why);
}

/* Which units to restart: a running unit whose file changed or whose process lacks the setting
 * (restart[i]); those not held back by --no-restart go into ids, their positions into index. */
static int decide_restarts(const BusOps *ops, void *ctx, const ApplyOptions *o, ApplyUnit *units, size_t n,
                           UnitState *st, bool *restart, char ***ids, size_t *index, size_t *ret_n) {
        size_t n_restart = 0;
        int r;
        for (size_t i = 0; i < n; i++) {
                ApplyUnit *u = &units[i];
                u->verified_loaded = loaded_ok(u, &st[i]);
                if (!u->verified_loaded) {
                        set_message(u, true, "systemd did not load the change (%s); check 'systemctl cat %s'",
                                    st[i].need_reload ? "it still needs a daemon-reload"
                                                      : "its loaded configuration differs from the files",
                                    u->id);
                        continue;
                }
                if (!is_running(&st[i]) && !u->restart_anyway) {
                        u->inactive = true;
                        continue;
                }
                restart[i] = u->restart_anyway || u->file_changed || running_ok(ops, ctx, u, &st[i]) == 0;
                if (restart[i] && !o->no_restart) {
                        if ((r = strv_extend(ids, u->id)) < 0)
                                return r;
                        index[n_restart++] = i;
                }
        }
        *ret_n = n_restart;
        return 0;
}

/* Restart ids (units[index[k]]) in one go and mark the ones whose job or service failed. */
static int restart_all(const BusOps *ops, void *ctx, ApplyUnit *units, UnitState *st, char **ids,
                       const size_t *index, size_t n_restart, const char **ret_why) {
        char **results = calloc(n_restart, sizeof(char *));
        UnitState *after = calloc(n_restart, sizeof(UnitState));
        int r = -ENOMEM;
        if (!results || !after)
                goto out;
        /* A rollback restarts what the failed restart left failed: since systemd 257 the start
         * rate limit survives the reload in between, so it would refuse. */
        for (size_t k = 0; k < n_restart && ops->reset_failed; k++)
                if (units[index[k]].restart_anyway)
                        (void) ops->reset_failed(ctx, units[index[k]].id);
        if ((r = ops->restart(ctx, ids, results, ret_why)) < 0)
                goto out;
        const char *why = NULL;
        (void) ops->read_states(ctx, ids, true, after, &why);  /* a state not read says "unknown" below */
        for (size_t k = 0; k < n_restart; k++) {
                ApplyUnit *u = &units[index[k]];
                UnitState *s = &st[index[k]];
                u->restarted = true;
                unit_state_done(s);
                *s = after[k];
                after[k] = (UnitState) {};
                const char *res = results[k] ? results[k] : "unknown";
                if (!streq(res, "done") || !is_running(s))
                        set_message(u, true, "restart failed (job %s, service result %s); see 'journalctl -xeu %s'",
                                    res, s->result ? s->result : "unknown", u->id);
        }
out:
        for (size_t k = 0; k < n_restart && results; k++)
                free(results[k]);
        for (size_t k = 0; k < n_restart && after; k++)
                unit_state_done(&after[k]);
        free(results);
        free(after);
        return r;
}

int apply_units_with(const BusOps *ops, void *ctx, const ApplyOptions *o, ApplyUnit *units, size_t n,
                     const char **ret_why) {
        UnitState *st = calloc(n, sizeof(UnitState));
        bool *restart = calloc(n, sizeof(bool));
        _cleanup_strv_free_ char **ids = NULL;
        size_t *index = calloc(n, sizeof(size_t)), n_restart = 0;
        bool any_failed = false;
        int r;

        if (!st || !restart || !index) {
                r = -ENOMEM;
                goto out;
        }
        if ((r = ops->connect(ctx, o->user, o->ask_password, ret_why)) < 0 ||
            (r = load_all(ops, ctx, units, n, st, ret_why)) < 0 ||
            (r = decide_restarts(ops, ctx, o, units, n, st, restart, &ids, index, &n_restart)) < 0)
                goto out;
        if (n_restart > 0 && (r = restart_all(ops, ctx, units, st, ids, index, n_restart, ret_why)) < 0)
                goto out;
        for (size_t i = 0; i < n; i++)
                if (!units[i].failed)
                        verify_running(ops, ctx, o, &units[i], &st[i], restart[i]);
        r = 0;
out:
        for (size_t i = 0; i < n; i++) {
                any_failed = any_failed || units[i].failed;
                if (st)
                        unit_state_done(&st[i]);
        }
        free(st);
        free(restart);
        free(index);
        if (r < 0)
                return r;
        return any_failed ? 1 : 0;
}

/* *ret_why may point into the bus context: hand the caller its own copy before closing it. */
static int keep_why(int r, const char *why, char **ret_why) {
        if (r < 0 && why && !(*ret_why = strdup(why)))
                return -ENOMEM;
        return r;
}

int apply_units(const ApplyOptions *o, ApplyUnit *units, size_t n, char **ret_why) {
        void *ctx = bus_sdbus_new();
        if (!ctx)
                return -ENOMEM;
        const char *why = NULL;
        int r = keep_why(apply_units_with(&bus_ops_sdbus, ctx, o, units, n, &why), why, ret_why);
        bus_ops_sdbus.close(ctx);
        return r;
}

int apply_reload_only(const ApplyOptions *o, char **ret_why) {
        void *ctx = bus_sdbus_new();
        if (!ctx)
                return -ENOMEM;
        const char *why = NULL;
        int r = bus_ops_sdbus.connect(ctx, o->user, o->ask_password, &why);
        if (r >= 0)
                r = bus_ops_sdbus.reload(ctx, &why);
        r = keep_why(r, why, ret_why);
        bus_ops_sdbus.close(ctx);
        return r;
}
