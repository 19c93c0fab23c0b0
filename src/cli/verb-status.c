/* SPDX-License-Identifier: MIT */
#include "cli/cli.h"
#include "cli/report.h"
#include "trust/live.h"
#include "basic/json.h"
#include "systemd/unit-name.h"

static void print_text(const Context *c, const Unit *u, const Inspection *in, const Live *live) {
        const LookupPaths *lp = &c->lp;
        printf("%s\n", u->id);
        if (u->load_state != LOAD_LOADED && u->load_state != LOAD_ERROR && u->load_state != LOAD_BAD_SETTING) {
                printf("  load state: %s\n", load_state_to_string(u->load_state));
        } else {
                printf("  fragment:   %s\n", lookup_display_path(lp, u->fragment));
                for (char **d = u->dropins; d && *d; d++)
                        printf("  %s %s\n", d == u->dropins ? "drop-ins:  " : "           ", lookup_display_path(lp, *d));
                const RtVersion *rv = &in->runtime.version;
                printf("  runtime:    %s%s%s%s%s%s%s\n", runtime_to_string(in->runtime.runtime),
                       rv->known ? " " : "", rv->known ? rv->text : "",
                       rv->shared_libnode ? " (Debian's build, libnode)" : "",
                       in->runtime.how ? " (" : "", in->runtime.how ? in->runtime.how : "", in->runtime.how ? ")" : "");
                printf("  user:       %s\n", in->cred.user ? in->cred.user : "root");
                bool any = false;
                for (const char *const *v = tls_variables; *v; v++) {
                        const EnvEntry *e = env_list_get(&in->env, *v);
                        if (!e)
                                continue;
                        printf("  %s %s  (%s)\n", any ? "           " : "environment:", e->assignment, e->source);
                        any = true;
                }
                if (!any)
                        printf("  environment: no TLS settings\n");
                if (in->have_ca)
                        for (size_t i = 0; i < in->ca.n_certs; i++) {
                                const CertInfo *ci = &in->ca.certs[i];
                                char date[32];
                                struct tm tm;
                                strftime(date, sizeof(date), "%Y-%m-%d", gmtime_r(&ci->not_after, &tm));
                                printf("  %s %s, %s, expires %s\n", i == 0 ? "CA file:   " : "           ",
                                       ci->subject, ci->is_ca ? "CA" : ci->self_signed ? "self-signed" : "not a CA", date);
                        }
        }
        live_print_text(live);
        for (size_t i = 0; i < in->findings.n; i++)
                printf("  %s: %s\n", severity_to_string(in->findings.items[i].severity), in->findings.items[i].message);
        printf("  verdict:    %s\n", verdict_to_string(in->verdict));
}

/* Online, the loaded and running levels come from systemd; offline only the files speak. */
static void *open_live(const Context *c) {
        if (c->offline)
                return NULL;
        void *ctx = bus_sdbus_new();
        const char *why = NULL;
        if (ctx && bus_ops_sdbus.connect(ctx, c->args->user, false, &why) < 0) {
                if (!c->args->quiet && !c->args->json)
                        log_warning("%s; showing what the files say only", why);
                bus_ops_sdbus.close(ctx);
                return NULL;
        }
        return ctx;
}

/* One unit: loaded, inspected, its live state read, and shown (in text, or added to j). *ret
 * becomes the exit code the unit calls for. */
static void status_one(Context *c, void *bus, const char *n, bool listing, Json *j, int *ret) {
        const Args *a = c->args;
        _cleanup_unit_ Unit *u = NULL;
        Inspection in = {};
        int r = unit_load_booted(&c->index, n, &u);
        if (r < 0) {
                log_error("%s: %s", n, strerror(-r));
                *ret = EXIT_FAILURE_RUNTIME;
                return;
        }
        if (u->load_state == LOAD_NOT_FOUND && !a->json) {
                log_error("%s: unit not found in the unit search path%s%s; check the name with "
                          "'systemctl list-unit-files'", u->name, c->lp.root ? " under " : "",
                          c->lp.root ? c->lp.root : "");
                *ret = EXIT_USAGE;
                return;
        }
        if ((r = inspect_unit(&c->lp, &c->manager, u, &in)) < 0) {
                log_error("%s: %s", n, strerror(-r));
                *ret = EXIT_FAILURE_RUNTIME;
                return;
        }
        if (listing && (u->load_state != LOAD_LOADED || !streq(u->id, n) || !tls_relevant(&in))) {
                inspection_done(&in);
                return;
        }
        Live live = {};
        if (bus && u->load_state == LOAD_LOADED && (r = live_check(&bus_ops_sdbus, bus, u, &in, &live)) < 0) {
                log_error("%s: %s", n, strerror(-r));
                *ret = EXIT_FAILURE_RUNTIME;
        }
        if (findings_have(&in.findings, SEV_WARNING) && *ret == EXIT_OK)
                *ret = EXIT_FAILURE_RUNTIME;
        if (u->load_state == LOAD_NOT_FOUND)
                *ret = EXIT_USAGE;
        if (a->json) {
                json_begin_object(j, NULL);
                print_unit_json(j, &c->lp, u, &in, NULL);
                live_print_json(j, &live);
                json_end_object(j);
        } else
                print_text(c, u, &in, &live);
        inspection_done(&in);
        live_done(&live);
}

int verb_status(Context *c) {
        Args *a = c->args;
        Json j = {};
        int ret = EXIT_OK;
        void *bus = open_live(c);
        if (context_load_manager(c, &bus_ops_sdbus, bus) < 0) {
                log_error("out of memory");
                if (bus)
                        bus_ops_sdbus.close(bus);
                return EXIT_FAILURE_RUNTIME;
        }
        /* Without names: every service that has a TLS setting. */
        _cleanup_strv_free_ char **all = NULL;
        bool listing = !a->units;
        if (listing && collect_service_names(c, &all) < 0)
                return EXIT_FAILURE_RUNTIME;
        char **names = listing ? all : a->units;

        if (a->json) {
                json_begin_object(&j, NULL);
                json_begin_array(&j, "units");
        }
        for (char **n = names; n && *n; n++)
                status_one(c, bus, *n, listing, &j, &ret);
        if (a->json) {
                json_end_array(&j);
                json_end_object(&j);
                printf("%s\n", j.out.data);
                buf_free(&j.out);
        }
        if (bus)
                bus_ops_sdbus.close(bus);
        return ret;
}

/* The unit model in systemd --test's words, for the oracle suite. */
int verb_dump(Context *c) {
        for (char **n = c->args->units; *n; n++) {
                _cleanup_unit_ Unit *u = NULL;
                if (unit_name_classify(*n) == UNIT_NAME_TEMPLATE) {
                        /* PID 1 never loads a template by itself, only its instances. */
                        log_error("%s: a template is loaded only through its instances, e.g. %.*s@x.%s", *n,
                                  (int) strcspn(*n, "@"), *n, unit_name_type(*n));
                        return EXIT_FAILURE_RUNTIME;
                }
                int r = unit_load(&c->index, *n, &u);
                if (r < 0) {
                        log_error("%s: %s", *n, strerror(-r));
                        return EXIT_FAILURE_RUNTIME;
                }
                printf("Unit Load State: %s\n", load_state_to_string(u->load_state));
                if (u->load_state == LOAD_NOT_FOUND)
                        continue;
                if (u->fragment)
                        printf("Fragment Path: %s\n", lookup_display_path(&c->lp, u->fragment));
                for (char **d = u->dropins; d && *d; d++)
                        printf("DropIn Path: %s\n", lookup_display_path(&c->lp, *d));
                if (u->load_state != LOAD_LOADED)
                        continue;
                for (size_t i = 0; i < u->environment.n; i++)
                        printf("Environment: %s\n", u->environment.entries[i].assignment);
                for (size_t i = 0; i < u->n_env_files; i++)
                        printf("EnvironmentFile: %s%s\n", u->env_files[i].ignore_errors ? "-" : "", u->env_files[i].path);
                for (char **x = u->unset_environment; x && *x; x++)
                        printf("UnsetEnvironment: %s\n", *x);
        }
        return EXIT_OK;
}
