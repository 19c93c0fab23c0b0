/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <limits.h>

#include "fs.h"

#define CHASE_MAX_LINKS 32

char *path_simplify_dup(const char *path) {
        Buf b = {};
        const char *p = path;
        buf_puts(&b, "");
        while (*p) {
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                size_t n = strcspn(p, "/");
                if (n == 1 && p[0] == '.') {
                } else if (n == 2 && p[0] == '.' && p[1] == '.') {
                        char *slash = b.data ? strrchr(b.data, '/') : NULL;
                        if (slash) {
                                b.len = (size_t) (slash - b.data);
                                b.data[b.len] = 0;
                        }
                } else {
                        buf_putc(&b, '/');
                        buf_put(&b, p, n);
                }
                p += n;
        }
        if (b.len == 0)
                buf_putc(&b, '/');
        return buf_steal(&b);
}

int fs_chase(const char *root, const char *path, unsigned flags, char **ret) {
        /* done: the resolved part, relative to root, always starting with '/' or empty.
         * todo: what is left to walk. */
        _cleanup_free_ char *todo = strdup(path);
        Buf done = {};
        unsigned links = 0;
        int r = 0;

        if (!todo)
                return -ENOMEM;
        buf_puts(&done, "");

        char *p = todo;
        while (*p) {
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                size_t n = strcspn(p, "/");
                _cleanup_free_ char *comp = strndup(p, n);
                if (!comp) {
                        r = -ENOMEM;
                        goto out;
                }
                p += n;
                bool last = strspn(p, "/") == strlen(p);

                if (streq(comp, "."))
                        continue;
                if (streq(comp, "..")) {
                        char *slash = strrchr(done.data, '/');
                        if (slash) {
                                done.len = (size_t) (slash - done.data);
                                done.data[done.len] = 0;
                        }
                        continue;
                }

                size_t saved = done.len;
                buf_putc(&done, '/');
                buf_puts(&done, comp);
                if (done.oom) {
                        r = -ENOMEM;
                        goto out;
                }

                _cleanup_free_ char *host = root ? xasprintf("%s%s", root, done.data) : strdup(done.data);
                if (!host) {
                        r = -ENOMEM;
                        goto out;
                }
                struct stat st;
                if (lstat(host, &st) < 0) {
                        if (errno == ENOENT && (flags & CHASE_NONEXISTENT)) {
                                buf_puts(&done, p);
                                break;
                        }
                        r = -errno;
                        goto out;
                }
                if (!S_ISLNK(st.st_mode) || (last && (flags & CHASE_NOFOLLOW)))
                        continue;

                if (++links > CHASE_MAX_LINKS) {
                        r = -ELOOP;
                        goto out;
                }
                char target[PATH_MAX];
                ssize_t len = readlink(host, target, sizeof(target) - 1);
                if (len < 0) {
                        r = -errno;
                        goto out;
                }
                target[len] = 0;

                if (target[0] == '/') {
                        done.len = 0;
                        done.data[0] = 0;
                } else {
                        done.len = saved;
                        done.data[saved] = 0;
                }
                char *rest = *p ? xasprintf("%s/%s", target, p) : strdup(target);
                if (!rest) {
                        r = -ENOMEM;
                        goto out;
                }
                free(todo);
                todo = rest;
                p = todo;
        }

        while (done.len > 1 && done.data[done.len - 1] == '/')
                done.data[--done.len] = 0;
        if (done.len == 0)
                buf_putc(&done, '/');
        char *res = root ? xasprintf("%s%s", root, streq(done.data, "/") ? "" : done.data) : strdup(done.data);
        if (!res) {
                r = -ENOMEM;
                goto out;
        }
        if (root && !*res) {
                free(res);
                res = strdup("/");
        }
        *ret = res;
out:
        buf_free(&done);
        return r;
}

int fs_resolve_under_root(const char *root, const char *host_path, char **ret) {
        const char *inner = host_path;
        if (root) {
                inner = startswith(host_path, root);
                if (!inner || (*inner && *inner != '/'))
                        return -EINVAL;
                if (!*inner)
                        inner = "/";
        }
        return fs_chase(root, inner, CHASE_NONEXISTENT, ret);
}

int read_file_limited(const char *host_path, size_t max, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = open(host_path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -ENOTSUP;
        if ((uint64_t) st.st_size > max)
                return -EFBIG;

        Buf b = {};
        char chunk[16384];
        for (;;) {
                ssize_t n = read(fd, chunk, sizeof(chunk));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        int e = -errno;
                        buf_free(&b);
                        return e;
                }
                if (n == 0)
                        break;
                if (b.len + (size_t) n > max) {
                        buf_free(&b);
                        return -EFBIG;
                }
                buf_put(&b, chunk, (size_t) n);
        }
        size_t size = b.len;
        char *data = buf_steal(&b);
        if (!data)
                return -ENOMEM;
        *ret = data;
        if (ret_size)
                *ret_size = size;
        return 0;
}
