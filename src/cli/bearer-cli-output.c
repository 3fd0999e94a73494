/* bearer-cli-output.c: what bearer-cli prints, shared by its two programs
 *
 * bearer-cli is two programs: a small front (bearer-cli-front.c: GLib, GIO
 * and json-glib only) that answers token and refresh through the token
 * agent, and the whole of it (bearer-cli-full, core and all), which the
 * front runs for everything else. What both print is here, so they print
 * the same.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "bearer-cli-output.h"

void
bearer_cli_print_error (const char *message)
{
  g_autofree char *line = g_strdup (message);

  /* One line: server words are already cleaned, but be sure. */
  g_strdelimit (line, "\r\n", ' ');
  g_printerr ("bearer-cli: %s\n", line);
}

int
bearer_cli_no_such_profile (const char *name)
{
  g_autofree char *message = g_strdup_printf (_("No profile is called “%s” (see “bearer-cli list”)"), name);

  bearer_cli_print_error (message);
  return EXIT_FAILURE_OTHER;
}

void
bearer_cli_print_sign_in_advice (const char *profile_name)
{
  g_autofree char *advice =
    /* Translators: %s is the profile name, or NAME (as in “bearer-cli
     * --help”) when it is not known; the command is typed as it is. */
    g_strdup_printf (_("Sign in again: get a new refresh token and store it with "
                       "“bearer-cli set-secret %s refresh-token”"),
                     profile_name != NULL ? profile_name : "NAME");

  bearer_cli_print_error (advice);
}

void
bearer_cli_report_pending_moved_name (const char *name)
{
  g_autofree char *message = NULL;

  /* Translators: %s is the profile name. */
  message = g_strdup_printf (_("The new tokens of “%s” that the keyring had refused earlier are "
                               "now stored in it"), name);
  bearer_cli_print_error (message);
}

/* The state of a token, in a few words: the TOKEN column of list, and
 * after a refresh. */
char *
bearer_cli_describe_token_state (gboolean needs_sign_in,
                                 gboolean has_access_token,
                                 gboolean has_refresh_token,
                                 gint64   expires_at,
                                 gint64   now)
{
  gint64 left;

  if (needs_sign_in)
    /* Translators: the state of a profile’s access token, in the TOKEN column
     * of “bearer-cli list” and after “bearer-cli refresh”: the server refused
     * the refresh token. */
    return g_strdup (_("sign in again"));
  if (!has_access_token)
    return g_strdup (has_refresh_token
                     /* Translators: the state of an access token: none was fetched
                      * yet, but a refresh token is stored to fetch one. */
                     ? _("none yet (refresh token stored)")
                     /* Translators: the state of an access token: there is none, and
                      * no refresh token either. */
                     : _("none"));

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

void
bearer_cli_print_store_failure_parts (const char *name,
                                      const char *store_message,
                                      gboolean    from_server,
                                      gboolean    kept_aside,
                                      const char *keep_aside_message,
                                      const char *refresh_token)
{
  g_autofree char *message = NULL;

  bearer_cli_print_error (store_message);
  if (!from_server)
    return;

  if (kept_aside)
    {
      message =
        /* Translators: after a refresh whose new tokens the keyring refused; %s is
         * the profile name. The folder is the session’s runtime directory, which
         * lives in memory and is emptied at log-out. */
        g_strdup_printf (_("The new tokens of “%s” are kept in a private temporary folder until "
                           "the keyring takes them: the next bearer-cli command for this profile "
                           "moves them in, once the keyring is unlocked"), name);
      bearer_cli_print_error (message);
      return;
    }

  message =
    /* Translators: the first %s is the profile name, the second the reason. */
    g_strdup_printf (_("The new tokens of “%s” could not be kept anywhere either: %s"), name,
                     keep_aside_message != NULL ? keep_aside_message : "");
  bearer_cli_print_error (message);
  /* The only copy left: hand it to a person, never to a log. Through the
   * agent, which holds it in memory while it runs, there is none here. */
  if (refresh_token != NULL && isatty (STDERR_FILENO))
    /* Translators: the first %s is the profile name, in a command typed as
     * it is; the second, on a line of its own, is the refresh token. */
    g_printerr (_("New refresh token (store it with “bearer-cli set-secret %s refresh-token”):\n%s\n"),
                name, refresh_token);
}

/* Prints what bearer-cli prints when it stops waiting for the agent, and
 * returns the exit status. */
int
bearer_cli_agent_interrupted (int signum)
{
  bearer_cli_print_error (_("Stopped waiting for the token agent: it finishes the request and keeps the "
                            "new tokens"));
  return 128 + signum;
}

/* RFC 3339, UTC; NULL for an unknown expiry. */
static char *
format_expiry (gint64 expires_at)
{
  g_autoptr(GDateTime) time = NULL;

  if (expires_at <= 0 || (time = g_date_time_new_from_unix_utc (expires_at)) == NULL)
    return NULL;
  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");
}

static void
print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
  explicit_bzero (text, strlen (text));
}

/* The apiVersion kubectl asked for (KUBERNETES_EXEC_INFO), which the answer
 * must carry; and whether it may prompt. */
const char *
bearer_cli_exec_info (gboolean *interactive)
{
  const char *info = g_getenv ("KUBERNETES_EXEC_INFO");
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object, *spec = NULL;
  JsonNode *node;
  const char *version;

  *interactive = TRUE;
  if (info == NULL || *info == '\0')
    return "client.authentication.k8s.io/v1";
  /* Said, but unreadable: never prompt. */
  *interactive = FALSE;
  if (!json_parser_load_from_data (parser, info, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return "client.authentication.k8s.io/v1";
  object = json_node_get_object (json_parser_get_root (parser));
  node = json_object_get_member (object, "spec");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    spec = json_node_get_object (node);
  node = spec != NULL ? json_object_get_member (spec, "interactive") : NULL;
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    *interactive = json_node_get_boolean (node);
  node = json_object_get_member (object, "apiVersion");
  version = node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
            ? json_node_get_string (node) : NULL;
  if (g_strcmp0 (version, "client.authentication.k8s.io/v1beta1") == 0)
    return "client.authentication.k8s.io/v1beta1";
  return "client.authentication.k8s.io/v1";
}

/**
 * bearer_cli_print_token:
 * @type: the token type, never %NULL ("Bearer" when the server said none)
 * @expires_at: seconds since the epoch, 0 unknown
 * @needs_sign_in: for the status line (refresh)
 *
 * Prints a token in one of bearer-cli's formats.
 */
void
bearer_cli_print_token (const char      *name,
                        const char      *token,
                        const char      *type,
                        gint64           expires_at,
                        const char      *scope,
                        BearerCliOutput  output,
                        gboolean         refreshed,
                        gboolean         rotated,
                        gboolean         stored)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *expiry = format_expiry (expires_at);

  switch (output)
    {
    case OUTPUT_BARE:
      g_print ("%s\n", token);
      break;
    case OUTPUT_HEADER:
      {
        /* Standard output, on purpose: --header is for $(…) in scripts. */
        char *header = g_strdup_printf ("Authorization: %s %s", type, token);

        g_print ("%s\n", header);
        explicit_bzero (header, strlen (header));
        g_free (header);
      }
      break;
    case OUTPUT_ENV:
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

        /* RFC 6749 §5.1's names, expires_at as RFC 3339, and which profile. */
        json_builder_begin_object (builder);
        json_builder_set_member_name (builder, "access_token");
        json_builder_add_string_value (builder, token);
        json_builder_set_member_name (builder, "token_type");
        json_builder_add_string_value (builder, type);
        json_builder_set_member_name (builder, "expires_in");
        if (expires_at > 0)
          json_builder_add_int_value (builder, MAX (expires_at - now, 0));
        else
          json_builder_add_null_value (builder);
        json_builder_set_member_name (builder, "scope");
        if (scope != NULL)
          json_builder_add_string_value (builder, scope);
        else
          json_builder_add_null_value (builder);
        json_builder_set_member_name (builder, "expires_at");
        if (expiry != NULL)
          json_builder_add_string_value (builder, expiry);
        else
          json_builder_add_null_value (builder);
        json_builder_set_member_name (builder, "profile");
        json_builder_add_string_value (builder, name);
        json_builder_set_member_name (builder, "refreshed");
        json_builder_add_boolean_value (builder, refreshed);
        json_builder_end_object (builder);
        print_json (builder);
      }
      break;
    case OUTPUT_EXEC_CREDENTIAL:
      {
        g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
        gboolean interactive;

        /* kubectl's client.authentication.k8s.io ExecCredential. */
        json_builder_begin_object (builder);
        json_builder_set_member_name (builder, "apiVersion");
        json_builder_add_string_value (builder, bearer_cli_exec_info (&interactive));
        json_builder_set_member_name (builder, "kind");
        json_builder_add_string_value (builder, "ExecCredential");
        json_builder_set_member_name (builder, "status");
        json_builder_begin_object (builder);
        json_builder_set_member_name (builder, "token");
        json_builder_add_string_value (builder, token);
        if (expiry != NULL)
          {
            json_builder_set_member_name (builder, "expirationTimestamp");
            json_builder_add_string_value (builder, expiry);
          }
        json_builder_end_object (builder);
        json_builder_end_object (builder);
        print_json (builder);
      }
      break;
    case OUTPUT_STATUS:
    default:
      {
        g_autofree char *state = bearer_cli_describe_token_state (FALSE, TRUE, FALSE, expires_at, now);

        if (rotated && stored)
          /* Translators: after “bearer-cli refresh”, when the server replaced the
           * refresh token. The first %s is the profile name, the second the
           * token’s state (“valid for 59 min”, “valid (expiry unknown)”). */
          g_print (_("Refreshed “%s”: %s; the refresh token rotated and the new one is "
                     "stored.\n"), name, state);
        else if (rotated)
          /* Translators: after “bearer-cli refresh”, when the server replaced the
           * refresh token and the keyring refused the new one (the reason follows on
           * standard error). The first %s is the profile name, the second the
           * token’s state (“valid for 59 min”). */
          g_print (_("Refreshed “%s”: %s; the refresh token rotated, and the keyring did not "
                     "take the new one.\n"), name, state);
        else
          /* Translators: after “bearer-cli refresh”. The first %s is the profile
           * name, the second the token’s state (“valid for 59 min”, “valid (expiry
           * unknown)”). */
          g_print (_("Refreshed “%s”: %s.\n"), name, state);
      }
      break;
    }
}

gboolean
bearer_cli_output_from_format (const char      *text,
                               BearerCliOutput *output)
{
  const struct { const char *name; BearerCliOutput output; } formats[] = {
    { "bare", OUTPUT_BARE }, { "header", OUTPUT_HEADER }, { "json", OUTPUT_JSON },
    { "env", OUTPUT_ENV }, { "exec-credential", OUTPUT_EXEC_CREDENTIAL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    if (g_str_equal (text, formats[i].name))
      {
        *output = formats[i].output;
        return TRUE;
      }
  return FALSE;
}

