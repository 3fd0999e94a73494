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

/* One pass over the text, without recursion: how deep it nests, and whether
 * a string holds an escaped NUL (json-glib would cut the string there). */
static BearerJsonStatus
scan (const char *data,
      gsize       size,
      guint       max_depth)
{
  guint depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < size; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            {
              if (i + 5 < size && data[i + 1] == 'u' &&
                  memcmp (data + i + 2, "0000", 4) == 0)
                return BEARER_JSON_NOT_TEXT;
              i++;
            }
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      switch (c)
        {
        case '"':
          in_string = TRUE;
          break;
        case '[':
        case '{':
          if (++depth > max_depth)
            return BEARER_JSON_TOO_DEEP;
          break;
        case ']':
        case '}':
          if (depth > 0)
            depth--;
          break;
        default:
          break;
        }
    }

  return BEARER_JSON_OK;
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
  BearerJsonStatus status;
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

  status = scan (data, size, BEARER_JSON_MAX_DEPTH);
  if (status != BEARER_JSON_OK)
    return status;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, size, &error))
    {
      if (detail != NULL)
        *detail = g_strdup (error->message);
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
