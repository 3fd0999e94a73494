/* bearer-test-raw-server.h: a raw TCP peer for what a SoupServer cannot do
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GSocketService on 127.0.0.1:0, running on the thread-default main context
 * of the test that created it. It reads each request up to the end of its
 * body (Content-Length or chunked), then misbehaves as told. Freeing it closes
 * every connection it holds and stops listening; nothing it started outlives
 * it.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  BEARER_TEST_RAW_WRITE_AND_CLOSE,     /* reads the request, writes the reply bytes, closes */
  BEARER_TEST_RAW_NEVER_ANSWER,        /* reads the request, then holds the connection open */
  BEARER_TEST_RAW_CLOSE_AT_ONCE,       /* closes each connection as soon as it is accepted */
  BEARER_TEST_RAW_CLOSE_AFTER_REQUEST, /* reads the request, closes without writing a byte */
  BEARER_TEST_RAW_SLOW,                /* reads the request, writes the reply one byte at a time */
  BEARER_TEST_RAW_DELAYED,             /* reads the request, waits the delay, writes the reply, closes */
} BearerTestRawMode;

typedef struct _BearerTestRawServer BearerTestRawServer;

BearerTestRawServer *bearer_test_raw_server_new                  (BearerTestRawMode    mode);
void                 bearer_test_raw_server_free                 (BearerTestRawServer *self);

/* The bytes written after a request (WRITE_AND_CLOSE, SLOW). */
void                 bearer_test_raw_server_set_reply            (BearerTestRawServer *self,
                                                                  const char          *reply);
void                 bearer_test_raw_server_set_reply_bytes      (BearerTestRawServer *self,
                                                                  GBytes              *reply);
/* SLOW: the pause before each byte (default 50 ms); DELAYED: before the reply. */
void                 bearer_test_raw_server_set_delay            (BearerTestRawServer *self,
                                                                  guint                milliseconds);

guint                bearer_test_raw_server_get_port             (BearerTestRawServer *self);
/* "http://127.0.0.1:PORT" + path */
char                *bearer_test_raw_server_get_url              (BearerTestRawServer *self,
                                                                  const char          *path);
guint                bearer_test_raw_server_get_connection_count (BearerTestRawServer *self);
/* How many requests were read completely. */
guint                bearer_test_raw_server_get_request_count    (BearerTestRawServer *self);
/* The bytes of the last request read completely (NULL before the first). */
GBytes              *bearer_test_raw_server_get_last_request     (BearerTestRawServer *self);
/* How many connections are open now. */
guint                bearer_test_raw_server_get_open_connections (BearerTestRawServer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BearerTestRawServer, bearer_test_raw_server_free)

G_END_DECLS
