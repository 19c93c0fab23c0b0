/* SPDX-License-Identifier: MIT */
#pragma once

/* Which JavaScript runtime a service's ExecStart= runs, and facts about the node binary that
 * decide whether Node will honour NODE_EXTRA_CA_CERTS. */

#include "systemd/lookup.h"
#include "systemd/unit.h"

typedef enum Runtime {
        RUNTIME_UNKNOWN,
        RUNTIME_NODE,
        RUNTIME_BUN,
        RUNTIME_DENO,
} Runtime;

const char *runtime_to_string(Runtime r);

typedef struct RuntimeInfo {
        Runtime runtime;
        char *how;          /* e.g. "ExecStart runs /usr/bin/node", "script with a node shebang" */
        char *binary;       /* host path of the runtime binary, when found */
} RuntimeInfo;

int runtime_detect(const LookupPaths *lp, const Unit *u, RuntimeInfo *ret);
void runtime_info_done(RuntimeInfo *r);

/* Why this binary makes Node ignore NODE_EXTRA_CA_CERTS (setuid/setgid, or file capabilities
 * other than exactly cap_net_bind_service), or NULL when it does not. host_binary is examined,
 * shown (the path as the target sees it) is named in the message. Caller frees. */
char *node_binary_ignores_env(const char *host_binary, const char *shown);
