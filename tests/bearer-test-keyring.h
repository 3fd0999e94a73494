/* bearer-test-keyring.h: a throw-away, lockable gnome-keyring collection
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * gnome-keyring cannot show an unlock prompt in the test session (no
 * prompter), so a locked collection stays locked: the prompt counts as
 * dismissed. A collection of the test's own, made and later unlocked through
 * gnome-keyring's no-prompt interface, is made the default one, so a test
 * can lock it (the login keyring's password is not the test's to know).
 * Freeing it puts the default alias back and deletes the collection with
 * every item in it.
 */
#pragma once

#include <gio/gio.h>

#include "bearer-profile.h"
#include "bearer-secrets.h"

G_BEGIN_DECLS

typedef struct _BearerTestCollection BearerTestCollection;

BearerTestCollection *bearer_test_collection_new_default    (GError              **error);
BearerTestCollection *bearer_test_collection_locked_default (GError              **error);
gboolean              bearer_test_collection_lock           (BearerTestCollection *self,
                                                             GError              **error);
void                  bearer_test_collection_free           (BearerTestCollection *self);

GHashTable           *bearer_test_keyring_attributes        (const char           *id);
gboolean              bearer_test_require_keyring           (void);
void                  bearer_test_delete_keyring_items      (GPtrArray            *ids);
BearerSecrets        *bearer_test_keyring_lookup            (const char           *id);
void                  bearer_test_keyring_store             (BearerProfile        *profile,
                                                             BearerSecrets        *secrets);

G_END_DECLS
