/* test-jwt.c: JWTs decoded for display, and garbage that must not crash
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "bearer-jwt.h"

#define HEADER_JSON "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
/* "?>" and ">>" make both '_' and '-' appear in the base64url text, and the
 * length leaves two '=' of padding in standard base64. */
#define PAYLOAD_JSON "{\"sub\":\"1234567890\",\"name\":\"J?\?>>> é!\",\"admin\":true,\"exp\":1700000000}"
#define HMAC_KEY "your-256-bit-secret"

static char *
b64url (const void *data,
        gsize       length,
        gboolean    padded)
{
  char *text = g_base64_encode (data, length);

  for (char *p = text; *p != '\0'; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
      else if (*p == '=' && !padded)
        *p = '\0';
    }
  return text;
}

static char *
b64url_str (const char *text,
            gboolean    padded)
{
  return b64url (text, strlen (text), padded);
}

/* A real HS256 JWT: base64url(header) "." base64url(payload) "." base64url(HMAC-SHA256). */
static char *
make_hs256 (const char *header_json,
            const char *payload_json,
            gboolean    padded)
{
  g_autofree char *header = b64url_str (header_json, padded);
  g_autofree char *payload = b64url_str (payload_json, padded);
  g_autofree char *signing_input = g_strconcat (header, ".", payload, NULL);
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) HMAC_KEY, strlen (HMAC_KEY));
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  g_autofree char *signature = NULL;

  g_hmac_update (hmac, (const guchar *) signing_input, -1);
  g_hmac_get_digest (hmac, digest, &digest_len);
  g_assert_cmpuint (digest_len, ==, 32);
  signature = b64url (digest, digest_len, padded);

  return g_strconcat (signing_input, ".", signature, NULL);
}

static void
assert_decodes_example (const char *token)
{
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) payload = NULL;
  g_autoptr(GError) error = NULL;

  g_test_message ("token %s", token);
  g_assert_true (bearer_jwt_decode (token, &header, &payload, &error));
  g_assert_no_error (error);
  g_assert_nonnull (header);
  g_assert_nonnull (payload);

  g_assert_cmpstr (json_object_get_string_member (header, "alg"), ==, "HS256");
  g_assert_cmpstr (json_object_get_string_member (header, "typ"), ==, "JWT");
  g_assert_cmpuint (json_object_get_size (header), ==, 2);

  g_assert_cmpstr (json_object_get_string_member (payload, "sub"), ==, "1234567890");
  g_assert_cmpstr (json_object_get_string_member (payload, "name"), ==, "J?\?>>> é!");
  g_assert_true (json_object_get_boolean_member (payload, "admin"));
  g_assert_cmpint (json_object_get_int_member (payload, "exp"), ==, 1700000000);
  g_assert_cmpuint (json_object_get_size (payload), ==, 4);
}

static void
test_jwt_decode_hs256 (void)
{
  g_autofree char *token = make_hs256 (HEADER_JSON, PAYLOAD_JSON, FALSE);
  const char *payload_part = strchr (token, '.') + 1;
  const char *signature_part = strchr (payload_part, '.') + 1;

  /* The test is only worth something if the URL-safe characters are there. */
  g_assert_nonnull (memchr (payload_part, '-', signature_part - payload_part));
  g_assert_nonnull (memchr (payload_part, '_', signature_part - payload_part));
  g_assert_null (strchr (token, '='));

  assert_decodes_example (token);
}

static void
test_jwt_decode_padded (void)
{
  g_autofree char *token = make_hs256 (HEADER_JSON, PAYLOAD_JSON, TRUE);

  g_assert_nonnull (strstr (token, "==."));
  assert_decodes_example (token);
}

static void
test_jwt_decode_known_token (void)
{
  /* The jwt.io example, byte for byte. */
  const char *token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
                      ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
                      ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) payload = NULL;
  g_autoptr(GError) error = NULL;
  gint64 exp = 42;

  g_assert_true (bearer_jwt_decode (token, &header, &payload, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (header, "alg"), ==, "HS256");
  g_assert_cmpstr (json_object_get_string_member (payload, "name"), ==, "John Doe");
  g_assert_cmpint (json_object_get_int_member (payload, "iat"), ==, 1516239022);

  /* No exp claim. */
  g_assert_false (bearer_jwt_get_exp (token, &exp));
}

static void
test_jwt_decode_unsecured (void)
{
  /* alg "none": the signature part is empty; still shown. */
  g_autofree char *header_part = b64url_str ("{\"alg\":\"none\"}", FALSE);
  g_autofree char *payload_part = b64url_str ("{\"sub\":\"42\",\"exp\":4102444800}", FALSE);
  g_autofree char *token = g_strconcat (header_part, ".", payload_part, ".", NULL);
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) payload = NULL;
  g_autoptr(GError) error = NULL;
  gint64 exp = 0;

  g_assert_true (bearer_jwt_decode (token, &header, &payload, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (header, "alg"), ==, "none");
  g_assert_cmpstr (json_object_get_string_member (payload, "sub"), ==, "42");
  g_assert_true (bearer_jwt_get_exp (token, &exp));
  g_assert_cmpint (exp, ==, G_GINT64_CONSTANT (4102444800));
}

static void
test_jwt_decode_empty_objects (void)
{
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) payload = NULL;
  g_autoptr(GError) error = NULL;

  /* "e30" is "{}" */
  g_assert_true (bearer_jwt_decode ("e30.e30.c2ln", &header, &payload, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (json_object_get_size (header), ==, 0);
  g_assert_cmpuint (json_object_get_size (payload), ==, 0);
}

static void
test_jwt_get_exp (void)
{
  g_autofree char *token = make_hs256 (HEADER_JSON, PAYLOAD_JSON, FALSE);
  g_autofree char *no_exp = make_hs256 (HEADER_JSON, "{\"sub\":\"x\"}", FALSE);
  gint64 exp = 0;

  g_assert_true (bearer_jwt_get_exp (token, &exp));
  g_assert_cmpint (exp, ==, 1700000000);

  exp = 7;
  g_assert_false (bearer_jwt_get_exp (no_exp, &exp));
  g_assert_false (bearer_jwt_get_exp ("", &exp));
  g_assert_false (bearer_jwt_get_exp ("not a jwt", &exp));
  g_assert_false (bearer_jwt_get_exp ("opaque-2YotnFZFEjr1zCsicMWpAA", &exp));
  g_assert_false (bearer_jwt_get_exp ("a.b.c.d.e", &exp));
}

static void
test_jwt_get_exp_below_one (void)
{
  /* An exp between 0 and 1 is no positive whole second: it used to give
   * TRUE with exp 0, which means "unknown" to a token (found by
   * tests/fuzz/fuzz-jwt; json-glib also reads ".44" as a number). */
  static const char * const payloads[] = {
    "{\"exp\":0.5}", "{\"exp\":.444800}", "{\"exp\":1e-9}", "{\"exp\":0}", "{\"exp\":-3}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (payloads); i++)
    {
      g_autofree char *token = make_hs256 (HEADER_JSON, payloads[i], FALSE);
      gint64 exp = 7;

      g_test_message ("%s", payloads[i]);
      g_assert_false (bearer_jwt_get_exp (token, &exp));
    }

  {
    g_autofree char *token = make_hs256 (HEADER_JSON, "{\"exp\":1.5}", FALSE);
    gint64 exp = 0;

    g_assert_true (bearer_jwt_get_exp (token, &exp));
    g_assert_cmpint (exp, ==, 1);
  }
}

typedef struct {
  const char     *name;
  const char     *token;
  BearerJwtError  code;
} GarbageCase;

static const GarbageCase garbage_cases[] = {
  { "empty", "", BEARER_JWT_ERROR_NOT_A_JWT },
  { "one-part", "eyJhbGciOiJIUzI1NiJ9", BEARER_JWT_ERROR_NOT_A_JWT },
  { "two-parts", "eyJhbGciOiJIUzI1NiJ9.e30", BEARER_JWT_ERROR_NOT_A_JWT },
  { "four-parts", "e30.e30.c2ln.c2ln", BEARER_JWT_ERROR_NOT_A_JWT },
  { "five-parts", "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a2V5.aXY.Y2lwaGVy.dGFn",
    BEARER_JWT_ERROR_ENCRYPTED },
  { "six-parts", "e30.e30.e30.e30.e30.e30", BEARER_JWT_ERROR_NOT_A_JWT },
  { "only-dots", "..", BEARER_JWT_ERROR_JSON },
  { "opaque", "2YotnFZFEjr1zCsicMWpAA", BEARER_JWT_ERROR_NOT_A_JWT },
  { "bad-char-header", "e3!0.e30.c2ln", BEARER_JWT_ERROR_BASE64 },
  { "bad-char-payload", "e30.e3 0.c2ln", BEARER_JWT_ERROR_BASE64 },
  { "bad-char-percent", "e30.e3%0.c2ln", BEARER_JWT_ERROR_BASE64 },
  { "padding-inside", "e3=0.e30.c2ln", BEARER_JWT_ERROR_BASE64 },
  { "length-1-mod-4", "e30.e30aa.c2ln", BEARER_JWT_ERROR_BASE64 },
  { "non-ascii", "e30.é30.c2ln", BEARER_JWT_ERROR_BASE64 },
  { "header-not-json", "bm90IGpzb24.e30.c2ln", BEARER_JWT_ERROR_JSON },
  { "payload-array", "e30.WzEsMl0.c2ln", BEARER_JWT_ERROR_JSON },
  { "payload-string", "e30.ImhpIg.c2ln", BEARER_JWT_ERROR_JSON },
  { "payload-empty", "e30..c2ln", BEARER_JWT_ERROR_JSON },
  { "payload-not-utf8", "e30.__57fQ.c2ln", BEARER_JWT_ERROR_JSON },
  { "payload-truncated-json", "e30.eyJzdWIiOiI.c2ln", BEARER_JWT_ERROR_JSON },
};

static void
test_jwt_garbage (gconstpointer data)
{
  const GarbageCase *gc = data;
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) payload = NULL;
  g_autoptr(JsonObject) header2 = NULL;
  g_autoptr(JsonObject) payload2 = NULL;
  g_autoptr(GError) error = NULL;
  gint64 exp = 0;

  g_assert_false (bearer_jwt_decode (gc->token, &header, &payload, &error));
  g_assert_error (error, BEARER_JWT_ERROR, (int) gc->code);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));

  /* The same without a GError to fill. */
  g_assert_false (bearer_jwt_decode (gc->token, &header2, &payload2, NULL));

  g_assert_false (bearer_jwt_get_exp (gc->token, &exp));
}

static void
test_jwt_long_garbage (void)
{
  gsize size = 1024 * 1024;
  g_autofree char *letters = g_malloc (size + 1);
  g_autofree char *dots = g_malloc (size + 1);
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) payload = NULL;
  g_autoptr(JsonObject) header2 = NULL;
  g_autoptr(JsonObject) payload2 = NULL;
  g_autoptr(GError) error = NULL;
  gint64 exp = 0;

  memset (letters, 'A', size);
  letters[size] = '\0';
  memset (dots, '.', size);
  dots[size] = '\0';

  g_assert_false (bearer_jwt_decode (letters, &header, &payload, &error));
  g_assert_error (error, BEARER_JWT_ERROR, BEARER_JWT_ERROR_NOT_A_JWT);
  g_clear_error (&error);
  g_assert_false (bearer_jwt_decode (dots, &header2, &payload2, &error));
  g_assert_error (error, BEARER_JWT_ERROR, BEARER_JWT_ERROR_NOT_A_JWT);
  g_assert_false (bearer_jwt_get_exp (letters, &exp));
  g_assert_false (bearer_jwt_get_exp (dots, &exp));
}

static void
test_jwt_long_valid (void)
{
  /* A 1 MiB claim: decoded whole, never truncated. */
  gsize size = 1024 * 1024;
  g_autoptr(GString) payload_json = g_string_sized_new (size + 64);
  g_autofree char *token = NULL;
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) payload = NULL;
  g_autoptr(GError) error = NULL;
  gint64 exp = 0;

  g_string_append (payload_json, "{\"exp\":1700000000,\"blob\":\"");
  for (gsize i = 0; i < size; i++)
    g_string_append_c (payload_json, 'a' + (i % 26));
  g_string_append (payload_json, "\"}");
  token = make_hs256 (HEADER_JSON, payload_json->str, FALSE);
  g_assert_cmpuint (strlen (token), >, size);

  g_assert_true (bearer_jwt_decode (token, &header, &payload, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (json_object_get_string_member (payload, "blob")), ==, size);
  g_assert_true (bearer_jwt_get_exp (token, &exp));
  g_assert_cmpint (exp, ==, 1700000000);
}

static void
test_jwt_deep_nesting (void)
{
  /* 100,000 '[' in the payload: an error, never a stack overflow. */
  gsize depth = 100000;
  g_autofree char *nested = g_malloc (depth + 1);
  g_autofree char *payload_part = NULL;
  g_autofree char *token = NULL;
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) payload = NULL;
  g_autoptr(GError) error = NULL;
  gint64 exp = 0;

  memset (nested, '[', depth);
  nested[depth] = '\0';
  payload_part = b64url_str (nested, FALSE);
  token = g_strconcat ("e30.", payload_part, ".c2ln", NULL);

  g_assert_false (bearer_jwt_decode (token, &header, &payload, &error));
  g_assert_error (error, BEARER_JWT_ERROR, BEARER_JWT_ERROR_JSON);
  g_assert_false (bearer_jwt_get_exp (token, &exp));
}

static void
test_jwt_lone_surrogate (void)
{
  /* "\ud800" followed by more text: the raw text is UTF-8, but json-glib
   * decodes it to bytes that are not, which would reach the window. */
  static const char * const parts[][2] = {
    { HEADER_JSON, "{\"sub\":\"x\\ud800y\",\"exp\":1700000000}" },
    { HEADER_JSON, "{\"exp\":1700000000,\"roles\":[{\"n\":\"\\udfffz\"}]}" },
    { "{\"alg\":\"HS256\",\"k\\ud800x\":1}", "{\"exp\":1700000000}" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      g_autofree char *token = make_hs256 (parts[i][0], parts[i][1], FALSE);
      g_autoptr(JsonObject) header = NULL;
      g_autoptr(JsonObject) payload = NULL;
      g_autoptr(GError) error = NULL;
      gint64 exp = 0;

      g_test_message ("%s . %s", parts[i][0], parts[i][1]);
      g_assert_false (bearer_jwt_decode (token, &header, &payload, &error));
      g_assert_error (error, BEARER_JWT_ERROR, BEARER_JWT_ERROR_JSON);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_assert_null (header);
      g_assert_null (payload);
      g_assert_false (bearer_jwt_get_exp (token, &exp));
    }
}

static void
test_jwt_optional_out (void)
{
  /* header and payload are optional out arguments. */
  g_autofree char *token = make_hs256 (HEADER_JSON, PAYLOAD_JSON, FALSE);
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) payload = NULL;

  g_assert_true (bearer_jwt_decode (token, NULL, NULL, NULL));
  g_assert_true (bearer_jwt_decode (token, &header, NULL, NULL));
  g_assert_cmpstr (json_object_get_string_member (header, "alg"), ==, "HS256");
  g_assert_true (bearer_jwt_decode (token, NULL, &payload, NULL));
  g_assert_cmpstr (json_object_get_string_member (payload, "sub"), ==, "1234567890");
}

static void
assert_base64url (const char   *text,
                  gssize        length,
                  const guint8 *expected,
                  gsize         expected_len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = bearer_base64url_decode (text, length, &error);

  g_test_message ("base64url '%s' (%" G_GSSIZE_FORMAT ")", text, length);
  g_assert_no_error (error);
  g_assert_nonnull (bytes);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), expected, expected_len);
}

static void
test_jwt_base64url (void)
{
  static const guint8 hello[] = "hello";
  static const guint8 url_safe[] = { 0xff, 0xef };
  static const guint8 high[] = { 0xfb, 0xff, 0xbf };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bad = NULL;
  g_autoptr(GBytes) empty = NULL;

  assert_base64url ("aGVsbG8", -1, hello, 5);
  assert_base64url ("aGVsbG8=", -1, hello, 5);
  assert_base64url ("aGVsbG8.ignored", 7, hello, 5);
  assert_base64url ("_-8", -1, url_safe, 2);
  assert_base64url ("-_-_", -1, high, 3);

  empty = bearer_base64url_decode ("", -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (empty);
  g_assert_cmpuint (g_bytes_get_size (empty), ==, 0);

  bad = bearer_base64url_decode ("aGV$bG8", -1, &error);
  g_assert_null (bad);
  g_assert_error (error, BEARER_JWT_ERROR, BEARER_JWT_ERROR_BASE64);
  g_clear_error (&error);

  bad = bearer_base64url_decode ("aGVs\nbG8", -1, &error);
  g_assert_null (bad);
  g_assert_error (error, BEARER_JWT_ERROR, BEARER_JWT_ERROR_BASE64);
  g_clear_error (&error);

  bad = bearer_base64url_decode ("aGVsb", -1, &error);
  g_assert_null (bad);
  g_assert_error (error, BEARER_JWT_ERROR, BEARER_JWT_ERROR_BASE64);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/bearer/jwt/decode-hs256", test_jwt_decode_hs256);
  g_test_add_func ("/bearer/jwt/decode-padded", test_jwt_decode_padded);
  g_test_add_func ("/bearer/jwt/decode-known-token", test_jwt_decode_known_token);
  g_test_add_func ("/bearer/jwt/decode-unsecured", test_jwt_decode_unsecured);
  g_test_add_func ("/bearer/jwt/decode-empty-objects", test_jwt_decode_empty_objects);
  g_test_add_func ("/bearer/jwt/get-exp", test_jwt_get_exp);
  g_test_add_func ("/bearer/jwt/get-exp-below-one", test_jwt_get_exp_below_one);
  for (gsize i = 0; i < G_N_ELEMENTS (garbage_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/bearer/jwt/garbage/%s", garbage_cases[i].name);

      g_test_add_data_func (path, &garbage_cases[i], test_jwt_garbage);
    }
  g_test_add_func ("/bearer/jwt/long-garbage", test_jwt_long_garbage);
  g_test_add_func ("/bearer/jwt/long-valid", test_jwt_long_valid);
  g_test_add_func ("/bearer/jwt/deep-nesting", test_jwt_deep_nesting);
  g_test_add_func ("/bearer/jwt/optional-out", test_jwt_optional_out);
  g_test_add_func ("/bearer/jwt/lone-surrogate", test_jwt_lone_surrogate);
  g_test_add_func ("/bearer/jwt/base64url", test_jwt_base64url);

  return g_test_run ();
}
