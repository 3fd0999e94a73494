/* bearer-profile-store-private.h: for tests and fuzzing only
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

JsonNode *bearer_profile_store_mend_json (JsonNode *root);

G_END_DECLS
