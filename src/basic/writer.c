/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "basic/fs.h"
#include "basic/writer.h"

static bool fail_at(const char *step) {
        const char *v = getenv("UNIT_TLS_TEST_FAIL_AT");
        return v && streq(v, step);
}

int dir_open_below_root(const char *root, const char *path, bool create, bool lock, int *ret_fd,
                        char **ret_bad) {
        _cleanup_close_ int fd = open(root ? root : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        _cleanup_free_ char *copy = strdup(path), *walked = strdup("");
        if (!copy || !walked)
                return -ENOMEM;

        char *save = NULL;
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                if (streq(c, ".") || streq(c, ".."))
                        return -EINVAL;
                char *w = xasprintf("%s/%s", walked, c);
                if (!w)
                        return -ENOMEM;
                free(walked);
                walked = w;

                int next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0 && errno == ENOENT && create) {
                        bool made = mkdirat(fd, c, 0755) == 0;
                        if (!made && errno != EEXIST)
                                return -errno;
                        next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        /* 0755 whatever the umask: services read the CA bundle below /etc/unit-tls */
                        if (made && next >= 0 && fchmod(next, 0755) < 0) {
                                int e = errno;
                                close(next);
                                return -e;
                        }
                }
                if (next < 0) {
                        int e = errno;
                        if (e == ELOOP || e == ENOTDIR) {
                                struct stat st;
                                if (fstatat(fd, c, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
                                        if (ret_bad)
                                                *ret_bad = TAKE_PTR(walked);
                                        return -ELOOP;
                                }
                        }
                        if (ret_bad)
                                *ret_bad = TAKE_PTR(walked);
                        return -e;
                }
                close(fd);
                fd = next;
        }
        if (lock && flock(fd, LOCK_EX) < 0)
                return -errno;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int dir_check_safe(int dfd, const char **ret_why) {
        struct stat st;
        if (fstat(dfd, &st) < 0)
                return -errno;
        if (st.st_uid != geteuid() && st.st_uid != 0) {
                *ret_why = "is owned by another user: chown root it, or remove it";
                return -EPERM;
        }
        if (st.st_mode & (S_IWGRP | S_IWOTH)) {
                *ret_why = "is writable by group or others: chmod 0755 it";
                return -EPERM;
        }
        return 0;
}

int file_read_at(int dfd, const char *name, size_t max, char **ret) {
        _cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if ((uint64_t) st.st_size > max)
                return -EFBIG;
        return read_fd_limited(fd, max, ret, NULL);
}

static int write_all(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

/* atomic_stage_at(), with the writeback started (writeback) or left to the kernel. */
static int stage_at(int dfd, const char *name, const char *content, mode_t mode, bool writeback, char **ret_tmp) {
        char tmp[300];
        uint64_t rnd = 0;
        int fd = -1, r;

        for (int tries = 0;; tries++) {
                if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
                        rnd ^= (uint64_t) getpid() << 32 ^ (uint64_t) tries;
                snprintf(tmp, sizeof(tmp), ".#%s%016llx", name, (unsigned long long) rnd);
                /* O_EXCL with O_NOFOLLOW: a planted file or symlink of that name is never used. */
                fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (fd >= 0)
                        break;
                if (errno != EEXIST || tries > 16)
                        return -errno;
        }

        if (fail_at("write"))
                r = -EIO;
        else
                r = write_all(fd, content, strlen(content));
        if (r >= 0 && fchmod(fd, mode) < 0)
                r = -errno;
        /* Only starts the writeback: the fsync in atomic_commit_at() waits for it. Started for
         * every file first, their blocks are allocated in one journal transaction, which the
         * first fsync commits for all (ext4), instead of one commit per file. overlayfs (a
         * container's root) ignores sync_file_range() but passes fadvise() to the real file,
         * where DONTNEED starts the writeback too (and drops no page still being written). */
        if (r >= 0 && writeback) {
                (void) sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
                (void) posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        }
        if (close(fd) < 0 && r >= 0)
                r = -errno;
        if (r >= 0 && !(*ret_tmp = strdup(tmp)))
                r = -ENOMEM;
        if (r < 0)
                (void) unlinkat(dfd, tmp, 0);
        return r;
}

int atomic_stage_at(int dfd, const char *name, const char *content, mode_t mode, char **ret_tmp) {
        return stage_at(dfd, name, content, mode, true, ret_tmp);
}

int volatile_write_at(int dfd, const char *name, const char *content, mode_t mode) {
        _cleanup_free_ char *tmp = NULL;
        int r = stage_at(dfd, name, content, mode, false, &tmp);
        if (r < 0)
                return r;
        if (fail_at("rename") || renameat(dfd, tmp, dfd, name) < 0) {
                r = fail_at("rename") ? -EIO : -errno;
                (void) unlinkat(dfd, tmp, 0);
        }
        return r;
}

/* The old way of fresh_write_at(): the directory opened without following a link, then a
 * temporary file renamed over the name. */
static int replace_below(int dfd, const char *rel, const char *content, mode_t mode) {
        const char *slash = strrchr(rel, '/');
        if (!slash)
                return volatile_write_at(dfd, rel, content, mode);
        _cleanup_free_ char *dir = strndup(rel, (size_t) (slash - rel));
        if (!dir)
                return -ENOMEM;
        _cleanup_close_ int sub = openat(dfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0)
                return -errno;
        return volatile_write_at(sub, slash + 1, content, mode);
}

int fresh_write_at(int dfd, const char *rel, const char *content, mode_t mode) {
        const char *slash = strrchr(rel, '/');
        if (slash) {
                _cleanup_free_ char *dir = strndup(rel, (size_t) (slash - rel));
                if (!dir)
                        return -ENOMEM;
                if (mkdirat(dfd, dir, 0755) < 0 && errno != EEXIST)
                        return -errno;
        }
        struct open_how how = { .flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, .mode = mode,
                                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS };
        int fd = fail_at("open") ? (errno = EIO, -1) : (int) syscall(SYS_openat2, dfd, rel, &how, sizeof(how));
        if (fd < 0 && (errno == EEXIST || errno == ENOSYS || errno == EPERM))
                return replace_below(dfd, rel, content, mode);  /* there already; or no openat2() */
        if (fd < 0)
                return -errno;
        int r = fail_at("write") ? -EIO : write_all(fd, content, strlen(content));
        /* the mode exactly, whatever the umask (a bundle must be readable by the service) */
        static mode_t mask = (mode_t) -1;
        if (mask == (mode_t) -1) {
                mask = umask(0);
                umask(mask);
        }
        if (r >= 0 && (mode & mask) && fchmod(fd, mode) < 0)
                r = -errno;
        if (close(fd) < 0 && r >= 0)
                r = -errno;
        if (r < 0)
                (void) unlinkat(dfd, rel, 0);
        return r;
}

int atomic_commit_at(int dfd, const char *tmp, const char *name) {
        int r = 0;
        _cleanup_close_ int fd = openat(dfd, tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                r = -errno;
        if (r >= 0 && (fail_at("fsync") || fsync(fd) < 0))
                r = fail_at("fsync") ? -EIO : -errno;
        if (r >= 0 && (fail_at("rename") || renameat(dfd, tmp, dfd, name) < 0))
                r = fail_at("rename") ? -EIO : -errno;
        if (r < 0)
                (void) unlinkat(dfd, tmp, 0);
        return r;
}

int atomic_write_at(int dfd, const char *name, const char *content, mode_t mode) {
        _cleanup_free_ char *tmp = NULL;
        int r = atomic_stage_at(dfd, name, content, mode, &tmp);
        if (r < 0)
                return r;
        if ((r = atomic_commit_at(dfd, tmp, name)) < 0)
                return r;
        (void) fsync(dfd);
        return 0;
}

int remove_stale_temps(int dfd, const char *name) {
        int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        _cleanup_free_ char *prefix = xasprintf(".#%s", name);
        int n = 0;
        struct dirent *de;
        while (prefix && (de = readdir(d)))
                if (startswith(de->d_name, prefix) && unlinkat(dfd, de->d_name, 0) == 0)
                        n++;
        closedir(d);
        return n;
}
