/* SPDX-License-Identifier: MIT */

/* Unified diff that reproduces GNU diffutils' `diff -u` byte for byte (minus timestamps).
 *
 * Identical output needs more than "some" shortest edit script: where several exist, GNU picks
 * one through a fixed pipeline, which this file mirrors step by step:
 *   1. trim the common prefix/suffix, keeping HORIZON lines of each (io.c);
 *   2. drop lines that cannot match (or match too often) from the search (analyze.c);
 *   3. Myers' O((N+M)D) divide-and-conquer search with GNU's tie-breaking (gnulib diffseq);
 *   4. slide runs of changes along equal lines so they merge (analyze.c, shift_boundaries);
 *   5. group changes into hunks with 3 lines of context (context.c).
 *
 * Cost bound: memory is O(N+M) (a few arrays of line indexes, no N×M table). Time is
 * O((N+M)·D) for D inserted+deleted lines, but like GNU each middle-snake search gives up after
 * max(4096, ~2·sqrt(N+M+3)) edit steps and splits at its best point so far, so time is at most
 * O((N+M)·4096) per level even for two unrelated 10,000-line files (the output may then be
 * non-minimal, exactly as GNU's is). */

#include "diff.h"

#define CONTEXT 3
#define HORIZON CONTEXT /* GNU raises --horizon-lines to the context size */

typedef ptrdiff_t idx_t;

typedef struct Line {
        const char *p;
        size_t len;     /* includes the '\n'; an incomplete last line is thus distinct */
} Line;

typedef struct Text {
        const char *s;
        size_t len;
        bool missing_nl;
        Line *lines;
        idx_t n;
} Text;

typedef struct Change {
        idx_t line0, line1;     /* first line affected in each file, 0-based */
        idx_t deleted, inserted;
} Change;

typedef struct Search {
        const idx_t *xv, *yv;           /* equivalence classes of the lines still searched */
        const idx_t *xreal, *yreal;     /* their indexes among the buffered lines */
        char *xch, *ych;                /* per buffered line: 1 when deleted/inserted */
        idx_t *fd, *bd;                 /* furthest x per diagonal, forward and backward */
        idx_t too_expensive;
} Search;

typedef struct Split {
        idx_t xmid, ymid;
        bool lo_minimal, hi_minimal;
} Split;

static void text_done(Text *t) {
        free(t->lines);
        *t = (Text) {};
}

static int text_split(Text *t, const char *s) {
        *t = (Text) { .s = s ?: "" };
        t->len = strlen(t->s);
        t->missing_nl = t->len > 0 && t->s[t->len - 1] != '\n';

        idx_t n = t->missing_nl;
        for (size_t i = 0; i < t->len; i++)
                n += t->s[i] == '\n';
        t->lines = calloc((size_t) n + 1, sizeof(Line));
        if (!t->lines)
                return -ENOMEM;

        const char *p = t->s, *end = t->s + t->len;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t l = nl ? (size_t) (nl - p) + 1 : (size_t) (end - p);
                t->lines[t->n++] = (Line) { p, l };
                p += l;
        }
        return 0;
}

/* Byte i of the text as GNU buffers it: a missing final newline is supplied there. */
static char vbyte(const Text *t, size_t i) {
        return i < t->len ? t->s[i] : '\n';
}

/* Number of lines that start before byte offset off (off is a line start or the end). */
static idx_t line_index(const Text *t, size_t off) {
        if (off >= t->len)
                return t->n;
        idx_t k = 0;
        for (size_t i = 0; i < off; i++)
                k += t->s[i] == '\n';
        return k;
}

/* GNU's find_identical_ends(), in lines: which lines take part in the comparison at all.
 * It matters because the discard heuristic only counts lines inside that window. */
static void identical_ends(const Text *a, const Text *b, idx_t *ret_prefix, idx_t *ret_end_a,
                           idx_t *ret_end_b) {
        idx_t n0 = (idx_t) a->len + a->missing_nl, n1 = (idx_t) b->len + b->missing_nl;
        idx_t p = 0;

        while (p < n0 && p < n1 && vbyte(a, p) == vbyte(b, p))
                p++;
        /* An incomplete last line never counts as common with a complete one. */
        if ((n0 - a->missing_nl < p) != (n1 - b->missing_nl < p))
                p--;
        /* Back to a line start, then keep HORIZON more lines in the window. */
        for (int keep = HORIZON; p > 0 && (vbyte(a, p - 1) != '\n' || keep-- > 0);)
                p--;

        idx_t s0 = n0, s1 = n1;
        if (a->missing_nl == b->missing_nl) {
                idx_t q0 = n0, q1 = n1, beg = p + (n0 < n1 ? 0 : n0 - n1);

                while (q0 != beg) {
                        q0--, q1--;
                        if (vbyte(a, q0) != vbyte(b, q1)) {
                                q0++, q1++;
                                break;
                        }
                }
                /* Keep HORIZON lines of the suffix, plus the partial line if mid-line. */
                bool at_bol = (q0 == 0 || vbyte(a, q0 - 1) == '\n') &&
                              (q1 == 0 || vbyte(b, q1 - 1) == '\n');
                idx_t from = q0;
                for (int k = HORIZON + !at_bol; k > 0 && q0 != n0; k--)
                        while (vbyte(a, q0++) != '\n')
                                ;
                s0 = q0;
                s1 = q1 + (q0 - from);
        }

        *ret_prefix = line_index(a, (size_t) p);
        *ret_end_a = line_index(a, (size_t) s0);
        *ret_end_b = line_index(b, (size_t) s1);
}

static uint64_t line_hash(const Line *l) {
        uint64_t h = 14695981039346656037ULL;
        for (size_t i = 0; i < l->len; i++)
                h = (h ^ (unsigned char) l->p[i]) * 1099511628211ULL;
        return h;
}

/* Numbers distinct lines 1..K (0 stays unused, as in GNU) over both windows. */
static int classify(const Line *a, idx_t na, const Line *b, idx_t nb, idx_t *eq_a, idx_t *eq_b,
                    idx_t *ret_classes) {
        size_t cap = 16;
        while (cap < 2 * (size_t) (na + nb) + 2)
                cap *= 2;
        _cleanup_free_ idx_t *slot = calloc(cap, sizeof(idx_t));      /* class, 0 = empty */
        _cleanup_free_ const Line **rep = calloc((size_t) (na + nb) + 1, sizeof(Line *));
        if (!slot || !rep)
                return -ENOMEM;

        idx_t k = 0;
        for (int f = 0; f < 2; f++) {
                const Line *l = f == 0 ? a : b;
                idx_t n = f == 0 ? na : nb, *eq = f == 0 ? eq_a : eq_b;

                for (idx_t i = 0; i < n; i++) {
                        size_t h = (size_t) line_hash(&l[i]) & (cap - 1);
                        while (slot[h] != 0) {
                                const Line *r = rep[slot[h]];
                                if (r->len == l[i].len && memcmp(r->p, l[i].p, r->len) == 0)
                                        break;
                                h = (h + 1) & (cap - 1);
                        }
                        if (slot[h] == 0) {
                                slot[h] = ++k;
                                rep[k] = &l[i];
                        }
                        eq[i] = slot[h];
                }
        }
        *ret_classes = k;
        return 0;
}

/* Lines with no partner in the other file can never match: 1. Lines with very many partners
 * are "provisional" (2): dropped only inside runs of sure drops, as GNU does. */
static void mark_discards(const idx_t *eq, idx_t n, const idx_t *other_count, char *d) {
        idx_t many = 5;
        for (idx_t t = n / 64; (t >>= 2) > 0;)
                many *= 2;
        for (idx_t i = 0; i < n; i++) {
                idx_t m = other_count[eq[i]];
                d[i] = m == 0 ? 1 : m > many ? 2 : 0;
        }
}

static void filter_discards(char *d, idx_t n) {
        for (idx_t i = 0; i < n; i++) {
                if (d[i] == 2) {
                        /* Provisional drops not inside a run of drops stay. */
                        d[i] = 0;
                        continue;
                }
                if (d[i] == 0)
                        continue;

                idx_t j = i, provisional = 0;
                for (; j < n && d[j] != 0; j++)
                        provisional += d[j] == 2;
                while (j > i && d[j - 1] == 2) {
                        d[--j] = 0;
                        provisional--;
                }
                idx_t length = j - i;

                if (provisional * 4 > length) {
                        /* Too many doubtful lines in this run: keep all of them. */
                        while (j > i)
                                if (d[--j] == 2)
                                        d[j] = 0;
                        continue;
                }

                /* minimum ≈ sqrt(length/4) + 1: longer provisional subruns are kept. */
                idx_t minimum = 1;
                for (idx_t t = length >> 2; (t >>= 2) > 0;)
                        minimum <<= 1;
                minimum++;

                idx_t consec = 0;
                for (j = 0; j < length; j++) {
                        if (d[i + j] != 2)
                                consec = 0;
                        else if (++consec == minimum)
                                j -= consec;    /* rewind to cancel the subrun from its start */
                        else if (consec > minimum)
                                d[i + j] = 0;
                }

                /* Near each end of the run, keep provisionals until 3 sure drops in a row. */
                consec = 0;
                for (j = 0; j < length; j++) {
                        if (j >= 8 && d[i + j] == 1)
                                break;
                        if (d[i + j] == 2)
                                consec = 0, d[i + j] = 0;
                        else if (d[i + j] == 0)
                                consec = 0;
                        else
                                consec++;
                        if (consec == 3)
                                break;
                }
                i += length - 1;
                consec = 0;
                for (j = 0; j < length; j++) {
                        if (j >= 8 && d[i - j] == 1)
                                break;
                        if (d[i - j] == 2)
                                consec = 0, d[i - j] = 0;
                        else if (d[i - j] == 0)
                                consec = 0;
                        else
                                consec++;
                        if (consec == 3)
                                break;
                }
        }
}

/* Myers' middle snake: find a point on an optimal path through [xoff,xlim)×[yoff,ylim),
 * searching from both corners at once. Ties are broken exactly like gnulib's diffseq.h. */
static void find_split(Search *s, idx_t xoff, idx_t xlim, idx_t yoff, idx_t ylim, bool minimal,
                       Split *ret) {
        idx_t *fd = s->fd, *bd = s->bd;
        const idx_t *xv = s->xv, *yv = s->yv;
        idx_t dmin = xoff - ylim, dmax = xlim - yoff;
        idx_t fmid = xoff - yoff, bmid = xlim - ylim;
        idx_t fmin = fmid, fmax = fmid, bmin = bmid, bmax = bmid;
        bool odd = (fmid - bmid) & 1;   /* which search can meet the other first */

        fd[fmid] = xoff;
        bd[bmid] = xlim;

        for (idx_t c = 1;; c++) {
                /* One more edit step forward on every reachable diagonal. */
                if (fmin > dmin)
                        fd[--fmin - 1] = -1;
                else
                        fmin++;
                if (fmax < dmax)
                        fd[++fmax + 1] = -1;
                else
                        fmax--;
                for (idx_t d = fmax; d >= fmin; d -= 2) {
                        idx_t lo = fd[d - 1], hi = fd[d + 1];
                        idx_t x = lo < hi ? hi : lo + 1, y = x - d;

                        while (x < xlim && y < ylim && xv[x] == yv[y])
                                x++, y++;
                        fd[d] = x;
                        if (odd && bmin <= d && d <= bmax && bd[d] <= x) {
                                *ret = (Split) { x, y, true, true };
                                return;
                        }
                }

                /* And one more backward. */
                if (bmin > dmin)
                        bd[--bmin - 1] = PTRDIFF_MAX;
                else
                        bmin++;
                if (bmax < dmax)
                        bd[++bmax + 1] = PTRDIFF_MAX;
                else
                        bmax--;
                for (idx_t d = bmax; d >= bmin; d -= 2) {
                        idx_t lo = bd[d - 1], hi = bd[d + 1];
                        idx_t x = lo < hi ? lo : hi - 1, y = x - d;

                        while (xoff < x && yoff < y && xv[x - 1] == yv[y - 1])
                                x--, y--;
                        bd[d] = x;
                        if (!odd && fmin <= d && d <= fmax && x <= fd[d]) {
                                *ret = (Split) { x, y, true, true };
                                return;
                        }
                }

                if (minimal || c < s->too_expensive)
                        continue;

                /* Too costly: split at the most advanced point of either search (GNU's bound). */
                idx_t fxy = -1, fx = 0, bxy = PTRDIFF_MAX, bx = 0;
                for (idx_t d = fmax; d >= fmin; d -= 2) {
                        idx_t x = fd[d] < xlim ? fd[d] : xlim, y = x - d;
                        if (y > ylim)
                                x = ylim + d, y = ylim;
                        if (x + y > fxy)
                                fxy = x + y, fx = x;
                }
                for (idx_t d = bmax; d >= bmin; d -= 2) {
                        idx_t x = bd[d] > xoff ? bd[d] : xoff, y = x - d;
                        if (y < yoff)
                                x = yoff + d, y = yoff;
                        if (x + y < bxy)
                                bxy = x + y, bx = x;
                }
                if ((xlim + ylim) - bxy < fxy - (xoff + yoff))
                        *ret = (Split) { fx, fxy - fx, true, false };
                else
                        *ret = (Split) { bx, bxy - bx, false, true };
                return;
        }
}

static void compare_seq(Search *s, idx_t xoff, idx_t xlim, idx_t yoff, idx_t ylim, bool minimal) {
        /* Common ends need no search. */
        while (xoff < xlim && yoff < ylim && s->xv[xoff] == s->yv[yoff])
                xoff++, yoff++;
        while (xoff < xlim && yoff < ylim && s->xv[xlim - 1] == s->yv[ylim - 1])
                xlim--, ylim--;

        if (xoff == xlim) {
                for (; yoff < ylim; yoff++)
                        s->ych[s->yreal[yoff]] = 1;
        } else if (yoff == ylim) {
                for (; xoff < xlim; xoff++)
                        s->xch[s->xreal[xoff]] = 1;
        } else {
                Split sp;
                find_split(s, xoff, xlim, yoff, ylim, minimal, &sp);
                compare_seq(s, xoff, sp.xmid, yoff, sp.ymid, sp.lo_minimal);
                compare_seq(s, sp.xmid, xlim, sp.ymid, ylim, sp.hi_minimal);
        }
}

/* Where a run of changes could equally sit a few lines earlier or later (its first line equals
 * the line after it, or its last the line before), move it so that runs merge, else as far
 * down as possible, else back to line up with a change in the other file. GNU does the same;
 * ch/other need 0 sentinels at [-1] and [n]. */
static void shift_boundaries(char *ch, const char *other, const idx_t *eq, idx_t n) {
        idx_t i = 0, j = 0;     /* j: the position in the other file aligned with i */

        for (;;) {
                while (i < n && !ch[i]) {
                        while (other[j++])
                                ;
                        i++;
                }
                if (i == n)
                        break;

                idx_t start = i, runlength, corresponding;
                while (ch[++i])
                        ;
                while (other[j])
                        j++;

                do {
                        runlength = i - start;

                        while (start > 0 && eq[start - 1] == eq[i - 1]) {
                                ch[--start] = 1;
                                ch[--i] = 0;
                                while (ch[start - 1])
                                        start--;
                                while (other[--j])
                                        ;
                        }

                        /* The last end of this run that touches a change in the other file. */
                        corresponding = other[j - 1] ? i : n;

                        while (i != n && eq[start] == eq[i]) {
                                ch[start++] = 0;
                                ch[i++] = 1;
                                while (ch[i])
                                        i++;
                                while (other[++j])
                                        corresponding = i;
                        }
                } while (runlength != i - start);

                while (corresponding < i) {
                        ch[--start] = 1;
                        ch[--i] = 0;
                        while (other[--j])
                                ;
                }
        }
}

/* Runs the GNU pipeline on the window and returns its changes in full-file line numbers. */
static int compute_changes(const Text *a, const Text *b, Change **ret, size_t *ret_n) {
        idx_t prefix, end_a, end_b;
        identical_ends(a, b, &prefix, &end_a, &end_b);

        idx_t na = end_a - prefix, nb = end_b - prefix, classes;
        size_t tot = (size_t) (na + nb);
        _cleanup_free_ idx_t *eq = calloc(tot + 1, sizeof(idx_t));
        _cleanup_free_ char *flags = calloc(tot + 4, 1);
        _cleanup_free_ char *disc = calloc(tot + 1, 1);
        _cleanup_free_ idx_t *vec = calloc(2 * tot + 1, sizeof(idx_t));
        if (!eq || !flags || !disc || !vec)
                return -ENOMEM;
        idx_t *eq_a = eq, *eq_b = eq + na;
        char *ch_a = flags + 1, *ch_b = flags + na + 3;        /* 0 sentinels on both ends */

        if (classify(a->lines + prefix, na, b->lines + prefix, nb, eq_a, eq_b, &classes) < 0)
                return -ENOMEM;

        _cleanup_free_ idx_t *count = calloc(2 * ((size_t) classes + 1), sizeof(idx_t));
        if (!count)
                return -ENOMEM;
        idx_t *count_a = count, *count_b = count + classes + 1;
        for (idx_t i = 0; i < na; i++)
                count_a[eq_a[i]]++;
        for (idx_t i = 0; i < nb; i++)
                count_b[eq_b[i]]++;

        char *disc_a = disc, *disc_b = disc + na;
        mark_discards(eq_a, na, count_b, disc_a);
        mark_discards(eq_b, nb, count_a, disc_b);
        filter_discards(disc_a, na);
        filter_discards(disc_b, nb);

        /* Discarded lines are changes outright; the rest go to the search. */
        idx_t *xv = vec, *yv = vec + na, *xreal = vec + tot, *yreal = vec + tot + na;
        idx_t nx = 0, ny = 0;
        for (idx_t i = 0; i < na; i++)
                if (disc_a[i])
                        ch_a[i] = 1;
                else
                        xv[nx] = eq_a[i], xreal[nx++] = i;
        for (idx_t i = 0; i < nb; i++)
                if (disc_b[i])
                        ch_b[i] = 1;
                else
                        yv[ny] = eq_b[i], yreal[ny++] = i;

        idx_t diags = nx + ny + 3, too_expensive = 1;
        for (idx_t t = diags; t != 0; t >>= 2)
                too_expensive <<= 1;
        _cleanup_free_ idx_t *diag = calloc(2 * (size_t) diags, sizeof(idx_t));
        if (!diag)
                return -ENOMEM;

        Search s = {
                .xv = xv, .yv = yv, .xreal = xreal, .yreal = yreal,
                .xch = ch_a, .ych = ch_b,
                .fd = diag + ny + 1, .bd = diag + diags + ny + 1,
                .too_expensive = too_expensive > 4096 ? too_expensive : 4096,
        };
        compare_seq(&s, 0, nx, 0, ny, false);

        shift_boundaries(ch_a, ch_b, eq_a, na);
        shift_boundaries(ch_b, ch_a, eq_b, nb);

        _cleanup_free_ Change *c = calloc(tot + 1, sizeof(Change));
        if (!c)
                return -ENOMEM;
        size_t n = 0;
        for (idx_t i0 = 0, i1 = 0; i0 < na || i1 < nb; i0++, i1++) {
                if (!ch_a[i0] && !ch_b[i1])
                        continue;
                idx_t l0 = i0, l1 = i1;
                while (ch_a[i0])
                        i0++;
                while (ch_b[i1])
                        i1++;
                c[n++] = (Change) { prefix + l0, prefix + l1, i0 - l0, i1 - l1 };
        }

        *ret = TAKE_PTR(c);
        *ret_n = n;
        return 0;
}

static void put_line(Buf *out, char tag, const Line *l) {
        buf_putc(out, tag);
        buf_put(out, l->p, l->len);
        if (l->len == 0 || l->p[l->len - 1] != '\n')
                buf_puts(out, "\n\\ No newline at end of file\n");
}

/* GNU's range notation: "a,count", just "a" for one line, "before,0" for none. */
static void put_range(Buf *out, idx_t first, idx_t last) {
        idx_t a = first + 1, b = last + 1;
        if (b < a)
                buf_printf(out, "%td,0", b);
        else if (b == a)
                buf_printf(out, "%td", a);
        else
                buf_printf(out, "%td,%td", a, b - a + 1);
}

char *unified_diff(const char *old_text, const char *new_text, const char *old_label,
                   const char *new_label) {
        _cleanup_(text_done) Text a = {}, b = {};
        _cleanup_free_ Change *c = NULL;
        _cleanup_(buf_free) Buf out = {};
        size_t n;

        if (streq(old_text ?: "", new_text ?: ""))
                return strdup("");

        if (text_split(&a, old_text) < 0 || text_split(&b, new_text) < 0)
                return NULL;
        if (compute_changes(&a, &b, &c, &n) < 0)
                return NULL;
        if (n == 0)
                return strdup("");

        buf_printf(&out, "--- %s\n+++ %s\n", old_label, new_label);

        for (size_t h = 0; h < n;) {
                /* Changes whose context would touch or overlap share a hunk. */
                size_t e = h;
                while (e + 1 < n && c[e + 1].line0 - (c[e].line0 + c[e].deleted) < 2 * CONTEXT + 1)
                        e++;

                idx_t first0 = c[h].line0 - CONTEXT, first1 = c[h].line1 - CONTEXT;
                idx_t last0 = c[e].line0 + c[e].deleted - 1 + CONTEXT;
                idx_t last1 = c[e].line1 + c[e].inserted - 1 + CONTEXT;
                first0 = first0 < 0 ? 0 : first0;
                first1 = first1 < 0 ? 0 : first1;
                last0 = last0 >= a.n ? a.n - 1 : last0;
                last1 = last1 >= b.n ? b.n - 1 : last1;

                buf_puts(&out, "@@ -");
                put_range(&out, first0, last0);
                buf_puts(&out, " +");
                put_range(&out, first1, last1);
                buf_puts(&out, " @@\n");

                idx_t i = first0, j = first1;
                size_t k = h;
                while (i <= last0 || j <= last1) {
                        if (k > e || i < c[k].line0) {
                                put_line(&out, ' ', &a.lines[i]);
                                i++, j++;
                                continue;
                        }
                        for (idx_t m = 0; m < c[k].deleted; m++)
                                put_line(&out, '-', &a.lines[i++]);
                        for (idx_t m = 0; m < c[k].inserted; m++)
                                put_line(&out, '+', &b.lines[j++]);
                        k++;
                }
                h = e + 1;
        }

        return buf_steal(&out);
}
