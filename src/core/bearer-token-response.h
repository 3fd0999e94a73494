/* bearer-token-response.h: a token endpoint's answer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "bearer-enums.h"

G_BEGIN_DECLS

#define BEARER_TYPE_TOKEN_RESPONSE (bearer_token_response_get_type ())
G_DECLARE_FINAL_TYPE (BearerTokenResponse, bearer_token_response, BEARER, TOKEN_RESPONSE, GObject)

/**
 * BearerExpirySource:
 * @BEARER_EXPIRY_UNKNOWN: the server said nothing and the token is not a JWT with `exp`
 * @BEARER_EXPIRY_EXPIRES_IN: from the reply's `expires_in`
 * @BEARER_EXPIRY_JWT_EXP: from the access token's JWT `exp` claim
 */
typedef enum {
  BEARER_EXPIRY_UNKNOWN,
  BEARER_EXPIRY_EXPIRES_IN,
  BEARER_EXPIRY_JWT_EXP,
} BearerExpirySource;

/* The largest expires_in taken as meaning something (100 years); more is an error. */
#define BEARER_MAX_EXPIRES_IN G_GINT64_CONSTANT (3155760000)

BearerTokenResponse *bearer_token_response_parse               (guint                status,
                                                                const char          *content_type,
                                                                GBytes              *body,
                                                                BearerGrantType      grant_type,
                                                                gint64               now,
                                                                GError             **error);

const char          *bearer_token_response_get_access_token    (BearerTokenResponse *self);
const char          *bearer_token_response_get_token_type      (BearerTokenResponse *self);
gint64               bearer_token_response_get_expires_at      (BearerTokenResponse *self);
BearerExpirySource   bearer_token_response_get_expiry_source   (BearerTokenResponse *self);
const char          *bearer_token_response_get_refresh_token   (BearerTokenResponse *self);
gboolean             bearer_token_response_get_refresh_token_issued (BearerTokenResponse *self);
gboolean             bearer_token_response_get_refresh_token_rotated (BearerTokenResponse *self);
void                 bearer_token_response_keep_refresh_token  (BearerTokenResponse *self,
                                                                const char          *previous);
const char          *bearer_token_response_get_scope           (BearerTokenResponse *self);
const char          *bearer_token_response_get_id_token        (BearerTokenResponse *self);
JsonObject          *bearer_token_response_get_fields          (BearerTokenResponse *self);
char                *bearer_token_response_dup_authorization_header (BearerTokenResponse *self);
char                *bearer_token_response_dup_redacted_body   (BearerTokenResponse *self);

G_END_DECLS
