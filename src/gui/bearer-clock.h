/* bearer-clock.h: one clock per window for what changes with the time of day
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define BEARER_TYPE_CLOCK (bearer_clock_get_type ())
G_DECLARE_FINAL_TYPE (BearerClock, bearer_clock, BEARER, CLOCK, GObject)

BearerClock *bearer_clock_new       (void);
gint64       bearer_clock_get_now   (BearerClock *self);
void         bearer_clock_tick      (BearerClock *self);

G_END_DECLS
