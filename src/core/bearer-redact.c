/* bearer-redact.c: masking secrets before anything is logged
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "bearer-form.h"
#include "bearer-redact.h"

static const char * const secret_fields[] = {
  "access_token",
  "refresh_token",
  "id_token",
  "client_secret",
  "password",
  "code",
  "code_verifier",
  "assertion",
  "client_assertion",
  "device_code",
  "token",
  "client_key",
  "private_key",
  "dpop_key",
};

#define SECRET_FIELD_ALTERNATION \
  "access_token|refresh_token|id_token|client_secret|password|code_verifier|" \
  "code|client_assertion|assertion|device_code|token|client_key|private_key|dpop_key"

typedef struct {
  GRegex *json_member;
  GRegex *form_pair;
  GRegex *auth_header;
  GRegex *auth_scheme;
  GRegex *jwt;
} Patterns;

/* Every quantifier is possessive (`*+`, `++`): no pattern backtracks, so
 * none hits PCRE2's backtracking limit whatever the length of a value (the
 * old patterns gave up, and masked the whole text, at about 1400
 * characters). GRegex hands the text to PCRE2 without a UTF-8 check: only
 * valid UTF-8 may reach them (invalid UTF-8 crashed the JIT). */
static Patterns *
get_patterns (void)
{
  static gsize once;
  static Patterns patterns;

  if (g_once_init_enter (&once))
    {
      GRegexCompileFlags flags = G_REGEX_OPTIMIZE | G_REGEX_CASELESS | G_REGEX_DOTALL;

      /* "access_token" : "…" — the value may hold escaped quotes, and may be
       * cut short (a log line): then it runs to the end of the text. */
      patterns.json_member =
        g_regex_new ("(\"(?:" SECRET_FIELD_ALTERNATION ")\"\\s*+:\\s*+\")"
                     "((?:[^\"\\\\]++|\\\\.?)*+)(\"|\\z)",
                     flags, 0, NULL);
      /* refresh_token=… in a form body or a query string. */
      patterns.form_pair =
        g_regex_new ("(^|[?&;\\s])(" SECRET_FIELD_ALTERNATION ")=([^&\\s\"]*+)",
                     flags, 0, NULL);
      /* Authorization: [<scheme> ]<credentials> — keep only the scheme. */
      patterns.auth_header =
        g_regex_new ("((?:Proxy-)?Authorization[ \\t]*+:[ \\t]*+)"
                     "(?:([A-Za-z0-9._~+/=-]++)([ \\t]++))?(\\S++)",
                     flags, 0, NULL);
      patterns.auth_scheme =
        g_regex_new ("\\b(Basic|Bearer|DPoP)(\\s++)([A-Za-z0-9._~+/-]{8,}+=*+)",
                     flags, 0, NULL);
      patterns.jwt =
        g_regex_new ("eyJ[A-Za-z0-9_-]*+\\.[A-Za-z0-9_-]++\\.[A-Za-z0-9_-]*+",
                     G_REGEX_OPTIMIZE, 0, NULL);

      g_assert (patterns.json_member && patterns.form_pair &&
                patterns.auth_header && patterns.auth_scheme && patterns.jwt);
      g_once_init_leave (&once, 1);
    }

  return &patterns;
}

/**
 * bearer_is_secret_field:
 * @name: a parameter or JSON member name
 *
 * Returns: whether the value of @name is a secret that must never be logged
 */
gboolean
bearer_is_secret_field (const char *name)
{
  if (name == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (secret_fields); i++)
    if (g_ascii_strcasecmp (name, secret_fields[i]) == 0)
      return TRUE;

  return FALSE;
}

static char *
json_escape (const char *text,
             gboolean    escape_slash)
{
  GString *out = g_string_new (NULL);

  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\' || (escape_slash && *p == '/'))
        g_string_append_printf (out, "\\%c", *p);
      else if (*p < 0x20)
        g_string_append_printf (out, "\\u%04x", *p);
      else
        g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}

/* The spellings of the known secrets a text may hold, longest first: as
 * typed, form-encoded, JSON-escaped (and with `\/`, as PHP writes a slash).
 * Each is valid UTF-8 and non-empty; duplicates are dropped. */
static GPtrArray *
collect_spellings (const char * const *known_secrets)
{
  GPtrArray *spellings = g_ptr_array_new_with_free_func ((GDestroyNotify) bearer_secret_free);

  for (guint i = 0; known_secrets != NULL && known_secrets[i] != NULL; i++)
    {
      char *secret;
      char *variants[4];

      if (*known_secrets[i] == '\0')
        continue;

      /* The text is made valid UTF-8 before it is searched: so is the
       * secret (a secret is typed text; this changes nothing then). */
      secret = g_utf8_make_valid (known_secrets[i], -1);
      variants[0] = secret;
      variants[1] = bearer_form_encode (secret);
      variants[2] = json_escape (secret, FALSE);
      variants[3] = json_escape (secret, TRUE);

      for (guint v = 0; v < G_N_ELEMENTS (variants); v++)
        {
          gboolean seen = FALSE;

          for (guint k = 0; k < spellings->len && !seen; k++)
            seen = strcmp (spellings->pdata[k], variants[v]) == 0;
          if (seen)
            bearer_secret_free (variants[v]);
          else
            g_ptr_array_add (spellings, variants[v]);
        }
    }

  /* The longer spellings first, so a shorter one does not break them up. */
  for (guint i = 1; i < spellings->len; i++)
    for (guint j = i; j > 0 && strlen (spellings->pdata[j - 1]) < strlen (spellings->pdata[j]); j--)
      {
        gpointer t = spellings->pdata[j];

        spellings->pdata[j] = spellings->pdata[j - 1];
        spellings->pdata[j - 1] = t;
      }

  return spellings;
}

/* Every occurrence of @needle, left to right, replaced with the mask, in
 * one pass. Returns whether there was one. */
static gboolean
replace_all (GString    *text,
             const char *needle)
{
  gsize needle_len = strlen (needle);
  const char *hit = memmem (text->str, text->len, needle, needle_len);
  g_autoptr(GString) out = NULL;
  gsize pos = 0;

  if (hit == NULL)
    return FALSE;

  out = g_string_sized_new (text->len);
  while (hit != NULL)
    {
      gsize at = hit - text->str;

      g_string_append_len (out, text->str + pos, at - pos);
      g_string_append (out, BEARER_REDACTED);
      pos = at + needle_len;
      hit = memmem (text->str + pos, text->len - pos, needle, needle_len);
    }
  g_string_append_len (out, text->str + pos, text->len - pos);

  explicit_bzero (text->str, text->len);
  g_string_truncate (text, 0);
  g_string_append_len (text, out->str, out->len);
  explicit_bzero (out->str, out->len);
  return TRUE;
}

/* A mask next to what followed a secret may spell the secret again
 * ("ted]" + "QQ…" for the secret "ted]QQ…"): mask until none is left. Each
 * round shortens the text or finds nothing; a secret that is part of the
 * mask itself is masked once only (it cannot be kept out of the mask). */
#define MAX_ROUNDS 16

static gboolean
mask_known (GString   *text,
            GPtrArray *spellings,
            gboolean   again)
{
  for (guint round = 0; round < MAX_ROUNDS; round++)
    {
      gboolean found = FALSE;

      for (guint i = 0; i < spellings->len; i++)
        {
          const char *spelling = spellings->pdata[i];

          if ((again || round > 0) && strstr (BEARER_REDACTED, spelling) != NULL)
            continue;
          if (replace_all (text, spelling))
            found = TRUE;
        }

      if (!found)
        return TRUE;
    }

  return FALSE;
}

static char *
regex_replace (GRegex     *regex,
               const char *text,
               const char *replacement)
{
  g_autoptr(GError) error = NULL;
  char *result = g_regex_replace (regex, text, -1, 0, replacement, 0, &error);

  /* A failure here must not let a secret through: replace the whole text. */
  if (result == NULL)
    return g_strdup (BEARER_REDACTED);

  return result;
}

/**
 * bearer_redact:
 * @text: (nullable): text that may hold secrets: a request or reply body, a
 *   header, a URL; any bytes
 * @known_secrets: (nullable) (array zero-terminated=1): secrets to mask
 *   wherever they appear, as typed, form-encoded or JSON-escaped
 *
 * Masks every secret in @text with %BEARER_REDACTED: the known secrets, the
 * values of secret-named fields in JSON and form bodies (also when cut
 * short), the credentials of `Authorization` headers, and anything shaped
 * like a JWT.
 *
 * Total: any bytes in, valid UTF-8 out (bytes that are not UTF-8 become
 * U+FFFD first), values of any length, and no spelling of a known secret
 * left in the result, unless the secret is itself part of %BEARER_REDACTED.
 *
 * Returns: (nullable): the redacted text
 */
char *
bearer_redact (const char         *text,
               const char * const *known_secrets)
{
  g_autoptr(GPtrArray) spellings = NULL;
  Patterns *patterns;
  g_autofree char *step1 = NULL;
  g_autofree char *step2 = NULL;
  g_autofree char *step3 = NULL;
  g_autofree char *step4 = NULL;
  g_autofree char *step5 = NULL;
  g_autofree char *valid = NULL;
  GString *out;

  if (text == NULL)
    return NULL;

  valid = g_utf8_make_valid (text, -1);
  out = g_string_new (valid);
  spellings = collect_spellings (known_secrets);
  if (!mask_known (out, spellings, FALSE))
    {
      bearer_secret_free (g_string_free (out, FALSE));
      return g_strdup (BEARER_REDACTED);
    }

  patterns = get_patterns ();
  step1 = regex_replace (patterns->json_member, out->str, "\\1" BEARER_REDACTED "\\3");
  bearer_secret_free (g_string_free (out, FALSE));
  step2 = regex_replace (patterns->form_pair, step1, "\\1\\2=" BEARER_REDACTED);
  step3 = regex_replace (patterns->auth_header, step2, "\\1\\2\\3" BEARER_REDACTED);
  step4 = regex_replace (patterns->auth_scheme, step3, "\\1\\2" BEARER_REDACTED);
  step5 = regex_replace (patterns->jwt, step4, BEARER_REDACTED);

  /* A mask put in by a pattern may spell a known secret with its
   * neighbours, as above. */
  out = g_string_new (step5);
  if (!mask_known (out, spellings, TRUE))
    {
      bearer_secret_free (g_string_free (out, FALSE));
      return g_strdup (BEARER_REDACTED);
    }

  return g_string_free (out, FALSE);
}

/**
 * bearer_redact_url:
 * @url: (nullable): a URL
 *
 * Returns: (nullable): @url for a log line, valid UTF-8: every query value
 *   masked (an extra query parameter may be an API key), any user
 *   information dropped; a URL without a host is masked whole
 */
char *
bearer_redact_url (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GString) query = NULL;
  g_autofree char *joined = NULL;
  const char *original;

  if (url == NULL)
    return NULL;

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  /* Without a host there is nothing worth showing, and a path that starts
   * with "//" could not even be joined again. */
  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return g_strdup (BEARER_REDACTED);

  original = g_uri_get_query (uri);
  if (original != NULL)
    {
      g_auto(GStrv) pairs = g_strsplit (original, "&", -1);

      query = g_string_new (NULL);
      for (guint i = 0; pairs[i] != NULL; i++)
        {
          const char *eq = strchr (pairs[i], '=');

          if (query->len > 0)
            g_string_append_c (query, '&');
          if (eq != NULL)
            g_string_append_len (query, pairs[i], eq - pairs[i]);
          else
            g_string_append (query, pairs[i]);
          g_string_append (query, "=" BEARER_REDACTED);
        }
    }

  joined = g_uri_join (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                       g_uri_get_port (uri), g_uri_get_path (uri),
                       query != NULL ? query->str : NULL, NULL);
  return g_utf8_make_valid (joined, -1);
}

/**
 * bearer_secret_free:
 * @secret: (nullable): a secret string
 *
 * Overwrites @secret before freeing it.
 */
void
bearer_secret_free (char *secret)
{
  if (secret == NULL)
    return;

  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}
