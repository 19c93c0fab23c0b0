/* SPDX-License-Identifier: MIT */
#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "systemd/bus.h"
#include "basic/fs.h"

/* libsystemd is opened when the first bus is, not at start: an offline run (--root, a package
 * hook, a chroot) never maps it and the libraries it pulls in (half a millisecond of every
 * start). The functions used are called through this table. */
#define SD_BUS_SYMBOLS(X) \
        X(sd_bus_call) \
        X(sd_bus_call_method) \
        X(sd_bus_call_method_async) \
        X(sd_bus_error_copy) \
        X(sd_bus_error_free) \
        X(sd_bus_error_get_errno) \
        X(sd_bus_error_has_name) \
        X(sd_bus_error_is_set) \
        X(sd_bus_flush_close_unref) \
        X(sd_bus_get_property_strv) \
        X(sd_bus_match_signal) \
        X(sd_bus_message_enter_container) \
        X(sd_bus_message_exit_container) \
        X(sd_bus_message_get_error) \
        X(sd_bus_message_is_method_error) \
        X(sd_bus_message_new_method_call) \
        X(sd_bus_message_read) \
        X(sd_bus_message_read_strv) \
        X(sd_bus_message_unref) \
        X(sd_bus_new) \
        X(sd_bus_open_system) \
        X(sd_bus_open_user) \
        X(sd_bus_process) \
        X(sd_bus_set_address) \
        X(sd_bus_set_allow_interactive_authorization) \
        X(sd_bus_slot_unref) \
        X(sd_bus_start) \
        X(sd_bus_wait)

static struct {
#define X(f) typeof(f) *f;
        SD_BUS_SYMBOLS(X)
#undef X
} sdb;
static int sdb_state;  /* 0 not tried, 1 loaded, < 0 why not */

static int sdb_load(void) {
        if (sdb_state != 0)
                return sdb_state < 0 ? sdb_state : 0;
        /* For tests only: another file name, to see a run without the library. */
        const char *name = secure_getenv("UNIT_TLS_TEST_LIBSYSTEMD");
        void *h = dlopen(name ? name : "libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
        sdb_state = h ? 1 : -ELIBACC;
#define X(f) \
        if (h && !(sdb.f = (typeof(sdb.f)) dlsym(h, #f))) \
                sdb_state = -ELIBACC;
        SD_BUS_SYMBOLS(X)
#undef X
        return sdb_state < 0 ? sdb_state : 0;
}

#define sd_bus_call (*sdb.sd_bus_call)
#define sd_bus_call_method (*sdb.sd_bus_call_method)
#define sd_bus_call_method_async (*sdb.sd_bus_call_method_async)
#define sd_bus_error_copy (*sdb.sd_bus_error_copy)
#define sd_bus_error_free (*sdb.sd_bus_error_free)
#define sd_bus_error_get_errno (*sdb.sd_bus_error_get_errno)
#define sd_bus_error_has_name (*sdb.sd_bus_error_has_name)
#define sd_bus_error_is_set (*sdb.sd_bus_error_is_set)
#define sd_bus_flush_close_unref (*sdb.sd_bus_flush_close_unref)
#define sd_bus_get_property_strv (*sdb.sd_bus_get_property_strv)
#define sd_bus_match_signal (*sdb.sd_bus_match_signal)
#define sd_bus_message_enter_container (*sdb.sd_bus_message_enter_container)
#define sd_bus_message_exit_container (*sdb.sd_bus_message_exit_container)
#define sd_bus_message_get_error (*sdb.sd_bus_message_get_error)
#define sd_bus_message_is_method_error (*sdb.sd_bus_message_is_method_error)
#define sd_bus_message_new_method_call (*sdb.sd_bus_message_new_method_call)
#define sd_bus_message_read (*sdb.sd_bus_message_read)
#define sd_bus_message_read_strv (*sdb.sd_bus_message_read_strv)
#define sd_bus_message_unref (*sdb.sd_bus_message_unref)
#define sd_bus_new (*sdb.sd_bus_new)
#define sd_bus_open_system (*sdb.sd_bus_open_system)
#define sd_bus_open_user (*sdb.sd_bus_open_user)
#define sd_bus_process (*sdb.sd_bus_process)
#define sd_bus_set_address (*sdb.sd_bus_set_address)
#define sd_bus_set_allow_interactive_authorization (*sdb.sd_bus_set_allow_interactive_authorization)
#define sd_bus_slot_unref (*sdb.sd_bus_slot_unref)
#define sd_bus_start (*sdb.sd_bus_start)
#define sd_bus_wait (*sdb.sd_bus_wait)

static void bus_message_unrefp(sd_bus_message **m) {
        if (*m)
                sd_bus_message_unref(*m);
}

static void bus_slot_unrefp(sd_bus_slot **s) {
        if (*s)
                sd_bus_slot_unref(*s);
}

#define DESTINATION "org.freedesktop.systemd1"
#define MANAGER_PATH "/org/freedesktop/systemd1"
#define MANAGER_IFACE "org.freedesktop.systemd1.Manager"
#define UNIT_IFACE "org.freedesktop.systemd1.Unit"
#define SERVICE_IFACE "org.freedesktop.systemd1.Service"
#define RELOAD_TIMEOUT_USEC (180ULL * 1000000ULL)  /* systemctl's DAEMON_RELOAD_TIMEOUT_SEC */
#define JOB_TIMEOUT_USEC (300ULL * 1000000ULL)

typedef struct SdCtx {
        sd_bus *bus;
        bool direct;
        sd_bus_error error;
        char *why;
} SdCtx;

void unit_state_done(UnitState *s) {
        free(s->active_state);
        free(s->result);
        strv_free(s->environment);
        strv_free(s->environment_files);
        strv_free(s->dropins);
        *s = (UnitState) {};
}

int bus_sdbus_load(void) {
        return sdb_load();
}

void *bus_sdbus_new(void) {
        SdCtx *c = calloc(1, sizeof(SdCtx));
        if (c)
                c->error = SD_BUS_ERROR_NULL;
        return c;
}

/* One line for a failed call: polkit and permission problems get their fix. */
static const char *error_text(SdCtx *c, int r) {
        sd_bus_error *e = &c->error;
        free(c->why);
        c->why = NULL;
        if (sdb_state > 0 && sd_bus_error_is_set(e)) {
                if (sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED) ||
                    sd_bus_error_has_name(e, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED))
                        c->why = strdup("permission denied by systemd: run as root, or allow the polkit "
                                        "authorization (without --no-ask-password)");
                else
                        c->why = xasprintf("%s", e->message ? e->message : e->name);
        } else
                c->why = strdup(strerror(r < 0 ? -r : r));
        if (sdb_state > 0)
                sd_bus_error_free(e);
        return c->why ? c->why : "out of memory";
}

static int sd_connect(void *ctx, bool user, bool ask_password, const char **why) {
        SdCtx *c = ctx;
        int r;

        if ((r = sdb_load()) < 0) {
                *why = "cannot load libsystemd.so.0 (install libsystemd0) to talk to systemd";
                return r;
        }
        if (user)
                r = sd_bus_open_user(&c->bus);
        else if (geteuid() == 0) {
                /* As systemctl does: root talks to PID 1 directly, the system bus as fallback. */
                r = sd_bus_new(&c->bus);
                if (r >= 0)
                        r = sd_bus_set_address(c->bus, "unix:path=/run/systemd/private");
                if (r >= 0)
                        r = sd_bus_start(c->bus);
                c->direct = r >= 0;
                if (r < 0) {
                        c->bus = sd_bus_flush_close_unref(c->bus);
                        r = sd_bus_open_system(&c->bus);
                }
        } else
                r = sd_bus_open_system(&c->bus);
        if (r < 0) {
                *why = user ? "cannot connect to the user's service manager (is a user session running?)"
                            : "cannot connect to systemd over D-Bus";
                return r;
        }
        (void) sd_bus_set_allow_interactive_authorization(c->bus, ask_password);
        return 0;
}

/* Dispatches one message, or waits up to usec for one: > 0 something happened (or may have),
 * 0 the wait timed out, < 0 the connection failed. */
static int bus_step(SdCtx *c, uint64_t usec) {
        int r = sd_bus_process(c->bus, NULL);
        return r != 0 ? r : sd_bus_wait(c->bus, usec);
}

/* One property of a Get reply (a variant) into s. */
static int parse_prop(sd_bus_message *reply, const char *key, UnitState *s) {
        int r;
        char ***strv_target = streq(key, "DropInPaths") ? &s->dropins
                             : streq(key, "Environment") ? &s->environment : NULL;
        char **str_target = streq(key, "ActiveState") ? &s->active_state
                            : streq(key, "Result") ? &s->result : NULL;
        if (strv_target) {
                if ((r = sd_bus_message_enter_container(reply, 'v', "as")) < 0 ||
                    (r = sd_bus_message_read_strv(reply, strv_target)) < 0)
                        return r;
                return sd_bus_message_exit_container(reply);
        }
        if (str_target) {
                const char *v;
                if ((r = sd_bus_message_read(reply, "v", "s", &v)) < 0)
                        return r;
                free(*str_target);
                return (*str_target = strdup(v)) ? 0 : -ENOMEM;
        }
        if (streq(key, "NeedDaemonReload")) {
                int b;
                if ((r = sd_bus_message_read(reply, "v", "b", &b)) < 0)
                        return r;
                s->need_reload = b;
                return 0;
        }
        if (streq(key, "MainPID"))
                return sd_bus_message_read(reply, "v", "u", &s->main_pid);
        if (!streq(key, "EnvironmentFiles"))
                return -EINVAL;
        const char *f;
        int ignore;
        if ((r = sd_bus_message_enter_container(reply, 'v', "a(sb)")) < 0 ||
            (r = sd_bus_message_enter_container(reply, 'a', "(sb)")) < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "(sb)", &f, &ignore)) > 0)
                if ((r = strv_consume(&s->environment_files, xasprintf("%s%s", ignore ? "-" : "", f))) < 0)
                        return r;
        if (r < 0 || (r = sd_bus_message_exit_container(reply)) < 0)
                return r;
        return sd_bus_message_exit_container(reply);
}

/* What UnitState holds: one Get each. Not GetAll: systemd answers a GetAll of the Service
 * interface with every property, the cgroup's memory, CPU, task and IO counters among them,
 * which it reads from the kernel for the occasion (about 3 ms of PID 1's time per unit). */
static const struct {
        const char *iface, *name;
} state_props[] = {
        { UNIT_IFACE, "ActiveState" },
        { UNIT_IFACE, "NeedDaemonReload" },
        { UNIT_IFACE, "DropInPaths" },
        { SERVICE_IFACE, "Result" },
        { SERVICE_IFACE, "MainPID" },
        { SERVICE_IFACE, "Environment" },
        { SERVICE_IFACE, "EnvironmentFiles" },
};
#define N_STATE_PROPS ELEMENTSOF(state_props)

/* Reading the states of many units at once: every call is sent before any reply is awaited
 * (LoadUnit or GetUnit, then from its reply a Get of each property), so the round trips of
 * all units overlap. Each unit's replies arrive in order on the one connection. */
typedef struct StateRead StateRead;
typedef struct StateBatch {
        SdCtx *c;
        bool load;
        size_t outstanding;        /* calls sent and not yet answered */
} StateBatch;

typedef struct PropCall {
        StateRead *sr;
        size_t k;                  /* index in state_props */
} PropCall;

struct StateRead {
        StateBatch *batch;
        UnitState *state;
        sd_bus_slot *slots[1 + N_STATE_PROPS];  /* the unit call, then one Get per property */
        PropCall props[N_STATE_PROPS];
        size_t answered;           /* Get replies read */
        int error;                 /* the first failure, < 0 */
        sd_bus_error bus_error;    /* its D-Bus error, if it was one */
};

static void state_read_fail(StateRead *sr, sd_bus_message *m, int r) {
        if (sr->error < 0)
                return;
        const sd_bus_error *e = m ? sd_bus_message_get_error(m) : NULL;
        if (e && sd_bus_error_is_set(e)) {
                (void) sd_bus_error_copy(&sr->bus_error, e);
                r = -sd_bus_error_get_errno(e);
        }
        sr->error = r < 0 ? r : -EIO;
}

static int on_prop(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        PropCall *pc = userdata;
        StateRead *sr = pc->sr;
        sr->batch->outstanding--;
        int r = sd_bus_message_is_method_error(m, NULL) ? -EIO : parse_prop(m, state_props[pc->k].name, sr->state);
        if (r < 0)
                state_read_fail(sr, m, r);
        else if (++sr->answered == N_STATE_PROPS && sr->error == 0)
                sr->state->loaded = true;
        return 0;
}

static int on_unit(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        StateRead *sr = userdata;
        StateBatch *b = sr->batch;
        const char *path;
        int r;

        b->outstanding--;
        if (sd_bus_message_is_method_error(m, NULL)) {
                if (!b->load && sd_bus_message_is_method_error(m, "org.freedesktop.systemd1.NoSuchUnit"))
                        return 0;  /* not loaded: !state->loaded */
                state_read_fail(sr, m, -EIO);
                return 0;
        }
        if ((r = sd_bus_message_read(m, "o", &path)) < 0) {
                state_read_fail(sr, NULL, r);
                return 0;
        }
        for (size_t k = 0; k < N_STATE_PROPS; k++) {
                sr->props[k] = (PropCall) { .sr = sr, .k = k };
                r = sd_bus_call_method_async(b->c->bus, &sr->slots[1 + k], DESTINATION, path,
                                             "org.freedesktop.DBus.Properties", "Get", on_prop, &sr->props[k], "ss",
                                             state_props[k].iface, state_props[k].name);
                if (r < 0) {
                        state_read_fail(sr, NULL, r);
                        return 0;
                }
                b->outstanding++;
        }
        return 0;
}

static int sd_read_states(void *ctx, char **ids, bool load, UnitState *st, const char **why) {
        SdCtx *c = ctx;
        size_t n = strv_length(ids);
        StateBatch b = { .c = c, .load = load };
        StateRead *sr = calloc(n ? n : 1, sizeof(StateRead));
        int r = 0;

        if (!sr)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                unit_state_done(&st[i]);
                sr[i] = (StateRead) { .batch = &b, .state = &st[i], .bus_error = SD_BUS_ERROR_NULL };
                r = sd_bus_call_method_async(c->bus, &sr[i].slots[0], DESTINATION, MANAGER_PATH, MANAGER_IFACE,
                                             load ? "LoadUnit" : "GetUnit", on_unit, &sr[i], "s", ids[i]);
                if (r < 0)
                        goto out;
                b.outstanding++;
        }
        /* Every call has a timeout: sd-bus answers one that expires with an error reply. */
        while (b.outstanding > 0)
                if ((r = bus_step(c, UINT64_MAX)) < 0)
                        goto out;
        r = 0;
        for (size_t i = 0; i < n && r == 0; i++)
                if (sr[i].error < 0) {
                        r = sr[i].error;
                        if (sd_bus_error_is_set(&sr[i].bus_error))
                                (void) sd_bus_error_copy(&c->error, &sr[i].bus_error);
                }
out:
        for (size_t i = 0; i < n; i++) {
                for (size_t k = 0; k < ELEMENTSOF(sr[i].slots); k++)
                        sd_bus_slot_unref(sr[i].slots[k]);  /* an unanswered call is forgotten */
                sd_bus_error_free(&sr[i].bus_error);
        }
        free(sr);
        if (r < 0 && r != -ENOMEM)
                *why = error_text(c, r);
        return r;
}

static int sd_reload(void *ctx, const char **why) {
        SdCtx *c = ctx;
        _cleanup_(bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        int r = sd_bus_message_new_method_call(c->bus, &m, DESTINATION, MANAGER_PATH, MANAGER_IFACE, "Reload");
        if (r >= 0)
                r = sd_bus_call(c->bus, m, RELOAD_TIMEOUT_USEC, &c->error, &reply);
        if (r < 0)
                *why = error_text(c, r);
        return r;
}

static int sd_reset_failed(void *ctx, const char *id) {
        SdCtx *c = ctx;
        return sd_bus_call_method(c->bus, DESTINATION, MANAGER_PATH, MANAGER_IFACE, "ResetFailedUnit", &c->error,
                                  NULL, "s", id);
}

typedef struct Waiter {
        SdCtx *c;
        char **paths;      /* job path per unit, NULL when none was enqueued */
        char **results;
        size_t n, pending; /* jobs enqueued and not yet removed */
        size_t unanswered; /* RestartUnit calls not yet answered */
        int error;         /* < 0: out of memory */
} Waiter;

typedef struct RestartCall {
        Waiter *w;
        size_t i;
} RestartCall;

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Waiter *w = userdata;
        uint32_t id;
        const char *path, *unit, *result;
        if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
                return 0;
        /* Matched by job path: the unit name may be the real id of an alias we asked for. */
        for (size_t i = 0; i < w->n; i++)
                if (w->paths[i] && !w->results[i] && streq(w->paths[i], path)) {
                        w->results[i] = strdup(result);
                        w->pending--;
                }
        return 0;
}

/* The reply to RestartUnit ids[i]: its job path. It comes before that job's JobRemoved on the
 * same connection, so the signal always finds the path. */
static int on_restart_reply(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        RestartCall *rc = userdata;
        Waiter *w = rc->w;
        const char *job;
        int r;

        w->unanswered--;
        if (sd_bus_message_is_method_error(m, NULL)) {
                (void) sd_bus_error_copy(&w->c->error, sd_bus_message_get_error(m));
                r = -sd_bus_error_get_errno(sd_bus_message_get_error(m));
                w->results[rc->i] = xasprintf("cannot restart: %s", error_text(w->c, r < 0 ? r : -EIO));
                return 0;
        }
        if ((r = sd_bus_message_read(m, "o", &job)) < 0) {
                w->results[rc->i] = xasprintf("cannot restart: %s", error_text(w->c, r));
                return 0;
        }
        if (!(w->paths[rc->i] = strdup(job))) {
                w->error = -ENOMEM;
                return 0;
        }
        w->pending++;
        return 0;
}

/* Every RestartUnit is sent before any reply is awaited, as one batch: systemd reads them all
 * before it runs the jobs, so the stops and starts of all units overlap (one call after the
 * other, each unit's restart would get under way before the next is asked for). */
static int sd_restart(void *ctx, char **ids, char **results, const char **why) {
        SdCtx *c = ctx;
        _cleanup_(bus_slot_unrefp) sd_bus_slot *slot = NULL;
        size_t n = strv_length(ids);
        Waiter w = { .c = c, .n = n, .results = results };
        sd_bus_slot **calls = calloc(n ? n : 1, sizeof(sd_bus_slot *));
        RestartCall *rc = calloc(n ? n : 1, sizeof(RestartCall));
        int r;

        w.paths = calloc(n ? n : 1, sizeof(char *));
        if (!w.paths || !calls || !rc) {
                r = -ENOMEM;
                goto out;
        }
        /* The match first, then every job, then wait: no JobRemoved can be missed. */
        r = sd_bus_match_signal(c->bus, &slot, c->direct ? NULL : DESTINATION, MANAGER_PATH, MANAGER_IFACE,
                                "JobRemoved", on_job_removed, &w);
        if (r < 0) {
                *why = "cannot subscribe to systemd's job signals";
                goto out;
        }
        for (size_t i = 0; i < n; i++) {
                rc[i] = (RestartCall) { .w = &w, .i = i };
                r = sd_bus_call_method_async(c->bus, &calls[i], DESTINATION, MANAGER_PATH, MANAGER_IFACE, "RestartUnit",
                                             on_restart_reply, &rc[i], "ss", ids[i], "replace");
                if (r < 0) {
                        results[i] = xasprintf("cannot restart: %s", error_text(c, r));
                        continue;
                }
                w.unanswered++;
        }
        for (uint64_t waited = 0; (w.unanswered > 0 || w.pending > 0) && waited < JOB_TIMEOUT_USEC;) {
                r = bus_step(c, 1000000);
                if (r < 0) {
                        *why = "lost the connection to systemd while waiting for the restarts";
                        goto out;
                }
                if (r == 0)
                        waited += 1000000;
        }
        if (w.error < 0) {
                r = w.error;
                goto out;
        }
        for (size_t i = 0; i < n; i++)
                if (!results[i])
                        results[i] = strdup("timeout");
        r = 0;
out:
        for (size_t i = 0; calls && i < n; i++)
                sd_bus_slot_unref(calls[i]);  /* an unanswered call is forgotten */
        for (size_t i = 0; w.paths && i < n; i++)
                free(w.paths[i]);
        free(w.paths);
        free(calls);
        free(rc);
        return r;
}

/* Is pid still systemd's child on its way to the service's binary? A Type=simple start job is
 * done as soon as the main process is forked; until it execs the service, it runs systemd's
 * code with the manager's environment, not the service's: the manager itself (named
 * "systemd", then "(binary)") and, since systemd 255, /usr/lib/systemd/systemd-executor, which
 * the child execs first and which then execs the service. (Inside execve() itself, the
 * environment reads empty for a moment: see sd_environ_has_once().) */
static bool not_yet_executed(uint32_t pid) {
        char path[64], comm[32] = "", exe[PATH_MAX];
        snprintf(path, sizeof(path), "/proc/%u/comm", pid);
        FILE *f = fopen(path, "re");
        if (!f)
                return false;
        bool named = fgets(comm, sizeof(comm), f) != NULL;
        fclose(f);
        if (named && comm[0] == '(')
                return true;
        snprintf(path, sizeof(path), "/proc/%u/exe", pid);
        ssize_t k = readlink(path, exe, sizeof(exe) - 1);
        if (k <= 0)
                return false;
        exe[k] = '\0';
        const char *base = strrchr(exe, '/');
        base = base ? base + 1 : exe;
        return streq(base, "systemd") || streq(base, "systemd-executor");
}

/* 1/0: found or not; *settled false when the environment read empty (pid is inside execve():
 * the new program's memory is mapped before its environment is placed in it). */
static int sd_environ_has_once(uint32_t pid, const char *assignment, bool *settled) {
        _cleanup_free_ char *env = NULL;
        size_t size = 0;
        int r = proc_environ_read(pid, &env, &size);
        if (r < 0)
                return r;
        *settled = size > 0;
        for (size_t i = 0; i < size; i += strlen(env + i) + 1)
                if (streq(env + i, assignment))
                        return 1;
        return 0;
}

#define EXEC_WAIT_USEC (5ULL * 1000000ULL)
#define EXEC_POLL_USEC 10000ULL

/* The phase is looked at before the environment is read, never after: a read made while pid was
 * still systemd's (the manager's environment) and judged after it had exec'd the service would
 * answer for the wrong program. Seen on systemd 257 under load: the executor's environment read,
 * then the exec, then "not found" for a service that had the variable. */
static int sd_environ_has(void *ctx, uint32_t pid, const char *assignment) {
        (void) ctx;
        for (uint64_t waited = 0;; waited += EXEC_POLL_USEC) {
                bool last = waited >= EXEC_WAIT_USEC;
                if (!last && not_yet_executed(pid)) {
                        (void) usleep(EXEC_POLL_USEC);
                        continue;
                }
                bool settled = true;
                int r = sd_environ_has_once(pid, assignment, &settled);
                if (r != 0 || last || settled)
                        return r;
                (void) usleep(EXEC_POLL_USEC);
        }
}

static int sd_manager_environment(void *ctx, char ***ret, const char **why) {
        SdCtx *c = ctx;
        int r = sd_bus_get_property_strv(c->bus, DESTINATION, MANAGER_PATH, MANAGER_IFACE, "Environment", &c->error, ret);
        if (r < 0 && r != -ENOMEM)
                *why = error_text(c, r);
        return r;
}

static void sd_close(void *ctx) {
        SdCtx *c = ctx;
        if (!c)
                return;
        if (sdb_state > 0) {  /* else nothing was opened */
                sd_bus_flush_close_unref(c->bus);
                sd_bus_error_free(&c->error);
        }
        free(c->why);
        free(c);
}

const BusOps bus_ops_sdbus = {
        .connect = sd_connect,
        .read_states = sd_read_states,
        .reload = sd_reload,
        .restart = sd_restart,
        .manager_environment = sd_manager_environment,
        .reset_failed = sd_reset_failed,
        .environ_has = sd_environ_has,
        .close = sd_close,
};

int bus_list_services(void *ctx, char ***ret) {
        SdCtx *c = ctx;
        _cleanup_(bus_message_unrefp) sd_bus_message *reply = NULL;
        char **l = NULL;
        int r = sd_bus_call_method(c->bus, DESTINATION, MANAGER_PATH, MANAGER_IFACE, "ListUnits", &c->error, &reply, "");
        if (r < 0)
                return r;
        if ((r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)")) < 0)
                return r;
        const char *id;
        while ((r = sd_bus_message_read(reply, "(ssssssouso)", &id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)) > 0)
                if (endswith(id, ".service") && strv_extend(&l, id) < 0) {
                        strv_free(l);
                        return -ENOMEM;
                }
        if (r < 0) {
                strv_free(l);
                return r;
        }
        *ret = l;
        return 0;
}
