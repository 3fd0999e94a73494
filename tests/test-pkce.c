/* test-pkce.c: PKCE (RFC 7636) and the random values of a sign-in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "bearer-pkce.h"

/* RFC 7636, appendix B. */
static void
test_pkce_s256_rfc_example (void)
{
  g_autofree char *challenge = bearer_pkce_challenge ("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
                                                      BEARER_PKCE_S256);

  g_assert_cmpstr (challenge, ==, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

static void
test_pkce_plain_and_none (void)
{
  g_autofree char *plain = bearer_pkce_challenge ("abc", BEARER_PKCE_PLAIN);

  g_assert_cmpstr (plain, ==, "abc");
  g_assert_null (bearer_pkce_challenge ("abc", BEARER_PKCE_NONE));
  g_assert_cmpstr (bearer_pkce_method_to_wire (BEARER_PKCE_S256), ==, "S256");
  g_assert_cmpstr (bearer_pkce_method_to_wire (BEARER_PKCE_PLAIN), ==, "plain");
  g_assert_null (bearer_pkce_method_to_wire (BEARER_PKCE_NONE));
}

/* 43 characters of base64url (256 bits), never twice the same. */
static void
test_pkce_random_tokens (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 200; i++)
    {
      g_autoptr(GError) error = NULL;
      char *token = bearer_random_token (&error);

      g_assert_no_error (error);
      g_assert_cmpuint (strlen (token), ==, 43);
      g_assert_true (bearer_pkce_verifier_is_valid (token));
      for (const char *p = token; *p != '\0'; p++)
        g_assert_true (g_ascii_isalnum (*p) || *p == '-' || *p == '_');
      g_assert_false (g_hash_table_contains (seen, token));
      g_hash_table_add (seen, token);
    }
}

static void
test_pkce_verifier_rules (void)
{
  g_autofree char *long_one = g_strnfill (129, 'a');

  g_assert_false (bearer_pkce_verifier_is_valid (NULL));
  g_assert_false (bearer_pkce_verifier_is_valid ("short"));
  g_assert_false (bearer_pkce_verifier_is_valid (long_one));
  g_assert_false (bearer_pkce_verifier_is_valid ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa+"));
  g_assert_true (bearer_pkce_verifier_is_valid ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa~.-_"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/bearer/pkce/s256-rfc-example", test_pkce_s256_rfc_example);
  g_test_add_func ("/bearer/pkce/plain-and-none", test_pkce_plain_and_none);
  g_test_add_func ("/bearer/pkce/random-tokens", test_pkce_random_tokens);
  g_test_add_func ("/bearer/pkce/verifier-rules", test_pkce_verifier_rules);

  return g_test_run ();
}
