/* bearer-error-banner.h: a problem, said clearly, at the top of a page
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

typedef enum {
  BEARER_BANNER_ERROR,
  BEARER_BANNER_WARNING,
} BearerBannerKind;

#define BEARER_TYPE_ERROR_BANNER (bearer_error_banner_get_type ())
G_DECLARE_FINAL_TYPE (BearerErrorBanner, bearer_error_banner, BEARER, ERROR_BANNER, GtkWidget)

void        bearer_error_banner_show         (BearerErrorBanner *self,
                                              BearerBannerKind   kind,
                                              const char        *title,
                                              const char        *message,
                                              guint              http_status,
                                              const char        *uri,
                                              const char        *details);
void        bearer_error_banner_hide         (BearerErrorBanner *self);
gboolean    bearer_error_banner_get_revealed (BearerErrorBanner *self);
const char *bearer_error_banner_get_title    (BearerErrorBanner *self);
const char *bearer_error_banner_get_message  (BearerErrorBanner *self);

G_END_DECLS
