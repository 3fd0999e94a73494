/* fuzz-form.c: the form-urlencoding, both ways
 *
 * Properties, for any bytes x (NUL included) and any list of pairs:
 *  - encode(x) holds only A–Z a–z 0–9 * - . _ + and %XX with upper-case hex,
 *    and decode(encode(x)) == x;
 *  - encode(decode(x)) is stable: decoding and encoding it again gives it back;
 *  - decode(encode(pairs)) == pairs, and parsing a body then writing its pairs
 *    gives a body that parses to the same pairs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "bearer-form.h"

#include "fuzz-common.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  bearer_fuzz_init ();
  return 0;
}

static void
assert_canonical (const char *encoded,
                  gsize       length)
{
  g_assert_cmpuint (strlen (encoded), ==, length);
  for (gsize i = 0; i < length; i++)
    {
      char c = encoded[i];

      if (c == '%')
        {
          g_assert_cmpuint (i + 2, <, length + 1);
          g_assert_true (g_ascii_isxdigit (encoded[i + 1]) && !g_ascii_islower (encoded[i + 1]));
          g_assert_true (g_ascii_isxdigit (encoded[i + 2]) && !g_ascii_islower (encoded[i + 2]));
          i += 2;
        }
      else
        g_assert_true (g_ascii_isalnum (c) || strchr ("*-._+", c) != NULL);
    }
}

static void
assert_same_bytes (const char *a,
                   gsize       a_len,
                   const char *b,
                   gsize       b_len)
{
  g_assert_cmpmem (a, a_len, b, b_len);
}

static void
check_pairs_equal (GPtrArray *a,
                   GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      BearerFormPair *pa = a->pdata[i];
      BearerFormPair *pb = b->pdata[i];

      assert_same_bytes (pa->name, pa->name_length, pb->name, pb->name_length);
      assert_same_bytes (pa->value, pa->value_length, pb->value, pb->value_length);
    }
}

static GString *
write_pairs (GPtrArray *pairs)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < pairs->len; i++)
    {
      BearerFormPair *pair = pairs->pdata[i];

      if (out->len > 0)
        g_string_append_c (out, '&');
      bearer_form_append_encoded_len (out, pair->name, pair->name_length);
      g_string_append_c (out, '=');
      bearer_form_append_encoded_len (out, pair->value, pair->value_length);
    }

  return out;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char *text = (const char *) data;

  /* decode(encode(x)) == x, for the raw bytes */
  {
    g_autoptr(GString) encoded = g_string_new (NULL);
    g_autofree char *decoded = NULL;
    gsize decoded_len;

    bearer_form_append_encoded_len (encoded, text, size);
    assert_canonical (encoded->str, encoded->len);
    decoded = bearer_form_decode (encoded->str, encoded->len, &decoded_len);
    assert_same_bytes (decoded, decoded_len, text, size);
  }

  /* ... and through the NUL-terminated API, up to the first NUL */
  {
    g_autofree char *c_text = g_strndup (text, size);
    g_autofree char *encoded = bearer_form_encode (c_text);
    g_autofree char *decoded = NULL;
    gsize decoded_len;

    assert_canonical (encoded, strlen (encoded));
    decoded = bearer_form_decode (encoded, -1, &decoded_len);
    assert_same_bytes (decoded, decoded_len, c_text, strlen (c_text));
  }

  /* encode(decode(x)) is stable */
  {
    g_autofree char *decoded = NULL;
    g_autofree char *decoded2 = NULL;
    g_autoptr(GString) encoded = g_string_new (NULL);
    g_autoptr(GString) encoded2 = g_string_new (NULL);
    gsize decoded_len, decoded2_len;

    decoded = bearer_form_decode (text, size, &decoded_len);
    g_assert_cmpuint (decoded_len, <=, size);
    g_assert_cmpint (decoded[decoded_len], ==, '\0');
    bearer_form_append_encoded_len (encoded, decoded, decoded_len);
    decoded2 = bearer_form_decode (encoded->str, encoded->len, &decoded2_len);
    assert_same_bytes (decoded2, decoded2_len, decoded, decoded_len);
    bearer_form_append_encoded_len (encoded2, decoded2, decoded2_len);
    g_assert_cmpstr (encoded2->str, ==, encoded->str);
  }

  /* the input as a body: parse, write, parse again */
  {
    g_autoptr(GPtrArray) pairs = bearer_form_parse (text, size);
    g_autoptr(GString) body = write_pairs (pairs);
    g_autoptr(GPtrArray) again = bearer_form_parse (body->str, body->len);
    g_autoptr(GString) body2 = write_pairs (again);

    check_pairs_equal (pairs, again);
    g_assert_cmpstr (body2->str, ==, body->str);
  }

  /* the input as pairs (split at 0x01 and 0x02): decode(encode(pairs)) == pairs */
  {
    g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func ((GDestroyNotify) bearer_form_pair_free);
    g_autoptr(GPtrArray) parsed = NULL;
    g_autoptr(GString) body = NULL;
    const char *p = text;
    const char *end = text + size;

    while (p < end)
      {
        const char *sep = memchr (p, '\x02', end - p);
        const char *pair_end = sep != NULL ? sep : end;
        const char *eq = memchr (p, '\x01', pair_end - p);
        const char *name_end = eq != NULL ? eq : pair_end;
        const char *value = eq != NULL ? eq + 1 : pair_end;

        g_ptr_array_add (pairs, bearer_form_pair_new (p, name_end - p, value, pair_end - value));
        p = sep != NULL ? sep + 1 : end;
      }

    body = write_pairs (pairs);
    parsed = bearer_form_parse (body->str, body->len);
    check_pairs_equal (pairs, parsed);
  }

  return 0;
}
