/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <sys/stat.h>

#include "config.h"
#include "cli/cli.h"
#include "systemd/unit-name.h"
#include "systemd/version.h"
#include "tls/ca-check.h"

static void help(void) {
        printf("Usage:\n"
               "  unit-tls [OPTIONS] set UNIT... --ca FILE [--ca FILE...]\n"
               "  unit-tls [OPTIONS] set UNIT... --system-store\n"
               "  unit-tls [OPTIONS] set UNIT... --insecure\n"
               "  unit-tls [OPTIONS] unset UNIT...\n"
               "  unit-tls [OPTIONS] status [UNIT...]\n"
               "  unit-tls [OPTIONS] audit\n"
               "  unit-tls [OPTIONS] probe URL [--ca FILE...]\n"
               "  unit-tls [OPTIONS] apply\n"
               "\n"
               "Make services under systemd trust the TLS certificates they must trust:\n"
               "writes <unit>.d/tls.conf with NODE_EXTRA_CA_CERTS, checked, and tells the truth.\n"
               "\n"
               "Options:\n"
               "      --ca FILE           PEM file of CA certificates to trust (repeatable; several\n"
               "                          become one bundle)\n"
               "      --url URL           with set: probe the server the service talks to and\n"
               "                          plan from the answer\n"
               "      --system-store      with set: trust what the OS trusts (NODE_USE_SYSTEM_CA=1,\n"
               "                          Deno: DENO_TLS_CA_STORE=mozilla,system) where the\n"
               "                          service's runtime version honours it\n"
               "      --insecure          last resort: NODE_TLS_REJECT_UNAUTHORIZED=0 (disables all\n"
               "                          certificate checks); cannot be combined with --ca\n"
               "      --dry-run           show the diff and the actions; change nothing\n"
               "      --root=DIR          operate on an OS tree (image, chroot); nothing is applied\n"
               "      --user              the calling user's service manager\n"
               "      --runtime           write under /run (gone at reboot)\n"
               "      --drop-in=NAME      drop-in file name (default tls.conf)\n"
               "      --systemd-version=N read units by the rules of systemd N (252...257); default:\n"
               "                          the version installed in the root or on this host\n"
               "      --no-reload         write only: no daemon-reload, no restart\n"
               "      --no-restart        reload, but leave running processes as they are\n"
               "      --no-rollback       on a failed restart, keep the new file\n"
               "      --force             take over a drop-in unit-tls did not write; accept\n"
               "                          warning-level risks (never a private key)\n"
               "      --no-ask-password   no interactive polkit authorization\n"
               "      --json              one JSON document on stdout\n"
               "  -q, --quiet             errors only\n"
               "  -h, --help              show this help\n"
               "      --version           show the version\n"
               "\n"
               "Exit status: 0 success, 1 runtime failure (or findings for status and audit),\n"
               "2 bad usage or refused input (nothing changed).\n"
               "See unit-tls(8).\n");
}

enum {
        OPT_CA = 0x100, OPT_URL, OPT_INSECURE, OPT_DRY_RUN, OPT_ROOT, OPT_USER, OPT_RUNTIME,
        OPT_DROP_IN, OPT_NO_RELOAD, OPT_NO_RESTART, OPT_NO_ROLLBACK, OPT_FORCE,
        OPT_NO_ASK_PASSWORD, OPT_JSON, OPT_VERSION, OPT_SYSTEMD_VERSION, OPT_SYSTEM_STORE,
};

static const struct option options[] = {
        { "ca", required_argument, NULL, OPT_CA },
        { "url", required_argument, NULL, OPT_URL },
        { "insecure", no_argument, NULL, OPT_INSECURE },
        { "system-store", no_argument, NULL, OPT_SYSTEM_STORE },
        { "dry-run", no_argument, NULL, OPT_DRY_RUN },
        { "root", required_argument, NULL, OPT_ROOT },
        { "user", no_argument, NULL, OPT_USER },
        { "runtime", no_argument, NULL, OPT_RUNTIME },
        { "drop-in", required_argument, NULL, OPT_DROP_IN },
        { "systemd-version", required_argument, NULL, OPT_SYSTEMD_VERSION },
        { "no-reload", no_argument, NULL, OPT_NO_RELOAD },
        { "no-restart", no_argument, NULL, OPT_NO_RESTART },
        { "no-rollback", no_argument, NULL, OPT_NO_ROLLBACK },
        { "force", no_argument, NULL, OPT_FORCE },
        { "no-ask-password", no_argument, NULL, OPT_NO_ASK_PASSWORD },
        { "json", no_argument, NULL, OPT_JSON },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, OPT_VERSION },
        {}
};

static const struct {
        const char *name;
        int (*fn)(Context *c);
        bool needs_units;
        bool takes_words;      /* arguments are not unit names */
        bool connects;         /* opens TLS connections (else OpenSSL only checks CA files) */
} verbs[] = {
        { "set", verb_set, true },
        { "unset", verb_unset, true },
        { "status", verb_status, false },
        { "audit", verb_audit, false },
        { "probe", verb_probe, false, true, true },
        { "apply", verb_apply, false },
        { "dump", verb_dump, true },  /* undocumented: the oracle suite's view of the unit model */
};

/* A drop-in name must be one plain file name ending in .conf (".conf" is appended, as
 * systemctl edit --drop-in does). */
static int check_drop_in(const char *name, char **ret) {
        if (isempty(name) || strchr(name, '/') || name[0] == '.' || strlen(name) > 200)
                return -EINVAL;
        for (const char *p = name; *p; p++)
                if ((unsigned char) *p < ' ' || *p == 127)
                        return -EINVAL;
        *ret = endswith(name, ".conf") ? strdup(name) : xasprintf("%s.conf", name);
        return *ret ? 0 : -ENOMEM;
}

/* --root, or DPKG_ROOT: dpkg runs maintainer scripts with it set when it installs into another
 * tree, and every path is then relative to it. 0, or an exit code after saying why. */
static int check_root(Args *a) {
        const char *dpkg_root = getenv("DPKG_ROOT");
        if (!a->root && !isempty(dpkg_root) && !streq(dpkg_root, "/"))
                a->root = dpkg_root;
        if (a->user && a->root) {
                log_error("--user cannot be combined with --root: an OS tree has no running user manager");
                return EXIT_USAGE;
        }
        struct stat st;
        if (a->root && (a->root[0] != '/' || stat(a->root, &st) < 0 || !S_ISDIR(st.st_mode))) {
                log_error("--root=%s: not an existing directory given as an absolute path", a->root);
                return EXIT_USAGE;
        }
        return 0;
}

/* The unit names as systemctl reads them (mangled by the rules of the target's systemd), each
 * once. 0, or an exit code after saying why. */
static int complete_units(char **names, int n, bool are_units, const Args *a, char ***ret) {
        unsigned version = a->systemd_version;
        for (int i = 0; i < n && are_units; i++) {
                char *full = NULL;
                const char *why = NULL;
                int r = unit_name_complete(names[i], version, &full, &why);
                if (r < 0) {
                        if (!why)
                                return EXIT_FAILURE_RUNTIME;
                        log_error("invalid unit name '%s': %s", names[i], why);
                        return EXIT_USAGE;
                }
                /* As systemctl says it (not the name as typed, which may hold control characters);
                 * silent when only ".service" was added. */
                const char *added = startswith(full, names[i]);
                if (r > 0 && !streq_ptr(added, ".service"))
                        log_note(a, "not a unit name as given; systemctl reads it as %s", full);
                if (strv_contains(*ret, full))
                        free(full);
                else if (strv_consume(ret, full) < 0)
                        return EXIT_FAILURE_RUNTIME;
        }
        return 0;
}

/* What the Args point to, owned by main(). */
typedef struct ArgsOwned {
        char *drop_in;
        char **ca, **units, **words;
} ArgsOwned;

static void args_owned_done(ArgsOwned *o) {
        free(o->drop_in);
        strv_free(o->ca);
        strv_free(o->units);
        strv_free(o->words);
}

/* The parsers' result when the verb is to run; anything else is the exit code to end with now
 * (--help, --version, a usage error). */
#define PARSE_CONTINUE (-1)

/* One option from getopt_long(). PARSE_CONTINUE, or an exit code after saying why. */
static int parse_option(int c, char *argv[], Args *a, ArgsOwned *o) {
        switch (c) {
        case OPT_CA:
                if (strv_extend(&o->ca, optarg) < 0)
                        return EXIT_FAILURE_RUNTIME;
                break;
        case OPT_URL: a->url = optarg; break;
        case OPT_INSECURE: a->insecure = true; break;
        case OPT_SYSTEM_STORE: a->system_store = true; break;
        case OPT_DRY_RUN: a->dry_run = true; break;
        case OPT_ROOT: a->root = optarg; break;
        case OPT_USER: a->user = true; break;
        case OPT_RUNTIME: a->runtime = true; break;
        case OPT_DROP_IN:
                free(o->drop_in);
                o->drop_in = NULL;
                if (check_drop_in(optarg, &o->drop_in) < 0) {
                        log_error("--drop-in=%s: give a plain file name such as tls.conf (no '/', not hidden)", optarg);
                        return EXIT_USAGE;
                }
                a->drop_in = o->drop_in;
                break;
        case OPT_SYSTEMD_VERSION:
                if (systemd_version_parse(optarg, &a->systemd_version) < 0 ||
                    a->systemd_version < SYSTEMD_VERSION_MIN) {
                        log_error("--systemd-version=%s: give a version number from %d on, such as 257",
                                  optarg, SYSTEMD_VERSION_MIN);
                        return EXIT_USAGE;
                }
                break;
        case OPT_NO_RELOAD: a->no_reload = true; break;
        case OPT_NO_RESTART: a->no_restart = true; break;
        case OPT_NO_ROLLBACK: a->no_rollback = true; break;
        case OPT_FORCE: a->force = true; break;
        case OPT_NO_ASK_PASSWORD: a->no_ask_password = true; break;
        case OPT_JSON: a->json = true; break;
        case 'q': a->quiet = true; break;
        case 'h':
                help();
                return EXIT_OK;
        case OPT_VERSION:
                printf("unit-tls %s\n", PACKAGE_VERSION);
                return EXIT_OK;
        case ':':
                log_error("option '%s' needs a value; try 'unit-tls --help'", argv[optind - 1]);
                return EXIT_USAGE;
        default:
                log_error("unknown option '%s'; try 'unit-tls --help'", argv[optind - 1]);
                return EXIT_USAGE;
        }
        return PARSE_CONTINUE;
}

/* The verb named at argv[optind], in *ret (its index in verbs[]). PARSE_CONTINUE, or an exit
 * code after saying why. */
static int parse_verb(int argc, char *argv[], size_t *ret) {
        if (optind >= argc) {
                log_error("no command given; try 'unit-tls --help'");
                return EXIT_USAGE;
        }
        const char *verb = argv[optind++];
        for (size_t v = 0; v < ELEMENTSOF(verbs); v++)
                if (streq(verbs[v].name, verb)) {
                        *ret = v;
                        return PARSE_CONTINUE;
                }
        log_error("unknown command '%s'; try 'unit-tls --help'", verb);
        return EXIT_USAGE;
}

/* The options, the verb (*ret_verb) and its arguments into a, which points into o.
 * PARSE_CONTINUE, or an exit code after saying why. */
static int parse_args(int argc, char *argv[], Args *a, ArgsOwned *o, size_t *ret_verb) {
        size_t v;
        int c, r;

        opterr = 0;  /* one line of our own instead of getopt's and ours */
        while ((c = getopt_long(argc, argv, ":hq", options, NULL)) >= 0)
                if ((r = parse_option(c, argv, a, o)) != PARSE_CONTINUE)
                        return r;
        a->ca = o->ca;

        if ((r = parse_verb(argc, argv, &v)) != PARSE_CONTINUE)
                return r;

        for (int i = optind; i < argc && verbs[v].takes_words; i++)
                if (strv_extend(&o->words, argv[i]) < 0)
                        return EXIT_FAILURE_RUNTIME;
        if ((r = check_root(a)) != 0)
                return r;
        /* once: the names below and the search path are read by the same version's rules */
        a->systemd_version = systemd_version_resolve(a->root, a->systemd_version);
        if ((r = complete_units(argv + optind, argc - optind, !verbs[v].takes_words, a, &o->units)) != 0)
                return r;
        if (verbs[v].needs_units && !o->units) {
                log_error("%s: name at least one unit, e.g. 'unit-tls %s homepage'", verbs[v].name, verbs[v].name);
                return EXIT_USAGE;
        }
        a->units = o->units;
        a->words = o->words;
        *ret_verb = v;
        return PARSE_CONTINUE;
}

/* Runs verb v in the Context of a. */
static int dispatch(size_t v, Args *a) {
        Context ctx = {};
        int r;

        /* A run that only checks CA files reads them as Node does, without the system's
         * openssl.cnf; a TLS connection (probe, set --url) keeps OpenSSL's defaults. */
        if (!verbs[v].connects && !a->url)
                ca_check_init_lean();
        if ((r = context_init(&ctx, a)) < 0) {
                log_error("cannot read the unit search path: %s", strerror(-r));
                return EXIT_FAILURE_RUNTIME;
        }
        r = verbs[v].fn(&ctx);
        context_done(&ctx);
        return r;
}

int main(int argc, char *argv[]) {
        Args a = { .drop_in = "tls.conf" };
        _cleanup_(args_owned_done) ArgsOwned owned = {};
        size_t v;
        int r;

        r = parse_args(argc, argv, &a, &owned, &v);
        if (r != PARSE_CONTINUE)
                return r;
        return dispatch(v, &a);
}
