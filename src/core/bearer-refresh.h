/* bearer-refresh.h: the refresh transaction
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "bearer-profile.h"
#include "bearer-profile-secrets.h"
#include "bearer-secrets.h"
#include "bearer-token-response.h"

G_BEGIN_DECLS

typedef enum {
  BEARER_REFRESH_NONE  = 0,
  BEARER_REFRESH_FORCE = 1 << 0, /* ask the server even if the stored token is still valid */
} BearerRefreshFlags;

/* How long to wait for another process's refresh of the same profile. */
#define BEARER_REFRESH_LOCK_TIMEOUT 120

#define BEARER_TYPE_REFRESH_RESULT (bearer_refresh_result_get_type ())
G_DECLARE_FINAL_TYPE (BearerRefreshResult, bearer_refresh_result, BEARER, REFRESH_RESULT, GObject)

void                 bearer_refresh_async                   (BearerProfile       *profile,
                                                             BearerRefreshFlags   flags,
                                                             guint                min_valid,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
BearerRefreshResult *bearer_refresh_finish                  (GAsyncResult        *result,
                                                             GError             **error);

BearerSecrets       *bearer_refresh_result_get_secrets      (BearerRefreshResult *self);
BearerTokenResponse *bearer_refresh_result_get_response     (BearerRefreshResult *self);
gboolean             bearer_refresh_result_get_from_server  (BearerRefreshResult *self);
gboolean             bearer_refresh_result_get_from_other_process (BearerRefreshResult *self);
gboolean             bearer_refresh_result_get_cancelled    (BearerRefreshResult *self);
const GError        *bearer_refresh_result_get_store_error  (BearerRefreshResult *self);
gboolean             bearer_refresh_result_get_kept_aside   (BearerRefreshResult *self);
const GError        *bearer_refresh_result_get_keep_aside_error (BearerRefreshResult *self);

char                *bearer_profile_lock_path               (const char          *profile_id);

G_END_DECLS
