/* test-cli-mtls.c: bearer-cli with a client certificate (RFC 8705)
 *
 * The real bearer-cli in a sandbox of its own, the session's keyring, and an
 * HTTPS test server that requires a client certificate and records which
 * one it got (bearer-test-certificates.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "bearer-test-certificates.h"
#include "bearer-test-cli.h"
#include "bearer-test-keyring.h"

static BearerTestCertificates *certificates;

typedef struct {
  BearerTestSandbox *sandbox;
  BearerTestServer *server;
  char *token_url;
  char *ca_file;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->sandbox = bearer_test_sandbox_new ("bearer-test-cli-mtls", TRUE);
  f->server = bearer_test_certificates_new_server (certificates, BEARER_TEST_SERVER_SCRIPTED,
                                                   G_TLS_AUTHENTICATION_REQUIRED);
  f->token_url = bearer_test_server_get_url (f->server, "/oauth/token");
  f->ca_file = bearer_test_certificates_path (certificates, "server.pem");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_pointer (&f->sandbox, bearer_test_sandbox_free);
  g_clear_pointer (&f->server, bearer_test_server_free);
  g_free (f->token_url);
  g_free (f->ca_file);
}

/* Runs bearer-cli; checks its exit status; hands back its output. */
static char *
cli (Fixture    *f,
     int         status,
     const char *stdin_text,
     char      **err,
     ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  BearerTestProc *proc;
  const char *arg;
  char *out;
  va_list ap;

  va_start (ap, err);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  proc = bearer_test_proc_start (f->sandbox, stdin_text, (const char * const *) args->pdata);
  bearer_test_procs_wait (&proc, 1);
  if (proc->status != status)
    g_error ("bearer-cli %s: exit %d, not %d\n%s\n%s", (char *) args->pdata[0], proc->status,
             status, proc->out, proc->err);
  out = g_steal_pointer (&proc->out);
  if (err != NULL)
    *err = g_steal_pointer (&proc->err);
  bearer_test_proc_free (proc);
  return out;
}

static void
assert_peer_is (Fixture    *f,
                const char *name)
{
  const BearerTestRequest *last = bearer_test_server_get_last_request (f->server);
  g_autoptr(GTlsCertificate) expected = bearer_test_certificates_load_public (certificates, name);

  g_assert_nonnull (last);
  g_assert_nonnull (last->peer_certificate);
  g_assert_true (g_tls_certificate_is_same (last->peer_certificate, expected));
}

/* Nothing under the sandbox (profiles, logs, runtime files) holds a line of
 * the key. */
static void
assert_key_nowhere (Fixture    *f,
                    const char *key_name,
                    const char *also)
{
  g_autofree char *key = bearer_test_certificates_read (certificates, key_name);
  g_autofree char *line = g_strndup (strchr (key, '\n') + 1, 40);
  g_autofree char *command = g_strdup_printf ("grep -rlF -e '%s' '%s'", line, f->sandbox->root);
  g_autofree char *found = NULL;
  int status;

  g_assert_cmpuint (strlen (line), ==, 40);
  g_assert_true (g_spawn_command_line_sync (command, &found, NULL, &status, NULL));
  g_assert_cmpstr (found, ==, "");
  if (also != NULL)
    g_assert_null (strstr (also, line));
}

/* add --auth tls --client-cert; set-secret client-key < key.pem; token. */
static void
test_tls (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *cert = bearer_test_certificates_path (certificates, "a.pem");
  g_autofree char *key = bearer_test_certificates_read (certificates, "a.key");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *body = NULL;

  if (!bearer_test_require_session () || !bearer_test_require_keyring ())
    return;

  out = cli (f, 0, NULL, NULL, "add", "mtls", "--token-url", f->token_url, "--client-id", "mtls-client",
             "--grant", "client_credentials", "--auth", "tls", "--client-cert", cert,
             "--ca-file", f->ca_file, NULL);
  g_assert_nonnull (strstr (out, "set-secret mtls client-key"));
  g_clear_pointer (&out, g_free);

  /* No key yet: said, nothing sent. */
  out = cli (f, 3, NULL, &err, "token", "mtls", NULL);
  g_assert_nonnull (strstr (err, "No private key is stored"));
  g_assert_cmpuint (bearer_test_server_get_request_count (f->server), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  out = cli (f, 0, key, NULL, "set-secret", "mtls", "client-key", NULL);
  g_clear_pointer (&out, g_free);
  out = cli (f, 0, NULL, &err, "token", "mtls", NULL);
  g_assert_cmpstr (out, ==, "scripted-access-token\n");
  assert_peer_is (f, "a.pem");
  body = bearer_test_server_dup_last_body (f->server);
  g_assert_cmpstr (body, ==, "grant_type=client_credentials&client_id=mtls-client");
  assert_key_nowhere (f, "a.key", err);
  g_clear_pointer (&out, g_free);

  out = cli (f, 0, NULL, NULL, "remove", "mtls", NULL);
}

/* set --auth self-signed-tls --client-cert: the other certificate is sent. */
static void
test_self_signed (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *a = bearer_test_certificates_path (certificates, "a.pem");
  g_autofree char *b = bearer_test_certificates_path (certificates, "b.pem");
  g_autofree char *key = bearer_test_certificates_read (certificates, "b-sec1.key");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  if (!bearer_test_require_session () || !bearer_test_require_keyring ())
    return;

  out = cli (f, 0, NULL, NULL, "add", "mtls-b", "--token-url", f->token_url, "--client-id", "b",
             "--grant", "client_credentials", "--auth", "tls", "--client-cert", a,
             "--ca-file", f->ca_file, NULL);
  g_clear_pointer (&out, g_free);
  out = cli (f, 0, NULL, NULL, "set", "mtls-b", "--auth", "self-signed-tls", "--client-cert", b, NULL);
  g_clear_pointer (&out, g_free);

  /* a's key with b's certificate: refused, said in words. */
  {
    g_autofree char *a_key = bearer_test_certificates_read (certificates, "a.key");

    out = cli (f, 2, a_key, &err, "set-secret", "mtls-b", "client-key", NULL);
    g_assert_nonnull (strstr (err, "not the key of the certificate"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }

  out = cli (f, 0, key, NULL, "set-secret", "mtls-b", "client-key", NULL);
  g_clear_pointer (&out, g_free);
  out = cli (f, 0, NULL, &err, "token", "mtls-b", NULL);
  assert_peer_is (f, "b.pem");
  assert_key_nowhere (f, "b-sec1.key", err);
  g_clear_pointer (&out, g_free);

  out = cli (f, 0, NULL, NULL, "remove", "mtls-b", NULL);
}

/* What is refused before anything is stored or sent. */
static void
test_usage (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *a = bearer_test_certificates_path (certificates, "a.pem");
  g_autofree char *a_key_path = bearer_test_certificates_path (certificates, "a.key");
  g_autofree char *c = bearer_test_certificates_path (certificates, "c.pem");
  g_autofree char *c_key = bearer_test_certificates_read (certificates, "c.key");
  g_autofree char *encrypted = bearer_test_certificates_read (certificates, "a-encrypted.key");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  if (!bearer_test_require_session () || !bearer_test_require_keyring ())
    return;

#define ADD(...) "add", "u", "--token-url", f->token_url, "--client-id", "u", \
                 "--grant", "client_credentials", __VA_ARGS__, NULL
  out = cli (f, 2, NULL, &err, ADD ("--auth", "tls"));
  g_assert_nonnull (strstr (err, "need --client-cert FILE"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  out = cli (f, 2, NULL, &err, ADD ("--auth", "tls", "--client-cert", "/nonexistent/cert.pem"));
  g_assert_nonnull (strstr (err, "cannot be read"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  out = cli (f, 2, NULL, &err, ADD ("--auth", "tls", "--client-cert", a_key_path));
  g_assert_nonnull (strstr (err, "holds no certificate"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  out = cli (f, 2, NULL, &err, ADD ("--auth", "post", "--client-cert", a));
  g_assert_nonnull (strstr (err, "--client-cert goes with"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  out = cli (f, 2, NULL, &err, ADD ("--auth", "mtls"));
  g_assert_nonnull (strstr (err, "self-signed-tls"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
#undef ADD

  /* A server that does not know the certificate. */
  out = cli (f, 0, NULL, NULL, "add", "c", "--token-url", f->token_url, "--client-id", "c",
             "--grant", "client_credentials", "--auth", "self-signed-tls", "--client-cert", c,
             "--ca-file", f->ca_file, NULL);
  g_clear_pointer (&out, g_free);
  out = cli (f, 2, "not a key\n", &err, "set-secret", "c", "client-key", NULL);
  g_assert_nonnull (strstr (err, "not a private key in PEM format"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  out = cli (f, 2, encrypted, &err, "set-secret", "c", "client-key", NULL);
  g_assert_nonnull (strstr (err, "passphrase"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  out = cli (f, 0, c_key, NULL, "set-secret", "c", "client-key", NULL);
  g_clear_pointer (&out, g_free);
  out = cli (f, 3, NULL, &err, "token", "c", NULL);
  g_assert_nonnull (strstr (err, "did not accept the client certificate"));
  assert_key_nowhere (f, "c.key", err);
  g_clear_pointer (&out, g_free);
  out = cli (f, 0, NULL, NULL, "remove", "c", NULL);
}

int
main (int   argc,
      char *argv[])
{
  int result;

  g_test_init (&argc, &argv, NULL);
  certificates = bearer_test_certificates_new ();

  g_test_add ("/bearer/cli-mtls/tls", Fixture, NULL, fixture_set_up, test_tls, fixture_tear_down);
  g_test_add ("/bearer/cli-mtls/self-signed", Fixture, NULL, fixture_set_up, test_self_signed,
              fixture_tear_down);
  g_test_add ("/bearer/cli-mtls/usage", Fixture, NULL, fixture_set_up, test_usage, fixture_tear_down);

  result = g_test_run ();
  g_clear_pointer (&certificates, bearer_test_certificates_free);
  return result;
}
