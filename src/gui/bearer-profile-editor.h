/* bearer-profile-editor.h: what the user types, saved shortly after typing stops
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "bearer-profile-store.h"
#include "bearer-secrets.h"

G_BEGIN_DECLS

typedef enum {
  BEARER_SECRET_CLIENT_SECRET,
  BEARER_SECRET_REFRESH_TOKEN,
  BEARER_SECRET_PASSWORD,
  BEARER_N_SECRETS,
} BearerSecretKind;

/* How long typing must pause before the edits are saved. */
#define BEARER_PROFILE_EDITOR_DELAY_MS 500

#define BEARER_TYPE_PROFILE_EDITOR (bearer_profile_editor_get_type ())
G_DECLARE_FINAL_TYPE (BearerProfileEditor, bearer_profile_editor, BEARER, PROFILE_EDITOR, GObject)

BearerProfileEditor *bearer_profile_editor_new             (BearerProfileStore  *store,
                                                            BearerProfile       *profile);
BearerProfile       *bearer_profile_editor_get_draft       (BearerProfileEditor *self);
void                 bearer_profile_editor_set_delay       (BearerProfileEditor *self,
                                                            guint                milliseconds);

void                 bearer_profile_editor_set_secret      (BearerProfileEditor *self,
                                                            BearerSecretKind     kind,
                                                            const char          *value);
const char          *bearer_profile_editor_get_secret      (BearerProfileEditor *self,
                                                            BearerSecretKind     kind);
gboolean             bearer_profile_editor_has_secret      (BearerProfileEditor *self,
                                                            BearerSecretKind     kind);
gboolean             bearer_profile_editor_is_saved        (BearerProfileEditor *self);

void                 bearer_profile_editor_flush           (BearerProfileEditor *self);
void                 bearer_profile_editor_flush_async     (BearerProfileEditor *self,
                                                            GAsyncReadyCallback  callback,
                                                            gpointer             user_data);
gboolean             bearer_profile_editor_flush_finish    (BearerProfileEditor *self,
                                                            GAsyncResult        *result,
                                                            GError             **error);
void                 bearer_profile_editor_close_async     (BearerProfileEditor *self,
                                                            GAsyncReadyCallback  callback,
                                                            gpointer             user_data);
gboolean             bearer_profile_editor_close_finish    (BearerProfileEditor *self,
                                                            GAsyncResult        *result,
                                                            GError             **error);

G_END_DECLS
