/* bearer-jwt.h: JWTs decoded for display, never trusted
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define BEARER_JWT_ERROR (bearer_jwt_error_quark ())

typedef enum {
  BEARER_JWT_ERROR_NOT_A_JWT,   /* not three dot-separated parts */
  BEARER_JWT_ERROR_ENCRYPTED,   /* a JWE: five parts, nothing to show */
  BEARER_JWT_ERROR_BASE64,      /* a part is not base64url */
  BEARER_JWT_ERROR_JSON,        /* a part is not a JSON object */
} BearerJwtError;

GQuark   bearer_jwt_error_quark (void);

gboolean bearer_jwt_decode      (const char  *token,
                                 JsonObject **header,
                                 JsonObject **payload,
                                 GError     **error);
gboolean bearer_jwt_get_exp     (const char  *token,
                                 gint64      *exp);
GBytes  *bearer_base64url_decode (const char *text,
                                  gssize      length,
                                  GError    **error);

G_END_DECLS
