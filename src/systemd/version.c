/* SPDX-License-Identifier: MIT */
#include <dirent.h>

#include "systemd/version.h"

int systemd_version_parse(const char *s, unsigned *ret) {
        if (!s)
                return -EINVAL;
        if (*s == 'v')
                s++;
        unsigned long v = 0;
        const char *p = s;
        for (; *p >= '0' && *p <= '9' && v < 100000; p++)
                v = v * 10 + (unsigned long) (*p - '0');
        if (p == s || v == 0 || v >= 100000 || (*p && *p != '.' && *p != '-' && *p != '~' && *p != ' '))
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

/* libsystemd-shared-NNN.so (Debian), libsystemd-shared-NNN.x-y.fcZZ.so (Fedora) in dir. */
static int version_in_dir(const char *dir, unsigned *ret) {
        DIR *d = opendir(dir);
        if (!d)
                return -ENOENT;
        unsigned best = 0;
        for (struct dirent *de; (de = readdir(d));) {
                const char *v = startswith(de->d_name, "libsystemd-shared-");
                unsigned n;
                if (v && endswith(v, ".so") && systemd_version_parse(v, &n) >= 0 && n > best)
                        best = n;
        }
        closedir(d);
        if (!best)
                return -ENOENT;
        *ret = best;
        return 0;
}

/* Debian's multiarch directories: /usr/lib/TRIPLET/systemd. */
static int version_multiarch(const char *usr_lib, unsigned *ret) {
        DIR *d = opendir(usr_lib);
        if (!d)
                return -ENOENT;
        int r = -ENOENT;
        for (struct dirent *de; r == -ENOENT && (de = readdir(d));) {
                if (!strstr(de->d_name, "-linux-"))
                        continue;
                _cleanup_free_ char *p = xasprintf("%s/%s/systemd", usr_lib, de->d_name);
                r = p ? version_in_dir(p, ret) : -ENOMEM;
        }
        closedir(d);
        return r;
}

int systemd_version_detect(const char *root, unsigned *ret) {
        static const char *const dirs[] = { "/usr/lib/systemd", "/usr/lib64/systemd", "/lib/systemd" };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_free_ char *p = root ? strjoin_path(root, dirs[i]) : strdup(dirs[i]);
                if (!p)
                        return -ENOMEM;
                if (version_in_dir(p, ret) >= 0)
                        return 0;
        }
        _cleanup_free_ char *usr_lib = root ? strjoin_path(root, "/usr/lib") : strdup("/usr/lib");
        return usr_lib ? version_multiarch(usr_lib, ret) : -ENOMEM;
}

unsigned systemd_version_resolve(const char *root, unsigned asked) {
        unsigned v = asked;
        if (!v && systemd_version_detect(root, &v) < 0 && (!root || systemd_version_detect(NULL, &v) < 0))
                v = SYSTEMD_VERSION_MAX;
        return v;
}
