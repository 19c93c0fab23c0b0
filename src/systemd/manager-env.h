/* SPDX-License-Identifier: MIT */
#pragma once

/* The service manager's own environment: what every service starts from, and PID 1's process
 * environment that PassEnvironment= takes variables from. Read as systemd 252 and 257 read it
 * (parse_config_file() in src/core/main.c, config_parse_many() in src/shared/conf-parser.c):
 *
 *   system: the main file /etc/systemd/system.conf (257: the first of /etc, /run, /usr/local/lib,
 *           /usr/lib systemd/system.conf), then every system.conf.d/ *.conf of /etc, /run,
 *           /usr/local/lib, /usr/lib (252 on Debian also /lib) systemd/: the first directory
 *           providing a file name wins, all of them sorted by file name.
 *   user:   the first of $XDG_CONFIG_HOME/systemd/user.conf and /etc/systemd/user.conf, then
 *           user.conf.d/ *.conf of $XDG_CONFIG_HOME/systemd and the directories above.
 *
 * Only [Manager] counts. DefaultEnvironment= and ManagerEnvironment= are split and unquoted as
 * Environment= is, an empty value resets, a later file or line wins for the same name;
 * specifiers are the manager's table (SpecifierContext.manager). A fatal error in one file (an
 * invalid section header, invalid UTF-8, an unreadable file) ends the reading: the settings
 * before it stay, the files after it are not read.
 *
 * The manager environment of a service is then (manager_get_effective_environment()):
 * DefaultEnvironment=, then the kernel command line's systemd.setenv= (the same list, later
 * wins), then what `systemctl set-environment` added, which wins over both. ManagerEnvironment=
 * changes only PID 1's own environment: services see it through PassEnvironment= only. */

#include "systemd/environ.h"
#include "systemd/lookup.h"

/* Every source of the manager environment ends with this: "FILE:LINE, manager-wide". */
#define MANAGER_WIDE ", manager-wide"
#define MANAGER_SOURCE_SET_ENVIRONMENT "systemctl set-environment" MANAGER_WIDE
#define MANAGER_SOURCE_CMDLINE "kernel command line systemd.setenv=" MANAGER_WIDE

typedef struct ManagerConfig {
        EnvList default_environment;   /* DefaultEnvironment=, sources "path:line" */
        EnvList manager_environment;   /* ManagerEnvironment=, sources "path:line" */
        char **files;                  /* the files read, in systemd's order, as the target sees them */
        Diags diags;                   /* ignored words, and where a broken file stopped the reading */
} ManagerConfig;

/* Reads system.conf (user.conf for SCOPE_USER) and its drop-ins under lp->root, with lp->version's
 * rules. A broken file is a diagnostic, not an error. 0 or -ENOMEM. */
int manager_config_read(const LookupPaths *lp, ManagerConfig *ret);
void manager_config_done(ManagerConfig *c);

/* Applies the systemd.setenv=NAME=VALUE words of a kernel command line to env (later wins),
 * with source MANAGER_SOURCE_CMDLINE. 0 or -ENOMEM. */
int manager_cmdline_apply(EnvList *env, const char *cmdline);

/* The kernel command line as PID 1 reads it (proc_cmdline()): /proc/cmdline, or in a container
 * (/run/systemd/container exists) PID 1's own arguments, joined by spaces. The EFI SystemdOptions
 * variable, which systemd reads first, is not read. 0 and *ret, or negative errno. */
int manager_cmdline_read(char **ret);

/* What is known of the running manager; all NULL offline. */
typedef struct ManagerLive {
        char **environment;            /* Manager.Environment over D-Bus, NULL: not read */
        const char *cmdline;           /* the kernel command line PID 1 parsed, NULL: not read */
        const char *pid1_environ;      /* /proc/1/environ (NUL-separated), NULL: not read */
        size_t pid1_environ_size;
        const char *pid1_why;          /* why pid1_environ is NULL online */
} ManagerLive;

typedef struct ManagerEnv {
        EnvList environment;  /* the manager environment, systemd's precedence applied; every
                               * source ends in MANAGER_WIDE */
        EnvList pid1;         /* PID 1's own environment, for PassEnvironment= */
        char *pid1_note;      /* what is not known of pid1, or NULL */
        bool live;            /* environment is the running manager's */
        ManagerConfig config;
} ManagerEnv;

/* Reads the files and joins them with live (may be NULL: offline): each live entry is attributed
 * to the file line, the kernel command line or systemctl set-environment that explains it.
 * 0 or -ENOMEM. */
int manager_env_build(const LookupPaths *lp, const ManagerLive *live, ManagerEnv *ret);
void manager_env_done(ManagerEnv *m);

/* Does an EnvEntry source name the manager environment? */
bool env_source_is_manager(const char *source);
