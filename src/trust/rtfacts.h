/* SPDX-License-Identifier: MIT */
#pragma once

/* What each runtime, by version, does with the trust settings: a small const table, one row
 * per fact and version range, each row naming where it was measured (tests/probe/RUNTIMES.md).
 * Pure: no I/O except runtime_privilege_problem(), which looks at the binary's mode and file
 * capabilities. */

#include "systemd/environ.h"
#include "systemd/userdb.h"
#include "trust/runtime.h"

typedef enum RtFact {
        RT_FACT_EXTRA_CA_CERTS,         /* NODE_EXTRA_CA_CERTS adds its CAs (https and fetch) */
        RT_FACT_EXTRA_CA_PARTIAL,       /* ... for node:https only; fetch() ignores it */
        RT_FACT_EXTRA_CA_FIRST_ONLY,    /* ... only the first certificate of the file */
        RT_FACT_USE_SYSTEM_CA_ENV,      /* NODE_USE_SYSTEM_CA=1 adds the OS store */
        RT_FACT_USE_SYSTEM_CA_OPTION,   /* --use-system-ca (argv, NODE_OPTIONS) adds the OS store */
        RT_FACT_USE_SYSTEM_CA_ACCEPTED, /* --use-system-ca is accepted (else: bad option, exit 9) */
        RT_FACT_NODE_OPTIONS,           /* NODE_OPTIONS is read */
        RT_FACT_DENO_CERT,              /* DENO_CERT=FILE adds its CAs */
        RT_FACT_DENO_TLS_CA_STORE,      /* DENO_TLS_CA_STORE=mozilla,system adds the OS bundle */
        RT_FACT_OS_STORE_DEFAULT,       /* the OS store is read without being asked */
        RT_FACT_AT_SECURE,              /* setuid, or file caps other than cap_net_bind_service
                                         * when not root: the variables above are ignored */
        _RT_FACT_MAX,
} RtFact;

const char *rt_fact_to_string(RtFact f);

typedef enum RtBuild {
        RT_BUILD_ANY,
        RT_BUILD_RELEASE,               /* node: a static release build (nodejs.org, NodeSource) */
        RT_BUILD_LIBNODE,               /* node: linked against libnode.so.N (Debian's nodejs) */
} RtBuild;

typedef struct RtFactRow {
        Runtime runtime;
        RtBuild build;
        RtFact fact;
        unsigned from, until;           /* RT_V(); [from, until), until 0: no end */
        const char *source;             /* what was measured */
} RtFactRow;

extern const RtFactRow rt_fact_table[];
extern const size_t rt_fact_table_n;

/* 1 the fact holds for this runtime and version, 0 it does not (measured), -1 unknown (the
 * version could not be read, or lies below what was measured). */
int rt_fact(Runtime r, const RtVersion *v, RtFact f);
static inline int runtime_fact(const RuntimeInfo *rt, RtFact f) {
        return rt_fact(rt->runtime, &rt->version, f);
}
/* The versions where f starts, e.g. "22.19.0, 24.6.0". Caller frees. */
char *rt_fact_since(Runtime r, const RtVersion *v, RtFact f);
/* "Node.js 22.18.0", "Deno (version unknown)", "Debian's nodejs 20.19.2". Caller frees. */
char *runtime_describe(const RuntimeInfo *rt);

/* What the findings look like before inspect turns them into Findings (trust/inspect.h),
 * severity with inspect's values: 0 info, 1 warning, 2 error. */
typedef struct RtNote {
        int severity;
        const char *code;
        char *message;
} RtNote;

typedef struct RtNotes {
        RtNote *items;
        size_t n;
} RtNotes;

void rt_notes_done(RtNotes *n);

/* Findings about the trust settings in env that this runtime and version ignores or refuses
 * (a Deno variable on Node, NODE_USE_SYSTEM_CA on a Node that ignores it, ...), each naming
 * the fix. only: look at this one variable (NULL: all). extra_certs: certificates in the
 * NODE_EXTRA_CA_CERTS file (0: not known). unit names the unit in the fixes. */
int rt_env_notes(const RuntimeInfo *rt, const EnvList *env, const char *only, size_t extra_certs,
                 const char *unit, RtNotes *out);

/* The setting that makes this runtime trust the OS store in addition to its own roots (set
 * --system-store, SystemStore=yes): 0 with ret_name and ret_value set (static strings); -EOPNOTSUPP
 * with ret_why set to a refusal naming the fix (caller frees); -ENOMEM. */
int rt_system_store_setting(const RuntimeInfo *rt, const char *unit, const char **ret_name,
                            const char **ret_value, char **ret_why);

/* Why the runtime binary makes it ignore the trust variables for this service (the measured
 * AT_SECURE rule: setuid/setgid to another id, or file capabilities other than exactly
 * cap_net_bind_service when the service is not root), or NULL. shown names the binary as the
 * target sees it. Caller frees. */
char *runtime_privilege_problem(const RuntimeInfo *rt, const ServiceCred *cred, const char *shown);
