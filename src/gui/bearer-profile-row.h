/* bearer-profile-row.h: a connection in the sidebar
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "bearer-clock.h"
#include "bearer-connection.h"

G_BEGIN_DECLS

#define BEARER_TYPE_PROFILE_ROW (bearer_profile_row_get_type ())
G_DECLARE_FINAL_TYPE (BearerProfileRow, bearer_profile_row, BEARER, PROFILE_ROW, GtkWidget)

GtkWidget        *bearer_profile_row_new            (BearerClock      *clock);
void              bearer_profile_row_set_connection (BearerProfileRow *self,
                                                     BearerConnection *connection);
BearerConnection *bearer_profile_row_get_connection (BearerProfileRow *self);
const char       *bearer_profile_row_get_subtitle   (BearerProfileRow *self);

const char       *bearer_grant_type_get_label       (BearerGrantType   grant);

G_END_DECLS
