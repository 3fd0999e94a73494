/* bearer-test-server.c: an in-process token endpoint for the tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The emulations follow the servers' own code, as summarised in
 * HARNESS.md:
 *
 * PASSPORT: league/oauth2-server 8.5 behind Laravel Passport.
 *   AbstractGrant::getBasicAuthCredentials() base64-decodes the header and
 *   splits it at the first ':' with no URL-decoding; getRequestParameter()
 *   prefers the body over the header. Laravel parses form and JSON bodies.
 *   RefreshTokenGrant revokes the old refresh token on every use; a revoked
 *   one is OAuthServerException::invalidRefreshToken('Token has been revoked'),
 *   i.e. 401 invalid_request "The refresh token is invalid."; a token that
 *   was never issued cannot be decrypted ('Cannot decrypt the refresh token').
 *   Error bodies are {error, error_description, hint?, message}.
 * OIDC: node oidc-provider 8, client_secret_basic, rotateRefreshToken.
 *   The Authorization header is split at the first ':' and each side goes
 *   through decodeURIComponent(s.replace(/\+/g, '%20')); reusing a consumed
 *   refresh token revokes the whole grant. Errors are {error,
 *   error_description}; InvalidClient always says "client authentication
 *   failed" with 401.
 * LOWERCASE: a loose server seen in the wild.
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "bearer-test-server.h"

#define PASSPORT_EXPIRES_IN 31536000
#define OIDC_EXPIRES_IN 3600
#define OIDC_CC_EXPIRES_IN 600
#define LOWERCASE_JWT_LIFETIME 7200

typedef struct {
  guint     status;
  char     *content_type;
  GBytes   *body;
  GPtrArray *headers; /* name, value, name, value, … */
  gboolean  chunked;
  gboolean  used;
} ScriptedReply;

struct _BearerTestServer {
  GTlsCertificate     *client_ca;      /* client certificates: see set_client_certificates() */
  GPtrArray           *known_clients;
  gulong               request_started_id;
  BearerTestServerMode mode;
  SoupServer          *server;
  gboolean             https;
  guint                port;

  guint                request_count;
  BearerTestRequest   *last;

  GQueue               script;

  char                *client_id;
  char                *client_secret;
  char                *username;
  char                *password;
  /* The valid refresh token; NULL when there is none. */
  char                *refresh_token;
  /* Every refresh token ever issued or set (PASSPORT: those not valid now
   * are revoked; OIDC: those of a grant, consumed or revoked). */
  GHashTable          *issued_refresh_tokens;
  gboolean             rotate;
  BearerTestOidcAuth   oidc_auth;
  gboolean             jwt_access_tokens;
  char                *last_access_token;
  gint64               last_access_token_exp;
  guint                serial;
};

static void
scripted_reply_free (ScriptedReply *reply)
{
  g_free (reply->content_type);
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_clear_pointer (&reply->headers, g_ptr_array_unref);
  g_free (reply);
}

static void
test_request_free (BearerTestRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->method);
  g_free (request->path);
  g_free (request->query);
  g_clear_pointer (&request->headers, soup_message_headers_unref);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_clear_object (&request->peer_certificate);
  g_free (request);
}

/* ---------------------------------------------------------------------- */
/* Small helpers                                                          */

static char *
base64url_encode (const guchar *data,
                  gsize         length)
{
  char *text = g_base64_encode (data, length);
  char *p;
  gsize n;

  for (p = text; *p != '\0'; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
    }
  n = strlen (text);
  while (n > 0 && text[n - 1] == '=')
    text[--n] = '\0';

  return text;
}

static char *
random_hex (gsize bytes)
{
  GString *out = g_string_new (NULL);
  gsize i;

  for (i = 0; i < bytes; i++)
    g_string_append_printf (out, "%02x", g_random_int_range (0, 256));

  return g_string_free (out, FALSE);
}

static char *
random_base64url (gsize bytes)
{
  g_autofree guchar *data = g_malloc (bytes);
  gsize i;

  for (i = 0; i < bytes; i++)
    data[i] = (guchar) g_random_int_range (0, 256);

  return base64url_encode (data, bytes);
}

char *
bearer_test_make_jwt (const char *payload_json)
{
  static const char header[] = "{\"typ\":\"JWT\",\"alg\":\"RS256\"}";
  g_autofree char *h = base64url_encode ((const guchar *) header, strlen (header));
  g_autofree char *p = base64url_encode ((const guchar *) payload_json, strlen (payload_json));
  g_autofree char *s = random_base64url (64);

  return g_strconcat (h, ".", p, ".", s, NULL);
}

/* PHP parse_str / WHATWG form decoding: '+' is a space, %XX a byte; a bad
 * '%' sequence stays as it is. */
static char *
form_decode_component (const char *text,
                       gssize      length)
{
  GString *out = g_string_new (NULL);
  gssize i;

  if (length < 0)
    length = strlen (text);

  for (i = 0; i < length; i++)
    {
      if (text[i] == '+')
        g_string_append_c (out, ' ');
      else if (text[i] == '%' && i + 2 < length &&
               g_ascii_isxdigit (text[i + 1]) && g_ascii_isxdigit (text[i + 2]))
        {
          g_string_append_c (out, (char) (g_ascii_xdigit_value (text[i + 1]) * 16 +
                                          g_ascii_xdigit_value (text[i + 2])));
          i += 2;
        }
      else
        g_string_append_c (out, text[i]);
    }

  return g_string_free (out, FALSE);
}

static GHashTable *
form_decode (const char *text,
             gsize       length,
             gboolean   *duplicates)
{
  GHashTable *params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *copy = g_strndup (text, length);
  g_auto(GStrv) pairs = g_strsplit (copy, "&", -1);
  guint i;

  *duplicates = FALSE;
  for (i = 0; pairs[i] != NULL; i++)
    {
      const char *eq;
      char *name;
      char *value;

      if (pairs[i][0] == '\0')
        continue;
      eq = strchr (pairs[i], '=');
      if (eq != NULL)
        {
          name = form_decode_component (pairs[i], eq - pairs[i]);
          value = form_decode_component (eq + 1, -1);
        }
      else
        {
          name = form_decode_component (pairs[i], -1);
          value = g_strdup ("");
        }
      if (g_hash_table_contains (params, name))
        *duplicates = TRUE;
      g_hash_table_replace (params, name, value);
    }

  return params;
}

static GHashTable *
json_decode (GBytes *body)
{
  GHashTable *params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize length;
  const char *data = g_bytes_get_data (body, &length);
  JsonNode *root;
  JsonObject *object;
  g_autoptr(GList) members = NULL;
  GList *l;

  if (length == 0 || !json_parser_load_from_data (parser, data, length, NULL))
    return params;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return params;

  object = json_node_get_object (root);
  members = json_object_get_members (object);
  for (l = members; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (object, l->data);

      if (JSON_NODE_HOLDS_VALUE (node))
        {
          GValue value = G_VALUE_INIT;
          GValue text = G_VALUE_INIT;

          json_node_get_value (node, &value);
          g_value_init (&text, G_TYPE_STRING);
          if (g_value_transform (&value, &text))
            g_hash_table_replace (params, g_strdup (l->data), g_value_dup_string (&text));
          g_value_unset (&value);
          g_value_unset (&text);
        }
    }

  return params;
}

static char *
request_media_type (SoupServerMessage *msg)
{
  const char *type;

  type = soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg),
                                                NULL);
  return type != NULL ? g_ascii_strdown (type, -1) : NULL;
}

static void
reply_json (SoupServerMessage *msg,
            guint              status,
            const char        *content_type,
            JsonBuilder       *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  gsize length;
  char *text;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_TAKE, text, length);
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

/* ---------------------------------------------------------------------- */
/* Recording                                                              */

static void
record_request (BearerTestServer  *self,
                SoupServerMessage *msg)
{
  BearerTestRequest *request = g_new0 (BearerTestRequest, 1);
  GUri *uri = soup_server_message_get_uri (msg);
  SoupMessageHeadersIter iter;
  const char *name;
  const char *value;

  request->method = g_strdup (soup_server_message_get_method (msg));
  request->path = g_strdup (g_uri_get_path (uri));
  request->query = g_strdup (g_uri_get_query (uri));
  request->headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  soup_message_headers_iter_init (&iter, soup_server_message_get_request_headers (msg));
  while (soup_message_headers_iter_next (&iter, &name, &value))
    soup_message_headers_append (request->headers, name, value);
  request->body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  if (soup_server_message_get_tls_peer_certificate (msg) != NULL)
    request->peer_certificate = g_object_ref (soup_server_message_get_tls_peer_certificate (msg));

  test_request_free (self->last);
  self->last = request;
  self->request_count++;
}

/* ---------------------------------------------------------------------- */
/* SCRIPTED                                                               */

static void
handle_scripted (BearerTestServer  *self,
                 SoupServerMessage *msg)
{
  ScriptedReply *reply;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  guint i;

  if (g_queue_is_empty (&self->script))
    bearer_test_server_script (self, SOUP_STATUS_OK, "application/json",
                               "{\"access_token\":\"scripted-access-token\","
                               "\"token_type\":\"Bearer\"}");

  /* Replies are used in the order queued; the last one stays for more. */
  reply = g_queue_peek_head (&self->script);
  while (reply->used && g_queue_get_length (&self->script) > 1)
    {
      scripted_reply_free (g_queue_pop_head (&self->script));
      reply = g_queue_peek_head (&self->script);
    }
  reply->used = TRUE;

  soup_server_message_set_status (msg, reply->status, NULL);
  /* Set by hand: soup_server_message_set_response() warns about a content
   * type without '/', and a script may want exactly that. */
  if (reply->content_type != NULL)
    soup_message_headers_replace (headers, "Content-Type", reply->content_type);
  for (i = 0; i + 1 < reply->headers->len; i += 2)
    soup_message_headers_append (headers,
                                 g_ptr_array_index (reply->headers, i),
                                 g_ptr_array_index (reply->headers, i + 1));
  if (reply->chunked)
    soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_body_truncate (body);
  if (g_bytes_get_size (reply->body) > 0)
    soup_message_body_append_bytes (body, reply->body);
  if (!reply->chunked)
    soup_message_headers_set_content_length (headers, g_bytes_get_size (reply->body));
  soup_message_body_complete (body);
}

/* ---------------------------------------------------------------------- */
/* Tokens                                                                 */

static char *
issue_refresh_token (BearerTestServer *self,
                     const char       *prefix)
{
  g_autofree char *random = random_hex (16);
  char *token = g_strdup_printf ("%s%u%s", prefix, ++self->serial, random);

  g_hash_table_add (self->issued_refresh_tokens, g_strdup (token));
  g_free (self->refresh_token);
  self->refresh_token = g_strdup (token);

  return token;
}

static void
remember_access_token (BearerTestServer *self,
                       const char       *token,
                       gint64            exp)
{
  g_free (self->last_access_token);
  self->last_access_token = g_strdup (token);
  self->last_access_token_exp = exp;
}

/* lcobucci/jwt 4 as league 8.5 uses it: iat, nbf and exp carry microseconds. */
static char *
passport_access_token (BearerTestServer *self)
{
  gint64 now = g_get_real_time ();
  gint64 exp = now / G_USEC_PER_SEC + PASSPORT_EXPIRES_IN;
  int micro = (int) (now % G_USEC_PER_SEC);
  g_autofree char *jti = random_hex (40);
  g_autoptr(JsonNode) aud = json_node_init_string (json_node_alloc (), self->client_id);
  g_autofree char *aud_json = json_to_string (aud, FALSE);
  g_autofree char *payload = NULL;
  char *token;

  payload = g_strdup_printf ("{\"aud\":%s,\"jti\":\"%s\","
                             "\"iat\":%" G_GINT64_FORMAT ".%06d,"
                             "\"nbf\":%" G_GINT64_FORMAT ".%06d,"
                             "\"exp\":%" G_GINT64_FORMAT ".%06d,"
                             "\"sub\":\"1\",\"scopes\":[]}",
                             aud_json, jti,
                             now / G_USEC_PER_SEC, micro,
                             now / G_USEC_PER_SEC, micro,
                             exp, micro);
  token = bearer_test_make_jwt (payload);
  remember_access_token (self, token, exp);

  return token;
}

static char *
oidc_id_token (BearerTestServer *self)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *url = bearer_test_server_get_url (self, "");

  json_builder_begin_object (builder);
  add_string (builder, "sub", "alice");
  add_string (builder, "aud", self->client_id);
  add_int (builder, "exp", now + OIDC_EXPIRES_IN);
  add_int (builder, "iat", now);
  add_string (builder, "iss", url);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  payload = json_generator_to_data (generator, NULL);

  return bearer_test_make_jwt (payload);
}

/* ---------------------------------------------------------------------- */
/* PASSPORT                                                               */

static void
passport_error (SoupServerMessage *msg,
                guint              status,
                const char        *error,
                const char        *description,
                const char        *hint,
                gboolean           basic_header)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_string (builder, "error", error);
  add_string (builder, "error_description", description);
  if (hint != NULL)
    add_string (builder, "hint", hint);
  add_string (builder, "message", description);
  json_builder_end_object (builder);

  if (basic_header)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  "WWW-Authenticate", "Basic realm=\"OAuth\"");
  reply_json (msg, status, "application/json", builder);
}

static void
passport_invalid_request (SoupServerMessage *msg,
                          const char        *parameter,
                          const char        *hint)
{
  g_autofree char *check = g_strdup_printf ("Check the `%s` parameter", parameter);

  passport_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                  "The request is missing a required parameter, includes an invalid "
                  "parameter value, includes a parameter more than once, or is "
                  "otherwise malformed.",
                  hint != NULL ? hint : check, FALSE);
}

static void
passport_invalid_refresh_token (SoupServerMessage *msg,
                                const char        *hint)
{
  passport_error (msg, SOUP_STATUS_UNAUTHORIZED, "invalid_request",
                  "The refresh token is invalid.", hint, FALSE);
}

static void
passport_token (BearerTestServer  *self,
                SoupServerMessage *msg,
                gboolean           with_refresh_token)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *access_token = passport_access_token (self);

  json_builder_begin_object (builder);
  add_string (builder, "token_type", "Bearer");
  add_int (builder, "expires_in", PASSPORT_EXPIRES_IN);
  add_string (builder, "access_token", access_token);
  if (with_refresh_token)
    {
      g_autofree char *refresh_token = issue_refresh_token (self, "def50200");

      add_string (builder, "refresh_token", refresh_token);
    }
  json_builder_end_object (builder);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "pragma", "no-cache");
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "cache-control", "no-store");
  reply_json (msg, SOUP_STATUS_OK, "application/json; charset=UTF-8", builder);
}

/* Laravel: a JSON body when the type says json, a form body when it says
 * so, else nothing (PHP parses nothing else). */
static GHashTable *
laravel_params (SoupServerMessage *msg,
                GBytes            *body)
{
  g_autofree char *type = request_media_type (msg);
  gsize length;
  const char *data = g_bytes_get_data (body, &length);
  gboolean duplicates;

  if (type != NULL && (strstr (type, "/json") != NULL || strstr (type, "+json") != NULL))
    return json_decode (body);
  if (type != NULL && strcmp (type, "application/x-www-form-urlencoded") == 0)
    return form_decode (data != NULL ? data : "", length, &duplicates);

  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static void
handle_passport (BearerTestServer  *self,
                 SoupServerMessage *msg)
{
  g_autoptr(GHashTable) params = laravel_params (msg, self->last->body);
  const char *authorization = soup_message_headers_get_one (self->last->headers, "Authorization");
  g_autofree char *basic_user = NULL;
  g_autofree char *basic_password = NULL;
  const char *grant_type = g_hash_table_lookup (params, "grant_type");
  const char *client_id;
  const char *client_secret;

  /* getBasicAuthCredentials(): no URL-decoding at all. */
  if (authorization != NULL && g_str_has_prefix (authorization, "Basic "))
    {
      gsize length;
      g_autofree guchar *decoded = g_base64_decode (authorization + 6, &length);
      g_autofree char *text = g_strndup ((const char *) decoded, length);
      const char *colon = strchr (text, ':');

      if (length > 0 && colon != NULL)
        {
          basic_user = g_strndup (text, colon - text);
          basic_password = g_strdup (colon + 1);
        }
    }

  if (g_strcmp0 (grant_type, "refresh_token") != 0 &&
      g_strcmp0 (grant_type, "client_credentials") != 0 &&
      g_strcmp0 (grant_type, "password") != 0 &&
      g_strcmp0 (grant_type, "authorization_code") != 0)
    {
      passport_error (msg, SOUP_STATUS_BAD_REQUEST, "unsupported_grant_type",
                      "The authorization grant type is not supported by the "
                      "authorization server.",
                      "Check that all required parameters have been provided", FALSE);
      return;
    }

  /* validateClient(): the body wins over the header. */
  client_id = g_hash_table_lookup (params, "client_id");
  if (client_id == NULL)
    client_id = basic_user;
  if (client_id == NULL)
    {
      passport_invalid_request (msg, "client_id", NULL);
      return;
    }
  client_secret = g_hash_table_lookup (params, "client_secret");
  if (client_secret == NULL)
    client_secret = basic_password;
  if (g_strcmp0 (client_id, self->client_id) != 0 ||
      g_strcmp0 (client_secret, self->client_secret) != 0)
    {
      passport_error (msg, SOUP_STATUS_UNAUTHORIZED, "invalid_client",
                      "Client authentication failed", NULL,
                      authorization != NULL && g_str_has_prefix (authorization, "Basic"));
      return;
    }

  if (g_strcmp0 (grant_type, "refresh_token") == 0)
    {
      const char *refresh_token = g_hash_table_lookup (params, "refresh_token");

      if (refresh_token == NULL)
        passport_invalid_request (msg, "refresh_token", NULL);
      else if (!g_hash_table_contains (self->issued_refresh_tokens, refresh_token))
        passport_invalid_refresh_token (msg, "Cannot decrypt the refresh token");
      else if (g_strcmp0 (refresh_token, self->refresh_token) != 0)
        passport_invalid_refresh_token (msg, "Token has been revoked");
      else
        passport_token (self, msg, TRUE); /* revokes the old one */
    }
  else if (g_strcmp0 (grant_type, "client_credentials") == 0)
    passport_token (self, msg, FALSE);
  else if (g_strcmp0 (grant_type, "password") == 0)
    {
      const char *username = g_hash_table_lookup (params, "username");
      const char *password = g_hash_table_lookup (params, "password");

      if (username == NULL)
        passport_invalid_request (msg, "username", NULL);
      else if (password == NULL)
        passport_invalid_request (msg, "password", NULL);
      else if (g_strcmp0 (username, self->username) != 0 ||
               g_strcmp0 (password, self->password) != 0)
        passport_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant",
                        "The user credentials were incorrect.", NULL, FALSE);
      else
        passport_token (self, msg, TRUE);
    }
  else
    passport_invalid_request (msg, "code", "Cannot decrypt the authorization code");
}

/* ---------------------------------------------------------------------- */
/* OIDC                                                                   */

static void
oidc_error (SoupServerMessage *msg,
            guint              status,
            const char        *error,
            const char        *description)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_string (builder, "error", error);
  add_string (builder, "error_description", description);
  json_builder_end_object (builder);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "no-store");
  reply_json (msg, status, "application/json; charset=utf-8", builder);
}

/* decodeURIComponent(s.replace(/\+/g, '%20')): FALSE where it would throw
 * (a '%' not followed by two hex digits, or bytes that are not UTF-8). */
static gboolean
oidc_decode_auth_token (const char  *text,
                        char       **decoded)
{
  GString *out = g_string_new (NULL);
  const char *p;

  for (p = text; *p != '\0'; p++)
    {
      if (*p == '+')
        g_string_append_c (out, ' ');
      else if (*p == '%')
        {
          if (!g_ascii_isxdigit (p[1]) || !g_ascii_isxdigit (p[2]))
            {
              g_string_free (out, TRUE);
              return FALSE;
            }
          g_string_append_c (out, (char) (g_ascii_xdigit_value (p[1]) * 16 +
                                          g_ascii_xdigit_value (p[2])));
          p += 2;
        }
      else
        g_string_append_c (out, *p);
    }

  if (!g_utf8_validate (out->str, out->len, NULL))
    {
      g_string_free (out, TRUE);
      return FALSE;
    }

  *decoded = g_string_free (out, FALSE);
  return TRUE;
}

static void
oidc_token (BearerTestServer  *self,
            SoupServerMessage *msg,
            const char        *refresh_token)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *access_token = random_base64url (32);

  remember_access_token (self, access_token, 0);

  json_builder_begin_object (builder);
  add_string (builder, "access_token", access_token);
  if (refresh_token != NULL)
    {
      g_autofree char *id_token = oidc_id_token (self);

      add_int (builder, "expires_in", OIDC_EXPIRES_IN);
      add_string (builder, "id_token", id_token);
      add_string (builder, "refresh_token", refresh_token);
      add_string (builder, "scope", "openid offline_access");
    }
  else
    add_int (builder, "expires_in", OIDC_CC_EXPIRES_IN);
  add_string (builder, "token_type", "Bearer");
  json_builder_end_object (builder);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "no-store");
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Pragma", "no-cache");
  reply_json (msg, SOUP_STATUS_OK, "application/json; charset=utf-8", builder);
}

static void
handle_oidc (BearerTestServer  *self,
             SoupServerMessage *msg)
{
  g_autofree char *type = request_media_type (msg);
  g_autoptr(GHashTable) params = NULL;
  const char *authorization = soup_message_headers_get_one (self->last->headers, "Authorization");
  g_autofree char *client_id = NULL;
  g_autofree char *client_secret = NULL;
  BearerTestOidcAuth method;
  const char *grant_type;
  gboolean duplicates;
  gsize length;
  const char *data;

  if (g_strcmp0 (type, "application/x-www-form-urlencoded") != 0)
    {
      oidc_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                  "only application/x-www-form-urlencoded content-type bodies are "
                  "supported on POST /token");
      return;
    }
  data = g_bytes_get_data (self->last->body, &length);
  params = form_decode (data != NULL ? data : "", length, &duplicates);
  if (duplicates)
    {
      oidc_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                  "parameters must not be provided twice");
      return;
    }

  if (authorization != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (authorization, " ", -1);
      g_autofree guchar *decoded = NULL;
      g_autofree char *basic = NULL;
      const char *colon;
      gsize decoded_length;

      if (g_strv_length (parts) != 2 || g_ascii_strcasecmp (parts[0], "basic") != 0)
        {
          oidc_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                      "invalid authorization header value format");
          return;
        }
      decoded = g_base64_decode (parts[1], &decoded_length);
      basic = g_strndup ((const char *) decoded, decoded_length);
      colon = strchr (basic, ':');
      if (colon == NULL)
        {
          oidc_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                      "invalid authorization header value format");
          return;
        }
      {
        g_autofree char *left = g_strndup (basic, colon - basic);

        if (!oidc_decode_auth_token (left, &client_id) ||
            !oidc_decode_auth_token (colon + 1, &client_secret))
          {
            oidc_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                        "client_id and client_secret in the authorization header are "
                        "not properly encoded");
            return;
          }
      }
      if (g_hash_table_contains (params, "client_id") &&
          g_strcmp0 (g_hash_table_lookup (params, "client_id"), client_id) != 0)
        {
          oidc_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                      "mismatch in body and authorization client ids");
          return;
        }
      if (client_secret[0] == '\0')
        {
          oidc_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                      "client_secret must be provided in the Authorization header");
          return;
        }
      if (g_hash_table_contains (params, "client_secret"))
        {
          oidc_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                      "client authentication must only be provided using one mechanism");
          return;
        }
      method = BEARER_TEST_OIDC_AUTH_CLIENT_SECRET_BASIC;
    }
  else if (g_hash_table_contains (params, "client_id"))
    {
      client_id = g_strdup (g_hash_table_lookup (params, "client_id"));
      client_secret = g_strdup (g_hash_table_lookup (params, "client_secret"));
      method = client_secret != NULL ? BEARER_TEST_OIDC_AUTH_CLIENT_SECRET_POST
                                     : BEARER_TEST_OIDC_AUTH_NONE;
    }
  else
    {
      oidc_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                  "no client authentication mechanism provided");
      return;
    }

  if (g_strcmp0 (client_id, self->client_id) != 0 ||
      method != self->oidc_auth ||
      (method != BEARER_TEST_OIDC_AUTH_NONE &&
       g_strcmp0 (client_secret, self->client_secret) != 0))
    {
      oidc_error (msg, SOUP_STATUS_UNAUTHORIZED, "invalid_client",
                  "client authentication failed");
      return;
    }

  grant_type = g_hash_table_lookup (params, "grant_type");
  if (grant_type == NULL)
    oidc_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                "missing required parameter 'grant_type'");
  else if (strcmp (grant_type, "refresh_token") == 0)
    {
      const char *refresh_token = g_hash_table_lookup (params, "refresh_token");

      if (refresh_token == NULL || refresh_token[0] == '\0')
        oidc_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                    "missing required parameter 'refresh_token'");
      else if (self->refresh_token != NULL && strcmp (refresh_token, self->refresh_token) == 0)
        {
          if (self->rotate)
            {
              g_autofree char *next = issue_refresh_token (self, "");

              oidc_token (self, msg, next);
            }
          else
            oidc_token (self, msg, refresh_token);
        }
      else
        {
          /* A consumed one: the whole grant dies, the newest token too. */
          if (g_hash_table_contains (self->issued_refresh_tokens, refresh_token))
            g_clear_pointer (&self->refresh_token, g_free);
          oidc_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid_grant",
                      "grant request is invalid");
        }
    }
  else if (strcmp (grant_type, "client_credentials") == 0)
    oidc_token (self, msg, NULL);
  else
    oidc_error (msg, SOUP_STATUS_BAD_REQUEST, "unsupported_grant_type",
                "unsupported grant_type requested");
}

/* ---------------------------------------------------------------------- */
/* LOWERCASE                                                              */

static void
handle_lowercase (BearerTestServer  *self,
                  SoupServerMessage *msg)
{
  g_autoptr(GHashTable) params = laravel_params (msg, self->last->body);
  const char *authorization = soup_message_headers_get_one (self->last->headers, "Authorization");
  g_autofree char *client_id = g_strdup (g_hash_table_lookup (params, "client_id"));
  g_autofree char *client_secret = g_strdup (g_hash_table_lookup (params, "client_secret"));
  const char *grant_type = g_hash_table_lookup (params, "grant_type");
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *access_token = NULL;
  gint64 exp = 0;

  if (client_secret == NULL && authorization != NULL &&
      g_ascii_strncasecmp (authorization, "Basic ", 6) == 0)
    {
      gsize length;
      g_autofree guchar *decoded = g_base64_decode (authorization + 6, &length);
      g_autofree char *text = g_strndup ((const char *) decoded, length);
      const char *colon = strchr (text, ':');

      if (colon != NULL)
        {
          g_autofree char *left = g_strndup (text, colon - text);

          g_free (client_id);
          g_free (client_secret);
          client_id = form_decode_component (left, -1);
          client_secret = form_decode_component (colon + 1, -1);
        }
    }

  if (g_strcmp0 (client_id, self->client_id) != 0 ||
      g_strcmp0 (client_secret, self->client_secret) != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_FORBIDDEN, NULL);
      soup_message_headers_set_content_length (soup_server_message_get_response_headers (msg), 0);
      return;
    }

  if (g_strcmp0 (grant_type, "refresh_token") == 0 &&
      g_strcmp0 (g_hash_table_lookup (params, "refresh_token"), self->refresh_token) != 0)
    {
      builder = json_builder_new ();
      json_builder_begin_object (builder);
      add_string (builder, "error", "invalid_grant");
      json_builder_end_object (builder);
      reply_json (msg, SOUP_STATUS_BAD_REQUEST, "application/json", builder);
      return;
    }
  if (g_strcmp0 (grant_type, "refresh_token") != 0 &&
      g_strcmp0 (grant_type, "client_credentials") != 0 &&
      g_strcmp0 (grant_type, "password") != 0)
    {
      builder = json_builder_new ();
      json_builder_begin_object (builder);
      add_string (builder, "error", "unsupported_grant_type");
      json_builder_end_object (builder);
      reply_json (msg, SOUP_STATUS_BAD_REQUEST, "application/json", builder);
      return;
    }

  if (self->jwt_access_tokens)
    {
      g_autofree char *payload = NULL;
      g_autofree char *jti = random_hex (8);

      exp = g_get_real_time () / G_USEC_PER_SEC + LOWERCASE_JWT_LIFETIME;
      payload = g_strdup_printf ("{\"sub\":\"alice\",\"jti\":\"%s\",\"exp\":%" G_GINT64_FORMAT "}",
                                 jti, exp);
      access_token = bearer_test_make_jwt (payload);
    }
  else
    {
      g_autofree char *random = random_hex (8);

      access_token = g_strdup_printf ("lower-%u-%s", ++self->serial, random);
    }
  remember_access_token (self, access_token, exp);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  add_string (builder, "access_token", access_token);
  add_string (builder, "token_type", "bearer");
  json_builder_end_object (builder);
  reply_json (msg, SOUP_STATUS_OK, "application/json", builder);
}

/* ---------------------------------------------------------------------- */

static void
server_callback (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  BearerTestServer *self = user_data;

  record_request (self, msg);

  switch (self->mode)
    {
    case BEARER_TEST_SERVER_SCRIPTED:
      handle_scripted (self, msg);
      break;
    case BEARER_TEST_SERVER_PASSPORT:
      handle_passport (self, msg);
      break;
    case BEARER_TEST_SERVER_OIDC:
      handle_oidc (self, msg);
      break;
    case BEARER_TEST_SERVER_LOWERCASE:
      handle_lowercase (self, msg);
      break;
    default:
      g_assert_not_reached ();
    }
}

static BearerTestServer *
server_new (BearerTestServerMode  mode,
            GTlsCertificate      *certificate)
{
  BearerTestServer *self = g_new0 (BearerTestServer, 1);
  g_autoptr(GError) error = NULL;
  SoupServerListenOptions options = SOUP_SERVER_LISTEN_IPV4_ONLY;
  GSList *uris;

  self->mode = mode;
  self->https = certificate != NULL;
  self->rotate = TRUE;
  self->oidc_auth = BEARER_TEST_OIDC_AUTH_CLIENT_SECRET_BASIC;
  self->client_id = g_strdup ("bearer-test-client");
  self->client_secret = g_strdup ("bearer-test-secret");
  self->username = g_strdup ("alice");
  self->password = g_strdup ("wonderland");
  self->issued_refresh_tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->script);

  self->server = soup_server_new ("server-header", "bearer-test-server ", NULL);
  if (certificate != NULL)
    {
      soup_server_set_tls_certificate (self->server, certificate);
      options |= SOUP_SERVER_LISTEN_HTTPS;
    }
  soup_server_add_handler (self->server, NULL, server_callback, self, NULL);
  if (!soup_server_listen_local (self->server, 0, options, &error))
    g_error ("The test server cannot listen on 127.0.0.1: %s", error->message);

  uris = soup_server_get_uris (self->server);
  g_assert_nonnull (uris);
  self->port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  return self;
}

BearerTestServer *
bearer_test_server_new (BearerTestServerMode mode)
{
  return server_new (mode, NULL);
}

static gboolean
client_certificate_cb (SoupServerMessage    *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  BearerTestServer *self = user_data;

  if (self->client_ca != NULL && g_tls_certificate_verify (certificate, NULL, self->client_ca) == 0)
    return TRUE;
  for (guint i = 0; self->known_clients != NULL && i < self->known_clients->len; i++)
    if (g_tls_certificate_is_same (certificate, g_ptr_array_index (self->known_clients, i)))
      return TRUE;
  return FALSE;
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (client_certificate_cb), user_data);
}

void
bearer_test_server_set_client_certificates (BearerTestServer       *self,
                                            GTlsAuthenticationMode  mode,
                                            GTlsCertificate        *ca,
                                            GPtrArray              *known)
{
  g_set_object (&self->client_ca, ca);
  g_clear_pointer (&self->known_clients, g_ptr_array_unref);
  if (known != NULL)
    self->known_clients = g_ptr_array_ref (known);
  soup_server_set_tls_auth_mode (self->server, mode);
  if (self->request_started_id == 0)
    self->request_started_id = g_signal_connect (self->server, "request-started",
                                                 G_CALLBACK (request_started_cb), self);
}

BearerTestServer *
bearer_test_server_new_https (BearerTestServerMode  mode,
                              GTlsCertificate      *certificate)
{
  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  return server_new (mode, certificate);
}

void
bearer_test_server_free (BearerTestServer *self)
{
  if (self == NULL)
    return;

  soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_clear_object (&self->client_ca);
  g_clear_pointer (&self->known_clients, g_ptr_array_unref);
  g_queue_clear_full (&self->script, (GDestroyNotify) scripted_reply_free);
  test_request_free (self->last);
  g_free (self->client_id);
  g_free (self->client_secret);
  g_free (self->username);
  g_free (self->password);
  g_free (self->refresh_token);
  g_hash_table_unref (self->issued_refresh_tokens);
  g_free (self->last_access_token);
  g_free (self);
}

BearerTestServerMode
bearer_test_server_get_mode (BearerTestServer *self)
{
  return self->mode;
}

guint
bearer_test_server_get_port (BearerTestServer *self)
{
  return self->port;
}

char *
bearer_test_server_get_url (BearerTestServer *self,
                            const char       *path)
{
  g_return_val_if_fail (path != NULL, NULL);

  return g_strdup_printf ("%s://127.0.0.1:%u%s", self->https ? "https" : "http",
                          self->port, path);
}

guint
bearer_test_server_get_request_count (BearerTestServer *self)
{
  return self->request_count;
}

const BearerTestRequest *
bearer_test_server_get_last_request (BearerTestServer *self)
{
  return self->last;
}

const char *
bearer_test_server_get_last_header (BearerTestServer *self,
                                    const char       *name)
{
  if (self->last == NULL)
    return NULL;

  return soup_message_headers_get_list (self->last->headers, name);
}

guint
bearer_test_server_count_last_header (BearerTestServer *self,
                                      const char       *header_name)
{
  SoupMessageHeadersIter iter;
  const char *name;
  const char *value;
  guint count = 0;

  if (self->last == NULL)
    return 0;

  soup_message_headers_iter_init (&iter, self->last->headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    if (g_ascii_strcasecmp (name, header_name) == 0)
      count++;

  return count;
}

char *
bearer_test_server_dup_last_body (BearerTestServer *self)
{
  gsize length;
  const char *data;

  if (self->last == NULL)
    return NULL;

  data = g_bytes_get_data (self->last->body, &length);
  return g_strndup (data != NULL ? data : "", length);
}

void
bearer_test_server_reset_requests (BearerTestServer *self)
{
  g_clear_pointer (&self->last, test_request_free);
  self->request_count = 0;
}

void
bearer_test_server_script_bytes (BearerTestServer *self,
                                 guint             status,
                                 const char       *content_type,
                                 GBytes           *body)
{
  ScriptedReply *reply = g_new0 (ScriptedReply, 1);

  reply->status = status;
  reply->content_type = g_strdup (content_type);
  reply->body = body != NULL ? g_bytes_ref (body) : g_bytes_new (NULL, 0);
  reply->headers = g_ptr_array_new_with_free_func (g_free);
  g_queue_push_tail (&self->script, reply);
}

void
bearer_test_server_script (BearerTestServer *self,
                           guint             status,
                           const char       *content_type,
                           const char       *body)
{
  g_autoptr(GBytes) bytes = g_bytes_new (body != NULL ? body : "",
                                         body != NULL ? strlen (body) : 0);

  bearer_test_server_script_bytes (self, status, content_type, bytes);
}

void
bearer_test_server_script_header (BearerTestServer *self,
                                  const char       *name,
                                  const char       *value)
{
  ScriptedReply *reply = g_queue_peek_tail (&self->script);

  g_return_if_fail (reply != NULL);
  g_ptr_array_add (reply->headers, g_strdup (name));
  g_ptr_array_add (reply->headers, g_strdup (value));
}

void
bearer_test_server_script_chunked (BearerTestServer *self)
{
  ScriptedReply *reply = g_queue_peek_tail (&self->script);

  g_return_if_fail (reply != NULL);
  reply->chunked = TRUE;
}

void
bearer_test_server_set_client (BearerTestServer *self,
                               const char       *client_id,
                               const char       *client_secret)
{
  g_free (self->client_id);
  g_free (self->client_secret);
  self->client_id = g_strdup (client_id);
  self->client_secret = g_strdup (client_secret);
}

void
bearer_test_server_set_user (BearerTestServer *self,
                             const char       *username,
                             const char       *password)
{
  g_free (self->username);
  g_free (self->password);
  self->username = g_strdup (username);
  self->password = g_strdup (password);
}

void
bearer_test_server_set_refresh_token (BearerTestServer *self,
                                      const char       *refresh_token)
{
  /* For OIDC this starts a new grant: forget the old one's tokens. */
  if (self->mode == BEARER_TEST_SERVER_OIDC)
    g_hash_table_remove_all (self->issued_refresh_tokens);
  g_free (self->refresh_token);
  self->refresh_token = g_strdup (refresh_token);
  if (refresh_token != NULL)
    g_hash_table_add (self->issued_refresh_tokens, g_strdup (refresh_token));
}

const char *
bearer_test_server_get_refresh_token (BearerTestServer *self)
{
  return self->refresh_token;
}

void
bearer_test_server_set_rotate_refresh_tokens (BearerTestServer *self,
                                              gboolean          rotate)
{
  self->rotate = rotate;
}

void
bearer_test_server_set_oidc_auth (BearerTestServer   *self,
                                  BearerTestOidcAuth  auth)
{
  self->oidc_auth = auth;
}

void
bearer_test_server_set_jwt_access_tokens (BearerTestServer *self,
                                          gboolean          jwt)
{
  self->jwt_access_tokens = jwt;
}

const char *
bearer_test_server_get_last_access_token (BearerTestServer *self)
{
  return self->last_access_token;
}

gint64
bearer_test_server_get_last_access_token_exp (BearerTestServer *self)
{
  return self->last_access_token_exp;
}

/* ---------------------------------------------------------------------- */
/* Driving a request                                                      */

typedef struct {
  guint                calls;
  BearerTokenResponse *response;
  GError              *error;
} RunData;

static void
run_request_done_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  RunData *data = user_data;

  data->calls++;
  data->response = bearer_client_request_token_finish (BEARER_CLIENT (source), result,
                                                       &data->error);
}

static gboolean
flag_set_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

BearerTokenResponse *
bearer_test_run_request (BearerClient        *client,
                         BearerTokenRequest  *request,
                         GCancellable        *cancellable,
                         GError             **error)
{
  /* On the heap: if the watchdog fires, the late callback must still find it. */
  RunData *data = g_new0 (RunData, 1);
  BearerTokenResponse *response;
  gboolean *timed_out = g_new0 (gboolean, 1);
  guint watchdog;

  bearer_client_request_token_async (client, request, cancellable, run_request_done_cb, data);
  watchdog = g_timeout_add_seconds (60, flag_set_cb, timed_out);
  while (data->calls == 0 && !*timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (data->calls == 0)
    {
      /* Leak data and the flag on purpose: the operation is still running. */
      g_test_message ("bearer_client_request_token_async() did not finish within 60 s");
      g_test_fail ();
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                           "the test gave up waiting for the request");
      return NULL;
    }
  g_source_remove (watchdog);
  g_free (timed_out);

  g_assert_true ((data->response == NULL) != (data->error == NULL));
  response = data->response;
  if (data->error != NULL)
    g_propagate_error (error, data->error);
  g_free (data);

  return response;
}

void
bearer_test_spin (guint milliseconds)
{
  gboolean done = FALSE;

  g_timeout_add (milliseconds, flag_set_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}
