/* bearer-error-private.h: building Bearer errors inside core
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "bearer-error.h"

G_BEGIN_DECLS

/* Server text that reaches a message is cut at this many characters. */
#define BEARER_SERVER_TEXT_MAX 300

void  bearer_error_set_http_status       (GError     *error,
                                          guint       status);
void  bearer_error_set_oauth             (GError     *error,
                                          const char *code,
                                          const char *description,
                                          const char *uri,
                                          const char *hint,
                                          const char *server_message);
void  bearer_error_set_redirect_location (GError     *error,
                                          const char *location);
void  bearer_error_set_dead_refresh_token (GError    *error,
                                          gboolean    dead);

void  bearer_error_redact                (GError             *error,
                                          const char * const *known_secrets);

char *bearer_sanitize_server_text        (const char *text,
                                          gssize      length,
                                          gsize       max_chars);

G_END_DECLS
