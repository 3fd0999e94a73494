/* bearer-form.c: application/x-www-form-urlencoded, byte for byte
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "bearer-form.h"

static inline gboolean
is_unreserved (guchar c)
{
  return g_ascii_isalnum (c) || c == '*' || c == '-' || c == '.' || c == '_';
}

void
bearer_form_append_encoded_len (GString    *out,
                                const char *data,
                                gsize       length)
{
  static const char hex[] = "0123456789ABCDEF";

  g_return_if_fail (out != NULL);

  for (gsize i = 0; i < length; i++)
    {
      guchar c = data[i];

      if (is_unreserved (c))
        g_string_append_c (out, c);
      else if (c == ' ')
        g_string_append_c (out, '+');
      else
        {
          g_string_append_c (out, '%');
          g_string_append_c (out, hex[c >> 4]);
          g_string_append_c (out, hex[c & 0xf]);
        }
    }
}

void
bearer_form_append_encoded (GString    *out,
                            const char *text)
{
  g_return_if_fail (out != NULL);

  if (text == NULL)
    return;

  bearer_form_append_encoded_len (out, text, strlen (text));
}

char *
bearer_form_encode (const char *text)
{
  GString *out = g_string_new (NULL);

  bearer_form_append_encoded (out, text);
  return g_string_free (out, FALSE);
}

void
bearer_form_append_pair (GString    *out,
                         const char *name,
                         const char *value)
{
  if (out->len > 0)
    g_string_append_c (out, '&');
  bearer_form_append_encoded (out, name);
  g_string_append_c (out, '=');
  bearer_form_append_encoded (out, value);
}

/**
 * bearer_form_decode:
 * @text: form-urlencoded text
 * @length: its length, or -1 when NUL-terminated
 * @out_length: (out): the length of the result
 *
 * Decodes as the WHATWG URL standard's urlencoded parser does: '+' becomes
 * a space, '%' and two hex digits the byte they spell, and any other byte,
 * a lone '%' included, stays as it is.
 *
 * Returns: (transfer full): the bytes, NUL-terminated after @out_length;
 *   they may hold NUL bytes and need not be UTF-8
 */
char *
bearer_form_decode (const char *text,
                    gssize      length,
                    gsize      *out_length)
{
  gsize len = length < 0 ? strlen (text) : (gsize) length;
  char *out = g_malloc (len + 1);
  gsize n = 0;

  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if (c == '+')
        out[n++] = ' ';
      else if (c == '%' && i + 2 < len &&
               g_ascii_isxdigit (text[i + 1]) && g_ascii_isxdigit (text[i + 2]))
        {
          out[n++] = (char) ((g_ascii_xdigit_value (text[i + 1]) << 4) |
                             g_ascii_xdigit_value (text[i + 2]));
          i += 2;
        }
      else
        out[n++] = c;
    }

  out[n] = '\0';
  *out_length = n;
  return out;
}

BearerFormPair *
bearer_form_pair_new (const char *name,
                      gsize       name_length,
                      const char *value,
                      gsize       value_length)
{
  BearerFormPair *pair = g_new0 (BearerFormPair, 1);

  pair->name = g_strndup (name, name_length);
  pair->name_length = name_length;
  pair->value = g_strndup (value, value_length);
  pair->value_length = value_length;
  return pair;
}

void
bearer_form_pair_free (BearerFormPair *pair)
{
  if (pair == NULL)
    return;

  /* Values are often secrets (a refresh token in a reply). */
  explicit_bzero (pair->value, pair->value_length);
  g_free (pair->name);
  g_free (pair->value);
  g_free (pair);
}

/**
 * bearer_form_parse:
 * @data: a form body, `name=value&name=value`
 * @length: its length
 *
 * Returns: (transfer full) (element-type BearerFormPair): the pairs, in
 *   the body's order; a part that is empty or has no '=' is skipped
 */
GPtrArray *
bearer_form_parse (const char *data,
                   gsize       length)
{
  GPtrArray *pairs = g_ptr_array_new_with_free_func ((GDestroyNotify) bearer_form_pair_free);
  const char *p = data;
  const char *end = data + length;

  while (p < end)
    {
      const char *amp = memchr (p, '&', end - p);
      const char *part_end = amp != NULL ? amp : end;
      const char *eq = memchr (p, '=', part_end - p);

      if (eq != NULL)
        {
          BearerFormPair *pair = g_new0 (BearerFormPair, 1);

          pair->name = bearer_form_decode (p, eq - p, &pair->name_length);
          pair->value = bearer_form_decode (eq + 1, part_end - eq - 1, &pair->value_length);
          g_ptr_array_add (pairs, pair);
        }

      p = amp != NULL ? amp + 1 : end;
    }

  return pairs;
}
