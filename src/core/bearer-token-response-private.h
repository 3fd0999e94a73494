/* bearer-token-response-private.h: reading a reply that is not a token
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "bearer-token-response.h"

G_BEGIN_DECLS

JsonObject *bearer_reply_parse_object (guint             status,
                                       const char       *content_type,
                                       GBytes           *body,
                                       BearerGrantType   grant_type,
                                       GError          **error);

G_END_DECLS
