/* bearer-secrets-private.h: the keyring bundle, for core's own files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "bearer-secrets.h"

G_BEGIN_DECLS

char          *bearer_secrets_to_text             (const BearerSecrets  *self,
                                                   GError              **error);
BearerSecrets *bearer_secrets_from_text           (const char           *text,
                                                   GError              **error);
void           bearer_secrets_lookup_repair_async (const char           *profile_id,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);

G_END_DECLS
