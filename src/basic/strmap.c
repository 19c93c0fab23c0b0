/* SPDX-License-Identifier: MIT */
#include "basic/strmap.h"

static uint32_t hash_str(const char *s) {
        uint64_t h = 1469598103934665603ULL;  /* FNV-1a: fast, good enough for file names */
        for (; *s; s++)
                h = (h ^ (unsigned char) *s) * 1099511628211ULL;
        uint32_t f = (uint32_t) (h ^ (h >> 32));
        return f ? f : 1;  /* 0 marks an empty slot */
}

void strmap_done(StrMap *m) {
        for (size_t i = 0; i < m->cap; i++)
                if (m->hashes[i]) {
                        free(m->keys[i]);
                        if (m->free_value)
                                m->free_value(m->values[i]);
                }
        free(m->keys);
        free(m->values);
        free(m->hashes);
        m->keys = NULL;
        m->values = NULL;
        m->hashes = NULL;
        m->n = m->cap = 0;
}

/* The slot of key (hash h), or the empty slot where it would go. */
static size_t find_slot(const StrMap *m, const char *key, uint32_t h) {
        size_t i = h & (m->cap - 1);
        while (m->hashes[i] && (m->hashes[i] != h || !streq(m->keys[i], key)))
                i = (i + 1) & (m->cap - 1);
        return i;
}

void *strmap_get(const StrMap *m, const char *key) {
        if (m->cap == 0)
                return NULL;
        size_t i = find_slot(m, key, hash_str(key));
        return m->hashes[i] ? m->values[i] : NULL;
}

bool strmap_contains(const StrMap *m, const char *key) {
        return m->cap > 0 && m->hashes[find_slot(m, key, hash_str(key))];
}

static int grow(StrMap *m) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        StrMap n = { .cap = cap, .free_value = m->free_value };
        n.keys = calloc(cap, sizeof(char *));
        n.values = calloc(cap, sizeof(void *));
        n.hashes = calloc(cap, sizeof(uint32_t));
        if (!n.keys || !n.values || !n.hashes) {
                free(n.keys);
                free(n.values);
                free(n.hashes);
                return -ENOMEM;
        }
        for (size_t i = 0; i < m->cap; i++)
                if (m->hashes[i]) {
                        size_t j = find_slot(&n, m->keys[i], m->hashes[i]);
                        n.keys[j] = m->keys[i];
                        n.values[j] = m->values[i];
                        n.hashes[j] = m->hashes[i];
                }
        n.n = m->n;
        free(m->keys);
        free(m->values);
        free(m->hashes);
        *m = n;
        return 0;
}

int strmap_put(StrMap *m, const char *key, void *value) {
        if ((m->n + 1) * 2 > m->cap) {
                int r = grow(m);
                if (r < 0)
                        return r;
        }
        uint32_t h = hash_str(key);
        size_t i = find_slot(m, key, h);
        if (m->hashes[i])
                return 0;
        char *k = strdup(key);
        if (!k)
                return -ENOMEM;
        m->keys[i] = k;
        m->values[i] = value;
        m->hashes[i] = h;
        m->n++;
        return 1;
}

bool strmap_update(StrMap *m, const char *key, void *value) {
        if (m->cap == 0)
                return false;
        size_t i = find_slot(m, key, hash_str(key));
        if (!m->hashes[i])
                return false;
        m->values[i] = value;
        return true;
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
