/* SPDX-License-Identifier: MIT */
#pragma once

/* Applying written drop-ins to a running systemd over D-Bus (DESIGN.md §6): one daemon-reload,
 * restarts of the active units with jobs matched by path, and verification that systemd and
 * the new process really have the setting. */

#include "cli.h"

typedef struct ApplyUnit {
        const char *id;
        bool file_changed;          /* the drop-in changed on disk in this run */
        char *expect;               /* assignment that must be in effect ("NAME=value"), or NULL */
        char *expect_absent;        /* a variable that must not be in effect, or NULL */
        bool expect_dropin;         /* our drop-in must be listed (false for unset) */
        const char *dropin_display;

        /* results */
        bool reloaded, restarted, inactive, verified_loaded, verified_running, failed;
        char *message;              /* one line: what happened */
} ApplyUnit;

/* The operations unit-tls needs from systemd, behind a table so unit tests can inject
 * failures (STYLE.md habit 10). The real one is sd-bus. */
typedef struct BusOps BusOps;

/* Reloads once if any unit needs it, restarts what must be restarted, verifies. Returns 0
 * when all units are verified, 1 when some failed (each unit's message says why), < 0 when
 * systemd could not be reached (errno; *ret_why says it in words). */
int apply_units(const Args *a, ApplyUnit *units, size_t n, const char **ret_why);
