/* bearer-redact.h: nothing secret reaches a log line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What a secret is replaced with. */
#define BEARER_REDACTED "[redacted]"

char    *bearer_redact            (const char         *text,
                                   const char * const *known_secrets);
char    *bearer_redact_url        (const char         *url);
gboolean bearer_is_secret_field   (const char         *name);
void     bearer_secret_free       (char               *secret);

G_END_DECLS
