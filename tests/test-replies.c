/* test-replies.c: hostile and broken token endpoint replies, over the wire
 *
 * Each case is sent by a real SoupServer on 127.0.0.1 (status, content type
 * and body bytes exactly as written here) and fetched with
 * bearer_client_request_token_async(), as the app does.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "bearer-client.h"
#include "bearer-error.h"
#include "bearer-token-request.h"
#include "bearer-token-response.h"

#define REQUEST_REFRESH_TOKEN "rt-original-123"
#define JSON "application/json"
#define FORM "application/x-www-form-urlencoded"
#define EXPECT_TOKEN (-1)
#define ONE_MIB (1024 * 1024)

/* {"alg":"HS256","typ":"JWT"} . {"sub":"42","exp":4102444800} . signature */
#define JWT_WITH_EXP "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" \
                     ".eyJzdWIiOiI0MiIsImV4cCI6NDEwMjQ0NDgwMH0" \
                     ".c2lnbmF0dXJlLW5vdC1jaGVja2Vk"
#define JWT_EXP G_GINT64_CONSTANT (4102444800)

typedef struct _Exchange Exchange;
typedef struct _ReplyCase ReplyCase;

struct _ReplyCase {
  const char  *name;
  guint        status;
  const char  *content_type;      /* NULL: no Content-Type header */
  const char  *body;
  gsize        length;            /* 0: strlen (body) */
  GBytes    *(*make_body) (void); /* instead of body */
  gboolean     redirect;          /* send a Location back to this server */
  gboolean     chunked;           /* no Content-Length */
  const char  *content_encoding;  /* a Content-Encoding header, when set */
  gboolean     capture_log;       /* G_MESSAGES_DEBUG=all, every message kept in captured_log */

  int          code;              /* a BearerError, or EXPECT_TOKEN */
  gboolean     dead;
  const char  *oauth_code;        /* what bearer_error_get_oauth_code() returns */
  const char  *description;       /* what bearer_error_get_description() returns, when set */
  const char  *contains[3];       /* in the message, as is */
  const char  *absent[2];         /* never in the message */
  const char  *mentions;          /* a field the message names ("expires_in" or "expires in") */
  void       (*check) (Exchange *ex);
};

struct _Exchange {
  const ReplyCase     *rc;
  GBytes              *body;
  char                *location;
  guint                hits;
  char                *method;
  char                *path;

  gboolean             done;
  gboolean             timed_out;
  BearerTokenResponse *response;
  GError              *error;
  gint64               before;
  gint64               after;
};

#define BIN(s) .body = (s), .length = sizeof (s) - 1

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

static void
assert_clean_message (const char *message)
{
  g_assert_nonnull (message);
  g_assert_true (g_utf8_validate (message, -1, NULL));
  g_assert_cmpuint (strlen (message), >, 0);
  g_assert_cmpuint (strlen (message), <, 600);
  for (const char *p = message; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c))
        note ("control character U+%04X at byte %d", c, (int) (p - message));
      g_assert_false (g_unichar_iscntrl (c));
    }
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

static void
assert_expires_in (Exchange *ex,
                   gint64    seconds)
{
  gint64 expires_at = bearer_token_response_get_expires_at (ex->response);

  g_assert_cmpint (bearer_token_response_get_expiry_source (ex->response), ==, BEARER_EXPIRY_EXPIRES_IN);
  g_assert_cmpint (expires_at, >=, ex->before + seconds);
  g_assert_cmpint (expires_at, <=, ex->after + seconds);
}

/* ------------------------------------------------------------- big bodies */

static GBytes *
make_padded_token (gsize size)
{
  GString *body = g_string_sized_new (size + 1);

  g_string_append (body, "{\"access_token\":\"abc\",\"token_type\":\"Bearer\",\"pad\":\"");
  while (body->len < size - 2)
    g_string_append_c (body, 'x');
  g_string_append (body, "\"}");
  g_assert_cmpuint (body->len, ==, size);
  return g_string_free_to_bytes (body);
}

static GBytes *
make_one_mib_plus_one (void)
{
  return make_padded_token (ONE_MIB + 1);
}

static GBytes *
make_one_mib (void)
{
  return make_padded_token (ONE_MIB);
}

static GBytes *
make_deep_nesting (void)
{
  gsize depth = 100000;
  char *body = g_malloc (depth);

  memset (body, '[', depth);
  return g_bytes_new_take (body, depth);
}

/* 8 MiB of JSON in 8 KiB of gzip: the cap is on what is read, after decoding. */
static GBytes *
make_gzip_bomb (void)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 9);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) gzip = g_converter_output_stream_new (memory, G_CONVERTER (compressor));
  g_autoptr(GError) error = NULL;
  g_autofree char *pad = g_malloc (64 * 1024);
  const char *head = "{\"access_token\":\"abc\",\"pad\":\"";

  memset (pad, 'x', 64 * 1024);
  g_output_stream_write_all (gzip, head, strlen (head), NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 128; i++)
    {
      g_output_stream_write_all (gzip, pad, 64 * 1024, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  g_output_stream_write_all (gzip, "\"}", 2, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (gzip, NULL, &error);
  g_assert_no_error (error);

  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

static GBytes *
make_long_description (void)
{
  GString *body = g_string_new ("{\"error\":\"invalid_grant\",\"error_description\":\"");

  g_string_append (body, "The grant was refused because");
  while (body->len < 5000)
    g_string_append (body, " it was refused");
  g_string_append (body, " TAIL-MARKER\"}");
  return g_string_free_to_bytes (body);
}

/* A rotated refresh token whose value crosses byte 4096 of the reply, where
 * the debug log used to cut the body before masking it (issue 8, item 9). */
#define STRADDLING_REFRESH_TOKEN_HEAD "def50200STRADDLE"
#define STRADDLING_CUT 4096

static char *
straddling_refresh_token (void)
{
  GString *token = g_string_new (STRADDLING_REFRESH_TOKEN_HEAD);

  while (token->len < 181)
    g_string_append_printf (token, "%x", (guint) token->len % 16);
  return g_string_free (token, FALSE);
}

/* A reply whose member @name holds @value from 40 bytes (or @before) before
 * the cut to after it. */
static GBytes *
make_value_across_cut (const char *name,
                       const char *value,
                       gsize       before)
{
  GString *body = g_string_new ("{\"access_token\":\"abc\",\"token_type\":\"Bearer\",\"pad\":\"");
  g_autofree char *middle = g_strdup_printf ("\",\"%s\":\"", name);

  while (body->len + strlen (middle) + before < STRADDLING_CUT)
    g_string_append_c (body, 'x');
  g_string_append (body, middle);
  g_assert_cmpuint (body->len + before, ==, STRADDLING_CUT);
  g_string_append (body, value);
  g_string_append (body, "\",\"expires_in\":3600}");
  return g_string_free_to_bytes (body);
}

static GBytes *
make_refresh_token_across_4096 (void)
{
  g_autofree char *token = straddling_refresh_token ();

  return make_value_across_cut ("refresh_token", token, 40);
}

/* A careless server that quotes the refresh token it was sent (a known
 * secret, masked wherever it appears) where the cut falls. */
static GBytes *
make_known_secret_across_4096 (void)
{
  return make_value_across_cut ("note", "you sent " REQUEST_REFRESH_TOKEN, strlen ("you sent rt-ori"));
}

static GString *captured_log;

static GLogWriterOutput
capture_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
      {
        if (fields[i].length < 0)
          g_string_append (captured_log, fields[i].value);
        else
          g_string_append_len (captured_log, fields[i].value, fields[i].length);
        g_string_append_c (captured_log, '\n');
      }

  /* Warnings and criticals stay fatal, as G_DEBUG asks. */
  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    return g_log_writer_default (log_level, fields, n_fields, user_data);
  return G_LOG_WRITER_HANDLED;
}

/* ---------------------------------------------------------------- checks */

static void
check_log_without_known_secret (Exchange *ex)
{
  note ("debug log:\n%s", captured_log->str);
  assert_contains (captured_log->str, "reply: HTTP 200");
  assert_contains (captured_log->str, "\"note\":\"you");
  assert_not_contains (captured_log->str, "rt-ori");
  g_assert_true (g_utf8_validate (captured_log->str, -1, NULL));
}

static void
check_log_without_refresh_token (Exchange *ex)
{
  g_autofree char *token = straddling_refresh_token ();

  g_assert_cmpstr (bearer_token_response_get_refresh_token (ex->response), ==, token);
  note ("debug log:\n%s", captured_log->str);
  /* The log did show the reply (the test cannot pass on an empty log)... */
  assert_contains (captured_log->str, "reply: HTTP 200");
  assert_contains (captured_log->str, "\"refresh_token\":\"");
  /* ... and no piece of the new refresh token, nor the one sent. */
  assert_not_contains (captured_log->str, STRADDLING_REFRESH_TOKEN_HEAD);
  assert_not_contains (captured_log->str, token + 60);
  assert_not_contains (captured_log->str, REQUEST_REFRESH_TOKEN);
  assert_not_contains (captured_log->str, "test-secret");
  g_assert_true (g_utf8_validate (captured_log->str, -1, NULL));
}


static void
check_form_success (Exchange *ex)
{
  g_assert_cmpstr (bearer_token_response_get_access_token (ex->response), ==, "abc");
  g_assert_cmpstr (bearer_token_response_get_token_type (ex->response), ==, "Bearer");
  assert_expires_in (ex, 3600);
}

static void
check_expires_in_3600 (Exchange *ex)
{
  g_assert_cmpstr (bearer_token_response_get_access_token (ex->response), ==, "abc");
  assert_expires_in (ex, 3600);
}

static void
check_scope_array (Exchange *ex)
{
  g_assert_cmpstr (bearer_token_response_get_scope (ex->response), ==, "read write profile:email");
}

static void
check_nested_fields (Exchange *ex)
{
  JsonObject *fields = bearer_token_response_get_fields (ex->response);
  JsonObject *user;
  JsonArray *roles;

  g_assert_nonnull (fields);
  g_assert_cmpstr (json_object_get_string_member (fields, "access_token"), ==, "abc");
  g_assert_true (json_object_has_member (fields, "x-tenant"));
  g_assert_cmpstr (json_object_get_string_member (fields, "x-tenant"), ==, "acme");
  user = json_object_get_object_member (fields, "user");
  g_assert_nonnull (user);
  g_assert_cmpint (json_object_get_int_member (user, "id"), ==, 7);
  roles = json_object_get_array_member (user, "roles");
  g_assert_cmpuint (json_array_get_length (roles), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (roles, 0), ==, "admin");
  g_assert_true (json_object_get_null_member (fields, "nothing"));
}

static void
check_jwt_exp (Exchange *ex)
{
  g_assert_cmpstr (bearer_token_response_get_access_token (ex->response), ==, JWT_WITH_EXP);
  g_assert_cmpint (bearer_token_response_get_expires_at (ex->response), ==, JWT_EXP);
  g_assert_cmpint (bearer_token_response_get_expiry_source (ex->response), ==, BEARER_EXPIRY_JWT_EXP);
}

static void
check_bearer_upper (Exchange *ex)
{
  g_autofree char *header = bearer_token_response_dup_authorization_header (ex->response);

  g_assert_cmpstr (bearer_token_response_get_token_type (ex->response), ==, "Bearer");
  /* The whole header line, as bearer-token-response.c documents it. */
  g_assert_cmpstr (header, ==, "Authorization: Bearer abc");
}

static void
check_refresh_token_kept (Exchange *ex)
{
  g_assert_cmpstr (bearer_token_response_get_refresh_token (ex->response), ==, REQUEST_REFRESH_TOKEN);
  g_assert_false (bearer_token_response_get_refresh_token_issued (ex->response));
  g_assert_false (bearer_token_response_get_refresh_token_rotated (ex->response));
}

static void
check_refresh_token_rotated (Exchange *ex)
{
  g_assert_cmpstr (bearer_token_response_get_refresh_token (ex->response), ==, "rt-rotated-456");
  g_assert_true (bearer_token_response_get_refresh_token_issued (ex->response));
  g_assert_true (bearer_token_response_get_refresh_token_rotated (ex->response));
}

static void
check_refresh_token_same (Exchange *ex)
{
  g_assert_cmpstr (bearer_token_response_get_refresh_token (ex->response), ==, REQUEST_REFRESH_TOKEN);
  g_assert_true (bearer_token_response_get_refresh_token_issued (ex->response));
  g_assert_false (bearer_token_response_get_refresh_token_rotated (ex->response));
}

static void
check_access_token_abc (Exchange *ex)
{
  g_assert_cmpstr (bearer_token_response_get_access_token (ex->response), ==, "abc");
}

static void
check_passport (Exchange *ex)
{
  g_assert_cmpstr (bearer_error_get_hint (ex->error), ==, "Token has been revoked");
  g_assert_cmpstr (bearer_error_get_server_message (ex->error), ==, "The refresh token is invalid.");
}

static void
check_error_uri (Exchange *ex)
{
  g_assert_cmpstr (bearer_error_get_uri (ex->error), ==, "https://example.com/docs/errors#invalid_client");
}

static void
check_server_message (Exchange *ex)
{
  g_assert_cmpstr (bearer_error_get_server_message (ex->error), ==, "Server Error");
}

static void
check_long_description (Exchange *ex)
{
  const char *description = bearer_error_get_description (ex->error);

  assert_contains (ex->error->message, "The grant was refused because it was refused it was refused");
  assert_not_contains (ex->error->message, "TAIL-MARKER");
  g_assert_nonnull (description);
  g_assert_true (g_str_has_prefix (description, "The grant was refused because"));
}

static void
check_description_utf8 (Exchange *ex)
{
  const char *description = bearer_error_get_description (ex->error);

  g_assert_nonnull (description);
  g_assert_true (g_utf8_validate (description, -1, NULL));
}

static void
check_no_location (Exchange *ex)
{
  g_assert_null (bearer_error_get_redirect_location (ex->error));
}

static void
check_redirect (Exchange *ex)
{
  g_autofree char *status = g_strdup_printf ("%u", ex->rc->status);

  g_assert_cmpstr (bearer_error_get_redirect_location (ex->error), ==, ex->location);
  assert_contains (ex->error->message, status);
  assert_contains (ex->error->message, ex->location);
}

/* ----------------------------------------------------------------- cases */

static const ReplyCase reply_cases[] = {
  /* ---- HTML */
  { "html-502", 502, "text/html",
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n"
    "<p>Please quote incident ops-desk-7731 when you call.</p>\r\n"
    "<hr><center>nginx/1.18.0 (Ubuntu)</center>\r\n</body>\r\n</html>\r\n",
    .code = BEARER_ERROR_HTML_PAGE, .contains = { "502 Bad Gateway" },
    .absent = { "ops-desk-7731", "<" } },
  { "html-200-login", 200, "text/html; charset=utf-8",
    "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>Sign in · Example SSO</title><link rel=\"stylesheet\" href=\"/s.css\"></head>"
    "<body><form method=\"post\" action=\"/login\"><input name=\"username\">"
    "<input type=\"password\" name=\"password\"><button>Continue to deep-login-form</button>"
    "</form></body></html>",
    .code = BEARER_ERROR_HTML_PAGE, .contains = { "Sign in · Example SSO" },
    .absent = { "deep-login-form" } },
  { "html-no-title", 503, "text/html",
    "<html><body><h1>Down for maintenance</h1><p>deep-marker-99 back soon</p></body></html>",
    .code = BEARER_ERROR_HTML_PAGE, .contains = { "503" }, .absent = { "deep-marker-99" } },
  { "html-labelled-json", 200, JSON,
    "<html><head><title>Maintenance</title></head><body>x</body></html>",
    .code = BEARER_ERROR_HTML_PAGE, .contains = { "Maintenance" } },
  { "html-no-content-type", 200, NULL,
    "<!doctype html><html><head><title>Welcome to nginx!</title></head><body></body></html>",
    .code = BEARER_ERROR_HTML_PAGE, .contains = { "Welcome to nginx!" } },

  /* ---- empty */
  { "empty-200", 200, JSON, "", .code = BEARER_ERROR_EMPTY_BODY, .contains = { "200" }, .mentions = "empty" },
  { "empty-204", 204, NULL, "", .code = BEARER_ERROR_EMPTY_BODY, .contains = { "204" } },
  { "empty-403", 403, NULL, "", .code = BEARER_ERROR_HTTP_STATUS, .contains = { "403", "Forbidden" } },
  { "white-space-only", 200, JSON, "  \r\n\t\n  ", .code = BEARER_ERROR_EMPTY_BODY, .contains = { "200" },
    .mentions = "empty" },
  { "white-space-401", 401, "text/plain", "\r\n", .code = BEARER_ERROR_HTTP_STATUS, .contains = { "401" } },

  /* ---- not JSON, or not usable JSON */
  { "text-500", 500, "text/plain", "Internal Server Error: the database is down",
    .code = BEARER_ERROR_HTTP_STATUS, .contains = { "500" } },
  { "text-200-garbage", 200, "text/plain", "this is not a token, sorry",
    .code = BEARER_ERROR_MALFORMED_JSON, .contains = { "text/plain" } },
  { "truncated-json", 200, JSON, "{\"access_token\": \"ab", .code = BEARER_ERROR_MALFORMED_JSON,
    .contains = { "200" }, .mentions = "JSON" },
  { "json-array", 200, JSON, "[{\"access_token\":\"abc\"}]", .code = BEARER_ERROR_NOT_AN_OBJECT,
    .mentions = "JSON" },
  { "json-string", 200, JSON, "\"abc\"", .code = BEARER_ERROR_NOT_AN_OBJECT, .mentions = "JSON" },
  { "json-number", 200, JSON, "42", .code = BEARER_ERROR_NOT_AN_OBJECT, .mentions = "JSON" },
  { "json-null", 200, JSON, "null", .code = BEARER_ERROR_NOT_AN_OBJECT, .mentions = "JSON" },
  { "nul-byte", 200, JSON, BIN ("{\"access_token\":\"ab\0cd\",\"token_type\":\"Bearer\"}"),
    .code = BEARER_ERROR_MALFORMED_JSON, .contains = { "200" } },
  { "invalid-utf8", 200, JSON, "{\"access_token\":\"abc\",\"scope\":\"re\xff\xfe" "ad\"}",
    .code = BEARER_ERROR_MALFORMED_JSON, .contains = { "200" }, .mentions = "UTF-8" },
  { "deep-nesting", 200, JSON, .make_body = make_deep_nesting, .code = BEARER_ERROR_MALFORMED_JSON,
    .contains = { "200" } },
  { "body-too-large", 200, JSON, .make_body = make_one_mib_plus_one, .code = BEARER_ERROR_BODY_TOO_LARGE,
    .mentions = "large" },
  { "gzip-bomb", 200, JSON, .make_body = make_gzip_bomb, .content_encoding = "gzip",
    .code = BEARER_ERROR_BODY_TOO_LARGE, .mentions = "large" },
  { "body-too-large-chunked", 200, JSON, .make_body = make_one_mib_plus_one, .chunked = TRUE,
    .code = BEARER_ERROR_BODY_TOO_LARGE, .mentions = "large" },

  /* ---- the token's members */
  { "empty-object", 200, JSON, "{}", .code = BEARER_ERROR_NO_ACCESS_TOKEN, .mentions = "access token" },
  { "access-token-null", 200, JSON, "{\"access_token\":null,\"token_type\":\"Bearer\"}",
    .code = BEARER_ERROR_NO_ACCESS_TOKEN, .mentions = "access token" },
  { "access-token-number", 200, JSON, "{\"access_token\":42}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "access token" },
  { "access-token-empty", 200, JSON, "{\"access_token\":\"\"}",
    .code = BEARER_ERROR_NO_ACCESS_TOKEN, .mentions = "access token" },
  { "access-token-header-injection", 200, JSON, "{\"access_token\":\"abc\\r\\nX-Evil: 1\"}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "access token", .absent = { "X-Evil" } },
  { "access-token-escaped-nul", 200, JSON, "{\"access_token\":\"abc\\u0000def\"}",
    .code = BEARER_ERROR_MALFORMED_JSON, .mentions = "NUL" },
  { "access-token-space", 200, JSON, "{\"access_token\":\"abc def\"}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "access token" },
  { "access-token-non-ascii", 200, JSON, "{\"access_token\":\"t\xc3\xb6k\xe2\x82\xacn\"}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "access token" },
  { "token-type-number", 200, JSON, "{\"access_token\":\"abc\",\"token_type\":7}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "token type" },
  { "token-type-space", 200, JSON, "{\"access_token\":\"abc\",\"token_type\":\"Bearer token\"}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "token type" },
  { "expires-in-negative", 200, JSON, "{\"access_token\":\"abc\",\"expires_in\":-5}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "expires in" },
  { "expires-in-1e308", 200, JSON, "{\"access_token\":\"abc\",\"expires_in\":1e308}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "expires in" },
  { "expires-in-huge-integer", 200, JSON, "{\"access_token\":\"abc\",\"expires_in\":99999999999999999999999}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "expires in" },
  { "expires-in-abc", 200, JSON, "{\"access_token\":\"abc\",\"expires_in\":\"abc\"}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "expires in" },
  { "expires-in-fraction", 200, JSON, "{\"access_token\":\"abc\",\"expires_in\":3.5}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "expires in" },
  { "expires-in-true", 200, JSON, "{\"access_token\":\"abc\",\"expires_in\":true}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "expires in" },
  { "refresh-token-number", 200, JSON, "{\"access_token\":\"abc\",\"refresh_token\":123}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "refresh token" },
  { "scope-object", 200, JSON, "{\"access_token\":\"abc\",\"scope\":{}}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "scope" },
  { "id-token-array", 200, JSON, "{\"access_token\":\"abc\",\"id_token\":[]}",
    .code = BEARER_ERROR_WRONG_TYPE, .mentions = "id token" },

  /* ---- errors */
  { "error-object-400", 400, JSON, "{\"error\":{\"code\":1}}",
    .code = BEARER_ERROR_HTTP_STATUS, .contains = { "400" } },
  { "invalid-grant", 400, JSON,
    "{\"error\":\"invalid_grant\",\"error_description\":\"Token has been revoked\"}",
    .code = BEARER_ERROR_INVALID_GRANT, .dead = TRUE, .oauth_code = "invalid_grant",
    .description = "Token has been revoked", .contains = { "Token has been revoked", "invalid_grant" } },
  { "invalid-client", 401, JSON,
    "{\"error\":\"invalid_client\",\"error_description\":\"Client authentication failed\"}",
    .code = BEARER_ERROR_INVALID_CLIENT, .oauth_code = "invalid_client",
    .description = "Client authentication failed", .contains = { "Client authentication failed" } },
  { "unsupported-grant-type", 400, JSON,
    "{\"error\":\"unsupported_grant_type\",\"error_description\":\"Grant type refresh_token is not enabled\"}",
    .code = BEARER_ERROR_UNSUPPORTED_GRANT_TYPE, .oauth_code = "unsupported_grant_type",
    .contains = { "Grant type refresh_token is not enabled" } },
  { "invalid-scope", 400, JSON,
    "{\"error\":\"invalid_scope\",\"error_description\":\"The requested scope is invalid: admin\"}",
    .code = BEARER_ERROR_INVALID_SCOPE, .oauth_code = "invalid_scope",
    .contains = { "The requested scope is invalid: admin" } },
  { "unauthorized-client", 400, JSON,
    "{\"error\":\"unauthorized_client\",\"error_description\":\"This client may not use refresh tokens\"}",
    .code = BEARER_ERROR_UNAUTHORIZED_CLIENT, .oauth_code = "unauthorized_client",
    .contains = { "This client may not use refresh tokens" } },
  { "temporarily-unavailable", 503, JSON,
    "{\"error\":\"temporarily_unavailable\",\"error_description\":\"Try again in 5 minutes\"}",
    .code = BEARER_ERROR_OAUTH_OTHER, .oauth_code = "temporarily_unavailable",
    .description = "Try again in 5 minutes", .contains = { "temporarily_unavailable", "Try again in 5 minutes" } },
  { "passport-invalid-request", 401, JSON,
    "{\"error\":\"invalid_request\",\"error_description\":\"The refresh token is invalid.\","
    "\"hint\":\"Token has been revoked\",\"message\":\"The refresh token is invalid.\"}",
    .code = BEARER_ERROR_INVALID_REQUEST, .dead = TRUE, .oauth_code = "invalid_request",
    .description = "The refresh token is invalid.",
    .contains = { "The refresh token is invalid.", "Token has been revoked" }, .check = check_passport },
  { "error-uri", 401, JSON,
    "{\"error\":\"invalid_client\",\"error_description\":\"Unknown client\","
    "\"error_uri\":\"https://example.com/docs/errors#invalid_client\"}",
    .code = BEARER_ERROR_INVALID_CLIENT, .oauth_code = "invalid_client", .description = "Unknown client",
    .contains = { "Unknown client" }, .check = check_error_uri },
  { "long-description", 400, JSON, .make_body = make_long_description,
    .code = BEARER_ERROR_INVALID_GRANT, .dead = TRUE, .oauth_code = "invalid_grant",
    .check = check_long_description },
  { "description-control-characters", 400, JSON,
    "{\"error\":\"invalid_grant\",\"error_description\":"
    "\"Bad\\u001b[31m red\\u001b[0m token\\u0007\\b here\\r\\nX-Injected: yes\\u009b2J end\"}",
    .code = BEARER_ERROR_INVALID_GRANT, .dead = TRUE, .oauth_code = "invalid_grant",
    .contains = { "Bad", "red", "end" }, .absent = { "[31m", "[0m" } },
  { "error-in-200", 200, JSON,
    "{\"error\":\"invalid_grant\",\"error_description\":\"The refresh token has expired\"}",
    .code = BEARER_ERROR_INVALID_GRANT, .dead = TRUE, .oauth_code = "invalid_grant",
    .description = "The refresh token has expired", .contains = { "The refresh token has expired" } },
  { "laravel-server-error", 500, JSON, "{\"message\":\"Server Error\"}",
    .code = BEARER_ERROR_HTTP_STATUS, .contains = { "Server Error", "500" }, .check = check_server_message },
  { "form-error", 400, FORM, "error=invalid_grant&error_description=Bad+token",
    .code = BEARER_ERROR_INVALID_GRANT, .dead = TRUE, .oauth_code = "invalid_grant",
    .description = "Bad token", .contains = { "Bad token" } },

  /* ---- strings that are not UTF-8 once decoded (issue 8, item 5): refused
   * before anything is stored, or, in an error, shown cleaned */
  { "refresh-token-lone-surrogate", 200, JSON,
    "{\"access_token\":\"abc\",\"refresh_token\":\"rt-\\ud800-new\",\"expires_in\":3600}",
    .code = BEARER_ERROR_MALFORMED_JSON, .mentions = "refresh token", .contains = { "UTF-8" } },
  { "scope-lone-surrogate", 200, JSON, "{\"access_token\":\"abc\",\"scope\":\"read\\udfff write\"}",
    .code = BEARER_ERROR_MALFORMED_JSON, .mentions = "scope" },
  { "extra-field-lone-surrogate", 200, JSON,
    "{\"access_token\":\"abc\",\"user\":{\"name\":\"x\\ud800y\"}}",
    .code = BEARER_ERROR_MALFORMED_JSON, .mentions = "user" },
  { "form-refresh-token-not-utf8", 200, FORM, "access_token=abc&refresh_token=rt%ED%A0%80new",
    .code = BEARER_ERROR_MALFORMED_JSON, .mentions = "refresh token" },
  { "form-refresh-token-nul", 200, FORM, "access_token=abc&refresh_token=rt%00new",
    .code = BEARER_ERROR_MALFORMED_JSON, .mentions = "refresh token" },
  { "description-lone-surrogate", 400, JSON,
    "{\"error\":\"invalid_grant\",\"error_description\":\"Jeton r\\ud800voqu\\u00e9\"}",
    .code = BEARER_ERROR_INVALID_GRANT, .dead = TRUE, .oauth_code = "invalid_grant",
    .contains = { "Jeton r" }, .check = check_description_utf8 },

  /* ---- the transport's part */
  { "redirect", 302, "text/html", "<html><title>Found</title></html>", .redirect = TRUE,
    .code = BEARER_ERROR_REDIRECT, .check = check_redirect },
  { "redirect-307", 307, NULL, "", .redirect = TRUE, .code = BEARER_ERROR_REDIRECT, .check = check_redirect },
  { "redirect-without-location", 302, "text/plain", "moved", .code = BEARER_ERROR_REDIRECT,
    .contains = { "302" }, .check = check_no_location },

  /* ---- the debug log */
  { "debug-log-refresh-token-across-4096", 200, JSON, .make_body = make_refresh_token_across_4096,
    .capture_log = TRUE, .code = EXPECT_TOKEN, .check = check_log_without_refresh_token },
  { "debug-log-known-secret-across-4096", 200, JSON, .make_body = make_known_secret_across_4096,
    .capture_log = TRUE, .code = EXPECT_TOKEN, .check = check_log_without_known_secret },

  /* ---- tokens that must be understood */
  { "form-success", 200, FORM, "access_token=abc&token_type=bearer&expires_in=3600",
    .code = EXPECT_TOKEN, .check = check_form_success },
  { "form-success-text-plain", 200, "text/plain; charset=utf-8",
    "access_token=abc&token_type=bearer&expires_in=3600",
    .code = EXPECT_TOKEN, .check = check_form_success },
  { "expires-in-string", 200, JSON, "{\"access_token\":\"abc\",\"token_type\":\"Bearer\",\"expires_in\":\"3600\"}",
    .code = EXPECT_TOKEN, .check = check_expires_in_3600 },
  { "json-charset", 200, "application/json; charset=UTF-8",
    "{\"access_token\":\"abc\",\"expires_in\":3600}", .code = EXPECT_TOKEN, .check = check_expires_in_3600 },
  { "json-no-content-type", 200, NULL, "{\"access_token\":\"abc\",\"expires_in\":3600}",
    .code = EXPECT_TOKEN, .check = check_expires_in_3600 },
  { "json-chunked", 200, JSON, "{\"access_token\":\"abc\",\"expires_in\":3600}", .chunked = TRUE,
    .code = EXPECT_TOKEN, .check = check_expires_in_3600 },
  { "scope-array", 200, JSON, "{\"access_token\":\"abc\",\"scope\":[\"read\",\"write\",\"profile:email\"]}",
    .code = EXPECT_TOKEN, .check = check_scope_array },
  { "unknown-nested-fields", 200, JSON,
    "{\"access_token\":\"abc\",\"user\":{\"id\":7,\"roles\":[\"admin\",\"dev\"]},"
    "\"x-tenant\":\"acme\",\"nothing\":null}",
    .code = EXPECT_TOKEN, .check = check_nested_fields },
  { "jwt-exp", 200, JSON, "{\"access_token\":\"" JWT_WITH_EXP "\",\"token_type\":\"Bearer\"}",
    .code = EXPECT_TOKEN, .check = check_jwt_exp },
  { "token-type-upper", 200, JSON, "{\"access_token\":\"abc\",\"token_type\":\"BEARER\"}",
    .code = EXPECT_TOKEN, .check = check_bearer_upper },
  { "refresh-token-kept", 200, JSON, "{\"access_token\":\"abc\",\"token_type\":\"Bearer\",\"expires_in\":3600}",
    .code = EXPECT_TOKEN, .check = check_refresh_token_kept },
  { "refresh-token-rotated", 200, JSON,
    "{\"token_type\":\"Bearer\",\"expires_in\":31536000,\"access_token\":\"abc\",\"refresh_token\":\"rt-rotated-456\"}",
    .code = EXPECT_TOKEN, .check = check_refresh_token_rotated },
  { "refresh-token-same", 200, JSON,
    "{\"access_token\":\"abc\",\"refresh_token\":\"" REQUEST_REFRESH_TOKEN "\"}",
    .code = EXPECT_TOKEN, .check = check_refresh_token_same },
  { "exactly-one-mib", 200, JSON, .make_body = make_one_mib, .code = EXPECT_TOKEN,
    .check = check_access_token_abc },
};

/* ---------------------------------------------------------------- server */

static void
server_cb (SoupServer        *server G_GNUC_UNUSED,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query G_GNUC_UNUSED,
           gpointer           user_data)
{
  Exchange *ex = user_data;
  const ReplyCase *rc = ex->rc;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  gsize length = 0;
  const char *data = g_bytes_get_data (ex->body, &length);

  ex->hits++;
  g_free (ex->method);
  ex->method = g_strdup (soup_server_message_get_method (msg));
  g_free (ex->path);
  ex->path = g_strdup (path);

  soup_server_message_set_status (msg, rc->status, NULL);
  if (rc->redirect)
    soup_message_headers_replace (headers, "Location", ex->location);
  if (rc->chunked)
    soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  if (rc->content_encoding != NULL)
    soup_message_headers_replace (headers, "Content-Encoding", rc->content_encoding);

  if (rc->content_type != NULL)
    soup_server_message_set_response (msg, rc->content_type, SOUP_MEMORY_COPY, data, length);
  else if (length > 0)
    soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_COPY, data, length);

  /* A chunked body ends only when it is said to. */
  if (rc->chunked)
    soup_message_body_complete (soup_server_message_get_response_body (msg));
}

static void
request_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Exchange *ex = user_data;

  ex->response = bearer_client_request_token_finish (BEARER_CLIENT (source), result, &ex->error);
  ex->done = TRUE;
}

static gboolean
guard_timeout_cb (gpointer user_data)
{
  Exchange *ex = user_data;

  ex->timed_out = TRUE;
  ex->done = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_reply (gconstpointer data)
{
  const ReplyCase *rc = data;
  Exchange ex = { .rc = rc };
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(BearerClient) client = NULL;
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  GSList *uris;
  guint port;
  guint guard;

  if (rc->capture_log)
    {
      g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
      captured_log = g_string_new (NULL);
      g_log_set_writer_func (capture_writer, NULL, NULL);
    }

  ex.body = rc->make_body != NULL
            ? rc->make_body ()
            : g_bytes_new_static (rc->body, rc->length != 0 ? rc->length : strlen (rc->body));

  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, server_cb, &ex, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  g_assert_nonnull (uris);
  port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  url = g_strdup_printf ("http://127.0.0.1:%u/token", port);
  ex.location = g_strdup_printf ("http://127.0.0.1:%u/elsewhere", port);

  request = bearer_token_request_new (BEARER_GRANT_REFRESH_TOKEN, url);
  bearer_token_request_set_client (request, "test-client", "test-secret");
  bearer_token_request_set_client_auth (request, BEARER_CLIENT_AUTH_POST);
  bearer_token_request_set_refresh_token (request, REQUEST_REFRESH_TOKEN);
  bearer_token_request_set_timeout (request, 10);

  client = bearer_client_new ();
  ex.before = g_get_real_time () / G_USEC_PER_SEC;
  bearer_client_request_token_async (client, request, NULL, request_done_cb, &ex);
  guard = g_timeout_add_seconds (30, guard_timeout_cb, &ex);
  while (!ex.done)
    g_main_context_iteration (NULL, TRUE);
  ex.after = g_get_real_time () / G_USEC_PER_SEC + 1;
  g_assert_false (ex.timed_out);
  g_source_remove (guard);

  /* One request, as sent, and nothing followed. */
  g_assert_cmpuint (ex.hits, ==, 1);
  g_assert_cmpstr (ex.method, ==, "POST");
  g_assert_cmpstr (ex.path, ==, "/token");

  if (rc->code == EXPECT_TOKEN)
    {
      g_assert_no_error (ex.error);
      g_assert_nonnull (ex.response);
    }
  else
    {
      g_assert_null (ex.response);
      g_assert_nonnull (ex.error);
      note ("%s %d: %s", g_quark_to_string (ex.error->domain), ex.error->code, ex.error->message);
      g_assert_error (ex.error, BEARER_ERROR, rc->code);
      assert_clean_message (ex.error->message);

      g_assert_cmpuint (bearer_error_get_http_status (ex.error), ==, rc->status);
      g_assert_cmpint (bearer_error_is_dead_refresh_token (ex.error), ==, rc->dead);
      g_assert_cmpstr (bearer_error_get_oauth_code (ex.error), ==, rc->oauth_code);
      if (rc->description != NULL)
        g_assert_cmpstr (bearer_error_get_description (ex.error), ==, rc->description);
      for (guint i = 0; i < G_N_ELEMENTS (rc->contains) && rc->contains[i] != NULL; i++)
        assert_contains (ex.error->message, rc->contains[i]);
      for (guint i = 0; i < G_N_ELEMENTS (rc->absent) && rc->absent[i] != NULL; i++)
        assert_not_contains (ex.error->message, rc->absent[i]);
      if (rc->mentions != NULL)
        assert_mentions (ex.error->message, rc->mentions);
    }

  if (rc->check != NULL)
    rc->check (&ex);

  soup_server_disconnect (server);
  g_clear_object (&ex.response);
  g_clear_error (&ex.error);
  g_clear_pointer (&ex.body, g_bytes_unref);
  g_free (ex.location);
  g_free (ex.method);
  g_free (ex.path);
}

/* Each case runs in a process of its own: a failed assertion or a crash in
 * one is reported for that case, and every other case still runs. */
static void
run_isolated (gconstpointer data)
{
  if (g_test_subprocess ())
    {
      test_reply (data);
      return;
    }

  g_test_set_nonfatal_assertions ();
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (reply_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/bearer/replies/%s", reply_cases[i].name);

      g_test_add_data_func (path, &reply_cases[i], run_isolated);
    }

  return g_test_run ();
}
