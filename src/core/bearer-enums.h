/* bearer-enums.h: the enumerations of the token protocol
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * BearerGrantType:
 * @BEARER_GRANT_REFRESH_TOKEN: `refresh_token` (RFC 6749 §6): paste a refresh token, get an access token
 * @BEARER_GRANT_CLIENT_CREDENTIALS: `client_credentials` (RFC 6749 §4.4)
 * @BEARER_GRANT_PASSWORD: `password` (RFC 6749 §4.3, legacy)
 * @BEARER_GRANT_AUTHORIZATION_CODE: `authorization_code` (RFC 6749 §4.1.3), the code exchange with PKCE
 * @BEARER_GRANT_DEVICE_CODE: `urn:ietf:params:oauth:grant-type:device_code` (RFC 8628), the device grant
 *
 * The nick of each value is its RFC 6749 name, so it can be stored and sent as
 * is; the device grant's is stored as `device_code` and sent as its URN
 * (bearer_grant_type_to_wire()).
 */
typedef enum {
  BEARER_GRANT_REFRESH_TOKEN,      /*< nick=refresh_token >*/
  BEARER_GRANT_CLIENT_CREDENTIALS, /*< nick=client_credentials >*/
  BEARER_GRANT_PASSWORD,           /*< nick=password >*/
  BEARER_GRANT_AUTHORIZATION_CODE, /*< nick=authorization_code >*/
  BEARER_GRANT_DEVICE_CODE,        /*< nick=device_code >*/
} BearerGrantType;

/* The device grant's grant_type on the wire (RFC 8628 §3.4). */
#define BEARER_GRANT_DEVICE_CODE_URN "urn:ietf:params:oauth:grant-type:device_code"

/**
 * BearerPkceMethod:
 * @BEARER_PKCE_S256: `code_challenge_method=S256` (RFC 7636 §4.2), the default
 * @BEARER_PKCE_PLAIN: `plain`, only when a profile asks for it
 * @BEARER_PKCE_NONE: no PKCE at all (a server that refuses the parameters)
 */
typedef enum {
  BEARER_PKCE_S256,  /*< nick=s256 >*/
  BEARER_PKCE_PLAIN, /*< nick=plain >*/
  BEARER_PKCE_NONE,  /*< nick=none >*/
} BearerPkceMethod;

/**
 * BearerClientAuth:
 * @BEARER_CLIENT_AUTH_BASIC: HTTP Basic, id and secret each form-urlencoded before base64 (RFC 6749 §2.3.1)
 * @BEARER_CLIENT_AUTH_BASIC_RAW: HTTP Basic of the raw `id:secret` (what Laravel Passport decodes)
 * @BEARER_CLIENT_AUTH_POST: `client_id` and `client_secret` in the body
 * @BEARER_CLIENT_AUTH_NONE: a public client: `client_id` in the body only
 * @BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT: `private_key_jwt` (RFC 7523 §2.2, OpenID Connect
 *   Core §9): a client assertion signed with the client's private key
 * @BEARER_CLIENT_AUTH_CLIENT_SECRET_JWT: `client_secret_jwt`: a client assertion
 *   signed with HMAC-SHA256 keyed with the client secret
 * @BEARER_CLIENT_AUTH_TLS_CLIENT_AUTH: `tls_client_auth` (RFC 8705 §2.1): a client
 *   certificate issued by a CA the server trusts, `client_id` in the body
 * @BEARER_CLIENT_AUTH_SELF_SIGNED_TLS_CLIENT_AUTH: `self_signed_tls_client_auth`
 *   (RFC 8705 §2.2): a self-signed client certificate the server knows,
 *   `client_id` in the body
 */
typedef enum {
  BEARER_CLIENT_AUTH_BASIC,     /*< nick=basic >*/
  BEARER_CLIENT_AUTH_BASIC_RAW, /*< nick=basic-raw >*/
  BEARER_CLIENT_AUTH_POST,      /*< nick=post >*/
  BEARER_CLIENT_AUTH_NONE,      /*< nick=none >*/
  BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT,  /*< nick=private-key-jwt >*/
  BEARER_CLIENT_AUTH_CLIENT_SECRET_JWT, /*< nick=client-secret-jwt >*/
  BEARER_CLIENT_AUTH_TLS_CLIENT_AUTH,             /*< nick=tls >*/
  BEARER_CLIENT_AUTH_SELF_SIGNED_TLS_CLIENT_AUTH, /*< nick=self-signed-tls >*/
} BearerClientAuth;

/**
 * BearerSigningAlg:
 * @BEARER_SIGNING_ALG_AUTO: the client authentication's own choice: RS256 for
 *   an RSA key, ES256 for an EC key, HS256 with a client secret
 * @BEARER_SIGNING_ALG_RS256: RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3)
 * @BEARER_SIGNING_ALG_PS256: RSASSA-PSS with SHA-256 (RFC 7518 §3.5)
 * @BEARER_SIGNING_ALG_ES256: ECDSA on P-256 with SHA-256 (RFC 7518 §3.4)
 * @BEARER_SIGNING_ALG_HS256: HMAC with SHA-256 (RFC 7518 §3.2)
 *
 * How a client assertion is signed. The nick of each value is its JOSE name.
 */
typedef enum {
  BEARER_SIGNING_ALG_AUTO,  /*< nick=auto >*/
  BEARER_SIGNING_ALG_RS256, /*< nick=RS256 >*/
  BEARER_SIGNING_ALG_PS256, /*< nick=PS256 >*/
  BEARER_SIGNING_ALG_ES256, /*< nick=ES256 >*/
  BEARER_SIGNING_ALG_HS256, /*< nick=HS256 >*/
} BearerSigningAlg;

/**
 * BearerBodyEncoding:
 * @BEARER_BODY_FORM: `application/x-www-form-urlencoded`, the standard
 * @BEARER_BODY_JSON: `application/json`, as the seed's axios example posts it
 */
typedef enum {
  BEARER_BODY_FORM, /*< nick=form >*/
  BEARER_BODY_JSON, /*< nick=json >*/
} BearerBodyEncoding;

/**
 * BearerParamLocation:
 * @BEARER_PARAM_BODY: an extra parameter sent in the request body
 * @BEARER_PARAM_QUERY: sent in the query string of the token URL
 * @BEARER_PARAM_HEADER: sent as an HTTP header
 */
typedef enum {
  BEARER_PARAM_BODY,   /*< nick=body >*/
  BEARER_PARAM_QUERY,  /*< nick=query >*/
  BEARER_PARAM_HEADER, /*< nick=header >*/
} BearerParamLocation;

const char *bearer_enum_to_nick            (GType               type,
                                            int                 value);
gboolean    bearer_enum_from_nick          (GType               type,
                                            const char         *text,
                                            int                *value);
const char *bearer_grant_type_to_string    (BearerGrantType     grant);
const char *bearer_grant_type_to_wire      (BearerGrantType     grant);
gboolean    bearer_grant_type_is_sign_in   (BearerGrantType     grant);
gboolean    bearer_grant_type_from_string  (const char         *text,
                                            BearerGrantType    *grant);
const char *bearer_client_auth_to_string   (BearerClientAuth    auth);
gboolean    bearer_client_auth_from_string (const char         *text,
                                            BearerClientAuth   *auth);
gboolean    bearer_client_auth_uses_assertion (BearerClientAuth auth);
gboolean    bearer_client_auth_uses_certificate (BearerClientAuth auth);

G_END_DECLS
