/* bearer-profile-page.h: one connection: "Configure New Token" and its token
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "bearer-profile-editor.h"
#include "bearer-profile-store.h"

G_BEGIN_DECLS

#define BEARER_TYPE_PROFILE_PAGE (bearer_profile_page_get_type ())
G_DECLARE_FINAL_TYPE (BearerProfilePage, bearer_profile_page, BEARER, PROFILE_PAGE, GtkWidget)

GtkWidget           *bearer_profile_page_new           (BearerProfileStore *store,
                                                        BearerProfile      *profile);
BearerProfile       *bearer_profile_page_get_profile   (BearerProfilePage  *self);
BearerProfileEditor *bearer_profile_page_get_editor    (BearerProfilePage  *self);
void                 bearer_profile_page_get_token     (BearerProfilePage  *self);
void                 bearer_profile_page_cancel        (BearerProfilePage  *self);
gboolean             bearer_profile_page_get_running   (BearerProfilePage  *self);
void                 bearer_profile_page_copy_header   (BearerProfilePage  *self);
void                 bearer_profile_page_set_name      (BearerProfilePage  *self,
                                                        const char         *name);
void                 bearer_profile_page_focus_first_empty (BearerProfilePage *self);

G_END_DECLS
