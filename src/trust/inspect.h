/* SPDX-License-Identifier: MIT */
#pragma once

/* What a service's files say about its TLS trust, checked: the effective environment with
 * provenance, the runtime, the CA file, who can read it, and a verdict. Reads
 * files under the target root; talks to no bus. */

#include "tls/ca-check.h"
#include "trust/managed.h"
#include "trust/runtime.h"
#include "systemd/manager-env.h"
#include "systemd/unit.h"
#include "systemd/userdb.h"


typedef enum Severity {
        SEV_INFO,
        SEV_WARNING,
        SEV_ERROR,
} Severity;

const char *severity_to_string(Severity s);

typedef struct Finding {
        Severity severity;
        char *code;       /* stable identifier, e.g. "insecure", "ca-unreadable" */
        char *message;    /* one line: the problem and the fix */
} Finding;

typedef struct Findings {
        Finding *items;
        size_t n;
} Findings;

void findings_add(Findings *f, Severity s, const char *code, const char *fmt, ...) _printf_(4, 5);
void findings_done(Findings *f);
bool findings_have(const Findings *f, Severity at_least);

/* What the audit and status say about a service's trust, worst first: audit lists in this order. */
typedef enum Verdict {
        VERDICT_INSECURE,
        VERDICT_BROKEN,
        VERDICT_STALE,
        VERDICT_SHADOWED,
        VERDICT_NOT_NODE,
        VERDICT_UNKNOWN,
        VERDICT_UNMANAGED,
        VERDICT_OK,
} Verdict;

const char *verdict_to_string(Verdict v);  /* "insecure", "broken", ..., "ok" */

typedef struct Inspection {
        EnvList env;              /* effective Environment= + EnvironmentFile= - UnsetEnvironment=; borrows
                                   * strings of the unit's and the manager's lists: valid while they are */
        RuntimeInfo runtime;
        ServiceCred cred;
        Findings findings;
        Verdict verdict;
        char *managed_dropin;     /* host path of a unit-tls drop-in in effect, if any */
        CaReport ca;
        bool have_ca;
} Inspection;

/* The TLS-relevant variables, in the order they are shown. */
extern const char *const tls_variables[];
/* Does l set one of tls_variables (with own_only, other than from the manager's environment)? */
bool env_has_tls_variable(const EnvList *l, bool own_only);

/* m: the service manager's environment (NULL: leave it out, as the generator does). */
int inspect_unit(const LookupPaths *lp, const ManagerEnv *m, const Unit *u, Inspection *ret);
/* With only_relevant, a unit without any TLS setting of its own or unit-tls drop-in gets only its
 * environment, the manager-wide findings and a verdict (audit's fast path). */
int inspect_unit_full(const LookupPaths *lp, const ManagerEnv *m, const Unit *u, bool only_relevant,
                      Inspection *ret);
void inspection_done(Inspection *i);

/* Builds the service's effective environment in systemd's precedence: the manager environment
 * (m->environment), then PassEnvironment= taken from PID 1's (m->pid1), Environment=,
 * EnvironmentFile= (files read under the root, as PID 1 reads them at start), and
 * UnsetEnvironment= last. m may be NULL. Problems go to findings. */
int effective_environment(const LookupPaths *lp, const ManagerEnv *m, const Unit *u, EnvList *ret,
                          Findings *findings);

/* How to remove a value that comes from the manager environment (source ends in MANAGER_WIDE),
 * as one clause for a finding: "run 'systemctl unset-environment NAME'", "remove it from FILE and
 * run 'systemctl daemon-reload'", ... NULL on out of memory. */
char *manager_fix_hint(const char *source, const char *name);

/* The finding about the manager environment itself, for audit: an insecure manager-wide value
 * (code "manager-insecure"), with how many of the scanned services it reaches. */
void manager_findings(const ManagerEnv *m, size_t reached, size_t scanned, Findings *out);

/* Checks a CA file path for use as NODE_EXTRA_CA_CERTS by this service: exists, is a sane PEM
 * file of anchors (ca-check), readable by cred through every directory, and not hidden by the
 * unit's sandboxing. Adds findings (errors for what cannot work) and fills *report. */
int check_ca_path(const LookupPaths *lp, const Unit *u, const ServiceCred *cred, const char *path,
                  CaReport *report, Findings *findings);

/* The service's credentials from its unit (User=, Group=, ...). */
int unit_cred(const LookupPaths *lp, const Unit *u, ServiceCred *ret);



/* The unit's sandboxing that hides path (as the target sees it) from the service, as a
 * message, or NULL. */
char *sandbox_hides_path(const LookupPaths *lp, const Unit *u, const char *path);

/* Reads a file of the target system (path as the target sees it, symlinks resolved inside the
 * root). */
int read_target_file(const LookupPaths *lp, const char *path, size_t max, char **ret, size_t *ret_size);

/* The first directory on the way to host path (under root) that cred cannot search, or the
 * file itself when it cannot read it; NULL when all is well. Missing components are skipped. */
char *path_unreadable_by(const LookupPaths *lp, const ServiceCred *cred, const char *host);
