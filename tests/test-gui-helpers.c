/* test-gui-helpers.c: the window's pure helpers: the cURL command, expiry texts
 *
 * No display needed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include "bearer-curl.h"
#include "bearer-token-view.h"

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

  g_test_add_func ("/bearer/curl/command", test_curl);
  g_test_add_func ("/bearer/curl/url-password", test_curl_url_password);
  g_test_add_func ("/bearer/token-view/expiry-text", test_expiry_text);

  return g_test_run ();
}
