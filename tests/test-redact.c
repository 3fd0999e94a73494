/* test-redact.c: nothing secret reaches a log line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "bearer-redact.h"

/* The secret-named fields of docs/core.md. */
static const char * const secret_fields[] = {
  "access_token", "refresh_token", "id_token", "client_secret", "password",
  "code", "code_verifier", "assertion", "client_assertion", "device_code",
  "token", "client_key", "private_key", "dpop_key",
};

static const char * const plain_fields[] = {
  "token_type", "expires_in", "scope", "client_id", "grant_type", "username",
  "redirect_uri", "error", "error_description",
};

static char *
redact (const char         *text,
        const char * const *known)
{
  char *out = bearer_redact (text, known);

  g_assert_nonnull (out);
  g_assert_true (g_utf8_validate (out, -1, NULL));
  if (g_utf8_validate (text, -1, NULL))
    g_test_message ("in:  %s", text);
  else
    {
      g_autofree char *escaped = g_strescape (text, NULL);
      g_test_message ("in (not UTF-8):  %s", escaped);
    }
  g_test_message ("out: %s", out);
  return out;
}

static void
assert_not_in (const char *haystack,
               const char *needle)
{
  if (strstr (haystack, needle) != NULL)
    g_test_message ("'%s' still holds '%s'", haystack, needle);
  g_assert_null (strstr (haystack, needle));
}

static void
assert_in (const char *haystack,
           const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_test_message ("'%s' lost '%s'", haystack, needle);
  g_assert_nonnull (strstr (haystack, needle));
}

static void
test_redact_null (void)
{
  const char * const known[] = { "abc", NULL };

  g_assert_null (bearer_redact (NULL, NULL));
  g_assert_null (bearer_redact (NULL, known));
}

static void
test_redact_known_secrets (void)
{
  const char * const known[] = { "s3cr3t-Value", "rt_9f8e7d6c5b", NULL };
  g_autofree char *out = redact ("sent s3cr3t-Value twice: s3cr3t-Value, then rt_9f8e7d6c5b.", known);

  assert_not_in (out, "s3cr3t-Value");
  assert_not_in (out, "rt_9f8e7d6c5b");
  assert_in (out, BEARER_REDACTED);
  assert_in (out, "sent ");
  assert_in (out, " twice: ");
  assert_in (out, ", then ");
}

static void
test_redact_known_secret_in_url (void)
{
  const char * const known[] = { "Zq8wPmN4xT", NULL };
  g_autofree char *out = redact ("POST https://auth.example.com/oauth/token?api_key=Zq8wPmN4xT&x=1", known);

  assert_not_in (out, "Zq8wPmN4xT");
  assert_in (out, "https://auth.example.com/oauth/token?");
}

static void
test_redact_known_secrets_empty (void)
{
  /* An empty or NULL list, or an empty known secret, changes nothing
   * (and does not loop forever). */
  const char * const empty_list[] = { NULL };
  const char * const empty_secret[] = { "", NULL };
  const char *text = "nothing to hide here";
  g_autofree char *out1 = redact (text, NULL);
  g_autofree char *out2 = redact (text, empty_list);
  g_autofree char *out3 = redact (text, empty_secret);

  g_assert_cmpstr (out1, ==, text);
  g_assert_cmpstr (out2, ==, text);
  g_assert_cmpstr (out3, ==, text);
}

static void
test_redact_json_fields (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (secret_fields); i++)
    {
      g_autofree char *value = g_strdup_printf ("VAL-%s-7xQ", secret_fields[i]);
      g_autofree char *compact = g_strdup_printf ("{\"%s\":\"%s\",\"client_id\":\"my-app\"}",
                                                  secret_fields[i], value);
      g_autofree char *spaced = g_strdup_printf ("{ \"token_type\" : \"Bearer\" , \"%s\"  :  \"%s\" }",
                                                 secret_fields[i], value);
      g_autofree char *out1 = redact (compact, NULL);
      g_autofree char *out2 = redact (spaced, NULL);

      assert_not_in (out1, value);
      assert_in (out1, "\"client_id\":\"my-app\"");
      assert_in (out1, secret_fields[i]);
      assert_not_in (out2, value);
      assert_in (out2, "\"token_type\" : \"Bearer\"");
    }
}

static void
test_redact_json_escaped_quotes (void)
{
  const char *text = "{\"client_secret\":\"p\\\"a\\\\\\\"ss-TAIL9\",\"scope\":\"read write\"}";
  g_autofree char *out = redact (text, NULL);

  assert_not_in (out, "TAIL9");
  assert_not_in (out, "ss-");
  assert_in (out, "\"scope\":\"read write\"");
}

static void
test_redact_json_multiline (void)
{
  const char *text =
    "{\n"
    "  \"access_token\": \"eyA.opaque-AT-991\",\n"
    "  \"token_type\": \"Bearer\",\n"
    "  \"expires_in\": 3600,\n"
    "  \"refresh_token\":\t\"def50200-RT-abc\",\n"
    "  \"scope\": \"openid profile\"\n"
    "}";
  g_autofree char *out = redact (text, NULL);

  assert_not_in (out, "opaque-AT-991");
  assert_not_in (out, "def50200-RT-abc");
  assert_in (out, "\"token_type\": \"Bearer\"");
  assert_in (out, "\"expires_in\": 3600");
  assert_in (out, "\"scope\": \"openid profile\"");
}

static void
test_redact_form_fields (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (secret_fields); i++)
    {
      g_autofree char *value = g_strdup_printf ("VAL%%2B%s-7xQ", secret_fields[i]);
      g_autofree char *first = g_strdup_printf ("%s=%s&grant_type=refresh_token&client_id=my-app",
                                                secret_fields[i], value);
      g_autofree char *middle = g_strdup_printf ("grant_type=refresh_token&%s=%s&client_id=my-app",
                                                 secret_fields[i], value);
      g_autofree char *last = g_strdup_printf ("grant_type=refresh_token&client_id=my-app&%s=%s",
                                               secret_fields[i], value);
      g_autofree char *out1 = redact (first, NULL);
      g_autofree char *out2 = redact (middle, NULL);
      g_autofree char *out3 = redact (last, NULL);

      assert_not_in (out1, value);
      assert_not_in (out1, "7xQ");
      assert_in (out1, "grant_type=refresh_token&client_id=my-app");
      assert_not_in (out2, "7xQ");
      assert_in (out2, "grant_type=refresh_token&");
      assert_in (out2, "&client_id=my-app");
      assert_not_in (out3, "7xQ");
      assert_in (out3, "grant_type=refresh_token&client_id=my-app&");
    }
}

static void
test_redact_authorization_basic (void)
{
  const char *text = "Accept: application/json\r\n"
                     "Authorization: Basic bXktYXBwOnMzY3IzdA==\r\n"
                     "User-Agent: Bearer/0.1.0\r\n";
  g_autofree char *out = redact (text, NULL);

  assert_not_in (out, "bXktYXBwOnMzY3IzdA");
  assert_in (out, "Authorization:");
  assert_in (out, "Accept: application/json\r\n");
  assert_in (out, "User-Agent: Bearer/0.1.0\r\n");
}

static void
test_redact_authorization_bearer (void)
{
  const char *text = "Authorization: Bearer 2YotnFZFEjr1zCsicMWpAA\nnext line";
  const char *lower = "authorization: bearer 2YotnFZFEjr1zCsicMWpAA";
  g_autofree char *out = redact (text, NULL);
  g_autofree char *out_lower = redact (lower, NULL);

  assert_not_in (out, "2YotnFZFEjr1zCsicMWpAA");
  assert_in (out, "next line");
  /* Header names are case-insensitive. */
  assert_not_in (out_lower, "2YotnFZFEjr1zCsicMWpAA");
}

static void
test_redact_jwt (void)
{
  const char *jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
                    ".eyJzdWIiOiIxMjM0NTY3ODkwIiwiZXhwIjoxNzAwMDAwMDAwfQ"
                    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
  g_autofree char *text = g_strdup_printf ("the token was %s, see above", jwt);
  g_autofree char *unsecured = g_strdup ("alg none: eyJhbGciOiJub25lIn0.eyJzdWIiOiI0MiJ9. end");
  g_autofree char *out = redact (text, NULL);
  g_autofree char *out_unsecured = redact (unsecured, NULL);

  assert_not_in (out, "eyJzdWIiOiIxMjM0NTY3ODkwIiwiZXhwIjoxNzAwMDAwMDAwfQ");
  assert_not_in (out, "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c");
  assert_in (out, "the token was ");
  assert_in (out, ", see above");
  assert_not_in (out_unsecured, "eyJzdWIiOiI0MiJ9");
  assert_in (out_unsecured, "alg none: ");
}

static void
test_redact_ordinary_text (void)
{
  static const char * const texts[] = {
    "Hello, world. Nothing to see here.",
    "POST https://auth.example.com/oauth/token HTTP/1.1",
    "https://login.microsoftonline.com/common/oauth2/v2.0/token?p=b2c_1.signin",
    "User-Agent: Bearer/0.1.0 (libsoup 3.2.3; GLib 2.74.6)",
    "Accept: application/json",
    "token_type=Bearer&expires_in=3600&scope=read+write&client_id=my-app",
    "{\"token_type\":\"Bearer\",\"expires_in\":3600,\"scope\":\"read write\",\"client_id\":\"my-app\"}",
    "{\"error\":\"invalid_grant\",\"error_description\":\"Token has been revoked\"}",
    "HTTP 502 Bad Gateway, Überweisung café ☕",
    "",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autofree char *out = redact (texts[i], NULL);

      g_assert_cmpstr (out, ==, texts[i]);
    }
}

static void
test_redact_non_secret_fields_kept (void)
{
  const char *text = "{\"access_token\":\"at-SECRET-1\",\"token_type\":\"Bearer\","
                     "\"expires_in\":3599,\"scope\":\"openid email\",\"client_id\":\"app-42\"}";
  const char *form = "access_token=at-SECRET-2&token_type=Bearer&expires_in=3599"
                     "&scope=openid+email&client_id=app-42";
  g_autofree char *out = redact (text, NULL);
  g_autofree char *out_form = redact (form, NULL);

  assert_not_in (out, "at-SECRET-1");
  assert_in (out, "\"token_type\":\"Bearer\"");
  assert_in (out, "\"expires_in\":3599");
  assert_in (out, "\"scope\":\"openid email\"");
  assert_in (out, "\"client_id\":\"app-42\"");

  assert_not_in (out_form, "at-SECRET-2");
  assert_in (out_form, "token_type=Bearer&expires_in=3599&scope=openid+email&client_id=app-42");
}

static void
test_redact_is_secret_field (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (secret_fields); i++)
    {
      g_test_message ("field %s", secret_fields[i]);
      g_assert_true (bearer_is_secret_field (secret_fields[i]));
    }
  for (gsize i = 0; i < G_N_ELEMENTS (plain_fields); i++)
    {
      g_test_message ("field %s", plain_fields[i]);
      g_assert_false (bearer_is_secret_field (plain_fields[i]));
    }
  g_assert_false (bearer_is_secret_field (""));
  g_assert_false (bearer_is_secret_field ("access_token_x"));
  g_assert_false (bearer_is_secret_field ("xaccess_token"));
}

static void
test_redact_url (void)
{
  g_autofree char *plain = bearer_redact_url ("https://id.example.com/oauth/token");
  g_autofree char *query = bearer_redact_url ("https://id.example.com:8443/t?tenant=acme&api_key=k-123&flag");
  g_autofree char *userinfo = bearer_redact_url ("https://user:pa55@id.example.com/t");

  g_assert_cmpstr (plain, ==, "https://id.example.com/oauth/token");
  g_assert_cmpstr (query, ==,
                   "https://id.example.com:8443/t?tenant=" BEARER_REDACTED "&api_key=" BEARER_REDACTED
                   "&flag=" BEARER_REDACTED);
  g_assert_null (strstr (userinfo, "pa55"));
  g_assert_null (strstr (userinfo, "user"));
  g_assert_null (bearer_redact_url (NULL));
}

static void
test_redact_url_without_host (void)
{
  /* Found by tests/fuzz/fuzz-redact: a URL whose path, once its dot
   * segments are removed, starts with "//" and that has no host cannot be
   * joined again (GLib says so with a critical, and returns NULL). */
  static const char * const urls[] = { "y:.////a", "Y:/.//a", "mailto:someone@example.com", "urn:x" };

  for (gsize i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_autofree char *out = bearer_redact_url (urls[i]);

      g_test_message ("%s -> %s", urls[i], out);
      g_assert_nonnull (out);
      g_assert_true (g_utf8_validate (out, -1, NULL));
    }
}

/* Item 9 of issue 8: redaction is total. */

static char *
repeat (char        c,
        gsize       n)
{
  char *text = g_malloc (n + 1);

  memset (text, c, n);
  text[n] = '\0';
  return text;
}

static void
test_redact_invalid_utf8 (void)
{
  /* This one took GRegex into PCRE2's JIT with invalid UTF-8, which
   * crashed (SIGSEGV) on Debian 12. */
  static const char crasher[] =
    "refresh_token=\xff\"refresh_token\":\"\"refresh_token\":\"\\\xff" "eyJrefresh_token=";
  static const char * const texts[] = {
    crasher,
    "\xff",
    "\xc3",
    "\xed\xa0\x80",
    "eyJ\xc3.\x80.\xff",
    "Authorization: Bearer \xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8",
  };
  const char * const known[] = { "rt-known-secret-77", NULL };

  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autofree char *out = redact (texts[i], known);

      g_assert_nonnull (out);
    }

  /* Still masked, around the bad bytes. */
  {
    g_autofree char *out = redact ("abc\xff\xfe refresh_token=zzz-secret \xc3 and rt-known-secret-77\xff", known);

    assert_not_in (out, "zzz-secret");
    assert_not_in (out, "rt-known-secret-77");
    assert_in (out, "abc");
  }
  {
    g_autofree char *out = redact ("{\"refresh_token\":\"rt-\xff-tail\",\"scope\":\"x\"}", NULL);

    assert_not_in (out, "tail");
    assert_in (out, "\"scope\":\"x\"");
  }
}

static void
test_redact_long_values (void)
{
  /* Values of any length are masked one by one; the rest of the text stays. */
  for (gsize len = 1000; len <= 1024 * 1024; len *= 4)
    {
      g_autofree char *value = repeat ('v', len);
      g_autofree char *escaped = NULL;
      g_autofree char *json = g_strdup_printf ("{\"refresh_token\":\"%s\",\"scope\":\"read\"}", value);
      g_autofree char *form = g_strdup_printf ("refresh_token=%s&scope=read", value);
      g_autofree char *header = g_strdup_printf ("Authorization: Basic %s\r\nAccept: */*", value);
      g_autofree char *jwt = g_strdup_printf ("jwt eyJ%s.%s.%s end", value, value, value);
      g_autofree char *out_json = NULL;
      g_autofree char *out_escaped = NULL;
      g_autofree char *out_form = NULL;
      g_autofree char *out_header = NULL;
      g_autofree char *out_jwt = NULL;
      GString *builder = g_string_new ("{\"access_token\":\"");

      g_test_message ("value of %zu bytes", len);
      for (gsize i = 0; i < len / 2; i++)
        g_string_append (builder, "\\\"");
      g_string_append (builder, "\",\"scope\":\"read\"}");
      escaped = g_string_free (builder, FALSE);

      out_json = bearer_redact (json, NULL);
      out_escaped = bearer_redact (escaped, NULL);
      out_form = bearer_redact (form, NULL);
      out_header = bearer_redact (header, NULL);
      out_jwt = bearer_redact (jwt, NULL);

      g_assert_cmpstr (out_json, ==, "{\"refresh_token\":\"" BEARER_REDACTED "\",\"scope\":\"read\"}");
      g_assert_cmpstr (out_escaped, ==, "{\"access_token\":\"" BEARER_REDACTED "\",\"scope\":\"read\"}");
      g_assert_cmpstr (out_form, ==, "refresh_token=" BEARER_REDACTED "&scope=read");
      g_assert_cmpstr (out_header, ==, "Authorization: Basic " BEARER_REDACTED "\r\nAccept: */*");
      g_assert_cmpstr (out_jwt, ==, "jwt " BEARER_REDACTED " end");
    }
}

static void
test_redact_long_known_secret (void)
{
  g_autofree char *secret = NULL;
  g_autofree char *text = NULL;
  g_autofree char *out = NULL;
  GString *builder = g_string_new (NULL);

  /* 5000 characters, with a quote and a space in it: every spelling. */
  for (guint i = 0; i < 5000; i++)
    g_string_append_c (builder, i == 2500 ? '"' : i == 4000 ? ' ' : 'A' + i % 26);
  secret = g_string_free (builder, FALSE);
  {
    const char * const known[] = { secret, NULL };
    g_autofree char *form = NULL;
    g_autofree char *json = NULL;
    GString *f = g_string_new (NULL);
    GString *j = g_string_new (NULL);

    for (const char *p = secret; *p != '\0'; p++)
      {
        if (*p == '"')
          {
            g_string_append (f, "%22");
            g_string_append (j, "\\\"");
          }
        else if (*p == ' ')
          {
            g_string_append_c (f, '+');
            g_string_append_c (j, ' ');
          }
        else
          {
            g_string_append_c (f, *p);
            g_string_append_c (j, *p);
          }
      }
    form = g_string_free (f, FALSE);
    json = g_string_free (j, FALSE);

    text = g_strdup_printf ("typed %s; form %s; json {\"x\":\"%s\"}; end", secret, form, json);
    out = redact (text, known);
    g_assert_cmpstr (out, ==, "typed " BEARER_REDACTED "; form " BEARER_REDACTED
                              "; json {\"x\":\"" BEARER_REDACTED "\"}; end");
  }
}

static void
test_redact_mask_never_rebuilds_secret (void)
{
  /* "[redacted]" followed by what came after the secret spells the secret
   * again: masking goes on until no secret is left. */
  const char * const known[] = { "ted]QQQQQQQQ", NULL };
  g_autofree char *out = redact ("ted]QQQQQQQQQQQQQQQQQQQQQQQQ", known);

  assert_not_in (out, "ted]QQQQQQQQ");

  /* A secret inside the mask itself cannot be kept out of it, but it does
   * not make redaction loop or give up. */
  {
    const char * const inside[] = { "dact", NULL };
    g_autofree char *out2 = redact ("x dact y", inside);

    g_assert_cmpstr (out2, ==, "x " BEARER_REDACTED " y");
  }
}

static void
test_redact_unterminated_value (void)
{
  /* A body cut short, as a log line may be: the rest of the value is
   * masked all the same. */
  g_autofree char *out = redact ("{\"token_type\":\"Bearer\",\"refresh_token\":\"def50200-cut-here", NULL);
  g_autofree char *out2 = redact ("{\"refresh_token\":\"def50200\\", NULL);

  assert_not_in (out, "def50200");
  assert_in (out, "\"token_type\":\"Bearer\"");
  assert_not_in (out2, "def50200");
}

static void
test_redact_many_occurrences (void)
{
  /* A megabyte made of a known secret: every one masked. */
  const char *secret = "rt-original-123";
  const char * const known[] = { secret, NULL };
  GString *builder = g_string_new (NULL);
  g_autofree char *text = NULL;
  g_autofree char *out = NULL;
  gint64 start;

  while (builder->len < 1024 * 1024)
    g_string_append (builder, secret);
  text = g_string_free (builder, FALSE);

  start = g_get_monotonic_time ();
  out = bearer_redact (text, known);
  g_test_message ("%.1f ms", (g_get_monotonic_time () - start) / 1000.0);
  assert_not_in (out, secret);
  g_assert_true (g_str_has_prefix (out, BEARER_REDACTED BEARER_REDACTED));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/bearer/redact/null", test_redact_null);
  g_test_add_func ("/bearer/redact/known-secrets", test_redact_known_secrets);
  g_test_add_func ("/bearer/redact/known-secret-in-url", test_redact_known_secret_in_url);
  g_test_add_func ("/bearer/redact/known-secrets-empty", test_redact_known_secrets_empty);
  g_test_add_func ("/bearer/redact/json-fields", test_redact_json_fields);
  g_test_add_func ("/bearer/redact/json-escaped-quotes", test_redact_json_escaped_quotes);
  g_test_add_func ("/bearer/redact/json-multiline", test_redact_json_multiline);
  g_test_add_func ("/bearer/redact/form-fields", test_redact_form_fields);
  g_test_add_func ("/bearer/redact/authorization-basic", test_redact_authorization_basic);
  g_test_add_func ("/bearer/redact/authorization-bearer", test_redact_authorization_bearer);
  g_test_add_func ("/bearer/redact/jwt", test_redact_jwt);
  g_test_add_func ("/bearer/redact/ordinary-text", test_redact_ordinary_text);
  g_test_add_func ("/bearer/redact/non-secret-fields-kept", test_redact_non_secret_fields_kept);
  g_test_add_func ("/bearer/redact/is-secret-field", test_redact_is_secret_field);
  g_test_add_func ("/bearer/redact/url", test_redact_url);
  g_test_add_func ("/bearer/redact/url-without-host", test_redact_url_without_host);
  g_test_add_func ("/bearer/redact/invalid-utf8", test_redact_invalid_utf8);
  g_test_add_func ("/bearer/redact/long-values", test_redact_long_values);
  g_test_add_func ("/bearer/redact/long-known-secret", test_redact_long_known_secret);
  g_test_add_func ("/bearer/redact/mask-never-rebuilds-secret", test_redact_mask_never_rebuilds_secret);
  g_test_add_func ("/bearer/redact/unterminated-value", test_redact_unterminated_value);
  g_test_add_func ("/bearer/redact/many-occurrences", test_redact_many_occurrences);

  return g_test_run ();
}
