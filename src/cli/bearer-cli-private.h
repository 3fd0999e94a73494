/* bearer-cli-private.h: what the commands of bearer-cli share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib/gi18n.h>

#include "bearer-cli-output.h"
#include "bearer-connection-list.h"
#include "bearer-error.h"
#include "bearer-profile-secrets.h"
#include "bearer-redact.h"

G_BEGIN_DECLS

/* Runs the main loop until an async call started with bearer_cli_waited_cb
 * ends. */
typedef struct {
  GMainLoop *loop;
  GAsyncResult *result;
} Waiter;

Waiter                bearer_cli_waiter_init       (void);
void                  bearer_cli_waited_cb         (GObject              *source,
                                                    GAsyncResult         *result,
                                                    gpointer              user_data);
GAsyncResult         *bearer_cli_wait_for          (Waiter               *waiter);
void                  bearer_cli_waiter_clear      (Waiter               *waiter);

int                   bearer_cli_exit_code_for     (const GError         *error);
int                   bearer_cli_fail_for          (const char           *profile_name,
                                                    const GError         *error);
int                   bearer_cli_fail              (const GError         *error);
int                   bearer_cli_usage_error       (const char           *message);

BearerConnectionList *bearer_cli_open_connections  (gboolean              read_secrets,
                                                    int                  *exit_code);
BearerConnection     *bearer_cli_find_connection   (BearerConnectionList *list,
                                                    const char           *name,
                                                    int                  *exit_code);
BearerSecrets        *bearer_cli_lookup_secrets    (BearerProfile        *profile,
                                                    GError              **error);
BearerSecrets        *bearer_cli_move_pending_tokens (BearerProfile      *profile,
                                                    GError              **error);
void                  bearer_cli_report_pending_moved (BearerProfile     *profile,
                                                    gboolean              had_pending);
char                 *bearer_cli_describe_state    (BearerSecrets        *secrets,
                                                    gint64                now);
void                  bearer_cli_print_store_failure (BearerProfile      *profile,
                                                    BearerRefreshResult  *result);

/* A token for a command: through the agent or the refresh transaction. */
typedef struct {
  char *name;                   /* the profile's name */
  BearerSecrets *secrets;       /* the access token part */
  gboolean from_server;
  gboolean rotated;
  gboolean stored;
} BearerCliToken;

void                  bearer_cli_token_clear       (BearerCliToken       *token);
int                   bearer_cli_get_token         (const char           *name,
                                                    gboolean              force,
                                                    guint                 min_valid,
                                                    BearerCliToken       *token);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (BearerCliToken, bearer_cli_token_clear)

/* The token agent, its errors as GErrors (bearer-cli.c). */
AgentOutcome          bearer_cli_agent_call        (const char           *method,
                                                    GVariant             *args,
                                                    const GVariantType   *reply_type,
                                                    GVariant            **reply,
                                                    GError              **error,
                                                    int                  *signum);

/* The commands: each takes its own argv (argv[0] is the command's name)
 * and returns the exit status. */
int                   bearer_cli_list              (int                   argc,
                                                    char                **argv);
int                   bearer_cli_add               (int                   argc,
                                                    char                **argv);
int                   bearer_cli_remove            (int                   argc,
                                                    char                **argv);
int                   bearer_cli_set_secret        (int                   argc,
                                                    char                **argv);
int                   bearer_cli_token             (int                   argc,
                                                    char                **argv);
int                   bearer_cli_refresh           (int                   argc,
                                                    char                **argv);
int                   bearer_cli_curl              (int                   argc,
                                                    char                **argv);
int                   bearer_cli_snippet           (int                   argc,
                                                    char                **argv);
int                   bearer_cli_login             (int                   argc,
                                                    char                **argv);
int                   bearer_cli_set                (int                   argc,
                                                    char                **argv);
int                   bearer_cli_git_credential    (int                   argc,
                                                    char                **argv);
int                   bearer_cli_revoke            (int                   argc,
                                                    char                **argv);
int                   bearer_cli_introspect        (int                   argc,
                                                    char                **argv);

G_END_DECLS
