/* bearer-refresh-private.h: a sign-in's tokens, stored as a refresh stores them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "bearer-refresh.h"

G_BEGIN_DECLS

void bearer_refresh_sign_in_async (BearerProfile       *profile,
                                   BearerTokenRequest  *request,
                                   BearerTokenResponse *response,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);

G_END_DECLS
