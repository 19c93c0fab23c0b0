/* SPDX-License-Identifier: MIT */
#pragma once

/* Unified diff of two small texts, as `diff -u` prints it. Pure. */

#include "basic/util.h"

/* old_text/new_text NULL means the file is absent (label "/dev/null" is then expected).
 * Returns a malloc'd diff ("" when the texts are equal) or NULL on out of memory. Headers:
 * "--- <old_label>\n+++ <new_label>\n", hunks "@@ -a,b +c,d @@" with 3 lines of context,
 * "\ No newline at end of file" where needed. */
char *unified_diff(const char *old_text, const char *new_text, const char *old_label,
                   const char *new_label);
