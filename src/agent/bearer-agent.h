/* bearer-agent.h: the token agent, a service on the session bus
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define BEARER_TYPE_AGENT (bearer_agent_get_type ())
G_DECLARE_FINAL_TYPE (BearerAgent, bearer_agent, BEARER, AGENT, GApplication)

BearerAgent *bearer_agent_new (void);

G_END_DECLS
