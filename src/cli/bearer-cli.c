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
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "bearer-enum-types.h"
#include "bearer-error.h"
#include "bearer-profile-store.h"
#include "bearer-redact.h"
#include "bearer-refresh.h"

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
     "      --preset processmaker --instance INSTANCE\n"
     "                                https://INSTANCE.processmaker.net/oauth/token\n"
     "                                (a full URL as INSTANCE is taken as it is)\n"
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

      if (exit_code == EXIT_OK)
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

static gboolean
valid_instance_name (const char *instance)
{
  if (*instance == '\0' || *instance == '-')
    return FALSE;
  for (const char *p = instance; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-')
      return FALSE;
  return TRUE;
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
      if (g_strcmp0 (preset, "processmaker") != 0)
        return usage_error (_("The only preset bearer-cli knows is “processmaker”"));
      if (instance == NULL)
        return usage_error (_("--preset processmaker needs --instance"));
      if (token_url != NULL)
        return usage_error (_("Give either --instance or --token-url, not both"));

      if (strstr (instance, "://") != NULL)
        token_url = g_strdup (instance);
      else if (valid_instance_name (instance))
        token_url = g_strdup_printf ("https://%s.processmaker.net/oauth/token", instance);
      else
        return usage_error (_("The instance is a name like “acme” (for acme.processmaker.net) "
                              "or the full token URL of a self-hosted server"));
      /* ProcessMaker's own examples send the client in the body. */
      if (auth == NULL)
        client_auth = BEARER_CLIENT_AUTH_POST;
    }
  else if (instance != NULL)
    return usage_error (_("--instance goes with --preset processmaker"));

  if (token_url == NULL)
    return usage_error (_("“add” needs --token-url URL"));
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
  g_autofree char *id = NULL;
  BearerProfile *profile;
  Waiter waiter;
  int exit_code = EXIT_OK;

  if (argc != 2)
    return usage_error (_("“remove” takes one profile name"));
  if (!(store = open_store (&exit_code)) || !(profile = find_profile (store, argv[1], &exit_code)))
    return exit_code;

  id = g_strdup (bearer_profile_get_id (profile));

  /* Secrets first: a profile whose secrets could not be deleted is kept, so
   * it can be removed again later and nothing is left orphaned. */
  waiter = waiter_init ();
  bearer_secrets_delete_async (id, NULL, waited_cb, &waiter);
  if (!bearer_secrets_delete_finish (wait_for (&waiter), &error))
    {
      waiter_clear (&waiter);
      return fail (error);
    }
  waiter_clear (&waiter);

  if (!bearer_profile_store_remove_profile (store, id, &error))
    {
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
  waiter = waiter_init ();
  bearer_profile_update_secrets_async (profile, apply_secret_change, change,
                                       (GDestroyNotify) secret_change_free,
                                       NULL, waited_cb, &waiter);
  secrets = bearer_profile_update_secrets_finish (wait_for (&waiter), &error);
  waiter_clear (&waiter);
  if (secrets == NULL)
    return fail (error);

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
             gboolean       rotated)
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

        if (rotated)
          /* Translators: after “bearer-cli refresh”, when the server replaced the
           * refresh token. The first %s is the profile name, the second the
           * token’s state (“valid for 59 min”, “valid (expiry unknown)”). */
          g_print (_("Refreshed “%s”: %s; the refresh token rotated and the new one is "
                     "stored.\n"), bearer_profile_get_name (profile), state);
        else
          /* Translators: after “bearer-cli refresh”. The first %s is the profile
           * name, the second the token’s state (“valid for 59 min”, “valid (expiry
           * unknown)”). */
          g_print (_("Refreshed “%s”: %s.\n"), bearer_profile_get_name (profile), state);
      }
      break;
    }
}

static int
run_refresh (BearerProfile      *profile,
             BearerRefreshFlags  flags,
             guint               min_valid,
             Output              output)
{
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Waiter waiter = waiter_init ();
  BearerTokenResponse *response;
  const GError *store_error;
  gboolean rotated = FALSE;

  bearer_refresh_async (profile, flags, min_valid, NULL, waited_cb, &waiter);
  result = bearer_refresh_finish (wait_for (&waiter), &error);
  waiter_clear (&waiter);

  if (result == NULL)
    return fail_for (bearer_profile_get_name (profile), error);

  response = bearer_refresh_result_get_response (result);
  if (response != NULL)
    rotated = bearer_token_response_get_refresh_token_rotated (response);

  print_token (profile, bearer_refresh_result_get_secrets (result), output,
               bearer_refresh_result_get_from_server (result), rotated);

  store_error = bearer_refresh_result_get_store_error (result);
  if (store_error != NULL)
    {
      print_error (store_error->message);
      if (rotated)
        {
          print_error (_("The server replaced the refresh token and the new one could not be "
                         "stored: the old one no longer works."));
          /* The only copy left: hand it to a person, never to a log. */
          if (isatty (STDERR_FILENO))
            /* Translators: the first %s is the profile name, in a command typed as
             * it is; the second, on a line of its own, is the refresh token. */
            g_printerr (_("New refresh token (store it with “bearer-cli set-secret %s refresh-token”):\n%s\n"),
                        bearer_profile_get_name (profile),
                        bearer_secrets_get_refresh_token (bearer_refresh_result_get_secrets (result)));
        }
      return EXIT_KEYRING;
    }

  return EXIT_OK;
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

static int
command_curl (int    argc,
              char **argv)
{
  g_autoptr(BearerProfileStore) store = NULL;
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) curl_argv = NULL;
  g_autofree char *header = NULL;
  BearerSecrets *secrets;
  BearerProfile *profile;
  Waiter waiter;
  int exit_code = EXIT_OK;
  int fds[2];
  int first = 2;

  if (argc < 2)
    return usage_error (_("Usage: bearer-cli curl NAME -- CURL-ARGUMENT…"));
  if (argc > 2 && g_str_equal (argv[2], "--"))
    first = 3;

  if (!(store = open_store (&exit_code)) || !(profile = find_profile (store, argv[1], &exit_code)))
    return exit_code;

  waiter = waiter_init ();
  bearer_refresh_async (profile, BEARER_REFRESH_NONE, 60, NULL, waited_cb, &waiter);
  result = bearer_refresh_finish (wait_for (&waiter), &error);
  waiter_clear (&waiter);
  if (result == NULL)
    return fail_for (argv[1], error);
  if (bearer_refresh_result_get_store_error (result) != NULL)
    print_error (bearer_refresh_result_get_store_error (result)->message);

  secrets = bearer_refresh_result_get_secrets (result);
  header = g_strdup_printf ("Authorization: %s %s\n", bearer_secrets_get_token_type (secrets),
                            bearer_secrets_get_access_token (secrets));

  /* The header goes to curl through a pipe on fd 3 (-H @/dev/fd/3): a
   * command line can be read by every user of the machine. */
  if (pipe (fds) != 0)
    {
      print_error (g_strerror (errno));
      return EXIT_FAILURE_OTHER;
    }
  if (write (fds[1], header, strlen (header)) != (gssize) strlen (header))
    {
      print_error (g_strerror (errno));
      return EXIT_FAILURE_OTHER;
    }
  close (fds[1]);
  explicit_bzero (header, strlen (header));
  if (fds[0] != 3)
    {
      if (dup2 (fds[0], 3) < 0)
        {
          print_error (g_strerror (errno));
          return EXIT_FAILURE_OTHER;
        }
      close (fds[0]);
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

int
main (int   argc,
      char *argv[])
{
  const char *command;

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

  command = argv[1];
  if (g_str_equal (command, "--help") || g_str_equal (command, "-h") || g_str_equal (command, "help"))
    {
      g_print ("%s", _(usage_text));
      return EXIT_OK;
    }
  if (g_str_equal (command, "--version"))
    {
      g_print ("bearer-cli %s\n", PACKAGE_VERSION);
      return EXIT_OK;
    }

  argc--;
  argv++;

  if (g_str_equal (command, "list"))
    return command_list (argc, argv);
  if (g_str_equal (command, "add"))
    return command_add (argc, argv);
  if (g_str_equal (command, "remove"))
    return command_remove (argc, argv);
  if (g_str_equal (command, "set-secret"))
    return command_set_secret (argc, argv);
  if (g_str_equal (command, "token"))
    return command_token (argc, argv, FALSE);
  if (g_str_equal (command, "refresh"))
    return command_token (argc, argv, TRUE);
  if (g_str_equal (command, "curl"))
    return command_curl (argc, argv);

  {
    g_autofree char *message = g_strdup_printf (_("Unknown command “%s”"), command);
    return usage_error (message);
  }
}
