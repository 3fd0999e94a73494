/* bearer-sign-in-view.h: a sign-in under way, as the user follows it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "bearer-sign-in.h"

G_BEGIN_DECLS

/* A module of the device page's QR code, in pixels, and the quiet zone
 * around the code, in modules (ISO/IEC 18004 asks for 4). */
#define BEARER_QR_CODE_SCALE 5
#define BEARER_QR_CODE_QUIET 4

#define BEARER_TYPE_SIGN_IN_VIEW (bearer_sign_in_view_get_type ())
G_DECLARE_FINAL_TYPE (BearerSignInView, bearer_sign_in_view, BEARER, SIGN_IN_VIEW, GtkWidget)

GtkWidget    *bearer_sign_in_view_new               (void);
void          bearer_sign_in_view_set_sign_in       (BearerSignInView *self,
                                                     BearerSignIn     *sign_in);
BearerSignIn *bearer_sign_in_view_get_sign_in       (BearerSignInView *self);
const char   *bearer_sign_in_view_get_countdown     (BearerSignInView *self);

GdkTexture   *bearer_qr_code_texture_new            (const char       *text,
                                                     guint             scale,
                                                     guint            *modules);
char         *bearer_format_code_expiry             (gint64            expires_at,
                                                     gint64            now);

G_END_DECLS
