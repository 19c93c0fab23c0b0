/* SPDX-License-Identifier: MIT */
#pragma once

/* A minimal streaming JSON writer into a Buf. Pure. */

#include "basic/util.h"

typedef struct Json {
        Buf out;
        int depth;
        bool first[64];     /* no comma needed yet at this depth */
        bool after_key;
} Json;

void json_begin_object(Json *j, const char *key);  /* key NULL inside arrays / at top */
void json_end_object(Json *j);
void json_begin_array(Json *j, const char *key);
void json_end_array(Json *j);
void json_string(Json *j, const char *key, const char *value);  /* value NULL -> null */
void json_bool(Json *j, const char *key, bool value);
void json_int(Json *j, const char *key, long long value);
