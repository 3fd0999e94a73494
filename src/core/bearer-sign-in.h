/* bearer-sign-in.h: signing in from zero, through the browser or with a device code
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "bearer-profile.h"
#include "bearer-refresh.h"

G_BEGIN_DECLS

#define BEARER_SIGN_IN_ERROR (bearer_sign_in_error_quark ())

/**
 * BearerSignInError:
 * @BEARER_SIGN_IN_ERROR_DENIED: the user or the server refused (`access_denied`)
 * @BEARER_SIGN_IN_ERROR_EXPIRED: the device code expired before the user approved it
 * @BEARER_SIGN_IN_ERROR_TIMED_OUT: the browser did not come back in time
 * @BEARER_SIGN_IN_ERROR_STATE_MISMATCH: a redirect whose `state` is not this sign-in's
 * @BEARER_SIGN_IN_ERROR_NO_CODE: a redirect with the right `state` but no `code`
 * @BEARER_SIGN_IN_ERROR_SERVER: the authorization server answered with another error
 * @BEARER_SIGN_IN_ERROR_INVALID_REDIRECT: a pasted address that is not a redirect of a sign-in
 * @BEARER_SIGN_IN_ERROR_LOOPBACK: the loopback redirect could not be listened on
 * @BEARER_SIGN_IN_ERROR_SETUP: the profile lacks what this sign-in needs
 */
typedef enum {
  BEARER_SIGN_IN_ERROR_DENIED,
  BEARER_SIGN_IN_ERROR_EXPIRED,
  BEARER_SIGN_IN_ERROR_TIMED_OUT,
  BEARER_SIGN_IN_ERROR_STATE_MISMATCH,
  BEARER_SIGN_IN_ERROR_NO_CODE,
  BEARER_SIGN_IN_ERROR_SERVER,
  BEARER_SIGN_IN_ERROR_INVALID_REDIRECT,
  BEARER_SIGN_IN_ERROR_LOOPBACK,
  BEARER_SIGN_IN_ERROR_SETUP,
} BearerSignInError;

/**
 * BearerSignInMethod:
 * @BEARER_SIGN_IN_BROWSER: the authorization code with PKCE, through the system browser
 * @BEARER_SIGN_IN_DEVICE: the device grant (RFC 8628): a code typed on another device
 */
typedef enum {
  BEARER_SIGN_IN_BROWSER, /*< nick=browser >*/
  BEARER_SIGN_IN_DEVICE,  /*< nick=device >*/
} BearerSignInMethod;

/**
 * BearerSignInState:
 * @BEARER_SIGN_IN_STATE_IDLE: not started
 * @BEARER_SIGN_IN_STATE_STARTING: checking the profile, asking for a device code
 * @BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER: open #BearerSignIn:authorization-url; waiting for the redirect
 * @BEARER_SIGN_IN_STATE_WAITING_FOR_USER: show the user code; polling the token endpoint
 * @BEARER_SIGN_IN_STATE_EXCHANGING: getting and storing the tokens
 * @BEARER_SIGN_IN_STATE_DONE: signed in
 * @BEARER_SIGN_IN_STATE_FAILED: not signed in (see the error)
 */
typedef enum {
  BEARER_SIGN_IN_STATE_IDLE,                 /*< nick=idle >*/
  BEARER_SIGN_IN_STATE_STARTING,             /*< nick=starting >*/
  BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER,  /*< nick=waiting-for-browser >*/
  BEARER_SIGN_IN_STATE_WAITING_FOR_USER,     /*< nick=waiting-for-user >*/
  BEARER_SIGN_IN_STATE_EXCHANGING,           /*< nick=exchanging >*/
  BEARER_SIGN_IN_STATE_DONE,                 /*< nick=done >*/
  BEARER_SIGN_IN_STATE_FAILED,               /*< nick=failed >*/
} BearerSignInState;

/* How long the browser has to come back, by default: 5 minutes. */
#define BEARER_SIGN_IN_DEFAULT_TIMEOUT 300
/* The redirect when the profile names none (RFC 8252 §7.3, any port). */
#define BEARER_SIGN_IN_DEFAULT_REDIRECT_PATH "/callback"
/* The device grant's polling interval when the server names none (RFC 8628 §3.2). */
#define BEARER_SIGN_IN_DEFAULT_INTERVAL 5

#define BEARER_TYPE_SIGN_IN (bearer_sign_in_get_type ())
G_DECLARE_FINAL_TYPE (BearerSignIn, bearer_sign_in, BEARER, SIGN_IN, GObject)

GQuark               bearer_sign_in_error_quark              (void);

BearerSignIn        *bearer_sign_in_new                      (BearerProfile       *profile,
                                                              BearerSignInMethod   method);
BearerProfile       *bearer_sign_in_get_profile              (BearerSignIn        *self);
BearerSignInMethod   bearer_sign_in_get_method               (BearerSignIn        *self);
void                 bearer_sign_in_set_timeout              (BearerSignIn        *self,
                                                              guint                seconds);
guint                bearer_sign_in_get_timeout              (BearerSignIn        *self);

BearerSignInState    bearer_sign_in_get_state                (BearerSignIn        *self);
gboolean             bearer_sign_in_get_request_in_flight    (BearerSignIn        *self);

/* The browser */
const char          *bearer_sign_in_get_authorization_url    (BearerSignIn        *self);
const char          *bearer_sign_in_get_redirect_uri         (BearerSignIn        *self);
gboolean             bearer_sign_in_get_loopback             (BearerSignIn        *self);
gboolean             bearer_sign_in_submit_redirect          (BearerSignIn        *self,
                                                              const char          *address,
                                                              GError             **error);

/* The device grant */
const char          *bearer_sign_in_get_user_code            (BearerSignIn        *self);
const char          *bearer_sign_in_get_verification_uri     (BearerSignIn        *self);
const char          *bearer_sign_in_get_verification_uri_complete (BearerSignIn   *self);
gint64               bearer_sign_in_get_expires_at           (BearerSignIn        *self);
guint                bearer_sign_in_get_interval             (BearerSignIn        *self);

void                 bearer_sign_in_run_async                (BearerSignIn        *self,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
BearerRefreshResult *bearer_sign_in_run_finish               (BearerSignIn        *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);

gboolean             bearer_sign_in_check_redirect_uri       (const char          *uri,
                                                              GError             **error);

G_END_DECLS
