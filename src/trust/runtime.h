/* SPDX-License-Identifier: MIT */
#pragma once

/* Which JavaScript runtime a service's ExecStart= runs, and facts about the node binary that
 * decide whether Node will honour NODE_EXTRA_CA_CERTS. */

#include "systemd/lookup.h"
#include "trust/rtversion.h"
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
        RtVersion version;  /* read from binary's bytes (rtversion.h); .known false when not */
} RuntimeInfo;

int runtime_detect(const LookupPaths *lp, const Unit *u, RuntimeInfo *ret);
void runtime_info_done(RuntimeInfo *r);
