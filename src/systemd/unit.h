/* SPDX-License-Identifier: MIT */
#pragma once

/* The unit model: a service as systemd 252 loads it from its files:
 * fragment, aliases, drop-ins in order, and the settings unit-tls cares about, each with the
 * file:line it came from. */

#include "systemd/environ.h"
#include "systemd/lookup.h"
#include "basic/strmap.h"

typedef enum LoadState {
        LOAD_LOADED,
        LOAD_NOT_FOUND,
        LOAD_MASKED,
        LOAD_ERROR,        /* the fragment has a fatal syntax error: the unit cannot start */
        LOAD_BAD_SETTING,  /* e.g. no ExecStart=, or several on a non-oneshot service */
} LoadState;

const char *load_state_to_string(LoadState s);

typedef struct EnvFileRef {
        char *path;            /* as configured (specifiers expanded), may be a glob */
        bool ignore_errors;    /* '-' prefix */
        char *source;          /* "path:line" */
} EnvFileRef;

typedef struct ExecCommand {
        char **argv;
        char *path;            /* argv[0] after the prefix characters */
        char *source;
} ExecCommand;

/* A setting whose value is a single string, with where it was set. */
typedef struct Setting {
        char *value;
        char *source;
} Setting;

typedef struct Unit {
        char *name;            /* the name asked for, completed */
        char *id;              /* the real unit (aliases followed, instance filled in) */
        char **names;          /* id and all its aliases */
        LoadState load_state;
        char *load_error;      /* for LOAD_ERROR / LOAD_BAD_SETTING: "path:line: why" */
        char *fragment;        /* host path, NULL when not found */
        char **dropins;        /* host paths, systemd's order, masks included */
        char **managed_dropins; /* those of them whose first line has one of the index's own_markers */
        bool is_service;

        EnvList environment;   /* Environment= */
        EnvFileRef *env_files; /* EnvironmentFile= */
        size_t n_env_files;
        char **unset_environment;
        char **unset_sources;  /* parallel to unset_environment */
        char **pass_environment; /* PassEnvironment= names, each once */
        char **pass_sources;   /* parallel to pass_environment */
        ExecCommand *exec_start;
        size_t n_exec_start;
        bool has_exec_stop;
        bool success_action;   /* SuccessAction= other than none ([Unit]) */
        Setting type, user, group, dynamic_user, protect_home, private_tmp, root_directory,
                root_image, protect_system;
        Setting working_directory;  /* as written, "-" and "~" included (specifiers expanded) */
        char **supplementary_groups;
        char **inaccessible_paths;
        char **temporary_filesystem;

        Diags diags;           /* parser warnings, "path:line: ..." */
} Unit;

/* The name map of all search directories (unit_file_build_name_map() in systemd): built once,
 * then used for every unit loaded. */
typedef struct UnitIndex {
        const LookupPaths *lp;
        StrMap ids;            /* name -> IdEntry (unit-load.c): "/host/path" (file or linked/masked
                                * link) or alias target name */
        StrMap aliases;        /* unit name -> the names that alias it */
        StrMap dirs;           /* "searchdir/x.d" directories present (PID 1's path cache) */
        StrMap dir_names;      /* "x.d" present in at least one search directory -> the search
                                * directories that have it, as a mask (DIR_MASK_BIT()) */
        bool prefix_dirs;      /* one of them is a dash-prefix directory ("foo-.service.d") */
        char **all_names;      /* every name seen, for audit, in search-path order (not sorted: most
                                * runs never list them) */
        size_t n_names, cap_names;
        int *dir_fds;          /* each search directory, open (-1: none), for reading its files
                                * relative to it; as many as lp->search_path has */
        size_t n_dir_fds;

        /* What-if: load units as if the drop-in overlay_path (host path) held overlay_content,
         * or did not exist when overlay_content is NULL. This is how the planner proves a
         * drop-in takes effect before writing it: the same loader, on the planned state. */
        const char *overlay_path;
        const char *overlay_content;

        /* First-line prefixes that mark a drop-in as the caller's own: such drop-ins are listed
         * in Unit.managed_dropins as they are read (NULL-terminated; NULL: none). */
        const char *const *own_markers;
} UnitIndex;

int unit_index_build(UnitIndex *ix, const LookupPaths *lp);
/* Makes the (possibly not yet existing) directory "dir.d" visible to drop-in lookup. */
int unit_index_add_dir(UnitIndex *ix, const char *dir);
void unit_index_done(UnitIndex *ix);

/* Loads a unit by its full name. Returns 0 with *ret also for not-found and masked units
 * (see load_state), -EINVAL for an invalid name, -ENOMEM. */
int unit_load(const UnitIndex *ix, const char *name, Unit **ret);
/* The unit as a booted manager holds it: an alias is loaded by the unit's own name, which the
 * .wants/ links that start it at boot carry, so specifiers in its fragment expand to that name
 * (unit_load() by the alias is what `systemd --test --unit=ALIAS` shows). */
int unit_load_booted(const UnitIndex *ix, const char *name, Unit **ret);
Unit *unit_free(Unit *u);
static inline void unit_freep(Unit **u) {
        unit_free(*u);
}
#define _cleanup_unit_ _cleanup_(unit_freep)

/* The drop-in directory unit-tls writes for this unit in config dir: "<dir>/<id>.d". */
char *unit_dropin_dir(const Unit *u, const char *config_dir);

/* systemd's parse_boolean(): 1 true, 0 false, -EINVAL. */
int parse_boolean(const char *v);
