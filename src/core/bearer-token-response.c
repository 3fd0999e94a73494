/* bearer-token-response.c: what a token endpoint's reply means
 *
 * The order in which a reply is judged is written down in docs/core.md;
 * keep the two in step.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "bearer-enum-types.h"
#include "bearer-error-private.h"
#include "bearer-form.h"
#include "bearer-json-private.h"
#include "bearer-jwt.h"
#include "bearer-redact.h"
#include "bearer-token-response-private.h"

struct _BearerTokenResponse
{
  GObject parent_instance;

  char *access_token;
  char *token_type;
  gint64 expires_at;
  BearerExpirySource expiry_source;
  char *refresh_token;
  gboolean refresh_token_issued;
  gboolean refresh_token_rotated;
  char *scope;
  char *id_token;
  JsonObject *fields;
  char *body;
};

G_DEFINE_FINAL_TYPE (BearerTokenResponse, bearer_token_response, G_TYPE_OBJECT)

static void
bearer_token_response_finalize (GObject *object)
{
  BearerTokenResponse *self = BEARER_TOKEN_RESPONSE (object);

  bearer_secret_free (self->access_token);
  g_free (self->token_type);
  bearer_secret_free (self->refresh_token);
  g_free (self->scope);
  bearer_secret_free (self->id_token);
  g_clear_pointer (&self->fields, json_object_unref);
  bearer_secret_free (self->body);

  G_OBJECT_CLASS (bearer_token_response_parent_class)->finalize (object);
}

static void
bearer_token_response_class_init (BearerTokenResponseClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bearer_token_response_finalize;
}

static void
bearer_token_response_init (BearerTokenResponse *self)
{
}

/* -------------------------------------------------------------------------
 * Reading the reply
 * ------------------------------------------------------------------------- */

typedef enum {
  KIND_EMPTY,
  KIND_HTML,
  KIND_JSON,
  KIND_FORM,
  KIND_OTHER,
} BodyKind;

static gboolean
content_type_is (const char *content_type,
                 const char *wanted)
{
  gsize len = strlen (wanted);

  return content_type != NULL &&
         g_ascii_strncasecmp (content_type, wanted, len) == 0 &&
         (content_type[len] == '\0' || content_type[len] == ';' || content_type[len] == ' ');
}

static gboolean
content_type_is_json (const char *content_type)
{
  const char *semicolon;
  gsize len;

  if (content_type == NULL)
    return FALSE;
  if (content_type_is (content_type, "application/json") ||
      content_type_is (content_type, "text/json"))
    return TRUE;

  semicolon = strchr (content_type, ';');
  len = semicolon != NULL ? (gsize) (semicolon - content_type) : strlen (content_type);
  while (len > 0 && content_type[len - 1] == ' ')
    len--;
  return len > 5 && g_ascii_strncasecmp (content_type + len - 5, "+json", 5) == 0;
}

static const char *
skip_space (const char *data,
            gsize       size,
            gsize      *left)
{
  gsize i = 0;

  while (i < size && g_ascii_isspace (data[i]))
    i++;
  *left = size - i;
  return data + i;
}

static gboolean
looks_like_form (const char *data,
                 gsize       size)
{
  /* k=v&k=v of printable ASCII, with at least one '='. */
  if (size == 0 || memchr (data, '=', size) == NULL)
    return FALSE;

  for (gsize i = 0; i < size; i++)
    {
      guchar c = data[i];

      if (c == '\r' || c == '\n')
        {
          /* one trailing line break is fine */
          if (i + 2 < size)
            return FALSE;
          continue;
        }
      if (c <= 0x20 || c >= 0x7f || c == '{' || c == '<' || c == '"')
        return FALSE;
    }

  return TRUE;
}

static BodyKind
classify (const char *content_type,
          const char *data,
          gsize       size)
{
  gsize left;
  const char *start = skip_space (data, size, &left);

  if (left == 0)
    return KIND_EMPTY;
  if (content_type_is (content_type, "text/html") ||
      content_type_is (content_type, "application/xhtml+xml") ||
      start[0] == '<')
    return KIND_HTML;
  if (content_type_is_json (content_type) || start[0] == '{' || start[0] == '[')
    return KIND_JSON;
  if (content_type_is (content_type, "application/x-www-form-urlencoded") ||
      ((content_type == NULL || content_type_is (content_type, "text/plain")) &&
       looks_like_form (start, left)))
    return KIND_FORM;
  return KIND_OTHER;
}

static const char *
status_phrase (guint status)
{
  const char *phrase = soup_status_get_phrase (status);
  return phrase != NULL ? phrase : "";
}

static GError *
new_error (BearerError  code,
           guint        status,
           const char  *format,
           ...) G_GNUC_PRINTF (3, 4);

static GError *
new_error (BearerError  code,
           guint        status,
           const char  *format,
           ...)
{
  va_list args;
  GError *error;

  va_start (args, format);
  error = g_error_new_valist (BEARER_ERROR, code, format, args);
  va_end (args);

  bearer_error_set_http_status (error, status);
  return error;
}

static char *
html_title (const char *data,
            gsize       size)
{
  /* Look only at the head of the page. */
  gsize limit = MIN (size, 64 * 1024);
  g_autofree char *head = g_strndup (data, limit);
  g_autofree char *lower = g_ascii_strdown (head, -1);
  const char *open = strstr (lower, "<title");
  const char *gt, *close;

  if (open == NULL || (gt = strchr (open, '>')) == NULL ||
      (close = strstr (gt, "</title")) == NULL)
    return NULL;

  return bearer_sanitize_server_text (head + (gt + 1 - lower), close - gt - 1, 120);
}

static GError *
html_error (guint       status,
            const char *data,
            gsize       size)
{
  g_autofree char *title = html_title (data, size);
  GError *error;

  if (title != NULL)
    error = new_error (BEARER_ERROR_HTML_PAGE, status,
                       /* Translators: “HTTP %u %s” is the HTTP status code and its
                        * standard English reason phrase (“HTTP 502 Bad Gateway”); the
                        * quoted %s is the title of the page, as the server sent it. */
                       _("The server answered with a web page instead of a token "
                         "(HTTP %u %s): “%s”"), status, status_phrase (status), title);
  else
    error = new_error (BEARER_ERROR_HTML_PAGE, status,
                       /* Translators: “HTTP %u %s” is the HTTP status code and its
                        * standard English reason phrase (“HTTP 502 Bad Gateway”). */
                       _("The server answered with a web page instead of a token (HTTP %u %s). "
                         "Check the token URL"), status, status_phrase (status));

  bearer_error_set_oauth (error, NULL, NULL, NULL, NULL, title);
  return error;
}

static GError *
status_error (guint       status,
              const char *server_words)
{
  g_autofree char *words = bearer_sanitize_server_text (server_words, -1, BEARER_SERVER_TEXT_MAX);
  GError *error;

  if (words != NULL)
    error = new_error (BEARER_ERROR_HTTP_STATUS, status,
                       /* Translators: “HTTP %u %s” is the HTTP status code and its
                        * standard English reason phrase (“HTTP 403 Forbidden”); the
                        * quoted %s is the server’s own explanation, as it sent it. */
                       _("The server answered HTTP %u %s: “%s”"),
                       status, status_phrase (status), words);
  else
    error = new_error (BEARER_ERROR_HTTP_STATUS, status,
                       /* Translators: “HTTP %u %s” is the HTTP status code and its
                        * standard English reason phrase (“HTTP 403 Forbidden”). */
                       _("The server answered HTTP %u %s, with no explanation"),
                       status, status_phrase (status));

  bearer_error_set_oauth (error, NULL, NULL, NULL, NULL, words);
  return error;
}

static char *
first_line (const char *data,
            gsize       size)
{
  gsize left;
  const char *start = skip_space (data, size, &left);
  const char *end = memchr (start, '\n', left);

  return bearer_sanitize_server_text (start, end != NULL ? end - start : (gssize) left,
                                      BEARER_SERVER_TEXT_MAX);
}

/* -------------------------------------------------------------------------
 * OAuth error replies
 * ------------------------------------------------------------------------- */

static const struct {
  const char *code;
  BearerError error;
} oauth_codes[] = {
  { "invalid_request", BEARER_ERROR_INVALID_REQUEST },
  { "invalid_client", BEARER_ERROR_INVALID_CLIENT },
  { "invalid_grant", BEARER_ERROR_INVALID_GRANT },
  { "unauthorized_client", BEARER_ERROR_UNAUTHORIZED_CLIENT },
  { "unsupported_grant_type", BEARER_ERROR_UNSUPPORTED_GRANT_TYPE },
  { "invalid_scope", BEARER_ERROR_INVALID_SCOPE },
};

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static gboolean
mentions_refresh_token (const char *text)
{
  g_autofree char *lower = NULL;

  if (text == NULL)
    return FALSE;

  lower = g_ascii_strdown (text, -1);
  return strstr (lower, "refresh token") != NULL || strstr (lower, "refresh_token") != NULL;
}

/* The message of an OAuth error reply: what the server refused, the OAuth
 * error code, and the server's own words when it gave some. One whole
 * sentence for each case, for translators. */
static char *
refusal_message (BearerError      code,
                 BearerGrantType  grant_type,
                 gboolean         dead,
                 const char      *error_code,
                 const char      *words)
{
  /* Whatever the server called it (invalid_request, say). */
  if (dead)
    {
      code = BEARER_ERROR_INVALID_GRANT;
      grant_type = BEARER_GRANT_REFRESH_TOKEN;
    }

  switch (code)
    {
    case BEARER_ERROR_INVALID_CLIENT:
      if (words != NULL)
        /* Translators: %s in parentheses is the OAuth error code the server sent
         * (invalid_client…), not translated; the last %s is the server’s own
         * explanation, as it sent it. */
        return g_strdup_printf (_("The server did not accept the client ID or secret (%s): %s"),
                                error_code, words);
      /* Translators: %s is the OAuth error code the server sent (invalid_client…),
       * not translated. */
      return g_strdup_printf (_("The server did not accept the client ID or secret (%s)"),
                              error_code);

    case BEARER_ERROR_INVALID_GRANT:
      switch (grant_type)
        {
        case BEARER_GRANT_REFRESH_TOKEN:
          if (words != NULL)
            /* Translators: %s in parentheses is the OAuth error code the server
             * sent (invalid_grant…), not translated; the last %s is the server’s
             * own explanation, as it sent it. */
            return g_strdup_printf (_("The server refused the refresh token (%s): %s"),
                                    error_code, words);
          /* Translators: %s is the OAuth error code the server sent
           * (invalid_grant…), not translated. */
          return g_strdup_printf (_("The server refused the refresh token (%s)"), error_code);

        case BEARER_GRANT_PASSWORD:
          if (words != NULL)
            /* Translators: %s in parentheses is the OAuth error code the server
             * sent (invalid_grant), not translated; the last %s is the server’s
             * own explanation, as it sent it. */
            return g_strdup_printf (_("The server refused the username or password (%s): %s"),
                                    error_code, words);
          /* Translators: %s is the OAuth error code the server sent
           * (invalid_grant), not translated. */
          return g_strdup_printf (_("The server refused the username or password (%s)"),
                                  error_code);

        case BEARER_GRANT_AUTHORIZATION_CODE:
          if (words != NULL)
            /* Translators: %s in parentheses is the OAuth error code the server
             * sent (invalid_grant), not translated; the last %s is the server’s
             * own explanation, as it sent it. */
            return g_strdup_printf (_("The server refused the authorization code (%s): %s"),
                                    error_code, words);
          /* Translators: %s is the OAuth error code the server sent
           * (invalid_grant), not translated. */
          return g_strdup_printf (_("The server refused the authorization code (%s)"),
                                  error_code);

        case BEARER_GRANT_CLIENT_CREDENTIALS:
        default:
          if (words != NULL)
            /* Translators: “grant” is what the client offers in exchange for a
             * token (here its own credentials). %s in parentheses is the OAuth
             * error code the server sent (invalid_grant), not translated; the
             * last %s is the server’s own explanation, as it sent it. */
            return g_strdup_printf (_("The server refused the grant (%s): %s"), error_code, words);
          /* Translators: “grant” is what the client offers in exchange for a
           * token (here its own credentials). %s is the OAuth error code the
           * server sent (invalid_grant), not translated. */
          return g_strdup_printf (_("The server refused the grant (%s)"), error_code);
        }

    case BEARER_ERROR_UNAUTHORIZED_CLIENT:
      if (words != NULL)
        /* Translators: %s in parentheses is the OAuth error code the server sent
         * (unauthorized_client), not translated; the last %s is the server’s own
         * explanation, as it sent it. */
        return g_strdup_printf (_("This client may not use this grant type (%s): %s"),
                                error_code, words);
      /* Translators: %s is the OAuth error code the server sent
       * (unauthorized_client), not translated. */
      return g_strdup_printf (_("This client may not use this grant type (%s)"), error_code);

    case BEARER_ERROR_UNSUPPORTED_GRANT_TYPE:
      if (words != NULL)
        /* Translators: %s in parentheses is the OAuth error code the server sent
         * (unsupported_grant_type), not translated; the last %s is the server’s
         * own explanation, as it sent it. */
        return g_strdup_printf (_("The server does not support this grant type (%s): %s"),
                                error_code, words);
      /* Translators: %s is the OAuth error code the server sent
       * (unsupported_grant_type), not translated. */
      return g_strdup_printf (_("The server does not support this grant type (%s)"), error_code);

    case BEARER_ERROR_INVALID_SCOPE:
      if (words != NULL)
        /* Translators: %s in parentheses is the OAuth error code the server sent
         * (invalid_scope), not translated; the last %s is the server’s own
         * explanation, as it sent it. */
        return g_strdup_printf (_("The server refused the requested scope (%s): %s"),
                                error_code, words);
      /* Translators: %s is the OAuth error code the server sent (invalid_scope),
       * not translated. */
      return g_strdup_printf (_("The server refused the requested scope (%s)"), error_code);

    case BEARER_ERROR_INVALID_REQUEST:
    case BEARER_ERROR_OAUTH_OTHER:
    default:
      if (words != NULL)
        /* Translators: %s in parentheses is the OAuth error code the server sent
         * (invalid_request, access_denied, server_error…), not translated; the
         * last %s is the server’s own explanation, as it sent it. */
        return g_strdup_printf (_("The server refused the request (%s): %s"), error_code, words);
      /* Translators: %s is the OAuth error code the server sent (invalid_request,
       * access_denied, server_error…), not translated. */
      return g_strdup_printf (_("The server refused the request (%s)"), error_code);
    }
}

static GError *
oauth_error (guint            status,
             JsonObject      *object,
             BearerGrantType  grant_type)
{
  BearerError code = BEARER_ERROR_OAUTH_OTHER;
  g_autofree char *error_code = NULL;
  g_autofree char *description = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *hint = NULL;
  g_autofree char *message = NULL;
  g_autofree char *words_and_hint = NULL;
  g_autofree char *text = NULL;
  const char *words;
  gboolean dead = FALSE;
  GError *error;

  error_code = bearer_sanitize_server_text (member_string (object, "error"), -1, 80);
  description = bearer_sanitize_server_text (member_string (object, "error_description"),
                                             -1, BEARER_SERVER_TEXT_MAX);
  uri = bearer_sanitize_server_text (member_string (object, "error_uri"), -1, 2048);
  hint = bearer_sanitize_server_text (member_string (object, "hint"), -1, BEARER_SERVER_TEXT_MAX);
  message = bearer_sanitize_server_text (member_string (object, "message"), -1,
                                         BEARER_SERVER_TEXT_MAX);

  if (error_code == NULL)
    error_code = g_strdup ("unknown_error");

  for (guint i = 0; i < G_N_ELEMENTS (oauth_codes); i++)
    if (g_strcmp0 (error_code, oauth_codes[i].code) == 0)
      code = oauth_codes[i].error;

  if (grant_type == BEARER_GRANT_REFRESH_TOKEN)
    {
      if (code == BEARER_ERROR_INVALID_GRANT)
        dead = TRUE;
      else if (code == BEARER_ERROR_INVALID_REQUEST &&
               (status == 401 || mentions_refresh_token (description) ||
                mentions_refresh_token (message) || mentions_refresh_token (hint)))
        dead = TRUE;
    }

  words = description != NULL ? description : message != NULL ? message : hint;
  if (hint != NULL && words != hint && g_strcmp0 (hint, words) != 0)
    {
      /* Translators: the server’s explanation of an error, then its hint
       * (Laravel Passport sends both), each as the server sent it. */
      words_and_hint = g_strdup_printf (C_("server explanation and hint", "%s (%s)"), words, hint);
      words = words_and_hint;
    }

  text = refusal_message (code, grant_type, dead, error_code, words);
  error = g_error_new_literal (BEARER_ERROR, code, text);

  bearer_error_set_http_status (error, status);
  bearer_error_set_oauth (error, error_code, description, uri, hint, message);
  bearer_error_set_dead_refresh_token (error, dead);
  return error;
}

/* -------------------------------------------------------------------------
 * The token
 * ------------------------------------------------------------------------- */

static gboolean
is_visible_ascii (const char *text)
{
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    if (*p < 0x21 || *p > 0x7e)
      return FALSE;
  return TRUE;
}

static gboolean
is_token_type (const char *text)
{
  static const char tchar_punct[] = "!#$%&'*+-.^_`|~";

  if (*text == '\0')
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr (tchar_punct, *p) == NULL)
      return FALSE;
  return TRUE;
}

/* A known member of the wrong type or out of range: @format is a whole
 * sentence, whose %s is the member's name. */
static GError *
wrong_type (const char *format,
            ...) G_GNUC_PRINTF (1, 2);

static GError *
wrong_type (const char *format,
            ...)
{
  va_list args;
  GError *error;

  va_start (args, format);
  error = g_error_new_valist (BEARER_ERROR, BEARER_ERROR_WRONG_TYPE, format, args);
  va_end (args);

  bearer_error_set_http_status (error, 200);
  return error;
}

/* NULL when the member is absent or JSON null. */
static JsonNode *
member (JsonObject *object,
        const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  return node;
}

static gboolean
node_is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
parse_expires_in (JsonNode  *node,
                  gint64    *seconds,
                  GError   **error)
{
  gint64 value;

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    value = json_node_get_int (node);
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      double d = json_node_get_double (node);

      if (!isfinite (d) || d != floor (d) || d < 0 || d > (double) BEARER_MAX_EXPIRES_IN)
        goto out_of_range;
      value = (gint64) d;
    }
  else if (node_is_string (node))
    {
      const char *text = json_node_get_string (node);
      g_autofree char *stripped = g_strstrip (g_strdup (text));
      guint64 parsed;

      if (*stripped == '\0' || !g_ascii_string_to_unsigned (stripped, 10, 0, G_MAXUINT64,
                                                            &parsed, NULL))
        {
          *error = wrong_type (/* Translators: %s is the name of a member of the server’s
                                * JSON reply (expires_in), not translated. */
                               _("The server’s reply is not usable: %s is not a number of seconds"),
                               "expires_in");
          return FALSE;
        }
      if (parsed > (guint64) BEARER_MAX_EXPIRES_IN)
        goto out_of_range;
      value = parsed;
    }
  else
    {
      *error = wrong_type (/* Translators: %s is the name of a member of the server’s
                            * JSON reply (expires_in), not translated. */
                           _("The server’s reply is not usable: %s is not a number of seconds"),
                           "expires_in");
      return FALSE;
    }

  if (value < 0 || value > BEARER_MAX_EXPIRES_IN)
    goto out_of_range;

  *seconds = value;
  return TRUE;

out_of_range:
  *error = wrong_type (/* Translators: %s is the name of a member of the server’s JSON reply
                        * (expires_in), not translated. */
                       _("The server’s reply is not usable: %s is not a whole number of seconds "
                         "between 0 and 100 years"),
                       "expires_in");
  return FALSE;
}

static char *
parse_scope (JsonNode  *node,
             GError   **error)
{
  g_autoptr(GString) joined = NULL;
  JsonArray *array;

  if (node_is_string (node))
    return g_strdup (json_node_get_string (node));

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      *error = wrong_type (/* Translators: %s is the name of a member of the server’s JSON
                            * reply (scope), not translated. */
                           _("The server’s reply is not usable: %s is neither text nor a list"),
                           "scope");
      return NULL;
    }

  array = json_node_get_array (node);
  joined = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);

      if (!node_is_string (item))
        {
          *error = wrong_type (/* Translators: %s is the name of a member of the server’s
                                * JSON reply (scope), not translated. */
                               _("The server’s reply is not usable: %s is a list of something "
                                 "other than text"),
                               "scope");
          return NULL;
        }
      if (joined->len > 0)
        g_string_append_c (joined, ' ');
      g_string_append (joined, json_node_get_string (item));
    }

  return g_string_free (g_steal_pointer (&joined), FALSE);
}

static BearerTokenResponse *
token_from_object (JsonObject  *object,
                   gint64       now,
                   GError     **error)
{
  g_autoptr(BearerTokenResponse) self = g_object_new (BEARER_TYPE_TOKEN_RESPONSE, NULL);
  JsonNode *node;

  /* access_token */
  node = member (object, "access_token");
  if (node == NULL || (node_is_string (node) && *json_node_get_string (node) == '\0'))
    {
      *error = new_error (BEARER_ERROR_NO_ACCESS_TOKEN, 200, "%s",
                          _("The server’s reply has no access token"));
      return NULL;
    }
  if (!node_is_string (node))
    {
      *error = wrong_type (/* Translators: %s is the name of a member of the server’s
                            * JSON reply (access_token…), not translated. */
                           _("The server’s reply is not usable: %s is not text"), "access_token");
      return NULL;
    }
  if (!is_visible_ascii (json_node_get_string (node)))
    {
      *error = wrong_type (/* Translators: %s is the name of a member of the server’s JSON
                            * reply (access_token), not translated. */
                           _("The server’s reply is not usable: %s holds spaces, line breaks or "
                             "other characters that cannot be sent in an HTTP header"),
                           "access_token");
      return NULL;
    }
  self->access_token = g_strdup (json_node_get_string (node));

  /* token_type */
  node = member (object, "token_type");
  if (node == NULL)
    self->token_type = g_strdup ("Bearer");
  else if (!node_is_string (node) || !is_token_type (json_node_get_string (node)))
    {
      *error = wrong_type (/* Translators: %s is the name of a member of the server’s JSON
                            * reply (token_type), not translated. */
                           _("The server’s reply is not usable: %s is not a single word"),
                           "token_type");
      return NULL;
    }
  else if (g_ascii_strcasecmp (json_node_get_string (node), "bearer") == 0)
    self->token_type = g_strdup ("Bearer");
  else if (g_ascii_strcasecmp (json_node_get_string (node), "dpop") == 0)
    self->token_type = g_strdup ("DPoP");
  else
    self->token_type = g_strdup (json_node_get_string (node));

  /* expires_in, else the JWT's exp */
  node = member (object, "expires_in");
  if (node != NULL)
    {
      gint64 seconds;

      if (!parse_expires_in (node, &seconds, error))
        return NULL;
      self->expires_at = now + seconds;
      self->expiry_source = BEARER_EXPIRY_EXPIRES_IN;
    }
  else if (bearer_jwt_get_exp (self->access_token, &self->expires_at))
    self->expiry_source = BEARER_EXPIRY_JWT_EXP;
  else
    {
      self->expires_at = 0;
      self->expiry_source = BEARER_EXPIRY_UNKNOWN;
    }

  /* refresh_token */
  node = member (object, "refresh_token");
  if (node != NULL)
    {
      if (!node_is_string (node))
        {
          *error = wrong_type (/* Translators: %s is the name of a member of the server’s
                                * JSON reply (access_token…), not translated. */
                               _("The server’s reply is not usable: %s is not text"),
                               "refresh_token");
          return NULL;
        }
      if (*json_node_get_string (node) != '\0')
        {
          self->refresh_token = g_strdup (json_node_get_string (node));
          self->refresh_token_issued = TRUE;
        }
    }

  /* scope, id_token */
  node = member (object, "scope");
  if (node != NULL && !(self->scope = parse_scope (node, error)))
    return NULL;

  node = member (object, "id_token");
  if (node != NULL)
    {
      if (!node_is_string (node))
        {
          *error = wrong_type (/* Translators: %s is the name of a member of the server’s
                                * JSON reply (access_token…), not translated. */
                               _("The server’s reply is not usable: %s is not text"), "id_token");
          return NULL;
        }
      self->id_token = g_strdup (json_node_get_string (node));
    }

  self->fields = json_object_ref (object);
  return g_steal_pointer (&self);
}

/* Server text that reaches the object of a form reply: as it came when it
 * is UTF-8 without NUL, else with every NUL and every byte that is not
 * UTF-8 replaced by U+FFFD (for an error's words; a token is refused). */
static char *
form_text (const char *bytes,
           gsize       length,
           gboolean   *is_text)
{
  g_autoptr(GString) out = NULL;
  const char *p = bytes;
  const char *end = bytes + length;

  *is_text = memchr (bytes, '\0', length) == NULL && g_utf8_validate (bytes, length, NULL);
  if (*is_text)
    return g_strndup (bytes, length);

  out = g_string_new (NULL);
  while (p < end)
    {
      const char *nul = memchr (p, '\0', end - p);
      const char *stop = nul != NULL ? nul : end;
      g_autofree char *valid = g_utf8_make_valid (p, stop - p);

      g_string_append (out, valid);
      if (nul != NULL)
        g_string_append (out, "\xef\xbf\xbd");
      p = nul != NULL ? nul + 1 : end;
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* An old server's `access_token=…&token_type=…`, read as an object of
 * strings in the server's order; the first of a repeated name wins. When a
 * name or value is not UTF-8 text once decoded, @not_text is set to the
 * first such name (cleaned; "" when the name itself is not text). */
static JsonObject *
object_from_form (const char  *data,
                  gsize        size,
                  char       **not_text)
{
  g_autoptr(GPtrArray) pairs = NULL;
  JsonObject *object = json_object_new ();

  *not_text = NULL;

  /* Leading white space is already skipped; a trailing line break too. */
  while (size > 0 && g_ascii_isspace (data[size - 1]))
    size--;

  pairs = bearer_form_parse (data, size);
  for (guint i = 0; i < pairs->len; i++)
    {
      BearerFormPair *pair = pairs->pdata[i];
      g_autofree char *name = NULL;
      char *value;
      gboolean name_is_text, value_is_text;

      if (pair->name_length == 0)
        continue;

      name = form_text (pair->name, pair->name_length, &name_is_text);
      if (json_object_has_member (object, name))
        continue;

      value = form_text (pair->value, pair->value_length, &value_is_text);
      if ((!name_is_text || !value_is_text) && *not_text == NULL)
        *not_text = g_strdup (name_is_text ? name : "");

      json_object_set_string_member (object, name, value);
      bearer_secret_free (value);
    }

  return object;
}

/* The first member of @object that is not UTF-8 text (its name, or "" when
 * the name itself is not), or NULL when all are. */
static char *
find_not_text (JsonObject *object)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &member))
    {
      if (!g_utf8_validate (name, -1, NULL))
        return g_strdup ("");
      if (!bearer_json_node_is_text (member))
        return g_strdup (name);
    }

  return NULL;
}

static GError *
not_text_error (guint       status,
                const char *member_name)
{
  g_autofree char *name = bearer_sanitize_server_text (member_name, -1, 80);

  if (name != NULL)
    return new_error (BEARER_ERROR_MALFORMED_JSON, status,
                      /* Translators: %s is the name of a member of the server’s reply
                       * (refresh_token…), not translated. */
                      _("The server’s reply is not usable: %s holds text that is not "
                        "valid UTF-8"), name);

  return new_error (BEARER_ERROR_MALFORMED_JSON, status, "%s",
                    _("The server’s reply is not usable: it holds text that is not "
                      "valid UTF-8"));
}

/**
 * bearer_reply_parse_object:
 *
 * Steps 3 to 9 of judging a reply (docs/core.md): the JSON object (or form)
 * of a successful reply, or the error it is (an OAuth error, whatever the
 * status). The token endpoint's and the device authorization endpoint's
 * replies are read alike.
 *
 * Returns: (transfer full): the object, or %NULL with a %BEARER_ERROR
 */
JsonObject *
bearer_reply_parse_object (guint             status,
                           const char       *content_type,
                           GBytes           *body,
                           BearerGrantType   grant_type,
                           GError          **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *not_text = NULL;
  g_autofree char *shown_type = NULL;
  GError *local_error = NULL;
  const char *data = NULL;
  gsize size = 0;
  gboolean failed = status >= 400 || status < 200;

  if (body != NULL)
    data = g_bytes_get_data (body, &size);
  if (data == NULL)
    data = "";

  switch (classify (content_type, data, size))
    {
    case KIND_EMPTY:
      if (failed)
        g_propagate_error (error, status_error (status, NULL));
      else
        g_propagate_error (error, new_error (BEARER_ERROR_EMPTY_BODY, status,
                                             /* Translators: %u is an HTTP status code (200). */
                                             _("The server answered HTTP %u with an empty reply "
                                               "instead of a token"), status));
      return NULL;

    case KIND_HTML:
      g_propagate_error (error, html_error (status, data, size));
      return NULL;

    case KIND_OTHER:
      shown_type = bearer_sanitize_server_text (content_type, -1, 80);
      if (failed)
        {
          g_autofree char *line = first_line (data, size);
          g_propagate_error (error, status_error (status, line));
        }
      else if (shown_type != NULL)
        g_propagate_error (error, new_error (BEARER_ERROR_MALFORMED_JSON, status,
                                             /* Translators: %u is an HTTP status code (200),
                                              * %s the media type the server gave its reply
                                              * (text/plain). */
                                             _("The server’s reply is neither JSON nor a form "
                                               "(HTTP %u, %s)"), status, shown_type));
      else
        g_propagate_error (error, new_error (BEARER_ERROR_MALFORMED_JSON, status,
                                             /* Translators: %u is an HTTP status code (200). */
                                             _("The server’s reply is neither JSON nor a form "
                                               "(HTTP %u, no content type)"), status));
      return NULL;

    case KIND_FORM:
      {
        gsize left;
        const char *start = skip_space (data, size, &left);

        if (memchr (start, '\0', left) != NULL || !g_utf8_validate (start, left, NULL))
          {
            g_propagate_error (error, new_error (BEARER_ERROR_MALFORMED_JSON, status, "%s",
                                                 _("The server’s reply is not valid text")));
            return NULL;
          }
        object = object_from_form (start, left, &not_text);
      }
      break;

    case KIND_JSON:
    default:
      switch (bearer_json_parse (data, size, &root, &detail))
        {
        case BEARER_JSON_NOT_TEXT:
          g_propagate_error (error, new_error (BEARER_ERROR_MALFORMED_JSON, status,
                                               /* Translators: %u is an HTTP status code (200).
                                                * NUL is the character of code zero. */
                                               _("The server’s reply is not valid text: it holds "
                                                 "a NUL character or bytes that are not UTF-8 "
                                                 "(HTTP %u)"), status));
          return NULL;
        case BEARER_JSON_TOO_DEEP:
          g_propagate_error (error, new_error (BEARER_ERROR_MALFORMED_JSON, status,
                                               /* Translators: %u is an HTTP status code (200). */
                                               _("The server’s reply is nested too deeply to be "
                                                 "a token (HTTP %u)"), status));
          return NULL;
        case BEARER_JSON_SYNTAX:
          {
            g_autofree char *shown = bearer_sanitize_server_text (detail, -1, 120);

            if (shown != NULL)
              g_propagate_error (error, new_error (BEARER_ERROR_MALFORMED_JSON, status,
                                                   /* Translators: %u is an HTTP status code
                                                    * (200), %s the JSON parser’s description
                                                    * of the mistake. */
                                                   _("The server’s reply is not valid JSON "
                                                     "(HTTP %u): %s"), status, shown));
            else
              g_propagate_error (error, new_error (BEARER_ERROR_MALFORMED_JSON, status,
                                                   /* Translators: %u is an HTTP status code
                                                    * (200). */
                                                   _("The server’s reply is not valid JSON "
                                                     "(HTTP %u): syntax error"), status));
            return NULL;
          }
        case BEARER_JSON_OK:
        default:
          break;
        }

      if (!JSON_NODE_HOLDS_OBJECT (root))
        {
          if (failed)
            g_propagate_error (error, status_error (status, NULL));
          else
            g_propagate_error (error, new_error (BEARER_ERROR_NOT_AN_OBJECT, status, "%s",
                                                 _("The server’s reply is JSON, but not an object "
                                                   "with a token in it")));
          return NULL;
        }
      object = json_object_ref (json_node_get_object (root));
      not_text = find_not_text (object);
      break;
    }

  /* An OAuth error, whatever the status. */
  if (json_object_has_member (object, "error") &&
      !JSON_NODE_HOLDS_NULL (json_object_get_member (object, "error")))
    {
      if (member_string (object, "error") != NULL)
        g_propagate_error (error, oauth_error (status, object, grant_type));
      else if (failed)
        g_propagate_error (error, status_error (status, member_string (object, "message")));
      else
        {
          local_error = wrong_type (/* Translators: %s is the name of a member of the
                                     * server’s JSON reply (error), not translated. */
                                    _("The server’s reply is not usable: %s is not an "
                                      "error code"),
                                    "error");
          bearer_error_set_http_status (local_error, status);
          g_propagate_error (error, local_error);
        }
      return NULL;
    }

  if (failed)
    {
      g_propagate_error (error, status_error (status, member_string (object, "message")));
      return NULL;
    }

  /* Before anything of the token is kept: a refresh token that is not
   * text could not be stored, nor sent again. */
  if (not_text != NULL)
    {
      g_propagate_error (error, not_text_error (status, not_text));
      return NULL;
    }

  return g_steal_pointer (&object);
}

/**
 * bearer_token_response_parse:
 * @status: the HTTP status of the reply
 * @content_type: (nullable): its media type
 * @body: (nullable): its body
 * @grant_type: the grant of the request (a dead refresh token is recognised
 *   only for %BEARER_GRANT_REFRESH_TOKEN)
 * @now: the time the reply arrived, in seconds since the epoch
 *
 * Judges a token endpoint's reply. Redirects and size are the client's
 * business; everything else is judged here, in the order docs/core.md gives.
 *
 * Returns: (transfer full): the token, or %NULL with a %BEARER_ERROR
 */
BearerTokenResponse *
bearer_token_response_parse (guint             status,
                             const char       *content_type,
                             GBytes           *body,
                             BearerGrantType   grant_type,
                             gint64            now,
                             GError          **error)
{
  g_autoptr(JsonObject) object = NULL;
  BearerTokenResponse *self;
  GError *local_error = NULL;
  const char *data = NULL;
  gsize size = 0;

  object = bearer_reply_parse_object (status, content_type, body, grant_type, error);
  if (object == NULL)
    return NULL;
  if (body != NULL)
    data = g_bytes_get_data (body, &size);
  if (data == NULL)
    data = "";

  self = token_from_object (object, now, &local_error);
  if (self == NULL)
    {
      bearer_error_set_http_status (local_error, status);
      g_propagate_error (error, local_error);
      return NULL;
    }

  self->body = g_strndup (data, size);
  return self;
}

/* -------------------------------------------------------------------------
 * Getters
 * ------------------------------------------------------------------------- */

const char *
bearer_token_response_get_access_token (BearerTokenResponse *self)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_RESPONSE (self), NULL);
  return self->access_token;
}

/**
 * bearer_token_response_get_token_type:
 *
 * Returns: the token type, `Bearer` when the server sent none or sent it in
 *   another case
 */
const char *
bearer_token_response_get_token_type (BearerTokenResponse *self)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_RESPONSE (self), NULL);
  return self->token_type;
}

/**
 * bearer_token_response_get_expires_at:
 *
 * Returns: when the access token expires, in seconds since the epoch, or 0
 *   when unknown
 */
gint64
bearer_token_response_get_expires_at (BearerTokenResponse *self)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_RESPONSE (self), 0);
  return self->expires_at;
}

BearerExpirySource
bearer_token_response_get_expiry_source (BearerTokenResponse *self)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_RESPONSE (self), BEARER_EXPIRY_UNKNOWN);
  return self->expiry_source;
}

/**
 * bearer_token_response_get_refresh_token:
 *
 * Returns: (nullable): the refresh token to use next: the one the server
 *   issued, or the previous one kept by
 *   bearer_token_response_keep_refresh_token()
 */
const char *
bearer_token_response_get_refresh_token (BearerTokenResponse *self)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_RESPONSE (self), NULL);
  return self->refresh_token;
}

/**
 * bearer_token_response_get_refresh_token_issued:
 *
 * Returns: whether the reply itself carried a refresh token
 */
gboolean
bearer_token_response_get_refresh_token_issued (BearerTokenResponse *self)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_RESPONSE (self), FALSE);
  return self->refresh_token_issued;
}

/**
 * bearer_token_response_get_refresh_token_rotated:
 *
 * Returns: whether the server replaced the previous refresh token with a
 *   different one (the previous one must then be considered spent)
 */
gboolean
bearer_token_response_get_refresh_token_rotated (BearerTokenResponse *self)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_RESPONSE (self), FALSE);
  return self->refresh_token_rotated;
}

/**
 * bearer_token_response_keep_refresh_token:
 * @previous: (nullable): the refresh token the request used
 *
 * Applies the rule "no refresh token in the reply means keep the previous
 * one", and records whether the refresh token rotated.
 */
void
bearer_token_response_keep_refresh_token (BearerTokenResponse *self,
                                          const char          *previous)
{
  g_return_if_fail (BEARER_IS_TOKEN_RESPONSE (self));

  if (self->refresh_token_issued)
    self->refresh_token_rotated = previous != NULL && g_strcmp0 (previous, self->refresh_token) != 0;
  else
    {
      bearer_secret_free (self->refresh_token);
      self->refresh_token = g_strdup (previous);
      self->refresh_token_rotated = FALSE;
    }
}

const char *
bearer_token_response_get_scope (BearerTokenResponse *self)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_RESPONSE (self), NULL);
  return self->scope;
}

const char *
bearer_token_response_get_id_token (BearerTokenResponse *self)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_RESPONSE (self), NULL);
  return self->id_token;
}

/**
 * bearer_token_response_get_fields:
 *
 * Returns: (transfer none): every member of the reply, known or not
 */
JsonObject *
bearer_token_response_get_fields (BearerTokenResponse *self)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_RESPONSE (self), NULL);
  return self->fields;
}

/**
 * bearer_token_response_dup_authorization_header:
 *
 * Returns: (transfer full): `Authorization: Bearer <token>` (or the server's
 *   own token type); free with bearer_secret_free()
 */
char *
bearer_token_response_dup_authorization_header (BearerTokenResponse *self)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_RESPONSE (self), NULL);
  return g_strdup_printf ("Authorization: %s %s", self->token_type, self->access_token);
}

/**
 * bearer_token_response_dup_redacted_body:
 *
 * Returns: (transfer full): the reply as received, with every secret masked
 */
char *
bearer_token_response_dup_redacted_body (BearerTokenResponse *self)
{
  const char *secrets[4] = { NULL, };
  guint n = 0;

  g_return_val_if_fail (BEARER_IS_TOKEN_RESPONSE (self), NULL);

  if (self->access_token != NULL)
    secrets[n++] = self->access_token;
  if (self->refresh_token != NULL)
    secrets[n++] = self->refresh_token;
  if (self->id_token != NULL)
    secrets[n++] = self->id_token;

  return bearer_redact (self->body, secrets);
}
