/* test-window.c: the window's widgets, under a real X server
 *
 * The form shows the rows its grant needs; the token URL is checked as it
 * is typed; the token view renders a JWT's claims and counts down; the copy
 * actions put the exact text on the clipboard; Get New Access Token sends
 * one request however often it is pressed, can be cancelled, and a refused
 * refresh token asks to sign in again; edits are saved without a Save
 * button; the window shows its empty state and its connections, and
 * follows what the real bearer-cli does while it is open. Widgets that
 * must not leak are checked with g_assert_finalize_object().
 *
 * Needs a display (gtk_test_init) and, for the keyring, a session bus with
 * an unlocked Secret Service: tools/test-session provides both. Without a
 * display the program skips, unless BEARER_TEST_SESSION says one should be
 * there.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "bearer-agent-protocol.h"
#include "bearer-application.h"
#include "bearer-connection-list.h"
#include "bearer-dpop.h"
#include "bearer-jwt.h"
#include "bearer-error-banner.h"
#include "bearer-new-connection-dialog.h"
#include "bearer-parameter-row.h"
#include "bearer-profile-page.h"
#include "bearer-profile-row.h"
#include "bearer-refresh.h"
#include "bearer-scheduler.h"
#include "bearer-sign-in-view.h"
#include "bearer-test-cli.h"
#include "bearer-test-keys.h"
#include "bearer-test-server.h"
#include "bearer-token-view.h"
#include "bearer-window.h"

/* ---- helpers ------------------------------------------------------------- */

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
spin (guint milliseconds)
{
  gboolean done = FALSE;

  g_timeout_add (milliseconds, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

typedef gboolean (*Condition) (gpointer data);

static void
wait_until (Condition   condition,
            gpointer    data,
            const char *what)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s", what);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static gpointer
child (gpointer    widget,
       GType       type,
       const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);

  g_assert_nonnull (object);
  return object;
}

#define PAGE_CHILD(page, name) child ((page), BEARER_TYPE_PROFILE_PAGE, (name))

static void
clipboard_read_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  char **text = user_data;
  g_autoptr(GError) error = NULL;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);
  g_assert_no_error (error);
  if (*text == NULL)
    *text = g_strdup ("");
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static char *
read_clipboard (GtkWidget *widget)
{
  char *text = NULL;

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL, clipboard_read_cb, &text);
  wait_until (is_set, &text, "the clipboard");
  return text;
}

/* A JWT whose payload is this JSON (the signature is junk). */
static char *
make_jwt (const char *payload)
{
  const char *header = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
  g_autofree char *h = g_base64_encode ((const guchar *) header, strlen (header));
  g_autofree char *p = g_base64_encode ((const guchar *) payload, strlen (payload));

  /* base64url without padding */
  g_strdelimit (h, "+", '-');
  g_strdelimit (h, "/", '_');
  g_strdelimit (p, "+", '-');
  g_strdelimit (p, "/", '_');
  g_strdelimit (h, "=", '\0');
  g_strdelimit (p, "=", '\0');
  return g_strconcat (h, ".", p, ".c2lnbmF0dXJl", NULL);
}

/* ---- the default web browser --------------------------------------------- */

/* The window opens the browser through GTK (gtk_show_uri_full(), then
 * GIO's default handler of the address's scheme). The test registers its
 * own default browser for http and https, in XDG directories of its own
 * (set before GTK starts): a script that writes down each address it is
 * given. The test then plays the user's browser itself. */
static char *browser_dir;

static char *
browser_log_path (void)
{
  return g_build_filename (browser_dir, "launched", NULL);
}

static void
write_file (const char *path,
            const char *contents,
            int         mode)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
}

static void
browser_install (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *applications = NULL;
  g_autofree char *config = NULL;
  g_autofree char *script = NULL;
  g_autofree char *script_text = NULL;
  g_autofree char *desktop = NULL;
  g_autofree char *desktop_text = NULL;
  g_autofree char *mimeapps = NULL;
  g_autofree char *log = NULL;

  browser_dir = g_dir_make_tmp ("bearer-test-browser-XXXXXX", &error);
  g_assert_no_error (error);
  applications = g_build_filename (browser_dir, "data", "applications", NULL);
  config = g_build_filename (browser_dir, "config", NULL);
  g_assert_cmpint (g_mkdir_with_parents (applications, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (config, 0700), ==, 0);

  log = browser_log_path ();
  script = g_build_filename (browser_dir, "browser.sh", NULL);
  script_text = g_strdup_printf ("#!/bin/sh\nprintf '%%s\\n' \"$1\" >> '%s'\n", log);
  write_file (script, script_text, 0700);

  desktop = g_build_filename (applications, "bearer-test-browser.desktop", NULL);
  desktop_text = g_strdup_printf ("[Desktop Entry]\nType=Application\nName=Bearer Test Browser\n"
                                  "Exec=%s %%u\nMimeType=x-scheme-handler/http;x-scheme-handler/https;\n"
                                  "NoDisplay=true\n", script);
  write_file (desktop, desktop_text, 0600);
  mimeapps = g_build_filename (config, "mimeapps.list", NULL);
  write_file (mimeapps, "[Default Applications]\n"
                        "x-scheme-handler/http=bearer-test-browser.desktop\n"
                        "x-scheme-handler/https=bearer-test-browser.desktop\n", 0600);

  g_setenv ("XDG_DATA_HOME", g_build_filename (browser_dir, "data", NULL), TRUE);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
}

/* Forgets the addresses opened so far. */
static void
browser_reset (void)
{
  g_autofree char *log = browser_log_path ();

  g_unlink (log);
}

static gboolean
browser_was_opened (gpointer data)
{
  g_autofree char *log = browser_log_path ();

  return g_file_test (log, G_FILE_TEST_EXISTS);
}

/* The address the browser was opened with, once it was; then forgets it. */
static char *
browser_wait (void)
{
  g_autofree char *log = browser_log_path ();
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  /* The script may still be writing: wait for the whole line. */
  while (!g_file_get_contents (log, &contents, NULL, NULL) || !g_str_has_suffix (contents, "\n"))
    {
      g_clear_pointer (&contents, g_free);
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for the browser to be opened");
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  browser_reset ();
  /* One address: the browser was opened once. */
  g_assert_true (strchr (contents, '\n') == contents + strlen (contents) - 1);
  return g_strndup (contents, strlen (contents) - 1);
}

/* The browser going to @url: Bearer's loopback server answers once the
 * tokens are stored. */
typedef struct {
  SoupSession *session;
  SoupMessage *message;
  gboolean done;
  guint status;
  char *page;
} Browse;

static void
browsed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Browse *b = user_data;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  b->status = bytes != NULL ? soup_message_get_status (b->message) : 0;
  b->page = bytes != NULL ? g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes))
                          : g_strdup (error->message);
  b->done = TRUE;
}

static Browse *
browse_start (const char *url)
{
  Browse *b = g_new0 (Browse, 1);

  b->session = soup_session_new ();
  b->message = soup_message_new ("GET", url);
  g_assert_nonnull (b->message);
  soup_session_send_and_read_async (b->session, b->message, G_PRIORITY_DEFAULT, NULL, browsed_cb, b);
  return b;
}

static void
browse_free (Browse *b)
{
  g_object_unref (b->message);
  g_object_unref (b->session);
  g_free (b->page);
  g_free (b);
}

/* GET @url; returns the status (0 when nothing answered), *page the page. */
static guint
browse (const char  *url,
        char       **page)
{
  Browse *b = browse_start (url);
  guint status;

  wait_until (is_true, &b->done, "the browser's page");
  status = b->status;
  if (page != NULL)
    *page = g_steal_pointer (&b->page);
  browse_free (b);
  return status;
}

static GHashTable *
url_params (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);

  g_assert_nonnull (uri);
  return g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_WWW_FORM, NULL);
}

/* ---- a token endpoint ---------------------------------------------------- */

/* An authorization server on 127.0.0.1: the token endpoint (/oauth/token),
 * the device authorization endpoint (/device) and the discovery document
 * (/.well-known/openid-configuration); anything else is 404. */
typedef struct {
  SoupServer *server;
  char *base;                   /* http://127.0.0.1:PORT */
  char *url;                    /* the token endpoint */
  guint requests;               /* to the token endpoint */
  gboolean hold;                /* keep token replies back until released */
  GPtrArray *held;
  guint status;
  char *body;
  GQueue replies;               /* of Reply: the next token replies, before status and body */
  char *last_body;
  char *device_body;            /* the device authorization reply */
  guint device_requests;
  char *discovery_body;         /* the discovery document, or 404 */
} TokenServer;

typedef struct {
  guint status;
  char *body;
} Reply;

static void
reply_free (Reply *reply)
{
  g_free (reply->body);
  g_free (reply);
}

/* The next token reply is @status with @body, then what was set before. */
static void
token_server_push_reply (TokenServer *ts,
                         guint        status,
                         const char  *body)
{
  Reply *reply = g_new0 (Reply, 1);

  reply->status = status;
  reply->body = g_strdup (body);
  g_queue_push_tail (&ts->replies, reply);
}

static void
answer (SoupServerMessage *message,
        guint              status,
        const char        *body)
{
  soup_server_message_set_status (message, status, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *message,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  TokenServer *ts = user_data;
  SoupMessageBody *request = soup_server_message_get_request_body (message);
  Reply *reply;

  if (g_str_equal (path, "/device") && ts->device_body != NULL)
    {
      ts->device_requests++;
      answer (message, 200, ts->device_body);
      return;
    }
  if (g_str_equal (path, "/.well-known/openid-configuration") && ts->discovery_body != NULL)
    {
      answer (message, 200, ts->discovery_body);
      return;
    }
  if (!g_str_equal (path, "/oauth/token"))
    {
      soup_server_message_set_status (message, 404, NULL);
      return;
    }

  ts->requests++;
  g_free (ts->last_body);
  ts->last_body = g_strndup (request->data, request->length);
  if ((reply = g_queue_pop_head (&ts->replies)) != NULL)
    {
      answer (message, reply->status, reply->body);
      reply_free (reply);
    }
  else
    answer (message, ts->status, ts->body);
  if (ts->hold)
    {
      soup_server_message_pause (message);
      g_ptr_array_add (ts->held, g_object_ref (message));
    }
}

static TokenServer *
token_server_new (void)
{
  TokenServer *ts = g_new0 (TokenServer, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  ts->server = soup_server_new (NULL, NULL);
  ts->held = g_ptr_array_new_with_free_func (g_object_unref);
  g_queue_init (&ts->replies);
  soup_server_add_handler (ts->server, NULL, server_cb, ts, NULL);
  soup_server_listen_local (ts->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (ts->server);
  ts->base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  ts->url = g_strconcat (ts->base, "/oauth/token", NULL);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return ts;
}

static void
token_server_release (TokenServer *ts)
{
  ts->hold = FALSE;
  for (guint i = 0; i < ts->held->len; i++)
    soup_server_message_unpause (g_ptr_array_index (ts->held, i));
  g_ptr_array_set_size (ts->held, 0);
}

static void
token_server_free (TokenServer *ts)
{
  token_server_release (ts);
  soup_server_disconnect (ts->server);
  g_object_unref (ts->server);
  g_ptr_array_unref (ts->held);
  g_queue_clear_full (&ts->replies, (GDestroyNotify) reply_free);
  g_free (ts->base);
  g_free (ts->url);
  g_free (ts->body);
  g_free (ts->last_body);
  g_free (ts->device_body);
  g_free (ts->discovery_body);
  g_free (ts);
}

/* ---- the fixture: connections in a temporary folder, a page in a window -- */

typedef struct {
  char *dir;
  BearerProfileStore *store;
  BearerConnectionList *list;
  BearerConnection *connection; /* "prod", the list's */
  BearerProfile *profile;       /* the connection's: what the form edits */
  GtkWindow *window;
  BearerProfilePage *page;
} Fixture;

static void
list_loaded_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  bearer_connection_list_load_finish (BEARER_CONNECTION_LIST (source), result, &error);
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static void
load_list (BearerConnectionList *list)
{
  gboolean loaded = FALSE;

  bearer_connection_list_load_async (list, NULL, list_loaded_cb, &loaded);
  wait_until (is_true, &loaded, "the connections to load");
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(BearerProfile) profile = bearer_profile_new ("prod");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("bearer-test-window-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "profiles.json", NULL);
  f->store = bearer_profile_store_new (path);

  bearer_profile_set_preset (profile, "processmaker");
  bearer_profile_set_token_url (profile, "https://acme.processmaker.net/oauth/token");
  bearer_profile_set_client_id (profile, "3");
  bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_POST);
  bearer_profile_store_add_profile (f->store, profile, &error);
  g_assert_no_error (error);

  f->list = bearer_connection_list_new (f->store);
  load_list (f->list);
  f->connection = bearer_connection_list_find (f->list, "prod");
  g_assert_nonnull (f->connection);
  f->profile = bearer_connection_get_profile (f->connection);
  /* Edits are written 10 ms after they stop, not 500. */
  bearer_connection_set_save_delay (f->connection, 10);
}

static void
fixture_show_page (Fixture *f)
{
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 800, 1000);
  f->page = BEARER_PROFILE_PAGE (bearer_profile_page_new (f->connection));
  g_object_add_weak_pointer (G_OBJECT (f->page), (gpointer *) &f->page);
  gtk_window_set_child (f->window, GTK_WIDGET (f->page));
  gtk_window_present (f->window);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (f->window));
}

static void
secrets_deleted_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  bearer_secrets_delete_finish (result, NULL);
  *(gboolean *) user_data = TRUE;
}

static void
delete_secrets (const char *id)
{
  gboolean deleted = FALSE;

  bearer_secrets_delete_async (id, NULL, secrets_deleted_cb, &deleted);
  wait_until (is_true, &deleted, "the keyring item to be deleted");
}

static gboolean
page_gone (gpointer data)
{
  return ((Fixture *) data)->page == NULL;
}

static gboolean
store_gone (gpointer data)
{
  return ((Fixture *) data)->store == NULL;
}

static gboolean
connection_saved (gpointer data)
{
  return bearer_connection_get_saved (data);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  GListModel *model = G_LIST_MODEL (f->list);

  if (f->window != NULL)
    {
      gtk_window_destroy (f->window);
      /* The page goes at once: it must not leak. */
      wait_until (page_gone, f, "the page to be finalized");
    }

  /* What the tests stored in the keyring goes too. */
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(BearerConnection) connection = g_list_model_get_item (model, i);

      wait_until (connection_saved, connection, "the last writes");
      delete_secrets (bearer_connection_get_id (connection));
    }

  /* Writes and refreshes still under way hold the connections and the
   * store; then they must go. */
  g_clear_object (&f->list);
  g_object_add_weak_pointer (G_OBJECT (f->store), (gpointer *) &f->store);
  g_object_unref (f->store);
  wait_until (store_gone, f, "the store to be finalized");
  bearer_test_remove_tree (f->dir);
  g_free (f->dir);
}

static void
set_text (BearerProfilePage *page,
          const char        *row,
          const char        *text)
{
  gtk_editable_set_text (GTK_EDITABLE (PAGE_CHILD (page, row)), text);
}

/* ---- the form ------------------------------------------------------------ */

static void
test_form_rows (Fixture       *f,
                gconstpointer  data)
{
  const struct {
    guint selected;
    BearerGrantType grant;
    gboolean refresh_token, username, password;
  } grants[] = {
    { 1, BEARER_GRANT_CLIENT_CREDENTIALS, FALSE, FALSE, FALSE },
    { 2, BEARER_GRANT_PASSWORD, FALSE, TRUE, TRUE },
    { 0, BEARER_GRANT_REFRESH_TOKEN, TRUE, FALSE, FALSE },
  };
  BearerProfile *draft;

  fixture_show_page (f);
  draft = f->profile;

  /* A refresh token profile opens with the refresh token row. */
  g_assert_true (gtk_widget_get_mapped (PAGE_CHILD (f->page, "refresh_token_row")));
  g_assert_false (gtk_widget_get_visible (PAGE_CHILD (f->page, "username_row")));
  g_assert_true (gtk_widget_get_mapped (PAGE_CHILD (f->page, "url_row")));
  g_assert_true (gtk_widget_get_mapped (PAGE_CHILD (f->page, "client_id_row")));
  g_assert_true (gtk_widget_get_mapped (PAGE_CHILD (f->page, "client_secret_row")));
  g_assert_cmpstr (gtk_editable_get_text (PAGE_CHILD (f->page, "url_row")), ==,
                   "https://acme.processmaker.net/oauth/token");

  for (guint i = 0; i < G_N_ELEMENTS (grants); i++)
    {
      adw_combo_row_set_selected (PAGE_CHILD (f->page, "grant_row"), grants[i].selected);
      gtk_test_widget_wait_for_draw (GTK_WIDGET (f->window));

      g_assert_cmpint (bearer_profile_get_grant_type (draft), ==, grants[i].grant);
      g_assert_cmpint (gtk_widget_get_visible (PAGE_CHILD (f->page, "refresh_token_row")), ==,
                       grants[i].refresh_token);
      g_assert_cmpint (gtk_widget_get_mapped (PAGE_CHILD (f->page, "refresh_token_row")), ==,
                       grants[i].refresh_token);
      g_assert_cmpint (gtk_widget_get_mapped (PAGE_CHILD (f->page, "username_row")), ==,
                       grants[i].username);
      g_assert_cmpint (gtk_widget_get_mapped (PAGE_CHILD (f->page, "password_row")), ==,
                       grants[i].password);
      g_assert_true (gtk_widget_get_mapped (PAGE_CHILD (f->page, "client_id_row")));
    }

  /* A public client has no secret. */
  adw_combo_row_set_selected (PAGE_CHILD (f->page, "client_auth_row"), BEARER_CLIENT_AUTH_NONE);
  g_assert_false (gtk_widget_get_visible (PAGE_CHILD (f->page, "client_secret_row")));
  g_assert_cmpint (bearer_profile_get_client_auth (draft), ==, BEARER_CLIENT_AUTH_NONE);
  adw_combo_row_set_selected (PAGE_CHILD (f->page, "client_auth_row"), BEARER_CLIENT_AUTH_POST);
  g_assert_true (gtk_widget_get_visible (PAGE_CHILD (f->page, "client_secret_row")));
}

static BearerSecrets *lookup_secrets (BearerProfile *profile);

static gboolean
has_private_key (gpointer data)
{
  const char *key = bearer_connection_get_secret (data, BEARER_SECRET_PRIVATE_KEY);

  return key != NULL && *key != '\0';
}

static gboolean
has_error_style (gpointer data)
{
  return gtk_widget_has_css_class (data, "error");
}

static GFile *
write_key_file (const char *pem)
{
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "bearer-window-test-key.pem", NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents_full (path, pem, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error);
  g_assert_no_error (error);
  return g_file_new_for_path (path);
}

/* private_key_jwt: the signing algorithm, key id and private key rows; a key
 * chosen as a file goes to the keyring, and the row only says it is there;
 * a key that does not fit the algorithm is explained and not kept.
 * client_secret_jwt: the client secret and the signing algorithm. */
static void
test_form_private_key (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *ec_key = bearer_test_key_new_pem (BEARER_TEST_KEY_EC_P256);
  g_autofree char *rsa_key = bearer_test_key_new_pem (BEARER_TEST_KEY_RSA_2048);
  g_autoptr(BearerSecrets) stored = NULL;
  g_autoptr(GFile) file = NULL;
  GtkWidget *key_row;
  const char *subtitle;

  fixture_show_page (f);
  key_row = PAGE_CHILD (f->page, "private_key_row");
  g_assert_false (gtk_widget_get_visible (key_row));
  g_assert_false (gtk_widget_get_visible (PAGE_CHILD (f->page, "signing_alg_row")));

  adw_combo_row_set_selected (PAGE_CHILD (f->page, "client_auth_row"), BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT);
  g_assert_cmpint (bearer_profile_get_client_auth (f->profile), ==, BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (f->window));
  g_assert_false (gtk_widget_get_visible (PAGE_CHILD (f->page, "client_secret_row")));
  g_assert_true (gtk_widget_get_mapped (PAGE_CHILD (f->page, "signing_alg_row")));
  g_assert_true (gtk_widget_get_mapped (PAGE_CHILD (f->page, "key_id_row")));
  g_assert_true (gtk_widget_get_mapped (key_row));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (key_row)), ==,
                   "No private key yet: choose its PEM file");

  set_text (f->page, "key_id_row", "key-1");
  g_assert_cmpstr (bearer_profile_get_key_id (f->profile), ==, "key-1");
  adw_combo_row_set_selected (PAGE_CHILD (f->page, "signing_alg_row"), BEARER_SIGNING_ALG_ES256);
  g_assert_cmpint (bearer_profile_get_signing_alg (f->profile), ==, BEARER_SIGNING_ALG_ES256);
  g_assert_true (gtk_widget_get_mapped (PAGE_CHILD (f->page, "assertion_issuer_row")));
  gtk_switch_set_active (PAGE_CHILD (f->page, "assertion_issuer_switch"), TRUE);
  g_assert_true (bearer_profile_get_assertion_audience_issuer (f->profile));
  gtk_switch_set_active (PAGE_CHILD (f->page, "assertion_issuer_switch"), FALSE);
  g_assert_false (bearer_profile_get_assertion_audience_issuer (f->profile));

  /* An RSA key does not sign ES256. */
  file = write_key_file (rsa_key);
  bearer_profile_page_load_private_key (BEARER_PROFILE_PAGE (f->page), file);
  wait_until (has_error_style, key_row, "the refused key to be explained");
  g_assert_false (has_private_key (f->connection));
  g_clear_object (&file);

  file = write_key_file (ec_key);
  bearer_profile_page_load_private_key (BEARER_PROFILE_PAGE (f->page), file);
  wait_until (has_private_key, f->connection, "the chosen key");
  g_file_delete (file, NULL, NULL);
  g_assert_false (gtk_widget_has_css_class (key_row, "error"));
  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (key_row));
  g_assert_cmpstr (subtitle, ==, "A private key is stored in the keyring");
  wait_until (connection_saved, f->connection, "the key to be saved");
  stored = lookup_secrets (f->profile);
  g_assert_cmpstr (bearer_secrets_get_private_key (stored), ==, ec_key);
  /* Never in profiles.json. */
  {
    g_autofree char *path = g_build_filename (f->dir, "profiles.json", NULL);
    g_autofree char *contents = NULL;
    g_auto(GStrv) lines = g_strsplit (ec_key, "\n", -1);

    g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
    g_assert_nonnull (strstr (contents, "private-key-jwt"));
    for (guint i = 0; lines[i] != NULL; i++)
      if (strlen (lines[i]) > 20 && !g_str_has_prefix (lines[i], "-----"))
        g_assert_null (strstr (contents, lines[i]));
  }

  adw_combo_row_set_selected (PAGE_CHILD (f->page, "client_auth_row"), BEARER_CLIENT_AUTH_CLIENT_SECRET_JWT);
  g_assert_true (gtk_widget_get_visible (PAGE_CHILD (f->page, "client_secret_row")));
  g_assert_true (gtk_widget_get_visible (PAGE_CHILD (f->page, "signing_alg_row")));
  g_assert_false (gtk_widget_get_visible (key_row));
  g_assert_false (gtk_widget_get_visible (PAGE_CHILD (f->page, "key_id_row")));
  g_assert_true (gtk_widget_get_visible (PAGE_CHILD (f->page, "assertion_issuer_row")));
  adw_combo_row_set_selected (PAGE_CHILD (f->page, "client_auth_row"), BEARER_CLIENT_AUTH_POST);
  g_assert_false (gtk_widget_get_visible (PAGE_CHILD (f->page, "assertion_issuer_row")));
  g_assert_false (gtk_widget_get_visible (PAGE_CHILD (f->page, "signing_alg_row")));
}

/* The client authentications with a certificate (RFC 8705): the client
 * secret row gives way to a certificate row and a key row that says
 * whether a key is stored, and never shows it. */
static void
test_form_client_certificate_rows (Fixture       *f,
                                   gconstpointer  data)
{
  const char *key = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";
  const struct {
    BearerClientAuth auth;
    gboolean certificate;
  } modes[] = {
    { BEARER_CLIENT_AUTH_TLS_CLIENT_AUTH, TRUE },
    { BEARER_CLIENT_AUTH_POST, FALSE },
    { BEARER_CLIENT_AUTH_SELF_SIGNED_TLS_CLIENT_AUTH, TRUE },
  };
  g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();
  AdwActionRow *certificate_row;
  AdwActionRow *key_row;

  fixture_show_page (f);
  certificate_row = PAGE_CHILD (f->page, "client_certificate_row");
  key_row = PAGE_CHILD (f->page, "client_key_row");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (certificate_row)));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (key_row)));

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      adw_combo_row_set_selected (PAGE_CHILD (f->page, "client_auth_row"), modes[i].auth);
      gtk_test_widget_wait_for_draw (GTK_WIDGET (f->window));
      g_assert_cmpint (bearer_profile_get_client_auth (f->profile), ==, modes[i].auth);
      g_assert_cmpint (gtk_widget_get_mapped (GTK_WIDGET (certificate_row)), ==, modes[i].certificate);
      g_assert_cmpint (gtk_widget_get_mapped (GTK_WIDGET (key_row)), ==, modes[i].certificate);
      g_assert_cmpint (gtk_widget_get_visible (PAGE_CHILD (f->page, "client_secret_row")), ==,
                       !modes[i].certificate);
    }

  /* The combo row names the modes in words. */
  {
    GListModel *model = adw_combo_row_get_model (PAGE_CHILD (f->page, "client_auth_row"));

    g_assert_cmpuint (g_list_model_get_n_items (model), >=, 6);
  }

  g_assert_nonnull (strstr (adw_action_row_get_subtitle (certificate_row), "No certificate chosen"));
  bearer_profile_set_client_certificate (f->profile, "/home/alice/client.pem");
  g_assert_cmpstr (adw_action_row_get_subtitle (certificate_row), ==, "/home/alice/client.pem");

  g_assert_nonnull (strstr (adw_action_row_get_subtitle (key_row), "No private key is stored"));
  bearer_secrets_set_client_key (secrets, key);
  bearer_connection_set_secrets (f->connection, secrets);
  g_assert_cmpstr (adw_action_row_get_subtitle (key_row), ==, "A private key is stored in the keyring");
  g_assert_null (strstr (adw_action_row_get_subtitle (key_row), "BEGIN"));
  /* No text row of the page holds it either. */
  for (const char * const *name = (const char * const[]) { "client_secret_row", "refresh_token_row",
                                                           "password_row", "client_id_row", NULL };
       *name != NULL; name++)
    g_assert_null (strstr (gtk_editable_get_text (PAGE_CHILD (f->page, *name)), "PRIVATE"));
}

/* The two sign-in grants are in the list, with the rows they need, and a
 * profile of either keeps its grant whatever is edited: the list once
 * offered three grants and showed these as Refresh Token. */
static void
test_sign_in_grant_rows (Fixture       *f,
                         gconstpointer  data)
{
  const struct {
    BearerGrantType grant;
    gboolean authorization, device, refresh_token;
  } grants[] = {
    { BEARER_GRANT_AUTHORIZATION_CODE, TRUE, FALSE, TRUE },
    { BEARER_GRANT_DEVICE_CODE, FALSE, TRUE, TRUE },
    { BEARER_GRANT_CLIENT_CREDENTIALS, FALSE, FALSE, FALSE },
    { BEARER_GRANT_REFRESH_TOKEN, FALSE, FALSE, TRUE },
  };
  g_autoptr(BearerProfileStore) other = bearer_profile_store_new (bearer_profile_store_get_path (f->store));
  g_autoptr(GError) error = NULL;
  GtkWidget *row = g_object_ref_sink (bearer_profile_row_new (NULL));
  AdwComboRow *grant_row;

  bearer_profile_row_set_connection (BEARER_PROFILE_ROW (row), f->connection);

  bearer_profile_set_grant_type (f->profile, BEARER_GRANT_DEVICE_CODE);
  bearer_profile_set_device_authorization_url (f->profile, "https://id.example/device");
  fixture_show_page (f);
  grant_row = PAGE_CHILD (f->page, "grant_row");

  /* The sidebar and the list name the grant. */
  wait_until ((Condition) bearer_connection_get_secrets_loaded, f->connection, "the keyring");
  g_assert_cmpstr (bearer_profile_row_get_subtitle (BEARER_PROFILE_ROW (row)), ==, "Device Code · No token yet");
  g_assert_cmpuint (adw_combo_row_get_selected (grant_row), ==, BEARER_GRANT_DEVICE_CODE);
  g_assert_true (gtk_widget_get_visible (PAGE_CHILD (f->page, "device_url_row")));
  g_assert_cmpstr (gtk_editable_get_text (PAGE_CHILD (f->page, "device_url_row")), ==,
                   "https://id.example/device");

  /* Editing another field saves the grant as it is. */
  set_text (f->page, "scope_row", "openid offline_access");
  wait_until (connection_saved, f->connection, "the edit to be saved");
  bearer_profile_store_load (other, &error);
  g_assert_no_error (error);
  g_assert_cmpint (bearer_profile_get_grant_type (bearer_profile_store_find (other, "prod")), ==,
                   BEARER_GRANT_DEVICE_CODE);

  /* Each grant's rows. */
  for (guint i = 0; i < G_N_ELEMENTS (grants); i++)
    {
      adw_combo_row_set_selected (grant_row, grants[i].grant);
      gtk_test_widget_wait_for_draw (GTK_WIDGET (f->window));
      g_assert_cmpint (bearer_profile_get_grant_type (f->profile), ==, grants[i].grant);
      g_assert_cmpint (gtk_widget_get_visible (PAGE_CHILD (f->page, "authorization_url_row")), ==,
                       grants[i].authorization);
      g_assert_cmpint (gtk_widget_get_visible (PAGE_CHILD (f->page, "redirect_row")), ==,
                       grants[i].authorization);
      g_assert_cmpint (gtk_widget_get_visible (PAGE_CHILD (f->page, "pkce_row")), ==,
                       grants[i].authorization);
      g_assert_cmpint (gtk_widget_get_visible (PAGE_CHILD (f->page, "device_url_row")), ==,
                       grants[i].device);
      g_assert_cmpint (gtk_widget_get_visible (PAGE_CHILD (f->page, "issuer_row")), ==,
                       grants[i].authorization || grants[i].device);
      g_assert_cmpint (gtk_widget_get_visible (PAGE_CHILD (f->page, "refresh_token_row")), ==,
                       grants[i].refresh_token);
    }

  /* The sign-in rows are the profile's. */
  adw_combo_row_set_selected (grant_row, BEARER_GRANT_AUTHORIZATION_CODE);
  g_assert_cmpstr (bearer_profile_row_get_subtitle (BEARER_PROFILE_ROW (row)), ==,
                   "Authorization Code · No token yet");
  g_assert_true (gtk_widget_get_visible (PAGE_CHILD (f->page, "redirect_hint")));
  set_text (f->page, "redirect_row", "http://127.0.0.1:8400/callback");
  g_assert_cmpstr (bearer_profile_get_redirect_uri (f->profile), ==, "http://127.0.0.1:8400/callback");
  g_assert_false (gtk_widget_get_visible (PAGE_CHILD (f->page, "redirect_hint")));
  g_assert_false (gtk_widget_has_css_class (PAGE_CHILD (f->page, "redirect_row"), "error"));
  set_text (f->page, "redirect_row", "myapp://callback#x");
  g_assert_true (gtk_widget_has_css_class (PAGE_CHILD (f->page, "redirect_row"), "error"));
  set_text (f->page, "redirect_row", "");
  g_assert_null (bearer_profile_get_redirect_uri (f->profile));
  g_assert_true (gtk_widget_get_visible (PAGE_CHILD (f->page, "redirect_hint")));
  set_text (f->page, "authorization_url_row", "not a url");
  g_assert_true (gtk_widget_has_css_class (PAGE_CHILD (f->page, "authorization_url_row"), "error"));
  set_text (f->page, "authorization_url_row", "https://id.example/authorize");
  g_assert_cmpstr (bearer_profile_get_authorization_url (f->profile), ==, "https://id.example/authorize");
  g_assert_false (gtk_widget_has_css_class (PAGE_CHILD (f->page, "authorization_url_row"), "error"));
  set_text (f->page, "issuer_row", "https://id.example");
  g_assert_cmpstr (bearer_profile_get_issuer (f->profile), ==, "https://id.example");
  adw_combo_row_set_selected (PAGE_CHILD (f->page, "pkce_row"), BEARER_PKCE_PLAIN);
  g_assert_cmpint (bearer_profile_get_pkce_method (f->profile), ==, BEARER_PKCE_PLAIN);
  bearer_profile_set_pkce_method (f->profile, BEARER_PKCE_NONE);
  g_assert_cmpuint (adw_combo_row_get_selected (PAGE_CHILD (f->page, "pkce_row")), ==, BEARER_PKCE_NONE);

  wait_until (connection_saved, f->connection, "the edits to be saved");
  bearer_profile_store_load (other, &error);
  g_assert_no_error (error);
  g_assert_cmpint (bearer_profile_get_grant_type (bearer_profile_store_find (other, "prod")), ==,
                   BEARER_GRANT_AUTHORIZATION_CODE);
  g_assert_cmpint (bearer_profile_get_pkce_method (bearer_profile_store_find (other, "prod")), ==,
                   BEARER_PKCE_NONE);
  g_assert_cmpstr (bearer_profile_get_authorization_url (bearer_profile_store_find (other, "prod")), ==,
                   "https://id.example/authorize");

  g_assert_finalize_object (row);
}

static void
test_url_validation (Fixture       *f,
                     gconstpointer  data)
{
  GtkWidget *url_row;

  fixture_show_page (f);
  url_row = PAGE_CHILD (f->page, "url_row");
  g_assert_false (gtk_widget_has_css_class (url_row, "error"));

  set_text (f->page, "url_row", "not a url");
  g_assert_true (gtk_widget_has_css_class (url_row, "error"));
  g_assert_nonnull (gtk_widget_get_tooltip_text (url_row));

  set_text (f->page, "url_row", "https://x.example/token");
  g_assert_false (gtk_widget_has_css_class (url_row, "error"));
  g_assert_false (gtk_widget_has_css_class (url_row, "warning"));
  g_assert_null (gtk_widget_get_tooltip_text (url_row));

  /* Plain HTTP to a host that is not loopback: a warning, until allowed. */
  set_text (f->page, "url_row", "http://x.example/token");
  g_assert_true (gtk_widget_has_css_class (url_row, "warning"));
  g_assert_false (gtk_widget_has_css_class (url_row, "error"));
  gtk_switch_set_active (PAGE_CHILD (f->page, "insecure_switch"), TRUE);
  g_assert_false (gtk_widget_has_css_class (url_row, "warning"));
  gtk_switch_set_active (PAGE_CHILD (f->page, "insecure_switch"), FALSE);
  g_assert_true (gtk_widget_has_css_class (url_row, "warning"));
  set_text (f->page, "url_row", "http://127.0.0.1:8080/token");
  g_assert_false (gtk_widget_has_css_class (url_row, "warning"));

  /* What was typed, even a bad URL, is in the profile: nothing typed is lost. */
  set_text (f->page, "url_row", "not a url");
  g_assert_cmpstr (bearer_profile_get_token_url (f->profile), ==, "not a url");

  /* The profile changed elsewhere (another process, through the list):
   * the form follows, and is checked again. */
  bearer_profile_set_token_url (f->profile, "https://y.example/token");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (url_row)), ==, "https://y.example/token");
  g_assert_false (gtk_widget_has_css_class (url_row, "error"));
}

static void
lookup_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  *(BearerSecrets **) user_data = bearer_secrets_lookup_finish (result, &error);
  g_assert_no_error (error);
}

static BearerSecrets *
lookup_secrets (BearerProfile *profile)
{
  BearerSecrets *secrets = NULL;

  bearer_secrets_lookup_async (bearer_profile_get_id (profile), NULL, lookup_cb, &secrets);
  wait_until (is_set, &secrets, "the keyring");
  return secrets;
}

static void
stored_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (bearer_secrets_store_finish (result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static void
store_secrets (BearerProfile *profile,
               BearerSecrets *secrets)
{
  gboolean stored = FALSE;

  bearer_secrets_store_async (bearer_profile_get_id (profile), bearer_profile_get_name (profile),
                              secrets, NULL, stored_cb, &stored);
  wait_until (is_true, &stored, "the keyring write");
}

/* A refresh in another process (bearer-cli) holds the profile's lock while
 * it stores a rotated refresh token: a secret typed meanwhile is written
 * after it, on top of the rotated token, never with a bundle read before. */
static void
test_secrets_saved_under_lock (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(BearerSecrets) before = bearer_secrets_new ();
  g_autoptr(BearerSecrets) rotated = NULL;
  g_autoptr(BearerSecrets) after = NULL;
  g_autofree char *lock_path = bearer_profile_lock_path (bearer_profile_get_id (f->profile));
  g_autofree char *dir = g_path_get_dirname (lock_path);
  int fd;

  bearer_secrets_set_refresh_token (before, "def502-old");
  store_secrets (f->profile, before);

  fixture_show_page (f);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  fd = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (flock (fd, LOCK_EX), ==, 0);

  set_text (f->page, "client_secret_row", "s3cret-typed");
  spin (300);
  g_assert_false (bearer_connection_get_saved (f->connection));

  /* The other process's refresh, stored under its lock. */
  rotated = bearer_secrets_copy (before);
  bearer_secrets_set_refresh_token (rotated, "def502-rotated");
  bearer_secrets_set_access_token (rotated, "access-new", "Bearer", now_seconds () + 3600, NULL);
  bearer_secrets_set_updated_at (rotated, g_get_real_time ());
  store_secrets (f->profile, rotated);
  g_assert_cmpint (close (fd), ==, 0);

  wait_until (connection_saved, f->connection, "the typed secret to be saved");
  after = lookup_secrets (f->profile);
  g_assert_cmpstr (bearer_secrets_get_client_secret (after), ==, "s3cret-typed");
  g_assert_cmpstr (bearer_secrets_get_refresh_token (after), ==, "def502-rotated");
  g_assert_cmpstr (bearer_secrets_get_access_token (after), ==, "access-new");
}

static void
test_saves_without_save_button (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(BearerProfileStore) other = bearer_profile_store_new (bearer_profile_store_get_path (f->store));
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(GError) error = NULL;
  BearerProfile *saved;

  fixture_show_page (f);
  bearer_connection_set_save_delay (f->connection, 50);

  set_text (f->page, "client_id_row", "client-42");
  set_text (f->page, "scope_row", "read write");
  set_text (f->page, "client_secret_row", "s3cret");
  set_text (f->page, "refresh_token_row", "def502-typed");
  g_assert_false (bearer_connection_get_saved (f->connection));
  wait_until (connection_saved, f->connection, "the edits to be saved");

  /* The file, as another process reads it. */
  bearer_profile_store_load (other, &error);
  g_assert_no_error (error);
  saved = bearer_profile_store_find (other, bearer_profile_get_id (f->profile));
  g_assert_cmpstr (bearer_profile_get_client_id (saved), ==, "client-42");
  g_assert_cmpstr (bearer_profile_get_scope (saved), ==, "read write");
  /* This process's store follows. */
  g_assert_cmpstr (bearer_profile_get_client_id (bearer_profile_store_find (f->store, "prod")), ==,
                   "client-42");

  /* The keyring. */
  secrets = lookup_secrets (f->profile);
  g_assert_cmpstr (bearer_secrets_get_client_secret (secrets), ==, "s3cret");
  g_assert_cmpstr (bearer_secrets_get_refresh_token (secrets), ==, "def502-typed");

  /* An empty name is not saved; the old one stays. */
  set_text (f->page, "name_row", "   ");
  g_assert_true (gtk_widget_has_css_class (PAGE_CHILD (f->page, "name_row"), "error"));
  g_assert_cmpstr (bearer_profile_get_name (f->profile), ==, "prod");
  set_text (f->page, "name_row", "staging");
  g_assert_false (gtk_widget_has_css_class (PAGE_CHILD (f->page, "name_row"), "error"));
  g_assert_cmpstr (bearer_profile_get_name (f->profile), ==, "staging");
  wait_until (connection_saved, f->connection, "the rename to be saved");
  g_assert_nonnull (bearer_profile_store_find (f->store, "staging"));

  /* Typing goes on while a save is under way: the last text wins. */
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *text = g_strdup_printf ("scope-%u", i);

      set_text (f->page, "scope_row", text);
      spin (7);
    }
  wait_until (connection_saved, f->connection, "the last edit to be saved");
  g_assert_cmpstr (bearer_profile_get_scope (bearer_profile_store_find (f->store, "staging")), ==, "scope-19");
  bearer_profile_store_load (other, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bearer_profile_get_scope (bearer_profile_store_find (other, "staging")), ==, "scope-19");
}

static void
collect_parameter_rows (GtkWidget *widget,
                        GPtrArray *rows)
{
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      if (BEARER_IS_PARAMETER_ROW (c))
        g_ptr_array_add (rows, c);
      else
        collect_parameter_rows (c, rows);
    }
}

static GPtrArray *
parameter_rows (BearerProfilePage *page)
{
  GPtrArray *rows = g_ptr_array_new ();

  collect_parameter_rows (PAGE_CHILD (page, "advanced_row"), rows);
  return rows;
}

static void
test_extra_parameters (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GPtrArray) rows = NULL;
  BearerProfile *draft = f->profile;
  BearerParamLocation location;
  const char *name, *value;

  bearer_profile_add_parameter (f->profile, BEARER_PARAM_HEADER, "X-Tenant", "acme");
  fixture_show_page (f);

  rows = parameter_rows (f->page);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (bearer_parameter_row_get_name (rows->pdata[0]), ==, "X-Tenant");
  g_assert_cmpstr (bearer_parameter_row_get_value (rows->pdata[0]), ==, "acme");
  g_assert_cmpint (bearer_parameter_row_get_location (rows->pdata[0]), ==, BEARER_PARAM_HEADER);

  /* A new row is no parameter until it has a name. */
  g_signal_emit_by_name (PAGE_CHILD (f->page, "add_parameter_button"), "clicked");
  g_ptr_array_unref (rows);
  rows = parameter_rows (f->page);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpuint (bearer_profile_get_n_parameters (draft), ==, 1);
  gtk_editable_set_text (child (rows->pdata[1], BEARER_TYPE_PARAMETER_ROW, "name_entry"), "audience");
  gtk_editable_set_text (child (rows->pdata[1], BEARER_TYPE_PARAMETER_ROW, "value_entry"), "api");
  g_assert_cmpuint (bearer_profile_get_n_parameters (draft), ==, 2);
  bearer_profile_get_parameter (draft, 1, &location, &name, &value);
  g_assert_cmpint (location, ==, BEARER_PARAM_BODY);
  g_assert_cmpstr (name, ==, "audience");
  g_assert_cmpstr (value, ==, "api");

  /* Where it goes. */
  gtk_drop_down_set_selected (child (rows->pdata[0], BEARER_TYPE_PARAMETER_ROW, "location_dropdown"),
                              BEARER_PARAM_QUERY);
  bearer_profile_get_parameter (draft, 0, &location, &name, &value);
  g_assert_cmpint (location, ==, BEARER_PARAM_QUERY);

  /* Removed. */
  g_signal_emit_by_name (rows->pdata[0], "remove");
  g_ptr_array_unref (rows);
  rows = parameter_rows (f->page);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpuint (bearer_profile_get_n_parameters (draft), ==, 1);

  wait_until (connection_saved, f->connection, "the parameters to be saved");
  g_assert_cmpuint (bearer_profile_get_n_parameters (bearer_profile_store_find (f->store, "prod")), ==, 1);
  bearer_profile_get_parameter (bearer_profile_store_find (f->store, "prod"), 0, &location, &name, &value);
  g_assert_cmpstr (name, ==, "audience");
}

/* ---- the token view ------------------------------------------------------ */

static BearerSecrets *
make_secrets (const char *access_token,
              gint64      expires_at)
{
  BearerSecrets *secrets = bearer_secrets_new ();

  bearer_secrets_set_access_token (secrets, access_token, "Bearer", expires_at, "read write");
  bearer_secrets_set_refresh_token (secrets, "def502-refresh");
  return secrets;
}

static GtkWidget *
find_row_titled (GtkWidget  *widget,
                 const char *title)
{
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found;

      if (ADW_IS_ACTION_ROW (c) &&
          g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (c)), title) == 0)
        return c;
      if ((found = find_row_titled (c, title)) != NULL)
        return found;
    }
  return NULL;
}

static void
test_token_view (void)
{
  gint64 now = now_seconds ();
  g_autofree char *payload = g_strdup_printf ("{\"sub\":\"42\",\"iss\":\"https://acme.example\","
                                              "\"iat\":%" G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT
                                              ",\"aud\":[\"a\",\"b\"]}", now, now + 725);
  g_autofree char *jwt = make_jwt (payload);
  g_autoptr(BearerSecrets) secrets = make_secrets (jwt, now + 725);
  g_autoptr(BearerSecrets) expired = make_secrets ("opaque-token", now - 10);
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  BearerTokenView *view = BEARER_TOKEN_VIEW (bearer_token_view_new ());
  g_autofree char *header = NULL;
  g_autofree char *clipboard = NULL;
  g_autofree char *iat = NULL;
  g_autofree char *when = bearer_format_time (now);
  GtkWidget *row;

  g_object_ref_sink (view);
  gtk_window_set_child (window, GTK_WIDGET (view));
  gtk_window_present (window);

  g_assert_false (bearer_token_view_has_token (view));
  g_assert_null (bearer_token_view_dup_header (view));

  bearer_token_view_set_token (view, secrets, NULL, TRUE);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  g_assert_true (bearer_token_view_has_token (view));
  g_assert_cmpstr (gtk_label_get_text (child (view, BEARER_TYPE_TOKEN_VIEW, "access_token_label")), ==, jwt);

  /* The countdown. */
  g_assert_cmpstr (bearer_token_view_get_expiry_text (view), ==, "Expires in 12 minutes");

  /* The claims, times as dates. */
  g_assert_true (gtk_widget_get_visible (child (view, BEARER_TYPE_TOKEN_VIEW, "claims_row")));
  row = find_row_titled (GTK_WIDGET (view), "sub");
  g_assert_nonnull (row);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, "42");
  row = find_row_titled (GTK_WIDGET (view), "aud");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, "[\"a\",\"b\"]");
  row = find_row_titled (GTK_WIDGET (view), "iat");
  iat = g_strdup_printf ("%s (%" G_GINT64_FORMAT ")", when, now);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, iat);
  g_assert_nonnull (find_row_titled (GTK_WIDGET (view), "alg"));

  /* The refresh token is hidden until the row is expanded. */
  g_assert_cmpstr (gtk_label_get_text (child (view, BEARER_TYPE_TOKEN_VIEW, "refresh_token_label")), ==, "");
  adw_expander_row_set_expanded (child (view, BEARER_TYPE_TOKEN_VIEW, "refresh_row"), TRUE);
  g_assert_cmpstr (gtk_label_get_text (child (view, BEARER_TYPE_TOKEN_VIEW, "refresh_token_label")), ==,
                   "def502-refresh");
  adw_expander_row_set_expanded (child (view, BEARER_TYPE_TOKEN_VIEW, "refresh_row"), FALSE);
  g_assert_cmpstr (gtk_label_get_text (child (view, BEARER_TYPE_TOKEN_VIEW, "refresh_token_label")), ==, "");

  /* Copy Bearer Header: exactly the header, on the clipboard. */
  header = g_strconcat ("Authorization: Bearer ", jwt, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "token.copy-header", NULL));
  clipboard = read_clipboard (GTK_WIDGET (view));
  g_assert_cmpstr (clipboard, ==, header);
  g_clear_pointer (&clipboard, g_free);

  /* Copy Token: the bare token. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "token.copy-token", NULL));
  clipboard = read_clipboard (GTK_WIDGET (view));
  g_assert_cmpstr (clipboard, ==, jwt);

  /* An opaque token that expired: no claims, "Expired". */
  bearer_token_view_set_token (view, expired, NULL, TRUE);
  g_assert_cmpstr (bearer_token_view_get_expiry_text (view), ==, "Expired");
  g_assert_false (gtk_widget_get_visible (child (view, BEARER_TYPE_TOKEN_VIEW, "claims_row")));
  g_assert_null (find_row_titled (GTK_WIDGET (view), "sub"));

  gtk_window_destroy (window);
  g_assert_finalize_object (view);
}

/* The DPoP switch under Advanced is the profile's `dpop`, both ways, and is
 * saved with it. */
static void
test_dpop_switch (Fixture       *f,
                  gconstpointer  data)
{
  GtkSwitch *dpop;

  fixture_show_page (f);
  dpop = PAGE_CHILD (f->page, "dpop_switch");
  g_assert_false (gtk_switch_get_active (dpop));
  gtk_switch_set_active (dpop, TRUE);
  g_assert_true (bearer_profile_get_dpop (f->profile));
  bearer_profile_set_dpop (f->profile, FALSE);
  g_assert_false (gtk_switch_get_active (dpop));
}

/* A DPoP token: the view says what it means, and copies the header with a
 * proof for a GET of the address typed, signed with the key of the
 * connection read from the keyring. A Bearer token while DPoP is on: a
 * warning. */
static void
test_token_view_dpop (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();
  g_autoptr(BearerSecrets) plain = bearer_secrets_new ();
  g_autoptr(JsonObject) claims = NULL;
  g_autofree char *key = bearer_dpop_key_generate (NULL);
  g_autofree char *clipboard = NULL;
  g_autofree char *ath = bearer_dpop_access_token_hash ("dpop-window-token");
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  BearerTokenView *view = BEARER_TOKEN_VIEW (bearer_token_view_new ());
  gint64 now = now_seconds ();
  const char *proof;

  bearer_profile_set_dpop (f->profile, TRUE);
  bearer_secrets_set_dpop_key (secrets, key);
  bearer_secrets_set_access_token (secrets, "dpop-window-token", "DPoP", now + 600, NULL);
  store_secrets (f->profile, secrets);

  g_object_ref_sink (view);
  gtk_window_set_child (window, GTK_WIDGET (view));
  gtk_window_present (window);
  bearer_token_view_set_connection (view, f->connection);
  bearer_token_view_set_token (view, secrets, NULL, TRUE);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));

  g_assert_true (gtk_widget_get_visible (child (view, BEARER_TYPE_TOKEN_VIEW, "dpop_row")));
  g_assert_true (gtk_widget_get_visible (child (view, BEARER_TYPE_TOKEN_VIEW, "dpop_url_row")));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (child (view, BEARER_TYPE_TOKEN_VIEW, "dpop_row")),
                            "bearer-cli curl"));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "token.copy-header", NULL));
  clipboard = read_clipboard (GTK_WIDGET (view));
  g_assert_cmpstr (clipboard, ==, "Authorization: DPoP dpop-window-token");

  gtk_editable_set_text (GTK_EDITABLE (child (view, BEARER_TYPE_TOKEN_VIEW, "dpop_url_row")),
                         "https://api.example.com/v1/me?fields=name");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "token.copy-dpop", NULL));
  for (guint i = 0; i < 200 && strstr (clipboard, "\nDPoP: ") == NULL; i++)
    {
      g_free (clipboard);
      bearer_test_spin (50);
      clipboard = read_clipboard (GTK_WIDGET (view));
    }
  g_assert_true (g_str_has_prefix (clipboard, "Authorization: DPoP dpop-window-token\nDPoP: "));
  proof = strstr (clipboard, "\nDPoP: ") + strlen ("\nDPoP: ");
  g_assert_true (bearer_jwt_decode (proof, NULL, &claims, NULL));
  g_assert_cmpstr (json_object_get_string_member (claims, "htm"), ==, "GET");
  g_assert_cmpstr (json_object_get_string_member (claims, "htu"), ==, "https://api.example.com/v1/me");
  g_assert_cmpstr (json_object_get_string_member (claims, "ath"), ==, ath);

  /* The server ignored DPoP: said, not hidden. */
  bearer_secrets_set_access_token (plain, "plain-window-token", "Bearer", now + 600, NULL);
  bearer_token_view_set_token (view, plain, NULL, TRUE);
  g_assert_true (gtk_widget_get_visible (child (view, BEARER_TYPE_TOKEN_VIEW, "dpop_row")));
  g_assert_false (gtk_widget_get_visible (child (view, BEARER_TYPE_TOKEN_VIEW, "dpop_url_row")));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (child (view, BEARER_TYPE_TOKEN_VIEW, "dpop_row")),
                            "not bound"));

  /* DPoP off, a Bearer token: nothing to say. */
  bearer_profile_set_dpop (f->profile, FALSE);
  bearer_token_view_set_token (view, plain, NULL, TRUE);
  g_assert_false (gtk_widget_get_visible (child (view, BEARER_TYPE_TOKEN_VIEW, "dpop_row")));

  gtk_window_destroy (window);
  g_assert_finalize_object (view);
}

typedef struct {
  BearerTokenView *view;
  char *first;
} Countdown;

static gboolean
expiry_changed (gpointer data)
{
  Countdown *countdown = data;

  return g_strcmp0 (bearer_token_view_get_expiry_text (countdown->view), countdown->first) != 0;
}

static gboolean
expired (gpointer data)
{
  return g_strcmp0 (bearer_token_view_get_expiry_text (data), "Expired") == 0;
}

static void
test_countdown_ticks (void)
{
  gint64 expires_at = now_seconds () + 4;
  g_autoptr(BearerSecrets) secrets = make_secrets ("opaque", expires_at);
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  BearerTokenView *view = BEARER_TOKEN_VIEW (bearer_token_view_new ());
  Countdown countdown = { view, NULL };
  g_autofree char *expected = NULL;
  gint64 left;

  g_object_ref_sink (view);
  gtk_window_set_child (window, GTK_WIDGET (view));
  gtk_window_present (window);
  bearer_token_view_set_token (view, secrets, NULL, TRUE);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));

  /* The text says how long is left (a slow machine may already have lost a
   * second or two since the token was made), is updated every second while
   * shown, and turns into "Expired". */
  countdown.first = g_strdup (bearer_token_view_get_expiry_text (view));
  left = expires_at - now_seconds ();
  g_assert_cmpint (left, >, 1);
  expected = g_strdup_printf ("Expires in %d seconds", (int) left);
  if (g_strcmp0 (countdown.first, expected) != 0)
    {
      /* The second may have turned between the two readings. */
      g_free (expected);
      expected = g_strdup_printf ("Expires in %d seconds", (int) left + 1);
    }
  g_assert_cmpstr (countdown.first, ==, expected);
  wait_until (expiry_changed, &countdown, "the countdown to tick");
  wait_until (expired, view, "the countdown to reach Expired");
  g_assert_cmpint (now_seconds (), >=, expires_at);

  g_free (countdown.first);
  gtk_window_destroy (window);
  g_assert_finalize_object (view);
}

/* ---- copying the request as cURL, Python or Node.js ----------------------- */

static void
test_copy_curl (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *clipboard = NULL;

  fixture_show_page (f);
  set_text (f->page, "client_secret_row", "s3cret");
  set_text (f->page, "refresh_token_row", "def502");

  /* The core's preview of the profile: what Get New Access Token sends. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "page.copy-snippet", "s", "curl"));
  clipboard = read_clipboard (GTK_WIDGET (f->page));
  g_assert_cmpstr (clipboard, ==,
                   "curl -X POST 'https://acme.processmaker.net/oauth/token' \\\n"
                   "  -H 'Accept: application/json' \\\n"
                   "  -H 'Content-Type: application/x-www-form-urlencoded' \\\n"
                   "  -d 'grant_type=refresh_token' \\\n"
                   "  -d 'refresh_token=<refresh-token>' \\\n"
                   "  -d 'client_id=3' \\\n"
                   "  -d 'client_secret=<client-secret>'\n");
  g_clear_pointer (&clipboard, g_free);

  /* With the secrets typed in the form. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "page.copy-snippet-secrets", "s",
                                             "curl"));
  clipboard = read_clipboard (GTK_WIDGET (f->page));
  g_assert_nonnull (strstr (clipboard, "-d 'refresh_token=def502'"));
  g_assert_nonnull (strstr (clipboard, "-d 'client_secret=s3cret'"));
  g_clear_pointer (&clipboard, g_free);

  /* The seed guide's other two languages. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "page.copy-snippet", "s", "python"));
  clipboard = read_clipboard (GTK_WIDGET (f->page));
  g_assert_true (g_str_has_prefix (clipboard, "import requests\n"));
  g_assert_nonnull (strstr (clipboard, "    \"&client_secret=<client-secret>\"\n"));
  g_clear_pointer (&clipboard, g_free);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "page.copy-snippet-secrets", "s",
                                             "node"));
  clipboard = read_clipboard (GTK_WIDGET (f->page));
  g_assert_true (g_str_has_prefix (clipboard, "const axios = require('axios');\n"));
  g_assert_nonnull (strstr (clipboard, "  \"&refresh_token=def502\" +\n"));
  g_clear_pointer (&clipboard, g_free);

  /* Every item of the menu names one of these actions and a language. */
  {
    GtkWidget *button = PAGE_CHILD (f->page, "curl_button");
    GMenuModel *menu = adw_split_button_get_menu_model (ADW_SPLIT_BUTTON (button));
    guint n_items = 0;

    for (int section = 0; section < g_menu_model_get_n_items (menu); section++)
      {
        GMenuModel *items = g_menu_model_get_item_link (menu, section, G_MENU_LINK_SECTION);

        for (int i = 0; i < g_menu_model_get_n_items (items); i++)
          {
            g_autofree char *action = NULL;
            g_autoptr(GVariant) target = NULL;
            const char *language;
            const char *start;

            g_assert_true (g_menu_model_get_item_attribute (items, i, G_MENU_ATTRIBUTE_ACTION, "s", &action));
            target = g_menu_model_get_item_attribute_value (items, i, G_MENU_ATTRIBUTE_TARGET,
                                                            G_VARIANT_TYPE_STRING);
            g_assert_nonnull (target);
            language = g_variant_get_string (target, NULL);
            start = g_str_equal (language, "curl") ? "curl -X POST"
                    : g_str_equal (language, "python") ? "import requests" : "const axios";
            g_assert_true (gtk_widget_activate_action_variant (GTK_WIDGET (f->page), action, target));
            clipboard = read_clipboard (GTK_WIDGET (f->page));
            g_assert_true (g_str_has_prefix (clipboard, start));
            g_clear_pointer (&clipboard, g_free);
            n_items++;
          }
        g_object_unref (items);
      }
    g_assert_cmpuint (n_items, ==, 6);
  }

  wait_until (connection_saved, f->connection, "the secrets to be saved");
}

/* ---- Get New Access Token ------------------------------------------------ */

static gboolean
not_running (gpointer data)
{
  return !bearer_profile_page_get_running (data);
}

static gboolean
cancelled_answer_saved (gpointer data)
{
  return g_strcmp0 (gtk_label_get_text (PAGE_CHILD (data, "status_label")),
                    "Cancelled — the server’s answer was still saved") == 0;
}

static gboolean
has_requests (gpointer data)
{
  return ((TokenServer *) data)->requests > 0;
}

static void
test_get_token (Fixture       *f,
                gconstpointer  data)
{
  TokenServer *ts = token_server_new ();
  gint64 now = now_seconds ();
  g_autofree char *payload = g_strdup_printf ("{\"sub\":\"1\",\"exp\":%" G_GINT64_FORMAT "}", now + 3600);
  g_autofree char *jwt = make_jwt (payload);
  g_autofree char *header = g_strconcat ("Authorization: Bearer ", jwt, NULL);
  g_autofree char *clipboard = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  BearerTokenView *view;

  ts->status = 200;
  ts->body = g_strdup_printf ("{\"token_type\":\"Bearer\",\"expires_in\":3600,\"access_token\":\"%s\","
                              "\"refresh_token\":\"def502-rotated\"}", jwt);

  fixture_show_page (f);
  view = PAGE_CHILD (f->page, "token_view");
  set_text (f->page, "url_row", ts->url);
  set_text (f->page, "refresh_token_row", "def502-first");
  set_text (f->page, "client_secret_row", "s3cret");

  /* While the server is slow: a spinner, Cancel, and no second request. */
  ts->hold = TRUE;
  gtk_widget_activate_action (GTK_WIDGET (f->page), "page.get-token", NULL);
  g_assert_true (bearer_profile_page_get_running (f->page));
  g_assert_true (gtk_widget_get_visible (PAGE_CHILD (f->page, "spinner")));
  g_assert_true (gtk_widget_get_visible (PAGE_CHILD (f->page, "cancel_button")));
  g_assert_false (gtk_widget_get_sensitive (PAGE_CHILD (f->page, "get_button")));
  wait_until (has_requests, ts, "the request");
  gtk_widget_activate_action (GTK_WIDGET (f->page), "page.get-token", NULL);
  bearer_profile_page_get_token (f->page);
  spin (200);
  g_assert_cmpuint (ts->requests, ==, 1);
  g_assert_nonnull (strstr (ts->last_body, "grant_type=refresh_token&refresh_token=def502-first&client_id=3&client_secret=s3cret"));

  /* Cancel after the server has the request: the page is free at once,
   * quietly, but the answer is still read and stored, because the server
   * may have spent def502-first already (ProcessMaker revokes it). */
  gtk_widget_activate_action (GTK_WIDGET (f->page), "page.cancel", NULL);
  g_assert_false (bearer_profile_page_get_running (f->page));
  g_assert_cmpstr (gtk_label_get_text (PAGE_CHILD (f->page, "status_label")), ==, "Cancelled");
  g_assert_false (bearer_error_banner_get_revealed (PAGE_CHILD (f->page, "banner")));
  g_assert_false (gtk_widget_get_visible (PAGE_CHILD (f->page, "spinner")));
  g_assert_true (gtk_widget_get_sensitive (PAGE_CHILD (f->page, "get_button")));
  token_server_release (ts);
  wait_until (cancelled_answer_saved, f->page, "the cancelled request's answer");
  g_assert_cmpuint (ts->requests, ==, 1);
  secrets = lookup_secrets (f->profile);
  g_assert_cmpstr (bearer_secrets_get_refresh_token (secrets), ==, "def502-rotated");
  g_assert_cmpstr (bearer_secrets_get_access_token (secrets), ==, jwt);
  g_clear_pointer (&secrets, bearer_secrets_unref);

  /* The token shows, and the rotated refresh token is in the form. */
  g_assert_false (bearer_error_banner_get_revealed (PAGE_CHILD (f->page, "banner")));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (view)));
  g_assert_cmpstr (gtk_label_get_text (child (view, BEARER_TYPE_TOKEN_VIEW, "access_token_label")), ==, jwt);
  g_assert_cmpstr (bearer_token_view_get_expiry_text (view), ==, "Expires in 60 minutes");
  g_assert_cmpstr (adw_expander_row_get_subtitle (child (view, BEARER_TYPE_TOKEN_VIEW, "refresh_row")), ==,
                   "The server issued a new refresh token; it is saved in your keyring");
  g_assert_cmpstr (gtk_editable_get_text (PAGE_CHILD (f->page, "refresh_token_row")), ==, "def502-rotated");

  /* Again: the new refresh token is the one sent, never the spent one. */
  gtk_widget_activate_action (GTK_WIDGET (f->page), "page.get-token", NULL);
  wait_until (not_running, f->page, "the token");
  g_assert_cmpuint (ts->requests, ==, 2);
  g_assert_nonnull (strstr (ts->last_body, "refresh_token=def502-rotated&"));
  g_assert_false (bearer_error_banner_get_revealed (PAGE_CHILD (f->page, "banner")));
  secrets = lookup_secrets (f->profile);
  g_assert_cmpstr (bearer_secrets_get_refresh_token (secrets), ==, "def502-rotated");

  /* Ctrl+Shift+C's action. */
  bearer_profile_page_copy_header (f->page);
  clipboard = read_clipboard (GTK_WIDGET (f->page));
  g_assert_cmpstr (clipboard, ==, header);

  token_server_free (ts);
}

static gboolean
refresh_token_is (gpointer data)
{
  gpointer *args = data;
  g_autoptr(BearerSecrets) secrets = lookup_secrets (args[0]);

  return g_strcmp0 (bearer_secrets_get_refresh_token (secrets), args[1]) == 0;
}

/* The window closes while the server has the request: the answer is still
 * read and stored, so the refresh token the server rotated is not lost. */
static void
test_page_gone_mid_request (Fixture       *f,
                            gconstpointer  data)
{
  TokenServer *ts = token_server_new ();
  gpointer args[] = { f->profile, (gpointer) "def502-rotated" };

  ts->status = 200;
  ts->body = g_strdup ("{\"token_type\":\"Bearer\",\"expires_in\":3600,\"access_token\":\"at-2\","
                       "\"refresh_token\":\"def502-rotated\"}");

  fixture_show_page (f);
  set_text (f->page, "url_row", ts->url);
  set_text (f->page, "refresh_token_row", "def502-first");
  set_text (f->page, "client_secret_row", "s3cret");

  ts->hold = TRUE;
  bearer_profile_page_get_token (f->page);
  wait_until (has_requests, ts, "the request");
  gtk_window_destroy (f->window);
  f->window = NULL;
  spin (100);
  token_server_release (ts);

  wait_until (refresh_token_is, args, "the rotated refresh token in the keyring");
  wait_until (page_gone, f, "the page to be finalized");
  g_assert_cmpuint (ts->requests, ==, 1);
  token_server_free (ts);
}

static void
test_dead_refresh_token (Fixture       *f,
                         gconstpointer  data)
{
  TokenServer *ts = token_server_new ();
  BearerErrorBanner *banner;
  GtkWidget *refresh_row, *focus;

  /* league/oauth2-server 8, as ProcessMaker answers a revoked refresh token */
  ts->status = 401;
  ts->body = g_strdup ("{\"error\":\"invalid_request\",\"error_description\":\"The refresh token is invalid.\","
                       "\"hint\":\"Token has been revoked\",\"message\":\"The refresh token is invalid.\"}");

  fixture_show_page (f);
  banner = PAGE_CHILD (f->page, "banner");
  refresh_row = PAGE_CHILD (f->page, "refresh_token_row");
  set_text (f->page, "url_row", ts->url);
  set_text (f->page, "refresh_token_row", "def502-revoked");
  set_text (f->page, "client_secret_row", "s3cret");

  bearer_profile_page_get_token (f->page);
  wait_until (not_running, f->page, "the answer");
  g_assert_true (bearer_error_banner_get_revealed (banner));
  g_assert_cmpstr (bearer_error_banner_get_title (banner), ==, "Sign in again: paste a new refresh token");
  g_assert_nonnull (strstr (bearer_error_banner_get_message (banner), "The refresh token is invalid."));
  g_assert_true (gtk_widget_has_css_class (refresh_row, "error"));

  /* The focus goes to the refresh token. */
  spin (400);
  focus = gtk_root_get_focus (GTK_ROOT (f->window));
  g_assert_nonnull (focus);
  g_assert_true (focus == refresh_row || gtk_widget_is_ancestor (focus, refresh_row));

  /* Nothing typed is lost. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (refresh_row)), ==, "def502-revoked");
  g_assert_cmpstr (gtk_editable_get_text (PAGE_CHILD (f->page, "url_row")), ==, ts->url);

  /* Typing a new one clears the mark. */
  set_text (f->page, "refresh_token_row", "def502-new");
  g_assert_false (gtk_widget_has_css_class (refresh_row, "error"));

  token_server_free (ts);
}

static void
test_server_error (Fixture       *f,
                   gconstpointer  data)
{
  TokenServer *ts = token_server_new ();
  BearerErrorBanner *banner;

  ts->status = 400;
  ts->body = g_strdup ("{\"error\":\"invalid_scope\",\"error_description\":\"Unknown scope “admin”\","
                       "\"error_uri\":\"https://docs.example/errors#scope\"}");

  fixture_show_page (f);
  banner = PAGE_CHILD (f->page, "banner");
  adw_combo_row_set_selected (PAGE_CHILD (f->page, "grant_row"), 1);
  set_text (f->page, "url_row", ts->url);
  set_text (f->page, "scope_row", "admin");
  set_text (f->page, "client_secret_row", "s3cret");

  bearer_profile_page_get_token (f->page);
  wait_until (not_running, f->page, "the answer");
  g_assert_cmpstr (bearer_error_banner_get_title (banner), ==, "The server refused the request");
  g_assert_nonnull (strstr (bearer_error_banner_get_message (banner), "Unknown scope “admin”"));
  g_assert_cmpstr (gtk_label_get_text (child (banner, BEARER_TYPE_ERROR_BANNER, "status_label")), ==,
                   "HTTP status 400");
  g_assert_true (gtk_widget_get_visible (child (banner, BEARER_TYPE_ERROR_BANNER, "link_button")));
  g_assert_cmpstr (gtk_link_button_get_uri (child (banner, BEARER_TYPE_ERROR_BANNER, "link_button")), ==,
                   "https://docs.example/errors#scope");
  /* The details: the exchange, with no secret in it. */
  {
    const char *details = gtk_label_get_text (child (banner, BEARER_TYPE_ERROR_BANNER, "details_label"));

    g_assert_nonnull (strstr (details, "error: invalid_scope"));
    g_assert_nonnull (strstr (details, "HTTP 400"));
    g_assert_nonnull (strstr (details, "client_secret=<client-secret>"));
    g_assert_null (strstr (details, "s3cret"));
  }

  token_server_free (ts);
}

/* ---- signing in ----------------------------------------------------------- */

#define SIGN_IN_REPLY_FORMAT "{\"token_type\":\"Bearer\",\"expires_in\":3600,\"access_token\":\"at-signed-in\"," \
                             "\"refresh_token\":\"rt-signed-in\",\"scope\":\"openid\",\"id_token\":\"%s\"}"

static const char *
status_text (BearerProfilePage *page)
{
  return gtk_label_get_text (PAGE_CHILD (page, "status_label"));
}

static const char *
button_label (BearerProfilePage *page)
{
  return gtk_button_get_label (PAGE_CHILD (page, "get_button"));
}

static const char *
shown (BearerProfilePage *page)
{
  return gtk_stack_get_visible_child_name (PAGE_CHILD (page, "content_stack"));
}

static gpointer
view_child (BearerProfilePage *page,
            const char        *name)
{
  return child (PAGE_CHILD (page, "sign_in_view"), BEARER_TYPE_SIGN_IN_VIEW, name);
}

static gboolean
view_shows_device (gpointer data)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (view_child (data, "stack")), "device") == 0;
}

/* A profile that signs in through the browser, at @ts, public client. */
static void
set_up_browser_profile (Fixture     *f,
                        TokenServer *ts)
{
  g_autofree char *authorize = g_strconcat (ts->base, "/authorize?prompt=consent", NULL);

  bearer_profile_set_grant_type (f->profile, BEARER_GRANT_AUTHORIZATION_CODE);
  bearer_profile_set_token_url (f->profile, ts->url);
  bearer_profile_set_authorization_url (f->profile, authorize);
  bearer_profile_set_client_auth (f->profile, BEARER_CLIENT_AUTH_NONE);
  bearer_profile_set_scope (f->profile, "openid");
}

/* The redirect the browser comes back with after the user signed in at
 * @authorization_url: its own redirect_uri, the code and the state. */
static char *
redirect_for (const char *authorization_url,
              const char *code)
{
  g_autoptr(GHashTable) params = url_params (authorization_url);
  g_autofree char *state = g_uri_escape_string (g_hash_table_lookup (params, "state"), NULL, FALSE);

  return g_strdup_printf ("%s?code=%s&state=%s", (char *) g_hash_table_lookup (params, "redirect_uri"),
                          code, state);
}

/* Sign In with Browser, from the button to the token: the browser opens at
 * the authorization URL through the system's default browser, the page
 * shows the link (Copy Link) while it waits, the browser comes back to the
 * loopback redirect, the code is exchanged, and the token view shows the
 * token and the decoded ID token; from then on the same button refreshes. */
static void
test_sign_in_browser (Fixture       *f,
                      gconstpointer  data)
{
  TokenServer *ts = token_server_new ();
  g_autofree char *id_token = make_jwt ("{\"sub\":\"alice\",\"iss\":\"https://id.example\",\"aud\":\"3\"}");
  g_autofree char *uri = NULL;
  g_autofree char *redirect = NULL;
  g_autofree char *page = NULL;
  g_autofree char *clipboard = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  BearerTokenView *view;
  GtkWidget *id_token_row, *row;

  ts->status = 200;
  ts->body = g_strdup_printf (SIGN_IN_REPLY_FORMAT, id_token);
  set_up_browser_profile (f, ts);
  fixture_show_page (f);
  view = PAGE_CHILD (f->page, "token_view");
  wait_until ((Condition) bearer_connection_get_secrets_loaded, f->connection, "the keyring");
  g_assert_cmpstr (button_label (f->page), ==, "Sign In with Browser");
  g_assert_cmpstr (shown (f->page), ==, "form");

  browser_reset ();
  gtk_widget_activate_action (GTK_WIDGET (f->page), "page.get-token", NULL);
  g_assert_true (bearer_profile_page_get_running (f->page));
  g_assert_true (gtk_widget_get_visible (PAGE_CHILD (f->page, "cancel_button")));

  /* The system's browser opens the authorization URL. */
  uri = browser_wait ();
  g_assert_true (g_str_has_prefix (uri, ts->base));
  params = url_params (uri);
  g_assert_cmpstr (g_hash_table_lookup (params, "prompt"), ==, "consent");
  g_assert_cmpstr (g_hash_table_lookup (params, "client_id"), ==, "3");
  g_assert_cmpstr (g_hash_table_lookup (params, "code_challenge_method"), ==, "S256");
  g_assert_true (g_str_has_prefix (g_hash_table_lookup (params, "redirect_uri"), "http://127.0.0.1:"));

  /* While it waits: what is happening, the link, Copy Link, Cancel. */
  g_assert_cmpstr (shown (f->page), ==, "sign-in");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (view_child (f->page, "stack")), ==, "browser");
  g_assert_cmpstr (status_text (f->page), ==, "Waiting for the browser…");
  g_assert_cmpstr (gtk_label_get_text (view_child (f->page, "link_label")), ==, uri);
  g_assert_true (gtk_widget_get_visible (view_child (f->page, "waiting_box")));
  g_assert_false (gtk_widget_get_visible (view_child (f->page, "paste_box")));
  g_assert_true (gtk_widget_activate_action (PAGE_CHILD (f->page, "sign_in_view"), "sign-in.copy-link", NULL));
  clipboard = read_clipboard (GTK_WIDGET (f->page));
  g_assert_cmpstr (clipboard, ==, uri);
  g_assert_false (gtk_widget_get_sensitive (PAGE_CHILD (f->page, "get_button")));
  g_assert_cmpuint (ts->requests, ==, 0);

  /* The user signed in: the browser comes back, its page says so once the
   * tokens are stored. */
  redirect = redirect_for (uri, "the-code");
  g_assert_cmpuint (browse (redirect, &page), ==, 200);
  g_assert_nonnull (strstr (page, "Signed in to “prod”"));
  wait_until (not_running, f->page, "the sign-in to end");
  g_assert_cmpstr (status_text (f->page), ==, "Signed in");
  g_assert_cmpstr (shown (f->page), ==, "form");
  g_assert_false (bearer_error_banner_get_revealed (PAGE_CHILD (f->page, "banner")));
  g_assert_cmpuint (ts->requests, ==, 1);
  g_assert_true (g_str_has_prefix (ts->last_body, "grant_type=authorization_code&code=the-code&redirect_uri="));
  g_assert_nonnull (strstr (ts->last_body, "&code_verifier="));

  /* The token, and the ID token decoded, marked not verified. */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (view)));
  g_assert_cmpstr (gtk_label_get_text (child (view, BEARER_TYPE_TOKEN_VIEW, "access_token_label")), ==,
                   "at-signed-in");
  id_token_row = child (view, BEARER_TYPE_TOKEN_VIEW, "id_token_row");
  g_assert_true (gtk_widget_get_visible (id_token_row));
  g_assert_nonnull (strstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (id_token_row)), "not verified"));
  row = find_row_titled (id_token_row, "sub");
  g_assert_nonnull (row);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, "alice");
  g_assert_false (gtk_widget_get_visible (child (view, BEARER_TYPE_TOKEN_VIEW, "claims_row")));

  /* Stored in the keyring; the refresh token is in the form. */
  secrets = lookup_secrets (f->profile);
  g_assert_cmpstr (bearer_secrets_get_refresh_token (secrets), ==, "rt-signed-in");
  g_assert_cmpstr (bearer_secrets_get_access_token (secrets), ==, "at-signed-in");
  g_assert_cmpstr (gtk_editable_get_text (PAGE_CHILD (f->page, "refresh_token_row")), ==, "rt-signed-in");

  /* From now on the button refreshes, with the refresh token the sign-in
   * brought; a reply without an ID token shows none. */
  g_assert_cmpstr (button_label (f->page), ==, "Get New Access Token");
  g_free (ts->body);
  ts->body = g_strdup ("{\"token_type\":\"Bearer\",\"expires_in\":3600,\"access_token\":\"at-2\"}");
  gtk_widget_activate_action (GTK_WIDGET (f->page), "page.get-token", NULL);
  wait_until (not_running, f->page, "the refresh");
  g_assert_cmpuint (ts->requests, ==, 2);
  g_assert_true (g_str_has_prefix (ts->last_body, "grant_type=refresh_token&refresh_token=rt-signed-in&"));
  g_assert_cmpstr (gtk_label_get_text (child (view, BEARER_TYPE_TOKEN_VIEW, "access_token_label")), ==, "at-2");
  g_assert_false (gtk_widget_get_visible (id_token_row));
  g_assert_false (browser_was_opened (NULL));

  token_server_free (ts);
}

/* A callback URL that is not loopback: nobody listens; the user pastes the
 * address the browser ended on. One from another sign-in is refused under
 * the field and the sign-in goes on waiting; the right one signs in. */
static void
test_sign_in_pasted_redirect (Fixture       *f,
                              gconstpointer  data)
{
  TokenServer *ts = token_server_new ();
  AdwEntryRow *paste_row;
  g_autofree char *uri = NULL;
  g_autofree char *redirect = NULL;

  ts->status = 200;
  ts->body = g_strdup_printf (SIGN_IN_REPLY_FORMAT, "not-a-jwt");
  set_up_browser_profile (f, ts);
  bearer_profile_set_redirect_uri (f->profile, "https://app.example/oauth/callback");
  fixture_show_page (f);
  wait_until ((Condition) bearer_connection_get_secrets_loaded, f->connection, "the keyring");

  browser_reset ();
  bearer_profile_page_get_token (f->page);
  uri = browser_wait ();
  g_assert_cmpstr (shown (f->page), ==, "sign-in");
  g_assert_false (gtk_widget_get_visible (view_child (f->page, "waiting_box")));
  g_assert_true (gtk_widget_get_visible (view_child (f->page, "paste_box")));
  paste_row = view_child (f->page, "paste_row");

  /* Another sign-in's answer (or a stale one): said, and nothing ends. */
  gtk_editable_set_text (GTK_EDITABLE (paste_row), "https://app.example/oauth/callback?code=x&state=not-this-one");
  g_signal_emit_by_name (paste_row, "apply");
  g_assert_true (gtk_widget_get_visible (view_child (f->page, "paste_error_label")));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (paste_row), "error"));
  spin (100);
  g_assert_true (bearer_profile_page_get_running (f->page));
  g_assert_cmpuint (ts->requests, ==, 0);

  /* Not an address at all. */
  gtk_editable_set_text (GTK_EDITABLE (paste_row), "   the code was 1234");
  g_signal_emit_by_name (paste_row, "entry-activated");
  g_assert_cmpstr (gtk_label_get_text (view_child (f->page, "paste_error_label")), ==,
                   "That is not a web address: paste the whole address the browser ended on");
  g_assert_true (bearer_profile_page_get_running (f->page));

  /* The right one. */
  redirect = redirect_for (uri, "pasted-code");
  gtk_editable_set_text (GTK_EDITABLE (paste_row), redirect);
  g_signal_emit_by_name (paste_row, "apply");
  g_assert_false (gtk_widget_get_visible (view_child (f->page, "paste_error_label")));
  wait_until (not_running, f->page, "the sign-in to end");
  g_assert_cmpstr (status_text (f->page), ==, "Signed in");
  g_assert_cmpuint (ts->requests, ==, 1);
  g_assert_nonnull (strstr (ts->last_body, "code=pasted-code&redirect_uri=https%3A%2F%2Fapp.example%2Foauth%2Fcallback"));
  /* An ID token that is no JWT is not shown. */
  g_assert_false (gtk_widget_get_visible (child (PAGE_CHILD (f->page, "token_view"), BEARER_TYPE_TOKEN_VIEW,
                                                 "id_token_row")));

  token_server_free (ts);
}

/* Cancel while the browser is out: the form is back at once and quietly,
 * the loopback server is gone (a late browser reaches nobody), nothing was
 * asked of the token endpoint, and the next sign-in is a new one. */
static void
test_sign_in_cancel (Fixture       *f,
                     gconstpointer  data)
{
  TokenServer *ts = token_server_new ();
  g_autofree char *uri = NULL;
  g_autofree char *again = NULL;
  g_autofree char *redirect = NULL;
  g_autoptr(GHashTable) first = NULL;
  g_autoptr(GHashTable) second = NULL;

  ts->status = 200;
  ts->body = g_strdup_printf (SIGN_IN_REPLY_FORMAT, "x");
  set_up_browser_profile (f, ts);
  fixture_show_page (f);
  wait_until ((Condition) bearer_connection_get_secrets_loaded, f->connection, "the keyring");

  browser_reset ();
  bearer_profile_page_get_token (f->page);
  uri = browser_wait ();
  gtk_widget_activate_action (GTK_WIDGET (f->page), "page.cancel", NULL);
  g_assert_false (bearer_profile_page_get_running (f->page));
  g_assert_cmpstr (status_text (f->page), ==, "Cancelled");
  g_assert_cmpstr (shown (f->page), ==, "form");
  g_assert_null (bearer_sign_in_view_get_sign_in (PAGE_CHILD (f->page, "sign_in_view")));
  g_assert_false (bearer_error_banner_get_revealed (PAGE_CHILD (f->page, "banner")));
  g_assert_cmpstr (button_label (f->page), ==, "Sign In with Browser");

  spin (200);
  redirect = redirect_for (uri, "late-code");
  g_assert_cmpuint (browse (redirect, NULL), ==, 0);
  g_assert_cmpuint (ts->requests, ==, 0);
  g_assert_cmpstr (status_text (f->page), ==, "Cancelled");
  g_assert_null (bearer_connection_get_access_token (f->connection));

  /* Again: a new state, a new verifier. */
  bearer_profile_page_get_token (f->page);
  again = browser_wait ();
  first = url_params (uri);
  second = url_params (again);
  g_assert_cmpstr (g_hash_table_lookup (first, "state"), !=, g_hash_table_lookup (second, "state"));
  g_assert_cmpstr (g_hash_table_lookup (first, "code_challenge"), !=, g_hash_table_lookup (second, "code_challenge"));
  /* Closing the window gives it up too. */
  gtk_window_destroy (f->window);

  f->window = NULL;
  wait_until (page_gone, f, "the page to be finalized");
  g_free (redirect);
  redirect = redirect_for (again, "late-code");
  spin (200);
  g_assert_cmpuint (browse (redirect, NULL), ==, 0);
  g_assert_cmpuint (ts->requests, ==, 0);

  token_server_free (ts);
}

/* Whether the pixel at (@x, @y) of @texture is black. */
static gboolean
pixel_is_dark (GdkTexture *texture,
               int         x,
               int         y)
{
  int width = gdk_texture_get_width (texture);
  g_autofree guint8 *pixels = g_malloc (width * 4 * gdk_texture_get_height (texture));
  guint8 *pixel;

  gdk_texture_download (texture, pixels, width * 4);
  pixel = pixels + y * width * 4 + x * 4;
  return pixel[0] < 0x40 && pixel[1] < 0x40 && pixel[2] < 0x40;
}

/* Sign In with a Code: the code in large type, Copy Code, Open in Browser
 * (the complete verification address, opened only when asked), a QR code
 * of it, a countdown; the poll that brings the tokens after the user
 * approved; then a refused code says so. */
static void
test_sign_in_device (Fixture       *f,
                     gconstpointer  data)
{
  TokenServer *ts = token_server_new ();
  g_autofree char *device_url = g_strconcat (ts->base, "/device", NULL);
  g_autofree char *complete = g_strconcat (ts->base, "/activate?user_code=WDJB-MJHT", NULL);
  g_autofree char *clipboard = NULL;
  g_autofree char *opened = NULL;
  g_autofree char *description = NULL;
  GtkPicture *qr;
  GdkPaintable *paintable;
  const char *countdown;
  int size;
  guint modules;

  ts->device_body = g_strdup_printf ("{\"device_code\":\"dev-code-1\",\"user_code\":\"WDJB-MJHT\","
                                     "\"verification_uri\":\"%s/activate\",\"verification_uri_complete\":\"%s\","
                                     "\"expires_in\":600,\"interval\":1}", ts->base, complete);
  ts->status = 200;
  ts->body = g_strdup ("{\"token_type\":\"Bearer\",\"expires_in\":3600,\"access_token\":\"at-device\","
                       "\"refresh_token\":\"rt-device\"}");
  token_server_push_reply (ts, 400, "{\"error\":\"authorization_pending\"}");
  bearer_profile_set_grant_type (f->profile, BEARER_GRANT_DEVICE_CODE);
  bearer_profile_set_token_url (f->profile, ts->url);
  bearer_profile_set_device_authorization_url (f->profile, device_url);
  bearer_profile_set_client_auth (f->profile, BEARER_CLIENT_AUTH_NONE);
  fixture_show_page (f);
  wait_until ((Condition) bearer_connection_get_secrets_loaded, f->connection, "the keyring");
  g_assert_cmpstr (button_label (f->page), ==, "Sign In with a Code");

  browser_reset ();
  gtk_widget_activate_action (GTK_WIDGET (f->page), "page.get-token", NULL);
  wait_until (view_shows_device, f->page, "the device page");
  g_assert_cmpstr (shown (f->page), ==, "sign-in");
  g_assert_cmpuint (ts->device_requests, ==, 1);
  g_assert_cmpstr (status_text (f->page), ==, "Waiting for the code to be entered…");

  /* The code, where to type it, and how long it lasts. */
  g_assert_cmpstr (gtk_label_get_text (view_child (f->page, "user_code_label")), ==, "WDJB-MJHT");
  g_assert_true (gtk_widget_has_css_class (view_child (f->page, "user_code_label"), "bearer-user-code"));
  description = g_strdup_printf ("On any device, open %s/activate and enter this code:", ts->base);
  g_assert_cmpstr (adw_status_page_get_description (view_child (f->page, "device_page")), ==, description);
  countdown = bearer_sign_in_view_get_countdown (PAGE_CHILD (f->page, "sign_in_view"));
  g_assert_true (g_str_equal (countdown, "The code expires in 10:00") ||
                 g_str_has_prefix (countdown, "The code expires in 9:5"));

  /* The QR code: the complete address, each module 5 pixels, a quiet zone
   * of 4 modules; a finder pattern's dark corner just inside it. */
  qr = view_child (f->page, "qr_picture");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (qr)));
  paintable = gtk_picture_get_paintable (qr);
  g_assert_true (GDK_IS_TEXTURE (paintable));
  {
    g_autoptr(GdkTexture) expected = bearer_qr_code_texture_new (complete, BEARER_QR_CODE_SCALE, &modules);

    size = gdk_texture_get_width (GDK_TEXTURE (paintable));
    g_assert_cmpint (size, ==, gdk_texture_get_height (GDK_TEXTURE (paintable)));
    g_assert_cmpint (size, ==, (int) (modules + 2 * BEARER_QR_CODE_QUIET) * BEARER_QR_CODE_SCALE);
    g_assert_cmpint (gdk_texture_get_width (expected), ==, size);
  }
  g_assert_cmpuint ((modules - 17) % 4, ==, 0);   /* a QR code's size: 21, 25, 29… */
  g_assert_false (pixel_is_dark (GDK_TEXTURE (paintable), 0, 0));
  g_assert_true (pixel_is_dark (GDK_TEXTURE (paintable), BEARER_QR_CODE_QUIET * BEARER_QR_CODE_SCALE,
                                BEARER_QR_CODE_QUIET * BEARER_QR_CODE_SCALE));
  g_assert_true (pixel_is_dark (GDK_TEXTURE (paintable), size - 1 - BEARER_QR_CODE_QUIET * BEARER_QR_CODE_SCALE,
                                BEARER_QR_CODE_QUIET * BEARER_QR_CODE_SCALE));
  g_assert_true (pixel_is_dark (GDK_TEXTURE (paintable), BEARER_QR_CODE_QUIET * BEARER_QR_CODE_SCALE,
                                size - 1 - BEARER_QR_CODE_QUIET * BEARER_QR_CODE_SCALE));
  g_assert_false (pixel_is_dark (GDK_TEXTURE (paintable), size - 1, size - 1));

  /* No browser was opened unasked; Copy Code and Open in Browser. */
  g_assert_false (browser_was_opened (NULL));
  g_assert_true (gtk_widget_activate_action (PAGE_CHILD (f->page, "sign_in_view"), "sign-in.copy-code", NULL));
  clipboard = read_clipboard (GTK_WIDGET (f->page));
  g_assert_cmpstr (clipboard, ==, "WDJB-MJHT");
  g_assert_true (gtk_widget_activate_action (PAGE_CHILD (f->page, "sign_in_view"), "sign-in.open-browser", NULL));
  opened = browser_wait ();
  g_assert_cmpstr (opened, ==, complete);

  /* authorization_pending, then the tokens. */
  wait_until (not_running, f->page, "the sign-in to end");
  g_assert_cmpstr (status_text (f->page), ==, "Signed in");
  g_assert_cmpstr (shown (f->page), ==, "form");
  g_assert_cmpuint (ts->requests, ==, 2);
  g_assert_nonnull (strstr (ts->last_body, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code"
                                           "&device_code=dev-code-1"));
  g_assert_cmpstr (bearer_connection_get_access_token (f->connection), ==, "at-device");
  g_assert_cmpstr (button_label (f->page), ==, "Get New Access Token");

  /* A second sign-in (the refresh token cleared), which the user refuses. */
  set_text (f->page, "refresh_token_row", "");
  g_assert_cmpstr (button_label (f->page), ==, "Sign In with a Code");
  token_server_push_reply (ts, 400, "{\"error\":\"access_denied\",\"error_description\":\"The user said no\"}");
  bearer_profile_page_get_token (f->page);
  wait_until (not_running, f->page, "the refusal");
  g_assert_cmpstr (shown (f->page), ==, "form");
  g_assert_cmpstr (bearer_error_banner_get_title (PAGE_CHILD (f->page, "banner")), ==, "The sign-in was refused");
  g_assert_nonnull (strstr (bearer_error_banner_get_message (PAGE_CHILD (f->page, "banner")), "The user said no"));
  g_assert_cmpstr (button_label (f->page), ==, "Sign In with a Code");
  /* The earlier token is kept. */
  g_assert_cmpstr (bearer_connection_get_access_token (f->connection), ==, "at-device");

  token_server_free (ts);
}

/* A sign-in the profile is not ready for: said, with the focus on what is
 * missing, and no browser opened. */
static void
test_sign_in_missing (Fixture       *f,
                      gconstpointer  data)
{
  GtkWidget *focus;

  bearer_profile_set_grant_type (f->profile, BEARER_GRANT_AUTHORIZATION_CODE);
  bearer_profile_set_client_auth (f->profile, BEARER_CLIENT_AUTH_NONE);
  fixture_show_page (f);
  wait_until ((Condition) bearer_connection_get_secrets_loaded, f->connection, "the keyring");

  browser_reset ();
  bearer_profile_page_get_token (f->page);
  wait_until (not_running, f->page, "the sign-in to end");
  g_assert_cmpstr (bearer_error_banner_get_title (PAGE_CHILD (f->page, "banner")), ==, "Something is missing");
  g_assert_cmpstr (bearer_error_banner_get_message (PAGE_CHILD (f->page, "banner")), ==,
                   "“prod” has no authorization URL: signing in with the browser needs one");
  g_assert_cmpstr (shown (f->page), ==, "form");
  spin (400);
  focus = gtk_root_get_focus (GTK_ROOT (f->window));
  g_assert_nonnull (focus);
  g_assert_true (gtk_widget_is_ancestor (focus, PAGE_CHILD (f->page, "authorization_url_row")));
  g_assert_false (browser_was_opened (NULL));
}

static gboolean
discovery_done (gpointer data)
{
  return gtk_widget_get_sensitive (PAGE_CHILD (data, "discover_button"));
}

/* Discover fills the endpoints from the issuer, and warns when the server
 * does not list PKCE S256; an issuer that answers nothing is said. */
static void
test_discover (Fixture       *f,
               gconstpointer  data)
{
  TokenServer *ts = token_server_new ();
  g_autofree char *authorize = g_strconcat (ts->base, "/authorize", NULL);
  g_autofree char *device = g_strconcat (ts->base, "/device", NULL);
  g_autofree char *nowhere = g_strconcat (ts->base, "/nowhere", NULL);
  BearerErrorBanner *banner;

  ts->discovery_body = g_strdup_printf ("{\"issuer\":\"%s\",\"authorization_endpoint\":\"%s/authorize\","
                                        "\"token_endpoint\":\"%s/oauth/token\","
                                        "\"device_authorization_endpoint\":\"%s/device\","
                                        "\"code_challenge_methods_supported\":[\"plain\"]}",
                                        ts->base, ts->base, ts->base, ts->base);
  bearer_profile_set_grant_type (f->profile, BEARER_GRANT_AUTHORIZATION_CODE);
  fixture_show_page (f);
  banner = PAGE_CHILD (f->page, "banner");

  /* Nothing to ask yet. */
  g_assert_true (gtk_widget_get_visible (PAGE_CHILD (f->page, "issuer_row")));
  g_assert_false (gtk_widget_get_sensitive (PAGE_CHILD (f->page, "discover_button")));

  set_text (f->page, "issuer_row", ts->base);
  g_assert_true (gtk_widget_get_sensitive (PAGE_CHILD (f->page, "discover_button")));
  gtk_widget_activate_action (GTK_WIDGET (f->page), "page.discover", NULL);
  g_assert_false (gtk_widget_get_sensitive (PAGE_CHILD (f->page, "discover_button")));
  g_assert_true (gtk_widget_get_visible (PAGE_CHILD (f->page, "discover_spinner")));
  wait_until (discovery_done, f->page, "the discovery");
  g_assert_false (gtk_widget_get_visible (PAGE_CHILD (f->page, "discover_spinner")));

  g_assert_cmpstr (gtk_editable_get_text (PAGE_CHILD (f->page, "authorization_url_row")), ==, authorize);
  g_assert_cmpstr (gtk_editable_get_text (PAGE_CHILD (f->page, "url_row")), ==, ts->url);
  g_assert_cmpstr (bearer_profile_get_device_authorization_url (f->profile), ==, device);
  g_assert_true (bearer_error_banner_get_revealed (banner));
  g_assert_nonnull (strstr (bearer_error_banner_get_message (banner), "does not list PKCE with S256"));

  /* Saved like anything typed. */
  wait_until (connection_saved, f->connection, "the endpoints to be saved");
  g_assert_cmpstr (bearer_profile_get_authorization_url (bearer_profile_store_find (f->store, "prod")), ==,
                   authorize);

  /* An issuer with no discovery document. */
  set_text (f->page, "issuer_row", nowhere);
  gtk_widget_activate_action (GTK_WIDGET (f->page), "page.discover", NULL);
  wait_until (discovery_done, f->page, "the discovery");
  g_assert_cmpstr (bearer_error_banner_get_title (banner), ==, "The issuer could not be asked");
  g_assert_cmpstr (gtk_editable_get_text (PAGE_CHILD (f->page, "authorization_url_row")), ==, authorize);

  token_server_free (ts);
}

/* A signed-in connection whose refresh token the server refuses: the
 * banner says to sign in again, the button reads Sign In with Browser and
 * takes the focus. */
static void
test_sign_in_again (Fixture       *f,
                    gconstpointer  data)
{
  TokenServer *ts = token_server_new ();
  g_autoptr(BearerSecrets) stored = bearer_secrets_new ();
  GtkWidget *focus;

  ts->status = 400;
  ts->body = g_strdup ("{\"error\":\"invalid_grant\",\"error_description\":\"grant request is invalid\"}");
  set_up_browser_profile (f, ts);
  bearer_secrets_set_refresh_token (stored, "rt-old");
  store_secrets (f->profile, stored);
  bearer_connection_reload_secrets (f->connection);
  fixture_show_page (f);
  wait_until ((Condition) bearer_connection_get_has_refresh_token, f->connection, "the stored refresh token");
  g_assert_cmpstr (button_label (f->page), ==, "Get New Access Token");

  bearer_profile_page_get_token (f->page);
  wait_until (not_running, f->page, "the refusal");
  g_assert_cmpuint (ts->requests, ==, 1);
  g_assert_cmpstr (bearer_error_banner_get_title (PAGE_CHILD (f->page, "banner")), ==, "Sign in again");
  g_assert_cmpstr (button_label (f->page), ==, "Sign In with Browser");
  spin (400);
  focus = gtk_root_get_focus (GTK_ROOT (f->window));
  g_assert_true (focus == PAGE_CHILD (f->page, "get_button"));

  /* The same button now signs in. */
  browser_reset ();
  bearer_profile_page_get_token (f->page);
  g_free (browser_wait ());
  g_assert_cmpstr (shown (f->page), ==, "sign-in");
  bearer_profile_page_cancel (f->page);

  token_server_free (ts);
}

/* ---- the window ---------------------------------------------------------- */

static gboolean
has_visible_page (gpointer data)
{
  return bearer_window_get_visible_page (data) != NULL;
}

static BearerConnection *
visible_connection (BearerWindow *window)
{
  BearerProfilePage *page = bearer_window_get_visible_page (window);

  return page != NULL ? bearer_profile_page_get_connection (page) : NULL;
}

/* The sidebar is a list view: it makes rows for the connections it shows
 * and binds them. The row bound to the connection at @index, if made. */
static BearerProfileRow *
row_at (BearerWindow *window,
        guint         index)
{
  GtkListView *list = child (window, BEARER_TYPE_WINDOW, "list_view");
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (list));
  g_autoptr(GObject) item = NULL;

  if (index < g_list_model_get_n_items (model))
    item = g_list_model_get_item (model, index);

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (list)); row != NULL && item != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *content = gtk_widget_get_first_child (row);

      if (BEARER_IS_PROFILE_ROW (content) &&
          (GObject *) bearer_profile_row_get_connection (BEARER_PROFILE_ROW (content)) == item)
        return BEARER_PROFILE_ROW (content);
    }
  return NULL;
}

/* The rows bound to a connection. */
static guint
n_rows (BearerWindow *window)
{
  GtkWidget *list = child (window, BEARER_TYPE_WINDOW, "list_view");
  guint n = 0;

  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *content = gtk_widget_get_first_child (row);

      if (BEARER_IS_PROFILE_ROW (content) &&
          bearer_profile_row_get_connection (BEARER_PROFILE_ROW (content)) != NULL)
        n++;
    }
  return n;
}

/* The sidebar has the connection at @index selected. */
static gboolean
row_is_selected (BearerWindow *window,
                 guint         index)
{
  GtkListView *list = child (window, BEARER_TYPE_WINDOW, "list_view");

  return gtk_selection_model_is_selected (gtk_list_view_get_model (list), index);
}

static void
added_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  *(BearerConnection **) user_data = bearer_connection_list_add_finish (BEARER_CONNECTION_LIST (source),
                                                                        result, &error);
  g_assert_no_error (error);
}

static gboolean
has_copy (gpointer data)
{
  return bearer_connection_list_find (data, "acme renamed (copy)") != NULL;
}

static BearerConnection *
add_connection (BearerConnectionList *list,
                BearerProfile        *profile)
{
  BearerConnection *connection = NULL;

  bearer_connection_list_add_async (list, profile, NULL, added_cb, &connection);
  wait_until (is_set, &connection, "the new connection");
  return connection;
}

static void
test_window (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(BearerProfileStore) store = NULL;
  g_autoptr(BearerConnectionList) list = NULL;
  g_autofree char *path = g_build_filename (f->dir, "empty.json", NULL);
  g_autoptr(BearerProfile) profile = bearer_profile_new ("acme");
  g_autoptr(BearerConnection) connection = NULL;
  BearerWindow *window;
  GtkStack *stack;
  BearerProfileRow *row;

  store = bearer_profile_store_new (path);
  list = bearer_connection_list_new (store);
  window = g_object_new (BEARER_TYPE_WINDOW, "connections", list, NULL);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  stack = child (window, BEARER_TYPE_WINDOW, "stack");
  gtk_window_present (GTK_WINDOW (window));

  /* Nothing shows until the connections are read, then the empty state. */
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "loading");
  load_list (list);
  bearer_window_connections_loaded (window);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "empty");
  g_assert_null (bearer_window_get_visible_page (window));

  /* A connection appears: its row, its page, at once (no waiting: the
   * window follows the list's items-changed). */
  bearer_profile_set_token_url (profile, "https://acme.processmaker.net/oauth/token");
  connection = add_connection (list, profile);
  row = row_at (window, 0);
  g_assert_true (BEARER_IS_PROFILE_ROW (row));
  g_assert_true (bearer_profile_row_get_connection (row) == connection);
  g_assert_true (g_str_has_prefix (bearer_profile_row_get_subtitle (row), "Refresh Token"));
  g_assert_true (row_is_selected (window, 0));
  g_assert_true (visible_connection (window) == connection);
  g_assert_cmpstr (adw_window_title_get_title (child (window, BEARER_TYPE_WINDOW, "content_title")),
                   ==, "acme");

  /* The row, the title and the form follow the profile, and the row the
   * token's state. */
  bearer_profile_set_name (bearer_connection_get_profile (connection), "acme renamed");
  g_assert_cmpstr (adw_window_title_get_title (child (window, BEARER_TYPE_WINDOW, "content_title")),
                   ==, "acme renamed");
  g_assert_cmpstr (gtk_label_get_text (child (row, BEARER_TYPE_PROFILE_ROW, "name_label")), ==,
                   "acme renamed");
  g_assert_cmpstr (gtk_editable_get_text (PAGE_CHILD (bearer_window_get_visible_page (window), "name_row")),
                   ==, "acme renamed");
  bearer_profile_set_grant_type (bearer_connection_get_profile (connection), BEARER_GRANT_CLIENT_CREDENTIALS);
  g_assert_cmpstr (bearer_profile_row_get_subtitle (row), ==, "Client Credentials");
  wait_until ((Condition) bearer_connection_get_secrets_loaded, connection, "the keyring");
  g_assert_cmpstr (bearer_profile_row_get_subtitle (row), ==,
                   "Client Credentials · No token yet");
  {
    g_autoptr(BearerSecrets) token = bearer_secrets_new ();

    bearer_secrets_set_access_token (token, "at", "Bearer", now_seconds () - 5, NULL);
    bearer_connection_set_secrets (connection, token);
  }
  g_assert_cmpstr (bearer_profile_row_get_subtitle (row), ==,
                   "Client Credentials · Expired");

  /* The row's menu acts on the connection the row shows. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "row.duplicate", NULL));
  wait_until (has_copy, list, "the copy made from the row's menu");
  wait_until (connection_saved, bearer_connection_list_find (list, "acme renamed (copy)"), "the copy");

  wait_until (connection_saved, connection, "the edits to be saved");
  gtk_window_destroy (GTK_WINDOW (window));
  spin (100);
  g_assert_null (window);
}

static GtkWindow *
find_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      /* GTK keeps its toplevels alive. */
      if (ADW_IS_MESSAGE_DIALOG (window))
        return window;
    }
  return NULL;
}

static gboolean
has_message_dialog (gpointer data)
{
  return find_message_dialog () != NULL;
}

static gboolean
has_n_connections (gpointer data)
{
  Fixture *f = data;

  return g_list_model_get_n_items (G_LIST_MODEL (f->list)) ==
         GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (f->list), "n"));
}

static void
wait_for_n_connections (Fixture *f,
                        guint    n)
{
  g_object_set_data (G_OBJECT (f->list), "n", GUINT_TO_POINTER (n));
  wait_until (has_n_connections, f, "the number of connections");
}

static void
test_duplicate_rename_delete (Fixture       *f,
                              gconstpointer  data)
{
  const char *id = bearer_profile_get_id (f->profile);
  BearerWindow *window;
  BearerConnection *copy;
  GtkWindow *dialog;
  g_autoptr(BearerSecrets) stored = NULL;
  g_autofree char *copy_id = NULL;

  window = g_object_new (BEARER_TYPE_WINDOW, "connections", f->list, NULL);
  gtk_window_present (GTK_WINDOW (window));
  bearer_window_connections_loaded (window);
  g_assert_true (visible_connection (window) == f->connection);
  bearer_connection_set_secret (f->connection, BEARER_SECRET_CLIENT_SECRET, "s3cret-dup");
  bearer_connection_set_secret (f->connection, BEARER_SECRET_REFRESH_TOKEN, "def502-not-copied");

  /* Duplicate: the settings and the client secret, never the refresh
   * token, under a new name, shown at once. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "profiles.duplicate", "s", id));
  wait_for_n_connections (f, 2);
  copy = bearer_connection_list_find (f->list, "prod (copy)");
  g_assert_nonnull (copy);
  copy_id = g_strdup (bearer_connection_get_id (copy));
  bearer_connection_set_save_delay (copy, 10);
  g_assert_cmpstr (bearer_profile_get_client_id (bearer_connection_get_profile (copy)), ==, "3");
  g_assert_cmpstr (copy_id, !=, id);
  wait_until (has_visible_page, window, "the copy's page");
  g_assert_true (visible_connection (window) == copy);
  g_assert_true (row_is_selected (window, 1));
  wait_until (connection_saved, copy, "the copy's secrets");
  stored = lookup_secrets (bearer_connection_get_profile (copy));
  g_assert_cmpstr (bearer_secrets_get_client_secret (stored), ==, "s3cret-dup");
  g_assert_null (bearer_secrets_get_refresh_token (stored));

  /* Rename, through the dialog: the profile, so the row and the form. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "profiles.rename", "s", copy_id));
  wait_until (has_message_dialog, NULL, "the rename dialog");
  dialog = find_message_dialog ();
  gtk_editable_set_text (GTK_EDITABLE (adw_message_dialog_get_extra_child (ADW_MESSAGE_DIALOG (dialog))),
                         "staging");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "rename");
  gtk_window_destroy (dialog);
  g_assert_true (bearer_connection_list_find (f->list, "staging") == copy);
  g_assert_cmpstr (gtk_editable_get_text (PAGE_CHILD (bearer_window_get_visible_page (window), "name_row")),
                   ==, "staging");
  wait_until (connection_saved, copy, "the rename");
  g_assert_nonnull (bearer_profile_store_find (f->store, "staging"));

  /* Delete asks first; Cancel keeps it. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "profiles.delete", "s", copy_id));
  wait_until (has_message_dialog, NULL, "the delete dialog");
  dialog = find_message_dialog ();
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  gtk_window_destroy (dialog);
  spin (100);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->list)), ==, 2);

  /* An edit not yet saved when it is deleted never brings it back. */
  bearer_connection_set_save_delay (copy, 200);
  bearer_profile_set_scope (bearer_connection_get_profile (copy), "late edit");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "profiles.delete", "s", copy_id));
  wait_until (has_message_dialog, NULL, "the delete dialog");
  dialog = find_message_dialog ();
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "delete");
  gtk_window_destroy (dialog);
  wait_for_n_connections (f, 1);
  g_assert_null (bearer_profile_store_find (f->store, "staging"));
  /* Its row and its page went; the other connection shows. */
  g_assert_cmpuint (n_rows (window), ==, 1);
  g_assert_null (gtk_stack_get_child_by_name (child (window, BEARER_TYPE_WINDOW, "stack"), copy_id));
  g_assert_true (visible_connection (window) == f->connection);
  g_assert_true (row_is_selected (window, 0));
  spin (400);
  g_assert_null (bearer_profile_store_find (f->store, "staging"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->list)), ==, 1);

  gtk_window_destroy (GTK_WINDOW (window));
  spin (100);
}

static gboolean
status_is (gpointer data)
{
  gpointer *args = data;

  return g_strcmp0 (gtk_label_get_text (PAGE_CHILD (args[0], "status_label")), args[1]) == 0;
}

/* ---- Sign Out and Check Token ------------------------------------------------ */

/* RFC 7009 and RFC 7662 endpoints beside the token server's. */
typedef struct {
  guint revocations;
  guint introspections;
  gboolean active;
  guint revoke_status;          /* 0: 200 */
  GPtrArray *bodies;
} Lifecycle;

static void
lifecycle_cb (SoupServer        *server,
              SoupServerMessage *message,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  Lifecycle *l = user_data;
  SoupMessageBody *request = soup_server_message_get_request_body (message);

  g_ptr_array_add (l->bodies, g_strndup (request->data, request->length));
  if (g_str_equal (path, "/revoke"))
    {
      l->revocations++;
      if (l->revoke_status != 0)
        answer (message, l->revoke_status, "{\"error\":\"temporarily_unavailable\","
                                           "\"error_description\":\"down for maintenance\"}");
      else
        soup_server_message_set_status (message, 200, NULL);
      return;
    }
  l->introspections++;
  if (l->active)
    answer (message, 200, "{\"active\":true,\"sub\":\"user-7\",\"client_id\":\"3\",\"scope\":\"api\","
                          "\"exp\":4102444800}");
  else
    answer (message, 200, "{\"active\":false}");
}

static gboolean
introspection_shown (gpointer data)
{
  return bearer_token_view_get_introspection_text (data) != NULL;
}

static void
wait_for_status (BearerProfilePage *page,
                 const char        *text)
{
  gpointer args[] = { page, (gpointer) text };

  wait_until (status_is, args, text);
}

static void
test_sign_out_check_token (Fixture       *f,
                           gconstpointer  data)
{
  TokenServer *ts = token_server_new ();
  Lifecycle l = { 0, 0, TRUE, 0, g_ptr_array_new_with_free_func (g_free) };
  g_autofree char *jwt = make_jwt ("{\"sub\":\"user-7\"}");
  g_autofree char *revoke_url = g_strconcat (ts->base, "/revoke", NULL);
  g_autofree char *introspect_url = g_strconcat (ts->base, "/introspect", NULL);
  g_autoptr(BearerSecrets) secrets = NULL;
  BearerTokenView *view;
  GtkWindow *dialog;
  const char *text;

  soup_server_add_handler (ts->server, "/revoke", lifecycle_cb, &l, NULL);
  soup_server_add_handler (ts->server, "/introspect", lifecycle_cb, &l, NULL);
  ts->status = 200;
  ts->body = g_strdup_printf ("{\"token_type\":\"Bearer\",\"expires_in\":3600,\"access_token\":\"%s\","
                              "\"refresh_token\":\"def502-second\"}", jwt);

  fixture_show_page (f);
  view = PAGE_CHILD (f->page, "token_view");
  set_text (f->page, "url_row", ts->url);
  set_text (f->page, "refresh_token_row", "def502-first");
  set_text (f->page, "client_secret_row", "s3cret");
  /* The rows under Advanced are the profile's. */
  set_text (f->page, "revocation_url_row", revoke_url);
  bearer_profile_set_introspection_url (f->profile, introspect_url);
  g_assert_cmpstr (bearer_profile_get_revocation_url (f->profile), ==, revoke_url);
  g_assert_cmpstr (gtk_editable_get_text (PAGE_CHILD (f->page, "introspection_url_row")), ==, introspect_url);

  gtk_widget_activate_action (GTK_WIDGET (f->page), "page.get-token", NULL);
  wait_until (not_running, f->page, "the token");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (view)));

  /* Check Token: the server's word beside the token. */
  gtk_widget_activate_action (GTK_WIDGET (f->page), "page.check-token", NULL);
  wait_until (introspection_shown, view, "the server's answer");
  text = bearer_token_view_get_introspection_text (view);
  g_assert_true (g_str_has_prefix (text, "Active"));
  g_assert_nonnull (strstr (text, "Subject: user-7"));
  g_assert_nonnull (strstr (text, "Scope: api"));
  g_assert_nonnull (strstr (text, "Client: 3"));
  g_assert_false (gtk_widget_get_visible (child (view, BEARER_TYPE_TOKEN_VIEW, "server_get_button")));
  g_assert_nonnull (strstr (g_ptr_array_index (l.bodies, 0), "token_type_hint=access_token"));

  /* Inactive: Get New Access Token is offered right there. */
  l.active = FALSE;
  gtk_widget_activate_action (GTK_WIDGET (f->page), "page.check-token", NULL);
  wait_for_status (f->page, "The server says the token is not active");
  text = bearer_token_view_get_introspection_text (view);
  g_assert_true (g_str_has_prefix (text, "Not active"));
  g_assert_true (gtk_widget_get_visible (child (view, BEARER_TYPE_TOKEN_VIEW, "server_get_button")));

  /* Sign Out asks first; then revokes the refresh token and the access
   * token, and forgets both; the client secret stays. */
  gtk_widget_activate_action (GTK_WIDGET (f->page), "page.sign-out", NULL);
  wait_until (has_message_dialog, NULL, "the sign-out dialog");
  dialog = find_message_dialog ();
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "sign-out");
  gtk_window_destroy (dialog);
  wait_for_status (f->page, "Signed out of “prod”");
  g_assert_cmpuint (l.revocations, ==, 2);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (l.bodies, 2), "token=def502-second&token_type_hint=refresh_token"));
  g_assert_nonnull (strstr (g_ptr_array_index (l.bodies, 3), "token_type_hint=access_token"));
  secrets = lookup_secrets (f->profile);
  g_assert_null (bearer_secrets_get_refresh_token (secrets));
  g_assert_null (bearer_secrets_get_access_token (secrets));
  g_assert_cmpstr (bearer_secrets_get_client_secret (secrets), ==, "s3cret");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (view)));
  g_assert_cmpstr (gtk_editable_get_text (PAGE_CHILD (f->page, "refresh_token_row")), ==, "");
  g_assert_false (gtk_widget_is_sensitive (PAGE_CHILD (f->page, "sign_out_button")));

  token_server_free (ts);
  g_ptr_array_unref (l.bodies);
}

/* A server that cannot revoke: nothing is forgotten unless the user says
 * so in the dialog that explains it. */
static void
test_sign_out_refused (Fixture       *f,
                       gconstpointer  data)
{
  TokenServer *ts = token_server_new ();
  Lifecycle l = { 0, 0, TRUE, 503, g_ptr_array_new_with_free_func (g_free) };
  g_autofree char *revoke_url = g_strconcat (ts->base, "/revoke", NULL);
  g_autoptr(BearerSecrets) secrets = NULL;
  GtkWindow *dialog;

  soup_server_add_handler (ts->server, "/revoke", lifecycle_cb, &l, NULL);
  fixture_show_page (f);
  set_text (f->page, "refresh_token_row", "def502-kept");
  wait_until (connection_saved, f->connection, "the refresh token");

  /* No revocation URL: said at once, and Keep Tokens keeps them. */
  gtk_widget_activate_action (GTK_WIDGET (f->page), "page.sign-out", NULL);
  wait_until (has_message_dialog, NULL, "the forget dialog");
  dialog = find_message_dialog ();
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), "no revocation URL"));
  g_assert_true (adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (dialog), "forget"));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  gtk_window_destroy (dialog);
  spin (100);
  g_assert_cmpuint (l.revocations, ==, 0);
  secrets = lookup_secrets (f->profile);
  g_assert_cmpstr (bearer_secrets_get_refresh_token (secrets), ==, "def502-kept");
  g_clear_pointer (&secrets, bearer_secrets_unref);

  set_text (f->page, "revocation_url_row", revoke_url);

  gtk_widget_activate_action (GTK_WIDGET (f->page), "page.sign-out", NULL);
  wait_until (has_message_dialog, NULL, "the sign-out dialog");
  dialog = find_message_dialog ();
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "sign-out");
  gtk_window_destroy (dialog);
  wait_for_status (f->page, "Not signed out");
  g_assert_cmpuint (l.revocations, ==, 1);

  /* The dialog says why; Keep Tokens keeps them. */
  wait_until (has_message_dialog, NULL, "the forget dialog");
  dialog = find_message_dialog ();
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), "down for maintenance"));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  gtk_window_destroy (dialog);
  spin (100);
  secrets = lookup_secrets (f->profile);
  g_assert_cmpstr (bearer_secrets_get_refresh_token (secrets), ==, "def502-kept");
  g_clear_pointer (&secrets, bearer_secrets_unref);

  /* Again, and Forget Tokens: gone here. */
  gtk_widget_activate_action (GTK_WIDGET (f->page), "page.sign-out", NULL);
  wait_until (has_message_dialog, NULL, "the sign-out dialog");
  dialog = find_message_dialog ();
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "sign-out");
  gtk_window_destroy (dialog);
  wait_until (has_message_dialog, NULL, "the forget dialog");
  dialog = find_message_dialog ();
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "forget");
  gtk_window_destroy (dialog);
  wait_for_status (f->page, "Forgot the tokens of “prod” on this computer");
  secrets = lookup_secrets (f->profile);
  g_assert_null (bearer_secrets_get_refresh_token (secrets));

  token_server_free (ts);
  g_ptr_array_unref (l.bodies);
}

/* Delete offers Sign Out and Delete when there is a refresh token and a
 * revocation URL: revoked first, then deleted. */
static void
test_sign_out_and_delete (Fixture       *f,
                          gconstpointer  data)
{
  TokenServer *ts = token_server_new ();
  Lifecycle l = { 0, 0, TRUE, 0, g_ptr_array_new_with_free_func (g_free) };
  g_autofree char *revoke_url = g_strconcat (ts->base, "/revoke", NULL);
  g_autofree char *id = g_strdup (bearer_profile_get_id (f->profile));
  BearerWindow *window;
  GtkWindow *dialog;

  soup_server_add_handler (ts->server, "/revoke", lifecycle_cb, &l, NULL);
  bearer_profile_set_token_url (f->profile, ts->url);
  window = g_object_new (BEARER_TYPE_WINDOW, "connections", f->list, NULL);
  gtk_window_present (GTK_WINDOW (window));
  bearer_window_connections_loaded (window);

  /* No refresh token: Delete only. */
  bearer_profile_set_revocation_url (f->profile, revoke_url);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "profiles.delete", "s", id));
  wait_until (has_message_dialog, NULL, "the delete dialog");
  dialog = find_message_dialog ();
  g_assert_false (adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (dialog), "sign-out-delete"));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  gtk_window_destroy (dialog);

  bearer_connection_set_secret (f->connection, BEARER_SECRET_REFRESH_TOKEN, "def502-to-revoke");
  wait_until (connection_saved, f->connection, "the refresh token");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "profiles.delete", "s", id));
  wait_until (has_message_dialog, NULL, "the delete dialog");
  dialog = find_message_dialog ();
  g_assert_true (adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (dialog), "sign-out-delete"));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "sign-out-delete");
  gtk_window_destroy (dialog);
  wait_for_n_connections (f, 0);
  g_assert_cmpuint (l.revocations, ==, 1);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (l.bodies, 0), "token=def502-to-revoke&token_type_hint=refresh_token"));

  gtk_window_destroy (GTK_WINDOW (window));
  spin (100);
  token_server_free (ts);
  g_ptr_array_unref (l.bodies);
}

/* The scheduler refreshes the token of the connection on show: the page
 * shows it as it runs and says so. */
static void
test_auto_refresh (Fixture       *f,
                   gconstpointer  data)
{
  TokenServer *ts = token_server_new ();
  g_autoptr(BearerScheduler) scheduler = bearer_scheduler_new (G_LIST_MODEL (f->list));
  gpointer refreshed[] = { NULL, (gpointer) "Refreshed automatically" };

  /* Valid for 66 s with the default 60 s margin: refreshed after 6 s. */
  ts->status = 200;
  ts->body = g_strdup ("{\"token_type\":\"Bearer\",\"expires_in\":66,\"access_token\":\"opaque-1\"}");

  fixture_show_page (f);
  refreshed[0] = f->page;
  adw_combo_row_set_selected (PAGE_CHILD (f->page, "grant_row"), 1);
  set_text (f->page, "url_row", ts->url);
  set_text (f->page, "client_secret_row", "s3cret");

  bearer_profile_page_get_token (f->page);
  wait_until (not_running, f->page, "the token");
  g_assert_cmpuint (ts->requests, ==, 1);
  g_assert_cmpint (bearer_scheduler_get_due (scheduler, f->connection), >, 0);

  g_free (ts->body);
  ts->body = g_strdup ("{\"token_type\":\"Bearer\",\"expires_in\":3600,\"access_token\":\"opaque-2\"}");
  wait_until (status_is, refreshed, "the automatic refresh");
  g_assert_cmpuint (ts->requests, ==, 2);
  g_assert_false (bearer_profile_page_get_running (f->page));
  g_assert_cmpstr (gtk_label_get_text (child (PAGE_CHILD (f->page, "token_view"), BEARER_TYPE_TOKEN_VIEW,
                                              "access_token_label")), ==, "opaque-2");

  /* Turned off: nothing is scheduled. */
  gtk_switch_set_active (PAGE_CHILD (f->page, "auto_refresh_switch"), FALSE);
  g_assert_false (bearer_profile_get_auto_refresh (f->profile));
  g_assert_cmpint (bearer_scheduler_get_due (scheduler, f->connection), ==, 0);

  token_server_free (ts);
}

static gboolean
has_one_request (gpointer data)
{
  return ((TokenServer *) data)->requests >= 1;
}

static gboolean
access_token_is (gpointer data)
{
  gpointer *args = data;

  return g_strcmp0 (bearer_connection_get_access_token (args[0]), args[1]) == 0;
}

/* A connection whose page was never opened is kept alive too, while Bearer
 * runs: shortly before its token expires, the scheduler refreshes it, and
 * its row follows. */
static void
test_background_refresh (Fixture       *f,
                         gconstpointer  data)
{
  TokenServer *ts = token_server_new ();
  g_autoptr(BearerProfile) other = bearer_profile_new ("background");
  g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();
  g_autoptr(BearerSecrets) after = NULL;
  g_autoptr(BearerScheduler) scheduler = NULL;
  g_autoptr(BearerConnection) connection = NULL;
  gpointer args[] = { NULL, (gpointer) "opaque-bg" };
  BearerWindow *window;

  ts->status = 200;
  ts->body = g_strdup ("{\"token_type\":\"Bearer\",\"expires_in\":3600,\"access_token\":\"opaque-bg\"}");

  bearer_profile_set_token_url (other, ts->url);
  bearer_profile_set_client_id (other, "bg-client");
  bearer_profile_set_grant_type (other, BEARER_GRANT_CLIENT_CREDENTIALS);
  bearer_profile_set_client_auth (other, BEARER_CLIENT_AUTH_POST);
  /* Valid for 66 s with a 59 s margin: due in 7 s. */
  bearer_profile_set_refresh_margin (other, 59);
  bearer_secrets_set_client_secret (secrets, "s3cret");
  bearer_secrets_set_access_token (secrets, "opaque-old", "Bearer", now_seconds () + 66, NULL);
  store_secrets (other, secrets);
  connection = add_connection (f->list, other);
  wait_until ((Condition) bearer_connection_get_secrets_loaded, connection, "the keyring");
  args[0] = connection;

  scheduler = bearer_scheduler_new (G_LIST_MODEL (f->list));
  window = g_object_new (BEARER_TYPE_WINDOW, "connections", f->list, NULL);
  gtk_window_present (GTK_WINDOW (window));
  bearer_window_connections_loaded (window);
  g_assert_true (visible_connection (window) == f->connection);
  g_assert_null (gtk_stack_get_child_by_name (child (window, BEARER_TYPE_WINDOW, "stack"),
                                              bearer_connection_get_id (connection)));
  g_assert_cmpuint (ts->requests, ==, 0);

  wait_until (has_one_request, ts, "the background refresh");
  g_assert_nonnull (strstr (ts->last_body, "grant_type=client_credentials"));
  wait_until (access_token_is, args, "the refreshed token");
  after = lookup_secrets (other);
  g_assert_cmpstr (bearer_secrets_get_access_token (after), ==, "opaque-bg");
  spin (1000);
  g_assert_cmpuint (ts->requests, ==, 1);

  gtk_window_destroy (GTK_WINDOW (window));
  token_server_free (ts);
}

/* ---- many connections ---------------------------------------------------- */

typedef struct {
  BearerWindow *window;
  guint n;
} NRows;

static gboolean
has_n_rows (gpointer data)
{
  NRows *want = data;

  return n_rows (want->window) == want->n;
}

/* More connections than the window has room for: the first frame makes
 * rows only for those it can show, the rest follow once the page is drawn;
 * the last connection shown is shown again, even when it is not among the
 * first rows. */
static void
test_many_connections (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bearer-test-window-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "profiles.json", NULL);
  g_autoptr(BearerProfileStore) store = bearer_profile_store_new (path);
  g_autoptr(BearerConnectionList) list = NULL;
  g_autoptr(GSettings) settings = g_settings_new (BASE_APPLICATION_ID);
  g_autoptr(GError) error = NULL;
  g_autofree char *last_id = NULL;
  NRows all = { NULL, 60 };
  BearerWindow *window;
  guint first_rows;

  for (guint i = 0; i < all.n; i++)
    {
      g_autofree char *name = g_strdup_printf ("many-%02u", i);
      g_autoptr(BearerProfile) profile = bearer_profile_new (name);

      bearer_profile_store_add_profile (store, profile, &error);
      g_assert_no_error (error);
      if (i == 50)
        last_id = g_strdup (bearer_profile_get_id (profile));
    }
  list = bearer_connection_list_new (store);
  bearer_connection_list_set_read_secrets (list, FALSE);
  load_list (list);
  g_settings_set_string (settings, "last-profile", last_id);

  window = g_object_new (BEARER_TYPE_WINDOW, "connections", list, NULL);
  all.window = window;
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);
  bearer_window_connections_loaded (window);
  gtk_window_present (GTK_WINDOW (window));

  /* The 51st is shown and selected. */
  g_assert_cmpstr (bearer_connection_get_id (visible_connection (window)), ==, last_id);
  g_assert_true (row_is_selected (window, 50));
  g_assert_cmpstr (adw_window_title_get_title (child (window, BEARER_TYPE_WINDOW, "content_title")),
                   ==, "many-50");

  /* Every row, in the end (fewer than the 200 a list view keeps). */
  wait_until (has_n_rows, &all, "a row for every connection");
  gtk_window_destroy (GTK_WINDOW (window));
  spin (100);

  /* Shown from the top: the first frame has only the rows that fit. */
  g_settings_reset (settings, "last-profile");
  window = g_object_new (BEARER_TYPE_WINDOW, "connections", list, NULL);
  all.window = window;
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);
  bearer_window_connections_loaded (window);
  gtk_window_present (GTK_WINDOW (window));
  first_rows = n_rows (window);
  g_test_message ("%u rows before the first frame", first_rows);
  g_assert_cmpuint (first_rows, >, 0);
  g_assert_cmpuint (first_rows, <, all.n);
  g_assert_true (row_is_selected (window, 0));
  wait_until (has_n_rows, &all, "a row for every connection");
  gtk_window_destroy (GTK_WINDOW (window));
  spin (100);
  bearer_test_remove_tree (dir);
}

/* ---- another process: the real bearer-cli -------------------------------- */

typedef struct {
  BearerWindow *window;
  guint n;
  const char *name;
} RowsAre;

/* The sidebar has @n rows, the first called @name. */
static gboolean
rows_are (gpointer data)
{
  RowsAre *want = data;
  BearerProfileRow *row;

  if (n_rows (want->window) != want->n)
    return FALSE;
  if (want->n == 0)
    return TRUE;
  row = row_at (want->window, 0);
  return row != NULL && g_strcmp0 (gtk_label_get_text (child (row, BEARER_TYPE_PROFILE_ROW, "name_label")), want->name) == 0;
}

typedef struct {
  BearerWindow *window;
  const char *row;
  const char *text;
} ShowsText;

/* The visible page's @row (an entry row) or the token view's access token
 * label shows @text. */
static gboolean
page_shows (gpointer data)
{
  ShowsText *want = data;
  BearerProfilePage *page = bearer_window_get_visible_page (want->window);
  const char *text;

  if (page == NULL)
    return FALSE;
  if (g_str_equal (want->row, "access_token_label"))
    text = gtk_label_get_text (child (PAGE_CHILD (page, "token_view"), BEARER_TYPE_TOKEN_VIEW, want->row));
  else
    text = gtk_editable_get_text (PAGE_CHILD (page, want->row));
  return g_strcmp0 (text, want->text) == 0;
}

static void
run_cli (BearerTestSandbox *sandbox,
         const char        *stdin_text,
         const char        *command,
         const char        *name,
         const char        *arg)
{
  BearerTestProc *proc = bearer_test_run_cli (sandbox, stdin_text, command, name, arg, NULL);

  if (proc->status != 0)
    g_error ("bearer-cli %s %s: exit status %d: %s", command, name, proc->status, proc->err);
  bearer_test_proc_free (proc);
}

/* bearer-cli adds a connection, stores its secrets, refreshes it and
 * removes it while the window is open: the sidebar, the form and the token
 * follow, and the page goes with the connection. Nobody tells the window:
 * the connection list watches profiles.json and the lock files. */
static void
test_cli_follows (void)
{
  TokenServer *ts = NULL;
  g_autofree char *path = NULL;
  g_autoptr(BearerProfileStore) store = NULL;
  g_autoptr(BearerConnectionList) list = NULL;
  g_autoptr(BearerTestSandbox) sandbox = NULL;
  g_autofree char *id = NULL;
  g_autofree char *dir = NULL;
  BearerTestProc *proc;
  BearerWindow *window;
  GtkStack *stack;
  RowsAre one = { NULL, 1, "cli" }, none = { NULL, 0, NULL };
  ShowsText typed = { NULL, "refresh_token_row", "def50200cli-1" };
  ShowsText rotated = { NULL, "refresh_token_row", "def50200cli-2" };
  ShowsText token = { NULL, "access_token_label", "cli-access-token" };
  const char *subtitle;
  gint64 start;

  if (!bearer_test_require_session ())
    return;

  /* bearer-cli shares this program's configuration, and so its lock files
   * (GLib has fixed this process's configuration folder). */
  sandbox = bearer_test_sandbox_new ("bearer-test-window", FALSE);
  sandbox->envp = g_environ_setenv (sandbox->envp, "XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);
  /* As on a first start: not even the folder exists yet. */
  path = g_build_filename (g_get_user_config_dir (), "bearer", "profiles.json", NULL);
  dir = g_path_get_dirname (path);
  bearer_test_remove_tree (dir);

  ts = token_server_new ();
  ts->status = 200;
  ts->body = g_strdup ("{\"token_type\":\"Bearer\",\"expires_in\":3600,\"access_token\":\"cli-access-token\","
                       "\"refresh_token\":\"def50200cli-2\"}");

  store = bearer_profile_store_new (path);
  list = bearer_connection_list_new (store);
  load_list (list);
  bearer_connection_list_watch (list);
  window = g_object_new (BEARER_TYPE_WINDOW, "connections", list, NULL);
  one.window = none.window = typed.window = rotated.window = token.window = window;
  stack = child (window, BEARER_TYPE_WINDOW, "stack");
  gtk_window_present (GTK_WINDOW (window));
  bearer_window_connections_loaded (window);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "empty");

  /* Added: its row, and its page since nothing else was shown. */
  start = g_get_monotonic_time ();
  proc = bearer_test_run_cli (sandbox, NULL, "add", "cli", "--token-url", ts->url, "--client-id", "7",
                              "--auth", "post", NULL);
  g_assert_cmpint (proc->status, ==, 0);
  bearer_test_proc_free (proc);
  wait_until (rows_are, &one, "the row of the connection bearer-cli added");
  g_test_message ("the row showed %.0f ms after bearer-cli add started",
                  (g_get_monotonic_time () - start) / 1e3);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  g_assert_true (row_is_selected (window, 0));
  g_assert_nonnull (bearer_window_get_visible_page (window));
  id = g_strdup (bearer_connection_get_id (visible_connection (window)));

  /* Secrets stored: the form shows them. */
  run_cli (sandbox, "s3cret\n", "set-secret", "cli", "client-secret");
  run_cli (sandbox, "def50200cli-1\n", "set-secret", "cli", "refresh-token");
  wait_until (page_shows, &typed, "the refresh token bearer-cli stored, in the form");

  /* Refreshed: the token shows, the rotated refresh token is in the form,
   * and the row says until when the token is valid. */
  start = g_get_monotonic_time ();
  run_cli (sandbox, NULL, "refresh", "cli", NULL);
  g_assert_cmpuint (ts->requests, ==, 1);
  g_assert_nonnull (strstr (ts->last_body, "refresh_token=def50200cli-1&"));
  wait_until (page_shows, &token, "the token bearer-cli got");
  g_test_message ("the token showed %.0f ms after bearer-cli refresh started",
                  (g_get_monotonic_time () - start) / 1e3);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  wait_until (page_shows, &rotated, "the rotated refresh token in the form");
  subtitle = bearer_profile_row_get_subtitle (row_at (window, 0));
  g_assert_true (g_str_has_prefix (subtitle, "Refresh Token · Token until "));

  /* Removed: the row and the page go; the empty state shows. */
  run_cli (sandbox, NULL, "remove", "cli", NULL);
  wait_until (rows_are, &none, "the row to go");
  g_assert_null (bearer_window_get_visible_page (window));
  g_assert_null (gtk_stack_get_child_by_name (stack, id));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "empty");
  g_assert_cmpuint (ts->requests, ==, 1);

  gtk_window_destroy (GTK_WINDOW (window));
  spin (100);
  delete_secrets (id);
  token_server_free (ts);
  g_unlink (path);
}

/* ---- Add a Connection ---------------------------------------------------- */

#define DIALOG_CHILD(dialog, name) child ((dialog), BEARER_TYPE_NEW_CONNECTION_DIALOG, (name))

static void
profile_added_cb (BearerNewConnectionDialog *dialog,
                  const char                *id,
                  gpointer                   user_data)
{
  *(char **) user_data = g_strdup (id);
}

/* The dialog on the fixture's connections, watched until it goes. */
static BearerNewConnectionDialog *
open_dialog (Fixture  *f,
             char    **added_id)
{
  BearerNewConnectionDialog *dialog = bearer_new_connection_dialog_new (NULL, f->list);

  g_signal_connect (dialog, "profile-added", G_CALLBACK (profile_added_cb), added_id);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

/* The service called @name in the dialog's list, selected. */
static void
select_service (BearerNewConnectionDialog *dialog,
                const char                *name)
{
  AdwComboRow *row = DIALOG_CHILD (dialog, "preset_row");
  GListModel *model = adw_combo_row_get_model (row);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (model), i), name))
      {
        adw_combo_row_set_selected (row, i);
        return;
      }
  g_error ("No service called %s", name);
}

/* The ways to get tokens the dialog offers, joined by "|". */
static char *
grant_choices (BearerNewConnectionDialog *dialog)
{
  GListModel *model = adw_combo_row_get_model (DIALOG_CHILD (dialog, "grant_row"));
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) titles = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    g_strv_builder_add (builder, gtk_string_list_get_string (GTK_STRING_LIST (model), i));
  titles = g_strv_builder_end (builder);
  return g_strjoinv ("|", titles);
}

static const char *
selected_grant_title (BearerNewConnectionDialog *dialog)
{
  AdwComboRow *row = DIALOG_CHILD (dialog, "grant_row");

  return gtk_string_list_get_string (GTK_STRING_LIST (adw_combo_row_get_model (row)),
                                     adw_combo_row_get_selected (row));
}

#define BROWSER "Sign in with a browser"
#define DEVICE "Sign in with a code on another device"
#define REFRESH "I have a refresh token"
#define CLIENT "As the app itself (client credentials)"

/* Each service offers the ways to get tokens it has, its usual one first
 * selected (ProcessMaker: a refresh token, as before), and the one chosen
 * is the grant of the connection added. */
static void
test_new_connection_grants (Fixture       *f,
                            gconstpointer  data)
{
  static const struct {
    const char *service;
    const char *input;          /* NULL: the default */
    const char *realm;
    const char *choices;
    const char *usual;
  } services[] = {
    { "ProcessMaker", "acme", NULL, BROWSER "|" REFRESH "|" CLIENT, REFRESH },
    { "Generic OAuth 2.0", "https://auth.example.com/oauth/token", NULL,
      BROWSER "|" DEVICE "|" REFRESH "|" CLIENT, REFRESH },
    { "Keycloak", "https://sso.example.com", "acme", BROWSER "|" DEVICE "|" REFRESH "|" CLIENT, CLIENT },
    { "Microsoft Entra ID", NULL, NULL, BROWSER "|" DEVICE "|" REFRESH "|" CLIENT, CLIENT },
    { "Auth0", "acme.eu.auth0.com", NULL, BROWSER "|" DEVICE "|" REFRESH "|" CLIENT, CLIENT },
    { "Google", NULL, NULL, BROWSER "|" DEVICE "|" REFRESH, REFRESH },
    { "GitLab", NULL, NULL, BROWSER "|" DEVICE "|" REFRESH, REFRESH },
  };
  static const struct {
    const char *title;
    BearerGrantType grant;
  } grants[] = {
    { BROWSER, BEARER_GRANT_AUTHORIZATION_CODE },
    { DEVICE, BEARER_GRANT_DEVICE_CODE },
    { REFRESH, BEARER_GRANT_REFRESH_TOKEN },
    { CLIENT, BEARER_GRANT_CLIENT_CREDENTIALS },
  };
  guint added = 0;

  for (guint s = 0; s < G_N_ELEMENTS (services); s++)
    for (guint g = 0; g < G_N_ELEMENTS (grants); g++)
      {
        g_autofree char *id = NULL;
        g_autofree char *choices = NULL;
        g_autofree char *name = g_strdup_printf ("%s %u", services[s].service, g);
        BearerNewConnectionDialog *dialog = open_dialog (f, &id);
        AdwComboRow *grant_row = DIALOG_CHILD (dialog, "grant_row");
        BearerProfile *profile;

        select_service (dialog, services[s].service);
        choices = grant_choices (dialog);
        g_assert_cmpstr (choices, ==, services[s].choices);
        g_assert_cmpstr (selected_grant_title (dialog), ==, services[s].usual);
        if (strstr (choices, grants[g].title) == NULL)
          {
            gtk_window_destroy (GTK_WINDOW (dialog));
            continue;
          }

        if (services[s].input != NULL)
          gtk_editable_set_text (DIALOG_CHILD (dialog, "input_row"), services[s].input);
        if (services[s].realm != NULL)
          gtk_editable_set_text (DIALOG_CHILD (dialog, "realm_row"), services[s].realm);
        gtk_editable_set_text (DIALOG_CHILD (dialog, "name_row"), name);
        for (guint i = 0; i < g_list_model_get_n_items (adw_combo_row_get_model (grant_row)); i++)
          {
            adw_combo_row_set_selected (grant_row, i);
            if (g_str_equal (selected_grant_title (dialog), grants[g].title))
              break;
          }
        g_assert_cmpstr (selected_grant_title (dialog), ==, grants[g].title);
        g_assert_true (gtk_widget_get_sensitive (DIALOG_CHILD (dialog, "add_button")));

        g_signal_emit_by_name (DIALOG_CHILD (dialog, "add_button"), "clicked");
        wait_until (is_set, &id, "the connection added");
        added++;
        profile = bearer_connection_get_profile (bearer_connection_list_find (f->list, id));
        g_assert_cmpstr (bearer_profile_get_name (profile), ==, name);
        g_assert_cmpint (bearer_profile_get_grant_type (profile), ==, grants[g].grant);
        /* A sign-in starts from the service's own addresses. */
        if (grants[g].grant == BEARER_GRANT_AUTHORIZATION_CODE && s != 1)
          g_assert_nonnull (bearer_profile_get_authorization_url (profile));
        if (grants[g].grant == BEARER_GRANT_DEVICE_CODE && s != 1)
          g_assert_nonnull (bearer_profile_get_device_authorization_url (profile));
      }

  g_assert_cmpuint (added, ==, 3 + 4 + 4 + 4 + 4 + 3 + 3);
  /* ProcessMaker as before: a refresh token, the client in the body. */
  g_assert_cmpint (bearer_profile_get_grant_type (bearer_connection_get_profile (
                     bearer_connection_list_find (f->list, "ProcessMaker 2"))), ==, BEARER_GRANT_REFRESH_TOKEN);
  g_assert_cmpstr (bearer_profile_get_token_url (bearer_connection_get_profile (
                     bearer_connection_list_find (f->list, "ProcessMaker 0"))), ==,
                   "https://acme.processmaker.net/oauth/token");
  g_assert_cmpstr (bearer_profile_get_authorization_url (bearer_connection_get_profile (
                     bearer_connection_list_find (f->list, "ProcessMaker 0"))), ==,
                   "https://acme.processmaker.net/oauth/authorize");
}

static BearerNewConnectionDialog *
find_new_connection_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (BEARER_IS_NEW_CONNECTION_DIALOG (window))
        return BEARER_NEW_CONNECTION_DIALOG (window);
    }
  return NULL;
}

static gboolean
dialog_gone (gpointer data)
{
  return find_new_connection_dialog () == NULL;
}

static gboolean
add_button_is_back (gpointer data)
{
  return GTK_IS_LABEL (gtk_button_get_child (GTK_BUTTON (data)));
}

/* An OpenID Connect provider from its issuer: Add asks the issuer (a
 * spinner in the button, the form kept), fills the addresses, and opens
 * the page ready to sign in, the focus on the client ID. */
static void
test_new_connection_discovery (Fixture       *f,
                               gconstpointer  data)
{
  TokenServer *ts = token_server_new ();
  g_autofree char *authorize = g_strconcat (ts->base, "/authorize", NULL);
  g_autofree char *device = g_strconcat (ts->base, "/device", NULL);
  BearerNewConnectionDialog *dialog;
  BearerWindow *window;
  BearerProfilePage *page;
  BearerProfile *profile;
  GtkWidget *add_button;

  ts->discovery_body = g_strdup_printf ("{\"issuer\":\"%s\",\"authorization_endpoint\":\"%s/authorize\","
                                        "\"token_endpoint\":\"%s/oauth/token\","
                                        "\"device_authorization_endpoint\":\"%s/device\","
                                        "\"code_challenge_methods_supported\":[\"S256\"]}",
                                        ts->base, ts->base, ts->base, ts->base);
  window = g_object_new (BEARER_TYPE_WINDOW, "connections", f->list, NULL);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_present (GTK_WINDOW (window));
  bearer_window_connections_loaded (window);

  bearer_window_new_connection (window);
  dialog = find_new_connection_dialog ();
  g_assert_nonnull (dialog);
  select_service (dialog, "OpenID Connect Provider");
  g_assert_cmpstr (adw_preferences_row_get_title (DIALOG_CHILD (dialog, "input_row")), ==, "Issuer");
  g_assert_cmpstr (grant_choices (dialog), ==, BROWSER "|" DEVICE "|" REFRESH "|" CLIENT);
  g_assert_cmpstr (selected_grant_title (dialog), ==, BROWSER);
  add_button = DIALOG_CHILD (dialog, "add_button");
  g_assert_false (gtk_widget_get_sensitive (add_button));
  gtk_editable_set_text (DIALOG_CHILD (dialog, "input_row"), "not a url");
  g_assert_false (gtk_widget_get_sensitive (add_button));
  gtk_editable_set_text (DIALOG_CHILD (dialog, "input_row"), ts->base);
  g_assert_true (gtk_widget_get_sensitive (add_button));

  /* Asking: a spinner, nothing to edit, nothing added yet. */
  g_signal_emit_by_name (add_button, "clicked");
  g_assert_true (GTK_IS_SPINNER (gtk_button_get_child (GTK_BUTTON (add_button))));
  g_assert_false (gtk_widget_get_sensitive (add_button));
  g_assert_false (gtk_widget_is_sensitive (DIALOG_CHILD (dialog, "input_row")));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->list)), ==, 1);

  /* Added, named after the issuer's host, its page open. */
  wait_until (dialog_gone, NULL, "the dialog to close");
  wait_for_n_connections (f, 2);
  profile = bearer_connection_get_profile (bearer_connection_list_find (f->list, "127.0.0.1"));
  g_assert_cmpint (bearer_profile_get_grant_type (profile), ==, BEARER_GRANT_AUTHORIZATION_CODE);
  g_assert_cmpstr (bearer_profile_get_issuer (profile), ==, ts->base);
  g_assert_cmpstr (bearer_profile_get_token_url (profile), ==, ts->url);
  g_assert_cmpstr (bearer_profile_get_authorization_url (profile), ==, authorize);
  g_assert_cmpstr (bearer_profile_get_device_authorization_url (profile), ==, device);
  g_assert_cmpstr (bearer_profile_get_scope (profile), ==, "openid");
  page = bearer_window_get_visible_page (window);
  g_assert_true (bearer_connection_get_profile (bearer_profile_page_get_connection (page)) == profile);
  g_assert_cmpstr (button_label (page), ==, "Sign In with Browser");
  /* The first thing still missing for signing in is the client ID (the
   * refresh token is what the sign-in brings). */
  g_assert_true (gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (window)), PAGE_CHILD (page, "client_id_row")));

  wait_until (connection_saved, bearer_connection_list_find (f->list, "127.0.0.1"), "the new connection");
  gtk_window_destroy (GTK_WINDOW (window));
  spin (100);
  g_assert_null (window);
  token_server_free (ts);
}

/* An issuer that cannot be asked, or that lacks the sign-in chosen: the
 * dialog says so and stays open with what was typed. Closing it while the
 * issuer is asked adds nothing. */
static void
test_new_connection_discovery_fails (Fixture       *f,
                                     gconstpointer  data)
{
  TokenServer *ts = token_server_new ();
  g_autofree char *nowhere = g_strconcat (ts->base, "/nowhere", NULL);
  g_autofree char *id = NULL;
  BearerNewConnectionDialog *dialog = open_dialog (f, &id);
  GtkWidget *add_button = DIALOG_CHILD (dialog, "add_button");
  GtkLabel *error_label = DIALOG_CHILD (dialog, "error_label");
  AdwComboRow *grant_row = DIALOG_CHILD (dialog, "grant_row");

  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  select_service (dialog, "OpenID Connect Provider");
  gtk_editable_set_text (DIALOG_CHILD (dialog, "input_row"), nowhere);
  gtk_editable_set_text (DIALOG_CHILD (dialog, "name_row"), "Mine");
  g_signal_emit_by_name (add_button, "clicked");
  wait_until (add_button_is_back, add_button, "the answer");
  g_assert_nonnull (strstr (gtk_label_get_text (error_label), "No discovery document was found"));
  g_assert_cmpstr (gtk_editable_get_text (DIALOG_CHILD (dialog, "input_row")), ==, nowhere);
  g_assert_cmpstr (gtk_editable_get_text (DIALOG_CHILD (dialog, "name_row")), ==, "Mine");
  g_assert_true (gtk_widget_get_sensitive (add_button));
  g_assert_true (gtk_widget_is_sensitive (DIALOG_CHILD (dialog, "input_row")));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (add_button)), ==, "Add");
  g_assert_null (id);

  /* A server without a device endpoint, and the device grant chosen. */
  ts->discovery_body = g_strdup_printf ("{\"issuer\":\"%s\",\"authorization_endpoint\":\"%s/authorize\","
                                        "\"token_endpoint\":\"%s/oauth/token\"}",
                                        ts->base, ts->base, ts->base);
  gtk_editable_set_text (DIALOG_CHILD (dialog, "input_row"), ts->base);
  adw_combo_row_set_selected (grant_row, 1);
  g_assert_cmpstr (selected_grant_title (dialog), ==, DEVICE);
  g_signal_emit_by_name (add_button, "clicked");
  wait_until (add_button_is_back, add_button, "the answer");
  g_assert_nonnull (strstr (gtk_label_get_text (error_label), "does not offer signing in with a code"));
  g_assert_null (id);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->list)), ==, 1);

  /* Closed while asking: nothing is added, even once the answer comes. */
  adw_combo_row_set_selected (grant_row, 0);
  g_signal_emit_by_name (add_button, "clicked");
  g_assert_true (GTK_IS_SPINNER (gtk_button_get_child (GTK_BUTTON (add_button))));
  gtk_window_close (GTK_WINDOW (dialog));
  spin (300);
  g_assert_null (dialog);
  g_assert_null (id);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->list)), ==, 1);

  token_server_free (ts);
}

/* ---- no leaks ------------------------------------------------------------ */

static void
test_finalize (void)
{
  GtkWidget *widgets[] = {
    g_object_ref_sink (g_object_new (BEARER_TYPE_ERROR_BANNER, NULL)),
    g_object_ref_sink (bearer_parameter_row_new (BEARER_PARAM_HEADER, "X-Tenant", "acme")),
    g_object_ref_sink (bearer_token_view_new ()),
    g_object_ref_sink (bearer_sign_in_view_new ()),
  };

  for (guint i = 0; i < G_N_ELEMENTS (widgets); i++)
    g_assert_finalize_object (widgets[i]);
}

static void
test_finalize_page (Fixture       *f,
                    gconstpointer  data)
{
  GtkWidget *page = g_object_ref_sink (bearer_profile_page_new (f->connection));

  g_assert_finalize_object (page);
}


/* ---- Keep Signed In, "Ask before other programs use this token" ----------- */

static gboolean
file_exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

/* The token agent, D-Bus activatable on the test session's bus as a program
 * that leaves a mark and owns the agent's name while it runs (the session
 * reads its service directory again when a name is not found). Returns the
 * service file, to remove. */
static char *
install_marker_agent (const char *marker)
{
  const char *session = g_getenv ("BEARER_SESSION_DIR");
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  char *service_path;

  g_assert_nonnull (session);
  service_path = g_strdup_printf ("%s/dbus-services/%s.service", session, BEARER_AGENT_BUS_NAME);
  /* It owns the name for a moment, so the activation ends at once (one
   * still pending would take the next start for itself). */
  contents = g_strdup_printf ("[D-BUS Service]\nName=%s\n"
                              "Exec=/bin/sh -c \"touch '%s'; exec gdbus call --session --dest org.freedesktop.DBus "
                              "--object-path /org/freedesktop/DBus --method org.freedesktop.DBus.RequestName "
                              "%s 0 >/dev/null\"\n",
                              BEARER_AGENT_BUS_NAME, marker, BEARER_AGENT_BUS_NAME);
  g_file_set_contents (service_path, contents, -1, &error);
  g_assert_no_error (error);
  return service_path;
}

/* The two switches save the profile's fields; turning Keep Signed In on
 * starts the token agent through D-Bus activation (here a service file of
 * the test's own, whose program only leaves a mark). */
static void
test_keep_signed_in (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(BearerProfileStore) other = NULL;
  g_autofree char *service_path = NULL;
  g_autofree char *marker = NULL;
  g_autoptr(GError) error = NULL;
  GtkSwitch *keep, *ask;
  BearerProfile *saved;

  if (!bearer_test_require_session ())
    return;
  marker = g_build_filename (f->dir, "agent-started", NULL);
  service_path = install_marker_agent (marker);

  fixture_show_page (f);
  keep = PAGE_CHILD (f->page, "keep_alive_switch");
  ask = PAGE_CHILD (f->page, "ask_switch");
  g_assert_false (gtk_switch_get_active (keep));
  g_assert_false (gtk_switch_get_active (ask));

  gtk_switch_set_active (keep, TRUE);
  g_assert_true (bearer_profile_get_keep_alive (f->profile));
  wait_until (file_exists, marker, "the token agent to be started");
  gtk_switch_set_active (ask, TRUE);
  g_assert_true (bearer_profile_get_ask_before_use (f->profile));
  wait_until (connection_saved, f->connection, "the switches to be saved");

  other = bearer_profile_store_new (bearer_profile_store_get_path (f->store));
  bearer_profile_store_load (other, &error);
  g_assert_no_error (error);
  saved = bearer_profile_store_find (other, "prod");
  g_assert_true (bearer_profile_get_keep_alive (saved));
  g_assert_true (bearer_profile_get_ask_before_use (saved));

  /* Off is saved too, and starts nothing. */
  g_unlink (marker);
  gtk_switch_set_active (keep, FALSE);
  gtk_switch_set_active (ask, FALSE);
  wait_until (connection_saved, f->connection, "the switches to be saved");
  bearer_profile_store_load (other, &error);
  g_assert_no_error (error);
  saved = bearer_profile_store_find (other, "prod");
  g_assert_false (bearer_profile_get_keep_alive (saved));
  g_assert_false (bearer_profile_get_ask_before_use (saved));
  spin (200);
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));

  g_unlink (service_path);
}

typedef struct {
  GtkSwitch *keep;
  GtkSwitch *ask;
  gboolean active;
} SwitchesAre;

static gboolean
switches_are (gpointer data)
{
  SwitchesAre *are = data;

  return gtk_switch_get_active (are->keep) == are->active && gtk_switch_get_active (are->ask) == are->active;
}

/* bearer-cli set --keep-alive --ask while the page is open: the switches
 * follow (the connection list watches profiles.json). */
static void
test_cli_sets_switches (void)
{
  g_autoptr(BearerTestSandbox) sandbox = NULL;
  g_autoptr(BearerProfileStore) store = NULL;
  g_autoptr(BearerConnectionList) list = NULL;
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;
  BearerTestProc *proc;
  BearerConnection *connection;
  GtkWindow *window;
  GtkWidget *page;
  SwitchesAre are;

  if (!bearer_test_require_session ())
    return;
  sandbox = bearer_test_sandbox_new ("bearer-test-window", FALSE);
  sandbox->envp = g_environ_setenv (sandbox->envp, "XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);
  /* No token agent to wake here. */
  sandbox->envp = g_environ_setenv (sandbox->envp, "BEARER_NO_AGENT", "1", TRUE);
  path = g_build_filename (g_get_user_config_dir (), "bearer", "profiles.json", NULL);
  dir = g_path_get_dirname (path);
  bearer_test_remove_tree (dir);

  proc = bearer_test_run_cli (sandbox, NULL, "add", "kept", "--token-url", "https://id.example/token",
                              "--client-id", "7", NULL);
  g_assert_cmpint (proc->status, ==, 0);
  bearer_test_proc_free (proc);

  store = bearer_profile_store_new (path);
  list = bearer_connection_list_new (store);
  load_list (list);
  bearer_connection_list_watch (list);
  connection = bearer_connection_list_find (list, "kept");
  g_assert_nonnull (connection);
  window = GTK_WINDOW (gtk_window_new ());
  page = bearer_profile_page_new (connection);
  gtk_window_set_child (window, page);
  gtk_window_present (window);
  are.keep = PAGE_CHILD (page, "keep_alive_switch");
  are.ask = PAGE_CHILD (page, "ask_switch");
  are.active = FALSE;
  g_assert_true (switches_are (&are));

  proc = bearer_test_run_cli (sandbox, NULL, "set", "kept", "--keep-alive", "--ask", NULL);
  g_assert_cmpint (proc->status, ==, 0);
  bearer_test_proc_free (proc);
  are.active = TRUE;
  wait_until (switches_are, &are, "the switches to show what bearer-cli set");

  proc = bearer_test_run_cli (sandbox, NULL, "set", "kept", "--no-keep-alive", "--no-ask", NULL);
  g_assert_cmpint (proc->status, ==, 0);
  bearer_test_proc_free (proc);
  are.active = FALSE;
  wait_until (switches_are, &are, "the switches to show what bearer-cli set");

  gtk_window_destroy (window);
  bearer_test_remove_tree (dir);
}

static GtkWidget *
find_button (GtkWidget  *widget,
             const char *label)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_button (c, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static AdwMessageDialog *
shown_question (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

static gboolean
question_shown (gpointer data)
{
  return shown_question () != NULL;
}

static gboolean
question_gone (gpointer data)
{
  return shown_question () == NULL;
}

static void
asked_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(s)", (char **) user_data);
}

/* Asks the application on the bus, as the token agent does. */
static void
ask_on_bus (GDBusConnection *bus,
            const char      *program,
            const char      *parent,
            char           **answer)
{
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  if (parent != NULL)
    g_variant_builder_add (&options, "{sv}", "parent-program", g_variant_new_string (parent));
  g_dbus_connection_call (bus, BEARER_CONFIRM_BUS_NAME, BEARER_CONFIRM_OBJECT_PATH, BEARER_CONFIRM_INTERFACE,
                          "AskToUse", g_variant_new ("(sssua{sv})", "id-1", "prod", program, 4242, &options),
                          G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, 20000, NULL, asked_cb, answer);
}

/* The application on the bus: it starts the token agent when a connection
 * has Keep Signed In, and it is the window's side of "Ask before other
 * programs use this token": it answers AskToUse with a dialog that names
 * the program (and what started it) and the connection; its buttons
 * answer, and closing it denies. */
static void
test_ask_dialog (void)
{
  g_autoptr(BearerApplication) app = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(BearerProfileStore) store = NULL;
  g_autoptr(BearerProfile) kept = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *config = NULL;
  g_autofree char *marker = NULL;
  g_autofree char *service_path = NULL;
  const struct {
    const char *button;         /* NULL: the dialog is closed */
    const char *answer;
  } answers[] = {
    { "_Allow Once", BEARER_CONFIRM_ALLOW_ONCE },
    { "_Deny", BEARER_CONFIRM_DENY },
    { "Allow for _10 Minutes", BEARER_CONFIRM_ALLOW_TEN_MINUTES },
    { NULL, BEARER_CONFIRM_DENY },
  };

  if (!bearer_test_require_session ())
    return;
  /* A connection with Keep Signed In: Bearer starts the agent when it has
   * read it. */
  config = g_build_filename (g_get_user_config_dir (), "bearer", NULL);
  bearer_test_remove_tree (config);
  store = bearer_profile_store_new (NULL);
  kept = bearer_profile_new ("kept");
  bearer_profile_set_keep_alive (kept, TRUE);
  bearer_profile_store_add_profile (store, kept, &error);
  g_assert_no_error (error);
  marker = g_build_filename (g_get_user_config_dir (), "agent-started", NULL);
  g_unlink (marker);
  service_path = install_marker_agent (marker);

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  app = bearer_application_new ();
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_assert_false (g_application_get_is_remote (G_APPLICATION (app)));
  wait_until (file_exists, marker, "Bearer to start the token agent");
  g_unlink (service_path);

  for (guint i = 0; i < G_N_ELEMENTS (answers); i++)
    {
      g_autofree char *answer = NULL;
      AdwMessageDialog *dialog;

      ask_on_bus (bus, "kubectl", i == 0 ? "bash" : NULL, &answer);
      wait_until (question_shown, NULL, "the question");
      dialog = shown_question ();
      g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Allow “kubectl” to Use Your Token?");
      if (i == 0)
        g_assert_cmpstr (adw_message_dialog_get_body (dialog), ==,
                         "“kubectl”, started by “bash”, asks for the access token of “prod”.");
      else
        g_assert_cmpstr (adw_message_dialog_get_body (dialog), ==, "“kubectl” asks for the access token of “prod”.");
      g_assert_null (answer);

      if (answers[i].button != NULL)
        {
          GtkWidget *button = find_button (GTK_WIDGET (dialog), answers[i].button);

          g_assert_nonnull (button);
          g_signal_emit_by_name (button, "clicked");
        }
      else
        gtk_window_close (GTK_WINDOW (dialog));
      wait_until (is_set, &answer, "the answer");
      g_assert_cmpstr (answer, ==, answers[i].answer);
      wait_until (question_gone, NULL, "the question to go");
    }

  /* A program that could not be identified is called so. */
  {
    g_autofree char *answer = NULL;
    AdwMessageDialog *dialog;

    ask_on_bus (bus, "", NULL, &answer);
    wait_until (question_shown, NULL, "the question");
    dialog = shown_question ();
    g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Allow an Unknown Program to Use Your Token?");
    g_assert_cmpstr (adw_message_dialog_get_body (dialog), ==,
                     "A program Bearer could not identify asks for the access token of “prod”.");
    g_signal_emit_by_name (find_button (GTK_WIDGET (dialog), "_Deny"), "clicked");
    wait_until (is_set, &answer, "the answer");
    g_assert_cmpstr (answer, ==, BEARER_CONFIRM_DENY);
    wait_until (question_gone, NULL, "the question to go");
  }

  /* Bearer was not open: its window was opened for the question. Closed
   * with a question open, the question goes too, as a denial. */
  g_assert_cmpuint (g_list_length (gtk_application_get_windows (GTK_APPLICATION (app))), ==, 1);
  {
    g_autofree char *answer = NULL;

    ask_on_bus (bus, "kubectl", NULL, &answer);
    wait_until (question_shown, NULL, "the question");
    gtk_window_destroy (gtk_application_get_windows (GTK_APPLICATION (app))->data);
    wait_until (is_set, &answer, "the answer");
    g_assert_cmpstr (answer, ==, BEARER_CONFIRM_DENY);
    wait_until (question_gone, NULL, "the question to go");
  }
  g_unlink (marker);
  bearer_test_remove_tree (config);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  setlocale (LC_ALL, "C.UTF-8");
  g_setenv ("LANGUAGE", "", TRUE);

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL &&
      g_getenv ("BEARER_TEST_SESSION") == NULL)
    {
      g_test_init (&argc, &argv, NULL);
      g_test_skip ("No display: run through tools/test, which starts Xvfb");
      return g_test_run ();
    }

  /* Before GTK and GIO read the XDG folders. */
  browser_install ();

  /* Without a display here, gtk_test_init() aborts: a failure, as it should be. */
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(path, fn) \
  g_test_add ((path), Fixture, NULL, fixture_set_up, (fn), fixture_tear_down)

  ADD ("/bearer/window/form/rows-per-grant", test_form_rows);
  ADD ("/bearer/window/token-view/dpop", test_token_view_dpop);
  ADD ("/bearer/window/form/dpop-switch", test_dpop_switch);
  ADD ("/bearer/window/form/private-key", test_form_private_key);
  ADD ("/bearer/window/form/client-certificate-rows", test_form_client_certificate_rows);
  ADD ("/bearer/window/form/url-validation", test_url_validation);
  ADD ("/bearer/window/form/sign-in-grants", test_sign_in_grant_rows);
  ADD ("/bearer/window/form/saves-without-save-button", test_saves_without_save_button);
  ADD ("/bearer/window/form/secrets-saved-under-lock", test_secrets_saved_under_lock);
  ADD ("/bearer/window/background-refresh", test_background_refresh);
  ADD ("/bearer/window/form/extra-parameters", test_extra_parameters);
  ADD ("/bearer/window/form/copy-snippet", test_copy_curl);
  ADD ("/bearer/window/get-token/one-request-cancel-token", test_get_token);
  ADD ("/bearer/window/get-token/page-gone-mid-request", test_page_gone_mid_request);
  ADD ("/bearer/window/get-token/dead-refresh-token", test_dead_refresh_token);
  ADD ("/bearer/window/get-token/server-error", test_server_error);
  ADD ("/bearer/window/sign-in/browser", test_sign_in_browser);
  ADD ("/bearer/window/sign-in/pasted-redirect", test_sign_in_pasted_redirect);
  ADD ("/bearer/window/sign-in/cancel", test_sign_in_cancel);
  ADD ("/bearer/window/sign-in/device", test_sign_in_device);
  ADD ("/bearer/window/sign-in/again", test_sign_in_again);
  ADD ("/bearer/window/sign-in/missing", test_sign_in_missing);
  ADD ("/bearer/window/form/discover", test_discover);
  ADD ("/bearer/window/window/empty-then-profile", test_window);
  ADD ("/bearer/window/window/duplicate-rename-delete", test_duplicate_rename_delete);
  ADD ("/bearer/window/new-connection/grants", test_new_connection_grants);
  ADD ("/bearer/window/new-connection/discovery", test_new_connection_discovery);
  ADD ("/bearer/window/new-connection/discovery-fails", test_new_connection_discovery_fails);
  ADD ("/bearer/window/get-token/auto-refresh", test_auto_refresh);
  ADD ("/bearer/window/lifecycle/sign-out-check-token", test_sign_out_check_token);
  ADD ("/bearer/window/lifecycle/sign-out-refused", test_sign_out_refused);
  ADD ("/bearer/window/lifecycle/sign-out-and-delete", test_sign_out_and_delete);
  g_test_add_func ("/bearer/window/window/bearer-cli-add-refresh-remove", test_cli_follows);
  g_test_add_func ("/bearer/window/window/many-connections", test_many_connections);
  ADD ("/bearer/window/finalize/page", test_finalize_page);
  g_test_add_func ("/bearer/window/token-view/jwt-countdown-copy", test_token_view);
  g_test_add_func ("/bearer/window/token-view/countdown-ticks", test_countdown_ticks);
  g_test_add_func ("/bearer/window/finalize/widgets", test_finalize);
  ADD ("/bearer/window/form/keep-signed-in-and-ask", test_keep_signed_in);
  g_test_add_func ("/bearer/window/window/bearer-cli-set-keep-alive-ask", test_cli_sets_switches);
  g_test_add_func ("/bearer/window/ask-to-use/dialog", test_ask_dialog);

  status = g_test_run ();
  bearer_test_remove_tree (browser_dir);
  g_free (browser_dir);
  return status;
}
