/* bearer-new-connection-dialog.h: add a connection from a preset
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "bearer-connection-list.h"

G_BEGIN_DECLS

#define BEARER_TYPE_NEW_CONNECTION_DIALOG (bearer_new_connection_dialog_get_type ())
G_DECLARE_FINAL_TYPE (BearerNewConnectionDialog, bearer_new_connection_dialog,
                      BEARER, NEW_CONNECTION_DIALOG, AdwWindow)

BearerNewConnectionDialog *bearer_new_connection_dialog_new (GtkWindow            *parent,
                                                             BearerConnectionList *connections);

G_END_DECLS
