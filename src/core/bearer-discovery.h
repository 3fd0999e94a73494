/* bearer-discovery.h: an authorization server's endpoints from its issuer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "bearer-profile.h"

G_BEGIN_DECLS

#define BEARER_TYPE_DISCOVERY (bearer_discovery_get_type ())
G_DECLARE_FINAL_TYPE (BearerDiscovery, bearer_discovery, BEARER, DISCOVERY, GObject)

void                bearer_discovery_fetch_async                    (const char          *issuer,
                                                                     const char          *ca_file,
                                                                     gboolean             allow_insecure_http,
                                                                     GCancellable        *cancellable,
                                                                     GAsyncReadyCallback  callback,
                                                                     gpointer             user_data);
BearerDiscovery    *bearer_discovery_fetch_finish                   (GAsyncResult        *result,
                                                                     GError             **error);
BearerDiscovery    *bearer_discovery_new_from_data                  (const char          *issuer,
                                                                     const char          *document_url,
                                                                     GBytes              *document,
                                                                     gboolean             allow_insecure_http,
                                                                     GError             **error);

char               *bearer_discovery_dup_well_known_url             (const char          *issuer,
                                                                     gboolean             oidc);

const char         *bearer_discovery_get_issuer                     (BearerDiscovery     *self);
const char         *bearer_discovery_get_document_url               (BearerDiscovery     *self);
const char         *bearer_discovery_get_authorization_endpoint     (BearerDiscovery     *self);
const char         *bearer_discovery_get_token_endpoint             (BearerDiscovery     *self);
const char         *bearer_discovery_get_device_authorization_endpoint (BearerDiscovery  *self);
const char         *bearer_discovery_get_revocation_endpoint        (BearerDiscovery     *self);
const char         *bearer_discovery_get_introspection_endpoint     (BearerDiscovery     *self);
const char * const *bearer_discovery_get_grant_types                (BearerDiscovery     *self);
const char * const *bearer_discovery_get_auth_methods               (BearerDiscovery     *self);
const char * const *bearer_discovery_get_pkce_methods               (BearerDiscovery     *self);
const char * const *bearer_discovery_get_scopes                     (BearerDiscovery     *self);
gboolean            bearer_discovery_supports_pkce_s256             (BearerDiscovery     *self);

void                bearer_discovery_apply                          (BearerDiscovery     *self,
                                                                     BearerProfile       *profile);
char              **bearer_discovery_dup_warnings                   (BearerDiscovery     *self,
                                                                     BearerProfile       *profile);

G_END_DECLS
