/* bearer-application.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "bearer-connection-list.h"

G_BEGIN_DECLS

#define BEARER_TYPE_APPLICATION (bearer_application_get_type ())
G_DECLARE_FINAL_TYPE (BearerApplication, bearer_application, BEARER, APPLICATION, AdwApplication)

BearerApplication    *bearer_application_new             (void);
BearerConnectionList *bearer_application_get_connections (BearerApplication *self);
void                  bearer_application_ask_to_use_async  (BearerApplication   *self,
                                                             const char          *connection_name,
                                                             const char          *program,
                                                             const char          *parent,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
char                 *bearer_application_ask_to_use_finish (BearerApplication   *self,
                                                             GAsyncResult        *result);

G_END_DECLS
