/* bearer-pending.c: new tokens the keyring refused, kept until it takes them
 *
 * When a server has rotated a refresh token and the keyring then refuses to
 * store the new one (locked, or gone mid-refresh), the old refresh token no
 * longer works and the new one exists only in this process. It is kept in
 * `$XDG_RUNTIME_DIR/bearer/pending/<id>.json` (inside a Flatpak:
 * `$XDG_RUNTIME_DIR/app/$FLATPAK_ID/bearer/pending/`, which every instance of
 * the app shares): a 0600 file in a 0700 folder of this user's runtime
 * directory, which lives in memory (tmpfs) and is gone at log-out or reboot,
 * never on a disk. Only the tokens go there, never the client secret or the
 * password.
 *
 * The next transaction that takes the profile's lock and reaches the keyring
 * moves them in (if they are newer than what the keyring holds) and deletes
 * the file.
 *
 * These are small files on a memory file system: read and written
 * synchronously.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bearer-pending-private.h"
#include "bearer-profile-lock-private.h"
#include "bearer-redact.h"
#include "bearer-refresh.h"
#include "bearer-secrets-private.h"

#define MAX_PENDING_SIZE (1024 * 1024)

static gboolean
is_private_dir (const char *path)
{
  struct stat st;

  return g_lstat (path, &st) == 0 && S_ISDIR (st.st_mode) && st.st_uid == getuid () &&
         (st.st_mode & 077) == 0;
}

/**
 * bearer_pending_dir:
 *
 * Returns: (transfer full) (nullable): where refused tokens are kept, or
 *   %NULL when this session has no runtime directory (GLib would fall back
 *   to the cache directory, which is on a disk)
 */
char *
bearer_pending_dir (void)
{
  const char *runtime = g_getenv ("XDG_RUNTIME_DIR");
  const char *flatpak_id = g_getenv ("FLATPAK_ID");
  g_autofree char *fallback = NULL;

  if (runtime == NULL || *runtime == '\0')
    {
      fallback = g_strdup_printf ("/run/user/%u", (guint) getuid ());
      if (!is_private_dir (fallback))
        return NULL;
      runtime = fallback;
    }

  if (flatpak_id != NULL && *flatpak_id != '\0' && g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    return g_build_filename (runtime, "app", flatpak_id, "bearer", "pending", NULL);
  return g_build_filename (runtime, "bearer", "pending", NULL);
}

static char *
pending_path (const char *profile_id)
{
  g_autofree char *dir = bearer_pending_dir ();
  g_autofree char *name = NULL;

  if (dir == NULL)
    return NULL;
  name = bearer_profile_file_name (profile_id, ".json");
  return g_build_filename (dir, name, NULL);
}

/**
 * bearer_pending_save:
 * @profile_id: the profile's id
 * @secrets: the new tokens (anything else in it is left out)
 * @error: why they could not be kept
 *
 * Keeps the tokens of @secrets until the keyring takes them.
 */
gboolean
bearer_pending_save (const char           *profile_id,
                     const BearerSecrets  *secrets,
                     GError              **error)
{
  g_autoptr(BearerSecrets) tokens = bearer_secrets_new ();
  g_autofree char *dir = bearer_pending_dir ();
  g_autofree char *path = NULL;
  g_autofree char *temp = NULL;
  char *text;
  gsize length, written = 0;
  int fd;

  if (dir == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("This session has no private temporary folder (XDG_RUNTIME_DIR) "
                             "to keep them in"));
      return FALSE;
    }

  if (g_mkdir_with_parents (dir, 0700) != 0 || !is_private_dir (dir))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   /* Translators: %s is a folder. */
                   _("The folder “%s” cannot be made private to you"), dir);
      return FALSE;
    }

  /* The tokens and nothing else: what the user typed (the client secret,
   * the password, a private or client key) is still in the keyring, or in
   * the form, and every secret kind added later stays out of here too. */
  bearer_secrets_set_refresh_token (tokens, bearer_secrets_get_refresh_token (secrets));
  bearer_secrets_set_access_token (tokens, bearer_secrets_get_access_token (secrets),
                                   bearer_secrets_get_token_type (secrets),
                                   bearer_secrets_get_expires_at (secrets),
                                   bearer_secrets_get_scope (secrets));
  bearer_secrets_set_needs_sign_in (tokens, bearer_secrets_get_needs_sign_in (secrets));
  bearer_secrets_set_updated_at (tokens, bearer_secrets_get_updated_at (secrets));
  text = bearer_secrets_to_text (tokens, error);
  if (text == NULL)
    return FALSE;
  length = strlen (text);

  path = pending_path (profile_id);
  temp = g_strconcat (path, ".XXXXXX", NULL);
  fd = g_mkstemp_full (temp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;
      bearer_secret_free (text);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   /* Translators: the first %s is a file name, the second the system’s
                    * explanation of the failure. */
                   _("Cannot create “%s”: %s"), temp, g_strerror (saved));
      return FALSE;
    }

  while (written < length)
    {
      ssize_t n = write (fd, text + written, length - written);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      written += n;
    }
  bearer_secret_free (text);

  if (written < length || close (fd) != 0 || g_rename (temp, path) != 0)
    {
      int saved = errno;
      g_unlink (temp);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   /* Translators: the first %s is a file name, the second the system’s
                    * explanation of the failure. */
                   _("Cannot write “%s”: %s"), path, g_strerror (saved));
      return FALSE;
    }

  g_debug ("Kept the new tokens of profile %s in %s until the keyring takes them", profile_id,
           path);
  return TRUE;
}

/**
 * bearer_pending_load:
 *
 * Returns: (transfer full) (nullable): the tokens kept for the profile, if any
 */
BearerSecrets *
bearer_pending_load (const char *profile_id)
{
  g_autofree char *path = pending_path (profile_id);
  g_autoptr(GError) error = NULL;
  BearerSecrets *secrets;
  char *text = NULL;
  gsize length;

  if (path == NULL)
    return NULL;

  if (!g_file_get_contents (path, &text, &length, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_debug ("Cannot read the pending tokens of profile %s: %s", profile_id, error->message);
      return NULL;
    }

  secrets = length <= MAX_PENDING_SIZE ? bearer_secrets_from_text (text, &error) : NULL;
  if (secrets == NULL)
    g_debug ("The pending tokens of profile %s are unreadable", profile_id);
  bearer_secret_free (text);
  return secrets;
}

/**
 * bearer_pending_exists:
 *
 * Returns: whether tokens the keyring refused are kept for the profile
 */
gboolean
bearer_pending_exists (const char *profile_id)
{
  g_autofree char *path = pending_path (profile_id);

  return path != NULL && g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

void
bearer_pending_clear (const char *profile_id)
{
  g_autofree char *path = pending_path (profile_id);

  if (path != NULL && g_unlink (path) != 0 && errno != ENOENT)
    g_debug ("Cannot remove %s: %s", path, g_strerror (errno));
}

/**
 * bearer_pending_apply:
 * @into: the secrets read from the keyring
 * @pending: the tokens kept aside
 *
 * Returns: whether @pending was newer than @into, and moved into it
 */
gboolean
bearer_pending_apply (BearerSecrets       *into,
                      const BearerSecrets *pending)
{
  if (bearer_secrets_get_updated_at (pending) <= bearer_secrets_get_updated_at (into))
    return FALSE;

  if (bearer_secrets_get_refresh_token (pending) != NULL)
    bearer_secrets_set_refresh_token (into, bearer_secrets_get_refresh_token (pending));
  bearer_secrets_set_access_token (into,
                                   bearer_secrets_get_access_token (pending),
                                   bearer_secrets_get_access_token (pending) != NULL
                                   ? bearer_secrets_get_token_type (pending) : NULL,
                                   bearer_secrets_get_expires_at (pending),
                                   bearer_secrets_get_scope (pending));
  bearer_secrets_set_needs_sign_in (into, bearer_secrets_get_needs_sign_in (pending));
  bearer_secrets_set_updated_at (into, bearer_secrets_get_updated_at (pending));
  return TRUE;
}

/**
 * bearer_profile_has_pending_tokens:
 *
 * Returns: whether new tokens of @profile that the keyring refused are kept
 *   aside, waiting for the next refresh or change of its secrets to move
 *   them into the keyring
 */
gboolean
bearer_profile_has_pending_tokens (BearerProfile *profile)
{
  g_return_val_if_fail (BEARER_IS_PROFILE (profile), FALSE);
  return bearer_pending_exists (bearer_profile_get_id (profile));
}
