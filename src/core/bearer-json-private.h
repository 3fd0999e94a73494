/* bearer-json-private.h: parsing untrusted JSON safely
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Deeper nesting than this is refused before json-glib sees it. */
#define BEARER_JSON_MAX_DEPTH 64

typedef enum {
  BEARER_JSON_OK,
  BEARER_JSON_NOT_TEXT,    /* a NUL byte or invalid UTF-8 */
  BEARER_JSON_TOO_DEEP,
  BEARER_JSON_SYNTAX,
} BearerJsonStatus;

BearerJsonStatus bearer_json_parse (const char  *data,
                                    gsize        size,
                                    JsonNode   **root,
                                    char       **detail);
gboolean         bearer_json_node_is_text (JsonNode   *node);

G_END_DECLS
