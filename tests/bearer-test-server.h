/* bearer-test-server.h: an in-process token endpoint for the tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A SoupServer on 127.0.0.1:0, running on the thread-default main context of
 * the test that created it (so a test drives it by iterating that context,
 * e.g. with bearer_test_run_request()). It records every request it receives
 * and answers in one of these ways:
 *
 * - SCRIPTED: the replies queued with bearer_test_server_script*() (status,
 *   content type, extra headers, body bytes, chunked or not), one per
 *   request in the order queued; the last one is repeated until another is
 *   queued. With no script at all the reply is 200
 *   `{"access_token":"scripted-access-token","token_type":"Bearer"}`.
 * - PASSPORT: Laravel Passport on league/oauth2-server 8.5 (HARNESS.md).
 * - OIDC: node oidc-provider 8 with rotateRefreshToken (HARNESS.md).
 * - LOWERCASE: a loose server: `"token_type":"bearer"`, no expires_in, no
 *   refresh token in a refresh reply, and 403 with an empty body for a bad
 *   client.
 *
 * Defaults for the emulated servers: client "bearer-test-client" with secret
 * "bearer-test-secret", user "alice"/"wonderland", no valid refresh token
 * until bearer_test_server_set_refresh_token() gives one.
 */
#pragma once

#include <libsoup/soup.h>

#include "bearer-client.h"

G_BEGIN_DECLS

typedef enum {
  BEARER_TEST_SERVER_SCRIPTED,
  BEARER_TEST_SERVER_PASSPORT,
  BEARER_TEST_SERVER_OIDC,
  BEARER_TEST_SERVER_LOWERCASE,
} BearerTestServerMode;

/* How the OIDC server expects the client to authenticate (oidc-provider's
 * token_endpoint_auth_method). Another method is 401 invalid_client. */
typedef enum {
  BEARER_TEST_OIDC_AUTH_CLIENT_SECRET_BASIC,
  BEARER_TEST_OIDC_AUTH_CLIENT_SECRET_POST,
  BEARER_TEST_OIDC_AUTH_NONE,
} BearerTestOidcAuth;

typedef struct _BearerTestServer BearerTestServer;

/* One request as it reached the server. */
typedef struct {
  char               *method;
  char               *path;     /* as sent, still percent-encoded */
  char               *query;    /* as sent, without '?'; NULL when there was none */
  SoupMessageHeaders *headers;  /* every request header */
  GBytes             *body;     /* the raw body bytes (never NULL) */
  GTlsCertificate    *peer_certificate; /* the client's TLS certificate, if it sent one */
} BearerTestRequest;

BearerTestServer        *bearer_test_server_new                (BearerTestServerMode  mode);
/* The same, over HTTPS with this certificate (and its private key). */
BearerTestServer        *bearer_test_server_new_https          (BearerTestServerMode  mode,
                                                                GTlsCertificate      *certificate);
void                     bearer_test_server_free               (BearerTestServer     *self);
/* HTTPS: ask for a client certificate (RFC 8705) and accept one issued by
 * ca (tls_client_auth) or one of the known ones (self-signed); others end
 * the handshake. ca and known may be NULL. */
void                     bearer_test_server_set_client_certificates (BearerTestServer *self,
                                                                GTlsAuthenticationMode mode,
                                                                GTlsCertificate      *ca,
                                                                GPtrArray            *known);

BearerTestServerMode     bearer_test_server_get_mode           (BearerTestServer     *self);
guint                    bearer_test_server_get_port           (BearerTestServer     *self);
/* "http://127.0.0.1:PORT" + path; path must start with '/'. */
char                    *bearer_test_server_get_url            (BearerTestServer     *self,
                                                                const char           *path);

/* What was received */
guint                    bearer_test_server_get_request_count  (BearerTestServer     *self);
const BearerTestRequest *bearer_test_server_get_last_request   (BearerTestServer     *self);
/* A header of the last request; NULL when absent (several are joined by ", "). */
const char              *bearer_test_server_get_last_header    (BearerTestServer     *self,
                                                                const char           *name);
/* How many times a header appears in the last request. */
guint                    bearer_test_server_count_last_header  (BearerTestServer     *self,
                                                                const char           *name);
/* The last body as a NUL-terminated string (it may hold other NULs). */
char                    *bearer_test_server_dup_last_body      (BearerTestServer     *self);
/* Forgets what was received (the counter goes back to 0). */
void                     bearer_test_server_reset_requests     (BearerTestServer     *self);

/* SCRIPTED mode: queue a reply (see above). content_type NULL sends no
 * Content-Type. */
void                     bearer_test_server_script             (BearerTestServer     *self,
                                                                guint                 status,
                                                                const char           *content_type,
                                                                const char           *body);
void                     bearer_test_server_script_bytes       (BearerTestServer     *self,
                                                                guint                 status,
                                                                const char           *content_type,
                                                                GBytes               *body);
/* Adds a header to the reply queued last. */
void                     bearer_test_server_script_header      (BearerTestServer     *self,
                                                                const char           *name,
                                                                const char           *value);
/* Sends the reply queued last with Transfer-Encoding: chunked. */
void                     bearer_test_server_script_chunked     (BearerTestServer     *self);

/* The emulated servers */
void                     bearer_test_server_set_client         (BearerTestServer     *self,
                                                                const char           *client_id,
                                                                const char           *client_secret);
void                     bearer_test_server_set_user           (BearerTestServer     *self,
                                                                const char           *username,
                                                                const char           *password);
/* The one refresh token that is valid now (a new grant for OIDC). */
void                     bearer_test_server_set_refresh_token  (BearerTestServer     *self,
                                                                const char           *refresh_token);
/* The valid one now: the last issued, NULL once the grant was revoked. */
const char              *bearer_test_server_get_refresh_token  (BearerTestServer     *self);
/* OIDC: rotate on every use (default) or answer the same refresh token. */
void                     bearer_test_server_set_rotate_refresh_tokens (BearerTestServer *self,
                                                                       gboolean          rotate);
void                     bearer_test_server_set_oidc_auth      (BearerTestServer     *self,
                                                                BearerTestOidcAuth    auth);
/* LOWERCASE: issue JWT access tokens (with exp) instead of opaque ones. */
void                     bearer_test_server_set_jwt_access_tokens (BearerTestServer  *self,
                                                                   gboolean           jwt);
/* The access token of the last successful reply. */
const char              *bearer_test_server_get_last_access_token (BearerTestServer  *self);
/* The exp claim of the last JWT access token issued (0 if none). */
gint64                   bearer_test_server_get_last_access_token_exp (BearerTestServer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BearerTestServer, bearer_test_server_free)

/* Runs one request on the thread-default main context until its callback has
 * run, and fails the test if that takes more than 60 s. */
BearerTokenResponse     *bearer_test_run_request               (BearerClient         *client,
                                                                BearerTokenRequest   *request,
                                                                GCancellable         *cancellable,
                                                                GError              **error);
/* Iterates the thread-default main context for that many milliseconds. */
void                     bearer_test_spin                      (guint                 milliseconds);
/* A JWT "header.payload.signature" with this payload (the signature is junk). */
char                    *bearer_test_make_jwt                  (const char           *payload_json);

G_END_DECLS
