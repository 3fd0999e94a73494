/* bearer-cli-output.h: what bearer-cli prints, shared by its two programs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Exit codes, as documented in --help and the README. */
enum {
  EXIT_OK = 0,
  EXIT_FAILURE_OTHER = 1,
  EXIT_USAGE = 2,
  EXIT_SERVER = 3,
  EXIT_SIGN_IN = 4,
  EXIT_KEYRING = 5,
};

typedef enum {
  OUTPUT_BARE,
  OUTPUT_HEADER,
  OUTPUT_JSON,
  OUTPUT_ENV,
  OUTPUT_EXEC_CREDENTIAL,
  OUTPUT_STATUS,
} BearerCliOutput;

/* The token agent's answers (bearer-cli-agent.c). */
typedef enum {
  AGENT_UNAVAILABLE,
  AGENT_ANSWERED,
  AGENT_INTERRUPTED,
} AgentOutcome;

AgentOutcome bearer_cli_agent_call_raw           (const char          *method,
                                                  GVariant            *args,
                                                  const GVariantType  *reply_type,
                                                  GVariant           **reply,
                                                  char               **error_name,
                                                  char               **error_message,
                                                  int                 *signum);

void         bearer_cli_print_error              (const char          *message);
int          bearer_cli_no_such_profile          (const char          *name);
void         bearer_cli_print_sign_in_advice     (const char          *profile_name);
void         bearer_cli_report_pending_moved_name (const char         *name);
char        *bearer_cli_describe_token_state     (gboolean             needs_sign_in,
                                                  gboolean             has_access_token,
                                                  gboolean             has_refresh_token,
                                                  gint64               expires_at,
                                                  gint64               now);
void         bearer_cli_print_store_failure_parts (const char         *name,
                                                  const char          *store_message,
                                                  gboolean             from_server,
                                                  gboolean             kept_aside,
                                                  const char          *keep_aside_message,
                                                  const char          *refresh_token);
int          bearer_cli_agent_interrupted        (int                  signum);
const char  *bearer_cli_exec_info                (gboolean            *interactive);
gboolean     bearer_cli_output_from_format       (const char          *text,
                                                  BearerCliOutput     *output);
void         bearer_cli_print_token              (const char          *name,
                                                  const char          *token,
                                                  const char          *type,
                                                  gint64               expires_at,
                                                  const char          *scope,
                                                  BearerCliOutput      output,
                                                  gboolean             refreshed,
                                                  gboolean             rotated,
                                                  gboolean             stored);

G_END_DECLS
