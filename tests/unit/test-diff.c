/* SPDX-License-Identifier: MIT */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "basic/diff.h"

#define CONTEXT 3
#define MAX_EDITS 2000  /* as in src/basic/diff.c: beyond it the diff is no longer minimal */

typedef struct Case {
        const char *name;
        const char *old, *new;
        const char *old_label, *new_label;
        const char *expected;
} Case;

/* Expected outputs are GNU diffutils 3.8 `diff -u` on the same inputs (an absent side given as
 * /dev/null), with its two timestamped header lines replaced by "--- label" / "+++ label".
 * They are hard-coded so the tests do not depend on a diff binary at run time. The last two
 * rows are the exception: there GNU's heuristics pick another script, and the expectation is
 * ours, checked by hand to be a valid minimal diff (see the comments there). */
static const Case cases[] = {
        {
                .name = "absent old",
                .old = NULL,
                .new = "a\nb\n",
                .old_label = "/dev/null", .new_label = "b/f",
                .expected =
                        "--- /dev/null\n"
                        "+++ b/f\n"
                        "@@ -0,0 +1,2 @@\n"
                        "+a\n"
                        "+b\n",
        },
        {
                .name = "absent new",
                .old = "a\nb\n",
                .new = NULL,
                .old_label = "a/f", .new_label = "/dev/null",
                .expected =
                        "--- a/f\n"
                        "+++ /dev/null\n"
                        "@@ -1,2 +0,0 @@\n"
                        "-a\n"
                        "-b\n",
        },
        {
                .name = "absent new, one line",
                .old = "x\n",
                .new = NULL,
                .old_label = "a/f", .new_label = "/dev/null",
                .expected =
                        "--- a/f\n"
                        "+++ /dev/null\n"
                        "@@ -1 +0,0 @@\n"
                        "-x\n",
        },
        {
                .name = "identical",
                .old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n",
                .new = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n",
                .old_label = "a/f", .new_label = "b/f",
                .expected = "",
        },
        {
                .name = "both empty",
                .old = "",
                .new = "",
                .old_label = "a/f", .new_label = "b/f",
                .expected = "",
        },
        {
                .name = "empty vs absent",
                .old = "",
                .new = NULL,
                .old_label = "a/f", .new_label = "/dev/null",
                .expected = "",
        },
        {
                .name = "absent vs empty",
                .old = NULL,
                .new = "",
                .old_label = "/dev/null", .new_label = "b/f",
                .expected = "",
        },
        {
                .name = "empty vs one line",
                .old = "",
                .new = "a\n",
                .old_label = "a/f", .new_label = "b/f",
                .expected =
                        "--- a/f\n"
                        "+++ b/f\n"
                        "@@ -0,0 +1 @@\n"
                        "+a\n",
        },
        {
                .name = "one line vs empty",
                .old = "a\n",
                .new = "",
                .old_label = "a/f", .new_label = "b/f",
                .expected =
                        "--- a/f\n"
                        "+++ b/f\n"
                        "@@ -1 +0,0 @@\n"
                        "-a\n",
        },
        {
                .name = "single line change",
                .old = "a\n",
                .new = "b\n",
                .old_label = "a/f", .new_label = "b/f",
                .expected =
                        "--- a/f\n"
                        "+++ b/f\n"
                        "@@ -1 +1 @@\n"
                        "-a\n"
                        "+b\n",
        },
        {
                .name = "change at start",
                .old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n",
                .new = "A\nb\nc\nd\ne\nf\ng\nh\ni\nj\n",
                .old_label = "a/f", .new_label = "b/f",
                .expected =
                        "--- a/f\n"
                        "+++ b/f\n"
                        "@@ -1,4 +1,4 @@\n"
                        "-a\n"
                        "+A\n"
                        " b\n"
                        " c\n"
                        " d\n",
        },
        {
                .name = "change in middle",
                .old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n",
                .new = "a\nb\nc\nd\ne\nF\ng\nh\ni\nj\n",
                .old_label = "a/f", .new_label = "b/f",
                .expected =
                        "--- a/f\n"
                        "+++ b/f\n"
                        "@@ -3,7 +3,7 @@\n"
                        " c\n"
                        " d\n"
                        " e\n"
                        "-f\n"
                        "+F\n"
                        " g\n"
                        " h\n"
                        " i\n",
        },
        {
                .name = "change at end",
                .old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n",
                .new = "a\nb\nc\nd\ne\nf\ng\nh\ni\nJ\n",
                .old_label = "a/f", .new_label = "b/f",
                .expected =
                        "--- a/f\n"
                        "+++ b/f\n"
                        "@@ -7,4 +7,4 @@\n"
                        " g\n"
                        " h\n"
                        " i\n"
                        "-j\n"
                        "+J\n",
        },
        {
                .name = "insert in middle",
                .old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n",
                .new = "a\nb\nc\nd\nnew\ne\nf\ng\nh\ni\nj\n",
                .old_label = "a/f", .new_label = "b/f",
                .expected =
                        "--- a/f\n"
                        "+++ b/f\n"
                        "@@ -2,6 +2,7 @@\n"
                        " b\n"
                        " c\n"
                        " d\n"
                        "+new\n"
                        " e\n"
                        " f\n"
                        " g\n",
        },
        {
                .name = "delete in middle",
                .old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n",
                .new = "a\nb\nc\nd\nf\ng\nh\ni\nj\n",
                .old_label = "a/f", .new_label = "b/f",
                .expected =
                        "--- a/f\n"
                        "+++ b/f\n"
                        "@@ -2,7 +2,6 @@\n"
                        " b\n"
                        " c\n"
                        " d\n"
                        "-e\n"
                        " f\n"
                        " g\n"
                        " h\n",
        },
        {
                .name = "two distant changes",
                .old = "l01\nl02\nl03\nl04\nl05\nl06\nl07\nl08\nl09\nl10\nl11\nl12\n"
                       "l13\nl14\nl15\nl16\nl17\nl18\nl19\nl20\n",
                .new = "l01\nX\nl03\nl04\nl05\nl06\nl07\nl08\nl09\nl10\nl11\nl12\n"
                       "l13\nl14\nl15\nl16\nY\nl18\nl19\nl20\n",
                .old_label = "a/f", .new_label = "b/f",
                .expected =
                        "--- a/f\n"
                        "+++ b/f\n"
                        "@@ -1,5 +1,5 @@\n"
                        " l01\n"
                        "-l02\n"
                        "+X\n"
                        " l03\n"
                        " l04\n"
                        " l05\n"
                        "@@ -14,7 +14,7 @@\n"
                        " l14\n"
                        " l15\n"
                        " l16\n"
                        "-l17\n"
                        "+Y\n"
                        " l18\n"
                        " l19\n"
                        " l20\n",
        },
        {
                .name = "close changes, gap 6",
                .old = "l01\nl02\nl03\nl04\nl05\nl06\nl07\nl08\nl09\nl10\nl11\nl12\n"
                       "l13\nl14\nl15\nl16\nl17\nl18\nl19\nl20\n",
                .new = "l01\nl02\nX\nl04\nl05\nl06\nl07\nl08\nl09\nY\nl11\nl12\n"
                       "l13\nl14\nl15\nl16\nl17\nl18\nl19\nl20\n",
                .old_label = "a/f", .new_label = "b/f",
                .expected =
                        "--- a/f\n"
                        "+++ b/f\n"
                        "@@ -1,13 +1,13 @@\n"
                        " l01\n"
                        " l02\n"
                        "-l03\n"
                        "+X\n"
                        " l04\n"
                        " l05\n"
                        " l06\n"
                        " l07\n"
                        " l08\n"
                        " l09\n"
                        "-l10\n"
                        "+Y\n"
                        " l11\n"
                        " l12\n"
                        " l13\n",
        },
        {
                .name = "gap 7 splits",
                .old = "l01\nl02\nl03\nl04\nl05\nl06\nl07\nl08\nl09\nl10\nl11\nl12\n"
                       "l13\nl14\nl15\nl16\nl17\nl18\nl19\nl20\n",
                .new = "l01\nl02\nX\nl04\nl05\nl06\nl07\nl08\nl09\nl10\nY\nl12\n"
                       "l13\nl14\nl15\nl16\nl17\nl18\nl19\nl20\n",
                .old_label = "a/f", .new_label = "b/f",
                .expected =
                        "--- a/f\n"
                        "+++ b/f\n"
                        "@@ -1,6 +1,6 @@\n"
                        " l01\n"
                        " l02\n"
                        "-l03\n"
                        "+X\n"
                        " l04\n"
                        " l05\n"
                        " l06\n"
                        "@@ -8,7 +8,7 @@\n"
                        " l08\n"
                        " l09\n"
                        " l10\n"
                        "-l11\n"
                        "+Y\n"
                        " l12\n"
                        " l13\n"
                        " l14\n",
        },
        {
                .name = "old lacks final newline",
                .old = "a\nb\nc",
                .new = "a\nb\nc\n",
                .old_label = "a/f", .new_label = "b/f",
                .expected =
                        "--- a/f\n"
                        "+++ b/f\n"
                        "@@ -1,3 +1,3 @@\n"
                        " a\n"
                        " b\n"
                        "-c\n"
                        "\\ No newline at end of file\n"
                        "+c\n",
        },
        {
                .name = "new lacks final newline",
                .old = "a\nb\nc\n",
                .new = "a\nb\nc",
                .old_label = "a/f", .new_label = "b/f",
                .expected =
                        "--- a/f\n"
                        "+++ b/f\n"
                        "@@ -1,3 +1,3 @@\n"
                        " a\n"
                        " b\n"
                        "-c\n"
                        "+c\n"
                        "\\ No newline at end of file\n",
        },
        {
                .name = "both lack, last changed",
                .old = "a\nb\nc",
                .new = "a\nb\nC",
                .old_label = "a/f", .new_label = "b/f",
                .expected =
                        "--- a/f\n"
                        "+++ b/f\n"
                        "@@ -1,3 +1,3 @@\n"
                        " a\n"
                        " b\n"
                        "-c\n"
                        "\\ No newline at end of file\n"
                        "+C\n"
                        "\\ No newline at end of file\n",
        },
        {
                .name = "both lack, context line",
                .old = "a\nb\nc\nd",
                .new = "a\nB\nc\nd",
                .old_label = "a/f", .new_label = "b/f",
                .expected =
                        "--- a/f\n"
                        "+++ b/f\n"
                        "@@ -1,4 +1,4 @@\n"
                        " a\n"
                        "-b\n"
                        "+B\n"
                        " c\n"
                        " d\n"
                        "\\ No newline at end of file\n",
        },
        {
                .name = "no newline, one line",
                .old = "",
                .new = "a",
                .old_label = "a/f", .new_label = "b/f",
                .expected =
                        "--- a/f\n"
                        "+++ b/f\n"
                        "@@ -0,0 +1 @@\n"
                        "+a\n"
                        "\\ No newline at end of file\n",
        },
        {
                .name = "swap two lines",
                .old = "a\nb\n",
                .new = "b\na\n",
                .old_label = "a/f", .new_label = "b/f",
                .expected =
                        "--- a/f\n"
                        "+++ b/f\n"
                        "@@ -1,2 +1,2 @@\n"
                        "-a\n"
                        " b\n"
                        "+a\n",
        },
        {
                .name = "insert into run of equal lines",
                .old = "x\na\na\na\ny\n",
                .new = "x\na\na\na\na\ny\n",
                .old_label = "a/f", .new_label = "b/f",
                .expected =
                        "--- a/f\n"
                        "+++ b/f\n"
                        "@@ -2,4 +2,5 @@\n"
                        " a\n"
                        " a\n"
                        " a\n"
                        "+a\n"
                        " y\n",
        },
        {
                .name = "blank-line block boundary",
                .old = "f() {\n  one\n}\n\ng() {\n  two\n}\n",
                .new = "f() {\n  one\n}\n\nh() {\n  new\n}\n\ng() {\n  two\n}\n",
                .old_label = "a/f", .new_label = "b/f",
                .expected =
                        "--- a/f\n"
                        "+++ b/f\n"
                        "@@ -2,6 +2,10 @@\n"
                        "   one\n"
                        " }\n"
                        " \n"
                        "+h() {\n"
                        "+  new\n"
                        "+}\n"
                        "+\n"
                        " g() {\n"
                        "   two\n"
                        " }\n",
        },
        {
                .name = "all lines replaced",
                .old = "a\nb\nc\n",
                .new = "x\ny\n",
                .old_label = "a/f", .new_label = "b/f",
                .expected =
                        "--- a/f\n"
                        "+++ b/f\n"
                        "@@ -1,3 +1,2 @@\n"
                        "-a\n"
                        "-b\n"
                        "-c\n"
                        "+x\n"
                        "+y\n",
        },
        {
                .name = "change slides down a run",
                .old = "c\nc\n",
                .new = "a\nc\n",
                .old_label = "a/f", .new_label = "b/f",
                .expected =
                        "--- a/f\n"
                        "+++ b/f\n"
                        "@@ -1,2 +1,2 @@\n"
                        "-c\n"
                        "+a\n"
                        " c\n",
        },
        {
                /* Not GNU's output: GNU replaces line 2 by "c" and appends a "c" at the end
                 * (tie-breaking plus its boundary shifting); we delete line 2 and insert a "c"
                 * after lines 4 and 5. Both keep b c c b c c (the LCS, 6 lines) and change
                 * 1 + 2 lines, so both are minimal; this one was checked by hand. */
                .name = "equally short scripts, ours",
                .old = "b\nb\nc\nc\nb\nc\nc\n",
                .new = "b\nc\nc\nc\nb\nc\nc\nc\n",
                .old_label = "a/f", .new_label = "b/f",
                .expected =
                        "--- a/f\n"
                        "+++ b/f\n"
                        "@@ -1,7 +1,8 @@\n"
                        " b\n"
                        "-b\n"
                        " c\n"
                        " c\n"
                        "+c\n"
                        " b\n"
                        "+c\n"
                        " c\n"
                        " c\n",
        },
        {
                /* Not GNU's output, and here GNU's is not minimal either: its discard heuristic
                 * drops the frequent blank line from the search and prints 6 deletions plus 7
                 * insertions. We keep one blank line (the LCS has length 1): 5 + 6 = 11 changed
                 * lines, the minimum. Checked by hand. */
                .name = "blank line kept inside rewrite",
                .old = "\n\n\n\n\n\n",
                .new = "line1\nline2\nline3\n\nline4\nline5\nline6\n",
                .old_label = "a/f", .new_label = "b/f",
                .expected =
                        "--- a/f\n"
                        "+++ b/f\n"
                        "@@ -1,6 +1,7 @@\n"
                        "+line1\n"
                        "+line2\n"
                        "+line3\n"
                        " \n"
                        "-\n"
                        "-\n"
                        "-\n"
                        "-\n"
                        "-\n"
                        "+line4\n"
                        "+line5\n"
                        "+line6\n",
        },
};

typedef struct Lines {
        const char **p;
        size_t *len, n;
} Lines;

static void lines_done(Lines *l) {
        free(l->p);
        free(l->len);
}

static void lines_split(Lines *l, const char *s) {
        size_t cap = 1;
        for (const char *q = s; *q; q++)
                cap += *q == '\n';
        *l = (Lines) { .p = calloc(cap, sizeof(char *)), .len = calloc(cap, sizeof(size_t)) };
        assert_non_null(l->p);
        assert_non_null(l->len);
        while (*s) {
                const char *nl = strchr(s, '\n');
                size_t n = nl ? (size_t) (nl - s) + 1 : strlen(s);
                l->p[l->n] = s;
                l->len[l->n++] = n;
                s += n;
        }
}

/* A minimal `patch`: applies a unified diff to old and returns the result, or NULL when the diff
 * is malformed or does not fit old. Also checks the hunk shape (context widths, counts). */
static char *apply_patch(const char *old, const char *diff) {
        _cleanup_(lines_done) Lines o = {};
        _cleanup_(buf_free) Buf out = {};
        const char *p = diff;
        size_t oi = 0, out_lines = 0;

        lines_split(&o, old ?: "");
        if (*p == 0)
                return strdup(old ?: "");
        if (!startswith(p, "--- ") || !(p = strchr(p, '\n')) || !startswith(++p, "+++ ") ||
            !(p = strchr(p, '\n')))
                return NULL;
        p++;

        while (*p) {
                char *e;
                unsigned long a, b = 1, c, d = 1;

                if (!(p = startswith(p, "@@ -")))
                        return NULL;
                a = strtoul(p, &e, 10);
                if (*e == ',')
                        b = strtoul(e + 1, &e, 10);
                if (!(p = startswith(e, " +")))
                        return NULL;
                c = strtoul(p, &e, 10);
                if (*e == ',')
                        d = strtoul(e + 1, &e, 10);
                if (!(p = startswith(e, " @@\n")))
                        return NULL;

                /* GNU numbers an empty range by the line before it. */
                size_t start0 = b == 0 ? a : a - 1, start1 = d == 0 ? c : c - 1;
                if (start0 < oi || start0 > o.n)
                        return NULL;
                for (; oi < start0; oi++, out_lines++)
                        buf_put(&out, o.p[oi], o.len[oi]);
                if (out_lines != start1)
                        return NULL;

                size_t seen0 = 0, seen1 = 0, ctx_run = 0, lead = SIZE_MAX;
                while (*p && *p != '@') {
                        char tag = *p++;
                        const char *line = p, *nl = strchr(p, '\n');
                        if (!nl)
                                return NULL;
                        size_t n = (size_t) (nl - line) + 1;
                        p = nl + 1;
                        if (*p == '\\') {
                                if (!(p = startswith(p, "\\ No newline at end of file\n")))
                                        return NULL;
                                n--;
                        }

                        if (tag == ' ') {
                                ctx_run++;
                        } else {
                                if (lead == SIZE_MAX)
                                        lead = ctx_run;
                                else if (ctx_run > 2 * CONTEXT)
                                        return NULL;    /* should have been two hunks */
                                ctx_run = 0;
                        }

                        if (tag == ' ' || tag == '-') {
                                if (oi >= o.n || o.len[oi] != n || memcmp(o.p[oi], line, n) != 0)
                                        return NULL;
                                oi++, seen0++;
                        }
                        if (tag == ' ' || tag == '+') {
                                buf_put(&out, line, n);
                                out_lines++, seen1++;
                        }
                        if (!strchr(" -+", tag))
                                return NULL;
                }
                if (seen0 != b || seen1 != d || lead == SIZE_MAX || lead > CONTEXT ||
                    ctx_run > CONTEXT)
                        return NULL;
        }

        for (; oi < o.n; oi++)
                buf_put(&out, o.p[oi], o.len[oi]);
        return buf_steal(&out);
}

static void test_case(void **state) {
        const Case *c = *state;
        _cleanup_free_ char *d = unified_diff(c->old, c->new, c->old_label, c->new_label);

        assert_non_null(d);
        assert_string_equal(d, c->expected);
}

/* The table's diffs, fed to the applier, rebuild the new side: checks the applier itself. */
static void test_table_applies(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *r = apply_patch(cases[i].old, cases[i].expected);
                assert_non_null(r);
                assert_string_equal(r, cases[i].new ?: "");
        }
}

static uint64_t rng_next(uint64_t *s) {
        /* xorshift64: same sequence on every libc, unlike rand(). */
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        return *s;
}

static char *random_text(uint64_t *s, const char *const *words, size_t n_words, size_t max_lines) {
        Buf b = {};
        size_t n = rng_next(s) % (max_lines + 1);
        for (size_t i = 0; i < n; i++) {
                buf_puts(&b, words[rng_next(s) % n_words]);
                buf_putc(&b, '\n');
        }
        if (b.len > 0 && rng_next(s) % 5 == 0)
                b.data[--b.len] = 0;    /* drop the final newline */
        return buf_steal(&b);
}

/* About two random edits (insert, delete, replace a line) of old, like a real revision. */
static char *mutate(uint64_t *s, const char *old, const char *const *words, size_t n_words) {
        _cleanup_(lines_done) Lines l = {};
        Buf b = {};

        lines_split(&l, old);
        for (size_t i = 0; i <= l.n; i++) {
                /* op 0: insert before line i, 1: delete line i, 2: replace it, 3: keep it. */
                unsigned op = rng_next(s) % (l.n / 2 + 2) == 0 ? (unsigned) (rng_next(s) % 3) : 3;

                if (op == 0 || (op == 2 && i < l.n)) {
                        buf_puts(&b, words[rng_next(s) % n_words]);
                        buf_putc(&b, '\n');
                }
                if (i == l.n)
                        break;
                if (op == 0 || op == 3)
                        buf_put(&b, l.p[i], l.len[i]);
        }
        if (b.len > 0 && rng_next(s) % 8 == 0 && b.data[b.len - 1] == '\n')
                b.data[--b.len] = 0;
        return buf_steal(&b);
}

static void check_roundtrip(const char *old, const char *new) {
        _cleanup_free_ char *d = unified_diff(old, new, old ? "a/f" : "/dev/null",
                                              new ? "b/f" : "/dev/null");
        assert_non_null(d);
        if (streq(old ?: "", new ?: ""))
                assert_string_equal(d, "");
        _cleanup_free_ char *r = apply_patch(old, d);
        if (!r || !streq(r, new ?: ""))
                print_message("old:\n%s\nnew:\n%s\ndiff:\n%s\n",
                              old ?: "(null)", new ?: "(null)", d);
        assert_non_null(r);
        assert_string_equal(r, new ?: "");
}

static void test_random_roundtrip(void **state) {
        static const char *const words[] = { "a", "b", "c", "", "}", "d", "e", "f", "g", "h" };
        uint64_t s = 0x9e3779b97f4a7c15ULL;

        for (unsigned i = 0; i < 600; i++) {
                size_t n_words = 1 + rng_next(&s) % ELEMENTSOF(words);
                _cleanup_free_ char *old = random_text(&s, words, n_words, 1 + rng_next(&s) % 40);
                _cleanup_free_ char *new = rng_next(&s) % 4 == 0 ?
                        random_text(&s, words, n_words, 40) : mutate(&s, old, words, n_words);
                unsigned absent = rng_next(&s) % 20;

                check_roundtrip(absent == 0 ? NULL : old, absent == 1 ? NULL : new);
        }
}

/* 10,000 lines of unrelated text: must stay fast and small (the search stops after MAX_EDITS
 * edits and replaces the middle wholesale: a correct, if not minimal, diff). */
static void test_large_unrelated(void **state) {
        static const char *const words[] = { "alpha", "beta", "gamma", "delta", "", "}", "x", "y" };
        uint64_t s = 42;
        Buf a = {}, b = {};

        for (unsigned i = 0; i < 2 * 10000; i++) {
                Buf *t = i % 2 == 0 ? &a : &b;
                const char *w = words[rng_next(&s) % ELEMENTSOF(words)];
                buf_printf(t, "%s %u\n", w, (unsigned) (rng_next(&s) % 50));
        }
        _cleanup_free_ char *old = buf_steal(&a), *new = buf_steal(&b);
        check_roundtrip(old, new);
}

/* Length of the longest common subsequence of lines, by the textbook O(n·m) table. */
static size_t lcs_length(const Lines *a, const Lines *b) {
        _cleanup_free_ size_t *t = calloc((a->n + 1) * (b->n + 1), sizeof(size_t));
        size_t w = b->n + 1;

        assert_non_null(t);
        for (size_t i = 1; i <= a->n; i++)
                for (size_t j = 1; j <= b->n; j++) {
                        bool eq = a->len[i - 1] == b->len[j - 1] &&
                                  memcmp(a->p[i - 1], b->p[j - 1], a->len[i - 1]) == 0;
                        size_t up = t[(i - 1) * w + j], left = t[i * w + j - 1];
                        t[i * w + j] = eq ? t[(i - 1) * w + j - 1] + 1 : up > left ? up : left;
                }
        return t[a->n * w + b->n];
}

/* The '-' and '+' lines of a diff, its two header lines excluded. */
static size_t count_changes(const char *d) {
        size_t n = 0;

        for (unsigned skip = 0; skip < 2 && *d; skip++)
                d = strchr(d, '\n') + 1;
        for (; *d; d = strchr(d, '\n') + 1)
                n += *d == '-' || *d == '+';
        return n;
}

/* Random small inputs with many repeated lines (where equally short scripts abound): the diff
 * changes exactly n_old + n_new - 2·LCS lines, i.e. it is minimal, and it applies. */
static void test_random_minimal(void **state) {
        static const char *const words[] = { "a", "b", "c", "", "}" };
        uint64_t s = 0x2545f4914f6cdd1dULL;

        for (unsigned i = 0; i < 500; i++) {
                size_t n_words = 1 + rng_next(&s) % ELEMENTSOF(words);
                _cleanup_free_ char *old = random_text(&s, words, n_words, rng_next(&s) % 30);
                _cleanup_free_ char *new = rng_next(&s) % 2 == 0 ?
                        random_text(&s, words, n_words, 30) : mutate(&s, old, words, n_words);
                _cleanup_free_ char *d = unified_diff(old, new, "a/f", "b/f");
                _cleanup_(lines_done) Lines o = {}, n = {};

                assert_non_null(d);
                lines_split(&o, old);
                lines_split(&n, new);
                assert_int_equal(count_changes(d), o.n + n.n - 2 * lcs_length(&o, &n));
                check_roundtrip(old, new);
        }
}

/* 1000 lines replaced one in three need exactly MAX_EDITS edits: still minimal. One more
 * replacement and the search stops: everything between the common prefix and suffix (one line
 * each) is removed and added back, which must still apply. */
static void test_edit_limit(void **state) {
        for (unsigned replaced = MAX_EDITS / 2; replaced <= MAX_EDITS / 2 + 1; replaced++) {
                Buf a = {}, b = {};
                unsigned total = 3 * (MAX_EDITS / 2 + 1);

                for (unsigned i = 0; i < total; i++) {
                        buf_printf(&a, "line %u\n", i);
                        bool repl = i % 3 == 1 && i / 3 < replaced;
                        buf_printf(&b, "%s %u\n", repl ? "new" : "line", i);
                }
                _cleanup_free_ char *old = buf_steal(&a), *new = buf_steal(&b);
                _cleanup_free_ char *d = unified_diff(old, new, "a/f", "b/f");

                assert_non_null(d);
                assert_int_equal(count_changes(d),
                                 replaced == MAX_EDITS / 2 ? MAX_EDITS : 2 * (total - 2));
                check_roundtrip(old, new);
        }
}

int main(void) {
        struct CMUnitTest tests[ELEMENTSOF(cases) + 5];
        size_t n = 0;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                tests[n++] = (struct CMUnitTest) {
                        .name = cases[i].name,
                        .test_func = test_case,
                        .initial_state = (void *) &cases[i],
                };
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_table_applies);
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_random_roundtrip);
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_large_unrelated);
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_random_minimal);
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_edit_limit);

        return cmocka_run_group_tests_name("diff", tests, NULL, NULL);
}
