/* bearer-presets.h: services whose token URL Bearer knows how to build
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "bearer-enums.h"
#include "bearer-profile.h"

G_BEGIN_DECLS

/**
 * BearerPresetInput:
 * @BEARER_PRESET_INPUT_NONE: the token URL is fixed (Google)
 * @BEARER_PRESET_INPUT_TOKEN_URL: the user types the token URL itself
 * @BEARER_PRESET_INPUT_INSTANCE: a ProcessMaker instance name, host or URL
 * @BEARER_PRESET_INPUT_HOST: a host name (or a URL with no path), e.g. an Auth0 domain
 * @BEARER_PRESET_INPUT_BASE_URL: the URL of a server the token path is appended to
 * @BEARER_PRESET_INPUT_TENANT: a Microsoft Entra tenant (id, domain or `common`)
 *
 * What the first input of a preset means. Keycloak also has a second input,
 * the realm.
 */
typedef enum {
  BEARER_PRESET_INPUT_NONE,
  BEARER_PRESET_INPUT_TOKEN_URL,
  BEARER_PRESET_INPUT_INSTANCE,
  BEARER_PRESET_INPUT_HOST,
  BEARER_PRESET_INPUT_BASE_URL,
  BEARER_PRESET_INPUT_TENANT,
} BearerPresetInput;

typedef struct {
  const char        *id;            /* stored in the profile's "preset" */
  const char        *name;          /* translatable (N_), e.g. "ProcessMaker" */
  const char        *description;   /* translatable (N_) */
  BearerPresetInput  input;
  const char        *input_title;   /* translatable (N_); NULL for INPUT_NONE */
  const char        *option;        /* bearer-cli add's option for the input ("instance"); NULL for INPUT_NONE */
  const char        *input_default; /* prefilled, or NULL */
  const char        *input_hint;    /* translatable (N_): an example */
  const char        *realm_title;   /* translatable (N_); non-NULL: a second input */
  const char        *path;          /* appended to a host or base URL, or a URL whose {} is the input */
  BearerGrantType    grant_type;
  BearerClientAuth   client_auth;
  const char        *scope;         /* a sensible default, or NULL */
  /* Sign-in: the token URL's ending, and what replaces it for each of the
   * other addresses (an absolute URL is taken as it is); NULL: none. */
  const char        *token_suffix;
  const char        *authorize_suffix;
  const char        *device_suffix;
  const char        *issuer_suffix;
} BearerPreset;

const BearerPreset *bearer_presets_get            (guint              *n_presets);
const BearerPreset *bearer_preset_find            (const char         *id);
char               *bearer_preset_build_token_url (const BearerPreset *preset,
                                                   const char         *input,
                                                   const char         *realm,
                                                   GError            **error);
char               *bearer_preset_suggest_name    (const BearerPreset *preset,
                                                   const char         *input,
                                                   const char         *realm);
gboolean            bearer_preset_apply           (const BearerPreset *preset,
                                                   BearerProfile      *profile,
                                                   const char         *input,
                                                   const char         *realm,
                                                   GError            **error);

/**
 * BearerUrlCheck:
 * @BEARER_URL_OK: an absolute https:// URL, or http:// that may be used
 * @BEARER_URL_EMPTY: nothing typed yet
 * @BEARER_URL_INVALID: not an absolute http(s) URL with a host (or with a
 *   user name or password in it)
 * @BEARER_URL_INSECURE: plain http:// to a host that is not loopback, while
 *   plain HTTP is not allowed
 *
 * The rules of bearer_token_url_check() (docs/core.md, "Before anything is
 * sent"), as a state to show while the user types.
 */
typedef enum {
  BEARER_URL_OK,
  BEARER_URL_EMPTY,
  BEARER_URL_INVALID,
  BEARER_URL_INSECURE,
} BearerUrlCheck;

BearerUrlCheck      bearer_check_token_url        (const char         *text,
                                                   gboolean            allow_insecure_http);

G_END_DECLS
