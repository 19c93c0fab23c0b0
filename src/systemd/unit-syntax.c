/* SPDX-License-Identifier: MIT */
#include <ini.h>
#include <unistd.h>

#include "systemd/unit-syntax.h"

/*
 * Why inih sees only tokens: Debian's libinih is built with inline ';' comments, 200-byte lines
 * and indented continuation lines, all of which would corrupt unit files while returning
 * success, and other distributions build it differently again. So the
 * reader below owns every lexical rule of systemd (physical lines up to 1 MiB, comments only at
 * the start of a line, backslash continuation with comment lines inside, BOM, CR/LF, section
 * headers, key/value split) and hands inih one short line "a=N" per assignment, N indexing the
 * assignment kept here. inih drives the walk; no byte of a unit file reaches its line buffer,
 * so no build option of the distribution's inih can change the result.
 */

/* Borrowed: the section is the reader's, key and value point into the line just read; they
 * stay valid until the next reader() call, which inih makes only after the handler ran. */
typedef struct Assignment {
        const char *section, *key, *value;
        unsigned line;
} Assignment;

typedef struct Reader {
        FILE *f;                 /* the input: f, or fd when f is NULL */
        int fd;
        uint64_t fd_size, fd_read;  /* UnitInput.fd_size; bytes read from fd so far */
        const char *path;
        Diags *diags;
        unsigned line;           /* physical lines read so far */
        bool bom_checked, eof;
        int error;               /* first fatal error, stops the walk */
        unsigned error_line;
        char *section;
        Assignment pending;      /* the assignment whose token inih holds */
        bool has_pending;
        unit_assignment_fn fn;
        unit_key_fn wants;
        void *userdata;
        int fn_error;
        Buf line_buf;
        Buf cont;                /* the joined continuation lines of the current logical line */
        const char *in;          /* input block (not zeroed: it lives outside the struct), or the
                                  * caller's bytes (UnitInput.data) */
        size_t in_size, in_pos, in_len;
        bool in_done, in_error;  /* a short read was seen: no read() after it, which finds EOF again */
        char *head;              /* where the first block's start goes, or NULL */
        size_t head_size;
} Reader;

/* Reads one physical line. Terminators: "\n", "\r", "\r\n", "\0" (read_line() in systemd).
 * Returns 1 with the line in r->line_buf, 0 at EOF, -ENOBUFS over UNIT_LINE_MAX, -EIO. */
/* Makes input available: 1 when there is some, 0 at the end, -EIO. The input is read in
 * blocks: a getc() per byte was a visible cost when thousands of units are read. */
static int fill(Reader *r) {
        if (r->in_pos < r->in_len)
                return 1;
        if (r->in_done)
                return r->in_error ? -EIO : 0;
        char *block = (char *) r->in;
        r->in_pos = 0;
        if (r->f) {
                r->in_len = fread(block, 1, r->in_size, r->f);
                if (r->in_len < r->in_size) {
                        r->in_done = true;
                        r->in_error = ferror(r->f);
                }
        } else {
                /* A descriptor: only a read() of 0 is the end (a pipe may return less). */
                ssize_t n;
                while ((n = read(r->fd, block, r->in_size)) < 0 && errno == EINTR)
                        ;
                r->in_len = n > 0 ? (size_t) n : 0;
                r->fd_read += r->in_len;
                if (n <= 0 || (r->fd_size > 0 && r->fd_read == r->fd_size)) {
                        r->in_done = true;
                        r->in_error = n < 0;
                }
        }
        if (r->head) {
                size_t n = r->in_len < r->head_size - 1 ? r->in_len : r->head_size - 1;
                memcpy(r->head, r->in, n);
                r->head[n] = 0;
                r->head = NULL;  /* the first block only */
        }
        if (r->in_len > 0)
                return 1;
        return r->in_error ? -EIO : 0;
}

static int read_physical_line(Reader *r) {
        Buf *b = &r->line_buf;
        bool any = false;
        int k;

        b->len = 0;
        if (b->data)
                b->data[0] = 0;
        for (;;) {
                if ((k = fill(r)) < 0)
                        return k;
                if (k == 0)
                        break;
                /* Copy the run of ordinary bytes in one go, then look at what ended it: the first
                 * '\n', then an earlier '\r' or NUL in that run (memchr(), not a test per byte). */
                size_t start = r->in_pos, end;
                const char *nl = memchr(r->in + start, '\n', r->in_len - start);
                end = nl ? (size_t) (nl - r->in) : r->in_len;
                const char *cr = memchr(r->in + start, '\r', end - start);
                if (cr)
                        end = (size_t) (cr - r->in);
                const char *nul = memchr(r->in + start, 0, end - start);
                if (nul)
                        end = (size_t) (nul - r->in);
                any = true;
                /* read_line(f, LONG_LINE_MAX): a line of LONG_LINE_MAX bytes is already too long. */
                if (b->len + (end - start) >= UNIT_LINE_MAX)
                        return -ENOBUFS;
                buf_put(b, r->in + start, end - start);
                if (b->oom)
                        return -ENOMEM;
                r->in_pos = end;
                if (end == r->in_len)
                        continue;  /* the block ended inside the line */
                char c = r->in[r->in_pos++];
                if (c == '\r') {
                        /* "\r\n" is one line end */
                        if ((k = fill(r)) < 0)
                                return k;
                        if (k > 0 && r->in[r->in_pos] == '\n')
                                r->in_pos++;
                }
                break;  /* '\n', '\r', "\r\n" or NUL ended the line */
        }
        if (!any)
                return 0;
        if (!b->data)
                buf_puts(b, "");
        return b->oom ? -ENOMEM : 1;
}

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static char *strip(char *s) {
        while (is_space(*s))
                s++;
        size_t n = strlen(s);
        while (n > 0 && is_space(s[n - 1]))
                s[--n] = 0;
        return s;
}

/* systemd's string_is_safe(): no control characters, quotes or backslashes. */
static bool section_name_is_safe(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < ' ' || *s == 127 || strchr("\"'\\", *s))
                        return false;
        return true;
}

static void fail(Reader *r, int error, unsigned line, const char *what) {
        r->error = error;
        r->error_line = line;
        diags_add(r->diags, NULL, "%s:%u: %s", r->path, line, what);
}

/* Interprets one logical line (parse_line() in systemd). Returns 1 when an assignment is now
 * pending, 0 when the line produced none, < 0 on a fatal error. */
static int parse_logical_line(Reader *r, char *l, unsigned line) {
        if (!utf8_is_valid(l, strlen(l))) {
                fail(r, -EINVAL, line, "line is not valid UTF-8; systemd refuses the file from here on");
                return -EINVAL;
        }
        l = strip(l);
        if (!*l)
                return 0;

        if (*l == '[') {
                size_t n = strlen(l);
                if (l[n - 1] != ']') {
                        fail(r, -EBADMSG, line, "invalid section header; systemd refuses the file from here on");
                        return -EBADMSG;
                }
                char *name = strndup(l + 1, n - 2);
                if (!name)
                        return -ENOMEM;
                if (!section_name_is_safe(name)) {
                        free(name);
                        fail(r, -EBADMSG, line, "invalid characters in section header; systemd refuses the file from here on");
                        return -EBADMSG;
                }
                free(r->section);
                r->section = name;
                return 0;
        }

        char *eq = strchr(l, '=');
        if (!r->section) {
                diags_add(r->diags, NULL, "%s:%u: assignment outside of section, ignored", r->path, line);
                return 0;
        }
        if (!eq) {
                diags_add(r->diags, NULL, "%s:%u: missing '=', line ignored", r->path, line);
                return 0;
        }
        if (eq == l) {
                diags_add(r->diags, NULL, "%s:%u: missing key name before '=', line ignored", r->path, line);
                return 0;
        }
        *eq = 0;
        r->pending = (Assignment) {
                .section = r->section,
                .key = strip(l),
                .value = strip(eq + 1),
                .line = line,
        };
        r->has_pending = true;
        return 1;
}

/* read_physical_line(), with a fatal error recorded in systemd's words. */
static int read_line_or_fail(Reader *r) {
        int k = read_physical_line(r);
        if (k == -ENOBUFS)
                fail(r, k, r->line + 1, "line longer than 1 MiB; systemd refuses the file from here on");
        else if (k < 0)
                fail(r, k, r->line + 1, k == -ENOMEM ? "out of memory" : "read error");
        return k;
}

/* The text of the physical line just read, or NULL when it is a comment. Like systemd, the BOM
 * is looked for after the comment check, so "BOM#x" is not a comment, and only until one was
 * found. */
static char *line_text(Reader *r) {
        char *l = r->line_buf.data;
        char *s = l + strspn(l, " \t\n\r");
        if (*s == '#' || *s == ';')
                return NULL;
        if (!r->bom_checked && startswith(l, "\xEF\xBB\xBF")) {
                r->bom_checked = true;
                l += 3;
        }
        return l;
}

/* Appends a physical line to the continuation: 0, -ENOBUFS past 1 MiB, -ENOMEM. */
static int cont_append(Reader *r, const char *l, size_t len) {
        if (r->cont.len + len > UNIT_LINE_MAX) {
                fail(r, -ENOBUFS, r->line, "continuation line longer than 1 MiB; systemd refuses the file from here on");
                return -ENOBUFS;
        }
        buf_put(&r->cont, l, len);
        return r->cont.oom ? -ENOMEM : 0;
}

/* Does the new part of a logical line end in an unescaped backslash? The text before it ends
 * in the ' ' that replaced a backslash, so the escape state there is "not escaped": scanning
 * the new part alone is the same. And scanning it from the left, a backslash ends it escaped
 * only as the last of an odd run of them at its end: count that run from the right. */
static bool ends_escaped(const char *part, size_t len) {
        const char *e = part + len, *b = e;
        while (b > part && b[-1] == '\\')
                b--;
        return (e - b) % 2 == 1;
}

/* Reads physical lines until one logical line yields an assignment (1), EOF (0) or a fatal
 * error (< 0). This is config_parse()'s loop: comment check first, then the BOM, then
 * continuation by an unescaped trailing backslash. */
static int next_assignment(Reader *r) {
        /* The joined continuation lines, appended in place and scanned only where new: a file of
         * 100,000 continued lines costs linear time, not quadratic (systemd's own strextend()
         * loop is quadratic, but capped at 1 MiB like this one). They live in the reader, as the
         * pending assignment points into them. */
        Buf *cont = &r->cont;
        cont->len = 0;
        bool in_cont = false;
        unsigned cont_line = 0;

        for (;;) {
                int k = read_line_or_fail(r);
                if (k < 0)
                        return k;
                if (k == 0)  /* EOF inside a continuation: the pending text is parsed. */
                        return in_cont ? parse_logical_line(r, cont->data, cont_line) : 0;
                r->line++;

                char *l = line_text(r);
                if (!l)
                        continue;
                char *p;
                size_t len = strlen(l), scanned = 0;
                if (in_cont) {
                        scanned = cont->len;
                        if ((k = cont_append(r, l, len)) < 0)
                                return k;
                        p = cont->data;
                } else {
                        p = l;
                        cont_line = r->line;
                }

                if (ends_escaped(p + scanned, len)) {
                        p[scanned + len - 1] = ' ';
                        if (!in_cont) {
                                buf_put(cont, p, len);
                                if (cont->oom)
                                        return -ENOMEM;
                                in_cont = true;
                        }
                        continue;
                }

                int q = parse_logical_line(r, p, cont_line);
                in_cont = false;
                if (q != 0)
                        return q;
        }
}

static char *reader(char *str, int num, void *stream) {
        Reader *r = stream;
        if (r->error || r->fn_error || r->eof)
                return NULL;
        int k;
        /* an assignment the caller does not read never reaches inih */
        while ((k = next_assignment(r)) > 0 && r->wants &&
               !r->wants(r->userdata, r->pending.section, r->pending.key)) {
                r->pending = (Assignment) {};
                r->has_pending = false;
        }
        if (k < 0) {
                if (!r->error)
                        r->error = k;
                return NULL;
        }
        if (k == 0) {
                r->eof = true;
                return NULL;
        }
        static const char token[] = "a=0\n";
        if ((size_t) num < sizeof(token))
                return NULL;
        memcpy(str, token, sizeof(token));
        return str;
}

static int handler(void *user, const char *section, const char *name, const char *value) {
        Reader *r = user;
        if (!r->has_pending || !streq(name, "a"))
                return 0;
        Assignment *a = &r->pending;
        int k = r->fn(r->userdata, a->section, a->key, a->value, a->line);
        *a = (Assignment) {};
        r->has_pending = false;
        if (k < 0) {
                r->fn_error = k;
                return 0;
        }
        return 1;
}

int unit_syntax_parse(FILE *f, const char *path, unit_assignment_fn fn, void *userdata,
                      Diags *diags, unsigned *ret_line) {
        return unit_syntax_parse_head(f, path, fn, userdata, diags, ret_line, NULL, 0);
}

int unit_syntax_parse_head(FILE *f, const char *path, unit_assignment_fn fn, void *userdata,
                           Diags *diags, unsigned *ret_line, char *head, size_t head_size) {
        return unit_syntax_parse_keys(&(UnitInput) { .f = f, .fd = -1 }, path, NULL, fn, userdata, diags, ret_line,
                                      head, head_size);
}

int unit_syntax_parse_keys(const UnitInput *input, const char *path, unit_key_fn wants, unit_assignment_fn fn,
                           void *userdata, Diags *diags, unsigned *ret_line, char *head, size_t head_size) {
        char in[16384];
        Reader r = { .f = input->f, .fd = input->fd, .fd_size = input->fd_size, .path = path, .diags = diags, .fn = fn, .wants = wants,
                     .userdata = userdata, .in = in, .in_size = sizeof(in),
                     .head = head_size > 0 ? head : NULL, .head_size = head_size };
        if (!input->f && input->fd < 0) {
                /* bytes in memory: one block, read where they are */
                r.in = input->data ? input->data : "";
                r.in_len = input->data ? input->data_len : 0;
                r.in_done = true;
                if (r.head) {
                        size_t n = r.in_len < head_size - 1 ? r.in_len : head_size - 1;
                        memcpy(r.head, r.in, n);
                        r.head[n] = 0;
                        r.head = NULL;
                }
        }
        if (r.head)
                r.head[0] = 0;

        int k = ini_parse_stream(reader, &r, handler, &r);
        free(r.section);
        buf_free(&r.line_buf);
        buf_free(&r.cont);

        if (r.fn_error)
                return r.fn_error;
        if (r.error) {
                if (ret_line)
                        *ret_line = r.error_line;
                return r.error;
        }
        if (k == -2)
                return -ENOMEM;
        return 0;
}
