/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "basic/elf.h"
#include "basic/fs.h"
#include "trust/rtversion.h"

/* Every pattern fits in this many bytes from its start: a match that begins in the last WINDOW
 * bytes of a chunk is looked at again with the next chunk. */
#define WINDOW 256

static const char *const prefix[] = {
        [RTV_NODE] = "https://nodejs.org/download/",
        [RTV_BUN] = "Bun v",
        [RTV_DENO] = "Deno/",
};

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool is_hex(char c) {
        return is_digit(c) || (c >= 'a' && c <= 'f');
}

static bool is_word(char c) {
        return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* "X.Y.Z" then suffix characters ([-.\w], and '+' when plus_ok), at most n bytes. Returns the
 * length taken (0: no version here) and fills v. */
static size_t parse_version(const char *p, size_t n, bool plus_ok, RtVersion *v) {
        unsigned part[3];
        size_t i = 0;
        for (int k = 0; k < 3; k++) {
                size_t s = i;
                unsigned x = 0;
                while (i < n && is_digit(p[i]) && i - s < 6)
                        x = x * 10 + (unsigned) (p[i++] - '0');
                /* no leading zero: release versions never have one, and "00.4" would not read
                 * back as the number it holds */
                if (i == s || (i < n && is_digit(p[i])) || (p[s] == '0' && i - s > 1))
                        return 0;
                part[k] = x;
                if (k < 2 && (i >= n || p[i++] != '.'))
                        return 0;
        }
        while (i < n && (is_word(p[i]) || p[i] == '-' || p[i] == '.' || (plus_ok && p[i] == '+')))
                i++;
        if (i > RTVERSION_TEXT_MAX || part[0] > 999 || part[1] > 999 || part[2] > 999)
                return 0;
        *v = (RtVersion) { .known = true, .major = part[0], .minor = part[1], .patch = part[2] };
        memcpy(v->text, p, i);
        v->text[i] = 0;
        return i;
}

static bool take(const char *p, size_t n, size_t *i, const char *lit) {
        size_t l = strlen(lit);
        if (*i + l > n || memcmp(p + *i, lit, l) != 0)
                return false;
        *i += l;
        return true;
}

static size_t span_hex(const char *p, size_t n, size_t i, size_t max) {
        size_t s = i;
        while (i < n && i - s < max && is_hex(p[i]))
                i++;
        return i - s;
}

/* https://nodejs.org/download/<channel>/v<V>/node-v<V>[-headers].tar.gz\0 at p. */
static bool match_node(const char *p, size_t n, RtVersion *v) {
        size_t i = strlen(prefix[RTV_NODE]), s = i;
        while (i < n && i - s < 16 && p[i] >= 'a' && p[i] <= 'z')
                i++;
        if (i == s || !take(p, n, &i, "/v"))
                return false;
        size_t l = parse_version(p + i, n - i, true, v);
        if (l == 0)
                return false;
        i += l;
        if (!take(p, n, &i, "/node-v") || !take(p, n, &i, v->text))
                return false;
        (void) take(p, n, &i, "-headers");
        return take(p, n, &i, ".tar.gz") && i < n && p[i] == 0;
}

/* Bun v<V> (<6-40 hex>) Linux x64 at p. */
static bool match_bun(const char *p, size_t n, RtVersion *v) {
        size_t i = strlen(prefix[RTV_BUN]);
        size_t l = parse_version(p + i, n - i, true, v);
        if (l == 0)
                return false;
        i += l;
        if (!take(p, n, &i, " ("))
                return false;
        size_t h = span_hex(p, n, i, 40);
        i += h;
        return h >= 6 && take(p, n, &i, ") Linux x64");
}

/* Deno/<V>Deno/<V>+<7-40 hex> at p; V has no '+'. */
static bool match_deno(const char *p, size_t n, RtVersion *v) {
        size_t i = strlen(prefix[RTV_DENO]);
        size_t lim = MIN(n, i + RTVERSION_TEXT_MAX + 5);
        const char *second = memmem(p + i, lim - i, "Deno/", 5);
        if (!second)
                return false;
        size_t len = (size_t) (second - (p + i));
        if (len == 0 || parse_version(p + i, len, false, v) != len)
                return false;
        i += len + 5;
        if (!take(p, n, &i, v->text) || !take(p, n, &i, "+"))
                return false;
        return span_hex(p, n, i, 40) >= 7;
}

/* The first match starting before max_start. */
static int find_before(RtVersionKind kind, const char *data, size_t size, size_t max_start, RtVersion *ret) {
        const char *pre = prefix[kind];
        size_t pl = strlen(pre);
        for (size_t off = 0; off < max_start && off + pl <= size;) {
                const char *hit = memmem(data + off, size - off, pre, pl);
                if (!hit || (size_t) (hit - data) >= max_start)
                        return 0;
                size_t at = (size_t) (hit - data), rest = MIN(size - at, (size_t) WINDOW);
                RtVersion v = {};
                bool ok = kind == RTV_NODE ? match_node(hit, rest, &v)
                        : kind == RTV_BUN  ? match_bun(hit, rest, &v)
                                           : match_deno(hit, rest, &v);
                if (ok) {
                        *ret = v;
                        return 1;
                }
                off = at + 1;
        }
        return 0;
}

int rtversion_find(RtVersionKind kind, const char *data, size_t size, RtVersion *ret) {
        if ((unsigned) kind > RTV_DENO)
                return 0;
        return find_before(kind, data, size, size, ret);
}

int rtversion_find_libnode(const char *data, size_t size, unsigned *ret_abi) {
        static const char lit[] = "libnode.so.";
        if (size < 4 || memcmp(data, "\177ELF", 4) != 0)
                return 0;
        for (size_t off = 0; off < size;) {
                const char *hit = memmem(data + off, size - off, lit, sizeof(lit) - 1);
                if (!hit)
                        return 0;
                size_t i = (size_t) (hit - data) + sizeof(lit) - 1, s = i;
                unsigned abi = 0;
                while (i < size && is_digit(data[i]) && i - s < 4)
                        abi = abi * 10 + (unsigned) (data[i++] - '0');
                /* a whole .dynstr string: NUL before and after */
                if (i > s && i < size && data[i] == 0 && (hit == data || hit[-1] == 0)) {
                        *ret_abi = abi;
                        return 1;
                }
                off = (size_t) (hit - data) + 1;
        }
        return 0;
}

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* Scans the bytes [off, end) of fd for the first version of kind: 0 (*ret unknown when none, or
 * when the bounds were reached first) or the read errno. */
static int scan_range(RtVersionKind kind, int fd, uint64_t off, uint64_t end, uint64_t start, RtVersion *ret) {
        _cleanup_free_ char *buf = NULL;
        size_t have = 0, chunk = RTVERSION_FIRST_CHUNK / 2, cap = 0;
        uint64_t first = off;
        *ret = (RtVersion) {};
        for (;;) {
                if (off - first >= RTVERSION_MAX_BYTES || now_ms() - start > RTVERSION_MAX_MS)
                        return 0;  /* bounded: unknown */
                chunk = MIN(chunk * 2, (size_t) RTVERSION_CHUNK);
                if (cap < chunk + WINDOW) {
                        char *b = realloc(buf, chunk + WINDOW);
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                        cap = chunk + WINDOW;
                }
                size_t want = (size_t) MIN((uint64_t) chunk, end - off);
                ssize_t k = want == 0 ? 0 : pread(fd, buf + have, want, (off_t) off);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                size_t len = have + (size_t) k;
                bool eof = k == 0;
                size_t max_start = eof ? len : len > WINDOW ? len - WINDOW : 0;
                if (find_before(kind, buf, len, max_start, ret) > 0 || eof)
                        return 0;
                off += (uint64_t) k;
                have = MIN(len, (size_t) WINDOW);
                memmove(buf, buf + len - have, have);
        }
}

int rtversion_scan_fd(RtVersionKind kind, int fd, RtVersion *ret) {
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        uint64_t start = now_ms(), ro_off = 0, ro_size = 0;
        /* The banners are string literals: an ELF binary keeps them in .rodata, which is looked
         * at first (a Node binary's is 35 MB into the file); then the whole file, as before. */
        if (elf_section_range(fd, (uint64_t) st.st_size, ".rodata", &ro_off, &ro_size) == 0) {
                int r = scan_range(kind, fd, ro_off, ro_off + ro_size, start, ret);
                if (r < 0 || ret->known)
                        return r;
        }
        return scan_range(kind, fd, 0, (uint64_t) st.st_size, start, ret);
}

/* Debian's nodejs: /usr/bin/node is a small launcher; the version is in the libnode it links. */
static int read_libnode(const char *root, int fd, RtVersion *ret) {
        static const char *const dirs[] = {
                "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
                "/usr/lib/arm-linux-gnueabihf", "/usr/lib/i386-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib",
        };
        struct stat st;
        if (fstat(fd, &st) < 0 || st.st_size > RTVERSION_LAUNCHER_MAX)
                return 0;
        _cleanup_free_ char *data = malloc((size_t) st.st_size + 1);
        ssize_t k = data ? pread(fd, data, (size_t) st.st_size, 0) : -1;
        unsigned abi = 0;
        if (k <= 0 || rtversion_find_libnode(data, (size_t) k, &abi) <= 0)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_free_ char *p = xasprintf("%s/libnode.so.%u", dirs[i], abi), *host = NULL;
                if (!p || fs_chase(root, p, 0, &host) < 0)
                        continue;
                _cleanup_close_ int lfd = open(host, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                if (lfd < 0)
                        continue;
                RtVersion v = {};
                if (rtversion_scan_fd(RTV_NODE, lfd, &v) < 0)
                        continue;
                *ret = v;
                break;
        }
        ret->shared_libnode = true;
        ret->libnode_abi = abi;
        return 0;
}

/* Answers per file identity: 500 services sharing /usr/bin/node cost one scan. */
typedef struct Memo {
        char *path;     /* the host path it was read by: the same path is answered without a stat() */
        dev_t dev;
        ino_t ino;
        off_t size;
        struct timespec mtime;
        RtVersionKind kind;
        RtVersion v;
} Memo;
static Memo memo[16];
static size_t n_memo;

static Memo *memo_find(const struct stat *st, RtVersionKind kind) {
        for (size_t i = 0; i < n_memo; i++)
                if (memo[i].dev == st->st_dev && memo[i].ino == st->st_ino && memo[i].size == st->st_size &&
                    memo[i].mtime.tv_sec == st->st_mtim.tv_sec && memo[i].mtime.tv_nsec == st->st_mtim.tv_nsec &&
                    memo[i].kind == kind)
                        return &memo[i];
        return NULL;
}

int rtversion_read(RtVersionKind kind, const char *root, const char *host_path, RtVersion *ret) {
        /* A path answered before in this run is answered again (nothing replaces a binary under
         * it); another path to a file answered before is known by one stat(). */
        for (size_t i = 0; i < n_memo; i++)
                if (memo[i].kind == kind && memo[i].path && streq(memo[i].path, host_path)) {
                        *ret = memo[i].v;
                        return 0;
                }
        struct stat st;
        Memo *m = stat(host_path, &st) == 0 && S_ISREG(st.st_mode) ? memo_find(&st, kind) : NULL;
        if (m) {
                *ret = m->v;
                return 0;
        }
        /* O_NONBLOCK: a FIFO where a binary should be must not block the open */
        _cleanup_close_ int fd = open(host_path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        m = memo_find(&st, kind);
        if (m) {
                *ret = m->v;
                return 0;
        }
        RtVersion v = {};
        int r = rtversion_scan_fd(kind, fd, &v);
        if (r < 0)
                return r;
        if (!v.known && kind == RTV_NODE && (r = read_libnode(root, fd, &v)) < 0)
                return r;
        m = &memo[n_memo < ELEMENTSOF(memo) ? n_memo++ : (size_t) (st.st_ino % ELEMENTSOF(memo))];
        free(m->path);
        *m = (Memo) { .path = strdup(host_path), .dev = st.st_dev, .ino = st.st_ino, .size = st.st_size,
                      .mtime = st.st_mtim, .kind = kind, .v = v };
        *ret = v;
        return 0;
}
