/* SPDX-License-Identifier: MIT */
/* apply_units_with() against a fake bus: the error paths a real systemd rarely shows on
 * demand. The happy paths are proven against a real systemd in tests/integration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "trust/apply.h"

typedef struct Fake {
        int connect_error, reload_error, restart_error;
        const char *active;           /* ActiveState */
        const char *job_result;       /* what the restart job ends with */
        bool environ_has;             /* the new process has the assignment */
        bool environ_unreadable;
        bool need_reload_after;       /* systemd still wants a reload after Reload() */
        unsigned reloads, restarts, reads, reads_before_reload, resets, resets_before_restart;
        bool reloaded;
} Fake;

static int f_connect(void *ctx, bool user, bool ask, const char **why) {
        Fake *f = ctx;
        if (f->connect_error)
                *why = "no bus";
        return f->connect_error;
}

static void f_read_state(Fake *f, UnitState *s) {
        f->reads++;
        if (!f->reloaded)
                f->reads_before_reload++;
        unit_state_done(s);
        s->loaded = true;
        s->active_state = strdup(f->active);
        s->result = strdup(streq(f->job_result, "done") ? "success" : "exit-code");
        s->main_pid = streq(f->active, "active") ? 4242 : 0;
        s->need_reload = f->reloaded ? f->need_reload_after : true;
        if (f->reloaded) {
                strv_extend(&s->environment, "NODE_EXTRA_CA_CERTS=/ca.pem");
                strv_extend(&s->dropins, "/etc/systemd/system/x.service.d/tls.conf");
        }
}

static int f_read_states(void *ctx, char **ids, bool load, UnitState *st, const char **why) {
        for (size_t i = 0; ids[i]; i++)
                f_read_state(ctx, &st[i]);
        return 0;
}

static int f_reload(void *ctx, const char **why) {
        Fake *f = ctx;
        f->reloads++;
        if (f->reload_error) {
                *why = "reload refused";
                return f->reload_error;
        }
        f->reloaded = true;
        return 0;
}

static int f_restart(void *ctx, char **ids, char **results, const char **why) {
        Fake *f = ctx;
        if (f->restart_error) {
                *why = "lost the connection";
                return f->restart_error;
        }
        for (size_t i = 0; ids[i]; i++) {
                f->restarts++;
                results[i] = strdup(f->job_result);
        }
        f->active = streq(f->job_result, "done") ? "active" : "failed";
        return 0;
}

static int f_reset_failed(void *ctx, const char *id) {
        Fake *f = ctx;
        f->resets++;
        if (f->restarts == 0)
                f->resets_before_restart++;
        return 0;
}

static int f_environ_has(void *ctx, uint32_t pid, const char *a) {
        Fake *f = ctx;
        if (f->environ_unreadable)
                return -EACCES;
        if (startswith(a, "NODE_TLS_REJECT_UNAUTHORIZED"))
                return 0;
        return f->environ_has;
}

static const BusOps fake_ops = {
        .connect = f_connect,
        .read_states = f_read_states,
        .reload = f_reload,
        .restart = f_restart,
        .reset_failed = f_reset_failed,
        .environ_has = f_environ_has,
};


static ApplyUnit unit(void) {
        return (ApplyUnit) {
                .id = "x.service",
                .file_changed = true,
                .expect = strdup("NODE_EXTRA_CA_CERTS=/ca.pem"),
                .expect_absent = strdup("NODE_TLS_REJECT_UNAUTHORIZED=0"),
                .expect_dropin = true,
                .dropin_display = "/etc/systemd/system/x.service.d/tls.conf",
        };
}

static const ApplyOptions opts = { .ask_password = false };

/* A rollback restarts a unit the failed restart left failed: its failed state and start rate
 * limit are reset first (systemd 257 keeps the limit across the reload); a plain apply resets
 * nothing. */
static void test_rollback_resets_failed(void **state) {
        Fake f = { .active = "failed", .job_result = "done", .environ_has = true };
        ApplyUnit u = unit();
        u.restart_anyway = true;
        const char *why = NULL;
        assert_int_equal(apply_units_with(&fake_ops, &f, &opts, &u, 1, &why), 0);
        assert_int_equal(f.resets, 1);
        assert_int_equal(f.resets_before_restart, 1);
        assert_int_equal(f.restarts, 1);
        apply_unit_done(&u);

        Fake g = { .active = "active", .job_result = "done", .environ_has = true };
        ApplyUnit v = unit();
        assert_int_equal(apply_units_with(&fake_ops, &g, &opts, &v, 1, &why), 0);
        assert_int_equal(g.resets, 0);
        apply_unit_done(&v);
}

static void test_success(void **state) {
        Fake f = { .active = "active", .job_result = "done", .environ_has = true };
        ApplyUnit u[3] = { unit(), unit(), unit() };
        const char *why = NULL;
        assert_int_equal(apply_units_with(&fake_ops, &f, &opts, u, 3, &why), 0);
        assert_int_equal(f.reloads, 1);  /* one reload for all units */
        assert_int_equal(f.restarts, 3);
        for (int i = 0; i < 3; i++) {
                assert_true(u[i].verified_loaded && u[i].verified_running && !u[i].failed);
                assert_non_null(strstr(u[i].message, "verified"));
                apply_unit_done(&u[i]);
        }
}

/* A changed file means a reload in any case: the states before it are not read. With no file
 * changed and systemd up to date, nothing is reloaded or restarted. */
static void test_reads_before_reload(void **state) {
        Fake f = { .active = "active", .job_result = "done", .environ_has = true };
        ApplyUnit u[2] = { unit(), unit() };
        u[0].file_changed = false;
        const char *why = NULL;
        assert_int_equal(apply_units_with(&fake_ops, &f, &opts, u, 2, &why), 0);
        assert_int_equal(f.reads_before_reload, 0);
        assert_int_equal(f.reloads, 1);
        for (int i = 0; i < 2; i++)
                apply_unit_done(&u[i]);

        Fake g = { .active = "active", .job_result = "done", .environ_has = true, .reloaded = true };
        ApplyUnit v = unit();
        v.file_changed = false;
        assert_int_equal(apply_units_with(&fake_ops, &g, &opts, &v, 1, &why), 0);
        assert_int_equal(g.reads, 1);
        assert_int_equal(g.reloads + g.restarts, 0);
        assert_non_null(strstr(v.message, "already in place"));
        apply_unit_done(&v);

        Fake h = { .active = "active", .job_result = "done", .environ_has = true };
        ApplyUnit w = unit();
        w.file_changed = false;  /* but systemd still has the old files loaded */
        assert_int_equal(apply_units_with(&fake_ops, &h, &opts, &w, 1, &why), 0);
        assert_int_equal(h.reads_before_reload, 1);
        assert_int_equal(h.reloads, 1);
        apply_unit_done(&w);
}

static void test_connect_failure(void **state) {
        Fake f = { .connect_error = -ECONNREFUSED, .active = "active", .job_result = "done" };
        ApplyUnit u = unit();
        const char *why = NULL;
        assert_int_equal(apply_units_with(&fake_ops, &f, &opts, &u, 1, &why), -ECONNREFUSED);
        assert_string_equal(why, "no bus");
        assert_int_equal(f.reloads + f.restarts, 0);
        apply_unit_done(&u);
}

static void test_reload_failure(void **state) {
        Fake f = { .reload_error = -EACCES, .active = "active", .job_result = "done" };
        ApplyUnit u = unit();
        const char *why = NULL;
        assert_int_equal(apply_units_with(&fake_ops, &f, &opts, &u, 1, &why), -EACCES);
        assert_string_equal(why, "reload refused");
        assert_int_equal(f.restarts, 0);  /* nothing restarted on a failed reload */
        apply_unit_done(&u);
}

static void test_restart_failure(void **state) {
        Fake f = { .active = "active", .job_result = "failed", .environ_has = true };
        ApplyUnit u = unit();
        const char *why = NULL;
        assert_int_equal(apply_units_with(&fake_ops, &f, &opts, &u, 1, &why), 1);
        assert_true(u.failed);
        assert_non_null(strstr(u.message, "restart failed (job failed, service result exit-code)"));
        assert_non_null(strstr(u.message, "journalctl -xeu x.service"));
        apply_unit_done(&u);
}

static void test_process_lacks_variable(void **state) {
        Fake f = { .active = "active", .job_result = "done", .environ_has = false };
        ApplyUnit u = unit();
        const char *why = NULL;
        assert_int_equal(apply_units_with(&fake_ops, &f, &opts, &u, 1, &why), 1);
        assert_non_null(strstr(u.message, "does not have NODE_EXTRA_CA_CERTS=/ca.pem"));
        apply_unit_done(&u);
}

static void test_still_needs_reload(void **state) {
        Fake f = { .active = "active", .job_result = "done", .environ_has = true, .need_reload_after = true };
        ApplyUnit u = unit();
        const char *why = NULL;
        assert_int_equal(apply_units_with(&fake_ops, &f, &opts, &u, 1, &why), 1);
        assert_false(u.verified_loaded);
        assert_int_equal(f.restarts, 0);
        assert_non_null(strstr(u.message, "still needs a daemon-reload"));
        apply_unit_done(&u);
}

static void test_inactive_not_started(void **state) {
        Fake f = { .active = "inactive", .job_result = "done" };
        ApplyUnit u = unit();
        const char *why = NULL;
        assert_int_equal(apply_units_with(&fake_ops, &f, &opts, &u, 1, &why), 0);
        assert_int_equal(f.restarts, 0);
        assert_true(u.inactive);
        assert_non_null(strstr(u.message, "applies at its next start"));
        apply_unit_done(&u);
}

static void test_no_restart(void **state) {
        Fake f = { .active = "active", .job_result = "done", .environ_has = false };
        ApplyOptions o = { .no_restart = true };
        ApplyUnit u = unit();
        const char *why = NULL;
        assert_int_equal(apply_units_with(&fake_ops, &f, &o, &u, 1, &why), 0);
        assert_int_equal(f.restarts, 0);
        assert_non_null(strstr(u.message, "--no-restart"));
        apply_unit_done(&u);
}

static void test_unreadable_process(void **state) {
        Fake f = { .active = "active", .job_result = "done", .environ_unreadable = true };
        ApplyUnit u = unit();
        const char *why = NULL;
        assert_int_equal(apply_units_with(&fake_ops, &f, &opts, &u, 1, &why), 0);
        assert_non_null(strstr(u.message, "not readable"));
        apply_unit_done(&u);
}

static void test_restart_connection_lost(void **state) {
        Fake f = { .active = "active", .job_result = "done", .restart_error = -ECONNRESET };
        ApplyUnit u = unit();
        const char *why = NULL;
        assert_int_equal(apply_units_with(&fake_ops, &f, &opts, &u, 1, &why), -ECONNRESET);
        assert_string_equal(why, "lost the connection");
        apply_unit_done(&u);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_success),
                cmocka_unit_test(test_reads_before_reload),
                cmocka_unit_test(test_rollback_resets_failed),
                cmocka_unit_test(test_connect_failure),
                cmocka_unit_test(test_reload_failure),
                cmocka_unit_test(test_restart_failure),
                cmocka_unit_test(test_process_lacks_variable),
                cmocka_unit_test(test_still_needs_reload),
                cmocka_unit_test(test_inactive_not_started),
                cmocka_unit_test(test_no_restart),
                cmocka_unit_test(test_unreadable_process),
                cmocka_unit_test(test_restart_connection_lost),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
