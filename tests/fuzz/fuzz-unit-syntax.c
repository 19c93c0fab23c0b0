/* SPDX-License-Identifier: MIT */
/* unit_syntax_parse() on arbitrary bytes: every assignment handed to the callback is read
 * whole; a key named FuzzStop makes the callback fail, to exercise the abort path. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* fmemopen() refuses a zero-sized buffer; an empty file is read from /dev/null. */
        static const char empty[1];
        FILE *f = size > 0 ? fmemopen((void *) data, size, "r") : fmemopen((void *) empty, 1, "r");
        if (!f)
                return 0;
        if (size == 0)
                (void) fgetc(f);
        Seen s = {};
        Diags d = {};
        unsigned line = 0;
        int r = unit_syntax_parse(f, "/fuzz/unit.service", on_assignment, &s, &d, &line);
        FUZZ_CHECK(r <= 0);
        fuzz_sink += s.h + fuzz_touch_diags(&d) + line;
        diags_done(&d);
        fclose(f);
        return 0;
}
