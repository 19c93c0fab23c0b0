/* SPDX-License-Identifier: MIT */
#pragma once

/* The unit search path of systemd 252 and 257 as Debian 12 and 13 build them. */

#include "basic/util.h"

typedef enum LookupScope {
        SCOPE_SYSTEM,
        SCOPE_USER,
} LookupScope;

typedef struct LookupPaths {
        LookupScope scope;
        unsigned version;         /* the systemd whose rules apply (systemd/version.h) */
        char *root;               /* --root, without trailing '/', or NULL */
        char **search_path;       /* host paths (root-prefixed), highest priority first */
        char **resolved;          /* the same directories with symlinks resolved (within root) */
        char *persistent_config;  /* host path of /etc/systemd/system or ~/.config/systemd/user */
        char *runtime_config;     /* host path of /run/systemd/system or $XDG_RUNTIME_DIR/systemd/user */
} LookupPaths;

/* Builds the search path of systemd version (0: the one installed in root, else on this host,
 * else the newest unit-tls knows). root may be NULL. $SYSTEMD_UNIT_PATH replaces the list (a trailing
 * ':' appends the defaults), as in systemd; it is prefixed with root too.
 * 0, -EINVAL (user scope with a root), -ENOMEM. */
int lookup_paths_init(LookupPaths *lp, LookupScope scope, const char *root, unsigned version);
void lookup_paths_done(LookupPaths *lp);

/* Strips the root prefix from a host path, for showing it as the target system sees it.
 * Returns a pointer into path (or path itself without a root). */
const char *lookup_display_path(const LookupPaths *lp, const char *path);
/* Joins root and an absolute target path into a host path. */
char *lookup_host_path(const LookupPaths *lp, const char *path);
/* True when host path dir is one of the search directories. */
bool lookup_in_search_path(const LookupPaths *lp, const char *dir);
