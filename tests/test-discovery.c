/* test-discovery.c: an issuer's endpoints (OpenID Connect Discovery 1.0, RFC 8414)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bearer_discovery_fetch_async() against the in-process test server
 * (bearer-test-server.h, scripted replies): which addresses are asked, in
 * which order; a document for another issuer, a redirect, an oversized
 * reply and an unusable endpoint are refused; the profile gets what the
 * document gives, and the warnings say what the server does not support.
 */
#include "config.h"

#include <string.h>

#include "bearer-discovery.h"
#include "bearer-error.h"
#include "bearer-test-server.h"

typedef struct {
  GAsyncResult *result;
} Wait;

static void
waited_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
}

static BearerDiscovery *
fetch (const char  *issuer,
       GError     **error)
{
  Wait wait = { NULL };
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  BearerDiscovery *discovery;

  bearer_discovery_fetch_async (issuer, NULL, FALSE, NULL, waited_cb, &wait);
  while (wait.result == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  discovery = bearer_discovery_fetch_finish (wait.result, error);
  g_object_unref (wait.result);
  return discovery;
}

/* A document for @issuer with the server's own endpoints. */
static char *
document (BearerTestServer *server,
          const char       *issuer,
          const char       *pkce_methods)
{
  g_autofree char *base = bearer_test_server_get_url (server, "/");

  base[strlen (base) - 1] = '\0';

  return g_strdup_printf ("{\"issuer\": \"%s\","
                          " \"authorization_endpoint\": \"%s/auth\","
                          " \"token_endpoint\": \"%s/token\","
                          " \"device_authorization_endpoint\": \"%s/device/auth\","
                          " \"revocation_endpoint\": \"%s/token/revocation\","
                          " \"introspection_endpoint\": \"%s/token/introspection\","
                          " \"grant_types_supported\": [\"authorization_code\", \"refresh_token\"],"
                          " \"token_endpoint_auth_methods_supported\": [\"client_secret_basic\", \"none\"],"
                          " \"code_challenge_methods_supported\": %s,"
                          " \"scopes_supported\": [\"openid\"]}",
                          issuer, base, base, base, base, base, pkce_methods);
}

static void
test_discovery_openid (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *issuer = bearer_test_server_get_url (server, "/");
  g_autofree char *doc = NULL;
  g_autofree char *token_url = NULL;
  g_autoptr(BearerDiscovery) discovery = NULL;
  g_autoptr(BearerProfile) profile = bearer_profile_new ("disc");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) warnings = NULL;

  /* The issuer without its slash: no "//" in the address. */
  issuer[strlen (issuer) - 1] = '\0';
  doc = document (server, issuer, "[\"S256\"]");
  bearer_test_server_script (server, 200, "application/json", doc);

  discovery = fetch (issuer, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bearer_test_server_get_last_request (server)->path, ==, "/.well-known/openid-configuration");
  g_assert_cmpstr (bearer_test_server_get_last_request (server)->method, ==, "GET");
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
  g_assert_true (bearer_discovery_supports_pkce_s256 (discovery));

  bearer_profile_set_grant_type (profile, BEARER_GRANT_AUTHORIZATION_CODE);
  bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_NONE);
  bearer_discovery_apply (discovery, profile);
  token_url = g_strconcat (issuer, "/token", NULL);
  g_assert_cmpstr (bearer_profile_get_token_url (profile), ==, token_url);
  g_assert_true (g_str_has_suffix (bearer_profile_get_authorization_url (profile), "/auth"));
  g_assert_true (g_str_has_suffix (bearer_profile_get_device_authorization_url (profile), "/device/auth"));
  g_assert_true (g_str_has_suffix (bearer_profile_get_revocation_url (profile), "/token/revocation"));
  g_assert_true (g_str_has_suffix (bearer_profile_get_introspection_url (profile), "/token/introspection"));
  g_assert_cmpstr (bearer_profile_get_issuer (profile), ==, issuer);

  warnings = bearer_discovery_dup_warnings (discovery, profile);
  g_assert_cmpuint (g_strv_length (warnings), ==, 0);
}

/* RFC 8705 §5: a profile with a client certificate takes the
 * mtls_endpoint_aliases; the others the plain endpoints. */
static void
test_discovery_mtls_aliases (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *issuer = bearer_test_server_get_url (server, "/");
  g_autofree char *doc = NULL;
  g_autoptr(BearerDiscovery) discovery = NULL;
  g_autoptr(GError) error = NULL;
  const struct { BearerClientAuth auth; const char *token, *introspection, *revocation; } cases[] = {
    { BEARER_CLIENT_AUTH_TLS_CLIENT_AUTH, "https://mtls.example.test/token",
      "https://mtls.example.test/introspect", "/token/revocation" },
    { BEARER_CLIENT_AUTH_SELF_SIGNED_TLS_CLIENT_AUTH, "https://mtls.example.test/token",
      "https://mtls.example.test/introspect", "/token/revocation" },
    { BEARER_CLIENT_AUTH_BASIC, "/token", "/token/introspection", "/token/revocation" },
  };

  issuer[strlen (issuer) - 1] = '\0';
  doc = document (server, issuer, "[\"S256\"]");
  /* The same document with the aliases (no revocation alias). */
  doc[strlen (doc) - 1] = '\0';
  {
    g_autofree char *with = g_strconcat (doc, ", \"mtls_endpoint_aliases\": {"
                                         "\"token_endpoint\": \"https://mtls.example.test/token\","
                                         " \"introspection_endpoint\": \"https://mtls.example.test/introspect\"}}",
                                         NULL);
    bearer_test_server_script (server, 200, "application/json", with);
  }
  discovery = fetch (issuer, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(BearerProfile) profile = bearer_profile_new ("disc");

      bearer_profile_set_client_auth (profile, cases[i].auth);
      bearer_discovery_apply (discovery, profile);
      g_assert_true (g_str_has_suffix (bearer_profile_get_token_url (profile), cases[i].token));
      g_assert_true (g_str_has_suffix (bearer_profile_get_introspection_url (profile), cases[i].introspection));
      g_assert_true (g_str_has_suffix (bearer_profile_get_revocation_url (profile), cases[i].revocation));
      g_assert_true (g_str_has_prefix (bearer_profile_get_revocation_url (profile), issuer));
    }
}

static void
test_discovery_no_s256 (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *issuer = bearer_test_server_get_url (server, "/");
  g_autofree char *doc = document (server, issuer, "[\"plain\"]");
  g_autoptr(BearerDiscovery) discovery = NULL;
  g_autoptr(BearerProfile) profile = bearer_profile_new ("disc");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) warnings = NULL;

  bearer_test_server_script (server, 200, "application/json", doc);
  discovery = fetch (issuer, &error);
  g_assert_no_error (error);
  g_assert_false (bearer_discovery_supports_pkce_s256 (discovery));

  bearer_profile_set_grant_type (profile, BEARER_GRANT_AUTHORIZATION_CODE);
  bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_POST);
  warnings = bearer_discovery_dup_warnings (discovery, profile);
  g_assert_cmpuint (g_strv_length (warnings), ==, 2);
  g_assert_nonnull (strstr (warnings[0], "S256"));
  g_assert_nonnull (strstr (warnings[1], "client_secret_post"));
}

/* A client assertion's algorithm that the server does not list is said; a
 * listed one, or "automatic" with a private key, is not. */
static void
test_discovery_signing_algs (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *issuer = bearer_test_server_get_url (server, "/");
  g_autofree char *base = g_strdup (issuer);
  g_autofree char *doc = NULL;
  g_autoptr(BearerDiscovery) discovery = NULL;
  g_autoptr(BearerProfile) profile = bearer_profile_new ("disc");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) warnings = NULL;

  base[strlen (base) - 1] = '\0';
  doc = g_strdup_printf ("{\"issuer\": \"%s\", \"token_endpoint\": \"%s/token\","
                         " \"token_endpoint_auth_methods_supported\": [\"private_key_jwt\","
                         " \"client_secret_jwt\"],"
                         " \"token_endpoint_auth_signing_alg_values_supported\": [\"RS256\", \"ES256\"]}",
                         issuer, base);
  bearer_test_server_script (server, 200, "application/json", doc);
  discovery = fetch (issuer, &error);
  g_assert_no_error (error);

  bearer_profile_set_grant_type (profile, BEARER_GRANT_CLIENT_CREDENTIALS);
  bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT);
  warnings = bearer_discovery_dup_warnings (discovery, profile);
  g_assert_cmpuint (g_strv_length (warnings), ==, 0);
  g_clear_pointer (&warnings, g_strfreev);

  bearer_profile_set_signing_alg (profile, BEARER_SIGNING_ALG_ES256);
  warnings = bearer_discovery_dup_warnings (discovery, profile);
  g_assert_cmpuint (g_strv_length (warnings), ==, 0);
  g_clear_pointer (&warnings, g_strfreev);

  bearer_profile_set_signing_alg (profile, BEARER_SIGNING_ALG_PS256);
  warnings = bearer_discovery_dup_warnings (discovery, profile);
  g_assert_cmpuint (g_strv_length (warnings), ==, 1);
  g_assert_nonnull (strstr (warnings[0], "PS256"));
  g_assert_nonnull (strstr (warnings[0], "RS256, ES256"));
  g_clear_pointer (&warnings, g_strfreev);

  /* client_secret_jwt signs HS256, which this server does not list. */
  bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_CLIENT_SECRET_JWT);
  bearer_profile_set_signing_alg (profile, BEARER_SIGNING_ALG_AUTO);
  warnings = bearer_discovery_dup_warnings (discovery, profile);
  g_assert_cmpuint (g_strv_length (warnings), ==, 1);
  g_assert_nonnull (strstr (warnings[0], "HS256"));
}

static void
test_discovery_issuer_mismatch (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *issuer = bearer_test_server_get_url (server, "/realms/acme");
  g_autofree char *doc = document (server, "https://evil.example.com", "[\"S256\"]");
  g_autoptr(BearerDiscovery) discovery = NULL;
  g_autoptr(GError) error = NULL;

  /* Both addresses answer with the other issuer's document. */
  bearer_test_server_script (server, 200, "application/json", doc);
  discovery = fetch (issuer, &error);
  g_assert_null (discovery);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_DISCOVERY);
  g_assert_nonnull (strstr (error->message, "https://evil.example.com"));
  g_assert_nonnull (strstr (error->message, issuer));
}

/* An issuer with a query or a fragment is refused before anything is
 * sent, and the message names it without the values it carries: a pasted
 * address may hold a token. */
static void
test_discovery_issuer_with_query (void)
{
  const char *issuers[] = {
    "https://id.example.com/?access_token=canary-in-query",
    "https://id.example.com/realms/acme?code=canary-in-query#frag",
  };

  for (guint i = 0; i < G_N_ELEMENTS (issuers); i++)
    {
      g_autoptr(BearerDiscovery) discovery = NULL;
      g_autoptr(GError) error = NULL;

      discovery = fetch (issuers[i], &error);
      g_assert_null (discovery);
      g_assert_error (error, BEARER_ERROR, BEARER_ERROR_DISCOVERY);
      g_assert_nonnull (strstr (error->message, "https://id.example.com"));
      g_assert_null (strstr (error->message, "canary-in-query"));
    }
}

/* A path in the issuer: OpenID Connect appends, RFC 8414 inserts. */
static void
test_discovery_rfc8414_fallback (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *issuer = bearer_test_server_get_url (server, "/realms/acme");
  g_autofree char *doc = document (server, issuer, "[\"S256\"]");
  g_autofree char *expected = NULL;
  g_autoptr(BearerDiscovery) discovery = NULL;
  g_autoptr(GError) error = NULL;

  bearer_test_server_script (server, 404, "text/html", "<html><title>Not Found</title></html>");
  bearer_test_server_script (server, 200, "application/json", doc);
  discovery = fetch (issuer, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 2);
  g_assert_cmpstr (bearer_test_server_get_last_request (server)->path, ==,
                   "/.well-known/oauth-authorization-server/realms/acme");
  expected = bearer_test_server_get_url (server, "/.well-known/oauth-authorization-server/realms/acme");
  g_assert_cmpstr (bearer_discovery_get_document_url (discovery), ==, expected);
}

static void
test_discovery_redirect_refused (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *issuer = bearer_test_server_get_url (server, "/realms/acme");
  g_autofree char *elsewhere = bearer_test_server_get_url (server, "/elsewhere");
  g_autoptr(BearerDiscovery) discovery = NULL;
  g_autoptr(GError) error = NULL;

  bearer_test_server_script (server, 302, "text/plain", "moved");
  bearer_test_server_script_header (server, "Location", elsewhere);
  bearer_test_server_script (server, 404, "text/plain", "not found");
  discovery = fetch (issuer, &error);
  g_assert_null (discovery);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_DISCOVERY);
  g_assert_nonnull (strstr (error->message, "redirects"));
  g_assert_nonnull (strstr (error->message, elsewhere));
  /* Never followed. */
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 2);
  g_assert_cmpstr (bearer_test_server_get_last_request (server)->path, !=, "/elsewhere");
}

static void
test_discovery_oversized (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *issuer = bearer_test_server_get_url (server, "/big");
  g_autoptr(GString) big = g_string_new ("{\"issuer\": \"x\", \"pad\": \"");
  g_autoptr(BearerDiscovery) discovery = NULL;
  g_autoptr(GError) error = NULL;

  while (big->len < 2 * 1024 * 1024)
    g_string_append (big, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  g_string_append (big, "\"}");
  bearer_test_server_script (server, 200, "application/json", big->str);
  discovery = fetch (issuer, &error);
  g_assert_null (discovery);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_BODY_TOO_LARGE);
}

static void
test_discovery_unusable_endpoint (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *issuer = bearer_test_server_get_url (server, "/");
  g_autofree char *doc = NULL;
  g_autoptr(BearerDiscovery) discovery = NULL;
  g_autoptr(GError) error = NULL;

  issuer[strlen (issuer) - 1] = '\0';
  doc = g_strdup_printf ("{\"issuer\": \"%s\", \"token_endpoint\": \"http://tokens.example.com/token\"}", issuer);
  bearer_test_server_script (server, 200, "application/json", doc);
  discovery = fetch (issuer, &error);
  g_assert_null (discovery);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_DISCOVERY);
  g_assert_nonnull (strstr (error->message, "token_endpoint"));
}

static void
test_discovery_well_known_urls (void)
{
  g_autofree char *a = bearer_discovery_dup_well_known_url ("https://id.example.com/", TRUE);
  g_autofree char *b = bearer_discovery_dup_well_known_url ("https://id.example.com", FALSE);
  g_autofree char *c = bearer_discovery_dup_well_known_url ("https://id.example.com/realms/x", TRUE);
  g_autofree char *d = bearer_discovery_dup_well_known_url ("https://id.example.com/realms/x", FALSE);

  g_assert_cmpstr (a, ==, "https://id.example.com/.well-known/openid-configuration");
  g_assert_cmpstr (b, ==, "https://id.example.com/.well-known/oauth-authorization-server");
  g_assert_cmpstr (c, ==, "https://id.example.com/realms/x/.well-known/openid-configuration");
  g_assert_cmpstr (d, ==, "https://id.example.com/.well-known/oauth-authorization-server/realms/x");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/bearer/discovery/openid", test_discovery_openid);
  g_test_add_func ("/bearer/discovery/no-s256", test_discovery_no_s256);
  g_test_add_func ("/bearer/discovery/signing-algs", test_discovery_signing_algs);
  g_test_add_func ("/bearer/discovery/mtls-aliases", test_discovery_mtls_aliases);
  g_test_add_func ("/bearer/discovery/issuer-mismatch", test_discovery_issuer_mismatch);
  g_test_add_func ("/bearer/discovery/issuer-with-query", test_discovery_issuer_with_query);
  g_test_add_func ("/bearer/discovery/rfc8414-fallback", test_discovery_rfc8414_fallback);
  g_test_add_func ("/bearer/discovery/redirect-refused", test_discovery_redirect_refused);
  g_test_add_func ("/bearer/discovery/oversized", test_discovery_oversized);
  g_test_add_func ("/bearer/discovery/unusable-endpoint", test_discovery_unusable_endpoint);
  g_test_add_func ("/bearer/discovery/well-known-urls", test_discovery_well_known_urls);

  return g_test_run ();
}
