/* bearer-client.h: sending token requests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "bearer-token-request.h"
#include "bearer-token-response.h"

G_BEGIN_DECLS

#define BEARER_TYPE_CLIENT (bearer_client_get_type ())
G_DECLARE_FINAL_TYPE (BearerClient, bearer_client, BEARER, CLIENT, GObject)

/* The largest reply body read; a larger one is an error, never truncated. */
#define BEARER_CLIENT_MAX_BODY_SIZE (1024 * 1024)

/* How much longer than its time-out the answer to a request that reached
 * the server is waited for, in seconds. */
#define BEARER_CLIENT_DEFAULT_REPLY_GRACE 60

BearerClient        *bearer_client_new                  (void);
BearerClient        *bearer_client_get_default          (void);
void                 bearer_client_set_reply_grace      (BearerClient        *self,
                                                         guint                seconds);
guint                bearer_client_get_reply_grace      (BearerClient        *self);
void                 bearer_client_request_token_async  (BearerClient        *self,
                                                         BearerTokenRequest  *request,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
BearerTokenResponse *bearer_client_request_token_finish (BearerClient        *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

G_END_DECLS
