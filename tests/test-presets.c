/* test-presets.c: the preset table, token URLs made from what the user
 * types, the profile a preset sets up, and the URL check while typing
 *
 * Core only: the window's Add a Connection and `bearer-cli add --preset`
 * both use these (tests/test-cli.c checks that they agree).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include "bearer-presets.h"

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

/* What a preset sets up in a profile, and that a bad input changes nothing. */
static void
test_apply (void)
{
  guint n;
  const BearerPreset *presets = bearer_presets_get (&n);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BearerProfile) profile = bearer_profile_new ("x");
      g_autoptr(GError) error = NULL;
      g_autofree char *url = NULL;
      const char *input = presets[i].input == BEARER_PRESET_INPUT_TOKEN_URL
                          ? "https://auth.example.com/token" : "acme";

      g_assert_true (bearer_preset_apply (&presets[i], profile, input, "staff", &error));
      g_assert_no_error (error);
      url = bearer_preset_build_token_url (&presets[i], input, "staff", NULL);
      g_assert_cmpstr (bearer_profile_get_preset (profile), ==, presets[i].id);
      g_assert_cmpstr (bearer_profile_get_token_url (profile), ==, url);
      g_assert_cmpint (bearer_profile_get_grant_type (profile), ==, presets[i].grant_type);
      g_assert_cmpint (bearer_profile_get_client_auth (profile), ==, presets[i].client_auth);
      g_assert_cmpstr (bearer_profile_get_scope (profile), ==, presets[i].scope);
      /* bearer-cli add names one option per input. */
      g_assert_true ((presets[i].option == NULL) == (presets[i].input == BEARER_PRESET_INPUT_NONE));
    }

  {
    g_autoptr(BearerProfile) profile = bearer_profile_new ("x");
    g_autoptr(GError) error = NULL;

    bearer_profile_set_token_url (profile, "https://before.example.com/token");
    g_assert_false (bearer_preset_apply (bearer_preset_find ("processmaker"), profile,
                                         "not an instance", NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr (bearer_profile_get_token_url (profile), ==, "https://before.example.com/token");
    g_assert_cmpstr (bearer_profile_get_preset (profile), !=, "processmaker");
  }
}

/* The sign-in addresses each preset knows, from the same input. */
static void
test_sign_in_urls (void)
{
  static const struct {
    const char *preset, *input, *realm, *authorize, *device, *issuer;
  } cases[] = {
    { "processmaker", "acme", NULL, "https://acme.processmaker.net/oauth/authorize", NULL, NULL },
    { "processmaker", "pm.example.com", NULL, "https://pm.example.com/oauth/authorize", NULL, NULL },
    { "processmaker", "https://pm.example.com/custom/token", NULL, NULL, NULL, NULL },
    { "keycloak", "https://sso.example.com", "staff",
      "https://sso.example.com/realms/staff/protocol/openid-connect/auth",
      "https://sso.example.com/realms/staff/protocol/openid-connect/auth/device",
      "https://sso.example.com/realms/staff" },
    { "entra", "contoso.onmicrosoft.com", NULL,
      "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize",
      "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/devicecode",
      "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0" },
    { "auth0", "acme.eu.auth0.com", NULL, "https://acme.eu.auth0.com/authorize",
      "https://acme.eu.auth0.com/oauth/device/code", "https://acme.eu.auth0.com/" },
    { "google", NULL, NULL, "https://accounts.google.com/o/oauth2/v2/auth",
      "https://oauth2.googleapis.com/device/code", "https://accounts.google.com" },
    { "gitlab", NULL, NULL, "https://gitlab.com/oauth/authorize", "https://gitlab.com/oauth/authorize_device",
      "https://gitlab.com" },
    { "generic", "https://auth.example.com/token", NULL, NULL, NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(BearerProfile) profile = bearer_profile_new ("x");
      g_autoptr(GError) error = NULL;

      g_assert_true (bearer_preset_apply (bearer_preset_find (cases[i].preset), profile, cases[i].input,
                                          cases[i].realm, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (bearer_profile_get_authorization_url (profile), ==, cases[i].authorize);
      g_assert_cmpstr (bearer_profile_get_device_authorization_url (profile), ==, cases[i].device);
      g_assert_cmpstr (bearer_profile_get_issuer (profile), ==, cases[i].issuer);
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
  g_test_add_func ("/bearer/presets/apply", test_apply);
  g_test_add_func ("/bearer/presets/check-url", test_check_url);
  g_test_add_func ("/bearer/presets/sign-in-urls", test_sign_in_urls);

  return g_test_run ();
}
