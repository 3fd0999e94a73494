/* bearer-enums.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "bearer-enum-types.h"
#include "bearer-enums.h"

/**
 * bearer_enum_to_nick:
 *
 * Returns: (nullable): the nick of @value in the enum @type
 */
const char *
bearer_enum_to_nick (GType type,
                     int   value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *ev = g_enum_get_value (klass, value);

  return ev != NULL ? ev->value_nick : NULL;
}

/**
 * bearer_enum_from_nick:
 *
 * Returns: whether @text is the nick of a value of the enum @type
 */
gboolean
bearer_enum_from_nick (GType       type,
                       const char *text,
                       int        *value)
{
  g_autoptr(GEnumClass) klass = NULL;
  GEnumValue *ev;

  if (text == NULL)
    return FALSE;

  klass = g_type_class_ref (type);
  ev = g_enum_get_value_by_nick (klass, text);
  if (ev == NULL)
    return FALSE;

  *value = ev->value;
  return TRUE;
}

const char *
bearer_grant_type_to_string (BearerGrantType grant)
{
  return bearer_enum_to_nick (BEARER_TYPE_GRANT_TYPE, grant);
}

/**
 * bearer_grant_type_to_wire:
 *
 * Returns: the `grant_type` a token request sends for @grant: its nick, or
 *   for the device grant its URN (RFC 8628 §3.4)
 */
const char *
bearer_grant_type_to_wire (BearerGrantType grant)
{
  if (grant == BEARER_GRANT_DEVICE_CODE)
    return BEARER_GRANT_DEVICE_CODE_URN;
  return bearer_grant_type_to_string (grant);
}

/**
 * bearer_grant_type_is_sign_in:
 *
 * Returns: whether a profile of @grant gets its first tokens by signing in
 *   (the browser or the device grant) and from then on refreshes with its
 *   refresh token
 */
gboolean
bearer_grant_type_is_sign_in (BearerGrantType grant)
{
  return grant == BEARER_GRANT_AUTHORIZATION_CODE || grant == BEARER_GRANT_DEVICE_CODE;
}

gboolean
bearer_grant_type_from_string (const char      *text,
                               BearerGrantType *grant)
{
  int value;

  if (!bearer_enum_from_nick (BEARER_TYPE_GRANT_TYPE, text, &value))
    return FALSE;
  *grant = value;
  return TRUE;
}

const char *
bearer_client_auth_to_string (BearerClientAuth auth)
{
  return bearer_enum_to_nick (BEARER_TYPE_CLIENT_AUTH, auth);
}

gboolean
bearer_client_auth_from_string (const char       *text,
                                BearerClientAuth *auth)
{
  int value;

  if (!bearer_enum_from_nick (BEARER_TYPE_CLIENT_AUTH, text, &value))
    return FALSE;
  *auth = value;
  return TRUE;
}

/**
 * bearer_client_auth_uses_assertion:
 *
 * Returns: whether @auth sends a signed client assertion (RFC 7523 §2.2)
 */
gboolean
bearer_client_auth_uses_assertion (BearerClientAuth auth)
{
  return auth == BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT || auth == BEARER_CLIENT_AUTH_CLIENT_SECRET_JWT;
}

/**
 * bearer_client_auth_uses_certificate:
 *
 * Returns: whether @auth authenticates the client with a TLS client
 *   certificate (RFC 8705 §2), whose private key is the profile's
 *   `client-key` secret
 */
gboolean
bearer_client_auth_uses_certificate (BearerClientAuth auth)
{
  return auth == BEARER_CLIENT_AUTH_TLS_CLIENT_AUTH ||
         auth == BEARER_CLIENT_AUTH_SELF_SIGNED_TLS_CLIENT_AUTH;
}
