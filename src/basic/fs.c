/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/syscall.h>

#include "basic/fs.h"
#include "basic/strmap.h"

#define CHASE_MAX_LINKS 32

void path_simplify(char *p) {
        char *t = p;
        for (const char *f = p; *f;) {
                if (*f == '/' && t > p && t[-1] == '/') {
                        f++;
                        continue;
                }
                if (*f == '.' && t > p && t[-1] == '/' && (f[1] == '/' || f[1] == 0)) {
                        f++;
                        continue;
                }
                *t++ = *f++;
        }
        while (t > p + 1 && t[-1] == '/')
                t--;
        *t = 0;
}

void path_drop_leading_dotdot(char *p) {
        if (p[0] != '/')
                return;
        char *q = p;
        while (q[0] == '/' && q[1] == '.' && q[2] == '.' && (q[3] == '/' || q[3] == 0))
                q += 3;
        if (q != p)
                memmove(p, *q ? q : "/", strlen(*q ? q : "/") + 1);
}

bool path_is_normalized(const char *p) {
        if (strstr(p, "//"))
                return false;
        for (const char *c = p; c; c = strchr(c, '/')) {
                if (*c == '/')
                        c++;
                if (startswith(c, "./") || streq(c, ".") || startswith(c, "../") || streq(c, ".."))
                        return false;
                if (*c == 0)
                        break;
        }
        return true;
}

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

/* fs_chase()'s common case in two system calls instead of one lstat() per component: when the
 * path has no "." or ".." component and openat2(RESOLVE_NO_SYMLINKS) finds every component of
 * root + path without meeting a symlink (in root itself either), the walk below would find every
 * component, follow nothing and return root + path with repeated and trailing slashes dropped.
 * 1 and *ret then; 0 when the walk must decide (a symlink, a missing component, "..", the root
 * itself, no openat2()); -ENOMEM. */
static int chase_fast(const char *root, const char *path, char **ret) {
        static bool no_openat2;
        if (no_openat2)
                return 0;
        Buf b = {};
        if (root)
                buf_puts(&b, root);
        size_t start = b.len;
        for (const char *p = path; *p;) {
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                size_t n = strcspn(p, "/");
                if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
                        buf_free(&b);
                        return 0;
                }
                buf_putc(&b, '/');
                buf_put(&b, p, n);
                p += n;
        }
        if (b.oom) {
                buf_free(&b);
                return -ENOMEM;
        }
        if (b.len == start) {
                buf_free(&b);
                return 0;
        }
        struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS };
        int fd = (int) syscall(SYS_openat2, AT_FDCWD, b.data, &how, sizeof(how));
        if (fd < 0) {
                if (errno == ENOSYS)
                        no_openat2 = true;
                buf_free(&b);
                return 0;
        }
        close(fd);
        char *res = buf_steal(&b);
        if (!res)
                return -ENOMEM;
        *ret = res;
        return 1;
}

/* The next component of the path at *p, advancing *p past it, and whether only slashes follow it.
 * 0 at the end of the path. */
static int chase_next(const char **p, char **ret, bool *ret_last) {
        const char *q = *p;

        while (*q == '/')
                q++;
        if (!*q)
                return 0;
        size_t n = strcspn(q, "/");
        char *comp = strndup(q, n);
        if (!comp)
                return -ENOMEM;
        q += n;
        *p = q;
        *ret = comp;
        *ret_last = strspn(q, "/") == strlen(q);
        return 1;
}

/* "..": drops the last component of done; at the root it stays there. */
static void chase_up(Buf *done) {
        char *slash = strrchr(done->data, '/');

        if (slash) {
                done->len = (size_t) (slash - done->data);
                done->data[done->len] = 0;
        }
}

/* Replaces the symlink host (the last component of done, which was saved bytes long before it)
 * with its target: an absolute target starts again from root, a relative one from the link's
 * directory. *todo becomes the target followed by rest, what was left of the path. */
static int chase_link(const char *host, Buf *done, size_t saved, const char *rest, char **todo) {
        char target[PATH_MAX];
        ssize_t len = readlink(host, target, sizeof(target) - 1);
        if (len < 0)
                return -errno;
        target[len] = 0;

        if (target[0] == '/') {
                done->len = 0;
                done->data[0] = 0;
        } else {
                done->len = saved;
                done->data[saved] = 0;
        }
        char *next = *rest ? strjoin3(target, "/", rest) : strdup(target);
        if (!next)
                return -ENOMEM;
        free(*todo);
        *todo = next;
        return 0;
}

/* done, the walked path, as a path on the host: below root, without trailing slashes. */
static int chase_result(const char *root, Buf *done, char **ret) {
        while (done->len > 1 && done->data[done->len - 1] == '/')
                done->data[--done->len] = 0;
        if (done->len == 0)
                buf_putc(done, '/');
        char *res = root ? strjoin3(root, streq(done->data, "/") ? "" : done->data, "") : strdup(done->data);
        if (!res)
                return -ENOMEM;
        if (root && !*res) {
                free(res);
                res = strdup("/");
        }
        *ret = res;
        return 0;
}

/* What chase_append() found. */
enum {
        CHASE_STEP_PLAIN,     /* there, and not a symlink to follow */
        CHASE_STEP_LINK,      /* a symlink to follow */
        CHASE_STEP_MISSING,   /* not there, and CHASE_NONEXISTENT takes the rest as it is */
};

/* Appends the component comp to done and looks at it on the host (*ret_host): a CHASE_STEP_*,
 * or -errno. */
static int chase_append(const char *root, Buf *done, const char *comp, unsigned flags, bool last, char **ret_host) {
        buf_putc(done, '/');
        buf_puts(done, comp);
        if (done->oom)
                return -ENOMEM;

        _cleanup_free_ char *host = root ? strjoin3(root, done->data, "") : strdup(done->data);
        if (!host)
                return -ENOMEM;
        struct stat st;
        if (lstat(host, &st) < 0) {
                if (errno == ENOENT && (flags & CHASE_NONEXISTENT))
                        return CHASE_STEP_MISSING;
                return -errno;
        }
        if (!S_ISLNK(st.st_mode) || (last && (flags & CHASE_NOFOLLOW)))
                return CHASE_STEP_PLAIN;
        *ret_host = TAKE_PTR(host);
        return CHASE_STEP_LINK;
}

int fs_chase(const char *root, const char *path, unsigned flags, char **ret) {
        int r = chase_fast(root, path, ret);
        if (r != 0)
                return r < 0 ? r : 0;

        /* done: the resolved part, relative to root, always starting with '/' or empty.
         * todo: what is left to walk. */
        _cleanup_free_ char *todo = strdup(path);
        _cleanup_(buf_free) Buf done = {};
        unsigned links = 0;

        if (!todo)
                return -ENOMEM;
        buf_puts(&done, "");

        const char *p = todo;
        for (;;) {
                _cleanup_free_ char *comp = NULL;
                bool last;

                r = chase_next(&p, &comp, &last);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                if (streq(comp, "."))
                        continue;
                if (streq(comp, "..")) {
                        chase_up(&done);
                        continue;
                }

                size_t saved = done.len;
                _cleanup_free_ char *host = NULL;
                r = chase_append(root, &done, comp, flags, last, &host);
                if (r < 0)
                        return r;
                if (r == CHASE_STEP_MISSING) {
                        buf_puts(&done, p);
                        break;
                }
                if (r == CHASE_STEP_PLAIN)
                        continue;

                if (++links > CHASE_MAX_LINKS)
                        return -ELOOP;
                r = chase_link(host, &done, saved, p, &todo);
                if (r < 0)
                        return r;
                p = todo;
        }

        return chase_result(root, &done, ret);
}

int fs_chase_inside(const char *root, const char *path, char **ret) {
        _cleanup_free_ char *host = NULL;
        int r = fs_chase(root, path, 0, &host);
        if (r < 0)
                return r;
        const char *inside = root ? startswith(host, root) : host;
        if (!inside)
                return -EXDEV;   /* cannot happen: fs_chase() stays inside root */
        char *s = strdup(*inside ? inside : "/");
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* Resolved parent directories, keyed by root + "\n" + inner parent path. A run reads thousands
 * of files from a dozen directories; resolving each directory once and then only looking at the
 * last component turns one openat2() + close() (or a walk) per file into one lstat(). The
 * process is short-lived and never makes a directory it resolved a symlink (it refuses those),
 * so an entry cannot go stale under it. */
static StrMap parent_cache = { .free_value = free };

static int resolve_parent_cached(const char *root, const char *parent, const char **ret) {
        _cleanup_free_ char *key = strjoin3(root ? root : "", "\n", parent);
        if (!key)
                return -ENOMEM;
        char *hit = strmap_get(&parent_cache, key);
        if (hit) {
                *ret = hit;
                return 0;
        }
        char *res = NULL;
        int r = fs_chase(root, parent, CHASE_NONEXISTENT, &res);
        if (r < 0)
                return r;
        r = strmap_put(&parent_cache, key, res);
        if (r <= 0) {
                free(res);
                return r < 0 ? r : -EEXIST;
        }
        *ret = res;
        return 0;
}

int fs_chase_dir_cached(const char *root, const char *dir, const char **ret) {
        return resolve_parent_cached(root, dir, ret);
}

/* The fast way for inner (absolute, as seen inside root): a plain last component in a
 * directory resolved before. 1 with *ret_cand (its host path) and *ret_st when it is there and
 * no symlink; 0 with *ret_cand when it is not there; -EAGAIN when only the full walk can tell
 * (a symlink, ".", "..", another error); -ENOMEM. */
static int in_cached_parent(const char *root, const char *inner, char **ret_cand, struct stat *ret_st) {
        const char *slash = strrchr(inner, '/');
        const char *base = slash ? slash + 1 : NULL;
        if (inner[0] != '/' || !slash || slash == inner || !*base || streq(base, ".") || streq(base, ".."))
                return -EAGAIN;
        _cleanup_free_ char *parent = strndup(inner, (size_t) (slash - inner));
        const char *rp = NULL;
        if (!parent)
                return -ENOMEM;
        if (resolve_parent_cached(root, parent, &rp) < 0)
                return -EAGAIN;
        _cleanup_free_ char *cand = strjoin_path(rp, base);
        if (!cand)
                return -ENOMEM;
        if (lstat(cand, ret_st) < 0) {
                if (errno != ENOENT)
                        return -EAGAIN;
                *ret_cand = TAKE_PTR(cand);
                return 0;
        }
        if (S_ISLNK(ret_st->st_mode))
                return -EAGAIN;
        *ret_cand = TAKE_PTR(cand);
        return 1;
}

int fs_chase_existing(const char *root, const char *path, char **ret, struct stat *ret_st) {
        struct stat st;
        char *cand = NULL;
        int k = in_cached_parent(root, path, &cand, &st);
        if (k == -ENOMEM)
                return k;
        if (k == 0) {
                free(cand);
                return -ENOENT;
        }
        if (k > 0) {
                if (ret_st)
                        *ret_st = st;
                *ret = cand;
                return 0;
        }
        int r = fs_chase(root, path, 0, ret);
        if (r >= 0 && ret_st && stat(*ret, ret_st) < 0) {
                r = -errno;
                *ret = mfree(*ret);
        }
        return r;
}

int fs_resolve_under_root(const char *root, const char *host_path, char **ret) {
        return fs_resolve_under_root_st(root, host_path, ret, NULL);
}

int fs_resolve_under_root_st(const char *root, const char *host_path, char **ret, struct stat *ret_st) {
        if (ret_st)
                ret_st->st_mode = 0;  /* unknown unless the fast path saw it */
        const char *inner = host_path;
        if (root) {
                inner = startswith(host_path, root);
                if (!inner || (*inner && *inner != '/'))
                        return -EINVAL;
                if (!*inner)
                        inner = "/";
        }
        struct stat st;
        int k = in_cached_parent(root, inner, ret, &st);
        if (k == -ENOMEM)
                return k;
        if (k >= 0) {
                if (k > 0 && ret_st)
                        *ret_st = st;
                return 0;
        }
        return fs_chase(root, inner, CHASE_NONEXISTENT, ret);
}

int read_fd_limited(int fd, size_t max, char **ret, size_t *ret_size) {
        return read_fd_sized(fd, max, 0, ret, ret_size);
}

int read_fd_sized(int fd, size_t max, uint64_t size, char **ret, size_t *ret_size) {
        Buf b = {};
        char chunk[16384];
        buf_puts(&b, "");
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
                if (size > 0 && b.len == size)
                        break;  /* all fstat() saw: no read() to find the end */
        }
        size_t len = b.len;
        char *data = buf_steal(&b);
        if (!data)
                return -ENOMEM;
        *ret = data;
        if (ret_size)
                *ret_size = len;
        return 0;
}

int fs_open_regular(const char *host_path, struct stat *ret_st) {
        int fd = open(host_path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        int r = fstat(fd, ret_st) < 0 ? -errno : S_ISDIR(ret_st->st_mode) ? -EISDIR
                                               : !S_ISREG(ret_st->st_mode) ? -ENOTSUP : 0;
        if (r < 0) {
                close(fd);
                return r;
        }
        return fd;
}

int read_file_limited(const char *host_path, size_t max, char **ret, size_t *ret_size) {
        struct stat st;
        _cleanup_close_ int fd = fs_open_regular(host_path, &st);
        if (fd < 0)
                return fd;
        if ((uint64_t) st.st_size > max)
                return -EFBIG;
        return read_fd_limited(fd, max, ret, ret_size);
}

int read_file_head(const char *host_path, size_t max, char **ret, size_t *ret_size) {
        struct stat st;
        _cleanup_close_ int fd = fs_open_regular(host_path, &st);
        if (fd < 0)
                return fd;
        char *data = malloc(max + 1);
        if (!data)
                return -ENOMEM;
        size_t n = 0;
        while (n < max) {
                ssize_t k = read(fd, data + n, max - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        int e = -errno;
                        free(data);
                        return e;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        data[n] = 0;
        *ret = data;
        if (ret_size)
                *ret_size = n;
        return 0;
}

int proc_environ_read(uint32_t pid, char **ret, size_t *ret_size) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%u/environ", pid);
        return read_file_limited(path, PROC_ENVIRON_MAX, ret, ret_size);
}
