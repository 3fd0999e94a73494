/* bearer-profile.c: everything about a connection that is not secret
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "bearer-enum-types.h"
#include "bearer-profile.h"
#include "bearer-profile-store.h"

typedef struct {
  BearerParamLocation location;
  char *name;
  char *value;
} Param;

/* The string properties share one setter and one JSON mapping. */
enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_PRESET,
  PROP_TOKEN_URL,
  PROP_AUTHORIZATION_URL,
  PROP_CLIENT_ID,
  PROP_USERNAME,
  PROP_SCOPE,
  PROP_AUDIENCE,
  PROP_RESOURCE,
  PROP_CA_FILE,
  PROP_REDIRECT_URI,
  PROP_ISSUER,
  PROP_DEVICE_AUTHORIZATION_URL,
  PROP_REVOCATION_URL,
  PROP_INTROSPECTION_URL,
  PROP_KEY_ID,
  PROP_CLIENT_CERTIFICATE,
  LAST_STRING_PROP = PROP_CLIENT_CERTIFICATE,
  PROP_GRANT_TYPE,
  PROP_CLIENT_AUTH,
  PROP_BODY_ENCODING,
  PROP_ALLOW_INSECURE_HTTP,
  PROP_AUTO_REFRESH,
  PROP_REFRESH_MARGIN,
  PROP_PKCE_METHOD,
  PROP_KEEP_ALIVE,
  PROP_SIGNING_ALG,
  PROP_ASSERTION_AUDIENCE_ISSUER,
  PROP_DPOP,
  PROP_ASK_BEFORE_USE,
  N_PROPS
};

static const char * const json_names[N_PROPS] = {
  [PROP_ID] = "id",
  [PROP_NAME] = "name",
  [PROP_PRESET] = "preset",
  [PROP_TOKEN_URL] = "token_url",
  [PROP_AUTHORIZATION_URL] = "authorization_url",
  [PROP_CLIENT_ID] = "client_id",
  [PROP_USERNAME] = "username",
  [PROP_SCOPE] = "scope",
  [PROP_AUDIENCE] = "audience",
  [PROP_RESOURCE] = "resource",
  [PROP_CA_FILE] = "ca_file",
  [PROP_REDIRECT_URI] = "redirect_uri",
  [PROP_ISSUER] = "issuer",
  [PROP_DEVICE_AUTHORIZATION_URL] = "device_authorization_url",
  [PROP_REVOCATION_URL] = "revocation_url",
  [PROP_INTROSPECTION_URL] = "introspection_url",
  [PROP_KEY_ID] = "key_id",
  [PROP_CLIENT_CERTIFICATE] = "client_certificate",
  [PROP_GRANT_TYPE] = "grant_type",
  [PROP_CLIENT_AUTH] = "client_auth",
  [PROP_BODY_ENCODING] = "body_encoding",
  [PROP_ALLOW_INSECURE_HTTP] = "allow_insecure_http",
  [PROP_AUTO_REFRESH] = "auto_refresh",
  [PROP_REFRESH_MARGIN] = "refresh_margin",
  [PROP_PKCE_METHOD] = "pkce_method",
  [PROP_KEEP_ALIVE] = "keep_alive",
  [PROP_SIGNING_ALG] = "signing_alg",
  [PROP_ASSERTION_AUDIENCE_ISSUER] = "assertion_audience_issuer",
  [PROP_DPOP] = "dpop",
  [PROP_ASK_BEFORE_USE] = "ask_before_use",
};

struct _BearerProfile
{
  GObject parent_instance;

  char *strings[LAST_STRING_PROP + 1];
  BearerGrantType grant_type;
  BearerClientAuth client_auth;
  BearerBodyEncoding body_encoding;
  gboolean allow_insecure_http;
  gboolean auto_refresh;
  gboolean keep_alive;          /* Keep Signed In: the token agent refreshes it, window or not */
  gboolean ask_before_use;      /* the agent asks through the window before another program gets the token */
  guint refresh_margin;
  BearerPkceMethod pkce_method;
  BearerSigningAlg signing_alg;
  gboolean assertion_audience_issuer; /* a client assertion's aud: the issuer, not the endpoint */
  gboolean dpop;                /* DPoP proofs (RFC 9449) with a key of the connection's own */
  GArray *params;               /* of Param */

  /* Members of the file this version does not know, kept on save. */
  JsonObject *unknown;
};

G_DEFINE_FINAL_TYPE (BearerProfile, bearer_profile, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
param_clear (gpointer data)
{
  Param *param = data;

  g_free (param->name);
  g_free (param->value);
}

static void
bearer_profile_finalize (GObject *object)
{
  BearerProfile *self = BEARER_PROFILE (object);

  for (guint i = 0; i <= LAST_STRING_PROP; i++)
    g_free (self->strings[i]);
  g_array_unref (self->params);
  g_clear_pointer (&self->unknown, json_object_unref);

  G_OBJECT_CLASS (bearer_profile_parent_class)->finalize (object);
}

static void
bearer_profile_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  BearerProfile *self = BEARER_PROFILE (object);

  if (prop_id > PROP_0 && prop_id <= LAST_STRING_PROP)
    {
      g_value_set_string (value, self->strings[prop_id]);
      return;
    }

  switch (prop_id)
    {
    case PROP_GRANT_TYPE:
      g_value_set_enum (value, self->grant_type);
      break;
    case PROP_CLIENT_AUTH:
      g_value_set_enum (value, self->client_auth);
      break;
    case PROP_BODY_ENCODING:
      g_value_set_enum (value, self->body_encoding);
      break;
    case PROP_ALLOW_INSECURE_HTTP:
      g_value_set_boolean (value, self->allow_insecure_http);
      break;
    case PROP_AUTO_REFRESH:
      g_value_set_boolean (value, self->auto_refresh);
      break;
    case PROP_REFRESH_MARGIN:
      g_value_set_uint (value, self->refresh_margin);
      break;
    case PROP_PKCE_METHOD:
      g_value_set_enum (value, self->pkce_method);
      break;
    case PROP_KEEP_ALIVE:
      g_value_set_boolean (value, self->keep_alive);
      break;
    case PROP_SIGNING_ALG:
      g_value_set_enum (value, self->signing_alg);
      break;
    case PROP_ASSERTION_AUDIENCE_ISSUER:
      g_value_set_boolean (value, self->assertion_audience_issuer);
      break;
    case PROP_DPOP:
      g_value_set_boolean (value, self->dpop);
      break;
    case PROP_ASK_BEFORE_USE:
      g_value_set_boolean (value, self->ask_before_use);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_string (BearerProfile *self,
            guint          prop_id,
            const char    *value)
{
  /* Blank means unset, as in a form. */
  if (value != NULL && *value == '\0')
    value = NULL;

  if (g_strcmp0 (self->strings[prop_id], value) == 0)
    return;

  g_free (self->strings[prop_id]);
  self->strings[prop_id] = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
  g_signal_emit (self, signals[CHANGED], 0);
}

#define SET_SCALAR(self, field, prop_id, value) \
  G_STMT_START { \
    if ((self)->field != (value)) \
      { \
        (self)->field = (value); \
        g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]); \
        g_signal_emit ((self), signals[CHANGED], 0); \
      } \
  } G_STMT_END

static void
bearer_profile_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  BearerProfile *self = BEARER_PROFILE (object);

  if (prop_id == PROP_ID)
    {
      /* construct-only: a new profile gets a fresh id */
      g_free (self->strings[PROP_ID]);
      self->strings[PROP_ID] = g_value_get_string (value) != NULL
                               ? g_value_dup_string (value)
                               : g_uuid_string_random ();
      return;
    }

  if (prop_id > PROP_0 && prop_id <= LAST_STRING_PROP)
    {
      set_string (self, prop_id, g_value_get_string (value));
      return;
    }

  switch (prop_id)
    {
    case PROP_GRANT_TYPE:
      SET_SCALAR (self, grant_type, prop_id, (BearerGrantType) g_value_get_enum (value));
      break;
    case PROP_CLIENT_AUTH:
      SET_SCALAR (self, client_auth, prop_id, (BearerClientAuth) g_value_get_enum (value));
      break;
    case PROP_BODY_ENCODING:
      SET_SCALAR (self, body_encoding, prop_id, (BearerBodyEncoding) g_value_get_enum (value));
      break;
    case PROP_ALLOW_INSECURE_HTTP:
      SET_SCALAR (self, allow_insecure_http, prop_id, g_value_get_boolean (value));
      break;
    case PROP_AUTO_REFRESH:
      SET_SCALAR (self, auto_refresh, prop_id, g_value_get_boolean (value));
      break;
    case PROP_REFRESH_MARGIN:
      SET_SCALAR (self, refresh_margin, prop_id, g_value_get_uint (value));
      break;
    case PROP_PKCE_METHOD:
      SET_SCALAR (self, pkce_method, prop_id, (BearerPkceMethod) g_value_get_enum (value));
      break;
    case PROP_KEEP_ALIVE:
      SET_SCALAR (self, keep_alive, prop_id, g_value_get_boolean (value));
      break;
    case PROP_SIGNING_ALG:
      SET_SCALAR (self, signing_alg, prop_id, (BearerSigningAlg) g_value_get_enum (value));
      break;
    case PROP_ASSERTION_AUDIENCE_ISSUER:
      SET_SCALAR (self, assertion_audience_issuer, prop_id, g_value_get_boolean (value));
      break;
    case PROP_DPOP:
      SET_SCALAR (self, dpop, prop_id, g_value_get_boolean (value));
      break;
    case PROP_ASK_BEFORE_USE:
      SET_SCALAR (self, ask_before_use, prop_id, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bearer_profile_class_init (BearerProfileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = bearer_profile_finalize;
  object_class->get_property = bearer_profile_get_property;
  object_class->set_property = bearer_profile_set_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  for (guint i = PROP_NAME; i <= LAST_STRING_PROP; i++)
    {
      g_autofree char *name = g_strdelimit (g_strdup (json_names[i]), "_", '-');
      properties[i] = g_param_spec_string (g_intern_string (name), NULL, NULL, NULL, flags);
    }
  properties[PROP_GRANT_TYPE] =
    g_param_spec_enum ("grant-type", NULL, NULL, BEARER_TYPE_GRANT_TYPE,
                       BEARER_GRANT_REFRESH_TOKEN, flags);
  properties[PROP_CLIENT_AUTH] =
    g_param_spec_enum ("client-auth", NULL, NULL, BEARER_TYPE_CLIENT_AUTH,
                       BEARER_CLIENT_AUTH_BASIC, flags);
  properties[PROP_BODY_ENCODING] =
    g_param_spec_enum ("body-encoding", NULL, NULL, BEARER_TYPE_BODY_ENCODING,
                       BEARER_BODY_FORM, flags);
  properties[PROP_ALLOW_INSECURE_HTTP] =
    g_param_spec_boolean ("allow-insecure-http", NULL, NULL, FALSE, flags);
  properties[PROP_AUTO_REFRESH] =
    g_param_spec_boolean ("auto-refresh", NULL, NULL, TRUE, flags);
  properties[PROP_REFRESH_MARGIN] =
    g_param_spec_uint ("refresh-margin", NULL, NULL, 0, 24 * 3600,
                       BEARER_PROFILE_DEFAULT_REFRESH_MARGIN, flags);
  properties[PROP_PKCE_METHOD] =
    g_param_spec_enum ("pkce-method", NULL, NULL, BEARER_TYPE_PKCE_METHOD,
                       BEARER_PKCE_S256, flags);
  properties[PROP_KEEP_ALIVE] =
    g_param_spec_boolean ("keep-alive", NULL, NULL, FALSE, flags);
  properties[PROP_SIGNING_ALG] =
    g_param_spec_enum ("signing-alg", NULL, NULL, BEARER_TYPE_SIGNING_ALG,
                       BEARER_SIGNING_ALG_AUTO, flags);
  properties[PROP_ASSERTION_AUDIENCE_ISSUER] =
    g_param_spec_boolean ("assertion-audience-issuer", NULL, NULL, FALSE, flags);
  properties[PROP_DPOP] =
    g_param_spec_boolean ("dpop", NULL, NULL, FALSE, flags);
  properties[PROP_ASK_BEFORE_USE] =
    g_param_spec_boolean ("ask-before-use", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * BearerProfile::changed:
   *
   * Emitted after any setting changed, extra parameters included: the
   * moment to save.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
bearer_profile_init (BearerProfile *self)
{
  self->grant_type = BEARER_GRANT_REFRESH_TOKEN;
  self->client_auth = BEARER_CLIENT_AUTH_BASIC;
  self->body_encoding = BEARER_BODY_FORM;
  self->auto_refresh = TRUE;
  self->refresh_margin = BEARER_PROFILE_DEFAULT_REFRESH_MARGIN;
  self->params = g_array_new (FALSE, TRUE, sizeof (Param));
  g_array_set_clear_func (self->params, param_clear);
}

/**
 * bearer_profile_new:
 * @name: what the user calls it
 *
 * Returns: (transfer full): a profile with a new random id
 */
BearerProfile *
bearer_profile_new (const char *name)
{
  return g_object_new (BEARER_TYPE_PROFILE, "name", name, NULL);
}

/* ------------------------------------------------------------------------- */

/**
 * bearer_profile_check_name:
 * @name: (nullable): a profile name
 *
 * A name is UTF-8 text with something other than white space in it, and
 * no control character (a line break, a tab, an escape…): it is shown in
 * lists and typed on command lines. The same rule holds for a name read
 * from profiles.json (a profile whose name breaks it is one this version
 * cannot read) and for one about to be saved.
 *
 * Returns: whether @name is valid; if not, @error says why
 *   (%BEARER_PROFILE_STORE_ERROR_INVALID)
 */
gboolean
bearer_profile_check_name (const char  *name,
                           GError     **error)
{
  gboolean blank = TRUE;

  if (name == NULL)
    goto no_name;

  if (!g_utf8_validate (name, -1, NULL))
    {
      g_set_error_literal (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_INVALID,
                           _("A profile name must be text (valid UTF-8)"));
      return FALSE;
    }

  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_type (c) == G_UNICODE_CONTROL)
        {
          g_set_error_literal (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_INVALID,
                               _("A profile name cannot hold control characters (such as a line "
                                 "break, a tab or an escape)"));
          return FALSE;
        }
      if (!g_unichar_isspace (c))
        blank = FALSE;
    }

  if (!blank)
    return TRUE;

no_name:
  g_set_error_literal (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_INVALID,
                       _("A profile needs a name that is not empty"));
  return FALSE;
}

/* Reading profiles.json: every member is checked for its type before it is
 * read (json-glib's getters are critical on the wrong node type), and a
 * known member that is not what this version expects makes the profile one
 * it cannot read. null is the same as absent for what may be unset. */

static JsonNode *
get_member (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && !JSON_NODE_HOLDS_NULL (node) ? node : NULL;
}

static gboolean
node_holds (JsonNode *node,
            GType     type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

static void
set_invalid_member (GError     **error,
                    const char  *member)
{
  g_set_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_INVALID,
               /* Translators: %s is the name of a member of a profile in
                * profiles.json (token_url, auto_refresh…), not translated. */
               _("A profile’s %s is not valid"), member);
}

/* A text member: absent or null is %NULL; anything but UTF-8 text is an
 * error (a lone surrogate escape such as \ud800 reads as bytes that are not
 * UTF-8). */
static gboolean
read_text (JsonObject  *object,
           const char  *member,
           const char **value,
           GError     **error)
{
  JsonNode *node = get_member (object, member);

  *value = NULL;
  if (node == NULL)
    return TRUE;
  if (!node_holds (node, G_TYPE_STRING) || json_node_get_string (node) == NULL ||
      !g_utf8_validate (json_node_get_string (node), -1, NULL))
    {
      set_invalid_member (error, member);
      return FALSE;
    }
  *value = json_node_get_string (node);
  return TRUE;
}

static gboolean
read_enum (JsonObject  *object,
           guint        prop_id,
           GType        type,
           int         *value,
           GError     **error)
{
  const char *text;

  if (!read_text (object, json_names[prop_id], &text, error))
    return FALSE;
  if (text != NULL && !bearer_enum_from_nick (type, text, value))
    {
      g_set_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_INVALID,
                   /* Translators: the first %s is the value found in profiles.json
                    * (refresh_token, basic…), the second the name of the member that
                    * holds it (grant_type, client_auth, body_encoding); neither is
                    * translated. */
                   _("“%s” is not a valid %s"), text, json_names[prop_id]);
      return FALSE;
    }

  return TRUE;
}

static gboolean
read_boolean (JsonObject  *object,
              guint        prop_id,
              gboolean    *value,
              GError     **error)
{
  JsonNode *node = get_member (object, json_names[prop_id]);

  if (node == NULL)
    return TRUE;
  if (!node_holds (node, G_TYPE_BOOLEAN))
    {
      set_invalid_member (error, json_names[prop_id]);
      return FALSE;
    }
  *value = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
read_parameters (BearerProfile  *self,
                 JsonObject     *object,
                 GError        **error)
{
  JsonNode *node = get_member (object, "parameters");
  JsonArray *array;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      set_invalid_member (error, "parameters");
      return FALSE;
    }

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      JsonObject *param;
      const char *in = NULL, *name = NULL, *value = NULL;
      int location = BEARER_PARAM_BODY;

      /* A parameter this version cannot read makes the whole profile
       * unreadable, so it stays in the file untouched instead of being
       * dropped on the next save. */
      if (!JSON_NODE_HOLDS_OBJECT (item) ||
          !read_text ((param = json_node_get_object (item)), "name", &name, NULL) || name == NULL ||
          !read_text (param, "in", &in, NULL) ||
          (in != NULL && !bearer_enum_from_nick (BEARER_TYPE_PARAM_LOCATION, in, &location)) ||
          !read_text (param, "value", &value, NULL))
        {
          g_set_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_INVALID,
                       /* Translators: %u is the parameter’s position in the list,
                        * counted from 1; %s is the profile’s name. */
                       _("Extra parameter %u of “%s” is not valid"), i + 1,
                       bearer_profile_get_name (self));
          return FALSE;
        }
      bearer_profile_add_parameter (self, location, name, value != NULL ? value : "");
    }

  return TRUE;
}

/**
 * bearer_profile_new_from_json:
 * @object: one profile as stored in profiles.json
 *
 * A profile needs an id and a valid name (bearer_profile_check_name()), and
 * every member this version knows must hold what it expects: text, a
 * boolean, a whole number, a known grant type… Anything else is a profile
 * this version cannot read.
 *
 * Returns: (transfer full) (nullable): the profile, or %NULL with
 *   %BEARER_PROFILE_STORE_ERROR_INVALID
 */
BearerProfile *
bearer_profile_new_from_json (JsonObject  *object,
                              GError     **error)
{
  g_autoptr(BearerProfile) self = NULL;
  const char *id = NULL;
  const char *name = NULL;
  int grant = BEARER_GRANT_REFRESH_TOKEN;
  int auth = BEARER_CLIENT_AUTH_BASIC;
  int encoding = BEARER_BODY_FORM;
  int pkce = BEARER_PKCE_S256;
  int alg = BEARER_SIGNING_ALG_AUTO;
  JsonNode *margin;

  g_return_val_if_fail (object != NULL, NULL);

  if (!read_text (object, "id", &id, NULL) || id == NULL || *id == '\0')
    {
      g_set_error_literal (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_INVALID,
                           _("A profile has no id"));
      return NULL;
    }

  if (!read_text (object, "name", &name, error) || !bearer_profile_check_name (name, error))
    return NULL;

  self = g_object_new (BEARER_TYPE_PROFILE, "id", id, NULL);

  for (guint i = PROP_NAME; i <= LAST_STRING_PROP; i++)
    {
      const char *text;

      if (!read_text (object, json_names[i], &text, error))
        return NULL;
      self->strings[i] = g_strdup (text);
    }

  if (!read_enum (object, PROP_GRANT_TYPE, BEARER_TYPE_GRANT_TYPE, &grant, error) ||
      !read_enum (object, PROP_CLIENT_AUTH, BEARER_TYPE_CLIENT_AUTH, &auth, error) ||
      !read_enum (object, PROP_BODY_ENCODING, BEARER_TYPE_BODY_ENCODING, &encoding, error) ||
      !read_enum (object, PROP_PKCE_METHOD, BEARER_TYPE_PKCE_METHOD, &pkce, error) ||
      !read_enum (object, PROP_SIGNING_ALG, BEARER_TYPE_SIGNING_ALG, &alg, error) ||
      !read_boolean (object, PROP_ASSERTION_AUDIENCE_ISSUER, &self->assertion_audience_issuer, error) ||
      !read_boolean (object, PROP_DPOP, &self->dpop, error) ||
      !read_boolean (object, PROP_ALLOW_INSECURE_HTTP, &self->allow_insecure_http, error) ||
      !read_boolean (object, PROP_AUTO_REFRESH, &self->auto_refresh, error) ||
      !read_boolean (object, PROP_KEEP_ALIVE, &self->keep_alive, error) ||
      !read_boolean (object, PROP_ASK_BEFORE_USE, &self->ask_before_use, error))
    return NULL;
  self->grant_type = grant;
  self->client_auth = auth;
  self->body_encoding = encoding;
  self->pkce_method = pkce;
  self->signing_alg = alg;

  margin = get_member (object, json_names[PROP_REFRESH_MARGIN]);
  if (margin != NULL)
    {
      if (!node_holds (margin, G_TYPE_INT64))
        {
          set_invalid_member (error, json_names[PROP_REFRESH_MARGIN]);
          return NULL;
        }
      self->refresh_margin = CLAMP (json_node_get_int (margin), 0, 24 * 3600);
    }

  if (!read_parameters (self, object, error))
    return NULL;

  self->unknown = json_object_ref (object);
  return g_steal_pointer (&self);
}

/**
 * bearer_profile_to_json:
 *
 * Returns: (transfer full): the profile as stored, with the members this
 *   version does not know kept as they were read
 */
JsonObject *
bearer_profile_to_json (BearerProfile *self)
{
  JsonObject *object = json_object_new ();
  JsonArray *params;

  g_return_val_if_fail (BEARER_IS_PROFILE (self), NULL);

  for (guint i = PROP_ID; i <= LAST_STRING_PROP; i++)
    if (self->strings[i] != NULL)
      json_object_set_string_member (object, json_names[i], self->strings[i]);

  json_object_set_string_member (object, "grant_type",
                                 bearer_enum_to_nick (BEARER_TYPE_GRANT_TYPE, self->grant_type));
  json_object_set_string_member (object, "client_auth",
                                 bearer_enum_to_nick (BEARER_TYPE_CLIENT_AUTH, self->client_auth));
  json_object_set_string_member (object, "body_encoding",
                                 bearer_enum_to_nick (BEARER_TYPE_BODY_ENCODING, self->body_encoding));
  json_object_set_boolean_member (object, "allow_insecure_http", self->allow_insecure_http);
  json_object_set_boolean_member (object, "auto_refresh", self->auto_refresh);
  json_object_set_int_member (object, "refresh_margin", self->refresh_margin);
  json_object_set_string_member (object, "pkce_method",
                                 bearer_enum_to_nick (BEARER_TYPE_PKCE_METHOD, self->pkce_method));
  json_object_set_boolean_member (object, "keep_alive", self->keep_alive);
  json_object_set_string_member (object, "signing_alg",
                                 bearer_enum_to_nick (BEARER_TYPE_SIGNING_ALG, self->signing_alg));
  json_object_set_boolean_member (object, "assertion_audience_issuer", self->assertion_audience_issuer);
  json_object_set_boolean_member (object, "dpop", self->dpop);
  json_object_set_boolean_member (object, "ask_before_use", self->ask_before_use);

  params = json_array_new ();
  for (guint i = 0; i < self->params->len; i++)
    {
      Param *param = &g_array_index (self->params, Param, i);
      JsonObject *item = json_object_new ();

      json_object_set_string_member (item, "in",
                                     bearer_enum_to_nick (BEARER_TYPE_PARAM_LOCATION, param->location));
      json_object_set_string_member (item, "name", param->name);
      json_object_set_string_member (item, "value", param->value);
      json_array_add_object_element (params, item);
    }
  json_object_set_array_member (object, "parameters", params);

  if (self->unknown != NULL)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *node;

      /* In the file's order. */
      json_object_iter_init_ordered (&iter, self->unknown);
      while (json_object_iter_next_ordered (&iter, &name, &node))
        {
          gboolean known = g_str_equal (name, "parameters");

          for (guint i = PROP_ID; i < N_PROPS && !known; i++)
            known = g_strcmp0 (json_names[i], name) == 0;
          if (!known)
            json_object_set_member (object, name, json_node_copy (node));
        }
    }

  return object;
}

/**
 * bearer_profile_duplicate:
 * @name: the copy's name
 *
 * Returns: (transfer full): a copy of every setting under a new id; secrets
 *   are not copied (they live in the keyring under the profile's id)
 */
BearerProfile *
bearer_profile_duplicate (BearerProfile *self,
                          const char    *name)
{
  BearerProfile *copy;

  g_return_val_if_fail (BEARER_IS_PROFILE (self), NULL);

  copy = g_object_new (BEARER_TYPE_PROFILE, NULL);
  bearer_profile_update_from (copy, self);
  bearer_profile_set_name (copy, name);
  return copy;
}

/**
 * bearer_profile_update_from:
 * @other: a profile with the same id, read anew from disk
 *
 * Takes every setting of @other, notifying only what changed, so a list
 * showing @self keeps its rows.
 */
void
bearer_profile_update_from (BearerProfile *self,
                            BearerProfile *other)
{
  g_return_if_fail (BEARER_IS_PROFILE (self));
  g_return_if_fail (BEARER_IS_PROFILE (other));

  g_object_freeze_notify (G_OBJECT (self));

  for (guint i = PROP_NAME; i <= LAST_STRING_PROP; i++)
    set_string (self, i, other->strings[i]);
  SET_SCALAR (self, grant_type, PROP_GRANT_TYPE, other->grant_type);
  SET_SCALAR (self, client_auth, PROP_CLIENT_AUTH, other->client_auth);
  SET_SCALAR (self, body_encoding, PROP_BODY_ENCODING, other->body_encoding);
  SET_SCALAR (self, allow_insecure_http, PROP_ALLOW_INSECURE_HTTP, other->allow_insecure_http);
  SET_SCALAR (self, auto_refresh, PROP_AUTO_REFRESH, other->auto_refresh);
  SET_SCALAR (self, refresh_margin, PROP_REFRESH_MARGIN, other->refresh_margin);
  SET_SCALAR (self, pkce_method, PROP_PKCE_METHOD, other->pkce_method);
  SET_SCALAR (self, keep_alive, PROP_KEEP_ALIVE, other->keep_alive);
  SET_SCALAR (self, signing_alg, PROP_SIGNING_ALG, other->signing_alg);
  SET_SCALAR (self, assertion_audience_issuer, PROP_ASSERTION_AUDIENCE_ISSUER,
              other->assertion_audience_issuer);
  SET_SCALAR (self, dpop, PROP_DPOP, other->dpop);
  SET_SCALAR (self, ask_before_use, PROP_ASK_BEFORE_USE, other->ask_before_use);

  g_array_set_size (self->params, 0);
  for (guint i = 0; i < other->params->len; i++)
    {
      Param *param = &g_array_index (other->params, Param, i);
      Param copy = { param->location, g_strdup (param->name), g_strdup (param->value) };

      g_array_append_val (self->params, copy);
    }

  g_clear_pointer (&self->unknown, json_object_unref);
  if (other->unknown != NULL)
    self->unknown = json_object_ref (other->unknown);

  g_object_thaw_notify (G_OBJECT (self));
}

/* ------------------------------------------------------------------------- */

#define STRING_ACCESSORS(field, PROP) \
  const char * \
  bearer_profile_get_##field (BearerProfile *self) \
  { \
    g_return_val_if_fail (BEARER_IS_PROFILE (self), NULL); \
    return self->strings[PROP]; \
  }

const char *
bearer_profile_get_id (BearerProfile *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE (self), NULL);
  return self->strings[PROP_ID];
}

STRING_ACCESSORS (name, PROP_NAME)
STRING_ACCESSORS (preset, PROP_PRESET)
STRING_ACCESSORS (token_url, PROP_TOKEN_URL)
STRING_ACCESSORS (authorization_url, PROP_AUTHORIZATION_URL)
STRING_ACCESSORS (client_id, PROP_CLIENT_ID)
STRING_ACCESSORS (username, PROP_USERNAME)
STRING_ACCESSORS (scope, PROP_SCOPE)
STRING_ACCESSORS (audience, PROP_AUDIENCE)
STRING_ACCESSORS (resource, PROP_RESOURCE)
STRING_ACCESSORS (ca_file, PROP_CA_FILE)
STRING_ACCESSORS (redirect_uri, PROP_REDIRECT_URI)
STRING_ACCESSORS (issuer, PROP_ISSUER)
STRING_ACCESSORS (device_authorization_url, PROP_DEVICE_AUTHORIZATION_URL)
STRING_ACCESSORS (revocation_url, PROP_REVOCATION_URL)
STRING_ACCESSORS (introspection_url, PROP_INTROSPECTION_URL)
STRING_ACCESSORS (key_id, PROP_KEY_ID)
STRING_ACCESSORS (client_certificate, PROP_CLIENT_CERTIFICATE)

#define STRING_SETTER(field, PROP) \
  void \
  bearer_profile_set_##field (BearerProfile *self, \
                              const char    *value) \
  { \
    g_return_if_fail (BEARER_IS_PROFILE (self)); \
    set_string (self, PROP, value); \
  }

STRING_SETTER (name, PROP_NAME)
STRING_SETTER (preset, PROP_PRESET)
STRING_SETTER (token_url, PROP_TOKEN_URL)
STRING_SETTER (authorization_url, PROP_AUTHORIZATION_URL)
STRING_SETTER (client_id, PROP_CLIENT_ID)
STRING_SETTER (username, PROP_USERNAME)
STRING_SETTER (scope, PROP_SCOPE)
STRING_SETTER (audience, PROP_AUDIENCE)
STRING_SETTER (resource, PROP_RESOURCE)
STRING_SETTER (ca_file, PROP_CA_FILE)
STRING_SETTER (redirect_uri, PROP_REDIRECT_URI)
STRING_SETTER (issuer, PROP_ISSUER)
STRING_SETTER (device_authorization_url, PROP_DEVICE_AUTHORIZATION_URL)
STRING_SETTER (revocation_url, PROP_REVOCATION_URL)
STRING_SETTER (introspection_url, PROP_INTROSPECTION_URL)
STRING_SETTER (key_id, PROP_KEY_ID)

BearerSigningAlg
bearer_profile_get_signing_alg (BearerProfile *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE (self), 0);
  return self->signing_alg;
}

/**
 * bearer_profile_set_signing_alg:
 * @alg: how client assertions are signed (private_key_jwt, client_secret_jwt)
 */
void
bearer_profile_set_signing_alg (BearerProfile    *self,
                                BearerSigningAlg  alg)
{
  g_return_if_fail (BEARER_IS_PROFILE (self));
  SET_SCALAR (self, signing_alg, PROP_SIGNING_ALG, alg);
}

gboolean
bearer_profile_get_assertion_audience_issuer (BearerProfile *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE (self), FALSE);
  return self->assertion_audience_issuer;
}

/**
 * bearer_profile_set_assertion_audience_issuer:
 * @issuer: %TRUE for the issuer as the `aud` of client assertions, %FALSE
 *   for the URL of the endpoint each request goes to
 */
void
bearer_profile_set_assertion_audience_issuer (BearerProfile *self,
                                              gboolean       issuer)
{
  g_return_if_fail (BEARER_IS_PROFILE (self));
  SET_SCALAR (self, assertion_audience_issuer, PROP_ASSERTION_AUDIENCE_ISSUER, !!issuer);
}

gboolean
bearer_profile_get_dpop (BearerProfile *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE (self), FALSE);
  return self->dpop;
}

/**
 * bearer_profile_set_dpop:
 * @dpop: %TRUE to send DPoP proofs (RFC 9449) with every token request,
 *   signed with a key of this profile's own kept in the keyring
 */
void
bearer_profile_set_dpop (BearerProfile *self,
                         gboolean       dpop)
{
  g_return_if_fail (BEARER_IS_PROFILE (self));
  SET_SCALAR (self, dpop, PROP_DPOP, !!dpop);
}
STRING_SETTER (client_certificate, PROP_CLIENT_CERTIFICATE)

BearerGrantType
bearer_profile_get_grant_type (BearerProfile *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE (self), 0);
  return self->grant_type;
}

void
bearer_profile_set_grant_type (BearerProfile   *self,
                               BearerGrantType  grant_type)
{
  g_return_if_fail (BEARER_IS_PROFILE (self));
  SET_SCALAR (self, grant_type, PROP_GRANT_TYPE, grant_type);
}

BearerClientAuth
bearer_profile_get_client_auth (BearerProfile *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE (self), 0);
  return self->client_auth;
}

void
bearer_profile_set_client_auth (BearerProfile    *self,
                                BearerClientAuth  auth)
{
  g_return_if_fail (BEARER_IS_PROFILE (self));
  SET_SCALAR (self, client_auth, PROP_CLIENT_AUTH, auth);
}

BearerBodyEncoding
bearer_profile_get_body_encoding (BearerProfile *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE (self), 0);
  return self->body_encoding;
}

void
bearer_profile_set_body_encoding (BearerProfile      *self,
                                  BearerBodyEncoding  encoding)
{
  g_return_if_fail (BEARER_IS_PROFILE (self));
  SET_SCALAR (self, body_encoding, PROP_BODY_ENCODING, encoding);
}

gboolean
bearer_profile_get_allow_insecure_http (BearerProfile *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE (self), FALSE);
  return self->allow_insecure_http;
}

void
bearer_profile_set_allow_insecure_http (BearerProfile *self,
                                        gboolean       allow)
{
  g_return_if_fail (BEARER_IS_PROFILE (self));
  SET_SCALAR (self, allow_insecure_http, PROP_ALLOW_INSECURE_HTTP, !!allow);
}

gboolean
bearer_profile_get_auto_refresh (BearerProfile *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE (self), FALSE);
  return self->auto_refresh;
}

void
bearer_profile_set_auto_refresh (BearerProfile *self,
                                 gboolean       auto_refresh)
{
  g_return_if_fail (BEARER_IS_PROFILE (self));
  SET_SCALAR (self, auto_refresh, PROP_AUTO_REFRESH, !!auto_refresh);
}

/**
 * bearer_profile_get_keep_alive:
 *
 * Returns: whether the token agent keeps this connection's token alive
 *   (Keep Signed In), refreshing it before expiry with no window open
 */
gboolean
bearer_profile_get_keep_alive (BearerProfile *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE (self), FALSE);
  return self->keep_alive;
}

void
bearer_profile_set_keep_alive (BearerProfile *self,
                               gboolean       keep_alive)
{
  g_return_if_fail (BEARER_IS_PROFILE (self));
  SET_SCALAR (self, keep_alive, PROP_KEEP_ALIVE, !!keep_alive);
}

/**
 * bearer_profile_get_ask_before_use:
 *
 * Returns: whether the token agent asks the user, through the window,
 *   before it gives this connection's token to another program
 */
gboolean
bearer_profile_get_ask_before_use (BearerProfile *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE (self), FALSE);
  return self->ask_before_use;
}

void
bearer_profile_set_ask_before_use (BearerProfile *self,
                                   gboolean       ask)
{
  g_return_if_fail (BEARER_IS_PROFILE (self));
  SET_SCALAR (self, ask_before_use, PROP_ASK_BEFORE_USE, !!ask);
}

guint
bearer_profile_get_refresh_margin (BearerProfile *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE (self), 0);
  return self->refresh_margin;
}

void
bearer_profile_set_refresh_margin (BearerProfile *self,
                                   guint          seconds)
{
  g_return_if_fail (BEARER_IS_PROFILE (self));
  SET_SCALAR (self, refresh_margin, PROP_REFRESH_MARGIN, MIN (seconds, 24 * 3600));
}

/**
 * bearer_profile_get_pkce_method:
 *
 * Returns: how the authorization-code grant proves the code is its own
 *   (RFC 7636): S256 unless the profile asks otherwise
 */
BearerPkceMethod
bearer_profile_get_pkce_method (BearerProfile *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE (self), BEARER_PKCE_S256);
  return self->pkce_method;
}

void
bearer_profile_set_pkce_method (BearerProfile    *self,
                                BearerPkceMethod  method)
{
  g_return_if_fail (BEARER_IS_PROFILE (self));
  SET_SCALAR (self, pkce_method, PROP_PKCE_METHOD, method);
}

guint
bearer_profile_get_n_parameters (BearerProfile *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE (self), 0);
  return self->params->len;
}

gboolean
bearer_profile_get_parameter (BearerProfile        *self,
                              guint                 index,
                              BearerParamLocation  *location,
                              const char          **name,
                              const char          **value)
{
  Param *param;

  g_return_val_if_fail (BEARER_IS_PROFILE (self), FALSE);

  if (index >= self->params->len)
    return FALSE;

  param = &g_array_index (self->params, Param, index);
  if (location != NULL)
    *location = param->location;
  if (name != NULL)
    *name = param->name;
  if (value != NULL)
    *value = param->value;
  return TRUE;
}

void
bearer_profile_add_parameter (BearerProfile       *self,
                              BearerParamLocation  location,
                              const char          *name,
                              const char          *value)
{
  Param param;

  g_return_if_fail (BEARER_IS_PROFILE (self));
  g_return_if_fail (name != NULL);

  param.location = location;
  param.name = g_strdup (name);
  param.value = g_strdup (value != NULL ? value : "");
  g_array_append_val (self->params, param);
  g_signal_emit (self, signals[CHANGED], 0);
}

void
bearer_profile_clear_parameters (BearerProfile *self)
{
  g_return_if_fail (BEARER_IS_PROFILE (self));

  if (self->params->len == 0)
    return;
  g_array_set_size (self->params, 0);
  g_signal_emit (self, signals[CHANGED], 0);
}

/**
 * bearer_profile_create_request:
 * @grant_type: the grant to use (a profile of the authorization-code grant
 *   refreshes with %BEARER_GRANT_REFRESH_TOKEN)
 *
 * Returns: (transfer full): a request with every setting of the profile;
 *   the caller adds the secrets
 */
BearerTokenRequest *
bearer_profile_create_request (BearerProfile   *self,
                               BearerGrantType  grant_type)
{
  BearerTokenRequest *request;

  g_return_val_if_fail (BEARER_IS_PROFILE (self), NULL);

  request = bearer_token_request_new (grant_type, self->strings[PROP_TOKEN_URL]);
  bearer_token_request_set_client_auth (request, self->client_auth);
  bearer_token_request_set_body_encoding (request, self->body_encoding);
  bearer_token_request_set_assertion (request, self->signing_alg, self->strings[PROP_KEY_ID],
                                      self->assertion_audience_issuer
                                      ? self->strings[PROP_ISSUER] : NULL);
  bearer_token_request_set_scope (request, self->strings[PROP_SCOPE]);
  bearer_token_request_set_audience (request, self->strings[PROP_AUDIENCE]);
  bearer_token_request_set_resource (request, self->strings[PROP_RESOURCE]);
  bearer_token_request_set_ca_file (request, self->strings[PROP_CA_FILE]);
  bearer_token_request_set_client_certificate_file (request, self->strings[PROP_CLIENT_CERTIFICATE]);
  bearer_token_request_set_allow_insecure_http (request, self->allow_insecure_http);

  for (guint i = 0; i < self->params->len; i++)
    {
      Param *param = &g_array_index (self->params, Param, i);
      bearer_token_request_add_parameter (request, param->location, param->name, param->value);
    }

  return request;
}
