/* fuzz-profiles.c: libFuzzer target "profiles", the profiles.json loader
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The bytes are written as profiles.json in a folder made once (on tmpfs
 * when there is one, so the fsync of every save is cheap) and emptied for
 * every input. Then, as docs/storage.md promises:
 *
 * - a file that loads survives load → save every profile → remove one →
 *   add one → load: every entry, shown or not, is still there in order
 *   (the removed one excepted, the added one at the end), an entry that is
 *   not a profile is untouched (as the load mended it: numbers out of
 *   range clamped, lone surrogates U+FFFD), the file is valid UTF-8 JSON
 *   that loads again without being set aside and shows at least what it
 *   showed, and a second round changes nothing but entries that become
 *   profiles only then;
 * - a damaged file is set aside: the .corrupt-* file holds exactly the
 *   bytes, nothing else is written, and a later save never touches it;
 * - a file of a newer format is never written to.
 *
 * Any GLib warning or critical, from any domain, aborts (as does any
 * failed check). Build and run (see tools/fuzz, or by hand):
 *   CC=clang meson setup build-fuzz -Db_sanitize=address,undefined \
 *     -Dc_args=-fsanitize=fuzzer-no-link
 *   ninja -C build-fuzz src/core/libbearer-core.a
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ibuild-fuzz \
 *     -Ibuild-fuzz/src/core -Isrc/core tests/fuzz/fuzz-profiles.c \
 *     build-fuzz/src/core/libbearer-core.a $(pkg-config --cflags --libs \
 *     gio-2.0 json-glib-1.0 libsoup-3.0 libsecret-1) -lm -o fuzz-profiles
 *   ./fuzz-profiles -max_len=4096 tests/fuzz/corpus/profiles
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "bearer-json-private.h"
#include "bearer-profile-store.h"
#include "bearer-profile-store-private.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static char *dir;
static char *path;

#define CHECK(cond) \
  G_STMT_START { \
    if (!(cond)) \
      { \
        g_printerr ("fuzz-profiles: check failed at line %d: %s\n", __LINE__, #cond); \
        abort (); \
      } \
  } G_STMT_END

static void
remove_dir_cb (void)
{
  g_autoptr(GDir) handle = NULL;
  const char *name;

  if (dir == NULL || (handle = g_dir_open (dir, 0, NULL)) == NULL)
    return;
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *file = g_build_filename (dir, name, NULL);
      g_unlink (file);
    }
  g_rmdir (dir);
}

static void
init_once (void)
{
  char *made = NULL;

  if (dir != NULL)
    return;

  /* Every warning or critical is a finding, whatever its domain. */
  g_log_set_always_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  if (g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR))
    {
      made = g_strdup ("/dev/shm/bearer-fuzz-profiles-XXXXXX");
      if (g_mkdtemp_full (made, 0700) == NULL)
        g_clear_pointer (&made, g_free);
    }
  if (made == NULL)
    made = g_dir_make_tmp ("bearer-fuzz-profiles-XXXXXX", NULL);
  CHECK (made != NULL);

  dir = made;
  path = g_build_filename (dir, "profiles.json", NULL);
  atexit (remove_dir_cb);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  init_once ();
  return 0;
}

/* ------------------------------------------------------------------------- */

static void
empty_dir (void)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  CHECK (handle != NULL);
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *file = g_build_filename (dir, name, NULL);

      CHECK (g_unlink (file) == 0);
    }
}

/* The files in the folder whose name starts with @prefix. */
static GPtrArray *
files_with_prefix (const char *prefix)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  GPtrArray *found = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  CHECK (handle != NULL);
  while ((name = g_dir_read_name (handle)) != NULL)
    if (g_str_has_prefix (name, prefix))
      g_ptr_array_add (found, g_build_filename (dir, name, NULL));
  return found;
}

static gboolean
file_equals (const char *file,
             const void *data,
             gsize       size)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (file, &contents, &length, NULL))
    return FALSE;
  return length == size && (size == 0 || memcmp (contents, data, size) == 0);
}

/* The file as it is now: it must be what Bearer itself accepts (UTF-8, no
 * NUL, not too deep, JSON) with a "profiles" list. */
static JsonNode *
read_written (void)
{
  g_autofree char *contents = NULL;
  JsonNode *root = NULL;
  gsize length = 0;

  CHECK (g_file_get_contents (path, &contents, &length, NULL));
  CHECK (bearer_json_parse (contents, length, &root, NULL) == BEARER_JSON_OK);
  CHECK (JSON_NODE_HOLDS_OBJECT (root));
  CHECK (json_object_has_member (json_node_get_object (root), "profiles"));
  CHECK (JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (root), "profiles")));
  return root;
}

/* The file as a load reads it (the load succeeded, so it parses): what
 * json-glib cannot write back mended, as docs/storage.md says. */
static JsonNode *
read_original (const uint8_t *data,
               size_t         size)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  CHECK (json_parser_load_from_data (parser, (const char *) data, size, NULL));
  return bearer_profile_store_mend_json (json_parser_get_root (parser));
}

static JsonArray *
entries_of (JsonNode *root)
{
  return json_object_get_array_member (json_node_get_object (root), "profiles");
}

/* An entry's id when it is text, else NULL (compared as such). */
static const char *
entry_id (JsonArray *entries,
          guint      index)
{
  JsonNode *node = json_array_get_element (entries, index);
  JsonNode *id;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  id = json_object_get_member (json_node_get_object (node), "id");
  if (id == NULL || !JSON_NODE_HOLDS_VALUE (id) || json_node_get_value_type (id) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (id);
}

static gboolean
entry_has_name (JsonArray  *entries,
                const char *name)
{
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonNode *node = json_array_get_element (entries, i);
      JsonNode *member;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      member = json_object_get_member (json_node_get_object (node), "name");
      if (member != NULL && JSON_NODE_HOLDS_VALUE (member) &&
          json_node_get_value_type (member) == G_TYPE_STRING &&
          g_strcmp0 (json_node_get_string (member), name) == 0)
        return TRUE;
    }
  return FALSE;
}

static GPtrArray *
shown_ids (BearerProfileStore *store)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (store)); i++)
    {
      g_autoptr(BearerProfile) profile = g_list_model_get_item (G_LIST_MODEL (store), i);
      const char *strings[] = {
        bearer_profile_get_id (profile), bearer_profile_get_name (profile),
        bearer_profile_get_preset (profile), bearer_profile_get_token_url (profile),
        bearer_profile_get_authorization_url (profile), bearer_profile_get_client_id (profile),
        bearer_profile_get_username (profile), bearer_profile_get_scope (profile),
        bearer_profile_get_audience (profile), bearer_profile_get_resource (profile),
        bearer_profile_get_ca_file (profile),
      };

      /* What the window and bearer-cli get is text, and the name a name. */
      for (guint j = 0; j < G_N_ELEMENTS (strings); j++)
        CHECK (strings[j] == NULL || g_utf8_validate (strings[j], -1, NULL));
      CHECK (bearer_profile_check_name (bearer_profile_get_name (profile), NULL));
      for (guint j = 0; j < bearer_profile_get_n_parameters (profile); j++)
        {
          const char *name, *value;

          CHECK (bearer_profile_get_parameter (profile, j, NULL, &name, &value));
          CHECK (g_utf8_validate (name, -1, NULL) && g_utf8_validate (value, -1, NULL));
        }
      CHECK (!g_ptr_array_find_with_equal_func (ids, bearer_profile_get_id (profile), g_str_equal, NULL));
      g_ptr_array_add (ids, g_strdup (bearer_profile_get_id (profile)));
    }
  return ids;
}

/* Which entries are the profiles: the first entry with an id that this
 * version reads (docs/storage.md); every other one is kept as it is. */
static gboolean *
profile_entries (JsonArray *entries)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean *is_profile = g_new0 (gboolean, json_array_get_length (entries) + 1);

  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonNode *node = json_array_get_element (entries, i);
      g_autoptr(BearerProfile) parsed = NULL;

      if (JSON_NODE_HOLDS_OBJECT (node))
        parsed = bearer_profile_new_from_json (json_node_get_object (node), NULL);
      if (parsed != NULL && !g_hash_table_contains (seen, bearer_profile_get_id (parsed)))
        {
          g_hash_table_add (seen, g_strdup (bearer_profile_get_id (parsed)));
          is_profile[i] = TRUE;
        }
    }
  return is_profile;
}

static gboolean
has_id (GPtrArray  *ids,
        const char *id)
{
  return id != NULL && g_ptr_array_find_with_equal_func (ids, id, g_str_equal, NULL);
}

/* bearer_profile_store_find() takes a name or an id, and one profile's
 * name may be another's id. */
static BearerProfile *
find_by_id (BearerProfileStore *store,
            const char         *id)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (store)); i++)
    {
      g_autoptr(BearerProfile) profile = g_list_model_get_item (G_LIST_MODEL (store), i);

      if (g_strcmp0 (bearer_profile_get_id (profile), id) == 0)
        return g_steal_pointer (&profile);
    }
  return NULL;
}

/* Saves every profile the store shows, unchanged. A save may be refused
 * only because another entry has the same name (a file edited by hand):
 * the ids of those are returned. */
static GPtrArray *
save_all (BearerProfileStore *store,
          GPtrArray          *ids)
{
  GPtrArray *refused = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(BearerProfile) profile = find_by_id (store, g_ptr_array_index (ids, i));
      g_autoptr(GError) error = NULL;

      CHECK (profile != NULL);
      if (!bearer_profile_store_save_profile (store, profile, &error))
        {
          CHECK (g_error_matches (error, BEARER_PROFILE_STORE_ERROR,
                                  BEARER_PROFILE_STORE_ERROR_DUPLICATE_NAME));
          g_ptr_array_add (refused, g_strdup (g_ptr_array_index (ids, i)));
        }
    }
  return refused;
}

static void
check_damaged (BearerProfileStore *store,
               const GError       *error,
               const uint8_t      *data,
               size_t              size)
{
  g_autoptr(GPtrArray) aside = files_with_prefix ("profiles.json.corrupt-");
  g_autoptr(BearerProfile) added = bearer_profile_new ("after damage");
  g_autoptr(GError) add_error = NULL;

  /* Set aside, byte for byte, and nothing else written. */
  CHECK (!g_file_test (path, G_FILE_TEST_EXISTS));
  CHECK (aside->len == 1);
  CHECK (file_equals (g_ptr_array_index (aside, 0), data, size));
  CHECK (strstr (error->message, g_ptr_array_index (aside, 0)) != NULL);
  CHECK (g_list_model_get_n_items (G_LIST_MODEL (store)) == 0);

  /* Bearer goes on from no profiles; the damaged file is never touched. */
  CHECK (bearer_profile_store_add_profile (store, added, &add_error));
  CHECK (file_equals (g_ptr_array_index (aside, 0), data, size));
  {
    g_autoptr(JsonNode) root = read_written ();

    CHECK (json_array_get_length (entries_of (root)) == 1);
  }
}

static void
check_newer (BearerProfileStore *store,
             const uint8_t      *data,
             size_t              size)
{
  g_autoptr(BearerProfile) added = bearer_profile_new ("newer");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = files_with_prefix ("");

  CHECK (!bearer_profile_store_add_profile (store, added, &error));
  CHECK (g_error_matches (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_NEWER_VERSION));
  CHECK (file_equals (path, data, size));
  g_clear_pointer (&all, g_ptr_array_unref);
  all = files_with_prefix ("profiles.json.corrupt-");
  CHECK (all->len == 0);
}

static void
check_round_trip (BearerProfileStore *first,
                  const uint8_t      *data,
                  size_t              size)
{
  g_autoptr(JsonNode) original = read_original (data, size);
  g_autoptr(JsonNode) once = NULL;
  g_autoptr(JsonNode) twice = NULL;
  g_autoptr(BearerProfileStore) second = bearer_profile_store_new (path);
  g_autoptr(GPtrArray) ids_first = shown_ids (first);
  g_autoptr(GPtrArray) ids_second = NULL;
  g_autoptr(GPtrArray) refused = NULL;
  g_autoptr(GPtrArray) aside = NULL;
  g_autoptr(BearerProfile) added = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *removed = NULL;
  g_autofree char *added_name = NULL;
  g_autofree gboolean *is_profile = NULL;
  g_autofree gboolean *is_profile_now = NULL;
  g_autofree gboolean *was_profile = NULL;
  JsonArray *before = entries_of (original);
  JsonArray *after;
  guint n_before = json_array_get_length (before);
  guint n_profiles = 0;
  guint j = 0;

  /* The store shows exactly the entries that are profiles. */
  CHECK (bearer_profile_store_get_n_unreadable (first) + ids_first->len == n_before);
  is_profile = profile_entries (before);
  for (guint i = 0; i < n_before; i++)
    if (is_profile[i])
      {
        CHECK (has_id (ids_first, entry_id (before, i)));
        n_profiles++;
      }
  CHECK (n_profiles == ids_first->len);

  /* Every profile saved unchanged, one removed, one added. */
  refused = save_all (first, ids_first);
  if (ids_first->len > 0)
    {
      removed = g_strdup (g_ptr_array_index (ids_first, 0));
      /* The entry goes; a later one with the same id may then become the
       * profile with that id (checked on the file below). */
      CHECK (bearer_profile_store_remove_profile (first, removed, &error));
    }
  for (guint n = 0; added_name == NULL || entry_has_name (before, added_name); n++)
    {
      g_free (added_name);
      added_name = g_strdup_printf ("fuzz added %u", n);
    }
  added = bearer_profile_new (added_name);
  bearer_profile_set_token_url (added, "https://fuzz.example/token");
  CHECK (bearer_profile_store_add_profile (first, added, &error));

  once = read_written ();
  after = entries_of (once);
  was_profile = g_new0 (gboolean, json_array_get_length (after) + 1);
  CHECK (json_array_get_length (after) == n_before + 1 - (removed != NULL ? 1 : 0));
  CHECK (g_strcmp0 (entry_id (after, json_array_get_length (after) - 1), bearer_profile_get_id (added)) == 0);

  /* The others, in order; untouched when they are not profiles. */
  for (guint i = 0; i < n_before; i++)
    {
      const char *id = entry_id (before, i);
      JsonNode *entry = json_array_get_element (before, i);

      if (is_profile[i] && g_strcmp0 (id, removed) == 0)
        continue;
      CHECK (g_strcmp0 (entry_id (after, j), id) == 0);
      if (!is_profile[i])
        CHECK (json_node_equal (entry, json_array_get_element (after, j)));
      /* Written by this version: what a save of it writes again. */
      was_profile[j] = is_profile[i] && !has_id (refused, id);
      j++;
    }
  CHECK (j == json_array_get_length (after) - 1);
  was_profile[j] = TRUE;   /* the one added */

  /* It loads again, as it was left, and shows at least as much. */
  CHECK (bearer_profile_store_load (second, &error));
  ids_second = shown_ids (second);
  for (guint i = 0; i < ids_first->len; i++)
    if (g_strcmp0 (g_ptr_array_index (ids_first, i), removed) != 0)
      CHECK (has_id (ids_second, g_ptr_array_index (ids_first, i)));
  CHECK (has_id (ids_second, bearer_profile_get_id (added)));
  CHECK (bearer_profile_store_get_n_unreadable (second) + ids_second->len == json_array_get_length (after));

  /* A second round changes nothing but the entries that are written as
   * profiles only now: next in line after the removed one with the same
   * id, or no longer sharing their name with another. */
  g_ptr_array_unref (save_all (second, ids_second));
  twice = read_written ();
  is_profile_now = profile_entries (after);
  CHECK (json_array_get_length (entries_of (twice)) == json_array_get_length (after));
  for (guint i = 0; i < json_array_get_length (after); i++)
    {
      if (is_profile_now[i] && !was_profile[i])
        continue;
      CHECK (json_node_equal (json_array_get_element (after, i),
                              json_array_get_element (entries_of (twice), i)));
    }

  aside = files_with_prefix ("profiles.json.corrupt-");
  CHECK (aside->len == 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(BearerProfileStore) store = NULL;
  g_autoptr(GError) error = NULL;

  init_once ();
  empty_dir ();
  CHECK (g_file_set_contents (path, (const char *) data, size, NULL));

  store = bearer_profile_store_new (path);
  if (bearer_profile_store_load (store, &error))
    check_round_trip (store, data, size);
  else
    {
      CHECK (error->domain == BEARER_PROFILE_STORE_ERROR);
      CHECK (g_utf8_validate (error->message, -1, NULL));
      if (error->code == BEARER_PROFILE_STORE_ERROR_CORRUPT)
        check_damaged (store, error, data, size);
      else
        {
          CHECK (error->code == BEARER_PROFILE_STORE_ERROR_NEWER_VERSION);
          check_newer (store, data, size);
        }
    }

  return 0;
}
