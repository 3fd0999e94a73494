/* bearer-test-cli.h: running bearer-cli in a sandbox of its own, for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The session (a bus with an unlocked secret service) is checked once with
 * bearer_test_require_session(); every bearer-cli then runs with XDG
 * directories of the sandbox's own, its output captured to files, while
 * the caller's main context (and so an in-process server) keeps running.
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* How long one bearer-cli may take before the test fails. */
#define BEARER_TEST_PROC_TIMEOUT 90

typedef struct {
  char *root;
  char *out;                    /* captured output, outside the XDG dirs */
  char **envp;
  guint serial;
} BearerTestSandbox;

typedef struct {
  GSubprocess *process;
  char **argv;                  /* as given to the process */
  GBytes *cmdline;              /* /proc/PID/cmdline right after the spawn, if readable */
  char *out_path;
  char *err_path;
  gboolean done;
  int status;                   /* exit status, or -1 when killed by a signal */
  char *out;
  char *err;
} BearerTestProc;

gboolean           bearer_test_require_session   (void);
void               bearer_test_fail_with_details (const char         *summary,
                                                  const char         *details);
void               bearer_test_remove_tree       (const char         *path);
BearerTestSandbox *bearer_test_sandbox_new       (const char         *prefix,
                                                  gboolean            debug_logs);
void               bearer_test_sandbox_free      (BearerTestSandbox  *sandbox);
BearerTestProc    *bearer_test_proc_start        (BearerTestSandbox  *sandbox,
                                                  const char         *stdin_text,
                                                  const char * const *args);
void               bearer_test_procs_wait        (BearerTestProc    **procs,
                                                  guint               n);
void               bearer_test_proc_free         (BearerTestProc     *proc);
BearerTestProc    *bearer_test_run_cli           (BearerTestSandbox  *sandbox,
                                                  const char         *stdin_text,
                                                  ...) G_GNUC_NULL_TERMINATED;
char              *bearer_test_random_hex        (guint               bytes);
void               bearer_test_reply_json        (SoupServerMessage  *msg,
                                                  guint               status,
                                                  const char         *json);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BearerTestSandbox, bearer_test_sandbox_free)

G_END_DECLS
