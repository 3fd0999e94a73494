/* bearer-profile-page.c: one connection: "Configure New Token" and its token
 *
 * The form writes into the editor's draft (settings) and the editor's
 * secrets; the editor saves both shortly after typing stops. The form is
 * never filled again from the store, so nothing typed is lost when a save
 * or a request fails.
 *
 * Get New Access Token saves pending edits, then runs the core's refresh
 * transaction (forced). While it runs the button is insensitive, a spinner
 * turns and Cancel cancels. The token (from the keyring when the page opens,
 * or fresh) is shown by BearerTokenView; problems by BearerErrorBanner.
 * While the page exists, a token is refreshed shortly before it expires
 * when the profile asks for it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "bearer-curl.h"
#include "bearer-error-banner.h"
#include "bearer-error.h"
#include "bearer-parameter-row.h"
#include "bearer-presets.h"
#include "bearer-profile-page.h"
#include "bearer-redact.h"
#include "bearer-refresh.h"
#include "bearer-token-view.h"

/* An expired token is refreshed this long after the page opens; no
 * automatic refresh comes sooner after another. */
#define AUTO_REFRESH_MIN_DELAY 5
/* An automatic refresh asks for a token valid this much beyond the margin,
 * so a timer firing a little early still refreshes; a token another
 * process refreshed meanwhile is valid much longer and is used as it is. */
#define AUTO_REFRESH_SLACK 10
/* Long waits are cut into slices, so a suspended machine catches up. */
#define AUTO_REFRESH_MAX_DELAY 600

struct _BearerProfilePage
{
  GtkWidget parent_instance;

  BearerErrorBanner *banner;
  AdwPreferencesPage *preferences;
  BearerTokenView *token_view;
  AdwEntryRow *name_row;
  AdwComboRow *grant_row;
  AdwEntryRow *url_row;
  AdwEntryRow *refresh_token_row;
  AdwEntryRow *username_row;
  AdwEntryRow *password_row;
  AdwEntryRow *client_id_row;
  AdwEntryRow *client_secret_row;
  AdwEntryRow *scope_row;
  AdwComboRow *client_auth_row;
  AdwExpanderRow *advanced_row;
  AdwEntryRow *audience_row;
  AdwEntryRow *resource_row;
  GtkSwitch *json_switch;
  AdwActionRow *ca_row;
  GtkWidget *ca_clear_button;
  GtkSwitch *insecure_switch;
  GtkSwitch *auto_refresh_switch;
  GtkSpinButton *margin_spin;
  GtkLabel *status_label;
  GtkSpinner *spinner;
  GtkWidget *cancel_button;
  GtkWidget *get_button;
  GtkWidget *add_parameter_button;
  GtkWidget *curl_button;

  BearerProfileStore *store;
  BearerProfile *profile;         /* the store's */
  BearerProfileEditor *editor;
  BearerProfile *draft;           /* the editor's */
  GPtrArray *parameter_rows;
  GtkNativeDialog *ca_chooser;

  GCancellable *cancellable;      /* the page's lifetime */
  GCancellable *refresh_cancellable;
  struct _Refresh *refresh;       /* the one running, until Cancel detaches it */
  gboolean running;
  gboolean filling;
  gboolean disposed;
  gboolean banner_shows_save_error;

  /* What the keyring last said */
  gint64 expires_at;
  gboolean has_refresh_token;
  gboolean needs_sign_in;
  guint auto_refresh_id;
  gint64 auto_refresh_due;
  guint focus_id;
};

G_DEFINE_FINAL_TYPE (BearerProfilePage, bearer_profile_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_STORE,
  PROP_PROFILE,
  PROP_DRAFT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  TOKEN_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void start_refresh (BearerProfilePage *self,
                           gboolean           forced);

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
show_toast (BearerProfilePage *self,
            const char        *title)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (title));
}

static void
set_status (BearerProfilePage *self,
            const char        *text)
{
  gtk_label_set_text (self->status_label, text != NULL ? text : "");
}

static const char *
entry_text (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static void
set_entry_text (BearerProfilePage *self,
                AdwEntryRow       *row,
                const char        *text)
{
  gboolean filling = self->filling;

  self->filling = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (row), text != NULL ? text : "");
  self->filling = filling;
}

/* ---- what the form shows ------------------------------------------------- */

static BearerGrantType
selected_grant (BearerProfilePage *self)
{
  switch (adw_combo_row_get_selected (self->grant_row))
    {
    case 1:
      return BEARER_GRANT_CLIENT_CREDENTIALS;
    case 2:
      return BEARER_GRANT_PASSWORD;
    case 0:
    default:
      return BEARER_GRANT_REFRESH_TOKEN;
    }
}

static void
update_visible_rows (BearerProfilePage *self)
{
  BearerGrantType grant = selected_grant (self);
  gboolean public_client = adw_combo_row_get_selected (self->client_auth_row) == BEARER_CLIENT_AUTH_NONE;

  gtk_widget_set_visible (GTK_WIDGET (self->refresh_token_row), grant == BEARER_GRANT_REFRESH_TOKEN);
  gtk_widget_set_visible (GTK_WIDGET (self->username_row), grant == BEARER_GRANT_PASSWORD);
  gtk_widget_set_visible (GTK_WIDGET (self->password_row), grant == BEARER_GRANT_PASSWORD);
  gtk_widget_set_visible (GTK_WIDGET (self->client_secret_row), !public_client);
}

static void
set_row_problem (GtkWidget  *row,
                 const char *style,
                 const char *problem)
{
  gtk_widget_remove_css_class (row, "error");
  gtk_widget_remove_css_class (row, "warning");
  if (style != NULL)
    gtk_widget_add_css_class (row, style);
  gtk_widget_set_tooltip_text (row, problem);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, problem != NULL ? problem : "",
                                  -1);
}

static void
validate_url (BearerProfilePage *self)
{
  GtkWidget *row = GTK_WIDGET (self->url_row);

  switch (bearer_check_token_url (entry_text (self->url_row),
                                  gtk_switch_get_active (self->insecure_switch)))
    {
    case BEARER_URL_INVALID:
      set_row_problem (row, "error",
                       _("Not a URL: type the whole address, starting with https://"));
      break;
    case BEARER_URL_INSECURE:
      set_row_problem (row, "warning",
                       _("Plain HTTP sends your secrets unencrypted. Bearer refuses it unless "
                         "“Allow plain HTTP” is on in Advanced Options"));
      break;
    case BEARER_URL_OK:
    case BEARER_URL_EMPTY:
    default:
      set_row_problem (row, NULL, NULL);
      break;
    }
}

static void
update_ca_row (BearerProfilePage *self)
{
  const char *ca_file = bearer_profile_get_ca_file (self->draft);

  adw_action_row_set_subtitle (self->ca_row, ca_file != NULL
                                             ? ca_file
                                             : _("Only the system’s certificates are trusted"));
  gtk_widget_set_visible (self->ca_clear_button, ca_file != NULL);
}

/* ---- the form into the draft --------------------------------------------- */

static const char *
row_property (gpointer row)
{
  return g_object_get_data (G_OBJECT (row), "bearer-property");
}

static void
text_row_changed_cb (GtkEditable       *editable,
                     BearerProfilePage *self)
{
  const char *text = gtk_editable_get_text (editable);

  if (self->filling)
    return;

  if (editable == GTK_EDITABLE (self->name_row))
    {
      g_autofree char *name = g_strstrip (g_strdup (text));

      if (*name == '\0')
        {
          /* Keep the old name until there is a new one. */
          set_row_problem (GTK_WIDGET (self->name_row), "error", _("A connection needs a name"));
          return;
        }
      set_row_problem (GTK_WIDGET (self->name_row), NULL, NULL);
      bearer_profile_set_name (self->draft, name);
      return;
    }

  g_object_set (self->draft, row_property (editable), text, NULL);
  if (editable == GTK_EDITABLE (self->url_row))
    validate_url (self);
}

static void
secret_row_changed_cb (GtkEditable       *editable,
                       BearerProfilePage *self)
{
  BearerSecretKind kind = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (editable),
                                                               "bearer-secret"));

  if (self->filling)
    return;

  if (kind == BEARER_SECRET_REFRESH_TOKEN)
    {
      /* A new refresh token is a new sign-in. */
      gtk_widget_remove_css_class (GTK_WIDGET (self->refresh_token_row), "error");
      self->needs_sign_in = FALSE;
    }
  bearer_profile_editor_set_secret (self->editor, kind, gtk_editable_get_text (editable));
}

static void
grant_selected_cb (BearerProfilePage *self)
{
  update_visible_rows (self);
  if (!self->filling)
    bearer_profile_set_grant_type (self->draft, selected_grant (self));
}

static void
client_auth_selected_cb (BearerProfilePage *self)
{
  update_visible_rows (self);
  if (!self->filling)
    bearer_profile_set_client_auth (self->draft,
                                    (BearerClientAuth) adw_combo_row_get_selected (self->client_auth_row));
}

static void
json_toggled_cb (BearerProfilePage *self)
{
  if (!self->filling)
    bearer_profile_set_body_encoding (self->draft, gtk_switch_get_active (self->json_switch)
                                                   ? BEARER_BODY_JSON : BEARER_BODY_FORM);
}

static void
insecure_toggled_cb (BearerProfilePage *self)
{
  validate_url (self);
  if (!self->filling)
    bearer_profile_set_allow_insecure_http (self->draft, gtk_switch_get_active (self->insecure_switch));
}

static void schedule_auto_refresh (BearerProfilePage *self);

static void
auto_refresh_toggled_cb (BearerProfilePage *self)
{
  if (self->filling)
    return;
  bearer_profile_set_auto_refresh (self->draft, gtk_switch_get_active (self->auto_refresh_switch));
  schedule_auto_refresh (self);
}

static void
margin_changed_cb (BearerProfilePage *self)
{
  if (self->filling)
    return;
  bearer_profile_set_refresh_margin (self->draft, gtk_spin_button_get_value_as_int (self->margin_spin));
  schedule_auto_refresh (self);
}

static void
ca_clear_clicked_cb (BearerProfilePage *self)
{
  bearer_profile_set_ca_file (self->draft, NULL);
  update_ca_row (self);
}

static void
ca_chooser_response_cb (BearerProfilePage *self,
                        int                response)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (self->ca_chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        {
          bearer_profile_set_ca_file (self->draft, path);
          update_ca_row (self);
        }
    }
  g_clear_object (&self->ca_chooser);
}

static void
ca_choose_clicked_cb (BearerProfilePage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (self->ca_chooser != NULL)
    return;

  /* GtkFileDialog is GTK 4.10; the native chooser uses the portal in Flatpak. */
  chooser = gtk_file_chooser_native_new (_("Choose a CA Certificate"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Select"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("PEM certificates"));
  gtk_file_filter_add_pattern (filter, "*.pem");
  gtk_file_filter_add_pattern (filter, "*.crt");
  gtk_file_filter_add_pattern (filter, "*.cer");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect_swapped (chooser, "response", G_CALLBACK (ca_chooser_response_cb), self);
  self->ca_chooser = GTK_NATIVE_DIALOG (chooser);
  gtk_native_dialog_show (self->ca_chooser);
}

/* ---- extra parameters ---------------------------------------------------- */

static void
parameters_changed_cb (BearerProfilePage *self)
{
  if (self->filling)
    return;

  g_object_freeze_notify (G_OBJECT (self->draft));
  bearer_profile_clear_parameters (self->draft);
  for (guint i = 0; i < self->parameter_rows->len; i++)
    {
      BearerParameterRow *row = g_ptr_array_index (self->parameter_rows, i);
      const char *name = bearer_parameter_row_get_name (row);

      /* A row without a name yet is not a parameter yet. */
      if (name != NULL && *name != '\0')
        bearer_profile_add_parameter (self->draft, bearer_parameter_row_get_location (row),
                                      name, bearer_parameter_row_get_value (row));
    }
  g_object_thaw_notify (G_OBJECT (self->draft));
}

static void
parameter_remove_cb (BearerProfilePage  *self,
                     BearerParameterRow *row)
{
  adw_expander_row_remove (self->advanced_row, GTK_WIDGET (row));
  g_ptr_array_remove (self->parameter_rows, row);
  parameters_changed_cb (self);
}

static BearerParameterRow *
add_parameter_row (BearerProfilePage   *self,
                   BearerParamLocation  location,
                   const char          *name,
                   const char          *value)
{
  GtkWidget *row = bearer_parameter_row_new (location, name, value);

  g_signal_connect_object (row, "changed", G_CALLBACK (parameters_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (row, "remove", G_CALLBACK (parameter_remove_cb), self,
                           G_CONNECT_SWAPPED);
  adw_expander_row_add_row (self->advanced_row, row);
  g_ptr_array_add (self->parameter_rows, g_object_ref (row));
  return BEARER_PARAMETER_ROW (row);
}

static void
add_parameter_clicked_cb (BearerProfilePage *self)
{
  bearer_parameter_row_focus (add_parameter_row (self, BEARER_PARAM_BODY, NULL, NULL));
}

/* ---- the draft into the form (once, when the page opens) ----------------- */

static void
fill_form (BearerProfilePage *self)
{
  BearerProfile *p = self->draft;
  BearerGrantType grant = bearer_profile_get_grant_type (p);

  self->filling = TRUE;

  gtk_editable_set_text (GTK_EDITABLE (self->name_row), bearer_profile_get_name (p));
  /* A browser sign-in is kept alive with its refresh token. */
  adw_combo_row_set_selected (self->grant_row, grant == BEARER_GRANT_CLIENT_CREDENTIALS ? 1
                                               : grant == BEARER_GRANT_PASSWORD ? 2 : 0);
  gtk_editable_set_text (GTK_EDITABLE (self->url_row), bearer_profile_get_token_url (p) ?: "");
  gtk_editable_set_text (GTK_EDITABLE (self->username_row), bearer_profile_get_username (p) ?: "");
  gtk_editable_set_text (GTK_EDITABLE (self->client_id_row), bearer_profile_get_client_id (p) ?: "");
  gtk_editable_set_text (GTK_EDITABLE (self->scope_row), bearer_profile_get_scope (p) ?: "");
  gtk_editable_set_text (GTK_EDITABLE (self->audience_row), bearer_profile_get_audience (p) ?: "");
  gtk_editable_set_text (GTK_EDITABLE (self->resource_row), bearer_profile_get_resource (p) ?: "");
  adw_combo_row_set_selected (self->client_auth_row, bearer_profile_get_client_auth (p));
  gtk_switch_set_active (self->json_switch, bearer_profile_get_body_encoding (p) == BEARER_BODY_JSON);
  gtk_switch_set_active (self->insecure_switch, bearer_profile_get_allow_insecure_http (p));
  gtk_switch_set_active (self->auto_refresh_switch, bearer_profile_get_auto_refresh (p));
  gtk_spin_button_set_value (self->margin_spin, bearer_profile_get_refresh_margin (p));

  for (guint i = 0; i < bearer_profile_get_n_parameters (p); i++)
    {
      BearerParamLocation location;
      const char *name, *value;

      bearer_profile_get_parameter (p, i, &location, &name, &value);
      add_parameter_row (self, location, name, value);
    }

  self->filling = FALSE;

  update_visible_rows (self);
  update_ca_row (self);
  validate_url (self);
}

/* ---- errors -------------------------------------------------------------- */

static const char *
keyring_title (const GError *error)
{
  switch (error->code)
    {
    case BEARER_KEYRING_ERROR_UNAVAILABLE:
      return _("Bearer needs a keyring");
    case BEARER_KEYRING_ERROR_LOCKED:
      return _("The keyring is locked");
    case BEARER_KEYRING_ERROR_CORRUPT:
      return _("The keyring holds something Bearer cannot read");
    case BEARER_KEYRING_ERROR_FAILED:
    default:
      return _("The keyring failed");
    }
}

static const char *
error_title (const GError *error)
{
  if (error->domain == BEARER_KEYRING_ERROR)
    return keyring_title (error);
  if (error->domain != BEARER_ERROR)
    return _("Could not get a token");

  switch ((BearerError) error->code)
    {
    case BEARER_ERROR_INVALID_REQUEST:
    case BEARER_ERROR_INVALID_CLIENT:
    case BEARER_ERROR_INVALID_GRANT:
    case BEARER_ERROR_UNAUTHORIZED_CLIENT:
    case BEARER_ERROR_UNSUPPORTED_GRANT_TYPE:
    case BEARER_ERROR_INVALID_SCOPE:
    case BEARER_ERROR_OAUTH_OTHER:
      return _("The server refused the request");
    case BEARER_ERROR_HTTP_STATUS:
    case BEARER_ERROR_HTML_PAGE:
    case BEARER_ERROR_EMPTY_BODY:
    case BEARER_ERROR_MALFORMED_JSON:
    case BEARER_ERROR_NOT_AN_OBJECT:
    case BEARER_ERROR_NO_ACCESS_TOKEN:
    case BEARER_ERROR_WRONG_TYPE:
    case BEARER_ERROR_BODY_TOO_LARGE:
      return _("The server did not answer with a token");
    case BEARER_ERROR_REDIRECT:
      return _("The token URL redirects elsewhere");
    case BEARER_ERROR_TLS:
      return _("The secure connection failed");
    case BEARER_ERROR_NAME_RESOLUTION:
      return _("The server’s name is unknown");
    case BEARER_ERROR_CONNECTION_REFUSED:
      return _("The server refused the connection");
    case BEARER_ERROR_TIMED_OUT:
      return _("The server took too long to answer");
    case BEARER_ERROR_CONNECTION_FAILED:
      return _("The connection failed");
    case BEARER_ERROR_INVALID_URL:
    case BEARER_ERROR_INSECURE_URL:
      return _("Check the access token URL");
    case BEARER_ERROR_MISSING_PARAMETER:
      return _("Something is missing");
    case BEARER_ERROR_INVALID_PARAMETER:
      return _("Check the extra parameters");
    case BEARER_ERROR_CA_FILE:
      return _("The CA certificate cannot be used");
    default:
      return _("Could not get a token");
    }
}

/* The exchange, with placeholders for every secret. The core does not keep
 * the raw reply of a failed request, so the answer is what it parsed. */
static char *
describe_exchange (BearerProfilePage *self,
                   const GError      *error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *command = bearer_curl_command (self->draft, NULL, NULL, NULL, FALSE);
  const struct { const char *name; const char *value; } fields[] = {
    { "error", bearer_error_get_oauth_code (error) },
    { "error_description", bearer_error_get_description (error) },
    { "hint", bearer_error_get_hint (error) },
    { "message", bearer_error_get_server_message (error) },
    { "error_uri", bearer_error_get_uri (error) },
    { "Location", bearer_error_get_redirect_location (error) },
  };
  guint status = bearer_error_get_http_status (error);

  if (error->domain != BEARER_ERROR)
    return NULL;

  g_string_append_printf (text, "%s\n%s\n\n%s\n", _("The request, secrets replaced:"), command,
                          _("The answer:"));
  if (status != 0)
    g_string_append_printf (text, "HTTP %u\n", status);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (fields[i].value != NULL)
      g_string_append_printf (text, "%s: %s\n", fields[i].name, fields[i].value);
  if (status == 0 && bearer_error_get_oauth_code (error) == NULL)
    g_string_append_printf (text, "%s\n", _("(no answer from the server)"));

  return bearer_redact (text->str, NULL);
}

static gboolean
focus_cb (gpointer user_data)
{
  BearerProfilePage *self = user_data;
  GtkWidget *row = g_object_get_data (G_OBJECT (self), "bearer-focus");

  self->focus_id = 0;
  if (row != NULL && gtk_widget_get_visible (row))
    gtk_widget_grab_focus (row);
  return G_SOURCE_REMOVE;
}

/* Focuses @row once the banner has taken its place, so that the page
 * scrolls to it. */
static void
focus_later (BearerProfilePage *self,
             GtkWidget         *row)
{
  g_object_set_data (G_OBJECT (self), "bearer-focus", row);
  g_clear_handle_id (&self->focus_id, g_source_remove);
  self->focus_id = g_timeout_add (250, focus_cb, self);
}

static void
state_read_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(BearerSecrets) secrets = bearer_secrets_lookup_finish (result, NULL);
  BearerProfilePage *self;

  /* NULL: cancelled (the page is gone), or the keyring failed: nothing to tell. */
  if (secrets == NULL)
    return;

  self = BEARER_PROFILE_PAGE (user_data);
  if (bearer_secrets_get_access_token (secrets) != NULL)
    bearer_token_view_set_token (self->token_view, secrets, NULL, TRUE);
  g_signal_emit (self, signals[TOKEN_CHANGED], 0, secrets);
}

static void
show_error (BearerProfilePage *self,
            const GError      *error)
{
  g_autofree char *details = describe_exchange (self, error);
  const char *title = error_title (error);

  if (bearer_error_is_dead_refresh_token (error))
    {
      title = g_error_matches (error, BEARER_ERROR, BEARER_ERROR_MISSING_PARAMETER)
              ? _("Paste a refresh token first")
              : _("Sign in again: paste a new refresh token");
      self->needs_sign_in = TRUE;
      gtk_widget_add_css_class (GTK_WIDGET (self->refresh_token_row), "error");
      focus_later (self, GTK_WIDGET (self->refresh_token_row));
      /* The core marked it in the keyring: the sidebar says so too. */
      bearer_secrets_lookup_async (bearer_profile_get_id (self->profile), self->cancellable,
                                   state_read_cb, self);
    }
  else if (g_error_matches (error, BEARER_ERROR, BEARER_ERROR_INVALID_URL) ||
           g_error_matches (error, BEARER_ERROR, BEARER_ERROR_INSECURE_URL))
    focus_later (self, GTK_WIDGET (self->url_row));

  self->banner_shows_save_error = FALSE;
  bearer_error_banner_show (self->banner, BEARER_BANNER_ERROR, title, error->message,
                            bearer_error_get_http_status (error), bearer_error_get_uri (error),
                            details);
}

/* ---- the token ----------------------------------------------------------- */

static void
remember_secrets (BearerProfilePage   *self,
                  const BearerSecrets *secrets)
{
  self->expires_at = bearer_secrets_get_access_token (secrets) != NULL
                     ? bearer_secrets_get_expires_at (secrets) : -1;
  self->has_refresh_token = bearer_secrets_get_refresh_token (secrets) != NULL;
  self->needs_sign_in = bearer_secrets_get_needs_sign_in (secrets);
}

static void arm_auto_refresh (BearerProfilePage *self);

static gboolean
auto_refresh_cb (gpointer user_data)
{
  BearerProfilePage *self = user_data;

  self->auto_refresh_id = 0;
  if (now_seconds () < self->auto_refresh_due)
    arm_auto_refresh (self);  /* a slice of a long wait */
  else if (!self->running)
    start_refresh (self, FALSE);
  return G_SOURCE_REMOVE;
}

static void
arm_auto_refresh (BearerProfilePage *self)
{
  gint64 wait = CLAMP (self->auto_refresh_due - now_seconds (), 1, AUTO_REFRESH_MAX_DELAY);

  self->auto_refresh_id = g_timeout_add_seconds ((guint) wait, auto_refresh_cb, self);
  g_source_set_name_by_id (self->auto_refresh_id, "[bearer] auto-refresh");
}

static void
schedule_auto_refresh (BearerProfilePage *self)
{
  gint64 now = now_seconds ();

  g_clear_handle_id (&self->auto_refresh_id, g_source_remove);

  if (self->disposed || !bearer_profile_get_auto_refresh (self->draft) ||
      self->expires_at <= 0 || self->needs_sign_in ||
      (selected_grant (self) == BEARER_GRANT_REFRESH_TOKEN && !self->has_refresh_token))
    return;

  /* The margin before expiry; a token that lives less than the margin is
   * refreshed halfway through its life, not over and over. */
  self->auto_refresh_due = self->expires_at - bearer_profile_get_refresh_margin (self->draft);
  if (self->auto_refresh_due - now < AUTO_REFRESH_MIN_DELAY)
    self->auto_refresh_due = now + MAX (AUTO_REFRESH_MIN_DELAY, (self->expires_at - now) / 2);
  arm_auto_refresh (self);
}

static void
show_token (BearerProfilePage   *self,
            const BearerSecrets *secrets,
            BearerTokenResponse *response,
            gboolean             stored)
{
  remember_secrets (self, secrets);
  bearer_token_view_set_token (self->token_view, secrets, response, stored);
  gtk_widget_set_visible (GTK_WIDGET (self->token_view), bearer_token_view_has_token (self->token_view));

  /* A rotated refresh token replaces the old one in the form, unless the
   * user is typing a new one. */
  if (!bearer_profile_editor_has_secret (self->editor, BEARER_SECRET_REFRESH_TOKEN) ||
      g_strcmp0 (bearer_profile_editor_get_secret (self->editor, BEARER_SECRET_REFRESH_TOKEN),
                 entry_text (self->refresh_token_row)) == 0)
    set_entry_text (self, self->refresh_token_row, bearer_secrets_get_refresh_token (secrets));

  schedule_auto_refresh (self);
  g_signal_emit (self, signals[TOKEN_CHANGED], 0, secrets);
}

static void
set_running (BearerProfilePage *self,
             gboolean           running)
{
  self->running = running;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.get-token", !running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.cancel", running);
  gtk_widget_set_visible (self->cancel_button, running);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), running);
  gtk_spinner_set_spinning (self->spinner, running);
}

static void
show_store_failure (BearerProfilePage   *self,
                    BearerRefreshResult *result)
{
  const GError *store_error = bearer_refresh_result_get_store_error (result);
  g_autofree char *message = NULL;

  if (bearer_refresh_result_get_kept_aside (result))
    /* Translators: %s is the keyring’s explanation, without a final period. */
    message = g_strdup_printf (_("%s. Until it does, they are kept in a private temporary "
                                 "folder (in memory, emptied when you log out), and the next "
                                 "refresh of this connection moves them in once the keyring is "
                                 "unlocked."), store_error->message);
  else
    /* Translators: %s is the keyring’s explanation, without a final period. */
    message = g_strdup_printf (_("%s. The tokens are shown below and nowhere else: copy the "
                                 "refresh token before you close Bearer."), store_error->message);
  self->banner_shows_save_error = FALSE;
  bearer_error_banner_show (self->banner, BEARER_BANNER_WARNING,
                            _("The new tokens could not be saved in your keyring"),
                            message, 0, NULL, NULL);
}

static void
refresh_finished (BearerProfilePage   *self,
                  BearerRefreshResult *result,
                  const GError        *error,
                  gboolean             forced)
{
  const GError *store_error;

  set_running (self, FALSE);
  g_clear_object (&self->refresh_cancellable);

  if (result == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          set_status (self, _("Cancelled"));
          return;
        }
      set_status (self, NULL);
      show_error (self, error);
      return;
    }

  store_error = bearer_refresh_result_get_store_error (result);
  show_token (self, bearer_refresh_result_get_secrets (result),
              bearer_refresh_result_get_response (result), store_error == NULL);

  if (store_error != NULL)
    show_store_failure (self, result);
  else
    bearer_error_banner_hide (self->banner);

  if (bearer_refresh_result_get_from_other_process (result))
    set_status (self, _("Another Bearer had just refreshed this token"));
  else if (!bearer_refresh_result_get_from_server (result))
    set_status (self, _("The stored token is still valid"));
  else if (forced)
    set_status (self, NULL);
  else
    set_status (self, _("Refreshed automatically"));

  if (forced)
    bearer_token_view_focus_copy (self->token_view);
}

/* One Get New Access Token or automatic refresh. Cancel detaches it from
 * the page: until its request has reached the server it stops at once;
 * after that the core still reads and stores the answer (a rotated refresh
 * token exists nowhere else), and the application stays alive until it
 * has. */
typedef struct _Refresh {
  BearerProfilePage *self;
  GCancellable *cancellable;
  GApplication *application;    /* held while the refresh runs */
  gboolean forced;
  gboolean detached;            /* Cancel was pressed, or the page went away */
} Refresh;

static Refresh *
refresh_new (BearerProfilePage *self,
             gboolean           forced)
{
  Refresh *r = g_new0 (Refresh, 1);

  r->self = g_object_ref (self);
  r->cancellable = g_cancellable_new ();
  r->forced = forced;
  r->application = g_application_get_default ();
  if (r->application != NULL)
    {
      g_object_ref (r->application);
      g_application_hold (r->application);
    }
  return r;
}

static void
refresh_free (Refresh *r)
{
  if (r->self->refresh == r)
    r->self->refresh = NULL;
  g_object_unref (r->self);
  g_object_unref (r->cancellable);
  if (r->application != NULL)
    {
      g_application_release (r->application);
      g_object_unref (r->application);
    }
  g_free (r);
}

/* The answer to a refresh that Cancel detached from the page. */
static void
detached_refresh_finished (BearerProfilePage   *self,
                           BearerRefreshResult *result,
                           const GError        *error)
{
  if (result == NULL)
    {
      /* The spent refresh token was refused: that is news. A cancelled
       * request, or another failure nobody waits for any more, is not. */
      if (bearer_error_is_dead_refresh_token (error))
        show_error (self, error);
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("A cancelled refresh failed: %s", error->message);
      return;
    }

  show_token (self, bearer_refresh_result_get_secrets (result),
              bearer_refresh_result_get_response (result),
              bearer_refresh_result_get_store_error (result) == NULL);
  if (bearer_refresh_result_get_store_error (result) != NULL)
    show_store_failure (self, result);
  if (!self->running)
    set_status (self, _("Cancelled — the server’s answer was still saved"));
}

static void
refreshed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Refresh *r = user_data;
  g_autoptr(BearerRefreshResult) refresh_result = NULL;
  g_autoptr(GError) error = NULL;

  refresh_result = bearer_refresh_finish (result, &error);
  if (r->self->disposed)
    ;
  else if (r->detached)
    detached_refresh_finished (r->self, refresh_result, error);
  else
    refresh_finished (r->self, refresh_result, error, r->forced);
  refresh_free (r);
}

static void
flushed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Refresh *r = user_data;
  BearerProfilePage *self = r->self;
  g_autoptr(GError) error = NULL;

  if (!bearer_profile_editor_flush_finish (BEARER_PROFILE_EDITOR (source), result, &error) ||
      self->disposed || g_cancellable_set_error_if_cancelled (r->cancellable, &error))
    {
      if (!self->disposed && !r->detached)
        refresh_finished (self, NULL, error, r->forced);
      refresh_free (r);
      return;
    }

  bearer_refresh_async (self->draft,
                        r->forced ? BEARER_REFRESH_FORCE : BEARER_REFRESH_NONE,
                        bearer_profile_get_refresh_margin (self->draft) + AUTO_REFRESH_SLACK,
                        r->cancellable, refreshed_cb, r);
}

static void
start_refresh (BearerProfilePage *self,
               gboolean           forced)
{
  Refresh *r;

  /* One request at a time: a second click never sends a second request. */
  if (self->running || self->disposed)
    return;

  g_clear_handle_id (&self->auto_refresh_id, g_source_remove);
  set_running (self, TRUE);
  set_status (self, forced ? _("Asking the server…") : _("Refreshing automatically…"));
  if (!self->banner_shows_save_error)
    bearer_error_banner_hide (self->banner);

  r = refresh_new (self, forced);
  self->refresh = r;
  g_set_object (&self->refresh_cancellable, r->cancellable);
  /* What was typed is saved first: the refresh reads the keyring. */
  bearer_profile_editor_flush_async (self->editor, flushed_cb, r);
}

/* Cancel: the page is free at once; the refresh goes on alone if its
 * request has reached the server (see Refresh). */
static void
detach_refresh (BearerProfilePage *self)
{
  Refresh *r = self->refresh;

  if (r == NULL)
    return;

  r->detached = TRUE;
  self->refresh = NULL;
  g_cancellable_cancel (r->cancellable);
  g_clear_object (&self->refresh_cancellable);
  if (!self->disposed)
    {
      set_running (self, FALSE);
      set_status (self, _("Cancelled"));
    }
}

static void
secrets_loaded (BearerProfilePage *self,
                BearerSecrets     *secrets,
                const GError      *error)
{
  if (secrets == NULL)
    {
      bearer_error_banner_show (self->banner, BEARER_BANNER_ERROR, keyring_title (error),
                                error->message, 0, NULL, NULL);
      return;
    }

  /* What the user already typed wins over what the keyring holds. */
  if (!bearer_profile_editor_has_secret (self->editor, BEARER_SECRET_CLIENT_SECRET))
    set_entry_text (self, self->client_secret_row, bearer_secrets_get_client_secret (secrets));
  if (!bearer_profile_editor_has_secret (self->editor, BEARER_SECRET_PASSWORD))
    set_entry_text (self, self->password_row, bearer_secrets_get_password (secrets));
  if (!bearer_profile_editor_has_secret (self->editor, BEARER_SECRET_REFRESH_TOKEN))
    set_entry_text (self, self->refresh_token_row, bearer_secrets_get_refresh_token (secrets));

  if (bearer_secrets_get_access_token (secrets) != NULL)
    show_token (self, secrets, NULL, TRUE);
  else
    remember_secrets (self, secrets);

  if (self->needs_sign_in && selected_grant (self) == BEARER_GRANT_REFRESH_TOKEN)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->refresh_token_row), "error");
      bearer_error_banner_show (self->banner, BEARER_BANNER_ERROR,
                                _("Sign in again: paste a new refresh token"),
                                _("The server refused this connection’s refresh token."),
                                0, NULL, NULL);
    }
}

static void
secrets_loaded_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(GError) error = NULL;

  secrets = bearer_secrets_lookup_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;  /* the page is gone */

  secrets_loaded (BEARER_PROFILE_PAGE (user_data), secrets, error);
}

static void
keep_secrets (BearerSecrets *secrets,
              gpointer       user_data)
{
}

static void
pending_moved_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(GError) error = NULL;
  BearerProfilePage *self;

  secrets = bearer_profile_update_secrets_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;  /* the page is gone */

  self = BEARER_PROFILE_PAGE (user_data);
  if (secrets != NULL)
    show_toast (self, _("The new tokens the keyring had refused earlier are now saved in it"));
  secrets_loaded (self, secrets, error);
}

/* The keyring's secrets for the form; tokens it refused earlier (kept
 * aside by the core) are moved into it first, under the profile's lock. */
static void
load_secrets (BearerProfilePage *self)
{
  if (bearer_profile_has_pending_tokens (self->profile))
    bearer_profile_update_secrets_async (self->profile, keep_secrets, NULL, NULL, self->cancellable,
                                         pending_moved_cb, self);
  else
    bearer_secrets_lookup_async (bearer_profile_get_id (self->profile), self->cancellable,
                                 secrets_loaded_cb, self);
}

/* ---- saving -------------------------------------------------------------- */

static void
profile_saved_cb (BearerProfilePage *self)
{
  set_row_problem (GTK_WIDGET (self->name_row), NULL, NULL);
  if (self->banner_shows_save_error)
    {
      self->banner_shows_save_error = FALSE;
      bearer_error_banner_hide (self->banner);
    }
}

static void
profile_save_failed_cb (BearerProfilePage *self,
                        const GError      *error)
{
  if (g_error_matches (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_DUPLICATE_NAME))
    set_row_problem (GTK_WIDGET (self->name_row), "error", error->message);

  self->banner_shows_save_error = TRUE;
  bearer_error_banner_show (self->banner, BEARER_BANNER_WARNING,
                            _("Your changes are not saved yet"), error->message, 0, NULL, NULL);
}

static void
secrets_save_failed_cb (BearerProfilePage *self,
                        const GError      *error)
{
  g_autofree char *message = g_strdup_printf (_("%s. What you typed stays in the form."),
                                              error->message);

  self->banner_shows_save_error = TRUE;
  bearer_error_banner_show (self->banner, BEARER_BANNER_ERROR, keyring_title (error),
                            message, 0, NULL, NULL);
}

/* ---- actions ------------------------------------------------------------- */

static void
copy_curl (BearerProfilePage *self,
           gboolean           with_secrets)
{
  g_autofree char *command = bearer_curl_command (self->draft,
                                                  entry_text (self->client_secret_row),
                                                  entry_text (self->refresh_token_row),
                                                  entry_text (self->password_row),
                                                  with_secrets);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), command);
  if (with_secrets)
    bearer_secret_free (g_steal_pointer (&command));
  show_toast (self, with_secrets ? _("Copied cURL command, with secrets")
                                 : _("Copied cURL command"));
}

static void
page_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  BearerProfilePage *self = BEARER_PROFILE_PAGE (widget);

  if (g_str_equal (action_name, "page.get-token"))
    bearer_profile_page_get_token (self);
  else if (g_str_equal (action_name, "page.cancel"))
    bearer_profile_page_cancel (self);
  else if (g_str_equal (action_name, "page.copy-curl"))
    copy_curl (self, FALSE);
  else if (g_str_equal (action_name, "page.copy-curl-secrets"))
    copy_curl (self, TRUE);
}

/* ---- the object ---------------------------------------------------------- */

/* libadwaita 1.2 leaves some buttons of its own without an accessible name
 * (a password row's eye, a split button's arrow): name them. */
static void
name_inner_buttons (GtkWidget  *widget,
                    GType       type,
                    const char *label)
{
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      if (G_TYPE_CHECK_INSTANCE_TYPE (c, type))
        gtk_accessible_update_property (GTK_ACCESSIBLE (c), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      name_inner_buttons (c, type, label);
    }
}

static void
connect_text_row (BearerProfilePage *self,
                  AdwEntryRow       *row,
                  const char        *property)
{
  g_object_set_data (G_OBJECT (row), "bearer-property", (gpointer) property);
  g_signal_connect (row, "changed", G_CALLBACK (text_row_changed_cb), self);
}

static void
connect_secret_row (BearerProfilePage *self,
                    AdwEntryRow       *row,
                    BearerSecretKind   kind)
{
  g_object_set_data (G_OBJECT (row), "bearer-secret", GUINT_TO_POINTER (kind));
  g_signal_connect (row, "changed", G_CALLBACK (secret_row_changed_cb), self);
}

static void
bearer_profile_page_constructed (GObject *object)
{
  BearerProfilePage *self = BEARER_PROFILE_PAGE (object);

  G_OBJECT_CLASS (bearer_profile_page_parent_class)->constructed (object);

  g_assert (self->store != NULL && self->profile != NULL);
  self->editor = bearer_profile_editor_new (self->store, self->profile);
  self->draft = bearer_profile_editor_get_draft (self->editor);
  g_signal_connect_object (self->editor, "profile-saved",
                           G_CALLBACK (profile_saved_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->editor, "profile-save-failed",
                           G_CALLBACK (profile_save_failed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->editor, "secrets-save-failed",
                           G_CALLBACK (secrets_save_failed_cb), self, G_CONNECT_SWAPPED);

  fill_form (self);

  connect_text_row (self, self->name_row, "name");
  connect_text_row (self, self->url_row, "token-url");
  connect_text_row (self, self->username_row, "username");
  connect_text_row (self, self->client_id_row, "client-id");
  connect_text_row (self, self->scope_row, "scope");
  connect_text_row (self, self->audience_row, "audience");
  connect_text_row (self, self->resource_row, "resource");
  connect_secret_row (self, self->refresh_token_row, BEARER_SECRET_REFRESH_TOKEN);
  connect_secret_row (self, self->client_secret_row, BEARER_SECRET_CLIENT_SECRET);
  connect_secret_row (self, self->password_row, BEARER_SECRET_PASSWORD);

  name_inner_buttons (GTK_WIDGET (self->refresh_token_row), GTK_TYPE_BUTTON,
                      _("Show or hide the refresh token"));
  name_inner_buttons (GTK_WIDGET (self->client_secret_row), GTK_TYPE_BUTTON,
                      _("Show or hide the client secret"));
  name_inner_buttons (GTK_WIDGET (self->password_row), GTK_TYPE_BUTTON,
                      _("Show or hide the password"));
  name_inner_buttons (GTK_WIDGET (self->curl_button), GTK_TYPE_MENU_BUTTON, _("More ways to copy"));
  /* AdwComboRow 1.2 is both labelled and labelled-by its title: GTK 4.8
   * reads the name twice ("Grant type Grant type"). */
  gtk_accessible_reset_relation (GTK_ACCESSIBLE (self->grant_row), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
  gtk_accessible_reset_relation (GTK_ACCESSIBLE (self->client_auth_row), GTK_ACCESSIBLE_RELATION_LABELLED_BY);

  load_secrets (self);
}

static void
bearer_profile_page_dispose (GObject *object)
{
  BearerProfilePage *self = BEARER_PROFILE_PAGE (object);
  GtkWidget *child;

  if (!self->disposed)
    {
      self->disposed = TRUE;
      g_cancellable_cancel (self->cancellable);
      detach_refresh (self);
      g_clear_handle_id (&self->auto_refresh_id, g_source_remove);
      g_clear_handle_id (&self->focus_id, g_source_remove);
      if (self->ca_chooser != NULL)
        {
          g_signal_handlers_disconnect_by_data (self->ca_chooser, self);
          gtk_native_dialog_destroy (self->ca_chooser);
          g_clear_object (&self->ca_chooser);
        }
      /* Whatever was typed is written, even as the page goes away. */
      if (self->editor != NULL)
        bearer_profile_editor_flush (self->editor);
    }

  if (self->parameter_rows != NULL)
    g_ptr_array_set_size (self->parameter_rows, 0);
  gtk_widget_dispose_template (GTK_WIDGET (object), BEARER_TYPE_PROFILE_PAGE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (bearer_profile_page_parent_class)->dispose (object);
}

static void
bearer_profile_page_finalize (GObject *object)
{
  BearerProfilePage *self = BEARER_PROFILE_PAGE (object);

  g_clear_object (&self->editor);
  g_clear_object (&self->profile);
  g_clear_object (&self->store);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->refresh_cancellable);
  g_clear_pointer (&self->parameter_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (bearer_profile_page_parent_class)->finalize (object);
}

static void
bearer_profile_page_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  BearerProfilePage *self = BEARER_PROFILE_PAGE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_PROFILE:
      g_value_set_object (value, self->profile);
      break;
    case PROP_DRAFT:
      g_value_set_object (value, self->draft);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bearer_profile_page_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  BearerProfilePage *self = BEARER_PROFILE_PAGE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_PROFILE:
      self->profile = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bearer_profile_page_class_init (BearerProfilePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = bearer_profile_page_constructed;
  object_class->dispose = bearer_profile_page_dispose;
  object_class->finalize = bearer_profile_page_finalize;
  object_class->get_property = bearer_profile_page_get_property;
  object_class->set_property = bearer_profile_page_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, BEARER_TYPE_PROFILE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, NULL, BEARER_TYPE_PROFILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DRAFT] =
    g_param_spec_object ("draft", NULL, NULL, BEARER_TYPE_PROFILE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * BearerProfilePage::token-changed:
   * @secrets: the profile's secrets as now stored
   *
   * Emitted when the page learnt of a new or different access token.
   */
  signals[TOKEN_CHANGED] =
    g_signal_new ("token-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, BEARER_TYPE_SECRETS);

  g_type_ensure (BEARER_TYPE_ERROR_BANNER);
  g_type_ensure (BEARER_TYPE_TOKEN_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "bearer-profile-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, banner);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, preferences);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, token_view);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, name_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, grant_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, url_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, refresh_token_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, username_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, password_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, client_id_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, client_secret_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, scope_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, client_auth_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, advanced_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, audience_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, resource_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, json_switch);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, ca_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, ca_clear_button);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, insecure_switch);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, auto_refresh_switch);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, margin_spin);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, status_label);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, spinner);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, get_button);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, add_parameter_button);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, curl_button);
  gtk_widget_class_bind_template_callback (widget_class, grant_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, client_auth_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, json_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, insecure_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, auto_refresh_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, margin_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, ca_clear_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, ca_choose_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, add_parameter_clicked_cb);

  gtk_widget_class_install_action (widget_class, "page.get-token", NULL, page_action_cb);
  gtk_widget_class_install_action (widget_class, "page.cancel", NULL, page_action_cb);
  gtk_widget_class_install_action (widget_class, "page.copy-curl", NULL, page_action_cb);
  gtk_widget_class_install_action (widget_class, "page.copy-curl-secrets", NULL, page_action_cb);
}

static void
bearer_profile_page_init (BearerProfilePage *self)
{
  self->cancellable = g_cancellable_new ();
  self->parameter_rows = g_ptr_array_new_with_free_func (g_object_unref);
  self->expires_at = -1;
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.cancel", FALSE);
}

/**
 * bearer_profile_page_new:
 * @store: where the profile lives
 * @profile: the store's profile
 *
 * Returns: (transfer floating): the page
 */
GtkWidget *
bearer_profile_page_new (BearerProfileStore *store,
                         BearerProfile      *profile)
{
  return g_object_new (BEARER_TYPE_PROFILE_PAGE, "store", store, "profile", profile, NULL);
}

/**
 * bearer_profile_page_get_profile:
 *
 * Returns: (transfer none): the store's profile (the form edits a draft of it)
 */
BearerProfile *
bearer_profile_page_get_profile (BearerProfilePage *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE_PAGE (self), NULL);
  return self->profile;
}

/**
 * bearer_profile_page_get_editor:
 *
 * Returns: (transfer none): the editor that saves what the form holds
 */
BearerProfileEditor *
bearer_profile_page_get_editor (BearerProfilePage *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE_PAGE (self), NULL);
  return self->editor;
}

/**
 * bearer_profile_page_get_token:
 *
 * Get New Access Token: saves what was typed, then asks the server (forced).
 * Does nothing while a request runs.
 */
void
bearer_profile_page_get_token (BearerProfilePage *self)
{
  g_return_if_fail (BEARER_IS_PROFILE_PAGE (self));
  start_refresh (self, TRUE);
}

void
bearer_profile_page_cancel (BearerProfilePage *self)
{
  g_return_if_fail (BEARER_IS_PROFILE_PAGE (self));

  detach_refresh (self);
}

gboolean
bearer_profile_page_get_running (BearerProfilePage *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE_PAGE (self), FALSE);
  return self->running;
}

void
bearer_profile_page_copy_header (BearerProfilePage *self)
{
  g_return_if_fail (BEARER_IS_PROFILE_PAGE (self));
  gtk_widget_activate_action (GTK_WIDGET (self->token_view), "token.copy-header", NULL);
}

/**
 * bearer_profile_page_set_name:
 *
 * Renames the connection, as if the user typed @name in the form.
 */
void
bearer_profile_page_set_name (BearerProfilePage *self,
                              const char        *name)
{
  g_return_if_fail (BEARER_IS_PROFILE_PAGE (self));
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name);
}

/**
 * bearer_profile_page_focus_first_empty:
 *
 * Moves the focus to the first field a new connection still needs.
 */
void
bearer_profile_page_focus_first_empty (BearerProfilePage *self)
{
  AdwEntryRow *rows[] = {
    self->url_row, self->refresh_token_row, self->username_row, self->password_row,
    self->client_id_row, self->client_secret_row,
  };

  g_return_if_fail (BEARER_IS_PROFILE_PAGE (self));

  /* No stale selection left by the focus passing through the name. */
  gtk_editable_select_region (GTK_EDITABLE (self->name_row), 0, 0);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    if (gtk_widget_get_visible (GTK_WIDGET (rows[i])) && *entry_text (rows[i]) == '\0')
      {
        gtk_widget_grab_focus (GTK_WIDGET (rows[i]));
        return;
      }
  gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
}
