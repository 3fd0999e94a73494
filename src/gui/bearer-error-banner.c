/* bearer-error-banner.c: a problem, said clearly, at the top of a page
 *
 * libadwaita 1.2 has no AdwBanner: a revealer with a coloured box, a title,
 * the error's own sentence (which quotes the server), the HTTP status, a
 * link to the server's explanation and the exchange behind a Details
 * expander.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "bearer-error-banner.h"

struct _BearerErrorBanner
{
  GtkWidget parent_instance;

  GtkRevealer *revealer;
  GtkWidget *box;
  GtkImage *icon;
  GtkLabel *title_label;
  GtkLabel *message_label;
  GtkLabel *status_label;
  GtkLinkButton *link_button;
  GtkExpander *details_expander;
  GtkLabel *details_label;
};

G_DEFINE_FINAL_TYPE (BearerErrorBanner, bearer_error_banner, GTK_TYPE_WIDGET)

static void
close_clicked_cb (BearerErrorBanner *self)
{
  bearer_error_banner_hide (self);
}

static void
bearer_error_banner_dispose (GObject *object)
{
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (object), BEARER_TYPE_ERROR_BANNER);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (bearer_error_banner_parent_class)->dispose (object);
}

static void
bearer_error_banner_class_init (BearerErrorBannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bearer_error_banner_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "bearer-error-banner.ui");
  gtk_widget_class_bind_template_child (widget_class, BearerErrorBanner, revealer);
  gtk_widget_class_bind_template_child (widget_class, BearerErrorBanner, box);
  gtk_widget_class_bind_template_child (widget_class, BearerErrorBanner, icon);
  gtk_widget_class_bind_template_child (widget_class, BearerErrorBanner, title_label);
  gtk_widget_class_bind_template_child (widget_class, BearerErrorBanner, message_label);
  gtk_widget_class_bind_template_child (widget_class, BearerErrorBanner, status_label);
  gtk_widget_class_bind_template_child (widget_class, BearerErrorBanner, link_button);
  gtk_widget_class_bind_template_child (widget_class, BearerErrorBanner, details_expander);
  gtk_widget_class_bind_template_child (widget_class, BearerErrorBanner, details_label);
  gtk_widget_class_bind_template_callback (widget_class, close_clicked_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
bearer_error_banner_init (BearerErrorBanner *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * bearer_error_banner_show:
 * @kind: an error, or a warning (something worked, with a caveat)
 * @title: what happened, in a few words
 * @message: (nullable): the whole sentence (an error's message)
 * @http_status: the server's HTTP status, or 0
 * @uri: (nullable): where the server explains the error
 * @details: (nullable): the exchange, secrets masked
 */
void
bearer_error_banner_show (BearerErrorBanner *self,
                          BearerBannerKind   kind,
                          const char        *title,
                          const char        *message,
                          guint              http_status,
                          const char        *uri,
                          const char        *details)
{
  g_autofree char *status = NULL;

  g_return_if_fail (BEARER_IS_ERROR_BANNER (self));

  gtk_widget_remove_css_class (self->box, "error");
  gtk_widget_remove_css_class (self->box, "warning");
  gtk_widget_add_css_class (self->box, kind == BEARER_BANNER_ERROR ? "error" : "warning");
  gtk_image_set_from_icon_name (self->icon, kind == BEARER_BANNER_ERROR
                                            ? "dialog-error-symbolic"
                                            : "dialog-warning-symbolic");

  gtk_label_set_text (self->title_label, title);
  gtk_label_set_text (self->message_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL && *message != '\0');

  if (http_status != 0)
    status = g_strdup_printf (_("HTTP status %u"), http_status);
  gtk_label_set_text (self->status_label, status != NULL ? status : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), status != NULL);

  gtk_link_button_set_uri (self->link_button, uri != NULL ? uri : "");
  gtk_widget_set_visible (GTK_WIDGET (self->link_button), uri != NULL && *uri != '\0');

  gtk_label_set_text (self->details_label, details != NULL ? details : "");
  gtk_expander_set_expanded (self->details_expander, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->details_expander), details != NULL && *details != '\0');

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message != NULL ? message : "",
                                  -1);
  gtk_revealer_set_reveal_child (self->revealer, TRUE);
}

void
bearer_error_banner_hide (BearerErrorBanner *self)
{
  g_return_if_fail (BEARER_IS_ERROR_BANNER (self));
  gtk_revealer_set_reveal_child (self->revealer, FALSE);
}

gboolean
bearer_error_banner_get_revealed (BearerErrorBanner *self)
{
  g_return_val_if_fail (BEARER_IS_ERROR_BANNER (self), FALSE);
  return gtk_revealer_get_reveal_child (self->revealer);
}

const char *
bearer_error_banner_get_title (BearerErrorBanner *self)
{
  g_return_val_if_fail (BEARER_IS_ERROR_BANNER (self), NULL);
  return gtk_label_get_text (self->title_label);
}

const char *
bearer_error_banner_get_message (BearerErrorBanner *self)
{
  g_return_val_if_fail (BEARER_IS_ERROR_BANNER (self), NULL);
  return gtk_label_get_text (self->message_label);
}
