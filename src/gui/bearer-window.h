/* bearer-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "bearer-application.h"

G_BEGIN_DECLS

#define BEARER_TYPE_WINDOW (bearer_window_get_type ())
G_DECLARE_FINAL_TYPE (BearerWindow, bearer_window, BEARER, WINDOW, AdwApplicationWindow)

BearerWindow *bearer_window_new (BearerApplication *application);

G_END_DECLS
