/* bearer-agent-protocol.h: what bearer-agent and its callers agree on
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The agent's name follows the application id, so a development build's
 * agent (io.github.bearerapp.Bearer.Devel.Agent) runs beside a release's. */
#define BEARER_AGENT_BUS_NAME    APPLICATION_ID ".Agent"
#define BEARER_AGENT_OBJECT_PATH "/io/github/bearerapp/Bearer/Agent"
#define BEARER_AGENT_INTERFACE   "io.github.bearerapp.Bearer.Agent1"

#define BEARER_AGENT_ERROR_PREFIX             BEARER_AGENT_INTERFACE ".Error."
#define BEARER_AGENT_ERROR_NO_SUCH_CONNECTION BEARER_AGENT_ERROR_PREFIX "NoSuchConnection"
#define BEARER_AGENT_ERROR_OTHER_SESSION      BEARER_AGENT_ERROR_PREFIX "OtherSession"

/* Seconds without a caller and without a Keep Signed In connection before
 * the agent exits (BEARER_AGENT_IDLE_TIMEOUT overrides it). */
#define BEARER_AGENT_IDLE_TIMEOUT 60

/* The agent's socket in $XDG_RUNTIME_DIR/bearer/ (bearer-agent.c), one per
 * profile of the build, short enough for a socket address. */
#define BEARER_AGENT_SOCKET_NAME (g_str_has_suffix (APPLICATION_ID, ".Devel") ? "agent-devel.socket" : "agent.socket")

/* "Ask before other programs use this token": the window application
 * answers on this interface (data/io.github.bearerapp.Bearer.Confirm1.xml);
 * the agent waits BEARER_AGENT_ASK_TIMEOUT seconds at most
 * (the environment variable of that name overrides it). */
#define BEARER_CONFIRM_BUS_NAME    APPLICATION_ID
#define BEARER_CONFIRM_OBJECT_PATH "/io/github/bearerapp/Bearer/Confirm"
#define BEARER_CONFIRM_INTERFACE   "io.github.bearerapp.Bearer.Confirm1"
#define BEARER_AGENT_ASK_TIMEOUT   60

#define BEARER_CONFIRM_ALLOW_ONCE        "allow-once"
#define BEARER_CONFIRM_ALLOW_TEN_MINUTES "allow-ten-minutes"
#define BEARER_CONFIRM_DENY              "deny"

char     *bearer_agent_program_name      (guint32       pid,
                                          guint32      *parent_pid);

void      bearer_agent_start             (GCancellable *cancellable);

char     *bearer_agent_socket_path       (void);
GVariant *bearer_agent_options_new       (void);
gboolean  bearer_agent_options_match     (GVariant     *options);
gboolean  bearer_agent_options_from_host (GVariant     *options);

char     *bearer_agent_error_name        (const GError *error);
GError   *bearer_agent_error_from_remote (const char   *name,
                                          const char   *message);
char     *bearer_agent_error_code        (const GError *error);
GError   *bearer_agent_error_from_code   (const char   *code,
                                          const char   *message);

G_END_DECLS
