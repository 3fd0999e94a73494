/* bearer-secrets.h: a profile's secrets, in the system keyring
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libsecret/secret.h>

G_BEGIN_DECLS

#define BEARER_KEYRING_ERROR (bearer_keyring_error_quark ())

typedef enum {
  BEARER_KEYRING_ERROR_UNAVAILABLE, /* no secret service at all */
  BEARER_KEYRING_ERROR_LOCKED,      /* locked, and not unlocked at the prompt */
  BEARER_KEYRING_ERROR_CORRUPT,     /* the stored item is not Bearer's bundle */
  BEARER_KEYRING_ERROR_FAILED,
  BEARER_KEYRING_ERROR_INVALID,     /* a secret is not valid text: nothing was stored */
} BearerKeyringError;

/**
 * BearerSecrets:
 *
 * Everything secret about one profile, stored as one keyring item (a JSON
 * bundle) so that a rotated refresh token and its access token are always
 * written together, in one step. Strings are wiped when freed.
 */
typedef struct _BearerSecrets BearerSecrets;

#define BEARER_TYPE_SECRETS (bearer_secrets_get_type ())

GQuark              bearer_keyring_error_quark       (void);
const SecretSchema *bearer_secrets_get_schema        (void);

GType               bearer_secrets_get_type          (void) G_GNUC_CONST;
BearerSecrets      *bearer_secrets_new               (void);
BearerSecrets      *bearer_secrets_copy              (const BearerSecrets *self);
BearerSecrets      *bearer_secrets_ref               (BearerSecrets       *self);
void                bearer_secrets_unref             (BearerSecrets       *self);

const char         *bearer_secrets_get_client_secret (const BearerSecrets *self);
void                bearer_secrets_set_client_secret (BearerSecrets       *self,
                                                      const char          *value);
const char         *bearer_secrets_get_refresh_token (const BearerSecrets *self);
void                bearer_secrets_set_refresh_token (BearerSecrets       *self,
                                                      const char          *value);
const char         *bearer_secrets_get_password      (const BearerSecrets *self);
void                bearer_secrets_set_password      (BearerSecrets       *self,
                                                      const char          *value);
const char         *bearer_secrets_get_private_key   (const BearerSecrets *self);
void                bearer_secrets_set_private_key   (BearerSecrets       *self,
                                                      const char          *value);
const char         *bearer_secrets_get_client_key    (const BearerSecrets *self);
void                bearer_secrets_set_client_key    (BearerSecrets       *self,
                                                      const char          *value);
const char         *bearer_secrets_get_dpop_key      (const BearerSecrets *self);
void                bearer_secrets_set_dpop_key      (BearerSecrets       *self,
                                                      const char          *value);
const char         *bearer_secrets_get_access_token  (const BearerSecrets *self);
const char         *bearer_secrets_get_token_type    (const BearerSecrets *self);
gint64              bearer_secrets_get_expires_at    (const BearerSecrets *self);
const char         *bearer_secrets_get_scope         (const BearerSecrets *self);
void                bearer_secrets_set_access_token  (BearerSecrets       *self,
                                                      const char          *access_token,
                                                      const char          *token_type,
                                                      gint64               expires_at,
                                                      const char          *scope);
gboolean            bearer_secrets_get_needs_sign_in (const BearerSecrets *self);
void                bearer_secrets_set_needs_sign_in (BearerSecrets       *self,
                                                      gboolean             needs_sign_in);
gint64              bearer_secrets_get_updated_at    (const BearerSecrets *self);
void                bearer_secrets_set_updated_at    (BearerSecrets       *self,
                                                      gint64               updated_at);
gboolean            bearer_secrets_get_repaired      (const BearerSecrets *self);
gboolean            bearer_secrets_is_empty          (const BearerSecrets *self);
gboolean            bearer_secrets_token_valid_for   (const BearerSecrets *self,
                                                      gint64               now,
                                                      guint                seconds);

void                bearer_secrets_lookup_async      (const char          *profile_id,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
BearerSecrets      *bearer_secrets_lookup_finish     (GAsyncResult        *result,
                                                      GError             **error);
void                bearer_secrets_lookup_all_async  (GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
GHashTable         *bearer_secrets_lookup_all_finish (GAsyncResult        *result,
                                                      GError             **error);
void                bearer_secrets_store_async       (const char          *profile_id,
                                                      const char          *profile_name,
                                                      BearerSecrets       *secrets,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
gboolean            bearer_secrets_store_finish      (GAsyncResult        *result,
                                                      GError             **error);
void                bearer_secrets_delete_async      (const char          *profile_id,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
gboolean            bearer_secrets_delete_finish     (GAsyncResult        *result,
                                                      GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BearerSecrets, bearer_secrets_unref)

void                bearer_secrets_set_may_prompt    (gboolean             prompt);

G_END_DECLS
