/* SPDX-License-Identifier: MIT */
#pragma once

/* The declarative configuration, unit-tls.d(5): *.conf files in /etc/unit-tls.d,
 * /run/unit-tls.d and /usr/lib/unit-tls.d, merged as tmpfiles.d merges its files, parsed with
 * the distribution's inih. Pure apart from reading those files; problems become "file:line: ..."
 * diagnostics and the entry concerned is skipped, never the whole configuration. */

#include "basic/strmap.h"
#include "basic/util.h"

#define TRUSTCONF_SUFFIX ".conf"

/* Highest priority first. */
extern const char *const trustconf_dirs[];

typedef struct TrustCa {
        char *path;              /* absolute, simplified, as the target system sees it */
        char *source;            /* "file:line" of its CA= line */
} TrustCa;

typedef struct TrustEntry {
        char *unit;              /* completed unit name, always a service */
        char *source;            /* "file:line" of the section header that decided it */
        TrustCa *cas;
        size_t n_cas;
        int insecure;            /* Insecure=: -1 not given, 0 no, 1 yes */
        char *insecure_source;
        int system_store;        /* SystemStore=: -1 not given, 0 no, 1 yes */
        char *system_store_source;
        bool invalid;            /* unusable as a whole (diagnosed): the unit gets no drop-in */
} TrustEntry;

typedef struct TrustConf {
        TrustEntry *entries;     /* one per unit, sorted by unit name */
        size_t n, cap;
        char **files;            /* the files that were read, in the order they applied */
        StrMap index;            /* unit name -> its position in entries + 1 (thousands of
                                  * declarations are merged in linear time) */
} TrustConf;

/* Lists the configuration files under root (NULL: the host): the surviving "*.conf" names
 * sorted by file name, each in the directory that wins for that name; masked names (an empty
 * file or a symlink to /dev/null) are left out. Paths as the target sees them. */
int trustconf_list_files(const char *root, char ***ret);

/* Parses one file's text into entries (display_path names it in sources and diagnostics).
 * Entries for the same unit within the file are merged. Returns 0 or -ENOMEM. */
int trustconf_parse_file(FILE *f, const char *display_path, TrustConf *ret, Diags *diags);

/* Reads and merges the whole configuration: a later file's section for a unit replaces the
 * earlier one entirely. Returns 0 or -ENOMEM; unreadable files are diagnosed and skipped. */
int trustconf_load(const char *root, TrustConf *ret, Diags *diags);

const TrustEntry *trustconf_find(const TrustConf *c, const char *unit);
void trustconf_done(TrustConf *c);
