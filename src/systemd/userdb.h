/* SPDX-License-Identifier: MIT */
#pragma once

/* Who a service runs as, from the target tree's /etc/passwd and /etc/group (not NSS: with
 * --root the host's databases say nothing about the image). */

#include <sys/types.h>

#include "basic/util.h"

typedef struct ServiceCred {
        char *user;          /* "root" when User= is unset */
        uid_t uid;
        gid_t gid;
        gid_t *groups;       /* supplementary groups */
        size_t n_groups;
        char *home;          /* the home directory (WorkingDirectory=~), NULL when unknown */
        bool dynamic;        /* DynamicUser=yes: an unprivileged id allocated at start */
        bool known;          /* the user was found (or is numeric / dynamic) */
} ServiceCred;

/* Resolves User=/Group=/SupplementaryGroups=/DynamicUser= against root's databases.
 * Returns 0 (cred->known false when the user does not exist), -ENOMEM. */
int service_cred_resolve(const char *root, const char *user, const char *group, char **supplementary,
                         bool dynamic, ServiceCred *ret);
void service_cred_done(ServiceCred *c);

/* Would cred get `want` (R_OK, W_OK, X_OK bits) on a file with this stat? Root bypasses. */
bool cred_may_access(const ServiceCred *c, uid_t owner, gid_t group, mode_t mode, int want);
