/* SPDX-License-Identifier: MIT */
#pragma once

/* A JavaScript runtime's version, read from the bytes of its file: never by running it (the
 * binary may belong to an image tree, or be hostile). The patterns are the ones measured in
 * tests/probe/RUNTIMES.md ("Version from the bytes"):
 *   node: https://nodejs.org/download/<channel>/v<V>/node-v<V>[-headers].tar.gz\0
 *         (process.release, compiled into every release build; a dynamically linked node such as
 *         Debian's /usr/bin/node has it in the libnode.so.<ABI> it links)
 *   bun:  Bun v<V> (<hex>) Linux x64
 *   deno: Deno/<V>Deno/<V>+<hex>
 * The scan is bounded: at most RTVERSION_MAX_BYTES read, at most RTVERSION_MAX_MS spent, and a
 * file that is not a regular file is not read; anything else gives "unknown". */

#include "basic/util.h"

#define RTVERSION_MAX_BYTES (512u * 1024 * 1024)
#define RTVERSION_MAX_MS 3000
#define RTVERSION_CHUNK (4u * 1024 * 1024)
/* The first read is this small and each next one twice the last, up to RTVERSION_CHUNK: a banner
 * near where the scan starts costs a few reads of kilobytes, not one of megabytes. */
#define RTVERSION_FIRST_CHUNK (64u * 1024)
#define RTVERSION_TEXT_MAX 40          /* longest version text accepted, e.g. "22.19.0-rc.1" */
#define RTVERSION_LAUNCHER_MAX (4u * 1024 * 1024)  /* a node that links libnode is small */

typedef enum RtVersionKind {
        RTV_NODE,
        RTV_BUN,
        RTV_DENO,
} RtVersionKind;

typedef struct RtVersion {
        bool known;
        unsigned major, minor, patch;
        char text[RTVERSION_TEXT_MAX + 1];  /* as found, e.g. "24.6.0" */
        bool shared_libnode;                /* node links libnode.so.N (Debian's nodejs) */
        unsigned libnode_abi;               /* that N, when shared_libnode */
} RtVersion;

/* Encodes a version for comparisons: RT_V(22, 19, 0). */
#define RT_V(a, b, c) ((unsigned) (a) * 1000000u + (unsigned) (b) * 1000u + (unsigned) (c))
static inline unsigned rtversion_code(const RtVersion *v) {
        return v->known ? RT_V(v->major, v->minor, v->patch) : 0;
}

/* Pure: the first match of kind's pattern in data. 1 found (*ret filled), 0 not found. */
int rtversion_find(RtVersionKind kind, const char *data, size_t size, RtVersion *ret);

/* The libnode.so.N a small dynamically linked node names (the DT_NEEDED string in its .dynstr):
 * 1 with *ret_abi, 0 when there is none. Pure. */
int rtversion_find_libnode(const char *data, size_t size, unsigned *ret_abi);

/* Scans the file at host_path (already resolved under root). For node, a small file that links
 * libnode.so.N is followed to that library, looked up in the usual library directories under
 * root (NULL: the host). 0 with *ret filled (known may be false); -errno when the file cannot
 * be opened or read. Remembers answers per file identity for the life of the process. */
int rtversion_read(RtVersionKind kind, const char *root, const char *host_path, RtVersion *ret);

/* Scans an open file descriptor (a regular file), bounded as above. 0 or -errno. */
int rtversion_scan_fd(RtVersionKind kind, int fd, RtVersion *ret);
