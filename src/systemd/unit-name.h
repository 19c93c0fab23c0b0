/* SPDX-License-Identifier: MIT */
#pragma once

/* Unit names as systemd validates and completes them. Pure. */

#include "basic/util.h"

#define UNIT_NAME_MAX 256
#define UNIT_NAME_HASH_LENGTH_CHARS 16

typedef enum UnitNameKind {
        UNIT_NAME_INVALID = 0,
        UNIT_NAME_PLAIN = 1 << 0,     /* foo.service */
        UNIT_NAME_TEMPLATE = 1 << 1,  /* foo@.service */
        UNIT_NAME_INSTANCE = 1 << 2,  /* foo@bar.service */
        UNIT_NAME_ANY = UNIT_NAME_PLAIN | UNIT_NAME_TEMPLATE | UNIT_NAME_INSTANCE,
} UnitNameKind;

/* The kind of a valid unit name, or UNIT_NAME_INVALID. */
UnitNameKind unit_name_classify(const char *name);
bool unit_name_is_valid(const char *name, UnitNameKind allowed);
/* A valid drop-in prefix such as "foo-" (valid characters, no '@'). */
bool unit_prefix_is_valid(const char *prefix, size_t n);
/* "service" for "foo.service", NULL when the suffix is not a known unit type. */
const char *unit_name_type(const char *name);
bool unit_type_is_valid(const char *type);
bool unit_type_may_alias(const char *type);
bool unit_type_may_template(const char *type);

/* "foo@bar.service" -> "foo@.service". -EINVAL when name is not an instance. */
int unit_name_template(const char *name, char **ret);
/* "foo@bar.service" -> "bar". -EINVAL when name is not an instance. */
int unit_name_instance(const char *name, char **ret);
/* "foo@.service" + "bar" -> "foo@bar.service". */
int unit_name_replace_instance(const char *name, const char *instance, char **ret);
/* The prefix: part before '@', or before the type suffix. */
int unit_name_prefix(const char *name, char **ret);

/* unit_name_unescape(): '-' is '/', "\xHH" a byte, any other backslash an error. */
int unit_name_unescape(const char *f, char **ret);
/* unit_name_path_unescape(): "-" is "/", "a-b" is "/a/b"; -EINVAL for what no path escapes to. */
int unit_name_path_unescape(const char *f, char **ret);
/* A long name systemd shortened with a hash ("..._0123456789abcdef.mount"): no path in it. */
bool unit_name_is_hashed(const char *id);

/* systemctl's unit_name_mangle_with_suffix(name, ".service") for systemd version: a valid name
 * stays as it is (0); a device path becomes NAME.device, another absolute path NAME.mount,
 * anything else is escaped ('/' -> '-', bytes outside a name's characters -> "\xHH") and
 * gets ".service" unless it names a type (1). -EINVAL when even that is no unit name,
 * -ENAMETOOLONG over 255 bytes (where systemd would hash a path's name). */
int unit_name_mangle(const char *name, unsigned version, char **ret);
/* Strict, for configuration files: a valid name, or one with ".service" appended; else -EINVAL. */
int unit_name_with_suffix(const char *input, char **ret);
/* unit_name_mangle() for a name typed on the command line: -EINVAL with *ret_why (static) on failure. */
int unit_name_complete(const char *input, unsigned version, char **ret, const char **ret_why);
