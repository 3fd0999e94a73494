/* bearer-window.h: the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "bearer-application.h"
#include "bearer-connection-list.h"
#include "bearer-profile-page.h"

G_BEGIN_DECLS

#define BEARER_TYPE_WINDOW (bearer_window_get_type ())
G_DECLARE_FINAL_TYPE (BearerWindow, bearer_window, BEARER, WINDOW, AdwApplicationWindow)

BearerWindow      *bearer_window_new                (BearerApplication    *application,
                                                     BearerConnectionList *connections);
void               bearer_window_connections_loaded (BearerWindow         *self);
void               bearer_window_show_connection_id (BearerWindow         *self,
                                                     const char           *id);
void               bearer_window_new_connection     (BearerWindow         *self);
BearerProfilePage *bearer_window_get_visible_page   (BearerWindow         *self);

G_END_DECLS
