/* SPDX-License-Identifier: MIT */
#include "basic/json.h"

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when it is not one. */
static size_t utf8_seq(const unsigned char *p) {
        size_t n = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : (*p & 0xF8) == 0xF0 ? 4 : 0;
        for (size_t i = 1; i < n; i++)
                if (!p[i])
                        return 0;
        return n && utf8_is_valid((const char *) p, n) ? n : 0;
}

static void quote(Buf *b, const char *s) {
        buf_putc(b, '"');
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if (*p >= 0x80) {
                        /* JSON must be UTF-8: a stray byte (a path can hold any) becomes U+FFFD. */
                        size_t n = utf8_seq(p);
                        if (n == 0)
                                buf_puts(b, "\ufffd");
                        else {
                                buf_put(b, (const char *) p, n);
                                p += n - 1;
                        }
                        continue;
                }
                switch (*p) {
                case '"': buf_puts(b, "\\\""); break;
                case '\\': buf_puts(b, "\\\\"); break;
                case '\n': buf_puts(b, "\\n"); break;
                case '\r': buf_puts(b, "\\r"); break;
                case '\t': buf_puts(b, "\\t"); break;
                default:
                        if (*p < 0x20 || *p == 0x7f)
                                buf_printf(b, "\\u%04x", *p);
                        else
                                buf_putc(b, (char) *p);
                }
        }
        buf_putc(b, '"');
}

static void prefix(Json *j, const char *key) {
        if (j->depth > 0) {
                if (!j->first[j->depth])
                        buf_putc(&j->out, ',');
                j->first[j->depth] = false;
        }
        if (key) {
                quote(&j->out, key);
                buf_putc(&j->out, ':');
        }
}

static void open_(Json *j, const char *key, char c) {
        prefix(j, key);
        buf_putc(&j->out, c);
        if (j->depth < (int) ELEMENTSOF(j->first) - 1)
                j->depth++;
        j->first[j->depth] = true;
}

void json_begin_object(Json *j, const char *key) {
        open_(j, key, '{');
}

void json_end_object(Json *j) {
        buf_putc(&j->out, '}');
        j->depth--;
}

void json_begin_array(Json *j, const char *key) {
        open_(j, key, '[');
}

void json_end_array(Json *j) {
        buf_putc(&j->out, ']');
        j->depth--;
}

void json_string(Json *j, const char *key, const char *value) {
        prefix(j, key);
        if (value)
                quote(&j->out, value);
        else
                buf_puts(&j->out, "null");
}

void json_bool(Json *j, const char *key, bool value) {
        prefix(j, key);
        buf_puts(&j->out, value ? "true" : "false");
}

void json_int(Json *j, const char *key, long long value) {
        prefix(j, key);
        buf_printf(&j->out, "%lld", value);
}
