/* bearer-json.c: parsing untrusted JSON safely
 *
 * json-glib's parser recurses once per nesting level, so a hostile reply of a
 * hundred thousand `[` would exhaust the stack. The depth is measured first,
 * without recursion, and text that is not UTF-8 or holds a NUL (raw, or
 * escaped as \u0000, where json-glib would silently cut a string) is refused.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "bearer-json-private.h"

/* One pass over the text, without recursion: how deep it nests, whether a
 * string holds an escaped NUL (json-glib would cut the string there) or an
 * escape json-glib 1.6 gets wrong, and whether there is more than one value
 * at the top (json-glib 1.6 takes the first and leaks the others). */
typedef enum {
  SCAN_OK,
  SCAN_ESCAPED_NUL,
  SCAN_BAD_ESCAPE,
  SCAN_BAD_CHARACTER,
  SCAN_TOO_DEEP,
  SCAN_SEVERAL_VALUES,
} ScanResult;

/* The four hex digits of a \u escape at @at, when they are there. */
static gboolean
read_hex4 (const char *data,
           gsize       size,
           gsize       at,
           guint      *value)
{
  *value = 0;
  if (at + 4 > size)
    return FALSE;
  for (gsize k = at; k < at + 4; k++)
    {
      if (!g_ascii_isxdigit (data[k]))
        return FALSE;
      *value = (*value << 4) | (guint) g_ascii_xdigit_value (data[k]);
    }
  return TRUE;
}

/* The escape at data[i] == '\\' (RFC 8259 §7): how many bytes it takes, or
 * 0 when json-glib 1.6 would misread it — an unknown escape, \u without
 * four hex digits, or a surrogate followed by a \u escape when the two are
 * not a high and a low surrogate (json-glib reports that, and leaks). A lone
 * surrogate followed by anything else is left to json-glib: what it decodes
 * to is checked afterwards (bearer_json_node_is_text()). */
static gsize
escape_length (const char *data,
               gsize       size,
               gsize       i,
               gboolean   *is_nul)
{
  guint code, low;

  *is_nul = FALSE;
  if (i + 1 >= size)
    return 1; /* unterminated: json-glib says so */
  if (data[i + 1] != 'u')
    return data[i + 1] != '\0' && strchr ("\"\\/bfnrt", data[i + 1]) != NULL ? 2 : 0;

  if (!read_hex4 (data, size, i + 2, &code))
    return 0;
  *is_nul = code == 0;
  if (code < 0xd800 || code > 0xdfff || i + 7 >= size || data[i + 6] != '\\' || data[i + 7] != 'u')
    return 6;
  if (code > 0xdbff || !read_hex4 (data, size, i + 8, &low) || low < 0xdc00 || low > 0xdfff)
    return 0;
  return 12;
}

static ScanResult
scan (const char *data,
      gsize       size,
      guint       max_depth)
{
  guint depth = 0;
  guint top_values = 0;
  gboolean in_string = FALSE;
  gboolean in_scalar = FALSE;
  gsize start = 0;

  /* json-glib skips a byte order mark (some servers send one). */
  if (size >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    start = 3;

  for (gsize i = start; i < size; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            {
              gboolean is_nul;
              gsize length = escape_length (data, size, i, &is_nul);

              if (length == 0)
                return SCAN_BAD_ESCAPE;
              if (is_nul)
                return SCAN_ESCAPED_NUL;
              i += length - 1;
            }
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      switch (c)
        {
        case '"':
        case '[':
        case '{':
          if (depth == 0 && top_values++ > 0)
            return SCAN_SEVERAL_VALUES;
          in_scalar = FALSE;
          if (c == '"')
            in_string = TRUE;
          else if (++depth > max_depth)
            return SCAN_TOO_DEEP;
          break;
        case ']':
        case '}':
          if (depth > 0)
            depth--;
          in_scalar = FALSE;
          break;
        case ' ':
        case '\t':
        case '\n':
        case '\r':
        case ',':
        case ':':
          in_scalar = FALSE;
          break;
        default:
          /* A number or a literal (true, false, null); anything else
           * (a backslash, say) sends json-glib's scanner astray, and it
           * leaks. */
          if (!g_ascii_isalnum (c) && c != '-' && c != '+' && c != '.')
            return SCAN_BAD_CHARACTER;
          if (depth == 0 && !in_scalar && top_values++ > 0)
            return SCAN_SEVERAL_VALUES;
          in_scalar = TRUE;
          break;
        }
    }

  return SCAN_OK;
}

/* json-glib quotes the string it stopped at ("unexpected string constant
 * \"…\""): a value of the reply, a new refresh token maybe. Never in a
 * message: what lies between the first and the last quote is left out. */
static char *
without_quoted_text (const char *message)
{
  const char *first = strchr (message, '"');
  const char *last = strrchr (message, '"');

  if (first == NULL || last == first)
    return g_strdup (message);

  return g_strdup_printf ("%.*s“…”%s", (int) (first - message), message, last + 1);
}

/**
 * bearer_json_parse:
 * @data: untrusted bytes
 * @size: their length
 * @root: (out) (transfer full): the parsed document, on success
 * @detail: (out) (optional) (transfer full): json-glib's words on a syntax error
 */
BearerJsonStatus
bearer_json_parse (const char  *data,
                   gsize        size,
                   JsonNode   **root,
                   char       **detail)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  *root = NULL;
  if (detail != NULL)
    *detail = NULL;

  if (data == NULL || size == 0)
    {
      if (detail != NULL)
        /* Translators: why a reply is not valid JSON, in the place of the
         * JSON parser’s own description of the mistake (after a colon). */
        *detail = g_strdup (_("no data"));
      return BEARER_JSON_SYNTAX;
    }

  if (memchr (data, '\0', size) != NULL || !g_utf8_validate (data, size, NULL))
    return BEARER_JSON_NOT_TEXT;

  switch (scan (data, size, BEARER_JSON_MAX_DEPTH))
    {
    case SCAN_ESCAPED_NUL:
      return BEARER_JSON_NOT_TEXT;
    case SCAN_BAD_ESCAPE:
      if (detail != NULL)
        /* Translators: why a reply is not valid JSON, in the place of the
         * JSON parser’s own description of the mistake (after a colon). */
        *detail = g_strdup (_("a string holds an escape that is not valid"));
      return BEARER_JSON_SYNTAX;
    case SCAN_BAD_CHARACTER:
      if (detail != NULL)
        /* Translators: why a reply is not valid JSON, in the place of the
         * JSON parser’s own description of the mistake (after a colon). */
        *detail = g_strdup (_("a character that is not allowed outside a string"));
      return BEARER_JSON_SYNTAX;
    case SCAN_TOO_DEEP:
      return BEARER_JSON_TOO_DEEP;
    case SCAN_SEVERAL_VALUES:
      if (detail != NULL)
        /* Translators: why a reply is not valid JSON, in the place of the
         * JSON parser’s own description of the mistake (after a colon). */
        *detail = g_strdup (_("there is more after the end of the value"));
      return BEARER_JSON_SYNTAX;
    case SCAN_OK:
    default:
      break;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, size, &error))
    {
      if (detail != NULL)
        *detail = without_quoted_text (error->message);
      return BEARER_JSON_SYNTAX;
    }

  node = json_parser_get_root (parser);
  if (node == NULL)
    {
      if (detail != NULL)
        /* Translators: why a reply is not valid JSON, in the place of the
         * JSON parser’s own description of the mistake (after a colon). */
        *detail = g_strdup (_("no value"));
      return BEARER_JSON_SYNTAX;
    }

  *root = json_node_copy (node);
  return BEARER_JSON_OK;
}

/**
 * bearer_json_node_is_text:
 * @node: a parsed document, or part of one
 *
 * bearer_json_parse() checks the raw text, but not what its escapes decode
 * to: json-glib turns "x\ud800y" (a lone surrogate) into bytes that are not
 * UTF-8. Whatever is kept or shown must be checked again with this.
 *
 * Returns: whether every member name and every string, at any depth, is
 *   valid UTF-8
 */
gboolean
bearer_json_node_is_text (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;

        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, &name, &member))
          if (!g_utf8_validate (name, -1, NULL) || !bearer_json_node_is_text (member))
            return FALSE;
        return TRUE;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (array); i++)
          if (!bearer_json_node_is_text (json_array_get_element (array, i)))
            return FALSE;
        return TRUE;
      }
    case JSON_NODE_VALUE:
      return json_node_get_value_type (node) != G_TYPE_STRING ||
             g_utf8_validate (json_node_get_string (node), -1, NULL);
    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}
