/* bearer-client-private.h: plain exchanges on the token requests' session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "bearer-client.h"

G_BEGIN_DECLS

/* A reply as it came, for exchanges that are not token requests
 * (discovery, device authorization). */
typedef struct {
  guint status;
  char *content_type;           /* nullable */
  char *location;               /* of a redirect; nullable */
  GBytes *body;
} BearerHttpReply;

void             bearer_client_send_async  (BearerClient        *self,
                                            SoupMessage         *message,
                                            guint                timeout,
                                            const char          *ca_file,
                                            const char * const  *secrets,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
BearerHttpReply *bearer_client_send_finish (BearerClient        *self,
                                            GAsyncResult        *result,
                                            GError             **error);
void             bearer_http_reply_free    (BearerHttpReply     *reply);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BearerHttpReply, bearer_http_reply_free)

G_END_DECLS
