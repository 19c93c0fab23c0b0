/* SPDX-License-Identifier: MIT */
/* unit-tls-generator: turns unit-tls.d(5) into drop-ins at every boot and daemon-reload
 * (systemd.generator(7)). Called as `unit-tls-generator NORMAL [EARLY LATE]`; writes only below
 * NORMAL. The rules for generators hold: no D-Bus, no waiting on anything, and the boot never
 * fails because of us: every path exits 0 and problems go to the kernel log. */
#include <fcntl.h>

#include "tls/ca-check.h"
#include "trust/generate.h"
#include "trust/managed.h"

static int log_fd = -1;     /* /dev/kmsg or /dev/console when systemd runs us, else -1 for stderr */
static bool log_kmsg;       /* log_fd takes kernel log records ("<level>...") */

/* Run by the service manager? It sets $SYSTEMD_SCOPE for generators (systemd.generator(7));
 * $SYSTEMD_LOG_TARGET, when set, says where our own logs go. */
static bool run_by_systemd(void) {
        const char *t = getenv("SYSTEMD_LOG_TARGET");
        if (t && streq(t, "console"))
                return false;
        if (t && (streq(t, "kmsg") || startswith(t, "journal") || startswith(t, "syslog")))
                return true;
        return getenv("SYSTEMD_SCOPE") || getppid() == 1;
}

/* systemd gives a generator /dev/null as stderr. Containers (systemd-nspawn, many LXC setups)
 * have no /dev/kmsg: then the console, as systemd's own logging falls back to. */
static void log_open(void) {
        if (!run_by_systemd())
                return;
        log_fd = open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC);
        log_kmsg = log_fd >= 0;
        if (log_fd < 0)
                log_fd = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
}

/* One record per message: "<4>unit-tls-generator: ..." (warning level) in the kernel log. */
static void log_line(int level, const char *msg) {
        if (log_fd >= 0) {
                char *rec = log_kmsg ? xasprintf("<%d>unit-tls-generator: %s\n", level, msg)
                                     : xasprintf("unit-tls-generator: %s\n", msg);
                if (rec && write(log_fd, rec, strlen(rec)) >= 0) {
                        free(rec);
                        return;
                }
                free(rec);
        }
        fprintf(stderr, "unit-tls-generator: %s\n", msg);
}

static void log_diags(int level, const Diags *d) {
        for (char **l = d->lines; l && *l; l++)
                log_line(level, *l);
}

static void log_errno(const char *what, int r) {
        char *m = xasprintf("%s: %s; no drop-ins written", what, strerror(-r));
        log_line(3, m ? m : what);
        free(m);
}

static void run(const char *out_dir) {
        /* For tests only: read the configuration, units and CA files below this tree instead of
         * the host's (generators get no --root). Never set by systemd. */
        const char *root = getenv("UNIT_TLS_GENERATOR_ROOT");
        LookupPaths lp = {};
        UnitIndex ix = {};
        TrustConf conf = {};
        GenPlan plan = {};
        Diags errors = {}, warnings = {};
        /* Declared before the first goto: jumping over a _cleanup_ initialiser is undefined. */
        _cleanup_close_ int fd = -1;
        int r;

        if (isempty(root))
                root = NULL;
        if ((r = trustconf_load(root, &conf, &errors)) < 0) {
                log_errno("cannot read the configuration", r);
                goto out;
        }
        if (conf.n == 0)
                goto out;    /* nothing configured: do not even read the units */
        ca_check_init_lean();
        if ((r = lookup_paths_init(&lp, SCOPE_SYSTEM, root, 0)) < 0 || (r = unit_index_build(&ix, &lp)) < 0) {
                log_errno("cannot read the unit search path", r);
                goto out;
        }
        ix.own_markers = managed_markers;
        GenTarget t = { .out_dir = out_dir };
        if ((r = gen_plan(&lp, &ix, &conf, &t, &plan, &errors, &warnings)) < 0) {
                log_errno("cannot plan the drop-ins", r);
                goto out;
        }
        fd = open(out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                log_errno(out_dir, -errno);
                goto out;
        }
        (void) gen_write(fd, &plan, &errors);
out:
        log_diags(4, &errors);
        log_diags(5, &warnings);
        diags_done(&errors);
        diags_done(&warnings);
        gen_plan_done(&plan);
        trustconf_done(&conf);
        if (ix.lp)
                unit_index_done(&ix);
        lookup_paths_done(&lp);
}

int main(int argc, char *argv[]) {
        log_open();
        if (argc != 2 && argc != 4)
                log_line(3, "expects the generator directories: NORMAL [EARLY LATE]; nothing done");
        else if (argv[1][0] != '/')
                log_line(3, "the output directory must be an absolute path; nothing done");
        else if (getenv("SYSTEMD_SCOPE") && streq(getenv("SYSTEMD_SCOPE"), "user"))
                ;   /* a system generator only: user managers have no /etc/unit-tls.d */
        else
                run(argv[1]);
        if (log_fd >= 0)
                close(log_fd);
        return 0;   /* never fail the boot */
}
