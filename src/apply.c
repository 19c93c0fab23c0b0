/* SPDX-License-Identifier: MIT */
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>

#include "apply.h"

#define DESTINATION "org.freedesktop.systemd1"
#define MANAGER_PATH "/org/freedesktop/systemd1"
#define MANAGER_IFACE "org.freedesktop.systemd1.Manager"
#define UNIT_IFACE "org.freedesktop.systemd1.Unit"
#define SERVICE_IFACE "org.freedesktop.systemd1.Service"
#define RELOAD_TIMEOUT_USEC (180ULL * 1000000ULL)  /* systemctl's DAEMON_RELOAD_TIMEOUT_SEC */
#define JOB_TIMEOUT_USEC (300ULL * 1000000ULL)

typedef struct UnitState {
        char *path;                /* D-Bus object path */
        char *active_state;
        char *result;
        char **environment;        /* Environment= as systemd holds it */
        char **dropins;
        uint32_t main_pid;
        int need_reload;
} UnitState;

static void unit_state_done(UnitState *s) {
        free(s->path);
        free(s->active_state);
        free(s->result);
        strv_free(s->environment);
        strv_free(s->dropins);
        *s = (UnitState) {};
}

static const char *bus_error_text(const sd_bus_error *e, int r) {
        if (e && sd_bus_error_is_set(e)) {
                if (sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED) ||
                    sd_bus_error_has_name(e, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED))
                        return "permission denied: run as root, or allow the polkit authorization "
                               "(without --no-ask-password)";
                return e->message ? e->message : e->name;
        }
        return strerror(r < 0 ? -r : r);
}

static int connect_bus(const Args *a, sd_bus **ret, const char **why) {
        sd_bus *bus = NULL;
        int r;

        if (a->user)
                r = sd_bus_open_user(&bus);
        else if (geteuid() == 0) {
                /* As systemctl does: root talks to PID 1 directly, with the system bus as fallback. */
                r = sd_bus_new(&bus);
                if (r >= 0)
                        r = sd_bus_set_address(bus, "unix:path=/run/systemd/private");
                if (r >= 0)
                        r = sd_bus_start(bus);
                if (r < 0) {
                        bus = sd_bus_flush_close_unref(bus);
                        r = sd_bus_open_system(&bus);
                }
        } else
                r = sd_bus_open_system(&bus);
        if (r < 0) {
                *why = a->user ? "cannot connect to the user bus (is a user session running?)"
                               : "cannot connect to systemd over D-Bus";
                return r;
        }
        (void) sd_bus_set_allow_interactive_authorization(bus, !a->no_ask_password);
        *ret = bus;
        return 0;
}

static bool is_direct(sd_bus *bus) {
        /* On the private socket there is no bus daemon, hence no sender name to match. */
        const char *unique = NULL;
        return sd_bus_get_unique_name(bus, &unique) < 0;
}

static int load_unit_path(sd_bus *bus, const char *id, char **ret, sd_bus_error *e) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *path;
        int r = sd_bus_call_method(bus, DESTINATION, MANAGER_PATH, MANAGER_IFACE, "LoadUnit", e, &reply, "s", id);
        if (r < 0)
                return r;
        if ((r = sd_bus_message_read(reply, "o", &path)) < 0)
                return r;
        *ret = strdup(path);
        return *ret ? 0 : -ENOMEM;
}

static int read_state(sd_bus *bus, const char *id, UnitState *s, sd_bus_error *e) {
        int r;
        unit_state_done(s);
        if ((r = load_unit_path(bus, id, &s->path, e)) < 0)
                return r;
        if ((r = sd_bus_get_property_string(bus, DESTINATION, s->path, UNIT_IFACE, "ActiveState", e, &s->active_state)) < 0)
                return r;
        if ((r = sd_bus_get_property_trivial(bus, DESTINATION, s->path, UNIT_IFACE, "NeedDaemonReload", e, 'b', &s->need_reload)) < 0)
                return r;
        if ((r = sd_bus_get_property_strv(bus, DESTINATION, s->path, UNIT_IFACE, "DropInPaths", e, &s->dropins)) < 0)
                return r;
        if ((r = sd_bus_get_property_strv(bus, DESTINATION, s->path, SERVICE_IFACE, "Environment", e, &s->environment)) < 0)
                return r;
        if ((r = sd_bus_get_property_trivial(bus, DESTINATION, s->path, SERVICE_IFACE, "MainPID", e, 'u', &s->main_pid)) < 0)
                return r;
        return sd_bus_get_property_string(bus, DESTINATION, s->path, SERVICE_IFACE, "Result", e, &s->result);
}

static bool is_running(const UnitState *s) {
        return s->active_state && (streq(s->active_state, "active") || streq(s->active_state, "activating") ||
                                   streq(s->active_state, "reloading"));
}

/* 1: the process environment has the assignment, 0: it does not, < 0: cannot tell. */
static int proc_environ_has(uint32_t pid, const char *assignment) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%u/environ", pid);
        FILE *f = fopen(path, "re");
        if (!f)
                return -errno;
        Buf b = {};
        char chunk[4096];
        size_t n;
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
                buf_put(&b, chunk, n);
        bool err = ferror(f);
        fclose(f);
        if (err || b.oom) {
                buf_free(&b);
                return -EIO;
        }
        int found = 0;
        for (size_t i = 0; i < b.len; i += strlen(b.data + i) + 1)
                if (streq(b.data + i, assignment)) {
                        found = 1;
                        break;
                }
        buf_free(&b);
        return found;
}

/* Does the running process already have what it should? 1 yes, 0 no, < 0 cannot tell. */
static int running_ok(const ApplyUnit *u, const UnitState *s) {
        if (!s->main_pid)
                return -ESRCH;
        int r = 1;
        if (u->expect) {
                r = proc_environ_has(s->main_pid, u->expect);
                if (r <= 0)
                        return r;
        }
        if (u->expect_absent) {
                int k = proc_environ_has(s->main_pid, u->expect_absent);
                if (k < 0)
                        return k;
                if (k > 0)
                        return 0;
        }
        return r;
}

static bool loaded_ok(const ApplyUnit *u, const UnitState *s) {
        if (s->need_reload)
                return false;
        if (u->expect && startswith(u->expect, "NODE_EXTRA_CA_CERTS=") && !strv_contains(s->environment, u->expect))
                return false;
        if (u->expect_dropin && u->dropin_display && !strv_contains(s->dropins, u->dropin_display))
                return false;
        if (!u->expect_dropin && u->dropin_display && strv_contains(s->dropins, u->dropin_display))
                return false;
        return true;
}

typedef struct Waiter {
        char **jobs;               /* job paths still pending */
        char **paths;              /* parallel: the units' job paths as enqueued */
        char **results;            /* parallel: result strings once removed */
        size_t n;
        size_t pending;
} Waiter;

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Waiter *w = userdata;
        uint32_t id;
        const char *path, *unit, *result;
        if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
                return 0;
        for (size_t i = 0; i < w->n; i++)
                if (w->paths[i] && !w->results[i] && streq(w->paths[i], path)) {
                        w->results[i] = strdup(result);
                        if (w->pending > 0)
                                w->pending--;
                }
        return 0;
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

int apply_units(const Args *a, ApplyUnit *units, size_t n, const char **ret_why) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        UnitState *st = calloc(n, sizeof(UnitState));
        Waiter w = { .n = n };
        bool *restart = NULL;
        bool any_failed = false;
        int r;

        if (!st)
                return -ENOMEM;
        if ((r = connect_bus(a, &bus, ret_why)) < 0)
                goto out;

        bool need_reload = false;
        for (size_t i = 0; i < n; i++) {
                if ((r = read_state(bus, units[i].id, &st[i], &e)) < 0) {
                        *ret_why = bus_error_text(&e, r);
                        goto out;
                }
                need_reload = need_reload || units[i].file_changed || st[i].need_reload ||
                              !loaded_ok(&units[i], &st[i]);
        }

        if (need_reload) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
                r = sd_bus_message_new_method_call(bus, &m, DESTINATION, MANAGER_PATH, MANAGER_IFACE, "Reload");
                if (r >= 0)
                        r = sd_bus_call(bus, m, RELOAD_TIMEOUT_USEC, &e, &reply);
                if (r < 0) {
                        *ret_why = bus_error_text(&e, r);
                        goto out;
                }
                for (size_t i = 0; i < n; i++) {
                        units[i].reloaded = true;
                        if ((r = read_state(bus, units[i].id, &st[i], &e)) < 0) {
                                *ret_why = bus_error_text(&e, r);
                                goto out;
                        }
                }
        }

        /* Which running units need a restart: a changed file, or a process that lacks the setting. */
        restart = calloc(n, sizeof(bool));
        if (!restart) {
                r = -ENOMEM;
                goto out;
        }
        size_t n_restart = 0;
        for (size_t i = 0; i < n; i++) {
                units[i].verified_loaded = loaded_ok(&units[i], &st[i]);
                if (!units[i].verified_loaded) {
                        set_message(&units[i], true, "systemd did not load the change (%s); check 'systemctl cat %s'",
                                    st[i].need_reload ? "it still needs a daemon-reload" : "the setting is not in its environment",
                                    units[i].id);
                        continue;
                }
                if (!is_running(&st[i])) {
                        units[i].inactive = true;
                        continue;
                }
                int ok = running_ok(&units[i], &st[i]);
                restart[i] = units[i].file_changed || ok == 0;
                if (restart[i] && !a->no_restart)
                        n_restart++;
        }

        w.paths = calloc(n, sizeof(char *));
        w.results = calloc(n, sizeof(char *));
        if (!w.paths || !w.results) {
                r = -ENOMEM;
                goto out;
        }
        if (n_restart > 0 && !a->no_restart) {
                /* The match first, then every job, then wait: no JobRemoved can be missed. */
                r = sd_bus_match_signal(bus, &slot, is_direct(bus) ? NULL : DESTINATION, MANAGER_PATH, MANAGER_IFACE,
                                        "JobRemoved", on_job_removed, &w);
                if (r < 0) {
                        *ret_why = "cannot subscribe to systemd's job signals";
                        goto out;
                }
                for (size_t i = 0; i < n; i++) {
                        if (!restart[i])
                                continue;
                        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                        const char *job;
                        sd_bus_error_free(&e);
                        r = sd_bus_call_method(bus, DESTINATION, MANAGER_PATH, MANAGER_IFACE, "RestartUnit", &e, &reply,
                                               "ss", units[i].id, "replace");
                        if (r < 0 || sd_bus_message_read(reply, "o", &job) < 0) {
                                set_message(&units[i], true, "cannot restart: %s", bus_error_text(&e, r));
                                continue;
                        }
                        w.paths[i] = strdup(job);
                        w.pending++;
                }
                for (uint64_t waited = 0; w.pending > 0 && waited < JOB_TIMEOUT_USEC;) {
                        r = sd_bus_process(bus, NULL);
                        if (r < 0) {
                                *ret_why = "lost the connection to systemd while waiting for restarts";
                                goto out;
                        }
                        if (r > 0)
                                continue;
                        r = sd_bus_wait(bus, 1000000);
                        if (r < 0) {
                                *ret_why = "lost the connection to systemd while waiting for restarts";
                                goto out;
                        }
                        if (r == 0)
                                waited += 1000000;
                }
                for (size_t i = 0; i < n; i++) {
                        if (!w.paths[i])
                                continue;
                        units[i].restarted = true;
                        (void) read_state(bus, units[i].id, &st[i], &e);
                        const char *res = w.results[i] ? w.results[i] : "timeout";
                        if (!streq(res, "done") || !is_running(&st[i]))
                                set_message(&units[i], true,
                                            "restart failed (job %s, service result %s); see 'journalctl -xeu %s'",
                                            res, st[i].result ? st[i].result : "unknown", units[i].id);
                }
        }

        for (size_t i = 0; i < n; i++) {
                ApplyUnit *u = &units[i];
                if (u->failed)
                        continue;
                const char *what = u->reloaded ? "loaded by systemd" : "systemd already had it";
                if (u->inactive) {
                        set_message(u, false, "%s; not running, so it applies at its next start", what);
                        continue;
                }
                if (restart[i] && a->no_restart) {
                        set_message(u, false, "%s; not restarted (--no-restart): the running process keeps its old environment",
                                    what);
                        continue;
                }
                int ok = running_ok(u, &st[i]);
                if (ok < 0 && ok != -ESRCH)
                        set_message(u, false, "%s%s; running process: not readable (run as root to check it)", what,
                                    u->restarted ? ", restarted" : "");
                else if (ok <= 0)
                        set_message(u, true, "%s%s, but the running process (PID %u) does not have %s",
                                    what, u->restarted ? ", restarted" : "", st[i].main_pid,
                                    u->expect ? u->expect : "the change");
                else {
                        u->verified_running = true;
                        if (!u->reloaded && !u->restarted)
                                set_message(u, false, "already in place: loaded by systemd and in the running process (PID %u)",
                                            st[i].main_pid);
                        else
                                set_message(u, false, "%s%s; running process (PID %u) verified%s%s", what,
                                            u->restarted ? ", restarted" : "", st[i].main_pid,
                                            u->expect ? ": " : "", u->expect ? u->expect : "");
                }
        }
        r = 0;
out:
        for (size_t i = 0; i < n; i++) {
                free(w.paths ? w.paths[i] : NULL);
                free(w.results ? w.results[i] : NULL);
                any_failed = any_failed || units[i].failed;
        }
        free(w.paths);
        free(w.results);
        free(restart);
        for (size_t i = 0; i < n; i++)
                unit_state_done(&st[i]);
        free(st);
        if (r < 0)
                return r;
        return any_failed ? 1 : 0;
}
