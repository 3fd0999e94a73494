/* bearer-request-preview.c: the token request as cURL, Python or Node.js
 *
 * The snippet is rendered from the very message the core would send: the
 * refresh transaction's request (bearer_refresh_build_request()) built by
 * bearer_token_request_build_message(), so its URL and query, its headers,
 * its client authentication and its body bytes are the core's, in the
 * core's order and encoding, and nothing here encodes a parameter again.
 *
 * Secrets are placeholders unless the caller hands them over. A placeholder
 * such as "<client-secret>" would be percent-encoded by the form encoding
 * (and hidden in base64 by HTTP Basic), so the request is built with
 * sentinel values made only of letters and digits, which every encoding
 * keeps as they are; the rendered text then has each sentinel replaced by
 * its placeholder. HTTP Basic is shown as its user and password (`-u` for
 * curl, `auth` for requests and axios), which the tools encode exactly as
 * the core does.
 *
 * A client assertion (private_key_jwt, client_secret_jwt) is signed when the
 * request is sent and valid for a minute: the snippet shows a placeholder
 * for it, and a comment above says so.
 *
 * A client certificate (RFC 8705) is shown as the certificate file and a
 * placeholder for its key, which stays in the keyring: each snippet says so
 * in a comment.
 *
 * Left out on purpose: User-Agent (each tool names itself), and what each
 * HTTP library computes itself (Host, Content-Length, Connection,
 * Accept-Encoding).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "bearer-client-assertion.h"
#include "bearer-redact.h"
#include "bearer-refresh.h"
#include "bearer-request-preview.h"

typedef struct {
  const char *name;
  const char *value;
} Header;

/* The parts of a built message that a snippet shows. */
typedef struct {
  char *url;
  GArray *headers;              /* of Header, pointing into the message */
  char *basic_user;             /* HTTP Basic, decoded; NULL without it */
  char *basic_password;
  gboolean json;
  GPtrArray *pairs;             /* a form body cut at its '&', or NULL */
  char *body;                   /* the body as text */
  char *certificate;            /* the client certificate file (RFC 8705), or NULL */
} Exchange;

static void
exchange_clear (Exchange *exchange)
{
  g_free (exchange->url);
  g_clear_pointer (&exchange->headers, g_array_unref);
  bearer_secret_free (exchange->basic_user);
  bearer_secret_free (exchange->basic_password);
  g_clear_pointer (&exchange->pairs, g_ptr_array_unref);
  bearer_secret_free (exchange->body);
  g_free (exchange->certificate);
}

static const char * const skipped_headers[] = {
  "Host", "User-Agent", "Content-Length", "Connection", "Accept-Encoding", "Transfer-Encoding",
};

static gboolean
is_skipped_header (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (skipped_headers); i++)
    if (g_ascii_strcasecmp (name, skipped_headers[i]) == 0)
      return TRUE;
  return FALSE;
}

/* "Basic base64(user:password)" as user and password, when that is text
 * a tool can take back (curl -u, requests' and axios' auth): any split at
 * a ':' gives the same header again, so the first one is taken. */
static gboolean
split_basic (const char  *value,
             char       **user,
             char       **password)
{
  g_autofree guchar *decoded = NULL;
  char *text;
  char *colon;
  gsize length = 0;

  if (g_ascii_strncasecmp (value, "Basic ", 6) != 0)
    return FALSE;

  decoded = g_base64_decode (value + 6, &length);
  text = g_strndup ((const char *) decoded, length);
  explicit_bzero (decoded, length);
  colon = strchr (text, ':');
  if (strlen (text) != length || !g_utf8_validate (text, -1, NULL) || colon == NULL)
    {
      bearer_secret_free (text);
      return FALSE;
    }

  *user = g_strndup (text, (gsize) (colon - text));
  *password = g_strdup (colon + 1);
  bearer_secret_free (text);
  return TRUE;
}

static void
read_message (SoupMessage *message,
              Exchange    *exchange)
{
  SoupMessageHeaders *headers = soup_message_get_request_headers (message);
  GBytes *body = bearer_token_request_peek_message_body (message);
  SoupMessageHeadersIter iter;
  const char *content_type = soup_message_headers_get_content_type (headers, NULL);
  const char *name, *value;
  gsize length = 0;
  const char *data = g_bytes_get_data (body, &length);

  exchange->url = g_uri_to_string (soup_message_get_uri (message));
  exchange->headers = g_array_new (FALSE, FALSE, sizeof (Header));

  /* Accept and Content-Type first, as people write them; then the rest
   * (the order of headers means nothing in HTTP). */
  for (guint pass = 0; pass < 2; pass++)
    {
      soup_message_headers_iter_init (&iter, headers);
      while (soup_message_headers_iter_next (&iter, &name, &value))
        {
          Header header = { name, value };
          gboolean first = g_ascii_strcasecmp (name, "Accept") == 0 ||
                           g_ascii_strcasecmp (name, "Content-Type") == 0;

          if (is_skipped_header (name) || first != (pass == 0))
            continue;
          if (g_ascii_strcasecmp (name, "Authorization") == 0 && exchange->basic_user == NULL &&
              split_basic (value, &exchange->basic_user, &exchange->basic_password))
            continue;
          g_array_append_val (exchange->headers, header);
        }
    }
  if (exchange->headers->len >= 2 &&
      g_ascii_strcasecmp (g_array_index (exchange->headers, Header, 0).name, "Content-Type") == 0)
    {
      Header swap = g_array_index (exchange->headers, Header, 0);

      g_array_index (exchange->headers, Header, 0) = g_array_index (exchange->headers, Header, 1);
      g_array_index (exchange->headers, Header, 1) = swap;
    }

  exchange->json = g_strcmp0 (content_type, "application/json") == 0;
  exchange->body = g_strndup (data, length);
  if (!exchange->json)
    {
      g_auto(GStrv) pairs = g_strsplit (exchange->body, "&", -1);

      exchange->pairs = g_ptr_array_new_with_free_func ((GDestroyNotify) bearer_secret_free);
      for (guint i = 0; pairs[i] != NULL; i++)
        g_ptr_array_add (exchange->pairs, g_steal_pointer (&pairs[i]));
    }
}

static gboolean
is_ascii (const char *text)
{
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    if (*p >= 0x80)
      return FALSE;
  return TRUE;
}

/* ---- cURL ---------------------------------------------------------------- */

static void
append_curl_option (GString    *out,
                    const char *option,
                    const char *value)
{
  char *quoted = g_shell_quote (value);

  g_string_append_printf (out, " \\\n  %s %s", option, quoted);
  bearer_secret_free (quoted);
}

static void
render_curl (GString  *out,
             Exchange *exchange)
{
  char *quoted = g_shell_quote (exchange->url);

  if (exchange->certificate != NULL)
    g_string_append (out, "# The private key of the client certificate is kept in the keyring, not\n"
                          "# in a file: save it to a file only you can read, and give that file\n"
                          "# to --key in place of " BEARER_PLACEHOLDER_CLIENT_KEY ".\n");
  g_string_append_printf (out, "curl -X POST %s", quoted);
  g_free (quoted);

  for (guint i = 0; i < exchange->headers->len; i++)
    {
      Header *header = &g_array_index (exchange->headers, Header, i);
      /* curl leaves out a header given as "Name:"; "Name;" sends it empty. */
      char *line = *header->value != '\0' ? g_strdup_printf ("%s: %s", header->name, header->value)
                                           : g_strdup_printf ("%s;", header->name);

      append_curl_option (out, "-H", line);
      bearer_secret_free (line);
    }

  if (exchange->certificate != NULL)
    {
      append_curl_option (out, "--cert", exchange->certificate);
      append_curl_option (out, "--key", BEARER_PLACEHOLDER_CLIENT_KEY);
    }

  if (exchange->basic_user != NULL)
    {
      char *user = g_strconcat (exchange->basic_user, ":", exchange->basic_password, NULL);

      append_curl_option (out, "-u", user);
      bearer_secret_free (user);
    }

  /* -d joins its pieces with '&'; no piece starts with '@' (a name's '@'
   * is encoded), so none is read as a file name. */
  if (exchange->pairs != NULL)
    for (guint i = 0; i < exchange->pairs->len; i++)
      append_curl_option (out, "-d", g_ptr_array_index (exchange->pairs, i));
  else
    append_curl_option (out, "--data-raw", exchange->body);
}

/* ---- Python and JavaScript string literals ------------------------------- */

/* A string literal both Python 3 and JavaScript read back as @text (UTF-8
 * source). */
static void
append_literal (GString    *out,
                const char *text,
                char        quote)
{
  g_string_append_c (out, quote);
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      if (*p == '\\' || *p == (guchar) quote)
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, (char) *p);
        }
      else if (*p == '\n')
        g_string_append (out, "\\n");
      else if (*p == '\r')
        g_string_append (out, "\\r");
      else if (*p == '\t')
        g_string_append (out, "\\t");
      else if (*p < 0x20 || *p == 0x7f)
        g_string_append_printf (out, "\\x%02x", *p);
      else if (*p == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
        {
          /* U+2028 and U+2029 end a line in older JavaScript. */
          g_string_append_printf (out, "\\u%s", p[2] == 0xa8 ? "2028" : "2029");
          p += 2;
        }
      else
        g_string_append_c (out, (char) *p);
    }
  g_string_append_c (out, quote);
}

/* Python sends a str header or Basic part as Latin-1: text beyond ASCII
 * goes as its UTF-8 bytes, as libsoup sends it. */
static void
append_python_text (GString    *out,
                    const char *text)
{
  append_literal (out, text, '"');
  if (!is_ascii (text))
    g_string_append (out, ".encode()");
}

static void
append_python_headers (GString  *out,
                       Exchange *exchange)
{
  g_string_append (out, "headers = {\n");
  for (guint i = 0; i < exchange->headers->len; i++)
    {
      Header *header = &g_array_index (exchange->headers, Header, i);

      g_string_append (out, "    ");
      append_literal (out, header->name, '"');
      g_string_append (out, ": ");
      append_python_text (out, header->value);
      g_string_append (out, ",\n");
    }
  g_string_append (out, "}\n");
}

/* ---- Python requests ------------------------------------------------------ */

static void
render_python (GString  *out,
               Exchange *exchange)
{
  g_string_append (out, "import requests\n\n# The token endpoint\ntoken_url = ");
  append_literal (out, exchange->url, '"');
  g_string_append (out, "\n");
  append_python_headers (out, exchange);

  if (exchange->pairs != NULL)
    {
      g_string_append (out, "# The body, form-encoded as Bearer sends it\nbody = (\n");
      /* Each line is a string literal of its own: "grant_type=…" */
      for (guint i = 0; i < exchange->pairs->len; i++)
        {
          g_autoptr(GString) piece = g_string_new (i > 0 ? "&" : "");

          g_string_append (piece, g_ptr_array_index (exchange->pairs, i));
          g_string_append (out, "    ");
          append_literal (out, piece->str, '"');
          g_string_append_c (out, '\n');
          explicit_bzero (piece->str, piece->len);
        }
      g_string_append (out, ")\n");
    }
  else
    {
      g_string_append (out, "# The body, as Bearer sends it\nbody = ");
      append_literal (out, exchange->body, '\'');
      g_string_append (out, "\n");
    }

  g_string_append (out, "\n# Make the POST request\nresponse = requests.post(\n"
                        "    token_url,\n"
                        "    headers=headers,\n");
  if (exchange->basic_user != NULL)
    {
      g_string_append (out, "    auth=(");
      append_python_text (out, exchange->basic_user);
      g_string_append (out, ", ");
      append_python_text (out, exchange->basic_password);
      g_string_append (out, "),\n");
    }
  if (exchange->certificate != NULL)
    {
      g_string_append (out, "    # The client certificate; its private key is kept in the keyring,\n"
                            "    # not in a file: save it to a file only you can read, and name it\n"
                            "    # in place of " BEARER_PLACEHOLDER_CLIENT_KEY ".\n"
                            "    cert=(");
      append_literal (out, exchange->certificate, '"');
      g_string_append (out, ", \"" BEARER_PLACEHOLDER_CLIENT_KEY "\"),\n");
    }
  g_string_append (out, "    data=body.encode(),\n"
                        "    allow_redirects=False,\n"
                        ")\n"
                        "token_info = response.json()\n\n"
                        "# Print the new access token\n"
                        "print(f'New Access Token: {token_info[\"access_token\"]}')\n");
}

/* ---- Node.js axios -------------------------------------------------------- */

/* Node.js sends a header's characters as Latin-1 bytes: text beyond ASCII
 * is given as the Latin-1 reading of its UTF-8 bytes, so the bytes on the
 * wire are libsoup's. */
static void
append_node_header_value (GString    *out,
                          const char *text)
{
  if (is_ascii (text))
    {
      append_literal (out, text, '"');
      return;
    }
  g_string_append (out, "Buffer.from(");
  append_literal (out, text, '"');
  g_string_append (out, ").toString(\"latin1\")");
}

static void
render_node (GString  *out,
             Exchange *exchange)
{
  g_string_append (out, "const axios = require('axios');\n");
  if (exchange->certificate != NULL)
    g_string_append (out, "const fs = require('fs');\nconst https = require('https');\n");
  g_string_append (out, "\n// The token endpoint\nconst token_url = ");
  append_literal (out, exchange->url, '"');
  g_string_append (out, ";\nconst headers = {\n");
  for (guint i = 0; i < exchange->headers->len; i++)
    {
      Header *header = &g_array_index (exchange->headers, Header, i);

      g_string_append (out, "  ");
      append_literal (out, header->name, '"');
      g_string_append (out, ": ");
      append_node_header_value (out, header->value);
      g_string_append (out, ",\n");
    }
  g_string_append (out, "};\n");

  if (exchange->pairs != NULL)
    {
      g_string_append (out, "// The body, form-encoded as Bearer sends it\nconst body =\n");
      for (guint i = 0; i < exchange->pairs->len; i++)
        {
          g_autoptr(GString) piece = g_string_new (i > 0 ? "&" : "");

          g_string_append (piece, g_ptr_array_index (exchange->pairs, i));
          g_string_append (out, "  ");
          append_literal (out, piece->str, '"');
          g_string_append (out, i + 1 < exchange->pairs->len ? " +\n" : ";\n");
          explicit_bzero (piece->str, piece->len);
        }
    }
  else
    {
      g_string_append (out, "// The body, as Bearer sends it\nconst body = ");
      append_literal (out, exchange->body, '\'');
      g_string_append (out, ";\n");
    }

  g_string_append (out, "\n// Make the POST request\naxios.post(token_url, body, {\n  headers,\n");
  if (exchange->basic_user != NULL)
    {
      g_string_append (out, "  auth: { username: ");
      append_literal (out, exchange->basic_user, '"');
      g_string_append (out, ", password: ");
      append_literal (out, exchange->basic_password, '"');
      g_string_append (out, " },\n");
    }
  if (exchange->certificate != NULL)
    {
      g_string_append (out, "  // The client certificate; its private key is kept in the keyring, not\n"
                            "  // in a file: save it to a file only you can read, and name it in\n"
                            "  // place of " BEARER_PLACEHOLDER_CLIENT_KEY ".\n"
                            "  httpsAgent: new https.Agent({\n    cert: fs.readFileSync(");
      append_literal (out, exchange->certificate, '"');
      g_string_append (out, "),\n    key: fs.readFileSync(\"" BEARER_PLACEHOLDER_CLIENT_KEY "\"),\n  }),\n");
    }
  g_string_append (out, "  maxRedirects: 0,\n"
                        "})\n"
                        "  .then(response => {\n"
                        "    console.log(`New Access Token: ${response.data.access_token}`);\n"
                        "  })\n"
                        "  .catch(error => {\n"
                        "    console.error('The token request failed:', "
                        "error.response ? error.response.data : error.message);\n"
                        "  });\n");
}

/* ---- placeholders ---------------------------------------------------------- */

typedef struct {
  char *sentinel;
  const char *placeholder;
} Stand;

/* Letters and digits only: the form encoding, JSON and Basic keep them. */
static char *
new_sentinel (void)
{
  g_autofree char *uuid = g_uuid_string_random ();
  GString *sentinel = g_string_new ("BEARERPLACEHOLDER");

  for (const char *p = uuid; *p != '\0'; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (sentinel, g_ascii_toupper (*p));
  return g_string_free (sentinel, FALSE);
}

static char *
replace_all (char       *text,
             const char *from,
             const char *to)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const char *p = text;
  const char *hit;

  while ((hit = strstr (p, from)) != NULL)
    {
      g_string_append_len (out, p, hit - p);
      g_string_append (out, to);
      p = hit + strlen (from);
    }
  g_string_append (out, p);
  g_free (text);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * bearer_request_preview:
 * @profile: the profile
 * @secrets: (nullable): its secrets, to include them; %NULL to show
 *   `<client-secret>`, `<refresh-token>` and `<password>` instead
 * @language: the language of the snippet
 *
 * Renders the token request the refresh transaction would send for
 * @profile (the same parameters, in the same order, with the same encoding,
 * the body byte for byte) as a command or script in @language, which prints
 * the new access token. With @secrets, the text holds them: wipe it with
 * bearer_secret_free().
 *
 * Returns: (transfer full) (nullable): the snippet, or %NULL with the
 *   %BEARER_ERROR the request would fail with before anything is sent
 *   (no token URL, a user name or password in it, no client ID…)
 */
char *
bearer_request_preview (BearerProfile          *profile,
                        const BearerSecrets    *secrets,
                        BearerSnippetLanguage   language,
                        GError                **error)
{
  g_autoptr(BearerSecrets) stand_ins = NULL;
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(SoupMessage) message = NULL;
  Stand stands[] = {
    { NULL, BEARER_PLACEHOLDER_CLIENT_SECRET },
    { NULL, BEARER_PLACEHOLDER_REFRESH_TOKEN },
    { NULL, BEARER_PLACEHOLDER_PASSWORD },
  };
  Exchange exchange = { 0 };
  g_autofree char *assertion_sentinel = NULL;
  g_autofree char *dpop_sentinel = NULL;
  BearerClientAuth auth;
  GString *out;
  char *text;

  g_return_val_if_fail (BEARER_IS_PROFILE (profile), NULL);

  if (secrets == NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (stands); i++)
        stands[i].sentinel = new_sentinel ();
      stand_ins = bearer_secrets_new ();
      bearer_secrets_set_client_secret (stand_ins, stands[0].sentinel);
      bearer_secrets_set_refresh_token (stand_ins, stands[1].sentinel);
      bearer_secrets_set_password (stand_ins, stands[2].sentinel);
      secrets = stand_ins;
    }

  request = bearer_refresh_build_request (profile, secrets);
  auth = bearer_profile_get_client_auth (profile);
  if (bearer_client_auth_uses_assertion (auth))
    {
      assertion_sentinel = new_sentinel ();
      bearer_token_request_set_assertion_placeholder (request, assertion_sentinel);
    }
  /* A DPoP proof is signed for each request with the connection's key,
   * which stays in the keyring: a placeholder, even with the secrets. */
  if (bearer_profile_get_dpop (profile))
    {
      dpop_sentinel = new_sentinel ();
      bearer_token_request_set_dpop_key (request, NULL);
      bearer_token_request_set_dpop_placeholder (request, dpop_sentinel);
    }
  /* The key never leaves the keyring for a snippet: the certificate is not
   * loaded, the snippet names the file and a placeholder. */
  bearer_token_request_set_skip_client_certificate (request, TRUE);
  message = bearer_token_request_build_message (request, error);
  if (message == NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (stands); i++)
        g_free (stands[i].sentinel);
      return NULL;
    }

  read_message (message, &exchange);
  if (bearer_client_auth_uses_certificate (bearer_profile_get_client_auth (profile)))
    exchange.certificate = g_strdup (bearer_profile_get_client_certificate (profile) != NULL
                                     ? bearer_profile_get_client_certificate (profile)
                                     : BEARER_PLACEHOLDER_CLIENT_CERTIFICATE);
  out = g_string_new (NULL);
  if (assertion_sentinel != NULL)
    {
      const char *comment = language == BEARER_SNIPPET_NODE ? "//" : "#";

      g_string_append_printf (out,
                              "%s %s stands for a client assertion (%s): a JWT that Bearer signs\n"
                              "%s with %s each time it sends the request, valid for %d seconds.\n",
                              comment, BEARER_PLACEHOLDER_CLIENT_ASSERTION,
                              auth == BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT ? "private_key_jwt" : "client_secret_jwt",
                              comment,
                              auth == BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT ? "the client's private key"
                              : "the client secret",
                              BEARER_CLIENT_ASSERTION_LIFETIME);
    }
  if (dpop_sentinel != NULL)
    {
      const char *comment = language == BEARER_SNIPPET_NODE ? "//" : "#";

      g_string_append_printf (out,
                              "%s %s stands for a DPoP proof (RFC 9449): a JWT that Bearer signs\n"
                              "%s for each request with the connection's key, kept in the keyring.\n",
                              comment, BEARER_PLACEHOLDER_DPOP_PROOF, comment);
    }
  switch (language)
    {
    case BEARER_SNIPPET_PYTHON:
      render_python (out, &exchange);
      break;
    case BEARER_SNIPPET_NODE:
      render_node (out, &exchange);
      break;
    case BEARER_SNIPPET_CURL:
    default:
      render_curl (out, &exchange);
      g_string_append_c (out, '\n');
      break;
    }
  exchange_clear (&exchange);

  text = g_string_free (out, FALSE);
  if (assertion_sentinel != NULL)
    text = replace_all (text, assertion_sentinel, BEARER_PLACEHOLDER_CLIENT_ASSERTION);
  if (dpop_sentinel != NULL)
    text = replace_all (text, dpop_sentinel, BEARER_PLACEHOLDER_DPOP_PROOF);
  for (guint i = 0; i < G_N_ELEMENTS (stands); i++)
    if (stands[i].sentinel != NULL)
      {
        text = replace_all (text, stands[i].sentinel, stands[i].placeholder);
        g_free (stands[i].sentinel);
      }
  return text;
}
