/* SPDX-License-Identifier: MIT */
#pragma once

/* A small string-keyed hash map (open addressing). Keys are copied; values are owned by the
 * caller unless a value destructor is given. Pure. */

#include "basic/util.h"

typedef struct StrMap {
        char **keys;
        void **values;
        uint32_t *hashes;      /* per slot: 0 empty, else the key's hash (never 0): a probe
                                * compares these and reads a key only when they match */
        size_t n, cap;
        void (*free_value)(void *);
} StrMap;

void strmap_done(StrMap *m);
void *strmap_get(const StrMap *m, const char *key);
bool strmap_contains(const StrMap *m, const char *key);
/* Inserts key -> value unless key is present. 1 inserted, 0 present (value untouched and
 * not taken), -ENOMEM. */
int strmap_put(StrMap *m, const char *key, void *value);
/* Replaces the value of a present key (the old one is not freed). true if key was present. */
bool strmap_update(StrMap *m, const char *key, void *value);
/* Iterates: for (size_t i = 0; strmap_next(m, &i, &k, &v);) */
bool strmap_next(const StrMap *m, size_t *i, const char **key, void **value);
