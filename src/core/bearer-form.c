/* bearer-form.c: application/x-www-form-urlencoded, byte for byte
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "bearer-form.h"

static inline gboolean
is_unreserved (guchar c)
{
  return g_ascii_isalnum (c) || c == '*' || c == '-' || c == '.' || c == '_';
}

void
bearer_form_append_encoded (GString    *out,
                            const char *text)
{
  static const char hex[] = "0123456789ABCDEF";

  g_return_if_fail (out != NULL);

  if (text == NULL)
    return;

  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      if (is_unreserved (*p))
        g_string_append_c (out, *p);
      else if (*p == ' ')
        g_string_append_c (out, '+');
      else
        {
          g_string_append_c (out, '%');
          g_string_append_c (out, hex[*p >> 4]);
          g_string_append_c (out, hex[*p & 0xf]);
        }
    }
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
