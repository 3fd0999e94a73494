/* bearer-lifecycle.h: revoking (RFC 7009) and introspecting (RFC 7662) tokens
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "bearer-connection.h"
#include "bearer-profile.h"
#include "bearer-secrets.h"

G_BEGIN_DECLS

/**
 * BearerTokenKind:
 * @BEARER_TOKEN_ACCESS: the access token
 * @BEARER_TOKEN_REFRESH: the refresh token
 * @BEARER_TOKEN_ALL: both (revocation only)
 */
typedef enum {
  BEARER_TOKEN_ACCESS  = 1 << 0,
  BEARER_TOKEN_REFRESH = 1 << 1,
  BEARER_TOKEN_ALL     = BEARER_TOKEN_ACCESS | BEARER_TOKEN_REFRESH,
} BearerTokenKind;

/**
 * BearerRevokeFlags:
 * @BEARER_REVOKE_NONE: forget only what the server confirmed it revoked
 * @BEARER_REVOKE_FORGET: forget the tokens here even when the server could
 *   not revoke them (no endpoint, an error): the user asked for it
 */
typedef enum {
  BEARER_REVOKE_NONE   = 0,
  BEARER_REVOKE_FORGET = 1 << 0,
} BearerRevokeFlags;

#define BEARER_TYPE_INTROSPECTION (bearer_introspection_get_type ())
G_DECLARE_FINAL_TYPE (BearerIntrospection, bearer_introspection, BEARER, INTROSPECTION, GObject)

gboolean             bearer_introspection_get_active     (BearerIntrospection *self);
gint64               bearer_introspection_get_exp        (BearerIntrospection *self);
gint64               bearer_introspection_get_iat        (BearerIntrospection *self);
const char          *bearer_introspection_get_scope      (BearerIntrospection *self);
const char          *bearer_introspection_get_client_id  (BearerIntrospection *self);
const char          *bearer_introspection_get_sub        (BearerIntrospection *self);
const char          *bearer_introspection_get_username   (BearerIntrospection *self);
const char          *bearer_introspection_get_token_type (BearerIntrospection *self);
JsonObject          *bearer_introspection_get_fields     (BearerIntrospection *self);
char                *bearer_introspection_to_json        (BearerIntrospection *self);

BearerIntrospection *bearer_introspection_parse          (guint                status,
                                                          const char          *content_type,
                                                          GBytes              *body,
                                                          GError             **error);

/* One exchange, with the profile's settings and client authentication. */
void                 bearer_revoke_token_async           (BearerProfile       *profile,
                                                          const BearerSecrets *secrets,
                                                          BearerTokenKind      kind,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
gboolean             bearer_revoke_token_finish          (GAsyncResult        *result,
                                                          GError             **error);
void                 bearer_introspect_token_async       (BearerProfile       *profile,
                                                          const BearerSecrets *secrets,
                                                          BearerTokenKind      kind,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
BearerIntrospection *bearer_introspect_token_finish      (GAsyncResult        *result,
                                                          GError             **error);

/* On a connection: the tokens the keyring holds. */
void                 bearer_connection_revoke_async      (BearerConnection    *self,
                                                          BearerTokenKind      which,
                                                          BearerRevokeFlags    flags,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
gboolean             bearer_connection_revoke_finish     (BearerConnection    *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);
void                 bearer_connection_introspect_async  (BearerConnection    *self,
                                                          BearerTokenKind      kind,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
BearerIntrospection *bearer_connection_introspect_finish (BearerConnection    *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);

G_END_DECLS
