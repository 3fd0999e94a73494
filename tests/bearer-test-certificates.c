/* bearer-test-certificates.c: certificates for the mutual TLS tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "bearer-test-certificates.h"

static void
openssl (const char         *dir,
         const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status;

  g_ptr_array_add (argv, (gpointer) "openssl");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (dir, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("openssl %s failed: %s\n%s", args[0], error->message, err);
}

BearerTestCertificates *
bearer_test_certificates_new (void)
{
  BearerTestCertificates *self = g_new0 (BearerTestCertificates, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *server_pem = NULL;
  g_autofree char *server_key = NULL;
  const char *dir;

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    g_error ("GIO has no TLS backend (glib-networking)");

  self->dir = g_dir_make_tmp ("bearer-test-mtls-XXXXXX", &error);
  g_assert_no_error (error);
  dir = self->dir;

  openssl (dir, (const char *[]) { "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                                   "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                                   "-keyout", "server.key", "-out", "server.pem", NULL });
  openssl (dir, (const char *[]) { "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                                   "-subj", "/CN=Bearer Test CA", "-keyout", "ca.key", "-out",
                                   "ca.pem", NULL });
  openssl (dir, (const char *[]) { "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=client-a",
                                   "-keyout", "a.key", "-out", "a.csr", NULL });
  openssl (dir, (const char *[]) { "x509", "-req", "-in", "a.csr", "-CA", "ca.pem", "-CAkey",
                                   "ca.key", "-CAcreateserial", "-days", "2", "-out", "a.pem", NULL });
  openssl (dir, (const char *[]) { "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                   "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj",
                                   "/CN=client-b", "-keyout", "b.key", "-out", "b.pem", NULL });
  openssl (dir, (const char *[]) { "ec", "-in", "b.key", "-out", "b-sec1.key", NULL });
  openssl (dir, (const char *[]) { "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                                   "-subj", "/CN=client-c", "-keyout", "c.key", "-out", "c.pem",
                                   NULL });
  openssl (dir, (const char *[]) { "pkey", "-in", "a.key", "-aes256", "-passout",
                                   "pass:secret-pass", "-out", "a-encrypted.key", NULL });

  server_pem = bearer_test_certificates_path (self, "server.pem");
  server_key = bearer_test_certificates_path (self, "server.key");
  self->server = g_tls_certificate_new_from_files (server_pem, server_key, &error);
  g_assert_no_error (error);
  return self;
}

void
bearer_test_certificates_free (BearerTestCertificates *self)
{
  g_autoptr(GDir) d = NULL;
  const char *name;

  if (self == NULL)
    return;
  d = g_dir_open (self->dir, 0, NULL);
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = bearer_test_certificates_path (self, name);
      g_unlink (path);
    }
  g_rmdir (self->dir);
  g_free (self->dir);
  g_clear_object (&self->server);
  g_free (self);
}

char *
bearer_test_certificates_path (BearerTestCertificates *self,
                               const char             *name)
{
  return g_build_filename (self->dir, name, NULL);
}

char *
bearer_test_certificates_read (BearerTestCertificates *self,
                               const char             *name)
{
  g_autofree char *path = bearer_test_certificates_path (self, name);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

GTlsCertificate *
bearer_test_certificates_load_public (BearerTestCertificates *self,
                                      const char             *name)
{
  g_autofree char *path = bearer_test_certificates_path (self, name);
  g_autoptr(GError) error = NULL;
  GTlsCertificate *certificate = g_tls_certificate_new_from_file (path, &error);

  g_assert_no_error (error);
  return certificate;
}

BearerTestServer *
bearer_test_certificates_new_server (BearerTestCertificates *self,
                                     BearerTestServerMode    mode,
                                     GTlsAuthenticationMode  auth_mode)
{
  BearerTestServer *server = bearer_test_server_new_https (mode, self->server);
  g_autoptr(GTlsCertificate) ca = bearer_test_certificates_load_public (self, "ca.pem");
  g_autoptr(GPtrArray) known = g_ptr_array_new_with_free_func (g_object_unref);

  g_ptr_array_add (known, bearer_test_certificates_load_public (self, "b.pem"));
  bearer_test_server_set_client_certificates (server, auth_mode, ca, known);
  return server;
}
