/* bearer-curl.h: a token request written as a curl command
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "bearer-profile.h"

G_BEGIN_DECLS

/* What stands for a secret the command does not include. */
#define BEARER_CURL_CLIENT_SECRET "<client-secret>"
#define BEARER_CURL_REFRESH_TOKEN "<refresh-token>"
#define BEARER_CURL_PASSWORD      "<password>"

char *bearer_curl_command (BearerProfile *profile,
                           const char    *client_secret,
                           const char    *refresh_token,
                           const char    *password,
                           gboolean       include_secrets);

G_END_DECLS
