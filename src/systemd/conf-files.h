/* SPDX-License-Identifier: MIT */
#pragma once

/* systemd's conf_files_list_strv() for "*.conf", the listing of drop-in directories shared by the
 * unit loader (a unit's drop-ins) and the manager's configuration (system.conf.d/user.conf.d):
 * directories are added highest priority first, a name found in an earlier one masks that name
 * in later ones, and the result is sorted by file name. Hidden and backup names are skipped; the
 * type is not checked (systemd lists even a directory named x.conf, and it masks lower files of
 * that name). */

#include "basic/strmap.h"

typedef struct ConfFiles {
        StrMap seen;   /* the names taken so far */
        char **files;  /* dir/name, in the order found */
        StrMap *plain; /* when set, conf_files_add_dir() adds the dir/name of each regular file
                        * readdir() saw (no symlink) to it: the caller's, kept by conf_files_steal() */
} ConfFiles;

/* systemd's hidden_or_backup_file(): names every conf_files_list() and drop-in walk skips. */
bool hidden_or_backup_file(const char *name);

/* dir/name, unless an earlier directory had name. 0, or -ENOMEM. */
int conf_files_add(ConfFiles *c, const char *dir, const char *name);

/* Every *.conf in the directory host (a path on this host), listed as dir/name (dir: as the
 * caller names it); skip: a name to leave out, or NULL. A directory that cannot be opened adds
 * nothing. 0, or -ENOMEM. */
int conf_files_add_dir(ConfFiles *c, const char *host, const char *dir, const char *skip);

/* The list, sorted by file name, handed over (NULL when empty); c is emptied. */
char **conf_files_steal(ConfFiles *c);

void conf_files_done(ConfFiles *c);
