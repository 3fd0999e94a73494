/* bearer-profile-lock-private.h: the per-profile lock every Bearer process shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "bearer-profile.h"

G_BEGIN_DECLS

/**
 * BearerProfileLock:
 *
 * A task's hold on one profile's lock file. The task data of every
 * transaction that takes the lock starts with one of these (see
 * bearer_profile_lock_of()).
 */
typedef struct {
  int fd;
  gint64 deadline;
  GSource *poll_source;
  char *profile_name;
  void (*locked) (GTask *task);
} BearerProfileLock;

#define BEARER_PROFILE_LOCK_INIT { -1, 0, NULL, NULL, NULL }

static inline BearerProfileLock *
bearer_profile_lock_of (GTask *task)
{
  return g_task_get_task_data (task);
}

char    *bearer_profile_file_name         (const char         *profile_id,
                                           const char         *suffix);
void     bearer_profile_lock_take         (GTask              *task,
                                           BearerProfile      *profile,
                                           void              (*locked) (GTask *task));
void     bearer_profile_lock_release      (BearerProfileLock  *lock);
void     bearer_profile_lock_clear        (BearerProfileLock  *lock);
void     bearer_profile_lock_fail         (GTask              *task,
                                           GError             *error);
gboolean bearer_profile_lock_is_removed   (BearerProfileLock  *lock);
gboolean bearer_profile_lock_mark_removed (BearerProfileLock  *lock,
                                           GError            **error);
GError  *bearer_profile_removed_error     (const char         *profile_name);

G_END_DECLS
