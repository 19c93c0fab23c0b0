/* SPDX-License-Identifier: MIT */
#include "basic/strmap.h"

static uint64_t hash_str(const char *s) {
        uint64_t h = 1469598103934665603ULL;  /* FNV-1a: fast, good enough for file names */
        for (; *s; s++)
                h = (h ^ (unsigned char) *s) * 1099511628211ULL;
        return h;
}

void strmap_done(StrMap *m) {
        for (size_t i = 0; i < m->cap; i++)
                if (m->keys[i]) {
                        free(m->keys[i]);
                        if (m->free_value)
                                m->free_value(m->values[i]);
                }
        free(m->keys);
        free(m->values);
        m->keys = NULL;
        m->values = NULL;
        m->n = m->cap = 0;
}

static size_t find_slot(const StrMap *m, const char *key) {
        size_t i = hash_str(key) & (m->cap - 1);
        while (m->keys[i] && !streq(m->keys[i], key))
                i = (i + 1) & (m->cap - 1);
        return i;
}

void *strmap_get(const StrMap *m, const char *key) {
        if (m->cap == 0)
                return NULL;
        size_t i = find_slot(m, key);
        return m->keys[i] ? m->values[i] : NULL;
}

bool strmap_contains(const StrMap *m, const char *key) {
        return m->cap > 0 && m->keys[find_slot(m, key)];
}

static int grow(StrMap *m) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        StrMap n = { .cap = cap, .free_value = m->free_value };
        n.keys = calloc(cap, sizeof(char *));
        n.values = calloc(cap, sizeof(void *));
        if (!n.keys || !n.values) {
                free(n.keys);
                free(n.values);
                return -ENOMEM;
        }
        for (size_t i = 0; i < m->cap; i++)
                if (m->keys[i]) {
                        size_t j = find_slot(&n, m->keys[i]);
                        n.keys[j] = m->keys[i];
                        n.values[j] = m->values[i];
                }
        n.n = m->n;
        free(m->keys);
        free(m->values);
        *m = n;
        return 0;
}

int strmap_put(StrMap *m, const char *key, void *value) {
        if ((m->n + 1) * 2 > m->cap) {
                int r = grow(m);
                if (r < 0)
                        return r;
        }
        size_t i = find_slot(m, key);
        if (m->keys[i])
                return 0;
        char *k = strdup(key);
        if (!k)
                return -ENOMEM;
        m->keys[i] = k;
        m->values[i] = value;
        m->n++;
        return 1;
}

bool strmap_next(const StrMap *m, size_t *i, const char **key, void **value) {
        for (; *i < m->cap; (*i)++)
                if (m->keys[*i]) {
                        if (key)
                                *key = m->keys[*i];
                        if (value)
                                *value = m->values[*i];
                        (*i)++;
                        return true;
                }
        return false;
}
