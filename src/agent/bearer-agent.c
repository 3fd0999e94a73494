/* bearer-agent.c: the token agent, a service on the session bus
 *
 * bearer-agent keeps tokens alive and hands them out, without GTK. It is a
 * GApplication with G_APPLICATION_IS_SERVICE, D-Bus activated under
 * APPLICATION_ID.Agent, and holds, for as long as it runs:
 *
 *  - one watched BearerConnectionList (profiles.json and every profile's
 *    keyring item, read in one search when it starts; other processes'
 *    changes followed through the file and lock monitors), so a token
 *    still valid is answered from memory: one local round trip, no
 *    keyring session, no file read;
 *  - one BearerScheduler over the connections with Keep Signed In
 *    (keep_alive), which refreshes them before they expire whether or not
 *    a window is open;
 *  - libsecret's open session, by living on.
 *
 * Every refresh goes through the connection, so through the refresh
 * transaction and its lock: the agent, the window and a bearer-cli doing
 * the work itself never spend one refresh token twice.
 *
 * Before answering, the agent compares profiles.json with what it loaded
 * (inode, size, times) and reads it again when it changed, so a caller
 * that has just added, renamed or removed a profile is answered about the
 * file as it is now.
 *
 * For a connection with "Ask before other programs use this token"
 * (ask_before_use), GetToken and Refresh first ask the user through the
 * window application (ask_user() below).
 *
 * It exits BEARER_AGENT_IDLE_TIMEOUT seconds after the last call when no
 * connection has Keep Signed In and no refresh or write is in flight
 * (each holds the application).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <unistd.h>

#include <gio/gunixsocketaddress.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "bearer-agent.h"
#include "bearer-agent-generated.h"
#include "bearer-agent-protocol.h"
#include "bearer-connection-list.h"
#include "bearer-enum-types.h"
#include "bearer-enums.h"
#include "bearer-profile-secrets.h"
#include "bearer-scheduler.h"

struct _BearerAgent
{
  GApplication parent_instance;

  BearerAgent1 *skeleton;
  BearerProfileStore *store;
  BearerConnectionList *list;
  GListStore *kept;             /* the connections with Keep Signed In */
  BearerScheduler *scheduler;
  GPtrArray *watched;           /* connections whose signals are connected */

  gboolean loaded;
  gboolean loading;
  GPtrArray *waiting;           /* Calls waiting for profiles.json to be read */
  struct stat seen;             /* profiles.json as last read */
  gboolean kept_hold;           /* held for Keep Signed In */
  GSocketService *service;      /* the agent's socket (see below) */
  char *socket_path;
  ino_t socket_inode;
  gboolean started_hold;        /* held until the first load */
  GHashTable *allowed;          /* "id\nprogram\nparent" → until (monotonic µs): "Allow for 10 Minutes" */
};

G_DEFINE_FINAL_TYPE (BearerAgent, bearer_agent, G_TYPE_APPLICATION)

typedef enum {
  CALL_GET_TOKEN,
  CALL_REFRESH,
  CALL_FORGET,
  CALL_LIST,
} CallKind;

typedef struct {
  BearerAgent *self;
  CallKind kind;
  GDBusMethodInvocation *invocation;  /* a call on the bus… */
  GSocketConnection *peer;            /* …or on the agent's socket */
  char *connection;
  guint min_valid;
  gboolean had_pending;
  gboolean from_host;                 /* a bearer-cli on the host, the agent in a Flatpak */
  BearerConnection *target;
  guint32 pid;                        /* the caller's process, 0 unknown */
  gboolean asked;                     /* the user allowed it (ask_before_use) */
} Call;

static void update_kept (BearerAgent *self);
static void ask_user (Call *call);
static void dispatch (Call *call);

/* ---- calls ----------------------------------------------------------------- */

static Call *
call_new (BearerAgent           *self,
          CallKind               kind,
          GDBusMethodInvocation *invocation,
          const char            *connection)
{
  Call *call = g_new0 (Call, 1);

  /* Every call holds the agent until it is answered. */
  g_application_hold (G_APPLICATION (self));
  call->self = g_object_ref (self);
  call->kind = kind;
  call->invocation = invocation != NULL ? g_object_ref (invocation) : NULL;
  call->connection = g_strdup (connection);
  return call;
}

static void
call_free (Call *call)
{
  g_application_release (G_APPLICATION (call->self));
  g_clear_object (&call->target);
  g_clear_object (&call->invocation);
  g_clear_object (&call->peer);
  g_object_unref (call->self);
  g_free (call->connection);
  g_free (call);
}

static void socket_reply (Call       *call,
                          const char *error_name,
                          const char *error_message,
                          GVariant   *answer);

static void
call_return_named_error (Call       *call,
                         const char *name,
                         const char *message)
{
  if (call->invocation != NULL)
    g_dbus_method_invocation_return_dbus_error (call->invocation, name, message);
  else
    socket_reply (call, name, message, NULL);
  call_free (call);
}

static void
call_return_error (Call         *call,
                   const GError *error)
{
  g_autofree char *name = bearer_agent_error_name (error);

  call_return_named_error (call, name, error->message);
}

/* ---- answers ----------------------------------------------------------------- */

static GVariant *
token_answer (BearerConnection    *connection,
              BearerSecrets       *secrets,
              BearerRefreshResult *result,
              gboolean             pending_moved)
{
  BearerProfile *profile = bearer_connection_get_profile (connection);
  GVariantBuilder builder;
  const char *scope = bearer_secrets_get_scope (secrets);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "profile-id", g_variant_new_string (bearer_profile_get_id (profile)));
  g_variant_builder_add (&builder, "{sv}", "profile-name",
                         g_variant_new_string (bearer_profile_get_name (profile)));
  g_variant_builder_add (&builder, "{sv}", "access-token",
                         g_variant_new_string (bearer_secrets_get_access_token (secrets)));
  g_variant_builder_add (&builder, "{sv}", "token-type",
                         g_variant_new_string (bearer_secrets_get_token_type (secrets)));
  g_variant_builder_add (&builder, "{sv}", "expires-at", g_variant_new_int64 (bearer_secrets_get_expires_at (secrets)));
  if (scope != NULL)
    g_variant_builder_add (&builder, "{sv}", "scope", g_variant_new_string (scope));
  g_variant_builder_add (&builder, "{sv}", "pending-moved", g_variant_new_boolean (pending_moved));

  if (result != NULL)
    {
      BearerTokenResponse *response = bearer_refresh_result_get_response (result);
      const GError *store_error = bearer_refresh_result_get_store_error (result);

      g_variant_builder_add (&builder, "{sv}", "from-server",
                             g_variant_new_boolean (bearer_refresh_result_get_from_server (result)));
      g_variant_builder_add (&builder, "{sv}", "rotated",
                             g_variant_new_boolean (response != NULL &&
                                                    bearer_token_response_get_refresh_token_rotated (response)));
      if (store_error != NULL)
        {
          const GError *keep_aside_error = bearer_refresh_result_get_keep_aside_error (result);

          g_variant_builder_add (&builder, "{sv}", "store-error", g_variant_new_string (store_error->message));
          g_variant_builder_add (&builder, "{sv}", "kept-aside",
                                 g_variant_new_boolean (bearer_refresh_result_get_kept_aside (result)));
          if (keep_aside_error != NULL)
            g_variant_builder_add (&builder, "{sv}", "keep-aside-error",
                                   g_variant_new_string (keep_aside_error->message));
        }
    }
  else
    {
      g_variant_builder_add (&builder, "{sv}", "from-server", g_variant_new_boolean (FALSE));
      g_variant_builder_add (&builder, "{sv}", "rotated", g_variant_new_boolean (FALSE));
    }

  return g_variant_builder_end (&builder);
}

static void
call_return_token (Call                *call,
                   BearerSecrets       *secrets,
                   BearerRefreshResult *result,
                   gboolean             pending_moved)
{
  GVariant *answer = token_answer (call->target, secrets, result, pending_moved);

  if (call->invocation != NULL)
    g_dbus_method_invocation_return_value (call->invocation, g_variant_new ("(@a{sv})", answer));
  else
    socket_reply (call, "", "", answer);
  call_free (call);
}

static GVariant *
connection_state (BearerConnection *connection)
{
  BearerProfile *profile = bearer_connection_get_profile (connection);
  g_autoptr(BearerSecrets) token = bearer_connection_dup_token (connection);
  const GError *keyring_error = bearer_connection_get_secrets_error (connection);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "id", g_variant_new_string (bearer_profile_get_id (profile)));
  g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_string (bearer_profile_get_name (profile)));
  g_variant_builder_add (&builder, "{sv}", "grant",
                         g_variant_new_string (bearer_grant_type_to_string (bearer_profile_get_grant_type (profile))));
  g_variant_builder_add (&builder, "{sv}", "state",
                         g_variant_new_string (bearer_enum_to_nick (BEARER_TYPE_TOKEN_STATE,
                                                                    bearer_connection_get_state (connection))));
  g_variant_builder_add (&builder, "{sv}", "expires-at", g_variant_new_int64 (bearer_secrets_get_expires_at (token)));
  g_variant_builder_add (&builder, "{sv}", "has-access-token",
                         g_variant_new_boolean (bearer_secrets_get_access_token (token) != NULL));
  g_variant_builder_add (&builder, "{sv}", "has-refresh-token",
                         g_variant_new_boolean (bearer_connection_get_has_refresh_token (connection)));
  g_variant_builder_add (&builder, "{sv}", "needs-sign-in",
                         g_variant_new_boolean (bearer_secrets_get_needs_sign_in (token)));
  g_variant_builder_add (&builder, "{sv}", "keep-alive",
                         g_variant_new_boolean (bearer_profile_get_keep_alive (profile)));
  g_variant_builder_add (&builder, "{sv}", "pending",
                         g_variant_new_boolean (bearer_profile_has_pending_tokens (profile)));
  if (keyring_error != NULL)
    {
      g_autofree char *code = bearer_agent_error_code (keyring_error);

      g_variant_builder_add (&builder, "{sv}", "keyring-error", g_variant_new_string (keyring_error->message));
      g_variant_builder_add (&builder, "{sv}", "keyring-error-code", g_variant_new_string (code));
    }
  return g_variant_builder_end (&builder);
}

static void
answer_list (Call *call)
{
  BearerAgent *self = call->self;
  GVariantBuilder connections;
  GVariantBuilder info;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->list));

  g_variant_builder_init (&connections, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BearerConnection) connection = g_list_model_get_item (G_LIST_MODEL (self->list), i);

      g_variant_builder_add_value (&connections, connection_state (connection));
    }
  g_variant_builder_init (&info, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&info, "{sv}", "n-unreadable",
                         g_variant_new_uint32 (bearer_profile_store_get_n_unreadable (self->store)));
  g_variant_builder_add (&info, "{sv}", "profiles-path",
                         g_variant_new_string (bearer_profile_store_get_path (self->store)));

  g_dbus_method_invocation_return_value (call->invocation, g_variant_new ("(aa{sv}a{sv})", &connections, &info));
  call_free (call);
}

/* ---- the work ------------------------------------------------------------------ */

static void
refreshed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Call *call = user_data;
  BearerConnection *connection = BEARER_CONNECTION (source);
  g_autoptr(BearerRefreshResult) refresh = NULL;
  g_autoptr(GError) error = NULL;
  gboolean pending_moved;

  refresh = bearer_connection_refresh_finish (connection, result, &error);
  if (refresh == NULL)
    {
      call_return_error (call, error);
      return;
    }

  pending_moved = call->had_pending && !bearer_profile_has_pending_tokens (bearer_connection_get_profile (connection));
  call_return_token (call, bearer_refresh_result_get_secrets (refresh), refresh, pending_moved);
}

static void
drop_access_token (BearerSecrets *secrets,
                   gpointer       user_data)
{
  bearer_secrets_set_access_token (secrets, NULL, NULL, 0, NULL);
}

static void
forgotten_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(GError) error = NULL;

  secrets = bearer_profile_update_secrets_finish (result, &error);
  if (secrets == NULL)
    {
      call_return_error (call, error);
      return;
    }

  bearer_connection_set_secrets (call->target, secrets);
  g_dbus_method_invocation_return_value (call->invocation, NULL);
  call_free (call);
}

/* ---- "Ask before other programs use this token" ------------------------------------
 *
 * Before the token of a connection with ask_before_use goes to a program,
 * the agent asks the window application (BEARER_CONFIRM_INTERFACE on its
 * bus name, which D-Bus activation starts when it is not running) and
 * answers the caller only once the user has. No answer within
 * BEARER_AGENT_ASK_TIMEOUT seconds, no application to ask, or anything but
 * an allowance: the request is refused, never answered silently. The
 * caller is named from its process id (the bus's
 * GetConnectionUnixProcessID, or the socket's SO_PEERCRED). */

static guint
ask_timeout_ms (void)
{
  const char *text = g_getenv ("BEARER_AGENT_ASK_TIMEOUT");
  guint64 seconds = BEARER_AGENT_ASK_TIMEOUT;

  if (text != NULL && !g_ascii_string_to_unsigned (text, 10, 1, 3600, &seconds, NULL))
    seconds = BEARER_AGENT_ASK_TIMEOUT;
  return (guint) seconds * 1000;
}

static char *
allowance_key (Call       *call,
               const char *program,
               const char *parent)
{
  return g_strjoin ("\n", bearer_profile_get_id (bearer_connection_get_profile (call->target)), program,
                    parent != NULL ? parent : "", NULL);
}

static void
refuse (Call       *call,
        const char *message)
{
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, message);

  call_return_error (call, error);
}

typedef struct {
  Call *call;
  char *program;                /* "" when its name could not be read */
  char *parent;
} Asking;

static void
asking_free (Asking *asking)
{
  g_free (asking->program);
  g_free (asking->parent);
  g_free (asking);
}

static void
cannot_ask (Asking *asking)
{
  g_autofree char *message = NULL;

  if (*asking->program != '\0')
    message = g_strdup_printf (
      /* Translators: the token agent could not show its question; %s is the
       * requesting program's name, e.g. “git”. */
      _("Bearer could not ask you whether “%s” may use this token, so the request was refused."),
      asking->program);
  else
    message = g_strdup (_("Bearer could not ask you whether a program it could not identify may use this "
                          "token, so the request was refused."));
  refuse (asking->call, message);
  asking_free (asking);
}

static void
asked_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Asking *asking = user_data;
  Call *call = asking->call;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *answer = BEARER_CONFIRM_DENY;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      g_debug ("Could not ask whether %s may have the token: %s", asking->program, error->message);
      cannot_ask (asking);
      return;
    }

  g_variant_get (reply, "(&s)", &answer);
  /* Remembered for a program with a name only: never for one that could
   * not be identified, which could be any. */
  if (g_str_equal (answer, BEARER_CONFIRM_ALLOW_TEN_MINUTES) && *asking->program != '\0')
    g_hash_table_insert (call->self->allowed, allowance_key (call, asking->program, asking->parent),
                         g_memdup2 (&(gint64) { g_get_monotonic_time () + 10 * 60 * G_USEC_PER_SEC },
                                    sizeof (gint64)));
  if (g_str_equal (answer, BEARER_CONFIRM_ALLOW_ONCE) || g_str_equal (answer, BEARER_CONFIRM_ALLOW_TEN_MINUTES))
    {
      call->asked = TRUE;
      asking_free (asking);
      dispatch (call);
      return;
    }

  refuse (call, _("The request was denied in Bearer."));
  asking_free (asking);
}

static void
ask_with_pid (Call *call)
{
  BearerAgent *self = call->self;
  BearerProfile *profile = bearer_connection_get_profile (call->target);
  GDBusConnection *bus = g_application_get_dbus_connection (G_APPLICATION (self));
  g_autofree char *key = NULL;
  GVariantBuilder options;
  guint32 parent_pid = 0;
  gint64 *until;
  Asking *asking;

  asking = g_new0 (Asking, 1);
  asking->call = call;
  asking->program = bearer_agent_program_name (call->pid, &parent_pid);
  if (asking->program == NULL)
    asking->program = g_strdup ("");
  asking->parent = parent_pid > 1 ? bearer_agent_program_name (parent_pid, NULL) : NULL;

  key = allowance_key (call, asking->program, asking->parent);
  until = g_hash_table_lookup (self->allowed, key);
  if (until != NULL && *until > g_get_monotonic_time ())
    {
      call->asked = TRUE;
      asking_free (asking);
      dispatch (call);
      return;
    }
  g_hash_table_remove (self->allowed, key);

  if (bus == NULL)
    {
      cannot_ask (asking);
      return;
    }

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  if (asking->parent != NULL)
    g_variant_builder_add (&options, "{sv}", "parent-program", g_variant_new_string (asking->parent));
  g_variant_builder_add (&options, "{sv}", "refresh", g_variant_new_boolean (call->kind == CALL_REFRESH));
  g_dbus_connection_call (bus, BEARER_CONFIRM_BUS_NAME, BEARER_CONFIRM_OBJECT_PATH, BEARER_CONFIRM_INTERFACE,
                          "AskToUse",
                          g_variant_new ("(sssua{sv})", bearer_profile_get_id (profile),
                                         bearer_profile_get_name (profile), asking->program, call->pid,
                                         &options),
                          G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, (int) ask_timeout_ms (), NULL,
                          asked_cb, asking);
}

static void
caller_pid_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply != NULL)
    g_variant_get (reply, "(u)", &call->pid);
  else
    g_debug ("The caller's process is unknown: %s", error->message);
  ask_with_pid (call);
}

static void
ask_user (Call *call)
{
  if (call->invocation != NULL)
    {
      g_dbus_connection_call (g_dbus_method_invocation_get_connection (call->invocation),
                              "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                              "GetConnectionUnixProcessID",
                              g_variant_new ("(s)", g_dbus_method_invocation_get_sender (call->invocation)),
                              G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, caller_pid_cb, call);
      return;
    }
  ask_with_pid (call);
}

static void
dispatch (Call *call)
{
  BearerConnection *connection;

  if (call->kind == CALL_LIST)
    {
      answer_list (call);
      return;
    }

  connection = bearer_connection_list_find (call->self->list, call->connection);
  if (connection == NULL && call->from_host)
    {
      /* Not one of the app's: the host's own, which the host serves. */
      call_return_named_error (call, BEARER_AGENT_ERROR_OTHER_SESSION,
                               "This agent serves the profiles of another configuration or runtime directory");
      return;
    }
  if (connection == NULL)
    {
      call_return_named_error (call, BEARER_AGENT_ERROR_NO_SUCH_CONNECTION, call->connection);
      return;
    }
  g_set_object (&call->target, connection);
  call->had_pending = bearer_profile_has_pending_tokens (bearer_connection_get_profile (connection));

  /* "Ask before other programs use this token": the user answers first. */
  if ((call->kind == CALL_GET_TOKEN || call->kind == CALL_REFRESH) && !call->asked &&
      bearer_profile_get_ask_before_use (bearer_connection_get_profile (connection)))
    {
      ask_user (call);
      return;
    }

  switch (call->kind)
    {
    case CALL_GET_TOKEN:
      {
        g_autoptr(BearerSecrets) token = bearer_connection_dup_token (connection);
        BearerTokenState state = bearer_connection_get_state (connection);

        /* The token in memory, when it is good enough: what the keyring
         * holds unless another process changed it, which its lock file
         * tells (bearer_connection_list_watch()). */
        if ((state == BEARER_TOKEN_STATE_VALID || state == BEARER_TOKEN_STATE_EXPIRING) && !call->had_pending &&
            bearer_secrets_token_valid_for (token, bearer_connection_now (connection), call->min_valid))
          {
            call_return_token (call, token, NULL, FALSE);
            return;
          }
        bearer_connection_get_token_async (connection, call->min_valid, NULL, refreshed_cb, call);
      }
      break;
    case CALL_REFRESH:
      bearer_connection_refresh_async (connection, BEARER_REFRESH_FORCE, NULL, refreshed_cb, call);
      break;
    case CALL_FORGET:
      bearer_profile_update_secrets_async (bearer_connection_get_profile (connection), drop_access_token, NULL,
                                           NULL, NULL, forgotten_cb, call);
      break;
    case CALL_LIST:
    default:
      g_assert_not_reached ();
    }
}

/* ---- profiles.json, read when it changed ---------------------------------------- */

static void
stat_profiles (BearerAgent *self,
               struct stat *st)
{
  memset (st, 0, sizeof *st);
  if (stat (bearer_profile_store_get_path (self->store), st) != 0)
    memset (st, 0, sizeof *st);
}

static gboolean
same_file (const struct stat *a,
           const struct stat *b)
{
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
         a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
         a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static void load (BearerAgent *self);

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(BearerAgent) self = user_data;
  g_autoptr(GPtrArray) waiting = NULL;
  g_autoptr(GError) error = NULL;
  struct stat now;

  if (!bearer_connection_list_load_finish (self->list, result, &error))
    g_debug ("Reading the profiles failed: %s", error->message);

  self->loading = FALSE;
  self->loaded = TRUE;
  update_kept (self);

  /* Changed again while it was read: read it once more. */
  stat_profiles (self, &now);
  if (!same_file (&now, &self->seen))
    {
      load (self);
      return;
    }

  waiting = g_steal_pointer (&self->waiting);
  self->waiting = g_ptr_array_new ();
  for (guint i = 0; i < waiting->len; i++)
    dispatch (g_ptr_array_index (waiting, i));

  if (self->started_hold)
    {
      self->started_hold = FALSE;
      g_application_release (G_APPLICATION (self));
    }
}

static void
load (BearerAgent *self)
{
  self->loading = TRUE;
  stat_profiles (self, &self->seen);
  bearer_connection_list_load_async (self->list, NULL, loaded_cb, g_object_ref (self));
}

static void
start_call (Call *call)
{
  BearerAgent *self = call->self;
  struct stat now;

  if (self->loaded && !self->loading)
    {
      stat_profiles (self, &now);
      if (same_file (&now, &self->seen))
        {
          dispatch (call);
          return;
        }
    }
  g_ptr_array_add (self->waiting, call);
  if (!self->loading)
    load (self);
}

/* ---- D-Bus ------------------------------------------------------------------------ */

/* Whether to answer the call; @from_host (nullable): set when the caller
 * is a bearer-cli on the host and this agent runs in a Flatpak, which it
 * answers for the app's connections only (bearer_agent_options_from_host()). */
static gboolean
options_match (GDBusMethodInvocation *invocation,
               GVariant              *options,
               gboolean              *from_host)
{
  if (bearer_agent_options_match (options))
    return TRUE;
  if (from_host != NULL && bearer_agent_options_from_host (options))
    {
      *from_host = TRUE;
      return TRUE;
    }
  g_dbus_method_invocation_return_dbus_error (invocation, BEARER_AGENT_ERROR_OTHER_SESSION,
                                              "This agent serves the profiles of another configuration "
                                              "or runtime directory");
  return FALSE;
}

/* A call about one connection, from the bus: started when its options
 * are acceptable (answered with an error otherwise). */
static void
start_bus_call (BearerAgent           *self,
                CallKind               kind,
                GDBusMethodInvocation *invocation,
                const char            *connection,
                GVariant              *options,
                guint                  min_valid)
{
  gboolean from_host = FALSE;
  Call *call;

  if (!options_match (invocation, options, &from_host))
    return;
  call = call_new (self, kind, invocation, connection);
  call->min_valid = min_valid;
  call->from_host = from_host;
  start_call (call);
}

static gboolean
handle_get_token_cb (BearerAgent1          *skeleton,
                     GDBusMethodInvocation *invocation,
                     const char            *connection,
                     guint                  min_valid,
                     GVariant              *options,
                     BearerAgent           *self)
{
  start_bus_call (self, CALL_GET_TOKEN, invocation, connection, options, min_valid);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_refresh_cb (BearerAgent1          *skeleton,
                   GDBusMethodInvocation *invocation,
                   const char            *connection,
                   GVariant              *options,
                   BearerAgent           *self)
{
  start_bus_call (self, CALL_REFRESH, invocation, connection, options, 0);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_forget_cb (BearerAgent1          *skeleton,
                  GDBusMethodInvocation *invocation,
                  const char            *connection,
                  GVariant              *options,
                  BearerAgent           *self)
{
  start_bus_call (self, CALL_FORGET, invocation, connection, options, 0);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list_connections_cb (BearerAgent1          *skeleton,
                            GDBusMethodInvocation *invocation,
                            GVariant              *options,
                            BearerAgent           *self)
{
  /* The list stays each side's own. */
  if (options_match (invocation, options, NULL))
    start_call (call_new (self, CALL_LIST, invocation, NULL));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- the agent's socket: token and refresh, in one local round trip ------------
 *
 * Connecting to the session bus costs a caller more than the answer
 * (GDBus's threads, the authentication, Hello, two hops through the bus
 * daemon), about as much as curl's whole POST. So the agent also listens on
 * a socket in the user's runtime directory (0700, the same user only,
 * checked again with the peer's credentials), for GetToken and Refresh
 * alone: one request, one answer, both a serialized GVariant after its
 * length (4 bytes, little-endian):
 *
 *   request  (ssua{sv})  method, connection, min_valid, options
 *   answer   (ssa{sv})   D-Bus error name and message ("" for none), token
 *
 * bearer-cli's front tries it first (bearer-cli-front.c); without it (not
 * started yet, or an older agent) the bus starts the agent. The socket is
 * made once the bus name is ours and removed when the agent exits. */

#define SOCKET_MAX_REQUEST 65536

typedef struct {
  Call *call;
  guint8 header[4];
  guint8 *body;
  guint32 length;
} SocketRead;

typedef struct {
  guint8 *data;
  gsize size;
} Wiped;

/* An answer holds a token: zeroed before it is freed. */
static void
wiped_free (gpointer user_data)
{
  Wiped *wiped = user_data;

  explicit_bzero (wiped->data, wiped->size);
  g_free (wiped->data);
  g_free (wiped);
}

static void
socket_written_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GSocketConnection) peer = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    g_debug ("A caller left before its answer: %s", error->message);
  g_io_stream_close (G_IO_STREAM (peer), NULL, NULL);
}

static void
socket_reply (Call       *call,
              const char *error_name,
              const char *error_message,
              GVariant   *answer)
{
  GVariantBuilder empty;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GBytes) bytes = NULL;
  Wiped *wiped;
  guint8 *data;
  gsize size;

  if (answer == NULL)
    {
      g_variant_builder_init (&empty, G_VARIANT_TYPE_VARDICT);
      answer = g_variant_builder_end (&empty);
    }
  reply = g_variant_ref_sink (g_variant_new ("(ss@a{sv})", error_name, error_message, answer));
  size = g_variant_get_size (reply);
  data = g_malloc (size + 4);
  data[0] = size & 0xff;
  data[1] = (size >> 8) & 0xff;
  data[2] = (size >> 16) & 0xff;
  data[3] = (size >> 24) & 0xff;
  /* Serialised in its own (aligned) buffer, then copied after the length. */
  memcpy (data + 4, g_variant_get_data (reply), size);
  wiped = g_new (Wiped, 1);
  wiped->data = data;
  wiped->size = size + 4;
  bytes = g_bytes_new_with_free_func (data, size + 4, wiped_free, wiped);
  g_object_set_data_full (G_OBJECT (call->peer), "bearer-answer", g_bytes_ref (bytes),
                          (GDestroyNotify) g_bytes_unref);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (call->peer)), data, size + 4,
                                   G_PRIORITY_DEFAULT, NULL, socket_written_cb, g_object_ref (call->peer));
}

static void
socket_read_free (SocketRead *read)
{
  g_free (read->body);
  g_free (read);
}

static void
socket_body_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  SocketRead *read = user_data;
  Call *call = read->call;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) request = NULL;
  g_autoptr(GVariant) options = NULL;
  const char *method, *connection;
  guint32 min_valid;
  gsize n = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &n, &error) || n != read->length)
    {
      g_io_stream_close (G_IO_STREAM (call->peer), NULL, NULL);
      call_free (call);
      socket_read_free (read);
      return;
    }

  /* Untrusted bytes: only a request in normal form is read. */
  request = g_variant_ref_sink (g_variant_new_from_data (G_VARIANT_TYPE ("(ssua{sv})"), read->body, read->length,
                                                         FALSE, g_free, read->body));
  read->body = NULL;
  socket_read_free (read);
  if (!g_variant_is_normal_form (request))
    {
      g_io_stream_close (G_IO_STREAM (call->peer), NULL, NULL);
      call_free (call);
      return;
    }
  g_variant_get (request, "(&s&su@a{sv})", &method, &connection, &min_valid, &options);

  if (!bearer_agent_options_match (options))
    {
      call_return_named_error (call, BEARER_AGENT_ERROR_OTHER_SESSION,
                               "This agent serves the profiles of another configuration or runtime directory");
      return;
    }
  if (g_str_equal (method, "GetToken"))
    call->kind = CALL_GET_TOKEN;
  else if (g_str_equal (method, "Refresh"))
    call->kind = CALL_REFRESH;
  else
    {
      call_return_named_error (call, "org.freedesktop.DBus.Error.UnknownMethod", method);
      return;
    }
  call->connection = g_strdup (connection);
  call->min_valid = min_valid;
  start_call (call);
}

static void
socket_header_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  SocketRead *read = user_data;
  gsize n = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &n, NULL) || n != 4)
    goto fail;
  read->length = (guint32) read->header[0] | (guint32) read->header[1] << 8 |
                 (guint32) read->header[2] << 16 | (guint32) read->header[3] << 24;
  if (read->length == 0 || read->length > SOCKET_MAX_REQUEST)
    goto fail;
  read->body = g_malloc (read->length);
  g_input_stream_read_all_async (G_INPUT_STREAM (source), read->body, read->length, G_PRIORITY_DEFAULT, NULL,
                                 socket_body_cb, read);
  return;

fail:
  g_io_stream_close (G_IO_STREAM (read->call->peer), NULL, NULL);
  call_free (read->call);
  socket_read_free (read);
}

static gboolean
socket_incoming_cb (GSocketService     *service,
                    GSocketConnection  *connection,
                    GObject            *source_object,
                    BearerAgent        *self)
{
  g_autoptr(GCredentials) credentials = NULL;
  SocketRead *read;
  Call *call;

  /* The runtime directory is the user's own; the peer must be too. */
  credentials = g_socket_get_credentials (g_socket_connection_get_socket (connection), NULL);
  if (credentials == NULL || g_credentials_get_unix_user (credentials, NULL) != getuid ())
    {
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return TRUE;
    }

  call = call_new (self, CALL_GET_TOKEN, NULL, NULL);
  call->peer = g_object_ref (connection);
  call->pid = (guint32) MAX (g_credentials_get_unix_pid (credentials, NULL), 0);
  read = g_new0 (SocketRead, 1);
  read->call = call;
  g_input_stream_read_all_async (g_io_stream_get_input_stream (G_IO_STREAM (connection)), read->header, 4,
                                 G_PRIORITY_DEFAULT, NULL, socket_header_cb, read);
  return TRUE;
}

static void
listen_on_socket (BearerAgent *self)
{
  g_autofree char *path = bearer_agent_socket_path ();
  g_autofree char *dir = path != NULL ? g_path_get_dirname (path) : NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;
  struct stat st;

  if (path == NULL || strlen (path) >= 108 || g_mkdir_with_parents (dir, 0700) != 0)
    return;
  /* The bus name is ours: a socket there is a dead agent's. */
  g_unlink (path);
  address = g_unix_socket_address_new (path);
  self->service = g_socket_service_new ();
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL, &error))
    {
      g_debug ("No socket for the agent (callers use the bus): %s", error->message);
      g_clear_object (&self->service);
      return;
    }
  g_chmod (path, 0600);
  if (stat (path, &st) == 0)
    self->socket_inode = st.st_ino;
  self->socket_path = g_steal_pointer (&path);
  g_signal_connect (self->service, "incoming", G_CALLBACK (socket_incoming_cb), self);
  g_socket_service_start (self->service);
}

static void
stop_listening (BearerAgent *self)
{
  struct stat st;

  if (self->service == NULL)
    return;
  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  g_clear_object (&self->service);
  /* Only our own: a new agent may have made its own since. */
  if (stat (self->socket_path, &st) == 0 && st.st_ino == self->socket_inode)
    g_unlink (self->socket_path);
  g_clear_pointer (&self->socket_path, g_free);
}

/* ---- Keep Signed In ---------------------------------------------------------------- */

static void
revive (BearerAgent      *self,
        BearerConnection *connection)
{
  BearerTokenState state = bearer_connection_get_state (connection);
  BearerProfile *profile = bearer_connection_get_profile (connection);

  /* The scheduler leaves expired tokens alone (a window opening must not
   * send a burst); a connection kept signed in is refreshed once when its
   * token has expired meanwhile (a reboot, a suspend). */
  if (!bearer_profile_get_keep_alive (profile) || !bearer_connection_get_has_refresh_token (connection))
    return;
  if (state != BEARER_TOKEN_STATE_EXPIRED &&
      !(state == BEARER_TOKEN_STATE_NONE && bearer_connection_get_secrets_loaded (connection)))
    return;
  g_debug ("Keeping %s signed in: its token expired", bearer_connection_get_id (connection));
  bearer_connection_refresh_async (connection, BEARER_REFRESH_NONE, NULL, NULL, NULL);
}

static void
state_changed_cb (BearerConnection *connection,
                  GParamSpec       *pspec,
                  BearerAgent      *self)
{
  g_autoptr(GVariant) state = g_variant_ref_sink (connection_state (connection));

  bearer_agent1_emit_token_changed (self->skeleton, bearer_connection_get_id (connection), state);
  if (g_str_equal (pspec->name, "state"))
    revive (self, connection);
}

static void
keep_alive_changed_cb (BearerProfile *profile,
                       GParamSpec    *pspec,
                       BearerAgent   *self)
{
  update_kept (self);
}

/* Follows the list: the connections kept signed in go to the scheduler,
 * and while there is one the agent stays. */
static void
update_kept (BearerAgent *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->list));
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) present = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean same;

  for (guint i = 0; i < n; i++)
    {
      BearerConnection *connection = g_list_model_get_item (G_LIST_MODEL (self->list), i);

      g_ptr_array_add (present, g_object_ref (connection));
      if (!g_ptr_array_find (self->watched, connection, NULL))
        {
          g_ptr_array_add (self->watched, g_object_ref (connection));
          g_signal_connect_object (connection, "notify::state", G_CALLBACK (state_changed_cb), self, 0);
          g_signal_connect_object (connection, "notify::expires-at", G_CALLBACK (state_changed_cb), self, 0);
          g_signal_connect_object (bearer_connection_get_profile (connection), "notify::keep-alive",
                                   G_CALLBACK (keep_alive_changed_cb), self, 0);
          revive (self, connection);
        }
      if (bearer_profile_get_keep_alive (bearer_connection_get_profile (connection)))
        g_ptr_array_add (kept, g_object_ref (connection));
      g_object_unref (connection);
    }

  for (guint i = self->watched->len; i > 0; i--)
    {
      BearerConnection *connection = g_ptr_array_index (self->watched, i - 1);

      if (!g_ptr_array_find (present, connection, NULL))
        {
          g_signal_handlers_disconnect_by_data (connection, self);
          g_signal_handlers_disconnect_by_data (bearer_connection_get_profile (connection), self);
          g_ptr_array_remove_index (self->watched, i - 1);
        }
    }

  same = kept->len == g_list_model_get_n_items (G_LIST_MODEL (self->kept));
  for (guint i = 0; same && i < kept->len; i++)
    {
      g_autoptr(BearerConnection) item = g_list_model_get_item (G_LIST_MODEL (self->kept), i);

      same = item == g_ptr_array_index (kept, i);
    }
  if (!same)
    g_list_store_splice (self->kept, 0, g_list_model_get_n_items (G_LIST_MODEL (self->kept)),
                         kept->pdata, kept->len);

  if (kept->len > 0 && !self->kept_hold)
    {
      self->kept_hold = TRUE;
      g_application_hold (G_APPLICATION (self));
    }
  else if (kept->len == 0 && self->kept_hold)
    {
      self->kept_hold = FALSE;
      g_application_release (G_APPLICATION (self));
    }
}

static void
items_changed_cb (GListModel  *model,
                  guint        position,
                  guint        removed,
                  guint        added,
                  BearerAgent *self)
{
  if (self->loaded)
    update_kept (self);
}

/* ---- the application ------------------------------------------------------------- */

static gboolean
terminated_cb (gpointer user_data)
{
  BearerAgent *self = user_data;

  /* SIGTERM (a log-out, systemctl stop): what is in flight finishes (each
   * refresh holds the application), then the agent goes. */
  g_debug ("Stopping once the work in flight is done");
  g_application_set_inactivity_timeout (G_APPLICATION (self), 0);
  if (self->kept_hold)
    {
      self->kept_hold = FALSE;
      g_application_release (G_APPLICATION (self));
    }
  g_application_hold (G_APPLICATION (self));
  g_application_release (G_APPLICATION (self));
  return G_SOURCE_REMOVE;
}

static void
bearer_agent_startup (GApplication *application)
{
  BearerAgent *self = BEARER_AGENT (application);

  G_APPLICATION_CLASS (bearer_agent_parent_class)->startup (application);

  g_unix_signal_add (SIGTERM, terminated_cb, self);

  self->store = bearer_profile_store_new (NULL);
  self->list = bearer_connection_list_new (self->store);
  self->kept = g_list_store_new (BEARER_TYPE_CONNECTION);
  self->scheduler = bearer_scheduler_new (G_LIST_MODEL (self->kept));
  g_signal_connect_object (self->list, "items-changed", G_CALLBACK (items_changed_cb), self, 0);
  bearer_connection_list_watch (self->list);

  listen_on_socket (self);

  /* Held until the profiles are read: a Keep Signed In connection then
   * holds it on. */
  self->started_hold = TRUE;
  g_application_hold (application);
  load (self);
}

static void
bearer_agent_shutdown (GApplication *application)
{
  stop_listening (BEARER_AGENT (application));
  G_APPLICATION_CLASS (bearer_agent_parent_class)->shutdown (application);
}

static void
bearer_agent_activate (GApplication *application)
{
  /* Nothing to show: the agent only answers on the bus. */
}

static gboolean
bearer_agent_dbus_register (GApplication     *application,
                            GDBusConnection  *connection,
                            const char       *object_path,
                            GError          **error)
{
  BearerAgent *self = BEARER_AGENT (application);

  if (!G_APPLICATION_CLASS (bearer_agent_parent_class)->dbus_register (application, connection, object_path,
                                                                     error))
    return FALSE;
  return g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton), connection,
                                           BEARER_AGENT_OBJECT_PATH, error);
}

static void
bearer_agent_dbus_unregister (GApplication    *application,
                              GDBusConnection *connection,
                              const char      *object_path)
{
  BearerAgent *self = BEARER_AGENT (application);

  g_dbus_interface_skeleton_unexport_from_connection (G_DBUS_INTERFACE_SKELETON (self->skeleton), connection);
  G_APPLICATION_CLASS (bearer_agent_parent_class)->dbus_unregister (application, connection, object_path);
}

static void
bearer_agent_dispose (GObject *object)
{
  BearerAgent *self = BEARER_AGENT (object);

  stop_listening (self);
  g_clear_object (&self->scheduler);
  if (self->watched != NULL)
    {
      for (guint i = 0; i < self->watched->len; i++)
        {
          BearerConnection *connection = g_ptr_array_index (self->watched, i);

          g_signal_handlers_disconnect_by_data (connection, self);
          g_signal_handlers_disconnect_by_data (bearer_connection_get_profile (connection), self);
        }
      g_ptr_array_set_size (self->watched, 0);
    }
  g_clear_object (&self->kept);
  g_clear_object (&self->list);
  g_clear_object (&self->store);
  g_clear_object (&self->skeleton);

  G_OBJECT_CLASS (bearer_agent_parent_class)->dispose (object);
}

static void
bearer_agent_finalize (GObject *object)
{
  BearerAgent *self = BEARER_AGENT (object);

  g_ptr_array_unref (self->watched);
  g_ptr_array_unref (self->waiting);
  g_hash_table_unref (self->allowed);

  G_OBJECT_CLASS (bearer_agent_parent_class)->finalize (object);
}

static void
bearer_agent_class_init (BearerAgentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = bearer_agent_dispose;
  object_class->finalize = bearer_agent_finalize;
  application_class->startup = bearer_agent_startup;
  application_class->shutdown = bearer_agent_shutdown;
  application_class->activate = bearer_agent_activate;
  application_class->dbus_register = bearer_agent_dbus_register;
  application_class->dbus_unregister = bearer_agent_dbus_unregister;
}

static void
bearer_agent_init (BearerAgent *self)
{
  self->watched = g_ptr_array_new_with_free_func (g_object_unref);
  self->waiting = g_ptr_array_new ();
  self->allowed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->skeleton = bearer_agent1_skeleton_new ();
  bearer_agent1_set_version (self->skeleton, PACKAGE_VERSION);
  g_signal_connect (self->skeleton, "handle-get-token", G_CALLBACK (handle_get_token_cb), self);
  g_signal_connect (self->skeleton, "handle-refresh", G_CALLBACK (handle_refresh_cb), self);
  g_signal_connect (self->skeleton, "handle-forget", G_CALLBACK (handle_forget_cb), self);
  g_signal_connect (self->skeleton, "handle-list-connections", G_CALLBACK (handle_list_connections_cb), self);
}

static guint
idle_timeout_ms (void)
{
  const char *value = g_getenv ("BEARER_AGENT_IDLE_TIMEOUT");
  guint64 seconds = BEARER_AGENT_IDLE_TIMEOUT;

  if (value != NULL && *value != '\0')
    {
      guint64 parsed;

      if (g_ascii_string_to_unsigned (value, 10, 0, 24 * 3600, &parsed, NULL))
        seconds = parsed;
    }
  return (guint) (seconds * 1000);
}

/**
 * bearer_agent_new:
 *
 * Returns: (transfer full): the agent, a service under APPLICATION_ID.Agent
 */
BearerAgent *
bearer_agent_new (void)
{
  return g_object_new (BEARER_TYPE_AGENT,
                       "application-id", BEARER_AGENT_BUS_NAME,
                       "flags", G_APPLICATION_IS_SERVICE,
                       "inactivity-timeout", idle_timeout_ms (),
                       NULL);
}
