/* bearer-client-certificate.h: a TLS client certificate and its key (RFC 8705)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean         bearer_client_key_check          (const char  *key_pem,
                                                   GError     **error);
gboolean         bearer_client_certificate_check  (const char  *path,
                                                   GError     **error);
GTlsCertificate *bearer_client_certificate_load   (const char  *path,
                                                   const char  *key_pem,
                                                   GError     **error);

G_END_DECLS
