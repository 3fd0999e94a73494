/* test-form.c: the WHATWG form-urlencoding, byte for byte
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "bearer-form.h"

static void
assert_encodes (const char *text,
                const char *expected)
{
  g_autofree char *encoded = bearer_form_encode (text);

  g_assert_cmpstr (encoded, ==, expected);
}

static void
test_form_unreserved (void)
{
  assert_encodes ("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  assert_encodes ("abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwxyz");
  assert_encodes ("0123456789", "0123456789");
  assert_encodes ("*-._", "*-._");
}

static void
test_form_space (void)
{
  assert_encodes (" ", "+");
  assert_encodes ("a b  c", "a+b++c");
}

static void
test_form_reserved (void)
{
  assert_encodes (":%+&=/?#", "%3A%25%2B%26%3D%2F%3F%23");
  /* WHATWG, unlike RFC 3986, encodes '~' and the sub-delims. */
  assert_encodes ("~!'()", "%7E%21%27%28%29");
  assert_encodes ("\"<>[]\\^`{|}@$,;", "%22%3C%3E%5B%5D%5C%5E%60%7B%7C%7D%40%24%2C%3B");
  assert_encodes ("a\r\nb\t", "a%0D%0Ab%09");
}

static void
test_form_non_ascii (void)
{
  assert_encodes ("é", "%C3%A9");
  assert_encodes ("naïve €", "na%C3%AFve+%E2%82%AC");
  /* Bytes are encoded as they are, valid UTF-8 or not. */
  assert_encodes ("\xff\x80", "%FF%80");
}

static void
test_form_empty (void)
{
  assert_encodes ("", "");
}

static void
test_form_contract_example (void)
{
  /* The example of docs/core.md for the Basic client secret. */
  assert_encodes ("a:b%c+d é", "a%3Ab%25c%2Bd+%C3%A9");
}

static void
test_form_every_byte (void)
{
  for (guint b = 1; b < 256; b++)
    {
      char text[2] = { (char) b, '\0' };
      g_autofree char *encoded = bearer_form_encode (text);
      g_autofree char *expected = NULL;

      if (g_ascii_isalnum (b) || strchr ("*-._", b) != NULL)
        expected = g_strdup (text);
      else if (b == ' ')
        expected = g_strdup ("+");
      else
        expected = g_strdup_printf ("%%%02X", b);

      if (g_strcmp0 (encoded, expected) != 0)
        g_test_message ("byte 0x%02X", b);
      g_assert_cmpstr (encoded, ==, expected);
    }
}

static void
test_form_append_encoded (void)
{
  g_autoptr(GString) out = g_string_new ("x=");

  bearer_form_append_encoded (out, "a b&c");
  g_assert_cmpstr (out->str, ==, "x=a+b%26c");
}

static void
test_form_append_pair (void)
{
  g_autoptr(GString) out = g_string_new (NULL);

  bearer_form_append_pair (out, "grant_type", "refresh_token");
  g_assert_cmpstr (out->str, ==, "grant_type=refresh_token");

  bearer_form_append_pair (out, "refresh token", "a=b&c");
  g_assert_cmpstr (out->str, ==, "grant_type=refresh_token&refresh+token=a%3Db%26c");

  bearer_form_append_pair (out, "scope", "");
  g_assert_cmpstr (out->str, ==, "grant_type=refresh_token&refresh+token=a%3Db%26c&scope=");
}

static void
assert_decodes (const char *text,
                const char *expected,
                gsize       expected_length)
{
  gsize length = 0;
  g_autofree char *decoded = bearer_form_decode (text, -1, &length);

  g_assert_cmpmem (decoded, length, expected, expected_length);
  g_assert_cmpint (decoded[length], ==, '\0');
}

static void
test_form_decode (void)
{
  assert_decodes ("", "", 0);
  assert_decodes ("a+b%20c", "a b c", 5);
  assert_decodes ("%3a%3A%7e", "::~", 3);
  assert_decodes ("%C3%A9", "\xc3\xa9", 2);
  /* Any byte, a NUL or one that is not UTF-8 included: the caller judges. */
  assert_decodes ("a%00b%FF", "a\0b\xff", 4);
  /* A '%' without two hex digits is itself (WHATWG). */
  assert_decodes ("100%", "100%", 4);
  assert_decodes ("%zz%4%%41", "%zz%4%A", 7);
  /* '+' spelled %2B is a plus. */
  assert_decodes ("a%2Bb", "a+b", 3);
}

static void
test_form_decode_length (void)
{
  gsize length = 0;
  g_autofree char *decoded = bearer_form_decode ("ab%41cd", 5, &length);

  g_assert_cmpmem (decoded, length, "abA", 3);
}

static void
test_form_round_trip (void)
{
  for (guint b = 0; b < 256; b++)
    {
      char text[3] = { (char) b, 'x', '\0' };
      g_autoptr(GString) encoded = g_string_new (NULL);
      g_autofree char *decoded = NULL;
      gsize length;

      bearer_form_append_encoded_len (encoded, text, 2);
      decoded = bearer_form_decode (encoded->str, encoded->len, &length);
      g_assert_cmpmem (decoded, length, text, 2);
    }
}

static void
test_form_parse (void)
{
  static const char body[] = "a=1&&b=%3D&=empty-name&no-equals&c=x=y&a=2&d=";
  static const struct { const char *name; const char *value; } expected[] = {
    { "a", "1" }, { "b", "=" }, { "", "empty-name" }, { "c", "x=y" }, { "a", "2" }, { "d", "" },
  };
  g_autoptr(GPtrArray) pairs = bearer_form_parse (body, strlen (body));

  g_assert_cmpuint (pairs->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < pairs->len; i++)
    {
      BearerFormPair *pair = pairs->pdata[i];

      g_assert_cmpmem (pair->name, pair->name_length, expected[i].name, strlen (expected[i].name));
      g_assert_cmpmem (pair->value, pair->value_length, expected[i].value, strlen (expected[i].value));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/bearer/form/unreserved", test_form_unreserved);
  g_test_add_func ("/bearer/form/space", test_form_space);
  g_test_add_func ("/bearer/form/reserved", test_form_reserved);
  g_test_add_func ("/bearer/form/non-ascii", test_form_non_ascii);
  g_test_add_func ("/bearer/form/empty", test_form_empty);
  g_test_add_func ("/bearer/form/contract-example", test_form_contract_example);
  g_test_add_func ("/bearer/form/every-byte", test_form_every_byte);
  g_test_add_func ("/bearer/form/append-encoded", test_form_append_encoded);
  g_test_add_func ("/bearer/form/append-pair", test_form_append_pair);
  g_test_add_func ("/bearer/form/decode", test_form_decode);
  g_test_add_func ("/bearer/form/decode-length", test_form_decode_length);
  g_test_add_func ("/bearer/form/round-trip", test_form_round_trip);
  g_test_add_func ("/bearer/form/parse", test_form_parse);

  return g_test_run ();
}
