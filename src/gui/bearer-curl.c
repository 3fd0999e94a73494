/* bearer-curl.c: a token request written as a curl command
 *
 * The command sends what the core sends (docs/core.md, "The wire"): the same
 * parameters in the same order, the same client authentication, the same
 * body encoding and extra parameters. Secrets are placeholders unless the
 * caller asks for them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "bearer-curl.h"

#define CONTINUATION " \\\n  "

typedef struct {
  GString *command;
  JsonBuilder *json;            /* a JSON body, or NULL for a form */
} Command;

static void
append_arg (Command    *cmd,
            const char *option,
            const char *value)
{
  g_autofree char *quoted = g_shell_quote (value);

  g_string_append (cmd->command, CONTINUATION);
  g_string_append_printf (cmd->command, "%s %s", option, quoted);
}

/* The bytes application/x-www-form-urlencoded keeps as they are. */
static gboolean
is_form_safe (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("*-._", *p) == NULL)
      return FALSE;
  return TRUE;
}

static void
form_encode (GString    *out,
             const char *text)
{
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p) || strchr ("*-._", *p) != NULL)
        g_string_append_c (out, *p);
      else if (*p == ' ')
        g_string_append_c (out, '+');
      else
        g_string_append_printf (out, "%%%02X", *p);
    }
}

static gboolean
is_placeholder (const char *value)
{
  return g_str_equal (value, BEARER_CURL_CLIENT_SECRET) ||
         g_str_equal (value, BEARER_CURL_REFRESH_TOKEN) ||
         g_str_equal (value, BEARER_CURL_PASSWORD);
}

static void
add_body (Command    *cmd,
          const char *name,
          const char *value)
{
  g_autofree char *pair = NULL;

  if (value == NULL || *value == '\0')
    return;

  if (cmd->json != NULL)
    {
      json_builder_set_member_name (cmd->json, name);
      json_builder_add_string_value (cmd->json, value);
      return;
    }

  /* curl -d sends the text as it is; --data-urlencode encodes the value. */
  pair = g_strconcat (name, "=", value, NULL);
  if (is_form_safe (name) && (is_form_safe (value) || is_placeholder (value)))
    append_arg (cmd, "-d", pair);
  else
    append_arg (cmd, "--data-urlencode", pair);
}

static const char *
secret_or_placeholder (const char *secret,
                       const char *placeholder,
                       gboolean    include)
{
  return include && secret != NULL && *secret != '\0' ? secret : placeholder;
}

/* The token URL as copied: a password in it (a profile saved by hand or
 * by an older Bearer) is a secret like the others. */
static char *
shown_token_url (const char *url,
                 gboolean    include_secrets)
{
  g_autoptr(GUri) uri = NULL;

  if (url == NULL)
    return g_strdup ("<token-url>");
  if (include_secrets || strchr (url, '@') == NULL)
    return g_strdup (url);

  /* Without its user information; anything else with an "@" before the
   * query may hide one (a malformed URL): then the URL is not shown. */
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || strchr (g_uri_get_path (uri), '@') != NULL)
    return g_strdup ("<token-url>");
  return g_uri_join (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                     g_uri_get_port (uri), g_uri_get_path (uri), g_uri_get_query (uri),
                     g_uri_get_fragment (uri));
}

/**
 * bearer_curl_command:
 * @profile: the connection's settings
 * @client_secret: (nullable): the client secret
 * @refresh_token: (nullable): the refresh token
 * @password: (nullable): the resource owner's password
 * @include_secrets: %FALSE to write placeholders such as `<client-secret>`
 *   instead of the secrets
 *
 * Returns: (transfer full): a curl command that asks the token endpoint for
 *   a token the way Bearer does (one option per line)
 */
char *
bearer_curl_command (BearerProfile *profile,
                     const char    *client_secret,
                     const char    *refresh_token,
                     const char    *password,
                     gboolean       include_secrets)
{
  g_autoptr(GString) url = NULL;
  g_autoptr(GString) query = g_string_new (NULL);
  g_autoptr(JsonBuilder) json = NULL;
  g_autofree char *quoted_url = NULL;
  g_autofree char *shown_url = NULL;
  Command cmd = { g_string_new ("curl -X POST"), NULL };
  BearerGrantType grant = bearer_profile_get_grant_type (profile);
  BearerClientAuth auth = bearer_profile_get_client_auth (profile);
  const char *client_id = bearer_profile_get_client_id (profile);
  const char *secret = secret_or_placeholder (client_secret, BEARER_CURL_CLIENT_SECRET,
                                              include_secrets);
  guint n_params = bearer_profile_get_n_parameters (profile);

  g_return_val_if_fail (BEARER_IS_PROFILE (profile), NULL);

  /* The refresh transaction keeps a browser sign-in alive with its refresh token. */
  if (grant == BEARER_GRANT_AUTHORIZATION_CODE)
    grant = BEARER_GRANT_REFRESH_TOKEN;

  shown_url = shown_token_url (bearer_profile_get_token_url (profile), include_secrets);
  url = g_string_new (shown_url);
  for (guint i = 0; i < n_params; i++)
    {
      BearerParamLocation location;
      const char *name, *value;

      bearer_profile_get_parameter (profile, i, &location, &name, &value);
      if (location != BEARER_PARAM_QUERY)
        continue;
      g_string_append_c (query, query->len > 0 ? '&' : (strchr (url->str, '?') ? '&' : '?'));
      form_encode (query, name);
      g_string_append_c (query, '=');
      form_encode (query, value != NULL ? value : "");
    }
  g_string_append (url, query->str);
  quoted_url = g_shell_quote (url->str);
  g_string_append_printf (cmd.command, " %s", quoted_url);

  append_arg (&cmd, "-H", "Accept: application/json");
  for (guint i = 0; i < n_params; i++)
    {
      BearerParamLocation location;
      const char *name, *value;
      g_autofree char *header = NULL;

      bearer_profile_get_parameter (profile, i, &location, &name, &value);
      if (location != BEARER_PARAM_HEADER)
        continue;
      header = g_strdup_printf ("%s: %s", name, value != NULL ? value : "");
      append_arg (&cmd, "-H", header);
    }

  if (auth == BEARER_CLIENT_AUTH_BASIC || auth == BEARER_CLIENT_AUTH_BASIC_RAW)
    {
      g_autoptr(GString) user = g_string_new (NULL);

      if (auth == BEARER_CLIENT_AUTH_BASIC)
        {
          /* RFC 6749 §2.3.1: each part form-encoded before base64. */
          form_encode (user, client_id != NULL ? client_id : "");
          g_string_append_c (user, ':');
          if (is_placeholder (secret))
            g_string_append (user, secret);
          else
            form_encode (user, secret);
        }
      else
        g_string_append_printf (user, "%s:%s", client_id != NULL ? client_id : "", secret);
      append_arg (&cmd, "-u", user->str);
    }

  if (bearer_profile_get_body_encoding (profile) == BEARER_BODY_JSON)
    {
      json = json_builder_new ();
      cmd.json = json;
      json_builder_begin_object (json);
    }

  add_body (&cmd, "grant_type", bearer_grant_type_to_string (grant));
  if (grant == BEARER_GRANT_REFRESH_TOKEN)
    add_body (&cmd, "refresh_token",
              secret_or_placeholder (refresh_token, BEARER_CURL_REFRESH_TOKEN, include_secrets));
  else if (grant == BEARER_GRANT_PASSWORD)
    {
      add_body (&cmd, "username", bearer_profile_get_username (profile));
      add_body (&cmd, "password", secret_or_placeholder (password, BEARER_CURL_PASSWORD,
                                                         include_secrets));
    }
  add_body (&cmd, "scope", bearer_profile_get_scope (profile));
  add_body (&cmd, "audience", bearer_profile_get_audience (profile));
  add_body (&cmd, "resource", bearer_profile_get_resource (profile));
  if (auth == BEARER_CLIENT_AUTH_POST)
    {
      add_body (&cmd, "client_id", client_id);
      add_body (&cmd, "client_secret", secret);
    }
  else if (auth == BEARER_CLIENT_AUTH_NONE)
    add_body (&cmd, "client_id", client_id);

  for (guint i = 0; i < n_params; i++)
    {
      BearerParamLocation location;
      const char *name, *value;

      bearer_profile_get_parameter (profile, i, &location, &name, &value);
      if (location == BEARER_PARAM_BODY)
        add_body (&cmd, name, value);
    }

  if (json != NULL)
    {
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *text = NULL;

      json_builder_end_object (json);
      root = json_builder_get_root (json);
      json_generator_set_root (generator, root);
      text = json_generator_to_data (generator, NULL);
      append_arg (&cmd, "-H", "Content-Type: application/json");
      append_arg (&cmd, "--data-raw", text);
    }

  return g_string_free (cmd.command, FALSE);
}
