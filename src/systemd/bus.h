/* SPDX-License-Identifier: MIT */
#pragma once

/* The operations unit-tls needs from a running systemd, behind a table so unit tests can
 * inject failures. bus_ops_sdbus is the real one, over sd-bus. */

#include "basic/util.h"

typedef struct UnitState {
        char *active_state;
        char *result;              /* Service.Result */
        char **environment;        /* Environment= as systemd holds it */
        char **environment_files;  /* EnvironmentFiles, "-" prefixed when errors are ignored */
        char **dropins;
        uint32_t main_pid;
        bool need_reload;
        bool loaded;               /* false: systemd has not loaded the unit (nothing to compare) */
} UnitState;

void unit_state_done(UnitState *s);

typedef struct BusOps {
        /* Connects; user selects the user manager. why is set on failure. */
        int (*connect)(void *ctx, bool user, bool ask_password, const char **why);
        /* Reads the state of every unit of ids into ret[i], all asked at once; with load=false an
         * unloaded unit is reported as !loaded. Fails with the first unit's failure; the other
         * units' states are read all the same. */
        int (*read_states)(void *ctx, char **ids, bool load, UnitState *ret, const char **why);
        /* Manager.Reload(), waiting for it to finish. */
        int (*reload)(void *ctx, const char **why);
        /* RestartUnit for every id, all enqueued before waiting, each matched by its job path.
         * results[i] receives the job result ("done", "failed", ...) or an error text. */
        int (*restart)(void *ctx, char **ids, char **results, const char **why);
        /* The manager's Environment property (Manager.Environment: DefaultEnvironment=, the kernel's
         * systemd.setenv= and systemctl set-environment, merged), "NAME=VALUE" each. */
        int (*manager_environment)(void *ctx, char ***ret, const char **why);
        /* ResetFailedUnit: forgets a failed state and the start rate limit (may be NULL). */
        int (*reset_failed)(void *ctx, const char *id);
        /* 1/0: does process pid's environment hold assignment; < 0 cannot read it. */
        int (*environ_has)(void *ctx, uint32_t pid, const char *assignment);
        void (*close)(void *ctx);
} BusOps;

extern const BusOps bus_ops_sdbus;
/* A context for bus_ops_sdbus. */
void *bus_sdbus_new(void);
/* Loads libsystemd.so.0 for bus_ops_sdbus (once; every connect does it too): 0, or -ELIBACC
 * when it cannot be loaded. For refusing a change before anything is written. */
int bus_sdbus_load(void);

/* Every service unit systemd has loaded (ListUnits), for audit. ctx from bus_sdbus_new(). */
int bus_list_services(void *ctx, char ***ret);
