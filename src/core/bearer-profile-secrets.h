/* bearer-profile-secrets.h: changing and removing a profile's secrets, under its lock
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "bearer-profile.h"
#include "bearer-profile-store.h"
#include "bearer-secrets.h"

G_BEGIN_DECLS

typedef void (*BearerSecretsUpdateFunc) (BearerSecrets *secrets,
                                         gpointer       user_data);

void           bearer_profile_update_secrets_async  (BearerProfile           *profile,
                                                     BearerSecretsUpdateFunc  func,
                                                     gpointer                 func_data,
                                                     GDestroyNotify           func_data_destroy,
                                                     GCancellable            *cancellable,
                                                     GAsyncReadyCallback      callback,
                                                     gpointer                 user_data);
BearerSecrets *bearer_profile_update_secrets_finish (GAsyncResult            *result,
                                                     GError                 **error);

void           bearer_profile_remove_async          (BearerProfileStore      *store,
                                                     BearerProfile           *profile,
                                                     GCancellable            *cancellable,
                                                     GAsyncReadyCallback      callback,
                                                     gpointer                 user_data);
gboolean       bearer_profile_remove_finish         (GAsyncResult            *result,
                                                     GError                 **error);

gboolean       bearer_profile_has_pending_tokens    (BearerProfile           *profile);

G_END_DECLS
