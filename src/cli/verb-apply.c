/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <sys/stat.h>

#include "trust/apply.h"
#include "cli/cli.h"
#include "basic/diff.h"
#include "basic/fs.h"
#include "trust/generate.h"
#include "trust/managed.h"

#define DROPIN_MAX (1024 * 1024)

/* One unit whose generated files change (or stay) between the last generator run and now. */
typedef struct Change {
        char *unit;
        const GenUnit *g;          /* what the generator will write; NULL: nothing any more */
        char *dropin_display;
        char *bundle_display;      /* the bundle as it will be, or as it was */
        char *old_dropin, *old_bundle;
        bool changed;
        ApplyUnit apply;
} Change;

static void change_done(Change *c) {
        free(c->unit);
        free(c->dropin_display);
        free(c->bundle_display);
        free(c->old_dropin);
        free(c->old_bundle);
        apply_unit_done(&c->apply);
}

typedef struct Changes {
        Change *items;
        size_t n;
} Changes;

static void changes_done(Changes *cs) {
        for (size_t i = 0; i < cs->n; i++)
                change_done(&cs->items[i]);
        free(cs->items);
        *cs = (Changes) {};
}

static Change *changes_find(Changes *cs, const char *unit) {
        for (size_t i = 0; i < cs->n; i++)
                if (streq(cs->items[i].unit, unit))
                        return &cs->items[i];
        return NULL;
}

/* Reads a file of the last generator run; NULL content when it is not there. */
static int read_generated(const Context *c, const char *rel, char **ret) {
        _cleanup_free_ char *display = xasprintf("%s/%s", GENERATOR_NORMAL_DIR, rel);
        if (!display)
                return -ENOMEM;
        size_t size = 0;
        int r = read_target_file(&c->lp, display, DROPIN_MAX, ret, &size);
        if (r == -ENOENT || r == -ENOTDIR) {
                *ret = NULL;
                return 0;
        }
        return r;
}

static int add_change(const Context *c, Changes *cs, const char *unit, const GenUnit *g) {
        Change *items = realloc(cs->items, (cs->n + 1) * sizeof(Change));
        if (!items)
                return -ENOMEM;
        cs->items = items;
        Change *x = &items[cs->n++];
        *x = (Change) { .unit = strdup(unit), .g = g };
        if (!x->unit || !(x->dropin_display = xasprintf("%s/%s.d/%s", GENERATOR_NORMAL_DIR, unit, GENERATOR_DROPIN)) ||
            !(x->bundle_display = xasprintf("%s/%s/%s.pem", GENERATOR_NORMAL_DIR, GENERATOR_BUNDLE_DIR, unit)))
                return -ENOMEM;
        _cleanup_free_ char *rel = xasprintf("%s.d/%s", unit, GENERATOR_DROPIN);
        _cleanup_free_ char *brel = xasprintf("%s/%s.pem", GENERATOR_BUNDLE_DIR, unit);
        int r;
        if (!rel || !brel)
                return -ENOMEM;
        if ((r = read_generated(c, rel, &x->old_dropin)) < 0 || (r = read_generated(c, brel, &x->old_bundle)) < 0)
                return r;
        /* a bundle is ours only when the drop-in of the last run pointed at it */
        if (x->old_bundle && !startswith(x->old_bundle, GENERATED_HEADER_PREFIX))
                x->old_bundle = mfree(x->old_bundle);
        const char *new_bundle = g ? g->bundle_content : NULL;
        x->changed = !streq_ptr(x->old_dropin, g ? g->content : NULL) || !streq_ptr(x->old_bundle, new_bundle);
        return 0;
}

/* Every unit the generator wrote for last time ("<id>.d/50-unit-tls.conf" with our header). */
static int last_run_units(const Context *c, char ***ret) {
        _cleanup_free_ char *host = NULL;
        char **units = NULL;
        if (fs_chase(c->lp.root, GENERATOR_NORMAL_DIR, 0, &host) < 0) {
                *ret = NULL;
                return 0;
        }
        DIR *d = opendir(host);
        if (!d) {
                *ret = NULL;
                return 0;
        }
        struct dirent *de;
        int r = 0;
        while ((de = readdir(d)) && r >= 0) {
                const char *suffix = endswith(de->d_name, ".d");
                if (!suffix || de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *path = xasprintf("%s/%s/%s", host, de->d_name, GENERATOR_DROPIN);
                _cleanup_free_ char *origin = path ? dropin_generated_origin(path) : NULL;
                if (!path)
                        r = -ENOMEM;
                else if (origin)
                        r = strv_consume(&units, strndup(de->d_name, suffix - de->d_name));
        }
        closedir(d);
        if (r < 0) {
                strv_free(units);
                return r;
        }
        strv_sort(units);
        *ret = units;
        return 0;
}

static int compute_changes(const Context *c, const GenPlan *plan, Changes *ret) {
        Changes cs = {};
        _cleanup_strv_free_ char **last = NULL;
        int r = last_run_units(c, &last);
        for (size_t i = 0; r >= 0 && i < plan->n; i++)
                r = add_change(c, &cs, plan->units[i].unit, &plan->units[i]);
        for (char **u = last; r >= 0 && u && *u; u++)
                if (!changes_find(&cs, *u))
                        r = add_change(c, &cs, *u, NULL);
        if (r < 0) {
                changes_done(&cs);
                return r;
        }
        *ret = cs;
        return 0;
}

static char *change_diff(const Change *x) {
        Buf b = {};
        const char *new_bundle = x->g ? x->g->bundle_content : NULL;
        if (!streq_ptr(x->old_bundle, new_bundle)) {
                _cleanup_free_ char *d = unified_diff(x->old_bundle, new_bundle, x->old_bundle ? x->bundle_display : "/dev/null",
                                                      new_bundle ? x->bundle_display : "/dev/null");
                if (d)
                        buf_puts(&b, d);
        }
        const char *new_dropin = x->g ? x->g->content : NULL;
        if (!streq_ptr(x->old_dropin, new_dropin)) {
                _cleanup_free_ char *d = unified_diff(x->old_dropin, new_dropin, x->old_dropin ? x->dropin_display : "/dev/null",
                                                      new_dropin ? x->dropin_display : "/dev/null");
                if (d)
                        buf_puts(&b, d);
        }
        return buf_steal(&b);
}

/* Is unit-tls-generator there for PID 1 to run? Generator directories in systemd 252's order; the
 * first file of the name wins, and an empty file or a link to /dev/null masks it. */
static const char *generator_problem(const Context *c) {
        static const char *const dirs[] = {
                "/run/systemd/system-generators", "/etc/systemd/system-generators",
                "/usr/local/lib/systemd/system-generators", "/lib/systemd/system-generators",
                "/usr/lib/systemd/system-generators",
        };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_free_ char *p = xasprintf("%s/unit-tls-generator", dirs[i]), *host = NULL;
                struct stat st;
                if (!p)
                        return "out of memory";
                if (fs_chase(c->lp.root, p, 0, &host) < 0 || stat(host, &st) < 0)
                        continue;
                if (S_ISCHR(st.st_mode) || (S_ISREG(st.st_mode) && st.st_size == 0))
                        return "unit-tls-generator is masked, so a daemon-reload would not run it";
                if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
                        return "unit-tls-generator is not an executable file";
                return NULL;
        }
        return "unit-tls-generator is not installed in any systemd generator directory, so a daemon-reload "
               "would not run it; install unit-tls";
}

static void print_diags(const Args *a, const Diags *errors, const Diags *warnings) {
        for (char **l = errors->lines; l && *l; l++)
                log_error("%s", *l);
        for (char **l = warnings->lines; l && *l && !a->quiet; l++)
                log_warning("%s", *l);
}

static void print_json(const Changes *cs, const Diags *errors, const Diags *warnings, bool dry_run, bool applied) {
        Json j = {};
        json_begin_object(&j, NULL);
        json_begin_array(&j, "units");
        for (size_t i = 0; i < cs->n; i++) {
                const Change *x = &cs->items[i];
                json_begin_object(&j, NULL);
                json_string(&j, "unit", x->unit);
                json_string(&j, "source", x->g ? x->g->source : NULL);
                json_string(&j, "dropin", x->dropin_display);
                json_string(&j, "environment", x->g ? x->g->expect : NULL);
                json_bool(&j, "changed", x->changed);
                json_begin_array(&j, "actions");
                if (x->changed)
                        json_string(&j, NULL, x->g ? "write" : "remove");
                if (applied && x->apply.reloaded)
                        json_string(&j, NULL, "reload");
                if (applied && x->apply.restarted)
                        json_string(&j, NULL, "restart");
                json_end_array(&j);
                if (x->apply.message)
                        json_string(&j, "result", x->apply.message);
                if (dry_run) {
                        _cleanup_free_ char *d = change_diff(x);
                        json_string(&j, "diff", d ? d : "");
                }
                json_end_object(&j);
        }
        json_end_array(&j);
        json_begin_array(&j, "errors");
        for (char **l = errors->lines; l && *l; l++)
                json_string(&j, NULL, *l);
        json_end_array(&j);
        json_begin_array(&j, "warnings");
        for (char **l = warnings->lines; l && *l; l++)
                json_string(&j, NULL, *l);
        json_end_array(&j);
        json_end_object(&j);
        printf("%s\n", j.out.data);
        buf_free(&j.out);
}

/* After the reload: did the generator write what we predicted? */
static void check_prediction(const Context *c, const Change *x) {
        _cleanup_free_ char *now = NULL;
        _cleanup_free_ char *rel = xasprintf("%s.d/%s", x->unit, GENERATOR_DROPIN);
        if (!rel || read_generated(c, rel, &now) < 0)
                return;
        if (!streq_ptr(now, x->g ? x->g->content : NULL))
                log_warning("%s: the generator wrote something else than predicted for %s; "
                            "see 'journalctl -k -g unit-tls-generator'", x->unit, x->dropin_display);
}

static int apply_online(Context *c, Changes *cs, size_t n_changed) {
        const Args *a = c->args;
        ApplyUnit *au = calloc(n_changed, sizeof(ApplyUnit));
        size_t k = 0;
        int ret = EXIT_OK;
        if (!au)
                return EXIT_FAILURE_RUNTIME;
        for (size_t i = 0; i < cs->n; i++) {
                Change *x = &cs->items[i];
                if (!x->changed)
                        continue;
                au[k] = (ApplyUnit) {
                        .id = x->unit,
                        .file_changed = true,
                        .expect_dropin = x->g != NULL,
                        .dropin_display = x->dropin_display,
                };
                if (x->g) {
                        au[k].expect = strdup(x->g->expect);
                        if (!x->g->insecure)
                                au[k].expect_absent = strdup("NODE_TLS_REJECT_UNAUTHORIZED=0");
                }
                k++;
        }
        _cleanup_free_ char *why = NULL;
        const ApplyOptions ao = apply_options(a);
        int r = apply_units(&ao, au, n_changed, &why);
        if (r < 0) {
                log_error("cannot reach systemd to reload and restart: %s", why ? why : strerror(-r));
                ret = EXIT_FAILURE_RUNTIME;
        } else if (r > 0) {
                log_error("some units did not take the change; the configuration stays as it is: fix it and run "
                          "'unit-tls apply' again");
                ret = EXIT_FAILURE_RUNTIME;
        }
        k = 0;
        for (size_t i = 0; i < cs->n; i++) {
                Change *x = &cs->items[i];
                if (!x->changed)
                        continue;
                x->apply = au[k++];
                if (r >= 0 && x->apply.reloaded)
                        check_prediction(c, x);
                if (!a->json && x->apply.message && (!a->quiet || x->apply.failed)) {
                        if (x->apply.failed)
                                log_error("%s: %s", x->unit, x->apply.message);
                        else
                                printf("%s: %s\n", x->unit, x->apply.message);
                }
        }
        free(au);
        return ret;
}

/* apply takes its units and CA files from unit-tls.d, and writes only what the generator
 * writes: refuses (logged) the options that say otherwise. */
static bool refuse_options(const Args *a) {
        if (a->units) {
                log_error("apply: takes no unit names; it applies the configuration in /etc/unit-tls.d, "
                          "/run/unit-tls.d and /usr/lib/unit-tls.d (see unit-tls.d(5))");
                return true;
        }
        if (a->ca || a->insecure || a->url) {
                log_error("apply: takes no --ca, --insecure or --url; write them into a unit-tls.d file, or use 'unit-tls set'");
                return true;
        }
        if (a->user || a->runtime || !streq(a->drop_in, "tls.conf")) {
                log_error("apply: --user, --runtime and --drop-in do not apply: the generator writes "
                          "%s/<unit>.d/%s for the system manager", GENERATOR_NORMAL_DIR, GENERATOR_DROPIN);
                return true;
        }
        return false;
}

static void print_diffs(const Changes *cs) {
        for (size_t i = 0; i < cs->n; i++) {
                _cleanup_free_ char *d = change_diff(&cs->items[i]);
                if (d && *d)
                        fputs(d, stdout);
        }
}

/* One line per unit: unchanged, what the generator will write offline, or what --dry-run would do. */
static void log_changes(const Context *c, const Changes *cs) {
        const Args *a = c->args;

        for (size_t i = 0; i < cs->n; i++) {
                const Change *x = &cs->items[i];
                if (!x->changed)
                        log_info(a, "%s: unchanged (%s, from %s)", x->unit, x->dropin_display, x->g ? x->g->source : "?");
                else if (c->offline)
                        log_info(a, "%s: the generator will %s %s%s%s%s at the next %s; not applied (%s)", x->unit,
                                 x->g ? "write" : "no longer write", x->dropin_display, x->g ? " (from " : "",
                                 x->g ? x->g->source : "", x->g ? ")" : "",
                                 c->lp.root ? "boot of that system" : "boot or daemon-reload", c->offline_reason);
                else if (a->dry_run)
                        log_info(a, "%s: would daemon-reload (the generator %s %s%s%s), then restart %s if it is running%s",
                                 x->unit, x->g ? "writes" : "removes", x->dropin_display, x->g ? " from " : "",
                                 x->g ? x->g->source : "", x->unit, a->no_restart ? " (not with --no-restart)" : "");
        }
}

/* Shows the changes and, online and unless told not to, applies them. Returns an exit code. */
static int apply_changes(Context *c, Changes *cs, const Diags *errors, const Diags *warnings) {
        const Args *a = c->args;
        size_t n_changed = 0;
        int ret;

        for (size_t i = 0; i < cs->n; i++)
                n_changed += cs->items[i].changed;

        if (a->dry_run && !a->json)
                print_diffs(cs);

        const char *problem = !c->offline && n_changed > 0 ? generator_problem(c) : NULL;
        if (!a->json)
                log_changes(c, cs);
        if (problem && a->dry_run && !a->json)
                log_warning("%s", problem);
        if (a->dry_run || c->offline || n_changed == 0 || a->no_reload) {
                if (n_changed == 0 && !a->json)
                        log_info(a, "nothing to apply: the generated drop-ins match the configuration");
                else if (a->no_reload && !a->dry_run && !c->offline && !a->json)
                        log_info(a, "not applied (--no-reload); it takes effect at the next daemon-reload");
                if (a->json)
                        print_json(cs, errors, warnings, a->dry_run, false);
                return EXIT_OK;
        }
        if (problem) {
                log_error("%s; nothing was applied", problem);
                return EXIT_FAILURE_RUNTIME;
        }
        ret = apply_online(c, cs, n_changed);
        if (a->json)
                print_json(cs, errors, warnings, false, true);
        return ret;
}

int verb_apply(Context *c) {
        const Args *a = c->args;
        TrustConf conf = {};
        GenPlan plan = {};
        Changes cs = {};
        Diags errors = {}, warnings = {};
        int r, ret = EXIT_OK;

        if (refuse_options(a))
                return EXIT_USAGE;

        GenTarget t = { .out_dir = GENERATOR_NORMAL_DIR, .out_root = c->lp.root };
        if ((r = trustconf_load(c->lp.root, &conf, &errors)) < 0 ||
            (r = gen_plan(&c->lp, &c->index, &conf, &t, &plan, &errors, &warnings)) < 0 ||
            (r = compute_changes(c, &plan, &cs)) < 0) {
                log_error("apply: %s", strerror(-r));
                ret = EXIT_FAILURE_RUNTIME;
                goto out;
        }
        print_diags(a, &errors, &warnings);
        if (!a->quiet && !a->json && !conf.files[0])
                printf("no configuration in /etc/unit-tls.d, /run/unit-tls.d or /usr/lib/unit-tls.d: nothing for the "
                       "generator to write\n");

        ret = apply_changes(c, &cs, &errors, &warnings);
out:
        /* Entries that had to be skipped are findings, as in audit: the rest was still applied. */
        if (ret == EXIT_OK && errors.lines)
                ret = EXIT_FAILURE_RUNTIME;
        changes_done(&cs);
        gen_plan_done(&plan);
        trustconf_done(&conf);
        diags_done(&errors);
        diags_done(&warnings);
        return ret;
}
