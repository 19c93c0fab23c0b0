/* SPDX-License-Identifier: MIT */
#include <ctype.h>

#include "trust/shell.h"

#define HEREDOCS_MAX 8

typedef struct Lexer {
        const char *p, *end;
        unsigned line;
        ShellScript *out;
        char **argv;             /* the command being read */
        size_t n_argv;
        unsigned argv_line;
        char *heredoc[HEREDOCS_MAX];  /* delimiters whose bodies start at the next newline */
        bool heredoc_strip[HEREDOCS_MAX];
        size_t n_heredocs;
        enum { NEXT_WORD, NEXT_REDIRECT, NEXT_HEREDOC, NEXT_HEREDOC_STRIP } next;
        bool drop_command;       /* for/select NAME in ...: no command until the list ends */
        bool drop_name;          /* function NAME: the next word is a name */
        bool case_header;        /* case WORD ... up to "in" */
        bool case_pattern;       /* a case pattern, up to ')' */
        unsigned case_depth;
        bool dbracket;           /* inside [[ ]] */
        bool stop;
        int error;
} Lexer;

bool shell_is_assignment(const char *w) {
        if (!isalpha((unsigned char) *w) && *w != '_')
                return false;
        size_t n = 1;
        while (isalnum((unsigned char) w[n]) || w[n] == '_')
                n++;
        return w[n] == '=' || (w[n] == '+' && w[n + 1] == '=');
}

/* ---- skipping quoted and nested text (pure: pointers in, pointer out) ---- */

static const char *skip_group(const char *q, const char *end, char open, char close, unsigned depth);

/* q just after an opening quote c; returns the closing one (or end). With escapes, a backslash
 * hides the next character (`...` and $'...'). */
static const char *find_close(const char *q, const char *end, char c, bool escapes) {
        while (q < end && *q != c)
                q += (escapes && *q == '\\' && q + 1 < end) ? 2 : 1;
        return q;
}

static const char *past(const char *q, const char *end) {
        return q < end ? q + 1 : end;
}

/* q just after an opening '"'; returns just after the closing one. */
static const char *skip_dquote(const char *q, const char *end, unsigned depth) {
        if (depth > SHELL_NESTING_MAX)
                return end;
        while (q < end && *q != '"') {
                if (*q == '\\' && q + 1 < end)
                        q += 2;
                else if (*q == '$' && q + 1 < end && (q[1] == '(' || q[1] == '{'))
                        q = skip_group(q + 2, end, q[1], q[1] == '(' ? ')' : '}', depth + 1);
                else if (*q == '`')
                        q = past(find_close(q + 1, end, '`', true), end);
                else
                        q++;
        }
        return q < end ? q + 1 : end;
}

/* q just after an opening bracket; returns just after the matching close. */
static const char *skip_group(const char *q, const char *end, char open, char close, unsigned depth) {
        if (depth > SHELL_NESTING_MAX)
                return end;
        size_t level = 1;
        while (q < end) {
                char c = *q++;
                if (c == '\\' && q < end)
                        q++;
                else if (c == '\'' || c == '`')
                        q = past(find_close(q, end, c, c == '`'), end);
                else if (c == '"')
                        q = skip_dquote(q, end, depth + 1);
                else if (c == open)
                        level++;
                else if (c == close && --level == 0)
                        return q;
        }
        return end;
}

/* ---- the lexer ---- */

static void advance(Lexer *l, const char *q) {
        for (; l->p < q; l->p++)
                if (*l->p == '\n')
                        l->line++;
}

static void end_command(Lexer *l) {
        l->drop_command = false;
        if (!l->argv)
                return;
        ShellScript *s = l->out;
        if (s->n >= SHELL_COMMANDS_MAX) {
                s->truncated = l->stop = true;
                l->argv = strv_free_and_null(l->argv);
                return;
        }
        ShellCommand *c = realloc(s->commands, (s->n + 1) * sizeof(ShellCommand));
        if (!c) {
                l->error = -ENOMEM;
                l->stop = true;
                l->argv = strv_free_and_null(l->argv);
                return;
        }
        s->commands = c;
        s->commands[s->n++] = (ShellCommand) { .argv = TAKE_PTR(l->argv), .line = l->argv_line };
        l->n_argv = 0;
}

/* Skips the bodies of the here-documents announced on the line that just ended. */
static void skip_heredocs(Lexer *l) {
        for (size_t i = 0; i < l->n_heredocs; i++) {
                while (l->p < l->end) {
                        const char *eol = memchr(l->p, '\n', (size_t) (l->end - l->p));
                        const char *s = l->p, *e = eol ? eol : l->end;
                        if (l->heredoc_strip[i])
                                while (s < e && *s == '\t')
                                        s++;
                        bool last = (size_t) (e - s) == strlen(l->heredoc[i]) &&
                                    memcmp(s, l->heredoc[i], (size_t) (e - s)) == 0;
                        advance(l, eol ? eol + 1 : l->end);
                        if (last)
                                break;
                }
                l->heredoc[i] = mfree(l->heredoc[i]);
        }
        l->n_heredocs = 0;
}

static bool is_meta(char c) {
        return strchr(" \t\r\n;&|<>()", c) != NULL;
}

static void put(Lexer *l, Buf *b, const char *s, size_t n) {
        if (b->len + n > SHELL_WORD_MAX) {
                n = b->len < SHELL_WORD_MAX ? SHELL_WORD_MAX - b->len : 0;
                l->out->truncated = true;
        }
        buf_put(b, s, n);
}

/* Appends the text from l->p to q as written, and moves there. */
static void put_raw(Lexer *l, Buf *b, const char *q) {
        put(l, b, l->p, (size_t) (q - l->p));
        advance(l, q);
}

/* Inside "...": backslash escapes $ ` " \ and newline only. l->p is just after the '"'. */
static void read_dquoted(Lexer *l, Buf *b) {
        while (l->p < l->end && *l->p != '"') {
                const char *q = l->p;
                if (*q == '\\' && q + 1 < l->end && strchr("$`\"\\\n", q[1])) {
                        if (q[1] != '\n')
                                put(l, b, q + 1, 1);
                        advance(l, q + 2);
                } else if (*q == '$' && q + 1 < l->end && (q[1] == '(' || q[1] == '{'))
                        put_raw(l, b, skip_group(q + 2, l->end, q[1], q[1] == '(' ? ')' : '}', 1));
                else if (*q == '`')
                        put_raw(l, b, past(find_close(q + 1, l->end, '`', true), l->end));
                else
                        put_raw(l, b, q + 1);
        }
        advance(l, l->p < l->end ? l->p + 1 : l->end);
}

/* One part of a word at l->p: a quoted string, an expansion (kept as written) or a character. */
static void read_word_part(Lexer *l, Buf *b) {
        const char *q = l->p, *end = l->end;
        if (*q == '\\') {
                if (q + 1 < end && q[1] != '\n')
                        put(l, b, q + 1, 1);
                advance(l, q + 1 < end ? q + 2 : end);
        } else if (*q == '\'') {
                const char *e = find_close(q + 1, end, '\'', false);
                put(l, b, q + 1, (size_t) (e - q - 1));
                advance(l, past(e, end));
        } else if (*q == '"') {
                advance(l, q + 1);
                read_dquoted(l, b);
        } else if (*q == '$' && q + 1 < end && (q[1] == '(' || q[1] == '{'))
                put_raw(l, b, skip_group(q + 2, end, q[1], q[1] == '(' ? ')' : '}', 1));
        else if (*q == '$' && q + 1 < end && q[1] == '\'')
                put_raw(l, b, past(find_close(q + 2, end, '\'', true), end));  /* $'...', as written */
        else if (*q == '`')
                put_raw(l, b, past(find_close(q + 1, end, '`', true), end));
        else
                put_raw(l, b, q + 1);
}

static void add_function(Lexer *l, const char *name) {
        ShellScript *s = l->out;
        if (strv_contains(s->functions, name))
                return;
        if (strv_length(s->functions) >= SHELL_FUNCTIONS_MAX) {
                s->truncated = true;
                return;
        }
        if (strv_extend(&s->functions, name) < 0) {
                l->error = -ENOMEM;
                l->stop = true;
        }
}

/* Reserved words that may come before a command (and are not one). */
static bool is_opener(const char *w) {
        static const char *const t[] = { "if", "then", "else", "elif", "do", "while", "until", "!", "{", "time",
                                         "fi", "done", "}", "esac" };
        for (size_t i = 0; i < ELEMENTSOF(t); i++)
                if (streq(w, t[i]))
                        return true;
        return false;
}

/* A word at the start of a command: a reserved word, an assignment, or the command's first word. */
static int command_start_word(Lexer *l, char *w) {
        if (streq(w, "esac") && l->case_depth > 0)
                l->case_depth--;
        if (is_opener(w) || shell_is_assignment(w))
                return 0;
        if (streq(w, "[["))
                l->dbracket = true;
        else if (streq(w, "case"))
                l->case_header = true;
        else if (streq(w, "for") || streq(w, "select"))
                l->drop_command = true;
        else if (streq(w, "function"))
                l->drop_name = true;
        else {
                l->argv_line = l->line;
                return strv_extend(&l->argv, w);
        }
        return 0;
}

/* What a word read at this point of the grammar is. w is consumed. */
static int take_word(Lexer *l, char *word, bool io_number) {
        _cleanup_free_ char *w = word;
        if (l->next == NEXT_HEREDOC || l->next == NEXT_HEREDOC_STRIP) {
                if (l->n_heredocs < HEREDOCS_MAX) {
                        l->heredoc_strip[l->n_heredocs] = l->next == NEXT_HEREDOC_STRIP;
                        l->heredoc[l->n_heredocs++] = TAKE_PTR(w);
                }
                l->next = NEXT_WORD;
                return 0;
        }
        if (io_number)
                return 0;
        if (l->next == NEXT_REDIRECT) {
                l->next = NEXT_WORD;
                return 0;
        }
        if (l->case_header) {
                if (streq(w, "in")) {
                        l->case_header = false;
                        l->case_pattern = true;
                        l->case_depth++;
                }
                return 0;
        }
        if (l->case_pattern) {
                if (streq(w, "esac")) {
                        l->case_pattern = false;
                        l->case_depth = l->case_depth > 0 ? l->case_depth - 1 : 0;
                }
                return 0;
        }
        if (l->dbracket) {
                l->dbracket = !streq(w, "]]");
                return 0;
        }
        if (l->drop_command || l->drop_name) {
                if (l->drop_name)
                        add_function(l, w);
                l->drop_name = false;
                return 0;
        }
        if (!l->argv)
                return command_start_word(l, w);
        if (l->n_argv + 1 >= SHELL_WORDS_MAX) {
                l->out->truncated = true;
                return 0;
        }
        l->n_argv++;
        return strv_consume(&l->argv, TAKE_PTR(w));
}

static void read_word(Lexer *l) {
        Buf b = {};
        buf_put(&b, "", 0);
        bool digits = true;
        while (l->p < l->end && !is_meta(*l->p)) {
                digits = digits && isdigit((unsigned char) *l->p);
                read_word_part(l, &b);
                /* name=(a b): the array is part of the word */
                if (l->p < l->end && *l->p == '(' && b.len > 0 && b.data[b.len - 1] == '=')
                        put_raw(l, &b, skip_group(l->p + 1, l->end, '(', ')', 1));
        }
        bool io_number = digits && b.len > 0 && l->p < l->end && (*l->p == '<' || *l->p == '>');
        char *w = buf_steal(&b);
        if (!w) {
                l->error = -ENOMEM;
                l->stop = true;
                return;
        }
        int r = take_word(l, w, io_number);
        if (r < 0) {
                l->error = r;
                l->stop = true;
        }
}

/* At '<' or '>' (or "&>"): a redirection; its target word is not part of the command. */
static void read_redirection(Lexer *l) {
        const char *q = l->p, *end = l->end;
        if (l->dbracket) {                      /* [[ a < b ]]: a comparison */
                advance(l, q + 1);
                return;
        }
        if (*q != '&' && q + 1 < end && q[1] == '(') {  /* <(...) >(...): process substitution */
                advance(l, skip_group(q + 2, end, '(', ')', 1));
                return;
        }
        l->next = NEXT_REDIRECT;
        if (*q == '<' && q + 2 < end && q[1] == '<' && q[2] == '<')
                q += 3;                         /* <<< here-string */
        else if (*q == '<' && q + 1 < end && q[1] == '<') {
                bool strip = q + 2 < end && q[2] == '-';
                l->next = strip ? NEXT_HEREDOC_STRIP : NEXT_HEREDOC;
                q += strip ? 3 : 2;
        } else {
                q++;                            /* < > &> then an optional > & | */
                if (q < end && strchr(">&|", *q))
                        q++;
                if (q < end && *q == '>')       /* &>> */
                        q++;
        }
        advance(l, q);
}

/* ( ) ; & | and their doubles. */
static void read_operator(Lexer *l) {
        const char *q = l->p, *end = l->end;
        char c = *q;
        char d = q + 1 < end ? q[1] : 0;
        if (l->dbracket && c != ';') {          /* && || ( ) inside [[ ]] */
                advance(l, q + 1);
                return;
        }
        if (c == '(') {
                const char *r = q + 1;
                while (r < end && (*r == ' ' || *r == '\t'))
                        r++;
                if (r < end && *r == ')') {     /* NAME(): a function's header */
                        if (l->argv && l->n_argv == 0)
                                add_function(l, l->argv[0]);
                        l->argv = strv_free_and_null(l->argv);
                        l->n_argv = 0;
                        advance(l, r + 1);
                } else if (d == '(' && !l->argv && !l->case_pattern)
                        advance(l, skip_group(q + 1, end, '(', ')', 1));  /* (( arithmetic )) */
                else {
                        end_command(l);         /* a subshell, or a case pattern's '(' */
                        advance(l, q + 1);
                }
                return;
        }
        end_command(l);
        if (c == ')' && l->case_pattern)
                l->case_pattern = false;
        else if (c == ';' && (d == ';' || d == '&') && l->case_depth > 0)
                l->case_pattern = true;         /* ;; ;& ;;& end a case branch */
        size_t n = 1;
        if ((c == d && c != '(' && c != ')') || (c == '|' && d == '&') || (c == ';' && d == '&'))
                n = 2;
        if (c == ';' && d == ';' && q + 2 < end && q[2] == '&')
                n = 3;
        advance(l, q + n);
}

static void lex(Lexer *l) {
        while (l->p < l->end && !l->stop) {
                char c = *l->p;
                char d = l->p + 1 < l->end ? l->p[1] : 0;
                if (c == ' ' || c == '\t' || c == '\r')
                        advance(l, l->p + 1);
                else if (c == '\\' && d == '\n')
                        advance(l, l->p + 2);
                else if (c == '#') {
                        const char *eol = memchr(l->p, '\n', (size_t) (l->end - l->p));
                        advance(l, eol ? eol : l->end);
                } else if (c == '\n') {
                        end_command(l);
                        advance(l, l->p + 1);
                        skip_heredocs(l);
                } else if (c == '<' || c == '>' || (c == '&' && d == '>'))
                        read_redirection(l);
                else if (strchr(";&|()", c))
                        read_operator(l);
                else
                        read_word(l);
        }
        end_command(l);
}

int shell_parse(const char *text, size_t size, ShellScript *ret) {
        ShellScript s = {};
        const char *nul = memchr(text, 0, size);
        Lexer l = { .p = text, .end = nul ? nul : text + size, .line = 1, .out = &s };
        lex(&l);
        strv_free(l.argv);
        for (size_t i = 0; i < l.n_heredocs; i++)
                free(l.heredoc[i]);
        if (l.error < 0) {
                shell_script_done(&s);
                return l.error;
        }
        *ret = s;
        return 0;
}

void shell_script_done(ShellScript *s) {
        for (size_t i = 0; i < s->n; i++)
                strv_free(s->commands[i].argv);
        free(s->commands);
        strv_free(s->functions);
        *s = (ShellScript) {};
}
