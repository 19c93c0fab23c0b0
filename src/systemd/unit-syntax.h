/* SPDX-License-Identifier: MIT */
#pragma once

/* The unit-file syntax reader: systemd's lexical rules (systemd.syntax(7), config_parse() in
 * systemd 252) in front of inih. Pure apart from reading the input it is handed. */

#include "basic/util.h"

#define UNIT_LINE_MAX (1024 * 1024)  /* systemd's LONG_LINE_MAX */

/* Called for every assignment, with the section it is in (NULL outside any section), the
 * stripped key and value, and the physical line where the logical line started.
 * Return < 0 to stop parsing with that error. */
typedef int (*unit_assignment_fn)(void *userdata, const char *section, const char *key,
                                  const char *value, unsigned line);

/* Parses f as systemd parses a unit file or drop-in. Non-fatal problems (missing '=',
 * assignment outside a section) become "path:line: ..." diagnostics and the line is skipped.
 * Returns 0, or a negative errno for a problem that systemd treats as fatal for the file:
 * -EBADMSG invalid section header, -EINVAL invalid UTF-8, -ENOBUFS a line over 1 MiB, -EIO a
 * read error; the assignments before it have been delivered (*ret_line names the line). */
int unit_syntax_parse(FILE *f, const char *path, unit_assignment_fn fn, void *userdata,
                      Diags *diags, unsigned *ret_line);
/* The same, and head (of head_size bytes, NUL-terminated) receives the start of the file as
 * read, for callers that recognise a file by its first line without reading it twice. */
int unit_syntax_parse_head(FILE *f, const char *path, unit_assignment_fn fn, void *userdata,
                           Diags *diags, unsigned *ret_line, char *head, size_t head_size);
/* Which assignments the caller reads: false skips the assignment before it costs anything more
 * than its lexing (most lines of a unit are keys a caller does not read). */
typedef bool (*unit_key_fn)(void *userdata, const char *section, const char *key);
/* Where unit_syntax_parse_keys() reads: the stream f; or, when f is NULL, the descriptor fd
 * (read to its end, or to fd_size bytes, and not closed); or, when fd is also < 0, the
 * data_len bytes at data. */
typedef struct UnitInput {
        FILE *f;
        int fd;
        uint64_t fd_size;   /* > 0: the descriptor's size as fstat() saw it; a read that reaches it
                             * ends the file without one more read() to find the end */
        const char *data;
        size_t data_len;
} UnitInput;
/* unit_syntax_parse_head() on any input, handing fn only the assignments wants() takes (wants
 * NULL: all). */
int unit_syntax_parse_keys(const UnitInput *input, const char *path, unit_key_fn wants, unit_assignment_fn fn,
                           void *userdata, Diags *diags, unsigned *ret_line, char *head, size_t head_size);
