/* bearer-sign-in-view.c: a sign-in under way, as the user follows it
 *
 * Shows one BearerSignIn while it waits for the user, and follows its
 * state:
 *
 *  - the browser (authorization code with PKCE): what is happening, the
 *    sign-in address with Copy Link and Open Again. When the sign-in reaches
 *    "waiting for the browser" the view opens the address in the system
 *    browser, once, with GTK's URI launcher (gtk_show_uri_full(), GTK 4.8;
 *    inside Flatpak it goes through the OpenURI portal); if no browser can
 *    be opened it says so and the link is there to copy. A callback URL that
 *    is not loopback comes back to no one here: a field takes the address
 *    the browser ended on (bearer_sign_in_submit_redirect()); a wrong one is
 *    said under the field and the sign-in goes on waiting;
 *  - the device grant: the user code in large type with Copy Code, where
 *    to enter it with Open in Browser (verification_uri_complete when the
 *    server gives one, which holds the code), a QR code of that address
 *    (libqrencode), and a countdown to the code's expiry, updated every
 *    second while the view is shown.
 *
 * Cancel is the page's: the view only shows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <qrencode.h>

#include "bearer-sign-in-view.h"

struct _BearerSignInView
{
  GtkWidget parent_instance;

  GtkStack *stack;
  AdwStatusPage *browser_page;
  GtkWidget *waiting_box;
  GtkLabel *launch_error_label;
  GtkLabel *link_label;
  GtkWidget *paste_box;
  AdwEntryRow *paste_row;
  GtkLabel *paste_error_label;
  AdwStatusPage *device_page;
  GtkLabel *user_code_label;
  GtkPicture *qr_picture;
  GtkLabel *countdown_label;

  BearerSignIn *sign_in;        /* (nullable): the sign-in shown */
  GCancellable *cancellable;    /* browsers being opened; the view's lifetime */
  gboolean launched;            /* the browser was opened for this sign-in */
  guint tick_id;
};

G_DEFINE_FINAL_TYPE (BearerSignInView, bearer_sign_in_view, GTK_TYPE_WIDGET)

/* ---- the QR code --------------------------------------------------------- */

/**
 * bearer_qr_code_texture_new:
 * @text: what the code holds (an address)
 * @scale: pixels per module
 * @modules: (out) (optional): the code's width in modules, without the
 *   quiet zone
 *
 * Returns: (transfer full) (nullable): a QR code of @text, dark modules on
 *   white with a quiet zone of %BEARER_QR_CODE_QUIET modules, or %NULL when
 *   @text is too long for one
 */
GdkTexture *
bearer_qr_code_texture_new (const char *text,
                            guint       scale,
                            guint      *modules)
{
  QRcode *code;
  g_autoptr(GBytes) bytes = NULL;
  GdkTexture *texture;
  guint8 *pixels;
  gsize size, stride;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (scale > 0, NULL);

  if ((code = QRcode_encodeString (text, 0, QR_ECLEVEL_M, QR_MODE_8, 1)) == NULL)
    return NULL;

  size = ((gsize) code->width + 2 * BEARER_QR_CODE_QUIET) * scale;
  stride = size * 3;
  pixels = g_malloc (stride * size);
  for (gsize y = 0; y < size; y++)
    for (gsize x = 0; x < size; x++)
      {
        gssize mx = (gssize) (x / scale) - BEARER_QR_CODE_QUIET;
        gssize my = (gssize) (y / scale) - BEARER_QR_CODE_QUIET;
        gboolean dark = mx >= 0 && mx < code->width && my >= 0 && my < code->width &&
                        (code->data[my * code->width + mx] & 1);

        memset (pixels + y * stride + x * 3, dark ? 0x00 : 0xff, 3);
      }

  if (modules != NULL)
    *modules = (guint) code->width;
  QRcode_free (code);

  bytes = g_bytes_new_take (pixels, stride * size);
  texture = gdk_memory_texture_new ((int) size, (int) size, GDK_MEMORY_R8G8B8, bytes, stride);
  return texture;
}

/* ---- the countdown ------------------------------------------------------- */

/**
 * bearer_format_code_expiry:
 * @expires_at: when the device code expires (Unix time)
 * @now: the time now (Unix time)
 *
 * Returns: (transfer full): "The code expires in 9:58", or that it expired
 */
char *
bearer_format_code_expiry (gint64 expires_at,
                           gint64 now)
{
  gint64 left = expires_at - now;

  if (left <= 0)
    return g_strdup (_("The code has expired"));
  /* Translators: a countdown, minutes and seconds left (“9:58”). */
  return g_strdup_printf (_("The code expires in %d:%02d"), (int) (left / 60), (int) (left % 60));
}

static void
update_countdown (BearerSignInView *self)
{
  g_autofree char *text = NULL;

  if (self->sign_in == NULL || bearer_sign_in_get_expires_at (self->sign_in) == 0)
    {
      gtk_label_set_text (self->countdown_label, "");
      return;
    }
  text = bearer_format_code_expiry (bearer_sign_in_get_expires_at (self->sign_in),
                                    g_get_real_time () / G_USEC_PER_SEC);
  gtk_label_set_text (self->countdown_label, text);
}

static gboolean
tick_cb (gpointer user_data)
{
  update_countdown (user_data);
  return G_SOURCE_CONTINUE;
}

static void
update_ticking (BearerSignInView *self)
{
  gboolean tick = gtk_widget_get_mapped (GTK_WIDGET (self)) && self->sign_in != NULL &&
                  bearer_sign_in_get_state (self->sign_in) == BEARER_SIGN_IN_STATE_WAITING_FOR_USER;

  update_countdown (self);
  if (tick && self->tick_id == 0)
    self->tick_id = g_timeout_add_seconds (1, tick_cb, self);
  else if (!tick)
    g_clear_handle_id (&self->tick_id, g_source_remove);
}

/* ---- the browser --------------------------------------------------------- */

static void
show_toast (GtkWidget  *widget,
            const char *title)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (widget, ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (title));
}

static void
uri_shown_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(BearerSignInView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (gtk_show_uri_full_finish (GTK_WINDOW (source), result, &error) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_cancellable_is_cancelled (self->cancellable))
    return;

  g_debug ("No browser could be opened: %s", error->message);
  /* Translators: %s is why no browser could be started. */
  message = g_strdup_printf (_("No browser could be opened (%s). Copy the link and open it in a "
                               "browser yourself."), error->message);
  gtk_label_set_text (self->launch_error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->launch_error_label), TRUE);
}

/* Opens @uri in the user's web browser (the OpenURI portal in Flatpak). */
static void
open_uri (BearerSignInView *self,
          const char       *uri)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  gtk_widget_set_visible (GTK_WIDGET (self->launch_error_label), FALSE);
  gtk_show_uri_full (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME,
                     self->cancellable, uri_shown_cb, g_object_ref (self));
}

/* The address the browser opens: the authorization URL, or where the
 * device code is entered (with the code in it when the server gave one). */
static const char *
browser_address (BearerSignInView *self)
{
  const char *complete;

  if (self->sign_in == NULL)
    return NULL;
  if (bearer_sign_in_get_method (self->sign_in) == BEARER_SIGN_IN_BROWSER)
    return bearer_sign_in_get_authorization_url (self->sign_in);
  complete = bearer_sign_in_get_verification_uri_complete (self->sign_in);
  return complete != NULL ? complete : bearer_sign_in_get_verification_uri (self->sign_in);
}

static void
set_paste_error (BearerSignInView *self,
                 const char       *message)
{
  gtk_label_set_text (self->paste_error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->paste_error_label), message != NULL);
  if (message != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->paste_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->paste_row), "error");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->paste_row),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message != NULL ? message : "",
                                  -1);
}

static void
paste_apply_cb (BearerSignInView *self)
{
  g_autofree char *address = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->paste_row))));
  g_autoptr(GError) error = NULL;

  if (self->sign_in == NULL || *address == '\0')
    return;
  if (bearer_sign_in_submit_redirect (self->sign_in, address, &error))
    set_paste_error (self, NULL);
  else if (bearer_sign_in_get_state (self->sign_in) == BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER)
    /* Not this sign-in's answer: it goes on waiting for the right one. */
    set_paste_error (self, error->message);
  /* else the server's refusal ended the sign-in: the page says so. */
}

/* ---- following the sign-in ----------------------------------------------- */

static void
show_browser (BearerSignInView *self)
{
  BearerProfile *profile = bearer_sign_in_get_profile (self->sign_in);
  gboolean loopback = bearer_sign_in_get_loopback (self->sign_in);
  g_autofree char *text = NULL;
  g_autofree char *markup = NULL;

  if (loopback)
    /* Translators: %s is the connection’s name. */
    text = g_strdup_printf (_("Sign in to “%s” in the browser window that opened. The browser then "
                              "comes back to Bearer on this computer, which saves the tokens."),
                            bearer_profile_get_name (profile));
  else
    /* Translators: the first %s is the connection’s name, the second the
     * callback URL registered with the server. */
    text = g_strdup_printf (_("Sign in to “%s” in the browser window that opened. The server then "
                              "sends the browser to %s: paste the whole address it ended on below."),
                            bearer_profile_get_name (profile), bearer_sign_in_get_redirect_uri (self->sign_in));
  markup = g_markup_escape_text (text, -1);
  adw_status_page_set_description (self->browser_page, markup);
  gtk_label_set_text (self->link_label, bearer_sign_in_get_authorization_url (self->sign_in));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->link_label), bearer_sign_in_get_authorization_url (self->sign_in));
  gtk_widget_set_visible (self->waiting_box, loopback);
  gtk_widget_set_visible (self->paste_box, !loopback);
  gtk_stack_set_visible_child_name (self->stack, "browser");

  if (!self->launched)
    {
      self->launched = TRUE;
      open_uri (self, bearer_sign_in_get_authorization_url (self->sign_in));
    }
}

static void
show_device (BearerSignInView *self)
{
  const char *uri = bearer_sign_in_get_verification_uri (self->sign_in);
  g_autoptr(GdkTexture) qr_code = bearer_qr_code_texture_new (browser_address (self), BEARER_QR_CODE_SCALE,
                                                              NULL);
  /* Translators: %s is the address where the code is entered. */
  g_autofree char *text = g_strdup_printf (_("On any device, open %s and enter this code:"), uri);
  g_autofree char *markup = g_markup_escape_text (text, -1);

  adw_status_page_set_description (self->device_page, markup);
  gtk_label_set_text (self->user_code_label, bearer_sign_in_get_user_code (self->sign_in));
  gtk_picture_set_paintable (self->qr_picture, GDK_PAINTABLE (qr_code));
  gtk_widget_set_visible (GTK_WIDGET (self->qr_picture), qr_code != NULL);
  gtk_stack_set_visible_child_name (self->stack, "device");
}

static void
state_changed_cb (BearerSignInView *self)
{
  BearerSignInState state = self->sign_in != NULL ? bearer_sign_in_get_state (self->sign_in)
                                                  : BEARER_SIGN_IN_STATE_IDLE;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sign-in.copy-link",
                                 state == BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sign-in.copy-code",
                                 state == BEARER_SIGN_IN_STATE_WAITING_FOR_USER);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sign-in.open-browser",
                                 state == BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER ||
                                 state == BEARER_SIGN_IN_STATE_WAITING_FOR_USER);
  gtk_widget_set_sensitive (GTK_WIDGET (self->paste_row), state == BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER);

  if (state == BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER)
    show_browser (self);
  else if (state == BEARER_SIGN_IN_STATE_WAITING_FOR_USER)
    show_device (self);
  update_ticking (self);
}

/**
 * bearer_sign_in_view_set_sign_in:
 * @sign_in: (nullable): the sign-in to show and follow
 *
 * Shows @sign_in from now on; once it waits for the browser, opens the
 * browser.
 */
void
bearer_sign_in_view_set_sign_in (BearerSignInView *self,
                                 BearerSignIn     *sign_in)
{
  g_return_if_fail (BEARER_IS_SIGN_IN_VIEW (self));
  g_return_if_fail (sign_in == NULL || BEARER_IS_SIGN_IN (sign_in));

  if (self->sign_in == sign_in)
    return;
  if (self->sign_in != NULL)
    g_signal_handlers_disconnect_by_data (self->sign_in, self);
  g_set_object (&self->sign_in, sign_in);

  self->launched = FALSE;
  gtk_widget_set_visible (GTK_WIDGET (self->launch_error_label), FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->paste_row), "");
  set_paste_error (self, NULL);
  gtk_label_set_text (self->link_label, "");
  gtk_label_set_text (self->user_code_label, "");
  gtk_picture_set_paintable (self->qr_picture, NULL);
  gtk_stack_set_visible_child_name (self->stack, "empty");

  if (sign_in != NULL)
    g_signal_connect_swapped (sign_in, "notify::state", G_CALLBACK (state_changed_cb), self);
  state_changed_cb (self);
}

BearerSignIn *
bearer_sign_in_view_get_sign_in (BearerSignInView *self)
{
  g_return_val_if_fail (BEARER_IS_SIGN_IN_VIEW (self), NULL);
  return self->sign_in;
}

/**
 * bearer_sign_in_view_get_countdown:
 *
 * Returns: what the device page says of the code's expiry
 */
const char *
bearer_sign_in_view_get_countdown (BearerSignInView *self)
{
  g_return_val_if_fail (BEARER_IS_SIGN_IN_VIEW (self), NULL);
  return gtk_label_get_text (self->countdown_label);
}

/* ---- the actions --------------------------------------------------------- */

/* sign-in.copy-link */
static void
copy_link_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  BearerSignInView *self = BEARER_SIGN_IN_VIEW (widget);
  const char *address = browser_address (self);

  if (address == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), address);
  show_toast (widget, _("Copied the sign-in link"));
}

/* sign-in.copy-code */
static void
copy_code_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  BearerSignInView *self = BEARER_SIGN_IN_VIEW (widget);

  if (self->sign_in == NULL || bearer_sign_in_get_user_code (self->sign_in) == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), bearer_sign_in_get_user_code (self->sign_in));
  show_toast (widget, _("Copied the code"));
}

/* sign-in.open-browser: the authorization URL again, or where the code is
 * entered */
static void
open_browser_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  BearerSignInView *self = BEARER_SIGN_IN_VIEW (widget);
  const char *address = browser_address (self);

  if (address != NULL)
    open_uri (self, address);
}

/* ---- the object ---------------------------------------------------------- */

static void
bearer_sign_in_view_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (bearer_sign_in_view_parent_class)->map (widget);
  update_ticking (BEARER_SIGN_IN_VIEW (widget));
}

static void
bearer_sign_in_view_unmap (GtkWidget *widget)
{
  BearerSignInView *self = BEARER_SIGN_IN_VIEW (widget);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  GTK_WIDGET_CLASS (bearer_sign_in_view_parent_class)->unmap (widget);
}

static void
bearer_sign_in_view_dispose (GObject *object)
{
  BearerSignInView *self = BEARER_SIGN_IN_VIEW (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->sign_in != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->sign_in, self);
      g_clear_object (&self->sign_in);
    }
  gtk_widget_dispose_template (GTK_WIDGET (object), BEARER_TYPE_SIGN_IN_VIEW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (bearer_sign_in_view_parent_class)->dispose (object);
}

static void
bearer_sign_in_view_finalize (GObject *object)
{
  BearerSignInView *self = BEARER_SIGN_IN_VIEW (object);

  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (bearer_sign_in_view_parent_class)->finalize (object);
}

static void
bearer_sign_in_view_class_init (BearerSignInViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bearer_sign_in_view_dispose;
  object_class->finalize = bearer_sign_in_view_finalize;
  widget_class->map = bearer_sign_in_view_map;
  widget_class->unmap = bearer_sign_in_view_unmap;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "bearer-sign-in-view.ui");
  gtk_widget_class_bind_template_child (widget_class, BearerSignInView, stack);
  gtk_widget_class_bind_template_child (widget_class, BearerSignInView, browser_page);
  gtk_widget_class_bind_template_child (widget_class, BearerSignInView, waiting_box);
  gtk_widget_class_bind_template_child (widget_class, BearerSignInView, launch_error_label);
  gtk_widget_class_bind_template_child (widget_class, BearerSignInView, link_label);
  gtk_widget_class_bind_template_child (widget_class, BearerSignInView, paste_box);
  gtk_widget_class_bind_template_child (widget_class, BearerSignInView, paste_row);
  gtk_widget_class_bind_template_child (widget_class, BearerSignInView, paste_error_label);
  gtk_widget_class_bind_template_child (widget_class, BearerSignInView, device_page);
  gtk_widget_class_bind_template_child (widget_class, BearerSignInView, user_code_label);
  gtk_widget_class_bind_template_child (widget_class, BearerSignInView, qr_picture);
  gtk_widget_class_bind_template_child (widget_class, BearerSignInView, countdown_label);
  gtk_widget_class_bind_template_callback (widget_class, paste_apply_cb);

  gtk_widget_class_install_action (widget_class, "sign-in.copy-link", NULL, copy_link_activated);
  gtk_widget_class_install_action (widget_class, "sign-in.copy-code", NULL, copy_code_activated);
  gtk_widget_class_install_action (widget_class, "sign-in.open-browser", NULL, open_browser_activated);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
bearer_sign_in_view_init (BearerSignInView *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  state_changed_cb (self);
}

GtkWidget *
bearer_sign_in_view_new (void)
{
  return g_object_new (BEARER_TYPE_SIGN_IN_VIEW, NULL);
}
