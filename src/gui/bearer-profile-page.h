/* bearer-profile-page.h: one connection: "Configure New Token" and its token
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "bearer-connection.h"

G_BEGIN_DECLS

#define BEARER_TYPE_PROFILE_PAGE (bearer_profile_page_get_type ())
G_DECLARE_FINAL_TYPE (BearerProfilePage, bearer_profile_page, BEARER, PROFILE_PAGE, GtkWidget)

GtkWidget        *bearer_profile_page_new               (BearerConnection  *connection);
BearerConnection *bearer_profile_page_get_connection    (BearerProfilePage *self);
void              bearer_profile_page_get_token         (BearerProfilePage *self);
void              bearer_profile_page_cancel            (BearerProfilePage *self);
gboolean          bearer_profile_page_get_running       (BearerProfilePage *self);
void              bearer_profile_page_copy_header       (BearerProfilePage *self);
void              bearer_profile_page_focus_first_empty (BearerProfilePage *self);
void              bearer_profile_page_load_private_key  (BearerProfilePage *self,
                                                         GFile             *file);

G_END_DECLS
