/* SPDX-License-Identifier: MIT */
/* The script reader: trust/shell's scanner and runtime_detect() following ExecStart= through
 * shell scripts, on scripts the input writes.
 *
 * Input: SCRIPT 0xFF NESTED 0xFF STRING (missing parts are empty). In one temporary root per
 * process:
 *   opt/w/run.sh    SCRIPT (0755), ExecStart= of the first command
 *   opt/w/next.sh   NESTED (0755), for SCRIPT to run (./next.sh, sh next.sh, . next.sh ...)
 *   opt/w/fifo      a FIFO, opt/w/zero -> /dev/zero, opt/w/up -> ../../.. (never followed out)
 *   usr/bin/node    a stand-in, so that names resolve
 * The unit: WorkingDirectory=/opt/w, ExecStart=/opt/w/run.sh, ExecStart=/bin/sh -c STRING.
 * Properties: the scanner keeps its limits; detection returns 0 with a runtime, a one-line
 * printable "how", and the evidence its verdict needs. A hang is a libFuzzer timeout. */
#include <ftw.h>
#include <sys/stat.h>

#include "fuzz-common.h"
#include "trust/runtime.h"
#include "trust/shell.h"

volatile size_t fuzz_sink;

static char root[] = "/tmp/fuzz-wrapper.XXXXXX";
static pid_t owner;

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st;
        (void) flag;
        (void) ftw;
        remove(p);
        return 0;
}

static void cleanup(void) {
        if (getpid() == owner)
                nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *at(const char *rel) {
        char *p = xasprintf("%s/%s", root, rel);
        FUZZ_CHECK(p);
        return p;
}

static void put(const char *rel, const char *data, size_t n) {
        char *p = at(rel);
        FILE *f = fopen(p, "we");
        FUZZ_CHECK(f);
        FUZZ_CHECK(fwrite(data, 1, n, f) == n || n == 0);
        FUZZ_CHECK(fclose(f) == 0);
        FUZZ_CHECK(chmod(p, 0755) == 0);
        free(p);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
        (void) argc;
        (void) argv;
        FUZZ_CHECK(mkdtemp(root));
        owner = getpid();
        atexit(cleanup);
        const char *dirs[] = { "opt", "opt/w", "usr", "usr/bin", "bin" };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                char *d = at(dirs[i]);
                FUZZ_CHECK(mkdir(d, 0755) == 0);
                free(d);
        }
        put("usr/bin/node", "#!/bin/sh\n", 10);
        put("bin/sh", "\177ELF", 4);
        char *fifo = at("opt/w/fifo"), *zero = at("opt/w/zero"), *up = at("opt/w/up");
        FUZZ_CHECK(mkfifo(fifo, 0755) == 0);
        FUZZ_CHECK(symlink("/dev/zero", zero) == 0);
        FUZZ_CHECK(symlink("../../..", up) == 0);
        free(fifo);
        free(zero);
        free(up);
        return 0;
}

static void check_scan(const char *text, size_t size) {
        ShellScript s = {};
        FUZZ_CHECK(shell_parse(text, size, &s) == 0);
        FUZZ_CHECK(s.n <= SHELL_COMMANDS_MAX);
        unsigned last = 1;
        for (size_t i = 0; i < s.n; i++) {
                char **a = s.commands[i].argv;
                FUZZ_CHECK(a && a[0]);
                FUZZ_CHECK(strv_length(a) <= SHELL_WORDS_MAX);
                FUZZ_CHECK(s.commands[i].line >= last);
                last = s.commands[i].line;
                for (; *a; a++)
                        FUZZ_CHECK(strlen(*a) <= SHELL_WORD_MAX && fuzz_touch(*a) != (size_t) -1);
        }
        shell_script_done(&s);
}

static void check_detect(const char *string) {
        LookupPaths lp = {};
        FUZZ_CHECK(lookup_paths_init(&lp, SCOPE_SYSTEM, root, 0) == 0);
        char *argv0[] = { "/opt/w/run.sh", NULL };
        char *argv1[] = { "/bin/sh", "-c", (char *) string, NULL };
        ExecCommand cmds[] = {
                { .argv = argv0, .path = argv0[0], .source = "fz.service:3" },
                { .argv = argv1, .path = argv1[0], .source = "fz.service:4" },
        };
        Unit u = { .load_state = LOAD_LOADED, .is_service = true, .exec_start = cmds, .n_exec_start = 2,
                   .working_directory = { .value = "/opt/w", .source = "fz.service:2" } };
        ServiceCred cred = { .user = "root", .home = "/root", .known = true };
        RuntimeInfo rt = {};
        FUZZ_CHECK(runtime_detect(&lp, &u, &cred, &rt) == 0);
        FUZZ_CHECK(rt.runtime <= RUNTIME_OTHER && rt.how);
        FUZZ_CHECK(!strchr(rt.how, '\n') && startswith(rt.how, "ExecStart= runs "));
        for (const char *p = rt.how; *p; p++)
                FUZZ_CHECK((unsigned char) *p >= 0x20 && *p != 0x7f);
        FUZZ_CHECK((rt.runtime == RUNTIME_OTHER) == (rt.other != NULL));
        if (rt.binary)
                FUZZ_CHECK(startswith(rt.binary, root));
        fuzz_sink += fuzz_touch(rt.how) + fuzz_touch(rt.binary) + fuzz_touch(runtime_to_string(rt.runtime));
        runtime_info_done(&rt);
        lookup_paths_done(&lp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *part[3];
        size_t len[3];
        fuzz_split(data, size, 0xff, part, len, 3);
        const char *script = part[0] ? part[0] : "", *nested = part[1] ? part[1] : "";
        const char *string = part[2] ? part[2] : "";

        check_scan((const char *) data, size);
        check_scan(script, len[0]);
        put("opt/w/run.sh", script, len[0]);
        put("opt/w/next.sh", nested, len[1]);
        check_detect(string);

        for (size_t i = 0; i < 3; i++)
                free(part[i]);
        return 0;
}
