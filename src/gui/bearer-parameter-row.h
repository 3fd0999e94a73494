/* bearer-parameter-row.h: one extra parameter of the token request
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "bearer-enums.h"

G_BEGIN_DECLS

#define BEARER_TYPE_PARAMETER_ROW (bearer_parameter_row_get_type ())
G_DECLARE_FINAL_TYPE (BearerParameterRow, bearer_parameter_row, BEARER, PARAMETER_ROW, AdwPreferencesRow)

GtkWidget           *bearer_parameter_row_new          (BearerParamLocation  location,
                                                        const char          *name,
                                                        const char          *value);
BearerParamLocation  bearer_parameter_row_get_location (BearerParameterRow  *self);
const char          *bearer_parameter_row_get_name     (BearerParameterRow  *self);
const char          *bearer_parameter_row_get_value    (BearerParameterRow  *self);
void                 bearer_parameter_row_focus        (BearerParameterRow  *self);

G_END_DECLS
