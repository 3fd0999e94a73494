/* bearer-profile-store.h: profiles.json, shared by the window and bearer-cli
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "bearer-profile.h"

G_BEGIN_DECLS

#define BEARER_PROFILE_STORE_ERROR (bearer_profile_store_error_quark ())

typedef enum {
  BEARER_PROFILE_STORE_ERROR_CORRUPT,       /* the file was unreadable and has been set aside */
  BEARER_PROFILE_STORE_ERROR_NEWER_VERSION, /* written by a newer Bearer: left untouched */
  BEARER_PROFILE_STORE_ERROR_INVALID,       /* one profile's settings are not valid */
  BEARER_PROFILE_STORE_ERROR_IO,
  BEARER_PROFILE_STORE_ERROR_NOT_FOUND,
  BEARER_PROFILE_STORE_ERROR_DUPLICATE_NAME,
  BEARER_PROFILE_STORE_ERROR_DUPLICATE_ID,  /* added twice: add once, then save */
} BearerProfileStoreError;

/* The format this version reads and writes. */
#define BEARER_PROFILES_FORMAT_VERSION 1

#define BEARER_TYPE_PROFILE_STORE (bearer_profile_store_get_type ())
G_DECLARE_FINAL_TYPE (BearerProfileStore, bearer_profile_store, BEARER, PROFILE_STORE, GObject)

GQuark              bearer_profile_store_error_quark     (void);
char               *bearer_profile_store_default_path    (void);

BearerProfileStore *bearer_profile_store_new             (const char          *path);
const char         *bearer_profile_store_get_path        (BearerProfileStore  *self);

gboolean            bearer_profile_store_load            (BearerProfileStore  *self,
                                                          GError             **error);
void                bearer_profile_store_load_async      (BearerProfileStore  *self,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
gboolean            bearer_profile_store_load_finish     (BearerProfileStore  *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);

guint               bearer_profile_store_get_n_unreadable (BearerProfileStore *self);

gboolean            bearer_profile_store_add_profile     (BearerProfileStore  *self,
                                                          BearerProfile       *profile,
                                                          GError             **error);
void                bearer_profile_store_add_profile_async (BearerProfileStore *self,
                                                          BearerProfile       *profile,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
gboolean            bearer_profile_store_add_profile_finish (BearerProfileStore *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);

gboolean            bearer_profile_store_save_profile    (BearerProfileStore  *self,
                                                          BearerProfile       *profile,
                                                          GError             **error);
void                bearer_profile_store_save_profile_async (BearerProfileStore *self,
                                                          BearerProfile       *profile,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
gboolean            bearer_profile_store_save_profile_finish (BearerProfileStore *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);

gboolean            bearer_profile_store_remove_profile  (BearerProfileStore  *self,
                                                          const char          *id,
                                                          GError             **error);
void                bearer_profile_store_remove_profile_async (BearerProfileStore *self,
                                                          const char          *id,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
gboolean            bearer_profile_store_remove_profile_finish (BearerProfileStore *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);

BearerProfile      *bearer_profile_store_find            (BearerProfileStore  *self,
                                                          const char          *id_or_name);

G_END_DECLS
