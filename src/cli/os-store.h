/* SPDX-License-Identifier: MIT */
#pragma once

/* The seed's trap (issue 14): the CA a server needs is in the operating system's store
 * (the .crt files under /usr/local/share/ca-certificates, gathered into /etc/ssl/certs/ca-certificates.crt by
 * update-ca-certificates), so curl and openssl trust the server, but Node.js's bundled roots do
 * not have it and Node reads the OS store only when asked. Read under --root inside the root. */

#include "cli/cli.h"
#include "tls/probe.h"

typedef struct OsStoreHit {
        char *file;      /* the store file holding the CA, as the target sees it */
        char *subject;
} OsStoreHit;

/* 1 with *ret when the probed server's CA is in the OS store: the root public_ verified with
 * is one of the local CA files, or the issuer the server lacks is in a local file or the OS
 * bundle. 0 when not, -ENOMEM. */
int os_store_find(const LookupPaths *lp, const ProbeFacts *f, const ProbeDecision *d, OsStoreHit *ret);
void os_store_hit_done(OsStoreHit *h);

/* One paragraph naming both fixes: --ca FILE for any version, --system-store where the
 * runtime's version honours it. unit may be NULL ("UNIT"). */
char *os_store_advice(const OsStoreHit *h, const char *unit);
