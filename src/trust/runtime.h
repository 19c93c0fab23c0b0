/* SPDX-License-Identifier: MIT */
#pragma once

/* Which JavaScript runtime a service's ExecStart= runs, and facts about the node binary that
 * decide whether Node will honour NODE_EXTRA_CA_CERTS.
 *
 * ExecStart= is followed through wrappers (env, exec, nohup, dumb-init, ...), through #! lines,
 * and through shells: a script whose #! is sh/bash/dash, `sh FILE`, `sh -c STRING`, a file a
 * shell runs without a #! line, pnpm's node_modules/.bin shims. Scripts are read as their
 * commands (trust/shell), relative paths against WorkingDirectory= and `cd`, every path inside
 * the root. Bounded: scripts up to RUNTIME_SCRIPT_MAX bytes, RUNTIME_SHELL_DEPTH shell levels,
 * RUNTIME_FILES_MAX files read and RUNTIME_LOOKUPS_MAX programs looked up per service; no FIFO
 * or device is opened for reading. */

#include "systemd/lookup.h"
#include "trust/rtversion.h"
#include "systemd/unit.h"
#include "systemd/userdb.h"

#define RUNTIME_SCRIPT_MAX (64 * 1024)
#define RUNTIME_SHELL_DEPTH 2     /* ExecStart='s shell, and one shell script it runs */
#define RUNTIME_FILES_MAX 32
#define RUNTIME_LOOKUPS_MAX 128   /* programs looked up in PATH or on disk per service */

typedef enum Runtime {
        RUNTIME_UNKNOWN,          /* unit-tls cannot tell */
        RUNTIME_NODE,
        RUNTIME_BUN,
        RUNTIME_DENO,
        RUNTIME_OTHER,            /* positive evidence of another runtime: see RuntimeInfo.other */
} Runtime;

const char *runtime_to_string(Runtime r);

typedef struct RuntimeInfo {
        Runtime runtime;
        /* The chain that decided, e.g. "ExecStart= runs /opt/homarr/run.sh, which runs node at
         * line 3 (/etc/systemd/system/homarr.service:9)"; for unknown, as far as it could be
         * followed. NULL when there is no ExecStart=. */
        char *how;
        char *binary;             /* host path of the runtime binary, when found */
        const char *other;        /* RUNTIME_OTHER: "Python", "Java", "a Go program", ... */
        RtVersion version;        /* read from binary's bytes (rtversion.h); .known false when not */
} RuntimeInfo;

/* cred gives the home directory for WorkingDirectory=~ (may be NULL). 0 or -ENOMEM. */
int runtime_detect(const LookupPaths *lp, const Unit *u, const ServiceCred *cred, RuntimeInfo *ret);
void runtime_info_done(RuntimeInfo *r);

/* The runtime a program of this name (a file name, no directory) is, or RUNTIME_UNKNOWN. */
Runtime runtime_of_name(const char *name);
/* Another language's runtime this name is ("Python", ...), or NULL. */
const char *runtime_other_of_name(const char *name);

