/* SPDX-License-Identifier: MIT */
#pragma once

#include "trust/managed.h"

/* What unit-tls-generator writes for a configuration (unit-tls.d(5)): per unit a drop-in
 * "<id>.d/50-unit-tls.conf" in the generator's normal directory, rendered by the same code as
 * `set` (render_dropin), with the same CA checks (check_ca_path); a CA that would be refused is
 * left out and said so. Used by the generator and by `unit-tls apply`, which must predict it. */

#include "trust/inspect.h"
#include "trust/trustconf.h"
#include "systemd/unit.h"

#define GENERATOR_DROPIN "50-unit-tls.conf"
#define GENERATOR_BUNDLE_DIR "unit-tls"                /* inside the output directory */
#define GENERATOR_NORMAL_DIR "/run/systemd/generator"  /* where PID 1 has it write */

typedef struct GenUnit {
        char *unit;              /* the real unit's id */
        char *source;            /* "file:line" of the config section */
        char *dropin;            /* relative to the output directory */
        char *content;
        char *bundle;            /* relative to the output directory, or NULL */
        char *bundle_content;
        char *expect;            /* the assignment the service gets, "NAME=value" */
        bool insecure;
} GenUnit;

typedef struct GenPlan {
        GenUnit *units;          /* sorted by unit id */
        size_t n;
} GenPlan;

typedef struct GenTarget {
        const char *out_dir;     /* the normal output directory as services see it */
        const char *out_root;    /* the tree out_dir lies in, for the bundle's access checks; NULL: host */
} GenTarget;

/* Plans every entry of conf against the units of ix. Entries that cannot be used go to errors
 * ("file:line: unit: why; ..."), facts worth knowing about written ones to warnings. Returns 0
 * or -ENOMEM. */
int gen_plan(const LookupPaths *lp, const UnitIndex *ix, const TrustConf *conf, const GenTarget *t,
             GenPlan *ret, Diags *errors, Diags *warnings);
void gen_plan_done(GenPlan *p);
const GenUnit *gen_plan_find(const GenPlan *p, const char *unit);

/* Writes the plan below the directory out_fd (directories 0755, files 0644, atomically). A file
 * that cannot be written is diagnosed and the others are still written. Returns how many failed. */
int gen_write(int out_fd, const GenPlan *p, Diags *errors);
