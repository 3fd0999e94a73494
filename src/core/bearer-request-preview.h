/* bearer-request-preview.h: the token request as cURL, Python or Node.js
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "bearer-profile.h"
#include "bearer-secrets.h"

G_BEGIN_DECLS

/**
 * BearerSnippetLanguage:
 * @BEARER_SNIPPET_CURL: a `curl` command for a POSIX shell
 * @BEARER_SNIPPET_PYTHON: a Python script using `requests`
 * @BEARER_SNIPPET_NODE: a Node.js script using `axios`
 *
 * The languages of ProcessMaker's guide; the nick is the name
 * `bearer-cli snippet --lang` takes.
 */
typedef enum {
  BEARER_SNIPPET_CURL,   /*< nick=curl >*/
  BEARER_SNIPPET_PYTHON, /*< nick=python >*/
  BEARER_SNIPPET_NODE,   /*< nick=node >*/
} BearerSnippetLanguage;

/* What stands for a secret the snippet does not include. */
#define BEARER_PLACEHOLDER_CLIENT_SECRET "<client-secret>"
#define BEARER_PLACEHOLDER_REFRESH_TOKEN "<refresh-token>"
#define BEARER_PLACEHOLDER_PASSWORD      "<password>"
#define BEARER_PLACEHOLDER_CLIENT_ASSERTION "<client-assertion>"
#define BEARER_PLACEHOLDER_DPOP_PROOF    "<dpop-proof>"
/* The client certificate (RFC 8705): its key stays in the keyring. */
#define BEARER_PLACEHOLDER_CLIENT_KEY    "<client-key.pem>"
#define BEARER_PLACEHOLDER_CLIENT_CERTIFICATE "<client-certificate.pem>"

char *bearer_request_preview (BearerProfile         *profile,
                              const BearerSecrets   *secrets,
                              BearerSnippetLanguage  language,
                              GError               **error);

G_END_DECLS
