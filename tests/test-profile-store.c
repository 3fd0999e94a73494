/* test-profile-store.c: profiles.json, as docs/storage.md promises it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No keyring is needed. Every file lives under a temporary directory of
 * this program (XDG_CONFIG_HOME and XDG_RUNTIME_DIR point there too, set
 * before anything reads them), removed at the end.
 */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "bearer-profile-store.h"

static char *tmp_root;

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */

static int
remove_entry_cb (const char        *path,
                 const struct stat *sb,
                 int                type,
                 struct FTW        *ftw)
{
  if (remove (path) != 0)
    g_printerr ("# cannot remove %s: %s\n", path, g_strerror (errno));
  return 0;
}

static void
remove_tree (const char *path)
{
  nftw (path, remove_entry_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh directory for one test; the profiles file inside it does not
 * exist yet, nor does its folder. */
static char *
new_profiles_path (void)
{
  static guint serial;
  g_autofree char *name = g_strdup_printf ("t%u", ++serial);

  return g_build_filename (tmp_root, name, "config", "bearer", "profiles.json", NULL);
}

static void
write_file (const char *path,
            const char *data,
            gssize      length)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, data, length, &error);
  g_assert_no_error (error);
}

static GBytes *
read_bytes (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

static JsonNode *
read_json (const char *path)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_node_copy (json_parser_get_root (parser));
}

static JsonArray *
file_profiles (JsonNode *root)
{
  JsonObject *object = json_node_get_object (root);

  g_assert_cmpint (json_object_get_int_member (object, "version"), ==, 1);
  g_assert_true (json_object_has_member (object, "profiles"));
  return json_object_get_array_member (object, "profiles");
}

static JsonObject *
file_profile (JsonNode   *root,
              const char *id)
{
  JsonArray *profiles = file_profiles (root);

  for (guint i = 0; i < json_array_get_length (profiles); i++)
    {
      JsonObject *object = json_array_get_object_element (profiles, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (object, "id", NULL), id) == 0)
        return object;
    }
  return NULL;
}

/* The "in" or "name" member of the @index-th object of @array. */
static const char *
member_at (JsonArray  *array,
           guint       index,
           const char *member)
{
  return json_object_get_string_member (json_array_get_object_element (array, index), member);
}

static BearerProfile *
simple_profile (const char *name)
{
  BearerProfile *profile = bearer_profile_new (name);

  bearer_profile_set_token_url (profile, "https://auth.example.com/oauth/token");
  bearer_profile_set_client_id (profile, "client");
  return profile;
}

static void
save_ok (BearerProfileStore *store,
         BearerProfile      *profile)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (bearer_profile_store_save_profile (store, profile, &error));
  g_assert_no_error (error);
}

static void
add_ok (BearerProfileStore *store,
        BearerProfile      *profile)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (bearer_profile_store_add_profile (store, profile, &error));
  g_assert_no_error (error);
}

static BearerProfileStore *
loaded_store (const char *path)
{
  BearerProfileStore *store = bearer_profile_store_new (path);
  g_autoptr(GError) error = NULL;

  g_assert_true (bearer_profile_store_load (store, &error));
  g_assert_no_error (error);
  return store;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The names of the files in a folder, sorted. */
static GPtrArray *
list_dir (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (handle);
  while ((name = g_dir_read_name (handle)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  return names;
}

static GPtrArray *
corrupt_files (const char *dir)
{
  g_autoptr(GPtrArray) names = list_dir (dir);
  GPtrArray *corrupt = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < names->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (names, i), "profiles.json.corrupt-"))
      g_ptr_array_add (corrupt, g_build_filename (dir, g_ptr_array_index (names, i), NULL));
  return corrupt;
}

static guint
file_mode (const char *path)
{
  GStatBuf buf;

  g_assert_cmpint (g_stat (path, &buf), ==, 0);
  return buf.st_mode & 07777;
}

typedef struct {
  GAsyncResult *result;
} Wait;

static void
waited_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Wait *wait = user_data;

  g_assert_null (wait->result);
  wait->result = g_object_ref (result);
}

/* Iterates the main context until the call started with waited_cb ended;
 * 30 s at most. */
static GAsyncResult *
wait_for (Wait *wait)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (wait->result == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      if (wait->result == NULL)
        g_usleep (1000);
    }
  return wait->result;
}

/* ---------------------------------------------------------------------- */
/* Round trip                                                             */

static void
test_round_trip (void)
{
  g_autofree char *path = new_profiles_path ();
  g_autoptr(BearerProfileStore) store = bearer_profile_store_new (path);
  g_autoptr(BearerProfileStore) again = NULL;
  g_autoptr(BearerProfile) profile = bearer_profile_new ("prod é");
  g_autoptr(BearerProfile) plain = bearer_profile_new ("plain");
  g_autoptr(JsonNode) root = NULL;
  BearerProfile *read;
  JsonObject *object;
  JsonArray *params;
  BearerParamLocation location;
  const char *name, *value;
  g_autofree char *id = NULL;

  bearer_profile_set_preset (profile, "processmaker");
  bearer_profile_set_token_url (profile, "https://acme.processmaker.net/oauth/token?x=1");
  bearer_profile_set_authorization_url (profile, "https://acme.processmaker.net/oauth/authorize");
  bearer_profile_set_client_id (profile, "3");
  bearer_profile_set_username (profile, "alice@example.com");
  bearer_profile_set_grant_type (profile, BEARER_GRANT_AUTHORIZATION_CODE);
  bearer_profile_set_scope (profile, "read write");
  bearer_profile_set_audience (profile, "https://api.example.com");
  bearer_profile_set_resource (profile, "urn:example:resource");
  bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_BASIC_RAW);
  bearer_profile_set_body_encoding (profile, BEARER_BODY_JSON);
  bearer_profile_set_ca_file (profile, "/etc/ssl/private ca/ca.pem");
  bearer_profile_set_allow_insecure_http (profile, TRUE);
  bearer_profile_set_auto_refresh (profile, FALSE);
  bearer_profile_set_keep_alive (profile, TRUE);
  bearer_profile_set_ask_before_use (profile, TRUE);
  bearer_profile_set_refresh_margin (profile, 300);
  bearer_profile_add_parameter (profile, BEARER_PARAM_HEADER, "X-Tenant", "acme");
  bearer_profile_add_parameter (profile, BEARER_PARAM_BODY, "extra", "a&b=c ü\"");
  bearer_profile_add_parameter (profile, BEARER_PARAM_QUERY, "q", "");
  id = g_strdup (bearer_profile_get_id (profile));

  add_ok (store, profile);
  add_ok (store, plain);

  /* On disk, under the names of docs/storage.md. */
  root = read_json (path);
  object = file_profile (root, id);
  g_assert_nonnull (object);
  g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, "prod é");
  g_assert_cmpstr (json_object_get_string_member (object, "preset"), ==, "processmaker");
  g_assert_cmpstr (json_object_get_string_member (object, "token_url"), ==,
                   "https://acme.processmaker.net/oauth/token?x=1");
  g_assert_cmpstr (json_object_get_string_member (object, "authorization_url"), ==,
                   "https://acme.processmaker.net/oauth/authorize");
  g_assert_cmpstr (json_object_get_string_member (object, "client_id"), ==, "3");
  g_assert_cmpstr (json_object_get_string_member (object, "username"), ==, "alice@example.com");
  g_assert_cmpstr (json_object_get_string_member (object, "grant_type"), ==, "authorization_code");
  g_assert_cmpstr (json_object_get_string_member (object, "client_auth"), ==, "basic-raw");
  g_assert_cmpstr (json_object_get_string_member (object, "body_encoding"), ==, "json");
  g_assert_cmpstr (json_object_get_string_member (object, "scope"), ==, "read write");
  g_assert_cmpstr (json_object_get_string_member (object, "audience"), ==, "https://api.example.com");
  g_assert_cmpstr (json_object_get_string_member (object, "resource"), ==, "urn:example:resource");
  g_assert_cmpstr (json_object_get_string_member (object, "ca_file"), ==, "/etc/ssl/private ca/ca.pem");
  g_assert_true (json_object_get_boolean_member (object, "allow_insecure_http"));
  g_assert_false (json_object_get_boolean_member (object, "auto_refresh"));
  g_assert_true (json_object_get_boolean_member (object, "keep_alive"));
  g_assert_true (json_object_get_boolean_member (object, "ask_before_use"));
  g_assert_cmpint (json_object_get_int_member (object, "refresh_margin"), ==, 300);
  params = json_object_get_array_member (object, "parameters");
  g_assert_cmpuint (json_array_get_length (params), ==, 3);
  g_assert_cmpstr (member_at (params, 0, "in"), ==, "header");
  g_assert_cmpstr (member_at (params, 1, "in"), ==, "body");
  g_assert_cmpstr (member_at (params, 2, "in"), ==, "query");
  /* Nothing secret in this file. */
  g_assert_false (json_object_has_member (object, "client_secret"));
  g_assert_false (json_object_has_member (object, "refresh_token"));

  /* Read back by another store. */
  again = loaded_store (path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (again)), ==, 2);
  read = bearer_profile_store_find (again, id);
  g_assert_nonnull (read);
  g_assert_true (read == bearer_profile_store_find (again, "prod é"));
  g_assert_cmpstr (bearer_profile_get_id (read), ==, id);
  g_assert_cmpstr (bearer_profile_get_name (read), ==, "prod é");
  g_assert_cmpstr (bearer_profile_get_preset (read), ==, "processmaker");
  g_assert_cmpstr (bearer_profile_get_token_url (read), ==, "https://acme.processmaker.net/oauth/token?x=1");
  g_assert_cmpstr (bearer_profile_get_authorization_url (read), ==,
                   "https://acme.processmaker.net/oauth/authorize");
  g_assert_cmpstr (bearer_profile_get_client_id (read), ==, "3");
  g_assert_cmpstr (bearer_profile_get_username (read), ==, "alice@example.com");
  g_assert_cmpint (bearer_profile_get_grant_type (read), ==, BEARER_GRANT_AUTHORIZATION_CODE);
  g_assert_cmpstr (bearer_profile_get_scope (read), ==, "read write");
  g_assert_cmpstr (bearer_profile_get_audience (read), ==, "https://api.example.com");
  g_assert_cmpstr (bearer_profile_get_resource (read), ==, "urn:example:resource");
  g_assert_cmpint (bearer_profile_get_client_auth (read), ==, BEARER_CLIENT_AUTH_BASIC_RAW);
  g_assert_cmpint (bearer_profile_get_body_encoding (read), ==, BEARER_BODY_JSON);
  g_assert_cmpstr (bearer_profile_get_ca_file (read), ==, "/etc/ssl/private ca/ca.pem");
  g_assert_true (bearer_profile_get_allow_insecure_http (read));
  g_assert_false (bearer_profile_get_auto_refresh (read));
  g_assert_true (bearer_profile_get_keep_alive (read));
  g_assert_true (bearer_profile_get_ask_before_use (read));
  g_assert_cmpuint (bearer_profile_get_refresh_margin (read), ==, 300);

  g_assert_cmpuint (bearer_profile_get_n_parameters (read), ==, 3);
  g_assert_true (bearer_profile_get_parameter (read, 0, &location, &name, &value));
  g_assert_cmpint (location, ==, BEARER_PARAM_HEADER);
  g_assert_cmpstr (name, ==, "X-Tenant");
  g_assert_cmpstr (value, ==, "acme");
  g_assert_true (bearer_profile_get_parameter (read, 1, &location, &name, &value));
  g_assert_cmpint (location, ==, BEARER_PARAM_BODY);
  g_assert_cmpstr (name, ==, "extra");
  g_assert_cmpstr (value, ==, "a&b=c ü\"");
  g_assert_true (bearer_profile_get_parameter (read, 2, &location, &name, &value));
  g_assert_cmpint (location, ==, BEARER_PARAM_QUERY);
  g_assert_cmpstr (name, ==, "q");
  g_assert_cmpstr (value, ==, "");
  g_assert_false (bearer_profile_get_parameter (read, 3, &location, &name, &value));

  /* A profile with nothing set keeps the defaults. */
  read = bearer_profile_store_find (again, "plain");
  g_assert_nonnull (read);
  g_assert_cmpstr (bearer_profile_get_id (read), ==, bearer_profile_get_id (plain));
  g_assert_null (bearer_profile_get_token_url (read));
  g_assert_null (bearer_profile_get_client_id (read));
  g_assert_null (bearer_profile_get_scope (read));
  g_assert_cmpint (bearer_profile_get_grant_type (read), ==, BEARER_GRANT_REFRESH_TOKEN);
  g_assert_cmpint (bearer_profile_get_client_auth (read), ==, BEARER_CLIENT_AUTH_BASIC);
  g_assert_cmpint (bearer_profile_get_body_encoding (read), ==, BEARER_BODY_FORM);
  g_assert_false (bearer_profile_get_allow_insecure_http (read));
  g_assert_true (bearer_profile_get_auto_refresh (read));
  g_assert_false (bearer_profile_get_keep_alive (read));
  g_assert_false (bearer_profile_get_ask_before_use (read));
  g_assert_cmpuint (bearer_profile_get_refresh_margin (read), ==, BEARER_PROFILE_DEFAULT_REFRESH_MARGIN);
  g_assert_cmpuint (bearer_profile_get_n_parameters (read), ==, 0);

  /* Parameters cleared and saved are gone from the file too. */
  read = bearer_profile_store_find (again, id);
  bearer_profile_clear_parameters (read);
  bearer_profile_set_scope (read, NULL);
  save_ok (again, read);
  g_clear_pointer (&root, json_node_unref);
  root = read_json (path);
  object = file_profile (root, id);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "parameters")), ==, 0);
  g_assert_false (json_object_has_member (object, "scope"));
}

/* ---------------------------------------------------------------------- */
/* What this version does not know                                        */

#define FUTURE_FILE \
  "{\n" \
  "  \"version\": 1,\n" \
  "  \"future_top\": {\"list\": [1, 2.5, \"three\", null], \"flag\": true},\n" \
  "  \"profiles\": [\n" \
  "    {\"id\": \"p1\", \"name\": \"one\", \"token_url\": \"https://a.example/token\",\n" \
  "     \"client_id\": \"c\", \"grant_type\": \"refresh_token\",\n" \
  "     \"future_member\": {\"x\": \"y\"}, \"future_list\": [true, null, 7]},\n" \
  "    {\"id\": \"p2\", \"name\": \"device\", \"token_url\": \"https://b.example/token\",\n" \
  "     \"grant_type\": \"urn:ietf:params:oauth:grant-type:device_code\",\n" \
  "     \"device_authorization_url\": \"https://b.example/device\", \"interval\": 5},\n" \
  "    {\"id\": \"p3\", \"name\": \"three\", \"grant_type\": \"client_credentials\",\n" \
  "     \"client_auth\": \"private_key_jwt\"},\n" \
  "    {\"id\": \"p4\", \"name\": \"four\", \"grant_type\": \"client_credentials\",\n" \
  "     \"parameters\": [{\"in\": \"cookie\", \"name\": \"session\", \"value\": \"s\"}]}\n" \
  "  ]\n" \
  "}\n"

static void
test_unknown_members (void)
{
  g_autofree char *path = new_profiles_path ();
  g_autoptr(BearerProfileStore) store = NULL;
  g_autoptr(BearerProfileStore) other = NULL;
  g_autoptr(BearerProfile) added = simple_profile ("added");
  g_autoptr(JsonNode) before = NULL;
  g_autoptr(JsonNode) after = NULL;
  JsonObject *top_before, *top_after, *p1_before, *p1_after;
  BearerProfile *one;

  write_file (path, FUTURE_FILE, -1);
  before = read_json (path);

  store = loaded_store (path);
  one = bearer_profile_store_find (store, "one");
  g_assert_nonnull (one);
  bearer_profile_set_scope (one, "read");
  save_ok (store, one);
  add_ok (store, added);

  /* A second store, loading and saving the same profile again. */
  other = loaded_store (path);
  save_ok (other, bearer_profile_store_find (other, "p1"));

  after = read_json (path);
  top_before = json_node_get_object (before);
  top_after = json_node_get_object (after);
  g_assert_true (json_node_equal (json_object_get_member (top_before, "future_top"),
                                  json_object_get_member (top_after, "future_top")));

  p1_before = file_profile (before, "p1");
  p1_after = file_profile (after, "p1");
  g_assert_nonnull (p1_after);
  g_assert_true (json_node_equal (json_object_get_member (p1_before, "future_member"),
                                  json_object_get_member (p1_after, "future_member")));
  g_assert_true (json_node_equal (json_object_get_member (p1_before, "future_list"),
                                  json_object_get_member (p1_after, "future_list")));
  g_assert_cmpstr (json_object_get_string_member (p1_after, "scope"), ==, "read");
  g_assert_cmpuint (json_array_get_length (file_profiles (after)), ==, 5);
}

/* A profile with an unknown grant type (or client authentication) is not
 * listed, and stays in the file exactly as it was, whatever else changes. */
static void
test_unreadable_profile_kept (void)
{
  g_autofree char *path = new_profiles_path ();
  g_autoptr(BearerProfileStore) store = NULL;
  g_autoptr(BearerProfile) added = simple_profile ("added");
  g_autoptr(JsonNode) before = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autoptr(GError) error = NULL;
  BearerProfile *one;

  write_file (path, FUTURE_FILE, -1);
  before = read_json (path);

  store = loaded_store (path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  g_assert_null (bearer_profile_store_find (store, "device"));
  g_assert_null (bearer_profile_store_find (store, "p2"));
  g_assert_null (bearer_profile_store_find (store, "three"));
  /* An extra parameter sent in a place this version does not know. */
  g_assert_null (bearer_profile_store_find (store, "four"));
  one = bearer_profile_store_find (store, "one");
  g_assert_nonnull (one);

  bearer_profile_set_client_id (one, "changed");
  save_ok (store, one);
  add_ok (store, added);
  g_assert_true (bearer_profile_store_remove_profile (store, bearer_profile_get_id (added), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);

  after = read_json (path);
  g_assert_cmpuint (json_array_get_length (file_profiles (after)), ==, 4);
  for (guint i = 1; i <= 3; i++)
    g_assert_true (json_node_equal (json_array_get_element (file_profiles (before), i),
                                    json_array_get_element (file_profiles (after), i)));
  g_assert_cmpstr (json_object_get_string_member (file_profile (after, "p1"), "client_id"), ==, "changed");
}

/* ---------------------------------------------------------------------- */
/* Permissions                                                            */

static void
test_modes (void)
{
  g_autofree char *path = new_profiles_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(BearerProfileStore) store = bearer_profile_store_new (path);
  g_autoptr(BearerProfile) profile = simple_profile ("prod");
  g_autofree char *path2 = new_profiles_path ();
  g_autoptr(BearerProfileStore) store2 = NULL;
  g_autoptr(GPtrArray) names = NULL;

  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  add_ok (store, profile);
  g_assert_cmpuint (file_mode (path), ==, 0600);
  g_assert_cmpuint (file_mode (dir), ==, 0700);

  bearer_profile_set_scope (profile, "again");
  save_ok (store, profile);
  g_assert_cmpuint (file_mode (path), ==, 0600);

  /* No temporary file left behind by the atomic write. */
  names = list_dir (dir);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);

      g_assert_true (g_str_equal (name, "profiles.json") || g_str_equal (name, "profiles.json.lock"));
    }

  /* A file someone left readable by all becomes private on the next save. */
  write_file (path2, "{\"version\": 1, \"profiles\": []}\n", -1);
  g_assert_cmpint (g_chmod (path2, 0644), ==, 0);
  store2 = loaded_store (path2);
  add_ok (store2, profile);
  g_assert_cmpuint (file_mode (path2), ==, 0600);
}

/* ---------------------------------------------------------------------- */
/* Damaged files                                                          */

typedef struct {
  const char *name;
  const char *data;
  gssize length;
} Corrupt;

static const Corrupt corrupt_cases[] = {
  { "garbage", "this is not JSON at all\n", -1 },
  { "empty", "", 0 },
  { "binary", "\x00\x01\x02{\"version\":1}", 16 },
  { "invalid-utf8", "{\"version\": 1, \"profiles\": [{\"id\": \"a\", \"name\": \"\xff\xfe\"}]}", -1 },
  { "array", "[]", -1 },
  { "no-version", "{}", -1 },
  { "version-string", "{\"version\": \"1\", \"profiles\": []}", -1 },
  { "no-profiles", "{\"version\": 1}", -1 },
  { "profiles-not-list", "{\"version\": 1, \"profiles\": {}}", -1 },
  { "truncated", "{\"version\": 1, \"profiles\": [{\"id\": \"abc\", \"name\": \"pr", -1 },
};

static void
assert_corrupt_set_aside (const char   *path,
                          const GError *error,
                          GBytes       *original)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GPtrArray) aside = corrupt_files (dir);
  g_autoptr(GBytes) kept = NULL;
  g_autofree char *base = NULL;
  const char *last;

  g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_CORRUPT);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (aside->len, >=, 1);

  /* The newest one holds exactly the bytes that were there. */
  last = NULL;
  for (guint i = 0; i < aside->len; i++)
    if (strstr (error->message, g_ptr_array_index (aside, i)) != NULL)
      last = g_ptr_array_index (aside, i);
  if (last == NULL)
    {
      g_test_message ("the error \"%s\" names none of the set-aside files", error->message);
      g_test_fail ();
      return;
    }
  kept = read_bytes (last);
  g_assert_true (g_bytes_equal (kept, original));

  base = g_path_get_basename (last);
  g_assert_true (g_regex_match_simple ("^profiles\\.json\\.corrupt-[0-9]{8}-[0-9]{6}(-[0-9]+)?$",
                                       base, 0, 0));
}

static void
test_corrupt_set_aside (gconstpointer data)
{
  const Corrupt *c = data;
  g_autofree char *path = new_profiles_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(BearerProfileStore) store = NULL;
  g_autoptr(BearerProfile) profile = simple_profile ("after");
  g_autoptr(GBytes) original = NULL;
  g_autoptr(GPtrArray) aside = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  gsize length = c->length >= 0 ? (gsize) c->length : strlen (c->data);

  /* The store held a profile before the file got damaged. */
  write_file (path, "{\"version\": 1, \"profiles\": [{\"id\": \"x\", \"name\": \"before\"}]}", -1);
  store = loaded_store (path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);

  write_file (path, c->data, length);
  original = g_bytes_new (c->data, length);

  g_assert_false (bearer_profile_store_load (store, &error));
  assert_corrupt_set_aside (path, error, original);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
  g_assert_null (bearer_profile_store_find (store, "before"));

  /* Bearer goes on from no profiles; the damaged file is never touched. */
  g_clear_error (&error);
  g_assert_true (bearer_profile_store_add_profile (store, profile, &error));
  g_assert_no_error (error);
  root = read_json (path);
  g_assert_cmpuint (json_array_get_length (file_profiles (root)), ==, 1);
  aside = corrupt_files (dir);
  g_assert_cmpuint (aside->len, ==, 1);
  {
    g_autoptr(GBytes) kept = read_bytes (g_ptr_array_index (aside, 0));

    g_assert_true (g_bytes_equal (kept, original));
  }
}

/* Damaged twice in the same second: two files, neither overwritten. */
static void
test_corrupt_twice (void)
{
  g_autofree char *path = new_profiles_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(BearerProfileStore) store = bearer_profile_store_new (path);
  g_autoptr(GPtrArray) aside = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) first = g_bytes_new_static ("first damage", 12);
  g_autoptr(GBytes) second = g_bytes_new_static ("second damage", 13);
  gboolean seen_first = FALSE, seen_second = FALSE;

  write_file (path, "first damage", 12);
  g_assert_false (bearer_profile_store_load (store, &error));
  g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_CORRUPT);
  g_clear_error (&error);

  write_file (path, "second damage", 13);
  g_assert_false (bearer_profile_store_load (store, &error));
  g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_CORRUPT);

  aside = corrupt_files (dir);
  g_assert_cmpuint (aside->len, ==, 2);
  for (guint i = 0; i < aside->len; i++)
    {
      g_autoptr(GBytes) kept = read_bytes (g_ptr_array_index (aside, i));

      seen_first |= g_bytes_equal (kept, first);
      seen_second |= g_bytes_equal (kept, second);
      if (g_bytes_equal (kept, second))
        g_assert_nonnull (strstr (error->message, g_ptr_array_index (aside, i)));
    }
  g_assert_true (seen_first);
  g_assert_true (seen_second);
}

/* A file damaged after the last load and met by a save: the save still
 * succeeds, the change is in the new file, and the damaged one is kept. */
static void
test_save_over_corrupt (void)
{
  g_autofree char *path = new_profiles_path ();
  g_autofree char *dir = NULL;
  g_autoptr(BearerProfileStore) store = loaded_store (path);
  g_autoptr(BearerProfile) profile = simple_profile ("after-damage");
  g_autoptr(GBytes) damage = g_bytes_new_static ("{\"version\": 1, \"profiles\": [", 27);
  g_autoptr(GPtrArray) aside = NULL;
  g_autoptr(GBytes) kept = NULL;
  g_autoptr(JsonNode) after = NULL;

  write_file (path, g_bytes_get_data (damage, NULL), g_bytes_get_size (damage));
  add_ok (store, profile);

  after = read_json (path);
  g_assert_nonnull (file_profile (after, bearer_profile_get_id (profile)));
  dir = g_path_get_dirname (path);
  aside = corrupt_files (dir);
  g_assert_cmpuint (aside->len, ==, 1);
  kept = read_bytes (g_ptr_array_index (aside, 0));
  g_assert_true (g_bytes_equal (kept, damage));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
}

/* ---------------------------------------------------------------------- */
/* Loading needs no write access                                          */

/* Everything that changes a folder, as inotify reports it: a file
 * created, opened for writing and closed, renamed, removed, chmod-ed. */
#define CHANGES (IN_CREATE | IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_ATTRIB)

static int
watch_dir (const char *dir)
{
  int fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (inotify_add_watch (fd, dir, CHANGES), >=, 0);
  return fd;
}

/* The names of what changed in the watched folder since the last call. */
static char *
changes (int fd)
{
  GString *seen = g_string_new (NULL);
  char buffer[4096] __attribute__ ((aligned (__alignof__ (struct inotify_event))));
  ssize_t length;

  while ((length = read (fd, buffer, sizeof buffer)) > 0)
    for (char *p = buffer; p < buffer + length;)
      {
        const struct inotify_event *event = (const struct inotify_event *) p;

        g_string_append_printf (seen, "%s(0x%x) ", event->len > 0 ? event->name : ".", event->mask);
        p += sizeof (struct inotify_event) + event->len;
      }
  g_assert_true (length < 0 && errno == EAGAIN);
  return g_string_free (seen, FALSE);
}

/* A read-only configuration folder (or one owned by someone else) must
 * still load: a load creates nothing, opens nothing for writing, and does
 * not create the folder. Root ignores permission bits, so this is checked
 * with inotify, whoever runs the tests; test-cli checks a folder that
 * really is read-only. */
static void
test_load_writes_nothing (void)
{
  g_autofree char *path = new_profiles_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *lock = g_strconcat (path, ".lock", NULL);
  g_autofree char *missing = new_profiles_path ();
  g_autofree char *missing_dir = g_path_get_dirname (missing);
  g_autofree char *missing_parent = g_path_get_dirname (missing_dir);
  g_autoptr(BearerProfileStore) writer = bearer_profile_store_new (path);
  g_autoptr(BearerProfile) profile = simple_profile ("prod");
  g_autofree char *seen = NULL;
  int fd;

  add_ok (writer, profile);
  g_assert_true (g_file_test (lock, G_FILE_TEST_EXISTS));
  fd = watch_dir (dir);

  /* With the lock file there: read under a shared lock. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(BearerProfileStore) store = bearer_profile_store_new (path);
      g_autoptr(GError) error = NULL;
      Wait wait = { NULL };

      if (i == 0)
        g_assert_true (bearer_profile_store_load (store, &error));
      else
        {
          bearer_profile_store_load_async (store, NULL, waited_cb, &wait);
          g_assert_true (bearer_profile_store_load_finish (store, wait_for (&wait), &error));
          g_clear_object (&wait.result);
        }
      g_assert_no_error (error);
      g_assert_nonnull (bearer_profile_store_find (store, "prod"));
      seen = changes (fd);
      g_assert_cmpstr (seen, ==, "");
      g_clear_pointer (&seen, g_free);
    }

  /* Without it: none is needed to read. */
  g_assert_cmpint (g_unlink (lock), ==, 0);
  g_free (changes (fd));
  {
    g_autoptr(BearerProfileStore) store = loaded_store (path);

    g_assert_nonnull (bearer_profile_store_find (store, "prod"));
    seen = changes (fd);
    g_assert_cmpstr (seen, ==, "");
    g_assert_false (g_file_test (lock, G_FILE_TEST_EXISTS));
  }
  close (fd);

  /* No folder at all: an empty store, and still no folder. */
  g_assert_cmpint (g_mkdir_with_parents (missing_parent, 0700), ==, 0);
  {
    g_autoptr(BearerProfileStore) store = loaded_store (missing);

    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
    g_assert_false (g_file_test (missing_dir, G_FILE_TEST_EXISTS));
  }
}

/* ---------------------------------------------------------------------- */
/* A newer format                                                         */

#define NEWER_FILE \
  "{\"version\": 99, \"profiles\": [{\"id\": \"n1\", \"name\": \"from-the-future\",\n" \
  "  \"grant_type\": \"refresh_token\", \"token_url\": \"https://x.example/token\"}],\n" \
  " \"future\": true}\n"

static void
assert_unchanged (const char *path,
                  GBytes     *original)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GBytes) now = read_bytes (path);
  g_autoptr(GPtrArray) names = list_dir (dir);

  g_assert_true (g_bytes_equal (now, original));
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);

      if (!g_str_equal (name, "profiles.json") && !g_str_equal (name, "profiles.json.lock"))
        {
          g_test_message ("unexpected file next to profiles.json: %s", name);
          g_test_fail ();
        }
    }
}

static void
test_newer_version (void)
{
  g_autofree char *path = new_profiles_path ();
  g_autoptr(BearerProfileStore) store = bearer_profile_store_new (path);
  g_autoptr(BearerProfile) profile = simple_profile ("mine");
  g_autoptr(GBytes) original = g_bytes_new_static (NEWER_FILE, strlen (NEWER_FILE));
  g_autoptr(GError) error = NULL;
  Wait wait = { NULL };

  write_file (path, NEWER_FILE, -1);

  g_assert_false (bearer_profile_store_load (store, &error));
  g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_NEWER_VERSION);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
  assert_unchanged (path, original);
  g_clear_error (&error);

  g_assert_false (bearer_profile_store_save_profile (store, profile, &error));
  g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_NEWER_VERSION);
  assert_unchanged (path, original);
  g_clear_error (&error);

  g_assert_false (bearer_profile_store_add_profile (store, profile, &error));
  g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_NEWER_VERSION);
  assert_unchanged (path, original);
  g_clear_error (&error);

  g_assert_false (bearer_profile_store_remove_profile (store, "n1", &error));
  g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_NEWER_VERSION);
  assert_unchanged (path, original);
  g_clear_error (&error);

  bearer_profile_store_save_profile_async (store, profile, NULL, waited_cb, &wait);
  g_assert_false (bearer_profile_store_save_profile_finish (store, wait_for (&wait), &error));
  g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_NEWER_VERSION);
  g_clear_object (&wait.result);
  assert_unchanged (path, original);
}

/* ---------------------------------------------------------------------- */
/* Names, removal                                                         */

static void
test_duplicate_name (void)
{
  g_autofree char *path = new_profiles_path ();
  g_autoptr(BearerProfileStore) store = bearer_profile_store_new (path);
  g_autoptr(BearerProfileStore) other = bearer_profile_store_new (path);
  g_autoptr(BearerProfile) first = simple_profile ("prod");
  g_autoptr(BearerProfile) second = simple_profile ("prod");
  g_autoptr(BearerProfile) stage = simple_profile ("stage");
  g_autoptr(BearerProfile) stage2 = simple_profile ("stage");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;

  add_ok (store, first);
  g_assert_false (bearer_profile_store_add_profile (store, second, &error));
  g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_DUPLICATE_NAME);
  g_clear_error (&error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);

  /* Saving a profile under the name it already has is no duplicate. */
  bearer_profile_set_scope (first, "x");
  save_ok (store, first);

  /* Renaming onto another's name is. */
  add_ok (store, stage);
  bearer_profile_set_name (stage, "prod");
  g_assert_false (bearer_profile_store_save_profile (store, stage, &error));
  g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_DUPLICATE_NAME);
  g_clear_error (&error);

  /* The check is against the file as it is now, not a stale list: "stage"
   * is in the file, though "other" never loaded it. */
  g_assert_false (bearer_profile_store_add_profile (other, stage2, &error));
  g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_DUPLICATE_NAME);

  root = read_json (path);
  g_assert_cmpuint (json_array_get_length (file_profiles (root)), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (file_profile (root, bearer_profile_get_id (stage)),
                                                  "name"), ==, "stage");
}

/* Names: not empty, not only white space, text, no control character;
 * a save of anything else writes nothing. */
static void
test_invalid_names (void)
{
  g_autofree char *path = new_profiles_path ();
  g_autoptr(BearerProfileStore) store = bearer_profile_store_new (path);
  g_autoptr(BearerProfile) good = simple_profile ("good");
  g_autoptr(GBytes) before = NULL;
  const char *bad[] = { NULL, "", " ", "\t \n", "\xc2\xa0", "a\nb", "a\tb", "\x1b[31mred",
                        "a\x7f", "a\xc2\x85", "\xff\xfe", "caf\xc3" };
  Wait wait = { NULL };

  add_ok (store, good);
  before = read_bytes (path);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(BearerProfile) profile = simple_profile ("placeholder");
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) now = NULL;

      /* Blank means unset for the setter; set the field as given. */
      g_object_set (profile, "name", bad[i], NULL);
      g_assert_false (bearer_profile_check_name (bad[i], NULL));

      g_assert_false (bearer_profile_store_save_profile (store, profile, &error));
      g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_INVALID);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_clear_error (&error);

      g_assert_false (bearer_profile_store_add_profile (store, profile, &error));
      g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_INVALID);
      g_clear_error (&error);

      bearer_profile_store_add_profile_async (store, profile, NULL, waited_cb, &wait);
      g_assert_false (bearer_profile_store_add_profile_finish (store, wait_for (&wait), &error));
      g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_INVALID);
      g_clear_object (&wait.result);

      /* A profile already saved cannot be renamed to it either. */
      g_clear_error (&error);
      g_object_set (good, "name", bad[i], NULL);
      g_assert_false (bearer_profile_store_save_profile (store, good, &error));
      g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_INVALID);
      bearer_profile_set_name (good, "good");

      now = read_bytes (path);
      g_assert_true (g_bytes_equal (before, now));
    }

  g_assert_true (bearer_profile_check_name ("prod é", NULL));
  g_assert_true (bearer_profile_check_name (" padded ", NULL));
  g_assert_true (bearer_profile_check_name ("\xe2\x80\x8f" "rtl", NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
}

/* A save never brings back a profile that another process removed: the
 * window saves as the user types, bearer-cli may remove it meanwhile. */
static void
test_save_after_remove (void)
{
  g_autofree char *path = new_profiles_path ();
  g_autoptr(BearerProfileStore) window = bearer_profile_store_new (path);
  g_autoptr(BearerProfileStore) cli = NULL;
  g_autoptr(BearerProfile) typed = simple_profile ("typed");
  g_autoptr(BearerProfile) kept = simple_profile ("kept");
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  Wait wait = { NULL };

  add_ok (window, typed);
  add_ok (window, kept);

  cli = loaded_store (path);
  g_assert_true (bearer_profile_store_remove_profile (cli, bearer_profile_get_id (typed), &error));
  g_assert_no_error (error);

  bearer_profile_set_scope (typed, "typed after the removal");
  g_assert_false (bearer_profile_store_save_profile (window, typed, &error));
  g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "typed"));
  g_clear_error (&error);
  /* The store now shows the file as it is. */
  g_assert_null (bearer_profile_store_find (window, "typed"));
  g_assert_nonnull (bearer_profile_store_find (window, "kept"));

  bearer_profile_store_save_profile_async (window, typed, NULL, waited_cb, &wait);
  g_assert_false (bearer_profile_store_save_profile_finish (window, wait_for (&wait), &error));
  g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_NOT_FOUND);
  g_clear_object (&wait.result);

  root = read_json (path);
  g_assert_cmpuint (json_array_get_length (file_profiles (root)), ==, 1);
  g_assert_null (file_profile (root, bearer_profile_get_id (typed)));
}

/* Adding is for new profiles: once per id, even when the entry with that
 * id is one this version cannot read. */
static void
test_add_twice (void)
{
  g_autofree char *path = new_profiles_path ();
  g_autoptr(BearerProfileStore) store = bearer_profile_store_new (path);
  g_autoptr(BearerProfile) profile = simple_profile ("once");
  g_autoptr(BearerProfile) hidden = NULL;
  g_autoptr(BearerProfile) nameless = simple_profile ("placeholder");
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  Wait wait = { NULL };

  add_ok (store, profile);
  g_assert_false (bearer_profile_store_add_profile (store, profile, &error));
  g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_DUPLICATE_ID);
  g_clear_error (&error);
  bearer_profile_store_add_profile_async (store, profile, NULL, waited_cb, &wait);
  g_assert_false (bearer_profile_store_add_profile_finish (store, wait_for (&wait), &error));
  g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_DUPLICATE_ID);
  g_clear_error (&error);
  g_clear_object (&wait.result);

  /* The id of an entry the store does not show. */
  text = g_strdup_printf ("{\"version\": 1, \"profiles\": [{\"id\": \"hidden\", \"name\": \"future\","
                          " \"grant_type\": \"urn:example:future\"}]}");
  write_file (path, text, -1);
  before = read_bytes (path);
  hidden = g_object_new (BEARER_TYPE_PROFILE, "id", "hidden", "name", "mine", NULL);
  g_assert_false (bearer_profile_store_add_profile (store, hidden, &error));
  g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_DUPLICATE_ID);
  g_clear_error (&error);
  /* Nor can a save take it over. */
  g_assert_false (bearer_profile_store_save_profile (store, hidden, &error));
  g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_object_set (nameless, "name", NULL, NULL);
  g_assert_false (bearer_profile_store_add_profile (store, nameless, &error));
  g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_INVALID);

  after = read_bytes (path);
  g_assert_true (g_bytes_equal (before, after));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
  g_assert_cmpuint (bearer_profile_store_get_n_unreadable (store), ==, 1);
}

static void
test_remove (void)
{
  g_autofree char *path = new_profiles_path ();
  g_autoptr(BearerProfileStore) store = bearer_profile_store_new (path);
  g_autoptr(BearerProfileStore) reread = NULL;
  g_autoptr(BearerProfile) a = simple_profile ("a");
  g_autoptr(BearerProfile) b = simple_profile ("b");
  g_autoptr(BearerProfile) c = simple_profile ("c");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonArray *profiles;

  add_ok (store, a);
  add_ok (store, b);
  add_ok (store, c);

  g_assert_true (bearer_profile_store_remove_profile (store, bearer_profile_get_id (b), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 2);
  g_assert_null (bearer_profile_store_find (store, "b"));
  g_assert_nonnull (bearer_profile_store_find (store, "a"));
  g_assert_nonnull (bearer_profile_store_find (store, "c"));

  root = read_json (path);
  profiles = file_profiles (root);
  g_assert_cmpuint (json_array_get_length (profiles), ==, 2);
  g_assert_cmpstr (member_at (profiles, 0, "name"), ==, "a");
  g_assert_cmpstr (member_at (profiles, 1, "name"), ==, "c");

  g_assert_false (bearer_profile_store_remove_profile (store, bearer_profile_get_id (b), &error));
  g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_NOT_FOUND);

  reread = loaded_store (path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reread)), ==, 2);
  g_assert_null (bearer_profile_store_find (reread, bearer_profile_get_id (b)));
}

/* ---------------------------------------------------------------------- */
/* Hostile files: whatever loads survives load → save → load              */

/* The entries of the "profiles" list as the file holds them now, read by
 * json-glib from text that must be valid UTF-8. */
static JsonNode *
read_json_text (const char *path)
{
  g_autoptr(GBytes) bytes = read_bytes (path);
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  g_assert_true (g_utf8_validate (data, length, NULL));
  g_assert_null (memchr (data, '\0', length));
  return read_json (path);
}

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

static GPtrArray *
shown_ids (BearerProfileStore *store)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (store)); i++)
    {
      g_autoptr(BearerProfile) profile = g_list_model_get_item (G_LIST_MODEL (store), i);

      g_ptr_array_add (ids, g_strdup (bearer_profile_get_id (profile)));
    }
  return ids;
}

static void
save_all (BearerProfileStore *store)
{
  g_autoptr(GPtrArray) ids = shown_ids (store);

  for (guint i = 0; i < ids->len; i++)
    save_ok (store, bearer_profile_store_find (store, g_ptr_array_index (ids, i)));
}

/* The invariant of docs/storage.md: a file that loads keeps every entry,
 * shown or not, through load → save → load; the file written is valid
 * UTF-8 JSON that loads again without being set aside, and shows what the
 * first load showed; a second round changes nothing more. */
static void
assert_round_trip (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(BearerProfileStore) first = loaded_store (path);
  g_autoptr(BearerProfileStore) second = NULL;
  g_autoptr(BearerProfile) extra = simple_profile ("round-trip extra");
  g_autoptr(GPtrArray) ids_first = shown_ids (first);
  g_autoptr(GPtrArray) ids_second = NULL;
  g_autoptr(GPtrArray) aside = NULL;
  g_autoptr(JsonNode) before = read_json (path);
  g_autoptr(JsonNode) once = NULL;
  g_autoptr(JsonNode) twice = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *entries_before = file_profiles (before);
  JsonArray *entries_once;

  save_all (first);
  /* One more writer's change, added and removed. */
  add_ok (first, extra);
  g_assert_true (bearer_profile_store_remove_profile (first, bearer_profile_get_id (extra), &error));
  g_assert_no_error (error);

  once = read_json_text (path);
  entries_once = file_profiles (once);
  g_assert_cmpuint (json_array_get_length (entries_once), ==, json_array_get_length (entries_before));
  for (guint i = 0; i < json_array_get_length (entries_before); i++)
    {
      const char *id = entry_id (entries_before, i);

      if (id != NULL && g_utf8_validate (id, -1, NULL))
        g_assert_cmpstr (entry_id (entries_once, i), ==, id);
    }

  second = loaded_store (path);
  ids_second = shown_ids (second);
  for (guint i = 0; i < ids_first->len; i++)
    g_assert_true (g_ptr_array_find_with_equal_func (ids_second, g_ptr_array_index (ids_first, i),
                                                     g_str_equal, NULL));
  save_all (second);
  twice = read_json_text (path);
  g_assert_true (json_node_equal (once, twice));

  aside = corrupt_files (dir);
  g_assert_cmpuint (aside->len, ==, 0);
}

static JsonObject *
entry_object (JsonNode   *root,
              const char *id)
{
  JsonObject *object = file_profile (root, id);

  g_assert_nonnull (object);
  return object;
}

/* 1e999 reads as infinity, which json-glib writes as "inf.0" (not JSON):
 * written back as the largest finite number, of the same sign. */
#define NUMBERS_FILE \
  "{\"version\": 1, \"big\": 1e999, \"profiles\": [\n" \
  " {\"id\": \"n1\", \"name\": \"numbers\", \"grant_type\": \"client_credentials\",\n" \
  "  \"huge\": 1e999, \"tiny\": -1E+999, \"list\": [1e400, -1e999, 0.5, 1e-999],\n" \
  "  \"deep\": {\"x\": [{\"y\": 2e308}]}},\n" \
  " {\"id\": \"n2\", \"name\": \"margin\", \"refresh_margin\": 1e999}\n" \
  "]}\n"

static void
test_hostile_numbers (void)
{
  g_autofree char *path = new_profiles_path ();
  g_autoptr(BearerProfileStore) store = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autofree char *text = NULL;
  JsonObject *n1;
  JsonArray *list;

  write_file (path, NUMBERS_FILE, -1);
  store = loaded_store (path);
  g_assert_nonnull (bearer_profile_store_find (store, "numbers"));
  /* A margin that is not a whole number of seconds: not this version's. */
  g_assert_null (bearer_profile_store_find (store, "margin"));

  save_ok (store, bearer_profile_store_find (store, "numbers"));
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_null (strstr (text, "inf"));
  g_assert_null (strstr (text, "nan"));

  after = read_json_text (path);
  g_assert_cmpfloat (json_object_get_double_member (json_node_get_object (after), "big"), ==, G_MAXDOUBLE);
  n1 = entry_object (after, "n1");
  g_assert_cmpfloat (json_object_get_double_member (n1, "huge"), ==, G_MAXDOUBLE);
  g_assert_cmpfloat (json_object_get_double_member (n1, "tiny"), ==, -G_MAXDOUBLE);
  list = json_object_get_array_member (n1, "list");
  g_assert_cmpuint (json_array_get_length (list), ==, 4);
  g_assert_cmpfloat (json_array_get_double_element (list, 0), ==, G_MAXDOUBLE);
  g_assert_cmpfloat (json_array_get_double_element (list, 1), ==, -G_MAXDOUBLE);
  g_assert_cmpfloat (json_array_get_double_element (list, 2), ==, 0.5);
  g_assert_cmpfloat (json_array_get_double_element (list, 3), ==, 0.0);
  g_assert_cmpfloat (json_object_get_double_member (entry_object (after, "n2"), "refresh_margin"), ==,
                     G_MAXDOUBLE);

  write_file (path, NUMBERS_FILE, -1);
  assert_round_trip (path);
}

/* json-glib 1.6 writes a double whose shortest form has an exponent and
 * no point as "1e+17.0", which is not JSON (found by fuzz-profiles). Such
 * numbers are written as "1e+17", the same value. */
#define EXPONENTS_FILE \
  "{\"version\": 1, \"e\": 1e17, \"profiles\": [\n" \
  " {\"id\": \"e1\", \"name\": \"exponents\", \"values\": [1e17, 1E21, -1e+100, 1e-99, 2.5e-300, 100000.0, 5e-324]}\n" \
  "]}\n"

static void
test_hostile_exponents (void)
{
  g_autofree char *path = new_profiles_path ();
  g_autoptr(BearerProfileStore) store = NULL;
  g_autoptr(JsonNode) after = NULL;
  const double expected[] = { 1e17, 1e21, -1e100, 1e-99, 2.5e-300, 100000.0, 5e-324 };
  JsonArray *values;

  write_file (path, EXPONENTS_FILE, -1);
  store = loaded_store (path);
  save_ok (store, bearer_profile_store_find (store, "exponents"));

  after = read_json_text (path);
  g_assert_cmpfloat (json_object_get_double_member (json_node_get_object (after), "e"), ==, 1e17);
  values = json_object_get_array_member (entry_object (after, "e1"), "values");
  g_assert_cmpuint (json_array_get_length (values), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpfloat (json_array_get_double_element (values, i), ==, expected[i]);

  write_file (path, EXPONENTS_FILE, -1);
  assert_round_trip (path);
}

/* A lone surrogate escape reads as bytes that are not UTF-8 (json-glib
 * 1.6 also drops the character after it: hence the "_"). Such text is
 * mended as the file is read: U+FFFD stands in for each lone surrogate,
 * in known members, unknown ones and member names alike, so nothing that
 * is not UTF-8 reaches the window, a request or the file. */
#define SURROGATES_FILE \
  "{\"version\": 1, \"top\": \"\\udc00_\", \"profiles\": [\n" \
  " {\"id\": \"s1\", \"name\": \"text\", \"note\": \"a\\udc00_b\", \"\\udc01_key\": \"v\",\n" \
  "  \"more\": [\"\\udfff_\", {\"k\": \"x\\ud800_y\"}]},\n" \
  " {\"id\": \"s2\", \"name\": \"\\udc00_\"},\n" \
  " {\"id\": \"s3\", \"name\": \"url\", \"token_url\": \"https://x.example/\\udc00_\"},\n" \
  " {\"id\": \"s4\", \"name\": \"param\", \"parameters\": [{\"name\": \"p\", \"value\": \"\\udc00_ \"}]},\n" \
  " {\"id\": \"\\udc00_\", \"name\": \"bad id\"}\n" \
  "]}\n"

/* U+FFFD where the file had a lone surrogate escape (and maybe the "_"
 * after it, which json-glib 1.6 drops). */
static void
assert_replaced (const char *value,
                 const char *before,
                 const char *after)
{
  g_autofree char *expected = g_strconcat (before, "\xef\xbf\xbd", NULL);

  g_assert_nonnull (value);
  g_assert_true (g_utf8_validate (value, -1, NULL));
  g_assert_true (g_str_has_prefix (value, expected));
  g_assert_true (g_str_has_suffix (value, after));
}

static void
test_hostile_surrogates (void)
{
  g_autofree char *path = new_profiles_path ();
  g_autoptr(BearerProfileStore) store = NULL;
  g_autoptr(JsonNode) after = NULL;
  JsonObject *s1;

  write_file (path, SURROGATES_FILE, -1);
  store = loaded_store (path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 5);
  g_assert_cmpuint (bearer_profile_store_get_n_unreadable (store), ==, 0);
  g_assert_nonnull (bearer_profile_store_find (store, "text"));
  assert_replaced (bearer_profile_get_name (bearer_profile_store_find (store, "s2")), "", "");
  assert_replaced (bearer_profile_get_token_url (bearer_profile_store_find (store, "url")),
                   "https://x.example/", "");
  {
    const char *value;

    g_assert_true (bearer_profile_get_parameter (bearer_profile_store_find (store, "param"), 0,
                                                 NULL, NULL, &value));
    assert_replaced (value, "", " ");
  }
  assert_replaced (bearer_profile_get_id (bearer_profile_store_find (store, "bad id")), "", "");

  save_ok (store, bearer_profile_store_find (store, "text"));
  after = read_json_text (path);
  g_assert_cmpuint (json_array_get_length (file_profiles (after)), ==, 5);
  assert_replaced (json_object_get_string_member (json_node_get_object (after), "top"), "", "");
  s1 = entry_object (after, "s1");
  assert_replaced (json_object_get_string_member (s1, "note"), "a", "b");
  g_assert_true (json_object_has_member (s1, "\xef\xbf\xbdkey") ||
                 json_object_has_member (s1, "\xef\xbf\xbd_key"));
  assert_replaced (json_array_get_string_element (json_object_get_array_member (s1, "more"), 0), "", "");
  assert_replaced (json_object_get_string_member (entry_object (after, "s2"), "name"), "", "");
  assert_replaced (json_object_get_string_member (entry_object (after, "s3"), "token_url"),
                   "https://x.example/", "");

  write_file (path, SURROGATES_FILE, -1);
  assert_round_trip (path);
}

/* Found by fuzz-profiles: when text that is not UTF-8 made an entry
 * unreadable only until the next write mended it, a later entry with the
 * same id was shown first, then the mended one became "the" profile, and
 * removing the one shown removed the other entry. Text is mended as the
 * file is read, so which entry is the profile never changes. */
#define MENDED_DUPLICATE_FILE \
  "{\"version\": 1, \"profiles\": [\n" \
  " {\"id\": \"s3\", \"name\": \"first\", \"token_url\": \"https://x.example/\\udc00_\"},\n" \
  " {\"id\": \"s3\", \"name\": \"second\"}\n" \
  "]}\n"

static void
test_hostile_duplicate_id_mended (void)
{
  g_autofree char *path = new_profiles_path ();
  g_autoptr(BearerProfileStore) store = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autoptr(GError) error = NULL;
  BearerProfile *shown;
  JsonArray *entries;

  write_file (path, MENDED_DUPLICATE_FILE, -1);
  store = loaded_store (path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  shown = bearer_profile_store_find (store, "s3");
  g_assert_nonnull (shown);
  g_assert_cmpstr (bearer_profile_get_name (shown), ==, "first");

  save_ok (store, shown);
  g_assert_true (bearer_profile_store_remove_profile (store, "s3", &error));
  g_assert_no_error (error);

  after = read_json_text (path);
  entries = file_profiles (after);
  g_assert_cmpuint (json_array_get_length (entries), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (entries, 0), "name"),
                   ==, "second");
}

/* Known members of the wrong type: no critical (the tests run with
 * G_DEBUG=fatal-warnings), the profile is one this version cannot read,
 * kept untouched. null is the same as absent for what may be unset. */
static const char * const wrong_types[] = {
  "{\"id\": 5, \"name\": \"w\"}",
  "{\"id\": [], \"name\": \"w\"}",
  "{\"id\": {}, \"name\": \"w\"}",
  "{\"id\": null, \"name\": \"w\"}",
  "{\"id\": \"\", \"name\": \"w\"}",
  "{\"name\": \"w\"}",
  "{\"id\": \"w1\", \"name\": 5}",
  "{\"id\": \"w2\", \"name\": []}",
  "{\"id\": \"w3\", \"name\": {}}",
  "{\"id\": \"w4\", \"name\": null}",
  "{\"id\": \"w5\", \"name\": \"\"}",
  "{\"id\": \"w6\", \"name\": \"  \\t \"}",
  "{\"id\": \"w7\"}",
  "{\"id\": \"w8\", \"name\": \"w8\", \"grant_type\": []}",
  "{\"id\": \"w9\", \"name\": \"w9\", \"grant_type\": {}}",
  "{\"id\": \"w10\", \"name\": \"w10\", \"grant_type\": 5}",
  "{\"id\": \"w11\", \"name\": \"w11\", \"client_auth\": {}}",
  "{\"id\": \"w12\", \"name\": \"w12\", \"body_encoding\": true}",
  "{\"id\": \"w13\", \"name\": \"w13\", \"token_url\": 5}",
  "{\"id\": \"w14\", \"name\": \"w14\", \"client_id\": []}",
  "{\"id\": \"w15\", \"name\": \"w15\", \"scope\": {}}",
  "{\"id\": \"w16\", \"name\": \"w16\", \"ca_file\": false}",
  "{\"id\": \"w17\", \"name\": \"w17\", \"allow_insecure_http\": \"yes\"}",
  "{\"id\": \"w18\", \"name\": \"w18\", \"auto_refresh\": 1}",
  "{\"id\": \"w19\", \"name\": \"w19\", \"auto_refresh\": []}",
  "{\"id\": \"w20\", \"name\": \"w20\", \"refresh_margin\": \"60\"}",
  "{\"id\": \"w21\", \"name\": \"w21\", \"refresh_margin\": 1.5}",
  "{\"id\": \"w22\", \"name\": \"w22\", \"refresh_margin\": {}}",
  "{\"id\": \"w23\", \"name\": \"w23\", \"parameters\": {}}",
  "{\"id\": \"w24\", \"name\": \"w24\", \"parameters\": 5}",
  "{\"id\": \"w25\", \"name\": \"w25\", \"parameters\": \"x\"}",
  "{\"id\": \"w26\", \"name\": \"w26\", \"parameters\": [5]}",
  "{\"id\": \"w27\", \"name\": \"w27\", \"parameters\": [[]]}",
  "{\"id\": \"w28\", \"name\": \"w28\", \"parameters\": [{\"name\": []}]}",
  "{\"id\": \"w29\", \"name\": \"w29\", \"parameters\": [{\"name\": \"a\", \"in\": {}}]}",
  "{\"id\": \"w30\", \"name\": \"w30\", \"parameters\": [{\"name\": \"a\", \"in\": 5}]}",
  "{\"id\": \"w31\", \"name\": \"w31\", \"parameters\": [{\"name\": \"a\", \"value\": []}]}",
  "{\"id\": \"w32\", \"name\": \"w32\", \"parameters\": [{\"name\": \"a\", \"value\": {}}]}",
  "{\"id\": \"w33\", \"name\": \"w33\", \"parameters\": [{\"name\": \"a\", \"value\": 5}]}",
  "{\"id\": \"w34\", \"name\": \"w34\", \"parameters\": [{\"in\": \"body\"}]}",
  "{\"id\": \"w35\", \"name\": \"w35\", \"parameters\": [{\"name\": null}]}",
  "{\"id\": \"w36\", \"name\": \"w36\", \"parameters\": [null]}",
  "{\"id\": \"w37\", \"name\": \"w37\", \"keep_alive\": \"yes\"}",
  "{\"id\": \"w38\", \"name\": \"w38\", \"ask_before_use\": 1}",
  "5",
  "\"text\"",
  "null",
  "[]",
  "true",
};

static void
test_hostile_wrong_types (void)
{
  g_autofree char *path = new_profiles_path ();
  g_autoptr(BearerProfileStore) store = NULL;
  g_autoptr(BearerProfile) added = simple_profile ("added");
  g_autoptr(GString) text = g_string_new ("{\"version\": 1, \"profiles\": [\n");
  g_autoptr(JsonNode) before = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autoptr(GError) error = NULL;
  BearerProfile *nulls;
  guint n = G_N_ELEMENTS (wrong_types);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (text, "  %s,\n", wrong_types[i]);
  /* null where a member may be unset: readable, with the defaults. */
  g_string_append (text, "  {\"id\": \"nulls\", \"name\": \"nulls\", \"token_url\": null,"
                         " \"grant_type\": null, \"client_auth\": null, \"auto_refresh\": null,"
                         " \"refresh_margin\": null, \"parameters\": [{\"name\": \"a\", \"in\": null,"
                         " \"value\": null}]},\n");
  g_string_append (text, "  {\"id\": \"nothing\", \"name\": \"no parameters\", \"parameters\": null}\n]}\n");
  write_file (path, text->str, -1);
  before = read_json (path);

  store = loaded_store (path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 2);
  g_assert_cmpuint (bearer_profile_store_get_n_unreadable (store), ==, n);
  nulls = bearer_profile_store_find (store, "nulls");
  g_assert_nonnull (nulls);
  g_assert_null (bearer_profile_get_token_url (nulls));
  g_assert_cmpint (bearer_profile_get_grant_type (nulls), ==, BEARER_GRANT_REFRESH_TOKEN);
  g_assert_true (bearer_profile_get_auto_refresh (nulls));
  g_assert_cmpuint (bearer_profile_get_refresh_margin (nulls), ==, BEARER_PROFILE_DEFAULT_REFRESH_MARGIN);
  g_assert_cmpuint (bearer_profile_get_n_parameters (nulls), ==, 1);
  g_assert_nonnull (bearer_profile_store_find (store, "no parameters"));

  /* Whatever else changes, they stay exactly as they were. */
  bearer_profile_set_scope (nulls, "changed");
  save_ok (store, nulls);
  add_ok (store, added);
  g_assert_true (bearer_profile_store_remove_profile (store, bearer_profile_get_id (added), &error));
  g_assert_no_error (error);

  after = read_json_text (path);
  g_assert_cmpuint (json_array_get_length (file_profiles (after)), ==, n + 2);
  for (guint i = 0; i < n; i++)
    if (!json_node_equal (json_array_get_element (file_profiles (before), i),
                          json_array_get_element (file_profiles (after), i)))
      {
        g_test_message ("entry %u (%s) was changed", i, wrong_types[i]);
        g_test_fail ();
      }

  write_file (path, text->str, -1);
  assert_round_trip (path);
}

/* Two entries with one id: the first this version can read is the
 * profile; every other entry with that id is kept untouched, whatever is
 * saved or removed. */
#define DUPLICATE_IDS_FILE \
  "{\"version\": 1, \"profiles\": [\n" \
  " {\"id\": \"x\", \"name\": \"future\", \"grant_type\": \"urn:example:future\"},\n" \
  " {\"id\": \"x\", \"name\": \"b\", \"token_url\": \"https://b.example/token\"},\n" \
  " {\"id\": \"x\", \"name\": \"c\", \"token_url\": \"https://c.example/token\"},\n" \
  " {\"id\": \"y\", \"name\": \"d\"}\n" \
  "]}\n"

#define DUPLICATE_IDS_REVERSED \
  "{\"version\": 1, \"profiles\": [\n" \
  " {\"id\": \"x\", \"name\": \"b\", \"token_url\": \"https://b.example/token\"},\n" \
  " {\"id\": \"x\", \"name\": \"future\", \"grant_type\": \"urn:example:future\"}\n" \
  "]}\n"

#define DUPLICATE_IDS_COPY \
  "{\"version\": 1, \"profiles\": [\n" \
  " {\"id\": \"x\", \"name\": \"b\", \"token_url\": \"https://b.example/token\"},\n" \
  " {\"id\": \"x\", \"name\": \"b\", \"scope\": \"copied by hand\"}\n" \
  "]}\n"

static void
test_hostile_duplicate_ids (void)
{
  g_autofree char *path = new_profiles_path ();
  g_autoptr(BearerProfileStore) store = NULL;
  g_autoptr(BearerProfileStore) again = NULL;
  g_autoptr(JsonNode) before = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autoptr(GError) error = NULL;
  BearerProfile *b;
  JsonArray *entries;

  write_file (path, DUPLICATE_IDS_FILE, -1);
  before = read_json (path);
  store = loaded_store (path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 2);
  g_assert_cmpuint (bearer_profile_store_get_n_unreadable (store), ==, 2);
  b = bearer_profile_store_find (store, "x");
  g_assert_nonnull (b);
  g_assert_cmpstr (bearer_profile_get_name (b), ==, "b");
  g_assert_null (bearer_profile_store_find (store, "c"));
  g_assert_null (bearer_profile_store_find (store, "future"));

  bearer_profile_set_scope (b, "changed");
  save_ok (store, b);
  after = read_json_text (path);
  entries = file_profiles (after);
  g_assert_cmpuint (json_array_get_length (entries), ==, 4);
  g_assert_true (json_node_equal (json_array_get_element (file_profiles (before), 0),
                                  json_array_get_element (entries, 0)));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (entries, 1), "scope"),
                   ==, "changed");
  g_assert_true (json_node_equal (json_array_get_element (file_profiles (before), 2),
                                  json_array_get_element (entries, 2)));

  /* Removing it removes that entry only. */
  g_assert_true (bearer_profile_store_remove_profile (store, "x", &error));
  g_assert_no_error (error);
  g_clear_pointer (&after, json_node_unref);
  after = read_json_text (path);
  entries = file_profiles (after);
  g_assert_cmpuint (json_array_get_length (entries), ==, 3);
  g_assert_true (json_node_equal (json_array_get_element (file_profiles (before), 0),
                                  json_array_get_element (entries, 0)));
  g_assert_true (json_node_equal (json_array_get_element (file_profiles (before), 2),
                                  json_array_get_element (entries, 1)));

  /* The entry it cannot read comes after the one it can. */
  g_clear_pointer (&before, json_node_unref);
  g_clear_pointer (&after, json_node_unref);
  write_file (path, DUPLICATE_IDS_REVERSED, -1);
  before = read_json (path);
  again = loaded_store (path);
  b = bearer_profile_store_find (again, "x");
  g_assert_nonnull (b);
  g_assert_cmpstr (bearer_profile_get_name (b), ==, "b");
  bearer_profile_set_scope (b, "changed");
  save_ok (again, b);
  after = read_json_text (path);
  entries = file_profiles (after);
  g_assert_cmpuint (json_array_get_length (entries), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (entries, 0), "scope"),
                   ==, "changed");
  g_assert_true (json_node_equal (json_array_get_element (file_profiles (before), 1),
                                  json_array_get_element (entries, 1)));

  /* A copy of the entry, same id and name: not another profile's name. */
  g_clear_pointer (&before, json_node_unref);
  g_clear_pointer (&after, json_node_unref);
  g_clear_object (&again);
  write_file (path, DUPLICATE_IDS_COPY, -1);
  before = read_json (path);
  again = loaded_store (path);
  b = bearer_profile_store_find (again, "b");
  g_assert_nonnull (b);
  bearer_profile_set_scope (b, "changed");
  save_ok (again, b);
  after = read_json_text (path);
  entries = file_profiles (after);
  g_assert_cmpuint (json_array_get_length (entries), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (entries, 0), "scope"),
                   ==, "changed");
  g_assert_true (json_node_equal (json_array_get_element (file_profiles (before), 1),
                                  json_array_get_element (entries, 1)));

  write_file (path, DUPLICATE_IDS_FILE, -1);
  assert_round_trip (path);
}

/* ---------------------------------------------------------------------- */
/* GListModel                                                             */

/* A copy of the model kept only from items-changed: it must always equal
 * the model itself. */
typedef struct {
  GListModel *model;
  GPtrArray *mirror;
  guint emissions;
  GThread *thread;
} Mirror;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  Mirror *m = user_data;

  g_assert_true (m->thread == g_thread_self ());
  g_assert_cmpuint (position + removed, <=, m->mirror->len);
  g_assert_cmpuint (m->mirror->len - removed + added, ==, g_list_model_get_n_items (model));

  g_ptr_array_remove_range (m->mirror, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (m->mirror, position + i, g_list_model_get_item (model, position + i));
  m->emissions++;
}

static void
assert_mirror (Mirror *m)
{
  g_assert_cmpuint (m->mirror->len, ==, g_list_model_get_n_items (m->model));
  for (guint i = 0; i < m->mirror->len; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (m->model, i);

      g_assert_true (item == g_ptr_array_index (m->mirror, i));
    }
  g_assert_null (g_list_model_get_item (m->model, m->mirror->len));
}

static void
test_items_changed (void)
{
  g_autofree char *path = new_profiles_path ();
  g_autoptr(BearerProfileStore) store = bearer_profile_store_new (path);
  g_autoptr(BearerProfileStore) other = bearer_profile_store_new (path);
  g_autoptr(BearerProfile) a = simple_profile ("a");
  g_autoptr(BearerProfile) b = simple_profile ("b");
  g_autoptr(BearerProfile) c = simple_profile ("c");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) mirror = g_ptr_array_new_with_free_func (g_object_unref);
  Mirror m = { G_LIST_MODEL (store), mirror, 0, g_thread_self () };
  guint before;

  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (store)) == BEARER_TYPE_PROFILE);
  add_ok (other, a);
  add_ok (other, b);

  g_signal_connect (store, "items-changed", G_CALLBACK (items_changed_cb), &m);

  g_assert_true (bearer_profile_store_load (store, NULL));
  g_assert_cmpuint (m.emissions, >=, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 2);
  assert_mirror (&m);

  before = m.emissions;
  add_ok (store, c);
  g_assert_cmpuint (m.emissions, >, before);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 3);
  assert_mirror (&m);

  /* Changing a profile keeps its object in the model. */
  {
    g_autoptr(BearerProfile) item = NULL;

    bearer_profile_set_scope (c, "changed");
    save_ok (store, c);
    assert_mirror (&m);
    item = g_list_model_get_item (G_LIST_MODEL (store), 2);
    g_assert_cmpstr (bearer_profile_get_scope (item), ==, "changed");
  }

  before = m.emissions;
  g_assert_true (bearer_profile_store_remove_profile (store, bearer_profile_get_id (a), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (m.emissions, >, before);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 2);
  assert_mirror (&m);

  /* Another writer removed one and the file is read again. */
  g_assert_true (bearer_profile_store_load (other, NULL));
  g_assert_true (bearer_profile_store_remove_profile (other, bearer_profile_get_id (b), NULL));
  g_assert_true (bearer_profile_store_load (store, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  assert_mirror (&m);

  /* A damaged file empties the model, with a signal. */
  before = m.emissions;
  write_file (path, "damaged", -1);
  g_assert_false (bearer_profile_store_load (store, &error));
  g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_CORRUPT);
  g_assert_cmpuint (m.emissions, >, before);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
  assert_mirror (&m);

  g_signal_handlers_disconnect_by_func (store, items_changed_cb, &m);
}

/* ---------------------------------------------------------------------- */
/* Async                                                                  */

static void
test_async (void)
{
  g_autofree char *path = new_profiles_path ();
  g_autoptr(BearerProfileStore) store = bearer_profile_store_new (path);
  g_autoptr(BearerProfileStore) check = NULL;
  g_autoptr(BearerProfile) a = simple_profile ("a");
  g_autoptr(BearerProfile) b = simple_profile ("b");
  g_autoptr(BearerProfile) dup = simple_profile ("a");
  g_autoptr(GPtrArray) mirror = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  Mirror m = { G_LIST_MODEL (store), mirror, 0, g_thread_self () };
  Wait wait = { NULL };

  g_signal_connect (store, "items-changed", G_CALLBACK (items_changed_cb), &m);

  /* No file yet: an empty store. */
  bearer_profile_store_load_async (store, NULL, waited_cb, &wait);
  g_assert_true (bearer_profile_store_load_finish (store, wait_for (&wait), &error));
  g_assert_no_error (error);
  g_clear_object (&wait.result);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);

  bearer_profile_store_add_profile_async (store, a, NULL, waited_cb, &wait);
  g_assert_true (bearer_profile_store_add_profile_finish (store, wait_for (&wait), &error));
  g_assert_no_error (error);
  g_clear_object (&wait.result);
  bearer_profile_store_add_profile_async (store, b, NULL, waited_cb, &wait);
  g_assert_true (bearer_profile_store_add_profile_finish (store, wait_for (&wait), &error));
  g_assert_no_error (error);
  g_clear_object (&wait.result);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 2);
  assert_mirror (&m);

  bearer_profile_store_add_profile_async (store, dup, NULL, waited_cb, &wait);
  g_assert_false (bearer_profile_store_add_profile_finish (store, wait_for (&wait), &error));
  g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_DUPLICATE_NAME);
  g_clear_error (&error);
  g_clear_object (&wait.result);

  bearer_profile_store_remove_profile_async (store, bearer_profile_get_id (a), NULL, waited_cb, &wait);
  g_assert_true (bearer_profile_store_remove_profile_finish (store, wait_for (&wait), &error));
  g_assert_no_error (error);
  g_clear_object (&wait.result);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  assert_mirror (&m);

  bearer_profile_store_remove_profile_async (store, "no-such-id", NULL, waited_cb, &wait);
  g_assert_false (bearer_profile_store_remove_profile_finish (store, wait_for (&wait), &error));
  g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_object (&wait.result);

  check = loaded_store (path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (check)), ==, 1);
  g_assert_nonnull (bearer_profile_store_find (check, "b"));

  /* A damaged file, asynchronously. */
  write_file (path, "{\"version\": 1, \"profiles\": [", -1);
  bearer_profile_store_load_async (store, NULL, waited_cb, &wait);
  g_assert_false (bearer_profile_store_load_finish (store, wait_for (&wait), &error));
  g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_CORRUPT);
  g_clear_object (&wait.result);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
  assert_mirror (&m);

  g_signal_handlers_disconnect_by_func (store, items_changed_cb, &m);
}

/* ---------------------------------------------------------------------- */
/* Concurrent writers                                                     */

#define PER_WRITER 25

typedef struct {
  const char *path;
  const char *prefix;
  guint failures;
} Writer;

static gpointer
writer_thread (gpointer data)
{
  Writer *w = data;
  g_autoptr(BearerProfileStore) store = bearer_profile_store_new (w->path);

  for (guint i = 0; i < PER_WRITER; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s-%u", w->prefix, i);
      g_autoptr(BearerProfile) profile = simple_profile (name);

      if (!bearer_profile_store_add_profile (store, profile, NULL))
        w->failures++;
    }
  return NULL;
}

static void
assert_all_present (const char  *path,
                    const char **prefixes,
                    guint        n_prefixes,
                    guint        per_prefix)
{
  g_autoptr(BearerProfileStore) store = loaded_store (path);
  g_autoptr(JsonNode) root = read_json (path);

  g_assert_cmpuint (json_array_get_length (file_profiles (root)), ==, n_prefixes * per_prefix);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, n_prefixes * per_prefix);
  for (guint p = 0; p < n_prefixes; p++)
    for (guint i = 0; i < per_prefix; i++)
      {
        g_autofree char *name = g_strdup_printf ("%s-%u", prefixes[p], i);

        if (bearer_profile_store_find (store, name) == NULL)
          {
            g_test_message ("profile %s was lost", name);
            g_test_fail ();
          }
      }
}

static void
test_concurrent_threads (void)
{
  g_autofree char *path = new_profiles_path ();
  Writer one = { path, "left", 0 };
  Writer two = { path, "right", 0 };
  const char *prefixes[] = { "left", "right" };
  GThread *t1, *t2;

  t1 = g_thread_new ("writer-1", writer_thread, &one);
  t2 = g_thread_new ("writer-2", writer_thread, &two);
  g_thread_join (t1);
  g_thread_join (t2);

  g_assert_cmpuint (one.failures, ==, 0);
  g_assert_cmpuint (two.failures, ==, 0);
  assert_all_present (path, prefixes, 2, PER_WRITER);
}

#define N_CLI 20

static void
test_concurrent_cli (void)
{
  const char *cli = g_getenv ("BEARER_CLI");
  g_autofree char *path = new_profiles_path ();
  g_autofree char *bearer_dir = g_path_get_dirname (path);
  g_autofree char *config = g_path_get_dirname (bearer_dir);
  g_autoptr(GPtrArray) procs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  const char *prefixes[] = { "cli" };

  if (cli == NULL)
    {
      g_test_skip ("BEARER_CLI is not set (run through meson test)");
      return;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config, TRUE);
  for (guint i = 0; i < N_CLI; i++)
    {
      g_autofree char *name = g_strdup_printf ("cli-%u", i);
      g_autoptr(GError) error = NULL;
      GSubprocess *proc = g_subprocess_launcher_spawn (launcher, &error, cli, "add", name,
                                                       "--token-url", "https://auth.example.com/token",
                                                       "--client-id", "c", NULL);

      g_assert_no_error (error);
      g_ptr_array_add (procs, proc);
    }

  for (guint i = 0; i < procs->len; i++)
    {
      g_autoptr(GError) error = NULL;
      GSubprocess *proc = g_ptr_array_index (procs, i);

      g_subprocess_wait (proc, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_get_if_exited (proc));
      g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
    }

  assert_all_present (path, prefixes, 1, N_CLI);
}

/* ---------------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  g_autofree char *config = NULL;
  g_autofree char *runtime = NULL;
  int status;

  /* Before anything reads them. */
  tmp_root = g_dir_make_tmp ("bearer-test-profile-store-XXXXXX", NULL);
  g_assert_nonnull (tmp_root);
  config = g_build_filename (tmp_root, "config", NULL);
  runtime = g_build_filename (tmp_root, "runtime", NULL);
  g_mkdir_with_parents (config, 0700);
  g_mkdir_with_parents (runtime, 0700);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_setenv ("XDG_RUNTIME_DIR", runtime, TRUE);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/bearer/profile-store/round-trip", test_round_trip);
  g_test_add_func ("/bearer/profile-store/unknown-members-kept", test_unknown_members);
  g_test_add_func ("/bearer/profile-store/unreadable-profile-kept", test_unreadable_profile_kept);
  g_test_add_func ("/bearer/profile-store/modes", test_modes);
  for (guint i = 0; i < G_N_ELEMENTS (corrupt_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/bearer/profile-store/corrupt-set-aside/%s",
                                               corrupt_cases[i].name);

      g_test_add_data_func (name, &corrupt_cases[i], test_corrupt_set_aside);
    }
  g_test_add_func ("/bearer/profile-store/corrupt-twice", test_corrupt_twice);
  g_test_add_func ("/bearer/profile-store/save-over-corrupt", test_save_over_corrupt);
  g_test_add_func ("/bearer/profile-store/load-writes-nothing", test_load_writes_nothing);
  g_test_add_func ("/bearer/profile-store/newer-version", test_newer_version);
  g_test_add_func ("/bearer/profile-store/duplicate-name", test_duplicate_name);
  g_test_add_func ("/bearer/profile-store/invalid-names", test_invalid_names);
  g_test_add_func ("/bearer/profile-store/remove", test_remove);
  g_test_add_func ("/bearer/profile-store/save-after-remove", test_save_after_remove);
  g_test_add_func ("/bearer/profile-store/add-twice", test_add_twice);
  g_test_add_func ("/bearer/profile-store/hostile/numbers", test_hostile_numbers);
  g_test_add_func ("/bearer/profile-store/hostile/exponents", test_hostile_exponents);
  g_test_add_func ("/bearer/profile-store/hostile/surrogates", test_hostile_surrogates);
  g_test_add_func ("/bearer/profile-store/hostile/duplicate-id-mended", test_hostile_duplicate_id_mended);
  g_test_add_func ("/bearer/profile-store/hostile/wrong-types", test_hostile_wrong_types);
  g_test_add_func ("/bearer/profile-store/hostile/duplicate-ids", test_hostile_duplicate_ids);
  g_test_add_func ("/bearer/profile-store/items-changed", test_items_changed);
  g_test_add_func ("/bearer/profile-store/async", test_async);
  g_test_add_func ("/bearer/profile-store/concurrent/threads", test_concurrent_threads);
  g_test_add_func ("/bearer/profile-store/concurrent/cli", test_concurrent_cli);

  status = g_test_run ();

  remove_tree (tmp_root);
  g_free (tmp_root);
  return status;
}
