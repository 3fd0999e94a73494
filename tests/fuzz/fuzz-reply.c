/* fuzz-reply.c: the token-reply parser, with any status, content type,
 * grant and body
 *
 * The input: byte 0 picks the HTTP status, byte 1 the content type, byte 2
 * the grant; the rest is the body. With the content type "from the input",
 * the body's first line (up to 100 bytes) is the content type and the rest
 * the body.
 *
 * Properties:
 *  - a token: a non-empty access token of visible ASCII; the token type,
 *    refresh token, scope, id_token and every field (names and strings, at
 *    any depth) valid UTF-8; an expiry from expires_in within 100 years;
 *    the Authorization header and the redacted body valid UTF-8, and the
 *    redacted body free of the access, refresh and ID tokens;
 *  - an error: a BEARER_ERROR whose message is a non-empty sentence of
 *    valid UTF-8 without control characters, and whose server fields are
 *    valid UTF-8.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "bearer-error.h"
#include "bearer-redact.h"
#include "bearer-token-response.h"

#include "fuzz-common.h"

#define NOW G_GINT64_CONSTANT (1700000000)

static const guint statuses[] = {
  200, 200, 200, 200, 201, 202, 203, 204, 206, 299,
  400, 400, 401, 401, 403, 404, 405, 429, 500, 502, 503, 504, 599,
  0, 1, 100, 101, 199, 300, 301, 302, 303, 304, 307, 308, 399, 600, 999, G_MAXUINT,
};

/* NULL: no Content-Type; FROM_INPUT: the body's first line. */
#define FROM_INPUT "(from the input)"
static const char * const content_types[] = {
  "application/json",
  "application/json; charset=utf-8",
  "application/x-www-form-urlencoded",
  "text/html",
  "text/plain",
  NULL,
  "application/problem+json",
  "text/plain; charset=utf-8",
  "application/xhtml+xml",
  "text/json",
  "application/octet-stream",
  FROM_INPUT,
};

static const BearerGrantType grants[] = {
  BEARER_GRANT_REFRESH_TOKEN,
  BEARER_GRANT_CLIENT_CREDENTIALS,
  BEARER_GRANT_PASSWORD,
  BEARER_GRANT_AUTHORIZATION_CODE,
};

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  bearer_fuzz_init ();
  return 0;
}

static gboolean
is_visible_ascii (const char *text)
{
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    if (*p < 0x21 || *p > 0x7e)
      return FALSE;
  return TRUE;
}

static void
assert_secret_masked (const char *redacted,
                      const char *secret)
{
  /* The redactor's promise: a secret that is not part of the mask itself. */
  if (secret == NULL || *secret == '\0' || strstr (BEARER_REDACTED, secret) != NULL)
    return;
  g_assert_null (strstr (redacted, secret));
}

static void
check_token (BearerTokenResponse *response)
{
  const char *access_token = bearer_token_response_get_access_token (response);
  const char *refresh_token = bearer_token_response_get_refresh_token (response);
  const char *id_token = bearer_token_response_get_id_token (response);
  JsonObject *fields = bearer_token_response_get_fields (response);
  g_autoptr(JsonNode) fields_node = NULL;
  g_autofree char *header = NULL;
  g_autofree char *redacted = NULL;
  gint64 expires_at;

  g_assert_nonnull (access_token);
  g_assert_cmpuint (strlen (access_token), >, 0);
  g_assert_true (is_visible_ascii (access_token));

  g_assert_nonnull (bearer_token_response_get_token_type (response));
  bearer_fuzz_assert_utf8 (bearer_token_response_get_token_type (response));
  bearer_fuzz_assert_utf8 (refresh_token);
  g_assert_true (refresh_token == NULL || *refresh_token != '\0');
  g_assert_true (bearer_token_response_get_refresh_token_issued (response) == (refresh_token != NULL));
  bearer_fuzz_assert_utf8 (bearer_token_response_get_scope (response));
  bearer_fuzz_assert_utf8 (id_token);

  g_assert_nonnull (fields);
  fields_node = json_node_init_object (json_node_alloc (), fields);
  g_assert_true (bearer_fuzz_json_is_utf8 (fields_node));

  expires_at = bearer_token_response_get_expires_at (response);
  switch (bearer_token_response_get_expiry_source (response))
    {
    case BEARER_EXPIRY_EXPIRES_IN:
      g_assert_cmpint (expires_at, >=, NOW);
      g_assert_cmpint (expires_at, <=, NOW + BEARER_MAX_EXPIRES_IN);
      break;
    case BEARER_EXPIRY_JWT_EXP:
      g_assert_cmpint (expires_at, >, 0);
      break;
    case BEARER_EXPIRY_UNKNOWN:
    default:
      g_assert_cmpint (expires_at, ==, 0);
      break;
    }

  header = bearer_token_response_dup_authorization_header (response);
  bearer_fuzz_assert_utf8 (header);

  redacted = bearer_token_response_dup_redacted_body (response);
  g_assert_nonnull (redacted);
  bearer_fuzz_assert_utf8 (redacted);
  assert_secret_masked (redacted, access_token);
  assert_secret_masked (redacted, refresh_token);
  assert_secret_masked (redacted, id_token);

  /* What the client does after a refresh. */
  bearer_token_response_keep_refresh_token (response, "previous-refresh-token");
  g_assert_nonnull (bearer_token_response_get_refresh_token (response));
  bearer_fuzz_assert_utf8 (bearer_token_response_get_refresh_token (response));
}

static void
check_error (const GError *error,
             guint         status)
{
  g_assert_nonnull (error);
  g_assert_true (error->domain == BEARER_ERROR);
  bearer_fuzz_assert_message (error->message);
  g_assert_cmpuint (bearer_error_get_http_status (error), ==, status);
  bearer_fuzz_assert_utf8 (bearer_error_get_oauth_code (error));
  bearer_fuzz_assert_utf8 (bearer_error_get_description (error));
  bearer_fuzz_assert_utf8 (bearer_error_get_uri (error));
  bearer_fuzz_assert_utf8 (bearer_error_get_hint (error));
  bearer_fuzz_assert_utf8 (bearer_error_get_server_message (error));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *content_type = NULL;
  const char *rest;
  gsize rest_size;
  guint status;
  BearerGrantType grant;

  if (size < 3)
    return 0;

  status = statuses[data[0] % G_N_ELEMENTS (statuses)];
  grant = grants[data[2] % G_N_ELEMENTS (grants)];
  rest = (const char *) data + 3;
  rest_size = size - 3;

  content_type = g_strdup (content_types[data[1] % G_N_ELEMENTS (content_types)]);
  if (g_strcmp0 (content_type, FROM_INPUT) == 0)
    {
      const char *nl = memchr (rest, '\n', MIN (rest_size, 100));
      gsize line = nl != NULL ? (gsize) (nl - rest) : MIN (rest_size, 100);

      g_free (content_type);
      content_type = g_strndup (rest, line);
      rest += MIN (rest_size, line + 1);
      rest_size -= MIN (rest_size, line + 1);
    }

  /* A copy of exactly the body's bytes, so ASan sees any read past it. */
  body = g_bytes_new (rest, rest_size);
  response = bearer_token_response_parse (status, content_type, body, grant, NOW, &error);

  if (response != NULL)
    {
      g_assert_no_error (error);
      g_assert_true (status >= 200 && status < 400);
      check_token (response);
    }
  else
    check_error (error, status);

  return 0;
}
