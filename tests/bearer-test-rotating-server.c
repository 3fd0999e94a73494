/* bearer-test-rotating-server.c: oidc-provider with rotateRefreshToken, in miniature
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "bearer-test-cli.h"
#include "bearer-test-rotating-server.h"

static void
rotating_server_cb (SoupServer        *soup_server,
                    SoupServerMessage *msg,
                    const char        *path,
                    GHashTable        *query,
                    gpointer           user_data)
{
  BearerTestRotatingServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GHashTable) form = NULL;
  g_autofree char *text = NULL;
  g_autofree char *json = NULL;
  g_autofree char *access_token = NULL;
  const char *grant, *refresh_token;

  self->requests++;
  if (self->hold)
    {
      soup_server_message_pause (msg);
      g_ptr_array_add (self->held, g_object_ref (msg));
    }

  if (g_strcmp0 (path, "/token") != 0 ||
      g_strcmp0 (soup_server_message_get_method (msg), "POST") != 0)
    {
      self->other_errors++;
      bearer_test_reply_json (msg, 404, "{\"error\":\"not_found\"}");
      return;
    }

  if (g_strcmp0 (soup_message_headers_get_one (headers, "Authorization"),
                 self->expected_authorization) != 0)
    {
      self->other_errors++;
      bearer_test_reply_json (msg, 401, "{\"error\":\"invalid_client\","
                            "\"error_description\":\"client authentication failed\"}");
      return;
    }

  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  form = soup_form_decode (text);
  grant = g_hash_table_lookup (form, "grant_type");
  refresh_token = g_hash_table_lookup (form, "refresh_token");

  if (g_strcmp0 (grant, "refresh_token") != 0 || refresh_token == NULL)
    {
      self->other_errors++;
      bearer_test_reply_json (msg, 400, "{\"error\":\"invalid_request\","
                            "\"error_description\":\"refresh_token grant expected\"}");
      return;
    }

  if (self->revoked || g_strcmp0 (refresh_token, self->current) != 0)
    {
      /* A spent refresh token came back: someone else may hold the newest
       * one, so the whole grant dies, that one too. */
      self->invalid_grants++;
      if (!self->revoked && g_hash_table_contains (self->spent, refresh_token))
        {
          self->revoked = TRUE;
          g_hash_table_add (self->spent, g_strdup (self->current));
        }
      bearer_test_reply_json (msg, 400, "{\"error\":\"invalid_grant\","
                            "\"error_description\":\"grant request is invalid\"}");
      return;
    }

  self->refreshes++;
  g_hash_table_add (self->spent, g_steal_pointer (&self->current));
  {
    g_autofree char *hex = bearer_test_random_hex (16);
    self->current = g_strdup_printf ("rt-%u-%s", self->refreshes, hex);
  }
  {
    g_autofree char *hex = bearer_test_random_hex (16);
    access_token = g_strdup_printf ("at-%u-%s", self->refreshes, hex);
  }
  g_free (self->last_access_token);
  self->last_access_token = g_strdup (access_token);

  json = g_strdup_printf ("{\"access_token\":\"%s\",\"token_type\":\"Bearer\","
                          "\"expires_in\":3600,\"refresh_token\":\"%s\","
                          "\"scope\":\"openid offline_access\"}",
                          access_token, self->current);
  bearer_test_reply_json (msg, 200, json);
}

BearerTestRotatingServer *
bearer_test_rotating_server_new (const char *client_id)
{
  BearerTestRotatingServer *self = g_new0 (BearerTestRotatingServer, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *hex = bearer_test_random_hex (8);
  g_autofree char *credentials = NULL;
  g_autofree char *base64 = NULL;
  GSList *uris;

  self->client_secret = g_strdup_printf ("rotating-secret-%s", hex);
  /* Only [A-Za-z0-9-] in id and secret: form encoding keeps them as they are. */
  credentials = g_strdup_printf ("%s:%s", client_id, self->client_secret);
  base64 = g_base64_encode ((const guchar *) credentials, strlen (credentials));
  self->expected_authorization = g_strconcat ("Basic ", base64, NULL);
  self->current = g_strdup_printf ("rt-0-%s", hex);
  self->spent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->held = g_ptr_array_new_with_free_func (g_object_unref);

  self->server = soup_server_new ("server-header", "rotating-test-server", NULL);
  soup_server_add_handler (self->server, NULL, rotating_server_cb, self, NULL);
  soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (self->server);
  g_assert_nonnull (uris);
  self->token_url = g_strdup_printf ("http://127.0.0.1:%d/token", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return self;
}

/* Sends the answers held back so far; later ones are not held. */
void
bearer_test_rotating_server_release (BearerTestRotatingServer *self)
{
  self->hold = FALSE;
  for (guint i = 0; i < self->held->len; i++)
    soup_server_message_unpause (g_ptr_array_index (self->held, i));
  g_ptr_array_set_size (self->held, 0);
}

void
bearer_test_rotating_server_free (BearerTestRotatingServer *self)
{
  bearer_test_rotating_server_release (self);
  g_ptr_array_unref (self->held);
  soup_server_disconnect (self->server);
  g_object_unref (self->server);
  g_free (self->token_url);
  g_free (self->client_secret);
  g_free (self->expected_authorization);
  g_free (self->current);
  g_free (self->last_access_token);
  g_hash_table_unref (self->spent);
  g_free (self);
}
