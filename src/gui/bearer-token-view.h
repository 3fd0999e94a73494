/* bearer-token-view.h: the access token, its expiry and what it says
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "bearer-connection.h"
#include "bearer-lifecycle.h"
#include "bearer-secrets.h"
#include "bearer-token-response.h"

G_BEGIN_DECLS

#define BEARER_TYPE_TOKEN_VIEW (bearer_token_view_get_type ())
G_DECLARE_FINAL_TYPE (BearerTokenView, bearer_token_view, BEARER, TOKEN_VIEW, AdwPreferencesGroup)

GtkWidget  *bearer_token_view_new             (void);
void        bearer_token_view_set_token       (BearerTokenView     *self,
                                               const BearerSecrets *secrets,
                                               BearerTokenResponse *response,
                                               gboolean             stored);
void        bearer_token_view_set_connection  (BearerTokenView     *self,
                                               BearerConnection    *connection);
void        bearer_token_view_clear           (BearerTokenView     *self);
gboolean    bearer_token_view_has_token       (BearerTokenView     *self);
char       *bearer_token_view_dup_header      (BearerTokenView     *self);
const char *bearer_token_view_get_expiry_text (BearerTokenView     *self);
void        bearer_token_view_update_expiry   (BearerTokenView     *self);
void        bearer_token_view_focus_copy      (BearerTokenView     *self);
void        bearer_token_view_show_introspection (BearerTokenView  *self,
                                               BearerIntrospection *answer);
const char *bearer_token_view_get_introspection_text (BearerTokenView *self);

char       *bearer_format_expiry              (gint64               expires_at,
                                               gint64               now);
char       *bearer_format_time                (gint64               unix_time);

G_END_DECLS
