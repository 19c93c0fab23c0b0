/* SPDX-License-Identifier: MIT */
#include "basic/fs.h"
#include "systemd/unit-name.h"
#include "systemd/version.h"

static const char *const unit_types[] = {
        "service", "socket", "target", "device", "mount", "automount",
        "swap", "timer", "path", "slice", "scope",
};

/* systemd's VALID_CHARS ([A-Za-z0-9:_.\\-]) as a test, not a strchr() per byte: names are
 * checked for every drop-in lookup and strchr() showed in profiles. */
static inline bool valid_char(unsigned char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == ':' ||
               c == '-' || c == '_' || c == '.' || c == '\\';
}

bool unit_type_is_valid(const char *type) {
        /* The first letter before strcmp(): every name is classified at each lookup. */
        for (size_t i = 0; i < ELEMENTSOF(unit_types); i++)
                if (type[0] == unit_types[i][0] && streq(type, unit_types[i]))
                        return true;
        return false;
}

bool unit_type_may_alias(const char *type) {
        return streq(type, "service") || streq(type, "socket") || streq(type, "target") ||
               streq(type, "device") || streq(type, "timer") || streq(type, "path");
}

bool unit_type_may_template(const char *type) {
        return streq(type, "service") || streq(type, "socket") || streq(type, "target") ||
               streq(type, "timer") || streq(type, "path");
}

const char *unit_name_type(const char *name) {
        const char *dot = strrchr(name, '.');
        if (!dot || !unit_type_is_valid(dot + 1))
                return NULL;
        return dot + 1;
}

UnitNameKind unit_name_classify(const char *name) {
        if (isempty(name) || strlen(name) >= UNIT_NAME_MAX)
                return UNIT_NAME_INVALID;
        const char *dot = strrchr(name, '.');
        if (!dot || dot == name || !unit_type_is_valid(dot + 1))
                return UNIT_NAME_INVALID;

        const char *at = NULL;
        for (const char *p = name; p < dot; p++) {
                if (*p == '@') {
                        if (!at)
                                at = p;
                        continue;
                }
                /* Characters after the first '@' belong to the instance, which may contain more '@'. */
                if (!valid_char((unsigned char) *p))
                        return UNIT_NAME_INVALID;
        }
        if (at == name)
                return UNIT_NAME_INVALID;
        if (!at)
                return UNIT_NAME_PLAIN;
        return at + 1 == dot ? UNIT_NAME_TEMPLATE : UNIT_NAME_INSTANCE;
}

bool unit_name_is_valid(const char *name, UnitNameKind allowed) {
        return (unit_name_classify(name) & allowed) != 0;
}

bool unit_prefix_is_valid(const char *prefix, size_t n) {
        if (n == 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!valid_char((unsigned char) prefix[i]))
                        return false;
        return true;
}

int unit_name_template(const char *name, char **ret) {
        if (unit_name_classify(name) != UNIT_NAME_INSTANCE)
                return -EINVAL;
        const char *at = strchr(name, '@'), *dot = strrchr(name, '.');
        char *t = xasprintf("%.*s%s", (int) (at - name + 1), name, dot);
        if (!t)
                return -ENOMEM;
        *ret = t;
        return 0;
}

int unit_name_instance(const char *name, char **ret) {
        if (unit_name_classify(name) != UNIT_NAME_INSTANCE)
                return -EINVAL;
        const char *at = strchr(name, '@'), *dot = strrchr(name, '.');
        char *t = strndup(at + 1, (size_t) (dot - at - 1));
        if (!t)
                return -ENOMEM;
        *ret = t;
        return 0;
}

int unit_name_replace_instance(const char *name, const char *instance, char **ret) {
        UnitNameKind k = unit_name_classify(name);
        if (!(k & (UNIT_NAME_TEMPLATE | UNIT_NAME_INSTANCE)))
                return -EINVAL;
        const char *at = strchr(name, '@'), *dot = strrchr(name, '.');
        char *t = xasprintf("%.*s%s%s", (int) (at - name + 1), name, instance, dot);
        if (!t)
                return -ENOMEM;
        if (!unit_name_is_valid(t, UNIT_NAME_INSTANCE)) {
                free(t);
                return -EINVAL;
        }
        *ret = t;
        return 0;
}

int unit_name_prefix(const char *name, char **ret) {
        if (!unit_name_is_valid(name, UNIT_NAME_ANY))
                return -EINVAL;
        const char *end = strchr(name, '@');
        if (!end)
                end = strrchr(name, '.');
        char *t = strndup(name, (size_t) (end - name));
        if (!t)
                return -ENOMEM;
        *ret = t;
        return 0;
}

int unit_name_with_suffix(const char *input, char **ret) {
        char *s = unit_name_type(input) && unit_name_is_valid(input, UNIT_NAME_ANY) ? strdup(input)
                                                                                  : xasprintf("%s.service", input);
        if (!s)
                return -ENOMEM;
        if (!unit_name_is_valid(s, UNIT_NAME_ANY)) {
                free(s);
                return -EINVAL;
        }
        *ret = s;
        return 0;
}

int unit_name_complete(const char *input, unsigned version, char **ret, const char **ret_why) {
        int r = unit_name_mangle(input, version, ret);
        if (r >= 0 || r == -ENOMEM)
                return r;
        *ret_why = isempty(input) ? "the unit name is empty"
                 : r == -ENAMETOOLONG ? "the unit name is longer than 255 bytes"
                 : "it does not make a unit name, even escaped as systemctl escapes names";
        return -EINVAL;
}

static int unhexchar(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* unit_name_unescape(): '-' is '/', "\xHH" a byte, any other backslash an error. */
int unit_name_unescape(const char *f, char **ret) {
        _cleanup_(buf_free) Buf b = {};

        buf_put(&b, "", 0);
        for (; *f; f++) {
                if (*f == '-')
                        buf_putc(&b, '/');
                else if (*f == '\\') {
                        int hi = f[1] == 'x' ? unhexchar(f[2]) : -1, lo = hi >= 0 ? unhexchar(f[3]) : -1;
                        if (lo < 0)
                                return -EINVAL;
                        buf_putc(&b, (char) (hi << 4 | lo));
                        f += 3;
                } else
                        buf_putc(&b, *f);
        }
        char *s = buf_steal(&b);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int unit_name_path_unescape(const char *f, char **ret) {
        _cleanup_free_ char *w = NULL;
        char *s;
        int r;

        if (isempty(f))
                return -EINVAL;
        if (streq(f, "-")) {
                s = strdup("/");
                if (!s)
                        return -ENOMEM;
                *ret = s;
                return 0;
        }
        r = unit_name_unescape(f, &w);
        if (r < 0)
                return r;
        if (w[0] == '/' || endswith(w, "/"))
                return -EINVAL;
        s = xasprintf("/%s", w);
        if (!s)
                return -ENOMEM;
        if (!path_is_normalized(s)) {
                free(s);
                return -EINVAL;
        }
        *ret = s;
        return 0;
}

/* Long names are hashed by systemd ("..._0123456789abcdef.mount"); those can't be turned back into
 * a path, so %f refuses them. */
bool unit_name_is_hashed(const char *id) {
        const char *s;

        if (!unit_name_is_valid(id, UNIT_NAME_ANY) || strchr(id, '@'))
                return false;
        s = strrchr(id, '.');
        if (s - id < UNIT_NAME_HASH_LENGTH_CHARS + 1)
                return false;
        s -= UNIT_NAME_HASH_LENGTH_CHARS;
        if (s[-1] != '_')
                return false;
        for (size_t i = 0; i < UNIT_NAME_HASH_LENGTH_CHARS; i++)
                if (!strchr("0123456789abcdef", s[i]))
                        return false;
        return true;
}

static const char hex[] = "0123456789abcdef";

static void escape_char(Buf *b, char c) {
        buf_printf(b, "\\x%c%c", hex[(unsigned char) c >> 4], hex[(unsigned char) c & 15]);
}

/* unit_name_escape() (do_escape()): '/' -> '-'; a leading '.', '-', '\' and anything outside
 * [A-Za-z0-9:_.] -> "\xHH". */
static char *unit_name_escape(const char *f) {
        Buf b = {};
        buf_puts(&b, "");
        if (*f == '.')
                escape_char(&b, *f++);
        for (; *f; f++) {
                if (*f == '/')
                        buf_putc(&b, '-');
                else if (*f == '-' || *f == '\\' || !valid_char((unsigned char) *f))
                        escape_char(&b, *f);
                else
                        buf_putc(&b, *f);
        }
        return buf_steal(&b);
}

/* unit_name_from_path(): "/" -> "-.mount", "/home/a" -> "home-a.mount"; -EINVAL for a path
 * with a ".." component; -ENAMETOOLONG where systemd would shorten the name with a hash. */
static int unit_name_from_path(const char *path, unsigned version, const char *suffix, char **ret) {
        _cleanup_free_ char *p = strdup(path), *e = NULL;
        if (!p)
                return -ENOMEM;
        path_simplify(p);
        if (systemd_at_least(version, SYSTEMD_V_PATH_LEADING_DOTDOT))
                path_drop_leading_dotdot(p);
        if (streq(p, "/") || !*p)
                e = strdup("-");
        else if (!path_is_normalized(p))
                return -EINVAL;
        else
                e = unit_name_escape(p + strspn(p, "/"));
        if (!e)
                return -ENOMEM;
        char *s = xasprintf("%s%s", e, suffix);
        if (!s)
                return -ENOMEM;
        if (strlen(s) >= UNIT_NAME_MAX) {
                free(s);
                return -ENAMETOOLONG;
        }
        *ret = s;
        return 0;
}

/* is_device_path(): something after "/dev/" or "/sys/" (path_startswith() semantics). */
static bool is_device_path(const char *p) {
        if (*p != '/')
                return false;
        p += strspn(p, "/");
        const char *rest = startswith(p, "dev/") ?: startswith(p, "sys/");
        return rest && *(rest + strspn(rest, "/"));
}

int unit_name_mangle(const char *name, unsigned version, char **ret) {
        if (isempty(name))
                return -EINVAL;
        if (unit_name_is_valid(name, UNIT_NAME_ANY)) {
                *ret = strdup(name);
                return *ret ? 0 : -ENOMEM;
        }
        int r;
        if (is_device_path(name) && (r = unit_name_from_path(name, version, ".device", ret)) != -EINVAL)
                return r < 0 ? r : 1;
        if (name[0] == '/' && (r = unit_name_from_path(name, version, ".mount", ret)) != -EINVAL)
                return r < 0 ? r : 1;
        /* do_escape_mangle(): '/' -> '-', anything not valid in a name (with '@') -> "\xHH" */
        Buf b = {};
        buf_puts(&b, "");
        for (const char *f = name; *f; f++) {
                if (*f == '/')
                        buf_putc(&b, '-');
                else if (*f != '@' && !valid_char((unsigned char) *f))
                        escape_char(&b, *f);
                else
                        buf_putc(&b, *f);
        }
        if (b.data && !unit_name_type(b.data))
                buf_puts(&b, ".service");
        _cleanup_free_ char *s = buf_steal(&b);
        if (!s)
                return -ENOMEM;
        if (!unit_name_is_valid(s, UNIT_NAME_ANY))
                return strlen(s) >= UNIT_NAME_MAX ? -ENAMETOOLONG : -EINVAL;
        *ret = TAKE_PTR(s);
        return 1;
}
