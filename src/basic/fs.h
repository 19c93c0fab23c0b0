/* SPDX-License-Identifier: MIT */
#pragma once

/* File-system edge: resolving paths inside an OS tree (--root) and reading files safely. */

#include <sys/stat.h>

#include "basic/util.h"

/* A process environment is at most ARG_MAX-sized; a little more is never legitimate. */
#define PROC_ENVIRON_MAX (4 * 1024 * 1024)

enum {
        CHASE_NONEXISTENT = 1 << 0, /* missing components are fine: the rest is appended as is */
        CHASE_NOFOLLOW = 1 << 1,    /* do not follow a symlink in the last component */
};

/* Resolves path (absolute, as seen inside root) to a host path, following symlinks the way the
 * target system would see them: absolute link targets and ".." never leave root. root NULL is
 * the host. 0 and *ret, -ENOENT, -ELOOP (more than 32 links), -ENOMEM. */
int fs_chase(const char *root, const char *path, unsigned flags, char **ret);
/* The same (every link followed), the result as the target system sees it ("/etc/x", not
 * root + "/etc/x"). */
int fs_chase_inside(const char *root, const char *path, char **ret);

/* Like fs_chase() on a host path already under root (as kept in LookupPaths). */
int fs_resolve_under_root(const char *root, const char *host_path, char **ret);
/* The same, and when the result's lstat() was seen on the way (a non-symlink), *ret_st holds
 * it; otherwise ret_st->st_mode is 0. */
int fs_resolve_under_root_st(const char *root, const char *host_path, char **ret, struct stat *ret_st);
/* fs_chase(root, path, 0), the common case cheaper: a plain (non-symlink) last component in a
 * directory resolved before this run costs one lstat(), and its absence is -ENOENT at once;
 * anything else takes fs_chase(). ret_st (may be NULL) receives the file's stat(). */
int fs_chase_existing(const char *root, const char *path, char **ret, struct stat *ret_st);
/* fs_chase(root, dir, CHASE_NONEXISTENT) of a directory, remembered for the rest of the run (a
 * run looks at the same few directories thousands of times): *ret is the cache's copy. */
int fs_chase_dir_cached(const char *root, const char *dir, const char **ret);

/* systemd's path_simplify(), in place: collapses "//", drops "." components and a trailing
 * '/'; ".." stays. */
void path_simplify(char *p);
/* After path_simplify(): what systemd 257's path_simplify() also does, "/../x" -> "/x". */
void path_drop_leading_dotdot(char *p);
/* systemd's path_is_normalized(): no "." or ".." component and no "//". */
bool path_is_normalized(const char *p);
/* Lexically cleans an absolute path: "//", "/./" and "/x/.." removed, never above "/". */
char *path_simplify_dup(const char *path);

/* Opens a regular file read-only without blocking (a FIFO or a device is refused, never opened
 * for long): the fd, or -EISDIR, -ENOTSUP, -errno. */
int fs_open_regular(const char *host_path, struct stat *ret_st);
/* Reads a regular file of at most max bytes. Opens without blocking (a FIFO or a device is
 * refused, never waited on). 0 and *ret (NUL-terminated) and *ret_size; -EISDIR / -ENOTSUP for a
 * directory / a non-regular file, -EFBIG when larger than max, or the open/read errno. */
int read_file_limited(const char *host_path, size_t max, char **ret, size_t *ret_size);
/* The first bytes of a regular file, at most max (a larger file is not an error: its head is
 * returned). Opens without blocking, as read_file_limited() does. 0 and *ret (NUL-terminated)
 * and *ret_size; -EISDIR / -ENOTSUP for a directory / a non-regular file, or the errno. */
int read_file_head(const char *host_path, size_t max, char **ret, size_t *ret_size);
/* The environment block of a process: NUL-separated "NAME=VALUE" strings, *ret_size bytes. */
int proc_environ_read(uint32_t pid, char **ret, size_t *ret_size);
/* Reads fd to its end, at most max bytes (-EFBIG beyond). NUL-terminated; *ret_size optional. */
int read_fd_limited(int fd, size_t max, char **ret, size_t *ret_size);
/* The same for a regular file fstat() said has size bytes: a read that reaches them ends it,
 * without one more read() to find the end. */
int read_fd_sized(int fd, size_t max, uint64_t size, char **ret, size_t *ret_size);
