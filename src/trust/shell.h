/* SPDX-License-Identifier: MIT */
#pragma once

/* What a POSIX shell script runs, as far as reading it tells: its simple commands, each as the
 * words it is made of, quotes removed and nothing expanded ("$basedir/node" stays as written).
 * Assignments before a command, redirections, comments, here-documents, reserved words
 * (if/then/do/...), case patterns, function headers and [[ ]] / (( )) are left out; pipelines,
 * lists (; & && || newlines) and subshells are split into their commands. It is a reader, not
 * a shell: no expansion, no control flow. Linear in the input, bounded by the limits below. */

#include "basic/util.h"

#define SHELL_COMMANDS_MAX 256   /* commands kept; the rest of the script is not read */
#define SHELL_WORDS_MAX 64       /* words kept per command */
#define SHELL_WORD_MAX 4096      /* bytes kept per word */
#define SHELL_NESTING_MAX 32     /* $( ( ${ nesting inside one word */
#define SHELL_FUNCTIONS_MAX 64   /* function names kept */

typedef struct ShellCommand {
        char **argv;
        unsigned line;           /* of the first word, 1-based */
} ShellCommand;

typedef struct ShellScript {
        ShellCommand *commands;
        size_t n;
        char **functions;        /* names the script defines as functions (NAME() or function NAME) */
        bool truncated;          /* a limit was reached: what the script runs may be missing */
} ShellScript;

/* Splits text (size bytes; a NUL ends it early) into commands. 0 or -ENOMEM. */
int shell_parse(const char *text, size_t size, ShellScript *ret);
void shell_script_done(ShellScript *s);

/* Is w a NAME=value assignment word? */
bool shell_is_assignment(const char *w);
