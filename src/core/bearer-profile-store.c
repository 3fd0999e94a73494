/* bearer-profile-store.c: profiles.json, shared by the window and bearer-cli
 *
 * Every change is a small transaction on the file: take an exclusive lock
 * (`profiles.json.lock`, flock), read the file as it is now, apply the one
 * change, write it back atomically (a temporary file renamed over it,
 * mode 0600), release the lock. Two processes that change different profiles
 * at once both keep their change, and members a newer Bearer wrote are kept.
 * A load writes nothing: it reads under a shared lock, or none when the
 * lock file is missing (a read-only configuration folder), and takes the
 * exclusive one only to set a damaged file aside.
 *
 * The window calls the _async variants, which do the file work in a worker
 * thread; the list model itself is only touched on the main thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "bearer-json-private.h"
#include "bearer-profile-store.h"
#include "bearer-profile-store-private.h"

G_DEFINE_QUARK (bearer-profile-store-error-quark, bearer_profile_store_error)

struct _BearerProfileStore
{
  GObject parent_instance;

  char *path;
  GPtrArray *profiles;
  guint n_unreadable;   /* entries of the file that are not shown */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BearerProfileStore, bearer_profile_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
get_item_type (GListModel *model)
{
  return BEARER_TYPE_PROFILE;
}

static guint
get_n_items (GListModel *model)
{
  return BEARER_PROFILE_STORE (model)->profiles->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  BearerProfileStore *self = BEARER_PROFILE_STORE (model);

  if (position >= self->profiles->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->profiles, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
bearer_profile_store_finalize (GObject *object)
{
  BearerProfileStore *self = BEARER_PROFILE_STORE (object);

  g_free (self->path);
  g_ptr_array_unref (self->profiles);

  G_OBJECT_CLASS (bearer_profile_store_parent_class)->finalize (object);
}

static void
bearer_profile_store_class_init (BearerProfileStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bearer_profile_store_finalize;
}

static void
bearer_profile_store_init (BearerProfileStore *self)
{
  self->profiles = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * bearer_profile_store_default_path:
 *
 * Returns: (transfer full): `$XDG_CONFIG_HOME/bearer/profiles.json`
 */
char *
bearer_profile_store_default_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "bearer", "profiles.json", NULL);
}

/**
 * bearer_profile_store_new:
 * @path: (nullable): the profiles file; %NULL for the default
 *
 * Returns: (transfer full): an empty store; call a load function to fill it
 */
BearerProfileStore *
bearer_profile_store_new (const char *path)
{
  BearerProfileStore *self = g_object_new (BEARER_TYPE_PROFILE_STORE, NULL);

  self->path = path != NULL ? g_strdup (path) : bearer_profile_store_default_path ();
  return self;
}

const char *
bearer_profile_store_get_path (BearerProfileStore *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE_STORE (self), NULL);
  return self->path;
}

/**
 * bearer_profile_store_get_n_unreadable:
 *
 * Returns: how many entries of the file, as last read, the store does not
 *   show: profiles this version cannot read (an unknown grant type, a
 *   member of the wrong type, no name…) and entries after the first with
 *   the same id. They are kept in the file untouched.
 */
guint
bearer_profile_store_get_n_unreadable (BearerProfileStore *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE_STORE (self), 0);
  return self->n_unreadable;
}

/* -------------------------------------------------------------------------
 * The file (thread-safe: touches nothing but its arguments)
 * ------------------------------------------------------------------------- */

typedef enum {
  OP_LOAD,
  OP_ADD,
  OP_SAVE,
  OP_REMOVE,
} Op;

typedef struct {
  char *path;
  Op op;
  JsonObject *profile;   /* OP_ADD, OP_SAVE */
  char *id;              /* OP_ADD, OP_SAVE, OP_REMOVE */
  char *name;            /* OP_ADD, OP_SAVE: must be valid and unique */
  JsonArray *result;     /* the profiles as the file now holds them */
  GError *set_aside;     /* a corrupt file met and set aside during a save */
} Transaction;

static void
transaction_free (Transaction *tx)
{
  g_free (tx->path);
  g_clear_pointer (&tx->profile, json_object_unref);
  g_free (tx->id);
  g_free (tx->name);
  g_clear_pointer (&tx->result, json_array_unref);
  g_clear_error (&tx->set_aside);
  g_free (tx);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Transaction, transaction_free)

static int
take_lock (const char  *path,
           int          operation,
           GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *lock_path = g_strconcat (path, ".lock", NULL);
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_IO,
                   /* Translators: the first %s is a folder, the second the system’s
                    * explanation of the failure. */
                   _("Cannot create the folder “%s”: %s"), dir, g_strerror (saved));
      return -1;
    }

  fd = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_IO,
                   /* Translators: the first %s is a file name, the second the system’s
                    * explanation of the failure. */
                   _("Cannot open “%s”: %s"), lock_path, g_strerror (saved));
      return -1;
    }

  while (flock (fd, operation) != 0)
    {
      int saved = errno;

      if (saved == EINTR)
        continue;
      g_set_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_IO,
                   /* Translators: the first %s is a file name, the second the system’s
                    * explanation of the failure. */
                   _("Cannot lock “%s”: %s"), lock_path, g_strerror (saved));
      close (fd);
      return -1;
    }

  return fd;
}

/* What is wrong with a damaged profiles file. */
typedef enum {
  DAMAGE_NONE,
  DAMAGE_NOT_TEXT,
  DAMAGE_NOT_JSON,
  DAMAGE_NO_VERSION,
  DAMAGE_NO_PROFILES,
} Damage;

/* When the file could not be renamed: one whole sentence for each kind of
 * damage, for translators. */
static GError *
not_set_aside_error (const char *path,
                     Damage      damage,
                     const char *why_not)
{
  switch (damage)
    {
    case DAMAGE_NOT_TEXT:
      return g_error_new (BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_IO,
                          /* Translators: the first %s is the profiles file’s name, the
                           * second the system’s explanation of why it could not be
                           * renamed. */
                          _("The profiles file “%s” is damaged (it is not text) and could not "
                            "be set aside: %s. Bearer will not change it"), path, why_not);
    case DAMAGE_NOT_JSON:
      return g_error_new (BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_IO,
                          /* Translators: the first %s is the profiles file’s name, the
                           * second the system’s explanation of why it could not be
                           * renamed. */
                          _("The profiles file “%s” is damaged (it is not valid JSON) and could "
                            "not be set aside: %s. Bearer will not change it"), path, why_not);
    case DAMAGE_NO_VERSION:
      return g_error_new (BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_IO,
                          /* Translators: the first %s is the profiles file’s name, the
                           * second the system’s explanation of why it could not be
                           * renamed. */
                          _("The profiles file “%s” is damaged (it has no format version) and "
                            "could not be set aside: %s. Bearer will not change it"),
                          path, why_not);
    case DAMAGE_NO_PROFILES:
    case DAMAGE_NONE:
    default:
      return g_error_new (BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_IO,
                          /* Translators: the first %s is the profiles file’s name, the
                           * second the system’s explanation of why it could not be
                           * renamed. */
                          _("The profiles file “%s” is damaged (it does not hold a list of "
                            "profiles) and could not be set aside: %s. Bearer will not "
                            "change it"), path, why_not);
    }
}

/* When it was: one whole sentence for each kind of damage. */
static GError *
set_aside_error (Damage      damage,
                 const char *aside)
{
  switch (damage)
    {
    case DAMAGE_NOT_TEXT:
      return g_error_new (BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_CORRUPT,
                          /* Translators: %s is the name the damaged file was renamed to
                           * (a full path ending in profiles.json.corrupt-DATE). */
                          _("The profiles file was damaged (it is not text). It has been kept "
                            "as “%s” and Bearer starts with no profiles; secrets in the keyring "
                            "are untouched"), aside);
    case DAMAGE_NOT_JSON:
      return g_error_new (BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_CORRUPT,
                          /* Translators: %s is the name the damaged file was renamed to
                           * (a full path ending in profiles.json.corrupt-DATE). */
                          _("The profiles file was damaged (it is not valid JSON). It has been "
                            "kept as “%s” and Bearer starts with no profiles; secrets in the "
                            "keyring are untouched"), aside);
    case DAMAGE_NO_VERSION:
      return g_error_new (BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_CORRUPT,
                          /* Translators: %s is the name the damaged file was renamed to
                           * (a full path ending in profiles.json.corrupt-DATE). */
                          _("The profiles file was damaged (it has no format version). It has "
                            "been kept as “%s” and Bearer starts with no profiles; secrets in "
                            "the keyring are untouched"), aside);
    case DAMAGE_NO_PROFILES:
    case DAMAGE_NONE:
    default:
      return g_error_new (BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_CORRUPT,
                          /* Translators: %s is the name the damaged file was renamed to
                           * (a full path ending in profiles.json.corrupt-DATE). */
                          _("The profiles file was damaged (it does not hold a list of "
                            "profiles). It has been kept as “%s” and Bearer starts with no "
                            "profiles; secrets in the keyring are untouched"), aside);
    }
}

static GError *
set_aside (const char *path,
           Damage      damage)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *aside = g_strdup_printf ("%s.corrupt-%s", path, stamp);

  for (guint n = 2; g_file_test (aside, G_FILE_TEST_EXISTS); n++)
    {
      g_free (aside);
      aside = g_strdup_printf ("%s.corrupt-%s-%u", path, stamp, n);
    }

  if (g_rename (path, aside) != 0)
    {
      int saved = errno;
      return not_set_aside_error (path, damage, g_strerror (saved));
    }

  return set_aside_error (damage, aside);
}

/* json-glib reads a lone surrogate escape (\ud800) into the three bytes
 * that would encode that code point, ED A0..BF 80..BF, which are not UTF-8;
 * written back raw they would make the whole file unreadable. Each becomes
 * U+FFFD, and so does any other byte that is not UTF-8 (none can come from
 * a file that parsed, but nothing that is not text is ever written).
 * Returns %NULL when @text is valid as it is. */
static char *
writable_text (const char *text)
{
  GString *out;
  const char *p = text;

  if (g_utf8_validate (text, -1, NULL))
    return NULL;

  out = g_string_new (NULL);
  while (*p != '\0')
    {
      const guchar *u = (const guchar *) p;
      const char *end;

      if (u[0] == 0xed && u[1] >= 0xa0 && u[1] <= 0xbf && u[2] >= 0x80 && u[2] <= 0xbf)
        {
          g_string_append (out, "\xef\xbf\xbd");
          p += 3;
          continue;
        }

      g_utf8_validate (p, -1, &end);
      if (end == p)
        {
          g_string_append (out, "\xef\xbf\xbd");
          p++;
        }
      else
        {
          g_string_append_len (out, p, end - p);
          p = end;
        }
    }

  return g_string_free (out, FALSE);
}

/* Whether json-glib read into @node something it cannot write back as
 * JSON: a number out of range, text that is not UTF-8. */
static gboolean
needs_mending (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;

        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, &name, &member))
          if (!g_utf8_validate (name, -1, NULL) || needs_mending (member))
            return TRUE;
        return FALSE;
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (array); i++)
          if (needs_mending (json_array_get_element (array, i)))
            return TRUE;
        return FALSE;
      }

    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
        return !isfinite (json_node_get_double (node));
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        return json_node_get_string (node) != NULL && !g_utf8_validate (json_node_get_string (node), -1, NULL);
      return FALSE;

    case JSON_NODE_NULL:
    default:
      return FALSE;
    }
}

/* A copy of @node that json-glib writes as valid JSON: a number too large
 * for a double (1e999 reads as infinity, which json-glib would write as
 * "inf.0") becomes the largest finite one of the same sign, and text that
 * is not UTF-8 is mended (writable_text()). Members keep their order. The
 * depth is bounded: the file was parsed with BEARER_JSON_MAX_DEPTH. */
static JsonNode *
writable_copy (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *copy = json_object_new ();
        JsonNode *result = json_node_new (JSON_NODE_OBJECT);
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;

        json_object_iter_init_ordered (&iter, json_node_get_object (node));
        while (json_object_iter_next_ordered (&iter, &name, &member))
          {
            g_autofree char *mended = writable_text (name);

            json_object_set_member (copy, mended != NULL ? mended : name, writable_copy (member));
          }
        json_node_take_object (result, copy);
        return result;
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        JsonArray *copy = json_array_sized_new (json_array_get_length (array));
        JsonNode *result = json_node_new (JSON_NODE_ARRAY);

        for (guint i = 0; i < json_array_get_length (array); i++)
          json_array_add_element (copy, writable_copy (json_array_get_element (array, i)));
        json_node_take_array (result, copy);
        return result;
      }

    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_DOUBLE && !isfinite (json_node_get_double (node)))
        {
          double value = json_node_get_double (node);

          return json_node_init_double (json_node_alloc (),
                                        isnan (value) ? 0.0 : value > 0 ? G_MAXDOUBLE : -G_MAXDOUBLE);
        }
      if (json_node_get_value_type (node) == G_TYPE_STRING && json_node_get_string (node) != NULL)
        {
          g_autofree char *mended = writable_text (json_node_get_string (node));

          if (mended != NULL)
            return json_node_init_string (json_node_alloc (), mended);
        }
      return json_node_copy (node);

    case JSON_NODE_NULL:
    default:
      return json_node_new (JSON_NODE_NULL);
    }
}

/**
 * bearer_profile_store_mend_json: (skip)
 * @root: a document as json-glib read it
 *
 * What a load makes of a profiles file before reading any profile, for
 * tests and fuzzing: numbers out of range clamped, lone surrogates made
 * U+FFFD (writable_copy()).
 *
 * Returns: (transfer full): the mended copy
 */
JsonNode *
bearer_profile_store_mend_json (JsonNode *root)
{
  g_return_val_if_fail (root != NULL, NULL);
  return writable_copy (root);
}

static JsonObject *
empty_document (void)
{
  JsonObject *document = json_object_new ();

  json_object_set_int_member (document, "version", BEARER_PROFILES_FORMAT_VERSION);
  json_object_set_array_member (document, "profiles", json_array_new ());
  return document;
}

/* Reads the file as it is now; changes nothing. A missing file is an empty
 * one. A damaged one gives %NULL with @damage set (and no error); a file
 * that cannot be read or was written by a newer version, %NULL with
 * @error. */
static JsonObject *
read_document (const char  *path,
               Damage      *damage,
               GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *contents = NULL;
  JsonObject *document;
  JsonNode *version, *profiles;
  gsize length;

  *damage = DAMAGE_NONE;

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return empty_document ();

      g_set_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_IO,
                   /* Translators: %s is the system’s explanation of the failure. */
                   _("Cannot read the profiles file: %s"), local_error->message);
      return NULL;
    }

  switch (bearer_json_parse (contents, length, &root, NULL))
    {
    case BEARER_JSON_OK:
      break;
    case BEARER_JSON_NOT_TEXT:
      *damage = DAMAGE_NOT_TEXT;
      return NULL;
    case BEARER_JSON_TOO_DEEP:
    case BEARER_JSON_SYNTAX:
    default:
      *damage = DAMAGE_NOT_JSON;
      return NULL;
    }

  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      *damage = DAMAGE_NO_PROFILES;
      return NULL;
    }

  /* Valid JSON that json-glib reads into what it cannot write back (1e999
   * as infinity, "\ud800" as bytes that are not UTF-8) is mended now, as
   * it is read: every profile is then read from what will be written, so
   * which entries are profiles never changes with a save, and nothing that
   * is not text reaches the window or a request. */
  if (needs_mending (root))
    {
      JsonNode *mended = writable_copy (root);

      json_node_unref (root);
      root = mended;
    }

  document = json_node_get_object (root);
  version = json_object_get_member (document, "version");
  profiles = json_object_get_member (document, "profiles");

  if (version == NULL || !JSON_NODE_HOLDS_VALUE (version) ||
      json_node_get_value_type (version) != G_TYPE_INT64 || json_node_get_int (version) < 1)
    {
      *damage = DAMAGE_NO_VERSION;
      return NULL;
    }

  if (json_node_get_int (version) > BEARER_PROFILES_FORMAT_VERSION)
    {
      g_set_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_NEWER_VERSION,
                   /* Translators: %lld is the number of the file’s format (2, 3…). */
                   _("The profiles file was written by a newer version of Bearer (format "
                     "%lld). This version leaves it untouched: update Bearer"),
                   (long long) json_node_get_int (version));
      return NULL;
    }

  if (profiles == NULL || !JSON_NODE_HOLDS_ARRAY (profiles))
    {
      *damage = DAMAGE_NO_PROFILES;
      return NULL;
    }

  return json_object_ref (document);
}

/* Under the exclusive lock: reads the file, and if it is damaged, renames
 * it aside (never overwritten), reports that in @corrupt and continues
 * from an empty document. */
static JsonObject *
read_or_set_aside (const char  *path,
                   GError     **corrupt,
                   GError     **error)
{
  JsonObject *document;
  Damage damage;

  document = read_document (path, &damage, error);
  if (document != NULL || damage == DAMAGE_NONE)
    return document;

  g_propagate_error (corrupt, set_aside (path, damage));
  if (*corrupt != NULL && (*corrupt)->code == BEARER_PROFILE_STORE_ERROR_IO)
    {
      /* Could not set it aside: stop, and touch nothing. */
      g_propagate_error (error, g_steal_pointer (corrupt));
      return NULL;
    }

  return empty_document ();
}

/* A load needs no write access: it reads under a shared lock when the lock
 * file exists and can be opened (read-only), and with no lock at all when
 * it cannot (every write is an atomic rename, so a reader always sees a
 * whole file). -1 when there is no lock. */
static int
lock_for_reading (const char *path)
{
  g_autofree char *lock_path = g_strconcat (path, ".lock", NULL);
  int fd = g_open (lock_path, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0)
    return -1;

  while (flock (fd, LOCK_SH) != 0)
    {
      if (errno == EINTR)
        continue;
      close (fd);
      return -1;
    }

  return fd;
}

/* A load that met a damaged file: setting it aside needs the exclusive
 * lock, taken on the lock file already open (flock works on a read-only
 * descriptor) or by creating it. Then the file is read again: another
 * process may have set it aside or replaced it meanwhile. */
static JsonObject *
load_damaged (const char  *path,
              Damage       damage,
              int         *fd,
              GError     **corrupt,
              GError     **error)
{
  g_autoptr(GError) lock_error = NULL;

  if (*fd >= 0)
    {
      while (flock (*fd, LOCK_EX) != 0)
        {
          int saved = errno;

          if (saved == EINTR)
            continue;
          g_set_error_literal (&lock_error, G_FILE_ERROR, g_file_error_from_errno (saved),
                               g_strerror (saved));
          break;
        }
    }
  else
    *fd = take_lock (path, LOCK_EX, &lock_error);

  if (lock_error != NULL)
    {
      g_propagate_error (error, not_set_aside_error (path, damage, lock_error->message));
      return NULL;
    }

  return read_or_set_aside (path, corrupt, error);
}

/* json-glib 1.6 writes a double with "%.17g" and adds ".0" when there is
 * no point, also after an exponent: 1e17 becomes "1e+17.0", which is not
 * JSON. Outside strings (the generator writes nothing else but numbers,
 * literals and punctuation there), every number with an exponent that
 * ends in ".0" loses the ".0": the same value, as JSON. In place. */
static void
mend_exponents (char  *data,
                gsize *length)
{
  gsize in = 0, out = 0;
  gboolean in_string = FALSE;

  while (in < *length)
    {
      char c = data[in];

      if (in_string)
        {
          data[out++] = data[in++];
          if (c == '\\' && in < *length)
            data[out++] = data[in++];
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      if (c == '"')
        in_string = TRUE;
      else if (c == '-' || g_ascii_isdigit (c))
        {
          gsize start = in, end = in;
          gboolean exponent = FALSE;

          while (end < *length && (g_ascii_isdigit (data[end]) || data[end] == '-' || data[end] == '+' ||
                                   data[end] == '.' || data[end] == 'e' || data[end] == 'E'))
            {
              exponent |= data[end] == 'e' || data[end] == 'E';
              end++;
            }
          if (exponent && end - start >= 2 && data[end - 2] == '.' && data[end - 1] == '0' &&
              memchr (data + start, '.', end - start - 2) == NULL)
            {
              memmove (data + out, data + start, end - start - 2);
              out += end - start - 2;
            }
          else
            {
              memmove (data + out, data + start, end - start);
              out += end - start;
            }
          in = end;
          continue;
        }

      data[out++] = data[in++];
    }

  *length = out;
  data[out] = '\0';
}

static gboolean
write_document (const char  *path,
                JsonObject  *document,
                GError     **error)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonNode) writable = NULL;
  g_autoptr(JsonNode) check = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *data = NULL;
  gsize length;

  json_object_set_int_member (document, "version", BEARER_PROFILES_FORMAT_VERSION);
  json_node_set_object (root, document);
  writable = writable_copy (root);
  json_generator_set_root (generator, writable);
  json_generator_set_pretty (generator, TRUE);
  data = json_generator_to_data (generator, &length);
  mend_exponents (data, &length);
  data = g_realloc (data, length + 2);
  data[length++] = '\n';
  data[length] = '\0';

  /* What is written must load again: never replace the file with one that
   * the next load would have to set aside. */
  if (bearer_json_parse (data, length, &check, NULL) != BEARER_JSON_OK || !JSON_NODE_HOLDS_OBJECT (check))
    {
      g_set_error_literal (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_IO,
                           _("Cannot save the profiles: what would be written is not valid JSON. "
                             "The file is left as it was"));
      return FALSE;
    }

  if (!g_file_set_contents_full (path, data, length,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error))
    {
      g_set_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_IO,
                   /* Translators: %s is the system’s explanation of the failure. */
                   _("Cannot save the profiles: %s"), local_error->message);
      return FALSE;
    }

  return TRUE;
}

/* A text member of one entry of the list, or %NULL: whatever the entry
 * holds, without a critical. */
static const char *
entry_string (JsonNode   *entry,
              const char *member)
{
  JsonNode *node;

  if (!JSON_NODE_HOLDS_OBJECT (entry))
    return NULL;
  node = json_object_get_member (json_node_get_object (entry), member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* Which entry of the list is the profile @id: the first one with that id
 * that this version can read. Any other entry with that id is one it
 * cannot read, kept untouched (a file edited by hand, or by a newer
 * Bearer, may hold two). G_MAXUINT when there is none. */
static guint
find_entry (JsonArray  *profiles,
            const char *id)
{
  for (guint i = 0; i < json_array_get_length (profiles); i++)
    {
      JsonNode *entry = json_array_get_element (profiles, i);
      g_autoptr(BearerProfile) parsed = NULL;

      if (g_strcmp0 (entry_string (entry, "id"), id) != 0)
        continue;
      parsed = bearer_profile_new_from_json (json_node_get_object (entry), NULL);
      if (parsed != NULL)
        return i;
    }

  return G_MAXUINT;
}

static gboolean
transaction_run (Transaction  *tx,
                 GError      **error)
{
  g_autoptr(JsonObject) document = NULL;
  JsonArray *profiles;
  guint found;
  int fd;
  gboolean ok = TRUE;
  gboolean written = FALSE;

  /* A name the file must never hold: refused before anything is read. */
  if ((tx->op == OP_ADD || tx->op == OP_SAVE) && !bearer_profile_check_name (tx->name, error))
    return FALSE;

  if (tx->op == OP_LOAD)
    {
      Damage damage;

      fd = lock_for_reading (tx->path);
      document = read_document (tx->path, &damage, error);
      if (document == NULL && damage != DAMAGE_NONE)
        document = load_damaged (tx->path, damage, &fd, &tx->set_aside, error);
    }
  else
    {
      /* Every change: read, change and write under the exclusive lock. */
      fd = take_lock (tx->path, LOCK_EX, error);
      if (fd < 0)
        return FALSE;
      document = read_or_set_aside (tx->path, &tx->set_aside, error);
    }

  if (document == NULL)
    {
      if (fd >= 0)
        close (fd);
      return FALSE;
    }

  profiles = json_object_get_array_member (document, "profiles");
  found = tx->op == OP_LOAD ? G_MAXUINT : find_entry (profiles, tx->id);

  if (tx->op == OP_ADD)
    {
      /* Any entry with this id, even one this version cannot read. */
      for (guint i = 0; ok && i < json_array_get_length (profiles); i++)
        if (g_strcmp0 (entry_string (json_array_get_element (profiles, i), "id"), tx->id) == 0)
          {
            g_set_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_DUPLICATE_ID,
                         /* Translators: %s is a profile’s name. */
                         _("“%s” is already in the profiles file"), tx->name);
            ok = FALSE;
          }
    }
  else if (tx->op == OP_SAVE && found == G_MAXUINT)
    {
      /* Never bring back a profile another process removed. */
      g_set_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_NOT_FOUND,
                   /* Translators: %s is a profile’s name. */
                   _("“%s” was not saved: another program removed it from the profiles file "
                     "(or changed it in a way this version cannot read)"), tx->name);
      ok = FALSE;
    }
  else if (tx->op == OP_REMOVE && found == G_MAXUINT)
    {
      g_set_error_literal (error, BEARER_PROFILE_STORE_ERROR,
                           BEARER_PROFILE_STORE_ERROR_NOT_FOUND, _("No such profile"));
      ok = FALSE;
    }

  /* Names are unique, among the entries this version cannot read too; an
   * entry with the profile's own id (a copy) is no other profile. */
  for (guint i = 0; ok && (tx->op == OP_ADD || tx->op == OP_SAVE) && i < json_array_get_length (profiles); i++)
    if (i != found &&
        g_strcmp0 (entry_string (json_array_get_element (profiles, i), "id"), tx->id) != 0 &&
        g_strcmp0 (entry_string (json_array_get_element (profiles, i), "name"), tx->name) == 0)
      {
        g_set_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_DUPLICATE_NAME,
                     /* Translators: %s is a profile’s name. */
                     _("Another profile is already called “%s”"), tx->name);
        ok = FALSE;
      }

  if (ok && tx->op != OP_LOAD)
    {
      if (tx->op == OP_ADD)
        json_array_add_object_element (profiles, json_object_ref (tx->profile));
      else if (tx->op == OP_SAVE)
        {
          /* JsonArray has no replace: rebuild the array in order. */
          JsonArray *copy = json_array_sized_new (json_array_get_length (profiles));

          for (guint i = 0; i < json_array_get_length (profiles); i++)
            {
              if (i == found)
                json_array_add_object_element (copy, json_object_ref (tx->profile));
              else
                json_array_add_element (copy, json_node_copy (json_array_get_element (profiles, i)));
            }
          json_object_set_array_member (document, "profiles", copy);
          profiles = copy;
        }
      else
        json_array_remove_element (profiles, found);

      written = TRUE;
      ok = write_document (tx->path, document, error);
    }

  if (fd >= 0)
    close (fd);

  /* The profiles as the file now holds them: also when the change was
   * refused (a profile removed meanwhile disappears from the list), but not
   * when a changed list could not be written. */
  if (ok || !written)
    tx->result = json_array_ref (profiles);

  return ok;
}

/* -------------------------------------------------------------------------
 * The list model (main thread)
 * ------------------------------------------------------------------------- */

static void
apply_result (BearerProfileStore *self,
              JsonArray          *result)
{
  g_autoptr(GPtrArray) next = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint old_len = self->profiles->len;
  guint unreadable = 0;

  for (guint i = 0; i < json_array_get_length (result); i++)
    {
      JsonNode *node = json_array_get_element (result, i);
      g_autoptr(BearerProfile) parsed = NULL;
      g_autoptr(GError) error = NULL;
      BearerProfile *existing = NULL;

      /* A profile this version cannot read stays in the file untouched, and
       * so does every entry after the first readable one with the same id
       * (find_entry()). */
      if (JSON_NODE_HOLDS_OBJECT (node))
        parsed = bearer_profile_new_from_json (json_node_get_object (node), &error);
      if (parsed == NULL || g_hash_table_contains (seen, bearer_profile_get_id (parsed)))
        {
          g_debug ("Profile %u in the file is skipped: %s", i,
                   error != NULL ? error->message
                   : parsed != NULL ? "an entry before it has the same id" : "not an object");
          unreadable++;
          continue;
        }

      for (guint j = 0; j < self->profiles->len && existing == NULL; j++)
        if (g_str_equal (bearer_profile_get_id (g_ptr_array_index (self->profiles, j)),
                         bearer_profile_get_id (parsed)))
          existing = g_ptr_array_index (self->profiles, j);

      if (existing != NULL)
        {
          bearer_profile_update_from (existing, parsed);
          g_ptr_array_add (next, g_object_ref (existing));
        }
      else
        g_ptr_array_add (next, g_object_ref (parsed));
      /* The id lives as long as the profile, which "next" holds. */
      g_hash_table_add (seen, (gpointer) bearer_profile_get_id (g_ptr_array_index (next, next->len - 1)));
    }

  g_ptr_array_unref (self->profiles);
  self->profiles = g_steal_pointer (&next);
  self->n_unreadable = unreadable;
  g_list_model_items_changed (G_LIST_MODEL (self), 0, old_len, self->profiles->len);
}

static Transaction *
transaction_new (BearerProfileStore *self,
                 Op                  op)
{
  Transaction *tx = g_new0 (Transaction, 1);

  tx->path = g_strdup (self->path);
  tx->op = op;
  return tx;
}

static Transaction *
save_transaction (BearerProfileStore *self,
                  Op                  op,
                  BearerProfile      *profile)
{
  Transaction *tx = transaction_new (self, op);

  tx->profile = bearer_profile_to_json (profile);
  tx->id = g_strdup (bearer_profile_get_id (profile));
  tx->name = g_strdup (bearer_profile_get_name (profile));
  return tx;
}

static gboolean
finish_transaction (BearerProfileStore  *self,
                    Transaction         *tx,
                    gboolean             ok,
                    GError             **error)
{
  if (tx->result != NULL)
    apply_result (self, tx->result);

  if (!ok)
    return FALSE;

  /* A load that met a damaged file succeeded with no profiles, but the user
   * must hear what happened. A save or a removal that met one (written
   * there since the last load) succeeded too: the change is in the new
   * file, and the damaged one is kept beside it. */
  if (tx->set_aside != NULL && tx->op != OP_LOAD)
    {
      g_message ("%s", tx->set_aside->message);
      return TRUE;
    }

  if (tx->set_aside != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&tx->set_aside));
      return FALSE;
    }

  return TRUE;
}

static void
transaction_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  Transaction *tx = task_data;
  GError *error = NULL;

  if (transaction_run (tx, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
run_async (BearerProfileStore  *self,
           Transaction         *tx,
           gpointer             source_tag,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, tx, (GDestroyNotify) transaction_free);
  /* Once the file is being written, finish the write. */
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, transaction_thread);
}

static gboolean
run_finish (BearerProfileStore  *self,
            GAsyncResult        *result,
            gpointer             source_tag,
            GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  Transaction *tx;
  gboolean ok;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  tx = g_task_get_task_data (G_TASK (result));
  ok = g_task_propagate_boolean (G_TASK (result), &local_error);
  if (!finish_transaction (self, tx, ok, error))
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

static gboolean
run_sync (BearerProfileStore  *self,
          Transaction         *tx,
          GError             **error)
{
  g_autoptr(Transaction) owned = tx;
  g_autoptr(GError) local_error = NULL;
  gboolean ok = transaction_run (owned, &local_error);

  if (!finish_transaction (self, owned, ok, error))
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/**
 * bearer_profile_store_load:
 *
 * Reads the file. A missing file is an empty store. A damaged one is set
 * aside as `profiles.json.corrupt-<time>`: the store is then empty and the
 * error (%BEARER_PROFILE_STORE_ERROR_CORRUPT) says where the file went.
 * Blocks on file I/O: for the command line and tests.
 */
gboolean
bearer_profile_store_load (BearerProfileStore  *self,
                           GError             **error)
{
  g_return_val_if_fail (BEARER_IS_PROFILE_STORE (self), FALSE);
  return run_sync (self, transaction_new (self, OP_LOAD), error);
}

void
bearer_profile_store_load_async (BearerProfileStore  *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (BEARER_IS_PROFILE_STORE (self));
  run_async (self, transaction_new (self, OP_LOAD), bearer_profile_store_load_async,
             cancellable, callback, user_data);
}

gboolean
bearer_profile_store_load_finish (BearerProfileStore  *self,
                                  GAsyncResult        *result,
                                  GError             **error)
{
  return run_finish (self, result, bearer_profile_store_load_async, error);
}

/**
 * bearer_profile_store_add_profile:
 * @profile: a new profile
 *
 * Adds @profile at the end of the file as it is now, keeping every other
 * profile and every unknown member. The store then shows the file's
 * profiles, @profile among them. Errors:
 * %BEARER_PROFILE_STORE_ERROR_INVALID for a name bearer_profile_check_name()
 * refuses, %BEARER_PROFILE_STORE_ERROR_DUPLICATE_NAME when another profile
 * has its name, %BEARER_PROFILE_STORE_ERROR_DUPLICATE_ID when its id is in
 * the file already (add it once, then save it).
 */
gboolean
bearer_profile_store_add_profile (BearerProfileStore  *self,
                                  BearerProfile       *profile,
                                  GError             **error)
{
  g_return_val_if_fail (BEARER_IS_PROFILE_STORE (self), FALSE);
  g_return_val_if_fail (BEARER_IS_PROFILE (profile), FALSE);
  return run_sync (self, save_transaction (self, OP_ADD, profile), error);
}

void
bearer_profile_store_add_profile_async (BearerProfileStore  *self,
                                        BearerProfile       *profile,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_return_if_fail (BEARER_IS_PROFILE_STORE (self));
  g_return_if_fail (BEARER_IS_PROFILE (profile));
  run_async (self, save_transaction (self, OP_ADD, profile), bearer_profile_store_add_profile_async,
             cancellable, callback, user_data);
}

gboolean
bearer_profile_store_add_profile_finish (BearerProfileStore  *self,
                                         GAsyncResult        *result,
                                         GError             **error)
{
  return run_finish (self, result, bearer_profile_store_add_profile_async, error);
}

/**
 * bearer_profile_store_save_profile:
 * @profile: a profile of the file, changed
 *
 * Writes @profile over its entry in the file as it is now, keeping every
 * other profile and every unknown member. The store then shows the file's
 * profiles. A profile that is no longer in the file (another process
 * removed it) is not brought back: %BEARER_PROFILE_STORE_ERROR_NOT_FOUND,
 * and the store no longer shows it. Names follow the rules of
 * bearer_profile_store_add_profile().
 */
gboolean
bearer_profile_store_save_profile (BearerProfileStore  *self,
                                   BearerProfile       *profile,
                                   GError             **error)
{
  g_return_val_if_fail (BEARER_IS_PROFILE_STORE (self), FALSE);
  g_return_val_if_fail (BEARER_IS_PROFILE (profile), FALSE);
  return run_sync (self, save_transaction (self, OP_SAVE, profile), error);
}

void
bearer_profile_store_save_profile_async (BearerProfileStore  *self,
                                         BearerProfile       *profile,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_return_if_fail (BEARER_IS_PROFILE_STORE (self));
  g_return_if_fail (BEARER_IS_PROFILE (profile));
  run_async (self, save_transaction (self, OP_SAVE, profile), bearer_profile_store_save_profile_async,
             cancellable, callback, user_data);
}

gboolean
bearer_profile_store_save_profile_finish (BearerProfileStore  *self,
                                          GAsyncResult        *result,
                                          GError             **error)
{
  return run_finish (self, result, bearer_profile_store_save_profile_async, error);
}

/**
 * bearer_profile_store_remove_profile:
 * @id: the profile's id
 *
 * Removes a profile from the file. Its secrets are the keyring's business:
 * see bearer_secrets_delete_async().
 */
gboolean
bearer_profile_store_remove_profile (BearerProfileStore  *self,
                                     const char          *id,
                                     GError             **error)
{
  Transaction *tx;

  g_return_val_if_fail (BEARER_IS_PROFILE_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  tx = transaction_new (self, OP_REMOVE);
  tx->id = g_strdup (id);
  return run_sync (self, tx, error);
}

void
bearer_profile_store_remove_profile_async (BearerProfileStore  *self,
                                           const char          *id,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  Transaction *tx;

  g_return_if_fail (BEARER_IS_PROFILE_STORE (self));
  g_return_if_fail (id != NULL);

  tx = transaction_new (self, OP_REMOVE);
  tx->id = g_strdup (id);
  run_async (self, tx, bearer_profile_store_remove_profile_async, cancellable, callback, user_data);
}

gboolean
bearer_profile_store_remove_profile_finish (BearerProfileStore  *self,
                                            GAsyncResult        *result,
                                            GError             **error)
{
  return run_finish (self, result, bearer_profile_store_remove_profile_async, error);
}

/**
 * bearer_profile_store_find:
 * @id_or_name: a profile's id or its name
 *
 * Returns: (transfer none) (nullable): the profile
 */
BearerProfile *
bearer_profile_store_find (BearerProfileStore *self,
                           const char         *id_or_name)
{
  g_return_val_if_fail (BEARER_IS_PROFILE_STORE (self), NULL);

  if (id_or_name == NULL)
    return NULL;

  for (guint i = 0; i < self->profiles->len; i++)
    {
      BearerProfile *profile = g_ptr_array_index (self->profiles, i);

      if (g_strcmp0 (bearer_profile_get_name (profile), id_or_name) == 0 ||
          g_strcmp0 (bearer_profile_get_id (profile), id_or_name) == 0)
        return profile;
    }

  return NULL;
}
