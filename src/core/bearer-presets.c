/* bearer-presets.c: services whose token URL Bearer knows how to build
 *
 * One table, ProcessMaker first. Each preset turns what the user types (an
 * instance name, a tenant, a realm…) into the token URL, and chooses the
 * grant type and client authentication that service expects. The window's
 * Add a Connection and `bearer-cli add --preset` both go through
 * bearer_preset_apply(), so the same input makes the same profile.
 *
 * No GTK here: the names and hints are marked with N_() and translated
 * where they are shown.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "bearer-error.h"
#include "bearer-presets.h"
#include "bearer-profile.h"
#include "bearer-token-request.h"

static const BearerPreset presets[] = {
  {
    .id = "processmaker",
    .name = N_("ProcessMaker"),
    .description = N_("A ProcessMaker 4 instance, in the cloud or self-hosted"),
    .input = BEARER_PRESET_INPUT_INSTANCE,
    .input_title = N_("Instance name or URL"),
    .option = "instance",
    .input_hint = N_("“acme” for acme.processmaker.net, or the URL of a self-hosted server"),
    .path = "/oauth/token",
    .grant_type = BEARER_GRANT_REFRESH_TOKEN,
    /* ProcessMaker's own examples send the client in the body. */
    .client_auth = BEARER_CLIENT_AUTH_POST,
    /* Laravel Passport's routes. */
    .token_suffix = "/oauth/token",
    .authorize_suffix = "/oauth/authorize",
  },
  {
    .id = "generic",
    .name = N_("Generic OAuth 2.0"),
    .description = N_("Any OAuth 2.0 server: type its token URL"),
    .input = BEARER_PRESET_INPUT_TOKEN_URL,
    .input_title = N_("Access token URL"),
    .option = "token-url",
    .input_hint = N_("For example https://auth.example.com/oauth/token"),
    .grant_type = BEARER_GRANT_REFRESH_TOKEN,
    .client_auth = BEARER_CLIENT_AUTH_BASIC,
  },
  {
    .id = "keycloak",
    .name = N_("Keycloak"),
    .description = N_("A Keycloak realm"),
    .input = BEARER_PRESET_INPUT_BASE_URL,
    .input_title = N_("Server URL"),
    .option = "server",
    .input_hint = N_("For example https://sso.example.com"),
    .realm_title = N_("Realm"),
    .path = "/realms/{}/protocol/openid-connect/token",
    .grant_type = BEARER_GRANT_CLIENT_CREDENTIALS,
    .client_auth = BEARER_CLIENT_AUTH_BASIC,
    .token_suffix = "/protocol/openid-connect/token",
    .authorize_suffix = "/protocol/openid-connect/auth",
    .device_suffix = "/protocol/openid-connect/auth/device",
    .issuer_suffix = "",
  },
  {
    .id = "entra",
    .name = N_("Microsoft Entra ID"),
    .description = N_("Microsoft Entra ID (Azure AD), version 2.0 endpoints"),
    .input = BEARER_PRESET_INPUT_TENANT,
    .input_title = N_("Tenant"),
    .option = "tenant",
    .input_default = "common",
    .input_hint = N_("A tenant ID, a domain like contoso.onmicrosoft.com, or “common”"),
    .path = "https://login.microsoftonline.com/{}/oauth2/v2.0/token",
    .grant_type = BEARER_GRANT_CLIENT_CREDENTIALS,
    .client_auth = BEARER_CLIENT_AUTH_POST,
    .scope = "https://graph.microsoft.com/.default",
    .token_suffix = "/oauth2/v2.0/token",
    .authorize_suffix = "/oauth2/v2.0/authorize",
    .device_suffix = "/oauth2/v2.0/devicecode",
    .issuer_suffix = "/v2.0",
  },
  {
    .id = "auth0",
    .name = N_("Auth0"),
    .description = N_("An Auth0 tenant"),
    .input = BEARER_PRESET_INPUT_HOST,
    .input_title = N_("Domain"),
    .option = "host",
    .input_hint = N_("For example acme.eu.auth0.com"),
    .path = "/oauth/token",
    .grant_type = BEARER_GRANT_CLIENT_CREDENTIALS,
    .client_auth = BEARER_CLIENT_AUTH_POST,
    .token_suffix = "/oauth/token",
    .authorize_suffix = "/authorize",
    .device_suffix = "/oauth/device/code",
    .issuer_suffix = "/",
  },
  {
    .id = "google",
    .name = N_("Google"),
    .description = N_("Google APIs, with a refresh token from Google’s consent screen"),
    .input = BEARER_PRESET_INPUT_NONE,
    .path = "https://oauth2.googleapis.com/token",
    .grant_type = BEARER_GRANT_REFRESH_TOKEN,
    .client_auth = BEARER_CLIENT_AUTH_POST,
    .token_suffix = "",
    .authorize_suffix = "https://accounts.google.com/o/oauth2/v2/auth",
    .device_suffix = "https://oauth2.googleapis.com/device/code",
    .issuer_suffix = "https://accounts.google.com",
  },
  {
    .id = "gitlab",
    .name = N_("GitLab"),
    .description = N_("GitLab.com or a self-managed GitLab"),
    .input = BEARER_PRESET_INPUT_BASE_URL,
    .input_title = N_("Instance URL"),
    .option = "instance",
    .input_default = "https://gitlab.com",
    .input_hint = N_("https://gitlab.com, or the URL of your own GitLab"),
    .path = "/oauth/token",
    .grant_type = BEARER_GRANT_REFRESH_TOKEN,
    .client_auth = BEARER_CLIENT_AUTH_POST,
    .token_suffix = "/oauth/token",
    .authorize_suffix = "/oauth/authorize",
    .device_suffix = "/oauth/authorize_device",
    .issuer_suffix = "",
  },
};

const BearerPreset *
bearer_presets_get (guint *n_presets)
{
  if (n_presets != NULL)
    *n_presets = G_N_ELEMENTS (presets);
  return presets;
}

const BearerPreset *
bearer_preset_find (const char *id)
{
  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    if (g_strcmp0 (presets[i].id, id) == 0)
      return &presets[i];
  return NULL;
}

static gboolean
is_label_char (char c)
{
  return g_ascii_isalnum (c) || c == '-';
}

/* A DNS name: labels of letters, digits and hyphens, separated by dots. */
static gboolean
is_host_name (const char *text,
              gboolean    need_dot)
{
  gboolean dot = FALSE;

  if (*text == '\0' || *text == '-' || *text == '.')
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '.')
        {
          if (p[1] == '.' || p[1] == '\0' || p[1] == '-' || p[-1] == '-')
            return FALSE;
          dot = TRUE;
        }
      else if (!is_label_char (*p))
        return FALSE;
    }
  return !need_dot || dot;
}

static gboolean
is_web_uri (GUri *uri)
{
  const char *scheme = g_uri_get_scheme (uri);
  const char *host = g_uri_get_host (uri);

  return (g_ascii_strcasecmp (scheme, "https") == 0 || g_ascii_strcasecmp (scheme, "http") == 0) &&
         host != NULL && *host != '\0' && g_uri_get_userinfo (uri) == NULL;
}

/* A URL the user typed (with its scheme) that the core would refuse as a
 * token URL: the core's own reason, which never quotes a URL that may hold
 * a password. */
static gboolean
refuse_bad_url (const char  *text,
                GError     **error)
{
  g_autoptr(GError) url_error = NULL;

  if (strstr (text, "://") == NULL || bearer_token_url_check (text, TRUE, &url_error))
    return FALSE;

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, url_error->message);
  return TRUE;
}

/* A server's URL without a trailing slash, query or fragment; https:// is
 * assumed when no scheme is given. */
static char *
base_url (const char  *text,
          GError     **error)
{
  g_autofree char *with_scheme = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *path = NULL;
  gsize len;

  if (refuse_bad_url (text, error))
    return NULL;

  with_scheme = strstr (text, "://") != NULL ? g_strdup (text) : g_strconcat ("https://", text, NULL);
  uri = g_uri_parse (with_scheme, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || !is_web_uri (uri) || g_uri_get_query (uri) != NULL ||
      g_uri_get_fragment (uri) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not the address of a server"), text);
      return NULL;
    }

  path = g_strdup (g_uri_get_path (uri));
  len = strlen (path);
  while (len > 0 && path[len - 1] == '/')
    path[--len] = '\0';

  return g_uri_join (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                     g_uri_get_port (uri), path, NULL, NULL);
}

/* Another address of the server, from its token URL: the preset's token
 * ending replaced by @suffix (an absolute @suffix is taken as it is), or
 * NULL when the token URL does not end as the preset's do (a URL typed as
 * it is). */
static char *
sign_in_url (const BearerPreset *preset,
             const char         *token_url,
             const char         *suffix)
{
  gsize len, end;

  if (suffix == NULL || preset->token_suffix == NULL)
    return NULL;
  if (g_str_has_prefix (suffix, "https://"))
    return g_strdup (suffix);
  if (!g_str_has_suffix (token_url, preset->token_suffix))
    return NULL;
  len = strlen (token_url);
  end = len - strlen (preset->token_suffix);
  return g_strdup_printf ("%.*s%s", (int) end, token_url, suffix);
}

/* The template with its "{}" replaced by @value. */
static char *
fill_template (const char *template,
               const char *value)
{
  const char *hole = strstr (template, "{}");

  g_return_val_if_fail (hole != NULL, g_strdup (template));
  return g_strdup_printf ("%.*s%s%s", (int) (hole - template), template, value, hole + 2);
}

static char *
processmaker_url (const BearerPreset  *preset,
                  const char          *input,
                  GError             **error)
{
  g_autofree char *base = NULL;

  if (strstr (input, "://") == NULL)
    {
      /* "acme": a cloud instance. */
      if (strchr (input, '.') == NULL && is_host_name (input, FALSE))
        return g_strdup_printf ("https://%s.processmaker.net%s", input, preset->path);
      /* "pm.example.com": a server. */
      if (is_host_name (input, TRUE))
        return g_strdup_printf ("https://%s%s", input, preset->path);
    }
  else if (refuse_bad_url (input, error))
    return NULL;
  else
    {
      g_autoptr(GUri) uri = g_uri_parse (input, G_URI_FLAGS_NONE, NULL);
      const char *path = uri != NULL ? g_uri_get_path (uri) : NULL;

      /* A URL with a path is the token URL of a self-hosted server; without
       * one, the server's. */
      if (uri != NULL && is_web_uri (uri) && path != NULL && *path != '\0' && strcmp (path, "/") != 0)
        return g_strdup (input);
      if ((base = base_url (input, NULL)) != NULL)
        return g_strconcat (base, preset->path, NULL);
    }

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               _("Type an instance name like “acme”, or the URL of your server"));
  return NULL;
}

/**
 * bearer_preset_build_token_url:
 * @preset: a preset
 * @input: (nullable): what the user typed in the preset's input
 * @realm: (nullable): the second input (Keycloak's realm)
 *
 * Returns: (transfer full) (nullable): the token URL, or %NULL with a
 *   %G_IO_ERROR_INVALID_ARGUMENT whose message tells what to type
 */
char *
bearer_preset_build_token_url (const BearerPreset  *preset,
                               const char          *input,
                               const char          *realm,
                               GError             **error)
{
  g_autofree char *text = g_strstrip (g_strdup (input != NULL ? input : ""));
  g_autofree char *realm_text = g_strstrip (g_strdup (realm != NULL ? realm : ""));
  g_autofree char *base = NULL;

  g_return_val_if_fail (preset != NULL, NULL);

  if (*text == '\0' && preset->input_default != NULL)
    {
      g_free (text);
      text = g_strdup (preset->input_default);
    }

  if (preset->input != BEARER_PRESET_INPUT_NONE && *text == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Fill in “%s”"), _(preset->input_title));
      return NULL;
    }

  switch (preset->input)
    {
    case BEARER_PRESET_INPUT_NONE:
      return g_strdup (preset->path);

    case BEARER_PRESET_INPUT_TOKEN_URL:
      if (bearer_check_token_url (text, TRUE) != BEARER_URL_OK)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("Type the full token URL, starting with https://"));
          return NULL;
        }
      return g_steal_pointer (&text);

    case BEARER_PRESET_INPUT_INSTANCE:
      return processmaker_url (preset, text, error);

    case BEARER_PRESET_INPUT_TENANT:
      if (!is_host_name (text, FALSE))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("A tenant is an ID, a domain name or “common”"));
          return NULL;
        }
      return fill_template (preset->path, text);

    case BEARER_PRESET_INPUT_HOST:
    case BEARER_PRESET_INPUT_BASE_URL:
      if (!(base = base_url (text, error)))
        return NULL;

      if (preset->realm_title != NULL)
        {
          g_autofree char *escaped = NULL;
          g_autofree char *path = NULL;

          if (*realm_text == '\0')
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Fill in “%s”"), _(preset->realm_title));
              return NULL;
            }
          escaped = g_uri_escape_string (realm_text, NULL, FALSE);
          path = fill_template (preset->path, escaped);
          return g_strconcat (base, path, NULL);
        }
      return g_strconcat (base, preset->path, NULL);

    default:
      g_return_val_if_reached (NULL);
    }
}

/**
 * bearer_preset_suggest_name:
 *
 * Returns: (transfer full): a name for a new connection made from the
 *   user's input: the instance, realm, tenant or host, else the preset's name
 */
char *
bearer_preset_suggest_name (const BearerPreset *preset,
                            const char         *input,
                            const char         *realm)
{
  g_autofree char *text = g_strstrip (g_strdup (input != NULL ? input : ""));
  g_autofree char *realm_text = g_strstrip (g_strdup (realm != NULL ? realm : ""));

  g_return_val_if_fail (preset != NULL, NULL);

  if (*realm_text != '\0')
    return g_steal_pointer (&realm_text);

  if (preset->input == BEARER_PRESET_INPUT_NONE || *text == '\0' ||
      g_strcmp0 (text, preset->input_default) == 0)
    return g_strdup (_(preset->name));

  if (strstr (text, "://") != NULL)
    {
      g_autoptr(GUri) uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);

      if (uri != NULL && g_uri_get_host (uri) != NULL)
        return g_strdup (g_uri_get_host (uri));
    }

  return g_steal_pointer (&text);
}

/**
 * bearer_preset_apply:
 * @preset: a preset
 * @profile: the profile to set up
 * @input: (nullable): what the user typed in the preset's input
 * @realm: (nullable): the second input (Keycloak's realm)
 *
 * Gives @profile the preset's id, the token URL made from @input and @realm
 * (bearer_preset_build_token_url()), and the preset's grant type, client
 * authentication and scope. The window's Add a Connection and
 * `bearer-cli add --preset` both use it; either may change the grant and the
 * rest afterwards.
 *
 * Returns: %TRUE, or %FALSE with the error of
 *   bearer_preset_build_token_url() and @profile unchanged
 */
gboolean
bearer_preset_apply (const BearerPreset  *preset,
                     BearerProfile       *profile,
                     const char          *input,
                     const char          *realm,
                     GError             **error)
{
  g_autofree char *token_url = NULL;

  g_return_val_if_fail (preset != NULL, FALSE);
  g_return_val_if_fail (BEARER_IS_PROFILE (profile), FALSE);

  if (!(token_url = bearer_preset_build_token_url (preset, input, realm, error)))
    return FALSE;

  bearer_profile_set_preset (profile, preset->id);
  bearer_profile_set_token_url (profile, token_url);
  bearer_profile_set_grant_type (profile, preset->grant_type);
  bearer_profile_set_client_auth (profile, preset->client_auth);
  bearer_profile_set_scope (profile, preset->scope);
  {
    g_autofree char *authorize = sign_in_url (preset, token_url, preset->authorize_suffix);
    g_autofree char *device = sign_in_url (preset, token_url, preset->device_suffix);
    g_autofree char *issuer = sign_in_url (preset, token_url, preset->issuer_suffix);

    bearer_profile_set_authorization_url (profile, authorize);
    bearer_profile_set_device_authorization_url (profile, device);
    bearer_profile_set_issuer (profile, issuer);
  }
  return TRUE;
}

/**
 * bearer_check_token_url:
 * @text: (nullable): what the user typed
 * @allow_insecure_http: whether plain http:// to any host is allowed
 *
 * A thin wrapper over bearer_token_url_check(): the rules are the core's.
 *
 * Returns: whether the core will accept @text as a token URL
 */
BearerUrlCheck
bearer_check_token_url (const char *text,
                        gboolean    allow_insecure_http)
{
  g_autoptr(GError) error = NULL;

  if (text == NULL || *text == '\0')
    return BEARER_URL_EMPTY;

  if (bearer_token_url_check (text, allow_insecure_http, &error))
    return BEARER_URL_OK;

  return g_error_matches (error, BEARER_ERROR, BEARER_ERROR_INSECURE_URL) ? BEARER_URL_INSECURE
                                                                          : BEARER_URL_INVALID;
}
