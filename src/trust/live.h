/* SPDX-License-Identifier: MIT */
#pragma once

/* The loaded and running levels of status and audit: what systemd holds and
 * what the main process was started with, compared with what the files say. */

#include "systemd/bus.h"
#include "trust/inspect.h"
#include "basic/json.h"

typedef struct Live {
        bool checked;              /* systemd was asked */
        UnitState state;
        char **running_tls;        /* TLS variables of the main process, "NAME=VALUE" */
        int running_error;         /* reading /proc failed: negative errno */
} Live;

/* Reads the unit's live state and adds "stale" findings to in (and sets its verdict) when
 * systemd's loaded configuration or the running process differ from the files. */
int live_check(const BusOps *ops, void *ctx, const Unit *u, Inspection *in, Live *ret);
void live_done(Live *l);
void live_print_json(Json *j, const Live *l);
void live_print_text(const Live *l);
