/* SPDX-License-Identifier: MIT */
#include "cli.h"

int verb_set(Context *c) {
        log_error("set: not implemented yet");
        return EXIT_USAGE;
}

int verb_unset(Context *c) {
        log_error("unset: not implemented yet");
        return EXIT_USAGE;
}
