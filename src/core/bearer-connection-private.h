/* bearer-connection-private.h: what the connection list asks of a connection
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "bearer-connection.h"

G_BEGIN_DECLS

/* A token valid for the margin and this much more is not refreshed again: a
 * scheduler firing a little early still refreshes, and a token another
 * process refreshed meanwhile is used as it is. */
#define BEARER_CONNECTION_REFRESH_SLACK 10

gboolean bearer_connection_take_stored_profile (BearerConnection *self,
                                                BearerProfile    *stored);

G_END_DECLS
