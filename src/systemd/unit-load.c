/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "basic/fs.h"
#include "systemd/conf-files.h"
#include "systemd/unit-name.h"
#include "systemd/unit-syntax.h"
#include "systemd/unit.h"
#include "systemd/version.h"

#define FOLLOW_MAX 8

const char *load_state_to_string(LoadState s) {
        static const char *const t[] = {
                [LOAD_LOADED] = "loaded",
                [LOAD_NOT_FOUND] = "not-found",
                [LOAD_MASKED] = "masked",
                [LOAD_ERROR] = "error",
                [LOAD_BAD_SETTING] = "bad-setting",
        };
        return t[s];
}

int parse_boolean(const char *v) {
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(v, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(v, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

typedef struct NameList {
        char **names;
} NameList;

static void name_list_free(void *p) {
        NameList *l = p;
        if (l)
                strv_free(l->names);
        free(l);
}

/* What the index keeps for a name in a search directory: the fragment's host path, or the name
 * an alias points to. A plain file (no symlink when readdir() saw it) also records its search
 * directory, so that it can be opened relative to that directory's descriptor, with no lstat()
 * or path walk before. */
typedef struct IdEntry {
        int dir;          /* index into lp->search_path and UnitIndex.dir_fds, or -1 */
        char target[];
} IdEntry;

static IdEntry *id_entry_new(const char *target, int dir) {
        size_t n = strlen(target);
        IdEntry *e = malloc(sizeof(IdEntry) + n + 1);
        if (!e)
                return NULL;
        e->dir = dir;
        memcpy(e->target, target, n + 1);
        return e;
}

void unit_index_done(UnitIndex *ix) {
        for (size_t i = 0; i < ix->n_dir_fds; i++)
                if (ix->dir_fds[i] >= 0)
                        close(ix->dir_fds[i]);
        free(ix->dir_fds);
        strmap_done(&ix->ids);
        strmap_done(&ix->aliases);
        strmap_done(&ix->dirs);
        strmap_done(&ix->dir_names);
        strv_free(ix->all_names);
        *ix = (UnitIndex) {};
}

static const char *base_name(const char *p) {
        const char *s = strrchr(p, '/');
        return s ? s + 1 : p;
}

/* Is "x.d" a directory dropin_names() makes from a dash prefix: "foo-.service.d",
 * "foo-@.service.d", "foo-@bar.service.d"? That is, does the unit name end its prefix in '-'? */
static bool dropin_dir_is_prefix(const char *dir_name) {
        const char *dot = strrchr(dir_name, '.');
        if (!dot || dot == dir_name)
                return false;
        const char *type_dot = memrchr(dir_name, '.', (size_t) (dot - dir_name));  /* before "d" */
        if (!type_dot)
                return false;
        const char *at = memchr(dir_name, '@', (size_t) (type_dot - dir_name));
        const char *end = at ? at : type_dot;
        return end > dir_name && end[-1] == '-';
}

/* A masked fragment or drop-in: empty regular file, character device or link to /dev/null
 * (null_or_empty_path() in systemd, with the root taken into account for dangling links). */
static bool null_or_empty_resolve(const LookupPaths *lp, const char *host_path, char **ret_resolved);

static bool null_or_empty(const LookupPaths *lp, const char *host_path) {
        _cleanup_free_ char *res = NULL;
        return null_or_empty_resolve(lp, host_path, &res);
}

/* null_or_empty() that also hands back the resolved path, for reading the file next. */
static bool null_or_empty_resolve(const LookupPaths *lp, const char *host_path, char **ret_resolved) {
        struct stat st;
        if (fs_resolve_under_root_st(lp->root, host_path, ret_resolved, &st) < 0)
                return false;
        if (streq(lookup_display_path(lp, *ret_resolved), "/dev/null"))
                return true;  /* also when the tree has no /dev: a dangling link to it masks */
        if (st.st_mode == 0 && stat(*ret_resolved, &st) < 0)
                return false;
        return S_ISCHR(st.st_mode) || (S_ISREG(st.st_mode) && st.st_size == 0);
}

/* null_or_empty_resolve() for a drop-in listed by list_dropins(): its directory came resolved
 * from find_dirs_all(), so when the file itself is no symlink it is its own resolved path, and
 * one lstat() says it all (resolving it again opened its directory once per unit). */
static bool dropin_null_or_empty(const LookupPaths *lp, const char *host_path, char **ret_resolved) {
        struct stat st;
        if (lstat(host_path, &st) < 0 || S_ISLNK(st.st_mode))
                return null_or_empty_resolve(lp, host_path, ret_resolved);
        if (!(*ret_resolved = strdup(host_path)))
                return false;  /* then parse_file() resolves it itself, and fails the same way */
        return S_ISCHR(st.st_mode) || (S_ISREG(st.st_mode) && st.st_size == 0);
}

/* Is the alias symlink name -> target acceptable (unit_validate_alias_symlink_or_warn())? */
static bool alias_is_valid(const char *name, const char *target) {
        UnitNameKind sk = unit_name_classify(name), dk = unit_name_classify(target);
        const char *st = unit_name_type(name), *dt = unit_name_type(target);
        if (!sk || !st || !unit_type_may_alias(st))
                return false;
        if (sk != UNIT_NAME_PLAIN && !unit_type_may_template(st))
                return false;
        if (!dk || !(dk == sk || (sk == UNIT_NAME_INSTANCE && dk == UNIT_NAME_TEMPLATE)))
                return false;
        if (dk == UNIT_NAME_INSTANCE) {
                _cleanup_free_ char *a = NULL, *b = NULL;
                if (unit_name_instance(name, &a) < 0 || unit_name_instance(target, &b) < 0 || !streq(a, b))
                        return false;
        }
        return dt && streq(st, dt);
}

/* Resolves the symlink dir/name: returns 0 with *ret = absolute host path (linked unit file or
 * mask) or a bare unit name (alias); < 0 when systemd would skip the entry. */
static int resolve_symlink(const LookupPaths *lp, const char *dir, const char *name, char **ret) {
        char target[PATH_MAX];
        _cleanup_free_ char *link = strjoin_path(dir, name);
        if (!link)
                return -ENOMEM;
        ssize_t n = readlink(link, target, sizeof(target) - 1);
        if (n < 0)
                return -errno;
        target[n] = 0;

        _cleanup_free_ char *abs = NULL;
        if (target[0] == '/')
                abs = lp->root ? strjoin_path(lp->root, target) : strdup(target);
        else
                abs = strjoin_path(dir, target);
        if (!abs)
                return -ENOMEM;
        /* Only "." and ".." are resolved, never further links (CHASE_NOFOLLOW|CHASE_NONEXISTENT). */
        _cleanup_free_ char *simple = NULL;
        if (lp->root) {
                const char *inner = startswith(abs, lp->root);
                _cleanup_free_ char *s = path_simplify_dup(inner && (*inner == '/' || !*inner) ? inner : abs);
                if (!s)
                        return -ENOMEM;
                simple = strjoin_path(lp->root, s);
        } else
                simple = path_simplify_dup(abs);
        if (!simple)
                return -ENOMEM;

        _cleanup_free_ char *parent = strdup(simple);
        if (!parent)
                return -ENOMEM;
        char *slash = strrchr(parent, '/');
        bool inside = false;
        for (char **d = lp->search_path; *d && !inside; d++)
                inside = startswith(simple, *d) && simple[strlen(*d)] == '/';
        for (char **d = lp->resolved; *d && !inside; d++)
                inside = startswith(simple, *d) && simple[strlen(*d)] == '/';
        (void) slash;

        if (!inside) {
                *ret = TAKE_PTR(link);  /* a linked unit file: the link itself is the fragment */
                return 0;
        }
        const char *tname = base_name(simple);
        if (!alias_is_valid(name, tname))
                return -EXDEV;
        if (streq(tname, name))
                return -ELOOP;  /* a self-alias means nothing when loading */
        char *t = strdup(tname);
        if (!t)
                return -ENOMEM;
        *ret = t;
        return 0;
}

static int entry_type(int dfd, struct dirent *de) {
        if (de->d_type != DT_UNKNOWN)
                return de->d_type;
        struct stat st;
        if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return DT_UNKNOWN;
        return S_ISREG(st.st_mode) ? DT_REG : S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK : DT_UNKNOWN;
}

/* A directory name PID 1 keeps in its path cache: "<unit name or type>.d". */
static bool dropin_dir_name_is_valid(const char *name) {
        const char *e = endswith(name, ".d");
        if (!e || e == name)
                return false;
        _cleanup_free_ char *chopped = strndup(name, (size_t) (e - name));
        return chopped && (unit_name_is_valid(chopped, UNIT_NAME_ANY) || unit_type_is_valid(chopped));
}

/* Appends to ix->all_names with a doubling capacity: strv_extend() recounts the vector. */
static int names_append(UnitIndex *ix, const char *name) {
        if (ix->n_names + 2 > ix->cap_names) {
                size_t cap = ix->cap_names ? ix->cap_names * 2 : 256;
                char **n = realloc(ix->all_names, cap * sizeof(char *));
                if (!n)
                        return -ENOMEM;
                ix->all_names = n;
                ix->cap_names = cap;
        }
        if (!(ix->all_names[ix->n_names] = strdup(name)))
                return -ENOMEM;
        ix->all_names[++ix->n_names] = NULL;
        return 0;
}

/* A symlinked drop-in directory: under --root, an absolute target is inside the root. */
static bool link_is_dir(const LookupPaths *lp, const char *host_path) {
        _cleanup_free_ char *res = NULL;
        struct stat st;
        return fs_resolve_under_root(lp->root, host_path, &res) >= 0 && stat(res, &st) >= 0 && S_ISDIR(st.st_mode);
}

/* UnitIndex.dirs values: a directory readdir() saw as one, or anything else (a symlink to one,
 * or one unit_index_add_dir() made visible). */
#define DIR_PLAIN ((uintptr_t) 1)
#define DIR_OTHER ((uintptr_t) 2)

/* Bit i of a dir_names mask: search directory i has the directory; the last bit stands for
 * "some directory, look in each" (search paths longer than that, unit_index_add_dir() outside
 * the search path). */
#define DIR_MASK_ANY ((uintptr_t) 1 << (sizeof(uintptr_t) * 8 - 1))
static uintptr_t dir_mask_bit(size_t search_index) {
        return search_index < sizeof(uintptr_t) * 8 - 1 ? (uintptr_t) 1 << search_index : DIR_MASK_ANY;
}

static int dir_names_mark(UnitIndex *ix, const char *name, uintptr_t bit) {
        uintptr_t mask = (uintptr_t) strmap_get(&ix->dir_names, name);
        if (mask) {
                (void) strmap_update(&ix->dir_names, name, (void *) (mask | bit));
                return 0;
        }
        return strmap_put(&ix->dir_names, name, (void *) bit) < 0 ? -ENOMEM : 0;
}

/* Lists one search directory. It is read through its path resolved inside the root (a symlink
 * in the tree, such as /lib -> /usr/lib, is followed there and never onto the host), and the
 * descriptor stays open in ix->dir_fds for reading its files. Names keep the search path's
 * spelling, as systemd shows them. */
static int index_dir(UnitIndex *ix, const char *dir, size_t search_index) {
        const char *resolved = ix->lp->resolved && ix->lp->resolved[search_index] ? ix->lp->resolved[search_index] : dir;
        int fd = open(resolved, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        int keep = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                if (keep >= 0)
                        close(keep);
                return 0;
        }
        ix->dir_fds[search_index] = keep;
        int r = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                int t = entry_type(dirfd(d), de);
                bool valid_name = unit_name_is_valid(de->d_name, UNIT_NAME_ANY);

                if (t == DT_DIR || (t == DT_LNK && !valid_name)) {
                        if (!dropin_dir_name_is_valid(de->d_name))
                                continue;
                        _cleanup_free_ char *p = strjoin_path(dir, de->d_name);
                        if (p && t == DT_LNK && !link_is_dir(ix->lp, p))
                                continue;
                        ix->prefix_dirs = ix->prefix_dirs || dropin_dir_is_prefix(de->d_name);
                        if (!p || strmap_put(&ix->dirs, p, (void *) (t == DT_DIR ? DIR_PLAIN : DIR_OTHER)) < 0 ||
                            dir_names_mark(ix, de->d_name, dir_mask_bit(search_index)) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                        continue;
                }
                if ((t != DT_REG && t != DT_LNK) || !valid_name)
                        continue;
                if (strmap_contains(&ix->ids, de->d_name))
                        continue;  /* a higher-priority directory has this name already */

                _cleanup_free_ char *dst = NULL;
                if (t == DT_LNK) {
                        int k = resolve_symlink(ix->lp, dir, de->d_name, &dst);
                        if (k == -ENOMEM) {
                                r = k;
                                break;
                        }
                        if (k < 0)
                                continue;  /* systemd skips a bad link, so a lower file may win */
                } else if (!(dst = strjoin_path(dir, de->d_name))) {
                        r = -ENOMEM;
                        break;
                }
                IdEntry *e = id_entry_new(dst, t == DT_REG ? (int) search_index : -1);
                int k = e ? strmap_put(&ix->ids, de->d_name, e) : -ENOMEM;
                if (k <= 0)
                        free(e);
                if (k < 0 || names_append(ix, de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
        }
        closedir(d);
        return r;
}

/* Follows aliases to the fragment: 0 and *ret, -ENOENT unknown, -ENXIO broken, -ELOOP. */
static int ids_get(const UnitIndex *ix, const char *name, const IdEntry **ret) {
        const char *id = NULL;
        for (unsigned n = 0; n < FOLLOW_MAX; n++) {
                const IdEntry *e = strmap_get(&ix->ids, id ? id : name);
                if (!e) {
                        if (!id)
                                return -ENOENT;
                        _cleanup_free_ char *tpl = NULL;
                        if (unit_name_template(id, &tpl) < 0)
                                return -ENXIO;
                        e = strmap_get(&ix->ids, tpl);
                        if (!e)
                                return -ENXIO;
                }
                if (e->target[0] == '/') {
                        *ret = e;
                        return 0;
                }
                id = e->target;
        }
        return -ELOOP;
}

/* ids_get() for the fragment's host path alone. */
static int ids_get_path(const UnitIndex *ix, const char *name, const char **ret) {
        const IdEntry *e = NULL;
        int r = ids_get(ix, name, &e);
        *ret = e ? e->target : NULL;
        return r;
}

int unit_index_build(UnitIndex *ix, const LookupPaths *lp) {
        int r;
        *ix = (UnitIndex) { .lp = lp };
        ix->ids.free_value = free;
        ix->aliases.free_value = name_list_free;
        ix->n_dir_fds = strv_length(lp->search_path);
        if (!(ix->dir_fds = malloc((ix->n_dir_fds ? ix->n_dir_fds : 1) * sizeof(int))))
                return -ENOMEM;
        for (size_t i = 0; i < ix->n_dir_fds; i++)
                ix->dir_fds[i] = -1;

        for (char **d = lp->search_path; *d; d++)
                if ((r = index_dir(ix, *d, (size_t) (d - lp->search_path))) < 0)
                        goto fail;

        /* The reverse map: unit name -> its aliases, skipping masked targets. */
        const char *src;
        void *v;
        for (size_t i = 0; strmap_next(&ix->ids, &i, &src, &v);) {
                const char *frag;
                /* A unit file standing for itself adds nothing: its own name is always one of its
                 * names. Only aliases need the reverse map (and the mask check). */
                const char *t = ((const IdEntry *) v)->target;
                if (t[0] == '/' && streq(base_name(t), src))
                        continue;
                if (ids_get_path(ix, src, &frag) < 0 || null_or_empty(lp, frag))
                        continue;
                const char *dst = base_name(frag);
                _cleanup_free_ char *inst = NULL, *dst_inst = NULL;
                if (unit_name_classify(dst) == UNIT_NAME_TEMPLATE &&
                    unit_name_classify(src) == UNIT_NAME_INSTANCE) {
                        if (unit_name_instance(src, &inst) < 0 ||
                            unit_name_replace_instance(dst, inst, &dst_inst) < 0)
                                continue;
                        dst = dst_inst;
                }
                NameList *l = strmap_get(&ix->aliases, dst);
                if (!l) {
                        l = calloc(1, sizeof(NameList));
                        if (!l || strmap_put(&ix->aliases, dst, l) < 0) {
                                free(l);
                                r = -ENOMEM;
                                goto fail;
                        }
                }
                if ((r = strv_extend(&l->names, src)) < 0)
                        goto fail;
        }
        return 0;
fail:
        unit_index_done(ix);
        return r;
}

int unit_index_add_dir(UnitIndex *ix, const char *dir) {
        int r = strmap_put(&ix->dirs, dir, (void *) DIR_OTHER);
        ix->prefix_dirs = ix->prefix_dirs || dropin_dir_is_prefix(base_name(dir));
        /* which search directory it is in, if it is directly in one */
        uintptr_t bit = DIR_MASK_ANY;
        size_t len = (size_t) (base_name(dir) - dir);
        for (char **d = ix->lp->search_path; *d && len > 0; d++)
                if (strlen(*d) == len - 1 && strncmp(*d, dir, len - 1) == 0) {
                        bit = dir_mask_bit((size_t) (d - ix->lp->search_path));
                        break;
                }
        if (r >= 0)
                r = dir_names_mark(ix, base_name(dir), bit);
        return r < 0 ? r : 0;
}

static int add_name(char ***names, const char *n) {
        return strv_contains(*names, n) ? 0 : strv_extend(names, n);
}

/* add_names() in systemd: the name itself (unless a template) and every alias pointing at it. */
static int add_names(const UnitIndex *ix, UnitNameKind kind, const char *instance,
                     const char *fragment_base, char ***names, const char *name) {
        int r;
        if (kind != UNIT_NAME_TEMPLATE && (r = add_name(names, name)) < 0)
                return r;
        NameList *aliases = strmap_get(&ix->aliases, name);
        for (char **a = aliases ? aliases->names : NULL; a && *a; a++) {
                if (kind == UNIT_NAME_INSTANCE && unit_name_classify(*a) == UNIT_NAME_TEMPLATE) {
                        _cleanup_free_ char *inst = NULL;
                        if (unit_name_replace_instance(*a, instance, &inst) < 0)
                                continue;
                        const char *frag = NULL;
                        (void) ids_get_path(ix, inst, &frag);
                        if (frag && fragment_base && !streq(base_name(frag), fragment_base))
                                continue;  /* that instance points somewhere else */
                        if ((r = add_name(names, inst)) < 0)
                                return r;
                } else if ((r = add_name(names, *a)) < 0)
                        return r;
        }
        return 0;
}

/* The names unit_file_find_dirs() looks for, in its order: the name, the template's names
 * (for an instance), then those of each dash prefix ("foo-bar-baz" -> "foo-bar-" -> "foo-").
 * The list is the same in every search directory, so it is made once per name. */
static int dropin_names(const char *name, bool prefixes, char ***names) {
        int r;
        if ((r = strv_extend(names, name)) < 0)
                return r;
        UnitNameKind kind = unit_name_classify(name);
        if (kind == UNIT_NAME_INVALID)
                return 0;  /* a bare type such as "service" */
        if (kind == UNIT_NAME_INSTANCE) {
                _cleanup_free_ char *tpl = NULL;
                if ((r = unit_name_template(name, &tpl)) < 0 || (r = dropin_names(tpl, prefixes, names)) < 0)
                        return r;
        }
        if (!prefixes)
                return 0;  /* no dash-prefix directory anywhere: none of these names can match */

        _cleanup_free_ char *prefix = NULL;
        if ((r = unit_name_prefix(name, &prefix)) < 0)
                return r;
        bool chopped = false;
        for (;;) {
                char *dash = strrchr(prefix, '-');
                if (!dash || dash == prefix)
                        return 0;
                if (dash[1] != 0 || chopped) {
                        dash[1] = 0;
                        break;
                }
                *dash = 0;  /* a trailing dash is chopped, once */
                chopped = true;
        }
        if (!unit_prefix_is_valid(prefix, strlen(prefix)))
                return 0;
        _cleanup_free_ char *inst = NULL;
        if (kind == UNIT_NAME_INSTANCE && (r = unit_name_instance(name, &inst)) < 0)
                return r;
        _cleanup_(buf_free) Buf built = {};
        buf_puts(&built, prefix);
        if (inst) {
                buf_putc(&built, '@');
                buf_puts(&built, inst);
        }
        buf_putc(&built, '.');
        buf_puts(&built, unit_name_type(name));
        if (built.oom)
                return -ENOMEM;
        return dropin_names(built.data, prefixes, names);
}

/* unit_file_find_dirs() for one name in every search directory, in search-path order; only
 * directories present (PID 1's path cache) count. */
static int find_dirs_all(const UnitIndex *ix, const char *name, char ***dirs) {
        _cleanup_strv_free_ char **names = NULL;
        int r;
        if ((r = dropin_names(name, ix->prefix_dirs, &names)) < 0)
                return r;
        /* Most of these names have a directory nowhere: drop them before the per-directory walk.
         * The names looked up are made in one reused buffer: an asprintf() each was 6% of an
         * audit. */
        _cleanup_(buf_free) Buf b = {};
        size_t k = 0;
        uintptr_t masks[64];  /* of the first 64 names; any later one is looked for everywhere */
        for (char **n = names; *n; n++) {
                b.len = 0;
                buf_puts(&b, *n);
                buf_puts(&b, ".d");
                if (b.oom)
                        return -ENOMEM;
                uintptr_t mask = (uintptr_t) strmap_get(&ix->dir_names, b.data);
                if (mask) {
                        if (k < ELEMENTSOF(masks))
                                masks[k] = mask;
                        names[k++] = *n;
                } else
                        free(*n);
        }
        names[k] = NULL;
        if (k == 0)
                return 0;
        /* Only the search directories the masks name: most units have a drop-in directory in
         * one of them, not in all of them. */
        for (char **d = ix->lp->search_path; *d; d++)
                for (char **n = names; *n; n++) {
                        size_t i = (size_t) (n - names);
                        if (i < ELEMENTSOF(masks) &&
                            !(masks[i] & (dir_mask_bit((size_t) (d - ix->lp->search_path)) | DIR_MASK_ANY)))
                                continue;
                        b.len = 0;
                        buf_puts(&b, *d);
                        buf_putc(&b, '/');
                        buf_puts(&b, *n);
                        buf_puts(&b, ".d");
                        if (b.oom)
                                return -ENOMEM;
                        uintptr_t kind = (uintptr_t) strmap_get(&ix->dirs, b.data);
                        if (!kind)
                                continue;
                        /* A directory readdir() saw as such is its search directory's resolved path
                         * plus its name: no lstat() to find that out again. */
                        const char *sd_res = ix->lp->resolved ? ix->lp->resolved[d - ix->lp->search_path] : NULL;
                        _cleanup_free_ char *res = NULL;
                        if (kind == DIR_PLAIN && sd_res) {
                                if (!(res = strjoin3(sd_res, "/", b.data + strlen(*d) + 1)))
                                        return -ENOMEM;
                        } else if (fs_resolve_under_root(ix->lp->root, b.data, &res) < 0)
                                continue;
                        if (!strv_contains(*dirs, res) && (r = strv_consume(dirs, TAKE_PTR(res))) < 0)
                                return r;
                }
        return 0;
}

static const char *overlay_name_in(const UnitIndex *ix, const char *dir) {
        if (!ix->overlay_path)
                return NULL;
        const char *rest = startswith(ix->overlay_path, dir);
        return rest && rest[0] == '/' && !strchr(rest + 1, '/') ? rest + 1 : NULL;
}

/* conf_files_list_strv(): the first directory providing a basename wins, sorted by basename. The
 * planned drop-in (UnitIndex.overlay_*) takes its place in its directory, or removes the file
 * there when it has no content. */
static int list_dropins(const UnitIndex *ix, char **dirs, char ***ret, StrMap *plain) {
        _cleanup_(conf_files_done) ConfFiles cf = { .plain = plain };
        int r;

        for (char **d = dirs; d && *d; d++) {
                const char *oname = overlay_name_in(ix, *d);
                if (oname && ix->overlay_content && (r = conf_files_add(&cf, *d, oname)) < 0)
                        return r;
                if ((r = conf_files_add_dir(&cf, *d, *d, oname)) < 0)
                        return r;
        }
        *ret = conf_files_steal(&cf);
        return 0;
}

typedef struct LoadCtx {
        Unit *u;
        const LookupPaths *lp;
        SpecifierContext spec;
        const char *display;   /* the file being parsed, as the target system sees it */
        Buf source;            /* "display:" then the line of the assignment being applied */
        size_t source_prefix;  /* the length of "display:" */
        bool is_fragment;
        char *slice;           /* Slice= so far, for %c %r (spec.slice points here) */
} LoadCtx;

static void setting_set(Setting *s, const char *value, const char *source) {
        char *v = strdup(value), *src = strdup(source);
        if (!v || !src) {
                free(v);
                free(src);
                return;
        }
        free(s->value);
        free(s->source);
        s->value = v;
        s->source = src;
}

static void setting_done(Setting *s) {
        free(s->value);
        free(s->source);
}

/* Whitespace-separated list settings: empty resets, words appended. */
static int list_apply(char ***l, const char *value) {
        if (!*value) {
                strv_free(*l);
                *l = NULL;
                return 0;
        }
        const char *p = value;
        for (;;) {
                char *w = NULL;
                int r = extract_word(&p, &w, EXTRACT_UNQUOTE);
                if (r <= 0)
                        return r == -ENOMEM ? r : 0;
                if ((r = strv_consume(l, w)) < 0)
                        return r;
        }
}

static void exec_command_done(ExecCommand *c) {
        strv_free(c->argv);
        free(c->path);
        free(c->source);
}

/* ExecStart=: prefix characters "-@:+!" then the command, words unquoted and unescaped,
 * specifiers expanded. Only what runtime detection needs: the path and the arguments. */
static int exec_start_apply(LoadCtx *c, const char *value, const char *source) {
        Unit *u = c->u;
        if (!*value) {
                for (size_t i = 0; i < u->n_exec_start; i++)
                        exec_command_done(&u->exec_start[i]);
                free(u->exec_start);
                u->exec_start = NULL;
                u->n_exec_start = 0;
                return 0;
        }
        const char *p = value;
        _cleanup_strv_free_ char **argv = NULL;
        bool separate_argv0 = false;
        for (;;) {
                _cleanup_free_ char *w = NULL, *x = NULL;
                int r = extract_word(&p, &w, EXTRACT_UNQUOTE | EXTRACT_CUNESCAPE);
                if (r == -ENOMEM)
                        return r;
                if (r <= 0)
                        break;
                if (streq(w, ";"))
                        break;
                const char *word = w;
                if (!argv) {
                        while (*word && strchr("-@:+!", *word)) {
                                if (*word == '@')
                                        separate_argv0 = true;
                                word++;
                        }
                }
                if ((word == w ? specifier_expand_take(&w, &c->spec, &x) : specifier_expand(word, &c->spec, &x)) < 0)
                        continue;
                if ((r = strv_consume(&argv, TAKE_PTR(x))) < 0)
                        return r;
        }
        if (!argv)
                return 0;
        ExecCommand *n = realloc(u->exec_start, (u->n_exec_start + 1) * sizeof(ExecCommand));
        if (!n)
                return -ENOMEM;
        u->exec_start = n;
        ExecCommand *cmd = &n[u->n_exec_start];
        *cmd = (ExecCommand) { .path = strdup(argv[0]), .source = strdup(source) };
        if (separate_argv0 && argv[1]) {
                /* "@/usr/bin/node myname x.js": argv[0] is the second word */
                free(argv[0]);
                memmove(argv, argv + 1, strv_length(argv) * sizeof(char *));
        }
        cmd->argv = TAKE_PTR(argv);
        u->n_exec_start++;
        return cmd->path && cmd->source ? 0 : -ENOMEM;
}

static int env_file_apply(LoadCtx *c, const char *value, const char *source) {
        Unit *u = c->u;
        if (!*value) {
                for (size_t i = 0; i < u->n_env_files; i++) {
                        free(u->env_files[i].path);
                        free(u->env_files[i].source);
                }
                free(u->env_files);
                u->env_files = NULL;
                u->n_env_files = 0;
                return 0;
        }
        _cleanup_free_ char *x = NULL;
        if (specifier_expand(value, &c->spec, &x) < 0) {
                diags_add(&u->diags, source, "failed to resolve specifiers in EnvironmentFile=, ignoring");
                return 0;
        }
        bool ignore = x[0] == '-';
        char *path = ignore ? x + 1 : x;
        /* path_simplify_and_warn(): "//", "." components and a trailing '/' go, ".." refuses */
        path_simplify(path);
        if (systemd_at_least(c->lp->version, SYSTEMD_V_PATH_LEADING_DOTDOT))
                path_drop_leading_dotdot(path);
        if (path[0] != '/') {
                diags_add(&u->diags, source, "EnvironmentFile= path is not absolute, ignoring: %s", x);
                return 0;
        }
        if (!path_is_normalized(path)) {
                diags_add(&u->diags, source, "EnvironmentFile= path is not normalized, ignoring: %s", x);
                return 0;
        }
        EnvFileRef *n = realloc(u->env_files, (u->n_env_files + 1) * sizeof(EnvFileRef));
        if (!n)
                return -ENOMEM;
        u->env_files = n;
        n[u->n_env_files] = (EnvFileRef) { .path = strdup(path), .ignore_errors = ignore, .source = strdup(source) };
        u->n_env_files++;
        return n[u->n_env_files - 1].path && n[u->n_env_files - 1].source ? 0 : -ENOMEM;
}

/* SuccessAction= (config_parse_emergency_action()): a value that does not parse, or one the user
 * manager cannot carry out, is ignored and the previous one stays. */
static void success_action_apply(LoadCtx *c, const char *value) {
        static const char *const system_only[] = {
                "reboot", "reboot-force", "reboot-immediate", "poweroff", "poweroff-force",
                "poweroff-immediate", "halt", "halt-force", "halt-immediate", "kexec", "kexec-force",
                "soft-reboot", "soft-reboot-force",
        };
        if (streq(value, "none") || streq(value, "exit") || streq(value, "exit-force")) {
                c->u->success_action = !streq(value, "none");
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(system_only); i++)
                if (streq(value, system_only[i])) {
                        if (c->lp->scope == SCOPE_SYSTEM)
                                c->u->success_action = true;
                        return;
                }
}

static void load_ctx_done(LoadCtx *c) {
        free(c->slice);
        buf_free(&c->source);
}

/* "path:line" of an assignment, in a buffer reused for every line of every file (the callees
 * copy what they keep): an asprintf() per line was 8% of an audit. NULL when out of memory. */
static const char *source_of(LoadCtx *c, unsigned line) {
        char digits[16];
        size_t n = sizeof(digits);
        do
                digits[--n] = (char) ('0' + line % 10);
        while ((line /= 10) > 0);
        c->source.len = c->source_prefix;
        buf_put(&c->source, digits + n, sizeof(digits) - n);
        return c->source.oom ? NULL : c->source.data;
}

/* Slice= (config_parse_unit_slice()): matters here only for %c and %r further down, which see
 * the slice assigned so far. A name that is not a slice, or the root slice, is ignored. */
static int slice_apply(LoadCtx *c, const char *value) {
        _cleanup_free_ char *x = NULL;
        if (specifier_expand(value, &c->spec, &x) < 0)
                return 0;
        if (!x)
                return -ENOMEM;
        if (!unit_name_is_valid(x, UNIT_NAME_PLAIN) || !streq_ptr(unit_name_type(x), "slice") || streq(x, "-.slice"))
                return 0;
        free(c->slice);
        c->slice = TAKE_PTR(x);
        c->spec.slice = c->slice;
        return 0;
}

/* config_parse_pass_environ(): words unquoted (no C escapes), specifiers expanded, invalid names
 * skipped, a name already listed not added again; empty resets. */
static int pass_environ_apply(LoadCtx *c, const char *value, const char *source) {
        Unit *u = c->u;
        if (isempty(value)) {
                u->pass_environment = strv_free_and_null(u->pass_environment);
                u->pass_sources = strv_free_and_null(u->pass_sources);
                return 0;
        }
        for (const char *p = value;;) {
                _cleanup_free_ char *word = NULL, *name = NULL;
                int r = extract_word(&p, &word, EXTRACT_UNQUOTE);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        diags_add(&u->diags, source, "Trailing garbage in PassEnvironment, ignoring: %s", value);
                if (r <= 0)
                        return 0;
                if ((r = specifier_expand(word, &c->spec, &name)) == -ENOMEM)
                        return r;
                if (r < 0 || !env_name_is_valid(name)) {
                        diags_add(&u->diags, source, "Invalid environment name for PassEnvironment, ignoring: %s", word);
                        continue;
                }
                if (strv_contains(u->pass_environment, name))
                        continue;
                if (strv_extend(&u->pass_environment, name) < 0 || strv_extend(&u->pass_sources, source) < 0)
                        return -ENOMEM;
        }
}

/* UnsetEnvironment=, with the source of each name it adds; an empty value (or a list that got
 * shorter) starts the sources afresh. */
static int unset_environ_apply(LoadCtx *c, const char *value, const char *source) {
        Unit *u = c->u;
        size_t before = strv_length(u->unset_environment);
        int r = unset_environ_apply_line(&u->unset_environment, value, source, &c->spec, &u->diags);
        if (r < 0)
                return r;
        size_t after = strv_length(u->unset_environment);
        if (after < before || !*value) {
                strv_free(u->unset_sources);
                u->unset_sources = NULL;
                before = 0;
        }
        for (size_t i = before; i < after; i++)
                if ((r = strv_extend(&u->unset_sources, source)) < 0)
                        return r;
        return 0;
}

/* The [Service] settings kept as one value (the last assignment wins), or NULL for another key. */
/* The [Service] keys the loader reads, and how. */
typedef enum KeyKind {
        KEY_FN,        /* fn(c, value, source) */
        KEY_SCALAR,    /* a Setting at offset in Unit: the last one wins, specifiers expanded */
        KEY_LIST,      /* a whitespace-separated list (char **) at offset in Unit */
} KeyKind;

static int environment_apply(LoadCtx *c, const char *value, const char *source) {
        return environ_apply_line(&c->u->environment, value, source, &c->spec, &c->u->diags);
}

static int exec_stop_apply(LoadCtx *c, const char *value, const char *source) {
        (void) source;
        c->u->has_exec_stop = !!*value;
        return 0;
}

static int slice_apply_key(LoadCtx *c, const char *value, const char *source) {
        (void) source;
        return slice_apply(c, value);
}

static int success_action_key_apply(LoadCtx *c, const char *value, const char *source) {
        (void) source;
        success_action_apply(c, value);
        return 0;
}

typedef struct ServiceKey {
        const char *key;
        KeyKind kind;
        int (*fn)(LoadCtx *c, const char *value, const char *source);
        size_t offset;
} ServiceKey;

static const ServiceKey success_action_key = { "SuccessAction", KEY_FN, success_action_key_apply, 0 };

static const ServiceKey service_keys[] = {
        { "Environment", KEY_FN, environment_apply, 0 },
        { "UnsetEnvironment", KEY_FN, unset_environ_apply, 0 },
        { "EnvironmentFile", KEY_FN, env_file_apply, 0 },
        { "PassEnvironment", KEY_FN, pass_environ_apply, 0 },
        { "ExecStart", KEY_FN, exec_start_apply, 0 },
        { "ExecStop", KEY_FN, exec_stop_apply, 0 },
        { "Slice", KEY_FN, slice_apply_key, 0 },
        { "Type", KEY_SCALAR, NULL, offsetof(Unit, type) },
        { "User", KEY_SCALAR, NULL, offsetof(Unit, user) },
        { "Group", KEY_SCALAR, NULL, offsetof(Unit, group) },
        { "DynamicUser", KEY_SCALAR, NULL, offsetof(Unit, dynamic_user) },
        { "ProtectHome", KEY_SCALAR, NULL, offsetof(Unit, protect_home) },
        { "ProtectSystem", KEY_SCALAR, NULL, offsetof(Unit, protect_system) },
        { "PrivateTmp", KEY_SCALAR, NULL, offsetof(Unit, private_tmp) },
        { "RootDirectory", KEY_SCALAR, NULL, offsetof(Unit, root_directory) },
        { "RootImage", KEY_SCALAR, NULL, offsetof(Unit, root_image) },
        { "WorkingDirectory", KEY_SCALAR, NULL, offsetof(Unit, working_directory) },
        { "SupplementaryGroups", KEY_LIST, NULL, offsetof(Unit, supplementary_groups) },
        { "InaccessiblePaths", KEY_LIST, NULL, offsetof(Unit, inaccessible_paths) },
        { "TemporaryFileSystem", KEY_LIST, NULL, offsetof(Unit, temporary_filesystem) },
};

/* The entry for key, or NULL for a key the loader does not read (most lines of a unit): the
 * first letter is compared before the string, as this runs for every line of every file. */
static const ServiceKey *service_key(const char *key) {
        for (size_t i = 0; i < ELEMENTSOF(service_keys); i++)
                if (service_keys[i].key[0] == key[0] && streq(service_keys[i].key, key))
                        return &service_keys[i];
        return NULL;
}

/* What the loader does with key in section, or NULL: it reads SuccessAction= of [Unit] and, in
 * a service, the keys of service_keys[] in [Service]. */
static const ServiceKey *read_entry(const LoadCtx *c, const char *section, const char *key) {
        if (!section)
                return NULL;
        if (streq(section, "Unit"))
                return streq(key, "SuccessAction") ? &success_action_key : NULL;
        return c->u->is_service && streq(section, "Service") ? service_key(key) : NULL;
}

/* The assignments on_assignment() reads (unit_syntax_parse_keys()'s filter). */
static bool reads_key(void *userdata, const char *section, const char *key) {
        return read_entry(userdata, section, key) != NULL;
}

static int on_assignment(void *userdata, const char *section, const char *key, const char *value,
                         unsigned line) {
        LoadCtx *c = userdata;
        Unit *u = c->u;
        const ServiceKey *k = read_entry(c, section, key);
        if (!k)
                return 0;
        const char *source = source_of(c, line);
        if (!source)
                return -ENOMEM;

        switch (k->kind) {
        case KEY_FN:
                return k->fn(c, value, source);
        case KEY_SCALAR: {
                _cleanup_free_ char *x = NULL;
                if (specifier_expand(value, &c->spec, &x) < 0)
                        x = strdup(value);
                if (!x)
                        return -ENOMEM;
                setting_set((Setting *) ((char *) u + k->offset), x, source);
                return 0;
        }
        case KEY_LIST:
                return list_apply((char ***) ((char *) u + k->offset), value);
        }
        return 0;
}

/* A fragment readdir() saw as a plain file in a search directory, opened relative to that
 * directory with O_NOFOLLOW: one short lookup instead of an lstat() and an open() of the whole
 * path. -1 when the entry is no such file, or when it changed since (the caller then checks
 * it the careful way). Never opens anything but what was a regular file: opening a device has
 * effects of its own. */
static int open_plain_fragment(const UnitIndex *ix, const IdEntry *e) {
        if (!e || e->dir < 0 || (size_t) e->dir >= ix->n_dir_fds || ix->dir_fds[e->dir] < 0)
                return -1;
        if (ix->overlay_path && streq(e->target, ix->overlay_path))
                return -1;
        return openat(ix->dir_fds[e->dir], base_name(e->target),
                      O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
}

/* 0, a fatal syntax error, or the open error (-ENOENT included: the caller decides). fd, when
 * >= 0, is host_path opened already, of fd_size bytes as fstat() saw it (0: unknown); it is
 * closed here. */
static int parse_file(LoadCtx *c, const UnitIndex *ix, const char *host_path, const char *known_resolved,
                      int fd, uint64_t fd_size, unsigned *ret_line) {
        _cleanup_close_ int owned = fd;
        bool overlay = fd < 0 && ix->overlay_path && ix->overlay_content && streq(host_path, ix->overlay_path);
        UnitInput in = { .fd = owned, .fd_size = owned >= 0 ? fd_size : 0 };
        if (overlay) {
                in.data = ix->overlay_content;
                in.data_len = strlen(ix->overlay_content);
        } else if (owned < 0) {
                /* Under --root, a symlink in the tree must resolve inside the tree, never on the host. */
                _cleanup_free_ char *resolved = NULL;
                if (c->lp->root && !known_resolved) {
                        int r = fs_resolve_under_root(c->lp->root, host_path, &resolved);
                        if (r < 0)
                                return r;
                }
                const char *p = c->lp->root ? (known_resolved ? known_resolved : resolved) : host_path;
                if ((owned = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
                        return -errno;
                in.fd = owned;
        }
        c->display = lookup_display_path(c->lp, host_path);
        c->source.len = 0;
        buf_puts(&c->source, c->display);
        buf_putc(&c->source, ':');
        if (c->source.oom)
                return -ENOMEM;
        c->source_prefix = c->source.len;
        /* Is it the caller's own drop-in? Its first line says so, seen as the file is read. */
        char head[256];
        int r = unit_syntax_parse_keys(&in, c->display, reads_key, on_assignment, c, &c->u->diags, ret_line, head,
                                       sizeof(head));
        if (host_path == c->u->fragment)
                return r;
        for (const char *const *m = ix->own_markers; m && *m; m++)
                if (startswith(head, *m)) {
                        if (strv_extend(&c->u->managed_dropins, host_path) < 0)
                                return -ENOMEM;
                        break;
                }
        return r;
}

Unit *unit_free(Unit *u) {
        if (!u)
                return NULL;
        free(u->name);
        free(u->id);
        strv_free(u->names);
        free(u->load_error);
        free(u->fragment);
        strv_free(u->dropins);
        strv_free(u->managed_dropins);
        env_list_done(&u->environment);
        for (size_t i = 0; i < u->n_env_files; i++) {
                free(u->env_files[i].path);
                free(u->env_files[i].source);
        }
        free(u->env_files);
        strv_free(u->unset_environment);
        strv_free(u->unset_sources);
        strv_free(u->pass_environment);
        strv_free(u->pass_sources);
        for (size_t i = 0; i < u->n_exec_start; i++)
                exec_command_done(&u->exec_start[i]);
        free(u->exec_start);
        Setting *settings[] = { &u->type, &u->user, &u->group, &u->dynamic_user, &u->protect_home,
                                &u->private_tmp, &u->root_directory, &u->root_image, &u->protect_system,
                                &u->working_directory };
        for (size_t i = 0; i < ELEMENTSOF(settings); i++)
                setting_done(settings[i]);
        strv_free(u->supplementary_groups);
        strv_free(u->inaccessible_paths);
        strv_free(u->temporary_filesystem);
        diags_done(&u->diags);
        free(u);
        return NULL;
}

/* Finds the fragment and all names (unit_file_find_fragment()). */
static int find_fragment(const UnitIndex *ix, Unit *u, const IdEntry **ret_entry) {
        _cleanup_free_ char *instance = NULL, *tpl = NULL;
        UnitNameKind kind = unit_name_classify(u->name);
        int r;

        *ret_entry = NULL;
        if (kind == UNIT_NAME_INSTANCE && (r = unit_name_instance(u->name, &instance)) < 0)
                return r;
        if ((r = add_names(ix, kind, instance, NULL, &u->names, u->name)) < 0)
                return r;

        const IdEntry *e = NULL;
        (void) ids_get(ix, u->name, &e);
        if (!e && kind == UNIT_NAME_INSTANCE) {
                if ((r = unit_name_template(u->name, &tpl)) < 0)
                        return r;
                (void) ids_get(ix, tpl, &e);
        }
        if (!e) {
                u->id = strdup(u->name);
                return u->id ? 0 : -ENOMEM;
        }
        *ret_entry = e;
        const char *frag = e->target;
        const char *fb = base_name(frag);
        if (!streq(fb, u->name) && (r = add_names(ix, kind, instance, fb, &u->names, fb)) < 0)
                return r;
        if (!(u->fragment = strdup(frag)))
                return -ENOMEM;

        /* The unit's id is the fragment's name, with the instance filled in for a template. */
        if (unit_name_classify(fb) == UNIT_NAME_TEMPLATE && instance)
                r = unit_name_replace_instance(fb, instance, &u->id);
        else
                r = (u->id = strdup(fb)) ? 0 : -ENOMEM;
        if (r < 0)
                return r;
        return add_name(&u->names, u->id);
}

/* The drop-in directories: the id in every search dir, then each alias, then "<type>.d". */
static int find_dropin_dirs(const UnitIndex *ix, const Unit *u, char ***ret) {
        _cleanup_strv_free_ char **dirs = NULL, **aliases = NULL;
        int r;

        for (char **n = u->names; *n; n++)
                if (!streq(*n, u->id) && (r = strv_extend(&aliases, *n)) < 0)
                        return r;
        strv_sort(aliases);  /* systemd's order here is hash order, i.e. undefined */
        if ((r = find_dirs_all(ix, u->id, &dirs)) < 0)
                return r;
        for (char **a = aliases; a && *a; a++)
                if ((r = find_dirs_all(ix, *a, &dirs)) < 0)
                        return r;
        if ((r = find_dirs_all(ix, unit_name_type(u->id), &dirs)) < 0)
                return r;
        *ret = TAKE_PTR(dirs);
        return 0;
}

/* The fragment could not be read or parsed (r < 0, not -ENOMEM, from parse_file() at line):
 * the load state systemd would give the unit, and why. */
static void fragment_failed(const LookupPaths *lp, Unit *u, int r, unsigned line) {
        if (r == -ENOENT || r == -EACCES) {
                /* A dangling linked file, or one PID 1 cannot open: systemd says not-found. */
                u->load_state = LOAD_NOT_FOUND;
                u->fragment = mfree(u->fragment);
                u->dropins = strv_free_and_null(u->dropins);
                return;
        }
        /* The fragment failed: systemd does not get to the drop-ins at all. */
        u->dropins = strv_free_and_null(u->dropins);
        u->load_state = LOAD_ERROR;
        /* The reader's own words name the problem ("line is not valid UTF-8"); strerror()
         * ("Invalid argument", "Bad message") does not. */
        const char *display = lookup_display_path(lp, u->fragment);
        _cleanup_free_ char *at = xasprintf("%s:%u: ", display, line);
        size_t n_diags = strv_length(u->diags.lines);
        const char *last = n_diags > 0 ? u->diags.lines[n_diags - 1] : NULL;
        if (line > 0 && at && last && startswith(last, at))
                u->load_error = strdup(last);
        else
                u->load_error = xasprintf("%s:%u: %s", display, line, strerror(-r));
}

/* Reads the drop-ins after the fragment. A fatal error in one only cuts that file short, as in
 * systemd. 0 or -ENOMEM. */
static int parse_dropins(LoadCtx *c, const UnitIndex *ix, const StrMap *plain) {
        const LookupPaths *lp = ix->lp;
        unsigned line = 0;

        /* The alias is merged into the real unit once the fragment is read: drop-ins see the
         * unit's own name (unit_load_fragment(); oracle tree 60). */
        c->spec.unit_id = c->u->id;
        for (char **d = c->u->dropins; d && *d; d++) {
                bool overlay = ix->overlay_path && streq(*d, ix->overlay_path);
                _cleanup_free_ char *res = NULL;
                /* A regular file as its directory listed it (in a resolved directory): opened with
                 * O_NOFOLLOW, its fstat() says whether it masks. Anything else the careful way. */
                int fd = !overlay && strmap_contains(plain, *d)
                                 ? open(*d, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW)
                                 : -1;
                struct stat st;
                if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)))
                        close(TAKE_FD(fd));
                if (fd >= 0 && st.st_size == 0) {
                        close(fd);  /* an empty file masks */
                        continue;
                }
                if (fd < 0 && (overlay ? isempty(ix->overlay_content) : dropin_null_or_empty(lp, *d, &res)))
                        continue;
                if (parse_file(c, ix, *d, res, fd, fd >= 0 ? (uint64_t) st.st_size : 0, &line) == -ENOMEM)
                        return -ENOMEM;
        }
        return 0;
}

/* service_verify(); without ExecStart= the type defaults to oneshot */
static void service_verify(const LookupPaths *lp, Unit *u) {
        bool oneshot = u->type.value && streq(u->type.value, "oneshot");

        if (u->n_exec_start == 0 && !u->has_exec_stop && !u->success_action) {
                u->load_state = LOAD_BAD_SETTING;
                u->load_error = xasprintf("%s: service has no ExecStart=, ExecStop=, or SuccessAction=",
                                          lookup_display_path(lp, u->fragment));
        } else if (u->n_exec_start > 1 && !oneshot) {
                u->load_state = LOAD_BAD_SETTING;
                u->load_error = xasprintf("%s: service has more than one ExecStart= setting, which is only allowed for Type=oneshot",
                                          u->exec_start[1].source);
        }
}

int unit_load(const UnitIndex *ix, const char *name, Unit **ret) {
        const LookupPaths *lp = ix->lp;
        int r;

        if (!unit_name_is_valid(name, UNIT_NAME_ANY))
                return -EINVAL;
        _cleanup_unit_ Unit *u = calloc(1, sizeof(Unit));
        if (!u || !(u->name = strdup(name)))
                return -ENOMEM;
        u->is_service = streq(unit_name_type(name), "service");

        const IdEntry *entry = NULL;
        if ((r = find_fragment(ix, u, &entry)) < 0)
                return r;
        if (!u->fragment) {
                u->load_state = LOAD_NOT_FOUND;
                *ret = TAKE_PTR(u);
                return 0;
        }
        _cleanup_free_ char *fragment_resolved = NULL;
        _cleanup_close_ int fd = open_plain_fragment(ix, entry);
        struct stat st;
        bool masked;
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
                masked = st.st_size == 0;
        else {
                if (fd >= 0)  /* not what readdir() saw: the careful way */
                        close(TAKE_FD(fd));
                masked = null_or_empty_resolve(lp, u->fragment, &fragment_resolved);
        }

        /* A masked unit still lists its drop-in directories (and ignores them). */
        _cleanup_strv_free_ char **dirs = NULL;
        _cleanup_(strmap_done) StrMap plain = {};
        if ((r = find_dropin_dirs(ix, u, &dirs)) < 0 || (r = list_dropins(ix, dirs, &u->dropins, &plain)) < 0)
                return r;
        if (masked) {
                /* since 257 a masked unit stops loading before its drop-ins are looked up */
                if (systemd_at_least(lp->version, SYSTEMD_V_MASKED_NO_DROPINS))
                        u->dropins = strv_free_and_null(u->dropins);
                u->load_state = LOAD_MASKED;
                *ret = TAKE_PTR(u);
                return 0;
        }

        _cleanup_(load_ctx_done) LoadCtx c = {
                .u = u,
                .lp = lp,
                /* Specifiers see the name the unit was loaded by: systemd parses the fragment before
                 * it merges an alias into the real unit. */
                .spec = { .unit_id = u->name, .root = lp->root, .user = lp->scope == SCOPE_USER,
                          .fragment_path = lookup_display_path(lp, u->fragment), .version = lp->version },
        };
        unsigned line = 0;
        r = parse_file(&c, ix, u->fragment, fragment_resolved, fd, fd >= 0 ? (uint64_t) st.st_size : 0, &line);
        fd = -1;  /* parse_file() closed it */
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                fragment_failed(lp, u, r, line);
        else if ((r = parse_dropins(&c, ix, &plain)) < 0)
                return r;
        else if (u->is_service)
                service_verify(lp, u);
        *ret = TAKE_PTR(u);
        return 0;
}

char *unit_dropin_dir(const Unit *u, const char *config_dir) {
        return xasprintf("%s/%s.d", config_dir, u->id);
}

int unit_load_booted(const UnitIndex *ix, const char *name, Unit **ret) {
        _cleanup_unit_ Unit *u = NULL;
        int r = unit_load(ix, name, &u);
        if (r < 0 || !u->id || streq(u->id, name) || unit_name_classify(u->id) == UNIT_NAME_TEMPLATE) {
                *ret = TAKE_PTR(u);
                return r;
        }
        _cleanup_unit_ Unit *own = NULL;
        if ((r = unit_load(ix, u->id, &own)) < 0)
                return r;
        /* keep the name asked for, for messages */
        free(own->name);
        own->name = TAKE_PTR(u->name);
        *ret = TAKE_PTR(own);
        return 0;
}
