/* bearer-test-rotating-server.h: oidc-provider with rotateRefreshToken, in miniature
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A SoupServer on 127.0.0.1:0, on the thread-default main context of the
 * test that made it. POST /token with grant_type=refresh_token and the
 * client in HTTP Basic: the one current refresh token is spent and a new one
 * issued with every refresh; a spent one coming back is answered 400
 * invalid_grant and revokes the whole grant, as oidc-provider does (and
 * ProcessMaker answers a revoked token with an error too). While held, the
 * server reads requests, rotates, and keeps the answers back until
 * released: the test decides when the client hears.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct {
  SoupServer *server;
  char *token_url;
  char *client_secret;
  char *expected_authorization;
  char *current;                /* the one refresh token that works */
  char *last_access_token;
  GHashTable *spent;            /* refresh tokens used (or revoked) */
  gboolean revoked;
  guint requests;
  guint refreshes;
  guint invalid_grants;
  guint other_errors;
  gboolean hold;
  GPtrArray *held;              /* SoupServerMessage, paused */
} BearerTestRotatingServer;

BearerTestRotatingServer *bearer_test_rotating_server_new     (const char               *client_id);
void                      bearer_test_rotating_server_free    (BearerTestRotatingServer *self);
void                      bearer_test_rotating_server_release (BearerTestRotatingServer *self);

G_END_DECLS
