/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include "cli/cli.h"
#include "basic/fs.h"
#include "trust/managed.h"

/* One line, and nothing a terminal acts on: a name or path with a newline or an escape sequence
 * in it (all of them come from the command line or from files) is shown with \xHH. */
static void log_write(const char *prefix, const char *fmt, va_list ap) _printf_(2, 0);
static void log_write(const char *prefix, const char *fmt, va_list ap) {
        va_list aq;
        char *msg = NULL;
        fputs(prefix, stderr);
        va_copy(aq, ap);
        if (vasprintf(&msg, fmt, ap) < 0) {
                msg = NULL;
                vfprintf(stderr, fmt, aq);
        }
        va_end(aq);
        for (const char *p = msg; p && *p; p++)
                if ((unsigned char) *p < ' ' || *p == 127)
                        fprintf(stderr, "\\x%02x", (unsigned char) *p);
                else
                        fputc(*p, stderr);
        free(msg);
        fputc('\n', stderr);
}

void log_error(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_write("unit-tls: ", fmt, ap);
        va_end(ap);
}

void log_warning(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_write("unit-tls: warning: ", fmt, ap);
        va_end(ap);
}

void log_note(const Args *a, const char *fmt, ...) {
        if (a->quiet)
                return;
        va_list ap;
        va_start(ap, fmt);
        log_write("unit-tls: note: ", fmt, ap);
        va_end(ap);
}

void log_info(const Args *a, const char *fmt, ...) {
        if (a->quiet || a->json)
                return;
        va_list ap;
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
}

/* running_in_chroot() in systemd: is our / the same inode as PID 1's? */
static bool in_chroot(void) {
        struct stat a, b;
        if (stat("/", &a) < 0 || stat("/proc/1/root", &b) < 0)
                return false;
        return a.st_dev != b.st_dev || a.st_ino != b.st_ino;
}

/* When unit-tls only writes files (unit-tls(8), OFFLINE AND ONLINE). */
static const char *offline_reason(const Args *a) {
        const char *v;
        if (!isempty(v = getenv("DPKG_ROOT")))
                return "DPKG_ROOT is set";
        if (a->root)
                return "--root was given";
        if ((v = getenv("SYSTEMD_OFFLINE"))) {
                int b = parse_boolean(v);
                if (b > 0)
                        return "SYSTEMD_OFFLINE=1";
                if (b == 0)
                        return NULL;
        }
        if (access("/run/systemd/system/", F_OK) < 0)
                return "the system was not booted with systemd";
        if (!a->user && in_chroot())
                return "running in a chroot";
        return NULL;
}

int context_init(Context *c, Args *a) {
        int r;
        *c = (Context) { .args = a };
        if ((r = lookup_paths_init(&c->lp, a->user ? SCOPE_USER : SCOPE_SYSTEM, a->root, a->systemd_version)) < 0)
                return r;
        if ((r = unit_index_build(&c->index, &c->lp)) < 0) {
                lookup_paths_done(&c->lp);
                return r;
        }
        c->index.own_markers = managed_markers;
        c->offline_reason = offline_reason(a);
        c->offline = c->offline_reason != NULL;
        return 0;
}

/* Online facts of the running manager that need no bus: the kernel command line, PID 1's environ. */
static void read_proc(Context *c, ManagerLive *live, char **cmdline, char **pid1) {
        if (!c->args->user && manager_cmdline_read(cmdline) >= 0)
                live->cmdline = *cmdline;
        if (c->args->user)
                return;
        int r = proc_environ_read(1, pid1, &live->pid1_environ_size);
        if (r >= 0)
                live->pid1_environ = *pid1;
        else
                live->pid1_why = r == -EACCES || r == -EPERM ? "/proc/1/environ is readable by root only"
                                                            : "/proc/1/environ cannot be read";
}

int context_load_manager(Context *c, const BusOps *ops, void *bus) {
        if (c->manager_loaded)
                return 0;
        ManagerLive live = {};
        _cleanup_strv_free_ char **env = NULL;
        _cleanup_free_ char *cmdline = NULL, *pid1 = NULL;
        void *own = NULL;
        if (!c->offline) {
                read_proc(c, &live, &cmdline, &pid1);
                const char *why = NULL;
                if (!ops && (own = bus_sdbus_new()) && bus_ops_sdbus.connect(own, c->args->user, false, &why) >= 0) {
                        ops = &bus_ops_sdbus;
                        bus = own;
                }
                if (ops && bus && ops->manager_environment && ops->manager_environment(bus, &env, &why) >= 0)
                        live.environment = env;
                else
                        c->manager_why = strdup(why ? why : "not connected to systemd");
                if (own)
                        bus_ops_sdbus.close(own);
        }
        int r = manager_env_build(&c->lp, c->offline ? NULL : &live, &c->manager);
        c->manager_loaded = r >= 0;
        return r;
}

void context_done(Context *c) {
        if (c->manager_loaded)
                manager_env_done(&c->manager);
        free(c->manager_why);
        unit_index_done(&c->index);
        lookup_paths_done(&c->lp);
}
