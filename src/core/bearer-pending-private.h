/* bearer-pending-private.h: new tokens the keyring refused, kept until it takes them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "bearer-secrets.h"

G_BEGIN_DECLS

char          *bearer_pending_dir    (void);
gboolean       bearer_pending_save   (const char           *profile_id,
                                      const BearerSecrets  *secrets,
                                      GError              **error);
BearerSecrets *bearer_pending_load   (const char           *profile_id);
gboolean       bearer_pending_exists (const char           *profile_id);
void           bearer_pending_clear  (const char           *profile_id);
gboolean       bearer_pending_apply  (BearerSecrets        *into,
                                      const BearerSecrets  *pending);

G_END_DECLS
