/* bearer-profile-row.c: a connection in the sidebar
 *
 * Its name, and a subtitle with the grant type and the state of its token
 * ("Token until 14:32", "Expired", "Sign in again"). A menu acts on this
 * very connection through the window's profiles.* actions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "bearer-profile-row.h"

struct _BearerProfileRow
{
  GtkListBoxRow parent_instance;

  GtkLabel *name_label;
  GtkLabel *subtitle_label;
  GtkMenuButton *menu_button;

  BearerProfile *profile;
  gboolean known;               /* whether the keyring was read */
  gboolean has_token;
  gboolean needs_sign_in;
  gint64 expires_at;
  guint expiry_id;
};

G_DEFINE_FINAL_TYPE (BearerProfileRow, bearer_profile_row, GTK_TYPE_LIST_BOX_ROW)

enum {
  PROP_0,
  PROP_PROFILE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

const char *
bearer_grant_type_get_label (BearerGrantType grant)
{
  switch (grant)
    {
    case BEARER_GRANT_REFRESH_TOKEN:
      return _("Refresh Token");
    case BEARER_GRANT_CLIENT_CREDENTIALS:
      return _("Client Credentials");
    case BEARER_GRANT_PASSWORD:
      return _("Password Credentials");
    case BEARER_GRANT_AUTHORIZATION_CODE:
      return _("Authorization Code");
    default:
      return "";
    }
}

static void update_subtitle (BearerProfileRow *self);

static gboolean
expiry_cb (gpointer user_data)
{
  BearerProfileRow *self = user_data;

  self->expiry_id = 0;
  update_subtitle (self);
  return G_SOURCE_REMOVE;
}

static void
update_subtitle (BearerProfileRow *self)
{
  g_autofree char *state = NULL;
  g_autofree char *text = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_clear_handle_id (&self->expiry_id, g_source_remove);

  if (!self->known)
    state = NULL;
  else if (self->needs_sign_in)
    state = g_strdup (_("Sign in again"));
  else if (!self->has_token)
    state = g_strdup (_("No token yet"));
  else if (self->expires_at <= 0)
    state = g_strdup (_("Token, no expiry"));
  else if (self->expires_at <= now)
    state = g_strdup (_("Expired"));
  else
    {
      g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (self->expires_at);
      g_autoptr(GDateTime) today = g_date_time_new_now_local ();
      g_autofree char *time = NULL;

      time = g_date_time_get_day_of_year (when) == g_date_time_get_day_of_year (today) &&
             g_date_time_get_year (when) == g_date_time_get_year (today)
             ? g_date_time_format (when, "%H:%M")
             : g_date_time_format (when, "%Y-%m-%d");
      /* Translators: %s is a time (14:32) or a date */
      state = g_strdup_printf (_("Token until %s"), time);
      /* Turn into "Expired" on time (re-checked at least hourly). */
      self->expiry_id = g_timeout_add_seconds ((guint) MIN (self->expires_at - now + 1, 3600),
                                               expiry_cb, self);
    }

  if (state != NULL)
    /* Translators: a grant type, then the state of the token */
    text = g_strdup_printf (_("%s · %s"),
                            bearer_grant_type_get_label (bearer_profile_get_grant_type (self->profile)),
                            state);
  else
    text = g_strdup (bearer_grant_type_get_label (bearer_profile_get_grant_type (self->profile)));

  gtk_label_set_text (self->subtitle_label, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text,
                                  -1);
}

static void
name_changed_cb (BearerProfileRow *self)
{
  const char *name = bearer_profile_get_name (self->profile);
  g_autofree char *menu_label = g_strdup_printf (_("Actions for “%s”"), name);

  gtk_label_set_text (self->name_label, name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->menu_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, menu_label,
                                  -1);
}

static void
build_menu (BearerProfileRow *self)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  const struct { const char *label; const char *action; } items[] = {
    { N_("_Duplicate"), "profiles.duplicate" },
    { N_("_Rename…"), "profiles.rename" },
    { N_("_Delete…"), "profiles.delete" },
  };
  GVariant *id = g_variant_new_string (bearer_profile_get_id (self->profile));

  g_variant_ref_sink (id);
  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (_(items[i].label), NULL);

      g_menu_item_set_action_and_target_value (item, items[i].action, id);
      g_menu_append_item (menu, item);
    }
  g_variant_unref (id);
  gtk_menu_button_set_menu_model (self->menu_button, G_MENU_MODEL (menu));
}

static void
bearer_profile_row_constructed (GObject *object)
{
  BearerProfileRow *self = BEARER_PROFILE_ROW (object);

  G_OBJECT_CLASS (bearer_profile_row_parent_class)->constructed (object);

  g_signal_connect_object (self->profile, "notify::name",
                           G_CALLBACK (name_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->profile, "notify::grant-type",
                           G_CALLBACK (update_subtitle), self, G_CONNECT_SWAPPED);
  name_changed_cb (self);
  update_subtitle (self);
  build_menu (self);
}

static void
bearer_profile_row_dispose (GObject *object)
{
  BearerProfileRow *self = BEARER_PROFILE_ROW (object);

  g_clear_handle_id (&self->expiry_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (object), BEARER_TYPE_PROFILE_ROW);
  g_clear_object (&self->profile);

  G_OBJECT_CLASS (bearer_profile_row_parent_class)->dispose (object);
}

static void
bearer_profile_row_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_PROFILE:
      g_value_set_object (value, BEARER_PROFILE_ROW (object)->profile);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bearer_profile_row_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_PROFILE:
      BEARER_PROFILE_ROW (object)->profile = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bearer_profile_row_class_init (BearerProfileRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = bearer_profile_row_constructed;
  object_class->dispose = bearer_profile_row_dispose;
  object_class->get_property = bearer_profile_row_get_property;
  object_class->set_property = bearer_profile_row_set_property;

  properties[PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, NULL, BEARER_TYPE_PROFILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "bearer-profile-row.ui");
  gtk_widget_class_bind_template_child (widget_class, BearerProfileRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, BearerProfileRow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, BearerProfileRow, menu_button);
}

static void
bearer_profile_row_init (BearerProfileRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
bearer_profile_row_new (BearerProfile *profile)
{
  return g_object_new (BEARER_TYPE_PROFILE_ROW, "profile", profile, NULL);
}

BearerProfile *
bearer_profile_row_get_profile (BearerProfileRow *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE_ROW (self), NULL);
  return self->profile;
}

/**
 * bearer_profile_row_set_secrets:
 * @secrets: (nullable): the profile's secrets, or %NULL when unknown
 */
void
bearer_profile_row_set_secrets (BearerProfileRow    *self,
                                const BearerSecrets *secrets)
{
  g_return_if_fail (BEARER_IS_PROFILE_ROW (self));

  self->known = secrets != NULL;
  self->has_token = secrets != NULL && bearer_secrets_get_access_token (secrets) != NULL;
  self->needs_sign_in = secrets != NULL && bearer_secrets_get_needs_sign_in (secrets);
  self->expires_at = secrets != NULL ? bearer_secrets_get_expires_at (secrets) : 0;
  update_subtitle (self);
}

const char *
bearer_profile_row_get_subtitle (BearerProfileRow *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE_ROW (self), NULL);
  return gtk_label_get_text (self->subtitle_label);
}
