/* SPDX-License-Identifier: MIT */
/* unit_syntax_parse_keys() on arbitrary bytes, read from a FILE, from memory and from a
 * descriptor (the three must agree): every assignment handed to the callback is read
 * whole; a key named FuzzStop makes the callback fail, to exercise the abort path. */
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz-common.h"
#include "systemd/unit-syntax.h"

volatile size_t fuzz_sink;

typedef struct Seen {
        size_t n, h;
        unsigned last_line;
} Seen;

static int on_assignment(void *userdata, const char *section, const char *key, const char *value,
                         unsigned line) {
        Seen *s = userdata;
        FUZZ_CHECK(key && value);
        s->h += fuzz_touch(section) + fuzz_touch(key) + fuzz_touch(value);
        /* Keys are stripped and never empty; lines only go forward. */
        FUZZ_CHECK(*key != 0);
        FUZZ_CHECK(line >= 1 && line >= s->last_line);
        s->last_line = line;
        s->n++;
        if (streq(key, "FuzzStop"))
                return -ECANCELED;
        return 0;
}

/* One parse through the given input; the result, the count and a digest of what was seen. */
static void parse(const UnitInput *in, int *ret_r, Seen *ret_seen, unsigned *ret_line, char *head, size_t head_size) {
        Seen s = {};
        Diags d = {};
        unsigned line = 0;
        int r = unit_syntax_parse_keys(in, "/fuzz/unit.service", NULL, on_assignment, &s, &d, &line, head, head_size);
        FUZZ_CHECK(r <= 0);
        fuzz_sink += fuzz_touch_diags(&d);
        diags_done(&d);
        *ret_r = r;
        *ret_seen = s;
        *ret_line = line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        FILE *f = fuzz_fmemopen(data, size);
        if (!f)
                return 0;
        int r[4];
        Seen s[4];
        unsigned line[4];
        char head[4][64];
        memset(head, 0x55, sizeof(head));  /* the bytes after each copy must match too */
        parse(&(UnitInput) { .f = f, .fd = -1 }, &r[0], &s[0], &line[0], head[0], sizeof(head[0]));
        fclose(f);
        /* The same bytes from memory and from a descriptor, read to its end or to the size
         * fstat() would give, make the same walk. */
        parse(&(UnitInput) { .fd = -1, .data = (const char *) data, .data_len = size }, &r[1], &s[1], &line[1],
              head[1], sizeof(head[1]));
        int fd = memfd_create("fuzz", MFD_CLOEXEC);
        bool fd_ok = fd >= 0 && write(fd, data, size) == (ssize_t) size;
        for (int k = 2; k < 4; k++) {
                if (fd_ok && lseek(fd, 0, SEEK_SET) == 0)
                        parse(&(UnitInput) { .fd = fd, .fd_size = k == 3 ? size : 0 }, &r[k], &s[k], &line[k], head[k],
                              sizeof(head[k]));
                else {
                        r[k] = r[1], s[k] = s[1], line[k] = line[1];
                        memcpy(head[k], head[1], sizeof(head[1]));
                }
        }
        if (fd >= 0)
                close(fd);
        for (int i = 1; i < 4; i++) {
                FUZZ_CHECK(r[i] == r[0]);
                FUZZ_CHECK(s[i].n == s[0].n && s[i].h == s[0].h && s[i].last_line == s[0].last_line);
                FUZZ_CHECK(r[0] == 0 || line[i] == line[0]);
                FUZZ_CHECK(memcmp(head[i], head[0], sizeof(head[0])) == 0);
        }
        fuzz_sink += s[0].h + line[0];
        return 0;
}
