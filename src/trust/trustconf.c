/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "basic/fs.h"
#include "trust/trustconf.h"
#include "systemd/unit-name.h"
#include "systemd/unit.h"

/*
 * The format is ours, so it is parsed by the distribution's inih with the defaults Debian builds
 * it with (libinih 55: INI_MAX_LINE 200 on the stack, INI_ALLOW_MULTILINE, INI_ALLOW_INLINE_COMMENTS
 * with ";", INI_START_COMMENT_PREFIXES ";#", BOM allowed, no handler line numbers, keeps going
 * after an error). unit-tls.d(5) documents what follows from them. The reader below only adds
 * what inih cannot tell us: physical line numbers, a diagnostic for every line inih rejects, the
 * full section name (inih keeps 49 bytes of it, a unit name may have 255), and a refusal of lines
 * that do not fit inih's buffer (inih would cut them and parse the tail as a line of its own).
 */

const char *const trustconf_dirs[] = { "/etc/unit-tls.d", "/run/unit-tls.d", "/usr/lib/unit-tls.d", NULL };

typedef enum LineKind {
        LINE_NONE,       /* before the first line */
        LINE_SKIP,       /* blank, comment, or replaced by an empty line */
        LINE_SECTION,
        LINE_BAD_SECTION,
        LINE_OTHER,      /* inih must call the handler for it, or it was malformed */
} LineKind;

typedef struct Parser {
        FILE *f;
        const char *path;
        Diags *diags;
        TrustConf *out;
        char *buf;
        size_t cap;
        unsigned line;
        LineKind kind;
        bool delivered;          /* the handler saw the current line */
        bool have_key;           /* inih's prev_name is set: an indented line continues it */
        bool in_section;         /* a section header was seen */
        TrustEntry *cur;         /* the current section's entry; NULL when it is skipped */
        int error;
} Parser;

static void entry_done(TrustEntry *e) {
        for (size_t i = 0; i < e->n_cas; i++) {
                free(e->cas[i].path);
                free(e->cas[i].source);
        }
        free(e->cas);
        free(e->unit);
        free(e->source);
        free(e->insecure_source);
        free(e->system_store_source);
        *e = (TrustEntry) {};
}

static void entry_clear_cas(TrustEntry *e) {
        for (size_t i = 0; i < e->n_cas; i++) {
                free(e->cas[i].path);
                free(e->cas[i].source);
        }
        free(e->cas);
        e->cas = NULL;
        e->n_cas = 0;
}

void trustconf_done(TrustConf *c) {
        for (size_t i = 0; i < c->n; i++)
                entry_done(&c->entries[i]);
        free(c->entries);
        strv_free(c->files);
        strmap_done(&c->index);
        *c = (TrustConf) {};
}

const TrustEntry *trustconf_find(const TrustConf *c, const char *unit) {
        uintptr_t at = (uintptr_t) strmap_get(&c->index, unit);
        return at > 0 && at <= c->n && streq(c->entries[at - 1].unit, unit) ? &c->entries[at - 1] : NULL;
}

static TrustEntry *find_mut(TrustConf *c, const char *unit) {
        return (TrustEntry *) trustconf_find(c, unit);
}

/* A new entry for unit at the end (unit taken, also on failure): NULL on -ENOMEM. */
static TrustEntry *entry_add(TrustConf *c, char *unit) {
        if (c->n == c->cap) {
                size_t cap = c->cap ? c->cap * 2 : 16;
                TrustEntry *items = realloc(c->entries, cap * sizeof(TrustEntry));
                if (!items) {
                        free(unit);
                        return NULL;
                }
                c->entries = items;
                c->cap = cap;
        }
        if (strmap_put(&c->index, unit, (void *) (uintptr_t) (c->n + 1)) < 0) {
                free(unit);
                return NULL;
        }
        TrustEntry *e = &c->entries[c->n++];
        *e = (TrustEntry) { .unit = unit, .insecure = -1, .system_store = -1 };
        return e;
}

/* After the entries moved (sorted): every position again. */
static int index_rebuild(TrustConf *c) {
        strmap_done(&c->index);
        for (size_t i = 0; i < c->n; i++)
                if (strmap_put(&c->index, c->entries[i].unit, (void *) (uintptr_t) (i + 1)) < 0)
                        return -ENOMEM;
        return 0;
}

/* inih's find_chars_or_comment(): the first of chars, or an inline ';' after whitespace. */
static const char *ini_find(const char *s, const char *chars) {
        bool was_space = false;
        while (*s && (!chars || !strchr(chars, *s)) && !(was_space && *s == ';')) {
                was_space = isspace((unsigned char) *s);
                s++;
        }
        return s;
}

static char *strip_dup(const char *s, size_t n) {
        while (n > 0 && isspace((unsigned char) *s))
                s++, n--;
        while (n > 0 && isspace((unsigned char) s[n - 1]))
                n--;
        return strndup(s, n);
}

static void diag(Parser *p, unsigned line, const char *fmt, ...) _printf_(3, 4);
static void diag(Parser *p, unsigned line, const char *fmt, ...) {
        va_list ap;
        char *msg = NULL;
        va_start(ap, fmt);
        int n = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (n < 0) {
                p->error = -ENOMEM;
                return;
        }
        diags_add(p->diags, NULL, "%s:%u: %s", p->path, line, msg);
        free(msg);
}

static void begin_section(Parser *p, const char *raw) {
        _cleanup_free_ char *name = strip_dup(raw, strlen(raw));
        _cleanup_free_ char *unit = NULL;
        p->cur = NULL;
        p->in_section = true;
        if (!name) {
                p->error = -ENOMEM;
                return;
        }
        int r = unit_name_with_suffix(name, &unit);
        if (r == -ENOMEM) {
                p->error = -ENOMEM;
                return;
        }
        if (r < 0) {
                diag(p, p->line, "[%s]: invalid unit name (a unit name may contain only ASCII letters, digits "
                     "and \":-_.\\\", an '@' for templates, and end in a type such as .service); section skipped",
                     name);
                return;
        }
        const char *type = unit_name_type(unit);
        if (!type || !streq(type, "service")) {
                diag(p, p->line, "[%s]: not a service; only services run Node.js processes; section skipped", name);
                return;
        }
        /* The same unit twice in one file: one section, as systemd merges repeated sections. */
        TrustEntry *e = find_mut(p->out, unit);
        if (!e) {
                if (!(e = entry_add(p->out, TAKE_PTR(unit))) || !(e->source = xasprintf("%s:%u", p->path, p->line))) {
                        p->error = -ENOMEM;
                        return;
                }
        }
        p->cur = e;
}

/* Classifies a line the way inih's loop will treat it, and takes section headers ourselves. */
static LineKind classify(Parser *p, const char *l) {
        if (p->line == 1 && startswith(l, "\xef\xbb\xbf"))
                l += 3;
        const char *s = l;
        while (isspace((unsigned char) *s))
                s++;
        if (!*s || *s == ';' || *s == '#')
                return LINE_SKIP;
        if (p->have_key && s > l)
                return LINE_OTHER;   /* inih: a continuation, one more value of the previous key */
        if (*s == '[') {
                const char *end = ini_find(s + 1, "]");
                if (*end != ']')
                        return LINE_BAD_SECTION;
                _cleanup_free_ char *name = strndup(s + 1, end - s - 1);
                if (!name) {
                        p->error = -ENOMEM;
                        return LINE_SKIP;
                }
                p->have_key = false;
                begin_section(p, name);
                return LINE_SECTION;
        }
        return LINE_OTHER;
}

static void finish_line(Parser *p) {
        if (p->kind == LINE_BAD_SECTION)
                diag(p, p->line, "invalid section header: expected [UNIT] on a line of its own; line ignored");
        else if (p->kind == LINE_OTHER && !p->delivered)
                diag(p, p->line, "expected KEY=VALUE, a [UNIT] header or a comment; line ignored");
        p->kind = LINE_NONE;
}

/* The ini_reader: one physical line per call, as fgets() would give it. */
static char *reader(char *str, int num, void *stream) {
        Parser *p = stream;
        finish_line(p);
        if (p->error < 0 || num < 3)
                return NULL;
        ssize_t n = getline(&p->buf, &p->cap, p->f);
        if (n < 0) {
                if (ferror(p->f))
                        p->error = -EIO;
                return NULL;
        }
        p->line++;
        p->delivered = false;
        size_t len = (size_t) n;
        if (len > 0 && p->buf[len - 1] == '\n')
                p->buf[--len] = 0;
        if (memchr(p->buf, 0, len)) {
                diag(p, p->line, "contains a NUL byte; line ignored");
                p->kind = LINE_SKIP;
                strcpy(str, "\n");
                return str;
        }
        /* The line and its newline must fit inih's buffer of num bytes. */
        if (len + 2 > (size_t) num) {
                diag(p, p->line, "line is longer than %d bytes, the limit of libinih; line ignored", num - 2);
                p->kind = LINE_SKIP;
                strcpy(str, "\n");
                return str;
        }
        p->kind = classify(p, p->buf);
        memcpy(str, p->buf, len);
        str[len] = '\n';
        str[len + 1] = 0;
        return str;
}

static bool has_control(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < ' ' || *s == 127)
                        return true;
        return false;
}

/* A '#' after whitespace is not a comment for inih; say so instead of "no such file". */
static bool has_hash_comment(const char *v) {
        for (const char *s = v + 1; *s; s++)
                if (*s == '#' && isspace((unsigned char) s[-1]))
                        return true;
        return false;
}

static void add_ca(Parser *p, const char *value) {
        TrustEntry *e = p->cur;
        if (isempty(value)) {
                entry_clear_cas(e);   /* "CA=" resets the list, as an empty assignment does in systemd */
                return;
        }
        if (has_hash_comment(value)) {
                diag(p, p->line, "CA=%s: '#' starts a comment only at the beginning of a line; "
                     "write ' ;' for a comment after a value; CA skipped", value);
                return;
        }
        if (has_control(value) || !utf8_is_valid(value, strlen(value))) {
                diag(p, p->line, "CA=: the path has control characters or is not valid UTF-8, which "
                     "systemd cannot carry in Environment=; CA skipped");
                return;
        }
        if (value[0] != '/') {
                diag(p, p->line, "CA=%s: not an absolute path; Node.js would resolve it against the "
                     "service's working directory; CA skipped", value);
                return;
        }
        _cleanup_free_ char *path = path_simplify_dup(value);
        _cleanup_free_ char *source = xasprintf("%s:%u", p->path, p->line);
        if (!path || !source) {
                p->error = -ENOMEM;
                return;
        }
        for (size_t i = 0; i < e->n_cas; i++)
                if (streq(e->cas[i].path, path))
                        return;   /* named twice: once is enough */
        TrustCa *cas = realloc(e->cas, (e->n_cas + 1) * sizeof(TrustCa));
        if (!cas) {
                p->error = -ENOMEM;
                return;
        }
        e->cas = cas;
        e->cas[e->n_cas++] = (TrustCa) { .path = TAKE_PTR(path), .source = TAKE_PTR(source) };
}

/* Insecure=, SystemStore=: a boolean and the line that set it. */
static void set_bool(Parser *p, const char *key, const char *value, int *dst, char **dst_source) {
        int b = parse_boolean(value);
        if (b < 0) {
                diag(p, p->line, "%s=%s: expected yes or no%s; line ignored", key, value,
                     has_hash_comment(value) ? " ('#' starts a comment only at the beginning of a line; write ' ;')" : "");
                return;
        }
        char *source = xasprintf("%s:%u", p->path, p->line);
        if (!source) {
                p->error = -ENOMEM;
                return;
        }
        free(*dst_source);
        *dst_source = source;
        *dst = b;
}

/* inih's handler; the section name inih passes is ignored in favour of the full one. */
static int handler(void *user, const char *section, const char *name, const char *value) {
        Parser *p = user;
        p->delivered = true;
        p->have_key = true;
        if (p->error < 0)
                return 1;
        if (!p->in_section) {
                diag(p, p->line, "%s= outside of a [UNIT] section; line ignored", name);
                return 1;
        }
        if (!p->cur)
                return 1;   /* the section was skipped, and said so */
        if (streq(name, "CA"))
                add_ca(p, value);
        else if (streq(name, "Insecure"))
                set_bool(p, name, value, &p->cur->insecure, &p->cur->insecure_source);
        else if (streq(name, "SystemStore"))
                set_bool(p, name, value, &p->cur->system_store, &p->cur->system_store_source);
        else if (strcasecmp(name, "CA") == 0 || strcasecmp(name, "Insecure") == 0 || strcasecmp(name, "SystemStore") == 0)
                diag(p, p->line, "unknown key '%s' (keys are case-sensitive: CA=, SystemStore=, Insecure=); line ignored", name);
        else
                diag(p, p->line, "unknown key '%s' (known: CA=, SystemStore=, Insecure=); line ignored", name);
        return 1;
}

int trustconf_parse_file(FILE *f, const char *display_path, TrustConf *ret, Diags *diags) {
        TrustConf out = {};
        Parser p = { .f = f, .path = display_path, .diags = diags, .out = &out };

        int k = ini_parse_stream(reader, &p, handler, &p);
        finish_line(&p);
        free(p.buf);
        if (k == -2)
                p.error = -ENOMEM;
        if (p.error < 0) {
                trustconf_done(&out);
                return p.error;
        }
        /* CA= and Insecure=yes together: which did the author mean? Neither is safe to guess. */
        for (size_t i = 0; i < out.n; i++) {
                TrustEntry *e = &out.entries[i];
                if (e->insecure > 0 && e->n_cas > 0) {
                        diags_add(diags, e->source, "[%s]: CA= (%s) and Insecure=yes (%s) cannot be combined; "
                                  "trust the CA, or (last resort) turn verification off; section skipped",
                                  e->unit, e->cas[0].source, e->insecure_source);
                        e->invalid = true;
                } else if (e->system_store > 0 && (e->n_cas > 0 || e->insecure > 0)) {
                        diags_add(diags, e->source, "[%s]: SystemStore=yes (%s) cannot be combined with %s; choose one "
                                  "way to trust; section skipped", e->unit, e->system_store_source,
                                  e->n_cas > 0 ? "CA=" : "Insecure=yes");
                        e->invalid = true;
                }
        }
        *ret = out;
        return 0;
}

static int cmp_entry(const void *a, const void *b) {
        return strcmp(((const TrustEntry *) a)->unit, ((const TrustEntry *) b)->unit);
}

/* Moves the file's entries into c, each replacing an earlier entry for the same unit. */
static int merge(TrustConf *c, TrustConf *file) {
        int r = 0;
        size_t i = 0;
        for (; i < file->n && r >= 0; i++) {
                TrustEntry *old = find_mut(c, file->entries[i].unit);
                if (old) {
                        entry_done(old);
                        *old = file->entries[i];
                        continue;
                }
                TrustEntry *e = entry_add(c, file->entries[i].unit);
                if (!e) {
                        file->entries[i].unit = NULL;  /* entry_add() took it */
                        entry_done(&file->entries[i]);
                        r = -ENOMEM;
                        continue;
                }
                *e = file->entries[i];
        }
        for (; i < file->n; i++)
                entry_done(&file->entries[i]);
        file->n = 0;
        trustconf_done(file);
        return r;
}

/* An empty file or a symlink to /dev/null masks the name (null_or_empty_path() in systemd). */
static bool is_mask(const char *root, const char *display, int dfd, const char *name) {
        struct stat st;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return false;
        if (S_ISLNK(st.st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);
                if (n > 0) {
                        target[n] = 0;
                        if (streq(target, "/dev/null"))
                                return true;
                }
                _cleanup_free_ char *host = NULL;
                if (fs_chase(root, display, 0, &host) < 0 || stat(host, &st) < 0)
                        return false;
        }
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
                return true;
        return S_ISREG(st.st_mode) && st.st_size == 0;
}

typedef struct Candidate {
        char *name, *display;
        bool masked;
} Candidate;

static int cmp_candidate(const void *a, const void *b) {
        return strcmp(((const Candidate *) a)->name, ((const Candidate *) b)->name);
}

static bool candidate_seen(const Candidate *c, size_t n, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (streq(c[i].name, name))
                        return true;
        return false;
}

/* Adds the files of the directory dir (as the target names it; d: opened on the host) that
 * no higher directory has already. 0 or -ENOMEM. */
static int scan_dir(const char *root, const char *dir, DIR *d, Candidate **c, size_t *n) {
        struct dirent *de;
        while ((de = readdir(d))) {
                const char *name = de->d_name;
                /* conf_files_list(): hidden files and other suffixes are not configuration. */
                if (name[0] == '.' || !endswith(name, TRUSTCONF_SUFFIX) || has_control(name))
                        continue;
                if (candidate_seen(*c, *n, name))
                        continue;   /* a higher directory has it already */
                struct stat st;
                if (fstatat(dirfd(d), name, &st, 0) == 0 && S_ISDIR(st.st_mode))
                        continue;
                Candidate *items = realloc(*c, (*n + 1) * sizeof(Candidate));
                if (!items)
                        return -ENOMEM;
                *c = items;
                Candidate *x = &items[(*n)++];
                *x = (Candidate) { .name = strdup(name), .display = xasprintf("%s/%s", dir, name) };
                if (!x->name || !x->display)
                        return -ENOMEM;
                x->masked = is_mask(root, x->display, dirfd(d), name);
        }
        return 0;
}

int trustconf_list_files(const char *root, char ***ret) {
        Candidate *c = NULL;
        size_t n = 0;
        int r = 0;

        for (const char *const *d = trustconf_dirs; *d && r >= 0; d++) {
                _cleanup_free_ char *host = NULL;
                if (fs_chase(root, *d, 0, &host) < 0)
                        continue;
                DIR *dir = opendir(host);
                if (!dir)
                        continue;
                r = scan_dir(root, *d, dir, &c, &n);
                closedir(dir);
        }

        char **files = NULL;
        if (r >= 0) {
                if (n > 0)
                        qsort(c, n, sizeof(Candidate), cmp_candidate);
                for (size_t i = 0; i < n && r >= 0; i++)
                        if (!c[i].masked)
                                r = strv_extend(&files, c[i].display);
        }
        for (size_t i = 0; i < n; i++) {
                free(c[i].name);
                free(c[i].display);
        }
        free(c);
        if (r < 0) {
                strv_free(files);
                return r;
        }
        if (!files && !(files = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret = files;
        return 0;
}

int trustconf_load(const char *root, TrustConf *ret, Diags *diags) {
        TrustConf c = {};
        _cleanup_strv_free_ char **files = NULL;
        int r = trustconf_list_files(root, &files);
        if (r < 0)
                return r;

        for (char **f = files; *f; f++) {
                _cleanup_free_ char *host = NULL;
                _cleanup_fclose_ FILE *fp = NULL;
                r = fs_chase(root, *f, 0, &host);
                if (r == -ENOMEM)
                        goto fail;
                if (r >= 0 && !(fp = fopen(host, "re")))
                        r = -errno;
                if (r < 0) {
                        diags_add(diags, *f, "cannot be read: %s; file skipped", strerror(-r));
                        continue;
                }
                TrustConf one = {};
                if ((r = trustconf_parse_file(fp, *f, &one, diags)) < 0 || (r = merge(&c, &one)) < 0 ||
                    (r = strv_extend(&c.files, *f)) < 0) {
                        trustconf_done(&one);
                        goto fail;
                }
        }
        if (c.n > 0) {
                qsort(c.entries, c.n, sizeof(TrustEntry), cmp_entry);
                if ((r = index_rebuild(&c)) < 0)
                        goto fail;
        }
        if (!c.files && !(c.files = calloc(1, sizeof(char *)))) {
                r = -ENOMEM;
                goto fail;
        }
        *ret = c;
        return 0;
fail:
        trustconf_done(&c);
        return r;
}
