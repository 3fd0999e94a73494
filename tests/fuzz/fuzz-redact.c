/* fuzz-redact.c: masking secrets, on any bytes
 *
 * The input: byte 0 is the secret's length, byte 1 how many times it is
 * inserted (low three bits) and in which spellings (the others: as typed,
 * form-encoded, JSON-escaped); then the secret, then one byte per insertion
 * giving its place; the rest is the text. The secret is made valid UTF-8
 * (secrets are typed text), the text is left as it is.
 *
 * Properties: bearer_redact() never crashes, always answers valid UTF-8, and
 * its answer holds none of the secret's spellings (unless that spelling is
 * itself part of the mask "[redacted]"); with no known secret, the answer is
 * still valid UTF-8. bearer_redact_url() answers valid UTF-8 too.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "bearer-form.h"
#include "bearer-redact.h"

#include "fuzz-common.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  bearer_fuzz_init ();
  return 0;
}

static char *
json_escape (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else if (*p < 0x20)
        g_string_append_printf (out, "\\u%04x", *p);
      else
        g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}

static void
assert_absent (const char *redacted,
               const char *spelling)
{
  if (*spelling == '\0' || strstr (BEARER_REDACTED, spelling) != NULL)
    return;
  if (strstr (redacted, spelling) != NULL)
    {
      g_printerr ("secret spelling survived: “%s” in “%s”\n", spelling, redacted);
      g_assert_not_reached ();
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *raw_secret = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *form = NULL;
  g_autofree char *json = NULL;
  g_autofree char *rest = NULL;
  g_autofree char *redacted = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GString) text = NULL;
  const char *spellings[3];
  const char *p = (const char *) data;
  const char *end = p + size;
  gsize secret_len;
  guint insertions, flags;
  guint places[8];

  if (size < 2)
    return 0;

  secret_len = MIN ((gsize) (guchar) p[0], size - 2);
  insertions = (guchar) p[1] & 7;
  flags = (guchar) p[1] >> 3;
  p += 2;

  raw_secret = g_strndup (p, secret_len);
  secret = g_utf8_make_valid (raw_secret, -1);
  p += secret_len;

  for (guint i = 0; i < insertions; i++)
    places[i] = p < end ? (guchar) *p++ : 0;

  rest = g_strndup (p, end - p);
  form = bearer_form_encode (secret);
  json = json_escape (secret);
  spellings[0] = secret;
  spellings[1] = form;
  spellings[2] = json;

  /* The text with the secret inserted, in order of place (0–255 over the
   * text's length), each in the spelling the flags pick in turn. */
  text = g_string_new (NULL);
  {
    gsize rest_len = strlen (rest);
    gsize copied = 0;
    guint sorted[8];

    memcpy (sorted, places, sizeof places);
    for (guint i = 1; i < insertions; i++)
      for (guint j = i; j > 0 && sorted[j - 1] > sorted[j]; j--)
        {
          guint t = sorted[j];
          sorted[j] = sorted[j - 1];
          sorted[j - 1] = t;
        }

    for (guint i = 0; i < insertions; i++)
      {
        gsize at = rest_len * sorted[i] / 256;

        g_string_append_len (text, rest + copied, at - copied);
        copied = at;
        g_string_append (text, spellings[(flags + i) % 3]);
      }
    g_string_append (text, rest + copied);
  }

  {
    const char * const known[] = { secret, NULL };

    redacted = bearer_redact (text->str, known);
    g_assert_nonnull (redacted);
    g_assert_true (g_utf8_validate (redacted, -1, NULL));
    for (guint i = 0; i < G_N_ELEMENTS (spellings); i++)
      assert_absent (redacted, spellings[i]);
  }

  plain = bearer_redact (text->str, NULL);
  g_assert_nonnull (plain);
  g_assert_true (g_utf8_validate (plain, -1, NULL));

  url = bearer_redact_url (text->str);
  g_assert_nonnull (url);
  g_assert_true (g_utf8_validate (url, -1, NULL));

  return 0;
}
