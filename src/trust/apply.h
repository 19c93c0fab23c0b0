/* SPDX-License-Identifier: MIT */
#pragma once

/* Applying written drop-ins to a running systemd (docs/ARCHITECTURE.md §2): one daemon-reload, restarts
 * of the running units with jobs matched by path, and the proof that systemd and the new
 * process really have the setting. */

#include "systemd/bus.h"

typedef struct ApplyUnit {
        const char *id;
        bool file_changed;          /* the drop-in changed on disk in this run */
        char *expect;               /* assignment that must be in effect ("NAME=value"), or NULL */
        char *expect_absent;        /* an assignment that must not be in effect, or NULL */
        bool expect_dropin;         /* our drop-in must be listed (false for unset) */
        const char *dropin_display;
        bool restart_anyway;        /* rollback: restart it even if not running (our restart stopped it) */

        /* results */
        bool reloaded, restarted, inactive, verified_loaded, verified_running, failed;
        char *message;              /* one line: what happened */
} ApplyUnit;

typedef struct ApplyOptions {
        bool user, ask_password, no_restart;
} ApplyOptions;

/* Reloads once if any unit needs it, restarts what must be restarted, verifies. Returns 0
 * when every unit is verified, 1 when some failed (each unit's message says why), < 0 when
 * systemd could not be reached or reloaded (*ret_why says it in words). */
int apply_units_with(const BusOps *ops, void *ctx, const ApplyOptions *o, ApplyUnit *units, size_t n,
                     const char **ret_why);
/* The same on the system's (or the user's) bus; *ret_why is the caller's to free. */
int apply_units(const ApplyOptions *o, ApplyUnit *units, size_t n, char **ret_why);
void apply_unit_done(ApplyUnit *u);
/* Only a daemon-reload (a template with no loaded instance). */
int apply_reload_only(const ApplyOptions *o, char **ret_why);
