/* bearer-new-connection-dialog.c: add a connection from a preset
 *
 * Choose a service (ProcessMaker first), type what it needs (an instance
 * name, a tenant, a realm…), see the token URL it makes, choose how tokens
 * are got (signing in with a browser or with a code, a refresh token one
 * has, or the app's own client credentials), and add. "OpenID Connect
 * Provider" takes an issuer instead: on Add its discovery document is
 * fetched (cancellable: the dialog's Cancel) and fills the addresses. The
 * new profile is added to the connection list (and so saved) at once; its
 * secrets are typed in its page. Emits ::profile-added with the new
 * profile's id.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "bearer-discovery.h"
#include "bearer-new-connection-dialog.h"
#include "bearer-presets.h"

/* The services offered: the core's presets, with "OpenID Connect Provider"
 * (no preset of its own: a generic profile filled by discovery) after the
 * generic one. */
#define OIDC_AFTER "generic"

/* How tokens can be got, in the order offered. */
static const struct {
  BearerGrantType grant;
  const char *title;
  const char *description;
} grant_choices[] = {
  { BEARER_GRANT_AUTHORIZATION_CODE, N_("Sign in with a browser"),
    N_("Bearer opens your browser to sign in; the app’s client ID is enough") },
  { BEARER_GRANT_DEVICE_CODE, N_("Sign in with a code on another device"),
    N_("You type a short code on a phone or another computer") },
  { BEARER_GRANT_REFRESH_TOKEN, N_("I have a refresh token"),
    N_("You paste a refresh token you already have") },
  { BEARER_GRANT_CLIENT_CREDENTIALS, N_("As the app itself (client credentials)"),
    N_("The app gets its own tokens with its client ID and secret; no user signs in") },
};

/* Services that have no client credentials grant. */
static const char * const no_client_credentials[] = { "google", "gitlab", NULL };

struct _BearerNewConnectionDialog
{
  AdwWindow parent_instance;

  AdwPreferencesPage *page;
  AdwComboRow *preset_row;
  AdwPreferencesGroup *server_group;
  AdwEntryRow *input_row;
  AdwEntryRow *realm_row;
  AdwActionRow *url_row;
  AdwPreferencesGroup *name_group;
  AdwEntryRow *name_row;
  AdwComboRow *grant_row;
  GtkLabel *error_label;
  GtkWidget *add_button;

  BearerConnectionList *connections;
  const BearerPreset **services; /* the presets, NULL for OpenID Connect */
  guint n_services;
  GtkStringList *grant_titles;
  BearerGrantType grants[G_N_ELEMENTS (grant_choices)]; /* those offered, in grant_row's order */
  char *token_url;              /* what the inputs make, or NULL */
  GCancellable *discovery;      /* while the issuer is asked */
  gboolean saving;
};

G_DEFINE_FINAL_TYPE (BearerNewConnectionDialog, bearer_new_connection_dialog, ADW_TYPE_WINDOW)

enum {
  PROFILE_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The service chosen is an OpenID Connect provider, known by its issuer. */
static gboolean
is_oidc (BearerNewConnectionDialog *self)
{
  guint i = adw_combo_row_get_selected (self->preset_row);

  return i < self->n_services && self->services[i] == NULL;
}

/* The preset chosen; the generic one for an OpenID Connect provider. */
static const BearerPreset *
selected_preset (BearerNewConnectionDialog *self)
{
  guint i = adw_combo_row_get_selected (self->preset_row);

  if (is_oidc (self))
    return bearer_preset_find (OIDC_AFTER);
  return self->services[i < self->n_services ? i : 0];
}

static BearerGrantType
selected_grant (BearerNewConnectionDialog *self)
{
  guint i = adw_combo_row_get_selected (self->grant_row);

  if (i >= g_list_model_get_n_items (G_LIST_MODEL (self->grant_titles)))
    return selected_preset (self)->grant_type;
  return self->grants[i];
}

static const char *
text_of (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

/* The name to use: the one typed, else one made from the inputs, made
 * unique among the connections. */
static char *
chosen_name (BearerNewConnectionDialog *self)
{
  g_autofree char *typed = g_strstrip (g_strdup (text_of (self->name_row)));
  g_autofree char *base = NULL;
  char *name;

  if (*typed != '\0')
    return g_steal_pointer (&typed);

  base = bearer_preset_suggest_name (selected_preset (self), text_of (self->input_row),
                                     text_of (self->realm_row));
  name = g_strdup (base);
  for (guint n = 2; bearer_connection_list_find (self->connections, name) != NULL; n++)
    {
      g_free (name);
      name = g_strdup_printf ("%s %u", base, n);
    }
  return name;
}

static void
update (BearerNewConnectionDialog *self)
{
  const BearerPreset *preset = selected_preset (self);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *name_hint = NULL;
  gboolean typed_name;
  gboolean ready;

  if (self->connections == NULL)
    return;  /* still being built */

  g_clear_pointer (&self->token_url, g_free);
  if (is_oidc (self))
    {
      /* The token URL comes from the issuer, on Add. */
      ready = bearer_check_token_url (text_of (self->input_row), TRUE) == BEARER_URL_OK;
      adw_preferences_group_set_description (self->server_group,
                                             _("Any server that publishes its addresses (OpenID Connect "
                                               "discovery): type its issuer, and Bearer asks it for the rest"));
      gtk_widget_set_visible (GTK_WIDGET (self->url_row), FALSE);
    }
  else
    {
      self->token_url = bearer_preset_build_token_url (preset, text_of (self->input_row),
                                                       text_of (self->realm_row), &error);
      ready = self->token_url != NULL;

      adw_preferences_group_set_description (self->server_group, _(preset->description));
      /* The URL it makes, else an example, else what is wrong. */
      if (self->token_url != NULL)
        adw_action_row_set_subtitle (self->url_row, self->token_url);
      else if (*text_of (self->input_row) == '\0' && preset->input_hint != NULL)
        adw_action_row_set_subtitle (self->url_row, _(preset->input_hint));
      else
        adw_action_row_set_subtitle (self->url_row, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->url_row), preset->input != BEARER_PRESET_INPUT_TOKEN_URL);
    }
  if (!ready && *text_of (self->input_row) != '\0')
    gtk_widget_add_css_class (GTK_WIDGET (self->input_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->input_row), "error");

  typed_name = *text_of (self->name_row) != '\0';
  name = chosen_name (self);
  name_hint = typed_name ? NULL : g_strdup_printf (_("Leave the name empty to call it “%s”"), name);
  adw_preferences_group_set_description (self->name_group, name_hint);
  if (bearer_connection_list_find (self->connections, name) != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->name_row), "error");
      gtk_label_set_text (self->error_label, _("Another connection already has this name"));
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->name_row), "error");
      gtk_label_set_text (self->error_label, "");
    }

  gtk_widget_set_sensitive (self->add_button, ready && !self->saving && self->discovery == NULL &&
                                              bearer_connection_list_find (self->connections, name) == NULL);
}

/* The choices the service offers, its usual one selected. */
static void
fill_grants (BearerNewConnectionDialog *self)
{
  const BearerPreset *preset = selected_preset (self);
  gboolean oidc = is_oidc (self);
  gboolean open = oidc || preset->input == BEARER_PRESET_INPUT_TOKEN_URL;
  BearerGrantType usual = oidc ? BEARER_GRANT_AUTHORIZATION_CODE : preset->grant_type;
  g_autoptr(GPtrArray) titles = g_ptr_array_new_null_terminated (0, NULL, TRUE);
  guint n = 0, selected = 0;

  for (guint i = 0; i < G_N_ELEMENTS (grant_choices); i++)
    {
      BearerGrantType grant = grant_choices[i].grant;

      /* The sign-ins where the service's addresses are known (or typed
       * later, for a server Bearer knows nothing of). */
      if (grant == BEARER_GRANT_AUTHORIZATION_CODE && !open && preset->authorize_suffix == NULL)
        continue;
      if (grant == BEARER_GRANT_DEVICE_CODE && !open && preset->device_suffix == NULL)
        continue;
      if (grant == BEARER_GRANT_CLIENT_CREDENTIALS && !oidc &&
          g_strv_contains (no_client_credentials, preset->id))
        continue;
      if (grant == usual)
        selected = n;
      self->grants[n++] = grant;
      g_ptr_array_add (titles, (gpointer) _(grant_choices[i].title));
    }

  gtk_string_list_splice (self->grant_titles, 0, g_list_model_get_n_items (G_LIST_MODEL (self->grant_titles)),
                          (const char * const *) titles->pdata);
  adw_combo_row_set_selected (self->grant_row, selected);
}

static void
grant_selected_cb (BearerNewConnectionDialog *self)
{
  BearerGrantType grant;

  if (self->connections == NULL)
    return;  /* still being built */
  grant = selected_grant (self);

  for (guint i = 0; i < G_N_ELEMENTS (grant_choices); i++)
    if (grant_choices[i].grant == grant)
      {
        gtk_widget_set_tooltip_text (GTK_WIDGET (self->grant_row), _(grant_choices[i].description));
        gtk_accessible_update_property (GTK_ACCESSIBLE (self->grant_row),
                                        GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, _(grant_choices[i].description),
                                        -1);
      }
}

/* AdwComboRow 1.2's own factory cuts its items at 20 characters: "OpenID
 * Connect Provider" and "Sign in with a code on another device" are
 * longer, and there is room for them. */
static void
item_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (item, label);
}

static void
item_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item)
{
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)),
                      gtk_string_object_get_string (gtk_list_item_get_item (item)));
}

static void
use_long_items (AdwComboRow *row)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (item_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (item_bind_cb), NULL);
  adw_combo_row_set_factory (row, factory);
}

static void
preset_selected_cb (BearerNewConnectionDialog *self)
{
  const BearerPreset *preset = selected_preset (self);

  if (self->connections == NULL)
    return;  /* still being built */

  gtk_widget_set_visible (GTK_WIDGET (self->input_row), preset->input != BEARER_PRESET_INPUT_NONE);
  if (is_oidc (self))
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->input_row), _("Issuer"));
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->input_row), _("For example https://id.example.com"));
    }
  else
    {
      if (preset->input_title != NULL)
        adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->input_row), _(preset->input_title));
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->input_row),
                                   preset->input_hint != NULL ? _(preset->input_hint) : NULL);
    }
  gtk_editable_set_text (GTK_EDITABLE (self->input_row),
                         preset->input_default != NULL ? preset->input_default : "");

  gtk_widget_set_visible (GTK_WIDGET (self->realm_row), preset->realm_title != NULL);
  if (preset->realm_title != NULL)
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->realm_row), _(preset->realm_title));
  gtk_editable_set_text (GTK_EDITABLE (self->realm_row), "");

  fill_grants (self);
  update (self);
}

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(BearerNewConnectionDialog) self = user_data;
  g_autoptr(BearerConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  self->saving = FALSE;
  connection = bearer_connection_list_add_finish (BEARER_CONNECTION_LIST (source), result, &error);
  if (connection == NULL)
    {
      /* The dialog stays open with everything typed. */
      gtk_label_set_text (self->error_label, error->message);
      update (self);
      return;
    }

  g_signal_emit (self, signals[PROFILE_ADDED], 0, bearer_connection_get_id (connection));
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
add_profile (BearerNewConnectionDialog *self,
             BearerProfile             *profile)
{
  self->saving = TRUE;
  gtk_widget_set_sensitive (self->add_button, FALSE);
  bearer_connection_list_add_async (self->connections, profile, NULL, saved_cb, g_object_ref (self));
}

/* While the issuer is asked: a spinner in the Add button, the form as it
 * was typed but not editable. */
static void
set_asking (BearerNewConnectionDialog *self,
            gboolean                   asking)
{
  if (asking)
    {
      GtkWidget *spinner = gtk_spinner_new ();

      gtk_spinner_start (GTK_SPINNER (spinner));
      gtk_accessible_update_property (GTK_ACCESSIBLE (spinner), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Asking the issuer for its addresses"), -1);
      gtk_button_set_child (GTK_BUTTON (self->add_button), spinner);
    }
  else
    gtk_button_set_label (GTK_BUTTON (self->add_button), _("Add"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->page), !asking);
}

static void
discovered_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(BearerNewConnectionDialog) self = user_data;
  g_autoptr(BearerDiscovery) discovery = NULL;
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  BearerGrantType grant = selected_grant (self);
  const char *missing = NULL;

  discovery = bearer_discovery_fetch_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;  /* the dialog is closing */
  g_clear_object (&self->discovery);
  set_asking (self, FALSE);

  if (discovery != NULL)
    {
      /* The sign-in chosen needs its address. */
      if (grant == BEARER_GRANT_AUTHORIZATION_CODE &&
          bearer_discovery_get_authorization_endpoint (discovery) == NULL)
        missing = _("This server gives no address to sign in with a browser. Choose another way to get "
                    "tokens.");
      else if (grant == BEARER_GRANT_DEVICE_CODE &&
               bearer_discovery_get_device_authorization_endpoint (discovery) == NULL)
        missing = _("This server does not offer signing in with a code on another device. Choose another "
                    "way to get tokens.");
    }

  if (discovery == NULL || missing != NULL)
    {
      /* The dialog stays open with everything typed. */
      update (self);
      gtk_label_set_text (self->error_label, missing != NULL ? missing : error->message);
      gtk_widget_grab_focus (missing != NULL ? GTK_WIDGET (self->grant_row) : GTK_WIDGET (self->input_row));
      return;
    }

  name = chosen_name (self);
  profile = bearer_profile_new (name);
  bearer_profile_set_preset (profile, OIDC_AFTER);
  bearer_profile_set_client_auth (profile, selected_preset (self)->client_auth);
  bearer_profile_set_grant_type (profile, grant);
  /* OpenID Connect providers sign in only with this scope. */
  if (grant == BEARER_GRANT_AUTHORIZATION_CODE || grant == BEARER_GRANT_DEVICE_CODE)
    bearer_profile_set_scope (profile, "openid");
  bearer_discovery_apply (discovery, profile);
  add_profile (self, profile);
}

static void
add_clicked_cb (BearerNewConnectionDialog *self)
{
  const BearerPreset *preset = selected_preset (self);
  g_autofree char *name = NULL;
  g_autofree char *issuer = NULL;
  g_autoptr(BearerProfile) profile = NULL;

  update (self);
  if (self->saving || self->discovery != NULL || !gtk_widget_get_sensitive (self->add_button))
    return;

  if (is_oidc (self))
    {
      issuer = g_strstrip (g_strdup (text_of (self->input_row)));
      gtk_label_set_text (self->error_label, "");
      self->discovery = g_cancellable_new ();
      set_asking (self, TRUE);
      gtk_widget_set_sensitive (self->add_button, FALSE);
      bearer_discovery_fetch_async (issuer, NULL, FALSE, self->discovery, discovered_cb, g_object_ref (self));
      return;
    }

  if (self->token_url == NULL)
    return;
  name = chosen_name (self);
  profile = bearer_profile_new (name);
  /* The core sets it up, as for bearer-cli add --preset. */
  if (!bearer_preset_apply (preset, profile, text_of (self->input_row), text_of (self->realm_row),
                            NULL))
    return;
  bearer_profile_set_grant_type (profile, selected_grant (self));
  add_profile (self, profile);
}

/* Closed (Cancel, Escape, its window gone) while the issuer is asked:
 * nothing is added. gtk_window_destroy() unrealizes the dialog; its dispose
 * waits for the answer, which holds it. */
static void
bearer_new_connection_dialog_unrealize (GtkWidget *widget)
{
  BearerNewConnectionDialog *self = BEARER_NEW_CONNECTION_DIALOG (widget);

  g_cancellable_cancel (self->discovery);
  g_clear_object (&self->discovery);
  GTK_WIDGET_CLASS (bearer_new_connection_dialog_parent_class)->unrealize (widget);
}

static void
bearer_new_connection_dialog_dispose (GObject *object)
{
  BearerNewConnectionDialog *self = BEARER_NEW_CONNECTION_DIALOG (object);

  g_cancellable_cancel (self->discovery);
  g_clear_object (&self->discovery);
  gtk_widget_dispose_template (GTK_WIDGET (object), BEARER_TYPE_NEW_CONNECTION_DIALOG);
  G_OBJECT_CLASS (bearer_new_connection_dialog_parent_class)->dispose (object);
}

static void
bearer_new_connection_dialog_finalize (GObject *object)
{
  BearerNewConnectionDialog *self = BEARER_NEW_CONNECTION_DIALOG (object);

  g_clear_object (&self->connections);
  g_clear_object (&self->grant_titles);
  g_free (self->services);
  g_free (self->token_url);

  G_OBJECT_CLASS (bearer_new_connection_dialog_parent_class)->finalize (object);
}

static void
bearer_new_connection_dialog_class_init (BearerNewConnectionDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bearer_new_connection_dialog_dispose;
  object_class->finalize = bearer_new_connection_dialog_finalize;
  widget_class->unrealize = bearer_new_connection_dialog_unrealize;

  signals[PROFILE_ADDED] =
    g_signal_new ("profile-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "bearer-new-connection-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, BearerNewConnectionDialog, page);
  gtk_widget_class_bind_template_child (widget_class, BearerNewConnectionDialog, preset_row);
  gtk_widget_class_bind_template_child (widget_class, BearerNewConnectionDialog, server_group);
  gtk_widget_class_bind_template_child (widget_class, BearerNewConnectionDialog, input_row);
  gtk_widget_class_bind_template_child (widget_class, BearerNewConnectionDialog, realm_row);
  gtk_widget_class_bind_template_child (widget_class, BearerNewConnectionDialog, url_row);
  gtk_widget_class_bind_template_child (widget_class, BearerNewConnectionDialog, name_group);
  gtk_widget_class_bind_template_child (widget_class, BearerNewConnectionDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, BearerNewConnectionDialog, grant_row);
  gtk_widget_class_bind_template_child (widget_class, BearerNewConnectionDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, BearerNewConnectionDialog, add_button);
  gtk_widget_class_bind_template_callback (widget_class, preset_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, grant_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, update);
  gtk_widget_class_bind_template_callback (widget_class, add_clicked_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
bearer_new_connection_dialog_init (BearerNewConnectionDialog *self)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  guint n;
  const BearerPreset *presets = bearer_presets_get (&n);

  gtk_widget_init_template (GTK_WIDGET (self));

  self->services = g_new0 (const BearerPreset *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      self->services[self->n_services++] = &presets[i];
      gtk_string_list_append (names, _(presets[i].name));
      if (g_str_equal (presets[i].id, OIDC_AFTER))
        {
          self->services[self->n_services++] = NULL;
          gtk_string_list_append (names, _("OpenID Connect Provider"));
        }
    }
  adw_combo_row_set_model (self->preset_row, G_LIST_MODEL (names));
  self->grant_titles = gtk_string_list_new (NULL);
  adw_combo_row_set_model (self->grant_row, G_LIST_MODEL (self->grant_titles));
  use_long_items (self->preset_row);
  use_long_items (self->grant_row);
  /* AdwComboRow 1.2 is both labelled and labelled-by its title: GTK 4.8
   * would read the name twice. */
  gtk_accessible_reset_relation (GTK_ACCESSIBLE (self->preset_row), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->preset_row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Service"),
                                  -1);
  gtk_accessible_reset_relation (GTK_ACCESSIBLE (self->grant_row), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->grant_row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("How you get tokens"),
                                  -1);
}

/**
 * bearer_new_connection_dialog_new:
 * @parent: the window it belongs to
 * @connections: where the new connection goes
 *
 * Returns: (transfer none): the dialog, not yet shown (GTK owns toplevels)
 */
BearerNewConnectionDialog *
bearer_new_connection_dialog_new (GtkWindow            *parent,
                                  BearerConnectionList *connections)
{
  BearerNewConnectionDialog *self;

  g_return_val_if_fail (BEARER_IS_CONNECTION_LIST (connections), NULL);

  self = g_object_new (BEARER_TYPE_NEW_CONNECTION_DIALOG,
                       "transient-for", parent,
                       NULL);
  self->connections = g_object_ref (connections);
  preset_selected_cb (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->input_row));
  return self;
}
