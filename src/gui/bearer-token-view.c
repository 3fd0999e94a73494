/* bearer-token-view.c: the access token, its expiry and what it says
 *
 * Shows a connection's token (bearer_token_view_set_connection()): its
 * properties as the keyring holds them (after a restart) or fresh from the
 * server (then with the raw reply, secrets masked, and whether the refresh
 * token rotated), followed through their notifications. The expiry counts
 * down every second while the view is mapped (only the visible page's view
 * is). The refresh token stays hidden until its row is expanded. The ID
 * token of a sign-in (OpenID Connect), when the server's reply holds one,
 * shows decoded and marked "not verified": Bearer checks no signature.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "bearer-connection.h"
#include "bearer-dpop.h"
#include "bearer-jwt.h"
#include "bearer-redact.h"
#include "bearer-token-view.h"

struct _BearerTokenView
{
  AdwPreferencesGroup parent_instance;

  GtkWidget *copy_header_button;
  GtkWidget *check_button;
  AdwActionRow *server_row;
  GtkImage *server_icon;
  GtkWidget *server_get_button;
  GtkLabel *access_token_label;
  AdwActionRow *type_row;
  AdwActionRow *dpop_row;
  GtkImage *dpop_icon;
  AdwEntryRow *dpop_url_row;
  GCancellable *dpop_cancellable;
  AdwActionRow *expiry_row;
  AdwExpanderRow *refresh_row;
  GtkLabel *refresh_token_label;
  AdwActionRow *scope_row;
  AdwExpanderRow *jwt_header_row;
  AdwExpanderRow *claims_row;
  AdwExpanderRow *id_token_row;
  AdwExpanderRow *raw_row;
  GtkLabel *raw_label;

  BearerConnection *connection;  /* (nullable): the token shown, followed */
  GPtrArray *jwt_rows;          /* rows added to the two JWT expanders */
  GPtrArray *id_token_rows;     /* rows added to the ID token's */
  char *access_token;
  char *id_token;
  char *refresh_token;
  char *token_type;
  gint64 expires_at;
  guint tick_id;
};

G_DEFINE_FINAL_TYPE (BearerTokenView, bearer_token_view, ADW_TYPE_PREFERENCES_GROUP)

/* ---- formatting ---------------------------------------------------------- */

/**
 * bearer_format_expiry:
 * @expires_at: when the token expires (Unix time), or 0 when unknown
 * @now: the time now (Unix time)
 *
 * Returns: (transfer full): "Expires in 12 minutes", "Expired", …
 */
char *
bearer_format_expiry (gint64 expires_at,
                      gint64 now)
{
  gint64 left = expires_at - now;
  gint64 n;

  if (expires_at <= 0)
    return g_strdup (_("The server gave no expiry"));
  if (left <= 0)
    return g_strdup (_("Expired"));
  if (left < 120)
    return g_strdup_printf (ngettext ("Expires in %d second", "Expires in %d seconds", left),
                            (int) left);
  if (left < 2 * 3600)
    {
      n = (left + 30) / 60;
      return g_strdup_printf (ngettext ("Expires in %d minute", "Expires in %d minutes", n), (int) n);
    }
  if (left < 2 * 86400)
    {
      n = (left + 1800) / 3600;
      return g_strdup_printf (ngettext ("Expires in %d hour", "Expires in %d hours", n), (int) n);
    }
  n = (left + 43200) / 86400;
  return g_strdup_printf (ngettext ("Expires in %d day", "Expires in %d days", n), (int) n);
}

/**
 * bearer_format_time:
 *
 * Returns: (transfer full): @unix_time as a local date and time
 */
char *
bearer_format_time (gint64 unix_time)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (unix_time);

  if (time == NULL)
    return g_strdup_printf ("%" G_GINT64_FORMAT, unix_time);
  return g_date_time_format (time, "%Y-%m-%d %H:%M:%S");
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
show_toast (GtkWidget  *widget,
            const char *title)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (widget, ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (title));
}

/* ---- the countdown ------------------------------------------------------- */

void
bearer_token_view_update_expiry (BearerTokenView *self)
{
  g_autofree char *text = NULL;
  g_autofree char *when = NULL;
  g_autofree char *subtitle = NULL;

  g_return_if_fail (BEARER_IS_TOKEN_VIEW (self));

  text = bearer_format_expiry (self->expires_at, now_seconds ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->expiry_row), text);
  if (self->expires_at > 0)
    {
      when = bearer_format_time (self->expires_at);
      /* Translators: %s is a date and time */
      subtitle = g_strdup_printf (_("Valid until %s"), when);
    }
  adw_action_row_set_subtitle (self->expiry_row, subtitle != NULL ? subtitle : "");

  if (self->expires_at > 0 && self->expires_at <= now_seconds ())
    gtk_widget_add_css_class (GTK_WIDGET (self->expiry_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->expiry_row), "error");
}

const char *
bearer_token_view_get_expiry_text (BearerTokenView *self)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_VIEW (self), NULL);
  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self->expiry_row));
}

static gboolean
tick_cb (gpointer user_data)
{
  bearer_token_view_update_expiry (user_data);
  return G_SOURCE_CONTINUE;
}

static void
bearer_token_view_map (GtkWidget *widget)
{
  BearerTokenView *self = BEARER_TOKEN_VIEW (widget);

  GTK_WIDGET_CLASS (bearer_token_view_parent_class)->map (widget);

  bearer_token_view_update_expiry (self);
  if (self->tick_id == 0)
    self->tick_id = g_timeout_add_seconds (1, tick_cb, self);
}

static void
bearer_token_view_unmap (GtkWidget *widget)
{
  BearerTokenView *self = BEARER_TOKEN_VIEW (widget);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  GTK_WIDGET_CLASS (bearer_token_view_parent_class)->unmap (widget);
}

/* ---- the refresh token, revealed on demand ------------------------------- */

static void
refresh_row_expanded_cb (BearerTokenView *self)
{
  /* The label holds the token only while it is shown. */
  gboolean expanded = adw_expander_row_get_expanded (self->refresh_row);

  gtk_label_set_text (self->refresh_token_label,
                      expanded && self->refresh_token != NULL ? self->refresh_token : "");
}

/* ---- the JWT ------------------------------------------------------------- */

static gboolean
is_time_claim (const char *name)
{
  return g_strv_contains ((const char * const[]) { "exp", "iat", "nbf", "auth_time",
                                                   "updated_at", NULL }, name);
}

static char *
format_claim (const char *name,
              JsonNode   *node)
{
  if (JSON_NODE_HOLDS_VALUE (node))
    {
      GType type = json_node_get_value_type (node);

      if (type == G_TYPE_STRING)
        return g_strdup (json_node_get_string (node));
      if ((type == G_TYPE_INT64 || type == G_TYPE_DOUBLE) && is_time_claim (name))
        {
          gint64 seconds = type == G_TYPE_INT64 ? json_node_get_int (node)
                                                : (gint64) json_node_get_double (node);
          g_autofree char *when = bearer_format_time (seconds);

          return g_strdup_printf ("%s (%" G_GINT64_FORMAT ")", when, seconds);
        }
    }
  return json_to_string (node, FALSE);
}

static void
add_members (AdwExpanderRow *expander,
             JsonObject     *object,
             GPtrArray      *rows)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &node))
    {
      g_autofree char *value = format_claim (name, node);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
      gtk_widget_add_css_class (row, "property");
      gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, value,
                                      -1);
      adw_expander_row_add_row (expander, row);
      g_ptr_array_add (rows, g_object_ref (row));
      g_object_set_data (G_OBJECT (row), "bearer-expander", expander);
    }
}

static void
clear_rows (GPtrArray *rows)
{
  for (guint i = 0; i < rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (rows, i);

      adw_expander_row_remove (g_object_get_data (G_OBJECT (row), "bearer-expander"), row);
    }
  g_ptr_array_set_size (rows, 0);
}

static void
clear_jwt (BearerTokenView *self)
{
  clear_rows (self->jwt_rows);
}

static void
show_jwt (BearerTokenView *self,
          const char      *token)
{
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) payload = NULL;
  gboolean is_jwt;

  clear_jwt (self);
  is_jwt = token != NULL && bearer_jwt_decode (token, &header, &payload, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->jwt_header_row), is_jwt);
  gtk_widget_set_visible (GTK_WIDGET (self->claims_row), is_jwt);
  if (!is_jwt)
    return;

  add_members (self->jwt_header_row, header, self->jwt_rows);
  add_members (self->claims_row, payload, self->jwt_rows);
}

/* The sign-in's ID token, from the server's reply: its claims, unverified. */
static void
show_id_token (BearerTokenView     *self,
               BearerTokenResponse *response)
{
  const char *id_token = response != NULL ? bearer_token_response_get_id_token (response) : NULL;
  g_autoptr(JsonObject) payload = NULL;

  if (g_strcmp0 (self->id_token, id_token) == 0)
    return;
  g_clear_pointer (&self->id_token, bearer_secret_free);
  self->id_token = g_strdup (id_token);
  clear_rows (self->id_token_rows);

  if (id_token != NULL && bearer_jwt_decode (id_token, NULL, &payload, NULL))
    add_members (self->id_token_row, payload, self->id_token_rows);
  gtk_widget_set_visible (GTK_WIDGET (self->id_token_row), self->id_token_rows->len > 0);
}

/* ---- copying ------------------------------------------------------------- */

char *
bearer_token_view_dup_header (BearerTokenView *self)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_VIEW (self), NULL);

  if (self->access_token == NULL)
    return NULL;
  return g_strdup_printf ("Authorization: %s %s",
                          self->token_type != NULL ? self->token_type : "Bearer",
                          self->access_token);
}

static void
copy_header_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  BearerTokenView *self = BEARER_TOKEN_VIEW (widget);
  g_autofree char *header = bearer_token_view_dup_header (self);

  if (header == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), header);
  bearer_secret_free (g_steal_pointer (&header));
  show_toast (widget, _("Copied Authorization header"));
}

static void
copy_token_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  BearerTokenView *self = BEARER_TOKEN_VIEW (widget);

  if (self->access_token == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), self->access_token);
  show_toast (widget, _("Copied access token"));
}

/* ---- DPoP (RFC 9449) ------------------------------------------------------
 *
 * A DPoP token is accepted only with a proof made for each request: the
 * copied header alone does not work. The view says so, and copies the
 * header with a proof for a GET of an address the user types, made with
 * the connection's key read from the keyring (asynchronously).
 */

typedef struct {
  BearerTokenView *self;
  char *url;
  char *access_token;
  char *token_type;
} CopyDpop;

static void
copy_dpop_free (CopyDpop *copy)
{
  g_object_unref (copy->self);
  g_free (copy->url);
  bearer_secret_free (copy->access_token);
  g_free (copy->token_type);
  g_free (copy);
}

static void
dpop_key_read_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  CopyDpop *copy = user_data;
  BearerTokenView *self = copy->self;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *proof = NULL;
  char *text;

  secrets = bearer_secrets_lookup_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      copy_dpop_free (copy);
      return;
    }
  if (secrets != NULL)
    proof = bearer_dpop_proof_create (bearer_secrets_get_dpop_key (secrets), "GET", copy->url,
                                      copy->access_token, NULL, now_seconds (), &error);
  if (proof == NULL)
    {
      show_toast (GTK_WIDGET (self), error->message);
      copy_dpop_free (copy);
      return;
    }

  text = g_strdup_printf ("Authorization: %s %s\n%s: %s", copy->token_type, copy->access_token,
                          BEARER_DPOP_HEADER, proof);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
  bearer_secret_free (text);
  show_toast (GTK_WIDGET (self), _("Copied the Authorization header and a DPoP proof for this address"));
  copy_dpop_free (copy);
}

static void
copy_dpop_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  BearerTokenView *self = BEARER_TOKEN_VIEW (widget);
  const char *url = gtk_editable_get_text (GTK_EDITABLE (self->dpop_url_row));
  CopyDpop *copy;

  if (self->access_token == NULL || self->connection == NULL)
    return;
  if (url == NULL || *url == '\0')
    {
      show_toast (widget, _("Type the address of the request the proof is for"));
      return;
    }

  copy = g_new0 (CopyDpop, 1);
  copy->self = g_object_ref (self);
  copy->url = g_strstrip (g_strdup (url));
  copy->access_token = g_strdup (self->access_token);
  copy->token_type = g_strdup (self->token_type);
  bearer_secrets_lookup_async (bearer_profile_get_id (bearer_connection_get_profile (self->connection)),
                               self->dpop_cancellable, dpop_key_read_cb, copy);
}

/* Shows what DPoP means for the token shown, if anything. */
static void
update_dpop (BearerTokenView *self)
{
  gboolean dpop_on = self->connection != NULL &&
                     bearer_profile_get_dpop (bearer_connection_get_profile (self->connection));
  gboolean bound = self->access_token != NULL && bearer_dpop_is_token_type (self->token_type);
  g_autofree char *warning = NULL;

  if (self->access_token != NULL)
    warning = bearer_dpop_dup_token_type_warning (dpop_on, self->token_type);

  if (bound)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->dpop_row),
                                     _("Bound to this computer (DPoP)"));
      adw_action_row_set_subtitle (self->dpop_row,
                                   _("Servers accept this token only with a proof made by this "
                                     "computer for each request: the copied header alone is not "
                                     "enough. Use “bearer-cli curl”, or type the address of a GET "
                                     "request below to copy the header with its proof."));
      gtk_image_set_from_icon_name (self->dpop_icon, "channel-secure-symbolic");
    }
  else if (warning != NULL)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->dpop_row),
                                     _("Not bound to this computer"));
      adw_action_row_set_subtitle (self->dpop_row, warning);
      gtk_image_set_from_icon_name (self->dpop_icon, "dialog-warning-symbolic");
    }
  gtk_widget_set_visible (GTK_WIDGET (self->dpop_row), bound || warning != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->dpop_url_row), bound && self->connection != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "token.copy-dpop", bound && self->connection != NULL);
}

/* ---- setting a token ----------------------------------------------------- */

static void
set_row_value (AdwActionRow *row,
               const char   *value)
{
  gtk_widget_set_visible (GTK_WIDGET (row), value != NULL && *value != '\0');
  adw_action_row_set_subtitle (row, value != NULL ? value : "");
}

/* Shows a token; what did not change stays as it is (an expanded refresh
 * token row, the claims). */
static void
show_token (BearerTokenView     *self,
            const char          *access_token,
            const char          *token_type,
            gint64               expires_at,
            const char          *scope,
            const char          *refresh_token,
            gboolean             needs_sign_in,
            gboolean             rotated,
            gboolean             stored,
            BearerTokenResponse *response)
{
  const char *note;
  g_autofree char *raw = NULL;

  if (access_token == NULL)
    {
      bearer_token_view_clear (self);
      return;
    }

  if (g_strcmp0 (self->access_token, access_token) != 0)
    {
      /* What the server said was about another token. */
      gtk_widget_set_visible (GTK_WIDGET (self->server_row), FALSE);
      g_clear_pointer (&self->access_token, bearer_secret_free);
      self->access_token = g_strdup (access_token);
      gtk_label_set_text (self->access_token_label, self->access_token);
      show_jwt (self, self->access_token);
    }
  g_free (self->token_type);
  self->token_type = g_strdup (token_type);
  self->expires_at = expires_at;

  set_row_value (self->type_row, self->token_type != NULL ? self->token_type : "Bearer");
  update_dpop (self);
  set_row_value (self->scope_row, scope);
  bearer_token_view_update_expiry (self);

  /* The refresh token: hidden until asked for, again when it changes. */
  if (g_strcmp0 (self->refresh_token, refresh_token) != 0)
    {
      g_clear_pointer (&self->refresh_token, bearer_secret_free);
      self->refresh_token = g_strdup (refresh_token);
      adw_expander_row_set_expanded (self->refresh_row, FALSE);
      refresh_row_expanded_cb (self);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->refresh_row), self->refresh_token != NULL);
  if (needs_sign_in)
    note = _("The server refused it: sign in again and paste a new one");
  else if (rotated)
    note = stored ? _("The server issued a new refresh token; it is saved in your keyring")
                  : _("The server issued a new refresh token, but the keyring refused it: copy it now");
  else if (!stored)
    note = _("Not saved in your keyring: copy it before closing Bearer");
  else
    note = _("Hidden; expand to reveal");
  adw_expander_row_set_subtitle (self->refresh_row, note);

  show_id_token (self, response);
  if (response != NULL)
    raw = bearer_token_response_dup_redacted_body (response);
  gtk_label_set_text (self->raw_label, raw != NULL ? raw : "");
  gtk_widget_set_visible (GTK_WIDGET (self->raw_row), raw != NULL && *raw != '\0');

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "token.copy-header", TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "token.copy-token", TRUE);
}

/**
 * bearer_token_view_set_token:
 * @secrets: the profile's secrets, with the access token to show
 * @response: (nullable): the server's reply, when the token is fresh
 * @stored: whether the tokens are in the keyring (%FALSE: the keyring
 *   refused them, and this is their only copy)
 *
 * Shows one token as it is now (a view that follows a connection uses
 * bearer_token_view_set_connection()).
 */
void
bearer_token_view_set_token (BearerTokenView     *self,
                             const BearerSecrets *secrets,
                             BearerTokenResponse *response,
                             gboolean             stored)
{
  g_return_if_fail (BEARER_IS_TOKEN_VIEW (self));
  g_return_if_fail (secrets != NULL);

  show_token (self, bearer_secrets_get_access_token (secrets), bearer_secrets_get_token_type (secrets),
              bearer_secrets_get_expires_at (secrets), bearer_secrets_get_scope (secrets),
              bearer_secrets_get_refresh_token (secrets), bearer_secrets_get_needs_sign_in (secrets),
              response != NULL && bearer_token_response_get_refresh_token_rotated (response),
              stored, response);
}

static void
connection_changed_cb (BearerTokenView *self)
{
  BearerConnection *c = self->connection;

  show_token (self, bearer_connection_get_access_token (c), bearer_connection_get_token_type (c),
              bearer_connection_get_expires_at (c), bearer_connection_get_scope (c),
              bearer_connection_get_secret (c, BEARER_SECRET_REFRESH_TOKEN),
              bearer_connection_get_state (c) == BEARER_TOKEN_STATE_SIGN_IN,
              bearer_connection_get_rotated (c), bearer_connection_get_stored (c),
              bearer_connection_get_response (c));
}

/**
 * bearer_token_view_set_connection:
 * @connection: (nullable): whose token to show, and follow
 */
void
bearer_token_view_set_connection (BearerTokenView  *self,
                                  BearerConnection *connection)
{
  const char *signals[] = {
    "notify::access-token", "notify::token-type", "notify::expires-at", "notify::scope",
    "notify::response", "notify::rotated", "notify::stored", "notify::state", "secret-changed",
    "notify::has-refresh-token",
  };

  g_return_if_fail (BEARER_IS_TOKEN_VIEW (self));
  g_return_if_fail (connection == NULL || BEARER_IS_CONNECTION (connection));

  if (self->connection == connection)
    return;
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  g_set_object (&self->connection, connection);
  if (connection == NULL)
    {
      bearer_token_view_clear (self);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    g_signal_connect_swapped (connection, signals[i], G_CALLBACK (connection_changed_cb), self);
  connection_changed_cb (self);
}

void
bearer_token_view_clear (BearerTokenView *self)
{
  g_return_if_fail (BEARER_IS_TOKEN_VIEW (self));

  g_clear_pointer (&self->access_token, bearer_secret_free);
  g_clear_pointer (&self->refresh_token, bearer_secret_free);
  g_clear_pointer (&self->token_type, g_free);
  self->expires_at = 0;
  adw_expander_row_set_expanded (self->refresh_row, FALSE);
  gtk_label_set_text (self->access_token_label, "");
  gtk_label_set_text (self->refresh_token_label, "");
  gtk_label_set_text (self->raw_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->server_row), FALSE);
  clear_jwt (self);
  show_id_token (self, NULL);
  update_dpop (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "token.copy-header", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "token.copy-token", FALSE);
}

/**
 * bearer_token_view_show_introspection:
 * @answer: (nullable): what the introspection endpoint said about the
 *   access token shown; %NULL hides it
 *
 * Shows the server's word beside the token's unverified claims: active or
 * not, its expiry, scope, client and subject. An inactive token offers Get
 * New Access Token.
 */
void
bearer_token_view_show_introspection (BearerTokenView     *self,
                                      BearerIntrospection *answer)
{
  g_autoptr(GString) text = NULL;
  gboolean active;

  g_return_if_fail (BEARER_IS_TOKEN_VIEW (self));

  if (answer == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->server_row), FALSE);
      return;
    }

  active = bearer_introspection_get_active (answer);
  text = g_string_new (active ? _("Active") : _("Not active: the server no longer accepts this token"));
#define LINE(value, format) \
  G_STMT_START { \
    if ((value) != NULL && *(value) != '\0') \
      { \
        g_string_append_c (text, '\n'); \
        g_string_append_printf (text, format, value); \
      } \
  } G_STMT_END
  if (active && bearer_introspection_get_exp (answer) > 0)
    {
      g_autofree char *when = bearer_format_time (bearer_introspection_get_exp (answer));
      /* Translators: %s is a date and time. */
      LINE (when, _("Expires %s"));
    }
  /* Translators: %s is the token's scope, as the server said it. */
  LINE (bearer_introspection_get_scope (answer), _("Scope: %s"));
  /* Translators: %s is an OAuth client ID, as the server said it. */
  LINE (bearer_introspection_get_client_id (answer), _("Client: %s"));
  /* Translators: %s is the user (subject) the token is for, as the server said it. */
  LINE (bearer_introspection_get_sub (answer), _("Subject: %s"));
  /* Translators: %s is a user name, as the server said it. */
  LINE (bearer_introspection_get_username (answer), _("User name: %s"));
#undef LINE

  adw_action_row_set_subtitle (self->server_row, text->str);
  gtk_image_set_from_icon_name (self->server_icon, active ? "emblem-ok-symbolic" : "dialog-warning-symbolic");
  gtk_widget_set_visible (self->server_get_button, !active);
  gtk_widget_set_visible (GTK_WIDGET (self->server_row), TRUE);
}

/**
 * bearer_token_view_get_introspection_text:
 *
 * Returns: (nullable): what the server said, as shown; %NULL when hidden
 */
const char *
bearer_token_view_get_introspection_text (BearerTokenView *self)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_VIEW (self), NULL);
  if (!gtk_widget_get_visible (GTK_WIDGET (self->server_row)))
    return NULL;
  return adw_action_row_get_subtitle (self->server_row);
}

/**
 * bearer_token_view_focus_copy:
 *
 * Focuses Copy Bearer Header (which also scrolls the token into view).
 */
void
bearer_token_view_focus_copy (BearerTokenView *self)
{
  g_return_if_fail (BEARER_IS_TOKEN_VIEW (self));
  gtk_widget_grab_focus (self->copy_header_button);
}

gboolean
bearer_token_view_has_token (BearerTokenView *self)
{
  g_return_val_if_fail (BEARER_IS_TOKEN_VIEW (self), FALSE);
  return self->access_token != NULL;
}

/* ------------------------------------------------------------------------- */

static void
bearer_token_view_dispose (GObject *object)
{
  BearerTokenView *self = BEARER_TOKEN_VIEW (object);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->connection != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->connection, self);
      g_clear_object (&self->connection);
    }
  if (self->jwt_rows != NULL)
    g_ptr_array_set_size (self->jwt_rows, 0);
  if (self->id_token_rows != NULL)
    g_ptr_array_set_size (self->id_token_rows, 0);
  g_cancellable_cancel (BEARER_TOKEN_VIEW (object)->dpop_cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (object), BEARER_TYPE_TOKEN_VIEW);

  G_OBJECT_CLASS (bearer_token_view_parent_class)->dispose (object);
}

static void
bearer_token_view_finalize (GObject *object)
{
  BearerTokenView *self = BEARER_TOKEN_VIEW (object);

  g_clear_pointer (&self->jwt_rows, g_ptr_array_unref);
  g_clear_pointer (&self->id_token_rows, g_ptr_array_unref);
  g_clear_pointer (&self->id_token, bearer_secret_free);
  g_clear_pointer (&self->access_token, bearer_secret_free);
  g_clear_pointer (&self->refresh_token, bearer_secret_free);
  g_free (self->token_type);
  g_clear_object (&self->dpop_cancellable);

  G_OBJECT_CLASS (bearer_token_view_parent_class)->finalize (object);
}

static void
bearer_token_view_class_init (BearerTokenViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bearer_token_view_dispose;
  object_class->finalize = bearer_token_view_finalize;
  widget_class->map = bearer_token_view_map;
  widget_class->unmap = bearer_token_view_unmap;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "bearer-token-view.ui");
  gtk_widget_class_bind_template_child (widget_class, BearerTokenView, copy_header_button);
  gtk_widget_class_bind_template_child (widget_class, BearerTokenView, check_button);
  gtk_widget_class_bind_template_child (widget_class, BearerTokenView, server_row);
  gtk_widget_class_bind_template_child (widget_class, BearerTokenView, server_icon);
  gtk_widget_class_bind_template_child (widget_class, BearerTokenView, server_get_button);
  gtk_widget_class_bind_template_child (widget_class, BearerTokenView, access_token_label);
  gtk_widget_class_bind_template_child (widget_class, BearerTokenView, type_row);
  gtk_widget_class_bind_template_child (widget_class, BearerTokenView, dpop_row);
  gtk_widget_class_bind_template_child (widget_class, BearerTokenView, dpop_icon);
  gtk_widget_class_bind_template_child (widget_class, BearerTokenView, dpop_url_row);
  gtk_widget_class_bind_template_child (widget_class, BearerTokenView, expiry_row);
  gtk_widget_class_bind_template_child (widget_class, BearerTokenView, refresh_row);
  gtk_widget_class_bind_template_child (widget_class, BearerTokenView, refresh_token_label);
  gtk_widget_class_bind_template_child (widget_class, BearerTokenView, scope_row);
  gtk_widget_class_bind_template_child (widget_class, BearerTokenView, jwt_header_row);
  gtk_widget_class_bind_template_child (widget_class, BearerTokenView, claims_row);
  gtk_widget_class_bind_template_child (widget_class, BearerTokenView, id_token_row);
  gtk_widget_class_bind_template_child (widget_class, BearerTokenView, raw_row);
  gtk_widget_class_bind_template_child (widget_class, BearerTokenView, raw_label);
  gtk_widget_class_bind_template_callback (widget_class, refresh_row_expanded_cb);

  gtk_widget_class_install_action (widget_class, "token.copy-header", NULL, copy_header_activated);
  gtk_widget_class_install_action (widget_class, "token.copy-token", NULL, copy_token_activated);
  gtk_widget_class_install_action (widget_class, "token.copy-dpop", NULL, copy_dpop_activated);
}

static void
bearer_token_view_init (BearerTokenView *self)
{
  self->jwt_rows = g_ptr_array_new_with_free_func (g_object_unref);
  self->id_token_rows = g_ptr_array_new_with_free_func (g_object_unref);
  self->dpop_cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "token.copy-header", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "token.copy-token", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "token.copy-dpop", FALSE);
}

GtkWidget *
bearer_token_view_new (void)
{
  return g_object_new (BEARER_TYPE_TOKEN_VIEW, NULL);
}
