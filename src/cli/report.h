/* SPDX-License-Identifier: MIT */
#pragma once

/* Output and unit lists that status, audit and set share. */

#include "cli/cli.h"

/* Every service unit the search path defines, templates excepted. */
int collect_service_names(const Context *c, char ***ret);
/* Does the unit have any TLS setting (or a unit-tls drop-in)? */
bool tls_relevant(const Inspection *in);

void print_findings_json(Json *j, const Findings *f);
/* The unit fields of --json (unit-tls(8), COMMANDS); findings NULL means the inspection's own. */
void print_unit_json(Json *j, const LookupPaths *lp, const Unit *u, const Inspection *in, const Findings *findings);
