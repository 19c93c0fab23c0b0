/* SPDX-License-Identifier: MIT */
/* The syntax reader against systemd's lexical rules, including the cases where Debian's
 * libinih (inline ';' comments, 200-byte lines, indented continuation lines) would silently
 * corrupt a unit file (research/style.md §5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "systemd/unit-syntax.h"

typedef struct Row {
        const char *name;
        const char *input;
        const char *expect;   /* "section|key|value|line\n" per assignment */
        int ret;              /* 0 or the fatal errno */
} Row;

static int collect(void *userdata, const char *section, const char *key, const char *value, unsigned line) {
        Buf *b = userdata;
        buf_printf(b, "%s|%s|%s|%u\n", section, key, value, line);
        return 0;
}

static char *long_value(size_t n) {
        char *s = malloc(n + 1);
        memset(s, 'x', n);
        s[n] = 0;
        return s;
}

static const Row rows[] = {
        { "semicolon inside a value is data", "[Service]\nExecStart=/bin/sh -c \"echo a ; echo b\"\n",
          "Service|ExecStart|/bin/sh -c \"echo a ; echo b\"|2\n" },
        { "hash inside a value is data", "[Unit]\nDescription=foo # not a comment\n",
          "Unit|Description|foo # not a comment|2\n" },
        { "indented continuation joins", "[Service]\nExecStart=/usr/bin/foo \\\n    --bar \\\n    --baz\n",
          "Service|ExecStart|/usr/bin/foo      --bar      --baz|2\n" },
        { "comment lines inside a continuation are skipped",
          "[Service]\nExecStart=/bin/echo one \\\n# comment\n; other\n two \\\n three\n",
          "Service|ExecStart|/bin/echo one   two   three|2\n" },
        { "blank line ends a continuation", "[Service]\nA=1 \\\n\nB=2\n", "Service|A|1|2\nService|B|2|4\n" },
        { "escaped backslash at end is no continuation", "[Service]\nA=x\\\\\nB=2\n",
          "Service|A|x\\\\|2\nService|B|2|3\n" },
        { "three backslashes continue", "[Service]\nZ=1\\\\\\\nW=2\n", "Service|Z|1\\\\ W=2|2\n" },
        { "trailing backslash at EOF", "[Service]\nA=1 \\", "Service|A|1|2\n" },
        { "empty assignments kept for resets", "[Service]\nEnvironment=A=1\nEnvironment=\nEnvironment=B=2\n",
          "Service|Environment|A=1|2\nService|Environment||3\nService|Environment|B=2|4\n" },
        { "CRLF line ends", "[Service]\r\nA=1\r\nB=2\r\n", "Service|A|1|2\nService|B|2|3\n" },
        { "CR alone ends a line", "[Service]\rA=1\r", "Service|A|1|2\n" },
        { "BOM stripped", "\xEF\xBB\xBF[Service]\nA=1\n", "Service|A|1|2\n" },
        { "BOM then hash is not a comment", "\xEF\xBB\xBF# x\n[Service]\nA=1\n", "Service|A|1|3\n" },
        { "indented comment", "[Service]\n   # A=1\n\t; B=2\nC=3\n", "Service|C|3|4\n" },
        { "key and value stripped, case kept", "[Service]\n  environment =  A=1  \n", "Service|environment|A=1|2\n" },
        { "section name not trimmed", "[ Service ]\nA=1\n", " Service |A|1|2\n" },
        { "assignment outside a section is ignored", "A=1\n[Service]\nB=2\n", "Service|B|2|3\n" },
        { "missing = is ignored", "[Service]\n.include /x\nB=2\n", "Service|B|2|3\n" },
        { "missing key is ignored", "[Service]\n=x\nB=2\n", "Service|B|2|3\n" },
        { "header with trailing comment is fatal", "[Service]\nA=1\n[Service] # c\nB=2\n", "Service|A|1|2\n", -EBADMSG },
        { "quote in header is fatal", "[Ser\"vice]\nA=1\n", "", -EBADMSG },
        { "invalid UTF-8 is fatal", "[Service]\nA=1\nB=\xff\nC=3\n", "Service|A|1|2\n", -EINVAL },
        { "NUL ends a line", "[Service]\nA=1\0B=2\n", "Service|A|1|2\nService|B|2|3\n" },
};

static void run_row(void **state) {
        const Row *row = *state;
        size_t len = strlen(row->input);
        if (strstr(row->name, "NUL"))
                len = 18;  /* the literal holds an embedded NUL */
        FILE *f = fmemopen((void *) row->input, len, "r");
        assert_non_null(f);
        Buf b = {};
        buf_puts(&b, "");
        Diags d = {};
        unsigned line = 0;
        int r = unit_syntax_parse(f, "t.conf", collect, &b, &d, &line);
        fclose(f);
        if (!streq(b.data, row->expect))
                print_error("row %s:\n got: %s\nwant: %s\n", row->name, b.data, row->expect);
        assert_string_equal(b.data, row->expect);
        assert_int_equal(r, row->ret);
        buf_free(&b);
        diags_done(&d);
}

/* The distro inih cuts lines at 200 bytes; systemd allows 1 MiB. */
static void test_long_lines(void **state) {
        _cleanup_free_ char *v = long_value(300 * 1000);
        _cleanup_free_ char *in = xasprintf("[Service]\nEnvironment=A=%s\nB=2\n", v);
        _cleanup_free_ char *want = xasprintf("Service|Environment|A=%s|2\nService|B|2|3\n", v);
        FILE *f = fmemopen(in, strlen(in), "r");
        Buf b = {};
        buf_puts(&b, "");
        assert_int_equal(unit_syntax_parse(f, "t", collect, &b, NULL, NULL), 0);
        assert_string_equal(b.data, want);
        fclose(f);
        buf_free(&b);
}

static void test_line_over_1mib(void **state) {
        _cleanup_free_ char *v = long_value(UNIT_LINE_MAX + 10);
        _cleanup_free_ char *in = xasprintf("[Service]\nA=1\nB=%s\nC=3\n", v);
        FILE *f = fmemopen(in, strlen(in), "r");
        Buf b = {};
        buf_puts(&b, "");
        unsigned line = 0;
        assert_int_equal(unit_syntax_parse(f, "t", collect, &b, NULL, &line), -ENOBUFS);
        assert_string_equal(b.data, "Service|A|1|2\n");
        assert_int_equal(line, 3);
        fclose(f);
        buf_free(&b);
}

static void test_diagnostics_carry_file_and_line(void **state) {
        const char *in = "[Service]\nnonsense\n";
        FILE *f = fmemopen((void *) in, strlen(in), "r");
        Diags d = {};
        assert_int_equal(unit_syntax_parse(f, "/etc/x.conf", collect, &(Buf) {}, &d, NULL), 0);
        assert_non_null(d.lines);
        assert_non_null(strstr(d.lines[0], "/etc/x.conf:2: missing '='"));
        fclose(f);
        diags_done(&d);
}

int main(void) {
        struct CMUnitTest tests[ELEMENTSOF(rows) + 3];
        size_t n = 0;
        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                tests[n++] = (struct CMUnitTest) { .name = rows[i].name, .test_func = run_row,
                                                   .initial_state = (void *) &rows[i] };
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_long_lines);
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_line_over_1mib);
        tests[n++] = (struct CMUnitTest) cmocka_unit_test(test_diagnostics_carry_file_and_line);
        return _cmocka_run_group_tests("unit-syntax", tests, n, NULL, NULL);
}
