/* bearer-scheduler.h: one clock that keeps every connection's token alive
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "bearer-connection.h"

G_BEGIN_DECLS

/* A refresh is never due sooner than this after a token was seen… */
#define BEARER_SCHEDULER_MIN_DELAY 5
/* …is tried again this much later after a failure other than a refused
 * refresh token… */
#define BEARER_SCHEDULER_RETRY_DELAY 300
/* …and no wait is longer than this, so a suspend is noticed soon after the
 * resume (monotonic timers stop while suspended). */
#define BEARER_SCHEDULER_SLICE 60

#define BEARER_TYPE_SCHEDULER (bearer_scheduler_get_type ())
G_DECLARE_FINAL_TYPE (BearerScheduler, bearer_scheduler, BEARER, SCHEDULER, GObject)

BearerScheduler *bearer_scheduler_new           (GListModel       *connections);
void             bearer_scheduler_set_now_func  (BearerScheduler  *self,
                                                 BearerNowFunc     now_func,
                                                 gpointer          now_data);
void             bearer_scheduler_tick          (BearerScheduler  *self);
gint64           bearer_scheduler_get_due       (BearerScheduler  *self,
                                                 BearerConnection *connection);
gint64           bearer_scheduler_get_next_wake (BearerScheduler  *self);
guint            bearer_scheduler_get_n_refreshes (BearerScheduler *self);

G_END_DECLS
