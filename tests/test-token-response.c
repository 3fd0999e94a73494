/* test-token-response.c: how a reply is judged, without a network
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "bearer-client.h"
#include "bearer-error.h"
#include "bearer-redact.h"
#include "bearer-token-response.h"

#define NOW G_GINT64_CONSTANT (1700000000)
#define JSON "application/json"
#define FORM "application/x-www-form-urlencoded"

/* {"alg":"HS256","typ":"JWT"} . {"sub":"42","exp":4102444800} . signature */
#define JWT_WITH_EXP "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" \
                     ".eyJzdWIiOiI0MiIsImV4cCI6NDEwMjQ0NDgwMH0" \
                     ".c2lnbmF0dXJlLW5vdC1jaGVja2Vk"
#define JWT_EXP G_GINT64_CONSTANT (4102444800)
/* {"alg":"HS256","typ":"JWT"} . {"sub":"1234567890","name":"John Doe","iat":1516239022} . signature */
#define JWT_WITHOUT_EXP "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" \
                        ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ" \
                        ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"

/* ------------------------------------------------------------------ helpers */

/* Diagnostics: on stderr in a case's own process, where the log keeps them. */
static void note (const char *format,
                  ...) G_GNUC_PRINTF (1, 2);

static void
note (const char *format,
      ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  if (g_test_subprocess ())
    g_printerr ("# %s\n", text);
  else
    g_test_message ("%s", text);
}

static BearerTokenResponse *
parse_bytes (guint            status,
             const char      *content_type,
             const char      *body,
             gsize            length,
             BearerGrantType  grant,
             GError         **error)
{
  g_autoptr(GBytes) bytes = g_bytes_new (body, length);

  return bearer_token_response_parse (status, content_type, bytes, grant, NOW, error);
}

static BearerTokenResponse *
parse (guint            status,
       const char      *content_type,
       const char      *body,
       BearerGrantType  grant,
       GError         **error)
{
  return parse_bytes (status, content_type, body, strlen (body), grant, error);
}

static BearerTokenResponse *
parse_ok (const char *content_type,
          const char *body)
{
  g_autoptr(GError) error = NULL;
  BearerTokenResponse *response;

  note ("reply: %s", body);
  response = parse (200, content_type, body, BEARER_GRANT_REFRESH_TOKEN, &error);
  g_assert_no_error (error);
  g_assert_nonnull (response);
  return response;
}

/* A message a person reads: UTF-8, no control characters, short. */
static void
assert_clean_message_max (const char *message,
                          gsize       max_bytes)
{
  g_assert_nonnull (message);
  note ("message: %s", message);
  g_assert_true (g_utf8_validate (message, -1, NULL));
  g_assert_cmpuint (strlen (message), >, 0);
  g_assert_cmpuint (strlen (message), <, max_bytes);
  for (const char *p = message; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c))
        note ("control character U+%04X at byte %d", c, (int) (p - message));
      g_assert_false (g_unichar_iscntrl (c));
    }
}

static void
assert_clean_message (const char *message)
{
  assert_clean_message_max (message, 600);
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    note ("'%s' is not in '%s'", needle, haystack);
  g_assert_nonnull (strstr (haystack, needle));
}

static void
assert_not_contains (const char *haystack,
                     const char *needle)
{
  if (strstr (haystack, needle) != NULL)
    note ("'%s' should not be in '%s'", needle, haystack);
  g_assert_null (strstr (haystack, needle));
}

/* The field named, as "expires_in" or "expires in", in any case. */
static void
assert_mentions (const char *message,
                 const char *field)
{
  g_autofree char *m = g_ascii_strdown (message, -1);
  g_autofree char *f = g_ascii_strdown (field, -1);

  g_strdelimit (m, "_-", ' ');
  g_strdelimit (f, "_-", ' ');
  if (strstr (m, f) == NULL)
    note ("'%s' does not mention '%s'", message, field);
  g_assert_nonnull (strstr (m, f));
}

static guint
count_occurrences (const char *haystack,
                   const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

/* ------------------------------------------------------------ the token */

static void
test_minimal (void)
{
  g_autoptr(BearerTokenResponse) r = parse_ok (JSON, "{\"access_token\":\"abc\"}");

  g_assert_cmpstr (bearer_token_response_get_access_token (r), ==, "abc");
  g_assert_cmpstr (bearer_token_response_get_token_type (r), ==, "Bearer");
  g_assert_cmpint (bearer_token_response_get_expires_at (r), ==, 0);
  g_assert_cmpint (bearer_token_response_get_expiry_source (r), ==, BEARER_EXPIRY_UNKNOWN);
  g_assert_null (bearer_token_response_get_refresh_token (r));
  g_assert_false (bearer_token_response_get_refresh_token_issued (r));
  g_assert_null (bearer_token_response_get_scope (r));
  g_assert_null (bearer_token_response_get_id_token (r));
}

typedef struct {
  const char *name;
  const char *body;
  gint64      expires_at;
  BearerExpirySource source;
} ExpiryCase;

static const ExpiryCase expiry_cases[] = {
  { "integer", "{\"access_token\":\"abc\",\"expires_in\":3600}", NOW + 3600, BEARER_EXPIRY_EXPIRES_IN },
  { "zero", "{\"access_token\":\"abc\",\"expires_in\":0}", NOW, BEARER_EXPIRY_EXPIRES_IN },
  { "string", "{\"access_token\":\"abc\",\"expires_in\":\"3600\"}", NOW + 3600, BEARER_EXPIRY_EXPIRES_IN },
  { "whole-double", "{\"access_token\":\"abc\",\"expires_in\":3600.0}", NOW + 3600, BEARER_EXPIRY_EXPIRES_IN },
  { "passport-year", "{\"token_type\":\"Bearer\",\"expires_in\":31536000,\"access_token\":\"abc\"}",
    NOW + 31536000, BEARER_EXPIRY_EXPIRES_IN },
  { "hundred-years", "{\"access_token\":\"abc\",\"expires_in\":3155760000}",
    NOW + BEARER_MAX_EXPIRES_IN, BEARER_EXPIRY_EXPIRES_IN },
  { "null", "{\"access_token\":\"abc\",\"expires_in\":null}", 0, BEARER_EXPIRY_UNKNOWN },
  { "absent", "{\"access_token\":\"abc\"}", 0, BEARER_EXPIRY_UNKNOWN },
  { "jwt-exp", "{\"access_token\":\"" JWT_WITH_EXP "\"}", JWT_EXP, BEARER_EXPIRY_JWT_EXP },
  { "jwt-exp-null-expires-in", "{\"access_token\":\"" JWT_WITH_EXP "\",\"expires_in\":null}",
    JWT_EXP, BEARER_EXPIRY_JWT_EXP },
  { "expires-in-beats-jwt-exp", "{\"access_token\":\"" JWT_WITH_EXP "\",\"expires_in\":60}",
    NOW + 60, BEARER_EXPIRY_EXPIRES_IN },
  { "jwt-without-exp", "{\"access_token\":\"" JWT_WITHOUT_EXP "\"}", 0, BEARER_EXPIRY_UNKNOWN },
};

static void
test_expiry (gconstpointer data)
{
  const ExpiryCase *ec = data;
  g_autoptr(BearerTokenResponse) r = parse_ok (JSON, ec->body);

  g_assert_cmpint (bearer_token_response_get_expires_at (r), ==, ec->expires_at);
  g_assert_cmpint (bearer_token_response_get_expiry_source (r), ==, ec->source);
}

typedef struct {
  const char *name;
  const char *body;
  const char *token_type;
  const char *header;       /* the whole line, as bearer-token-response.c documents it */
} TokenTypeCase;

static const TokenTypeCase token_type_cases[] = {
  { "absent", "{\"access_token\":\"abc\"}", "Bearer", "Authorization: Bearer abc" },
  { "null", "{\"access_token\":\"abc\",\"token_type\":null}", "Bearer", "Authorization: Bearer abc" },
  { "lower", "{\"access_token\":\"abc\",\"token_type\":\"bearer\"}", "Bearer", "Authorization: Bearer abc" },
  { "upper", "{\"access_token\":\"abc\",\"token_type\":\"BEARER\"}", "Bearer", "Authorization: Bearer abc" },
  { "mixed", "{\"access_token\":\"abc\",\"token_type\":\"bEaReR\"}", "Bearer", "Authorization: Bearer abc" },
  { "dpop", "{\"access_token\":\"abc\",\"token_type\":\"DPoP\"}", "DPoP", "Authorization: DPoP abc" },
  { "mac", "{\"access_token\":\"k-9.x~\",\"token_type\":\"MAC\"}", "MAC", "Authorization: MAC k-9.x~" },
};

static void
test_token_type (gconstpointer data)
{
  const TokenTypeCase *tc = data;
  g_autoptr(BearerTokenResponse) r = parse_ok (JSON, tc->body);
  g_autofree char *header = bearer_token_response_dup_authorization_header (r);

  g_assert_cmpstr (bearer_token_response_get_token_type (r), ==, tc->token_type);
  g_assert_cmpstr (header, ==, tc->header);
}

static void
test_refresh_token_absent (void)
{
  static const char * const bodies[] = {
    "{\"access_token\":\"abc\"}",
    "{\"access_token\":\"abc\",\"refresh_token\":null}",
    "{\"access_token\":\"abc\",\"refresh_token\":\"\"}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(BearerTokenResponse) r = parse_ok (JSON, bodies[i]);

      g_assert_false (bearer_token_response_get_refresh_token_issued (r));
      bearer_token_response_keep_refresh_token (r, "rt-old");
      g_assert_cmpstr (bearer_token_response_get_refresh_token (r), ==, "rt-old");
      g_assert_false (bearer_token_response_get_refresh_token_issued (r));
      g_assert_false (bearer_token_response_get_refresh_token_rotated (r));
    }
}

static void
test_refresh_token_rotated (void)
{
  g_autoptr(BearerTokenResponse) r =
    parse_ok (JSON, "{\"access_token\":\"abc\",\"refresh_token\":\"rt-new\"}");

  g_assert_true (bearer_token_response_get_refresh_token_issued (r));
  g_assert_cmpstr (bearer_token_response_get_refresh_token (r), ==, "rt-new");
  bearer_token_response_keep_refresh_token (r, "rt-old");
  g_assert_cmpstr (bearer_token_response_get_refresh_token (r), ==, "rt-new");
  g_assert_true (bearer_token_response_get_refresh_token_issued (r));
  g_assert_true (bearer_token_response_get_refresh_token_rotated (r));
}

static void
test_refresh_token_same (void)
{
  g_autoptr(BearerTokenResponse) r =
    parse_ok (JSON, "{\"access_token\":\"abc\",\"refresh_token\":\"rt-old\"}");

  bearer_token_response_keep_refresh_token (r, "rt-old");
  g_assert_cmpstr (bearer_token_response_get_refresh_token (r), ==, "rt-old");
  g_assert_true (bearer_token_response_get_refresh_token_issued (r));
  g_assert_false (bearer_token_response_get_refresh_token_rotated (r));
}

static void
test_scope (void)
{
  g_autoptr(BearerTokenResponse) s =
    parse_ok (JSON, "{\"access_token\":\"abc\",\"scope\":\"openid email\"}");
  g_autoptr(BearerTokenResponse) a =
    parse_ok (JSON, "{\"access_token\":\"abc\",\"scope\":[\"read\",\"write\",\"admin:org\"]}");

  g_assert_cmpstr (bearer_token_response_get_scope (s), ==, "openid email");
  g_assert_cmpstr (bearer_token_response_get_scope (a), ==, "read write admin:org");
}

static void
test_id_token (void)
{
  g_autoptr(BearerTokenResponse) r =
    parse_ok (JSON, "{\"access_token\":\"abc\",\"id_token\":\"" JWT_WITHOUT_EXP "\"}");

  g_assert_cmpstr (bearer_token_response_get_id_token (r), ==, JWT_WITHOUT_EXP);
  /* The id token's claims do not make the access token's expiry. */
  g_assert_cmpint (bearer_token_response_get_expiry_source (r), ==, BEARER_EXPIRY_UNKNOWN);
}

static void
test_fields (void)
{
  g_autoptr(BearerTokenResponse) r =
    parse_ok (JSON, "{\"access_token\":\"abc\",\"token_type\":\"bearer\",\"expires_in\":\"3600\","
                    "\"user\":{\"id\":7,\"roles\":[\"admin\",\"dev\"]},\"x-custom\":null,"
                    "\"ratio\":0.5,\"scope\":[\"a\",\"b\"]}");
  JsonObject *fields = bearer_token_response_get_fields (r);
  JsonObject *user;

  g_assert_nonnull (fields);
  g_assert_cmpuint (json_object_get_size (fields), ==, 7);
  g_assert_cmpstr (json_object_get_string_member (fields, "access_token"), ==, "abc");
  /* The raw members, as the server sent them. */
  g_assert_cmpstr (json_object_get_string_member (fields, "token_type"), ==, "bearer");
  g_assert_cmpstr (json_object_get_string_member (fields, "expires_in"), ==, "3600");
  g_assert_true (json_object_has_member (fields, "x-custom"));
  g_assert_true (json_object_get_null_member (fields, "x-custom"));
  g_assert_cmpfloat (json_object_get_double_member (fields, "ratio"), ==, 0.5);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (fields, "scope")), ==, 2);
  user = json_object_get_object_member (fields, "user");
  g_assert_nonnull (user);
  g_assert_cmpint (json_object_get_int_member (user, "id"), ==, 7);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (user, "roles"), 1), ==, "dev");
}

static void
test_redacted_body (void)
{
  const char *body = "{\"access_token\":\"AT-SECRET-111\",\"token_type\":\"Bearer\",\"expires_in\":3600,"
                     "\"refresh_token\":\"RT-SECRET-222\",\"id_token\":\"" JWT_WITHOUT_EXP "\","
                     "\"scope\":\"openid email\",\"user_id\":\"u-77\"}";
  g_autoptr(BearerTokenResponse) r = parse_ok (JSON, body);
  g_autofree char *redacted = bearer_token_response_dup_redacted_body (r);

  g_assert_nonnull (redacted);
  note ("redacted: %s", redacted);
  assert_not_contains (redacted, "AT-SECRET-111");
  assert_not_contains (redacted, "RT-SECRET-222");
  assert_not_contains (redacted, "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ");
  assert_not_contains (redacted, "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c");
  assert_contains (redacted, BEARER_REDACTED);
  assert_contains (redacted, "access_token");
  assert_contains (redacted, "Bearer");
  assert_contains (redacted, "3600");
  assert_contains (redacted, "openid email");
  assert_contains (redacted, "u-77");
}

static void
test_redacted_body_form (void)
{
  g_autoptr(BearerTokenResponse) r =
    parse_ok (FORM, "access_token=AT-SECRET-333&token_type=bearer&expires_in=3600&refresh_token=RT-SECRET-444&scope=read+write");
  g_autofree char *redacted = bearer_token_response_dup_redacted_body (r);

  g_assert_nonnull (redacted);
  note ("redacted: %s", redacted);
  assert_not_contains (redacted, "AT-SECRET-333");
  assert_not_contains (redacted, "RT-SECRET-444");
  assert_contains (redacted, "3600");
  assert_contains (redacted, "bearer");
}

static void
test_form_reply (void)
{
  g_autoptr(BearerTokenResponse) r =
    parse_ok (FORM, "access_token=a%2Bb%3D&token_type=bearer&expires_in=3600&scope=read+write&refresh_token=rt%7E1");
  JsonObject *fields = bearer_token_response_get_fields (r);

  g_assert_cmpstr (bearer_token_response_get_access_token (r), ==, "a+b=");
  g_assert_cmpstr (bearer_token_response_get_token_type (r), ==, "Bearer");
  g_assert_cmpint (bearer_token_response_get_expires_at (r), ==, NOW + 3600);
  g_assert_cmpint (bearer_token_response_get_expiry_source (r), ==, BEARER_EXPIRY_EXPIRES_IN);
  g_assert_cmpstr (bearer_token_response_get_scope (r), ==, "read write");
  g_assert_cmpstr (bearer_token_response_get_refresh_token (r), ==, "rt~1");
  /* Form members are strings. */
  g_assert_cmpstr (json_object_get_string_member (fields, "expires_in"), ==, "3600");
}

static void
test_form_reply_text_plain (void)
{
  /* GitHub's old default: a form body labelled text/plain. */
  g_autoptr(BearerTokenResponse) r =
    parse_ok ("text/plain; charset=utf-8", "access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&scope=repo%2Cgist&token_type=bearer");

  g_assert_cmpstr (bearer_token_response_get_access_token (r), ==, "gho_16C7e42F292c6912E7710c838347Ae178B4a");
  g_assert_cmpstr (bearer_token_response_get_scope (r), ==, "repo,gist");
  g_assert_cmpstr (bearer_token_response_get_token_type (r), ==, "Bearer");
}

static void
assert_fields_utf8 (JsonObject *fields)
{
  g_autoptr(GList) members = json_object_get_members (fields);

  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (fields, l->data);

      g_assert_true (g_utf8_validate (l->data, -1, NULL));
      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        g_assert_true (g_utf8_validate (json_node_get_string (node), -1, NULL));
    }
}

static void
test_form_not_utf8 (void)
{
  /* Percent-encoded bytes that are not UTF-8 never reach a string: the
   * reply is refused (a member skipped instead would, for a refresh token,
   * mean "keep the previous one" when the server has just rotated it). */
  g_autoptr(GError) error = NULL;
  g_autoptr(BearerTokenResponse) r = NULL;

  r = parse (200, FORM, "access_token=abc&x%C0=1", BEARER_GRANT_REFRESH_TOKEN, &error);
  g_assert_null (r);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_MALFORMED_JSON);
  assert_clean_message (error->message);
}

static void
test_form_lone_percent (void)
{
  /* A '%' not followed by two hex digits is itself (the WHATWG parser):
   * the token is kept as the server spelled it, not dropped. */
  g_autoptr(BearerTokenResponse) r =
    parse_ok (FORM, "access_token=abc&refresh_token=rt%zz%4&scope=100%25+sure%");

  g_assert_cmpstr (bearer_token_response_get_refresh_token (r), ==, "rt%zz%4");
  g_assert_cmpstr (bearer_token_response_get_scope (r), ==, "100% sure%");
  assert_fields_utf8 (bearer_token_response_get_fields (r));
}

static void
test_content_types (void)
{
  static const char * const types[] = {
    "application/json; charset=utf-8",
    "application/json;charset=UTF-8",
    "Application/JSON",
    "application/vnd.api+json",
    "text/javascript",
    "application/octet-stream",
    NULL,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BearerTokenResponse) r = NULL;

      note ("content type %s", types[i] ? types[i] : "(none)");
      r = parse (200, types[i], "{\"access_token\":\"abc\",\"expires_in\":10}",
                 BEARER_GRANT_REFRESH_TOKEN, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (bearer_token_response_get_access_token (r), ==, "abc");
      g_assert_cmpint (bearer_token_response_get_expires_at (r), ==, NOW + 10);
    }
}

static void
test_json_byte_order_mark (void)
{
  g_autoptr(BearerTokenResponse) r = parse_ok (JSON, "\xef\xbb\xbf{\"access_token\":\"abc\"}");

  g_assert_cmpstr (bearer_token_response_get_access_token (r), ==, "abc");
}

static void
test_content_type_not_text (void)
{
  /* The content type is quoted in the message: cleaned like any server
   * text (found by tests/fuzz/fuzz-reply). */
  g_autoptr(GError) error = NULL;
  g_autoptr(BearerTokenResponse) r = NULL;

  r = parse (200, "text/x-\xff\xfe\x1b[31mred\x07", "this is not a token", BEARER_GRANT_REFRESH_TOKEN, &error);
  g_assert_null (r);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_MALFORMED_JSON);
  assert_clean_message (error->message);
  assert_contains (error->message, "text/x-");
  assert_not_contains (error->message, "[31m");
}

static void
test_leading_white_space (void)
{
  g_autoptr(BearerTokenResponse) r =
    parse_ok ("application/json; charset=utf-8", "\r\n  {\"access_token\":\"abc\"}\n");

  g_assert_cmpstr (bearer_token_response_get_access_token (r), ==, "abc");
}

static void
test_moderate_nesting (void)
{
  g_autoptr(BearerTokenResponse) r =
    parse_ok (JSON, "{\"access_token\":\"abc\",\"x\":[[[[[[[[[[{\"y\":[1]}]]]]]]]]]]}");

  g_assert_cmpstr (bearer_token_response_get_access_token (r), ==, "abc");
}

static void
test_exactly_max_body (void)
{
  /* 1 MiB exactly is a reply like any other (the cap is the client's: test-replies.c). */
  g_autoptr(GString) body = g_string_new ("{\"access_token\":\"abc\",\"pad\":\"");
  g_autoptr(GError) error = NULL;
  g_autoptr(BearerTokenResponse) r = NULL;

  while (body->len < BEARER_CLIENT_MAX_BODY_SIZE - 2)
    g_string_append_c (body, 'x');
  g_string_append (body, "\"}");
  g_assert_cmpuint (body->len, ==, BEARER_CLIENT_MAX_BODY_SIZE);

  r = parse_bytes (200, JSON, body->str, body->len, BEARER_GRANT_REFRESH_TOKEN, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bearer_token_response_get_access_token (r), ==, "abc");
}

/* ------------------------------------------------------------ the errors */

typedef struct {
  const char      *name;
  guint            status;
  const char      *content_type;
  const char      *body;
  gsize            length;          /* 0: strlen (body) */
  BearerGrantType  grant;
  BearerError      code;
  gboolean         dead;
  const char      *oauth_code;      /* what bearer_error_get_oauth_code() returns */
  const char      *description;     /* what bearer_error_get_description() returns */
  const char      *contains[3];     /* in the message, as is */
  const char      *absent[2];       /* never in the message */
  const char      *mentions;        /* a field the message names */
} ErrorCase;

#define BIN(s) .body = (s), .length = sizeof (s) - 1

static const ErrorCase error_cases[] = {
  /* 3. empty */
  { "empty-200", 200, JSON, "", .code = BEARER_ERROR_EMPTY_BODY },
  { "empty-204", 204, NULL, "", .code = BEARER_ERROR_EMPTY_BODY },
  { "white-space-200", 200, JSON, " \r\n\t \n", .code = BEARER_ERROR_EMPTY_BODY },
  { "empty-403", 403, NULL, "", .code = BEARER_ERROR_HTTP_STATUS, .contains = { "403", "Forbidden" } },
  { "white-space-401", 401, "text/plain", "\n\n", .code = BEARER_ERROR_HTTP_STATUS,
    .contains = { "401", "Unauthorized" } },
  /* 4. HTML */
  { "html-502", 502, "text/html",
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<p>upstream id 7731-deep</p>\r\n"
    "<hr><center>nginx/1.18.0 (Ubuntu)</center>\r\n</body>\r\n</html>\r\n",
    .code = BEARER_ERROR_HTML_PAGE, .contains = { "502 Bad Gateway" },
    .absent = { "7731-deep", "<" } },
  { "html-200-login", 200, "text/html; charset=utf-8",
    "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in · Example SSO</title>"
    "</head><body><form method=\"post\"><input name=\"username\"></form></body></html>",
    .code = BEARER_ERROR_HTML_PAGE, .contains = { "Sign in · Example SSO" }, .absent = { "username" } },
  { "html-upper-case-title", 403, "text/html",
    "<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n"
    "You don't have permission to access this server. Reference #18.deep.1700000000\n</BODY>\n</HTML>\n",
    .code = BEARER_ERROR_HTML_PAGE, .contains = { "Access Denied" }, .absent = { "Reference #18" } },
  { "html-title-white-space", 503, "text/html",
    "<html><head><title>\n    Service   Unavailable\n</title></head><body>busy</body></html>",
    .code = BEARER_ERROR_HTML_PAGE, .contains = { "Service" } },
  { "html-sniffed", 200, NULL, "<!doctype html><html><head><title>Welcome</title></head></html>",
    .code = BEARER_ERROR_HTML_PAGE, .contains = { "Welcome" } },
  { "html-labelled-json", 200, JSON, "<html><head><title>Maintenance</title></head></html>",
    .code = BEARER_ERROR_HTML_PAGE, .contains = { "Maintenance" } },
  { "html-no-title", 503, "text/html", "<html><body><h1>Down</h1><p>deep-marker-99</p></body></html>",
    .code = BEARER_ERROR_HTML_PAGE, .contains = { "503" }, .absent = { "deep-marker-99" } },
  /* 5. JSON that is not usable */
  { "truncated-json", 200, JSON, "{\"access_token\": \"ab", .code = BEARER_ERROR_MALFORMED_JSON },
  { "truncated-json-400", 400, JSON, "{\"error\": \"invalid_gr", .code = BEARER_ERROR_MALFORMED_JSON },
  { "trailing-garbage", 200, JSON, "{\"access_token\":\"abc\"} x", .code = BEARER_ERROR_MALFORMED_JSON },
  /* Escapes json-glib 1.6 gets wrong: a high surrogate followed by an escape
   * that is not a low one ("malformed surrogate pair", and a leak: found by
   * tests/fuzz/fuzz-reply and fuzz-jwt); \u without four hex digits, or an
   * unknown escape, read as who knows what. */
  { "malformed-surrogate-pair", 200, JSON, "{\"access_token\":\"abc\",\"x\":\"\\ud83d\\u0041\"}",
    .code = BEARER_ERROR_MALFORMED_JSON, .contains = { "escape" } },
  { "low-surrogate-then-escape", 200, JSON, "{\"access_token\":\"abc\",\"x\":\"\\udc00\\udc00\"}",
    .code = BEARER_ERROR_MALFORMED_JSON, .contains = { "escape" } },
  { "surrogate-then-bad-hex", 400, JSON, "{\"error\":\"invalid_grant\",\"x\":\"\\ud83d\\udg00\"}",
    .code = BEARER_ERROR_MALFORMED_JSON, .contains = { "escape" } },
  { "bad-hex-escape", 200, JSON, "{\"access_token\":\"abc\",\"x\":\"\\ud82x\"}",
    .code = BEARER_ERROR_MALFORMED_JSON, .contains = { "escape" } },
  { "unknown-escape", 200, JSON, "{\"access_token\":\"abc\",\"x\":\"\\q\"}",
    .code = BEARER_ERROR_MALFORMED_JSON, .contains = { "escape" } },
  /* A backslash outside a string sends json-glib 1.6's scanner astray, and
   * it leaks (found by tests/fuzz/fuzz-jwt). */
  { "backslash-outside-string", 200, JSON,
    "{\"access_token\":\"abc\",\"x\":\"\\ud878\"\\ud802\\ud78\\r~}",
    .code = BEARER_ERROR_MALFORMED_JSON, .contains = { "outside a string" } },
  /* json-glib quotes the string it choked on: a new refresh token, maybe. */
  { "syntax-error-quotes-no-string", 200, JSON,
    "{\"access_token\":\"abc\",\"refresh_token\":\"rt-NEW-SECRET-77\" \"x\":1}",
    .code = BEARER_ERROR_MALFORMED_JSON, .absent = { "rt-NEW-SECRET-77" } },
  /* A non-string error in a 2xx reply: the status reported is the reply's
   * (it was always 200: found by tests/fuzz/fuzz-reply). */
  { "error-object-201", 201, JSON, "{\"error\":{\"code\":1}}", .code = BEARER_ERROR_WRONG_TYPE,
    .mentions = "error" },
  /* json-glib 1.6 takes the first of several values and leaks the others
   * (found by tests/fuzz/fuzz-reply): more than one is not JSON. */
  { "two-values", 200, JSON, "{\"access_token\":\"abc\"}{\"error\":\"invalid_grant\"}",
    .code = BEARER_ERROR_MALFORMED_JSON, .contains = { "JSON" } },
  { "two-values-spaced", 200, JSON, "{\"access_token\":\"abc\"} \n [1]", .code = BEARER_ERROR_MALFORMED_JSON },
  { "string-then-object", 401, JSON, "\"Bearer\"{\"error\":\"invalid_request\"}",
    .code = BEARER_ERROR_MALFORMED_JSON },
  { "number-then-object", 200, JSON, "1{\"access_token\":\"abc\"}", .code = BEARER_ERROR_MALFORMED_JSON },
  { "nul-byte", 200, JSON, BIN ("{\"access_token\":\"ab\0cd\",\"token_type\":\"Bearer\"}"),
    .code = BEARER_ERROR_MALFORMED_JSON },
  { "nul-byte-after", 200, JSON, BIN ("{\"access_token\":\"abcd\"}\0\0"),
    .code = BEARER_ERROR_MALFORMED_JSON },
  { "invalid-utf8", 200, JSON, "{\"access_token\":\"abc\",\"scope\":\"r\xff\xfe\"}",
    .code = BEARER_ERROR_MALFORMED_JSON },
  { "overlong-utf8", 200, JSON, "{\"access_token\":\"abc\",\"scope\":\"\xc0\xaf\"}",
    .code = BEARER_ERROR_MALFORMED_JSON },
  { "too-deep-in-token", 200, JSON,
    "{\"access_token\":\"abc\",\"x\":"
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
    "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
    .code = BEARER_ERROR_MALFORMED_JSON },
  { "json-array", 200, JSON, "[{\"access_token\":\"abc\"}]", .code = BEARER_ERROR_NOT_AN_OBJECT },
  { "json-string", 200, JSON, "\"abc\"", .code = BEARER_ERROR_NOT_AN_OBJECT },
  { "json-number", 200, JSON, "42", .code = BEARER_ERROR_NOT_AN_OBJECT },
  { "json-null", 200, JSON, "null", .code = BEARER_ERROR_NOT_AN_OBJECT },
  { "json-plus-json-string", 200, "application/vnd.api+json", "\"x\"", .code = BEARER_ERROR_NOT_AN_OBJECT },
  { "json-array-400", 400, JSON, "[\"bad\"]", .code = BEARER_ERROR_HTTP_STATUS, .contains = { "400" } },
  /* 6. form bodies */
  { "form-error", 400, FORM, "error=invalid_grant&error_description=Bad+token",
    .code = BEARER_ERROR_INVALID_GRANT, .dead = TRUE, .oauth_code = "invalid_grant",
    .description = "Bad token", .contains = { "Bad token" } },
  /* Strings that are not UTF-8 once decoded (issue 8, item 5): a lone
   * surrogate escape passes the check of the raw text, and json-glib
   * decodes it to bytes that are not UTF-8; a form's %XX may spell any
   * byte. A token whose strings are not text is refused before anything
   * can be stored, naming the member. */
  { "refresh-token-lone-surrogate", 200, JSON,
    "{\"access_token\":\"abc\",\"refresh_token\":\"rt-\\ud800-new\"}",
    .code = BEARER_ERROR_MALFORMED_JSON, .mentions = "refresh_token", .contains = { "UTF-8" } },
  { "scope-lone-surrogate", 200, JSON, "{\"access_token\":\"abc\",\"scope\":\"read \\udfff write\"}",
    .code = BEARER_ERROR_MALFORMED_JSON, .mentions = "scope" },
  { "scope-array-lone-surrogate", 200, JSON,
    "{\"access_token\":\"abc\",\"scope\":[\"read\",\"\\ud800x\"]}",
    .code = BEARER_ERROR_MALFORMED_JSON, .mentions = "scope" },
  { "id-token-lone-surrogate", 200, JSON, "{\"access_token\":\"abc\",\"id_token\":\"a\\ud800b\"}",
    .code = BEARER_ERROR_MALFORMED_JSON, .mentions = "id_token" },
  { "extra-field-lone-surrogate", 200, JSON,
    "{\"access_token\":\"abc\",\"user\":{\"name\":[\"x\\udc00y\"]}}",
    .code = BEARER_ERROR_MALFORMED_JSON, .mentions = "user" },
  { "member-name-lone-surrogate", 200, JSON, "{\"access_token\":\"abc\",\"x\\ud800y\":1}",
    .code = BEARER_ERROR_MALFORMED_JSON, .contains = { "UTF-8" } },
  { "form-refresh-token-not-utf8", 200, FORM, "access_token=abc&refresh_token=rt%ED%A0%80new",
    .code = BEARER_ERROR_MALFORMED_JSON, .mentions = "refresh_token" },
  { "form-refresh-token-nul", 200, FORM, "access_token=abc&refresh_token=rt%00new",
    .code = BEARER_ERROR_MALFORMED_JSON, .mentions = "refresh_token" },
  { "form-scope-not-utf8", 200, FORM, "access_token=abc&scope=%FF%FE",
    .code = BEARER_ERROR_MALFORMED_JSON, .mentions = "scope" },
  /* ... but an error's own words are still shown, cleaned. */
  { "description-lone-surrogate", 400, JSON,
    "{\"error\":\"invalid_grant\",\"error_description\":\"Jeton r\\ud800voqu\\u00e9\"}",
    .code = BEARER_ERROR_INVALID_GRANT, .dead = TRUE, .oauth_code = "invalid_grant",
    .contains = { "Jeton r" } },
  { "form-description-not-utf8", 400, FORM, "error=invalid_grant&error_description=Jeton+r%E9voqu%E9",
    .code = BEARER_ERROR_INVALID_GRANT, .dead = TRUE, .oauth_code = "invalid_grant",
    .contains = { "Jeton r" } },
  { "form-description-nul", 400, FORM, "error=invalid_grant&error_description=Bad%00token",
    .code = BEARER_ERROR_INVALID_GRANT, .dead = TRUE, .oauth_code = "invalid_grant",
    .contains = { "Bad" } },
  /* 7. OAuth errors */
  { "invalid-grant", 400, JSON, "{\"error\":\"invalid_grant\",\"error_description\":\"Token has been revoked\"}",
    .code = BEARER_ERROR_INVALID_GRANT, .dead = TRUE, .oauth_code = "invalid_grant",
    .description = "Token has been revoked", .contains = { "invalid_grant", "Token has been revoked" } },
  { "invalid-grant-client-credentials", 400, JSON,
    "{\"error\":\"invalid_grant\",\"error_description\":\"Token has been revoked\"}",
    .grant = BEARER_GRANT_CLIENT_CREDENTIALS, .code = BEARER_ERROR_INVALID_GRANT, .dead = FALSE,
    .oauth_code = "invalid_grant", .description = "Token has been revoked",
    .contains = { "Token has been revoked" } },
  { "invalid-grant-password", 400, JSON,
    "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid user credentials\"}",
    .grant = BEARER_GRANT_PASSWORD, .code = BEARER_ERROR_INVALID_GRANT, .dead = FALSE,
    .oauth_code = "invalid_grant", .contains = { "Invalid user credentials" } },
  { "invalid-grant-authorization-code", 400, JSON,
    "{\"error\":\"invalid_grant\",\"error_description\":\"Code expired\"}",
    .grant = BEARER_GRANT_AUTHORIZATION_CODE, .code = BEARER_ERROR_INVALID_GRANT, .dead = FALSE,
    .oauth_code = "invalid_grant", .contains = { "Code expired" } },
  { "invalid-grant-in-200", 200, JSON, "{\"error\":\"invalid_grant\",\"error_description\":\"expired\"}",
    .code = BEARER_ERROR_INVALID_GRANT, .dead = TRUE, .oauth_code = "invalid_grant",
    .description = "expired", .contains = { "expired" } },
  { "invalid-grant-with-token", 400, JSON,
    "{\"error\":\"invalid_grant\",\"access_token\":\"abc\",\"error_description\":\"no\"}",
    .code = BEARER_ERROR_INVALID_GRANT, .dead = TRUE, .oauth_code = "invalid_grant" },
  { "invalid-client", 401, JSON,
    "{\"error\":\"invalid_client\",\"error_description\":\"Client authentication failed\",\"message\":\"Client authentication failed\"}",
    .code = BEARER_ERROR_INVALID_CLIENT, .dead = FALSE, .oauth_code = "invalid_client",
    .description = "Client authentication failed", .contains = { "Client authentication failed" } },
  { "unauthorized-client", 400, JSON, "{\"error\":\"unauthorized_client\"}",
    .code = BEARER_ERROR_UNAUTHORIZED_CLIENT, .oauth_code = "unauthorized_client" },
  { "unsupported-grant-type", 400, JSON,
    "{\"error\":\"unsupported_grant_type\",\"error_description\":\"The authorization grant type is not supported by the authorization server.\"}",
    .code = BEARER_ERROR_UNSUPPORTED_GRANT_TYPE, .oauth_code = "unsupported_grant_type",
    .contains = { "not supported by the authorization server" } },
  { "invalid-scope", 400, JSON, "{\"error\":\"invalid_scope\",\"error_description\":\"Unknown scope: admin\"}",
    .code = BEARER_ERROR_INVALID_SCOPE, .oauth_code = "invalid_scope", .contains = { "Unknown scope: admin" } },
  { "access-denied", 403, JSON, "{\"error\":\"access_denied\"}",
    .code = BEARER_ERROR_OAUTH_OTHER, .oauth_code = "access_denied", .contains = { "access_denied" } },
  { "temporarily-unavailable", 503, JSON,
    "{\"error\":\"temporarily_unavailable\",\"error_description\":\"Try again in 5 minutes\"}",
    .code = BEARER_ERROR_OAUTH_OTHER, .oauth_code = "temporarily_unavailable",
    .contains = { "temporarily_unavailable", "Try again in 5 minutes" } },
  { "passport-dead-refresh-token", 401, JSON,
    "{\"error\":\"invalid_request\",\"error_description\":\"The refresh token is invalid.\","
    "\"hint\":\"Token has been revoked\",\"message\":\"The refresh token is invalid.\"}",
    .code = BEARER_ERROR_INVALID_REQUEST, .dead = TRUE, .oauth_code = "invalid_request",
    .description = "The refresh token is invalid.",
    .contains = { "The refresh token is invalid.", "Token has been revoked" } },
  { "passport-401-client-credentials", 401, JSON,
    "{\"error\":\"invalid_request\",\"error_description\":\"The request is missing a required parameter.\"}",
    .grant = BEARER_GRANT_CLIENT_CREDENTIALS, .code = BEARER_ERROR_INVALID_REQUEST, .dead = FALSE,
    .oauth_code = "invalid_request" },
  { "invalid-request-401-refresh", 401, JSON,
    "{\"error\":\"invalid_request\",\"error_description\":\"Something else\"}",
    .code = BEARER_ERROR_INVALID_REQUEST, .dead = TRUE, .oauth_code = "invalid_request" },
  { "invalid-request-400-mentions-refresh-token", 400, JSON,
    "{\"error\":\"invalid_request\",\"error_description\":\"The refresh token is invalid.\"}",
    .code = BEARER_ERROR_INVALID_REQUEST, .dead = TRUE, .oauth_code = "invalid_request" },
  { "invalid-request-400-other", 400, JSON,
    "{\"error\":\"invalid_request\",\"error_description\":\"Missing parameter: client_id\"}",
    .code = BEARER_ERROR_INVALID_REQUEST, .dead = FALSE, .oauth_code = "invalid_request",
    .contains = { "Missing parameter: client_id" } },
  { "error-object-400", 400, JSON, "{\"error\":{\"code\":1,\"message\":\"nested\"}}",
    .code = BEARER_ERROR_HTTP_STATUS, .contains = { "400" } },
  { "error-object-200", 200, JSON, "{\"error\":{\"code\":1},\"access_token\":\"abc\"}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "error" },
  { "error-number-200", 200, JSON, "{\"error\":42}", .code = BEARER_ERROR_WRONG_TYPE, .mentions = "error" },
  /* 8., 9. other failures */
  { "laravel-500", 500, JSON, "{\"message\":\"Server Error\"}", .code = BEARER_ERROR_HTTP_STATUS,
    .contains = { "500", "Server Error" } },
  { "problem-json-401", 401, "application/problem+json",
    "{\"type\":\"about:blank\",\"title\":\"Unauthorized\",\"status\":401}",
    .code = BEARER_ERROR_HTTP_STATUS, .contains = { "401" } },
  { "text-500", 500, "text/plain", "Internal Server Error: database is down",
    .code = BEARER_ERROR_HTTP_STATUS, .contains = { "500" } },
  { "text-200-garbage", 200, "text/plain", "this is not a token at all", .code = BEARER_ERROR_MALFORMED_JSON },
  { "binary-200", 200, "application/octet-stream", BIN ("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
    .code = BEARER_ERROR_MALFORMED_JSON },
  /* 10. the token */
  { "no-access-token", 200, JSON, "{}", .code = BEARER_ERROR_NO_ACCESS_TOKEN, .mentions = "access token" },
  { "no-access-token-type-only", 200, JSON, "{\"token_type\":\"Bearer\",\"expires_in\":3600}",
    .code = BEARER_ERROR_NO_ACCESS_TOKEN, .mentions = "access token" },
  { "access-token-null", 200, JSON, "{\"access_token\":null}", .code = BEARER_ERROR_NO_ACCESS_TOKEN,
    .mentions = "access token" },
  { "access-token-empty", 200, JSON, "{\"access_token\":\"\"}", .code = BEARER_ERROR_NO_ACCESS_TOKEN,
    .mentions = "access token" },
  { "access-token-number", 200, JSON, "{\"access_token\":42}", .code = BEARER_ERROR_WRONG_TYPE,
    .mentions = "access token" },
  { "access-token-true", 200, JSON, "{\"access_token\":true}", .code = BEARER_ERROR_WRONG_TYPE,
    .mentions = "access token" },
  { "access-token-object", 200, JSON, "{\"access_token\":{\"value\":\"abc\"}}", .code = BEARER_ERROR_WRONG_TYPE,
    .mentions = "access token" },
  { "access-token-crlf", 200, JSON, "{\"access_token\":\"abc\\r\\nX-Evil: 1\"}", .code = BEARER_ERROR_WRONG_TYPE,
    .mentions = "access token", .absent = { "X-Evil" } },
  { "access-token-space", 200, JSON, "{\"access_token\":\"abc def\"}", .code = BEARER_ERROR_WRONG_TYPE,
    .mentions = "access token" },
  { "access-token-tab", 200, JSON, "{\"access_token\":\"abc\\tdef\"}", .code = BEARER_ERROR_WRONG_TYPE,
    .mentions = "access token" },
  { "access-token-non-ascii", 200, JSON, "{\"access_token\":\"tök€n\"}", .code = BEARER_ERROR_WRONG_TYPE,
    .mentions = "access token" },
  { "access-token-del", 200, JSON, "{\"access_token\":\"abc\\u007f\"}", .code = BEARER_ERROR_WRONG_TYPE,
    .mentions = "access token" },
  { "access-token-escaped-nul", 200, JSON, "{\"access_token\":\"abc\\u0000def\"}",
    .code = BEARER_ERROR_MALFORMED_JSON, .mentions = "NUL" },
  { "token-type-number", 200, JSON, "{\"access_token\":\"abc\",\"token_type\":7}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "token type" },
  { "token-type-space", 200, JSON, "{\"access_token\":\"abc\",\"token_type\":\"Bearer x\"}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "token type" },
  { "token-type-empty", 200, JSON, "{\"access_token\":\"abc\",\"token_type\":\"\"}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "token type" },
  { "token-type-newline", 200, JSON, "{\"access_token\":\"abc\",\"token_type\":\"Bearer\\n\"}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "token type" },
  { "token-type-non-ascii", 200, JSON, "{\"access_token\":\"abc\",\"token_type\":\"Béarer\"}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "token type" },
  { "token-type-array", 200, JSON, "{\"access_token\":\"abc\",\"token_type\":[\"Bearer\"]}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "token type" },
  { "expires-in-negative", 200, JSON, "{\"access_token\":\"abc\",\"expires_in\":-5}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "expires in" },
  { "expires-in-1e308", 200, JSON, "{\"access_token\":\"abc\",\"expires_in\":1e308}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "expires in" },
  { "expires-in-huge-integer", 200, JSON, "{\"access_token\":\"abc\",\"expires_in\":99999999999999999999999}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "expires in" },
  { "expires-in-huge-string", 200, JSON, "{\"access_token\":\"abc\",\"expires_in\":\"99999999999999999999999\"}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "expires in" },
  { "expires-in-over-100-years", 200, JSON, "{\"access_token\":\"abc\",\"expires_in\":3155760001}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "expires in" },
  { "expires-in-abc", 200, JSON, "{\"access_token\":\"abc\",\"expires_in\":\"abc\"}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "expires in" },
  { "expires-in-empty-string", 200, JSON, "{\"access_token\":\"abc\",\"expires_in\":\"\"}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "expires in" },
  { "expires-in-negative-string", 200, JSON, "{\"access_token\":\"abc\",\"expires_in\":\"-5\"}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "expires in" },
  { "expires-in-string-with-unit", 200, JSON, "{\"access_token\":\"abc\",\"expires_in\":\"3600s\"}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "expires in" },
  { "expires-in-fraction", 200, JSON, "{\"access_token\":\"abc\",\"expires_in\":3.5}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "expires in" },
  { "expires-in-fraction-string", 200, JSON, "{\"access_token\":\"abc\",\"expires_in\":\"3.5\"}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "expires in" },
  { "expires-in-true", 200, JSON, "{\"access_token\":\"abc\",\"expires_in\":true}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "expires in" },
  { "expires-in-array", 200, JSON, "{\"access_token\":\"abc\",\"expires_in\":[3600]}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "expires in" },
  { "refresh-token-number", 200, JSON, "{\"access_token\":\"abc\",\"refresh_token\":123}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "refresh token" },
  { "refresh-token-object", 200, JSON, "{\"access_token\":\"abc\",\"refresh_token\":{}}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "refresh token" },
  { "scope-object", 200, JSON, "{\"access_token\":\"abc\",\"scope\":{}}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "scope" },
  { "scope-number", 200, JSON, "{\"access_token\":\"abc\",\"scope\":7}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "scope" },
  { "scope-array-of-numbers", 200, JSON, "{\"access_token\":\"abc\",\"scope\":[\"read\",2]}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "scope" },
  { "id-token-array", 200, JSON, "{\"access_token\":\"abc\",\"id_token\":[]}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "id token" },
  { "id-token-number", 200, JSON, "{\"access_token\":\"abc\",\"id_token\":7}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "id token" },
};

static void
test_error_case (gconstpointer data)
{
  const ErrorCase *ec = data;
  gsize length = ec->length != 0 ? ec->length : strlen (ec->body);
  g_autoptr(GError) error = NULL;
  g_autoptr(BearerTokenResponse) r = NULL;

  r = parse_bytes (ec->status, ec->content_type, ec->body, length, ec->grant, &error);
  g_assert_null (r);
  g_assert_nonnull (error);
  note ("code %d: %s", error->code, error->message);
  g_assert_error (error, BEARER_ERROR, (int) ec->code);
  assert_clean_message (error->message);

  g_assert_cmpuint (bearer_error_get_http_status (error), ==, ec->status);
  g_assert_cmpint (bearer_error_is_dead_refresh_token (error), ==, ec->dead);
  g_assert_cmpstr (bearer_error_get_oauth_code (error), ==, ec->oauth_code);
  if (ec->description != NULL)
    g_assert_cmpstr (bearer_error_get_description (error), ==, ec->description);

  for (guint i = 0; i < G_N_ELEMENTS (ec->contains) && ec->contains[i] != NULL; i++)
    assert_contains (error->message, ec->contains[i]);
  for (guint i = 0; i < G_N_ELEMENTS (ec->absent) && ec->absent[i] != NULL; i++)
    assert_not_contains (error->message, ec->absent[i]);
  if (ec->mentions != NULL)
    assert_mentions (error->message, ec->mentions);

  /* The server's own words, kept for the details view: text too. */
  {
    const char *fields[] = {
      bearer_error_get_oauth_code (error), bearer_error_get_description (error),
      bearer_error_get_uri (error), bearer_error_get_hint (error),
      bearer_error_get_server_message (error),
    };

    for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
      g_assert_true (fields[i] == NULL || g_utf8_validate (fields[i], -1, NULL));
  }
}

static GError *
parse_error (guint            status,
             const char      *content_type,
             const char      *body,
             gsize            length,
             BearerGrantType  grant,
             BearerError      code)
{
  GError *error = NULL;
  g_autoptr(BearerTokenResponse) r = NULL;

  r = parse_bytes (status, content_type, body, length, grant, &error);
  g_assert_null (r);
  g_assert_error (error, BEARER_ERROR, (int) code);
  assert_clean_message (error->message);
  return error;
}

static void
test_deep_nesting (void)
{
  gsize depth = 100000;
  g_autofree char *body = g_malloc (depth);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error_objects = NULL;
  g_autoptr(GString) objects = g_string_new (NULL);

  memset (body, '[', depth);
  error = parse_error (200, JSON, body, depth, BEARER_GRANT_REFRESH_TOKEN, BEARER_ERROR_MALFORMED_JSON);
  g_assert_false (bearer_error_is_dead_refresh_token (error));

  for (gsize i = 0; i < depth; i++)
    g_string_append (objects, "{\"a\":");
  error_objects = parse_error (400, NULL, objects->str, objects->len, BEARER_GRANT_REFRESH_TOKEN,
                               BEARER_ERROR_MALFORMED_JSON);
  g_assert_cmpuint (bearer_error_get_http_status (error_objects), ==, 400);
}

static void
test_description_cut (void)
{
  g_autoptr(GString) description = g_string_new (NULL);
  g_autofree char *body = NULL;
  g_autofree char *head = NULL;
  g_autofree char *too_much = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; description->len < 5000; i++)
    g_string_append_printf (description, "word%u ", i);
  g_string_append (description, "TAIL-MARKER");
  body = g_strdup_printf ("{\"error\":\"invalid_grant\",\"error_description\":\"%s\"}", description->str);

  error = parse_error (400, JSON, body, strlen (body), BEARER_GRANT_REFRESH_TOKEN, BEARER_ERROR_INVALID_GRANT);
  head = g_strndup (description->str, 250);
  too_much = g_strndup (description->str, 301);
  assert_contains (error->message, head);
  assert_not_contains (error->message, too_much);
  assert_not_contains (error->message, "TAIL-MARKER");
  g_assert_true (bearer_error_is_dead_refresh_token (error));
}

static void
test_description_cut_utf8 (void)
{
  /* 1,000 two-byte characters: cut on a character, never inside one. */
  g_autoptr(GString) description = g_string_new (NULL);
  g_autofree char *body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BearerTokenResponse) r = NULL;
  guint count;

  for (guint i = 0; i < 1000; i++)
    g_string_append (description, "é");
  body = g_strdup_printf ("{\"error\":\"access_denied\",\"error_description\":\"%s\"}", description->str);

  r = parse (403, JSON, body, BEARER_GRANT_REFRESH_TOKEN, &error);
  g_assert_null (r);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_OAUTH_OTHER);
  /* 300 characters of two bytes each, and the sentence around them. */
  assert_clean_message_max (error->message, 900);
  count = count_occurrences (error->message, "é");
  g_assert_cmpuint (count, >=, 250);
  g_assert_cmpuint (count, <=, 300);
}

static void
test_title_cut (void)
{
  g_autoptr(GString) html = g_string_new ("<html><head><title>");
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 1000; i++)
    g_string_append (html, "Title ");
  g_string_append (html, "TAIL-MARKER</title></head><body></body></html>");

  error = parse_error (502, "text/html", html->str, html->len, BEARER_GRANT_REFRESH_TOKEN,
                       BEARER_ERROR_HTML_PAGE);
  assert_contains (error->message, "Title Title");
  assert_not_contains (error->message, "TAIL-MARKER");
}

static void
test_description_control_characters (void)
{
  const char *body = "{\"error\":\"invalid_grant\",\"error_description\":"
                     "\"Bad\\u001b[31m red\\u001b[0m token\\u0007\\b here\\r\\nX-Injected: yes\\u0085\\u009b1m end\"}";
  g_autoptr(GError) error = NULL;

  error = parse_error (400, JSON, body, strlen (body), BEARER_GRANT_REFRESH_TOKEN, BEARER_ERROR_INVALID_GRANT);
  assert_contains (error->message, "Bad");
  assert_contains (error->message, "red");
  assert_contains (error->message, "token");
  assert_contains (error->message, "end");
}

static void
test_passport_words (void)
{
  /* Passport sends the same words twice and a different hint: each once. */
  const char *body = "{\"error\":\"invalid_request\",\"error_description\":\"The refresh token is invalid.\","
                     "\"hint\":\"Token has been revoked\",\"message\":\"The refresh token is invalid.\"}";
  g_autoptr(GError) error = NULL;

  error = parse_error (401, JSON, body, strlen (body), BEARER_GRANT_REFRESH_TOKEN, BEARER_ERROR_INVALID_REQUEST);
  g_assert_cmpuint (count_occurrences (error->message, "The refresh token is invalid."), ==, 1);
  g_assert_cmpuint (count_occurrences (error->message, "Token has been revoked"), ==, 1);
  g_assert_cmpstr (bearer_error_get_description (error), ==, "The refresh token is invalid.");
  g_assert_cmpstr (bearer_error_get_hint (error), ==, "Token has been revoked");
  g_assert_cmpstr (bearer_error_get_server_message (error), ==, "The refresh token is invalid.");
  g_assert_true (bearer_error_is_dead_refresh_token (error));
}

static void
test_words_preference (void)
{
  const char *message_and_hint = "{\"error\":\"invalid_client\",\"message\":\"Client unknown\",\"hint\":\"Check the id\"}";
  const char *hint_only = "{\"error\":\"invalid_client\",\"hint\":\"Check the secret\"}";
  const char *same_hint = "{\"error\":\"invalid_scope\",\"error_description\":\"Bad scope\",\"hint\":\"Bad scope\"}";
  const char *description_and_message = "{\"error\":\"invalid_scope\",\"error_description\":\"Scope x is unknown\","
                                         "\"message\":\"Different words here\"}";
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GError) e3 = NULL;
  g_autoptr(GError) e4 = NULL;

  e1 = parse_error (401, JSON, message_and_hint, strlen (message_and_hint), BEARER_GRANT_REFRESH_TOKEN,
                    BEARER_ERROR_INVALID_CLIENT);
  assert_contains (e1->message, "Client unknown");
  assert_contains (e1->message, "Check the id");
  g_assert_null (bearer_error_get_description (e1));
  g_assert_cmpstr (bearer_error_get_server_message (e1), ==, "Client unknown");
  g_assert_cmpstr (bearer_error_get_hint (e1), ==, "Check the id");

  e2 = parse_error (401, JSON, hint_only, strlen (hint_only), BEARER_GRANT_REFRESH_TOKEN,
                    BEARER_ERROR_INVALID_CLIENT);
  assert_contains (e2->message, "Check the secret");

  e3 = parse_error (400, JSON, same_hint, strlen (same_hint), BEARER_GRANT_REFRESH_TOKEN,
                    BEARER_ERROR_INVALID_SCOPE);
  g_assert_cmpuint (count_occurrences (e3->message, "Bad scope"), ==, 1);

  e4 = parse_error (400, JSON, description_and_message, strlen (description_and_message),
                    BEARER_GRANT_REFRESH_TOKEN, BEARER_ERROR_INVALID_SCOPE);
  assert_contains (e4->message, "Scope x is unknown");
  assert_not_contains (e4->message, "Different words here");
}

static void
test_error_uri (void)
{
  const char *body = "{\"error\":\"invalid_client\",\"error_description\":\"Unknown client\","
                     "\"error_uri\":\"https://example.com/docs/errors#invalid_client\"}";
  g_autoptr(GError) error = NULL;

  error = parse_error (401, JSON, body, strlen (body), BEARER_GRANT_REFRESH_TOKEN, BEARER_ERROR_INVALID_CLIENT);
  g_assert_cmpstr (bearer_error_get_uri (error), ==, "https://example.com/docs/errors#invalid_client");
  g_assert_cmpstr (bearer_error_get_description (error), ==, "Unknown client");
  g_assert_null (bearer_error_get_hint (error));
  g_assert_null (bearer_error_get_redirect_location (error));
  g_assert_cmpuint (bearer_error_get_http_status (error), ==, 401);
}

static void
test_laravel_message (void)
{
  const char *body = "{\"message\":\"Server Error\"}";
  g_autoptr(GError) error = NULL;

  error = parse_error (500, JSON, body, strlen (body), BEARER_GRANT_REFRESH_TOKEN, BEARER_ERROR_HTTP_STATUS);
  assert_contains (error->message, "Server Error");
  g_assert_cmpstr (bearer_error_get_server_message (error), ==, "Server Error");
  g_assert_null (bearer_error_get_oauth_code (error));
  g_assert_false (bearer_error_is_dead_refresh_token (error));
}

/* Each case runs in a process of its own: a failed assertion or a crash in
 * one is reported for that case, and every other case still runs. */
typedef struct {
  GTestFunc      func;
  GTestDataFunc  data_func;
  gconstpointer  data;
} Isolated;

/* Static, so that no process ends with them unfreed. */
static Isolated isolated[256];
static guint n_isolated;

static void
run_isolated (gconstpointer user_data)
{
  const Isolated *iso = user_data;

  if (g_test_subprocess ())
    {
      if (iso->data_func != NULL)
        iso->data_func (iso->data);
      else
        iso->func ();
      return;
    }

  g_test_set_nonfatal_assertions ();
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

static void
add_isolated_data (const char    *path,
                   gconstpointer  data,
                   GTestDataFunc  data_func)
{
  Isolated *iso;

  g_assert_cmpuint (n_isolated, <, G_N_ELEMENTS (isolated));
  iso = &isolated[n_isolated++];
  iso->data_func = data_func;
  iso->data = data;
  g_test_add_data_func (path, iso, run_isolated);
}

static void
add_isolated (const char *path,
              GTestFunc   func)
{
  Isolated *iso;

  g_assert_cmpuint (n_isolated, <, G_N_ELEMENTS (isolated));
  iso = &isolated[n_isolated++];
  iso->func = func;
  g_test_add_data_func (path, iso, run_isolated);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  add_isolated ("/bearer/token-response/minimal", test_minimal);
  for (gsize i = 0; i < G_N_ELEMENTS (expiry_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/bearer/token-response/expiry/%s", expiry_cases[i].name);

      add_isolated_data (path, &expiry_cases[i], test_expiry);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (token_type_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/bearer/token-response/token-type/%s", token_type_cases[i].name);

      add_isolated_data (path, &token_type_cases[i], test_token_type);
    }
  add_isolated ("/bearer/token-response/refresh-token/absent", test_refresh_token_absent);
  add_isolated ("/bearer/token-response/refresh-token/rotated", test_refresh_token_rotated);
  add_isolated ("/bearer/token-response/refresh-token/same", test_refresh_token_same);
  add_isolated ("/bearer/token-response/scope", test_scope);
  add_isolated ("/bearer/token-response/id-token", test_id_token);
  add_isolated ("/bearer/token-response/fields", test_fields);
  add_isolated ("/bearer/token-response/redacted-body", test_redacted_body);
  add_isolated ("/bearer/token-response/redacted-body-form", test_redacted_body_form);
  add_isolated ("/bearer/token-response/form-reply", test_form_reply);
  add_isolated ("/bearer/token-response/form-reply-text-plain", test_form_reply_text_plain);
  add_isolated ("/bearer/token-response/form-not-utf8", test_form_not_utf8);
  add_isolated ("/bearer/token-response/form-lone-percent", test_form_lone_percent);
  add_isolated ("/bearer/token-response/content-types", test_content_types);
  add_isolated ("/bearer/token-response/content-type-not-text", test_content_type_not_text);
  add_isolated ("/bearer/token-response/json-byte-order-mark", test_json_byte_order_mark);
  add_isolated ("/bearer/token-response/leading-white-space", test_leading_white_space);
  add_isolated ("/bearer/token-response/moderate-nesting", test_moderate_nesting);
  add_isolated ("/bearer/token-response/exactly-max-body", test_exactly_max_body);

  for (gsize i = 0; i < G_N_ELEMENTS (error_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/bearer/token-response/error/%s", error_cases[i].name);

      add_isolated_data (path, &error_cases[i], test_error_case);
    }
  add_isolated ("/bearer/token-response/deep-nesting", test_deep_nesting);
  add_isolated ("/bearer/token-response/description-cut", test_description_cut);
  add_isolated ("/bearer/token-response/description-cut-utf8", test_description_cut_utf8);
  add_isolated ("/bearer/token-response/title-cut", test_title_cut);
  add_isolated ("/bearer/token-response/description-control-characters",
                test_description_control_characters);
  add_isolated ("/bearer/token-response/passport-words", test_passport_words);
  add_isolated ("/bearer/token-response/words-preference", test_words_preference);
  add_isolated ("/bearer/token-response/error-uri", test_error_uri);
  add_isolated ("/bearer/token-response/laravel-message", test_laravel_message);

  return g_test_run ();
}
