/* bearer-token-request.c: one request to a token endpoint
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "bearer-client-assertion.h"
#include "bearer-client-certificate.h"
#include "bearer-dpop.h"
#include "bearer-error-private.h"
#include "bearer-form.h"
#include "bearer-redact.h"
#include "bearer-token-request.h"

typedef struct {
  BearerParamLocation location;
  char *name;
  char *value;
} Param;

/* What a message built from a request asks for. */
typedef enum {
  MESSAGE_TOKEN,
  MESSAGE_DEVICE_AUTHORIZATION, /* RFC 8628 §3.1 */
  MESSAGE_ABOUT_TOKEN,          /* revocation (RFC 7009), introspection (RFC 7662) */
} MessageKind;

/* The token a revocation or introspection request is about. */
typedef struct {
  const char *token;
  const char *hint;             /* nullable */
} AboutToken;

struct _BearerTokenRequest
{
  GObject parent_instance;

  BearerGrantType grant_type;
  char *token_url;

  char *client_id;
  char *client_secret;          /* secret */
  BearerClientAuth client_auth;
  BearerBodyEncoding body_encoding;
  char *private_key;            /* secret: PEM, for private_key_jwt */
  BearerSigningAlg signing_alg;
  char *key_id;
  char *assertion_audience;     /* NULL: the endpoint's URL */
  char *assertion_placeholder;  /* sent instead of a signed assertion: the preview's */

  char *refresh_token;          /* secret */
  char *username;
  char *password;               /* secret */
  char *code;                   /* secret */
  char *redirect_uri;
  char *code_verifier;          /* secret */
  char *device_code;            /* secret */

  char *scope;
  char *audience;
  char *resource;
  GArray *params;               /* of Param */

  guint timeout;
  char *ca_file;
  gboolean allow_insecure_http;

  char *client_certificate_file;
  char *client_key;             /* secret: PEM private key */
  gboolean skip_client_certificate;

  char *dpop_key;               /* secret: PEM, DPoP proofs (RFC 9449) */
  char *dpop_placeholder;       /* sent instead of a signed proof: the preview's */
};

G_DEFINE_FINAL_TYPE (BearerTokenRequest, bearer_token_request, G_TYPE_OBJECT)

static void
param_clear (gpointer data)
{
  Param *param = data;

  g_free (param->name);
  /* A header or body parameter may be an API key: wipe it too. */
  bearer_secret_free (param->value);
}

static void
bearer_token_request_finalize (GObject *object)
{
  BearerTokenRequest *self = BEARER_TOKEN_REQUEST (object);

  g_free (self->token_url);
  g_free (self->client_id);
  bearer_secret_free (self->client_secret);
  bearer_secret_free (self->private_key);
  g_free (self->key_id);
  g_free (self->assertion_audience);
  g_free (self->assertion_placeholder);
  bearer_secret_free (self->refresh_token);
  g_free (self->username);
  bearer_secret_free (self->password);
  bearer_secret_free (self->code);
  g_free (self->redirect_uri);
  bearer_secret_free (self->code_verifier);
  bearer_secret_free (self->device_code);
  g_free (self->scope);
  g_free (self->audience);
  g_free (self->resource);
  g_array_unref (self->params);
  g_free (self->ca_file);
  g_free (self->client_certificate_file);
  bearer_secret_free (self->client_key);
  bearer_secret_free (self->dpop_key);
  g_free (self->dpop_placeholder);

  G_OBJECT_CLASS (bearer_token_request_parent_class)->finalize (object);
}

static void
bearer_token_request_class_init (BearerTokenRequestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = bearer_token_request_finalize;
}

static void
bearer_token_request_init (BearerTokenRequest *self)
{
  self->client_auth = BEARER_CLIENT_AUTH_BASIC;
  self->body_encoding = BEARER_BODY_FORM;
  self->timeout = BEARER_TOKEN_REQUEST_DEFAULT_TIMEOUT;
  self->params = g_array_new (FALSE, TRUE, sizeof (Param));
  g_array_set_clear_func (self->params, param_clear);
}

/* Empty strings mean "not set" everywhere: a form field left blank. */
static char *
dup_nonempty (const char *text)
{
  return (text != NULL && *text != '\0') ? g_strdup (text) : NULL;
}

static void
replace_secret (char       **field,
                const char  *value)
{
  bearer_secret_free (*field);
  *field = dup_nonempty (value);
}

static void
replace_string (char       **field,
                const char  *value)
{
  g_free (*field);
  *field = dup_nonempty (value);
}

/**
 * bearer_token_request_new:
 * @grant_type: the grant
 * @token_url: the token endpoint, e.g. `https://acme.processmaker.net/oauth/token`
 *
 * Creates a request with Basic client authentication, a form body and the
 * default timeout. Nothing is checked until it is built or sent.
 */
BearerTokenRequest *
bearer_token_request_new (BearerGrantType  grant_type,
                          const char      *token_url)
{
  BearerTokenRequest *self = g_object_new (BEARER_TYPE_TOKEN_REQUEST, NULL);

  self->grant_type = grant_type;
  self->token_url = g_strdup (token_url);
  return self;
}

BearerGrantType
bearer_token_request_get_grant_type (BearerTokenRequest *self)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_REQUEST (self), 0);
  return self->grant_type;
}

const char *
bearer_token_request_get_token_url (BearerTokenRequest *self)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_REQUEST (self), NULL);
  return self->token_url;
}

void
bearer_token_request_set_client (BearerTokenRequest *self,
                                 const char         *client_id,
                                 const char         *client_secret)
{
  g_return_if_fail (BEARER_IS_TOKEN_REQUEST (self));
  replace_string (&self->client_id, client_id);
  replace_secret (&self->client_secret, client_secret);
}

const char *
bearer_token_request_get_client_id (BearerTokenRequest *self)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_REQUEST (self), NULL);
  return self->client_id;
}

void
bearer_token_request_set_client_auth (BearerTokenRequest *self,
                                      BearerClientAuth    auth)
{
  g_return_if_fail (BEARER_IS_TOKEN_REQUEST (self));
  self->client_auth = auth;
}

BearerClientAuth
bearer_token_request_get_client_auth (BearerTokenRequest *self)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_REQUEST (self), 0);
  return self->client_auth;
}

/**
 * bearer_token_request_set_private_key:
 * @private_key: (nullable): the client's private key as PEM text, for
 *   %BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT
 */
void
bearer_token_request_set_private_key (BearerTokenRequest *self,
                                      const char         *private_key)
{
  g_return_if_fail (BEARER_IS_TOKEN_REQUEST (self));
  replace_secret (&self->private_key, private_key);
}

/**
 * bearer_token_request_set_assertion:
 * @alg: how a client assertion is signed (%BEARER_SIGNING_ALG_AUTO: RS256 or
 *   ES256 as the key is, HS256 with the client secret)
 * @key_id: (nullable): the `kid` of its header
 * @audience: (nullable): its `aud`; %NULL for the URL of the endpoint each
 *   message goes to
 *
 * How the client assertion of %BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT and
 * %BEARER_CLIENT_AUTH_CLIENT_SECRET_JWT is made. A new one is signed for
 * each message built.
 */
void
bearer_token_request_set_assertion (BearerTokenRequest *self,
                                    BearerSigningAlg    alg,
                                    const char         *key_id,
                                    const char         *audience)
{
  g_return_if_fail (BEARER_IS_TOKEN_REQUEST (self));
  self->signing_alg = alg;
  replace_string (&self->key_id, key_id);
  replace_string (&self->assertion_audience, audience);
}

/**
 * bearer_token_request_set_assertion_placeholder:
 * @placeholder: (nullable): text to send in place of the client assertion
 *
 * For the request preview: the assertion is signed when a request is sent,
 * so a snippet shows a placeholder. Nothing is signed while this is set.
 */
void
bearer_token_request_set_assertion_placeholder (BearerTokenRequest *self,
                                                const char         *placeholder)
{
  g_return_if_fail (BEARER_IS_TOKEN_REQUEST (self));
  replace_string (&self->assertion_placeholder, placeholder);
}

void
bearer_token_request_set_body_encoding (BearerTokenRequest *self,
                                        BearerBodyEncoding  encoding)
{
  g_return_if_fail (BEARER_IS_TOKEN_REQUEST (self));
  self->body_encoding = encoding;
}

void
bearer_token_request_set_refresh_token (BearerTokenRequest *self,
                                        const char         *refresh_token)
{
  g_return_if_fail (BEARER_IS_TOKEN_REQUEST (self));
  replace_secret (&self->refresh_token, refresh_token);
}

const char *
bearer_token_request_get_refresh_token (BearerTokenRequest *self)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_REQUEST (self), NULL);
  return self->refresh_token;
}

void
bearer_token_request_set_password (BearerTokenRequest *self,
                                   const char         *username,
                                   const char         *password)
{
  g_return_if_fail (BEARER_IS_TOKEN_REQUEST (self));
  replace_string (&self->username, username);
  replace_secret (&self->password, password);
}

void
bearer_token_request_set_authorization_code (BearerTokenRequest *self,
                                             const char         *code,
                                             const char         *redirect_uri,
                                             const char         *code_verifier)
{
  g_return_if_fail (BEARER_IS_TOKEN_REQUEST (self));
  replace_secret (&self->code, code);
  replace_string (&self->redirect_uri, redirect_uri);
  replace_secret (&self->code_verifier, code_verifier);
}

/**
 * bearer_token_request_set_device_code:
 * @device_code: the `device_code` of a device authorization (RFC 8628 §3.2)
 */
void
bearer_token_request_set_device_code (BearerTokenRequest *self,
                                      const char         *device_code)
{
  g_return_if_fail (BEARER_IS_TOKEN_REQUEST (self));
  replace_secret (&self->device_code, device_code);
}

void
bearer_token_request_set_scope (BearerTokenRequest *self,
                                const char         *scope)
{
  g_return_if_fail (BEARER_IS_TOKEN_REQUEST (self));
  replace_string (&self->scope, scope);
}

void
bearer_token_request_set_audience (BearerTokenRequest *self,
                                   const char         *audience)
{
  g_return_if_fail (BEARER_IS_TOKEN_REQUEST (self));
  replace_string (&self->audience, audience);
}

void
bearer_token_request_set_resource (BearerTokenRequest *self,
                                   const char         *resource)
{
  g_return_if_fail (BEARER_IS_TOKEN_REQUEST (self));
  replace_string (&self->resource, resource);
}

/**
 * bearer_token_request_add_parameter:
 * @location: where the parameter goes
 * @name: its name (checked when the message is built)
 * @value: its value; %NULL sends an empty value
 *
 * Adds an extra parameter, sent after the standard ones in the order added.
 */
void
bearer_token_request_add_parameter (BearerTokenRequest  *self,
                                    BearerParamLocation  location,
                                    const char          *name,
                                    const char          *value)
{
  Param param;

  g_return_if_fail (BEARER_IS_TOKEN_REQUEST (self));

  param.location = location;
  param.name = g_strdup (name != NULL ? name : "");
  param.value = g_strdup (value != NULL ? value : "");
  g_array_append_val (self->params, param);
}

/**
 * bearer_token_request_set_timeout:
 * @seconds: how long the whole exchange may take; 0 for no limit
 */
void
bearer_token_request_set_timeout (BearerTokenRequest *self,
                                  guint               seconds)
{
  g_return_if_fail (BEARER_IS_TOKEN_REQUEST (self));
  self->timeout = seconds;
}

guint
bearer_token_request_get_timeout (BearerTokenRequest *self)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_REQUEST (self), 0);
  return self->timeout;
}

/**
 * bearer_token_request_set_ca_file:
 * @ca_file: (nullable): a PEM file of certificates trusted for this request,
 *   in addition to the system's
 */
void
bearer_token_request_set_ca_file (BearerTokenRequest *self,
                                  const char         *ca_file)
{
  g_return_if_fail (BEARER_IS_TOKEN_REQUEST (self));
  replace_string (&self->ca_file, ca_file);
}

const char *
bearer_token_request_get_ca_file (BearerTokenRequest *self)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_REQUEST (self), NULL);
  return self->ca_file;
}

/**
 * bearer_token_request_set_allow_insecure_http:
 * @allow: whether plain `http://` may be used to a host that is not loopback
 *
 * Secrets sent over plain HTTP can be read by anyone on the way: only for
 * test servers on a trusted network. TLS verification has no such switch.
 */
void
bearer_token_request_set_allow_insecure_http (BearerTokenRequest *self,
                                              gboolean            allow)
{
  g_return_if_fail (BEARER_IS_TOKEN_REQUEST (self));
  self->allow_insecure_http = !!allow;
}

/**
 * bearer_token_request_set_client_certificate_file:
 * @path: (nullable): the PEM file of the client certificate, used when the
 *   client authentication is `tls` or `self-signed-tls` (RFC 8705)
 */
void
bearer_token_request_set_client_certificate_file (BearerTokenRequest *self,
                                                  const char         *path)
{
  g_return_if_fail (BEARER_IS_TOKEN_REQUEST (self));
  replace_string (&self->client_certificate_file, path);
}

const char *
bearer_token_request_get_client_certificate_file (BearerTokenRequest *self)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_REQUEST (self), NULL);
  return self->client_certificate_file;
}

/**
 * bearer_token_request_set_client_key:
 * @key_pem: (nullable): the private key of the client certificate, PEM
 *
 * The key is joined with the certificate in memory when the message is
 * built; it is never sent, written or logged.
 */
void
bearer_token_request_set_client_key (BearerTokenRequest *self,
                                     const char         *key_pem)
{
  g_return_if_fail (BEARER_IS_TOKEN_REQUEST (self));
  replace_secret (&self->client_key, key_pem);
}

/**
 * bearer_token_request_set_dpop_key:
 * @key_pem: (nullable): the connection's DPoP key (RFC 9449), PEM
 *
 * With a key, every token request built carries a `DPoP` proof signed
 * with it (and the latest nonce the server gave for it).
 */
void
bearer_token_request_set_dpop_key (BearerTokenRequest *self,
                                   const char         *key_pem)
{
  g_return_if_fail (BEARER_IS_TOKEN_REQUEST (self));
  replace_secret (&self->dpop_key, key_pem);
}

/**
 * bearer_token_request_set_dpop_placeholder:
 * @placeholder: (nullable): text sent as the `DPoP` header of a token
 *   request instead of a signed proof (the request preview's)
 */
void
bearer_token_request_set_dpop_placeholder (BearerTokenRequest *self,
                                           const char         *placeholder)
{
  g_return_if_fail (BEARER_IS_TOKEN_REQUEST (self));
  replace_string (&self->dpop_placeholder, placeholder);
}

const char *
bearer_token_request_get_dpop_key (BearerTokenRequest *self)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_REQUEST (self), NULL);
  return self->dpop_key;
}

void
bearer_token_request_set_skip_client_certificate (BearerTokenRequest *self,
                                                  gboolean            skip)
{
  g_return_if_fail (BEARER_IS_TOKEN_REQUEST (self));
  self->skip_client_certificate = !!skip;
}

/**
 * bearer_token_request_dup_secrets:
 *
 * Returns: (transfer full): the secrets this request carries, for
 *   bearer_redact(); free with g_strfreev()
 */
char **
bearer_token_request_dup_secrets (BearerTokenRequest *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  const char *secrets[] = {
    self->client_secret, self->refresh_token, self->password,
    self->code, self->code_verifier, self->device_code, self->private_key, self->client_key,
    self->dpop_key,
  };

  g_return_val_if_fail (BEARER_IS_TOKEN_REQUEST (self), NULL);

  for (guint i = 0; i < G_N_ELEMENTS (secrets); i++)
    if (secrets[i] != NULL)
      g_strv_builder_add (builder, secrets[i]);

  for (guint i = 0; i < self->params->len; i++)
    {
      Param *param = &g_array_index (self->params, Param, i);

      if (bearer_is_secret_field (param->name) && *param->value != '\0')
        g_strv_builder_add (builder, param->value);
    }

  return g_strv_builder_end (builder);
}

static gboolean
host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;

  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

static GUri *
parse_url (const char  *url,
           gboolean     allow_insecure_http,
           GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  const char *host;

  if (url == NULL || *url == '\0')
    {
      g_set_error_literal (error, BEARER_ERROR, BEARER_ERROR_INVALID_URL,
                           _("No token URL is set"));
      return NULL;
    }

  /* Never print a URL that may carry a password in its user information:
   * any URL with an '@' that is not a plain web address is refused as one. */
  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  if ((uri != NULL && (g_uri_get_user (uri) != NULL || g_uri_get_password (uri) != NULL)) ||
      (strchr (url, '@') != NULL &&
       (scheme == NULL ||
        (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0) ||
        g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')))
    {
      g_set_error_literal (error, BEARER_ERROR, BEARER_ERROR_INVALID_URL,
                           _("The token URL must not contain a user name or password"));
      return NULL;
    }

  host = uri != NULL ? g_uri_get_host (uri) : NULL;

  if (uri == NULL || scheme == NULL ||
      (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0))
    {
      g_set_error (error, BEARER_ERROR, BEARER_ERROR_INVALID_URL,
                   /* Translators: %s is the token URL as the user typed it. */
                   _("The token URL “%s” is not a web address (https://…)"), url);
      return NULL;
    }

  if (host == NULL || *host == '\0')
    {
      g_set_error (error, BEARER_ERROR, BEARER_ERROR_INVALID_URL,
                   /* Translators: %s is the token URL as the user typed it. */
                   _("The token URL “%s” names no server"), url);
      return NULL;
    }

  if (g_ascii_strcasecmp (scheme, "http") == 0 && !allow_insecure_http && !host_is_loopback (host))
    {
      g_set_error (error, BEARER_ERROR, BEARER_ERROR_INSECURE_URL,
                   /* Translators: %s is the server’s host name. */
                   _("The token URL uses plain http:// to “%s”: secrets would cross the "
                     "network unencrypted. Use https://, or allow plain HTTP for this "
                     "connection if it is a test server on a network you trust"), host);
      return NULL;
    }

  return g_steal_pointer (&uri);
}

/**
 * bearer_token_url_check:
 * @url: (nullable): a token URL, as typed
 * @allow_insecure_http: whether plain http:// to a host that is not
 *   loopback is allowed
 *
 * The rules a request's token URL must meet, for checking as the user types.
 *
 * Returns: %TRUE when @url may be used; else %FALSE with
 *   %BEARER_ERROR_INVALID_URL or %BEARER_ERROR_INSECURE_URL
 */
gboolean
bearer_token_url_check (const char  *url,
                        gboolean     allow_insecure_http,
                        GError     **error)
{
  g_autoptr(GUri) uri = parse_url (url, allow_insecure_http, error);

  return uri != NULL;
}

/* One whole sentence for each missing part, for translators. */
static gboolean
check_required (BearerTokenRequest  *self,
                MessageKind          kind,
                GError             **error)
{
  const char *missing = NULL;

  if (self->client_auth != BEARER_CLIENT_AUTH_NONE && self->client_id == NULL)
    missing = _("The request needs a client ID");
  else if (kind == MESSAGE_DEVICE_AUTHORIZATION)
    {
      /* RFC 8628 §3.1: a public client names itself. */
      if (self->client_id == NULL)
        missing = _("The request needs a client ID");
    }
  else if (kind == MESSAGE_ABOUT_TOKEN)
    {
      /* The token itself is checked by the caller. */
    }
  else
    switch (self->grant_type)
      {
      case BEARER_GRANT_REFRESH_TOKEN:
        if (self->refresh_token == NULL)
          missing = _("The request needs a refresh token");
        break;
      case BEARER_GRANT_PASSWORD:
        if (self->username == NULL)
          missing = _("The request needs a username");
        else if (self->password == NULL)
          missing = _("The request needs a password");
        break;
      case BEARER_GRANT_AUTHORIZATION_CODE:
        if (self->code == NULL)
          missing = _("The request needs an authorization code");
        else if (self->redirect_uri == NULL)
          missing = _("The request needs a redirect URI");
        break;
      case BEARER_GRANT_DEVICE_CODE:
        if (self->device_code == NULL)
          missing = _("The request needs a device code");
        break;
      case BEARER_GRANT_CLIENT_CREDENTIALS:
      default:
        break;
      }

  if (missing != NULL)
    {
      g_set_error_literal (error, BEARER_ERROR, BEARER_ERROR_MISSING_PARAMETER, missing);
      return FALSE;
    }

  return TRUE;
}

static gboolean
is_header_name (const char *name)
{
  /* RFC 9110 §5.6.2 token characters */
  static const char tchar_punct[] = "!#$%&'*+-.^_`|~";

  if (*name == '\0')
    return FALSE;

  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr (tchar_punct, *p) == NULL)
      return FALSE;

  return TRUE;
}

static gboolean
check_parameters (BearerTokenRequest  *self,
                  GError             **error)
{
  static const char * const reserved_headers[] = {
    "Host", "Content-Length", "Content-Type", "Transfer-Encoding", "Connection",
  };

  for (guint i = 0; i < self->params->len; i++)
    {
      Param *param = &g_array_index (self->params, Param, i);

      if (*param->name == '\0')
        {
          g_set_error_literal (error, BEARER_ERROR, BEARER_ERROR_INVALID_PARAMETER,
                               _("An extra parameter has no name"));
          return FALSE;
        }

      if (param->location != BEARER_PARAM_HEADER)
        continue;

      if (!is_header_name (param->name))
        {
          g_autofree char *shown = bearer_sanitize_server_text (param->name, -1, 60);
          g_set_error (error, BEARER_ERROR, BEARER_ERROR_INVALID_PARAMETER,
                       /* Translators: %s is the name the user gave an extra header. */
                       _("“%s” cannot be the name of an HTTP header"), shown ? shown : "");
          return FALSE;
        }

      for (guint j = 0; j < G_N_ELEMENTS (reserved_headers); j++)
        if (g_ascii_strcasecmp (param->name, reserved_headers[j]) == 0)
          {
            g_set_error (error, BEARER_ERROR, BEARER_ERROR_INVALID_PARAMETER,
                         /* Translators: %s is the name of an HTTP header (Content-Type,
                          * Host…), not translated. */
                         _("The %s header is set by Bearer itself and cannot be changed"),
                         reserved_headers[j]);
            return FALSE;
          }

      if (strpbrk (param->value, "\r\n") != NULL)
        {
          g_set_error (error, BEARER_ERROR, BEARER_ERROR_INVALID_PARAMETER,
                       /* Translators: %s is the name of an HTTP header, as the user
                        * typed it. */
                       _("The value of the %s header holds a line break"), param->name);
          return FALSE;
        }
    }

  return TRUE;
}

typedef struct {
  const char *name;
  const char *value;
} Pair;

static void
collect_body (BearerTokenRequest *self,
              MessageKind         kind,
              const AboutToken   *about,
              const char         *assertion,
              GArray             *pairs)
{
#define ADD(n, v) G_STMT_START { Pair p_ = { (n), (v) }; g_array_append_val (pairs, p_); } G_STMT_END

  /* A device authorization request (RFC 8628 §3.1) has no grant yet: only
   * the scope and the client. A revocation or introspection request has
   * the token and its hint instead of a grant and a scope. */
  if (kind == MESSAGE_TOKEN)
    ADD ("grant_type", bearer_grant_type_to_wire (self->grant_type));
  else if (kind == MESSAGE_ABOUT_TOKEN)
    {
      ADD ("token", about->token);
      if (about->hint != NULL)
        ADD ("token_type_hint", about->hint);
    }

  switch (kind != MESSAGE_TOKEN ? BEARER_GRANT_CLIENT_CREDENTIALS : self->grant_type)
    {
    case BEARER_GRANT_REFRESH_TOKEN:
      ADD ("refresh_token", self->refresh_token);
      break;
    case BEARER_GRANT_PASSWORD:
      ADD ("username", self->username);
      ADD ("password", self->password);
      break;
    case BEARER_GRANT_AUTHORIZATION_CODE:
      ADD ("code", self->code);
      ADD ("redirect_uri", self->redirect_uri);
      if (self->code_verifier != NULL)
        ADD ("code_verifier", self->code_verifier);
      break;
    case BEARER_GRANT_DEVICE_CODE:
      ADD ("device_code", self->device_code);
      break;
    case BEARER_GRANT_CLIENT_CREDENTIALS:
    default:
      break;
    }

  if (kind != MESSAGE_ABOUT_TOKEN)
    {
      if (self->scope != NULL)
        ADD ("scope", self->scope);
      if (self->audience != NULL)
        ADD ("audience", self->audience);
      if (self->resource != NULL)
        ADD ("resource", self->resource);
    }

  switch (self->client_auth)
    {
    case BEARER_CLIENT_AUTH_POST:
      ADD ("client_id", self->client_id);
      ADD ("client_secret", self->client_secret != NULL ? self->client_secret : "");
      break;
    case BEARER_CLIENT_AUTH_NONE:
      if (self->client_id != NULL)
        ADD ("client_id", self->client_id);
      break;
    case BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT:
    case BEARER_CLIENT_AUTH_CLIENT_SECRET_JWT:
      /* RFC 7523 §2.2; client_id too, as OpenID Connect Core §9 allows and
       * some servers need. */
      ADD ("client_id", self->client_id);
      ADD ("client_assertion_type", BEARER_CLIENT_ASSERTION_TYPE_JWT);
      ADD ("client_assertion", assertion);
      break;
    case BEARER_CLIENT_AUTH_TLS_CLIENT_AUTH:
    case BEARER_CLIENT_AUTH_SELF_SIGNED_TLS_CLIENT_AUTH:
      /* RFC 8705 §2: the certificate authenticates, the body names the client. */
      ADD ("client_id", self->client_id);
      break;
    case BEARER_CLIENT_AUTH_BASIC:
    case BEARER_CLIENT_AUTH_BASIC_RAW:
    default:
      break;
    }

  for (guint i = 0; i < self->params->len; i++)
    {
      Param *param = &g_array_index (self->params, Param, i);

      if (param->location == BEARER_PARAM_BODY)
        ADD (param->name, param->value);
    }

#undef ADD
}

static GBytes *
encode_body (BearerTokenRequest  *self,
             MessageKind          kind,
             GArray              *pairs,
             const char         **content_type)
{
  /* RFC 7009 §2.1 and RFC 7662 §2.1 know only the form encoding. */
  if (self->body_encoding == BEARER_BODY_JSON && kind != MESSAGE_ABOUT_TOKEN)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(JsonNode) root = NULL;
      char *text;
      gsize length;

      json_builder_begin_object (builder);
      for (guint i = 0; i < pairs->len; i++)
        {
          Pair *pair = &g_array_index (pairs, Pair, i);

          json_builder_set_member_name (builder, pair->name);
          json_builder_add_string_value (builder, pair->value);
        }
      json_builder_end_object (builder);

      root = json_builder_get_root (builder);
      json_generator_set_root (generator, root);
      text = json_generator_to_data (generator, &length);
      *content_type = "application/json";
      return g_bytes_new_with_free_func (text, length, (GDestroyNotify) bearer_secret_free, text);
    }
  else
    {
      GString *body = g_string_new (NULL);
      gsize length;
      char *text;

      for (guint i = 0; i < pairs->len; i++)
        {
          Pair *pair = &g_array_index (pairs, Pair, i);
          bearer_form_append_pair (body, pair->name, pair->value);
        }

      length = body->len;
      text = g_string_free (body, FALSE);
      *content_type = "application/x-www-form-urlencoded";
      return g_bytes_new_with_free_func (text, length, (GDestroyNotify) bearer_secret_free, text);
    }
}

static char *
basic_credentials (BearerTokenRequest *self)
{
  g_autoptr(GString) plain = g_string_new (NULL);
  g_autofree char *encoded = NULL;
  const char *secret = self->client_secret != NULL ? self->client_secret : "";
  char *header;

  if (self->client_auth == BEARER_CLIENT_AUTH_BASIC)
    {
      /* RFC 6749 §2.3.1: each part form-urlencoded before base64. */
      bearer_form_append_encoded (plain, self->client_id);
      g_string_append_c (plain, ':');
      bearer_form_append_encoded (plain, secret);
    }
  else
    {
      g_string_append (plain, self->client_id);
      g_string_append_c (plain, ':');
      g_string_append (plain, secret);
    }

  encoded = g_base64_encode ((const guchar *) plain->str, plain->len);
  header = g_strconcat ("Basic ", encoded, NULL);

  explicit_bzero (plain->str, plain->len);
  explicit_bzero (encoded, strlen (encoded));
  return header;
}

static GUri *
add_query_parameters (BearerTokenRequest *self,
                      GUri               *uri)
{
  g_autoptr(GString) query = g_string_new (g_uri_get_query (uri));
  gsize original = query->len;

  for (guint i = 0; i < self->params->len; i++)
    {
      Param *param = &g_array_index (self->params, Param, i);

      if (param->location == BEARER_PARAM_QUERY)
        bearer_form_append_pair (query, param->name, param->value);
    }

  if (query->len == original)
    return g_uri_ref (uri);

  return g_uri_build (g_uri_get_flags (uri),
                      g_uri_get_scheme (uri),
                      NULL,
                      g_uri_get_host (uri),
                      g_uri_get_port (uri),
                      g_uri_get_path (uri),
                      query->str,
                      NULL);
}

/* The POST of a token request to its token URL, of a device
 * authorization request (no grant) to @url, or of a request about @about's
 * token (revocation, introspection) to @url. */
static SoupMessage *
build_message (BearerTokenRequest  *self,
               const char          *url,
               MessageKind          kind,
               const AboutToken    *about,
               GError             **error)
{
  g_autoptr(GUri) base_uri = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GArray) pairs = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  SoupMessageHeaders *headers;
  const char *content_type = NULL;
  char *assertion = NULL;
  g_autofree char *proof = NULL;

  if (!(base_uri = parse_url (url, self->allow_insecure_http, error)))
    return NULL;
  if (!check_required (self, kind, error) || !check_parameters (self, error))
    return NULL;

  if (bearer_client_auth_uses_certificate (self->client_auth) && !self->skip_client_certificate &&
      !(certificate = bearer_client_certificate_load (self->client_certificate_file,
                                                      self->client_key, error)))
    return NULL;

  if (bearer_client_auth_uses_assertion (self->client_auth) && self->assertion_placeholder != NULL)
    assertion = g_strdup (self->assertion_placeholder);
  else if (bearer_client_auth_uses_assertion (self->client_auth))
    {
      const char *key = self->client_auth == BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT
                        ? self->private_key : self->client_secret;

      /* The audience is the endpoint itself, without the extra query. */
      assertion = bearer_client_assertion_create (self->client_auth, self->signing_alg, self->key_id,
                                                  self->client_id,
                                                  self->assertion_audience != NULL
                                                  ? self->assertion_audience : url,
                                                  key, g_get_real_time () / G_USEC_PER_SEC, error);
      if (assertion == NULL)
        return NULL;
    }

  /* RFC 9449 §5: a proof on the token request, for the endpoint without
   * its query. */
  if (self->dpop_placeholder != NULL && kind == MESSAGE_TOKEN)
    proof = g_strdup (self->dpop_placeholder);
  else if (self->dpop_key != NULL && kind == MESSAGE_TOKEN)
    {
      g_autofree char *nonce = bearer_dpop_dup_nonce (self->dpop_key);

      proof = bearer_dpop_proof_create (self->dpop_key, SOUP_METHOD_POST, url, NULL, nonce,
                                        g_get_real_time () / G_USEC_PER_SEC, error);
      if (proof == NULL)
        {
          bearer_secret_free (assertion);
          return NULL;
        }
    }

  uri = add_query_parameters (self, base_uri);
  message = soup_message_new_from_uri (SOUP_METHOD_POST, uri);
  soup_message_add_flags (message, SOUP_MESSAGE_NO_REDIRECT);

  if (certificate != NULL)
    {
      /* A connection is authenticated by the certificate of its handshake:
       * this request gets a connection of its own, closed after it, so no
       * other profile's request is ever sent on it, nor this one on theirs. */
      soup_message_set_tls_client_certificate (message, certificate);
      soup_message_add_flags (message, SOUP_MESSAGE_NEW_CONNECTION);
      g_object_set_data (G_OBJECT (message), "bearer-client-certificate", GINT_TO_POINTER (TRUE));
    }

  pairs = g_array_new (FALSE, FALSE, sizeof (Pair));
  collect_body (self, kind, about, assertion, pairs);
  body = encode_body (self, kind, pairs, &content_type);
  bearer_secret_free (assertion);
  soup_message_set_request_body_from_bytes (message, content_type, body);
  g_object_set_data_full (G_OBJECT (message), "bearer-request-body",
                          g_bytes_ref (body), (GDestroyNotify) g_bytes_unref);

  headers = soup_message_get_request_headers (message);
  soup_message_headers_replace (headers, "Accept", "application/json");
  soup_message_headers_replace (headers, "User-Agent", "Bearer/" PACKAGE_VERSION);
  if (certificate != NULL)
    soup_message_headers_replace (headers, "Connection", "close");
  if (proof != NULL)
    soup_message_headers_replace (headers, BEARER_DPOP_HEADER, proof);

  if (self->client_auth == BEARER_CLIENT_AUTH_BASIC ||
      self->client_auth == BEARER_CLIENT_AUTH_BASIC_RAW)
    {
      char *credentials = basic_credentials (self);

      soup_message_headers_replace (headers, "Authorization", credentials);
      bearer_secret_free (credentials);
    }

  for (guint i = 0; i < self->params->len; i++)
    {
      Param *param = &g_array_index (self->params, Param, i);

      if (param->location == BEARER_PARAM_HEADER)
        soup_message_headers_replace (headers, param->name, param->value);
    }

  return g_steal_pointer (&message);
}

/**
 * bearer_token_request_build_message:
 *
 * Checks the request and builds the `POST` that carries it, byte for byte as
 * docs/core.md describes. Nothing is sent.
 *
 * Returns: (transfer full): the message, or %NULL with a %BEARER_ERROR
 */
SoupMessage *
bearer_token_request_build_message (BearerTokenRequest  *self,
                                    GError             **error)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_REQUEST (self), NULL);
  return build_message (self, self->token_url, MESSAGE_TOKEN, NULL, error);
}

/**
 * bearer_token_request_build_device_authorization:
 * @url: the device authorization endpoint
 *
 * The device authorization request of RFC 8628 §3.1 for this request's
 * client: a `POST` to @url with the scope (and audience, resource and extra
 * parameters) and the same client authentication as the token request, but
 * no grant. Nothing is sent.
 *
 * Returns: (transfer full): the message, or %NULL with a %BEARER_ERROR
 */
SoupMessage *
bearer_token_request_build_device_authorization (BearerTokenRequest  *self,
                                                 const char          *url,
                                                 GError             **error)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_REQUEST (self), NULL);
  return build_message (self, url, MESSAGE_DEVICE_AUTHORIZATION, NULL, error);
}

/**
 * bearer_token_request_build_about_token:
 * @url: the revocation (RFC 7009) or introspection (RFC 7662) endpoint
 * @token: the token the request is about
 * @token_type_hint: (nullable): `access_token` or `refresh_token`
 *
 * A revocation or introspection request for this request's client: a form
 * `POST` to @url with `token`, `token_type_hint` and the same client
 * authentication, extra parameters and transport settings as the token
 * request, but no grant, scope, audience or resource. Nothing is sent.
 *
 * Returns: (transfer full): the message, or %NULL with a %BEARER_ERROR
 */
SoupMessage *
bearer_token_request_build_about_token (BearerTokenRequest  *self,
                                        const char          *url,
                                        const char          *token,
                                        const char          *token_type_hint,
                                        GError             **error)
{
  AboutToken about = { token, token_type_hint };

  g_return_val_if_fail (BEARER_IS_TOKEN_REQUEST (self), NULL);
  g_return_val_if_fail (token != NULL, NULL);
  return build_message (self, url, MESSAGE_ABOUT_TOKEN, &about, error);
}

/**
 * bearer_token_request_peek_message_body:
 * @message: a message made by bearer_token_request_build_message()
 *
 * Returns: (transfer none) (nullable): the body it carries, for the
 *   (redacted) debug log; libsoup keeps only a stream of it
 */
GBytes *
bearer_token_request_peek_message_body (SoupMessage *message)
{
  g_return_val_if_fail (SOUP_IS_MESSAGE (message), NULL);
  return g_object_get_data (G_OBJECT (message), "bearer-request-body");
}

/**
 * bearer_token_request_message_has_client_certificate:
 * @message: a message made by bearer_token_request_build_message()
 *
 * Returns: whether @message carries a TLS client certificate (RFC 8705)
 */
gboolean
bearer_token_request_message_has_client_certificate (SoupMessage *message)
{
  g_return_val_if_fail (SOUP_IS_MESSAGE (message), FALSE);
  return g_object_get_data (G_OBJECT (message), "bearer-client-certificate") != NULL;
}
