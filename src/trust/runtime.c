/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include "basic/elf.h"
#include "basic/fs.h"
#include "basic/strmap.h"
#include "trust/runtime.h"
#include "trust/shell.h"

#define SHOWN_MAX 60          /* bytes of a word quoted in a message */
#define SHEBANG_MAX 255       /* Linux reads 256 bytes of a #! line (BINPRM_BUF_SIZE) */
#define WRAPPER_HOPS 8        /* exec env nohup ... in front of one command */

const char *runtime_to_string(Runtime r) {
        static const char *const t[] = {
                [RUNTIME_UNKNOWN] = "unknown",
                [RUNTIME_NODE] = "node",
                [RUNTIME_BUN] = "bun",
                [RUNTIME_DENO] = "deno",
                [RUNTIME_OTHER] = "other",
        };
        return t[r];
}

void runtime_info_done(RuntimeInfo *r) {
        free(r->how);
        free(r->binary);
        *r = (RuntimeInfo) {};
}

static const char *base(const char *p) {
        const char *s = strrchr(p, '/');
        return s ? s + 1 : p;
}

static bool in_list(const char *name, const char *const *list, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (streq(name, list[i]))
                        return true;
        return false;
}

/* name is prefix followed by a version ("node20", "python3.11"), or nothing more. */
static bool versioned(const char *name, const char *prefix) {
        const char *v = startswith(name, prefix);
        return v && v[strspn(v, "0123456789.")] == 0;
}

Runtime runtime_of_name(const char *name) {
        static const char *const node[] = { "npm", "npx", "yarn", "yarnpkg", "pnpm", "pnpx", "corepack",
                                            "pm2", "pm2-runtime", "tsx", "ts-node" };
        if (in_list(name, node, ELEMENTSOF(node)) || versioned(name, "node") || versioned(name, "nodejs"))
                return RUNTIME_NODE;
        if (streq(name, "bun") || streq(name, "bunx"))
                return RUNTIME_BUN;
        if (streq(name, "deno"))
                return RUNTIME_DENO;
        return RUNTIME_UNKNOWN;
}

const char *runtime_other_of_name(const char *name) {
        static const struct {
                const char *prefix, *what;
        } t[] = {
                { "python", "Python" }, { "pypy", "Python" }, { "gunicorn", "Python" }, { "uvicorn", "Python" },
                { "java", "Java" }, { "ruby", "Ruby" }, { "php", "PHP" }, { "php-fpm", "PHP" },
                { "perl", "Perl" }, { "dotnet", ".NET" },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++)
                if (versioned(name, t[i].prefix))
                        return t[i].what;
        return NULL;
}

static bool is_shell(const char *name) {
        static const char *const t[] = { "sh", "bash", "dash", "ash", "ksh", "mksh" };
        return in_list(name, t, ELEMENTSOF(t));
}

/* Commands of a script that start no program worth following (builtins, common tools). */
static bool is_utility(const char *name) {
        static const char *const t[] = {
                ":", "true", "false", "echo", "printf", "export", "set", "unset", "shift", "read", "local",
                "declare", "typeset", "readonly", "return", "exit", "trap", "wait", "sleep", "test", "[",
                "ulimit", "umask", "break", "continue", "let", "alias", "hash", "type", "which", "cat",
                "mkdir", "rm", "rmdir", "cp", "mv", "ln", "chmod", "chown", "touch", "sed", "grep", "awk",
                "tee", "date", "dirname", "basename", "realpath", "readlink", "id", "whoami", "logger",
                "sync", "kill", "pkill", "pgrep", "head", "tail", "cut", "tr", "sort", "ls", "pwd", "stat",
                "mktemp", "find", "getent", "hostname", "systemd-notify", "sd_notify", "curl", "wget",
        };
        return in_list(name, t, ELEMENTSOF(t));
}

/* A word as a message may quote it: at most SHOWN_MAX bytes, control characters (and, in
 * anything not UTF-8, every non-ASCII byte) replaced by '?'. */
static char *shown(const char *w) {
        size_t n = strlen(w), k = n > SHOWN_MAX ? SHOWN_MAX : n;
        bool utf8 = utf8_is_valid(w, n);
        while (utf8 && k > 0 && k < n && ((unsigned char) w[k] & 0xC0) == 0x80)
                k--;
        Buf b = {};
        buf_put(&b, "", 0);
        for (size_t i = 0; i < k; i++) {
                unsigned char c = (unsigned char) w[i];
                buf_putc(&b, c < 0x20 || c == 0x7f || (!utf8 && c >= 0x80) ? '?' : (char) c);
        }
        if (k < n)
                buf_puts(&b, "...");
        return buf_steal(&b);
}

/* ---- finding files inside the root ---- */

static char *resolve_path(const LookupPaths *lp, const char *cwd, const char *path);

/* systemd's default search path for a bare ExecStart= name (a script's PATH is usually it too). */
static char *find_in_path(const LookupPaths *lp, const char *name) {
        static const char *const dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin" };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_free_ char *p = xasprintf("%s/%s", dirs[i], name);
                if (!p)
                        return NULL;
                char *host = resolve_path(lp, NULL, p);
                if (host)
                        return host;
        }
        return NULL;
}

/* A path as the target sees it: absolute, or relative to cwd (NULL: unknown). */
/* Programs resolved in this run, by root and path: hundreds of services run the same one, and the
 * run installs none. The value is the host path, or "" for none. */
static StrMap resolved_programs = { .free_value = free };

static char *resolve_path(const LookupPaths *lp, const char *cwd, const char *path) {
        _cleanup_free_ char *joined = path[0] == '/' ? strdup(path) : cwd ? strjoin_path(cwd, path) : NULL;
        if (!joined)
                return NULL;
        _cleanup_free_ char *key = strjoin3(lp->root ? lp->root : "", "\n", joined);
        const char *hit = key ? strmap_get(&resolved_programs, key) : NULL;
        if (hit)
                return *hit ? strdup(hit) : NULL;
        char *host = NULL;
        struct stat st;
        if (fs_chase_existing(lp->root, joined, &host, &st) < 0)
                host = NULL;
        char *keep = strdup(host ? host : "");
        if (key && keep && strmap_put(&resolved_programs, key, keep) > 0)
                keep = NULL;
        free(keep);
        return host;
}

/* A program as a shell or systemd finds it: a path, or a bare name in PATH. */
static char *resolve_program(const LookupPaths *lp, const char *cwd, const char *name) {
        return strchr(name, '/') ? resolve_path(lp, cwd, name) : find_in_path(lp, name);
}

static bool unexpanded(const char *w) {
        return w[0] == '~' || strpbrk(w, "$`") != NULL;
}

/* The binary that reads the environment: npm and friends are node scripts, so node itself. */
static char *runtime_binary(const LookupPaths *lp, const char *cwd, Runtime r, const char *prog) {
        const char *name = r == RUNTIME_NODE && !startswith(base(prog), "node") ? "node" : prog;
        if (unexpanded(name))
                name = base(name);  /* "$basedir/node": some node */
        char *host = unexpanded(name) ? NULL : resolve_program(lp, cwd, name);
        if (!host)
                host = find_in_path(lp, r == RUNTIME_NODE ? "node" : base(name));
        if (!host && r == RUNTIME_NODE)
                host = find_in_path(lp, "nodejs");
        return host;
}
/* ---- following ExecStart= ---- */

typedef enum Seen {
        SEEN_NOTHING,            /* builtins and tools: says nothing either way */
        SEEN_OPAQUE,             /* something unit-tls cannot identify */
        SEEN_OTHER,              /* another language's runtime */
        SEEN_JS,                 /* Node.js, Bun or Deno: found, stop */
} Seen;

typedef struct Walk {
        const LookupPaths *lp;
        const char *source;      /* the ExecStart= line being followed */
        unsigned files;          /* files read so far */
        unsigned lookups;        /* programs looked up so far */
        RuntimeInfo found;
        bool saw_other, saw_opaque;
        char *other_how, *opaque_how;  /* the first of each */
        const char *other;
} Walk;

/* Where a command is: the chain that led to it and the shell state it runs in. */
typedef struct Level {
        const char *chain;       /* "ExecStart= runs", "ExecStart= runs /opt/x/run.sh, which runs" */
        const char *cwd;         /* as the target sees it; NULL: unknown */
        unsigned depth;          /* shells entered */
        unsigned line;           /* the command's line in a script file; 0: none */
        bool in_shell;           /* a shell runs it: a text file without #! is a shell script */
} Level;

static int walk_command(Walk *w, char **argv, const Level *lv);

/* "<chain> WORD[ at line N][, WHAT] (SOURCE)" */
static char *describe(const Walk *w, const Level *lv, const char *word, const char *what) {
        _cleanup_free_ char *s = shown(word);
        _cleanup_free_ char *at = lv->line ? xasprintf(" at line %u", lv->line) : strdup("");
        if (!s || !at)
                return NULL;
        return xasprintf("%s %s%s%s%s (%s)", lv->chain, s, at, what ? ", " : "", what ? what : "", w->source);
}

/* Records evidence (the first description of each kind is kept) and returns it. */
static int note(Walk *w, Seen seen, const Level *lv, const char *word, const char *what, const char *other) {
        char **slot = seen == SEEN_OTHER ? &w->other_how : &w->opaque_how;
        if (seen == SEEN_OTHER) {
                w->saw_other = true;
                w->other = w->other ? w->other : other;
        } else
                w->saw_opaque = true;
        if (!*slot && !(*slot = describe(w, lv, word, what)))
                return -ENOMEM;
        return seen;
}

static int found(Walk *w, const Level *lv, Runtime r, const char *word, const char *interp) {
        _cleanup_free_ char *i = interp ? shown(interp) : NULL;
        _cleanup_free_ char *what = i ? xasprintf("a script for %s", i) : NULL;
        if (interp && !what)
                return -ENOMEM;
        w->found.runtime = r;
        w->found.how = describe(w, lv, word, what);
        w->found.binary = runtime_binary(w->lp, lv->cwd, r, interp ? interp : word);
        return w->found.how ? SEEN_JS : -ENOMEM;
}

/* Programs that run the rest of their arguments as a command: their options that take a value
 * (as a separate word), and how many words follow before the command (gosu USER cmd). */
static const struct Wrapper {
        const char *name, *value_opts;
        unsigned positional;
} wrappers[] = {
        { "exec", "a", 0 },    { "env", "uCP", 0 },   { "nohup", "", 0 },       { "setsid", "", 0 },
        { "nice", "n", 0 },    { "ionice", "cnp", 0 }, { "time", "fo", 0 },     { "command", "", 0 },
        { "stdbuf", "ioe", 0 }, { "dumb-init", "r", 0 }, { "tini", "pel", 0 }, { "catatonit", "", 0 },
        { "sudo", "ugCDhprTU", 0 }, { "runuser", "ugG", 0 }, { "gosu", "", 1 }, { "su-exec", "", 1 },
        { "chpst", "ugUenlL", 0 }, { "xvfb-run", "nsfe", 0 },
};

static const struct Wrapper *wrapper_of(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(wrappers); i++)
                if (streq(name, wrappers[i].name))
                        return &wrappers[i];
        return NULL;
}

/* The index of the word a chain of wrappers finally runs (argv's end when none). */
static size_t unwrap(char **argv) {
        size_t i = 0;
        for (unsigned hop = 0; argv[i] && hop < WRAPPER_HOPS; hop++) {
                const struct Wrapper *wr = wrapper_of(base(argv[i]));
                if (!wr)
                        break;
                if (streq(wr->name, "command") && argv[i + 1] && (startswith(argv[i + 1], "-v") || startswith(argv[i + 1], "-V")))
                        return strv_length(argv);  /* command -v node: a question, not a start */
                for (i++; argv[i]; i++) {
                        const char *a = argv[i];
                        if (streq(a, "--")) {
                                i++;
                                break;
                        }
                        if (streq(wr->name, "env") && shell_is_assignment(a))
                                continue;
                        if (a[0] != '-' || !a[1])
                                break;
                        if (a[1] != '-' && !a[2] && strchr(wr->value_opts, a[1]) && argv[i + 1])
                                i++;
                }
                for (unsigned k = 0; k < wr->positional && argv[i]; k++)
                        i++;
        }
        return i;
}

static void change_dir(char **cwd, char **argv) {
        size_t i = 1;
        while (argv[i] && argv[i][0] == '-' && argv[i][1])
                i++;  /* -L -P */
        const char *d = argv[i];
        char *n = NULL;
        if (d && !unexpanded(d) && !streq(d, "-")) {
                _cleanup_free_ char *j = d[0] == '/' ? strdup(d) : *cwd ? strjoin_path(*cwd, d) : NULL;
                n = j ? path_simplify_dup(j) : NULL;
        }
        free(*cwd);
        *cwd = n;  /* NULL: where the script is now is unknown */
}

/* The commands of a script (a file's text or a -c string), in the level a shell made. */
static int walk_text(Walk *w, const char *text, size_t size, const Level *lv, bool file) {
        ShellScript s = {};
        int r = shell_parse(text, size, &s);
        if (r < 0)
                return r;
        _cleanup_free_ char *cwd = lv->cwd ? strdup(lv->cwd) : NULL;
        int seen = SEEN_NOTHING;
        for (size_t i = 0; i < s.n && seen != SEEN_JS && seen >= 0; i++) {
                char **a = s.commands[i].argv;
                if (streq(a[0], "cd")) {
                        change_dir(&cwd, a);
                        continue;
                }
                if (strv_contains(s.functions, a[0]))
                        continue;  /* its body's commands are in s too */
                Level cmd = *lv;
                cmd.cwd = cwd;
                cmd.line = file ? s.commands[i].line : 0;
                seen = walk_command(w, a, &cmd);
        }
        if (seen >= 0 && seen != SEEN_JS && s.truncated) {
                Level end = *lv;
                seen = note(w, SEEN_OPAQUE, &end, "...", "more than unit-tls reads", NULL);
        }
        shell_script_done(&s);
        return seen;
}

/* A level deeper: "<chain> WHAT[ at line N], which runs". */
static int enter_shell(Walk *w, const Level *lv, const char *what, const char *text, size_t size, bool file) {
        _cleanup_free_ char *at = lv->line ? xasprintf(" at line %u", lv->line) : strdup("");
        _cleanup_free_ char *chain = at ? xasprintf("%s %s%s, which runs", lv->chain, what, at) : NULL;
        if (!chain)
                return -ENOMEM;
        Level next = { .chain = chain, .cwd = lv->cwd, .depth = lv->depth + 1, .in_shell = true };
        return walk_text(w, text, size, &next, file);
}

/* Reads a file a command runs: its first RUNTIME_SCRIPT_MAX + 1 bytes, within the budget. */
static int read_budgeted(Walk *w, const char *host, char **ret, size_t *ret_size) {
        if (w->files >= RUNTIME_FILES_MAX)
                return -EMFILE;
        w->files++;
        return read_file_head(host, RUNTIME_SCRIPT_MAX + 1, ret, ret_size);
}

/* A shell script's text (a #! sh script, `sh FILE`, a file a shell runs without #!). */
static int walk_script(Walk *w, const Level *lv, const char *word, const char *text, size_t size) {
        if (lv->depth >= RUNTIME_SHELL_DEPTH)
                return note(w, SEEN_OPAQUE, lv, word, "a shell script nested deeper than unit-tls follows", NULL);
        if (size > RUNTIME_SCRIPT_MAX)
                return note(w, SEEN_OPAQUE, lv, word, "a shell script larger than unit-tls reads (64 KiB)", NULL);
        _cleanup_free_ char *s = shown(word);
        return s ? enter_shell(w, lv, s, text, size, true) : -ENOMEM;
}

static int walk_elf(Walk *w, const char *host, const char *word, const Level *lv) {
        _cleanup_strv_free_ char **sections = NULL;
        int r = elf_section_names(host, &sections);
        if (r == -ENOMEM)
                return r;
        /* Go's linker writes these; nothing else does. A static binary alone proves nothing:
         * pkg and other Node.js single-executable builds can be static too. */
        if (r >= 0 && (strv_contains(sections, ".go.buildinfo") || strv_contains(sections, ".note.go.buildid")))
                return note(w, SEEN_OTHER, lv, word, "a Go program", "a Go program");
        return note(w, SEEN_OPAQUE, lv, word, "a program unit-tls cannot identify", NULL);
}

/* "#!interp [arg]": the interpreter names the runtime, or is a shell that runs the text. */
static int walk_shebang(Walk *w, const char *text, size_t size, const char *word, const Level *lv) {
        size_t n = strcspn(text + 2, "\n");
        _cleanup_free_ char *line = strndup(text + 2, n > SHEBANG_MAX - 2 ? SHEBANG_MAX - 2 : n);
        _cleanup_strv_free_ char **words = NULL;
        if (!line)
                return -ENOMEM;
        char *save = NULL;
        for (char *t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save))
                if (strv_extend(&words, t) < 0)
                        return -ENOMEM;
        size_t i = words ? unwrap(words) : 0;  /* #!/usr/bin/env [-S] node */
        const char *interp = words ? words[i] : NULL;
        if (!interp)
                return note(w, SEEN_OPAQUE, lv, word, "a script with an empty #! line", NULL);
        Runtime r = runtime_of_name(base(interp));
        if (r != RUNTIME_UNKNOWN)
                return found(w, lv, r, word, interp);
        _cleanup_free_ char *s = shown(interp);
        _cleanup_free_ char *what = s ? xasprintf("a script for %s", s) : NULL;
        if (!what)
                return -ENOMEM;
        const char *other = runtime_other_of_name(base(interp));
        if (other)
                return note(w, SEEN_OTHER, lv, word, what, other);
        if (is_shell(base(interp)))
                return walk_script(w, lv, word, text, size);
        return note(w, SEEN_OPAQUE, lv, word, what, NULL);
}

/* A file a command runs (host path): an ELF program, a #! script, or, run by a shell, a text
 * file the shell runs itself (execve() fails with ENOEXEC; the shell reads it as a script). */
static int walk_file(Walk *w, const char *host, const char *word, const Level *lv) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r = read_budgeted(w, host, &data, &size);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                _cleanup_free_ char *why = xasprintf("which unit-tls does not read (%s)",
                                                     r == -EMFILE ? "too many files" : strerror(-r));
                return why ? note(w, SEEN_OPAQUE, lv, word, why, NULL) : -ENOMEM;
        }
        if (elf_magic(data, size))
                return walk_elf(w, host, word, lv);
        if (startswith(data, "#!"))
                return walk_shebang(w, data, size, word, lv);
        if (lv->in_shell && size > 0 && !memchr(data, 0, size))
                return walk_script(w, lv, word, data, size);
        return note(w, SEEN_OPAQUE, lv, word, "a file unit-tls cannot identify", NULL);
}

/* `sh FILE`, `. FILE`: the file is a shell script whatever its #! says. */
static int walk_shell_file(Walk *w, const char *shell, const char *file, const Level *lv) {
        if (unexpanded(file))
                return note(w, SEEN_OPAQUE, lv, file, "which unit-tls does not expand", NULL);
        _cleanup_free_ char *host = resolve_path(w->lp, lv->cwd, file);
        if (!host)
                return note(w, SEEN_OPAQUE, lv, file, "which unit-tls cannot find", NULL);
        _cleanup_free_ char *data = NULL, *s = shown(shell), *f = shown(file), *what = NULL;
        size_t size = 0;
        int r = read_budgeted(w, host, &data, &size);
        if (r == -ENOMEM || !s || !f || !(what = xasprintf("%s %s", s, f)))
                return -ENOMEM;
        if (r < 0 || elf_magic(data, size))
                return note(w, SEEN_OPAQUE, lv, file, r < 0 ? "which unit-tls does not read" : "a program, not a script", NULL);
        return walk_script(w, lv, what, data, size);
}

/* sh [options] -c STRING | sh [options] FILE | sh (standard input). argv[0] is the shell. */
static int walk_shell(Walk *w, char **argv, const Level *lv) {
        bool c_mode = false;
        size_t i = 1;
        for (; argv[i]; i++) {
                const char *a = argv[i];
                if (streq(a, "--") || streq(a, "-")) {
                        i++;
                        break;
                }
                if ((a[0] != '-' && a[0] != '+') || !a[1])
                        break;
                if ((streq(a, "--rcfile") || streq(a, "--init-file")) && argv[i + 1])
                        i++;
                else if (a[1] != '-') {
                        c_mode = c_mode || strchr(a, 'c');
                        if (strpbrk(a, "oO") && argv[i + 1])
                                i++;  /* -o pipefail */
                }
        }
        if (!argv[i])
                return c_mode ? SEEN_NOTHING : note(w, SEEN_OPAQUE, lv, argv[0], "which reads commands from standard input", NULL);
        if (!c_mode)
                return walk_shell_file(w, argv[0], argv[i], lv);
        if (lv->depth >= RUNTIME_SHELL_DEPTH)
                return note(w, SEEN_OPAQUE, lv, argv[0], "a shell nested deeper than unit-tls follows", NULL);
        _cleanup_free_ char *s = shown(argv[0]), *c = shown(argv[i]);
        _cleanup_free_ char *what = s && c ? xasprintf("%s -c '%s'", s, c) : NULL;
        if (!what)
                return -ENOMEM;
        return enter_shell(w, lv, what, argv[i], strlen(argv[i]), false);
}

/* One command: its words after the wrappers decide, by name, or by the file they name. */
static int walk_command(Walk *w, char **argv, const Level *lv) {
        size_t i = unwrap(argv);
        const char *prog = argv[i];
        if (!prog || !*prog)
                return SEEN_NOTHING;
        const char *b = base(prog);
        Runtime r = runtime_of_name(b);
        if (r != RUNTIME_UNKNOWN)
                return found(w, lv, r, prog, NULL);
        const char *other = runtime_other_of_name(b);
        if (other)
                return note(w, SEEN_OTHER, lv, prog, NULL, other);
        if (is_shell(b))
                return walk_shell(w, argv + i, lv);
        if ((streq(prog, ".") || streq(prog, "source")) && lv->in_shell)
                return argv[i + 1] ? walk_shell_file(w, prog, argv[i + 1], lv) : SEEN_NOTHING;
        if (is_utility(b))
                return SEEN_NOTHING;
        if (unexpanded(prog))
                return note(w, SEEN_OPAQUE, lv, prog, "which unit-tls does not expand", NULL);
        if (++w->lookups > RUNTIME_LOOKUPS_MAX)
                return note(w, SEEN_OPAQUE, lv, prog, "one program more than unit-tls looks up", NULL);
        _cleanup_free_ char *host = resolve_program(w->lp, lv->cwd, prog);
        if (!host)
                return note(w, SEEN_OPAQUE, lv, prog, "which unit-tls cannot find", NULL);
        return walk_file(w, host, prog, lv);
}

/* WorkingDirectory= as systemd reads it ("-" prefix: may be missing; "~": the user's home),
 * else "/" for the system manager and the home for a user's. NULL: unknown. */
static char *working_directory(const LookupPaths *lp, const Unit *u, const ServiceCred *cred) {
        const char *wd = u->working_directory.value, *home = cred ? cred->home : NULL;
        if (isempty(wd))
                return lp->scope == SCOPE_USER ? (home ? strdup(home) : NULL) : strdup("/");
        if (wd[0] == '-')
                wd++;
        if (streq(wd, "~"))
                return home ? strdup(home) : NULL;
        return wd[0] == '/' ? path_simplify_dup(wd) : NULL;
}

/* What the walk found: a JS runtime; another runtime only if nothing was unidentifiable. */
static void conclude(Walk *w, RuntimeInfo *ret) {
        if (w->found.runtime != RUNTIME_UNKNOWN) {
                *ret = w->found;
                free(w->other_how);
                free(w->opaque_how);
                return;
        }
        bool other = w->saw_other && !w->saw_opaque;
        *ret = (RuntimeInfo) {
                .runtime = other ? RUNTIME_OTHER : RUNTIME_UNKNOWN,
                .how = other ? w->other_how : w->opaque_how ? w->opaque_how : w->other_how,
                .other = other ? w->other : NULL,
        };
        free(ret->how == w->other_how ? w->opaque_how : w->other_how);
}

int runtime_detect(const LookupPaths *lp, const Unit *u, const ServiceCred *cred, RuntimeInfo *ret) {
        Walk w = { .lp = lp };
        _cleanup_free_ char *cwd = working_directory(lp, u, cred);
        int r = SEEN_NOTHING;
        for (size_t i = 0; i < u->n_exec_start && r != SEEN_JS && r >= 0; i++) {
                ExecCommand *c = &u->exec_start[i];
                size_t n = strv_length(c->argv);
                _cleanup_free_ char **argv = calloc(n + 1, sizeof(char *));
                if (!argv)
                        return -ENOMEM;
                memcpy(argv, c->argv, n * sizeof(char *));
                argv[0] = c->path;  /* "@path name": the program is path */
                w.source = c->source;
                Level lv = { .chain = "ExecStart= runs", .cwd = cwd };
                r = walk_command(&w, argv, &lv);
        }
        if (r >= 0 && u->n_exec_start > 0 && !w.found.how && !w.other_how && !w.opaque_how) {
                /* Only tools and builtins: nothing to say but what it runs. */
                _cleanup_free_ char *s = shown(u->exec_start[0].path);
                if (!s || !(w.opaque_how = xasprintf("ExecStart= runs %s (%s)", s, u->exec_start[0].source)))
                        r = -ENOMEM;
        }
        if (r < 0) {
                runtime_info_done(&w.found);
                free(w.other_how);
                free(w.opaque_how);
                return r;
        }
        conclude(&w, ret);
        if (ret->binary && (ret->runtime == RUNTIME_NODE || ret->runtime == RUNTIME_BUN || ret->runtime == RUNTIME_DENO))
                (void) rtversion_read(ret->runtime == RUNTIME_BUN ? RTV_BUN : ret->runtime == RUNTIME_DENO ? RTV_DENO : RTV_NODE,
                                      lp->root, ret->binary, &ret->version);  /* unreadable: unknown */
        return 0;
}
