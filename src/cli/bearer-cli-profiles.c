/* bearer-cli-profiles.c: list, add and remove
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "bearer-agent-protocol.h"
#include "bearer-cli-private.h"
#include "bearer-client-certificate.h"
#include "bearer-discovery.h"
#include "bearer-enum-types.h"
#include "bearer-presets.h"
#include "bearer-sign-in.h"
#include "bearer-token-request.h"

/* A profile name as bearer-cli prints it, terminal or not: whatever is not
 * printable (an escape sequence, a bidirectional override…) or could start
 * a new line (U+2028, U+2029), and the backslash itself, written as a C
 * escape, so one profile is one line of `list` and what is shown is what is
 * stored. Core refuses control characters in names; this holds anyway. */
static char *
printable_name (const char *name)
{
  GString *out = g_string_new (NULL);
  const char *p = name != NULL ? name : "";

  while (*p != '\0')
    {
      gunichar c = g_utf8_get_char_validated (p, -1);
      GUnicodeType type;

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_printf (out, "\\x%02x", (guchar) *p);
          p++;
          continue;
        }

      type = g_unichar_type (c);
      if (c == '\\')
        g_string_append (out, "\\\\");
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c == '\r')
        g_string_append (out, "\\r");
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else if (!g_unichar_isprint (c) || type == G_UNICODE_LINE_SEPARATOR ||
               type == G_UNICODE_PARAGRAPH_SEPARATOR)
        {
          if (c <= 0xffff)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_printf (out, "\\U%08x", c);
        }
      else
        g_string_append_unichar (out, c);
      p = g_utf8_next_char (p);
    }

  return g_string_free (out, FALSE);
}

/* printf's "%-24s" counts bytes: a translated heading or a name with accents
 * would push the next column. Pads to @width characters instead. */
static void
append_cell (GString    *line,
             const char *text,
             glong       width)
{
  glong length;

  if (text == NULL)
    text = "";
  length = g_utf8_validate (text, -1, NULL) ? g_utf8_strlen (text, -1) : (glong) strlen (text);

  g_string_append (line, text);
  for (glong i = length; i < width; i++)
    g_string_append_c (line, ' ');
}

static void
print_row (const char *name,
           const char *grant,
           const char *token)
{
  g_autoptr(GString) line = g_string_new (NULL);

  append_cell (line, name, 24);
  g_string_append_c (line, ' ');
  append_cell (line, grant, 20);
  g_string_append_c (line, ' ');
  g_string_append (line, token);
  g_string_append_c (line, '\n');
  g_print ("%s", line->str);
}

static void
print_heading (void)
{
  /* Translators: the column headings of “bearer-cli list”, in capitals; the
   * columns are 24 and 20 characters wide (a longer heading shifts the rows). */
  print_row (_("NAME"),
             /* Translators: the heading of the column of grant types in “bearer-cli
              * list” (refresh_token, password…), in capitals, at most 20 characters. */
             _("GRANT"),
             /* Translators: the heading of the column of access token states in
              * “bearer-cli list” (“valid for 59 min”, “expired”…), in capitals. */
             _("TOKEN"));
}

static void
print_unreadable (guint       unreadable,
                  const char *path)
{
  g_autofree char *note = NULL;

  if (unreadable == 0)
    return;
  note =
    /* Translators: %u is a number of profiles (1 or more), %s the profiles
     * file’s full name. */
    g_strdup_printf (ngettext ("%u profile in “%s” cannot be read by this version of Bearer "
                               "(edited by hand, or written by a newer version); it is kept "
                               "as it is and not listed",
                               "%u profiles in “%s” cannot be read by this version of Bearer "
                               "(edited by hand, or written by a newer version); they are kept "
                               "as they are and not listed", unreadable),
                     unreadable, path);
  bearer_cli_print_error (note);
}

/* A connection now kept signed in: the agent (started if it is not
 * running) reads profiles.json again and keeps it alive from now on. */
static void
wake_agent (void)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  int signum;

  if (bearer_cli_agent_call ("ListConnections", g_variant_new ("()"), NULL, &reply, &error, &signum) ==
      AGENT_UNAVAILABLE)
    g_debug ("No token agent to keep the connection signed in yet");
}

/* list through the agent: -1 when the agent cannot do it (or when tokens
 * the keyring refused are waiting: moving them in is done here, and said). */
static int
list_from_agent (void)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) connections = NULL;
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GError) error = NULL;
  gboolean keyring_failed = FALSE;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint32 unreadable = 0;
  const char *path = "";
  int exit_code = EXIT_OK;
  AgentOutcome outcome;
  GVariantIter iter;
  GVariant *item;
  int signum;

  outcome = bearer_cli_agent_call ("ListConnections", g_variant_new ("()"), G_VARIANT_TYPE ("(aa{sv}a{sv})"),
                                   &reply, &error, &signum);
  if (outcome == AGENT_UNAVAILABLE)
    return -1;
  if (outcome == AGENT_INTERRUPTED)
    return bearer_cli_agent_interrupted (signum);
  if (error != NULL)
    return -1;

  connections = g_variant_get_child_value (reply, 0);
  info = g_variant_get_child_value (reply, 1);
  g_variant_iter_init (&iter, connections);
  while ((item = g_variant_iter_next_value (&iter)) != NULL)
    {
      gboolean pending = FALSE;

      g_variant_lookup (item, "pending", "b", &pending);
      g_variant_unref (item);
      if (pending)
        return -1;
    }

  g_variant_lookup (info, "n-unreadable", "u", &unreadable);
  g_variant_lookup (info, "profiles-path", "&s", &path);
  print_unreadable (unreadable, path);
  if (g_variant_n_children (connections) == 0)
    {
      g_print ("%s\n", _("No profiles yet. Add one with “bearer-cli add NAME --token-url URL --client-id ID”."));
      return EXIT_OK;
    }

  print_heading ();
  g_variant_iter_init (&iter, connections);
  while ((item = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *name = "", *grant = "", *keyring_error = NULL, *keyring_code = NULL;
      gboolean has_access = FALSE, has_refresh = FALSE, sign_in = FALSE;
      gint64 expires_at = 0;
      g_autofree char *state = NULL;
      g_autofree char *printable = NULL;

      g_variant_lookup (item, "name", "&s", &name);
      g_variant_lookup (item, "grant", "&s", &grant);
      g_variant_lookup (item, "expires-at", "x", &expires_at);
      g_variant_lookup (item, "has-access-token", "b", &has_access);
      g_variant_lookup (item, "has-refresh-token", "b", &has_refresh);
      g_variant_lookup (item, "needs-sign-in", "b", &sign_in);
      g_variant_lookup (item, "keyring-error", "&s", &keyring_error);
      g_variant_lookup (item, "keyring-error-code", "&s", &keyring_code);

      if (keyring_error == NULL)
        {
          g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();

          /* Only what the state needs: never a token. */
          if (has_access)
            bearer_secrets_set_access_token (secrets, "-", NULL, expires_at, NULL);
          if (has_refresh)
            bearer_secrets_set_refresh_token (secrets, "-");
          bearer_secrets_set_needs_sign_in (secrets, sign_in);
          state = bearer_cli_describe_state (secrets, now);
        }
      else
        {
          g_autoptr(GError) failure = bearer_agent_error_from_code (keyring_code != NULL ? keyring_code : "",
                                                                    keyring_error);

          if (!keyring_failed)
            {
              bearer_cli_print_error (keyring_error);
              exit_code = failure != NULL ? bearer_cli_exit_code_for (failure) : EXIT_KEYRING;
              keyring_failed = failure != NULL && failure->domain == BEARER_KEYRING_ERROR &&
                               failure->code != BEARER_KEYRING_ERROR_CORRUPT;
            }
          /* Translators: the state of an access token in “bearer-cli list”. */
          state = g_strdup (_("unknown (keyring unavailable)"));
        }

      printable = printable_name (name);
      print_row (printable, grant, state);
      g_variant_unref (item);
    }
  return exit_code;
}

/* bearer-cli list */
int
bearer_cli_list (int    argc,
                 char **argv)
{
  g_autoptr(BearerConnectionList) list = NULL;
  BearerProfileStore *store;
  gboolean keyring_failed = FALSE;
  int exit_code = EXIT_OK;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint n, unreadable;

  if (argc > 1)
    return bearer_cli_usage_error (_("“list” takes no arguments"));

  if ((exit_code = list_from_agent ()) >= 0)
    return exit_code;
  exit_code = EXIT_OK;

  /* Every profile's keyring item, in one search. */
  if (!(list = bearer_cli_open_connections (TRUE, &exit_code)))
    return exit_code;

  store = bearer_connection_list_get_store (list);
  n = g_list_model_get_n_items (G_LIST_MODEL (list));
  unreadable = bearer_profile_store_get_n_unreadable (store);
  print_unreadable (unreadable, bearer_profile_store_get_path (store));
  if (n == 0)
    {
      g_print ("%s\n", _("No profiles yet. Add one with “bearer-cli add NAME --token-url URL --client-id ID”."));
      return EXIT_OK;
    }

  print_heading ();
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BearerConnection) connection = g_list_model_get_item (G_LIST_MODEL (list), i);
      BearerProfile *profile = bearer_connection_get_profile (connection);
      const GError *error = bearer_connection_get_secrets_error (connection);
      g_autoptr(BearerSecrets) secrets = NULL;
      g_autoptr(GError) move_error = NULL;
      g_autofree char *state = NULL;
      g_autofree char *name = NULL;

      if (error == NULL && bearer_profile_has_pending_tokens (profile))
        {
          secrets = bearer_cli_move_pending_tokens (profile, &move_error);
          error = move_error;
        }
      else if (error == NULL)
        secrets = bearer_connection_dup_token (connection);

      if (secrets != NULL)
        state = bearer_cli_describe_state (secrets, now);
      else
        {
          /* One search for all: one message for all. */
          if (!keyring_failed)
            {
              bearer_cli_print_error (error->message);
              exit_code = bearer_cli_exit_code_for (error);
              keyring_failed = error->domain == BEARER_KEYRING_ERROR &&
                               error->code != BEARER_KEYRING_ERROR_CORRUPT;
            }
          /* Translators: the state of an access token in “bearer-cli list”. */
          state = g_strdup (_("unknown (keyring unavailable)"));
        }

      name = printable_name (bearer_profile_get_name (profile));
      print_row (name, bearer_grant_type_to_string (bearer_profile_get_grant_type (profile)), state);
    }

  return exit_code;
}

/* The token URL meets the rules every request will check (and so the
 * window's form): else a usage error that never quotes a URL that may
 * hold a password. */
/* The certificate of --auth tls|self-signed-tls: given, readable and PEM;
 * made absolute, as the profile is used from anywhere. *path is freed and
 * replaced. A certificate without such an --auth is refused. */
static gboolean
client_certificate_usable (BearerClientAuth   auth,
                           char             **path)
{
  g_autoptr(GError) error = NULL;
  char *absolute;

  if (!bearer_client_auth_uses_certificate (auth))
    {
      if (*path != NULL)
        {
          bearer_cli_usage_error (_("--client-cert goes with --auth tls or --auth self-signed-tls"));
          return FALSE;
        }
      return TRUE;
    }

  if (*path == NULL)
    {
      bearer_cli_usage_error (_("--auth tls and --auth self-signed-tls need --client-cert FILE, "
                                "the client certificate in PEM format"));
      return FALSE;
    }

  absolute = g_canonicalize_filename (*path, NULL);
  g_free (*path);
  *path = absolute;
  if (!bearer_client_certificate_check (*path, &error))
    {
      bearer_cli_usage_error (error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
token_url_usable (const char *url,
                  gboolean    allow_http)
{
  g_autoptr(GError) error = NULL;

  if (bearer_token_url_check (url, allow_http, &error))
    return TRUE;

  bearer_cli_print_error (error->message);
  if (g_error_matches (error, BEARER_ERROR, BEARER_ERROR_INSECURE_URL))
    bearer_cli_print_error (_("Add --allow-http to allow plain HTTP for this profile."));
  bearer_cli_print_error (_("Try “bearer-cli --help”."));
  return FALSE;
}

/* Another endpoint of a profile (authorization, device authorization):
 * the same rules as the token URL; the message names which one. */
static gboolean
endpoint_usable (const char *option,
                 const char *url,
                 gboolean    allow_http)
{
  g_autoptr(GError) error = NULL;

  if (url == NULL || bearer_token_url_check (url, allow_http, &error))
    return TRUE;

  {
    /* Translators: the first %s is an option of bearer-cli add
     * (authorize-url…), typed as it is; the second why its URL is refused. */
    g_autofree char *message = g_strdup_printf (_("--%s: %s"), option, error->message);
    bearer_cli_print_error (message);
  }
  if (g_error_matches (error, BEARER_ERROR, BEARER_ERROR_INSECURE_URL))
    bearer_cli_print_error (_("Add --allow-http to allow plain HTTP for this profile."));
  bearer_cli_print_error (_("Try “bearer-cli --help”."));
  return FALSE;
}

/* Fills @profile's endpoints from its issuer's discovery document, and
 * says what the server does not support. */
static int
discover (BearerProfile *profile,
          const char    *issuer)
{
  g_autoptr(BearerDiscovery) discovery = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) warnings = NULL;
  Waiter waiter = bearer_cli_waiter_init ();

  bearer_discovery_fetch_async (issuer, bearer_profile_get_ca_file (profile),
                                bearer_profile_get_allow_insecure_http (profile), NULL,
                                bearer_cli_waited_cb, &waiter);
  discovery = bearer_discovery_fetch_finish (bearer_cli_wait_for (&waiter), &error);
  bearer_cli_waiter_clear (&waiter);
  if (discovery == NULL)
    {
      bearer_cli_print_error (error->message);
      if (g_error_matches (error, BEARER_ERROR, BEARER_ERROR_INSECURE_URL))
        bearer_cli_print_error (_("Add --allow-http to allow plain HTTP for this profile."));
      return g_error_matches (error, BEARER_ERROR, BEARER_ERROR_INVALID_URL) ||
             g_error_matches (error, BEARER_ERROR, BEARER_ERROR_INSECURE_URL)
             ? EXIT_USAGE : EXIT_SERVER;
    }

  bearer_discovery_apply (discovery, profile);
  warnings = bearer_discovery_dup_warnings (discovery, profile);
  for (guint i = 0; warnings[i] != NULL; i++)
    {
      /* Translators: a warning after discovery; %s is the reason. */
      g_autofree char *line = g_strdup_printf (_("Warning: %s"), warnings[i]);
      bearer_cli_print_error (line);
    }
  return EXIT_OK;
}

/* --signing-alg and --assertion-aud, as add and set take them. */
static gboolean
parse_assertion_options (const char       *signing_alg,
                         const char       *assertion_aud,
                         BearerSigningAlg *alg,
                         gboolean         *aud_issuer)
{
  int value = BEARER_SIGNING_ALG_AUTO;

  if (signing_alg != NULL && !bearer_enum_from_nick (BEARER_TYPE_SIGNING_ALG, signing_alg, &value))
    {
      bearer_cli_usage_error (_("--signing-alg is one of RS256, PS256, ES256, HS256, auto"));
      return FALSE;
    }
  *alg = value;

  if (assertion_aud != NULL && !g_str_equal (assertion_aud, "issuer") &&
      !g_str_equal (assertion_aud, "endpoint"))
    {
      bearer_cli_usage_error (_("--assertion-aud is one of endpoint, issuer"));
      return FALSE;
    }
  *aud_issuer = g_strcmp0 (assertion_aud, "issuer") == 0;
  return TRUE;
}

/* bearer-cli add NAME … */
int
bearer_cli_add (int    argc,
                char **argv)
{
  g_autofree char *token_url = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *grant = NULL;
  g_autofree char *auth = NULL;
  g_autofree char *scope = NULL;
  g_autofree char *audience = NULL;
  g_autofree char *resource = NULL;
  g_autofree char *username = NULL;
  g_autofree char *ca_file = NULL;
  g_autofree char *client_cert = NULL;
  g_autofree char *preset = NULL;
  g_autofree char *instance = NULL;
  g_autofree char *host = NULL;
  g_autofree char *server = NULL;
  g_autofree char *tenant = NULL;
  g_autofree char *realm = NULL;
  g_autofree char *authorize_url = NULL;
  g_autofree char *redirect_uri = NULL;
  g_autofree char *pkce = NULL;
  g_autofree char *device_url = NULL;
  g_autofree char *issuer = NULL;
  g_autofree char *preset_issuer = NULL;
  g_autofree char *revoke_url = NULL;
  g_autofree char *introspect_url = NULL;
  g_autofree char *signing_alg = NULL;
  g_autofree char *key_id = NULL;
  g_autofree char *assertion_aud = NULL;
  BearerSigningAlg alg = BEARER_SIGNING_ALG_AUTO;
  gboolean aud_issuer = FALSE;
  gboolean json_body = FALSE;
  gboolean allow_http = FALSE;
  gboolean keep_alive = FALSE;
  gboolean dpop = FALSE;
  gboolean ask = FALSE;
  GOptionEntry entries[] = {
    { "token-url", 0, 0, G_OPTION_ARG_STRING, &token_url, NULL, "URL" },
    { "client-id", 0, 0, G_OPTION_ARG_STRING, &client_id, NULL, "ID" },
    { "grant", 0, 0, G_OPTION_ARG_STRING, &grant, NULL, "GRANT" },
    { "auth", 0, 0, G_OPTION_ARG_STRING, &auth, NULL, "MODE" },
    { "scope", 0, 0, G_OPTION_ARG_STRING, &scope, NULL, "SCOPE" },
    { "audience", 0, 0, G_OPTION_ARG_STRING, &audience, NULL, "AUDIENCE" },
    { "resource", 0, 0, G_OPTION_ARG_STRING, &resource, NULL, "RESOURCE" },
    { "username", 0, 0, G_OPTION_ARG_STRING, &username, NULL, "USER" },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, NULL, "FILE" },
    { "client-cert", 0, 0, G_OPTION_ARG_FILENAME, &client_cert, NULL, "FILE" },
    { "preset", 0, 0, G_OPTION_ARG_STRING, &preset, NULL, "PRESET" },
    { "instance", 0, 0, G_OPTION_ARG_STRING, &instance, NULL, "INSTANCE" },
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, NULL, "HOST" },
    { "server", 0, 0, G_OPTION_ARG_STRING, &server, NULL, "URL" },
    { "tenant", 0, 0, G_OPTION_ARG_STRING, &tenant, NULL, "TENANT" },
    { "realm", 0, 0, G_OPTION_ARG_STRING, &realm, NULL, "REALM" },
    { "authorize-url", 0, 0, G_OPTION_ARG_STRING, &authorize_url, NULL, "URL" },
    { "redirect-uri", 0, 0, G_OPTION_ARG_STRING, &redirect_uri, NULL, "URL" },
    { "pkce", 0, 0, G_OPTION_ARG_STRING, &pkce, NULL, "METHOD" },
    { "device-authorization-url", 0, 0, G_OPTION_ARG_STRING, &device_url, NULL, "URL" },
    { "issuer", 0, 0, G_OPTION_ARG_STRING, &issuer, NULL, "URL" },
    { "revoke-url", 0, 0, G_OPTION_ARG_STRING, &revoke_url, NULL, "URL" },
    { "introspect-url", 0, 0, G_OPTION_ARG_STRING, &introspect_url, NULL, "URL" },
    { "signing-alg", 0, 0, G_OPTION_ARG_STRING, &signing_alg, NULL, "ALG" },
    { "key-id", 0, 0, G_OPTION_ARG_STRING, &key_id, NULL, "KID" },
    { "assertion-aud", 0, 0, G_OPTION_ARG_STRING, &assertion_aud, NULL, "WHICH" },
    { "json-body", 0, 0, G_OPTION_ARG_NONE, &json_body, NULL, NULL },
    { "allow-http", 0, 0, G_OPTION_ARG_NONE, &allow_http, NULL, NULL },
    { "keep-alive", 0, 0, G_OPTION_ARG_NONE, &keep_alive, NULL, NULL },
    { "dpop", 0, 0, G_OPTION_ARG_NONE, &dpop, NULL, NULL },
    { "ask", 0, 0, G_OPTION_ARG_NONE, &ask, NULL, NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(BearerConnectionList) list = NULL;
  g_autoptr(BearerConnection) added = NULL;
  Waiter waiter;
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  BearerGrantType grant_type = BEARER_GRANT_REFRESH_TOKEN;
  BearerClientAuth client_auth = BEARER_CLIENT_AUTH_BASIC;
  int pkce_method = BEARER_PKCE_S256;
  gboolean grant_given;
  int exit_code = EXIT_OK;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_help_enabled (context, FALSE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return bearer_cli_usage_error (error->message);
  grant_given = grant != NULL;
  if (argc != 2)
    return bearer_cli_usage_error (_("“add” takes one profile name"));
  /* GOption checks the options, not this: an empty or blank name, one that
   * is not UTF-8 or holds control characters would be refused by core or
   * break `list`. */
  if (!bearer_profile_check_name (argv[1], &error))
    return bearer_cli_usage_error (error->message);

  if (preset != NULL)
    {
      /* The window's presets, through the same core function. */
      const struct { const char *option; char **value; } inputs[] = {
        { "token-url", &token_url }, { "instance", &instance }, { "host", &host },
        { "server", &server }, { "tenant", &tenant }, { "realm", &realm },
      };
      const BearerPreset *found = bearer_preset_find (preset);
      g_autoptr(BearerProfile) preset_profile = NULL;
      const char *input = NULL;

      if (found == NULL)
        {
          g_autofree char *message =
            /* Translators: %s is the preset the user gave; the names after the
             * colon are typed as they are. */
            g_strdup_printf (_("There is no preset “%s”: choose processmaker, generic, keycloak, "
                               "entra, auth0, google or gitlab"), preset);
          return bearer_cli_usage_error (message);
        }

      for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
        {
          gboolean own = g_strcmp0 (inputs[i].option, found->option) == 0 ||
                         (found->realm_title != NULL && g_str_equal (inputs[i].option, "realm"));

          if (*inputs[i].value == NULL)
            continue;
          if (!own)
            {
              g_autofree char *message =
                /* Translators: the first %s is a preset (“keycloak”), the second an
                 * option of bearer-cli add (“instance”), typed as they are. */
                g_strdup_printf (_("--preset %s does not take --%s (see “bearer-cli --help”)"),
                                 preset, inputs[i].option);
              return bearer_cli_usage_error (message);
            }
          if (!g_str_equal (inputs[i].option, "realm"))
            input = *inputs[i].value;
        }

      if (found->option != NULL && input == NULL && found->input_default == NULL)
        {
          g_autofree char *message =
            /* Translators: the first %s is a preset (“processmaker”), the second an
             * option of bearer-cli add (“instance”), typed as they are. */
            g_strdup_printf (_("--preset %s needs --%s"), preset, found->option);
          return bearer_cli_usage_error (message);
        }
      if (found->realm_title != NULL && realm == NULL)
        {
          g_autofree char *message =
            /* Translators: %s is a preset (“keycloak”), typed as it is. */
            g_strdup_printf (_("--preset %s needs --realm"), preset);
          return bearer_cli_usage_error (message);
        }

      preset_profile = bearer_profile_new (argv[1]);
      if (!bearer_preset_apply (found, preset_profile, input, realm, &error))
        return bearer_cli_usage_error (error->message);

      /* The preset's token URL, grant, client authentication, scope and
       * sign-in addresses, unless given. */
      g_free (token_url);
      token_url = g_strdup (bearer_profile_get_token_url (preset_profile));
      grant_type = bearer_profile_get_grant_type (preset_profile);
      client_auth = bearer_profile_get_client_auth (preset_profile);
      if (scope == NULL)
        scope = g_strdup (bearer_profile_get_scope (preset_profile));
      if (authorize_url == NULL)
        authorize_url = g_strdup (bearer_profile_get_authorization_url (preset_profile));
      /* Kept, not fetched: adding a preset needs no network. */
      preset_issuer = g_strdup (bearer_profile_get_issuer (preset_profile));
      if (device_url == NULL)
        device_url = g_strdup (bearer_profile_get_device_authorization_url (preset_profile));
    }
  else if (instance != NULL || host != NULL || server != NULL || tenant != NULL || realm != NULL)
    return bearer_cli_usage_error (_("--instance, --host, --server, --tenant and --realm go with --preset"));

  if (token_url == NULL && issuer == NULL)
    return bearer_cli_usage_error (_("“add” needs --token-url URL (or --issuer URL)"));
  if (token_url != NULL && !token_url_usable (token_url, allow_http))
    return EXIT_USAGE;
  if (client_id == NULL)
    return bearer_cli_usage_error (_("“add” needs --client-id ID"));
  if (grant != NULL && !bearer_grant_type_from_string (grant, &grant_type))
    return bearer_cli_usage_error (_("--grant is one of refresh_token, client_credentials, password, "
                                     "authorization_code, device_code"));
  if (auth != NULL && !bearer_client_auth_from_string (auth, &client_auth))
    return bearer_cli_usage_error (_("--auth is one of basic, basic-raw, post, none, private-key-jwt, "
                                     "client-secret-jwt, tls, self-signed-tls"));
  if (!client_certificate_usable (client_auth, &client_cert))
    return EXIT_USAGE;
  if (pkce != NULL && !bearer_enum_from_nick (BEARER_TYPE_PKCE_METHOD, pkce, &pkce_method))
    return bearer_cli_usage_error (_("--pkce is one of s256, plain, none"));
  if (!parse_assertion_options (signing_alg, assertion_aud, &alg, &aud_issuer))
    return EXIT_USAGE;
  if (!endpoint_usable ("authorize-url", authorize_url, allow_http) ||
      !endpoint_usable ("device-authorization-url", device_url, allow_http) ||
      !endpoint_usable ("issuer", issuer, allow_http) ||
      !endpoint_usable ("revoke-url", revoke_url, allow_http) ||
      !endpoint_usable ("introspect-url", introspect_url, allow_http))
    return EXIT_USAGE;
  if (redirect_uri != NULL && !bearer_sign_in_check_redirect_uri (redirect_uri, &error))
    return bearer_cli_usage_error (error->message);
  /* An issuer alone: the grant follows what it makes possible. */
  if (!grant_given && preset == NULL && (authorize_url != NULL || issuer != NULL))
    grant_type = BEARER_GRANT_AUTHORIZATION_CODE;
  if (!grant_given && preset == NULL && device_url != NULL && authorize_url == NULL && issuer == NULL)
    grant_type = BEARER_GRANT_DEVICE_CODE;

  if (!(list = bearer_cli_open_connections (FALSE, &exit_code)))
    return exit_code;

  profile = bearer_profile_new (argv[1]);
  bearer_profile_set_preset (profile, preset != NULL ? preset : "generic");
  bearer_profile_set_token_url (profile, token_url);
  bearer_profile_set_client_id (profile, client_id);
  bearer_profile_set_grant_type (profile, grant_type);
  bearer_profile_set_client_auth (profile, client_auth);
  bearer_profile_set_scope (profile, scope);
  bearer_profile_set_audience (profile, audience);
  bearer_profile_set_resource (profile, resource);
  bearer_profile_set_username (profile, username);
  bearer_profile_set_ca_file (profile, ca_file);
  bearer_profile_set_client_certificate (profile, client_cert);
  bearer_profile_set_body_encoding (profile, json_body ? BEARER_BODY_JSON : BEARER_BODY_FORM);
  bearer_profile_set_allow_insecure_http (profile, allow_http);
  bearer_profile_set_authorization_url (profile, authorize_url);
  bearer_profile_set_redirect_uri (profile, redirect_uri);
  bearer_profile_set_pkce_method (profile, pkce_method);
  bearer_profile_set_device_authorization_url (profile, device_url);
  bearer_profile_set_issuer (profile, preset_issuer);
  bearer_profile_set_keep_alive (profile, keep_alive);
  bearer_profile_set_signing_alg (profile, alg);
  bearer_profile_set_key_id (profile, key_id);
  bearer_profile_set_assertion_audience_issuer (profile, aud_issuer);
  bearer_profile_set_dpop (profile, dpop);
  bearer_profile_set_ask_before_use (profile, ask);

  if (issuer != NULL)
    {
      /* What was given on the command line wins over the document. */
      int code = discover (profile, issuer);

      if (code != EXIT_OK)
        return code;
      if (token_url != NULL)
        bearer_profile_set_token_url (profile, token_url);
      if (authorize_url != NULL)
        bearer_profile_set_authorization_url (profile, authorize_url);
      if (device_url != NULL)
        bearer_profile_set_device_authorization_url (profile, device_url);
      g_free (token_url);
      token_url = g_strdup (bearer_profile_get_token_url (profile));
    }

  /* Given on the command line: wins over the discovery document. */
  if (revoke_url != NULL)
    bearer_profile_set_revocation_url (profile, revoke_url);
  if (introspect_url != NULL)
    bearer_profile_set_introspection_url (profile, introspect_url);

  if (grant_type == BEARER_GRANT_AUTHORIZATION_CODE && bearer_profile_get_authorization_url (profile) == NULL)
    return bearer_cli_usage_error (_("--grant authorization_code needs --authorize-url URL (or --issuer URL)"));
  if (grant_type == BEARER_GRANT_DEVICE_CODE && bearer_profile_get_device_authorization_url (profile) == NULL)
    return bearer_cli_usage_error (_("--grant device_code needs --device-authorization-url URL (or --issuer "
                                     "URL)"));

  waiter = bearer_cli_waiter_init ();
  bearer_connection_list_add_async (list, profile, NULL, bearer_cli_waited_cb, &waiter);
  added = bearer_connection_list_add_finish (list, bearer_cli_wait_for (&waiter), &error);
  bearer_cli_waiter_clear (&waiter);
  if (added == NULL)
    {
      bearer_cli_print_error (error->message);
      return EXIT_FAILURE_OTHER;
    }

  if (keep_alive)
    wake_agent ();

  if (client_auth == BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT)
    /* Translators: after “bearer-cli add” for a client that signs its requests
     * with a private key. The first and third %s are the profile name, the
     * second the token URL. The command is typed as it is. */
    g_print (_("Added “%s” (%s). Store its private key with “bearer-cli set-secret %s private-key "
               "< key.pem”.\n"), argv[1], token_url, argv[1]);
  else if (bearer_client_auth_uses_certificate (client_auth) && bearer_grant_type_is_sign_in (grant_type))
    /* Translators: after “bearer-cli add” for a client that authenticates with a
     * TLS certificate and signs in. The first, third and fourth %s are the
     * profile name, the second the token URL. The commands are typed as they are;
     * KEY.pem stands for the user's key file. */
    g_print (_("Added “%s” (%s). Store the private key of its client certificate with "
               "“bearer-cli set-secret %s client-key < KEY.pem”, then sign in with "
               "“bearer-cli login %s”.\n"), argv[1], token_url, argv[1], argv[1]);
  else if (bearer_client_auth_uses_certificate (client_auth) && grant_type == BEARER_GRANT_REFRESH_TOKEN)
    /* Translators: after “bearer-cli add” for a client that authenticates with a
     * TLS certificate and needs a refresh token. The first and third %s are the
     * profile name, the second the token URL. The command is typed as it is;
     * KEY.pem stands for the user's key file, “…” for “bearer-cli set-secret NAME”. */
    g_print (_("Added “%s” (%s). Store the private key of its client certificate with "
               "“bearer-cli set-secret %s client-key < KEY.pem” and its refresh token with "
               "“… refresh-token”.\n"), argv[1], token_url, argv[1]);
  else if (bearer_client_auth_uses_certificate (client_auth))
    /* Translators: after “bearer-cli add” for a client that authenticates with a
     * TLS certificate. The first and third %s are the profile name, the second
     * the token URL. The command is typed as it is; KEY.pem stands for the
     * user's key file. */
    g_print (_("Added “%s” (%s). Store the private key of its client certificate with "
               "“bearer-cli set-secret %s client-key < KEY.pem”.\n"), argv[1], token_url, argv[1]);
  else if (bearer_grant_type_is_sign_in (grant_type) && client_auth == BEARER_CLIENT_AUTH_NONE)
    /* Translators: after “bearer-cli add” for a public client that signs in.
     * The first and third %s are the profile name, the second the token URL.
     * The command is typed as it is. */
    g_print (_("Added “%s” (%s). Sign in with “bearer-cli login %s”.\n"), argv[1], token_url, argv[1]);
  else if (bearer_grant_type_is_sign_in (grant_type))
    /* Translators: after “bearer-cli add” for a confidential client that signs
     * in. The first, third and fourth %s are the profile name, the second the
     * token URL. The commands are typed as they are. */
    g_print (_("Added “%s” (%s). Store its client secret with “bearer-cli set-secret %s client-secret”, "
               "then sign in with “bearer-cli login %s”.\n"), argv[1], token_url, argv[1], argv[1]);
  else if (grant_type == BEARER_GRANT_REFRESH_TOKEN)
    /* Translators: after “bearer-cli add” for a profile that needs a refresh
     * token. The first and third %s are the profile name, the second the token
     * URL. The command is typed as it is; “…” stands for “bearer-cli set-secret
     * NAME”, the start of the same command. */
    g_print (_("Added “%s” (%s). Store its secrets with “bearer-cli set-secret %s client-secret” "
               "and “… refresh-token”.\n"),
             argv[1], token_url, argv[1]);
  else
    /* Translators: after “bearer-cli add”. The first and third %s are the
     * profile name, the second the token URL. The command is typed as it is. */
    g_print (_("Added “%s” (%s). Store its secrets with “bearer-cli set-secret %s client-secret”.\n"),
             argv[1], token_url, argv[1]);
  return EXIT_OK;
}

/* bearer-cli remove NAME */
int
bearer_cli_remove (int    argc,
                   char **argv)
{
  g_autoptr(BearerConnectionList) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  BearerConnection *connection;
  Waiter waiter;
  gboolean removed;
  int exit_code = EXIT_OK;

  if (argc != 2)
    return bearer_cli_usage_error (_("“remove” takes one profile name"));
  if (!(list = bearer_cli_open_connections (FALSE, &exit_code)) ||
                                            !(connection = bearer_cli_find_connection (list, argv[1], &exit_code)))
    return exit_code;

  /* Under the profile's lock: a refresh in flight stores its tokens first
   * and they go with the rest; one that comes later stores nothing. */
  waiter = bearer_cli_waiter_init ();
  bearer_connection_list_remove_async (list, connection, NULL, bearer_cli_waited_cb, &waiter);
  removed = bearer_connection_list_remove_finish (list, bearer_cli_wait_for (&waiter), &error);
  bearer_cli_waiter_clear (&waiter);
  if (!removed)
    {
      if (error->domain == BEARER_KEYRING_ERROR)
        {
          bearer_cli_print_error (error->message);
          /* Translators: after a failed “bearer-cli remove”; %s is the profile name. */
          message = g_strdup_printf (_("Nothing was removed: “%s” and its secrets are still there"),
                                     argv[1]);
          bearer_cli_print_error (message);
          return EXIT_KEYRING;
        }
      bearer_cli_print_error (error->message);
      return EXIT_FAILURE_OTHER;
    }

  g_print (_("Removed “%s” and its secrets.\n"), argv[1]);
  return EXIT_OK;
}


static void
save_failed_cb (BearerConnection *connection,
                const GError     *error,
                GError          **out)
{
  if (*out == NULL)
    *out = g_error_copy (error);
}

/* bearer-cli set NAME [--keep-alive|--no-keep-alive] [--ask|--no-ask] [--auto-refresh|--no-auto-refresh]
 *                     [--refresh-margin SECONDS] [--token-url URL] [--client-id ID]
 *                     [--scope SCOPE] [--audience A] [--resource R] [--username USER]
 *                     [--auth MODE] [--rename NEW-NAME] */
int
bearer_cli_set (int    argc,
                char **argv)
{
  gboolean keep_alive = FALSE, no_keep_alive = FALSE, auto_refresh = FALSE, no_auto_refresh = FALSE;
  gboolean ask = FALSE, no_ask = FALSE;
  gint margin = -1;
  g_autofree char *token_url = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *scope = NULL;
  g_autofree char *audience = NULL;
  g_autofree char *resource = NULL;
  g_autofree char *username = NULL;
  g_autofree char *auth = NULL;
  g_autofree char *client_cert = NULL;
  g_autofree char *rename = NULL;
  g_autofree char *revoke_url = NULL;
  g_autofree char *introspect_url = NULL;
  g_autofree char *signing_alg = NULL;
  g_autofree char *key_id = NULL;
  g_autofree char *assertion_aud = NULL;
  BearerSigningAlg alg = BEARER_SIGNING_ALG_AUTO;
  gboolean aud_issuer = FALSE;
  gboolean dpop = FALSE;
  gboolean no_dpop = FALSE;
  GOptionEntry entries[] = {
    { "keep-alive", 0, 0, G_OPTION_ARG_NONE, &keep_alive, NULL, NULL },
    { "no-keep-alive", 0, 0, G_OPTION_ARG_NONE, &no_keep_alive, NULL, NULL },
    { "dpop", 0, 0, G_OPTION_ARG_NONE, &dpop, NULL, NULL },
    { "no-dpop", 0, 0, G_OPTION_ARG_NONE, &no_dpop, NULL, NULL },
    { "ask", 0, 0, G_OPTION_ARG_NONE, &ask, NULL, NULL },
    { "no-ask", 0, 0, G_OPTION_ARG_NONE, &no_ask, NULL, NULL },
    { "auto-refresh", 0, 0, G_OPTION_ARG_NONE, &auto_refresh, NULL, NULL },
    { "no-auto-refresh", 0, 0, G_OPTION_ARG_NONE, &no_auto_refresh, NULL, NULL },
    { "refresh-margin", 0, 0, G_OPTION_ARG_INT, &margin, NULL, "SECONDS" },
    { "token-url", 0, 0, G_OPTION_ARG_STRING, &token_url, NULL, "URL" },
    { "client-id", 0, 0, G_OPTION_ARG_STRING, &client_id, NULL, "ID" },
    { "scope", 0, 0, G_OPTION_ARG_STRING, &scope, NULL, "SCOPE" },
    { "audience", 0, 0, G_OPTION_ARG_STRING, &audience, NULL, "AUDIENCE" },
    { "resource", 0, 0, G_OPTION_ARG_STRING, &resource, NULL, "RESOURCE" },
    { "username", 0, 0, G_OPTION_ARG_STRING, &username, NULL, "USER" },
    { "auth", 0, 0, G_OPTION_ARG_STRING, &auth, NULL, "MODE" },
    { "client-cert", 0, 0, G_OPTION_ARG_FILENAME, &client_cert, NULL, "FILE" },
    { "rename", 0, 0, G_OPTION_ARG_STRING, &rename, NULL, "NAME" },
    { "revoke-url", 0, 0, G_OPTION_ARG_STRING, &revoke_url, NULL, "URL" },
    { "introspect-url", 0, 0, G_OPTION_ARG_STRING, &introspect_url, NULL, "URL" },
    { "signing-alg", 0, 0, G_OPTION_ARG_STRING, &signing_alg, NULL, "ALG" },
    { "key-id", 0, 0, G_OPTION_ARG_STRING, &key_id, NULL, "KID" },
    { "assertion-aud", 0, 0, G_OPTION_ARG_STRING, &assertion_aud, NULL, "WHICH" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(BearerConnectionList) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) save_error = NULL;
  BearerClientAuth client_auth = BEARER_CLIENT_AUTH_BASIC;
  BearerConnection *connection;
  BearerProfile *profile;
  Waiter waiter;
  gboolean saved;
  int exit_code = EXIT_OK;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_help_enabled (context, FALSE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return bearer_cli_usage_error (error->message);
  if (argc != 2)
    return bearer_cli_usage_error (_("“set” takes one profile name"));
  if (keep_alive && no_keep_alive)
    return bearer_cli_usage_error (_("Choose one of --keep-alive and --no-keep-alive"));
  if (ask && no_ask)
    return bearer_cli_usage_error (_("Choose one of --ask and --no-ask"));
  if (auto_refresh && no_auto_refresh)
    return bearer_cli_usage_error (_("Choose one of --auto-refresh and --no-auto-refresh"));
  if (dpop && no_dpop)
    return bearer_cli_usage_error (_("Choose one of --dpop and --no-dpop"));
  if (margin != -1 && (margin < 0 || margin > 24 * 3600))
    return bearer_cli_usage_error (_("--refresh-margin is a number of seconds, at most 86400"));
  if (auth != NULL && !bearer_client_auth_from_string (auth, &client_auth))
    return bearer_cli_usage_error (_("--auth is one of basic, basic-raw, post, none, private-key-jwt, "
                                     "client-secret-jwt, tls, self-signed-tls"));
  if (rename != NULL && !bearer_profile_check_name (rename, &error))
    return bearer_cli_usage_error (error->message);
  if (!parse_assertion_options (signing_alg, assertion_aud, &alg, &aud_issuer))
    return EXIT_USAGE;

  if (!(list = bearer_cli_open_connections (FALSE, &exit_code)) ||
      !(connection = bearer_cli_find_connection (list, argv[1], &exit_code)))
    return exit_code;
  profile = bearer_connection_get_profile (connection);
  if (token_url != NULL &&
      !token_url_usable (token_url, bearer_profile_get_allow_insecure_http (profile)))
    return EXIT_USAGE;
  /* An empty URL unsets it. */
  if ((revoke_url != NULL && *revoke_url != '\0' &&
       !endpoint_usable ("revoke-url", revoke_url, bearer_profile_get_allow_insecure_http (profile))) ||
      (introspect_url != NULL && *introspect_url != '\0' &&
       !endpoint_usable ("introspect-url", introspect_url, bearer_profile_get_allow_insecure_http (profile))))
    return EXIT_USAGE;
  /* A certificate is checked when the authentication or the certificate
   * changes, not on every other change. */
  if (auth == NULL)
    client_auth = bearer_profile_get_client_auth (profile);
  if (auth != NULL || client_cert != NULL)
    {
      if (client_cert == NULL && bearer_client_auth_uses_certificate (client_auth))
        client_cert = g_strdup (bearer_profile_get_client_certificate (profile));
      if (!client_certificate_usable (client_auth, &client_cert))
        return EXIT_USAGE;
    }
  if (rename != NULL && g_strcmp0 (rename, bearer_profile_get_name (profile)) != 0 &&
      bearer_connection_list_find (list, rename) != NULL)
    {
      g_autofree char *message =
        /* Translators: %s is a profile name. */
        g_strdup_printf (_("There is already a profile called “%s”"), rename);
      return bearer_cli_usage_error (message);
    }

  if (keep_alive || no_keep_alive)
    bearer_profile_set_keep_alive (profile, keep_alive);
  if (ask || no_ask)
    bearer_profile_set_ask_before_use (profile, ask);
  if (auto_refresh || no_auto_refresh)
    bearer_profile_set_auto_refresh (profile, auto_refresh);
  if (margin != -1)
    bearer_profile_set_refresh_margin (profile, (guint) margin);
  if (token_url != NULL)
    bearer_profile_set_token_url (profile, token_url);
  if (client_id != NULL)
    bearer_profile_set_client_id (profile, client_id);
  if (scope != NULL)
    bearer_profile_set_scope (profile, scope);
  if (audience != NULL)
    bearer_profile_set_audience (profile, audience);
  if (resource != NULL)
    bearer_profile_set_resource (profile, resource);
  if (username != NULL)
    bearer_profile_set_username (profile, username);
  if (auth != NULL)
    bearer_profile_set_client_auth (profile, client_auth);
  if (revoke_url != NULL)
    bearer_profile_set_revocation_url (profile, *revoke_url != '\0' ? revoke_url : NULL);
  if (introspect_url != NULL)
    bearer_profile_set_introspection_url (profile, *introspect_url != '\0' ? introspect_url : NULL);
  if (client_cert != NULL)
    bearer_profile_set_client_certificate (profile, client_cert);
  if (rename != NULL)
    bearer_profile_set_name (profile, rename);
  if (signing_alg != NULL)
    bearer_profile_set_signing_alg (profile, alg);
  if (key_id != NULL)
    bearer_profile_set_key_id (profile, key_id);
  if (assertion_aud != NULL)
    bearer_profile_set_assertion_audience_issuer (profile, aud_issuer);
  if (dpop || no_dpop)
    bearer_profile_set_dpop (profile, dpop);

  /* Written now, under profiles.json's lock, over the file as it is. */
  g_signal_connect (connection, "profile-save-failed", G_CALLBACK (save_failed_cb), &save_error);
  waiter = bearer_cli_waiter_init ();
  bearer_connection_flush_async (connection, bearer_cli_waited_cb, &waiter);
  saved = bearer_connection_flush_finish (connection, bearer_cli_wait_for (&waiter), &error);
  bearer_cli_waiter_clear (&waiter);
  g_signal_handlers_disconnect_by_func (connection, save_failed_cb, &save_error);
  if (!saved || save_error != NULL)
    {
      const GError *failure = save_error != NULL ? save_error : error;

      bearer_cli_print_error (failure->message);
      return bearer_cli_exit_code_for (failure);
    }

  if (bearer_profile_get_keep_alive (profile))
    wake_agent ();

  /* Translators: after “bearer-cli set”; %s is the profile name. */
  g_print (_("Saved “%s”.\n"), bearer_profile_get_name (profile));
  return EXIT_OK;
}
