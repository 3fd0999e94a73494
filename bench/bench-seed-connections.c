/* bench-seed-connections.c: N connections, as bench/window-scale.sh needs them
 *
 *   bench-seed-connections N
 *
 * Writes profiles.json under $XDG_CONFIG_HOME/bearer with N refresh-token
 * profiles ("bench-0001", …), and stores a keyring item for each, as a
 * connection that has been used holds it: a client secret, a refresh token
 * and an access token valid for a few hours. The file is written in one go
 * (adding the profiles one by one through the store would rewrite it N
 * times); the keyring items go through the core's own store call. Meant
 * for a throw-away session (tools/test-session): nothing is removed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include <glib/gstdio.h>

#include "bearer-profile-store.h"
#include "bearer-secrets.h"

typedef struct {
  guint pending;
  guint failed;
} Seeding;

static void
stored_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Seeding *seeding = user_data;
  g_autoptr(GError) error = NULL;

  if (!bearer_secrets_store_finish (result, &error))
    {
      g_printerr ("bench-seed-connections: %s\n", error->message);
      seeding->failed++;
    }
  seeding->pending--;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = bearer_profile_store_default_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *text = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr(GPtrArray) profiles = g_ptr_array_new_with_free_func (g_object_unref);
  Seeding seeding = { 0, 0 };
  guint n;

  if (argc != 2 || (n = (guint) strtoul (argv[1], NULL, 10)) > 100000)
    {
      g_printerr ("Usage: bench-seed-connections N\n");
      return 2;
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, BEARER_PROFILES_FORMAT_VERSION);
  json_builder_set_member_name (builder, "profiles");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("bench-%04u", i + 1);
      g_autofree char *url = g_strdup_printf ("https://bench-%04u.processmaker.net/oauth/token", i + 1);
      g_autofree char *access_token = g_strdup_printf ("bench-access-token-%04u", i + 1);
      BearerProfile *profile = bearer_profile_new (name);
      g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();
      g_autoptr(JsonObject) object = NULL;

      /* Kept until its item is stored: the call holds on to the id. */
      g_ptr_array_add (profiles, profile);
      bearer_profile_set_preset (profile, "processmaker");
      bearer_profile_set_token_url (profile, url);
      bearer_profile_set_client_id (profile, "3");
      bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_POST);
      object = bearer_profile_to_json (profile);
      json_builder_add_value (builder, json_node_init_object (json_node_alloc (), object));

      bearer_secrets_set_client_secret (secrets, "bench-client-secret");
      bearer_secrets_set_refresh_token (secrets, "def50200bench-refresh-token");
      bearer_secrets_set_access_token (secrets, access_token, "Bearer", now + 3 * 3600 + i, NULL);
      /* A D-Bus connection allows only so many calls in flight. */
      while (seeding.pending >= 64)
        g_main_context_iteration (NULL, TRUE);
      seeding.pending++;
      bearer_secrets_store_async (bearer_profile_get_id (profile), bearer_profile_get_name (profile), secrets,
                                  NULL, stored_cb, &seeding);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0 ||
      !g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    {
      g_printerr ("bench-seed-connections: %s\n", error != NULL ? error->message : g_strerror (errno));
      return 1;
    }

  while (seeding.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  return seeding.failed > 0 ? 1 : 0;
}
