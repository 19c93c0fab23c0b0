/* SPDX-License-Identifier: MIT */
#pragma once

/* systemd's environment rules, pure: Environment= word splitting with quotes and C escapes,
 * unit specifiers, EnvironmentFile= format, UnsetEnvironment=. See systemd.exec(5), systemd.unit(5). */

#include "basic/strmap.h"
#include "basic/util.h"

/* Flags for extract_word(), the equivalent of systemd's extract_first_word() with
 * separators = whitespace. */
enum {
        EXTRACT_UNQUOTE = 1 << 0,   /* quotes anywhere in a word, removed */
        EXTRACT_CUNESCAPE = 1 << 1, /* C escapes, also inside single quotes */
};

/* Extracts the next whitespace-separated word from *p and advances *p.
 * Returns 1 and *ret (malloc'd) when a word was found, 0 at the end (*ret = NULL),
 * -EINVAL on a bad escape or an unbalanced quote, -ENOMEM. */
int extract_word(const char **p, char **ret, unsigned flags);

/* What the unit-name and system specifiers expand to. */
typedef struct SpecifierContext {
        const char *unit_id;  /* full unit name, e.g. "foo@bar.service"; for a template fragment
                               * loaded as an instance, the instance name */
        const char *root;     /* OS tree for %m %H %o %w %v ... lookups, or NULL for the host */
        bool user;            /* user manager: %h %t %S %C %L %E %u differ */
        const char *fragment_path; /* unit file path for %y %Y, or NULL (they then fail, -ENOENT) */
        const char *slice;    /* the Slice= assigned so far, or NULL, for %c %r */
        unsigned version;     /* systemd's version (systemd/version.h), 0: the newest */
        bool manager;         /* DefaultEnvironment=/ManagerEnvironment= in system.conf or user.conf:
                               * no unit, only the manager's table (system and tmp specifiers, and
                               * since 254 %u %U %g %G %h %s of the manager's scope) */
} SpecifierContext;

/* Expands %-specifiers in s as systemd's unit_full_printf() does (with ctx->manager, as
 * config_parse_environ() does for the manager's own files): "%%" -> "%", known letters
 * expanded, an unknown letter [A-Za-z0-9] -> -EBADSLT, '%' before anything else kept as is.
 * 0 and *ret, or negative errno. */
int specifier_expand(const char *s, const SpecifierContext *ctx, char **ret);
/* specifier_expand() of a string the caller owns (*s): without a '%' it is handed back as it is
 * (*s becomes NULL), not copied; the loaders expand every word they read. */
int specifier_expand_take(char **s, const SpecifierContext *ctx, char **ret);

bool env_name_is_valid(const char *name);
/* NAME=VALUE with a valid name and a UTF-8 value. */
bool env_assignment_is_valid(const char *s);

/* An environment with provenance: ordered, one entry per name. */
typedef struct EnvEntry {
        char *assignment;     /* "NAME=VALUE" */
        char *source;         /* "path:line" it came from */
        bool borrowed;        /* both strings belong to another list (env_list_set_borrowed()) */
} EnvEntry;

typedef struct EnvList {
        EnvEntry *entries;
        size_t n;
        StrMap index;         /* name -> position + 1: no quadratic step with many variables */
} EnvList;

void env_list_done(EnvList *l);
void env_list_reset(EnvList *l);
/* Sets NAME=VALUE: replaces an entry of the same name in place (keeping its position),
 * else appends. 0 or -ENOMEM. */
int env_list_set(EnvList *l, const char *assignment, const char *source);
/* env_list_set() of e's strings without copying them: they stay e's list's, which must outlive l
 * (l only reads them, and never frees them). 0 or -ENOMEM. */
int env_list_set_borrowed(EnvList *l, const EnvEntry *e);
/* The entry for name, or NULL. */
const EnvEntry *env_list_get(const EnvList *l, const char *name);
/* Removes by name ("FOO") or by exact assignment ("FOO=bar" removes only that value),
 * as UnsetEnvironment= does. 0 or -ENOMEM. */
int env_list_unset(EnvList *l, const char *name_or_assignment);
/* env_list_unset() of every item of names (a strv), in one pass over the list: UnsetEnvironment=
 * with many names on a unit with many variables stays linear. 0 or -ENOMEM. */
int env_list_unset_all(EnvList *l, char *const *names);
/* Value part of an assignment ("A=b" -> "b"). */
const char *env_entry_value(const EnvEntry *e);

/* One Environment= line (rvalue after '='), applied to env as config_parse_environ() does:
 * empty rvalue resets env; each word unquoted and unescaped, then specifiers expanded; invalid
 * words skipped with a diagnostic; a syntax error drops the rest of the line (earlier words
 * stay). Diagnostics go to diags with source. 0 or -ENOMEM. */
int environ_apply_line(EnvList *env, const char *rvalue, const char *source,
                       const SpecifierContext *ctx, Diags *diags);

/* One UnsetEnvironment= line: names or exact assignments appended to *list (strv); empty
 * resets; CUNESCAPE|UNQUOTE, specifiers expanded; invalid items skipped with a diagnostic. */
int unset_environ_apply_line(char ***list, const char *rvalue, const char *source,
                             const SpecifierContext *ctx, Diags *diags);

/* Parses the contents of an EnvironmentFile= file (systemd 252's parse_env_file format:
 * comments, quotes, continuation, duplicates replace in place, invalid names dropped).
 * Entries are appended/replaced in out with source "path:line" (line where the
 * assignment starts). -EINVAL when data is not valid UTF-8 (systemd then ignores the file
 * as a whole), -EBADMSG when it contains a NUL byte (systemd refuses it too), 0 otherwise;
 * out is left untouched on failure. */
int env_file_parse(const char *data, size_t size, const char *path, unsigned version, EnvList *out,
                   Diags *diags);
