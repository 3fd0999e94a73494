/* bearer-token-request.h: one request to a token endpoint
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "bearer-enums.h"

G_BEGIN_DECLS

#define BEARER_TYPE_TOKEN_REQUEST (bearer_token_request_get_type ())
G_DECLARE_FINAL_TYPE (BearerTokenRequest, bearer_token_request, BEARER, TOKEN_REQUEST, GObject)

/* The default time a request may take, from the first byte sent to the last read. */
#define BEARER_TOKEN_REQUEST_DEFAULT_TIMEOUT 30

BearerTokenRequest *bearer_token_request_new                    (BearerGrantType      grant_type,
                                                                 const char          *token_url);
BearerGrantType     bearer_token_request_get_grant_type         (BearerTokenRequest  *self);
const char         *bearer_token_request_get_token_url          (BearerTokenRequest  *self);

void                bearer_token_request_set_client             (BearerTokenRequest  *self,
                                                                 const char          *client_id,
                                                                 const char          *client_secret);
const char         *bearer_token_request_get_client_id          (BearerTokenRequest  *self);
void                bearer_token_request_set_client_auth        (BearerTokenRequest  *self,
                                                                 BearerClientAuth     auth);
BearerClientAuth    bearer_token_request_get_client_auth        (BearerTokenRequest  *self);
void                bearer_token_request_set_private_key        (BearerTokenRequest  *self,
                                                                 const char          *private_key);
void                bearer_token_request_set_assertion          (BearerTokenRequest  *self,
                                                                 BearerSigningAlg     alg,
                                                                 const char          *key_id,
                                                                 const char          *audience);
void                bearer_token_request_set_assertion_placeholder (BearerTokenRequest *self,
                                                                 const char          *placeholder);
void                bearer_token_request_set_body_encoding      (BearerTokenRequest  *self,
                                                                 BearerBodyEncoding   encoding);

/* The grant's own inputs */
void                bearer_token_request_set_refresh_token      (BearerTokenRequest  *self,
                                                                 const char          *refresh_token);
const char         *bearer_token_request_get_refresh_token      (BearerTokenRequest  *self);
void                bearer_token_request_set_password           (BearerTokenRequest  *self,
                                                                 const char          *username,
                                                                 const char          *password);
void                bearer_token_request_set_authorization_code (BearerTokenRequest  *self,
                                                                 const char          *code,
                                                                 const char          *redirect_uri,
                                                                 const char          *code_verifier);
void                bearer_token_request_set_device_code        (BearerTokenRequest  *self,
                                                                 const char          *device_code);

/* Optional parameters */
void                bearer_token_request_set_scope              (BearerTokenRequest  *self,
                                                                 const char          *scope);
void                bearer_token_request_set_audience           (BearerTokenRequest  *self,
                                                                 const char          *audience);
void                bearer_token_request_set_resource           (BearerTokenRequest  *self,
                                                                 const char          *resource);
void                bearer_token_request_add_parameter          (BearerTokenRequest  *self,
                                                                 BearerParamLocation  location,
                                                                 const char          *name,
                                                                 const char          *value);

/* Transport */
void                bearer_token_request_set_timeout            (BearerTokenRequest  *self,
                                                                 guint                seconds);
guint               bearer_token_request_get_timeout            (BearerTokenRequest  *self);
void                bearer_token_request_set_ca_file            (BearerTokenRequest  *self,
                                                                 const char          *ca_file);
const char         *bearer_token_request_get_ca_file            (BearerTokenRequest  *self);
void                bearer_token_request_set_allow_insecure_http (BearerTokenRequest *self,
                                                                 gboolean             allow);

/* Mutual TLS (RFC 8705): the certificate file and its private key (secret) */
void                bearer_token_request_set_client_certificate_file (BearerTokenRequest *self,
                                                                 const char          *path);
const char         *bearer_token_request_get_client_certificate_file (BearerTokenRequest *self);
void                bearer_token_request_set_client_key         (BearerTokenRequest  *self,
                                                                 const char          *key_pem);
/* DPoP (RFC 9449): the connection's key (secret) */
void                bearer_token_request_set_dpop_key           (BearerTokenRequest  *self,
                                                                 const char          *key_pem);
const char         *bearer_token_request_get_dpop_key           (BearerTokenRequest  *self);
void                bearer_token_request_set_dpop_placeholder   (BearerTokenRequest  *self,
                                                                 const char          *placeholder);
/* For the request preview only: build the message without loading the
 * certificate (the key stays in the keyring). */
void                bearer_token_request_set_skip_client_certificate (BearerTokenRequest *self,
                                                                 gboolean             skip);

gboolean            bearer_token_url_check                      (const char          *url,
                                                                 gboolean             allow_insecure_http,
                                                                 GError             **error);

/* Building the HTTP message (bearer_client_request_token_async() does this itself). */
SoupMessage        *bearer_token_request_build_message          (BearerTokenRequest  *self,
                                                                 GError             **error);
SoupMessage        *bearer_token_request_build_device_authorization (BearerTokenRequest *self,
                                                                 const char          *url,
                                                                 GError             **error);
SoupMessage        *bearer_token_request_build_about_token      (BearerTokenRequest  *self,
                                                                 const char          *url,
                                                                 const char          *token,
                                                                 const char          *token_type_hint,
                                                                 GError             **error);
char              **bearer_token_request_dup_secrets            (BearerTokenRequest  *self);
gboolean            bearer_token_request_message_has_client_certificate (SoupMessage *message);
GBytes             *bearer_token_request_peek_message_body      (SoupMessage         *message);

G_END_DECLS
