/* SPDX-License-Identifier: MIT */

/* Unified diff in the `diff -u` format, for --dry-run.
 *
 * Lines are compared whole, '\n' included, so a last line without its newline differs from the
 * same text with one. After the common prefix and suffix are cut off, the middle goes through
 * Myers' greedy forward search ("An O(ND) Difference Algorithm and Its Variations", 1986): row d
 * of the trace holds, for each diagonal k = x - y in -d, -d+2, ..., d, the furthest x that a
 * path of d deletions/insertions reaches; every row is kept so the path can be walked back. The
 * result is a minimal edit script; which one among equally short scripts is not specified.
 *
 * Cost bound: time O((N+M)·D), trace memory (D+1)(D+2)/2 idx_t, D = edits needed. D is capped
 * at MAX_EDITS: past it the whole middle becomes one "delete all, insert all" change, still a
 * correct diff, just not minimal. So the trace stays below 16 MB (2001·2002/2 · 8 bytes) for any
 * input, e.g. two unrelated 10,000-line files. */

#include "basic/diff.h"

#define CONTEXT 3
#define MAX_EDITS 2000

typedef ptrdiff_t idx_t;

typedef struct Line {
        const char *p;
        size_t len;             /* includes the '\n', if any */
        uint64_t hash;
} Line;

typedef struct Text {
        Line *lines;
        idx_t n;
        char *changed;          /* per line: 1 = deleted (old) or inserted (new); [n] stays 0 */
} Text;

typedef struct Op {
        char tag;               /* ' ', '-' or '+' */
        idx_t i, j;             /* old and new lines before this one: the line is a[i] or b[j] */
} Op;

/* Frees what text_split() allocated. */
static void text_done(Text *t) {
        free(t->lines);
        free(t->changed);
}

/* Cuts s (NULL: absent, i.e. empty) into lines, hashed so most mismatches cost one compare. */
static int text_split(Text *t, const char *s) {
        size_t max = 1;
        for (const char *q = s; q && *q; q++)
                max += *q == '\n';
        t->lines = calloc(max, sizeof(Line));
        t->changed = calloc(max + 1, 1);
        if (!t->lines || !t->changed)
                return -ENOMEM;

        for (t->n = 0; s && *s; t->n++) {
                const char *nl = strchr(s, '\n');
                Line *l = &t->lines[t->n];

                *l = (Line) { s, nl ? (size_t) (nl - s) + 1 : strlen(s), 14695981039346656037ULL };
                for (size_t i = 0; i < l->len; i++)     /* FNV-1a */
                        l->hash = (l->hash ^ (unsigned char) s[i]) * 1099511628211ULL;
                s += l->len;
        }
        return 0;
}

/* Whole-line equality. */
static bool line_eq(const Line *a, const Line *b) {
        return a->hash == b->hash && a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/* The best way onto diagonal k = 2i - d in row d, given row d - 1 (prev): returns the x reached
 * before following equal lines, -1 when no step stays inside the n×m grid. *ret_del: true when
 * it deletes old line prev[i - 1] (from k - 1), false when it inserts a new line (from k + 1). */
static idx_t best_step(const idx_t *prev, idx_t d, idx_t i, idx_t n, idx_t m, bool *ret_del) {
        idx_t k = 2 * i - d;
        idx_t x_del = i > 0 && prev[i - 1] >= 0 && prev[i - 1] < n ? prev[i - 1] + 1 : -1;
        idx_t x_ins = i < d && prev[i] >= 0 && prev[i] - k <= m ? prev[i] : -1;

        *ret_del = x_del > x_ins;
        return *ret_del ? x_del : x_ins;
}

/* Marks in a_ch/b_ch the lines a minimal script deletes from a[0..n) and inserts from b[0..m).
 * Returns 1 when done, 0 (nothing marked) when it needs more than MAX_EDITS edits, or -ENOMEM. */
static int myers(const Line *a, idx_t n, char *a_ch, const Line *b, idx_t m, char *b_ch) {
        idx_t max_d = n + m < MAX_EDITS ? n + m : MAX_EDITS;
        /* Row d starts at d(d+1)/2 and has d + 1 entries, entry i for diagonal 2i - d, -1 where no
         * path gets. Rows are filled in order, so only the pages of rows reached get touched. */
        _cleanup_free_ idx_t *trace = malloc((size_t) (max_d + 1) * (size_t) (max_d + 2) / 2 *
                                             sizeof(idx_t));
        bool del;

        if (!trace)
                return -ENOMEM;

        for (idx_t d = 0; d <= max_d; d++) {
                idx_t *row = trace + d * (d + 1) / 2;

                for (idx_t i = 0; i <= d; i++) {
                        idx_t x = d == 0 ? 0 : best_step(row - d, d, i, n, m, &del);
                        idx_t y = x - (2 * i - d);

                        while (x >= 0 && x < n && y < m && line_eq(&a[x], &b[y]))
                                x++, y++;
                        row[i] = x;
                        if (x != n || y != m)
                                continue;

                        /* Reached the end: walk the rows back, marking each step's line. */
                        for (; d > 0; d--) {
                                idx_t *prev = row - d;

                                best_step(prev, d, i, n, m, &del);
                                if (del)
                                        a_ch[prev[--i]] = 1;
                                else
                                        b_ch[prev[i] - (2 * i - d) - 1] = 1;
                                row = prev;
                        }
                        return 1;
                }
        }
        return 0;
}

/* One body line; only a file's last line can lack its '\n', and then gets the marker. */
static void put_line(Buf *out, char tag, const Line *l) {
        buf_putc(out, tag);
        buf_put(out, l->p, l->len);
        if (l->p[l->len - 1] != '\n')
                buf_puts(out, "\n\\ No newline at end of file\n");
}

/* One side of "@@ -a,b +c,d @@": ",1" is left out, and an empty range is named by the line
 * before it (so 0 for an empty file). */
static void put_range(Buf *out, const char *sep, idx_t before, idx_t count) {
        buf_printf(out, "%s%td", sep, before + (count > 0));
        if (count != 1)
                buf_printf(out, ",%td", count);
}

/* Marks the lines that differ: the common head and tail are skipped, the middle goes to myers();
 * where that gives up (past MAX_EDITS) or one side's middle is empty, the whole middle is marked.
 * 0 or -ENOMEM. */
static int mark_changes(Text *a, Text *b) {
        idx_t pre = 0, suf = 0;

        while (pre < a->n && pre < b->n && line_eq(&a->lines[pre], &b->lines[pre]))
                pre++;
        while (pre + suf < a->n && pre + suf < b->n &&
               line_eq(&a->lines[a->n - 1 - suf], &b->lines[b->n - 1 - suf]))
                suf++;
        idx_t n = a->n - pre - suf, m = b->n - pre - suf;
        int r = n > 0 && m > 0 ? myers(a->lines + pre, n, a->changed + pre, b->lines + pre, m,
                                       b->changed + pre) : 0;
        if (r < 0)
                return r;
        if (r == 0) {
                memset(a->changed + pre, 1, n);
                memset(b->changed + pre, 1, m);
        }
        return 0;
}

/* The hunks of the script, each change with CONTEXT unchanged lines around it. */
static void put_hunks(Buf *out, const Op *ops, idx_t n_ops, const Text *a, const Text *b) {
        for (idx_t s = 0; s < n_ops; s++) {
                if (ops[s].tag == ' ')
                        continue;

                /* Changes up to 2·CONTEXT unchanged lines apart share a hunk. */
                idx_t e = s + 1;
                for (idx_t q = e; q < n_ops && q - e <= 2 * CONTEXT; q++)
                        if (ops[q].tag != ' ')
                                e = q + 1;
                idx_t from = s > CONTEXT ? s - CONTEXT : 0;
                idx_t to = e + CONTEXT < n_ops ? e + CONTEXT : n_ops;
                idx_t n_old = 0, n_new = 0;
                for (idx_t q = from; q < to; q++)
                        n_old += ops[q].tag != '+', n_new += ops[q].tag != '-';

                put_range(out, "@@ -", ops[from].i, n_old);
                put_range(out, " +", ops[from].j, n_new);
                buf_puts(out, " @@\n");
                for (idx_t q = from; q < to; q++)
                        put_line(out, ops[q].tag,
                                 ops[q].tag == '+' ? &b->lines[ops[q].j] : &a->lines[ops[q].i]);
                s = to - 1;
        }
}

char *unified_diff(const char *old_text, const char *new_text, const char *old_label,
                   const char *new_label) {
        _cleanup_(text_done) Text a = {}, b = {};
        _cleanup_free_ Op *ops = NULL;
        _cleanup_(buf_free) Buf out = {};
        idx_t n_ops = 0;

        if (streq(old_text ?: "", new_text ?: ""))
                return strdup("");
        if (text_split(&a, old_text) < 0 || text_split(&b, new_text) < 0)
                return NULL;
        if (mark_changes(&a, &b) < 0)
                return NULL;

        /* The script as one sequence, each change's deletions before its insertions. */
        ops = calloc(a.n + b.n, sizeof(Op));
        if (!ops)
                return NULL;
        for (idx_t i = 0, j = 0; i < a.n || j < b.n; n_ops++) {
                char tag = a.changed[i] ? '-' : b.changed[j] ? '+' : ' ';

                ops[n_ops] = (Op) { tag, i, j };
                i += tag != '+';
                j += tag != '-';
        }

        buf_printf(&out, "--- %s\n+++ %s\n", old_label, new_label);
        put_hunks(&out, ops, n_ops, &a, &b);
        return buf_steal(&out);
}
