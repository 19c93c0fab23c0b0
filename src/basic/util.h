/* SPDX-License-Identifier: MIT */
#pragma once

/* Small shared helpers: cleanup attributes, string vectors, dynamic strings.
 * Pure code: nothing here logs or touches the file system. */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _warn_unused_ __attribute__((warn_unused_result))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* Hand ownership of a pointer out of a _cleanup_ variable. */
#define TAKE_PTR(p)                            \
        ({                                     \
                __typeof__(p) _ptr_ = (p);     \
                (p) = NULL;                    \
                _ptr_;                         \
        })
#define TAKE_FD(fd)                            \
        ({                                     \
                int _fd_ = (fd);               \
                (fd) = -1;                     \
                _fd_;                          \
        })

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline bool streq(const char *a, const char *b) {
        return strcmp(a, b) == 0;
}
static inline bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}
static inline bool isempty(const char *s) {
        return !s || !*s;
}
/* Returns the rest of s after prefix, or NULL when s does not start with it. */
static inline const char *startswith(const char *s, const char *prefix) {
        size_t n = strlen(prefix);
        return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}
const char *endswith(const char *s, const char *suffix);

/* NULL-terminated string vectors. */
void strv_free(char **l);
static inline char **strv_free_and_null(char **l) {
        strv_free(l);
        return NULL;
}
static inline void *mfree(void *p) {
        free(p);
        return NULL;
}
static inline void strv_freep(char ***l) {
        strv_free(*l);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)
size_t strv_length(char *const *l);
bool strv_contains(char *const *l, const char *s);
/* Appends s (taking ownership; freed on failure). 0 or -ENOMEM. */
int strv_consume(char ***l, char *s);
/* Appends a copy of s. 0 or -ENOMEM. */
int strv_extend(char ***l, const char *s);
char **strv_copy(char *const *l);
void strv_sort(char **l);

/* A growable string. The buffer is always NUL-terminated once anything was added. */
typedef struct Buf {
        char *data;
        size_t len, cap;
        bool oom;                /* sticky: set once any append failed */
} Buf;
void buf_free(Buf *b);
void buf_put(Buf *b, const char *s, size_t n);
/* One byte. Inline: the word splitter and the specifier expander add text a byte at a time,
 * and a call per byte into buf_put() was a tenth of an `audit` of 10,000 units. */
static inline void buf_putc(Buf *b, char c) {
        if (b->oom || b->len + 2 > b->cap) {
                buf_put(b, &c, 1);
                return;
        }
        b->data[b->len++] = c;
        b->data[b->len] = 0;
}
void buf_puts(Buf *b, const char *s);
void buf_printf(Buf *b, const char *fmt, ...) _printf_(2, 3);
/* Takes the string out (never NULL unless out of memory), leaving b empty. */
char *buf_steal(Buf *b);

char *strjoin_path(const char *a, const char *b);  /* "a/b" without doubling '/' */
char *strjoin3(const char *a, const char *b, const char *c);  /* a b c concatenated; for hot paths, not asprintf() */
char *xasprintf(const char *fmt, ...) _printf_(1, 2);
bool utf8_is_valid(const char *s, size_t n);

/* Diagnostics collected by pure code for the caller to print: "source: message" lines, where
 * source is usually "path:line". Pure layers never print; verbs decide what to show. */
typedef struct Diags {
        char **lines;
} Diags;
void diags_add(Diags *d, const char *source, const char *fmt, ...) _printf_(3, 4);
void diags_done(Diags *d);
