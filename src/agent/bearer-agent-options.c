/* bearer-agent-options.c: the options every call to the agent carries
 *
 * GIO only: bearer-cli's front (bearer-cli-front.c) links it without core.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "bearer-agent-protocol.h"

/**
 * bearer_agent_socket_path:
 *
 * Inside a Flatpak, each instance has a runtime directory of its own but
 * for `app/$FLATPAK_ID`, which the agent and `flatpak run --command=bearer-cli`
 * share (as the kept-aside tokens do, bearer-pending.c).
 *
 * Returns: (transfer full) (nullable): where the agent listens for
 *   GetToken and Refresh besides the bus (bearer-agent.c); %NULL without a
 *   runtime directory
 */
char *
bearer_agent_socket_path (void)
{
  const char *runtime = g_getenv ("XDG_RUNTIME_DIR");
  const char *flatpak_id = g_getenv ("FLATPAK_ID");

  if (runtime == NULL || *runtime == '\0')
    return NULL;
  if (flatpak_id != NULL && *flatpak_id != '\0' && g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    return g_build_filename (runtime, "app", flatpak_id, "bearer", BEARER_AGENT_SOCKET_NAME, NULL);
  return g_build_filename (runtime, "bearer", BEARER_AGENT_SOCKET_NAME, NULL);
}

/**
 * bearer_agent_options_new:
 *
 * Returns: (transfer floating): the options every call carries: this
 *   process's configuration and runtime directories, which the agent must
 *   share to serve the same profiles
 */
GVariant *
bearer_agent_options_new (void)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "config-dir", g_variant_new_string (g_get_user_config_dir ()));
  g_variant_builder_add (&builder, "{sv}", "runtime-dir", g_variant_new_string (g_get_user_runtime_dir ()));
  return g_variant_builder_end (&builder);
}

/**
 * bearer_agent_options_match:
 * @options: a caller's options (a{sv})
 *
 * Returns: whether the caller's directories, where given, are this
 *   process's
 */
gboolean
bearer_agent_options_match (GVariant *options)
{
  const char *dir;

  if (g_variant_lookup (options, "config-dir", "&s", &dir) && g_strcmp0 (dir, g_get_user_config_dir ()) != 0)
    return FALSE;
  if (g_variant_lookup (options, "runtime-dir", "&s", &dir) && g_strcmp0 (dir, g_get_user_runtime_dir ()) != 0)
    return FALSE;
  return TRUE;
}

/**
 * bearer_agent_options_from_host:
 * @options: a caller's options (a{sv}), which bearer_agent_options_match()
 *   did not match
 *
 * Inside a Flatpak every instance of the app shares its configuration and
 * runtime directories, and another sandbox reaches the app's names only
 * with a `--talk-name` its manifest shows: a caller with other directories
 * is a `bearer-cli` on the host, which cannot read the app's secrets (they
 * are in the app's own keyring file). The agent answers it for the app's
 * connections. (As anywhere, the session bus is the user's own, and a
 * caller that sends no directories is answered as one of the app's.)
 *
 * Returns: whether this agent runs in a Flatpak and the caller on the host
 */
gboolean
bearer_agent_options_from_host (GVariant *options)
{
  const char *flatpak_id = g_getenv ("FLATPAK_ID");

  return flatpak_id != NULL && *flatpak_id != '\0' && g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS) &&
         !bearer_agent_options_match (options);
}
