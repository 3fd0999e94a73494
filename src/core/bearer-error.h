/* bearer-error.h: what went wrong, in words a person can act on
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BEARER_ERROR (bearer_error_quark ())

/**
 * BearerError:
 *
 * The first block mirrors RFC 6749 §5.2. The message of such an error is a
 * sentence for the user that quotes the server's own `error_description`
 * (or Laravel Passport's `hint`/`message`); the raw fields are available
 * through the getters below.
 *
 * Cancellation is not a Bearer error: it is reported as
 * %G_IO_ERROR_CANCELLED, as everywhere in GIO, so callers can ignore it
 * with one g_error_matches().
 */
typedef enum {
  /* RFC 6749 §5.2 */
  BEARER_ERROR_INVALID_REQUEST,
  BEARER_ERROR_INVALID_CLIENT,
  BEARER_ERROR_INVALID_GRANT,
  BEARER_ERROR_UNAUTHORIZED_CLIENT,
  BEARER_ERROR_UNSUPPORTED_GRANT_TYPE,
  BEARER_ERROR_INVALID_SCOPE,
  /* An OAuth error code outside RFC 6749 (e.g. access_denied, server_error) */
  BEARER_ERROR_OAUTH_OTHER,

  /* The reply */
  BEARER_ERROR_HTTP_STATUS,       /* an HTTP error status without an OAuth error body */
  BEARER_ERROR_HTML_PAGE,         /* a web page instead of a token */
  BEARER_ERROR_EMPTY_BODY,
  BEARER_ERROR_MALFORMED_JSON,    /* also: not UTF-8, NUL bytes, an unreadable form body */
  BEARER_ERROR_NOT_AN_OBJECT,     /* JSON, but not an object */
  BEARER_ERROR_NO_ACCESS_TOKEN,
  BEARER_ERROR_WRONG_TYPE,        /* a known field of the wrong type or out of range */
  BEARER_ERROR_BODY_TOO_LARGE,
  BEARER_ERROR_REDIRECT,          /* the token endpoint answered 3xx; not followed */

  /* The transport */
  BEARER_ERROR_TLS,
  BEARER_ERROR_NAME_RESOLUTION,
  BEARER_ERROR_CONNECTION_REFUSED,
  BEARER_ERROR_TIMED_OUT,
  BEARER_ERROR_CONNECTION_FAILED, /* reset, closed mid-reply, unreachable */

  /* The request, before anything is sent */
  BEARER_ERROR_INVALID_URL,
  BEARER_ERROR_INSECURE_URL,      /* plain http:// to a host that is not loopback */
  BEARER_ERROR_MISSING_PARAMETER,
  BEARER_ERROR_INVALID_PARAMETER,
  BEARER_ERROR_CA_FILE,
  BEARER_ERROR_PRIVATE_KEY,       /* no private key, one that does not parse, or one that does not fit the signing alg */

  /* Discovery (OpenID Connect Discovery 1.0, RFC 8414) */
  BEARER_ERROR_DISCOVERY,         /* no usable metadata document, or one for another issuer */

  /* Mutual TLS (RFC 8705) */
  BEARER_ERROR_CLIENT_CERTIFICATE,          /* the certificate file or the key cannot be used */
  BEARER_ERROR_CLIENT_CERTIFICATE_REFUSED,  /* the server refused the handshake with it, or wants one */
} BearerError;

GQuark      bearer_error_quark                 (void);

const char *bearer_error_get_oauth_code        (const GError *error);
const char *bearer_error_get_description       (const GError *error);
const char *bearer_error_get_uri               (const GError *error);
const char *bearer_error_get_hint              (const GError *error);
const char *bearer_error_get_server_message    (const GError *error);
guint       bearer_error_get_http_status       (const GError *error);
const char *bearer_error_get_redirect_location (const GError *error);
gboolean    bearer_error_is_dead_refresh_token (const GError *error);

G_END_DECLS
