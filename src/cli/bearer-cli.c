/* bearer-cli.c: Bearer's command-line companion
 *
 * The same profiles and keyring as the window, through core only: no GTK,
 * no HTTP and no libsecret here. Secrets come from standard input, never
 * from the command line, and never reach standard error.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "bearer-client.h"
#include "bearer-enum-types.h"
#include "bearer-error.h"
#include "bearer-presets.h"
#include "bearer-profile-store.h"
#include "bearer-redact.h"
#include "bearer-refresh.h"
#include "bearer-request-preview.h"
#include "bearer-token-request.h"

/* Exit codes, as documented in --help and the README. */
enum {
  EXIT_OK = 0,
  EXIT_FAILURE_OTHER = 1,
  EXIT_USAGE = 2,
  EXIT_SERVER = 3,
  EXIT_SIGN_IN = 4,
  EXIT_KEYRING = 5,
};

#define MAX_SECRET_LENGTH (64 * 1024)

static const char *usage_text =
  /* Translators: the output of “bearer-cli --help”. Translate the descriptions
   * only: commands, options, their arguments (NAME, URL, SECONDS…), grant and
   * authentication names, “processmaker” and the examples are typed as they
   * are. Keep the descriptions lined up in their column as in English, wrap at 80
   * columns, and keep the blank lines. */
  N_("Usage:\n"
     "  bearer-cli COMMAND [OPTION…]\n"
     "\n"
     "Get, refresh and hand out OAuth 2.0 access tokens, from the same profiles\n"
     "and keyring as the Bearer window.\n"
     "\n"
     "Commands:\n"
     "  list                          Profiles, their grant and their token’s state\n"
     "  add NAME --token-url URL --client-id ID [OPTION…]\n"
     "                                Add a profile\n"
     "      --grant GRANT             refresh_token (default), client_credentials,\n"
     "                                password or authorization_code\n"
     "      --auth MODE               basic (default), basic-raw, post or none\n"
     "      --scope SCOPE             Scopes to ask for, separated by spaces\n"
     "      --audience AUDIENCE, --resource RESOURCE\n"
     "      --username USER           For the password grant\n"
     "      --json-body               Send the request body as JSON\n"
     "      --ca-file FILE            Also trust the certificates in FILE\n"
     "      --allow-http              Allow plain http:// to a host that is not local\n"
     "      --preset PRESET           The token URL, grant, client authentication and\n"
     "                                scope of a preset of the window, from its input:\n"
     "        processmaker --instance INSTANCE\n"
     "                                acme: https://acme.processmaker.net/oauth/token;\n"
     "                                a server: its /oauth/token; a URL with a path:\n"
     "                                as it is\n"
     "        generic --token-url URL\n"
     "        keycloak --server URL --realm REALM\n"
     "        entra [--tenant TENANT]\n"
     "                                the tenant is “common” unless given\n"
     "        auth0 --host DOMAIN\n"
     "        google\n"
     "        gitlab [--instance URL]\n"
     "                                https://gitlab.com unless given\n"
     "  remove NAME                   Remove a profile and its secrets\n"
     "  set-secret NAME client-secret|refresh-token|password\n"
     "                                Read a secret from standard input and keep it\n"
     "                                in the keyring (never give it as an argument)\n"
     "  token NAME [--min-valid SECONDS] [--header|--json|--export]\n"
     "                                Print the access token, refreshing it first when\n"
     "                                less than SECONDS (default 60) are left\n"
     "  refresh NAME [--header|--json|--export]\n"
     "                                Refresh now, whatever is left\n"
     "  curl NAME -- CURL-ARGUMENT…   Run curl with the Authorization header added\n"
     "                                (passed through a pipe, not the command line)\n"
     "  snippet NAME [--lang curl|python|node] [--with-secrets]\n"
     "                                Print the token request the profile sends, as a\n"
     "                                curl command (default), a Python requests or a\n"
     "                                Node.js axios script; the secrets are\n"
     "                                placeholders unless --with-secrets reads them\n"
     "                                from the keyring\n"
     "  help [COMMAND]                This text, or one command’s line of it\n"
     "\n"
     "Exit status:\n"
     "  0  success\n"
     "  1  another failure (profiles file, unknown profile, curl missing)\n"
     "  2  usage error\n"
     "  3  the server or the network failed\n"
     "  4  sign in again: the server refused the refresh token\n"
     "  5  the keyring is unavailable or locked\n"
     "\n"
     "Examples:\n"
     "  bearer-cli add prod --preset processmaker --instance acme --client-id 3\n"
     "  bearer-cli set-secret prod client-secret < secret.txt\n"
     "  bearer-cli snippet prod --lang python > refresh.py\n"
     "  curl -H \"$(bearer-cli token prod --header)\" https://acme.processmaker.net/api/1.0/users\n");

typedef struct {
  GMainLoop *loop;
  GAsyncResult *result;
} Waiter;

static void
waited_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Waiter *waiter = user_data;

  waiter->result = g_object_ref (result);
  g_main_loop_quit (waiter->loop);
}

/* Runs the main loop until the async call started with waited_cb ends. */
static GAsyncResult *
wait_for (Waiter *waiter)
{
  g_main_loop_run (waiter->loop);
  return waiter->result;
}

static void
waiter_clear (Waiter *waiter)
{
  g_clear_pointer (&waiter->loop, g_main_loop_unref);
  g_clear_object (&waiter->result);
}

static Waiter
waiter_init (void)
{
  Waiter waiter = { g_main_loop_new (NULL, FALSE), NULL };
  return waiter;
}

static void
print_error (const char *message)
{
  g_autofree char *line = g_strdup (message);

  /* One line: server words are already cleaned, but be sure. */
  g_strdelimit (line, "\r\n", ' ');
  g_printerr ("bearer-cli: %s\n", line);
}

static int
exit_code_for (const GError *error)
{
  if (error->domain == BEARER_KEYRING_ERROR)
    return EXIT_KEYRING;
  if (bearer_error_is_dead_refresh_token (error))
    return EXIT_SIGN_IN;
  if (error->domain == BEARER_ERROR)
    return EXIT_SERVER;
  return EXIT_FAILURE_OTHER;
}

static int
fail_for (const char   *profile_name,
          const GError *error)
{
  print_error (error->message);
  if (bearer_error_is_dead_refresh_token (error))
    {
      g_autofree char *advice =
        /* Translators: %s is the profile name, or NAME (as in “bearer-cli
         * --help”) when it is not known; the command is typed as it is. */
        g_strdup_printf (_("Sign in again: get a new refresh token and store it with "
                           "“bearer-cli set-secret %s refresh-token”"),
                         profile_name != NULL ? profile_name : "NAME");
      print_error (advice);
    }
  return exit_code_for (error);
}

static int
fail (const GError *error)
{
  return fail_for (NULL, error);
}

static int
usage_error (const char *message)
{
  print_error (message);
  print_error (_("Try “bearer-cli --help”."));
  return EXIT_USAGE;
}

static BearerProfileStore *
open_store (int *exit_code)
{
  g_autoptr(BearerProfileStore) store = bearer_profile_store_new (NULL);
  g_autoptr(GError) error = NULL;

  if (!bearer_profile_store_load (store, &error))
    {
      print_error (error->message);
      /* A damaged file was set aside: go on with what is left (nothing). */
      if (!g_error_matches (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_CORRUPT))
        {
          *exit_code = EXIT_FAILURE_OTHER;
          return NULL;
        }
    }

  return g_steal_pointer (&store);
}

static BearerProfile *
find_profile (BearerProfileStore *store,
              const char         *name,
              int                *exit_code)
{
  BearerProfile *profile = bearer_profile_store_find (store, name);

  if (profile == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("No profile is called “%s” (see “bearer-cli list”)"),
                                                  name);
      print_error (message);
      *exit_code = EXIT_FAILURE_OTHER;
    }
  return profile;
}

static BearerSecrets *
lookup_secrets (BearerProfile  *profile,
                GError        **error)
{
  Waiter waiter = waiter_init ();
  BearerSecrets *secrets;

  bearer_secrets_lookup_async (bearer_profile_get_id (profile), NULL, waited_cb, &waiter);
  secrets = bearer_secrets_lookup_finish (wait_for (&waiter), error);
  waiter_clear (&waiter);
  return secrets;
}

/* Says so when a transaction just moved tokens that the keyring had
 * refused earlier into it (bearer_profile_has_pending_tokens()). */
static void
report_pending_moved (BearerProfile *profile,
                      gboolean       had_pending)
{
  g_autofree char *message = NULL;

  if (!had_pending || bearer_profile_has_pending_tokens (profile))
    return;

  /* Translators: %s is the profile name. */
  message = g_strdup_printf (_("The new tokens of “%s” that the keyring had refused earlier are "
                               "now stored in it"), bearer_profile_get_name (profile));
  print_error (message);
}

static void
change_nothing (BearerSecrets *secrets,
                gpointer       user_data)
{
}

/* Moves tokens the keyring refused earlier into it, under the profile's
 * lock, and says so. */
static BearerSecrets *
move_pending_tokens (BearerProfile  *profile,
                     GError        **error)
{
  Waiter waiter = waiter_init ();
  BearerSecrets *secrets;

  bearer_profile_update_secrets_async (profile, change_nothing, NULL, NULL, NULL, waited_cb, &waiter);
  secrets = bearer_profile_update_secrets_finish (wait_for (&waiter), error);
  waiter_clear (&waiter);
  if (secrets != NULL)
    report_pending_moved (profile, TRUE);
  return secrets;
}

/* ------------------------------------------------------------------------- */

static char *
describe_state (BearerSecrets *secrets,
                gint64         now)
{
  gint64 expires_at;
  gint64 left;

  if (bearer_secrets_get_needs_sign_in (secrets))
    /* Translators: the state of a profile’s access token, in the TOKEN column
     * of “bearer-cli list” and after “bearer-cli refresh”: the server refused
     * the refresh token. */
    return g_strdup (_("sign in again"));
  if (bearer_secrets_get_access_token (secrets) == NULL)
    return g_strdup (bearer_secrets_get_refresh_token (secrets) != NULL
                     /* Translators: the state of an access token: none was fetched
                      * yet, but a refresh token is stored to fetch one. */
                     ? _("none yet (refresh token stored)")
                     /* Translators: the state of an access token: there is none, and
                      * no refresh token either. */
                     : _("none"));

  expires_at = bearer_secrets_get_expires_at (secrets);
  if (expires_at == 0)
    /* Translators: the state of an access token. */
    return g_strdup (_("valid (expiry unknown)"));
  if (expires_at <= now)
    /* Translators: the state of an access token. */
    return g_strdup (_("expired"));
  left = expires_at - now;
  if (left < 120)
    {
      int seconds = (int) left;

      /* Translators: the state of an access token in “bearer-cli list” and after
       * a refresh, with the time left (1 to 119); “s” is the abbreviation of
       * seconds. English uses the same abbreviation for one and many. */
      return g_strdup_printf (ngettext ("valid for %d s", "valid for %d s", seconds), seconds);
    }
  if (left < 2 * 3600)
    {
      int minutes = (int) (left / 60);

      /* Translators: the state of an access token in “bearer-cli list” and after
       * a refresh, with the time left (2 to 119); “min” is the abbreviation of
       * minutes. English uses the same abbreviation for one and many. */
      return g_strdup_printf (ngettext ("valid for %d min", "valid for %d min", minutes), minutes);
    }
  if (left < 2 * 86400)
    {
      int hours = (int) (left / 3600);

      /* Translators: the state of an access token in “bearer-cli list” and after
       * a refresh, with the time left (2 to 47); “h” is the abbreviation of hours.
       * English uses the same abbreviation for one and many. */
      return g_strdup_printf (ngettext ("valid for %d h", "valid for %d h", hours), hours);
    }
  {
    int days = (int) (left / 86400);

    /* Translators: the state of an access token in “bearer-cli list” and after
     * a refresh, with the time left; the number of days is 2 or more. */
    return g_strdup_printf (ngettext ("valid for %d day", "valid for %d days", days), days);
  }
}

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

static int
command_list (int    argc,
              char **argv)
{
  g_autoptr(BearerProfileStore) store = NULL;
  int exit_code = EXIT_OK;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint n, unreadable;

  if (argc > 1)
    return usage_error (_("“list” takes no arguments"));

  if (!(store = open_store (&exit_code)))
    return exit_code;

  n = g_list_model_get_n_items (G_LIST_MODEL (store));
  unreadable = bearer_profile_store_get_n_unreadable (store);
  if (unreadable > 0)
    {
      g_autofree char *note =
        /* Translators: %u is a number of profiles (1 or more), %s the profiles
         * file’s full name. */
        g_strdup_printf (ngettext ("%u profile in “%s” cannot be read by this version of Bearer "
                                   "(edited by hand, or written by a newer version); it is kept "
                                   "as it is and not listed",
                                   "%u profiles in “%s” cannot be read by this version of Bearer "
                                   "(edited by hand, or written by a newer version); they are kept "
                                   "as they are and not listed", unreadable),
                         unreadable, bearer_profile_store_get_path (store));

      print_error (note);
    }
  if (n == 0)
    {
      g_print ("%s\n", _("No profiles yet. Add one with “bearer-cli add NAME --token-url URL --client-id ID”."));
      return EXIT_OK;
    }

  /* Translators: the column headings of “bearer-cli list”, in capitals; the
   * columns are 24 and 20 characters wide (a longer heading shifts the rows). */
  print_row (_("NAME"),
             /* Translators: the heading of the column of grant types in “bearer-cli
              * list” (refresh_token, password…), in capitals, at most 20 characters. */
             _("GRANT"),
             /* Translators: the heading of the column of access token states in
              * “bearer-cli list” (“valid for 59 min”, “expired”…), in capitals. */
             _("TOKEN"));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BearerProfile) profile = g_list_model_get_item (G_LIST_MODEL (store), i);
      g_autoptr(BearerSecrets) secrets = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *state = NULL;
      g_autofree char *name = NULL;

      if (exit_code == EXIT_OK && bearer_profile_has_pending_tokens (profile))
        secrets = move_pending_tokens (profile, &error);
      else if (exit_code == EXIT_OK)
        secrets = lookup_secrets (profile, &error);
      if (secrets != NULL)
        state = describe_state (secrets, now);
      else
        {
          if (error != NULL)
            {
              print_error (error->message);
              exit_code = exit_code_for (error);
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
static gboolean
token_url_usable (const char *url,
                  gboolean    allow_http)
{
  g_autoptr(GError) error = NULL;

  if (bearer_token_url_check (url, allow_http, &error))
    return TRUE;

  print_error (error->message);
  if (g_error_matches (error, BEARER_ERROR, BEARER_ERROR_INSECURE_URL))
    print_error (_("Add --allow-http to allow plain HTTP for this profile."));
  print_error (_("Try “bearer-cli --help”."));
  return FALSE;
}

static int
command_add (int    argc,
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
  g_autofree char *preset = NULL;
  g_autofree char *instance = NULL;
  g_autofree char *host = NULL;
  g_autofree char *server = NULL;
  g_autofree char *tenant = NULL;
  g_autofree char *realm = NULL;
  gboolean json_body = FALSE;
  gboolean allow_http = FALSE;
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
    { "preset", 0, 0, G_OPTION_ARG_STRING, &preset, NULL, "PRESET" },
    { "instance", 0, 0, G_OPTION_ARG_STRING, &instance, NULL, "INSTANCE" },
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, NULL, "HOST" },
    { "server", 0, 0, G_OPTION_ARG_STRING, &server, NULL, "URL" },
    { "tenant", 0, 0, G_OPTION_ARG_STRING, &tenant, NULL, "TENANT" },
    { "realm", 0, 0, G_OPTION_ARG_STRING, &realm, NULL, "REALM" },
    { "json-body", 0, 0, G_OPTION_ARG_NONE, &json_body, NULL, NULL },
    { "allow-http", 0, 0, G_OPTION_ARG_NONE, &allow_http, NULL, NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(BearerProfileStore) store = NULL;
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  BearerGrantType grant_type = BEARER_GRANT_REFRESH_TOKEN;
  BearerClientAuth client_auth = BEARER_CLIENT_AUTH_BASIC;
  int exit_code = EXIT_OK;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_help_enabled (context, FALSE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (error->message);
  if (argc != 2)
    return usage_error (_("“add” takes one profile name"));
  /* GOption checks the options, not this: an empty or blank name, one that
   * is not UTF-8 or holds control characters would be refused by core or
   * break `list`. */
  if (!bearer_profile_check_name (argv[1], &error))
    return usage_error (error->message);

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
          return usage_error (message);
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
              return usage_error (message);
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
          return usage_error (message);
        }
      if (found->realm_title != NULL && realm == NULL)
        {
          g_autofree char *message =
            /* Translators: %s is a preset (“keycloak”), typed as it is. */
            g_strdup_printf (_("--preset %s needs --realm"), preset);
          return usage_error (message);
        }

      preset_profile = bearer_profile_new (argv[1]);
      if (!bearer_preset_apply (found, preset_profile, input, realm, &error))
        return usage_error (error->message);

      /* The preset's token URL, grant, client authentication and scope,
       * unless given. */
      g_free (token_url);
      token_url = g_strdup (bearer_profile_get_token_url (preset_profile));
      grant_type = bearer_profile_get_grant_type (preset_profile);
      client_auth = bearer_profile_get_client_auth (preset_profile);
      if (scope == NULL)
        scope = g_strdup (bearer_profile_get_scope (preset_profile));
    }
  else if (instance != NULL || host != NULL || server != NULL || tenant != NULL || realm != NULL)
    return usage_error (_("--instance, --host, --server, --tenant and --realm go with --preset"));

  if (token_url == NULL)
    return usage_error (_("“add” needs --token-url URL"));
  if (!token_url_usable (token_url, allow_http))
    return EXIT_USAGE;
  if (client_id == NULL)
    return usage_error (_("“add” needs --client-id ID"));
  if (grant != NULL && !bearer_grant_type_from_string (grant, &grant_type))
    return usage_error (_("--grant is one of refresh_token, client_credentials, password, authorization_code"));
  if (auth != NULL && !bearer_client_auth_from_string (auth, &client_auth))
    return usage_error (_("--auth is one of basic, basic-raw, post, none"));

  if (!(store = open_store (&exit_code)))
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
  bearer_profile_set_body_encoding (profile, json_body ? BEARER_BODY_JSON : BEARER_BODY_FORM);
  bearer_profile_set_allow_insecure_http (profile, allow_http);

  if (!bearer_profile_store_add_profile (store, profile, &error))
    {
      print_error (error->message);
      return EXIT_FAILURE_OTHER;
    }

  if (grant_type == BEARER_GRANT_REFRESH_TOKEN)
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

static int
command_remove (int    argc,
                char **argv)
{
  g_autoptr(BearerProfileStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  BearerProfile *profile;
  Waiter waiter;
  gboolean removed;
  int exit_code = EXIT_OK;

  if (argc != 2)
    return usage_error (_("“remove” takes one profile name"));
  if (!(store = open_store (&exit_code)) || !(profile = find_profile (store, argv[1], &exit_code)))
    return exit_code;

  /* Under the profile's lock: a refresh in flight stores its tokens first
   * and they go with the rest; one that comes later stores nothing. */
  waiter = waiter_init ();
  bearer_profile_remove_async (store, profile, NULL, waited_cb, &waiter);
  removed = bearer_profile_remove_finish (wait_for (&waiter), &error);
  waiter_clear (&waiter);
  if (!removed)
    {
      if (error->domain == BEARER_KEYRING_ERROR)
        {
          print_error (error->message);
          /* Translators: after a failed “bearer-cli remove”; %s is the profile name. */
          message = g_strdup_printf (_("Nothing was removed: “%s” and its secrets are still there"),
                                     argv[1]);
          print_error (message);
          return EXIT_KEYRING;
        }
      print_error (error->message);
      return EXIT_FAILURE_OTHER;
    }

  g_print (_("Removed “%s” and its secrets.\n"), argv[1]);
  return EXIT_OK;
}

static char *
read_secret_from_stdin (const char  *prompt,
                        GError     **error)
{
  g_autoptr(GString) value = g_string_new (NULL);
  struct termios saved, quiet;
  gboolean terminal = isatty (STDIN_FILENO);
  gboolean echo_off = FALSE;
  int c;

  if (terminal)
    {
      g_printerr ("%s", prompt);
      if (tcgetattr (STDIN_FILENO, &saved) == 0)
        {
          quiet = saved;
          quiet.c_lflag &= ~(tcflag_t) ECHO;
          echo_off = tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        }
    }

  /* One line on a terminal; all of it from a pipe or a file, less the
   * final line break. */
  while ((c = getchar ()) != EOF)
    {
      if (terminal && c == '\n')
        break;
      if (value->len >= MAX_SECRET_LENGTH)
        break;
      g_string_append_c (value, (char) c);
    }

  if (echo_off)
    {
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);
      g_printerr ("\n");
    }

  while (value->len > 0 && (value->str[value->len - 1] == '\n' || value->str[value->len - 1] == '\r'))
    g_string_truncate (value, value->len - 1);

  if (value->len >= MAX_SECRET_LENGTH)
    {
      explicit_bzero (value->str, value->len);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("The secret is too long"));
      return NULL;
    }

  if (value->len == 0 || strchr (value->str, '\0') != value->str + value->len)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           value->len == 0 ? _("Nothing was read from standard input")
                                           : _("The secret holds a NUL byte"));
      explicit_bzero (value->str, value->len);
      return NULL;
    }

  /* Tokens and secrets are text: bytes that are not UTF-8 are a wrong
   * encoding or a wrong file, and could not be stored in the keyring's
   * bundle anyway. */
  if (!g_utf8_validate (value->str, value->len, NULL))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("The secret is not valid text (UTF-8): check the encoding of what "
                             "you pasted or piped in"));
      explicit_bzero (value->str, value->len);
      return NULL;
    }

  return g_string_free (g_steal_pointer (&value), FALSE);
}

/* The secrets set-secret can store, named on the command line
 * client-secret, refresh-token and password. */
typedef enum {
  SECRET_CLIENT_SECRET,
  SECRET_REFRESH_TOKEN,
  SECRET_PASSWORD,
} SecretKind;

typedef struct {
  SecretKind kind;
  char *value;
} SecretChange;

static void
secret_change_free (SecretChange *change)
{
  bearer_secret_free (change->value);
  g_free (change);
}

static void
apply_secret_change (BearerSecrets *secrets,
                     gpointer       user_data)
{
  SecretChange *change = user_data;

  switch (change->kind)
    {
    case SECRET_CLIENT_SECRET:
      bearer_secrets_set_client_secret (secrets, change->value);
      break;
    case SECRET_PASSWORD:
      bearer_secrets_set_password (secrets, change->value);
      break;
    case SECRET_REFRESH_TOKEN:
    default:
      /* A new refresh token: the user has signed in again. */
      bearer_secrets_set_refresh_token (secrets, change->value);
      bearer_secrets_set_needs_sign_in (secrets, FALSE);
      break;
    }
}

static int
command_set_secret (int    argc,
                    char **argv)
{
  g_autoptr(BearerProfileStore) store = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *prompt = NULL;
  BearerProfile *profile;
  SecretChange *change;
  SecretKind kind;
  char *value;
  Waiter waiter;
  gboolean had_pending;
  int exit_code = EXIT_OK;

  if (argc != 3)
    return usage_error (_("Usage: bearer-cli set-secret NAME client-secret|refresh-token|password "
                          "(the value comes from standard input)"));
  /* The command-line keywords, never translated. */
  if (g_str_equal (argv[2], "client-secret"))
    kind = SECRET_CLIENT_SECRET;
  else if (g_str_equal (argv[2], "refresh-token"))
    kind = SECRET_REFRESH_TOKEN;
  else if (g_str_equal (argv[2], "password"))
    kind = SECRET_PASSWORD;
  else
    return usage_error (_("The secret is one of client-secret, refresh-token, password; its "
                          "value comes from standard input"));

  if (!(store = open_store (&exit_code)) || !(profile = find_profile (store, argv[1], &exit_code)))
    return exit_code;

  switch (kind)
    {
    case SECRET_CLIENT_SECRET:
      /* Translators: the prompt of “bearer-cli set-secret NAME client-secret” on
       * a terminal; %s is the profile name. Keep the space at the end. */
      prompt = g_strdup_printf (_("Client secret for “%s”: "), argv[1]);
      break;
    case SECRET_REFRESH_TOKEN:
      /* Translators: the prompt of “bearer-cli set-secret NAME refresh-token” on
       * a terminal; %s is the profile name. Keep the space at the end. */
      prompt = g_strdup_printf (_("Refresh token for “%s”: "), argv[1]);
      break;
    case SECRET_PASSWORD:
    default:
      /* Translators: the prompt of “bearer-cli set-secret NAME password” on a
       * terminal; %s is the profile name. Keep the space at the end. */
      prompt = g_strdup_printf (_("Password for “%s”: "), argv[1]);
      break;
    }
  if (!(value = read_secret_from_stdin (prompt, &error)))
    {
      print_error (error->message);
      return EXIT_USAGE;
    }

  /* Under the profile's lock, so a refresh running elsewhere cannot write
   * an older copy of the secrets back over this one. */
  change = g_new0 (SecretChange, 1);
  change->kind = kind;
  change->value = value;
  had_pending = bearer_profile_has_pending_tokens (profile);
  waiter = waiter_init ();
  bearer_profile_update_secrets_async (profile, apply_secret_change, change,
                                       (GDestroyNotify) secret_change_free,
                                       NULL, waited_cb, &waiter);
  secrets = bearer_profile_update_secrets_finish (wait_for (&waiter), &error);
  waiter_clear (&waiter);
  if (secrets == NULL)
    return fail (error);

  report_pending_moved (profile, had_pending);
  if (bearer_secrets_get_repaired (secrets))
    {
      g_autofree char *message =
        /* Translators: after “bearer-cli set-secret”, when the profile’s keyring
         * item could not be read whole; %s is the profile name. */
        g_strdup_printf (_("The keyring item of “%s” was damaged and has been replaced: what "
                           "could be read was kept; store any other secret of it again"),
                         argv[1]);
      print_error (message);
    }

  switch (kind)
    {
    case SECRET_CLIENT_SECRET:
      /* Translators: after “bearer-cli set-secret NAME client-secret”; %s is the
       * profile name. */
      g_print (_("Stored the client secret of “%s” in the keyring.\n"), argv[1]);
      break;
    case SECRET_REFRESH_TOKEN:
      /* Translators: after “bearer-cli set-secret NAME refresh-token”; %s is the
       * profile name. */
      g_print (_("Stored the refresh token of “%s” in the keyring.\n"), argv[1]);
      break;
    case SECRET_PASSWORD:
    default:
      /* Translators: after “bearer-cli set-secret NAME password”; %s is the
       * profile name. */
      g_print (_("Stored the password of “%s” in the keyring.\n"), argv[1]);
      break;
    }
  return EXIT_OK;
}

typedef enum {
  OUTPUT_TOKEN,
  OUTPUT_HEADER,
  OUTPUT_JSON,
  OUTPUT_EXPORT,
  OUTPUT_STATUS,
} Output;

static void
print_token (BearerProfile *profile,
             BearerSecrets *secrets,
             Output         output,
             gboolean       refreshed,
             gboolean       rotated,
             gboolean       stored)
{
  const char *token = bearer_secrets_get_access_token (secrets);
  const char *type = bearer_secrets_get_token_type (secrets);
  gint64 expires_at = bearer_secrets_get_expires_at (secrets);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  switch (output)
    {
    case OUTPUT_TOKEN:
      g_print ("%s\n", token);
      break;
    case OUTPUT_HEADER:
      {
        /* Standard output, on purpose: --header is for $(…) in scripts. */
        char *header = g_strdup_printf ("Authorization: %s %s", type, token);

        g_print ("%s\n", header);
        bearer_secret_free (header);
      }
      break;
    case OUTPUT_EXPORT:
      {
        g_autofree char *quoted = g_shell_quote (token);
        g_autofree char *quoted_type = g_shell_quote (type);

        g_print ("export BEARER_ACCESS_TOKEN=%s\n", quoted);
        g_print ("export BEARER_TOKEN_TYPE=%s\n", quoted_type);
        g_print ("export BEARER_EXPIRES_AT=%" G_GINT64_FORMAT "\n", expires_at);
      }
      break;
    case OUTPUT_JSON:
      {
        g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
        g_autoptr(JsonGenerator) generator = json_generator_new ();
        g_autoptr(JsonNode) root = NULL;
        g_autofree char *text = NULL;

        json_builder_begin_object (builder);
        json_builder_set_member_name (builder, "profile");
        json_builder_add_string_value (builder, bearer_profile_get_name (profile));
        json_builder_set_member_name (builder, "access_token");
        json_builder_add_string_value (builder, token);
        json_builder_set_member_name (builder, "token_type");
        json_builder_add_string_value (builder, type);
        json_builder_set_member_name (builder, "expires_at");
        if (expires_at > 0)
          json_builder_add_int_value (builder, expires_at);
        else
          json_builder_add_null_value (builder);
        json_builder_set_member_name (builder, "expires_in");
        if (expires_at > 0)
          json_builder_add_int_value (builder, MAX (expires_at - now, 0));
        else
          json_builder_add_null_value (builder);
        json_builder_set_member_name (builder, "scope");
        if (bearer_secrets_get_scope (secrets) != NULL)
          json_builder_add_string_value (builder, bearer_secrets_get_scope (secrets));
        else
          json_builder_add_null_value (builder);
        json_builder_set_member_name (builder, "refreshed");
        json_builder_add_boolean_value (builder, refreshed);
        json_builder_end_object (builder);

        root = json_builder_get_root (builder);
        json_generator_set_root (generator, root);
        text = json_generator_to_data (generator, NULL);
        g_print ("%s\n", text);
        explicit_bzero (text, strlen (text));
      }
      break;
    case OUTPUT_STATUS:
    default:
      {
        g_autofree char *state = describe_state (secrets, now);

        if (rotated && stored)
          /* Translators: after “bearer-cli refresh”, when the server replaced the
           * refresh token. The first %s is the profile name, the second the
           * token’s state (“valid for 59 min”, “valid (expiry unknown)”). */
          g_print (_("Refreshed “%s”: %s; the refresh token rotated and the new one is "
                     "stored.\n"), bearer_profile_get_name (profile), state);
        else if (rotated)
          /* Translators: after “bearer-cli refresh”, when the server replaced the
           * refresh token and the keyring refused the new one (the reason follows on
           * standard error). The first %s is the profile name, the second the
           * token’s state (“valid for 59 min”). */
          g_print (_("Refreshed “%s”: %s; the refresh token rotated, and the keyring did not "
                     "take the new one.\n"), bearer_profile_get_name (profile), state);
        else
          /* Translators: after “bearer-cli refresh”. The first %s is the profile
           * name, the second the token’s state (“valid for 59 min”, “valid (expiry
           * unknown)”). */
          g_print (_("Refreshed “%s”: %s.\n"), bearer_profile_get_name (profile), state);
      }
      break;
    }
}

/* ---- Interruptions ------------------------------------------------------
 *
 * Ctrl+C (SIGINT), SIGTERM and SIGHUP during a refresh: until the request has
 * reached the server, they cancel it and bearer-cli exits at once. After
 * that, the server may have rotated the refresh token, and the answer is the
 * only place the new one exists: the exit waits until the answer is stored
 * (bearer-client.c bounds that wait), then bearer-cli exits 128 + the
 * signal's number, saying the tokens were kept. A second signal stops it at
 * once. SIGKILL cannot be caught: see docs/storage.md.
 */

typedef struct {
  GCancellable *cancellable;
  gboolean sent;
  int signum;                   /* the first signal received, or 0 */
} Interruption;

static Interruption *interruption;

static gboolean
interrupted_cb (gpointer user_data)
{
  int signum = GPOINTER_TO_INT (user_data);

  if (interruption->signum != 0)
    {
      if (interruption->sent)
        print_error (_("Stopped before the server answered: if it replaced the refresh token, "
                       "the new one is lost and you must sign in again"));
      exit (128 + signum);
    }

  interruption->signum = signum;
  if (interruption->sent)
    print_error (_("The request has reached the server: waiting for its answer so that the new "
                   "tokens are kept (interrupt again to stop at once)"));
  g_cancellable_cancel (interruption->cancellable);
  return G_SOURCE_CONTINUE;
}

static void
request_sent_cb (BearerClient *client,
                 gpointer      request,
                 Interruption *self)
{
  self->sent = TRUE;
}

static void
print_store_failure (BearerProfile       *profile,
                     BearerRefreshResult *result)
{
  const GError *store_error = bearer_refresh_result_get_store_error (result);
  const char *name = bearer_profile_get_name (profile);
  g_autofree char *message = NULL;

  print_error (store_error->message);
  if (!bearer_refresh_result_get_from_server (result))
    return;

  if (bearer_refresh_result_get_kept_aside (result))
    {
      message =
        /* Translators: after a refresh whose new tokens the keyring refused; %s is
         * the profile name. The folder is the session’s runtime directory, which
         * lives in memory and is emptied at log-out. */
        g_strdup_printf (_("The new tokens of “%s” are kept in a private temporary folder until "
                           "the keyring takes them: the next bearer-cli command for this profile "
                           "moves them in, once the keyring is unlocked"), name);
      print_error (message);
      return;
    }

  message =
    /* Translators: the first %s is the profile name, the second the reason. */
    g_strdup_printf (_("The new tokens of “%s” could not be kept anywhere either: %s"), name,
                     bearer_refresh_result_get_keep_aside_error (result)->message);
  print_error (message);
  /* The only copy left: hand it to a person, never to a log. */
  if (isatty (STDERR_FILENO))
    /* Translators: the first %s is the profile name, in a command typed as
     * it is; the second, on a line of its own, is the refresh token. */
    g_printerr (_("New refresh token (store it with “bearer-cli set-secret %s refresh-token”):\n%s\n"),
                name, bearer_secrets_get_refresh_token (bearer_refresh_result_get_secrets (result)));
}

/* Runs the refresh transaction for a command, with interruptions handled
 * (above). Returns the exit code; *out holds the result when there is a
 * token to use (also with EXIT_KEYRING: the keyring refused to store it). */
static int
refresh_profile (BearerProfile        *profile,
                 BearerRefreshFlags    flags,
                 guint                 min_valid,
                 BearerRefreshResult **out)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const int signals[] = { SIGINT, SIGTERM, SIGHUP };
  guint sources[G_N_ELEMENTS (signals)];
  Interruption self = { cancellable, FALSE, 0 };
  Waiter waiter = waiter_init ();
  BearerClient *client = bearer_client_get_default ();
  gboolean had_pending = bearer_profile_has_pending_tokens (profile);
  void (*saved_sigpipe) (int);
  gulong sent_id;
  int code = EXIT_OK;

  *out = NULL;
  interruption = &self;
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    sources[i] = g_unix_signal_add (signals[i], interrupted_cb, GINT_TO_POINTER (signals[i]));
  /* A closed terminal or pipe must not end us before the tokens are stored. */
  saved_sigpipe = signal (SIGPIPE, SIG_IGN);
  sent_id = g_signal_connect (client, "request-sent", G_CALLBACK (request_sent_cb), &self);

  bearer_refresh_async (profile, flags, min_valid, cancellable, waited_cb, &waiter);
  result = bearer_refresh_finish (wait_for (&waiter), &error);
  waiter_clear (&waiter);

  g_signal_handler_disconnect (client, sent_id);
  signal (SIGPIPE, saved_sigpipe);
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    g_source_remove (sources[i]);
  interruption = NULL;

  if (result == NULL)
    {
      if (self.signum != 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          print_error (_("Interrupted before anything was sent to the server"));
          return 128 + self.signum;
        }
      code = fail_for (bearer_profile_get_name (profile), error);
      return self.signum != 0 ? 128 + self.signum : code;
    }

  report_pending_moved (profile, had_pending);
  if (bearer_refresh_result_get_store_error (result) != NULL)
    {
      print_store_failure (profile, result);
      code = EXIT_KEYRING;
    }

  if (self.signum != 0)
    {
      if (bearer_refresh_result_get_store_error (result) == NULL)
        print_error (_("Interrupted after the request reached the server: its answer arrived, and "
                       "the new tokens were stored in the keyring"));
      else
        print_error (_("Interrupted after the request reached the server: its answer arrived"));
      return 128 + self.signum;
    }

  *out = g_steal_pointer (&result);
  return code;
}

static int
run_refresh (BearerProfile      *profile,
             BearerRefreshFlags  flags,
             guint               min_valid,
             Output              output)
{
  g_autoptr(BearerRefreshResult) result = NULL;
  BearerTokenResponse *response;
  gboolean rotated = FALSE;
  int code;

  code = refresh_profile (profile, flags, min_valid, &result);
  if (result == NULL)
    return code;

  response = bearer_refresh_result_get_response (result);
  if (response != NULL)
    rotated = bearer_token_response_get_refresh_token_rotated (response);

  print_token (profile, bearer_refresh_result_get_secrets (result), output,
               bearer_refresh_result_get_from_server (result), rotated,
               bearer_refresh_result_get_store_error (result) == NULL);
  return code;
}

static gboolean
parse_output (gboolean header,
              gboolean json,
              gboolean export,
              Output   fallback,
              Output  *output)
{
  if (header + json + export > 1)
    return FALSE;
  *output = header ? OUTPUT_HEADER : json ? OUTPUT_JSON : export ? OUTPUT_EXPORT : fallback;
  return TRUE;
}

static int
command_token (int      argc,
               char   **argv,
               gboolean force)
{
  gint min_valid = 60;
  gboolean header = FALSE, json = FALSE, export = FALSE;
  GOptionEntry entries[] = {
    { "min-valid", 0, 0, G_OPTION_ARG_INT, &min_valid, NULL, "SECONDS" },
    { "header", 0, 0, G_OPTION_ARG_NONE, &header, NULL, NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, NULL, NULL },
    { "export", 0, 0, G_OPTION_ARG_NONE, &export, NULL, NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(BearerProfileStore) store = NULL;
  g_autoptr(GError) error = NULL;
  BearerProfile *profile;
  Output output;
  int exit_code = EXIT_OK;

  /* refresh takes no --min-valid */
  g_option_context_add_main_entries (context, force ? entries + 1 : entries, GETTEXT_PACKAGE);
  g_option_context_set_help_enabled (context, FALSE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (error->message);
  if (argc != 2)
    return usage_error (force ? _("“refresh” takes one profile name")
                              : _("“token” takes one profile name"));
  if (min_valid < 0)
    return usage_error (_("--min-valid is a number of seconds"));
  if (!parse_output (header, json, export, force ? OUTPUT_STATUS : OUTPUT_TOKEN, &output))
    return usage_error (_("Choose one of --header, --json and --export"));

  if (!(store = open_store (&exit_code)) || !(profile = find_profile (store, argv[1], &exit_code)))
    return exit_code;

  return run_refresh (profile, force ? BEARER_REFRESH_FORCE : BEARER_REFRESH_NONE,
                      (guint) min_valid, output);
}

/* Writes all of @data to @fd; async-signal-safe (the pipe writer below
 * runs it between fork and _exit). */
static gboolean
write_all (int         fd,
           const char *data,
           gsize       length)
{
  while (length > 0)
    {
      gssize written = write (fd, data, length);

      if (written < 0 && errno == EINTR)
        continue;
      if (written <= 0)
        return FALSE;
      data += written;
      length -= (gsize) written;
    }
  return TRUE;
}

/* The header in anonymous memory: a sealed memfd, whatever its size, with
 * no file on disk and no process to feed it. */
static int
header_memfd_new (const char *header,
                  gsize       length)
{
  int fd = memfd_create ("bearer-authorization", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  int saved_errno;

  if (fd < 0)
    return -1;
  if (!write_all (fd, header, length) ||
      fcntl (fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0)
    {
      saved_errno = errno;
      close (fd);
      errno = saved_errno;
      return -1;
    }
  return fd;
}

/* Without memfd (Linux before 3.17, or a sandbox that forbids it): a pipe,
 * fed by a process of its own while curl reads it, for a header can be
 * larger than a pipe holds. The writer is a grandchild, so it is nobody's
 * zombie: curl, which this process becomes, never waits for it. Returns
 * the read end (close-on-exec). */
static int
header_pipe_new (const char *header,
                 gsize       length)
{
  int fds[2];
  int status = 0;
  int saved_errno;
  pid_t pid;

  if (pipe2 (fds, O_CLOEXEC) != 0)
    return -1;

  pid = fork ();
  if (pid == 0)
    {
      /* Only async-signal-safe calls from here: this process has threads. */
      pid_t writer = fork ();

      if (writer != 0)
        _exit (writer > 0 ? 0 : 1);
      close (fds[0]);
      /* Hold no one's output open: whoever reads curl's sees its end. */
      close (STDIN_FILENO);
      close (STDOUT_FILENO);
      close (STDERR_FILENO);
      _exit (write_all (fds[1], header, length) ? 0 : 1);
    }

  saved_errno = errno;
  close (fds[1]);
  if (pid > 0)
    {
      while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
        ;
      if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
        return fds[0];
      saved_errno = EAGAIN;
    }
  close (fds[0]);
  errno = saved_errno;
  return -1;
}

/* A descriptor curl reads @header from, or -1 with errno set. */
static int
header_fd_new (const char *header)
{
  gsize length = strlen (header);
  int fd = header_memfd_new (header, length);

  if (fd < 0)
    fd = header_pipe_new (header, length);
  return fd;
}

/* Puts @fd at @target, inherited across exec (and only there). */
static gboolean
move_fd_for_exec (int fd,
                  int target)
{
  if (fd == target)
    return fcntl (fd, F_SETFD, 0) == 0;
  if (dup2 (fd, target) < 0)
    return FALSE;
  close (fd);
  return TRUE;
}

static int
command_curl (int    argc,
              char **argv)
{
  g_autoptr(BearerProfileStore) store = NULL;
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(GPtrArray) curl_argv = NULL;
  char *header = NULL;
  BearerSecrets *secrets;
  BearerProfile *profile;
  int exit_code = EXIT_OK;
  int saved_errno;
  int fd;
  int first = 2;

  if (argc < 2)
    return usage_error (_("Usage: bearer-cli curl NAME -- CURL-ARGUMENT…"));
  if (argc > 2 && g_str_equal (argv[2], "--"))
    first = 3;

  if (!(store = open_store (&exit_code)) || !(profile = find_profile (store, argv[1], &exit_code)))
    return exit_code;

  /* Curl runs with the token even when the keyring did not take it. */
  exit_code = refresh_profile (profile, BEARER_REFRESH_NONE, 60, &result);
  if (result == NULL)
    return exit_code;

  secrets = bearer_refresh_result_get_secrets (result);
  header = g_strdup_printf ("Authorization: %s %s\n", bearer_secrets_get_token_type (secrets),
                            bearer_secrets_get_access_token (secrets));

  /* The header goes to curl on fd 3 (-H @/dev/fd/3): a command line can be
   * read by every user of the machine, a file outlives us. Nothing waits
   * for curl to read it: a token may be larger than a pipe holds. */
  fd = header_fd_new (header);
  saved_errno = errno;
  bearer_secret_free (g_steal_pointer (&header));
  if (fd < 0 || !move_fd_for_exec (fd, 3))
    {
      /* Translators: %s is the system’s explanation of the failure. */
      g_autofree char *message = g_strdup_printf (_("Cannot hand the access token to curl: %s"),
                                                  g_strerror (fd < 0 ? saved_errno : errno));
      print_error (message);
      if (fd >= 0)
        close (fd);
      return EXIT_FAILURE_OTHER;
    }

  curl_argv = g_ptr_array_new ();
  g_ptr_array_add (curl_argv, (gpointer) "curl");
  g_ptr_array_add (curl_argv, (gpointer) "-H");
  g_ptr_array_add (curl_argv, (gpointer) "@/dev/fd/3");
  for (int i = first; i < argc; i++)
    g_ptr_array_add (curl_argv, argv[i]);
  g_ptr_array_add (curl_argv, NULL);

  fflush (stdout);
  execvp ("curl", (char **) curl_argv->pdata);

  {
    /* Translators: %s is the system’s explanation of the failure. */
    g_autofree char *message = g_strdup_printf (_("Cannot run curl: %s"), g_strerror (errno));
    print_error (message);
  }
  return EXIT_FAILURE_OTHER;
}

/* ---- snippet ------------------------------------------------------------- */

/* bearer-cli snippet NAME [--lang curl|python|node] [--with-secrets]: the
 * token request as the core would send it (bearer-request-preview.h). The
 * keyring is read only with --with-secrets; the secrets go to standard
 * output, like a token, and never to an argument. */
static int
command_snippet (int    argc,
                 char **argv)
{
  g_autofree char *lang = NULL;
  gboolean with_secrets = FALSE;
  GOptionEntry entries[] = {
    { "lang", 0, 0, G_OPTION_ARG_STRING, &lang, NULL, "LANGUAGE" },
    { "with-secrets", 0, 0, G_OPTION_ARG_NONE, &with_secrets, NULL, NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(BearerProfileStore) store = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(GError) error = NULL;
  BearerProfile *profile;
  int language = BEARER_SNIPPET_CURL;
  int exit_code = EXIT_OK;
  char *text;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_help_enabled (context, FALSE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (error->message);
  if (argc != 2)
    return usage_error (_("“snippet” takes one profile name"));
  if (lang != NULL && !bearer_enum_from_nick (BEARER_TYPE_SNIPPET_LANGUAGE, lang, &language))
    return usage_error (_("--lang is one of curl, python, node"));

  if (!(store = open_store (&exit_code)) || !(profile = find_profile (store, argv[1], &exit_code)))
    return exit_code;

  if (with_secrets)
    {
      if (bearer_profile_has_pending_tokens (profile))
        secrets = move_pending_tokens (profile, &error);
      else
        secrets = lookup_secrets (profile, &error);
      if (secrets == NULL)
        return fail_for (argv[1], error);
    }

  if (!(text = bearer_request_preview (profile, secrets, language, &error)))
    {
      print_error (error->message);
      return EXIT_FAILURE_OTHER;
    }

  g_print ("%s", text);
  bearer_secret_free (text);
  return EXIT_OK;
}

/* ---- The commands --------------------------------------------------------
 *
 * One function per command, taking the command's own argv (argv[0] is the
 * command's name), returning the exit status.
 */

static int
command_get_token (int    argc,
                   char **argv)
{
  return command_token (argc, argv, FALSE);
}

static int
command_refresh (int    argc,
                 char **argv)
{
  return command_token (argc, argv, TRUE);
}

static int command_help (int    argc,
                         char **argv);

typedef struct {
  const char *name;
  int       (*run) (int    argc,
                    char **argv);
  const char *help;             /* one line, translatable (N_) */
} Command;

static const Command commands[] = {
  /* Translators: the one-line help of “bearer-cli list”, printed by “bearer-cli
   * help list”. */
  { "list", command_list, N_("Profiles, their grant and their token’s state") },
  /* Translators: the one-line help of “bearer-cli add”. */
  { "add", command_add, N_("Add a profile, by its token URL or from a preset") },
  /* Translators: the one-line help of “bearer-cli remove”. */
  { "remove", command_remove, N_("Remove a profile and its secrets") },
  /* Translators: the one-line help of “bearer-cli set-secret”. */
  { "set-secret", command_set_secret, N_("Read a secret from standard input and keep it in the keyring") },
  /* Translators: the one-line help of “bearer-cli token”. */
  { "token", command_get_token, N_("Print the access token, refreshing it first when it is about to expire") },
  /* Translators: the one-line help of “bearer-cli refresh”. */
  { "refresh", command_refresh, N_("Refresh the access token now") },
  /* Translators: the one-line help of “bearer-cli curl”. */
  { "curl", command_curl, N_("Run curl with the Authorization header added") },
  /* Translators: the one-line help of “bearer-cli snippet”. */
  { "snippet", command_snippet, N_("Print the token request as a cURL command, a Python or a Node.js script") },
  /* Translators: the one-line help of “bearer-cli help”. */
  { "help", command_help, N_("Print the help, or one command’s line of it") },
};

static const Command *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, name))
      return &commands[i];
  return NULL;
}

/* bearer-cli help [COMMAND] */
static int
command_help (int    argc,
              char **argv)
{
  const Command *command;

  if (argc < 2)
    {
      g_print ("%s", _(usage_text));
      return EXIT_OK;
    }
  if (argc > 2)
    return usage_error (_("“help” takes at most one command"));
  if (!(command = find_command (argv[1])))
    {
      g_autofree char *message = g_strdup_printf (_("Unknown command “%s”"), argv[1]);
      return usage_error (message);
    }

  g_print ("bearer-cli %s: %s\n", command->name, _(command->help));
  return EXIT_OK;
}

int
main (int   argc,
      char *argv[])
{
  const Command *command;

  setlocale (LC_ALL, "");
  /* BEARER_LOCALEDIR: the build tree's catalogs, for tests and meson devenv. */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("BEARER_LOCALEDIR") ? g_getenv ("BEARER_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("bearer-cli");
  /* Standard output is for tokens that scripts capture: debug logs go to
   * standard error. */
  g_log_writer_default_set_use_stderr (TRUE);

  if (argc < 2)
    return usage_error (_("No command given"));

  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    return command_help (1, argv + 1);
  if (g_str_equal (argv[1], "--version"))
    {
      g_print ("bearer-cli %s\n", PACKAGE_VERSION);
      return EXIT_OK;
    }

  if (!(command = find_command (argv[1])))
    {
      g_autofree char *message = g_strdup_printf (_("Unknown command “%s”"), argv[1]);
      return usage_error (message);
    }

  return command->run (argc - 1, argv + 1);
}
