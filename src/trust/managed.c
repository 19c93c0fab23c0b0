/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "basic/util.h"
#include "trust/managed.h"

const char *const managed_markers[] = { DROPIN_HEADER, GENERATED_HEADER_PREFIX, NULL };

char *dropin_generated_origin(const char *host_path) {
        _cleanup_fclose_ FILE *f = fopen(host_path, "re");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        if (!f || getline(&line, &cap, f) < 0)
                return NULL;
        const char *rest = startswith(line, GENERATED_HEADER_PREFIX);
        if (!rest)
                return NULL;
        return strndup(rest, strcspn(rest, "\n"));
}
