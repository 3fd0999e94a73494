/* bearer-clock.c: one clock per window for what changes with the time of day
 *
 * The sidebar's rows say until when a token is valid ("Token until 14:32",
 * or a date when it is not today). The token's state changes on time by
 * itself (the scheduler updates every connection), so the rows need the
 * clock only for the text that depends on the day: one timer per window,
 * on the minute, whose "now" property they follow; not a timer per row.
 *
 * The timer reads the wall clock at every wake and waits at most a minute,
 * so a suspend and resume is caught up within a minute.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "bearer-clock.h"

struct _BearerClock
{
  GObject parent_instance;

  gint64 now;                   /* seconds since the epoch, on the minute */
  guint timer_id;
};

G_DEFINE_FINAL_TYPE (BearerClock, bearer_clock, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NOW,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void arm (BearerClock *self);

static gboolean
timer_cb (gpointer user_data)
{
  BearerClock *self = user_data;

  self->timer_id = 0;
  bearer_clock_tick (self);
  return G_SOURCE_REMOVE;
}

static void
arm (BearerClock *self)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_clear_handle_id (&self->timer_id, g_source_remove);
  self->timer_id = g_timeout_add_seconds ((guint) (60 - now % 60), timer_cb, self);
  g_source_set_name_by_id (self->timer_id, "[bearer] clock");
}

/**
 * bearer_clock_tick:
 *
 * Reads the wall clock now (the timer calls it on the minute).
 */
void
bearer_clock_tick (BearerClock *self)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_return_if_fail (BEARER_IS_CLOCK (self));

  now -= now % 60;
  if (now != self->now)
    {
      self->now = now;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NOW]);
    }
  arm (self);
}

gint64
bearer_clock_get_now (BearerClock *self)
{
  g_return_val_if_fail (BEARER_IS_CLOCK (self), 0);
  return self->now;
}

static void
bearer_clock_dispose (GObject *object)
{
  g_clear_handle_id (&BEARER_CLOCK (object)->timer_id, g_source_remove);
  G_OBJECT_CLASS (bearer_clock_parent_class)->dispose (object);
}

static void
bearer_clock_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_NOW:
      g_value_set_int64 (value, BEARER_CLOCK (object)->now);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bearer_clock_class_init (BearerClockClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bearer_clock_dispose;
  object_class->get_property = bearer_clock_get_property;

  properties[PROP_NOW] =
    g_param_spec_int64 ("now", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bearer_clock_init (BearerClock *self)
{
  bearer_clock_tick (self);
}

/**
 * bearer_clock_new:
 *
 * Returns: (transfer full): a clock that ticks on every minute while it lives
 */
BearerClock *
bearer_clock_new (void)
{
  return g_object_new (BEARER_TYPE_CLOCK, NULL);
}
