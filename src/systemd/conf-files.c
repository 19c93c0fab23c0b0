/* SPDX-License-Identifier: MIT */
#include <dirent.h>

#include "systemd/conf-files.h"

bool hidden_or_backup_file(const char *n) {
        static const char *const suffixes[] = {
                "~", ".rpmnew", ".rpmsave", ".rpmorig", ".dpkg-old", ".dpkg-new", ".dpkg-tmp",
                ".dpkg-dist", ".dpkg-bak", ".dpkg-backup", ".dpkg-remove", ".ucf-new", ".ucf-old",
                ".ucf-dist", ".swp", ".bak", ".old", ".new",
        };
        if (n[0] == '.' || streq(n, "lost+found") || streq(n, "aquota.user") || streq(n, "aquota.group"))
                return true;
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
                if (endswith(n, suffixes[i]))
                        return true;
        return false;
}

/* conf_files_add(), and *ret_added: dir/name, when it was added (owned by c->files). */
static int add_one(ConfFiles *c, const char *dir, const char *name, const char **ret_added) {
        *ret_added = NULL;
        int k = strmap_put(&c->seen, name, NULL);
        if (k <= 0)
                return k < 0 ? -ENOMEM : 0;
        char *p = strjoin_path(dir, name);
        if (!p || strv_consume(&c->files, p) < 0)
                return -ENOMEM;
        *ret_added = p;
        return 0;
}

int conf_files_add(ConfFiles *c, const char *dir, const char *name) {
        const char *added;
        return add_one(c, dir, name, &added);
}

int conf_files_add_dir(ConfFiles *c, const char *host, const char *dir, const char *skip) {
        DIR *dh = opendir(host);
        int r = 0;

        if (!dh)
                return 0;
        for (struct dirent *de; r >= 0 && (de = readdir(dh));) {
                if (hidden_or_backup_file(de->d_name) || !endswith(de->d_name, ".conf"))
                        continue;
                if (skip && streq(skip, de->d_name))
                        continue;
                const char *added;
                r = add_one(c, dir, de->d_name, &added);
                if (r >= 0 && added && c->plain && de->d_type == DT_REG && strmap_put(c->plain, added, NULL) < 0)
                        r = -ENOMEM;
        }
        closedir(dh);
        return r;
}

static const char *file_name(const char *p) {
        const char *s = strrchr(p, '/');
        return s ? s + 1 : p;
}

static int cmp_file_name(const void *a, const void *b) {
        return strcmp(file_name(*(char *const *) a), file_name(*(char *const *) b));
}

char **conf_files_steal(ConfFiles *c) {
        if (c->files)
                qsort(c->files, strv_length(c->files), sizeof(char *), cmp_file_name);
        strmap_done(&c->seen);
        return TAKE_PTR(c->files);
}

void conf_files_done(ConfFiles *c) {
        strmap_done(&c->seen);
        strv_free(c->files);
        *c = (ConfFiles) {};
}
