/* test-mtls.c: client authentication with a TLS certificate (RFC 8705)
 *
 * A SoupServer over HTTPS on 127.0.0.1 asks for (or requires) a client
 * certificate and records the one it got. The certificates and keys are made
 * at run time (bearer-test-certificates.h): no private key is ever committed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>


#include "bearer-client-private.h"
#include "bearer-client-certificate.h"
#include "bearer-error.h"
#include "bearer-pending-private.h"
#include "bearer-refresh.h"
#include "bearer-test-certificates.h"
#include "bearer-test-cli.h"
#include "bearer-token-request.h"

static BearerTestCertificates *certificates;

static char *
path_of (const char *name)
{
  return bearer_test_certificates_path (certificates, name);
}

static char *
read_text (const char *name)
{
  return bearer_test_certificates_read (certificates, name);
}

static GTlsCertificate *
load_public (const char *name)
{
  return bearer_test_certificates_load_public (certificates, name);
}

static BearerTestServer *
new_server (GTlsAuthenticationMode mode)
{
  return bearer_test_certificates_new_server (certificates, BEARER_TEST_SERVER_SCRIPTED, mode);
}

static BearerTokenRequest *
new_request (BearerTestServer *server,
             BearerClientAuth  auth,
             const char       *certificate,
             const char       *key)
{
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token");
  g_autofree char *ca_file = path_of ("server.pem");
  g_autofree char *certificate_file = certificate != NULL ? path_of (certificate) : NULL;
  g_autofree char *key_pem = key != NULL ? read_text (key) : NULL;
  BearerTokenRequest *request = bearer_token_request_new (BEARER_GRANT_CLIENT_CREDENTIALS, url);

  bearer_token_request_set_client (request, "mtls-client", NULL);
  bearer_token_request_set_client_auth (request, auth);
  bearer_token_request_set_ca_file (request, ca_file);
  bearer_token_request_set_timeout (request, 20);
  bearer_token_request_set_client_certificate_file (request, certificate_file);
  bearer_token_request_set_client_key (request, key_pem);
  return request;
}

static void
assert_peer_is (BearerTestServer *server,
                const char       *name)
{
  const BearerTestRequest *last = bearer_test_server_get_last_request (server);
  g_autoptr(GTlsCertificate) expected = NULL;

  g_assert_nonnull (last);
  if (name == NULL)
    {
      g_assert_null (last->peer_certificate);
      return;
    }
  expected = load_public (name);
  g_assert_nonnull (last->peer_certificate);
  g_assert_true (g_tls_certificate_is_same (last->peer_certificate, expected));
}

/* tls_client_auth: a CA-issued certificate; client_id in the body, no
 * secret and no Authorization header. */
static void
test_tls_client_auth (void)
{
  g_autoptr(BearerTestServer) server = new_server (G_TLS_AUTHENTICATION_REQUIRED);
  g_autoptr(BearerTokenRequest) request = new_request (server, BEARER_CLIENT_AUTH_TLS_CLIENT_AUTH,
                                                       "a.pem", "a.key");
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;

  response = bearer_test_run_request (bearer_client_get_default (), request, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (response);
  assert_peer_is (server, "a.pem");

  body = bearer_test_server_dup_last_body (server);
  g_assert_cmpstr (body, ==, "grant_type=client_credentials&client_id=mtls-client");
  g_assert_null (bearer_test_server_get_last_header (server, "Authorization"));
}

/* self_signed_tls_client_auth, with an EC key stored as SEC 1, which GLib
 * alone does not read. */
static void
test_self_signed (void)
{
  g_autoptr(BearerTestServer) server = new_server (G_TLS_AUTHENTICATION_REQUIRED);
  const char *keys[] = { "b.key", "b-sec1.key" };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr(BearerTokenRequest) request =
        new_request (server, BEARER_CLIENT_AUTH_SELF_SIGNED_TLS_CLIENT_AUTH, "b.pem", keys[i]);
      g_autoptr(BearerTokenResponse) response = NULL;
      g_autoptr(GError) error = NULL;

      response = bearer_test_run_request (bearer_client_get_default (), request, NULL, &error);
      g_assert_no_error (error);
      assert_peer_is (server, "b.pem");
    }
}

/* One session, one server, several profiles: each request is made with its
 * own certificate, never on a connection another certificate opened, and a
 * request without one never rides on a connection that had one. */
static void
test_connections_not_shared (void)
{
  g_autoptr(BearerTestServer) server = new_server (G_TLS_AUTHENTICATION_REQUESTED);
  const struct { const char *certificate; const char *key; } order[] = {
    { "a.pem", "a.key" }, { "b.pem", "b.key" }, { NULL, NULL }, { "a.pem", "a.key" },
    { NULL, NULL }, { "b.pem", "b.key" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      g_autoptr(BearerTokenRequest) request =
        new_request (server, order[i].certificate != NULL ? BEARER_CLIENT_AUTH_SELF_SIGNED_TLS_CLIENT_AUTH
                                                          : BEARER_CLIENT_AUTH_POST,
                     order[i].certificate, order[i].key);
      g_autoptr(BearerTokenResponse) response = NULL;
      g_autoptr(GError) error = NULL;

      response = bearer_test_run_request (bearer_client_get_default (), request, NULL, &error);
      g_assert_no_error (error);
      assert_peer_is (server, order[i].certificate);
    }
}

/* Every local problem is found before anything is sent, in words. */
static void
test_local_errors (void)
{
  g_autoptr(BearerTestServer) server = new_server (G_TLS_AUTHENTICATION_REQUIRED);
  g_autofree char *a_key = read_text ("a.key");
  g_autofree char *key_part = g_strndup (a_key + 100, 24);
  const struct {
    const char *certificate;
    const char *key;
    int code;
    const char *words;
  } cases[] = {
    { "a.pem", "b.key", BEARER_ERROR_CLIENT_CERTIFICATE, "is not the key of the certificate" },
    { "a.pem", "c.key", BEARER_ERROR_CLIENT_CERTIFICATE, "is not the key of the certificate" },
    { "missing.pem", "a.key", BEARER_ERROR_CLIENT_CERTIFICATE, "cannot be read" },
    { "a.csr", "a.key", BEARER_ERROR_CLIENT_CERTIFICATE, "holds no certificate" },
    { "a.key", "a.key", BEARER_ERROR_CLIENT_CERTIFICATE, "holds no certificate" },
    { "a.pem", "a.pem", BEARER_ERROR_CLIENT_CERTIFICATE, "not a private key" },
    { "a.pem", "a-encrypted.key", BEARER_ERROR_CLIENT_CERTIFICATE, "passphrase" },
    { "a.pem", NULL, BEARER_ERROR_MISSING_PARAMETER, "No private key is stored" },
    { NULL, "a.key", BEARER_ERROR_MISSING_PARAMETER, "No client certificate file" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(BearerTokenRequest) request =
        new_request (server, BEARER_CLIENT_AUTH_TLS_CLIENT_AUTH, cases[i].certificate, cases[i].key);
      g_autoptr(BearerTokenResponse) response = NULL;
      g_autoptr(GError) error = NULL;

      response = bearer_test_run_request (bearer_client_get_default (), request, NULL, &error);
      g_assert_null (response);
      g_assert_error (error, BEARER_ERROR, cases[i].code);
      g_test_message ("%s + %s: %s", cases[i].certificate, cases[i].key, error->message);
      g_assert_nonnull (strstr (error->message, cases[i].words));
      /* The key is never quoted. */
      g_assert_null (strstr (error->message, key_part));
    }
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 0);
}

/* A certificate the server does not trust ends the handshake: said in words. */
static void
test_refused (void)
{
  g_autoptr(BearerTestServer) server = new_server (G_TLS_AUTHENTICATION_REQUIRED);
  g_autoptr(BearerTokenRequest) request = new_request (server, BEARER_CLIENT_AUTH_TLS_CLIENT_AUTH,
                                                       "c.pem", "c.key");
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  response = bearer_test_run_request (bearer_client_get_default (), request, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_CLIENT_CERTIFICATE_REFUSED);
  g_assert_nonnull (strstr (error->message, "did not accept the client certificate"));
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 0);
}

/* A server that requires a certificate, asked without one. */
static void
test_required (void)
{
  g_autoptr(BearerTestServer) server = new_server (G_TLS_AUTHENTICATION_REQUIRED);
  g_autoptr(BearerTokenRequest) request = new_request (server, BEARER_CLIENT_AUTH_POST, NULL, NULL);
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  response = bearer_test_run_request (bearer_client_get_default (), request, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_CLIENT_CERTIFICATE_REFUSED);
  g_assert_nonnull (strstr (error->message, "asks for a client certificate"));
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  BearerHttpReply **reply = user_data;
  g_autoptr(GError) error = NULL;

  *reply = bearer_client_send_finish (BEARER_CLIENT (source), result, &error);
  g_assert_no_error (error);
}

/* The device authorization request (RFC 8628 §3.1) carries the
 * certificate too. */
static void
test_device_authorization (void)
{
  g_autoptr(BearerTestServer) server = new_server (G_TLS_AUTHENTICATION_REQUIRED);
  g_autoptr(BearerTokenRequest) request = new_request (server, BEARER_CLIENT_AUTH_TLS_CLIENT_AUTH,
                                                       "a.pem", "a.key");
  g_autofree char *url = bearer_test_server_get_url (server, "/device");
  g_autofree char *ca_file = path_of ("server.pem");
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  BearerHttpReply *reply = NULL;

  message = bearer_token_request_build_device_authorization (request, url, &error);
  g_assert_no_error (error);
  bearer_client_send_async (bearer_client_get_default (), message, 20, ca_file, NULL, NULL,
                            sent_cb, &reply);
  while (reply == NULL)
    g_main_context_iteration (NULL, TRUE);
  assert_peer_is (server, "a.pem");
  bearer_http_reply_free (reply);
}

/* The checks bearer-cli set-secret and the window use. */
static void
test_checks (void)
{
  g_autofree char *a_key = read_text ("a.key");
  g_autofree char *sec1 = read_text ("b-sec1.key");
  g_autofree char *encrypted = read_text ("a-encrypted.key");
  g_autofree char *a_pem = read_text ("a.pem");
  g_autofree char *a_pem_path = path_of ("a.pem");
  g_autofree char *a_key_path = path_of ("a.key");
  g_autoptr(GError) error = NULL;

  g_assert_true (bearer_client_key_check (a_key, &error));
  g_assert_no_error (error);
  g_assert_true (bearer_client_key_check (sec1, &error));
  g_assert_no_error (error);
  g_assert_false (bearer_client_key_check (encrypted, &error));
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_CLIENT_CERTIFICATE);
  g_clear_error (&error);
  g_assert_false (bearer_client_key_check (a_pem, &error));
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_CLIENT_CERTIFICATE);
  g_clear_error (&error);
  g_assert_false (bearer_client_key_check ("", &error));
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_MISSING_PARAMETER);
  g_clear_error (&error);

  g_assert_true (bearer_client_certificate_check (a_pem_path, &error));
  g_assert_no_error (error);
  g_assert_false (bearer_client_certificate_check (a_key_path, &error));
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_CLIENT_CERTIFICATE);
}

/* The refresh transaction's request takes the certificate from the profile
 * and the key from the secrets: for a profile that signed in too. */
static void
test_refresh_request (void)
{
  g_autoptr(BearerTestServer) server = new_server (G_TLS_AUTHENTICATION_REQUIRED);
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token");
  g_autofree char *ca_file = path_of ("server.pem");
  g_autofree char *certificate = path_of ("b.pem");
  g_autofree char *key = read_text ("b.key");
  const BearerGrantType grants[] = { BEARER_GRANT_CLIENT_CREDENTIALS, BEARER_GRANT_AUTHORIZATION_CODE };

  for (guint i = 0; i < G_N_ELEMENTS (grants); i++)
    {
      g_autoptr(BearerProfile) profile = bearer_profile_new ("mtls");
      g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();
      g_autoptr(BearerTokenRequest) request = NULL;
      g_autoptr(BearerTokenResponse) response = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *body = NULL;

      bearer_profile_set_token_url (profile, url);
      bearer_profile_set_client_id (profile, "self");
      bearer_profile_set_grant_type (profile, grants[i]);
      bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_SELF_SIGNED_TLS_CLIENT_AUTH);
      bearer_profile_set_client_certificate (profile, certificate);
      bearer_profile_set_ca_file (profile, ca_file);
      bearer_secrets_set_client_key (secrets, key);
      bearer_secrets_set_refresh_token (secrets, "rt-of-the-sign-in");
      bearer_secrets_set_client_secret (secrets, "never-sent");

      request = bearer_refresh_build_request (profile, secrets);
      response = bearer_test_run_request (bearer_client_get_default (), request, NULL, &error);
      g_assert_no_error (error);
      assert_peer_is (server, "b.pem");
      body = bearer_test_server_dup_last_body (server);
      g_assert_null (strstr (body, "never-sent"));
      g_assert_nonnull (strstr (body, "client_id=self"));
    }
}

/* Tokens the keyring refused wait in a file of the runtime folder: the
 * client key, a secret that is not a token, never goes there. */
static void
test_pending_file (void)
{
  g_autofree char *key = read_text ("a.key");
  g_autofree char *line = g_strndup (strchr (key, '\n') + 1, 40);
  g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();
  g_autoptr(BearerSecrets) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = bearer_pending_dir ();
  g_autoptr(GDir) d = NULL;
  const char *name;
  guint files = 0;

  bearer_secrets_set_client_secret (secrets, "pending-client-secret");
  bearer_secrets_set_client_key (secrets, key);
  /* private_key_jwt's key: no more a token than the client key is. */
  bearer_secrets_set_private_key (secrets, "-----BEGIN PRIVATE KEY-----\npending-private-key\n"
                                  "-----END PRIVATE KEY-----\n");
  bearer_secrets_set_refresh_token (secrets, "pending-refresh-token");
  bearer_secrets_set_access_token (secrets, "pending-access-token", "Bearer", 4102444800, "openid");
  bearer_secrets_set_needs_sign_in (secrets, FALSE);
  bearer_secrets_set_updated_at (secrets, 1);
  g_assert_true (bearer_pending_save ("mtls-pending", secrets, &error));
  g_assert_no_error (error);

  d = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *text = NULL;

      g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
      g_assert_null (strstr (text, line));
      g_assert_null (strstr (text, "pending-client-secret"));
      g_assert_null (strstr (text, "pending-private-key"));
      files++;
    }
  g_assert_cmpuint (files, >, 0);

  loaded = bearer_pending_load ("mtls-pending");
  g_assert_nonnull (loaded);
  g_assert_cmpstr (bearer_secrets_get_refresh_token (loaded), ==, "pending-refresh-token");
  g_assert_null (bearer_secrets_get_client_key (loaded));
  g_assert_null (bearer_secrets_get_private_key (loaded));
  g_assert_cmpstr (bearer_secrets_get_access_token (loaded), ==, "pending-access-token");
  g_assert_cmpstr (bearer_secrets_get_token_type (loaded), ==, "Bearer");
  g_assert_cmpint (bearer_secrets_get_expires_at (loaded), ==, 4102444800);
  g_assert_cmpstr (bearer_secrets_get_scope (loaded), ==, "openid");
  g_assert_cmpint (bearer_secrets_get_updated_at (loaded), ==, 1);
  bearer_pending_clear ("mtls-pending");
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *runtime = g_dir_make_tmp ("bearer-test-mtls-runtime-XXXXXX", NULL);
  int result;

  /* Before GLib reads it: the pending-tokens folder of this test alone. */
  g_assert_nonnull (runtime);
  g_setenv ("XDG_RUNTIME_DIR", runtime, TRUE);

  g_test_init (&argc, &argv, NULL);
  certificates = bearer_test_certificates_new ();

  g_test_add_func ("/bearer/mtls/tls-client-auth", test_tls_client_auth);
  g_test_add_func ("/bearer/mtls/self-signed", test_self_signed);
  g_test_add_func ("/bearer/mtls/connections-not-shared", test_connections_not_shared);
  g_test_add_func ("/bearer/mtls/local-errors", test_local_errors);
  g_test_add_func ("/bearer/mtls/refused", test_refused);
  g_test_add_func ("/bearer/mtls/required", test_required);
  g_test_add_func ("/bearer/mtls/device-authorization", test_device_authorization);
  g_test_add_func ("/bearer/mtls/checks", test_checks);
  g_test_add_func ("/bearer/mtls/pending-file", test_pending_file);
  g_test_add_func ("/bearer/mtls/refresh-request", test_refresh_request);

  result = g_test_run ();
  g_clear_pointer (&certificates, bearer_test_certificates_free);
  bearer_test_remove_tree (runtime);
  return result;
}
