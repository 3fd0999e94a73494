/* bearer-profile-row.c: a connection in the sidebar
 *
 * Its name, and a subtitle with the grant type and the state of its token
 * ("Token until 14:32", "Expired", "Sign in again"), all read from the
 * connection and its profile and updated when they notify. The state
 * changes on time by itself (the scheduler); the window's clock only turns
 * a date into a time of day when the day comes. A menu acts on this very
 * connection through the window's profiles.* actions; it is built the first
 * time it opens, so a thousand rows cost no thousand menus.
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

  BearerConnection *connection;
  BearerClock *clock;
};

G_DEFINE_FINAL_TYPE (BearerProfileRow, bearer_profile_row, GTK_TYPE_LIST_BOX_ROW)

enum {
  PROP_0,
  PROP_CONNECTION,
  PROP_CLOCK,
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
    case BEARER_GRANT_DEVICE_CODE:
      return _("Device Code");
    default:
      return "";
    }
}

/* What the token's state reads as, or NULL while the keyring is read. */
static char *
describe_token (BearerProfileRow *self)
{
  BearerConnection *c = self->connection;
  gint64 expires_at = bearer_connection_get_expires_at (c);
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) today = NULL;
  g_autofree char *time = NULL;

  switch (bearer_connection_get_state (c))
    {
    case BEARER_TOKEN_STATE_LOADING:
      return NULL;
    case BEARER_TOKEN_STATE_SIGN_IN:
      return g_strdup (_("Sign in again"));
    case BEARER_TOKEN_STATE_EXPIRED:
      return g_strdup (_("Expired"));
    default:
      break;
    }

  if (bearer_connection_get_access_token (c) == NULL)
    return g_strdup (_("No token yet"));
  if (expires_at <= 0)
    return g_strdup (_("Token, no expiry"));
  if (expires_at <= bearer_connection_now (c))
    return g_strdup (_("Expired"));

  when = g_date_time_new_from_unix_local (expires_at);
  today = self->clock != NULL ? g_date_time_new_from_unix_local (bearer_clock_get_now (self->clock))
                              : g_date_time_new_now_local ();
  time = g_date_time_get_day_of_year (when) == g_date_time_get_day_of_year (today) &&
         g_date_time_get_year (when) == g_date_time_get_year (today)
         ? g_date_time_format (when, "%H:%M")
         : g_date_time_format (when, "%Y-%m-%d");
  /* Translators: %s is a time (14:32) or a date */
  return g_strdup_printf (_("Token until %s"), time);
}

static void
update_subtitle (BearerProfileRow *self)
{
  const char *grant = bearer_grant_type_get_label (bearer_profile_get_grant_type (
                                                     bearer_connection_get_profile (self->connection)));
  g_autofree char *state = describe_token (self);
  g_autofree char *text = NULL;

  if (state != NULL)
    /* Translators: a grant type, then the state of the token */
    text = g_strdup_printf (_("%s · %s"), grant, state);
  else
    text = g_strdup (grant);

  if (g_strcmp0 (text, gtk_label_get_text (self->subtitle_label)) == 0)
    return;
  gtk_label_set_text (self->subtitle_label, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text,
                                  -1);
}

static void
update_name (BearerProfileRow *self)
{
  const char *name = bearer_profile_get_name (bearer_connection_get_profile (self->connection));
  g_autofree char *menu_label = g_strdup_printf (_("Actions for “%s”"), name);

  gtk_label_set_text (self->name_label, name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->menu_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, menu_label,
                                  -1);
}

/* The menu, made when it first opens. */
static void
create_menu_cb (GtkMenuButton *button,
                gpointer       user_data)
{
  BearerProfileRow *self = user_data;
  g_autoptr(GMenu) menu = g_menu_new ();
  const struct { const char *label; const char *action; } items[] = {
    { N_("_Duplicate"), "profiles.duplicate" },
    { N_("_Rename…"), "profiles.rename" },
    { N_("_Delete…"), "profiles.delete" },
  };
  g_autoptr(GVariant) id = g_variant_ref_sink (g_variant_new_string (bearer_connection_get_id (self->connection)));

  if (gtk_menu_button_get_menu_model (button) != NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (_(items[i].label), NULL);

      g_menu_item_set_action_and_target_value (item, items[i].action, id);
      g_menu_append_item (menu, item);
    }
  gtk_menu_button_set_menu_model (button, G_MENU_MODEL (menu));
}

static void
bearer_profile_row_constructed (GObject *object)
{
  BearerProfileRow *self = BEARER_PROFILE_ROW (object);
  BearerProfile *profile = bearer_connection_get_profile (self->connection);
  const char *token_properties[] = { "notify::state", "notify::access-token", "notify::expires-at" };

  G_OBJECT_CLASS (bearer_profile_row_parent_class)->constructed (object);

  g_signal_connect_object (profile, "notify::name", G_CALLBACK (update_name), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (profile, "notify::grant-type", G_CALLBACK (update_subtitle), self,
                           G_CONNECT_SWAPPED);
  for (guint i = 0; i < G_N_ELEMENTS (token_properties); i++)
    g_signal_connect_object (self->connection, token_properties[i], G_CALLBACK (update_subtitle), self,
                             G_CONNECT_SWAPPED);
  if (self->clock != NULL)
    g_signal_connect_object (self->clock, "notify::now", G_CALLBACK (update_subtitle), self,
                             G_CONNECT_SWAPPED);
  update_name (self);
  update_subtitle (self);
  gtk_menu_button_set_create_popup_func (self->menu_button, create_menu_cb, self, NULL);
}

static void
bearer_profile_row_dispose (GObject *object)
{
  BearerProfileRow *self = BEARER_PROFILE_ROW (object);

  gtk_widget_dispose_template (GTK_WIDGET (object), BEARER_TYPE_PROFILE_ROW);
  g_clear_object (&self->connection);
  g_clear_object (&self->clock);

  G_OBJECT_CLASS (bearer_profile_row_parent_class)->dispose (object);
}

static void
bearer_profile_row_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  BearerProfileRow *self = BEARER_PROFILE_ROW (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      g_value_set_object (value, self->connection);
      break;
    case PROP_CLOCK:
      g_value_set_object (value, self->clock);
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
  BearerProfileRow *self = BEARER_PROFILE_ROW (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      self->connection = g_value_dup_object (value);
      break;
    case PROP_CLOCK:
      self->clock = g_value_dup_object (value);
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

  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, BEARER_TYPE_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CLOCK] =
    g_param_spec_object ("clock", NULL, NULL, BEARER_TYPE_CLOCK,
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

/**
 * bearer_profile_row_new:
 * @connection: what the row shows
 * @clock: (nullable): the window's clock
 *
 * Returns: (transfer floating): the row
 */
GtkWidget *
bearer_profile_row_new (BearerConnection *connection,
                        BearerClock      *clock)
{
  return g_object_new (BEARER_TYPE_PROFILE_ROW, "connection", connection, "clock", clock, NULL);
}

BearerConnection *
bearer_profile_row_get_connection (BearerProfileRow *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE_ROW (self), NULL);
  return self->connection;
}

const char *
bearer_profile_row_get_subtitle (BearerProfileRow *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE_ROW (self), NULL);
  return gtk_label_get_text (self->subtitle_label);
}
