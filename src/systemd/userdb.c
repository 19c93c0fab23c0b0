/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "basic/strmap.h"
#include "systemd/userdb.h"

/* Finds "name" or a numeric id in field 0/2 of a colon-separated database file. Returns the
 * matching line's fields split in place (fields[0..n)), or 0 fields. */
static size_t db_lookup(const char *root, const char *file, const char *key, bool by_id, char *line,
                        size_t size, char **fields, size_t max) {
        _cleanup_free_ char *path = root ? xasprintf("%s%s", root, file) : strdup(file);
        if (!path)
                return 0;
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return 0;
        while (fgets(line, (int) size, f)) {
                line[strcspn(line, "\n")] = 0;
                size_t n = 0;
                char *p = line;
                while (n < max) {
                        fields[n++] = p;
                        char *c = strchr(p, ':');
                        if (!c)
                                break;
                        *c = 0;
                        p = c + 1;
                }
                if (n >= 3 && streq(fields[by_id ? 2 : 0], key))
                        return n;
        }
        return 0;
}

static bool parse_id(const char *s, unsigned long *ret) {
        char *end;
        if (!*s || *s == '-')
                return false;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || *end || v >= UINT32_MAX)
                return false;
        *ret = v;
        return true;
}

static int resolve_group(const char *root, const char *name, gid_t *ret) {
        char line[4096];
        char *fields[4];
        unsigned long id;
        if (parse_id(name, &id)) {
                *ret = (gid_t) id;
                return 0;
        }
        if (db_lookup(root, "/etc/group", name, false, line, sizeof(line), fields, 4) < 3)
                return -ENOENT;
        if (!parse_id(fields[2], &id))
                return -ENOENT;
        *ret = (gid_t) id;
        return 0;
}

static int add_gid(ServiceCred *c, gid_t g) {
        for (size_t i = 0; i < c->n_groups; i++)
                if (c->groups[i] == g)
                        return 0;
        gid_t *n = realloc(c->groups, (c->n_groups + 1) * sizeof(gid_t));
        if (!n)
                return -ENOMEM;
        c->groups = n;
        c->groups[c->n_groups++] = g;
        return 0;
}

/* initgroups(): every group in root's /etc/group listing user as a member. */
static int add_member_groups(const char *root, ServiceCred *c) {
        _cleanup_free_ char *path = root ? xasprintf("%s/etc/group", root) : strdup("/etc/group");
        if (!path)
                return -ENOMEM;
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return 0;
        char line[8192];
        while (fgets(line, sizeof(line), f)) {
                line[strcspn(line, "\n")] = 0;
                char *fields[4] = {};
                size_t n = 0;
                char *p = line;
                while (n < 4) {
                        fields[n++] = p;
                        char *col = strchr(p, ':');
                        if (!col)
                                break;
                        *col = 0;
                        p = col + 1;
                }
                unsigned long id;
                if (n < 4 || !parse_id(fields[2], &id))
                        continue;
                char *save = NULL;
                for (char *m = strtok_r(fields[3], ",", &save); m; m = strtok_r(NULL, ",", &save))
                        if (streq(m, c->user)) {
                                int r = add_gid(c, (gid_t) id);
                                if (r < 0)
                                        return r;
                        }
        }
        return 0;
}

static int service_cred_copy(const ServiceCred *from, ServiceCred *to) {
        *to = *from;
        to->user = strdup(from->user);
        to->home = from->home ? strdup(from->home) : NULL;
        to->groups = from->n_groups ? malloc(from->n_groups * sizeof(gid_t)) : NULL;
        if (!to->user || (from->home && !to->home) || (from->n_groups && !to->groups)) {
                service_cred_done(to);
                return -ENOMEM;
        }
        if (from->n_groups)
                memcpy(to->groups, from->groups, from->n_groups * sizeof(gid_t));
        return 0;
}

static void service_cred_free(void *p) {
        if (p)
                service_cred_done(p);
        free(p);
}

/* The answers given so far, by everything asked: hundreds of services of a host share a few
 * users, and each answer read /etc/passwd and /etc/group again. The databases do not change
 * under one run of this short-lived process (it never writes them). */
static StrMap cred_memo = { .free_value = service_cred_free };

static char *cred_memo_key(const char *root, const char *user, const char *group, char **supplementary,
                           bool dynamic) {
        Buf b = {};
        buf_puts(&b, root ? root : "");
        buf_putc(&b, '\n');
        buf_puts(&b, user ? user : "\001");
        buf_putc(&b, '\n');
        buf_puts(&b, group ? group : "\001");
        buf_putc(&b, '\n');
        for (char **s = supplementary; s && *s; s++) {
                buf_puts(&b, *s);
                buf_putc(&b, '\n');
        }
        buf_putc(&b, dynamic ? 'd' : '-');
        return buf_steal(&b);
}

static int service_cred_lookup(const char *root, const char *user, const char *group, char **supplementary,
                               bool dynamic, ServiceCred *ret);

int service_cred_resolve(const char *root, const char *user, const char *group, char **supplementary,
                         bool dynamic, ServiceCred *ret) {
        _cleanup_free_ char *key = cred_memo_key(root, user, group, supplementary, dynamic);
        const ServiceCred *hit = key ? strmap_get(&cred_memo, key) : NULL;
        if (hit)
                return service_cred_copy(hit, ret);
        int r = service_cred_lookup(root, user, group, supplementary, dynamic, ret);
        if (r < 0 || !key)
                return r;
        ServiceCred *copy = malloc(sizeof(ServiceCred));
        if (copy && service_cred_copy(ret, copy) == 0) {
                if (strmap_put(&cred_memo, key, copy) <= 0)
                        service_cred_free(copy);
        } else
                free(copy);
        return 0;  /* a memo that could not be kept costs only the next lookup */
}

static int service_cred_lookup(const char *root, const char *user, const char *group, char **supplementary,
                               bool dynamic, ServiceCred *ret) {
        ServiceCred c = { .dynamic = dynamic };
        char line[4096];
        char *fields[7];
        size_t nf;
        unsigned long id;
        int r;

        c.user = strdup(isempty(user) ? (dynamic ? "dynamic" : "root") : user);
        if (!c.user)
                return -ENOMEM;

        if (dynamic) {
                /* An id from the 61184–65519 range, in no group of the database; home is "/". */
                c.uid = 61184;
                c.gid = 61184;
                c.known = true;
                c.home = strdup("/");
        } else if (isempty(user)) {
                c.known = true;
                c.home = strdup("/root");
        } else if (parse_id(user, &id)) {
                c.uid = (uid_t) id;
                c.gid = (gid_t) id;
                c.known = true;
        } else if ((nf = db_lookup(root, "/etc/passwd", user, false, line, sizeof(line), fields, 7)) >= 4 &&
                   parse_id(fields[2], &id)) {
                c.uid = (uid_t) id;
                unsigned long g;
                c.gid = parse_id(fields[3], &g) ? (gid_t) g : (gid_t) id;
                c.known = true;
                if (nf >= 6 && fields[5][0] == '/' && !(c.home = strdup(fields[5]))) {
                        r = -ENOMEM;
                        goto fail;
                }
                if ((r = add_member_groups(root, &c)) < 0)
                        goto fail;
        }

        if (!isempty(group)) {
                gid_t g;
                if (resolve_group(root, group, &g) == 0)
                        c.gid = g;
                else
                        c.known = c.known && dynamic;  /* systemd creates dynamic groups itself */
        }
        for (char **s = supplementary; s && *s; s++) {
                gid_t g;
                if (resolve_group(root, *s, &g) == 0 && (r = add_gid(&c, g)) < 0)
                        goto fail;
        }
        *ret = c;
        return 0;
fail:
        service_cred_done(&c);
        return r;
}

void service_cred_done(ServiceCred *c) {
        free(c->user);
        free(c->home);
        free(c->groups);
        *c = (ServiceCred) {};
}

bool cred_may_access(const ServiceCred *c, uid_t owner, gid_t group, mode_t mode, int want) {
        if (c->uid == 0)
                return true;
        mode_t bits;
        bool in_group = group == c->gid;
        for (size_t i = 0; !in_group && i < c->n_groups; i++)
                in_group = c->groups[i] == group;
        if (owner == c->uid)
                bits = (mode >> 6) & 7;
        else if (in_group)
                bits = (mode >> 3) & 7;
        else
                bits = mode & 7;
        return (bits & (mode_t) want) == (mode_t) want;
}
