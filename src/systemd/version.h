/* SPDX-License-Identifier: MIT */
#pragma once

/* Which systemd's rules apply. unit-tls reads units as systemd 252 (Debian 12) and 257
 * (Debian 13) do; where a rule changed in between, the code asks for the version here and the
 * man page (SYSTEMD VERSIONS) lists every such rule. */

#include "basic/util.h"

/* The oldest and newest versions whose rules unit-tls implements and tests. */
#define SYSTEMD_VERSION_MIN 252
#define SYSTEMD_VERSION_MAX 257

/* Rules that changed, by the version that changed them. */
#define SYSTEMD_V_ENV_FILE_COMMENT_NO_CONTINUE 254 /* a '#' line ending in '\' ends there */
#define SYSTEMD_V_MANAGER_ENV_CREDS 254              /* system.conf/user.conf environment: %u %U %g %G %h %s */
#define SYSTEMD_V_USER_STATE_XDG 254                /* user %S %L: $XDG_STATE_HOME, not ~/.config */
#define SYSTEMD_V_NO_SPLIT_USR 255                  /* /lib/systemd/system (and /lib/systemd/system.conf.d) left the search path */
#define SYSTEMD_V_CONF_MAIN_CASCADE 257             /* system.conf itself: the first of /etc, /run, /usr/local/lib, /usr/lib */
#define SYSTEMD_V_EXECUTOR 255                      /* services start through systemd-executor */
#define SYSTEMD_V_SPECIFIER_D 256                   /* %D: the shared data directory */
#define SYSTEMD_V_MASKED_NO_DROPINS 257             /* a masked unit lists no drop-ins */
#define SYSTEMD_V_PATH_LEADING_DOTDOT 257           /* path_simplify() drops a leading "/.." */

/* Does systemd v (0: unknown, taken as the newest) follow a rule introduced in version since? */
static inline bool systemd_at_least(unsigned v, unsigned since) {
        return (v ? v : SYSTEMD_VERSION_MAX) >= since;
}

/* The version of the systemd installed in root (NULL: this host), from the name of its
 * libsystemd-shared-NNN.so. 0 and *ret, -ENOENT when there is none. */
int systemd_version_detect(const char *root, unsigned *ret);

/* "252", "257.13-1~deb13u1", "v256": the leading number, or -EINVAL. */
int systemd_version_parse(const char *s, unsigned *ret);

/* The version whose rules apply: asked (--systemd-version) if not 0, else the one installed in
 * root, else on this host (a tree without systemd, such as a bare test image), else the newest. */
unsigned systemd_version_resolve(const char *root, unsigned asked);
