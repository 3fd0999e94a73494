/* bearer-discovery.c: an authorization server's endpoints from its issuer
 *
 * OpenID Connect Discovery 1.0 and RFC 8414: the metadata document is
 * fetched from `ISSUER/.well-known/openid-configuration`, then from
 * `https://HOST/.well-known/oauth-authorization-server/PATH`. It is used
 * only when its `issuer` is the one asked for (a server answering for
 * another could otherwise send the sign-in elsewhere), and every endpoint in
 * it must pass the rules of a token URL (https://, plain http:// only to
 * loopback unless allowed, no user name or password). The transport is the
 * token requests': TLS verified, no redirect followed, the 1 MiB cap, the
 * time-out (bearer_client_send_async()).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "bearer-client-private.h"
#include "bearer-discovery.h"
#include "bearer-enum-types.h"
#include "bearer-error-private.h"
#include "bearer-json-private.h"
#include "bearer-redact.h"
#include "bearer-token-request.h"

struct _BearerDiscovery
{
  GObject parent_instance;

  char *issuer;
  char *document_url;
  char *authorization_endpoint;
  char *token_endpoint;
  char *device_authorization_endpoint;
  char *revocation_endpoint;
  char *introspection_endpoint;
  /* RFC 8705 §5: where a client with a certificate goes instead */
  char *mtls_token_endpoint;
  char *mtls_device_authorization_endpoint;
  char *mtls_revocation_endpoint;
  char *mtls_introspection_endpoint;
  char **grant_types;
  char **auth_methods;
  char **auth_signing_algs;
  char **pkce_methods;
  char **scopes;
};

G_DEFINE_FINAL_TYPE (BearerDiscovery, bearer_discovery, G_TYPE_OBJECT)

static void
bearer_discovery_finalize (GObject *object)
{
  BearerDiscovery *self = BEARER_DISCOVERY (object);

  g_free (self->issuer);
  g_free (self->document_url);
  g_free (self->authorization_endpoint);
  g_free (self->token_endpoint);
  g_free (self->device_authorization_endpoint);
  g_free (self->revocation_endpoint);
  g_free (self->introspection_endpoint);
  g_free (self->mtls_token_endpoint);
  g_free (self->mtls_device_authorization_endpoint);
  g_free (self->mtls_revocation_endpoint);
  g_free (self->mtls_introspection_endpoint);
  g_strfreev (self->grant_types);
  g_strfreev (self->auth_methods);
  g_strfreev (self->auth_signing_algs);
  g_strfreev (self->pkce_methods);
  g_strfreev (self->scopes);

  G_OBJECT_CLASS (bearer_discovery_parent_class)->finalize (object);
}

static void
bearer_discovery_class_init (BearerDiscoveryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bearer_discovery_finalize;
}

static void
bearer_discovery_init (BearerDiscovery *self)
{
}

/* The issuer as typed, without the one trailing slash that people add or
 * leave out (Auth0's issuers end in '/', Keycloak's do not). */
static char *
issuer_base (const char *issuer)
{
  gsize len = strlen (issuer);

  while (len > 0 && issuer[len - 1] == '/')
    len--;
  return g_strndup (issuer, len);
}

static gboolean
same_issuer (const char *a,
             const char *b)
{
  g_autofree char *x = issuer_base (a);
  g_autofree char *y = issuer_base (b);

  return g_str_equal (x, y);
}

/**
 * bearer_discovery_dup_well_known_url:
 * @issuer: an issuer (`https://id.example.com/realms/acme`)
 * @oidc: %TRUE for OpenID Connect's address, %FALSE for RFC 8414's
 *
 * Returns: (transfer full) (nullable): `ISSUER/.well-known/openid-configuration`,
 *   or `https://HOST/.well-known/oauth-authorization-server/PATH`; %NULL when
 *   @issuer is not a web address
 */
char *
bearer_discovery_dup_well_known_url (const char *issuer,
                                     gboolean    oidc)
{
  g_autofree char *base = NULL;
  g_autofree char *well_known = NULL;
  g_autoptr(GUri) uri = NULL;
  const char *path;

  g_return_val_if_fail (issuer != NULL, NULL);

  base = issuer_base (issuer);
  if (oidc)
    return g_strconcat (base, "/.well-known/openid-configuration", NULL);

  uri = g_uri_parse (base, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL)
    return NULL;
  path = g_uri_get_path (uri);
  well_known = g_strconcat ("/.well-known/oauth-authorization-server", path, NULL);
  return g_uri_join (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                     g_uri_get_port (uri), well_known, NULL, NULL);
}

/* ---- reading a document --------------------------------------------------- */

static const char *
member_text (JsonObject *object,
             const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static char **
member_strv (JsonObject *object,
             const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  g_autoptr(GStrvBuilder) builder = NULL;
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  builder = g_strv_builder_new ();
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING)
        g_strv_builder_add (builder, json_node_get_string (item));
    }
  return g_strv_builder_end (builder);
}

static GError *
discovery_error (const char *format,
                 ...) G_GNUC_PRINTF (1, 2);

static GError *
discovery_error (const char *format,
                 ...)
{
  va_list args;
  GError *error;

  va_start (args, format);
  error = g_error_new_valist (BEARER_ERROR, BEARER_ERROR_DISCOVERY, format, args);
  va_end (args);
  return error;
}

/* An endpoint of the document: absent is fine, unusable is an error. */
static gboolean
read_endpoint (JsonObject  *object,
               const char  *name,
               gboolean     allow_insecure_http,
               char       **out,
               GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);
  g_autoptr(GError) local_error = NULL;
  const char *url;

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  url = member_text (object, name);
  if (url == NULL || !bearer_token_url_check (url, allow_insecure_http, &local_error))
    {
      *error = discovery_error (/* Translators: the first %s is the name of a member of the
                                 * discovery document (token_endpoint…), not translated; the
                                 * second why it cannot be used. */
                                _("The server’s discovery document gives a %s that cannot be used: %s"),
                                name, local_error != NULL ? local_error->message
                                                          : _("it is not text"));
      return FALSE;
    }
  *out = g_strdup (url);
  return TRUE;
}

/**
 * bearer_discovery_new_from_data:
 * @issuer: the issuer asked for
 * @document_url: where @document came from (for messages)
 * @document: the metadata document (JSON)
 * @allow_insecure_http: whether endpoints may use plain http:// to a host
 *   that is not loopback
 *
 * Returns: (transfer full): the metadata, or %NULL with
 *   %BEARER_ERROR_DISCOVERY (not JSON, not an object, no or another issuer,
 *   no token endpoint, an unusable endpoint)
 */
BearerDiscovery *
bearer_discovery_new_from_data (const char  *issuer,
                                const char  *document_url,
                                GBytes      *document,
                                gboolean     allow_insecure_http,
                                GError     **error)
{
  g_autoptr(BearerDiscovery) self = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *detail = NULL;
  JsonObject *object;
  const char *found;
  gsize size;
  const char *data = g_bytes_get_data (document, &size);

  if (bearer_json_parse (data != NULL ? data : "", size, &root, &detail) != BEARER_JSON_OK ||
      !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_propagate_error (error, discovery_error (/* Translators: %s is a web address. */
                                                 _("The discovery document at “%s” is not a JSON "
                                                   "object"), document_url));
      return NULL;
    }
  object = json_node_get_object (root);

  found = member_text (object, "issuer");
  if (found == NULL)
    {
      g_propagate_error (error, discovery_error (/* Translators: %s is a web address; “issuer”
                                                  * is the name of a member, not translated. */
                                                 _("The discovery document at “%s” names no issuer"),
                                                 document_url));
      return NULL;
    }
  if (!same_issuer (found, issuer))
    {
      g_autofree char *shown = bearer_sanitize_server_text (found, -1, 200);

      g_propagate_error (error, discovery_error (/* Translators: the first %s is a web address,
                                                  * the second the issuer the document names,
                                                  * the third the one the user gave. */
                                                 _("The discovery document at “%s” is for the issuer "
                                                   "“%s”, not “%s”: it is not used"),
                                                 document_url, shown, issuer));
      return NULL;
    }

  self = g_object_new (BEARER_TYPE_DISCOVERY, NULL);
  self->issuer = g_strdup (found);
  self->document_url = g_strdup (document_url);

  if (!read_endpoint (object, "authorization_endpoint", allow_insecure_http,
                      &self->authorization_endpoint, error) ||
      !read_endpoint (object, "token_endpoint", allow_insecure_http, &self->token_endpoint, error) ||
      !read_endpoint (object, "device_authorization_endpoint", allow_insecure_http,
                      &self->device_authorization_endpoint, error) ||
      !read_endpoint (object, "revocation_endpoint", allow_insecure_http,
                      &self->revocation_endpoint, error) ||
      !read_endpoint (object, "introspection_endpoint", allow_insecure_http,
                      &self->introspection_endpoint, error))
    return NULL;

  /* RFC 8705 §5: mtls_endpoint_aliases, for the clients that send a
   * certificate; anything but an object is ignored. */
  {
    JsonNode *aliases = json_object_get_member (object, "mtls_endpoint_aliases");

    if (aliases != NULL && JSON_NODE_HOLDS_OBJECT (aliases))
      {
        JsonObject *a = json_node_get_object (aliases);

        if (!read_endpoint (a, "token_endpoint", allow_insecure_http, &self->mtls_token_endpoint, error) ||
            !read_endpoint (a, "device_authorization_endpoint", allow_insecure_http,
                            &self->mtls_device_authorization_endpoint, error) ||
            !read_endpoint (a, "revocation_endpoint", allow_insecure_http,
                            &self->mtls_revocation_endpoint, error) ||
            !read_endpoint (a, "introspection_endpoint", allow_insecure_http,
                            &self->mtls_introspection_endpoint, error))
          return NULL;
      }
  }

  if (self->token_endpoint == NULL)
    {
      g_propagate_error (error, discovery_error (/* Translators: %s is a web address;
                                                  * token_endpoint is the name of a member, not
                                                  * translated. */
                                                 _("The discovery document at “%s” gives no "
                                                   "token_endpoint"), document_url));
      return NULL;
    }

  self->grant_types = member_strv (object, "grant_types_supported");
  self->auth_methods = member_strv (object, "token_endpoint_auth_methods_supported");
  self->auth_signing_algs = member_strv (object, "token_endpoint_auth_signing_alg_values_supported");
  self->pkce_methods = member_strv (object, "code_challenge_methods_supported");
  self->scopes = member_strv (object, "scopes_supported");

  return g_steal_pointer (&self);
}

/* ---- fetching --------------------------------------------------------------- */

typedef struct {
  char *issuer;
  char *ca_file;
  gboolean allow_insecure_http;
  char *urls[2];
  guint next;
  GError *first_error;          /* of the first address, if it was not "not found" */
} Fetch;

static void
fetch_free (Fetch *f)
{
  g_free (f->issuer);
  g_free (f->ca_file);
  g_free (f->urls[0]);
  g_free (f->urls[1]);
  g_clear_error (&f->first_error);
  g_free (f);
}

static void try_next (GTask *task);

/* Why one address gave nothing: its own error, or NULL for "not found". */
static GError *
judge_reply (Fetch            *f,
             const char       *url,
             BearerHttpReply  *reply,
             BearerDiscovery **out)
{
  GError *error = NULL;

  *out = NULL;
  if (reply->status == 404 || reply->status == 410)
    return NULL;

  if (SOUP_STATUS_IS_REDIRECTION (reply->status))
    {
      g_autofree char *where = bearer_sanitize_server_text (reply->location, -1, 300);

      error = discovery_error (/* Translators: the first %s is a web address, %u an HTTP status
                                * (301, 302…), the last %s where it points. */
                               _("The discovery document at “%s” redirects (HTTP %u) to “%s”; "
                                 "redirects are not followed: check the issuer"),
                               url, reply->status, where != NULL ? where : "?");
      bearer_error_set_http_status (error, reply->status);
      return error;
    }

  if (reply->status < 200 || reply->status >= 300)
    {
      error = discovery_error (/* Translators: %s is a web address, %u an HTTP status (500…). */
                               _("The discovery document at “%s” could not be read: the server "
                                 "answered HTTP %u"), url, reply->status);
      bearer_error_set_http_status (error, reply->status);
      return error;
    }

  *out = bearer_discovery_new_from_data (f->issuer, url, reply->body, f->allow_insecure_http, &error);
  return error;
}

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  Fetch *f = g_task_get_task_data (task);
  const char *url = f->urls[f->next - 1];
  g_autoptr(BearerHttpReply) reply = NULL;
  g_autoptr(BearerDiscovery) discovery = NULL;
  GError *error = NULL;

  reply = bearer_client_send_finish (BEARER_CLIENT (source), result, &error);
  if (reply == NULL)
    {
      /* The network, TLS, a time-out, cancelled: the next address would
       * fare no better. */
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  error = judge_reply (f, url, reply, &discovery);
  if (discovery != NULL)
    {
      g_autofree char *shown = bearer_redact_url (url);

      g_debug ("discovery: %s", shown);
      g_task_return_pointer (task, g_steal_pointer (&discovery), g_object_unref);
      g_object_unref (task);
      return;
    }

  if (f->next == 1)
    f->first_error = error;
  else
    {
      /* The first address's own problem says more than a second "not found". */
      if (f->first_error != NULL)
        {
          g_clear_error (&error);
          error = g_steal_pointer (&f->first_error);
        }
      else if (error == NULL)
        error = discovery_error (/* Translators: %s is the issuer the user gave. */
                                 _("No discovery document was found for the issuer “%s” (neither "
                                   "OpenID Connect’s nor RFC 8414’s address answered)"), f->issuer);
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  try_next (task);
}

static void
try_next (GTask *task)
{
  Fetch *f = g_task_get_task_data (task);
  g_autoptr(SoupMessage) message = NULL;
  const char *url;

  /* Without a path the two addresses are one. */
  while (f->next < G_N_ELEMENTS (f->urls) && f->next > 0 &&
         g_strcmp0 (f->urls[f->next], f->urls[f->next - 1]) == 0)
    f->next++;
  if (f->next >= G_N_ELEMENTS (f->urls))
    {
      GError *error = f->first_error != NULL
                      ? g_steal_pointer (&f->first_error)
                      : discovery_error (_("No discovery document was found for the issuer “%s” "
                                           "(neither OpenID Connect’s nor RFC 8414’s address "
                                           "answered)"), f->issuer);
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  url = f->urls[f->next++];
  message = soup_message_new (SOUP_METHOD_GET, url);
  soup_message_headers_replace (soup_message_get_request_headers (message), "Accept", "application/json");
  bearer_client_send_async (bearer_client_get_default (), message, BEARER_TOKEN_REQUEST_DEFAULT_TIMEOUT,
                            f->ca_file, NULL, g_task_get_cancellable (task), fetched_cb, task);
}

/**
 * bearer_discovery_fetch_async:
 * @issuer: the issuer (`https://id.example.com/realms/acme`)
 * @ca_file: (nullable): a PEM file trusted in addition to the system's
 * @allow_insecure_http: whether plain http:// to a host that is not
 *   loopback is allowed (for the issuer and the endpoints)
 *
 * Fetches and checks the issuer's metadata (see the top of this file).
 */
void
bearer_discovery_fetch_async (const char          *issuer,
                              const char          *ca_file,
                              gboolean             allow_insecure_http,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task;
  Fetch *f;
  GError *error = NULL;
  g_autoptr(GUri) uri = NULL;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bearer_discovery_fetch_async);

  if (issuer == NULL || !bearer_token_url_check (issuer, allow_insecure_http, &error))
    {
      if (error == NULL)
        error = discovery_error ("%s", _("No issuer is set"));
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  uri = g_uri_parse (issuer, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL || g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      /* Named without the values of its query and fragment: a pasted
       * address may carry a token. */
      g_autofree char *shown = bearer_redact_url (issuer);

      g_task_return_error (task, discovery_error (/* Translators: %s is the issuer as typed, its
                                                   * values masked. */
                                                  _("The issuer “%s” must be a plain web address, "
                                                    "without “?” or “#”"), shown));
      g_object_unref (task);
      return;
    }

  f = g_new0 (Fetch, 1);
  f->issuer = g_strdup (issuer);
  f->ca_file = g_strdup (ca_file);
  f->allow_insecure_http = allow_insecure_http;
  f->urls[0] = bearer_discovery_dup_well_known_url (issuer, TRUE);
  f->urls[1] = bearer_discovery_dup_well_known_url (issuer, FALSE);
  g_task_set_task_data (task, f, (GDestroyNotify) fetch_free);

  try_next (task);
}

/**
 * bearer_discovery_fetch_finish:
 *
 * Returns: (transfer full): the metadata, or %NULL with a %BEARER_ERROR
 *   (%BEARER_ERROR_DISCOVERY, a transport error) or %G_IO_ERROR_CANCELLED
 */
BearerDiscovery *
bearer_discovery_fetch_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bearer_discovery_fetch_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- getters ------------------------------------------------------------------ */

#define GETTER(field) \
  const char * \
  bearer_discovery_get_##field (BearerDiscovery *self) \
  { \
    g_return_val_if_fail (BEARER_IS_DISCOVERY (self), NULL); \
    return self->field; \
  }

GETTER (issuer)
GETTER (document_url)
GETTER (authorization_endpoint)
GETTER (token_endpoint)
GETTER (device_authorization_endpoint)
GETTER (revocation_endpoint)
GETTER (introspection_endpoint)

#define STRV_GETTER(name, field) \
  const char * const * \
  bearer_discovery_get_##name (BearerDiscovery *self) \
  { \
    g_return_val_if_fail (BEARER_IS_DISCOVERY (self), NULL); \
    return (const char * const *) self->field; \
  }

STRV_GETTER (grant_types, grant_types)
STRV_GETTER (auth_methods, auth_methods)
STRV_GETTER (pkce_methods, pkce_methods)
STRV_GETTER (scopes, scopes)

/**
 * bearer_discovery_supports_pkce_s256:
 *
 * Returns: whether the server lists S256 in `code_challenge_methods_supported`
 */
gboolean
bearer_discovery_supports_pkce_s256 (BearerDiscovery *self)
{
  g_return_val_if_fail (BEARER_IS_DISCOVERY (self), FALSE);
  return self->pkce_methods != NULL && g_strv_contains ((const char * const *) self->pkce_methods, "S256");
}

/**
 * bearer_discovery_apply:
 *
 * Sets the profile's issuer and every endpoint the document gives; for a
 * profile that authenticates with a client certificate, the document's
 * `mtls_endpoint_aliases` (RFC 8705 §5) where it gives them.
 */
void
bearer_discovery_apply (BearerDiscovery *self,
                        BearerProfile   *profile)
{
  gboolean mtls;

  g_return_if_fail (BEARER_IS_DISCOVERY (self));
  g_return_if_fail (BEARER_IS_PROFILE (profile));

  mtls = bearer_client_auth_uses_certificate (bearer_profile_get_client_auth (profile));
#define PICK(field) (mtls && self->mtls_##field != NULL ? self->mtls_##field : self->field)

  g_object_freeze_notify (G_OBJECT (profile));
  bearer_profile_set_issuer (profile, self->issuer);
  bearer_profile_set_token_url (profile, PICK (token_endpoint));
  if (self->authorization_endpoint != NULL)
    bearer_profile_set_authorization_url (profile, self->authorization_endpoint);
  if (PICK (device_authorization_endpoint) != NULL)
    bearer_profile_set_device_authorization_url (profile, PICK (device_authorization_endpoint));
  if (PICK (revocation_endpoint) != NULL)
    bearer_profile_set_revocation_url (profile, PICK (revocation_endpoint));
  if (PICK (introspection_endpoint) != NULL)
    bearer_profile_set_introspection_url (profile, PICK (introspection_endpoint));
  g_object_thaw_notify (G_OBJECT (profile));
#undef PICK
}

static const char *
auth_method_name (BearerClientAuth auth)
{
  switch (auth)
    {
    case BEARER_CLIENT_AUTH_POST:
      return "client_secret_post";
    case BEARER_CLIENT_AUTH_NONE:
      return "none";
    case BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT:
      return "private_key_jwt";
    case BEARER_CLIENT_AUTH_CLIENT_SECRET_JWT:
      return "client_secret_jwt";
    case BEARER_CLIENT_AUTH_TLS_CLIENT_AUTH:
      return "tls_client_auth";
    case BEARER_CLIENT_AUTH_SELF_SIGNED_TLS_CLIENT_AUTH:
      return "self_signed_tls_client_auth";
    case BEARER_CLIENT_AUTH_BASIC:
    case BEARER_CLIENT_AUTH_BASIC_RAW:
    default:
      return "client_secret_basic";
    }
}

/**
 * bearer_discovery_dup_warnings:
 *
 * What the server says it does not support of what @profile will ask for:
 * PKCE S256 (for the authorization-code grant), the profile's grant, its
 * client authentication, a device grant without a device authorization
 * endpoint. Each a sentence for the user.
 *
 * Returns: (transfer full): the warnings, maybe none
 */
char **
bearer_discovery_dup_warnings (BearerDiscovery *self,
                               BearerProfile   *profile)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  BearerGrantType grant;
  const char *wire;
  const char *method;

  g_return_val_if_fail (BEARER_IS_DISCOVERY (self), NULL);
  g_return_val_if_fail (BEARER_IS_PROFILE (profile), NULL);

  grant = bearer_profile_get_grant_type (profile);
  wire = bearer_grant_type_to_wire (grant);

  if (grant == BEARER_GRANT_AUTHORIZATION_CODE &&
      bearer_profile_get_pkce_method (profile) == BEARER_PKCE_S256 &&
      !bearer_discovery_supports_pkce_s256 (self))
    g_strv_builder_add (builder, _("The server does not list PKCE with S256 among its code "
                                   "challenge methods: it may ignore PKCE, or refuse the sign-in"));

  if (grant == BEARER_GRANT_AUTHORIZATION_CODE && self->authorization_endpoint == NULL)
    g_strv_builder_add (builder, _("The server’s discovery document gives no authorization "
                                   "endpoint: signing in with the browser needs one"));

  if (grant == BEARER_GRANT_DEVICE_CODE && self->device_authorization_endpoint == NULL)
    g_strv_builder_add (builder, _("The server’s discovery document gives no device "
                                   "authorization endpoint: the device grant needs one"));

  if (self->grant_types != NULL && !g_strv_contains ((const char * const *) self->grant_types, wire))
    {
      /* Translators: %s is a grant type (authorization_code…), not translated. */
      g_autofree char *text = g_strdup_printf (_("The server does not list the grant %s among the "
                                                 "grants it supports"), wire);
      g_strv_builder_add (builder, text);
    }

  method = auth_method_name (bearer_profile_get_client_auth (profile));
  if (self->auth_methods != NULL && !g_strv_contains ((const char * const *) self->auth_methods, method))
    {
      g_autofree char *listed = g_strjoinv (", ", self->auth_methods);
      /* Translators: the first %s is a client authentication method of OAuth
       * (client_secret_basic…), the second the list the server gives; neither
       * is translated. */
      g_autofree char *text = g_strdup_printf (_("The server does not list the client authentication "
                                                 "%s (it lists: %s)"), method, listed);
      g_strv_builder_add (builder, text);
    }

  /* A client assertion's algorithm, when the profile names one (with a
   * private key, "automatic" depends on a key discovery does not see). */
  if (bearer_client_auth_uses_assertion (bearer_profile_get_client_auth (profile)) &&
      self->auth_signing_algs != NULL)
    {
      BearerSigningAlg alg = bearer_profile_get_signing_alg (profile);
      const char *name;

      if (alg == BEARER_SIGNING_ALG_AUTO &&
          bearer_profile_get_client_auth (profile) == BEARER_CLIENT_AUTH_CLIENT_SECRET_JWT)
        alg = BEARER_SIGNING_ALG_HS256;
      name = bearer_enum_to_nick (BEARER_TYPE_SIGNING_ALG, alg);
      if (alg != BEARER_SIGNING_ALG_AUTO &&
          !g_strv_contains ((const char * const *) self->auth_signing_algs, name))
        {
          g_autofree char *listed = g_strjoinv (", ", self->auth_signing_algs);
          /* Translators: the first %s is a signing algorithm (RS256, ES256…),
           * the second the list the server gives; neither is translated. */
          g_autofree char *text = g_strdup_printf (_("The server does not list the signing algorithm "
                                                     "%s for client assertions (it lists: %s)"),
                                                   name, listed);
          g_strv_builder_add (builder, text);
        }
    }

  return g_strv_builder_end (builder);
}
