/* bearer-lifecycle.c: revoking (RFC 7009) and introspecting (RFC 7662) tokens
 *
 * Both are a form POST of `token` and `token_type_hint` to an endpoint of
 * the profile (set by hand or by discovery), built from the very request
 * the refresh transaction sends (bearer_refresh_build_request()), so the
 * profile's client authentication, extra parameters, CA file and time-out
 * apply as they do to the token request, and sent on the token requests'
 * session with their rules (TLS verified, no redirect, the body cap).
 *
 * Revoking on a connection reads the tokens from the keyring, asks the
 * server, and forgets what the server confirmed it revoked (everything
 * asked for, with BEARER_REVOKE_FORGET) under the profile's lock, through
 * bearer_profile_update_secrets_async(): the client secret stays, and a
 * token another process stored meanwhile is not forgotten unless the
 * user asked. Releasing the lock touches the lock file, which is how the
 * window and the token agent learn of it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "bearer-client-private.h"
#include "bearer-error-private.h"
#include "bearer-lifecycle.h"
#include "bearer-profile-secrets.h"
#include "bearer-redact.h"
#include "bearer-refresh.h"
#include "bearer-token-response-private.h"

/* ---- the introspection reply ------------------------------------------------ */

struct _BearerIntrospection
{
  GObject parent_instance;

  JsonObject *fields;
  gboolean active;
  gint64 exp;
  gint64 iat;
  char *scope;
  char *client_id;
  char *sub;
  char *username;
  char *token_type;
};

G_DEFINE_FINAL_TYPE (BearerIntrospection, bearer_introspection, G_TYPE_OBJECT)

static void
bearer_introspection_finalize (GObject *object)
{
  BearerIntrospection *self = BEARER_INTROSPECTION (object);

  g_clear_pointer (&self->fields, json_object_unref);
  g_free (self->scope);
  g_free (self->client_id);
  g_free (self->sub);
  g_free (self->username);
  g_free (self->token_type);
  G_OBJECT_CLASS (bearer_introspection_parent_class)->finalize (object);
}

static void
bearer_introspection_class_init (BearerIntrospectionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bearer_introspection_finalize;
}

static void
bearer_introspection_init (BearerIntrospection *self)
{
}

/* A member that is text, cleaned for showing; else NULL. */
static char *
member_text (JsonObject *object,
             const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return bearer_sanitize_server_text (json_node_get_string (node), -1, BEARER_SERVER_TEXT_MAX);
}

/* A time in seconds since the epoch: a whole number, or 0. */
static gint64
member_time (JsonObject *object,
             const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  gdouble value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return 0;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return MAX (json_node_get_int (node), 0);
  if (json_node_get_value_type (node) != G_TYPE_DOUBLE)
    return 0;
  value = json_node_get_double (node);
  if (!(value >= 0 && value < 1e15) || value != (gdouble) (gint64) value)
    return 0;
  return (gint64) value;
}

/**
 * bearer_introspection_parse:
 *
 * Reads an introspection endpoint's reply (RFC 7662 §2.2) as a token
 * endpoint's reply is read (docs/core.md): an error status, a web page,
 * hostile or malformed JSON are a %BEARER_ERROR; a JSON object must have a
 * boolean `active` (else %BEARER_ERROR_WRONG_TYPE).
 *
 * Returns: (transfer full): the answer, or %NULL with an error
 */
BearerIntrospection *
bearer_introspection_parse (guint        status,
                            const char  *content_type,
                            GBytes      *body,
                            GError     **error)
{
  g_autoptr(BearerIntrospection) self = NULL;
  g_autoptr(JsonObject) object = NULL;
  JsonNode *active;

  object = bearer_reply_parse_object (status, content_type, body, BEARER_GRANT_CLIENT_CREDENTIALS, error);
  if (object == NULL)
    return NULL;

  if (status < 200 || status >= 300)
    {
      g_set_error (error, BEARER_ERROR, BEARER_ERROR_HTTP_STATUS,
                   /* Translators: %u is an HTTP status code. */
                   _("The introspection endpoint answered HTTP %u instead of a token’s state"), status);
      bearer_error_set_http_status (*error, status);
      return NULL;
    }

  active = json_object_get_member (object, "active");
  if (active == NULL || !JSON_NODE_HOLDS_VALUE (active) ||
      json_node_get_value_type (active) != G_TYPE_BOOLEAN)
    {
      g_set_error_literal (error, BEARER_ERROR, BEARER_ERROR_WRONG_TYPE,
                           _("The server’s introspection reply does not say whether the token is "
                             "active: “active” is missing or not true or false"));
      bearer_error_set_http_status (*error, status);
      return NULL;
    }

  self = g_object_new (BEARER_TYPE_INTROSPECTION, NULL);
  self->fields = json_object_ref (object);
  self->active = json_node_get_boolean (active);
  self->exp = member_time (object, "exp");
  self->iat = member_time (object, "iat");
  self->scope = member_text (object, "scope");
  self->client_id = member_text (object, "client_id");
  self->sub = member_text (object, "sub");
  self->username = member_text (object, "username");
  self->token_type = member_text (object, "token_type");
  return g_steal_pointer (&self);
}

gboolean
bearer_introspection_get_active (BearerIntrospection *self)
{
  g_return_val_if_fail (BEARER_IS_INTROSPECTION (self), FALSE);
  return self->active;
}

/**
 * bearer_introspection_get_exp:
 *
 * Returns: when the token expires (seconds since the epoch), 0 when the
 *   server did not say
 */
gint64
bearer_introspection_get_exp (BearerIntrospection *self)
{
  g_return_val_if_fail (BEARER_IS_INTROSPECTION (self), 0);
  return self->exp;
}

gint64
bearer_introspection_get_iat (BearerIntrospection *self)
{
  g_return_val_if_fail (BEARER_IS_INTROSPECTION (self), 0);
  return self->iat;
}

#define TEXT_GETTER(field) \
  const char * \
  bearer_introspection_get_##field (BearerIntrospection *self) \
  { \
    g_return_val_if_fail (BEARER_IS_INTROSPECTION (self), NULL); \
    return self->field; \
  }

TEXT_GETTER (scope)
TEXT_GETTER (client_id)
TEXT_GETTER (sub)
TEXT_GETTER (username)
TEXT_GETTER (token_type)

/**
 * bearer_introspection_get_fields:
 *
 * Returns: (transfer none): every member of the server's reply
 */
JsonObject *
bearer_introspection_get_fields (BearerIntrospection *self)
{
  g_return_val_if_fail (BEARER_IS_INTROSPECTION (self), NULL);
  return self->fields;
}

/**
 * bearer_introspection_to_json:
 *
 * Returns: (transfer full): the server's reply as indented JSON
 */
char *
bearer_introspection_to_json (BearerIntrospection *self)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_node_alloc ();

  g_return_val_if_fail (BEARER_IS_INTROSPECTION (self), NULL);

  json_node_init_object (root, self->fields);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  return json_generator_to_data (generator, NULL);
}

/* ---- one exchange ---------------------------------------------------------- */

typedef struct {
  BearerTokenKind kind;
  gboolean introspect;
  char *url;
} Exchange;

static void
exchange_free (Exchange *x)
{
  g_free (x->url);
  g_free (x);
}

static GError *
no_endpoint_error (BearerProfile *profile,
                   gboolean       introspect)
{
  const char *name = bearer_profile_get_name (profile);

  if (introspect)
    return g_error_new (BEARER_ERROR, BEARER_ERROR_MISSING_PARAMETER,
                        /* Translators: %s is a connection’s name. */
                        _("“%s” has no introspection URL, so Bearer cannot ask the server about "
                          "its tokens. Set the URL if the server has one"), name);
  return g_error_new (BEARER_ERROR, BEARER_ERROR_MISSING_PARAMETER,
                      /* Translators: %s is a connection’s name. */
                      _("“%s” has no revocation URL, so Bearer cannot ask the server to revoke "
                        "its tokens. Set the URL if the server has one"), name);
}

/* The token URL's rules, in words that name this endpoint; the URL itself
 * is not quoted (it may hold a password). */
static GError *
endpoint_url_error (GError   *error,
                    gboolean  introspect)
{
  GError *named;

  if (g_error_matches (error, BEARER_ERROR, BEARER_ERROR_INSECURE_URL))
    named = g_error_new_literal (BEARER_ERROR, BEARER_ERROR_INSECURE_URL,
                                 introspect
                                 ? _("The introspection URL uses plain http:// to a server that is not "
                                     "this computer: secrets would cross the network unencrypted. Use "
                                     "https://, or allow plain HTTP for this connection")
                                 : _("The revocation URL uses plain http:// to a server that is not "
                                     "this computer: secrets would cross the network unencrypted. Use "
                                     "https://, or allow plain HTTP for this connection"));
  else
    named = g_error_new_literal (BEARER_ERROR, BEARER_ERROR_INVALID_URL,
                                 introspect
                                 ? _("The introspection URL is not a usable web address (https://…) "
                                     "without a user name or password")
                                 : _("The revocation URL is not a usable web address (https://…) "
                                     "without a user name or password"));
  g_error_free (error);
  return named;
}

static GError *
no_token_error (BearerProfile   *profile,
                BearerTokenKind  kind)
{
  const char *name = bearer_profile_get_name (profile);

  if (kind == BEARER_TOKEN_REFRESH)
    return g_error_new (BEARER_ERROR, BEARER_ERROR_MISSING_PARAMETER,
                        /* Translators: %s is a connection’s name. */
                        _("No refresh token is stored for “%s”"), name);
  return g_error_new (BEARER_ERROR, BEARER_ERROR_MISSING_PARAMETER,
                      /* Translators: %s is a connection’s name. */
                      _("No access token is stored for “%s”"), name);
}

/* unsupported_token_type (RFC 7009 §2.2.1) in words. */
static void
explain_unsupported (GError          *error,
                     BearerTokenKind  kind)
{
  const char *words;
  char *text;

  if (g_strcmp0 (bearer_error_get_oauth_code (error), "unsupported_token_type") != 0)
    return;

  words = bearer_error_get_description (error);
  if (kind == BEARER_TOKEN_REFRESH)
    text = words != NULL
      /* Translators: unsupported_token_type is the OAuth error code, not
       * translated; %s is the server’s own explanation. */
      ? g_strdup_printf (_("The server does not revoke refresh tokens "
                           "(unsupported_token_type): %s"), words)
      : g_strdup (_("The server does not revoke refresh tokens (unsupported_token_type)"));
  else
    text = words != NULL
      /* Translators: unsupported_token_type is the OAuth error code, not
       * translated; %s is the server’s own explanation. */
      ? g_strdup_printf (_("The server does not revoke access tokens (unsupported_token_type): "
                           "%s. They stay valid until they expire"), words)
      : g_strdup (_("The server does not revoke access tokens (unsupported_token_type). They "
                    "stay valid until they expire"));
  g_free (error->message);
  error->message = text;
}

static void
exchanged_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Exchange *x = g_task_get_task_data (task);
  g_autoptr(BearerHttpReply) reply = NULL;
  g_autoptr(JsonObject) object = NULL;
  GError *error = NULL;

  reply = bearer_client_send_finish (BEARER_CLIENT (source), result, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (SOUP_STATUS_IS_REDIRECTION (reply->status))
    {
      error = g_error_new (BEARER_ERROR, BEARER_ERROR_REDIRECT,
                           x->introspect
                           /* Translators: %u is an HTTP status code (301, 302…). */
                           ? _("The introspection URL redirects (HTTP %u); redirects are not "
                               "followed: check the URL")
                           /* Translators: %u is an HTTP status code (301, 302…). */
                           : _("The revocation URL redirects (HTTP %u); redirects are not "
                               "followed: check the URL"), reply->status);
      bearer_error_set_http_status (error, reply->status);
      bearer_error_set_redirect_location (error, reply->location);
      g_task_return_error (task, error);
      return;
    }

  if (x->introspect)
    {
      BearerIntrospection *answer;

      answer = bearer_introspection_parse (reply->status, reply->content_type, reply->body, &error);
      if (answer == NULL)
        g_task_return_error (task, error);
      else
        g_task_return_pointer (task, answer, g_object_unref);
      return;
    }

  /* RFC 7009 §2.2: 200 is revoked (or was never valid); the body means
   * nothing. */
  if (SOUP_STATUS_IS_SUCCESSFUL (reply->status))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  object = bearer_reply_parse_object (reply->status, reply->content_type, reply->body,
                                      BEARER_GRANT_CLIENT_CREDENTIALS, &error);
  if (object != NULL)
    {
      error = g_error_new (BEARER_ERROR, BEARER_ERROR_HTTP_STATUS,
                           /* Translators: %u is an HTTP status code. */
                           _("The revocation endpoint answered HTTP %u"), reply->status);
      bearer_error_set_http_status (error, reply->status);
    }
  explain_unsupported (error, x->kind);
  g_task_return_error (task, error);
}

static void
exchange_async (BearerProfile       *profile,
                const BearerSecrets *secrets,
                BearerTokenKind      kind,
                gboolean             introspect,
                gpointer             source_tag,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) request_secrets = NULL;
  g_auto(GStrv) known = NULL;
  const char *url;
  const char *token;
  Exchange *x;
  GError *error = NULL;

  g_return_if_fail (BEARER_IS_PROFILE (profile));
  g_return_if_fail (secrets != NULL);
  g_return_if_fail (kind == BEARER_TOKEN_ACCESS || kind == BEARER_TOKEN_REFRESH);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  x = g_new0 (Exchange, 1);
  x->kind = kind;
  x->introspect = introspect;
  g_task_set_task_data (task, x, (GDestroyNotify) exchange_free);

  url = introspect ? bearer_profile_get_introspection_url (profile)
                   : bearer_profile_get_revocation_url (profile);
  if (url == NULL || *url == '\0')
    {
      g_task_return_error (task, no_endpoint_error (profile, introspect));
      return;
    }
  x->url = g_strdup (url);
  if (!bearer_token_url_check (url, bearer_profile_get_allow_insecure_http (profile), &error))
    {
      g_task_return_error (task, endpoint_url_error (error, introspect));
      return;
    }

  token = kind == BEARER_TOKEN_REFRESH ? bearer_secrets_get_refresh_token (secrets)
                                       : bearer_secrets_get_access_token (secrets);
  if (token == NULL || *token == '\0')
    {
      g_task_return_error (task, no_token_error (profile, kind));
      return;
    }

  /* The refresh transaction's own request: its client authentication. */
  request = bearer_refresh_build_request (profile, secrets);
  message = bearer_token_request_build_about_token (request, url, token,
                                                    kind == BEARER_TOKEN_REFRESH ? "refresh_token"
                                                                                 : "access_token",
                                                    &error);
  if (message == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  request_secrets = bearer_token_request_dup_secrets (request);
  builder = g_strv_builder_new ();
  g_strv_builder_addv (builder, (const char **) request_secrets);
  g_strv_builder_add (builder, token);
  if (bearer_secrets_get_access_token (secrets) != NULL)
    g_strv_builder_add (builder, bearer_secrets_get_access_token (secrets));
  known = g_strv_builder_end (builder);

  bearer_client_send_async (bearer_client_get_default (), message,
                            bearer_token_request_get_timeout (request),
                            bearer_profile_get_ca_file (profile), (const char * const *) known,
                            cancellable, exchanged_cb, g_steal_pointer (&task));
}

/**
 * bearer_revoke_token_async:
 * @secrets: the profile's secrets (the token and the client secret)
 * @kind: %BEARER_TOKEN_ACCESS or %BEARER_TOKEN_REFRESH
 *
 * Asks the profile's revocation endpoint to revoke one token (RFC 7009),
 * with the profile's client authentication. Nothing is forgotten here.
 */
void
bearer_revoke_token_async (BearerProfile       *profile,
                           const BearerSecrets *secrets,
                           BearerTokenKind      kind,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  exchange_async (profile, secrets, kind, FALSE, bearer_revoke_token_async,
                  cancellable, callback, user_data);
}

/**
 * bearer_revoke_token_finish:
 *
 * Returns: %TRUE when the server answered 200 (revoked, or a token it did
 *   not know); else %FALSE with a %BEARER_ERROR: no endpoint or no token
 *   (%BEARER_ERROR_MISSING_PARAMETER), the server's refusal
 *   (`unsupported_token_type` explained), the transport's error
 */
gboolean
bearer_revoke_token_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bearer_revoke_token_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * bearer_introspect_token_async:
 * @kind: %BEARER_TOKEN_ACCESS or %BEARER_TOKEN_REFRESH
 *
 * Asks the profile's introspection endpoint about one token (RFC 7662).
 */
void
bearer_introspect_token_async (BearerProfile       *profile,
                               const BearerSecrets *secrets,
                               BearerTokenKind      kind,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  exchange_async (profile, secrets, kind, TRUE, bearer_introspect_token_async,
                  cancellable, callback, user_data);
}

/**
 * bearer_introspect_token_finish:
 *
 * Returns: (transfer full): the server's answer, or %NULL with an error
 */
BearerIntrospection *
bearer_introspect_token_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bearer_introspect_token_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- on a connection ------------------------------------------------------- */

typedef struct {
  BearerTokenKind which;
  BearerRevokeFlags flags;
  BearerSecrets *secrets;       /* as read before asking the server */
  BearerTokenKind todo;         /* still to ask about */
  BearerTokenKind confirmed;    /* revoked at the server */
  GError *server_error;
} Revoke;

static void
revoke_free (Revoke *r)
{
  g_clear_pointer (&r->secrets, bearer_secrets_unref);
  g_clear_error (&r->server_error);
  g_free (r);
}

typedef struct {
  BearerTokenKind forget;
  char *access_token;
  char *refresh_token;
  gboolean any;                 /* forget whatever is stored now */
} Forget;

static void
forget_free (Forget *f)
{
  g_clear_pointer (&f->access_token, bearer_secret_free);
  g_clear_pointer (&f->refresh_token, bearer_secret_free);
  g_free (f);
}

/* Under the profile's lock, on the bundle as stored now. */
static void
forget_tokens (BearerSecrets *secrets,
               gpointer       user_data)
{
  Forget *f = user_data;

  if ((f->forget & BEARER_TOKEN_ACCESS) &&
      (f->any || g_strcmp0 (bearer_secrets_get_access_token (secrets), f->access_token) == 0))
    bearer_secrets_set_access_token (secrets, NULL, NULL, 0, NULL);
  if ((f->forget & BEARER_TOKEN_REFRESH) &&
      (f->any || g_strcmp0 (bearer_secrets_get_refresh_token (secrets), f->refresh_token) == 0))
    {
      bearer_secrets_set_refresh_token (secrets, NULL);
      bearer_secrets_set_needs_sign_in (secrets, FALSE);
    }
}

static void
forgotten_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BearerConnection *self = g_task_get_source_object (task);
  Revoke *r = g_task_get_task_data (task);
  g_autoptr(BearerSecrets) stored = NULL;
  GError *error = NULL;

  stored = bearer_profile_update_secrets_finish (result, &error);
  if (stored == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  bearer_connection_set_secrets (self, stored);

  if (r->server_error != NULL)
    g_task_return_error (task, g_steal_pointer (&r->server_error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
forget_confirmed (GTask *task)
{
  BearerConnection *self = g_task_get_source_object (task);
  Revoke *r = g_task_get_task_data (task);
  Forget *f;

  f = g_new0 (Forget, 1);
  f->any = (r->flags & BEARER_REVOKE_FORGET) != 0;
  f->forget = f->any ? r->which : r->confirmed;
  if (f->forget == 0)
    {
      g_task_return_error (task, g_steal_pointer (&r->server_error));
      g_object_unref (task);
      forget_free (f);
      return;
    }
  f->access_token = g_strdup (bearer_secrets_get_access_token (r->secrets));
  f->refresh_token = g_strdup (bearer_secrets_get_refresh_token (r->secrets));

  /* Not cancellable: what the server revoked is forgotten. */
  bearer_profile_update_secrets_async (bearer_connection_get_profile (self), forget_tokens, f,
                                       (GDestroyNotify) forget_free, NULL, forgotten_cb, task);
}

static void revoke_next (GTask *task);

static void
revoked_one_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Revoke *r = g_task_get_task_data (task);
  BearerTokenKind kind = (r->todo & BEARER_TOKEN_REFRESH) ? BEARER_TOKEN_REFRESH : BEARER_TOKEN_ACCESS;
  GError *error = NULL;

  r->todo &= ~kind;
  if (bearer_revoke_token_finish (result, &error))
    r->confirmed |= kind;
  else
    {
      r->server_error = error;
      /* A cancelled sign-out forgets nothing it was not sure of. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        r->flags &= ~BEARER_REVOKE_FORGET;
      r->todo = 0;
    }
  revoke_next (task);
}

static void
revoke_next (GTask *task)
{
  BearerConnection *self = g_task_get_source_object (task);
  Revoke *r = g_task_get_task_data (task);

  /* The refresh token first: it is the one that lives long. */
  if (r->todo & BEARER_TOKEN_REFRESH)
    bearer_revoke_token_async (bearer_connection_get_profile (self), r->secrets, BEARER_TOKEN_REFRESH,
                               g_task_get_cancellable (task), revoked_one_cb, task);
  else if (r->todo & BEARER_TOKEN_ACCESS)
    bearer_revoke_token_async (bearer_connection_get_profile (self), r->secrets, BEARER_TOKEN_ACCESS,
                               g_task_get_cancellable (task), revoked_one_cb, task);
  else
    forget_confirmed (task);
}

static void
revoke_read_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  BearerConnection *self = g_task_get_source_object (task);
  Revoke *r = g_task_get_task_data (task);
  BearerProfile *profile = bearer_connection_get_profile (self);
  const char *url = bearer_profile_get_revocation_url (profile);
  GError *error = NULL;

  r->secrets = bearer_secrets_lookup_finish (result, &error);
  if (r->secrets == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  if ((r->which & BEARER_TOKEN_REFRESH) && bearer_secrets_get_refresh_token (r->secrets) != NULL)
    r->todo |= BEARER_TOKEN_REFRESH;
  if ((r->which & BEARER_TOKEN_ACCESS) && bearer_secrets_get_access_token (r->secrets) != NULL)
    r->todo |= BEARER_TOKEN_ACCESS;

  if (r->todo == 0)
    {
      g_task_return_new_error (task, BEARER_ERROR, BEARER_ERROR_MISSING_PARAMETER,
                               r->which == BEARER_TOKEN_ACCESS
                               /* Translators: %s is a connection’s name. */
                               ? _("No access token is stored for “%s”: there is nothing to revoke")
                               : r->which == BEARER_TOKEN_REFRESH
                               /* Translators: %s is a connection’s name. */
                               ? _("No refresh token is stored for “%s”: there is nothing to revoke")
                               /* Translators: %s is a connection’s name. */
                               : _("No token is stored for “%s”: there is nothing to revoke"),
                               bearer_profile_get_name (profile));
      g_object_unref (task);
      return;
    }

  if (url == NULL || *url == '\0')
    {
      r->server_error = no_endpoint_error (profile, FALSE);
      r->todo = 0;
    }
  revoke_next (task);
}

static void
revoke_flushed_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  BearerConnection *self = BEARER_CONNECTION (source);
  GError *error = NULL;

  /* The client secret as typed is the one to authenticate with. */
  if (!bearer_connection_flush_finish (self, result, &error) ||
      g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  bearer_secrets_lookup_async (bearer_connection_get_id (self), g_task_get_cancellable (task),
                               revoke_read_cb, task);
}

/**
 * bearer_connection_revoke_async:
 * @which: the tokens to revoke (%BEARER_TOKEN_ALL: the refresh token, then
 *   the access token)
 * @flags: %BEARER_REVOKE_FORGET to forget the tokens here even when the
 *   server does not confirm
 *
 * Signs out: writes what was typed, reads the tokens from the keyring, asks
 * the revocation endpoint to revoke each (stopping at the first failure),
 * then, under the profile's lock, forgets the tokens the server confirmed
 * (all of @which with %BEARER_REVOKE_FORGET). The client secret stays.
 */
void
bearer_connection_revoke_async (BearerConnection    *self,
                                BearerTokenKind      which,
                                BearerRevokeFlags    flags,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;
  Revoke *r;

  g_return_if_fail (BEARER_IS_CONNECTION (self));
  g_return_if_fail (which != 0 && (which & ~BEARER_TOKEN_ALL) == 0);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bearer_connection_revoke_async);
  /* What the server revoked is forgotten, even if the caller gave up. */
  g_task_set_check_cancellable (task, FALSE);
  r = g_new0 (Revoke, 1);
  r->which = which;
  r->flags = flags;
  g_task_set_task_data (task, r, (GDestroyNotify) revoke_free);

  bearer_connection_flush_async (self, revoke_flushed_cb, task);
}

/**
 * bearer_connection_revoke_finish:
 *
 * Returns: %TRUE when the server revoked every token asked for and they are
 *   forgotten; else %FALSE with the first error: the server's or the
 *   network's (with %BEARER_REVOKE_FORGET the tokens were forgotten all the
 *   same), %BEARER_ERROR_MISSING_PARAMETER when no revocation URL is set
 *   (likewise) or no token is stored, or the keyring's (nothing forgotten)
 */
gboolean
bearer_connection_revoke_finish (BearerConnection  *self,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bearer_connection_revoke_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
introspected_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BearerIntrospection *answer;
  GError *error = NULL;

  answer = bearer_introspect_token_finish (result, &error);
  if (answer == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, answer, g_object_unref);
}

static void
introspect_read_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  BearerConnection *self = g_task_get_source_object (task);
  BearerTokenKind kind = GPOINTER_TO_UINT (g_task_get_task_data (task));
  g_autoptr(BearerSecrets) secrets = NULL;
  GError *error = NULL;

  secrets = bearer_secrets_lookup_finish (result, &error);
  if (secrets == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  bearer_introspect_token_async (bearer_connection_get_profile (self), secrets, kind,
                                 g_task_get_cancellable (task), introspected_cb, task);
}

/**
 * bearer_connection_introspect_async:
 * @kind: %BEARER_TOKEN_ACCESS or %BEARER_TOKEN_REFRESH
 *
 * Asks the introspection endpoint about the token the keyring holds.
 * Nothing is changed.
 */
void
bearer_connection_introspect_async (BearerConnection    *self,
                                    BearerTokenKind      kind,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (BEARER_IS_CONNECTION (self));
  g_return_if_fail (kind == BEARER_TOKEN_ACCESS || kind == BEARER_TOKEN_REFRESH);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bearer_connection_introspect_async);
  g_task_set_task_data (task, GUINT_TO_POINTER (kind), NULL);
  bearer_secrets_lookup_async (bearer_connection_get_id (self), cancellable, introspect_read_cb, task);
}

/**
 * bearer_connection_introspect_finish:
 *
 * Returns: (transfer full): the server's answer, or %NULL with an error
 */
BearerIntrospection *
bearer_connection_introspect_finish (BearerConnection  *self,
                                     GAsyncResult      *result,
                                     GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bearer_connection_introspect_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
