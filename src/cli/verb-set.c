/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <sys/stat.h>

#include "trust/apply.h"
#include "systemd/unit-name.h"
#include "cli/cli.h"
#include "cli/report.h"
#include "cli/url-check.h"
#include "basic/diff.h"
#include "basic/fs.h"
#include "trust/plan.h"
#include "trust/rtfacts.h"
#include "tls/probe.h"
#include "basic/writer.h"

#define DROPIN_MAX (1024 * 1024)
#define BUNDLE_DIR "/etc/unit-tls"

/* One unit's way through set/unset: facts, plan, and what was done. */
typedef struct Job {
        Unit *unit;
        Inspection now;
        bool have_now;
        char *dir_name;          /* "<id>.d" */
        char *dropin_display;    /* as the target sees it */
        char *old_content;
        int old_error;
        bool dir_exists, dir_unsafe;
        const char *dir_unsafe_why;
        char *ca_value;          /* NODE_EXTRA_CA_CERTS to write */
        Findings ca_findings;
        char *node_problem;
        PlanWrite write;         /* what is written, and what the runtime does with it */
        size_t n_certs;          /* in the CA files */
        char *bundle_name;       /* "<id>.pem" in BUNDLE_DIR when several CAs */
        char *bundle_old, *bundle_new;
        char *rendered;
        Plan plan;
        bool written, bundle_written;
        bool dir_created;        /* this run made "<id>.d" */
        ApplyUnit apply;
} Job;

static void job_done(Job *j) {
        unit_free(j->unit);
        if (j->have_now)
                inspection_done(&j->now);
        free(j->dir_name);
        free(j->dropin_display);
        free(j->old_content);
        free(j->ca_value);
        findings_done(&j->ca_findings);
        free(j->node_problem);
        plan_write_done(&j->write);
        free(j->bundle_name);
        free(j->bundle_old);
        free(j->bundle_new);
        free(j->rendered);
        plan_done(&j->plan);
        apply_unit_done(&j->apply);
}

/* What the user typed for --ca, as an absolute path on the target. Refuses what systemd or
 * Node cannot carry: newline (a NUL cannot come through argv at all), invalid UTF-8, and a
 * relative path under --root (relative to what?). */
static int ca_argument(const Context *c, const char *arg, char **ret) {
        if (strpbrk(arg, "\n\r")) {
                log_error("--ca: the path contains a line break, which a unit file cannot carry; rename the file");
                return -EINVAL;
        }
        if (!utf8_is_valid(arg, strlen(arg))) {
                log_error("--ca: the path is not valid UTF-8, which systemd refuses in Environment=; rename the file");
                return -EINVAL;
        }
        if (arg[0] == '/') {
                *ret = path_simplify_dup(arg);
                return *ret ? 0 : -ENOMEM;
        }
        if (c->lp.root) {
                log_error("--ca=%s: give the path as the OS tree sees it, starting with '/' (it is read under %s)",
                          arg, c->lp.root);
                return -EINVAL;
        }
        _cleanup_free_ char *cwd = getcwd(NULL, 0);
        if (!cwd)
                return -errno;
        _cleanup_free_ char *j = strjoin_path(cwd, arg);
        if (!j)
                return -ENOMEM;
        *ret = path_simplify_dup(j);
        return *ret ? 0 : -ENOMEM;
}

static const char *config_dir_host(const Context *c) {
        return c->args->runtime ? c->lp.runtime_config : c->lp.persistent_config;
}

/* The bundle: the CA files concatenated, each after a comment naming it. */
static int build_bundle(const Context *c, Job *j, char **cas) {
        Buf b = {};
        buf_printf(&b, "# Managed by unit-tls: CA bundle for %s. Change it with `unit-tls set`.\n", j->unit->id);
        for (char **p = cas; *p; p++) {
                _cleanup_free_ char *data = NULL;
                size_t size = 0;
                if (read_target_file(&c->lp, *p, CA_FILE_MAX_SIZE, &data, &size) < 0)
                        continue;  /* check_ca_path() has said why already */
                buf_printf(&b, "# from %s\n", *p);
                buf_put(&b, data, size);
                if (size > 0 && data[size - 1] != '\n')
                        buf_putc(&b, '\n');
        }
        j->bundle_new = buf_steal(&b);
        return j->bundle_new ? 0 : -ENOMEM;
}

/* Reads the current drop-in (and the directory's safety) through descriptors, never following
 * a symlink. cfd < 0: the config directory does not exist yet. */
static int read_current(int cfd, Job *j, const char *drop_in) {
        if (cfd < 0)
                return 0;
        _cleanup_close_ int dfd = openat(cfd, j->dir_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0) {
                if (errno == ENOENT)
                        return 0;
                j->old_error = errno == ENOTDIR || errno == ELOOP ? -ELOOP : -errno;
                if (j->old_error == -ELOOP) {
                        j->dir_unsafe = true;
                        j->dir_unsafe_why = "is a symlink or not a directory; unit-tls never writes through a "
                                            "symlink: replace it with a real directory (mode 0755, owned by root)";
                        j->old_error = 0;
                }
                return 0;
        }
        j->dir_exists = true;
        const char *why = NULL;
        if (dir_check_safe(dfd, &why) < 0) {
                j->dir_unsafe = true;
                j->dir_unsafe_why = why;
        }
        int r = file_read_at(dfd, drop_in, DROPIN_MAX, &j->old_content);
        if (r == -ENOENT)
                return 0;
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                j->old_error = r;
        return 0;
}

static int read_bundle(int bfd, Job *j) {
        if (bfd < 0 || !j->bundle_name)
                return 0;
        int r = file_read_at(bfd, j->bundle_name, CA_FILE_MAX_SIZE, &j->bundle_old);
        return r == -ENOENT ? 0 : r;
}

/* Loads the unit as systemd would with the planned drop-in in place (or gone). */
static int simulate(Context *c, Job *j, const char *content, const char *drop_in, EnvList *ret_env,
                    bool *ret_listed) {
        _cleanup_free_ char *dir_host = xasprintf("%s/%s", config_dir_host(c), j->dir_name);
        _cleanup_free_ char *dir_res = NULL, *file = NULL;
        if (!dir_host)
                return -ENOMEM;
        if (lookup_in_search_path(&c->lp, config_dir_host(c))) {
                int r = unit_index_add_dir(&c->index, dir_host);
                if (r < 0)
                        return r;
        }
        int r = fs_resolve_under_root(c->lp.root, dir_host, &dir_res);
        if (r < 0)
                return r;
        if (!(file = strjoin_path(dir_res, drop_in)))
                return -ENOMEM;

        c->index.overlay_path = file;
        c->index.overlay_content = content;
        _cleanup_unit_ Unit *sim = NULL;
        r = unit_load_booted(&c->index, j->unit->name, &sim);
        c->index.overlay_path = NULL;
        c->index.overlay_content = NULL;
        if (r < 0)
                return r;
        *ret_listed = strv_contains(sim->dropins, file);
        Findings ignored = {};
        r = effective_environment(&c->lp, &c->manager, sim, ret_env, &ignored);
        findings_done(&ignored);
        return r;
}

/* Checks every CA file as this service would read it; the findings go to j->ca_findings. */
static int check_cas(Context *c, Job *j, char **cas) {
        for (char **p = cas; *p; p++) {
                CaReport report = {};
                int r = check_ca_path(&c->lp, j->unit, &j->now.cred, *p, &report, &j->ca_findings);
                j->n_certs += report.n_certs;
                ca_report_done(&report);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Several CA files: one bundle in BUNDLE_DIR, which the service must be able to see and read. */
static int plan_bundle(Context *c, Job *j, char **cas, int bfd) {
        int r = -ENOMEM;

        j->bundle_name = xasprintf("%s.pem", j->unit->id);
        j->ca_value = xasprintf("%s/%s", BUNDLE_DIR, j->bundle_name);
        if (!j->bundle_name || !j->ca_value || (r = build_bundle(c, j, cas)) < 0 || (r = read_bundle(bfd, j)) < 0)
                return r;
        _cleanup_free_ char *hidden = sandbox_hides_path(&c->lp, j->unit, j->ca_value);
        _cleanup_free_ char *bundle_host = lookup_host_path(&c->lp, j->ca_value);
        _cleanup_free_ char *unreadable = bundle_host ? path_unreadable_by(&c->lp, &j->now.cred, bundle_host) : NULL;
        if (hidden)
                findings_add(&j->ca_findings, SEV_ERROR, "ca-hidden", "%s", hidden);
        else if (unreadable)
                findings_add(&j->ca_findings, SEV_ERROR, "ca-unreadable",
                             "the service could not read the bundle %s: %s; fix the directory's mode (0755)",
                             j->ca_value, unreadable);
        return 0;
}

/* --ca: the CA files checked, and the value NODE_EXTRA_CA_CERTS gets (the file or the bundle). */
static int plan_ca_value(Context *c, Job *j, char **cas, int bfd) {
        int r;

        if ((r = check_cas(c, j, cas)) < 0)
                return r;
        if (strv_length(cas) > 1)
                return plan_bundle(c, j, cas, bfd);
        return (j->ca_value = strdup(cas[0])) ? 0 : -ENOMEM;
}

/* What is written for this unit (plan_write(), shared with the generator), when there is
 * something to write. */
static int plan_rendered(Context *c, Job *j, PlanMode mode, char **cas) {
        const RuntimeInfo *rt = &j->now.runtime;
        bool loaded = j->unit->load_state == LOAD_LOADED;
        int r;

        if ((mode == PLAN_SET_CA || mode == PLAN_SET_SYSTEM) && loaded && rt->binary)
                j->node_problem = runtime_privilege_problem(rt, &j->now.cred, lookup_display_path(&c->lp, rt->binary));
        if (!(mode == PLAN_SET_INSECURE || (loaded && (mode == PLAN_SET_SYSTEM || (mode == PLAN_SET_CA && j->ca_value)))))
                return 0;
        PlanWriteFacts wf = {
                .mode = mode,
                .unit_id = j->unit->id,
                .now = &j->now,
                .dropin_display = j->dropin_display,
                .ca_value = j->ca_value,
                .bundle_cas = j->bundle_name ? cas : NULL,
                .n_certs = j->n_certs,
        };
        if ((r = plan_write(&wf, &j->write)) < 0)
                return r;
        j->rendered = TAKE_PTR(j->write.rendered);
        return 0;
}

/* The planner's decision, on the unit loaded again as if the drop-in were in place. */
static int plan_job_decide(Context *c, Job *j, PlanMode mode) {
        const Args *a = c->args;
        EnvList planned = {};
        bool listed = mode == PLAN_UNSET || (mode == PLAN_SET_SYSTEM && !j->rendered);  /* refused before */
        int r;

        if (j->unit->load_state == LOAD_LOADED && j->unit->is_service && (j->rendered || mode == PLAN_UNSET) &&
            (r = simulate(c, j, j->rendered, a->drop_in, &planned, &listed)) < 0)
                return r;

        PlanFacts f = {
                .mode = mode,
                .unit = j->unit,
                .now = &j->now,
                .dropin_display = j->dropin_display,
                .old_content = j->old_content,
                .old_error = j->old_error,
                .ca_value = j->ca_value,
                .ca_findings = &j->ca_findings,
                .node_problem = j->node_problem,
                .env_name = j->write.sys_name,
                .env_value = j->write.sys_value,
                .system_refusal = j->write.refusal,
                .runtime_findings = &j->write.runtime,
                .dir_unsafe = j->dir_unsafe,
                .dir_unsafe_why = j->dir_unsafe_why,
                .planned_env = &planned,
                .planned_listed = listed,
                .force = a->force,
        };
        r = plan_decide(&f, j->rendered ? j->rendered : "", &j->plan);
        env_list_done(&planned);
        if (r < 0)
                return r;
        if (j->write.repair && !j->plan.refused)
                findings_add(&j->plan.findings, SEV_WARNING, "insecure-repaired", "%s", j->write.repair);
        return 0;
}

static int plan_job(Context *c, Job *j, PlanMode mode, char **cas, int cfd, int bfd) {
        const Args *a = c->args;
        int r;

        if ((r = context_load_manager(c, NULL, NULL)) < 0 || (r = inspect_unit(&c->lp, &c->manager, j->unit, &j->now)) < 0)
                return r;
        j->have_now = true;
        if (!(j->dir_name = xasprintf("%s.d", j->unit->id)) ||
            !(j->dropin_display = xasprintf("%s/%s/%s", lookup_display_path(&c->lp, config_dir_host(c)),
                                            j->dir_name, a->drop_in)))
                return -ENOMEM;
        if ((r = read_current(cfd, j, a->drop_in)) < 0)
                return r;
        if (mode == PLAN_SET_CA && j->unit->load_state == LOAD_LOADED && (r = plan_ca_value(c, j, cas, bfd)) < 0)
                return r;
        if ((r = plan_rendered(c, j, mode, cas)) < 0)
                return r;
        return plan_job_decide(c, j, mode);
}

static void print_findings(const Args *a, const Job *j, Severity at_least) {
        for (size_t i = 0; i < j->plan.findings.n; i++) {
                const Finding *f = &j->plan.findings.items[i];
                if (f->severity < at_least || (a->quiet && f->severity < SEV_ERROR))
                        continue;
                if (f->severity == SEV_INFO)
                        log_info(a, "%s: %s", j->unit->id, f->message);
                else if (f->severity == SEV_ERROR)
                        log_error("%s: %s", j->unit->id, f->message);
                else
                        log_warning("%s: %s", j->unit->id, f->message);
        }
}

static bool bundle_changes(const Job *j) {
        return j->bundle_name && j->bundle_new && !streq_ptr(j->bundle_old, j->bundle_new);
}

static char *job_diff(const Context *c, const Job *j, PlanMode mode) {
        Buf b = {};
        if (mode != PLAN_UNSET && bundle_changes(j)) {
                _cleanup_free_ char *path = xasprintf("%s/%s", BUNDLE_DIR, j->bundle_name);
                _cleanup_free_ char *d = path ? unified_diff(j->bundle_old, j->bundle_new,
                                                             j->bundle_old ? path : "/dev/null", path) : NULL;
                if (d)
                        buf_puts(&b, d);
        }
        if (j->plan.changed) {
                const char *newc = mode == PLAN_UNSET ? NULL : j->plan.new_content;
                _cleanup_free_ char *d = unified_diff(j->old_content, newc,
                                                      j->old_content ? j->dropin_display : "/dev/null",
                                                      newc ? j->dropin_display : "/dev/null");
                if (d)
                        buf_puts(&b, d);
        }
        if (mode == PLAN_UNSET && j->old_content && !j->plan.refused) {
                /* unset also removes a bundle unit-tls made for this unit */
                if (j->bundle_old) {
                        _cleanup_free_ char *path = xasprintf("%s/%s", BUNDLE_DIR, j->bundle_name);
                        _cleanup_free_ char *d = path ? unified_diff(j->bundle_old, NULL, path, "/dev/null") : NULL;
                        if (d)
                                buf_puts(&b, d);
                }
        }
        (void) c;
        return buf_steal(&b);
}

/* Writes (or removes) one job's files, but the drop-in itself is only staged: *ret_dfd (its
 * directory, kept open) and *ret_tmp (the temp) for commit_jobs(). On failure nothing of this
 * job is left half-done. */
static int write_job(const Context *c, Job *j, PlanMode mode, int cfd, int bfd, const char **ret_what, int *ret_dfd,
                     char **ret_tmp) {
        const char *name = c->args->drop_in;
        int r;

        if (mode != PLAN_UNSET && bundle_changes(j)) {
                *ret_what = "write the CA bundle";
                if ((r = atomic_write_at(bfd, j->bundle_name, j->bundle_new, 0644)) < 0)
                        return r;
                j->bundle_written = true;
        }
        if (!j->plan.changed)
                return 0;

        if (mode == PLAN_UNSET) {
                _cleanup_close_ int dfd = openat(cfd, j->dir_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                *ret_what = "remove the drop-in";
                if (dfd < 0)
                        return -errno;
                if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
                        return -errno;
                j->written = true;
                /* Each removal is durable before the reload reads the directories, as each
                 * write is: a crash must not bring a removed drop-in back. */
                (void) fsync(dfd);
                if (unlinkat(cfd, j->dir_name, AT_REMOVEDIR) == 0)  /* only when empty */
                        (void) fsync(cfd);
                if (bfd >= 0 && j->bundle_name && j->bundle_old && unlinkat(bfd, j->bundle_name, 0) == 0)
                        (void) fsync(bfd);
                return 0;
        }

        *ret_what = "create the drop-in directory";
        if (mkdirat(cfd, j->dir_name, 0755) == 0)
                j->dir_created = true;
        else if (errno != EEXIST)
                return -errno;
        _cleanup_close_ int dfd = openat(cfd, j->dir_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        if (j->dir_created && fchmod(dfd, 0755) < 0)  /* 0755 whatever the umask */
                return -errno;
        const char *why;
        if (dir_check_safe(dfd, &why) < 0) {
                *ret_what = why;
                return -EPERM;
        }
        (void) remove_stale_temps(dfd, name);
        if (j->plan.backup && j->old_content) {
                _cleanup_free_ char *backup = xasprintf("%s.unit-tls-backup", name);
                *ret_what = "keep a backup of the existing drop-in";
                if (!backup)
                        return -ENOMEM;
                if ((r = atomic_write_at(dfd, backup, j->old_content, 0644)) < 0)
                        return r;
        }
        *ret_what = "write the drop-in";
        if ((r = atomic_stage_at(dfd, name, j->plan.new_content, 0644, ret_tmp)) < 0)
                return r;
        *ret_dfd = TAKE_FD(dfd);
        return 0;
}

/* Puts back what write_job() changed. */
static void restore_job(const Context *c, Job *j, int cfd, int bfd) {
        const char *name = c->args->drop_in;
        if (j->written) {
                if (mkdirat(cfd, j->dir_name, 0755) < 0 && errno != EEXIST)
                        return;
                _cleanup_close_ int dfd = openat(cfd, j->dir_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (dfd >= 0) {
                        if (j->old_content)
                                (void) atomic_write_at(dfd, name, j->old_content, 0644);
                        else {
                                (void) unlinkat(dfd, name, 0);
                                (void) unlinkat(cfd, j->dir_name, AT_REMOVEDIR);
                        }
                }
                j->written = false;
        }
        if (j->dir_created) {
                /* A failed first write must not leave an empty "<id>.d" behind. */
                (void) unlinkat(cfd, j->dir_name, AT_REMOVEDIR);  /* only when empty */
                j->dir_created = false;
        }
        if (j->bundle_written || (bfd >= 0 && j->bundle_name && j->bundle_old && !j->bundle_new)) {
                if (j->bundle_old)
                        (void) atomic_write_at(bfd, j->bundle_name, j->bundle_old, 0644);
                else
                        (void) unlinkat(bfd, j->bundle_name, 0);
                j->bundle_written = false;
        }
}


/* The ApplyUnits for one job: the unit itself, or for a template every loaded instance (the
 * template's drop-in applies to all of them; a template cannot be restarted itself). */
static int job_apply_units(const Context *c, Job *j, PlanMode mode, char **loaded, ApplyUnit **units, size_t *n) {
        _cleanup_strv_free_ char **ids = NULL;
        int r;
        if (unit_name_classify(j->unit->id) == UNIT_NAME_TEMPLATE) {
                size_t plen = strcspn(j->unit->id, "@") + 1;
                for (char **l = loaded; l && *l; l++)
                        if (strncmp(*l, j->unit->id, plen) == 0 && unit_name_classify(*l) == UNIT_NAME_INSTANCE &&
                            (r = strv_extend(&ids, *l)) < 0)
                                return r;
        } else if ((r = strv_extend(&ids, j->unit->id)) < 0)
                return r;

        for (char **id = ids; id && *id; id++) {
                ApplyUnit *nu = realloc(*units, (*n + 1) * sizeof(ApplyUnit));
                if (!nu)
                        return -ENOMEM;
                *units = nu;
                ApplyUnit *u = &nu[(*n)++];
                *u = (ApplyUnit) {
                        .id = j->unit->id,
                        .file_changed = j->plan.changed || j->bundle_written,
                        .expect_dropin = mode != PLAN_UNSET,
                        .dropin_display = j->dropin_display,
                };
                if (!streq(*id, j->unit->id)) {
                        /* An instance: keep its name with the unit's names, which outlive this run. */
                        if ((r = strv_extend(&j->unit->names, *id)) < 0)
                                return r;
                        u->id = j->unit->names[strv_length(j->unit->names) - 1];
                }
                if (mode != PLAN_UNSET && j->write.expect)
                        u->expect = strdup(j->write.expect);
                if (mode == PLAN_SET_CA || mode == PLAN_SET_SYSTEM)
                        u->expect_absent = strdup("NODE_TLS_REJECT_UNAUTHORIZED=0");
        }
        return 0;
}

/* The loaded services, when a template's drop-in is to be applied to its instances. */
static void list_loaded_for_templates(const Context *c, const Job *jobs, size_t n, char ***ret) {
        const Args *a = c->args;
        bool any_template = false;

        for (size_t i = 0; i < n; i++)
                any_template = any_template || unit_name_classify(jobs[i].unit->id) == UNIT_NAME_TEMPLATE;
        if (!any_template)
                return;
        void *ctx = bus_sdbus_new();
        const char *cwhy = NULL;
        if (ctx && bus_ops_sdbus.connect(ctx, a->user, !a->no_ask_password, &cwhy) >= 0)
                (void) bus_list_services(ctx, ret);
        if (ctx)
                bus_ops_sdbus.close(ctx);
}

/* What became of each unit: printed, and kept in its job for the JSON report. */
static void take_apply_results(const Args *a, Job *jobs, size_t n, const ApplyUnit *au, size_t m) {
        for (size_t i = 0; i < m; i++)
                if (au[i].message && (!a->quiet || au[i].failed) && !a->json) {
                        if (au[i].failed)
                                log_error("%s: %s", au[i].id, au[i].message);
                        else
                                printf("%s: %s\n", au[i].id, au[i].message);
                }
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < m; k++)
                        if (streq(au[k].id, jobs[i].unit->id)) {
                                jobs[i].apply.reloaded = au[k].reloaded;
                                jobs[i].apply.restarted = au[k].restarted;
                                jobs[i].apply.failed = au[k].failed;
                                free(jobs[i].apply.message);
                                jobs[i].apply.message = au[k].message ? strdup(au[k].message) : NULL;
                        }
}

/* The previous files back, loaded, and the units that were restarted restarted again. */
static void rollback(const Context *c, Job *jobs, size_t n, const ApplyUnit *au, size_t m, int cfd, int bfd) {
        const ApplyOptions ao = apply_options(c->args);
        _cleanup_free_ char *why = NULL;
        int k = -ENOMEM;

        for (size_t i = 0; i < n; i++)
                restore_job(c, &jobs[i], cfd, bfd);
        ApplyUnit *again = calloc(m ? m : 1, sizeof(ApplyUnit));
        if (again) {
                for (size_t i = 0; i < m; i++)
                        again[i] = (ApplyUnit) { .id = au[i].id, .file_changed = true,
                                                 .restart_anyway = au[i].restarted };
                k = apply_units(&ao, again, m, &why);
                for (size_t i = 0; i < m; i++) {
                        if (again[i].failed)
                                log_error("%s: rollback: %s", again[i].id, again[i].message);
                        apply_unit_done(&again[i]);
                }
                free(again);
        }
        if (k == 0)
                log_error("rolled back: the previous files are back in place, loaded, and the services "
                          "that were restarted run again");
        else
                log_error("rollback incomplete: the previous files are back in place, but %s; "
                          "check 'systemctl status'", k < 0 ? "systemd could not be asked to load them" :
                          "a service did not start again");
}

/* Online: one reload, the restarts, the proof; on failure the previous files come back and
 * are applied again, the units that were restarted restarted again (unless --no-rollback). */
static int apply_online(Context *c, Job *jobs, size_t n, PlanMode mode, int cfd, int bfd) {
        const Args *a = c->args;
        _cleanup_strv_free_ char **loaded = NULL;
        ApplyUnit *au = NULL;
        size_t m = 0;
        int r, ret = EXIT_OK;
        _cleanup_free_ char *why = NULL;
        const ApplyOptions ao = apply_options(a);

        list_loaded_for_templates(c, jobs, n, &loaded);
        for (size_t i = 0; i < n; i++)
                if ((r = job_apply_units(c, &jobs[i], mode, loaded, &au, &m)) < 0) {
                        log_error("%s", strerror(-r));
                        ret = EXIT_FAILURE_RUNTIME;
                        goto out;
                }

        /* Templates without a loaded instance: a reload still lets PID 1 see a new .d directory
         * when an instance starts. */
        r = m > 0 ? apply_units(&ao, au, m, &why) : apply_reload_only(&ao, &why);
        if (m == 0)
                for (size_t i = 0; i < n && r == 0; i++)
                        log_info(a, "%s: loaded by systemd; no instance is running, so it applies when one starts",
                                 jobs[i].unit->id);
        if (r < 0)
                log_error("written, but cannot apply it: %s", why ? why : strerror(-r));
        take_apply_results(a, jobs, n, au, m);
        if (r != 0) {
                if (!a->no_rollback)
                        rollback(c, jobs, n, au, m, cfd, bfd);
                else
                        log_error("--no-rollback: the new files stay in place");
                ret = EXIT_FAILURE_RUNTIME;
        }
out:
        for (size_t i = 0; i < m; i++)
                apply_unit_done(&au[i]);
        free(au);
        return ret;
}

static void print_json(const Context *c, Job *jobs, size_t n, PlanMode mode, bool dry_run) {
        Json js = {};
        json_begin_object(&js, NULL);
        json_bool(&js, "dry_run", dry_run);
        /* Why nothing was applied, or null when systemd was (or would be) asked. */
        json_string(&js, "offline", c->offline ? c->offline_reason : c->args->no_reload ? "--no-reload" : NULL);
        json_begin_array(&js, "units");
        for (size_t i = 0; i < n; i++) {
                Job *j = &jobs[i];
                json_begin_object(&js, NULL);
                /* The findings are the plan's: what this run decided, and why. */
                if (j->have_now)
                        print_unit_json(&js, &c->lp, j->unit, &j->now, &j->plan.findings);
                else {
                        json_string(&js, "unit", j->unit->id);
                        print_findings_json(&js, &j->plan.findings);
                }
                json_bool(&js, "refused", j->plan.refused);
                json_bool(&js, "changed", !j->plan.refused && (j->plan.changed || bundle_changes(j) ||
                                                                j->apply.reloaded || j->apply.restarted));
                json_string(&js, "dropin", j->dropin_display);
                json_begin_array(&js, "actions");
                bool change = j->plan.changed || bundle_changes(j);
                if (!j->plan.refused && dry_run) {
                        /* what would run; whether a restart happens depends on the unit running then */
                        if (change)
                                json_string(&js, NULL, mode == PLAN_UNSET ? "remove" : "write");
                        if (change && !c->offline && !c->args->no_reload) {
                                json_string(&js, NULL, "reload");
                                if (!c->args->no_restart)
                                        json_string(&js, NULL, "restart");
                        }
                } else if (!j->plan.refused) {
                        if (change)
                                json_string(&js, NULL, mode == PLAN_UNSET ? "remove" : "write");
                        if (j->apply.reloaded)
                                json_string(&js, NULL, "reload");
                        if (j->apply.restarted)
                                json_string(&js, NULL, "restart");
                        if (j->apply.failed && !c->args->no_rollback)
                                json_string(&js, NULL, "rollback");
                }
                json_end_array(&js);
                if (j->apply.message)
                        json_string(&js, "result", j->apply.message);
                /* The diff of what changed (or would change): Ansible's diff mode needs no second run. */
                if (!j->plan.refused) {
                        _cleanup_free_ char *d = job_diff(c, j, mode);
                        json_string(&js, "diff", d ? d : "");
                }
                json_end_object(&js);
        }
        json_end_array(&js);
        json_end_object(&js);
        printf("%s\n", js.out.data);
        buf_free(&js.out);
}

/* Opens and locks the config directory. 0 (cfd -1 when it does not exist and create is false),
 * or an exit code after saying why. */
static int open_config_dir(const Context *c, const char *inner, bool create, int *ret_fd) {
        _cleanup_free_ char *bad = NULL;
        int r = dir_open_below_root(c->lp.root, inner, create, true, ret_fd, &bad);
        if (r == -ENOENT && !create) {
                *ret_fd = -1;
                return 0;
        }
        if (r >= 0 && !c->args->dry_run && faccessat(*ret_fd, ".", W_OK, AT_EACCESS) < 0)
                r = -errno;
        if (r >= 0)
                return 0;
        if (r == -ELOOP) {
                log_error("%s is a symlink; unit-tls writes only through real directories; nothing was changed",
                          bad ? bad : inner);
                return EXIT_USAGE;
        }
        if (r == -EACCES || r == -EPERM || r == -EROFS)
                log_error("cannot write to %s: %s; run as root (or with --user for your own services); nothing was changed",
                          bad ? bad : inner, strerror(-r));
        else
                log_error("cannot open %s: %s", bad ? bad : inner, strerror(-r));
        return EXIT_FAILURE_RUNTIME;
}

/* --ca, each file once, as absolute paths on the target. 0, or an exit code after saying why. */
static int ca_arguments(const Context *c, char ***ret) {
        _cleanup_strv_free_ char **cas = NULL;

        for (char **p = c->args->ca; p && *p; p++) {
                char *x = NULL;
                int r = ca_argument(c, *p, &x);
                if (r < 0)
                        return r == -ENOMEM ? EXIT_FAILURE_RUNTIME : EXIT_USAGE;
                if (strv_contains(cas, x))
                        free(x);
                else if (strv_consume(&cas, x) < 0)
                        return EXIT_FAILURE_RUNTIME;
        }
        *ret = TAKE_PTR(cas);
        return 0;
}

/* Locks the config directory (cfd -1 when it does not exist yet) and opens BUNDLE_DIR when a
 * bundle may be written or removed (bfd -1 when it does not exist). 0 or an exit code. */
static int open_dirs(const Context *c, const char *config_inner, bool bundle, int *cfd, int *bfd) {
        int r;

        if ((r = open_config_dir(c, config_inner, false, cfd)) != 0)
                return r;
        if (!bundle)
                return 0;
        r = dir_open_below_root(c->lp.root, BUNDLE_DIR, false, false, bfd, NULL);
        if (r < 0 && r != -ENOENT) {
                log_error("cannot open %s: %s", BUNDLE_DIR, strerror(-r));
                return EXIT_FAILURE_RUNTIME;
        }
        return 0;
}

/* unset: the bundle unit-tls made for the unit goes with the drop-in. */
static void read_own_bundle(Job *j, int bfd) {
        j->bundle_name = xasprintf("%s.pem", j->unit->id);
        if (j->bundle_name && read_bundle(bfd, j) < 0)
                j->bundle_old = NULL;
        /* only a bundle unit-tls made is ours to remove */
        if (j->bundle_old && !startswith(j->bundle_old, "# Managed by unit-tls")) {
                free(j->bundle_old);
                j->bundle_old = NULL;
        }
}

/* Loads and plans every unit, then says what the plans found. 0, or an exit code: nothing is
 * written when one unit cannot be planned or its plan is refused. */
static int plan_all(Context *c, Job *jobs, size_t n, PlanMode mode, char **cas, int cfd, int bfd,
                    SetUrlCheck *url_check) {
        const Args *a = c->args;
        bool refused = false;
        int r;

        for (size_t i = 0; i < n; i++) {
                Job *j = &jobs[i];
                if ((r = unit_load_booted(&c->index, a->units[i], &j->unit)) >= 0) {
                        if (mode == PLAN_UNSET && j->unit->id)
                                read_own_bundle(j, bfd);
                        r = plan_job(c, j, mode, cas, cfd, bfd);
                }
                if (r < 0) {
                        log_error("%s: %s", a->units[i], strerror(-r));
                        return EXIT_FAILURE_RUNTIME;
                }
                set_url_apply(url_check, &j->plan);  /* --url: the probe's refusal */
                refused = refused || j->plan.refused;
        }

        for (size_t i = 0; i < n; i++)
                print_findings(a, &jobs[i], jobs[i].plan.refused ? SEV_WARNING : SEV_INFO);
        if (!refused)
                return 0;
        if (a->json)
                print_json(c, jobs, n, mode, a->dry_run);
        log_error("nothing was changed");
        return EXIT_USAGE;
}

/* --dry-run: the diff of every unit, and what would be done. */
static void print_dry_run(const Context *c, Job *jobs, size_t n, PlanMode mode) {
        const Args *a = c->args;

        for (size_t i = 0; i < n && !a->json; i++) {
                Job *j = &jobs[i];
                _cleanup_free_ char *d = job_diff(c, j, mode);
                if (d && *d)
                        fputs(d, stdout);
                bool change = j->plan.changed || (mode != PLAN_UNSET && bundle_changes(j));
                if (!change)
                        log_info(a, "%s: unchanged (%s)", j->unit->id, j->dropin_display);
                else if (c->offline || a->no_reload)
                        log_info(a, "%s: would %s %s; not applied (%s)", j->unit->id,
                                 mode == PLAN_UNSET ? "remove" : "write", j->dropin_display,
                                 a->no_reload ? "--no-reload" : c->offline_reason);
                else
                        log_info(a, "%s: would %s %s, daemon-reload, then restart %s if it is running%s",
                                 j->unit->id, mode == PLAN_UNSET ? "remove" : "write", j->dropin_display,
                                 j->unit->id, a->no_restart ? " (not with --no-restart)" : "");
        }
        if (a->json)
                print_json(c, jobs, n, mode, true);
}

/* Now, and only now, creates what is missing. 0 or an exit code after saying why. */
static int create_dirs(const Context *c, const char *config_inner, bool bundle, int *cfd, int *bfd) {
        int r;

        if (*cfd < 0 && (r = open_config_dir(c, config_inner, true, cfd)) != 0)
                return r;
        if (*bfd < 0 && bundle) {
                r = dir_open_below_root(c->lp.root, BUNDLE_DIR, true, false, bfd, NULL);
                if (r < 0) {
                        log_error("cannot create %s: %s", BUNDLE_DIR, strerror(-r));
                        return EXIT_FAILURE_RUNTIME;
                }
        }
        return 0;
}

/* Up to this many units' drop-ins are staged before they are committed: each keeps its
 * directory open until then. */
#define WRITE_BATCH 256

/* Commits the staged drop-ins of jobs[0..n) (those with dfd[k] >= 0), then fsyncs their
 * directories and, when this run made one, the config directory: every drop-in is durable
 * before the reload. An fsync returns at once when the journal commit of an earlier one
 * covered its file. On failure *ret_failed is the job that failed (its temp is gone). */
static int commit_jobs(const Context *c, Job *jobs, size_t n, int cfd, const int *dfd, char **tmp,
                       size_t *ret_failed) {
        bool made_dir = false;
        int r;

        for (size_t k = 0; k < n; k++) {
                if (dfd[k] < 0)
                        continue;
                if ((r = atomic_commit_at(dfd[k], tmp[k], c->args->drop_in)) < 0) {
                        *ret_failed = k;
                        return r;
                }
                jobs[k].written = true;
                made_dir = made_dir || jobs[k].dir_created;
        }
        for (size_t k = 0; k < n; k++)
                if (dfd[k] >= 0)
                        (void) fsync(dfd[k]);
        if (made_dir)
                (void) fsync(cfd);
        return 0;
}

/* Does jobs[n] write into the directory of one of jobs[0..n)? */
static bool same_dir_staged(const Job *jobs, size_t n) {
        for (size_t k = 0; k < n; k++)
                if (streq(jobs[k].dir_name, jobs[n].dir_name))
                        return true;
        return false;
}

/* Writes every unit's files, WRITE_BATCH units at a time: all staged, then all committed (see
 * atomic_stage_at()). On any failure puts back what this run wrote. 0 or an exit code. */
static int write_all(const Context *c, Job *jobs, size_t n, PlanMode mode, int cfd, int bfd) {
        int dfd[WRITE_BATCH];
        char *tmp[WRITE_BATCH];
        const char *what = "write";
        size_t failed = 0, touched = 0;  /* jobs[0..touched) may have changed something */
        int r = 0;

        for (size_t base = 0, staged = 0; base < n && r == 0; base += staged) {
                size_t m = MIN(n - base, (size_t) WRITE_BATCH);
                for (staged = 0; staged < m && r == 0; staged++) {
                        /* The same unit twice: its write_job() would take the first one's temp for
                         * a stale one. Commit what is staged first. */
                        if (staged > 0 && same_dir_staged(jobs + base, staged))
                                break;
                        dfd[staged] = -1;
                        tmp[staged] = NULL;
                        r = write_job(c, &jobs[base + staged], mode, cfd, bfd, &what, &dfd[staged], &tmp[staged]);
                }
                touched = base + staged;
                if (r < 0)
                        failed = touched - 1;
                else {
                        size_t k = 0;
                        what = "write the drop-in";
                        if ((r = commit_jobs(c, jobs + base, staged, cfd, dfd, tmp, &k)) < 0)
                                failed = base + k;
                }
                for (size_t k = 0; k < staged; k++) {
                        if (dfd[k] >= 0) {
                                if (r < 0)  /* a temp not committed; a committed one is gone */
                                        (void) unlinkat(dfd[k], tmp[k], 0);
                                close(dfd[k]);
                        }
                        free(tmp[k]);
                }
        }
        if (r < 0) {
                log_error("%s: cannot %s %s: %s%s", jobs[failed].unit->id, what, jobs[failed].dropin_display,
                          strerror(-r), touched > 1 ? "; the other units were restored" : "");
                for (size_t k = 0; k < touched; k++)
                        restore_job(c, &jobs[k], cfd, bfd);
                return EXIT_FAILURE_RUNTIME;
        }
        for (size_t i = 0; i < n; i++) {
                Job *j = &jobs[i];
                bool change = j->plan.changed || (mode != PLAN_UNSET && j->bundle_written);
                if (change)
                        log_info(c->args, "%s: %s %s", j->unit->id, mode == PLAN_UNSET ? "removed" : "wrote",
                                 j->dropin_display);
        }
        return 0;
}

/* Offline or --no-reload: what was written, and when it takes effect. */
static void print_not_applied(const Context *c, Job *jobs, size_t n, PlanMode mode) {
        const Args *a = c->args;

        for (size_t i = 0; i < n; i++) {
                Job *j = &jobs[i];
                bool change = j->plan.changed || j->bundle_written;
                if (!change)
                        log_info(a, "%s: unchanged (%s)", j->unit->id, j->dropin_display);
                else
                        log_info(a, "%s: %s, not applied (%s); it takes effect at the next %s",
                                 j->unit->id, mode == PLAN_UNSET ? "removed" : "written",
                                 a->no_reload ? "--no-reload" : c->offline_reason,
                                 c->lp.root ? "boot of that system" : "daemon-reload and restart");
        }
}

/* The plans stand: show them (--dry-run), or write the files and, online, apply them. An exit
 * code. */
static int carry_out(Context *c, Job *jobs, size_t n, PlanMode mode, bool bundle, const char *config_inner,
                     int *cfd, int *bfd) {
        const Args *a = c->args;
        int r;

        if (a->dry_run) {
                print_dry_run(c, jobs, n, mode);
                return EXIT_OK;
        }
        if ((r = create_dirs(c, config_inner, bundle, cfd, bfd)) != 0 ||
            (r = write_all(c, jobs, n, mode, *cfd, *bfd)) != 0)
                return r;
        if (c->offline || a->no_reload) {
                print_not_applied(c, jobs, n, mode);
                r = EXIT_OK;
        } else
                r = apply_online(c, jobs, n, mode, *cfd, *bfd);
        if (a->json)
                print_json(c, jobs, n, mode, false);
        return r;
}

static int run(Context *c, PlanMode mode) {
        const Args *a = c->args;
        _cleanup_strv_free_ char **cas = NULL;
        int r;

        if (mode == PLAN_SET_CA && (r = ca_arguments(c, &cas)) != 0)
                return r;

        /* set --url: the server decides whether these CAs (or --insecure) are the answer. */
        _cleanup_(set_url_check_done) SetUrlCheck url_check = {};
        if (a->url && mode != PLAN_UNSET && (r = set_url_check(c, mode, cas, &url_check)) != 0)
                return r;

        /* Online, applying needs libsystemd: without it, refuse before anything is written. */
        if (!c->offline && !a->dry_run && !a->no_reload && bus_sdbus_load() < 0) {
                log_error("cannot load libsystemd.so.0 to apply the change: install libsystemd0 (or write only, "
                          "with --no-reload); nothing written");
                return EXIT_FAILURE_RUNTIME;
        }

        /* Lock the config directory for the whole run: plans are made on the state that is written.
         * Nothing is created before the plan stands: a refused run leaves no trace. */
        _cleanup_close_ int cfd = -1, bfd = -1;
        const char *config_inner = lookup_display_path(&c->lp, config_dir_host(c));
        bool bundle = strv_length(cas) > 1;
        if ((r = open_dirs(c, config_inner, bundle || mode == PLAN_UNSET, &cfd, &bfd)) != 0)
                return r;

        size_t n = strv_length(a->units);
        Job *jobs = calloc(n, sizeof(Job));
        if (!jobs)
                return EXIT_FAILURE_RUNTIME;
        r = plan_all(c, jobs, n, mode, cas, cfd, bfd, &url_check);
        if (r == 0)
                r = carry_out(c, jobs, n, mode, bundle, config_inner, &cfd, &bfd);
        for (size_t i = 0; i < n; i++)
                job_done(&jobs[i]);
        free(jobs);
        return r;
}

int verb_set(Context *c) {
        const Args *a = c->args;
        if (a->system_store && (a->ca || a->insecure)) {
                log_error("set: --system-store cannot be combined with --ca or --insecure: choose one way to trust");
                return EXIT_USAGE;
        }
        if (a->system_store)
                return run(c, PLAN_SET_SYSTEM);
        if (a->insecure && a->ca) {
                log_error("set: --insecure cannot be combined with --ca: trust the CA, or (last resort) turn verification off");
                return EXIT_USAGE;
        }
        if (!a->insecure && !a->ca) {
                log_error("set: say what to trust: --ca FILE (the server's CA certificate), --system-store (what the OS "
                          "trusts), or --insecure as a last resort");
                return EXIT_USAGE;
        }
        return run(c, a->insecure ? PLAN_SET_INSECURE : PLAN_SET_CA);
}

int verb_unset(Context *c) {
        const Args *a = c->args;
        if (a->ca || a->insecure || a->system_store) {
                log_error("unset: takes no --ca, --system-store or --insecure; it removes what unit-tls wrote");
                return EXIT_USAGE;
        }
        return run(c, PLAN_UNSET);
}
