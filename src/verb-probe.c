/* SPDX-License-Identifier: MIT */
#include "cli.h"

int verb_probe(Context *c) {
        log_error("probe: not implemented yet");
        return EXIT_USAGE;
}
