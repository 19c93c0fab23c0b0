/* SPDX-License-Identifier: MIT */
/* Issue 14: the version reader (patterns, near misses, a match across the chunk boundary, files
 * that are not regular) and the facts table (one row per measured fact of
 * tests/probe/RUNTIMES.md), the --system-store choice and the findings about ignored settings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "trust/rtfacts.h"
#include "trust/rtversion.h"

static const char *found(RtVersionKind k, const char *s, size_t n) {
        static RtVersion v;
        v = (RtVersion) {};
        return rtversion_find(k, s, n, &v) == 1 ? v.text : NULL;
}
#define FIND(k, lit) found(k, lit, sizeof(lit) - 1)

static void test_patterns(void **state) {
        assert_string_equal(FIND(RTV_NODE, "..https://nodejs.org/download/release/v22.19.0/node-v22.19.0.tar.gz\0.."), "22.19.0");
        assert_string_equal(FIND(RTV_NODE, "https://nodejs.org/download/release/v20.20.2/node-v20.20.2-headers.tar.gz\0"), "20.20.2");
        assert_string_equal(FIND(RTV_NODE, "https://nodejs.org/download/rc/v24.0.0-rc.1/node-v24.0.0-rc.1.tar.gz\0"), "24.0.0-rc.1");
        /* near misses: versions differ, no NUL, no channel, bad number */
        assert_null(FIND(RTV_NODE, "https://nodejs.org/download/release/v22.19.0/node-v22.19.1.tar.gz\0"));
        assert_null(FIND(RTV_NODE, "https://nodejs.org/download/release/v22.19.0/node-v22.19.0.tar.gzX"));
        assert_null(FIND(RTV_NODE, "https://nodejs.org/download//v22.19.0/node-v22.19.0.tar.gz\0"));
        assert_null(FIND(RTV_NODE, "https://nodejs.org/download/release/v22.1234567.0/node-v22.1234567.0.tar.gz\0"));
        /* the second of two candidates */
        assert_string_equal(FIND(RTV_NODE, "https://nodejs.org/download/release/vX https://nodejs.org/download/release/v26.12.1/node-v26.12.1.tar.gz\0"), "26.12.1");
        assert_string_equal(FIND(RTV_BUN, "Bun v1.4.5 (a1b2c3d4) Linux x64"), "1.4.5");
        assert_null(FIND(RTV_BUN, "Bun v1.4.5 (a1b2c) Linux x64"));
        assert_null(FIND(RTV_BUN, "Bun v1.4.5 (a1b2c3d4) Linux arm64"));
        assert_string_equal(FIND(RTV_DENO, "Deno/2.9.6Deno/2.9.6+1a2b3c4"), "2.9.6");
        assert_null(FIND(RTV_DENO, "Deno/2.9.6Deno/2.9.7+1a2b3c4"));
        assert_null(FIND(RTV_DENO, "Deno/2.9.6Deno/2.9.6+1a2b3"));
        assert_null(FIND(RTV_DENO, "Deno/2.9.6"));
        unsigned abi = 0;
        assert_int_equal(rtversion_find_libnode("\177ELF..\0libnode.so.115\0", 22, &abi), 1);
        assert_int_equal(abi, 115);
        assert_int_equal(rtversion_find_libnode("notelf\0libnode.so.115\0", 22, &abi), 0);
        assert_int_equal(rtversion_find_libnode("\177ELF..xlibnode.so.115\0", 22, &abi), 0);
}

/* A match that straddles a boundary between the scan's reads is found, with the reads growing
 * from RTVERSION_FIRST_CHUNK to RTVERSION_CHUNK; a FIFO is not read. */
static void scan_at(size_t at, size_t size) {
        char path[] = "/tmp/unit-tls-rtv.XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        static const char pat[] = "https://nodejs.org/download/release/v24.6.0/node-v24.6.0.tar.gz";
        char *buf = calloc(1, size);
        assert_non_null(buf);
        memcpy(buf + at, pat, sizeof(pat));  /* with its NUL */
        assert_int_equal(write(fd, buf, size), (ssize_t) size);
        RtVersion v = {};
        assert_int_equal(rtversion_scan_fd(RTV_NODE, fd, &v), 0);
        assert_true(v.known);
        assert_string_equal(v.text, "24.6.0");
        assert_int_equal(rtversion_scan_fd(RTV_BUN, fd, &v), 0);
        assert_false(v.known);
        close(fd);
        unlink(path);
        free(buf);
}

static void test_file_scan(void **state) {
        size_t first = RTVERSION_FIRST_CHUNK, second = first + 2 * first;  /* where reads 1 and 2 end */
        scan_at(first - 20, first + 4096);
        scan_at(second - 20, second + 4096);
        /* reads that reached RTVERSION_CHUNK: 64K, 128K, ..., 4M, 4M: the end of the first 4M one */
        size_t full = 0;
        for (size_t c = first; c < RTVERSION_CHUNK; c *= 2)
                full += c;
        full += RTVERSION_CHUNK;
        scan_at(full - 20, full + 4096);
        scan_at(full + RTVERSION_CHUNK - 20, full + RTVERSION_CHUNK + 4096);

        char path[] = "/tmp/unit-tls-rtv.XXXXXX";
        RtVersion v = {};
        int tfd = mkstemp(path);  /* a fresh name for the FIFO */
        assert_true(tfd >= 0);
        close(tfd);
        unlink(path);

        assert_int_equal(mkfifo(path, 0600), 0);
        assert_true(rtversion_read(RTV_NODE, NULL, path, &v) < 0);  /* opened O_NONBLOCK, not a regular file */
        unlink(path);
}

/* A minimal ELF64 file: `before` at offset 256 (outside any section), then a .rodata section
 * holding `inside` (may be NULL), then the section name table and headers. */
static int write_elf(const char *before, const char *inside) {
        char path[] = "/tmp/unit-tls-elf.XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        unlink(path);
        static const char names[] = "\0.rodata\0.shstrtab";
        size_t ro_off = 4096, ro_size = 1024, str_off = ro_off + ro_size, sh_off = str_off + sizeof(names);
        char *buf = calloc(1, sh_off + 3 * sizeof(Elf64_Shdr));
        assert_non_null(buf);
        Elf64_Ehdr *h = (Elf64_Ehdr *) buf;
        memcpy(h->e_ident, ELFMAG, SELFMAG);
        h->e_ident[EI_CLASS] = ELFCLASS64;
        h->e_ident[EI_DATA] = ELFDATA2LSB;
        h->e_shoff = sh_off;
        h->e_shentsize = sizeof(Elf64_Shdr);
        h->e_shnum = 3;
        h->e_shstrndx = 2;
        memcpy(buf + 256, before, strlen(before) + 1);
        if (inside)
                memcpy(buf + ro_off + 16, inside, strlen(inside) + 1);
        memcpy(buf + str_off, names, sizeof(names));
        Elf64_Shdr *sh = (Elf64_Shdr *) (buf + sh_off);
        sh[1] = (Elf64_Shdr) { .sh_name = 1, .sh_type = SHT_PROGBITS, .sh_offset = ro_off, .sh_size = ro_size };
        sh[2] = (Elf64_Shdr) { .sh_name = 9, .sh_type = SHT_STRTAB, .sh_offset = str_off, .sh_size = sizeof(names) };
        size_t size = sh_off + 3 * sizeof(Elf64_Shdr);
        assert_int_equal(write(fd, buf, size), (ssize_t) size);
        free(buf);
        return fd;
}

/* An ELF binary's .rodata is searched first (the banners are string literals); without a banner
 * there, the whole file is, as for any other file. */
static void test_rodata_first(void **state) {
        static const char v20[] = "https://nodejs.org/download/release/v20.1.0/node-v20.1.0.tar.gz";
        static const char v24[] = "https://nodejs.org/download/release/v24.6.0/node-v24.6.0.tar.gz";
        RtVersion v = {};
        int fd = write_elf(v20, v24);
        assert_int_equal(rtversion_scan_fd(RTV_NODE, fd, &v), 0);
        assert_true(v.known);
        assert_string_equal(v.text, "24.6.0");
        close(fd);
        fd = write_elf(v20, NULL);
        assert_int_equal(rtversion_scan_fd(RTV_NODE, fd, &v), 0);
        assert_true(v.known);
        assert_string_equal(v.text, "20.1.0");
        close(fd);
}

static RtVersion ver(const char *text) {
        RtVersion v = { .known = true };
        assert_int_equal(sscanf(text, "%u.%u.%u", &v.major, &v.minor, &v.patch), 3);
        snprintf(v.text, sizeof(v.text), "%s", text);
        return v;
}

/* Each row: runtime, version, fact, expected (1 holds, 0 not, -1 unknown). */
static void test_facts(void **state) {
        static const struct {
                Runtime r;
                const char *v;
                RtFact f;
                int want;
        } rows[] = {
                { RUNTIME_NODE, "20.20.2", RT_FACT_EXTRA_CA_CERTS, 1 },
                { RUNTIME_NODE, "20.20.2", RT_FACT_USE_SYSTEM_CA_ENV, 0 },
                { RUNTIME_NODE, "20.20.2", RT_FACT_USE_SYSTEM_CA_ACCEPTED, 0 },
                { RUNTIME_NODE, "22.14.0", RT_FACT_USE_SYSTEM_CA_OPTION, 0 },
                { RUNTIME_NODE, "22.15.0", RT_FACT_USE_SYSTEM_CA_OPTION, 1 },
                { RUNTIME_NODE, "22.15.0", RT_FACT_USE_SYSTEM_CA_ENV, 0 },
                { RUNTIME_NODE, "22.18.0", RT_FACT_USE_SYSTEM_CA_ENV, 0 },
                { RUNTIME_NODE, "22.19.0", RT_FACT_USE_SYSTEM_CA_ENV, 1 },
                { RUNTIME_NODE, "23.7.0", RT_FACT_USE_SYSTEM_CA_ACCEPTED, 0 },
                { RUNTIME_NODE, "23.8.0", RT_FACT_USE_SYSTEM_CA_ACCEPTED, 1 },
                { RUNTIME_NODE, "23.8.0", RT_FACT_USE_SYSTEM_CA_OPTION, 0 },
                { RUNTIME_NODE, "23.9.0", RT_FACT_USE_SYSTEM_CA_OPTION, 1 },
                { RUNTIME_NODE, "23.11.1", RT_FACT_USE_SYSTEM_CA_ENV, 0 },
                { RUNTIME_NODE, "24.5.0", RT_FACT_USE_SYSTEM_CA_ENV, 0 },
                { RUNTIME_NODE, "24.6.0", RT_FACT_USE_SYSTEM_CA_ENV, 1 },
                { RUNTIME_NODE, "25.0.0", RT_FACT_USE_SYSTEM_CA_ENV, 1 },
                { RUNTIME_NODE, "26.12.1", RT_FACT_USE_SYSTEM_CA_ENV, 1 },
                { RUNTIME_NODE, "18.20.4", RT_FACT_USE_SYSTEM_CA_ENV, -1 },  /* below what was measured */
                { RUNTIME_NODE, "26.12.1", RT_FACT_AT_SECURE, 1 },
                { RUNTIME_BUN, "1.2.0", RT_FACT_USE_SYSTEM_CA_ENV, 0 },
                { RUNTIME_BUN, "1.2.0", RT_FACT_EXTRA_CA_FIRST_ONLY, 1 },
                { RUNTIME_BUN, "1.2.23", RT_FACT_USE_SYSTEM_CA_ENV, 1 },
                { RUNTIME_BUN, "1.2.23", RT_FACT_EXTRA_CA_FIRST_ONLY, 0 },
                { RUNTIME_BUN, "1.3.0", RT_FACT_OS_STORE_DEFAULT, 0 },
                { RUNTIME_BUN, "1.4.5", RT_FACT_OS_STORE_DEFAULT, 1 },
                { RUNTIME_BUN, "1.4.5", RT_FACT_AT_SECURE, 0 },
                { RUNTIME_DENO, "2.0.0", RT_FACT_EXTRA_CA_PARTIAL, 1 },
                { RUNTIME_DENO, "2.5.0", RT_FACT_EXTRA_CA_CERTS, 0 },
                { RUNTIME_DENO, "2.5.0", RT_FACT_EXTRA_CA_PARTIAL, 0 },
                { RUNTIME_DENO, "2.8.0", RT_FACT_EXTRA_CA_CERTS, 1 },
                { RUNTIME_DENO, "2.0.0", RT_FACT_DENO_TLS_CA_STORE, 1 },
                { RUNTIME_DENO, "1.46.0", RT_FACT_DENO_TLS_CA_STORE, -1 },
        };
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                RtVersion v = ver(rows[i].v);
                int got = rt_fact(rows[i].r, &v, rows[i].f);
                if (got != rows[i].want)
                        fail_msg("%s %s %s: got %d, want %d", runtime_to_string(rows[i].r), rows[i].v,
                                 rt_fact_to_string(rows[i].f), got, rows[i].want);
        }
        RtVersion unknown = {};
        assert_int_equal(rt_fact(RUNTIME_NODE, &unknown, RT_FACT_USE_SYSTEM_CA_ENV), -1);
        assert_int_equal(rt_fact(RUNTIME_NODE, &unknown, RT_FACT_EXTRA_CA_CERTS), 1);  /* every Node */
        RtVersion deb = ver("20.19.2");
        deb.shared_libnode = true;
        assert_int_equal(rt_fact(RUNTIME_NODE, &deb, RT_FACT_OS_STORE_DEFAULT), 1);
        assert_int_equal(rt_fact(RUNTIME_NODE, &deb, RT_FACT_USE_SYSTEM_CA_ENV), 0);
        for (size_t i = 0; i < rt_fact_table_n; i++)
                assert_true(rt_fact_table[i].source && strstr(rt_fact_table[i].source, "RUNTIMES.md"));
}

static const char *store(Runtime r, const char *v) {
        static char out[256];
        RuntimeInfo rt = { .runtime = r };
        if (v)
                rt.version = ver(v);
        const char *name = NULL, *value = NULL;
        char *why = NULL;
        int k = rt_system_store_setting(&rt, "app.service", &name, &value, &why);
        if (k == 0)
                snprintf(out, sizeof(out), "%s=%s", name, value);
        else
                snprintf(out, sizeof(out), "refused");
        free(why);
        return out;
}

static void test_system_store(void **state) {
        assert_string_equal(store(RUNTIME_NODE, "20.20.2"), "refused");
        assert_string_equal(store(RUNTIME_NODE, "22.15.0"), "refused");
        assert_string_equal(store(RUNTIME_NODE, "22.18.0"), "refused");
        assert_string_equal(store(RUNTIME_NODE, "22.19.0"), "NODE_USE_SYSTEM_CA=1");
        assert_string_equal(store(RUNTIME_NODE, "24.5.0"), "refused");
        assert_string_equal(store(RUNTIME_NODE, "24.6.0"), "NODE_USE_SYSTEM_CA=1");
        assert_string_equal(store(RUNTIME_NODE, NULL), "refused");
        assert_string_equal(store(RUNTIME_BUN, "1.2.23"), "NODE_USE_SYSTEM_CA=1");
        assert_string_equal(store(RUNTIME_DENO, "2.5.0"), "DENO_TLS_CA_STORE=mozilla,system");
        assert_string_equal(store(RUNTIME_DENO, NULL), "refused");
        assert_string_equal(store(RUNTIME_UNKNOWN, NULL), "refused");
}

/* The worst severity rt_env_notes() gives for one assignment (-1: none). */
static int worst(Runtime r, const char *v, const char *assignment) {
        RuntimeInfo rt = { .runtime = r };
        if (v)
                rt.version = ver(v);
        EnvList env = {};
        RtNotes n = {};
        assert_true(env_list_set(&env, assignment, "test:1") >= 0);
        assert_int_equal(rt_env_notes(&rt, &env, NULL, 0, "app.service", &n), 0);
        int w = -1;
        for (size_t i = 0; i < n.n; i++)
                w = MAX(w, n.items[i].severity);
        rt_notes_done(&n);
        env_list_done(&env);
        return w;
}

static void test_notes(void **state) {
        assert_int_equal(worst(RUNTIME_NODE, "20.20.2", "NODE_USE_SYSTEM_CA=1"), 2);
        assert_int_equal(worst(RUNTIME_NODE, "22.19.0", "NODE_USE_SYSTEM_CA=1"), -1);
        assert_int_equal(worst(RUNTIME_NODE, NULL, "NODE_USE_SYSTEM_CA=1"), 0);     /* unknown: info only */
        assert_int_equal(worst(RUNTIME_NODE, "20.20.2", "NODE_OPTIONS=--use-system-ca"), 2);
        assert_int_equal(worst(RUNTIME_NODE, "22.15.0", "NODE_OPTIONS=--use-system-ca"), -1);
        assert_int_equal(worst(RUNTIME_NODE, "24.22.3", "DENO_CERT=/x.pem"), 1);
        assert_int_equal(worst(RUNTIME_DENO, "2.5.0", "NODE_EXTRA_CA_CERTS=/x.pem"), 2);
        assert_int_equal(worst(RUNTIME_DENO, "2.0.0", "NODE_EXTRA_CA_CERTS=/x.pem"), 1);
        assert_int_equal(worst(RUNTIME_DENO, "2.9.6", "NODE_EXTRA_CA_CERTS=/x.pem"), -1);
        assert_int_equal(worst(RUNTIME_DENO, NULL, "NODE_EXTRA_CA_CERTS=/x.pem"), 0);
        assert_int_equal(worst(RUNTIME_DENO, "2.9.6", "NODE_USE_SYSTEM_CA=1"), 2);
        assert_int_equal(worst(RUNTIME_BUN, "1.4.5", "NODE_OPTIONS=--use-system-ca"), 2);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_patterns),
                cmocka_unit_test(test_file_scan),
                cmocka_unit_test(test_rodata_first),
                cmocka_unit_test(test_facts),
                cmocka_unit_test(test_system_store),
                cmocka_unit_test(test_notes),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
