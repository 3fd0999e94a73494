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
};

#define SECRET_FIELD_ALTERNATION \
  "access_token|refresh_token|id_token|client_secret|password|code_verifier|" \
  "code|client_assertion|assertion|device_code|token"

typedef struct {
  GRegex *json_member;
  GRegex *form_pair;
  GRegex *auth_header;
  GRegex *auth_scheme;
  GRegex *jwt;
} Patterns;

static Patterns *
get_patterns (void)
{
  static gsize once;
  static Patterns patterns;

  if (g_once_init_enter (&once))
    {
      GRegexCompileFlags flags = G_REGEX_OPTIMIZE | G_REGEX_CASELESS;

      /* "access_token" : "…" — the value may hold escaped quotes. */
      patterns.json_member =
        g_regex_new ("(\"(?:" SECRET_FIELD_ALTERNATION ")\"\\s*:\\s*\")((?:[^\"\\\\]|\\\\.)*)(\")",
                     flags, 0, NULL);
      /* refresh_token=… in a form body or a query string. */
      patterns.form_pair =
        g_regex_new ("(^|[?&;\\s])(" SECRET_FIELD_ALTERNATION ")=([^&\\s\"]*)",
                     flags, 0, NULL);
      /* Authorization: <scheme> <credentials> — keep only the scheme. */
      patterns.auth_header =
        g_regex_new ("((?:Proxy-)?Authorization\\s*:\\s*)([A-Za-z0-9._~+/=-]+)(\\s+)(\\S+)",
                     flags, 0, NULL);
      patterns.auth_scheme =
        g_regex_new ("\\b(Basic|Bearer|DPoP)(\\s+)([A-Za-z0-9._~+/-]{8,}=*)",
                     flags, 0, NULL);
      patterns.jwt =
        g_regex_new ("eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*",
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

static void
replace_all (GString    *text,
             const char *needle)
{
  gsize needle_len = strlen (needle);
  gsize pos = 0;

  if (needle_len == 0)
    return;

  while (pos + needle_len <= text->len)
    {
      char *hit = memmem (text->str + pos, text->len - pos, needle, needle_len);

      if (hit == NULL)
        break;

      pos = hit - text->str;
      g_string_erase (text, pos, needle_len);
      g_string_insert (text, pos, BEARER_REDACTED);
      pos += strlen (BEARER_REDACTED);
    }
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

static char *
regex_replace (GRegex     *regex,
               const char *text,
               const char *replacement)
{
  g_autoptr(GError) error = NULL;
  char *result = g_regex_replace (regex, text, -1, 0, replacement, 0, &error);

  /* A failure here (a match limit on hostile input) must not let the
   * secret through: replace the whole text. */
  if (result == NULL)
    return g_strdup (BEARER_REDACTED);

  return result;
}

/**
 * bearer_redact:
 * @text: (nullable): text that may hold secrets: a request or reply body, a
 *   header, a URL
 * @known_secrets: (nullable) (array zero-terminated=1): secrets to mask
 *   wherever they appear, as typed, form-encoded or JSON-escaped
 *
 * Masks every secret in @text with %BEARER_REDACTED: the known secrets, the
 * values of secret-named fields in JSON and form bodies, the credentials of
 * `Authorization` headers, and anything shaped like a JWT.
 *
 * Returns: (nullable): the redacted text
 */
char *
bearer_redact (const char         *text,
               const char * const *known_secrets)
{
  Patterns *patterns;
  g_autofree char *step1 = NULL;
  g_autofree char *step2 = NULL;
  g_autofree char *step3 = NULL;
  g_autofree char *step4 = NULL;
  GString *out;

  if (text == NULL)
    return NULL;

  out = g_string_new (text);

  for (guint i = 0; known_secrets != NULL && known_secrets[i] != NULL; i++)
    {
      const char *secret = known_secrets[i];
      g_autofree char *form = NULL;
      g_autofree char *json = NULL;

      if (*secret == '\0')
        continue;

      form = bearer_form_encode (secret);
      json = json_escape (secret);

      /* The longer spellings first, so a shorter one does not break them up. */
      replace_all (out, form);
      replace_all (out, json);
      replace_all (out, secret);
    }

  patterns = get_patterns ();
  step1 = regex_replace (patterns->json_member, out->str, "\\1" BEARER_REDACTED "\\3");
  g_string_free (out, TRUE);
  step2 = regex_replace (patterns->form_pair, step1, "\\1\\2=" BEARER_REDACTED);
  step3 = regex_replace (patterns->auth_header, step2, "\\1\\2\\3" BEARER_REDACTED);
  step4 = regex_replace (patterns->auth_scheme, step3, "\\1\\2" BEARER_REDACTED);

  return regex_replace (patterns->jwt, step4, BEARER_REDACTED);
}

/**
 * bearer_redact_url:
 * @url: (nullable): a URL
 *
 * Returns: (nullable): @url for a log line: every query value masked (an
 *   extra query parameter may be an API key), any user information dropped
 */
char *
bearer_redact_url (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GString) query = NULL;
  const char *original;

  if (url == NULL)
    return NULL;

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL)
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

  return g_uri_join (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                     g_uri_get_port (uri), g_uri_get_path (uri),
                     query != NULL ? query->str : NULL, NULL);
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
