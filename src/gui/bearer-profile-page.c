/* bearer-profile-page.c: one connection: "Configure New Token" and its token
 *
 * The page shows one BearerConnection and computes nothing of its own:
 *
 *  - the form is bound to the connection's profile (a GBindingGroup: text
 *    rows to string properties, switches to booleans, the margin to
 *    refresh-margin, combo rows to enums); every change is the profile's,
 *    and the connection saves it after a pause;
 *  - the secret rows give what is typed to bearer_connection_set_secret(),
 *    and show what the connection says on ::secret-changed (read from the
 *    keyring, or a refresh token the server rotated, never over what is
 *    being typed);
 *  - the token view follows the connection's token properties.
 *
 * What the page does (Get New Access Token, Cancel, copying the request)
 * and how a refresh's outcome is told is in bearer-profile-page-actions.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "bearer-agent-protocol.h"
#include "bearer-client-assertion.h"
#include "bearer-enum-types.h"
#include "bearer-parameter-row.h"
#include "bearer-presets.h"
#include "bearer-profile-page-private.h"
#include "bearer-profile-secrets.h"

G_DEFINE_FINAL_TYPE (BearerProfilePage, bearer_profile_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CONNECTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

void
bearer_profile_page_show_toast (BearerProfilePage *self,
                                const char        *title)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (title));
}

static BearerProfile *
profile_of (BearerProfilePage *self)
{
  return bearer_connection_get_profile (self->connection);
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

/* ---- transforms between the form and the profile ------------------------- */

static gboolean
string_to_text (GBinding     *binding,
                const GValue *from,
                GValue       *to,
                gpointer      user_data)
{
  const char *text = g_value_get_string (from);

  g_value_set_string (to, text != NULL ? text : "");
  return TRUE;
}

/* A blank name is not taken: the old one stays until there is a new one. */
static gboolean
text_to_name (GBinding     *binding,
              const GValue *from,
              GValue       *to,
              gpointer      user_data)
{
  g_autofree char *name = g_strstrip (g_strdup (g_value_get_string (from)));

  if (*name == '\0')
    return FALSE;
  g_value_take_string (to, g_steal_pointer (&name));
  return TRUE;
}

static gboolean
enum_to_position (GBinding     *binding,
                  const GValue *from,
                  GValue       *to,
                  gpointer      user_data)
{
  g_value_set_uint (to, adw_enum_list_model_find_position (user_data, g_value_get_enum (from)));
  return TRUE;
}

static gboolean
position_to_enum (GBinding     *binding,
                  const GValue *from,
                  GValue       *to,
                  gpointer      user_data)
{
  g_autoptr(AdwEnumListItem) item = g_list_model_get_item (user_data, g_value_get_uint (from));

  if (item == NULL)
    return FALSE;
  g_value_set_enum (to, adw_enum_list_item_get_value (item));
  return TRUE;
}

static gboolean
encoding_to_json (GBinding     *binding,
                  const GValue *from,
                  GValue       *to,
                  gpointer      user_data)
{
  g_value_set_boolean (to, g_value_get_enum (from) == BEARER_BODY_JSON);
  return TRUE;
}

static gboolean
json_to_encoding (GBinding     *binding,
                  const GValue *from,
                  GValue       *to,
                  gpointer      user_data)
{
  g_value_set_enum (to, g_value_get_boolean (from) ? BEARER_BODY_JSON : BEARER_BODY_FORM);
  return TRUE;
}

/* Which rows a grant and a client authentication need. A profile that
 * signs in keeps itself alive with the refresh token the sign-in brought,
 * which shows (and can be pasted) in the refresh token row. */
/* Visible for one value of an enum property: user_data is the value. */
static gboolean
enum_is (GBinding     *binding,
         const GValue *from,
         GValue       *to,
         gpointer      user_data)
{
  g_value_set_boolean (to, g_value_get_enum (from) == GPOINTER_TO_INT (user_data));
  return TRUE;
}

static gboolean
grant_uses_refresh_token (GBinding     *binding,
                          const GValue *from,
                          GValue       *to,
                          gpointer      user_data)
{
  BearerGrantType grant = g_value_get_enum (from);

  g_value_set_boolean (to, grant == BEARER_GRANT_REFRESH_TOKEN || bearer_grant_type_is_sign_in (grant));
  return TRUE;
}

static gboolean
grant_signs_in (GBinding     *binding,
                const GValue *from,
                GValue       *to,
                gpointer      user_data)
{
  g_value_set_boolean (to, bearer_grant_type_is_sign_in (g_value_get_enum (from)));
  return TRUE;
}

static gboolean
client_signs_assertion (GBinding     *binding,
                        const GValue *from,
                        GValue       *to,
                        gpointer      user_data)
{
  g_value_set_boolean (to, bearer_client_auth_uses_assertion (g_value_get_enum (from)));
  return TRUE;
}

static gboolean
ca_file_to_subtitle (GBinding     *binding,
                     const GValue *from,
                     GValue       *to,
                     gpointer      user_data)
{
  const char *ca_file = g_value_get_string (from);

  g_value_set_string (to, ca_file != NULL ? ca_file : _("Only the system’s certificates are trusted"));
  return TRUE;
}

static gboolean
is_set (GBinding     *binding,
        const GValue *from,
        GValue       *to,
        gpointer      user_data)
{
  g_value_set_boolean (to, g_value_get_string (from) != NULL);
  return TRUE;
}

static gboolean
is_unset (GBinding     *binding,
          const GValue *from,
          GValue       *to,
          gpointer      user_data)
{
  g_value_set_boolean (to, g_value_get_string (from) == NULL);
  return TRUE;
}

/* The grant list: every grant, in the enumeration's order. */
static char *
grant_label (AdwEnumListItem *item,
             gpointer         user_data)
{
  switch ((BearerGrantType) adw_enum_list_item_get_value (item))
    {
    case BEARER_GRANT_REFRESH_TOKEN:
      return g_strdup (_("Refresh Token"));
    case BEARER_GRANT_CLIENT_CREDENTIALS:
      return g_strdup (_("Client Credentials"));
    case BEARER_GRANT_PASSWORD:
      return g_strdup (_("Password Credentials"));
    case BEARER_GRANT_AUTHORIZATION_CODE:
      return g_strdup (_("Authorization Code (With PKCE)"));
    case BEARER_GRANT_DEVICE_CODE:
      return g_strdup (_("Device Code"));
    default:
      return g_strdup (adw_enum_list_item_get_nick (item));
    }
}

static char *
pkce_label (AdwEnumListItem *item,
            gpointer         user_data)
{
  switch ((BearerPkceMethod) adw_enum_list_item_get_value (item))
    {
    case BEARER_PKCE_S256:
      return g_strdup (_("S256 (recommended)"));
    case BEARER_PKCE_PLAIN:
      return g_strdup (_("Plain, for servers without S256"));
    case BEARER_PKCE_NONE:
      return g_strdup (_("None, for servers that refuse PKCE"));
    default:
      return g_strdup (adw_enum_list_item_get_nick (item));
    }
}

static char *
client_auth_label (AdwEnumListItem *item,
                   gpointer         user_data)
{
  switch ((BearerClientAuth) adw_enum_list_item_get_value (item))
    {
    case BEARER_CLIENT_AUTH_BASIC:
      return g_strdup (_("Send as Basic Auth header"));
    case BEARER_CLIENT_AUTH_BASIC_RAW:
      return g_strdup (_("Send as Basic Auth header, unencoded"));
    case BEARER_CLIENT_AUTH_POST:
      return g_strdup (_("Send client credentials in body"));
    case BEARER_CLIENT_AUTH_NONE:
      return g_strdup (_("None (public client)"));
    case BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT:
      return g_strdup (_("Signed with a private key (private_key_jwt)"));
    case BEARER_CLIENT_AUTH_CLIENT_SECRET_JWT:
      return g_strdup (_("Signed with the client secret (client_secret_jwt)"));
    case BEARER_CLIENT_AUTH_TLS_CLIENT_AUTH:
      return g_strdup (_("Client certificate issued by a CA (tls_client_auth)"));
    case BEARER_CLIENT_AUTH_SELF_SIGNED_TLS_CLIENT_AUTH:
      return g_strdup (_("Self-signed client certificate (self_signed_tls_client_auth)"));
    default:
      return g_strdup (adw_enum_list_item_get_nick (item));
    }
}

static char *
signing_alg_label (AdwEnumListItem *item,
                   gpointer         user_data)
{
  switch ((BearerSigningAlg) adw_enum_list_item_get_value (item))
    {
    case BEARER_SIGNING_ALG_AUTO:
      return g_strdup (_("Automatic: RS256 or ES256 as the key is, HS256 with a secret"));
    case BEARER_SIGNING_ALG_RS256:
    case BEARER_SIGNING_ALG_PS256:
    case BEARER_SIGNING_ALG_ES256:
    case BEARER_SIGNING_ALG_HS256:
    default:
      /* The JOSE names, not translated. */
      return g_strdup (adw_enum_list_item_get_nick (item));
    }
}

static void
bind_text (BearerProfilePage *self,
           const char        *property,
           AdwEntryRow       *row)
{
  g_binding_group_bind_full (self->bindings, property, row, "text",
                             G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE,
                             string_to_text, NULL, NULL, NULL);
}

/* An enumeration's values in a combo row, named by @label. */
static AdwEnumListModel *
set_enum_model (AdwComboRow *row,
                GType        type,
                GCallback    label)
{
  AdwEnumListModel *model = adw_enum_list_model_new (type);
  GtkExpression *expression = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL, label, NULL, NULL);

  adw_combo_row_set_expression (row, expression);
  adw_combo_row_set_model (row, G_LIST_MODEL (model));
  gtk_expression_unref (expression);
  return model;
}

/* The form ↔ the profile: one binding per field, no callback. */
static void
bind_form (BearerProfilePage *self)
{
  AdwEnumListModel *grants = set_enum_model (self->grant_row, BEARER_TYPE_GRANT_TYPE,
                                             G_CALLBACK (grant_label));
  AdwEnumListModel *client_auths = set_enum_model (self->client_auth_row, BEARER_TYPE_CLIENT_AUTH,
                                                   G_CALLBACK (client_auth_label));
  AdwEnumListModel *pkce_methods = set_enum_model (self->pkce_row, BEARER_TYPE_PKCE_METHOD,
                                                   G_CALLBACK (pkce_label));
  AdwEnumListModel *signing_algs = set_enum_model (self->signing_alg_row, BEARER_TYPE_SIGNING_ALG,
                                                   G_CALLBACK (signing_alg_label));
  GBindingGroup *b = self->bindings;
  const GBindingFlags both = G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE;

  g_binding_group_bind_full (b, "name", self->name_row, "text", both,
                             string_to_text, text_to_name, NULL, NULL);
  bind_text (self, "token-url", self->url_row);
  bind_text (self, "issuer", self->issuer_row);
  bind_text (self, "authorization-url", self->authorization_url_row);
  bind_text (self, "redirect-uri", self->redirect_row);
  bind_text (self, "device-authorization-url", self->device_url_row);
  bind_text (self, "revocation-url", self->revocation_url_row);
  bind_text (self, "introspection-url", self->introspection_url_row);
  bind_text (self, "username", self->username_row);
  bind_text (self, "client-id", self->client_id_row);
  bind_text (self, "scope", self->scope_row);
  bind_text (self, "audience", self->audience_row);
  bind_text (self, "resource", self->resource_row);
  bind_text (self, "key-id", self->key_id_row);
  g_binding_group_bind_full (b, "grant-type", self->grant_row, "selected", both,
                             enum_to_position, position_to_enum, grants, g_object_unref);
  g_binding_group_bind_full (b, "client-auth", self->client_auth_row, "selected", both,
                             enum_to_position, position_to_enum, client_auths, g_object_unref);
  g_binding_group_bind_full (b, "pkce-method", self->pkce_row, "selected", both,
                             enum_to_position, position_to_enum, pkce_methods, g_object_unref);
  g_binding_group_bind_full (b, "signing-alg", self->signing_alg_row, "selected", both,
                             enum_to_position, position_to_enum, signing_algs, g_object_unref);
  g_binding_group_bind_full (b, "body-encoding", self->json_switch, "active", both,
                             encoding_to_json, json_to_encoding, NULL, NULL);
  g_binding_group_bind (b, "allow-insecure-http", self->insecure_switch, "active", both);
  g_binding_group_bind (b, "dpop", self->dpop_switch, "active", both);
  g_binding_group_bind (b, "auto-refresh", self->auto_refresh_switch, "active", both);
  g_binding_group_bind (b, "keep-alive", self->keep_alive_switch, "active", both);
  g_binding_group_bind (b, "ask-before-use", self->ask_switch, "active", both);
  g_binding_group_bind (b, "assertion-audience-issuer", self->assertion_issuer_switch, "active", both);
  g_binding_group_bind (b, "refresh-margin", self->margin_spin, "value", both);
  g_binding_group_bind_full (b, "ca-file", self->ca_row, "subtitle", G_BINDING_SYNC_CREATE,
                             ca_file_to_subtitle, NULL, NULL, NULL);
  g_binding_group_bind_full (b, "ca-file", self->ca_clear_button, "visible", G_BINDING_SYNC_CREATE,
                             is_set, NULL, NULL, NULL);

  /* The rows the grant and the client authentication need. */
  g_binding_group_bind_full (b, "grant-type", self->refresh_token_row, "visible", G_BINDING_SYNC_CREATE,
                             grant_uses_refresh_token, NULL, NULL, NULL);
  g_binding_group_bind_full (b, "grant-type", self->username_row, "visible", G_BINDING_SYNC_CREATE,
                             enum_is, NULL,
                             GINT_TO_POINTER (BEARER_GRANT_PASSWORD), NULL);
  g_binding_group_bind_full (b, "grant-type", self->password_row, "visible", G_BINDING_SYNC_CREATE,
                             enum_is, NULL,
                             GINT_TO_POINTER (BEARER_GRANT_PASSWORD), NULL);
  g_binding_group_bind_full (b, "client-auth", self->client_secret_row, "visible", G_BINDING_SYNC_CREATE,
                             bearer_profile_page_client_has_secret, NULL, NULL, NULL);
  g_binding_group_bind_full (b, "client-auth", self->signing_alg_row, "visible", G_BINDING_SYNC_CREATE,
                             client_signs_assertion, NULL, NULL, NULL);
  g_binding_group_bind_full (b, "client-auth", self->key_id_row, "visible", G_BINDING_SYNC_CREATE,
                             enum_is, NULL,
                             GINT_TO_POINTER (BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT), NULL);
  g_binding_group_bind_full (b, "client-auth", self->assertion_issuer_row, "visible", G_BINDING_SYNC_CREATE,
                             client_signs_assertion, NULL, NULL, NULL);
  g_binding_group_bind_full (b, "client-auth", self->private_key_row, "visible", G_BINDING_SYNC_CREATE,
                             enum_is, NULL,
                             GINT_TO_POINTER (BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT), NULL);
  g_binding_group_bind_full (b, "grant-type", self->issuer_row, "visible", G_BINDING_SYNC_CREATE,
                             grant_signs_in, NULL, NULL, NULL);
  g_binding_group_bind_full (b, "grant-type", self->authorization_url_row, "visible", G_BINDING_SYNC_CREATE,
                             enum_is, NULL,
                             GINT_TO_POINTER (BEARER_GRANT_AUTHORIZATION_CODE), NULL);
  g_binding_group_bind_full (b, "grant-type", self->redirect_row, "visible", G_BINDING_SYNC_CREATE,
                             enum_is, NULL,
                             GINT_TO_POINTER (BEARER_GRANT_AUTHORIZATION_CODE), NULL);
  g_binding_group_bind_full (b, "grant-type", self->pkce_row, "visible", G_BINDING_SYNC_CREATE,
                             enum_is, NULL,
                             GINT_TO_POINTER (BEARER_GRANT_AUTHORIZATION_CODE), NULL);
  g_binding_group_bind_full (b, "grant-type", self->device_url_row, "visible", G_BINDING_SYNC_CREATE,
                             enum_is, NULL,
                             GINT_TO_POINTER (BEARER_GRANT_DEVICE_CODE), NULL);
  /* "automatic — 127.0.0.1, any port" while no callback URL is typed */
  g_binding_group_bind_full (b, "redirect-uri", self->redirect_hint, "visible", G_BINDING_SYNC_CREATE,
                             is_unset, NULL, NULL, NULL);

  g_binding_group_set_source (b, profile_of (self));
}

/* ---- Keep Signed In --------------------------------------------------------- */

/* Keep Signed In on: the token agent is started (D-Bus activation) so that
 * it keeps the connection alive from now on, window or not. The agent
 * follows profiles.json, so it sees the switch once it is saved. */
static void
keep_alive_changed_cb (BearerProfilePage *self)
{
  if (!bearer_profile_get_keep_alive (profile_of (self)))
    return;
  bearer_agent_start (self->cancellable);
}

/* ---- checks as the user types -------------------------------------------- */

/* The core's rules for every address Bearer sends a request to (the token,
 * authorization, device authorization URLs and the issuer). */
static void
check_url_row (BearerProfilePage *self,
               AdwEntryRow       *entry_row,
               const char        *url)
{
  GtkWidget *row = GTK_WIDGET (entry_row);

  switch (bearer_check_token_url (url, bearer_profile_get_allow_insecure_http (profile_of (self))))
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
validate_url (BearerProfilePage *self)
{
  BearerProfile *profile = profile_of (self);
  g_autoptr(GError) error = NULL;

  check_url_row (self, self->url_row, bearer_profile_get_token_url (profile));
  check_url_row (self, self->issuer_row, bearer_profile_get_issuer (profile));
  check_url_row (self, self->authorization_url_row, bearer_profile_get_authorization_url (profile));
  check_url_row (self, self->device_url_row, bearer_profile_get_device_authorization_url (profile));
  check_url_row (self, self->revocation_url_row, bearer_profile_get_revocation_url (profile));
  check_url_row (self, self->introspection_url_row, bearer_profile_get_introspection_url (profile));

  /* The callback is where the browser comes back: any http(s) address. */
  if (bearer_sign_in_check_redirect_uri (bearer_profile_get_redirect_uri (profile), &error))
    set_row_problem (GTK_WIDGET (self->redirect_row), NULL, NULL);
  else
    set_row_problem (GTK_WIDGET (self->redirect_row), "error", error->message);
}

static void
name_row_changed_cb (BearerProfilePage *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));

  /* The binding keeps the old name until there is a new one. */
  if (*name == '\0')
    set_row_problem (GTK_WIDGET (self->name_row), "error", _("A connection needs a name"));
  else
    set_row_problem (GTK_WIDGET (self->name_row), NULL, NULL);
}

/* The refresh token row is red while the server refuses the refresh token
 * (pasting a new one clears it: the connection's state changes). */
static void
state_changed_cb (BearerProfilePage *self)
{
  if (bearer_connection_get_state (self->connection) == BEARER_TOKEN_STATE_SIGN_IN)
    gtk_widget_add_css_class (GTK_WIDGET (self->refresh_token_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->refresh_token_row), "error");
}

/* ---- secrets ------------------------------------------------------------- */

static void
secret_row_changed_cb (GtkEditable       *editable,
                       BearerProfilePage *self)
{
  for (guint kind = 0; kind < BEARER_N_SECRETS; kind++)
    if (self->secret_rows[kind] != NULL && GTK_EDITABLE (self->secret_rows[kind]) == editable)
      bearer_connection_set_secret (self->connection, kind, gtk_editable_get_text (editable));
}

/* Read from the keyring, or rotated by the server: shown, and not given
 * back to the connection as if typed (that would save it again, and a
 * refresh token "pasted" would clear "sign in again"). */
static void
secret_changed_cb (BearerProfilePage *self,
                   BearerSecretKind   kind)
{
  const char *value = bearer_connection_get_secret (self->connection, kind);
  GtkEditable *row;

  /* The private key is never shown: its row only says whether there is one. */
  if (kind == BEARER_SECRET_PRIVATE_KEY)
    {
      adw_action_row_set_subtitle (self->private_key_row,
                                   value != NULL && *value != '\0'
                                   ? _("A private key is stored in the keyring")
                                   : _("No private key yet: choose its PEM file"));
      return;
    }

  /* The client key has no text row: bearer-profile-page-tls.c shows it. */
  if (self->secret_rows[kind] == NULL)
    return;
  row = GTK_EDITABLE (self->secret_rows[kind]);
  if (g_strcmp0 (gtk_editable_get_text (row), value != NULL ? value : "") == 0)
    return;
  g_signal_handlers_block_by_func (row, secret_row_changed_cb, self);
  gtk_editable_set_text (row, value != NULL ? value : "");
  g_signal_handlers_unblock_by_func (row, secret_row_changed_cb, self);
}

static void
secrets_loaded (BearerProfilePage *self)
{
  const GError *error = bearer_connection_get_secrets_error (self->connection);

  if (error != NULL)
    {
      bearer_error_banner_show (self->banner, BEARER_BANNER_ERROR, bearer_keyring_error_title (error),
                                error->message, 0, NULL, NULL);
      return;
    }

  if (bearer_connection_get_state (self->connection) != BEARER_TOKEN_STATE_SIGN_IN ||
      !gtk_widget_get_visible (GTK_WIDGET (self->refresh_token_row)))
    return;
  if (bearer_grant_type_is_sign_in (bearer_profile_get_grant_type (profile_of (self))))
    bearer_error_banner_show (self->banner, BEARER_BANNER_ERROR, _("Sign in again"),
                              _("The server refused this connection’s refresh token: sign in again "
                                "to get new tokens."),
                              0, NULL, NULL);
  else
    bearer_error_banner_show (self->banner, BEARER_BANNER_ERROR,
                              _("Sign in again: paste a new refresh token"),
                              _("The server refused this connection’s refresh token."),
                              0, NULL, NULL);
}

static void
secrets_loaded_cb (BearerProfilePage *self)
{
  if (bearer_connection_get_secrets_loaded (self->connection))
    secrets_loaded (self);
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
  if (secrets == NULL)
    {
      bearer_error_banner_show (self->banner, BEARER_BANNER_ERROR, bearer_keyring_error_title (error),
                                error->message, 0, NULL, NULL);
      return;
    }
  bearer_connection_set_secrets (self->connection, secrets);
  bearer_profile_page_show_toast (self, _("The new tokens the keyring had refused earlier are now "
                                          "saved in it"));
}

/* Tokens the keyring refused earlier (kept aside by the core) are moved
 * into it when the connection is opened, under the profile's lock. */
static void
move_pending_tokens (BearerProfilePage *self)
{
  if (bearer_profile_has_pending_tokens (profile_of (self)))
    bearer_profile_update_secrets_async (profile_of (self), keep_secrets, NULL, NULL, self->cancellable,
                                         pending_moved_cb, self);
}

/* ---- what saving says ---------------------------------------------------- */

static void
hide_save_error (BearerProfilePage *self)
{
  if (!self->banner_shows_save_error)
    return;
  self->banner_shows_save_error = FALSE;
  bearer_error_banner_hide (self->banner);
}

static void
profile_saved_cb (BearerProfilePage *self)
{
  set_row_problem (GTK_WIDGET (self->name_row), NULL, NULL);
  hide_save_error (self);
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
  bearer_error_banner_show (self->banner, BEARER_BANNER_ERROR, bearer_keyring_error_title (error),
                            message, 0, NULL, NULL);
}

/* ---- the CA certificate -------------------------------------------------- */

static void
ca_clear_clicked_cb (BearerProfilePage *self)
{
  bearer_profile_set_ca_file (profile_of (self), NULL);
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
        bearer_profile_set_ca_file (profile_of (self), path);
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

/* ---- the private key (private_key_jwt) ------------------------------------ */

static void
private_key_problem (BearerProfilePage *self,
                     const char        *message)
{
  set_row_problem (GTK_WIDGET (self->private_key_row), message != NULL ? "error" : NULL, message);
  if (message != NULL)
    bearer_error_banner_show (self->banner, BEARER_BANNER_ERROR, _("The private key cannot be used"),
                              message, 0, NULL, NULL);
}

static void
private_key_loaded_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(BearerProfilePage) self = user_data;
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  if (!g_file_load_contents_finish (G_FILE (source), result, &contents, &length, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && !self->disposed)
        private_key_problem (self, error->message);
      return;
    }
  if (self->disposed)
    {
      explicit_bzero (contents, length);
      g_free (contents);
      return;
    }

  if (length > BEARER_PRIVATE_KEY_MAX_SIZE || memchr (contents, '\0', length) != NULL ||
      !g_utf8_validate (contents, length, NULL))
    private_key_problem (self, _("The file is not a PEM private key"));
  else if (bearer_private_key_check (contents,
                                     bearer_profile_get_signing_alg (profile_of (self)), &error))
    {
      /* Into the keyring, never into a file; the row says only that it is there. */
      private_key_problem (self, NULL);
      bearer_connection_set_secret (self->connection, BEARER_SECRET_PRIVATE_KEY, contents);
      secret_changed_cb (self, BEARER_SECRET_PRIVATE_KEY);
    }
  else
    private_key_problem (self, error->message);

  explicit_bzero (contents, length);
  g_free (contents);
}

/**
 * bearer_profile_page_load_private_key:
 * @file: a PEM private key, as chosen with Choose File…
 *
 * Reads @file without blocking, checks that it signs with the profile's
 * signing algorithm, and gives it to the connection, which keeps it in the
 * keyring only. A file that is not such a key is explained on the page.
 */
void
bearer_profile_page_load_private_key (BearerProfilePage *self,
                                      GFile             *file)
{
  g_return_if_fail (BEARER_IS_PROFILE_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  g_file_load_contents_async (file, self->cancellable, private_key_loaded_cb, g_object_ref (self));
}

static void
key_chooser_response_cb (BearerProfilePage *self,
                         int                response)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (self->key_chooser));

      if (file != NULL)
        bearer_profile_page_load_private_key (self, file);
    }
  g_clear_object (&self->key_chooser);
}

static void
private_key_choose_clicked_cb (BearerProfilePage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (self->key_chooser != NULL)
    return;

  /* GtkFileDialog is GTK 4.10; the native chooser uses the portal in Flatpak. */
  chooser = gtk_file_chooser_native_new (_("Choose a Private Key"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Select"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("PEM private keys"));
  gtk_file_filter_add_pattern (filter, "*.pem");
  gtk_file_filter_add_pattern (filter, "*.key");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect_swapped (chooser, "response", G_CALLBACK (key_chooser_response_cb), self);
  self->key_chooser = GTK_NATIVE_DIALOG (chooser);
  gtk_native_dialog_show (self->key_chooser);
}

/* ---- extra parameters ---------------------------------------------------- */

/* The rows are the list: any change writes it whole into the profile. */
static void
parameters_changed_cb (BearerProfilePage *self)
{
  BearerProfile *profile = profile_of (self);

  g_object_freeze_notify (G_OBJECT (profile));
  bearer_profile_clear_parameters (profile);
  for (guint i = 0; i < self->parameter_rows->len; i++)
    {
      BearerParameterRow *row = g_ptr_array_index (self->parameter_rows, i);
      const char *name = bearer_parameter_row_get_name (row);

      /* A row without a name yet is not a parameter yet. */
      if (name != NULL && *name != '\0')
        bearer_profile_add_parameter (profile, bearer_parameter_row_get_location (row),
                                      name, bearer_parameter_row_get_value (row));
    }
  g_object_thaw_notify (G_OBJECT (profile));
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

static void
show_parameters (BearerProfilePage *self)
{
  BearerProfile *profile = profile_of (self);

  for (guint i = 0; i < bearer_profile_get_n_parameters (profile); i++)
    {
      BearerParamLocation location;
      const char *name, *value;

      bearer_profile_get_parameter (profile, i, &location, &name, &value);
      add_parameter_row (self, location, name, value);
    }
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
bearer_profile_page_constructed (GObject *object)
{
  BearerProfilePage *self = BEARER_PROFILE_PAGE (object);
  BearerProfile *profile;

  G_OBJECT_CLASS (bearer_profile_page_parent_class)->constructed (object);

  g_assert (self->connection != NULL);
  profile = profile_of (self);

  bind_form (self);
  show_parameters (self);

  self->secret_rows[BEARER_SECRET_CLIENT_SECRET] = self->client_secret_row;
  self->secret_rows[BEARER_SECRET_REFRESH_TOKEN] = self->refresh_token_row;
  self->secret_rows[BEARER_SECRET_PASSWORD] = self->password_row;
  bearer_profile_page_bind_tls (self);
  /* Every kind: the rows without text (the private key's) say whether a
   * key is stored. */
  for (guint kind = 0; kind < BEARER_N_SECRETS; kind++)
    {
      secret_changed_cb (self, kind);
      if (self->secret_rows[kind] != NULL)
        g_signal_connect (self->secret_rows[kind], "changed", G_CALLBACK (secret_row_changed_cb), self);
    }

  g_signal_connect_object (self->connection, "secret-changed", G_CALLBACK (secret_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->connection, "notify::state", G_CALLBACK (state_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->connection, "notify::secrets-loaded", G_CALLBACK (secrets_loaded_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->connection, "profile-saved", G_CALLBACK (profile_saved_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->connection, "secrets-saved", G_CALLBACK (hide_save_error), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->connection, "profile-save-failed", G_CALLBACK (profile_save_failed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->connection, "secrets-save-failed", G_CALLBACK (secrets_save_failed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (profile, "notify::token-url", G_CALLBACK (validate_url), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (profile, "notify::issuer", G_CALLBACK (validate_url), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (profile, "notify::authorization-url", G_CALLBACK (validate_url), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (profile, "notify::device-authorization-url", G_CALLBACK (validate_url), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (profile, "notify::redirect-uri", G_CALLBACK (validate_url), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (profile, "notify::revocation-url", G_CALLBACK (validate_url), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (profile, "notify::introspection-url", G_CALLBACK (validate_url), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (profile, "notify::allow-insecure-http", G_CALLBACK (validate_url), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (profile, "notify::keep-alive", G_CALLBACK (keep_alive_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_swapped (self->name_row, "changed", G_CALLBACK (name_row_changed_cb), self);
  validate_url (self);
  state_changed_cb (self);

  bearer_token_view_set_connection (self->token_view, self->connection);
  g_object_bind_property_full (self->connection, "access-token", self->token_view, "visible",
                               G_BINDING_SYNC_CREATE, is_set, NULL, NULL, NULL);
  bearer_profile_page_init_actions (self);
  bearer_profile_page_init_lifecycle (self);

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
  gtk_accessible_reset_relation (GTK_ACCESSIBLE (self->pkce_row), GTK_ACCESSIBLE_RELATION_LABELLED_BY);

  secrets_loaded_cb (self);
  move_pending_tokens (self);
}

static void
bearer_profile_page_unroot (GtkWidget *widget)
{
  bearer_profile_page_cancel_sign_in (BEARER_PROFILE_PAGE (widget));
  GTK_WIDGET_CLASS (bearer_profile_page_parent_class)->unroot (widget);
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
      bearer_profile_page_dispose_actions (self);
      bearer_profile_page_dispose_tls (self);
      if (self->ca_chooser != NULL)
        {
          g_signal_handlers_disconnect_by_data (self->ca_chooser, self);
          gtk_native_dialog_destroy (self->ca_chooser);
          g_clear_object (&self->ca_chooser);
        }
      if (self->key_chooser != NULL)
        {
          g_signal_handlers_disconnect_by_data (self->key_chooser, self);
          gtk_native_dialog_destroy (self->key_chooser);
          g_clear_object (&self->key_chooser);
        }
      if (self->bindings != NULL)
        g_binding_group_set_source (self->bindings, NULL);
      /* Whatever was typed is written now, even as the page goes away. */
      if (self->connection != NULL && !bearer_connection_get_saved (self->connection))
        bearer_connection_save_now (self->connection);
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

  g_clear_object (&self->bindings);
  g_clear_object (&self->connection);
  g_clear_object (&self->cancellable);
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
    case PROP_CONNECTION:
      g_value_set_object (value, self->connection);
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
    case PROP_CONNECTION:
      self->connection = g_value_dup_object (value);
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
  widget_class->unroot = bearer_profile_page_unroot;

  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, BEARER_TYPE_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (BEARER_TYPE_ERROR_BANNER);
  g_type_ensure (BEARER_TYPE_SIGN_IN_VIEW);
  g_type_ensure (BEARER_TYPE_TOKEN_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "bearer-profile-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, banner);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, content_stack);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, preferences);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, sign_in_view);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, token_view);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, name_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, grant_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, issuer_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, discover_button);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, discover_spinner);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, authorization_url_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, redirect_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, redirect_hint);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, device_url_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, revocation_url_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, sign_out_button);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, introspection_url_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, url_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, refresh_token_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, username_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, password_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, client_id_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, client_secret_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, scope_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, client_auth_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, advanced_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, pkce_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, audience_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, resource_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, json_switch);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, ca_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, signing_alg_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, key_id_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, private_key_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, assertion_issuer_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, assertion_issuer_switch);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, ca_clear_button);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, insecure_switch);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, dpop_switch);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, auto_refresh_switch);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, keep_alive_switch);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, ask_switch);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, margin_spin);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, status_label);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, spinner);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, get_button);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, add_parameter_button);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, curl_button);
  gtk_widget_class_bind_template_callback (widget_class, ca_clear_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, ca_choose_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, private_key_choose_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, add_parameter_clicked_cb);

  bearer_profile_page_class_init_actions (widget_class);
  bearer_profile_page_class_init_lifecycle (widget_class);
  bearer_profile_page_class_init_tls (widget_class);
}

static void
bearer_profile_page_init (BearerProfilePage *self)
{
  self->cancellable = g_cancellable_new ();
  self->bindings = g_binding_group_new ();
  self->parameter_rows = g_ptr_array_new_with_free_func (g_object_unref);
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * bearer_profile_page_new:
 * @connection: what the page shows and edits
 *
 * Returns: (transfer floating): the page
 */
GtkWidget *
bearer_profile_page_new (BearerConnection *connection)
{
  g_return_val_if_fail (BEARER_IS_CONNECTION (connection), NULL);
  return g_object_new (BEARER_TYPE_PROFILE_PAGE, "connection", connection, NULL);
}

/**
 * bearer_profile_page_get_connection:
 *
 * Returns: (transfer none): the connection the page shows
 */
BearerConnection *
bearer_profile_page_get_connection (BearerProfilePage *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE_PAGE (self), NULL);
  return self->connection;
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
    self->authorization_url_row, self->device_url_row, self->url_row, self->refresh_token_row,
    self->username_row, self->password_row, self->client_id_row, self->client_secret_row,
  };
  BearerGrantType grant;
  gboolean signs_in;

  g_return_if_fail (BEARER_IS_PROFILE_PAGE (self));

  grant = bearer_profile_get_grant_type (bearer_connection_get_profile (self->connection));
  signs_in = grant == BEARER_GRANT_AUTHORIZATION_CODE || grant == BEARER_GRANT_DEVICE_CODE;

  /* No stale selection left by the focus passing through the name. */
  gtk_editable_select_region (GTK_EDITABLE (self->name_row), 0, 0);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    if (gtk_widget_get_visible (GTK_WIDGET (rows[i])) &&
        *gtk_editable_get_text (GTK_EDITABLE (rows[i])) == '\0' &&
        /* A sign-in brings the refresh token: it is not missing. */
        !(rows[i] == self->refresh_token_row && signs_in))
      {
        gtk_widget_grab_focus (GTK_WIDGET (rows[i]));
        return;
      }
  gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
}
