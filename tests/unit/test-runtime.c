/* SPDX-License-Identifier: MIT */
/* The shell-command scanner (trust/shell) and the runtime names (trust/runtime). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "trust/runtime.h"
#include "trust/shell.h"

/* The commands of text as "word word|word ..." (commands separated by '|'). */
static char *commands_of(const char *text, bool *truncated) {
        ShellScript s = {};
        assert_int_equal(shell_parse(text, strlen(text), &s), 0);
        Buf b = {};
        buf_put(&b, "", 0);
        for (size_t i = 0; i < s.n; i++) {
                if (i)
                        buf_putc(&b, '|');
                for (char **a = s.commands[i].argv; *a; a++)
                        buf_printf(&b, "%s%s", a == s.commands[i].argv ? "" : " ", *a);
        }
        if (truncated)
                *truncated = s.truncated;
        shell_script_done(&s);
        return buf_steal(&b);
}

static void test_commands(void **state) {
        static const struct {
                const char *text, *want;
        } rows[] = {
                /* the corpus's wrappers */
                { "#!/usr/bin/env bash\n# comment\nnode apps/nextjs/server.js &\n", "node apps/nextjs/server.js" },
                { "dumb-init -- node build/index.js $@ &\n", "dumb-init -- node build/index.js $@" },
                { "cd /opt/wanderer/source/web && node build &\n", "cd /opt/wanderer/source/web|node build" },
                { "#!/bin/sh\nbasedir=$(dirname \"$(echo \"$0\" | sed -e 's,\\\\,/,g')\")\n"
                  "export NODE_PATH=\"$basedir/../.pnpm/node_modules\"\n"
                  "if [ -x \"$basedir/node\" ]; then\n  exec \"$basedir/node\"  \"$basedir/../tsx/dist/cli.mjs\" \"$@\"\n"
                  "else\n  exec node  \"$basedir/../tsx/dist/cli.mjs\" \"$@\"\nfi\n",
                  "export NODE_PATH=$basedir/../.pnpm/node_modules|[ -x $basedir/node ]|"
                  "exec $basedir/node $basedir/../tsx/dist/cli.mjs $@|exec node $basedir/../tsx/dist/cli.mjs $@" },
                /* lists, pipelines, subshells, groups */
                { "a; b && c || d | e |& f", "a|b|c|d|e|f" },
                { "(cd /x; node y) | tee log", "cd /x|node y|tee log" },
                { "{ node x; }", "node x" },
                { "! python3 -c 1", "python3 -c 1" },
                /* assignments and redirections are not commands or words */
                { "FOO=1 BAR='a b' node x", "node x" },
                { "A=1\nB=$(node -v)\n", "" },
                { "node app.js > /var/log/x 2>&1 </dev/null &", "node app.js" },
                { "node a >>log 2>>err &>all &>>all2 >|f <>g 3<&0", "node a" },
                { "cat <<EOF\nnode x\nEOF\npython3 y\n", "cat|python3 y" },
                { "cat <<-'E' > f\n\tnode x\n\tE\nruby y\n", "cat|ruby y" },
                { "cat << A <<B\nnode 1\nA\nnode 2\nB\njava z\n", "cat|java z" },
                { "tr a b <<< \"node\"", "tr a b" },
                { "diff <(node a) >(node b) c", "diff c" },
                /* reserved words, loops, case, functions, tests */
                { "if true; then node x; elif y; then z; else w; fi", "true|node x|y|z|w" },
                { "while read l; do echo $l; done < f", "read l|echo $l" },
                { "for i in 1 2 3; do echo $i; done", "echo $i" },
                { "case \"$1\" in\n start|run) exec node server.js ;;\n (*) echo usage ;;\nesac\nruby z",
                  "exec node server.js|echo usage|ruby z" },
                { "case x in a) b;; esac; c", "b|c" },
                { "start() {\n  node x\n}\nstart\n", "node x|start" },
                { "function go { node y; }\ngo", "node y|go" },
                { "if [[ -f a && ! -x b || $c < d ]]; then python3 c; fi", "python3 c" },
                { "((n++))\nnode x", "node x" },
                { "args=(a b c)\nnode \"${args[@]}\"", "node ${args[@]}" },
                /* quoting */
                { "echo a # node b\n", "echo a" },
                { "echo a#b", "echo a#b" },
                { "sh -c 'exec node \"x y\"'", "sh -c exec node \"x y\"" },
                { "n\\ode x \"a\\\"b\" 'c\\d' $'e\\'f'", "node x a\"b c\\d $'e\\'f'" },
                { "node \\\n  app.js", "node app.js" },
                { "echo \"multi\nline\" `date` $(x \"$(y)\") ${v:-z}", "echo multi\nline `date` $(x \"$(y)\") ${v:-z}" },
                /* broken input ends the script, never more */
                { "node \"abc", "node abc" },
                { "node 'abc", "node abc" },
                { "echo $(unclosed", "echo $(unclosed" },
                { "cat <<EOF\nnode x\n", "cat" },
                { ")))((( ;;; &&& |||", "" },
                { "", "" },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_free_ char *got = commands_of(rows[i].text, NULL);
                if (!streq(got, rows[i].want))
                        print_error("row %zu: %s\n got: %s\nwant: %s\n", i, rows[i].text, got, rows[i].want);
                assert_string_equal(got, rows[i].want);
        }
}

static void test_functions(void **state) {
        const char *text = "start() { node x; }\nfunction stop { kill 1; }\nf ( ) (g)\nstart\n";
        ShellScript s = {};
        assert_int_equal(shell_parse(text, strlen(text), &s), 0);
        assert_int_equal(strv_length(s.functions), 3);
        assert_string_equal(s.functions[0], "start");
        assert_string_equal(s.functions[1], "stop");
        assert_string_equal(s.functions[2], "f");
        shell_script_done(&s);
}

static void test_lines(void **state) {
        const char *text = "#!/bin/sh\n# two\necho \"a\nb\"\ncat <<X\n1\nX\nnode \\\n x; ruby\n";
        ShellScript s = {};
        assert_int_equal(shell_parse(text, strlen(text), &s), 0);
        assert_int_equal(s.n, 4);
        assert_int_equal(s.commands[0].line, 3);
        assert_int_equal(s.commands[1].line, 5);
        assert_string_equal(s.commands[2].argv[0], "node");
        assert_int_equal(s.commands[2].line, 8);
        assert_int_equal(s.commands[3].line, 9);
        shell_script_done(&s);
}

static void test_limits(void **state) {
        /* more commands than kept: truncated, the first ones there */
        Buf b = {};
        for (int i = 0; i < SHELL_COMMANDS_MAX + 10; i++)
                buf_puts(&b, "echo x\n");
        bool truncated = false;
        _cleanup_free_ char *text = buf_steal(&b);
        _cleanup_free_ char *got = commands_of(text, &truncated);
        assert_true(truncated);
        assert_true(startswith(got, "echo x|echo x|"));

        /* a word longer than kept, and deep nesting: cut, never a crash */
        _cleanup_free_ char *word = malloc(SHELL_WORD_MAX * 2 + 1);
        memset(word, 'a', SHELL_WORD_MAX * 2);
        word[SHELL_WORD_MAX * 2] = 0;
        _cleanup_free_ char *got2 = commands_of(word, &truncated);
        assert_true(truncated);
        assert_int_equal(strlen(got2), SHELL_WORD_MAX);
        Buf d = {};
        for (int i = 0; i < 10000; i++)
                buf_puts(&d, "\"$(");
        _cleanup_free_ char *deep = buf_steal(&d);
        _cleanup_free_ char *got3 = commands_of(deep, NULL);
        assert_non_null(got3);

        /* a NUL ends the text */
        ShellScript s = {};
        assert_int_equal(shell_parse("node x\0python y", 15, &s), 0);
        assert_int_equal(s.n, 1);
        shell_script_done(&s);
}

static void test_assignment(void **state) {
        assert_true(shell_is_assignment("A=1"));
        assert_true(shell_is_assignment("_a9="));
        assert_true(shell_is_assignment("PATH+=:/x"));
        assert_false(shell_is_assignment("9A=1"));
        assert_false(shell_is_assignment("=1"));
        assert_false(shell_is_assignment("node"));
        assert_false(shell_is_assignment("a-b=1"));
}

static void test_names(void **state) {
        static const struct {
                const char *name;
                Runtime r;
                const char *other;
        } rows[] = {
                { "node", RUNTIME_NODE, NULL },     { "nodejs", RUNTIME_NODE, NULL },  { "node20", RUNTIME_NODE, NULL },
                { "nodejs18", RUNTIME_NODE, NULL }, { "npm", RUNTIME_NODE, NULL },     { "pnpm", RUNTIME_NODE, NULL },
                { "yarn", RUNTIME_NODE, NULL },     { "tsx", RUNTIME_NODE, NULL },     { "pm2-runtime", RUNTIME_NODE, NULL },
                { "bun", RUNTIME_BUN, NULL },       { "bunx", RUNTIME_BUN, NULL },     { "deno", RUNTIME_DENO, NULL },
                { "python3", RUNTIME_UNKNOWN, "Python" }, { "python3.11", RUNTIME_UNKNOWN, "Python" },
                { "java", RUNTIME_UNKNOWN, "Java" }, { "php8.2", RUNTIME_UNKNOWN, "PHP" },
                { "php-fpm8.2", RUNTIME_UNKNOWN, "PHP" }, { "gunicorn", RUNTIME_UNKNOWN, "Python" },
                { "nodemon-ish", RUNTIME_UNKNOWN, NULL }, { "node-red", RUNTIME_UNKNOWN, NULL },
                { "pythonista", RUNTIME_UNKNOWN, NULL }, { "javac2", RUNTIME_UNKNOWN, NULL },
                { "", RUNTIME_UNKNOWN, NULL },      { "sh", RUNTIME_UNKNOWN, NULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                if (runtime_of_name(rows[i].name) != rows[i].r || !streq_ptr(runtime_other_of_name(rows[i].name), rows[i].other))
                        print_error("%s\n", rows[i].name);
                assert_int_equal(runtime_of_name(rows[i].name), rows[i].r);
                assert_true(streq_ptr(runtime_other_of_name(rows[i].name), rows[i].other));
        }
        assert_string_equal(runtime_to_string(RUNTIME_OTHER), "other");
        assert_string_equal(runtime_to_string(RUNTIME_UNKNOWN), "unknown");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_commands),
                cmocka_unit_test(test_functions),
                cmocka_unit_test(test_lines),
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_assignment),
                cmocka_unit_test(test_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
