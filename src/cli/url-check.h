/* SPDX-License-Identifier: MIT */
#pragma once

/* set --url (url-check.c). */

#include "cli/cli.h"
#include "trust/plan.h"

typedef struct SetUrlCheck {
        bool refuse;               /* every job gets the refusal below */
        char *code;
        char *message;
        char *note;                /* printed once, e.g. why --insecure is the only way */
} SetUrlCheck;

/* Probes c->args->url with exactly the CA files the plan would write (cas: target paths) or,
 * for --insecure and --system-store, with none; says when the CA is in the OS store (os-store.h). Returns 0 (with *ret filled) or an exit code after saying why. */
int set_url_check(Context *c, PlanMode mode, char **cas, SetUrlCheck *ret);
/* Puts the refusal (if any) into one job's plan. */
void set_url_apply(const SetUrlCheck *s, Plan *p);
void set_url_check_done(SetUrlCheck *s);
