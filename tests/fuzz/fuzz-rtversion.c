/* SPDX-License-Identifier: MIT */
/* The runtime version reader on hostile bytes (a binary of an image tree is data, never run).
 * Input: any bytes. Properties: rtversion_find() for each kind and rtversion_find_libnode()
 * never read outside the input; a version found is "X.Y.Z..." of at most RTVERSION_TEXT_MAX
 * bytes whose numbers match its text; the chunked file scan (rtversion_scan_fd() over a memfd)
 * finds the same version as the in-memory search. */
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz-common.h"
#include "trust/rtversion.h"

static void check_version(const RtVersion *v) {
        FUZZ_CHECK(v->known);
        FUZZ_CHECK(strlen(v->text) <= RTVERSION_TEXT_MAX);
        char head[32];
        snprintf(head, sizeof(head), "%u.%u.%u", v->major, v->minor, v->patch);
        FUZZ_CHECK(strncmp(v->text, head, strlen(head)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* an exact-size heap copy: ASan sees any read past the end */
        char *buf = malloc(size ? size : 1);
        if (!buf)
                abort();
        memcpy(buf, data, size);
        int fd = memfd_create("rtversion", MFD_CLOEXEC);
        if (fd >= 0 && write(fd, buf, size) != (ssize_t) size) {
                close(fd);
                fd = -1;
        }
        for (RtVersionKind k = RTV_NODE; k <= RTV_DENO; k++) {
                RtVersion v = {}, w = {};
                int r = rtversion_find(k, buf, size, &v);
                FUZZ_CHECK(r == 0 || r == 1);
                if (r == 1)
                        check_version(&v);
                if (fd >= 0) {
                        FUZZ_CHECK(rtversion_scan_fd(k, fd, &w) == 0);
                        FUZZ_CHECK(w.known == (r == 1));
                        if (r == 1)
                                FUZZ_CHECK(streq(v.text, w.text));
                }
        }
        unsigned abi = 0;
        FUZZ_CHECK(rtversion_find_libnode(buf, size, &abi) >= 0);
        if (fd >= 0)
                close(fd);
        free(buf);
        return 0;
}
