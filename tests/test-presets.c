/* test-presets.c: presets, URL checks, the cURL command, expiry texts
 *
 * No display needed: these are the window's pure helpers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include "bearer-curl.h"
#include "bearer-presets.h"
#include "bearer-token-view.h"

static char *
build (const char *id,
       const char *input,
       const char *realm)
{
  const BearerPreset *preset = bearer_preset_find (id);

  g_assert_nonnull (preset);
  return bearer_preset_build_token_url (preset, input, realm, NULL);
}

static void
assert_url (const char *id,
            const char *input,
            const char *realm,
            const char *expected)
{
  g_autofree char *url = build (id, input, realm);

  g_assert_cmpstr (url, ==, expected);
}

static void
assert_no_url (const char *id,
               const char *input,
               const char *realm)
{
  const BearerPreset *preset = bearer_preset_find (id);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = bearer_preset_build_token_url (preset, input, realm, &error);

  g_assert_null (url);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (error->message);
}

static void
test_table (void)
{
  guint n;
  const BearerPreset *presets = bearer_presets_get (&n);
  const char *ids[] = { "processmaker", "generic", "keycloak", "entra", "auth0", "google", "gitlab" };

  g_assert_cmpuint (n, ==, G_N_ELEMENTS (ids));
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpstr (presets[i].id, ==, ids[i]);
      g_assert_true (bearer_preset_find (ids[i]) == &presets[i]);
      g_assert_nonnull (presets[i].name);
      g_assert_nonnull (presets[i].description);
      g_assert_true ((presets[i].input == BEARER_PRESET_INPUT_NONE) == (presets[i].input_title == NULL));
    }
  g_assert_null (bearer_preset_find ("nope"));

  /* ProcessMaker's own examples send the client in the body. */
  g_assert_cmpint (presets[0].client_auth, ==, BEARER_CLIENT_AUTH_POST);
  g_assert_cmpint (presets[0].grant_type, ==, BEARER_GRANT_REFRESH_TOKEN);
}

static void
test_processmaker (void)
{
  assert_url ("processmaker", "acme", NULL, "https://acme.processmaker.net/oauth/token");
  assert_url ("processmaker", "  acme-dev ", NULL, "https://acme-dev.processmaker.net/oauth/token");
  assert_url ("processmaker", "acme.processmaker.net", NULL, "https://acme.processmaker.net/oauth/token");
  assert_url ("processmaker", "pm.example.com", NULL, "https://pm.example.com/oauth/token");
  assert_url ("processmaker", "https://pm.example.com", NULL, "https://pm.example.com/oauth/token");
  assert_url ("processmaker", "https://pm.example.com/", NULL, "https://pm.example.com/oauth/token");
  assert_url ("processmaker", "https://pm.example.com:8443/pm", NULL,
              "https://pm.example.com:8443/pm");
  assert_url ("processmaker", "https://pm.example.com/oauth/token", NULL,
              "https://pm.example.com/oauth/token");
  assert_url ("processmaker", "http://127.0.0.1:8080/oauth/token", NULL,
              "http://127.0.0.1:8080/oauth/token");
  assert_no_url ("processmaker", "", NULL);
  assert_no_url ("processmaker", "not an instance", NULL);
  assert_no_url ("processmaker", "-acme", NULL);
  assert_no_url ("processmaker", "ftp://pm.example.com", NULL);
}

static void
test_others (void)
{
  assert_url ("generic", "https://x.example/token", NULL, "https://x.example/token");
  assert_no_url ("generic", "not a url", NULL);
  assert_no_url ("generic", "", NULL);

  assert_url ("keycloak", "https://sso.example.com", "acme",
              "https://sso.example.com/realms/acme/protocol/openid-connect/token");
  assert_url ("keycloak", "sso.example.com/auth/", "my realm",
              "https://sso.example.com/auth/realms/my%20realm/protocol/openid-connect/token");
  assert_no_url ("keycloak", "https://sso.example.com", "");
  assert_no_url ("keycloak", "", "acme");

  assert_url ("entra", "contoso.onmicrosoft.com", NULL,
              "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token");
  assert_url ("entra", "", NULL, "https://login.microsoftonline.com/common/oauth2/v2.0/token");
  assert_url ("entra", "72f988bf-86f1-41af-91ab-2d7cd011db47", NULL,
              "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token");
  assert_no_url ("entra", "a/b", NULL);

  assert_url ("auth0", "acme.eu.auth0.com", NULL, "https://acme.eu.auth0.com/oauth/token");
  assert_url ("auth0", "https://acme.eu.auth0.com/", NULL, "https://acme.eu.auth0.com/oauth/token");
  assert_no_url ("auth0", "https://user:pw@acme.eu.auth0.com", NULL);

  assert_url ("google", NULL, NULL, "https://oauth2.googleapis.com/token");
  assert_url ("google", "ignored", NULL, "https://oauth2.googleapis.com/token");

  assert_url ("gitlab", "", NULL, "https://gitlab.com/oauth/token");
  assert_url ("gitlab", "https://gitlab.example.com/", NULL, "https://gitlab.example.com/oauth/token");
}

static void
test_suggest_name (void)
{
  const struct { const char *id, *input, *realm, *name; } cases[] = {
    { "processmaker", "acme", NULL, "acme" },
    { "processmaker", "https://pm.example.com/oauth/token", NULL, "pm.example.com" },
    { "keycloak", "https://sso.example.com", "staff", "staff" },
    { "google", NULL, NULL, "Google" },
    { "gitlab", "https://gitlab.com", NULL, "GitLab" },
    { "entra", "", NULL, "Microsoft Entra ID" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = bearer_preset_suggest_name (bearer_preset_find (cases[i].id),
                                                          cases[i].input, cases[i].realm);
      g_assert_cmpstr (name, ==, cases[i].name);
    }
}

static void
test_check_url (void)
{
  g_assert_cmpint (bearer_check_token_url (NULL, FALSE), ==, BEARER_URL_EMPTY);
  g_assert_cmpint (bearer_check_token_url ("", FALSE), ==, BEARER_URL_EMPTY);
  g_assert_cmpint (bearer_check_token_url ("not a url", FALSE), ==, BEARER_URL_INVALID);
  g_assert_cmpint (bearer_check_token_url ("acme.processmaker.net/oauth/token", FALSE), ==, BEARER_URL_INVALID);
  g_assert_cmpint (bearer_check_token_url ("ftp://x.example/token", FALSE), ==, BEARER_URL_INVALID);
  g_assert_cmpint (bearer_check_token_url ("https:///token", FALSE), ==, BEARER_URL_INVALID);
  g_assert_cmpint (bearer_check_token_url ("https://me:pw@x.example/token", FALSE), ==, BEARER_URL_INVALID);
  g_assert_cmpint (bearer_check_token_url ("https://x.example/token", FALSE), ==, BEARER_URL_OK);
  g_assert_cmpint (bearer_check_token_url ("HTTPS://x.example/token", FALSE), ==, BEARER_URL_OK);
  g_assert_cmpint (bearer_check_token_url ("http://x.example/token", FALSE), ==, BEARER_URL_INSECURE);
  g_assert_cmpint (bearer_check_token_url ("http://x.example/token", TRUE), ==, BEARER_URL_OK);
  g_assert_cmpint (bearer_check_token_url ("http://localhost:8080/token", FALSE), ==, BEARER_URL_OK);
  g_assert_cmpint (bearer_check_token_url ("http://127.0.0.2/token", FALSE), ==, BEARER_URL_OK);
  g_assert_cmpint (bearer_check_token_url ("http://[::1]:8080/token", FALSE), ==, BEARER_URL_OK);
}

static BearerProfile *
processmaker_profile (void)
{
  BearerProfile *profile = bearer_profile_new ("prod");

  bearer_profile_set_token_url (profile, "https://acme.processmaker.net/oauth/token");
  bearer_profile_set_client_id (profile, "3");
  bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_POST);
  return profile;
}

/* A profile stored with a password in its token URL (by hand, or by an
 * older Bearer): copied without secrets, the command holds no password. */
static void
test_curl_url_password (void)
{
  g_autoptr(BearerProfile) profile = processmaker_profile ();
  g_autofree char *placeholders = NULL;
  g_autofree char *secrets = NULL;
  g_autofree char *broken = NULL;

  bearer_profile_set_token_url (profile, "https://alice:pa55word@acme.example.com/oauth/token?x=1");
  placeholders = bearer_curl_command (profile, "s3cret", "def502", NULL, FALSE);
  g_assert_null (strstr (placeholders, "pa55word"));
  g_assert_nonnull (strstr (placeholders, "'https://acme.example.com/oauth/token?x=1'"));

  secrets = bearer_curl_command (profile, "s3cret", "def502", NULL, TRUE);
  g_assert_nonnull (strstr (secrets, "'https://alice:pa55word@acme.example.com/oauth/token?x=1'"));

  bearer_profile_set_token_url (profile, "htp:/x//alice:pa55word@[bad/oauth/token");
  broken = bearer_curl_command (profile, "s3cret", "def502", NULL, FALSE);
  g_assert_null (strstr (broken, "pa55word"));
}

static void
test_curl (void)
{
  g_autoptr(BearerProfile) profile = processmaker_profile ();
  g_autofree char *placeholders = NULL;
  g_autofree char *secrets = NULL;
  g_autofree char *basic = NULL;
  g_autofree char *json = NULL;
  g_autofree char *extra = NULL;

  /* As in ProcessMaker's guide, secrets as placeholders. */
  placeholders = bearer_curl_command (profile, "s3cret", "def502", NULL, FALSE);
  g_assert_cmpstr (placeholders, ==,
                   "curl -X POST 'https://acme.processmaker.net/oauth/token' \\\n"
                   "  -H 'Accept: application/json' \\\n"
                   "  -d 'grant_type=refresh_token' \\\n"
                   "  -d 'refresh_token=<refresh-token>' \\\n"
                   "  -d 'client_id=3' \\\n"
                   "  -d 'client_secret=<client-secret>'");

  /* With them; a value that needs encoding goes through --data-urlencode. */
  secrets = bearer_curl_command (profile, "a&b c", "def502", NULL, TRUE);
  g_assert_cmpstr (secrets, ==,
                   "curl -X POST 'https://acme.processmaker.net/oauth/token' \\\n"
                   "  -H 'Accept: application/json' \\\n"
                   "  -d 'grant_type=refresh_token' \\\n"
                   "  -d 'refresh_token=def502' \\\n"
                   "  -d 'client_id=3' \\\n"
                   "  --data-urlencode 'client_secret=a&b c'");

  /* HTTP Basic, each part form-encoded first (RFC 6749 §2.3.1). */
  bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_BASIC);
  bearer_profile_set_grant_type (profile, BEARER_GRANT_CLIENT_CREDENTIALS);
  bearer_profile_set_scope (profile, "read write");
  basic = bearer_curl_command (profile, "a:b%c+d", NULL, NULL, TRUE);
  g_assert_cmpstr (basic, ==,
                   "curl -X POST 'https://acme.processmaker.net/oauth/token' \\\n"
                   "  -H 'Accept: application/json' \\\n"
                   "  -u '3:a%3Ab%25c%2Bd' \\\n"
                   "  -d 'grant_type=client_credentials' \\\n"
                   "  --data-urlencode 'scope=read write'");

  /* A JSON body, as the seed's axios example; a password grant. */
  bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_POST);
  bearer_profile_set_grant_type (profile, BEARER_GRANT_PASSWORD);
  bearer_profile_set_username (profile, "alice");
  bearer_profile_set_scope (profile, NULL);
  bearer_profile_set_body_encoding (profile, BEARER_BODY_JSON);
  json = bearer_curl_command (profile, "s3cret", NULL, "it's", FALSE);
  g_assert_cmpstr (json, ==,
                   "curl -X POST 'https://acme.processmaker.net/oauth/token' \\\n"
                   "  -H 'Accept: application/json' \\\n"
                   "  -H 'Content-Type: application/json' \\\n"
                   "  --data-raw '{\"grant_type\":\"password\",\"username\":\"alice\","
                   "\"password\":\"<password>\",\"client_id\":\"3\","
                   "\"client_secret\":\"<client-secret>\"}'");

  /* Extra parameters in the query, a header and the body. */
  bearer_profile_set_body_encoding (profile, BEARER_BODY_FORM);
  bearer_profile_set_grant_type (profile, BEARER_GRANT_CLIENT_CREDENTIALS);
  bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_NONE);
  bearer_profile_add_parameter (profile, BEARER_PARAM_QUERY, "tenant", "a b");
  bearer_profile_add_parameter (profile, BEARER_PARAM_HEADER, "X-Team", "it's ours");
  bearer_profile_add_parameter (profile, BEARER_PARAM_BODY, "audience", "api");
  extra = bearer_curl_command (profile, NULL, NULL, NULL, TRUE);
  g_assert_cmpstr (extra, ==,
                   "curl -X POST 'https://acme.processmaker.net/oauth/token?tenant=a+b' \\\n"
                   "  -H 'Accept: application/json' \\\n"
                   "  -H 'X-Team: it'\\''s ours' \\\n"
                   "  -d 'grant_type=client_credentials' \\\n"
                   "  -d 'client_id=3' \\\n"
                   "  -d 'audience=api'");
}

static void
test_expiry_text (void)
{
  const gint64 now = 1700000000;
  const struct { gint64 expires_at; const char *text; } cases[] = {
    { 0, "The server gave no expiry" },
    { now - 5, "Expired" },
    { now, "Expired" },
    { now + 1, "Expires in 1 second" },
    { now + 59, "Expires in 59 seconds" },
    { now + 119, "Expires in 119 seconds" },
    { now + 720, "Expires in 12 minutes" },
    { now + 719, "Expires in 12 minutes" },
    { now + 3 * 3600, "Expires in 3 hours" },
    { now + 365 * 86400, "Expires in 365 days" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = bearer_format_expiry (cases[i].expires_at, now);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

int
main (int   argc,
      char *argv[])
{
  /* The untranslated strings are what the tests compare. */
  setlocale (LC_ALL, "C.UTF-8");
  g_setenv ("LANGUAGE", "", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/bearer/presets/table", test_table);
  g_test_add_func ("/bearer/presets/processmaker", test_processmaker);
  g_test_add_func ("/bearer/presets/others", test_others);
  g_test_add_func ("/bearer/presets/suggest-name", test_suggest_name);
  g_test_add_func ("/bearer/presets/check-url", test_check_url);
  g_test_add_func ("/bearer/curl/command", test_curl);
  g_test_add_func ("/bearer/curl/url-password", test_curl_url_password);
  g_test_add_func ("/bearer/token-view/expiry-text", test_expiry_text);

  return g_test_run ();
}
