/* bearer-profile-lock.c: the per-profile lock every Bearer process shares
 *
 * One lock file per profile, `$XDG_CONFIG_HOME/bearer/locks/<id>.lock`,
 * next to profiles.json: every process that reads that profiles file sees
 * the same lock, the two instances of a Flatpak (the window and
 * `flatpak run --command=bearer-cli`) included, whose runtime directories
 * are private to each instance. flock() is polled without blocking, so the
 * main loop runs and the wait can be cancelled.
 *
 * Releasing the lock touches the lock file (its times), so a process
 * watching the folder learns that a transaction on the profile ended.
 *
 * When a profile is removed, its lock file says so ("removed"), written
 * while the lock is held: a refresh or a secret change that was waiting
 * for the lock then stores nothing, so a removed profile's secrets are
 * never written back.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bearer-profile-lock-private.h"
#include "bearer-profile-store.h"
#include "bearer-refresh.h"

#define LOCK_POLL_MS 10
#define REMOVED_MARK "removed\n"

/* A profile id from a hand-edited file may hold anything ("../../x"): it
 * names the lock file only when it is a plain word. */
static gboolean
is_plain_id (const char *id)
{
  gsize length = 0;

  for (const char *p = id; *p != '\0'; p++, length++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return length > 0 && length <= 64;
}

/**
 * bearer_profile_file_name:
 * @profile_id: a profile's id
 * @suffix: the file's extension, with its dot
 *
 * Returns: (transfer full): a file name for something of the profile's:
 *   the id, or its SHA-256 when the id is not a plain word
 */
char *
bearer_profile_file_name (const char *profile_id,
                          const char *suffix)
{
  g_autofree char *digest = NULL;

  g_return_val_if_fail (profile_id != NULL, NULL);

  if (is_plain_id (profile_id))
    return g_strconcat (profile_id, suffix, NULL);

  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, profile_id, -1);
  return g_strconcat ("sha256-", digest, suffix, NULL);
}

/**
 * bearer_profile_lock_path:
 * @profile_id: a profile's id
 *
 * Returns: (transfer full): the lock file that every Bearer process takes
 *   before it changes the profile's secrets, in `$XDG_CONFIG_HOME/bearer/locks/`
 */
char *
bearer_profile_lock_path (const char *profile_id)
{
  g_autofree char *name = bearer_profile_file_name (profile_id, ".lock");

  return g_build_filename (g_get_user_config_dir (), "bearer", "locks", name, NULL);
}

void
bearer_profile_lock_release (BearerProfileLock *lock)
{
  if (lock->poll_source != NULL)
    {
      g_source_destroy (lock->poll_source);
      g_clear_pointer (&lock->poll_source, g_source_unref);
    }
  if (lock->fd >= 0)
    {
      /* Tells whoever watches the locks folder (a window's connection
       * list) that a transaction ended: closing a file that already
       * existed, unwritten, raises no file monitor event. */
      (void) futimens (lock->fd, NULL);
      close (lock->fd);         /* releases the flock */
      lock->fd = -1;
    }
}

void
bearer_profile_lock_clear (BearerProfileLock *lock)
{
  bearer_profile_lock_release (lock);
  g_clear_pointer (&lock->profile_name, g_free);
}

/**
 * bearer_profile_lock_fail:
 * @task: (transfer full): the task holding the lock
 * @error: (transfer full): why it failed
 *
 * Releases the lock, then returns @error.
 */
void
bearer_profile_lock_fail (GTask  *task,
                          GError *error)
{
  bearer_profile_lock_release (bearer_profile_lock_of (task));
  g_task_return_error (task, error);
  g_object_unref (task);
}

/* TRUE when the attempt is over: locked (and the continuation called), or
 * failed (and the task finished). */
static gboolean
try_lock (GTask *task)
{
  BearerProfileLock *lock = bearer_profile_lock_of (task);

  if (flock (lock->fd, LOCK_EX | LOCK_NB) == 0)
    {
      if (lock->poll_source != NULL)
        {
          g_source_destroy (lock->poll_source);
          g_clear_pointer (&lock->poll_source, g_source_unref);
        }
      lock->locked (task);
      return TRUE;
    }

  if (errno != EWOULDBLOCK && errno != EINTR)
    {
      int saved = errno;
      bearer_profile_lock_fail (task, g_error_new (G_IO_ERROR, g_io_error_from_errno (saved),
                                                   /* Translators: %s is the system’s
                                                    * explanation of the failure. */
                                                   _("Cannot lock the profile: %s"),
                                                   g_strerror (saved)));
      return TRUE;
    }

  return FALSE;
}

static gboolean
poll_cb (gpointer user_data)
{
  GTask *task = user_data;
  BearerProfileLock *lock = bearer_profile_lock_of (task);

  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      bearer_profile_lock_fail (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                           _("Cancelled")));
      return G_SOURCE_REMOVE;
    }

  if (try_lock (task))
    return G_SOURCE_REMOVE;

  if (g_get_monotonic_time () > lock->deadline)
    {
      bearer_profile_lock_fail (task,
                                g_error_new (G_IO_ERROR, G_IO_ERROR_BUSY,
                                             g_dngettext (GETTEXT_PACKAGE,
                                                          /* Translators: %s is a profile’s name,
                                                           * %d a number of seconds (120). */
                                                          "Another Bearer process has been refreshing "
                                                          "“%s” for more than %d second",
                                                          "Another Bearer process has been refreshing "
                                                          "“%s” for more than %d seconds",
                                                          BEARER_REFRESH_LOCK_TIMEOUT),
                                             lock->profile_name, BEARER_REFRESH_LOCK_TIMEOUT));
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

/* Opens (creating it if need be) a lock file; flock() needs no write
 * access, so an existing one in a folder that cannot be written will do. */
static int
open_lock_file (const char *path,
                int        *saved_errno)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd;

  if (g_mkdir_with_parents (dir, 0700) == 0 &&
      (fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) >= 0)
    return fd;
  *saved_errno = errno;

  if ((fd = g_open (path, O_RDONLY | O_CLOEXEC, 0)) >= 0)
    return fd;
  if (errno != ENOENT)
    *saved_errno = errno;
  return -1;
}

/**
 * bearer_profile_lock_take:
 * @task: (transfer full): the transaction; its task data starts with a
 *   #BearerProfileLock
 * @profile: the profile to lock
 * @locked: called once the lock is held
 *
 * Takes the lock of @profile for @task, then calls @locked. On failure
 * (the lock file cannot be made, the wait is cancelled or lasts more than
 * %BEARER_REFRESH_LOCK_TIMEOUT seconds) the task returns the error.
 */
void
bearer_profile_lock_take (GTask          *task,
                          BearerProfile  *profile,
                          void          (*locked) (GTask *task))
{
  BearerProfileLock *lock = bearer_profile_lock_of (task);
  g_autofree char *path = bearer_profile_lock_path (bearer_profile_get_id (profile));
  int saved = 0;

  lock->locked = locked;
  lock->profile_name = g_strdup (bearer_profile_get_name (profile));

  lock->fd = open_lock_file (path, &saved);
  if (lock->fd < 0 && (saved == EACCES || saved == EROFS || saved == EPERM))
    {
      /* A configuration folder this process may read but not write (a
       * read-only home, a managed profile): every process in that situation
       * shares the session's runtime folder instead. */
      g_autofree char *name = bearer_profile_file_name (bearer_profile_get_id (profile), ".lock");
      g_autofree char *fallback = g_build_filename (g_get_user_runtime_dir (), "bearer", "locks", name,
                                                    NULL);

      g_debug ("Cannot use %s (%s): locking %s instead", path, g_strerror (saved), fallback);
      g_free (path);
      path = g_steal_pointer (&fallback);
      lock->fd = open_lock_file (path, &saved);
    }

  if (lock->fd < 0)
    {
      bearer_profile_lock_fail (task, g_error_new (G_IO_ERROR, g_io_error_from_errno (saved),
                                                   /* Translators: the first %s is a file
                                                    * name, the second the system’s
                                                    * explanation of the failure. */
                                                   _("Cannot create the lock file “%s”: %s"),
                                                   path, g_strerror (saved)));
      return;
    }

  if (try_lock (task))
    return;

  lock->deadline = g_get_monotonic_time () + BEARER_REFRESH_LOCK_TIMEOUT * G_USEC_PER_SEC;
  lock->poll_source = g_timeout_source_new (LOCK_POLL_MS);
  g_source_set_name (lock->poll_source, "[bearer] profile lock");
  g_source_set_callback (lock->poll_source, poll_cb, task, NULL);
  g_source_attach (lock->poll_source, g_main_context_get_thread_default ());
}

/**
 * bearer_profile_lock_is_removed:
 *
 * Returns: whether the profile was removed (by any process) before this
 *   lock was taken. Call it with the lock held.
 */
gboolean
bearer_profile_lock_is_removed (BearerProfileLock *lock)
{
  char buffer[sizeof REMOVED_MARK] = { 0 };
  ssize_t n;

  g_return_val_if_fail (lock->fd >= 0, FALSE);

  do
    n = pread (lock->fd, buffer, sizeof buffer - 1, 0);
  while (n < 0 && errno == EINTR);

  return n == (ssize_t) strlen (REMOVED_MARK) && memcmp (buffer, REMOVED_MARK, n) == 0;
}

/**
 * bearer_profile_lock_mark_removed:
 *
 * Marks the profile as removed, for every transaction waiting for this
 * lock. Call it with the lock held, once the profile's secrets are gone.
 */
gboolean
bearer_profile_lock_mark_removed (BearerProfileLock  *lock,
                                  GError            **error)
{
  ssize_t n;

  g_return_val_if_fail (lock->fd >= 0, FALSE);

  do
    n = pwrite (lock->fd, REMOVED_MARK, strlen (REMOVED_MARK), 0);
  while (n < 0 && errno == EINTR);

  if (n != (ssize_t) strlen (REMOVED_MARK))
    {
      int saved = n < 0 ? errno : EIO;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   /* Translators: %s is the system’s explanation of the failure. */
                   _("Cannot mark the profile as removed: %s"), g_strerror (saved));
      return FALSE;
    }

  return TRUE;
}

GError *
bearer_profile_removed_error (const char *profile_name)
{
  return g_error_new (BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_NOT_FOUND,
                      /* Translators: %s is a profile’s name. */
                      _("“%s” has been removed: nothing was stored for it"), profile_name);
}
