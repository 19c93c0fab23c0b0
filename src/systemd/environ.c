/* SPDX-License-Identifier: MIT */
/* systemd 252's environment rules, re-implemented from its documented and observed behaviour:
 * Environment=/UnsetEnvironment= word splitting, unit specifiers and the EnvironmentFile= format.
 */

#include "basic/fs.h"
#include "systemd/environ.h"
#include "systemd/unit-name.h"
#include "systemd/version.h"

#include <ctype.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#define WHITESPACE " \t\n\r"
#define NEWLINE "\n\r"
#define LETTERS_DIGITS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

static bool is_ws(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';  /* WHITESPACE, without a strchr() per byte */
}

static bool is_newline(char c) {
        return c == '\n' || c == '\r';
}

static int unhex(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -EINVAL;
}

/* sysconf() asks the kernel every time: once per process is enough. */
static size_t arg_max(void) {
        static size_t cached;
        if (cached == 0) {
                long l = sysconf(_SC_ARG_MAX);
                cached = l > 0 ? (size_t) l : 2 * 1024 * 1024;
        }
        return cached;
}

/* ---------------------------------------------------------------------------------------------- */
/* UTF-8 and C escapes */

/* systemd also refuses the non-characters U+FDD0..U+FDEF and U+xxFFFE/U+xxFFFF, which util.c's
 * utf8_is_valid() accepts; env values must be judged by systemd's rule. */
static bool unichar_is_valid(uint32_t c) {
        if (c >= 0x110000)
                return false;
        if ((c & 0xFFFFF800) == 0xD800)
                return false;
        if (c >= 0xFDD0 && c <= 0xFDEF)
                return false;
        if ((c & 0xFFFE) == 0xFFFE)
                return false;
        return true;
}

static bool sd_utf8_is_valid_str(const char *s) {
        return utf8_is_valid(s, strlen(s));
}

/* Encodes any code point below 2^21, like systemd, which also encodes \u surrogates (the result is
 * then rejected later as invalid UTF-8, not as an escape error). */
static void buf_put_unichar(Buf *b, uint32_t c) {
        char o[4];
        size_t n;

        if (c < 0x80) {
                o[0] = (char) c;
                n = 1;
        } else if (c < 0x800) {
                o[0] = (char) (0xC0 | (c >> 6));
                o[1] = (char) (0x80 | (c & 0x3F));
                n = 2;
        } else if (c < 0x10000) {
                o[0] = (char) (0xE0 | (c >> 12));
                o[1] = (char) (0x80 | ((c >> 6) & 0x3F));
                o[2] = (char) (0x80 | (c & 0x3F));
                n = 3;
        } else {
                o[0] = (char) (0xF0 | ((c >> 18) & 0x07));
                o[1] = (char) (0x80 | ((c >> 12) & 0x3F));
                o[2] = (char) (0x80 | ((c >> 6) & 0x3F));
                o[3] = (char) (0x80 | (c & 0x3F));
                n = 4;
        }
        buf_put(b, o, n);
}

static int hex_digits(const char *p, unsigned n, uint32_t *ret) {
        uint32_t v = 0;

        for (unsigned i = 0; i < n; i++) {
                int d = unhex(p[i]);
                if (d < 0)
                        return -EINVAL;
                v = (v << 4) | (uint32_t) d;
        }
        *ret = v;
        return 0;
}

/* One C escape after the backslash at p: appends its expansion to b, returns the number of
 * characters consumed, or -EINVAL. \x and \NNN give raw bytes, \u and \U UTF-8. */
static int cunescape_one(const char *p, Buf *b) {
        static const char simple_from[] = "abfnrtv\\\"'s";
        static const char simple_to[] = "\a\b\f\n\r\t\v\\\"' ";
        const char *s;
        uint32_t v;

        if (*p == 0)
                return -EINVAL;

        s = strchr(simple_from, *p);
        if (s) {
                buf_putc(b, simple_to[s - simple_from]);
                return 1;
        }

        switch (*p) {
        case 'x':
                if (hex_digits(p + 1, 2, &v) < 0 || v == 0)
                        return -EINVAL;
                buf_putc(b, (char) v);
                return 3;
        case 'u':
                if (hex_digits(p + 1, 4, &v) < 0 || v == 0)
                        return -EINVAL;
                buf_put_unichar(b, v);
                return 5;
        case 'U':
                if (hex_digits(p + 1, 8, &v) < 0 || v == 0 || !unichar_is_valid(v))
                        return -EINVAL;
                buf_put_unichar(b, v);
                return 9;
        case '0' ... '7':
                v = 0;
                for (unsigned i = 0; i < 3; i++) {
                        if (p[i] < '0' || p[i] > '7')
                                return -EINVAL;
                        v = (v << 3) | (uint32_t) (p[i] - '0');
                }
                if (v == 0 || v > 255)
                        return -EINVAL;
                buf_putc(b, (char) v);
                return 3;
        default:
                return -EINVAL;
        }
}

/* The escape whose backslash is at *s into b, advancing *s past it: a C escape with
 * EXTRACT_CUNESCAPE, otherwise the next character as it is. */
static int take_escape(const char **s, Buf *b, unsigned flags) {
        const char *q = *s + 1;

        if (*q == 0)
                return -EINVAL;
        if (flags & EXTRACT_CUNESCAPE) {
                int r = cunescape_one(q, b);
                if (r < 0)
                        return r;
                q += r;
        } else
                buf_putc(b, *q++);
        *s = q;
        return 0;
}

/* The characters of the word starting at *s into b, unquoting and unescaping as flags say;
 * leaves *s after the whitespace that ends the word, or at the end of the string. */
/* The run of bytes at q that stand for themselves: no NUL or backslash, and outside quotes no
 * whitespace (nor a quote, when unquoting), inside them not the closing quote. */
static size_t plain_run(const char *q, char quote, bool unquote) {
        const char *e = q;
        if (quote != 0)
                while (*e && *e != '\\' && *e != quote)
                        e++;
        else
                while (*e && *e != '\\' && !is_ws(*e) && !(unquote && (*e == '\'' || *e == '"')))
                        e++;
        return (size_t) (e - q);
}

static int scan_word(const char **s, Buf *b, unsigned flags) {
        const char *q = *s;
        char quote = 0;
        int r;

        for (;;) {
                /* copied a run at a time, not a byte at a time */
                size_t n = plain_run(q, quote, flags & EXTRACT_UNQUOTE);
                if (n > 0) {
                        buf_put(b, q, n);
                        q += n;
                }
                char c = *q;

                if (c == 0) {
                        if (quote != 0)
                                return -EINVAL;
                        break;
                }

                if (c == '\\') {
                        r = take_escape(&q, b, flags);
                        if (r < 0)
                                return r;
                        continue;
                }

                if (quote != 0) {
                        if (c == quote)
                                quote = 0;
                        else
                                buf_putc(b, c);
                        q++;
                        continue;
                }

                if ((flags & EXTRACT_UNQUOTE) && (c == '\'' || c == '"')) {
                        quote = c;
                        q++;
                        continue;
                }

                if (is_ws(c)) {
                        while (is_ws(*q))
                                q++;
                        break;
                }

                buf_putc(b, c);
                q++;
        }
        *s = q;
        return 0;
}

int extract_word(const char **p, char **ret, unsigned flags) {
        _cleanup_(buf_free) Buf b = {};
        const char *s;
        int r;

        if (!p || !ret)
                return -EINVAL;

        s = *p;
        if (!s) {
                *ret = NULL;
                return 0;
        }

        while (is_ws(*s))
                s++;
        if (*s == 0) {
                *p = s;
                *ret = NULL;
                return 0;
        }

        /* A word was found, even if it unquotes to "". */
        buf_put(&b, "", 0);

        r = scan_word(&s, &b, flags);
        if (r < 0)
                return r;

        if (b.oom)
                return -ENOMEM;

        char *w = buf_steal(&b);
        if (!w)
                return -ENOMEM;

        *p = s;
        *ret = w;
        return 1;
}

/* ---------------------------------------------------------------------------------------------- */
/* Unit names */

/* ---------------------------------------------------------------------------------------------- */
/* Host facts */

/* Reads a whole (small) file; embedded NULs are kept, size returned separately. */
static int read_full(const char *path, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -1;
        _cleanup_(buf_free) Buf b = {};
        char chunk[4096];

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        buf_put(&b, "", 0);
        for (;;) {
                ssize_t n = read(fd, chunk, sizeof chunk);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                buf_put(&b, chunk, (size_t) n);
                if (b.len > 4 * 1024 * 1024)
                        return -E2BIG;
        }
        size_t size = b.len;
        char *s = buf_steal(&b);
        if (!s)
                return -ENOMEM;
        *ret = s;
        if (ret_size)
                *ret_size = size;
        return 0;
}

static char *root_path(const char *root, const char *path) {
        return root ? strjoin_path(root, path) : strdup(path);
}

static int parse_env_data(const char *data, size_t size, const char *path, unsigned version,
                          EnvList *out, Diags *diags, bool clean);

/* Looks key up in an env-format file (the last assignment wins, as parse_env_file() does).
 * 0 and *ret (NULL when absent), or negative errno (the file's own error). */
static int env_file_lookup(const char *path, unsigned version, const char *key, char **ret) {
        _cleanup_free_ char *data = NULL;
        _cleanup_(env_list_done) EnvList l = {};
        size_t size;
        int r;

        r = read_full(path, &data, &size);
        if (r < 0)
                return r;
        r = parse_env_data(data, size, path, version, &l, NULL, false);
        if (r < 0)
                return r;

        const EnvEntry *e = env_list_get(&l, key);
        char *v = NULL;
        if (e) {
                v = strdup(env_entry_value(e));
                if (!v)
                        return -ENOMEM;
        }
        *ret = v;
        return 0;
}

/* os-release lives in /etc or /usr/lib; a missing file is -EUNATCH as in systemd. */
static int os_release_field(const char *root, unsigned version, const char *key, char **ret) {
        static const char *const paths[] = { "/etc/os-release", "/usr/lib/os-release" };
        int r = -ENOENT;

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                _cleanup_free_ char *p = root_path(root, paths[i]);
                if (!p)
                        return -ENOMEM;
                r = env_file_lookup(p, version, key, ret);
                if (r != -ENOENT)
                        break;
        }
        return r == -ENOENT ? -EUNATCH : r;
}

/* An ID128 as systemd prints it: 32 lowercase hex digits. Accepts plain or UUID form. */
static int id128_parse(const char *s, size_t n, char **ret) {
        char out[33];
        size_t k = 0;
        bool nonzero = false;

        while (n > 0 && is_newline(s[n - 1]))
                n--;
        if (n != 32 && n != 36)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                if (n == 36 && (i == 8 || i == 13 || i == 18 || i == 23)) {
                        if (s[i] != '-')
                                return -EINVAL;
                        continue;
                }
                int d = unhex(s[i]);
                if (d < 0 || k >= 32)
                        return -EINVAL;
                out[k++] = "0123456789abcdef"[d];
                nonzero = nonzero || d != 0;
        }
        if (k != 32)
                return -EINVAL;
        if (!nonzero)
                return -ENOMEDIUM;
        out[32] = 0;
        char *r = strdup(out);
        if (!r)
                return -ENOMEM;
        *ret = r;
        return 0;
}

static int read_id128(const char *path, bool missing_is_eunatch, char **ret) {
        _cleanup_free_ char *data = NULL;
        size_t size;
        int r;

        r = read_full(path, &data, &size);
        if (r == -ENOENT && missing_is_eunatch)
                return -EUNATCH;
        if (r < 0)
                return r;
        if (size == 0 || startswith(data, "uninitialized"))
                return -ENOMEDIUM;
        return id128_parse(data, size, ret);
}

/* read_etc_hostname() + hostname_cleanup(): the first line that is neither blank nor a '#'
 * comment, stripped; only letters, digits, '-', '_' and single inner dots kept, at most 64
 * bytes. "" when there is no such line (the caller's fallback applies). */
static char *etc_hostname_parse(const char *data) {
        const char *line = data;
        size_t n = 0;
        for (;;) {
                line += strspn(line, WHITESPACE);   /* blank lines too */
                n = strcspn(line, NEWLINE);
                if (n == 0 || *line != '#')
                        break;
                line += n;
        }
        char *h = strndup(line, n);
        if (!h)
                return NULL;
        size_t k = 0;
        for (const char *c = h; *c && c < h + n && k < 64; c++) {
                bool dot = *c == '.';
                if (dot ? k > 0 && h[k - 1] != '.' : (isalnum((unsigned char) *c) || strchr("-_", *c)))
                        h[k++] = *c;
        }
        while (k > 0 && h[k - 1] == '.')
                k--;
        h[k] = 0;
        return h;
}

static int hostname_get(const char *root, bool shorten, char **ret) {
        _cleanup_free_ char *h = NULL;
        int r;

        if (root) {
                /* No running kernel for an OS tree: its configured static hostname. */
                _cleanup_free_ char *p = root_path(root, "/etc/hostname"), *data = NULL;
                if (!p)
                        return -ENOMEM;
                r = read_full(p, &data, NULL);
                if (r < 0 && r != -ENOENT)
                        return r;
                if (r >= 0 && !(h = etc_hostname_parse(data)))
                        return -ENOMEM;
        } else {
                struct utsname u;
                if (uname(&u) < 0)
                        return -errno;
                if (!isempty(u.nodename) && !streq(u.nodename, "(none)")) {
                        h = strdup(u.nodename);
                        if (!h)
                                return -ENOMEM;
                }
        }
        if (isempty(h)) {
                free(h);
                h = strdup("localhost");
                if (!h)
                        return -ENOMEM;
        }
        if (shorten)
                h[strcspn(h, ".")] = 0;
        *ret = TAKE_PTR(h);
        return 0;
}

static const char *architecture_name(const char *machine) {
        static const struct {
                const char *machine, *arch;
        } table[] = {
                { "x86_64", "x86-64" },   { "i686", "x86" },        { "i586", "x86" },
                { "i486", "x86" },        { "i386", "x86" },        { "aarch64", "arm64" },
                { "aarch64_be", "arm64-be" }, { "armv8l", "arm" },  { "armv7l", "arm" },
                { "armv7b", "arm-be" },   { "armv6l", "arm" },      { "ppc64le", "ppc64-le" },
                { "ppc64", "ppc64" },     { "ppcle", "ppc-le" },    { "ppc", "ppc" },
                { "s390x", "s390x" },     { "s390", "s390" },       { "riscv64", "riscv64" },
                { "riscv32", "riscv32" }, { "loongarch64", "loongarch64" }, { "mips64", "mips64" },
                { "mips", "mips" },       { "sparc64", "sparc64" }, { "alpha", "alpha" },
                { "parisc64", "parisc64" }, { "parisc", "parisc" }, { "m68k", "m68k" },
                { "ia64", "ia64" },       { "sh", "sh" },           { "arc", "arc" },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(machine, table[i].machine))
                        return table[i].arch;
        return machine;
}

static bool env_path_ok(const char *e) {
        return e && e[0] == '/' && strlen(e) < PATH_MAX;
}

/* $HOME or $SHELL when it is a sane absolute path, else root's default or the user's passwd
 * entry, simplified: what the user manager gives %h and %s. */
static int user_path(const char *env, const char *root_default, bool shell, char **ret) {
        const char *e = secure_getenv(env);
        if (!env_path_ok(e)) {
                uid_t u = getuid();
                if (u == 0)
                        e = root_default;
                else {
                        errno = 0;
                        struct passwd *pw = getpwuid(u);
                        if (!pw)
                                return errno > 0 ? -errno : -ESRCH;
                        e = shell ? pw->pw_shell : pw->pw_dir;
                        if (!env_path_ok(e))
                                return -EINVAL;
                }
        }
        char *s = strdup(e);
        if (!s)
                return -ENOMEM;
        path_simplify(s);
        *ret = s;
        return 0;
}

static int user_home(char **ret) {
        return user_path("HOME", "/root", false, ret);
}

static int user_shell(char **ret) {
        return user_path("SHELL", "/bin/sh", true, ret);
}

/* sd_path_lookup() for the user manager: $ENV when absolute, else ~/suffix. */
static int xdg_dir(const char *env, const char *home_suffix, char **ret) {
        const char *e = secure_getenv(env);
        char *s;

        if (env_path_ok(e))
                s = strdup(e);
        else {
                _cleanup_free_ char *h = NULL;
                int r;

                if (!home_suffix)
                        return -ENXIO;
                r = user_home(&h);
                if (r < 0)
                        return r;
                s = strjoin_path(h, home_suffix);
        }
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

enum { DIR_RUNTIME, DIR_STATE, DIR_CACHE, DIR_LOGS, DIR_CONFIG };

/* The manager's directories for %t %S %C %L %E (manager_setup_prefix()). The user manager's
 * state and logs moved from $XDG_CONFIG_HOME to $XDG_STATE_HOME in systemd 254. */
static int special_dir(const SpecifierContext *ctx, int which, char **ret) {
        bool user = ctx->user;
        static const char *const system_dirs[] = {
                [DIR_RUNTIME] = "/run", [DIR_STATE] = "/var/lib", [DIR_CACHE] = "/var/cache",
                [DIR_LOGS] = "/var/log", [DIR_CONFIG] = "/etc",
        };
        char *s;

        if (!user) {
                s = strdup(system_dirs[which]);
                if (!s)
                        return -ENOMEM;
                *ret = s;
                return 0;
        }

        bool xdg_state = systemd_at_least(ctx->version, SYSTEMD_V_USER_STATE_XDG);
        if (!xdg_state && which == DIR_STATE)
                which = DIR_CONFIG;
        switch (which) {
        case DIR_RUNTIME:
                return xdg_dir("XDG_RUNTIME_DIR", NULL, ret);
        case DIR_STATE:
                return xdg_dir("XDG_STATE_HOME", ".local/state", ret);
        case DIR_CACHE:
                return xdg_dir("XDG_CACHE_HOME", ".cache", ret);
        case DIR_CONFIG:
                return xdg_dir("XDG_CONFIG_HOME", ".config", ret);
        default: {
                _cleanup_free_ char *st = NULL;
                int r = xdg_state ? xdg_dir("XDG_STATE_HOME", ".local/state", &st) : xdg_dir("XDG_CONFIG_HOME", ".config", &st);
                if (r < 0)
                        return r;
                s = strjoin_path(st, "log");
                if (!s)
                        return -ENOMEM;
                *ret = s;
                return 0;
        }
        }
}

static bool is_dir(const char *p) {
        struct stat st;
        return stat(p, &st) >= 0 && S_ISDIR(st.st_mode);
}

/* tmp_dir()/var_tmp_dir(): the user manager honours $TMPDIR, $TEMP, $TMP. */
static int tmp_dir(const SpecifierContext *ctx, const char *fallback, char **ret) {
        const char *p = fallback;
        char *s;

        if (ctx && ctx->user && !ctx->root) {
                static const char *const vars[] = { "TMPDIR", "TEMP", "TMP" };
                for (size_t i = 0; i < ELEMENTSOF(vars); i++) {
                        const char *e = secure_getenv(vars[i]);
                        if (env_path_ok(e) && path_is_normalized(e) && is_dir(e)) {
                                p = e;
                                break;
                        }
                }
        }
        s = strdup(p);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* %y: the fragment with symlinks resolved (inside ctx->root when given). */
static int real_fragment_path(const SpecifierContext *ctx, char **ret) {
        if (!ctx || !ctx->fragment_path)
                return -ENOENT;
        return fs_chase_inside(ctx->root, ctx->fragment_path, ret);
}

/* cg_escape(): names that could clash with cgroupfs attribute files get a '_' prefix. */
static char *cg_escape(const char *p) {
        static const char *const ctrl[] = { "cpu", "cpuacct", "cpuset", "io", "blkio", "memory",
                                            "devices", "pids", "cgroup" };
        bool esc = p[0] == '_' || p[0] == '.' || streq(p, "notify_on_release") ||
                   streq(p, "release_agent") || streq(p, "tasks");

        for (size_t i = 0; !esc && i < ELEMENTSOF(ctrl); i++) {
                const char *t = startswith(p, ctrl[i]);
                esc = t && *t == '.';
        }
        return esc ? xasprintf("_%s", p) : strdup(p);
}

/* The cgroup path of a slice: "a-b.slice" lives in "/a.slice/a-b.slice". */
static int slice_path(const char *cg_root, const char *slice, char **ret) {
        _cleanup_(buf_free) Buf b = {};
        const char *end = endswith(slice, ".slice");

        buf_puts(&b, cg_root);
        if (!end || streq(slice, "-.slice")) {
                char *s = buf_steal(&b);
                if (!s)
                        return -ENOMEM;
                *ret = s;
                return 0;
        }
        for (const char *d = slice; d <= end; d++)
                if (d == end || *d == '-') {
                        _cleanup_free_ char *part = NULL, *name = NULL, *esc = NULL;
                        part = strndup(slice, (size_t) (d - slice));
                        if (!part)
                                return -ENOMEM;
                        name = xasprintf("%s.slice", part);
                        if (!name)
                                return -ENOMEM;
                        esc = cg_escape(name);
                        if (!esc)
                                return -ENOMEM;
                        buf_printf(&b, "/%s", esc);
                }
        char *s = buf_steal(&b);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* %c %r %R, the deprecated cgroup specifiers, as they expand while the unit file is read
 * (unit_default_cgroup_path()): the unit has no cgroup yet, and a slice only if Slice= came
 * earlier, that slice not loaded yet (so without its parent). */
static int cgroup_specifier(const SpecifierContext *ctx, const char *id, char which, char **ret) {
        _cleanup_free_ char *cg_root = NULL, *spath = NULL, *esc = NULL;
        int r;

        if (ctx->user)
                cg_root = xasprintf("/user.slice/user-%u.slice/user@%u.service",
                                    (unsigned) getuid(), (unsigned) getuid());
        else
                cg_root = strdup("");
        if (!cg_root)
                return -ENOMEM;
        if (which == 'R' || (which == 'r' && !ctx->slice)) {
                *ret = isempty(cg_root) ? NULL : TAKE_PTR(cg_root);
                return 0;
        }
        if (which == 'r') {
                _cleanup_free_ char *s = cg_escape(ctx->slice);
                if (!s)
                        return -ENOMEM;
                *ret = xasprintf("%s/%s", cg_root, s);
                return *ret ? 0 : -ENOMEM;
        }
        if (ctx->slice && (r = slice_path(cg_root, ctx->slice, &spath)) < 0)
                return r;
        if (!(esc = cg_escape(id)))
                return -ENOMEM;
        *ret = xasprintf("%s/%s", spath ? spath : cg_root, esc);
        return *ret ? 0 : -ENOMEM;
}

static int dup_or_null(const char *s, char **ret) {
        char *d = NULL;

        if (!isempty(s)) {
                d = strdup(s);
                if (!d)
                        return -ENOMEM;
        }
        *ret = d;
        return 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* Specifiers */

/* The os-release field of %A %B %M %o %w %W, or NULL for any other character. */
static const char *os_release_specifier(char c) {
        switch (c) {
        case 'A':
                return "IMAGE_VERSION";
        case 'B':
                return "BUILD_ID";
        case 'M':
                return "IMAGE_ID";
        case 'o':
                return "ID";
        case 'w':
                return "VERSION_ID";
        case 'W':
                return "VARIANT_ID";
        default:
                return NULL;
        }
}

/* Specifiers that need no unit: systemd's COMMON_SYSTEM_SPECIFIERS and COMMON_TMP_SPECIFIERS.
 * Returns 1 when handled, 0 when c is not one of them, or negative errno. */
static int system_specifier(const SpecifierContext *ctx, char c, char **ret) {
        const char *root = ctx ? ctx->root : NULL;
        unsigned version = ctx ? ctx->version : 0;
        const char *osr = os_release_specifier(c);

        if (osr)
                return os_release_field(root, version, osr, ret) ?: 1;

        switch (c) {
        case 'a': {
                struct utsname u;
                if (uname(&u) < 0)
                        return -errno;
                return dup_or_null(architecture_name(u.machine), ret) ?: 1;
        }
        case 'b':
                return read_id128("/proc/sys/kernel/random/boot_id", false, ret) ?: 1;
        case 'm': {
                _cleanup_free_ char *p = root_path(root, "/etc/machine-id");
                if (!p)
                        return -ENOMEM;
                return read_id128(p, root != NULL, ret) ?: 1;
        }
        case 'H':
                return hostname_get(root, false, ret) ?: 1;
        case 'l':
                return hostname_get(root, true, ret) ?: 1;
        case 'q': {
                _cleanup_free_ char *p = root_path(root, "/etc/machine-info"), *v = NULL;
                if (!p)
                        return -ENOMEM;
                if (env_file_lookup(p, version, "PRETTY_HOSTNAME", &v) >= 0 && !isempty(v)) {
                        *ret = TAKE_PTR(v);
                        return 1;
                }
                return hostname_get(root, true, ret) ?: 1;
        }
        case 'v': {
                struct utsname u;
                if (uname(&u) < 0)
                        return -errno;
                return dup_or_null(u.release, ret) ?: 1;
        }
        case 'T':
                return tmp_dir(ctx, "/tmp", ret) ?: 1;
        case 'V':
                return tmp_dir(ctx, "/var/tmp", ret) ?: 1;
        default:
                return 0;
        }
}

static int creds_specifier(bool user, char c, char **ret) {
        uid_t uid = user ? getuid() : 0;
        gid_t gid = user ? getgid() : 0;
        char *s = NULL;

        switch (c) {
        case 'u': {
                struct passwd *pw = uid == 0 ? NULL : getpwuid(uid);
                s = uid == 0 ? strdup("root") : pw ? strdup(pw->pw_name) : xasprintf("%u", (unsigned) uid);
                break;
        }
        case 'U':
                s = xasprintf("%u", (unsigned) uid);
                break;
        case 'g': {
                struct group *gr = gid == 0 ? NULL : getgrgid(gid);
                s = gid == 0 ? strdup("root") : gr ? strdup(gr->gr_name) : xasprintf("%u", (unsigned) gid);
                break;
        }
        case 'G':
                s = xasprintf("%u", (unsigned) gid);
                break;
        default:
                return 0;
        }
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 1;
}

/* The unit_full_printf() table. Returns 1 when c is known (then *ret, possibly NULL = empty),
 * 0 when unknown, or negative errno. */
/* u->instance: "" for a template itself, NULL for a plain unit */
static int unit_instance(const char *id, char **ret) {
        _cleanup_free_ char *inst = NULL;

        UnitNameKind kind = unit_name_classify(id);
        if (kind == UNIT_NAME_TEMPLATE ? !(inst = strdup("")) :
            kind == UNIT_NAME_INSTANCE && unit_name_instance(id, &inst) == -ENOMEM)
                return -ENOMEM;
        *ret = TAKE_PTR(inst);
        return 0;
}

/* %N: the unit name without its type suffix. */
static int name_without_suffix(const char *id, char **ret) {
        const char *dot;
        char *s;

        if (!unit_name_is_valid(id, UNIT_NAME_ANY))
                return -EINVAL;
        dot = strrchr(id, '.');
        s = strndup(id, (size_t) (dot - id));
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 1;
}

/* %j, %J: the last dash-separated component of the prefix, unescaped for %J. */
static int prefix_last_component(const char *id, bool unescape, char **ret) {
        _cleanup_free_ char *tmp = NULL;
        const char *dash;
        int r;

        r = unit_name_prefix(id, &tmp);
        if (r < 0)
                return r;
        dash = strrchr(tmp, '-');
        if (dash) {
                /* an empty last component expands to nothing */
                if (dash[1] == 0) {
                        *ret = NULL;
                        return 1;
                }
                memmove(tmp, dash + 1, strlen(dash + 1) + 1);
        }
        if (!unescape) {
                *ret = TAKE_PTR(tmp);
                return 1;
        }
        return unit_name_unescape(tmp, ret) ?: 1;
}

/* %f: the instance, or else the prefix, as a path. */
static int name_as_path(const char *id, const char *inst, char **ret) {
        _cleanup_free_ char *tmp = NULL;
        int r;

        if (inst)
                return unit_name_path_unescape(inst, ret) ?: 1;
        r = unit_name_prefix(id, &tmp);
        if (r < 0)
                return r;
        if (unit_name_is_hashed(id))
                return -ENAMETOOLONG;
        return unit_name_path_unescape(tmp, ret) ?: 1;
}

/* The specifiers made from the unit's name: %n %N %p %P %i %I %j %J %f. */
static int name_specifier(const char *id, char c, char **ret) {
        _cleanup_free_ char *inst = NULL;
        _cleanup_free_ char *tmp = NULL;
        int r;

        r = unit_instance(id, &inst);
        if (r < 0)
                return r;

        switch (c) {
        case 'n':
                return dup_or_null(id, ret) ?: 1;
        case 'N':
                return name_without_suffix(id, ret);
        case 'p':
                return unit_name_prefix(id, ret) ?: 1;
        case 'P':
                r = unit_name_prefix(id, &tmp);
                if (r < 0)
                        return r;
                return unit_name_unescape(tmp, ret) ?: 1;
        case 'i':
                return dup_or_null(inst, ret) ?: 1;
        case 'I':
                return unit_name_unescape(inst ? inst : "", ret) ?: 1;
        case 'j':
        case 'J':
                return prefix_last_component(id, c == 'J', ret);
        case 'f':
                return name_as_path(id, inst, ret);
        default:
                return 0;
        }
}

/* %Y: the directory of the fragment. */
static int fragment_dir(const SpecifierContext *ctx, char **ret) {
        _cleanup_free_ char *tmp = NULL;
        char *slash, *s;
        int r;

        r = real_fragment_path(ctx, &tmp);
        if (r < 0)
                return r;
        slash = strrchr(tmp, '/');
        if (!slash || slash == tmp) {
                /* "/" itself or a file right under it */
                s = strdup("/");
                if (!s)
                        return -ENOMEM;
                *ret = s;
                return 1;
        }
        *slash = 0;
        *ret = TAKE_PTR(tmp);
        return 1;
}

/* %d: the unit's credentials directory. */
static int credentials_dir(const SpecifierContext *ctx, const char *id, char **ret) {
        _cleanup_free_ char *tmp = NULL;
        char *s;
        int r;

        r = special_dir(ctx, DIR_RUNTIME, &tmp);
        if (r < 0)
                return r;
        s = xasprintf("%s/credentials/%s", tmp, id);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 1;
}

static int unit_specifier(const SpecifierContext *ctx, char c, char **ret) {
        const char *id = ctx->unit_id ? ctx->unit_id : "";

        switch (c) {
        case 'n':
        case 'N':
        case 'p':
        case 'P':
        case 'i':
        case 'I':
        case 'j':
        case 'J':
        case 'f':
                return name_specifier(id, c, ret);
        case 'y':
                return real_fragment_path(ctx, ret) ?: 1;
        case 'Y':
                return fragment_dir(ctx, ret);
        case 'c':
        case 'r':
        case 'R':
                return cgroup_specifier(ctx, id, c, ret) ?: 1;
        case 'C':
                return special_dir(ctx, DIR_CACHE, ret) ?: 1;
        case 'D':
                if (!systemd_at_least(ctx->version, SYSTEMD_V_SPECIFIER_D))
                        return 0;   /* unknown before 256 */
                return (ctx->user ? xdg_dir("XDG_DATA_HOME", ".local/share", ret) : dup_or_null("/usr/share", ret)) ?: 1;
        case 'E':
                return special_dir(ctx, DIR_CONFIG, ret) ?: 1;
        case 'L':
                return special_dir(ctx, DIR_LOGS, ret) ?: 1;
        case 'S':
                return special_dir(ctx, DIR_STATE, ret) ?: 1;
        case 't':
                return special_dir(ctx, DIR_RUNTIME, ret) ?: 1;
        case 'd':
                return credentials_dir(ctx, id, ret);
        case 'h':
                if (!ctx->user)
                        return dup_or_null("/root", ret) ?: 1;
                return user_home(ret) ?: 1;
        case 's':
                if (!ctx->user)
                        return dup_or_null("/bin/sh", ret) ?: 1;
                return user_shell(ret) ?: 1;
        default: {
                int r = creds_specifier(ctx->user, c, ret);
                if (r != 0)
                        return r;
                return system_specifier(ctx, c, ret);
        }
        }
}

/* config_parse_environ() without a unit: COMMON_SYSTEM_SPECIFIERS and COMMON_TMP_SPECIFIERS; since
 * 254 also COMMON_CREDS_SPECIFIERS and %h %s of the manager's scope (PID 1 is root: "/root",
 * "/bin/sh"). */
static int manager_specifier(const SpecifierContext *ctx, char c, char **ret) {
        if (systemd_at_least(ctx->version, SYSTEMD_V_MANAGER_ENV_CREDS)) {
                if (c == 'h')
                        return (ctx->user ? user_home(ret) : dup_or_null("/root", ret)) ?: 1;
                if (c == 's')
                        return (ctx->user ? user_shell(ret) : dup_or_null("/bin/sh", ret)) ?: 1;
                int r = creds_specifier(ctx->user, c, ret);
                if (r != 0)
                        return r;
        }
        return system_specifier(ctx, c, ret);
}

/* %c appended to b: its value; an unknown letter or digit is an error, any other character is
 * kept with its '%'. */
static int specifier_append(const SpecifierContext *ctx, char c, Buf *b) {
        _cleanup_free_ char *w = NULL;
        /* Without a unit, systemd uses only the system and tmp specifiers. */
        int r = !ctx ? system_specifier(NULL, c, &w)
                : ctx->manager ? manager_specifier(ctx, c, &w) : unit_specifier(ctx, c, &w);
        if (r < 0)
                return r;
        if (r > 0) {
                if (w)
                        buf_puts(b, w);
        } else if (strchr(LETTERS_DIGITS, c))
                return -EBADSLT;
        else {
                buf_putc(b, '%');
                buf_putc(b, c);
        }
        return 0;
}

int specifier_expand_take(char **s, const SpecifierContext *ctx, char **ret) {
        if (!s || !*s || !ret)
                return -EINVAL;
        if (strchr(*s, '%') || strlen(*s) > arg_max())
                return specifier_expand(*s, ctx, ret);
        *ret = TAKE_PTR(*s);
        return 0;
}

int specifier_expand(const char *s, const SpecifierContext *ctx, char **ret) {
        _cleanup_(buf_free) Buf b = {};
        size_t max = arg_max();

        if (!s || !ret)
                return -EINVAL;

        /* Most values have no specifier at all: a copy, not a byte at a time. */
        if (!strchr(s, '%')) {
                if (strlen(s) > max)
                        return -ENAMETOOLONG;
                char *r = strdup(s);
                if (!r)
                        return -ENOMEM;
                *ret = r;
                return 0;
        }

        buf_put(&b, "", 0);
        for (const char *f = s; *f; f++) {
                if (*f != '%') {
                        buf_putc(&b, *f);
                        continue;
                }
                f++;
                if (*f == 0) {
                        /* a stray '%' at the end is kept */
                        buf_putc(&b, '%');
                        break;
                }
                if (*f == '%') {
                        buf_putc(&b, '%');
                        continue;
                }

                int r = specifier_append(ctx, *f, &b);
                if (r < 0)
                        return r;
                if (b.len > max)
                        return -ENAMETOOLONG;
        }
        if (b.oom)
                return -ENOMEM;
        if (b.len > max)
                return -ENAMETOOLONG;

        char *r = buf_steal(&b);
        if (!r)
                return -ENOMEM;
        *ret = r;
        return 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* Names and assignments */

static bool env_name_is_valid_n(const char *e, size_t n) {
        if (!e || n == 0 || (e[0] >= '0' && e[0] <= '9'))
                return false;
        if (n > arg_max() - 2)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = e[i];  /* LETTERS_DIGITS "_", without a strchr() per byte */
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
                        return false;
        }
        return true;
}

bool env_name_is_valid(const char *name) {
        return name && env_name_is_valid_n(name, strlen(name));
}

bool env_assignment_is_valid(const char *s) {
        const char *eq;

        if (!s)
                return false;
        eq = strchr(s, '=');
        if (!eq || !env_name_is_valid_n(s, (size_t) (eq - s)))
                return false;
        if (!sd_utf8_is_valid_str(eq + 1) || strlen(eq + 1) > arg_max() - 3)
                return false;
        return strlen(s) <= arg_max() - 1;
}

/* ---------------------------------------------------------------------------------------------- */
/* EnvList */

static void env_entry_free(EnvEntry *e) {
        if (!e->borrowed) {
                free(e->assignment);
                free(e->source);
        }
        *e = (EnvEntry) {};
}

void env_list_reset(EnvList *l) {
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                env_entry_free(&l->entries[i]);
        l->n = 0;
        strmap_done(&l->index);
}

void env_list_done(EnvList *l) {
        if (!l)
                return;
        env_list_reset(l);
        free(l->entries);
        l->entries = NULL;
}

/* True when assignment a ("NAME=...") has the name given by the first n bytes of name. */
static bool entry_has_name(const char *a, const char *name, size_t n) {
        return strncmp(a, name, n) == 0 && a[n] == '=';
}

/* A unit sets a handful of variables: below this many, a scan is cheaper than the map (whose
 * table and key copies were a tenth of an audit); from it on, the map keeps set() linear. */
#define ENV_LIST_INDEX_MIN 16

/* The position of the entry named by the first n bytes of name, -1 when there is none,
 * -ENOMEM. */
static ssize_t env_list_find(const EnvList *l, const char *name, size_t n) {
        if (l->index.cap == 0) {
                if (memchr(name, '=', n))
                        return -1;  /* no name has one, as the map would say */
                for (size_t i = 0; i < l->n; i++)
                        if (entry_has_name(l->entries[i].assignment, name, n))
                                return (ssize_t) i;
                return -1;
        }
        char buf[256];
        _cleanup_free_ char *heap = NULL;
        const char *key = buf;
        if (n < sizeof(buf)) {
                memcpy(buf, name, n);
                buf[n] = 0;
        } else if (!(key = heap = strndup(name, n)))
                return -ENOMEM;
        uintptr_t pos = (uintptr_t) strmap_get(&l->index, key);
        return pos ? (ssize_t) pos - 1 : -1;
}

/* Indexes entry i by its name. */
static int env_list_index(EnvList *l, size_t i) {
        const char *a = l->entries[i].assignment;
        _cleanup_free_ char *name = strndup(a, strcspn(a, "="));
        if (!name)
                return -ENOMEM;
        return strmap_put(&l->index, name, (void *) (uintptr_t) (i + 1)) < 0 ? -ENOMEM : 0;
}

/* Indexes every entry again, or none while the list is short. */
static int env_list_reindex(EnvList *l) {
        strmap_done(&l->index);
        if (l->n < ENV_LIST_INDEX_MIN)
                return 0;
        for (size_t i = 0; i < l->n; i++)
                if (env_list_index(l, i) < 0)
                        return -ENOMEM;
        return 0;
}

/* Puts e (its strings owned by l unless e->borrowed; then freed on failure). */
static int env_list_put(EnvList *l, EnvEntry e) {
        const char *eq = e.assignment ? strchr(e.assignment, '=') : NULL;
        ssize_t i;

        if (!e.assignment || !eq) {
                bool oom = !e.assignment;
                env_entry_free(&e);
                return oom ? -ENOMEM : -EINVAL;
        }

        i = env_list_find(l, e.assignment, (size_t) (eq - e.assignment));
        if (i == -ENOMEM) {
                env_entry_free(&e);
                return -ENOMEM;
        }
        if (i >= 0) {
                env_entry_free(&l->entries[i]);
                l->entries[i] = e;
                return 0;
        }

        /* The capacity is the power of two at or above n (at least 4): a realloc() per append
         * was a realloc() per variable of every unit. Shrinking n (unset, reset) keeps the
         * array at least that large. */
        size_t want = l->n < 4 ? 4 : l->n;
        EnvEntry *n = l->entries;
        if (!n || (l->n >= 4 && (l->n & (l->n - 1)) == 0))
                n = realloc(l->entries, (l->n < 4 ? 4 : want * 2) * sizeof(EnvEntry));
        if (!n) {
                env_entry_free(&e);
                return -ENOMEM;
        }
        l->entries = n;
        l->entries[l->n++] = e;
        return l->index.cap ? env_list_index(l, l->n - 1) : env_list_reindex(l);
}

/* Like env_list_set(), but takes ownership of assignment and source (freed on failure). */
static int env_list_set_consume(EnvList *l, char *assignment, char *source) {
        return env_list_put(l, (EnvEntry) { .assignment = assignment, .source = source });
}

int env_list_set_borrowed(EnvList *l, const EnvEntry *e) {
        if (!l || !e || !e->assignment)
                return -EINVAL;
        return env_list_put(l, (EnvEntry) { .assignment = e->assignment, .source = e->source, .borrowed = true });
}

int env_list_set(EnvList *l, const char *assignment, const char *source) {
        char *a, *s = NULL;

        if (!l || !assignment)
                return -EINVAL;
        if (!strchr(assignment, '='))
                return -EINVAL;
        a = strdup(assignment);
        if (source && !(s = strdup(source))) {
                free(a);
                return -ENOMEM;
        }
        return env_list_set_consume(l, a, s);
}

const EnvEntry *env_list_get(const EnvList *l, const char *name) {
        ssize_t i;

        if (!l || !name)
                return NULL;
        i = env_list_find(l, name, strlen(name));
        return i >= 0 ? &l->entries[i] : NULL;
}

const char *env_entry_value(const EnvEntry *e) {
        const char *eq;

        if (!e || !e->assignment)
                return NULL;
        eq = strchr(e->assignment, '=');
        return eq ? eq + 1 : NULL;
}

/* systemd's env_match(): "A" matches any A=..., "A=x" only exactly "A=x". */
static bool env_match(const char *entry, const char *pattern) {
        if (streq(entry, pattern))
                return true;
        if (strchr(pattern, '='))
                return false;
        return entry_has_name(entry, pattern, strlen(pattern));
}

int env_list_unset(EnvList *l, const char *name_or_assignment) {
        size_t t = 0;

        if (!l || !name_or_assignment)
                return -EINVAL;
        for (size_t i = 0; i < l->n; i++) {
                if (env_match(l->entries[i].assignment, name_or_assignment)) {
                        env_entry_free(&l->entries[i]);
                        continue;
                }
                l->entries[t++] = l->entries[i];
        }
        if (t == l->n)
                return 0;
        l->n = t;
        /* positions moved: index again (UnsetEnvironment= is rare and short) */
        return env_list_reindex(l);
}

int env_list_unset_all(EnvList *l, char *const *names) {
        StrMap by_name = {}, exact = {};
        int r = 0;

        if (!l)
                return -EINVAL;
        if (!names || !*names)
                return 0;
        for (char *const *x = names; x && *x && r >= 0; x++)
                r = strmap_put(strchr(*x, '=') ? &exact : &by_name, *x, NULL);
        if (r > 0)
                r = 0;
        size_t t = 0;
        for (size_t i = 0; i < l->n; i++) {
                const char *a = l->entries[i].assignment;
                size_t n = strcspn(a, "=");
                char buf[256];
                _cleanup_free_ char *heap = NULL;
                const char *name = buf;
                if (n < sizeof(buf)) {
                        memcpy(buf, a, n);
                        buf[n] = 0;
                } else if (!(name = heap = strndup(a, n)))
                        r = -ENOMEM;
                /* out of memory: the rest is kept, the list stays whole */
                if (r >= 0 && (strmap_contains(&by_name, name) || strmap_contains(&exact, a))) {
                        env_entry_free(&l->entries[i]);
                        continue;
                }
                l->entries[t++] = l->entries[i];
        }
        strmap_done(&by_name);
        strmap_done(&exact);
        if (t == l->n)
                return r;
        l->n = t;
        int k = env_list_reindex(l);
        return r < 0 ? r : k;
}

/* ---------------------------------------------------------------------------------------------- */
/* Environment= and UnsetEnvironment= */

int environ_apply_line(EnvList *env, const char *rvalue, const char *source,
                       const SpecifierContext *ctx, Diags *diags) {
        if (!env || !rvalue)
                return -EINVAL;

        if (isempty(rvalue)) {
                env_list_reset(env);
                return 0;
        }

        for (const char *p = rvalue;;) {
                _cleanup_free_ char *word = NULL, *resolved = NULL;
                int r;

                r = extract_word(&p, &word, EXTRACT_CUNESCAPE | EXTRACT_UNQUOTE);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        diags_add(diags, source, "Invalid syntax, ignoring: %s", rvalue);
                        return 0;
                }
                if (r == 0)
                        return 0;

                r = specifier_expand_take(&word, ctx, &resolved);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        diags_add(diags, source, "Failed to resolve specifiers in %s, ignoring: %s",
                                  word, strerror(-r));
                        continue;
                }

                if (!env_assignment_is_valid(resolved)) {
                        diags_add(diags, source, "Invalid environment assignment, ignoring: %s", resolved);
                        continue;
                }

                char *src = NULL;
                if (source && !(src = strdup(source)))
                        return -ENOMEM;
                r = env_list_set_consume(env, TAKE_PTR(resolved), src);  /* not one more copy */
                if (r < 0)
                        return r;
        }
}

int unset_environ_apply_line(char ***list, const char *rvalue, const char *source,
                             const SpecifierContext *ctx, Diags *diags) {
        _cleanup_strv_free_ char **n = NULL;
        int r;

        if (!list || !rvalue)
                return -EINVAL;

        if (isempty(rvalue)) {
                strv_free(*list);
                *list = NULL;
                return 0;
        }

        for (const char *p = rvalue;;) {
                _cleanup_free_ char *word = NULL, *k = NULL;

                r = extract_word(&p, &word, EXTRACT_CUNESCAPE | EXTRACT_UNQUOTE);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        /* unlike Environment=, the words before the error are kept */
                        diags_add(diags, source, "Trailing garbage in UnsetEnvironment, ignoring: %s", rvalue);
                        break;
                }
                if (r == 0)
                        break;

                r = specifier_expand(word, ctx, &k);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        diags_add(diags, source, "Failed to resolve unit specifiers in %s, ignoring: %s",
                                  word, strerror(-r));
                        continue;
                }

                if (!env_assignment_is_valid(k) && !env_name_is_valid(k)) {
                        diags_add(diags, source,
                                  "Invalid environment name or assignment UnsetEnvironment, ignoring: %s", k);
                        continue;
                }

                r = strv_consume(&n, TAKE_PTR(k));
                if (r < 0)
                        return r;
        }

        /* Appended without duplicates, as strv_extend_strv(..., true) does. */
        for (char **i = n; i && *i; i++) {
                if (strv_contains(*list, *i))
                        continue;
                r = strv_extend(list, *i);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* EnvironmentFile= */

typedef enum EnvFileState {
        PRE_KEY,
        KEY,
        PRE_VALUE,
        VALUE,
        VALUE_ESCAPE,
        SINGLE_QUOTE_VALUE,
        DOUBLE_QUOTE_VALUE,
        DOUBLE_QUOTE_VALUE_ESCAPE,
        COMMENT,
        COMMENT_ESCAPE,
} EnvFileState;

typedef struct EnvFileParser {
        const char *path;
        unsigned version;
        EnvList *out;
        Diags *diags;
        EnvFileState state;
        Buf key, value;
        /* SIZE_MAX: no trailing whitespace pending; else where it starts, to chop it off */
        size_t key_ws, value_ws;
        unsigned start_line;
} EnvFileParser;

static void env_file_parser_done(EnvFileParser *ps) {
        buf_free(&ps->key);
        buf_free(&ps->value);
}

/* load_env_file_push(): key and value must be UTF-8 (else the whole file fails), then KEY=VALUE
 * replaces an earlier KEY in place. Names are not checked here. The key loses its trailing
 * whitespace; the value too if trim_value. */
static int env_file_push(EnvFileParser *ps, bool trim_value) {
        _cleanup_free_ char *src = NULL;
        Buf *key = &ps->key, *value = &ps->value;
        const char *k = key->data ? key->data : "";
        const char *v = value->data ? value->data : "";
        size_t kn = ps->key_ws != SIZE_MAX ? ps->key_ws : key->len;
        size_t vn = trim_value && ps->value_ws != SIZE_MAX ? ps->value_ws : value->len;
        int r = 0;

        if (key->oom || value->oom)
                return -ENOMEM;

        src = ps->path ? xasprintf("%s:%u", ps->path, ps->start_line) : xasprintf("%u", ps->start_line);
        if (!src)
                return -ENOMEM;

        if (!utf8_is_valid(k, kn)) {
                diags_add(ps->diags, src, "invalid UTF-8 in key, ignoring the file");
                return -EINVAL;
        }
        if (!utf8_is_valid(v, vn)) {
                diags_add(ps->diags, src, "invalid UTF-8 value for key %.*s, ignoring the file", (int) kn, k);
                return -EINVAL;
        }

        char *a = xasprintf("%.*s=%.*s", (int) kn, k, (int) vn, v);
        r = env_list_set_consume(ps->out, a, TAKE_PTR(src));
        key->len = 0;
        value->len = 0;
        return r;
}

/* Outside a value: before a key, in a key, in a comment. */
static void env_file_step_key(EnvFileParser *ps, char c, unsigned line) {
        switch (ps->state) {
        case PRE_KEY:
                if (c == '#' || c == ';')
                        ps->state = COMMENT;
                else if (!is_ws(c)) {
                        ps->state = KEY;
                        ps->key_ws = SIZE_MAX;
                        ps->key.len = 0;
                        ps->start_line = line;
                        buf_putc(&ps->key, c);
                }
                break;

        case KEY:
                if (is_newline(c))
                        ps->state = PRE_KEY;
                else if (c == '=') {
                        ps->state = PRE_VALUE;
                        ps->value_ws = SIZE_MAX;
                        ps->value.len = 0;
                } else {
                        if (!is_ws(c))
                                ps->key_ws = SIZE_MAX;
                        else if (ps->key_ws == SIZE_MAX)
                                ps->key_ws = ps->key.len;
                        buf_putc(&ps->key, c);
                }
                break;

        case COMMENT:
                if (c == '\\')
                        ps->state = COMMENT_ESCAPE;
                else if (is_newline(c))
                        ps->state = PRE_KEY;
                break;

        case COMMENT_ESCAPE:
                /* 252, 253: a backslash-newline in a comment swallows the next line;
                 * since 254 the comment ends there */
                ps->state = is_newline(c) && systemd_at_least(ps->version, SYSTEMD_V_ENV_FILE_COMMENT_NO_CONTINUE)
                                ? PRE_KEY : COMMENT;
                break;

        default:
                break;
        }
}

/* An unquoted value, or before it: a newline ends the assignment. */
static int env_file_step_value(EnvFileParser *ps, char c) {
        switch (ps->state) {
        case PRE_VALUE:
                if (is_newline(c)) {
                        ps->state = PRE_KEY;
                        return env_file_push(ps, false);
                } else if (c == '\'')
                        ps->state = SINGLE_QUOTE_VALUE;
                else if (c == '"')
                        ps->state = DOUBLE_QUOTE_VALUE;
                else if (c == '\\')
                        ps->state = VALUE_ESCAPE;
                else if (!is_ws(c)) {
                        ps->state = VALUE;
                        buf_putc(&ps->value, c);
                }
                break;

        case VALUE:
                if (is_newline(c)) {
                        ps->state = PRE_KEY;
                        return env_file_push(ps, true);
                } else if (c == '\\') {
                        ps->state = VALUE_ESCAPE;
                        ps->value_ws = SIZE_MAX;
                } else {
                        if (!is_ws(c))
                                ps->value_ws = SIZE_MAX;
                        else if (ps->value_ws == SIZE_MAX)
                                ps->value_ws = ps->value.len;
                        buf_putc(&ps->value, c);
                }
                break;

        case VALUE_ESCAPE:
                ps->state = VALUE;
                /* an escaped newline is a continuation and vanishes */
                if (!is_newline(c))
                        buf_putc(&ps->value, c);
                break;

        default:
                break;
        }
        return 0;
}

/* Inside single or double quotes. */
static void env_file_step_quoted(EnvFileParser *ps, char c) {
        switch (ps->state) {
        case SINGLE_QUOTE_VALUE:
                if (c == '\'')
                        ps->state = PRE_VALUE;
                else
                        buf_putc(&ps->value, c);
                break;

        case DOUBLE_QUOTE_VALUE:
                if (c == '"')
                        ps->state = PRE_VALUE;
                else if (c == '\\')
                        ps->state = DOUBLE_QUOTE_VALUE_ESCAPE;
                else
                        buf_putc(&ps->value, c);
                break;

        case DOUBLE_QUOTE_VALUE_ESCAPE:
                ps->state = DOUBLE_QUOTE_VALUE;
                if (strchr("\"\\`$", c))
                        buf_putc(&ps->value, c);
                else if (c != '\n') {
                        /* like a shell: other escapes keep their backslash */
                        buf_putc(&ps->value, '\\');
                        buf_putc(&ps->value, c);
                }
                break;

        default:
                break;
        }
}

/* One byte of the file, read on physical line `line`. */
static int env_file_step(EnvFileParser *ps, char c, unsigned line) {
        switch (ps->state) {
        case PRE_KEY:
        case KEY:
        case COMMENT:
        case COMMENT_ESCAPE:
                env_file_step_key(ps, c, line);
                return 0;
        case PRE_VALUE:
        case VALUE:
        case VALUE_ESCAPE:
                return env_file_step_value(ps, c);
        case SINGLE_QUOTE_VALUE:
        case DOUBLE_QUOTE_VALUE:
        case DOUBLE_QUOTE_VALUE_ESCAPE:
                env_file_step_quoted(ps, c);
                return 0;
        }
        return 0;
}

/* The end of the data ends an assignment whose '=' has been read, even inside quotes. */
static int env_file_finish(EnvFileParser *ps) {
        switch (ps->state) {
        case PRE_VALUE:
        case VALUE:
        case VALUE_ESCAPE:
        case SINGLE_QUOTE_VALUE:
        case DOUBLE_QUOTE_VALUE:
        case DOUBLE_QUOTE_VALUE_ESCAPE:
                return env_file_push(ps, ps->state == VALUE);
        default:
                return 0;
        }
}

/* Invalid entries are dropped when the unit's processes are spawned
 * (strv_env_clean_with_callback()). */
static void env_list_drop_invalid(EnvList *l, Diags *diags) {
        size_t t = 0;

        for (size_t i = 0; i < l->n; i++) {
                if (!env_assignment_is_valid(l->entries[i].assignment)) {
                        diags_add(diags, l->entries[i].source,
                                  "Ignoring invalid environment assignment '%s'",
                                  l->entries[i].assignment);
                        env_entry_free(&l->entries[i]);
                        continue;
                }
                l->entries[t++] = l->entries[i];
        }
        l->n = t;
}

static int parse_env_data(const char *data, size_t size, const char *path, unsigned version,
                          EnvList *out, Diags *diags, bool clean) {
        _cleanup_(env_list_done) EnvList tmp = {};
        _cleanup_(env_file_parser_done) EnvFileParser ps = {
                .path = path,
                .version = version,
                .out = &tmp,
                .diags = diags,
                .state = PRE_KEY,
                .key_ws = SIZE_MAX,
                .value_ws = SIZE_MAX,
                .start_line = 1,
        };
        unsigned line = 1;
        int r;

        if (!data && size > 0)
                return -EINVAL;
        /* systemd reads the file as a C string and refuses embedded NULs */
        if (size > 0 && memchr(data, 0, size))
                return -EBADMSG;

        for (size_t i = 0; i < size; i++) {
                char c = data[i];

                r = env_file_step(&ps, c, line);
                if (r < 0)
                        return r;

                /* physical line count: "\n", "\r\n" and a lone "\r" each end one line */
                if (c == '\n' || (c == '\r' && (i + 1 >= size || data[i + 1] != '\n')))
                        line++;
        }

        r = env_file_finish(&ps);
        if (r < 0)
                return r;

        if (clean)
                env_list_drop_invalid(&tmp, diags);

        /* merge into out only now, so a failing file leaves it untouched */
        for (size_t i = 0; i < tmp.n; i++) {
                r = env_list_set_consume(out, TAKE_PTR(tmp.entries[i].assignment),
                                         TAKE_PTR(tmp.entries[i].source));
                if (r < 0)
                        return r;
        }
        return 0;
}

int env_file_parse(const char *data, size_t size, const char *path, unsigned version, EnvList *out,
                   Diags *diags) {
        if (!out)
                return -EINVAL;
        return parse_env_data(data, size, path, version, out, diags, true);
}
