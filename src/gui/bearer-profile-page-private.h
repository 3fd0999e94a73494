/* bearer-profile-page-private.h: what the page's files share
 *
 * bearer-profile-page.c: the form, bound to the connection's profile and
 *   secrets, and what saving them says;
 * bearer-profile-page-actions.c: what the page does (Get New Access Token,
 *   signing in through the browser or with a code, Discover, Cancel, the
 *   copy menu) and how the outcome is told (status, banner), the
 *   scheduler's refreshes included.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "bearer-error-banner.h"
#include "bearer-profile-page.h"
#include "bearer-sign-in-view.h"
#include "bearer-token-view.h"

G_BEGIN_DECLS

typedef struct _BearerPageRefresh BearerPageRefresh;

struct _BearerProfilePage
{
  GtkWidget parent_instance;

  BearerErrorBanner *banner;
  GtkStack *content_stack;
  AdwPreferencesPage *preferences;
  BearerSignInView *sign_in_view;
  BearerTokenView *token_view;
  AdwEntryRow *name_row;
  AdwComboRow *grant_row;
  AdwEntryRow *issuer_row;
  GtkWidget *discover_button;
  GtkSpinner *discover_spinner;
  AdwEntryRow *authorization_url_row;
  AdwEntryRow *redirect_row;
  GtkWidget *redirect_hint;
  AdwEntryRow *device_url_row;
  AdwEntryRow *url_row;
  AdwEntryRow *refresh_token_row;
  AdwEntryRow *username_row;
  AdwEntryRow *password_row;
  AdwEntryRow *client_id_row;
  AdwEntryRow *client_secret_row;
  AdwEntryRow *scope_row;
  AdwComboRow *client_auth_row;
  AdwComboRow *signing_alg_row;
  AdwEntryRow *key_id_row;
  AdwActionRow *private_key_row;
  GtkWidget *assertion_issuer_row;
  GtkSwitch *assertion_issuer_switch;
  AdwExpanderRow *advanced_row;
  AdwComboRow *pkce_row;
  AdwEntryRow *audience_row;
  AdwEntryRow *resource_row;
  AdwEntryRow *revocation_url_row;
  AdwEntryRow *introspection_url_row;
  GtkSwitch *json_switch;
  AdwActionRow *ca_row;
  GtkWidget *ca_clear_button;
  GtkSwitch *insecure_switch;
  GtkSwitch *dpop_switch;
  GtkSwitch *auto_refresh_switch;
  GtkSwitch *keep_alive_switch;
  GtkSwitch *ask_switch;
  GtkSpinButton *margin_spin;
  GtkLabel *status_label;
  GtkSpinner *spinner;
  GtkWidget *cancel_button;
  GtkWidget *get_button;
  GtkWidget *sign_out_button;
  GtkWidget *add_parameter_button;
  GtkWidget *curl_button;

  BearerConnection *connection;
  GBindingGroup *bindings;            /* the form ↔ the connection's profile */
  AdwEntryRow *secret_rows[BEARER_N_SECRETS];
  GPtrArray *parameter_rows;
  GtkNativeDialog *ca_chooser;
  GtkNativeDialog *key_chooser;
  GCancellable *cancellable;          /* the page's lifetime */
  gboolean disposed;

  /* What the page tells. */
  gboolean banner_shows_save_error;
  GtkWidget *focus_row;               /* to focus once the banner is shown */
  guint focus_id;

  /* Refreshes and sign-ins. */
  BearerPageRefresh *refresh;         /* Get New Access Token or a sign-in, until it ends or is cancelled */
  guint detached;                     /* cancelled ones still running (their answer is stored) */
  gboolean automatic;                 /* the scheduler's refresh is under way */
  gboolean automatic_answered;        /* …and the server answered it */
  gboolean automatic_took_token;      /* …or it found a token another Bearer stored */
  gboolean automatic_failed;

  /* Discover */
  GCancellable *discovery;            /* while the issuer is asked */

  /* Mutual TLS (bearer-profile-page-tls.c) */
  AdwActionRow *client_certificate_row;
  AdwActionRow *client_key_row;
  GtkNativeDialog *client_certificate_chooser;
  GtkNativeDialog *client_key_chooser;
};

/* bearer-profile-page-actions.c */
void        bearer_profile_page_class_init_actions (GtkWidgetClass    *widget_class);
void        bearer_profile_page_init_actions       (BearerProfilePage *self);
void        bearer_profile_page_dispose_actions    (BearerProfilePage *self);
void        bearer_profile_page_set_status         (BearerProfilePage *self,
                                                    const char        *text);
void        bearer_profile_page_show_error         (BearerProfilePage *self,
                                                    const GError      *error);
void        bearer_profile_page_focus_later        (BearerProfilePage *self,
                                                    GtkWidget         *row);
gboolean    bearer_profile_page_needs_sign_in      (BearerProfilePage *self);
void        bearer_profile_page_cancel_sign_in     (BearerProfilePage *self);
const char *bearer_keyring_error_title             (const GError      *error);

/* bearer-profile-page-lifecycle.c */
void        bearer_profile_page_class_init_lifecycle (GtkWidgetClass  *widget_class);
void        bearer_profile_page_init_lifecycle       (BearerProfilePage *self);
/* bearer-profile-page-tls.c */
void        bearer_profile_page_class_init_tls     (GtkWidgetClass    *widget_class);
void        bearer_profile_page_bind_tls           (BearerProfilePage *self);
void        bearer_profile_page_dispose_tls        (BearerProfilePage *self);
gboolean    bearer_profile_page_client_has_secret  (GBinding          *binding,
                                                    const GValue      *from,
                                                    GValue            *to,
                                                    gpointer           user_data);

/* bearer-profile-page.c */
void        bearer_profile_page_show_toast         (BearerProfilePage *self,
                                                    const char        *title);

G_END_DECLS
