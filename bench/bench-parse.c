/* bench-parse.c: how long judging a token reply takes
 *
 * Parses a ProcessMaker/Passport-shaped reply (a JWT access token and an
 * opaque refresh token) and an OAuth error reply many times and prints the
 * median time per parse of several rounds. Not a test: nothing fails here.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "bearer-token-response.h"

#define ROUNDS 7
#define ITERATIONS 20000

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
median_ns_per_parse (guint       status,
                     const char *body_text)
{
  g_autoptr(GBytes) body = g_bytes_new_static (body_text, strlen (body_text));
  double rounds[ROUNDS];

  for (guint r = 0; r < ROUNDS; r++)
    {
      gint64 start = g_get_monotonic_time ();

      for (guint i = 0; i < ITERATIONS; i++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(BearerTokenResponse) response =
            bearer_token_response_parse (status, "application/json", body,
                                         BEARER_GRANT_REFRESH_TOKEN, 1700000000, &error);
          g_assert (response != NULL || error != NULL);
        }

      rounds[r] = (g_get_monotonic_time () - start) * 1000.0 / ITERATIONS;
    }

  qsort (rounds, ROUNDS, sizeof (double), compare_doubles);
  return rounds[ROUNDS / 2];
}

int
main (void)
{
  static const char token[] =
    "{\"token_type\":\"Bearer\",\"expires_in\":31536000,"
    "\"access_token\":\"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9."
    "eyJhdWQiOiIxIiwianRpIjoiYWJjIiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MzE1MzYwMDAsInN1YiI6IjEifQ."
    "c2lnbmF0dXJl\",\"refresh_token\":\"def50200a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0\"}";
  static const char refused[] =
    "{\"error\":\"invalid_request\",\"error_description\":\"The refresh token is invalid.\","
    "\"hint\":\"Token has been revoked\",\"message\":\"The refresh token is invalid.\"}";

  printf ("token reply:  %.0f ns per parse (median of %d rounds of %d)\n",
          median_ns_per_parse (200, token), ROUNDS, ITERATIONS);
  printf ("error reply:  %.0f ns per parse (median of %d rounds of %d)\n",
          median_ns_per_parse (401, refused), ROUNDS, ITERATIONS);
  return 0;
}
