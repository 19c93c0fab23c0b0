/* SPDX-License-Identifier: MIT */
/* fresh_write_at(): the generator's way of making its files in a fresh output directory. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fs.h"
#include "basic/writer.h"

typedef struct Dir {
        char path[64];
        int fd;
} Dir;

static int dir_setup(void **state) {
        Dir *d = calloc(1, sizeof(Dir));
        assert_non_null(d);
        strcpy(d->path, "/tmp/test-writer.XXXXXX");
        assert_non_null(mkdtemp(d->path));
        d->fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(d->fd >= 0);
        *state = d;
        return 0;
}

static int dir_teardown(void **state) {
        Dir *d = *state;
        char cmd[128];
        close(d->fd);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
        assert_int_equal(system(cmd), 0);
        free(d);
        return 0;
}

static char *read_at(int dfd, const char *rel) {
        int fd = openat(dfd, rel, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        char *data = NULL;
        int r = read_fd_limited(fd, 1 << 20, &data, NULL);
        close(fd);
        return r < 0 ? NULL : data;
}

static mode_t mode_at(int dfd, const char *rel) {
        struct stat st;
        assert_int_equal(fstatat(dfd, rel, &st, AT_SYMLINK_NOFOLLOW), 0);
        return st.st_mode & 07777;
}

/* A new file in a new subdirectory, with its mode exactly, whatever the umask. */
static void test_creates(void **state) {
        Dir *d = *state;
        mode_t old = umask(077);
        assert_int_equal(fresh_write_at(d->fd, "a.service.d/50-x.conf", "[Service]\n", 0644), 0);
        umask(old);
        _cleanup_free_ char *got = read_at(d->fd, "a.service.d/50-x.conf");
        assert_non_null(got);
        assert_string_equal(got, "[Service]\n");
        assert_int_equal(mode_at(d->fd, "a.service.d/50-x.conf"), 0644);
}

/* A second run into the same directory replaces the file; a file without a subdirectory too. */
static void test_replaces(void **state) {
        Dir *d = *state;
        assert_int_equal(fresh_write_at(d->fd, "b.service.d/50-x.conf", "one\n", 0644), 0);
        assert_int_equal(fresh_write_at(d->fd, "b.service.d/50-x.conf", "two\n", 0644), 0);
        _cleanup_free_ char *got = read_at(d->fd, "b.service.d/50-x.conf");
        assert_non_null(got);
        assert_string_equal(got, "two\n");
        assert_int_equal(fresh_write_at(d->fd, "top.pem", "pem\n", 0644), 0);
        assert_int_equal(fresh_write_at(d->fd, "top.pem", "pem2\n", 0644), 0);
        _cleanup_free_ char *top = read_at(d->fd, "top.pem");
        assert_non_null(top);
        assert_string_equal(top, "pem2\n");
}

/* A subdirectory that is a symlink is never followed: nothing is written where it points. */
static void test_no_symlink_followed(void **state) {
        Dir *d = *state;
        assert_int_equal(mkdirat(d->fd, "elsewhere", 0755), 0);
        assert_int_equal(symlinkat("elsewhere", d->fd, "c.service.d"), 0);
        assert_true(fresh_write_at(d->fd, "c.service.d/50-x.conf", "x\n", 0644) < 0);
        assert_int_equal(faccessat(d->fd, "elsewhere/50-x.conf", F_OK, AT_SYMLINK_NOFOLLOW), -1);
        /* a planted symlink as the file itself is replaced, not written through */
        assert_int_equal(mkdirat(d->fd, "d.service.d", 0755), 0);
        assert_int_equal(symlinkat("../elsewhere/target", d->fd, "d.service.d/50-x.conf"), 0);
        assert_int_equal(fresh_write_at(d->fd, "d.service.d/50-x.conf", "y\n", 0644), 0);
        assert_int_equal(faccessat(d->fd, "elsewhere/target", F_OK, AT_SYMLINK_NOFOLLOW), -1);
        struct stat st;
        assert_int_equal(fstatat(d->fd, "d.service.d/50-x.conf", &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISREG(st.st_mode));
        _cleanup_free_ char *got = read_at(d->fd, "d.service.d/50-x.conf");
        assert_non_null(got);
        assert_string_equal(got, "y\n");
}

/* A failed write leaves no file behind. */
static void test_failed_write_leaves_nothing(void **state) {
        Dir *d = *state;
        setenv("UNIT_TLS_TEST_FAIL_AT", "write", 1);
        int r = fresh_write_at(d->fd, "e.service.d/50-x.conf", "z\n", 0644);
        unsetenv("UNIT_TLS_TEST_FAIL_AT");
        assert_true(r < 0);
        assert_int_equal(faccessat(d->fd, "e.service.d/50-x.conf", F_OK, AT_SYMLINK_NOFOLLOW), -1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_creates, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(test_replaces, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(test_no_symlink_followed, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(test_failed_write_leaves_nothing, dir_setup, dir_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
