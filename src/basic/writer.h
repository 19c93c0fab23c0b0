/* SPDX-License-Identifier: MIT */
#pragma once

/* The file-system edge for writing: every operation goes through directory descriptors opened
 * with O_NOFOLLOW, so a symlink planted anywhere below the root is refused, never followed */

#include <sys/types.h>

#include "basic/util.h"

/* Opens (creating with 0755 where missing) the directory path, given as the target system
 * sees it, below root (NULL = "/"). Every component is opened with O_NOFOLLOW: a symlink is
 * refused (-ELOOP, *ret_bad names it). With lock, the directory is flock()ed exclusively so
 * concurrent runs serialize. Returns 0 and *ret_fd. */
int dir_open_below_root(const char *root, const char *path, bool create, bool lock, int *ret_fd,
                        char **ret_bad);

/* Checks that a directory fd is safe to write into: owned by us (or root) and not writable by
 * group or others. -EPERM with *ret_why. */
int dir_check_safe(int dfd, const char **ret_why);

/* Reads name in dfd (not following a final symlink: -ELOOP). -ENOENT when absent. */
int file_read_at(int dfd, const char *name, size_t max, char **ret);

/* Writes content to name in dfd atomically: ".#<name>XXXXXX" with O_EXCL, write, fchmod mode,
 * fsync, renameat, fsync(dfd). The temp is unlinked on every failure. */
int atomic_write_at(int dfd, const char *name, const char *content, mode_t mode);

/* atomic_write_at() in two halves, for many files: stage each (the temp written, its mode
 * set, its writeback started; *ret_tmp its name), then commit each (fsync the temp, rename it
 * to name), then fsync every directory. The data is durable before a rename, the rename before
 * the directory's fsync returns, and the journal commits once for many files instead of once
 * per file. Each half unlinks the temp when it fails; a staged temp never committed is the
 * caller's to unlink. */
int atomic_stage_at(int dfd, const char *name, const char *content, mode_t mode, char **ret_tmp);
int atomic_commit_at(int dfd, const char *tmp, const char *name);

/* For a file nothing needs after a crash (a generator's output below /run, made again at every
 * boot and daemon-reload): the temp and rename of atomic_write_at(), so that a reader never sees
 * half a file and no symlink is followed, but no fsync() and no writeback started. */
int volatile_write_at(int dfd, const char *name, const char *content, mode_t mode);
/* For a directory made empty for this run (a generator's output directory): "sub/name" below
 * dfd, made in place (sub created 0755 when missing; no symlink followed, nothing outside dfd),
 * O_EXCL, with mode (umask aside: the caller's), not synced; a file already there (a second run
 * into the same directory) is replaced by volatile_write_at(). A failed write leaves no file. */
int fresh_write_at(int dfd, const char *rel, const char *content, mode_t mode);

/* Removes ".#<name>*" temp files that a killed run left behind. Call it only while holding the
 * lock: then no live run can own such a file. Returns how many were removed. */
int remove_stale_temps(int dfd, const char *name);

/* Hooks for fault-injection tests: when UNIT_TLS_TEST_FAIL_AT names a step ("write",
 * "fsync", "rename"), that step fails with EIO. Compiled in always; costs one getenv. */
