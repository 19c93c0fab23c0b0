/* SPDX-License-Identifier: MIT */
#pragma once

/* The planner: pure. Facts in (gathered by the verb from the files), a decision out: the new
 * drop-in (or its removal), the bundle, the findings, or a refusal (docs/ARCHITECTURE.md §2). */

#include "trust/inspect.h"

typedef enum PlanMode {
        PLAN_SET_CA,
        PLAN_SET_INSECURE,
        PLAN_SET_SYSTEM,                  /* trust the OS store: the runtime's own variable */
        PLAN_UNSET,
} PlanMode;

/* Everything the planner may look at. The verb fills it; nothing here does I/O. */
typedef struct PlanFacts {
        PlanMode mode;
        const Unit *unit;                 /* as loaded now */
        const Inspection *now;            /* its effective environment now */
        const char *dropin_display;       /* where our drop-in goes, as the target sees it */
        const char *old_content;          /* what is there now, NULL when absent */
        int old_error;                    /* reading it failed (not ENOENT): negative errno */
        const char *ca_value;             /* NODE_EXTRA_CA_CERTS to write (a CA file or the bundle) */
        const Findings *ca_findings;      /* from checking every CA file for this service */
        const char *node_problem;         /* setuid/caps on the node binary, or NULL */
        const char *env_name, *env_value; /* PLAN_SET_SYSTEM: the variable to write */
        const char *system_refusal;       /* PLAN_SET_SYSTEM: why this runtime cannot, or NULL */
        const Findings *runtime_findings; /* what the runtime does with the planned variable */
        bool dir_unsafe;                  /* the drop-in directory is not safe to write into */
        const char *dir_unsafe_why;
        const EnvList *planned_env;       /* effective environment with the new drop-in in place */
        const char *planned_dropin_host;  /* host path of our drop-in in the simulated load */
        bool planned_listed;              /* the simulated load lists our drop-in at all */
        bool force;
} PlanFacts;

typedef struct Plan {
        bool refused;
        Findings findings;                /* errors explain a refusal; warnings go on */
        char *new_content;                /* NULL: remove the drop-in (or nothing to write) */
        bool changed;                     /* the drop-in changes on disk */
        bool backup;                      /* keep the foreign file as a backup before writing */
} Plan;

/* Quotes a value for Environment="NAME=value" so that systemd reads back exactly value:
 * '\' and '"' escaped, '%' doubled, control characters as \xHH. NULL on out of memory. */
char *environment_quote(const char *name, const char *value);

/* The drop-in text for a mode. unset_reject adds UnsetEnvironment=NODE_TLS_REJECT_UNAUTHORIZED.
 * source_note (may be NULL) is a comment naming where the CAs came from. */
char *render_dropin(PlanMode mode, const char *ca_value, bool unset_reject, const char *source_note);

/* The drop-in for PLAN_SET_SYSTEM: NAME=value, the runtime's way to add the OS store. */
char *render_dropin_system(const char *name, const char *value, bool unset_reject);

/* Does the planned environment disable verification because of a setting elsewhere, i.e. should
 * the new drop-in carry the UnsetEnvironment= repair? */
bool plan_needs_reject_repair(const Inspection *now, const char *dropin_display);

/* What set and the generator write for one service, decided by one function for both: the
 * drop-in, the assignment that must then be in effect, what the runtime at its version does
 * with it, and whether it must also unset a NODE_TLS_REJECT_UNAUTHORIZED=0 from elsewhere. */
typedef struct PlanWriteFacts {
        PlanMode mode;                    /* PLAN_SET_CA, PLAN_SET_INSECURE or PLAN_SET_SYSTEM */
        const char *unit_id;
        const Inspection *now;            /* its environment and runtime now */
        const char *dropin_display;       /* where the drop-in goes */
        const char *ca_value;             /* PLAN_SET_CA: the CA file, or the bundle */
        char **bundle_cas;                /* PLAN_SET_CA with a bundle: its CAs, named in a comment */
        size_t n_certs;                   /* certificates in the CA files (0: not known) */
} PlanWriteFacts;

typedef struct PlanWrite {
        char *rendered;                   /* the drop-in; NULL when the runtime cannot (refusal) */
        char *expect;                     /* "NAME=value" that must be in effect */
        char *refusal;                    /* PLAN_SET_SYSTEM: why this runtime cannot, naming the fix */
        const char *sys_name, *sys_value; /* PLAN_SET_SYSTEM: the runtime's variable */
        Findings runtime;                 /* what the runtime does with the variable written */
        char *repair;                     /* the warning when the drop-in unsets a =0 from elsewhere */
} PlanWrite;

int plan_write(const PlanWriteFacts *f, PlanWrite *ret);
void plan_write_done(PlanWrite *w);

int plan_decide(const PlanFacts *f, const char *rendered, Plan *ret);
void plan_done(Plan *p);
