/* bearer-application.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "bearer-connection-list.h"

G_BEGIN_DECLS

#define BEARER_TYPE_APPLICATION (bearer_application_get_type ())
G_DECLARE_FINAL_TYPE (BearerApplication, bearer_application, BEARER, APPLICATION, AdwApplication)

BearerApplication    *bearer_application_new             (void);
BearerConnectionList *bearer_application_get_connections (BearerApplication *self);

G_END_DECLS
