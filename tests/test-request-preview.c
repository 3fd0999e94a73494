/* test-request-preview.c: the token request as cURL, Python and Node.js
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The strongest check that a snippet is the core's request: run it. Each
 * rendered snippet (with its secrets) runs against the in-process test
 * server (bearer-test-server.h) — the curl command through /bin/sh, the
 * Python script with Debian's /usr/bin/python3 and `requests`, the Node.js
 * script with `node` and the axios of tests/snippets/node_modules (both
 * installed by tools/test) — and what reached the server is compared with
 * what bearer_client_request_token_async() sends for the same profile:
 * method, path and query, the headers that carry the request, and the body
 * byte for byte; for every grant, client authentication and body encoding,
 * with extra parameters in the body, the query and headers, and values
 * that need encoding.
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gstdio.h>

#include "bearer-error.h"
#include "bearer-refresh.h"
#include "bearer-request-preview.h"
#include "bearer-test-server.h"

/* What every encoding has to get right. */
#define TRICKY "a:b%c+d é"

static char *tmp_dir;

/* ---- running a snippet ---------------------------------------------------- */

typedef struct {
  gboolean done;
  char *out;
  char *err;
  GError *error;
} Communicated;

static void
communicated_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Communicated *c = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &c->out, &c->err, &c->error);
  c->done = TRUE;
}

static gboolean
flag_set_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs argv while the test server (on this thread's main context) answers;
 * returns its standard output, failing the test if it fails. */
static char *
run (const char * const *argv,
     const char         *node_path)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  Communicated c = { FALSE, NULL, NULL, NULL };
  gboolean timed_out = FALSE;
  guint watchdog;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  /* No proxy between a snippet and 127.0.0.1. */
  g_subprocess_launcher_unsetenv (launcher, "http_proxy");
  g_subprocess_launcher_unsetenv (launcher, "HTTP_PROXY");
  g_subprocess_launcher_unsetenv (launcher, "all_proxy");
  g_subprocess_launcher_unsetenv (launcher, "ALL_PROXY");
  if (node_path != NULL)
    g_subprocess_launcher_setenv (launcher, "NODE_PATH", node_path, TRUE);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);

  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicated_cb, &c);
  watchdog = g_timeout_add_seconds (60, flag_set_cb, &timed_out);
  while (!c.done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (c.done);
  g_source_remove (watchdog);
  g_assert_no_error (c.error);

  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    {
      g_test_message ("%s failed\nstdout: %s\nstderr: %s", argv[0], c.out, c.err);
      g_test_fail ();
    }
  g_free (c.err);
  return c.out;
}

static char *
write_script (const char *name,
              const char *text)
{
  char *path = g_build_filename (tmp_dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

static char *
run_snippet (BearerSnippetLanguage  language,
             const char            *snippet)
{
  g_autofree char *path = NULL;
  g_autofree char *node_path = NULL;

  switch (language)
    {
    case BEARER_SNIPPET_PYTHON:
      path = write_script ("snippet.py", snippet);
      return run ((const char *[]) { "/usr/bin/python3", path, NULL }, NULL);
    case BEARER_SNIPPET_NODE:
      path = write_script ("snippet.js", snippet);
      node_path = g_test_build_filename (G_TEST_DIST, "snippets", "node_modules", NULL);
      return run ((const char *[]) { "node", path, NULL }, node_path);
    case BEARER_SNIPPET_CURL:
    default:
      path = write_script ("snippet.sh", snippet);
      return run ((const char *[]) { "/bin/sh", path, NULL }, NULL);
    }
}

/* ---- what reached the server ---------------------------------------------- */

typedef struct {
  char *method;
  char *path;
  char *query;
  GHashTable *headers;          /* lower-case name → value */
  GBytes *body;
} Received;

/* Headers an HTTP library sets by itself, whatever sends the request. */
static const char * const own_headers[] = {
  "host", "user-agent", "accept-encoding", "connection", "content-length",
};

static Received *
received_take (BearerTestServer *server)
{
  const BearerTestRequest *request = bearer_test_server_get_last_request (server);
  Received *received = g_new0 (Received, 1);
  SoupMessageHeadersIter iter;
  const char *name, *value;

  g_assert_nonnull (request);
  received->method = g_strdup (request->method);
  received->path = g_strdup (request->path);
  received->query = g_strdup (request->query);
  received->body = g_bytes_ref (request->body);
  received->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  soup_message_headers_iter_init (&iter, request->headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      g_autofree char *lower = g_ascii_strdown (name, -1);
      gboolean own = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (own_headers); i++)
        own = own || g_str_equal (lower, own_headers[i]);
      if (!own)
        g_hash_table_insert (received->headers, g_steal_pointer (&lower), g_strdup (value));
    }
  bearer_test_server_reset_requests (server);
  return received;
}

static void
received_free (Received *received)
{
  g_free (received->method);
  g_free (received->path);
  g_free (received->query);
  g_hash_table_unref (received->headers);
  g_bytes_unref (received->body);
  g_free (received);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Received, received_free)

static void
assert_same_request (Received   *core,
                     Received   *snippet,
                     const char *what)
{
  GHashTableIter iter;
  gpointer name, value;

  g_test_message ("%s: %s %s?%s", what, snippet->method, snippet->path, snippet->query);
  g_assert_cmpstr (snippet->method, ==, core->method);
  g_assert_cmpstr (snippet->path, ==, core->path);
  g_assert_cmpstr (snippet->query, ==, core->query);

  /* Every header the core sends, with the same value. */
  g_hash_table_iter_init (&iter, core->headers);
  while (g_hash_table_iter_next (&iter, &name, &value))
    {
      g_test_message ("  %s: %s", (char *) name, (char *) value);
      g_assert_cmpstr (g_hash_table_lookup (snippet->headers, name), ==, value);
    }
  /* And no other, but for what only the tool's library adds. */
  g_hash_table_iter_init (&iter, snippet->headers);
  while (g_hash_table_iter_next (&iter, &name, &value))
    if (!g_hash_table_contains (core->headers, name))
      {
        g_test_message ("the snippet also sent %s: %s", (char *) name, (char *) value);
        g_assert_not_reached ();
      }

  if (!g_bytes_equal (snippet->body, core->body))
    {
      g_test_message ("core body:    %.*s\nsnippet body: %.*s",
                      (int) g_bytes_get_size (core->body),
                      (const char *) g_bytes_get_data (core->body, NULL),
                      (int) g_bytes_get_size (snippet->body),
                      (const char *) g_bytes_get_data (snippet->body, NULL));
      g_assert_not_reached ();
    }
}

/* ---- profiles --------------------------------------------------------------- */

static BearerProfile *
processmaker_profile (void)
{
  BearerProfile *profile = bearer_profile_new ("prod");

  bearer_profile_set_token_url (profile, "https://acme.processmaker.net/oauth/token");
  bearer_profile_set_client_id (profile, "3");
  bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_POST);
  return profile;
}

static BearerSecrets *
secrets_new (const char *client_secret,
             const char *refresh_token,
             const char *password)
{
  BearerSecrets *secrets = bearer_secrets_new ();

  bearer_secrets_set_client_secret (secrets, client_secret);
  bearer_secrets_set_refresh_token (secrets, refresh_token);
  bearer_secrets_set_password (secrets, password);
  return secrets;
}

/* ---- the text --------------------------------------------------------------- */

/* As in ProcessMaker's guide: secrets as placeholders, readable. */
static void
test_placeholders (void)
{
  g_autoptr(BearerProfile) profile = processmaker_profile ();
  g_autoptr(GError) error = NULL;
  g_autofree char *curl = NULL;
  g_autofree char *python = NULL;
  g_autofree char *node = NULL;
  g_autofree char *basic = NULL;

  curl = bearer_request_preview (profile, NULL, BEARER_SNIPPET_CURL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (curl, ==,
                   "curl -X POST 'https://acme.processmaker.net/oauth/token' \\\n"
                   "  -H 'Accept: application/json' \\\n"
                   "  -H 'Content-Type: application/x-www-form-urlencoded' \\\n"
                   "  -d 'grant_type=refresh_token' \\\n"
                   "  -d 'refresh_token=<refresh-token>' \\\n"
                   "  -d 'client_id=3' \\\n"
                   "  -d 'client_secret=<client-secret>'\n");

  python = bearer_request_preview (profile, NULL, BEARER_SNIPPET_PYTHON, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (python, ==,
                   "import requests\n"
                   "\n"
                   "# The token endpoint\n"
                   "token_url = \"https://acme.processmaker.net/oauth/token\"\n"
                   "headers = {\n"
                   "    \"Accept\": \"application/json\",\n"
                   "    \"Content-Type\": \"application/x-www-form-urlencoded\",\n"
                   "}\n"
                   "# The body, form-encoded as Bearer sends it\n"
                   "body = (\n"
                   "    \"grant_type=refresh_token\"\n"
                   "    \"&refresh_token=<refresh-token>\"\n"
                   "    \"&client_id=3\"\n"
                   "    \"&client_secret=<client-secret>\"\n"
                   ")\n"
                   "\n"
                   "# Make the POST request\n"
                   "response = requests.post(\n"
                   "    token_url,\n"
                   "    headers=headers,\n"
                   "    data=body.encode(),\n"
                   "    allow_redirects=False,\n"
                   ")\n"
                   "token_info = response.json()\n"
                   "\n"
                   "# Print the new access token\n"
                   "print(f'New Access Token: {token_info[\"access_token\"]}')\n");

  node = bearer_request_preview (profile, NULL, BEARER_SNIPPET_NODE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (node, ==,
                   "const axios = require('axios');\n"
                   "\n"
                   "// The token endpoint\n"
                   "const token_url = \"https://acme.processmaker.net/oauth/token\";\n"
                   "const headers = {\n"
                   "  \"Accept\": \"application/json\",\n"
                   "  \"Content-Type\": \"application/x-www-form-urlencoded\",\n"
                   "};\n"
                   "// The body, form-encoded as Bearer sends it\n"
                   "const body =\n"
                   "  \"grant_type=refresh_token\" +\n"
                   "  \"&refresh_token=<refresh-token>\" +\n"
                   "  \"&client_id=3\" +\n"
                   "  \"&client_secret=<client-secret>\";\n"
                   "\n"
                   "// Make the POST request\n"
                   "axios.post(token_url, body, {\n"
                   "  headers,\n"
                   "  maxRedirects: 0,\n"
                   "})\n"
                   "  .then(response => {\n"
                   "    console.log(`New Access Token: ${response.data.access_token}`);\n"
                   "  })\n"
                   "  .catch(error => {\n"
                   "    console.error('The token request failed:', error.response ? "
                   "error.response.data : error.message);\n"
                   "  });\n");

  /* HTTP Basic with a placeholder: the user and the placeholder, not an
   * opaque base64 of it; the id form-encoded as the core sends it. */
  bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_BASIC);
  bearer_profile_set_client_id (profile, "my app");
  bearer_profile_set_grant_type (profile, BEARER_GRANT_CLIENT_CREDENTIALS);
  bearer_profile_set_scope (profile, "read write");
  basic = bearer_request_preview (profile, NULL, BEARER_SNIPPET_CURL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (basic, ==,
                   "curl -X POST 'https://acme.processmaker.net/oauth/token' \\\n"
                   "  -H 'Accept: application/json' \\\n"
                   "  -H 'Content-Type: application/x-www-form-urlencoded' \\\n"
                   "  -u 'my+app:<client-secret>' \\\n"
                   "  -d 'grant_type=client_credentials' \\\n"
                   "  -d 'scope=read+write'\n");
  g_clear_pointer (&basic, g_free);
  basic = bearer_request_preview (profile, NULL, BEARER_SNIPPET_PYTHON, &error);
  g_assert_nonnull (strstr (basic, "    auth=(\"my+app\", \"<client-secret>\"),\n"));
  g_clear_pointer (&basic, g_free);
  basic = bearer_request_preview (profile, NULL, BEARER_SNIPPET_NODE, &error);
  g_assert_nonnull (strstr (basic, "  auth: { username: \"my+app\", password: \"<client-secret>\" },\n"));
}

/* The same request with its secrets; a JSON body as the seed's axios
 * example; extra parameters; a password grant. */
static void
test_secrets (void)
{
  g_autoptr(BearerProfile) profile = processmaker_profile ();
  g_autoptr(BearerSecrets) secrets = secrets_new ("it's \"s3cret\"", "def502", "pa55 word");
  g_autoptr(GError) error = NULL;
  g_autofree char *form = NULL;
  g_autofree char *json = NULL;
  g_autofree char *python = NULL;
  g_autofree char *extra = NULL;

  form = bearer_request_preview (profile, secrets, BEARER_SNIPPET_CURL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (form, "  -d 'refresh_token=def502' \\\n"));
  g_assert_nonnull (strstr (form, "  -d 'client_secret=it%27s+%22s3cret%22'\n"));

  bearer_profile_set_grant_type (profile, BEARER_GRANT_PASSWORD);
  bearer_profile_set_username (profile, "alice");
  bearer_profile_set_body_encoding (profile, BEARER_BODY_JSON);
  json = bearer_request_preview (profile, secrets, BEARER_SNIPPET_CURL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json, ==,
                   "curl -X POST 'https://acme.processmaker.net/oauth/token' \\\n"
                   "  -H 'Accept: application/json' \\\n"
                   "  -H 'Content-Type: application/json' \\\n"
                   "  --data-raw '{\"grant_type\":\"password\",\"username\":\"alice\","
                   "\"password\":\"pa55 word\",\"client_id\":\"3\","
                   "\"client_secret\":\"it'\\''s \\\"s3cret\\\"\"}'\n");
  python = bearer_request_preview (profile, secrets, BEARER_SNIPPET_PYTHON, &error);
  g_assert_nonnull (strstr (python, "body = '{\"grant_type\":\"password\",\"username\":\"alice\","
                                    "\"password\":\"pa55 word\",\"client_id\":\"3\","
                                    "\"client_secret\":\"it\\'s \\\\\"s3cret\\\\\"\"}'\n"));

  /* Extra parameters in the query, a header and the body; an empty one is
   * sent too (the window's old command left it out). */
  bearer_profile_set_body_encoding (profile, BEARER_BODY_FORM);
  bearer_profile_set_grant_type (profile, BEARER_GRANT_CLIENT_CREDENTIALS);
  bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_NONE);
  bearer_profile_add_parameter (profile, BEARER_PARAM_QUERY, "tenant", "a b");
  bearer_profile_add_parameter (profile, BEARER_PARAM_HEADER, "X-Team", "it's ours");
  bearer_profile_add_parameter (profile, BEARER_PARAM_HEADER, "X-Empty", "");
  bearer_profile_add_parameter (profile, BEARER_PARAM_BODY, "audience", "api");
  bearer_profile_add_parameter (profile, BEARER_PARAM_BODY, "empty", "");
  extra = bearer_request_preview (profile, NULL, BEARER_SNIPPET_CURL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (extra, ==,
                   "curl -X POST 'https://acme.processmaker.net/oauth/token?tenant=a+b' \\\n"
                   "  -H 'Accept: application/json' \\\n"
                   "  -H 'Content-Type: application/x-www-form-urlencoded' \\\n"
                   "  -H 'X-Team: it'\\''s ours' \\\n"
                   "  -H 'X-Empty;' \\\n"
                   "  -d 'grant_type=client_credentials' \\\n"
                   "  -d 'client_id=3' \\\n"
                   "  -d 'audience=api' \\\n"
                   "  -d 'empty='\n");
}

/* What the core would refuse to send cannot be copied either; a password in
 * the token URL (a profile saved by hand or by an older Bearer) is never
 * shown, with or without secrets. */
/* A client assertion is signed at request time: a placeholder, and a
 * comment that says so; with the real secrets too, none of them shows. */
static void
test_assertion_placeholder (void)
{
  g_autoptr(BearerProfile) profile = processmaker_profile ();
  g_autoptr(BearerSecrets) secrets = secrets_new ("s3cr3t-client", "r3fr3sh", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *curl = NULL;
  g_autofree char *node = NULL;
  g_autofree char *python = NULL;

  bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT);
  curl = bearer_request_preview (profile, NULL, BEARER_SNIPPET_CURL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (curl, ==,
                   "# <client-assertion> stands for a client assertion (private_key_jwt): a JWT that Bearer signs\n"
                   "# with the client's private key each time it sends the request, valid for 60 seconds.\n"
                   "curl -X POST 'https://acme.processmaker.net/oauth/token' \\\n"
                   "  -H 'Accept: application/json' \\\n"
                   "  -H 'Content-Type: application/x-www-form-urlencoded' \\\n"
                   "  -d 'grant_type=refresh_token' \\\n"
                   "  -d 'refresh_token=<refresh-token>' \\\n"
                   "  -d 'client_id=3' \\\n"
                   "  -d 'client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer' \\\n"
                   "  -d 'client_assertion=<client-assertion>'\n");

  bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_CLIENT_SECRET_JWT);
  node = bearer_request_preview (profile, secrets, BEARER_SNIPPET_NODE, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (node, "// <client-assertion> stands for a client assertion "
                                         "(client_secret_jwt): a JWT that Bearer signs\n"
                                         "// with the client secret each time"));
  g_assert_nonnull (strstr (node, "client_assertion=<client-assertion>"));
  g_assert_nonnull (strstr (node, "r3fr3sh"));
  g_assert_null (strstr (node, "s3cr3t-client"));

  python = bearer_request_preview (profile, NULL, BEARER_SNIPPET_PYTHON, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (python, "# <client-assertion> stands for"));
  g_assert_nonnull (strstr (python, "client_assertion=<client-assertion>"));
}

static void
test_refused (void)
{
  g_autoptr(BearerProfile) profile = processmaker_profile ();
  g_autoptr(BearerSecrets) secrets = secrets_new ("s3cret", "def502", NULL);
  const char *urls[] = {
    "https://alice:pa55word@acme.example.com/oauth/token?x=1",
    "htp:/x//alice:pa55word@[bad/oauth/token",
  };

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    for (int language = BEARER_SNIPPET_CURL; language <= BEARER_SNIPPET_NODE; language++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(GError) with_error = NULL;
        g_autofree char *text = NULL;
        g_autofree char *with = NULL;

        bearer_profile_set_token_url (profile, urls[i]);
        text = bearer_request_preview (profile, NULL, language, &error);
        with = bearer_request_preview (profile, secrets, language, &with_error);
        g_assert_null (text);
        g_assert_null (with);
        g_assert_error (error, BEARER_ERROR, BEARER_ERROR_INVALID_URL);
        g_assert_error (with_error, BEARER_ERROR, BEARER_ERROR_INVALID_URL);
        g_assert_null (strstr (error->message, "pa55word"));
        g_assert_null (strstr (with_error->message, "pa55word"));
      }

  {
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;

    bearer_profile_set_token_url (profile, "https://acme.processmaker.net/oauth/token");
    bearer_profile_set_client_id (profile, NULL);
    text = bearer_request_preview (profile, NULL, BEARER_SNIPPET_CURL, &error);
    g_assert_null (text);
    g_assert_error (error, BEARER_ERROR, BEARER_ERROR_MISSING_PARAMETER);
  }

  /* With secrets, a missing refresh token is what the core would say. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(BearerSecrets) none = secrets_new ("s3cret", NULL, NULL);
    g_autofree char *text = NULL;

    bearer_profile_set_client_id (profile, "3");
    text = bearer_request_preview (profile, none, BEARER_SNIPPET_CURL, &error);
    g_assert_null (text);
    g_assert_error (error, BEARER_ERROR, BEARER_ERROR_MISSING_PARAMETER);
  }
}

/* ---- on the wire -------------------------------------------------------------- */

static const char *
language_name (BearerSnippetLanguage language)
{
  return language == BEARER_SNIPPET_PYTHON ? "python" : language == BEARER_SNIPPET_NODE ? "node" : "curl";
}

static void
check_on_the_wire (BearerSnippetLanguage language)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token?fixed=1");
  const BearerGrantType grants[] = {
    BEARER_GRANT_REFRESH_TOKEN, BEARER_GRANT_CLIENT_CREDENTIALS, BEARER_GRANT_PASSWORD,
    BEARER_GRANT_AUTHORIZATION_CODE,
  };
  const BearerClientAuth auths[] = {
    BEARER_CLIENT_AUTH_BASIC, BEARER_CLIENT_AUTH_BASIC_RAW, BEARER_CLIENT_AUTH_POST,
    BEARER_CLIENT_AUTH_NONE,
  };
  const char *client_ids[] = { "3", TRICKY };
  guint n = 0;

  /* Python's requests writes %7E in a URL back as "~" (the same meaning,
   * not the same bytes): no "~" in the query here; the body has one. */
  for (guint g = 0; g < G_N_ELEMENTS (grants); g++)
    for (guint a = 0; a < G_N_ELEMENTS (auths); a++)
      for (int json = 0; json <= 1; json++)
        {
          g_autoptr(BearerProfile) profile = bearer_profile_new ("wire");
          g_autoptr(BearerSecrets) secrets = NULL;
          g_autoptr(BearerTokenRequest) request = NULL;
          g_autoptr(BearerTokenResponse) response = NULL;
          g_autoptr(Received) core = NULL;
          g_autoptr(Received) snippet = NULL;
          g_autoptr(GError) error = NULL;
          g_autofree char *text = NULL;
          g_autofree char *out = NULL;
          g_autofree char *what = NULL;

          bearer_profile_set_token_url (profile, url);
          bearer_profile_set_grant_type (profile, grants[g]);
          bearer_profile_set_client_auth (profile, auths[a]);
          bearer_profile_set_body_encoding (profile, json ? BEARER_BODY_JSON : BEARER_BODY_FORM);
          bearer_profile_set_client_id (profile, client_ids[(g + a) % 2]);
          bearer_profile_set_username (profile, "alice " TRICKY);
          if (a % 2 == 0)
            {
              bearer_profile_set_scope (profile, "read write");
              bearer_profile_set_audience (profile, "https://api.example.com/é");
              bearer_profile_set_resource (profile, TRICKY);
            }
          bearer_profile_add_parameter (profile, BEARER_PARAM_BODY, "tricky", TRICKY " ~*&=?#/");
          bearer_profile_add_parameter (profile, BEARER_PARAM_BODY, "empty", "");
          bearer_profile_add_parameter (profile, BEARER_PARAM_QUERY, "q", TRICKY " *&=?#/");
          bearer_profile_add_parameter (profile, BEARER_PARAM_QUERY, "blank", "");
          bearer_profile_add_parameter (profile, BEARER_PARAM_HEADER, "X-Tricky", TRICKY " \"'$`\\");
          bearer_profile_add_parameter (profile, BEARER_PARAM_HEADER, "X-Empty", "");
          secrets = secrets_new (g % 2 == 0 ? TRICKY " \"'$`\\!" : "",
                                 "def502.r/+=~" TRICKY, "pa55&" TRICKY " ='\"$`");

          what = g_strdup_printf ("%s, %s, %s, %s", language_name (language),
                                  bearer_grant_type_to_string (grants[g]),
                                  bearer_client_auth_to_string (auths[a]), json ? "json" : "form");

          /* What the core sends */
          request = bearer_refresh_build_request (profile, secrets);
          response = bearer_test_run_request (bearer_client_get_default (), request, NULL, &error);
          g_assert_no_error (error);
          core = received_take (server);

          /* What the snippet sends */
          text = bearer_request_preview (profile, secrets, language, &error);
          g_assert_no_error (error);
          out = run_snippet (language, text);
          /* curl prints the reply; the scripts, the new access token. */
          g_assert_nonnull (strstr (out, language == BEARER_SNIPPET_CURL
                                         ? "\"access_token\":\"scripted-access-token\""
                                         : "New Access Token: scripted-access-token"));
          g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
          snippet = received_take (server);

          assert_same_request (core, snippet, what);
          if (g_test_failed ())
            {
              g_test_message ("the snippet:\n%s", text);
              return;
            }
          n++;
        }

  g_assert_cmpuint (n, ==, 32);
}

static void
test_wire_curl (void)
{
  check_on_the_wire (BEARER_SNIPPET_CURL);
}

static void
test_wire_python (void)
{
  check_on_the_wire (BEARER_SNIPPET_PYTHON);
}

static void
test_wire_node (void)
{
  g_autofree char *axios = g_test_build_filename (G_TEST_DIST, "snippets", "node_modules", "axios",
                                                  "package.json", NULL);

  if (!g_file_test (axios, G_FILE_TEST_EXISTS))
    {
      g_test_message ("axios is not installed in tests/snippets/node_modules: "
                      "tools/test installs it (npm ci)");
      g_test_fail ();
      return;
    }
  check_on_the_wire (BEARER_SNIPPET_NODE);
}

/* A client certificate (RFC 8705): the file and a placeholder for the key,
 * which stays in the keyring even when the secrets are handed over; no
 * client secret; each snippet says what it cannot show. */
static void
test_client_certificate (void)
{
  g_autoptr(BearerProfile) profile = processmaker_profile ();
  g_autoptr(BearerSecrets) secrets = secrets_new ("unused-secret", "def50200rt", NULL);
  const char *key = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49\n-----END PRIVATE KEY-----\n";
  g_autoptr(GError) error = NULL;
  g_autofree char *curl = NULL;
  g_autofree char *python = NULL;
  g_autofree char *node = NULL;
  g_autofree char *unset = NULL;

  bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_TLS_CLIENT_AUTH);
  bearer_profile_set_client_certificate (profile, "/home/alice/client.pem");
  bearer_secrets_set_client_key (secrets, key);

  curl = bearer_request_preview (profile, NULL, BEARER_SNIPPET_CURL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (curl, ==,
                   "# The private key of the client certificate is kept in the keyring, not\n"
                   "# in a file: save it to a file only you can read, and give that file\n"
                   "# to --key in place of <client-key.pem>.\n"
                   "curl -X POST 'https://acme.processmaker.net/oauth/token' \\\n"
                   "  -H 'Accept: application/json' \\\n"
                   "  -H 'Content-Type: application/x-www-form-urlencoded' \\\n"
                   "  --cert '/home/alice/client.pem' \\\n"
                   "  --key '<client-key.pem>' \\\n"
                   "  -d 'grant_type=refresh_token' \\\n"
                   "  -d 'refresh_token=<refresh-token>' \\\n"
                   "  -d 'client_id=3'\n");

  python = bearer_request_preview (profile, secrets, BEARER_SNIPPET_PYTHON, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (python, "    cert=(\"/home/alice/client.pem\", \"<client-key.pem>\"),\n"));
  g_assert_nonnull (strstr (python, "kept in the keyring"));
  g_assert_nonnull (strstr (python, "def50200rt"));

  node = bearer_request_preview (profile, secrets, BEARER_SNIPPET_NODE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (node, "const https = require('https');\n"));
  g_assert_nonnull (strstr (node, "    cert: fs.readFileSync(\"/home/alice/client.pem\"),\n"
                                  "    key: fs.readFileSync(\"<client-key.pem>\"),\n"));

  for (const char * const *text = (const char * const[]) { curl, python, node, NULL }; *text != NULL; text++)
    {
      g_assert_null (strstr (*text, "client_secret"));
      g_assert_null (strstr (*text, "unused-secret"));
      g_assert_null (strstr (*text, "MIGHAgEA"));
    }

  /* No certificate chosen yet: a placeholder for it too. */
  bearer_profile_set_client_certificate (profile, NULL);
  unset = bearer_request_preview (profile, NULL, BEARER_SNIPPET_CURL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (unset, "--cert '<client-certificate.pem>'"));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  tmp_dir = g_dir_make_tmp ("bearer-preview-XXXXXX", NULL);
  g_assert_nonnull (tmp_dir);

  g_test_add_func ("/bearer/request-preview/placeholders", test_placeholders);
  g_test_add_func ("/bearer/request-preview/secrets", test_secrets);
  g_test_add_func ("/bearer/request-preview/refused", test_refused);
  g_test_add_func ("/bearer/request-preview/assertion-placeholder", test_assertion_placeholder);
  g_test_add_func ("/bearer/request-preview/client-certificate", test_client_certificate);
  g_test_add_func ("/bearer/request-preview/wire/curl", test_wire_curl);
  g_test_add_func ("/bearer/request-preview/wire/python", test_wire_python);
  g_test_add_func ("/bearer/request-preview/wire/node", test_wire_node);

  status = g_test_run ();

  {
    const char *names[] = { "snippet.sh", "snippet.py", "snippet.js" };

    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *path = g_build_filename (tmp_dir, names[i], NULL);
        g_unlink (path);
      }
  }
  g_rmdir (tmp_dir);
  g_free (tmp_dir);
  return status;
}
