/* SPDX-License-Identifier: MIT */
#include "cli.h"

int verb_apply(Context *c) {
        log_error("apply: not implemented yet");
        return EXIT_USAGE;
}
