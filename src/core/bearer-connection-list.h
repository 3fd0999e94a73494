/* bearer-connection-list.h: every connection, following profiles.json
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "bearer-connection.h"
#include "bearer-profile-store.h"

G_BEGIN_DECLS

#define BEARER_TYPE_CONNECTION_LIST (bearer_connection_list_get_type ())
G_DECLARE_FINAL_TYPE (BearerConnectionList, bearer_connection_list, BEARER, CONNECTION_LIST, GObject)

BearerConnectionList *bearer_connection_list_new           (BearerProfileStore    *store);
BearerProfileStore   *bearer_connection_list_get_store     (BearerConnectionList  *self);
void                  bearer_connection_list_load_async    (BearerConnectionList  *self,
                                                            GCancellable          *cancellable,
                                                            GAsyncReadyCallback    callback,
                                                            gpointer               user_data);
gboolean              bearer_connection_list_load_finish   (BearerConnectionList  *self,
                                                            GAsyncResult          *result,
                                                            GError               **error);
void                  bearer_connection_list_set_read_secrets (BearerConnectionList *self,
                                                            gboolean               read_secrets);
gboolean              bearer_connection_list_get_loaded    (BearerConnectionList  *self);
void                  bearer_connection_list_watch         (BearerConnectionList  *self);
void                  bearer_connection_list_reload        (BearerConnectionList  *self);

BearerConnection     *bearer_connection_list_find          (BearerConnectionList  *self,
                                                            const char            *id_or_name);
guint                 bearer_connection_list_get_index     (BearerConnectionList  *self,
                                                            BearerConnection      *connection);

void                  bearer_connection_list_add_async     (BearerConnectionList  *self,
                                                            BearerProfile         *profile,
                                                            GCancellable          *cancellable,
                                                            GAsyncReadyCallback    callback,
                                                            gpointer               user_data);
BearerConnection     *bearer_connection_list_add_finish    (BearerConnectionList  *self,
                                                            GAsyncResult          *result,
                                                            GError               **error);
void                  bearer_connection_list_remove_async  (BearerConnectionList  *self,
                                                            BearerConnection      *connection,
                                                            GCancellable          *cancellable,
                                                            GAsyncReadyCallback    callback,
                                                            gpointer               user_data);
gboolean              bearer_connection_list_remove_finish (BearerConnectionList  *self,
                                                            GAsyncResult          *result,
                                                            GError               **error);

void                  bearer_connection_list_set_now_func  (BearerConnectionList  *self,
                                                            BearerNowFunc          now_func,
                                                            gpointer               now_data);

G_END_DECLS
