/* bearer-profile.h: everything about a connection that is not secret
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "bearer-enums.h"
#include "bearer-token-request.h"

G_BEGIN_DECLS

#define BEARER_TYPE_PROFILE (bearer_profile_get_type ())
G_DECLARE_FINAL_TYPE (BearerProfile, bearer_profile, BEARER, PROFILE, GObject)

/* The default margin: a token with less than this left is refreshed. */
#define BEARER_PROFILE_DEFAULT_REFRESH_MARGIN 60

BearerProfile      *bearer_profile_new                   (const char          *name);
BearerProfile      *bearer_profile_new_from_json         (JsonObject          *object,
                                                          GError             **error);
gboolean            bearer_profile_check_name            (const char          *name,
                                                          GError             **error);
JsonObject         *bearer_profile_to_json               (BearerProfile       *self);
BearerProfile      *bearer_profile_duplicate             (BearerProfile       *self,
                                                          const char          *name);
void                bearer_profile_update_from           (BearerProfile       *self,
                                                          BearerProfile       *other);

const char         *bearer_profile_get_id                (BearerProfile       *self);
const char         *bearer_profile_get_name              (BearerProfile       *self);
void                bearer_profile_set_name              (BearerProfile       *self,
                                                          const char          *name);
const char         *bearer_profile_get_preset            (BearerProfile       *self);
void                bearer_profile_set_preset            (BearerProfile       *self,
                                                          const char          *preset);
const char         *bearer_profile_get_token_url         (BearerProfile       *self);
void                bearer_profile_set_token_url         (BearerProfile       *self,
                                                          const char          *url);
const char         *bearer_profile_get_authorization_url (BearerProfile       *self);
void                bearer_profile_set_authorization_url (BearerProfile       *self,
                                                          const char          *url);
const char         *bearer_profile_get_client_id         (BearerProfile       *self);
void                bearer_profile_set_client_id         (BearerProfile       *self,
                                                          const char          *client_id);
const char         *bearer_profile_get_username          (BearerProfile       *self);
void                bearer_profile_set_username          (BearerProfile       *self,
                                                          const char          *username);
BearerGrantType     bearer_profile_get_grant_type        (BearerProfile       *self);
void                bearer_profile_set_grant_type        (BearerProfile       *self,
                                                          BearerGrantType      grant_type);
const char         *bearer_profile_get_scope             (BearerProfile       *self);
void                bearer_profile_set_scope             (BearerProfile       *self,
                                                          const char          *scope);
const char         *bearer_profile_get_audience          (BearerProfile       *self);
void                bearer_profile_set_audience          (BearerProfile       *self,
                                                          const char          *audience);
const char         *bearer_profile_get_resource          (BearerProfile       *self);
void                bearer_profile_set_resource          (BearerProfile       *self,
                                                          const char          *resource);
BearerClientAuth    bearer_profile_get_client_auth       (BearerProfile       *self);
void                bearer_profile_set_client_auth       (BearerProfile       *self,
                                                          BearerClientAuth     auth);
BearerBodyEncoding  bearer_profile_get_body_encoding     (BearerProfile       *self);
void                bearer_profile_set_body_encoding     (BearerProfile       *self,
                                                          BearerBodyEncoding   encoding);
const char         *bearer_profile_get_ca_file           (BearerProfile       *self);
void                bearer_profile_set_ca_file           (BearerProfile       *self,
                                                          const char          *ca_file);
/* Sign-in (authorization code, device grant) and discovery. */
const char         *bearer_profile_get_redirect_uri      (BearerProfile       *self);
void                bearer_profile_set_redirect_uri      (BearerProfile       *self,
                                                          const char          *uri);
BearerPkceMethod    bearer_profile_get_pkce_method       (BearerProfile       *self);
void                bearer_profile_set_pkce_method       (BearerProfile       *self,
                                                          BearerPkceMethod     method);
const char         *bearer_profile_get_issuer            (BearerProfile       *self);
void                bearer_profile_set_issuer            (BearerProfile       *self,
                                                          const char          *issuer);
const char         *bearer_profile_get_device_authorization_url (BearerProfile *self);
void                bearer_profile_set_device_authorization_url (BearerProfile *self,
                                                          const char          *url);
const char         *bearer_profile_get_revocation_url    (BearerProfile       *self);
void                bearer_profile_set_revocation_url    (BearerProfile       *self,
                                                          const char          *url);
const char         *bearer_profile_get_introspection_url (BearerProfile       *self);
void                bearer_profile_set_introspection_url (BearerProfile       *self,
                                                          const char          *url);
const char         *bearer_profile_get_client_certificate (BearerProfile      *self);
void                bearer_profile_set_client_certificate (BearerProfile      *self,
                                                           const char         *value);
gboolean            bearer_profile_get_allow_insecure_http (BearerProfile     *self);
void                bearer_profile_set_allow_insecure_http (BearerProfile     *self,
                                                          gboolean             allow);
gboolean            bearer_profile_get_auto_refresh      (BearerProfile       *self);
void                bearer_profile_set_auto_refresh      (BearerProfile       *self,
                                                          gboolean             auto_refresh);
const char         *bearer_profile_get_key_id            (BearerProfile       *self);
void                bearer_profile_set_key_id            (BearerProfile       *self,
                                                          const char          *key_id);
BearerSigningAlg    bearer_profile_get_signing_alg       (BearerProfile       *self);
void                bearer_profile_set_signing_alg       (BearerProfile       *self,
                                                          BearerSigningAlg     alg);
gboolean            bearer_profile_get_assertion_audience_issuer (BearerProfile *self);
void                bearer_profile_set_assertion_audience_issuer (BearerProfile *self,
                                                          gboolean             issuer);
gboolean            bearer_profile_get_dpop              (BearerProfile       *self);
void                bearer_profile_set_dpop              (BearerProfile       *self,
                                                          gboolean             dpop);
gboolean            bearer_profile_get_keep_alive        (BearerProfile       *self);
void                bearer_profile_set_keep_alive        (BearerProfile       *self,
                                                          gboolean             keep_alive);
gboolean            bearer_profile_get_ask_before_use    (BearerProfile       *self);
void                bearer_profile_set_ask_before_use    (BearerProfile       *self,
                                                          gboolean             ask);
guint               bearer_profile_get_refresh_margin    (BearerProfile       *self);
void                bearer_profile_set_refresh_margin    (BearerProfile       *self,
                                                          guint                seconds);

/* Extra parameters, sent in the given place with every token request. */
guint               bearer_profile_get_n_parameters      (BearerProfile       *self);
gboolean            bearer_profile_get_parameter         (BearerProfile       *self,
                                                          guint                index,
                                                          BearerParamLocation *location,
                                                          const char         **name,
                                                          const char         **value);
void                bearer_profile_add_parameter         (BearerProfile       *self,
                                                          BearerParamLocation  location,
                                                          const char          *name,
                                                          const char          *value);
void                bearer_profile_clear_parameters      (BearerProfile       *self);

BearerTokenRequest *bearer_profile_create_request        (BearerProfile       *self,
                                                          BearerGrantType      grant_type);

G_END_DECLS
