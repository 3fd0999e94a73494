/* bearer-cli-secrets.c: set-secret, from standard input only
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "bearer-cli-private.h"
#include "bearer-client-assertion.h"
#include "bearer-client-certificate.h"

#define MAX_SECRET_LENGTH (64 * 1024)

static char *
read_secret_from_stdin (const char  *prompt,
                        gboolean     whole,
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

  /* One line on a terminal (all of it for a PEM key, up to Ctrl+D); all of
   * it from a pipe or a file, less the final line break. */
  while ((c = getchar ()) != EOF)
    {
      if (terminal && !whole && c == '\n')
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
  SECRET_PRIVATE_KEY,
  SECRET_CLIENT_KEY,
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
    case SECRET_PRIVATE_KEY:
      bearer_secrets_set_private_key (secrets, change->value);
      break;
    case SECRET_CLIENT_KEY:
      bearer_secrets_set_client_key (secrets, change->value);
      break;
    case SECRET_REFRESH_TOKEN:
    default:
      /* A new refresh token: the user has signed in again. */
      bearer_secrets_set_refresh_token (secrets, change->value);
      bearer_secrets_set_needs_sign_in (secrets, FALSE);
      break;
    }
}

/* bearer-cli set-secret NAME KIND */
int
bearer_cli_set_secret (int    argc,
                       char **argv)
{
  g_autoptr(BearerConnectionList) list = NULL;
  BearerConnection *connection;
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
    return bearer_cli_usage_error (_("Usage: bearer-cli set-secret NAME client-secret|refresh-token|password|"
                                   "private-key|client-key (the value comes from standard input)"));
  /* The command-line keywords, never translated. */
  if (g_str_equal (argv[2], "client-secret"))
    kind = SECRET_CLIENT_SECRET;
  else if (g_str_equal (argv[2], "refresh-token"))
    kind = SECRET_REFRESH_TOKEN;
  else if (g_str_equal (argv[2], "password"))
    kind = SECRET_PASSWORD;
  else if (g_str_equal (argv[2], "private-key"))
    kind = SECRET_PRIVATE_KEY;
  else if (g_str_equal (argv[2], "client-key"))
    kind = SECRET_CLIENT_KEY;
  else
    return bearer_cli_usage_error (_("The secret is one of client-secret, refresh-token, password, "
                                   "private-key, client-key; its value comes from standard input"));

  if (!(list = bearer_cli_open_connections (FALSE, &exit_code)) ||
                                            !(connection = bearer_cli_find_connection (list, argv[1], &exit_code)))
    return exit_code;
  profile = bearer_connection_get_profile (connection);

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
    case SECRET_PRIVATE_KEY:
      /* Translators: the prompt of “bearer-cli set-secret NAME private-key” on
       * a terminal; %s is the profile name. Keep the space at the end. */
      prompt = g_strdup_printf (_("Private key (PEM) for “%s”, then Ctrl+D: "), argv[1]);
      break;
    case SECRET_CLIENT_KEY:
      /* A PEM key has many lines: it comes from a file or a pipe. */
      if (isatty (STDIN_FILENO))
        return bearer_cli_usage_error (_("The client key is read from a file: "
                                         "bearer-cli set-secret NAME client-key < KEY.pem"));
      break;
    case SECRET_PASSWORD:
    default:
      /* Translators: the prompt of “bearer-cli set-secret NAME password” on a
       * terminal; %s is the profile name. Keep the space at the end. */
      prompt = g_strdup_printf (_("Password for “%s”: "), argv[1]);
      break;
    }
  if (!(value = read_secret_from_stdin (prompt, kind == SECRET_PRIVATE_KEY, &error)))
    {
      bearer_cli_print_error (error->message);
      return EXIT_USAGE;
    }
  if (kind == SECRET_CLIENT_KEY && !bearer_client_key_check (value, &error))
    {
      bearer_secret_free (value);
      bearer_cli_print_error (error->message);
      return EXIT_USAGE;
    }
  if (kind == SECRET_CLIENT_KEY)
    {
      /* The key must be the certificate's, when the certificate is known. */
      const char *certificate = bearer_profile_get_client_certificate (profile);
      g_autoptr(GTlsCertificate) joined = NULL;

      if (certificate != NULL && bearer_client_certificate_check (certificate, NULL) &&
          !(joined = bearer_client_certificate_load (certificate, value, &error)))
        {
          bearer_secret_free (value);
          bearer_cli_print_error (error->message);
          return EXIT_USAGE;
        }
    }

  /* A key that cannot sign is refused now, not at the next request. */
  if (kind == SECRET_PRIVATE_KEY &&
      !bearer_private_key_check (value,
                                 bearer_profile_get_client_auth (profile) == BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT
                                 ? bearer_profile_get_signing_alg (profile) : BEARER_SIGNING_ALG_AUTO,
                                 &error))
    {
      bearer_secret_free (value);
      bearer_cli_print_error (error->message);
      return EXIT_USAGE;
    }

  /* Under the profile's lock, so a refresh running elsewhere cannot write
   * an older copy of the secrets back over this one. */
  change = g_new0 (SecretChange, 1);
  change->kind = kind;
  change->value = value;
  had_pending = bearer_profile_has_pending_tokens (profile);
  waiter = bearer_cli_waiter_init ();
  bearer_profile_update_secrets_async (profile, apply_secret_change, change,
                                       (GDestroyNotify) secret_change_free,
                                       NULL, bearer_cli_waited_cb, &waiter);
  secrets = bearer_profile_update_secrets_finish (bearer_cli_wait_for (&waiter), &error);
  bearer_cli_waiter_clear (&waiter);
  if (secrets == NULL)
    return bearer_cli_fail (error);

  bearer_cli_report_pending_moved (profile, had_pending);
  if (bearer_secrets_get_repaired (secrets))
    {
      g_autofree char *message =
        /* Translators: after “bearer-cli set-secret”, when the profile’s keyring
         * item could not be read whole; %s is the profile name. */
        g_strdup_printf (_("The keyring item of “%s” was damaged and has been replaced: what "
                           "could be read was kept; store any other secret of it again"),
                         argv[1]);
      bearer_cli_print_error (message);
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
    case SECRET_PRIVATE_KEY:
      /* Translators: after “bearer-cli set-secret NAME private-key”; %s is the
       * profile name. */
      g_print (_("Stored the private key of “%s” in the keyring.\n"), argv[1]);
      break;
    case SECRET_CLIENT_KEY:
      /* Translators: after “bearer-cli set-secret NAME client-key”; %s is the
       * profile name. */
      g_print (_("Stored the private key of the client certificate of “%s” in the keyring.\n"),
               argv[1]);
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
