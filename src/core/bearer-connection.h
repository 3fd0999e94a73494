/* bearer-connection.h: one profile, its secrets and its token, as one object
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "bearer-profile-store.h"
#include "bearer-refresh.h"
#include "bearer-sign-in.h"

G_BEGIN_DECLS

/**
 * BearerTokenState:
 * @BEARER_TOKEN_STATE_LOADING: the keyring has not answered yet
 * @BEARER_TOKEN_STATE_NONE: no access token
 * @BEARER_TOKEN_STATE_VALID: an access token with more than the refresh margin left (or an unknown expiry)
 * @BEARER_TOKEN_STATE_EXPIRING: an access token with less than the refresh margin left
 * @BEARER_TOKEN_STATE_EXPIRED: an access token past its expiry
 * @BEARER_TOKEN_STATE_REFRESHING: a refresh is under way
 * @BEARER_TOKEN_STATE_SIGN_IN: the server refused the refresh token: sign in again
 * @BEARER_TOKEN_STATE_FAILED: the last refresh failed and there is no usable token (see the error)
 */
typedef enum {
  BEARER_TOKEN_STATE_LOADING,    /*< nick=loading >*/
  BEARER_TOKEN_STATE_NONE,       /*< nick=none >*/
  BEARER_TOKEN_STATE_VALID,      /*< nick=valid >*/
  BEARER_TOKEN_STATE_EXPIRING,   /*< nick=expiring >*/
  BEARER_TOKEN_STATE_EXPIRED,    /*< nick=expired >*/
  BEARER_TOKEN_STATE_REFRESHING, /*< nick=refreshing >*/
  BEARER_TOKEN_STATE_SIGN_IN,    /*< nick=sign-in >*/
  BEARER_TOKEN_STATE_FAILED,     /*< nick=failed >*/
} BearerTokenState;

/**
 * BearerSecretKind:
 * @BEARER_SECRET_CLIENT_SECRET: the client secret
 * @BEARER_SECRET_REFRESH_TOKEN: the refresh token
 * @BEARER_SECRET_PASSWORD: the resource owner's password (password grant)
 * @BEARER_SECRET_PRIVATE_KEY: the client's private key as PEM (private_key_jwt)
 * @BEARER_SECRET_CLIENT_KEY: the PEM private key of the client certificate
 *   (RFC 8705), set from a file the user chose; never shown
 */
typedef enum {
  BEARER_SECRET_CLIENT_SECRET, /*< nick=client-secret >*/
  BEARER_SECRET_REFRESH_TOKEN, /*< nick=refresh-token >*/
  BEARER_SECRET_PASSWORD,      /*< nick=password >*/
  BEARER_SECRET_PRIVATE_KEY,   /*< nick=private-key >*/
  BEARER_SECRET_CLIENT_KEY,    /*< nick=client-key >*/
  BEARER_N_SECRETS,            /*< skip >*/
} BearerSecretKind;

/* How long editing must pause before the edits are saved. */
#define BEARER_CONNECTION_SAVE_DELAY_MS 500

/* Seconds since the epoch; the connection list's clock (a test's own). */
typedef gint64 (*BearerNowFunc) (gpointer user_data);

#define BEARER_TYPE_CONNECTION (bearer_connection_get_type ())
G_DECLARE_FINAL_TYPE (BearerConnection, bearer_connection, BEARER, CONNECTION, GObject)

BearerConnection    *bearer_connection_new                    (BearerProfileStore   *store,
                                                               BearerProfile        *profile);

BearerProfile       *bearer_connection_get_profile            (BearerConnection     *self);
const char          *bearer_connection_get_id                 (BearerConnection     *self);

/* Secrets: what the form shows and the refresh uses. */
const char          *bearer_connection_get_secret             (BearerConnection     *self,
                                                               BearerSecretKind      kind);
void                 bearer_connection_set_secret             (BearerConnection     *self,
                                                               BearerSecretKind      kind,
                                                               const char           *value);
gboolean             bearer_connection_get_secrets_loaded     (BearerConnection     *self);
const GError        *bearer_connection_get_secrets_error      (BearerConnection     *self);
void                 bearer_connection_set_secrets            (BearerConnection     *self,
                                                               const BearerSecrets  *secrets);
void                 bearer_connection_set_secrets_error      (BearerConnection     *self,
                                                               const GError         *error);
void                 bearer_connection_reload_secrets         (BearerConnection     *self);

/* The token. */
BearerTokenState     bearer_connection_get_state              (BearerConnection     *self);
const char          *bearer_connection_get_access_token       (BearerConnection     *self);
const char          *bearer_connection_get_token_type         (BearerConnection     *self);
gint64               bearer_connection_get_expires_at         (BearerConnection     *self);
const char          *bearer_connection_get_scope              (BearerConnection     *self);
BearerTokenResponse *bearer_connection_get_response           (BearerConnection     *self);
gboolean             bearer_connection_get_rotated            (BearerConnection     *self);
gboolean             bearer_connection_get_stored             (BearerConnection     *self);
gboolean             bearer_connection_get_has_refresh_token  (BearerConnection     *self);
const GError        *bearer_connection_get_error              (BearerConnection     *self);
BearerSecrets       *bearer_connection_dup_token              (BearerConnection     *self);

void                 bearer_connection_refresh_async          (BearerConnection     *self,
                                                               BearerRefreshFlags    flags,
                                                               GCancellable         *cancellable,
                                                               GAsyncReadyCallback   callback,
                                                               gpointer              user_data);
void                 bearer_connection_get_token_async        (BearerConnection     *self,
                                                               guint                 min_valid,
                                                               GCancellable         *cancellable,
                                                               GAsyncReadyCallback   callback,
                                                               gpointer              user_data);
BearerRefreshResult *bearer_connection_refresh_finish         (BearerConnection     *self,
                                                               GAsyncResult         *result,
                                                               GError              **error);

/* Signing in from zero (the browser, the device grant). */
void                 bearer_connection_sign_in_async          (BearerConnection     *self,
                                                               BearerSignIn         *sign_in,
                                                               GCancellable         *cancellable,
                                                               GAsyncReadyCallback   callback,
                                                               gpointer              user_data);
BearerRefreshResult *bearer_connection_sign_in_finish         (BearerConnection     *self,
                                                               GAsyncResult         *result,
                                                               GError              **error);

/* Saving. */
gboolean             bearer_connection_get_saved              (BearerConnection     *self);
gboolean             bearer_connection_get_editing            (BearerConnection     *self);
void                 bearer_connection_set_save_delay         (BearerConnection     *self,
                                                               guint                 milliseconds);
void                 bearer_connection_save_now               (BearerConnection     *self);
void                 bearer_connection_flush_async            (BearerConnection     *self,
                                                               GAsyncReadyCallback   callback,
                                                               gpointer              user_data);
gboolean             bearer_connection_flush_finish           (BearerConnection     *self,
                                                               GAsyncResult         *result,
                                                               GError              **error);
void                 bearer_connection_close_async            (BearerConnection     *self,
                                                               GAsyncReadyCallback   callback,
                                                               gpointer              user_data);
gboolean             bearer_connection_close_finish           (BearerConnection     *self,
                                                               GAsyncResult         *result,
                                                               GError              **error);

/* Time. */
void                 bearer_connection_set_now_func           (BearerConnection     *self,
                                                               BearerNowFunc         now_func,
                                                               gpointer              now_data);
gint64               bearer_connection_now                    (BearerConnection     *self);
void                 bearer_connection_update_state           (BearerConnection     *self);
gint64               bearer_connection_get_next_change        (BearerConnection     *self);

G_END_DECLS
