/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared helpers for the libFuzzer harnesses. A failed property aborts: libFuzzer (and
 * AddressSanitizer) report it as a crash with the input that caused it. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/util.h"

#define FUZZ_CHECK(cond)                                                                          \
        do {                                                                                      \
                if (!(cond)) {                                                                    \
                        fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
                        abort();                                                                  \
                }                                                                                 \
        } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input (the string stops at the first NUL byte). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1);
        if (!s)
                abort();
        memcpy(s, data, size);
        s[size] = 0;
        return s;
}

/* Reads every byte of s, so ASan sees any overread or use after free. */
static inline size_t fuzz_touch(const char *s) {
        size_t h = 0;
        if (!s)
                return 0;
        for (const char *p = s; *p; p++)
                h = h * 31 + (unsigned char) *p;
        return h;
}

static inline size_t fuzz_touch_diags(const Diags *d) {
        size_t h = 0;
        for (char **l = d->lines; l && *l; l++)
                h += fuzz_touch(*l);
        return h;
}

/* Splits data at the separator byte: up to n parts, each a malloc'd NUL-terminated copy (the
 * last part keeps any further separators). Missing parts are NULL. Returns how many there are. */
static inline size_t fuzz_split(const uint8_t *data, size_t size, uint8_t sep, char **parts,
                                size_t *lens, size_t n) {
        size_t k = 0, start = 0;
        for (size_t i = 0; i < n; i++) {
                parts[i] = NULL;
                lens[i] = 0;
        }
        while (k < n) {
                size_t end = start;
                if (k + 1 < n)
                        while (end < size && data[end] != sep)
                                end++;
                else
                        end = size;
                parts[k] = fuzz_strndup(data + start, end - start);
                lens[k] = end - start;
                k++;
                if (end >= size)
                        break;
                start = end + 1;
        }
        return k;
}

extern volatile size_t fuzz_sink;

/* The input as a FILE. fmemopen() refuses a zero-sized buffer: an empty input is a one-byte
 * buffer with its byte already read. NULL when fmemopen() fails. */
static inline FILE *fuzz_fmemopen(const uint8_t *data, size_t size) {
        static const char empty[1];
        FILE *f = fmemopen(size > 0 ? (void *) data : (void *) empty, size > 0 ? size : 1, "r");
        if (f && size == 0)
                (void) fgetc(f);
        return f;
}
