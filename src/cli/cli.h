/* SPDX-License-Identifier: MIT */
#pragma once

/* What the command line asked for, shared by main.c and the verbs. */

#include "trust/apply.h"
#include "trust/inspect.h"
#include "basic/json.h"
#include "systemd/bus.h"
#include "systemd/lookup.h"
#include "systemd/manager-env.h"
#include "systemd/unit.h"

enum {
        EXIT_OK = 0,
        EXIT_FAILURE_RUNTIME = 1,  /* a write, D-Bus or restart failure; for status/audit: findings */
        EXIT_USAGE = 2,            /* bad usage or refused input; nothing changed */
};

typedef struct Args {
        char **units;          /* completed unit names */
        char **words;          /* the verb's arguments as typed (probe takes a URL, not a unit) */
        char **ca;             /* --ca, in order */
        const char *url;
        const char *root;
        const char *drop_in;   /* file name, default "tls.conf" */
        unsigned systemd_version; /* --systemd-version, 0: detect */
        bool insecure, system_store, dry_run, user, runtime, no_reload, no_restart, no_rollback, force,
                no_ask_password, json, quiet;
} Args;

/* The environment of one invocation: the search path and the name map, built once. */
typedef struct Context {
        Args *args;
        LookupPaths lp;
        UnitIndex index;
        bool offline;          /* write only: --root, DPKG_ROOT, SYSTEMD_OFFLINE=1, not booted */
        const char *offline_reason;
        ManagerEnv manager;    /* the service manager's environment, after context_load_manager() */
        bool manager_loaded;
        char *manager_why;     /* online, why the running manager's Environment was not read */
} Context;

int context_init(Context *c, Args *a);
/* Builds c->manager once: the files always; online also the running manager's Environment over
 * ops/bus (bus NULL and ops NULL: a connection of its own; ops non-NULL and bus NULL: none), the
 * kernel command line and /proc/1/environ. 0 or -ENOMEM. */
int context_load_manager(Context *c, const BusOps *ops, void *bus);

void context_done(Context *c);

static inline ApplyOptions apply_options(const Args *a) {
        return (ApplyOptions) { .user = a->user, .ask_password = !a->no_ask_password, .no_restart = a->no_restart };
}

/* Error and message output: "unit-tls: ..." and "unit-tls: warning: ..." on stderr, one line
 * each, control characters shown as \xHH; info only without --quiet/--json. Whether a warning is
 * shown under --quiet is the caller's choice. */
void log_error(const char *fmt, ...) _printf_(1, 2);
void log_warning(const char *fmt, ...) _printf_(1, 2);
void log_note(const Args *a, const char *fmt, ...) _printf_(2, 3);  /* stderr, silent with -q */
void log_info(const Args *a, const char *fmt, ...) _printf_(2, 3);

int verb_status(Context *c);
int verb_audit(Context *c);
int verb_probe(Context *c);
int verb_apply(Context *c);
int verb_dump(Context *c);
int verb_set(Context *c);
int verb_unset(Context *c);
