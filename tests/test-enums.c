/* test-enums.c: the wire and profile names of the enumerations
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "bearer-enum-types.h"
#include "bearer-enums.h"

typedef struct {
  int         value;
  const char *name;
} EnumName;

static const EnumName grant_names[] = {
  { BEARER_GRANT_REFRESH_TOKEN, "refresh_token" },
  { BEARER_GRANT_CLIENT_CREDENTIALS, "client_credentials" },
  { BEARER_GRANT_PASSWORD, "password" },
  { BEARER_GRANT_AUTHORIZATION_CODE, "authorization_code" },
};

static const EnumName auth_names[] = {
  { BEARER_CLIENT_AUTH_BASIC, "basic" },
  { BEARER_CLIENT_AUTH_BASIC_RAW, "basic-raw" },
  { BEARER_CLIENT_AUTH_POST, "post" },
  { BEARER_CLIENT_AUTH_NONE, "none" },
  { BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT, "private-key-jwt" },
  { BEARER_CLIENT_AUTH_CLIENT_SECRET_JWT, "client-secret-jwt" },
};

static void
test_enums_grant_to_string (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (grant_names); i++)
    g_assert_cmpstr (bearer_grant_type_to_string (grant_names[i].value), ==, grant_names[i].name);
}

static void
test_enums_grant_round_trip (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (grant_names); i++)
    {
      BearerGrantType grant = (BearerGrantType) -1;
      const char *name = bearer_grant_type_to_string (grant_names[i].value);

      g_assert_true (bearer_grant_type_from_string (name, &grant));
      g_assert_cmpint (grant, ==, grant_names[i].value);
    }
}

static void
test_enums_grant_unknown (void)
{
  static const char * const unknown[] = {
    "", "refresh-token", "Refresh_Token", "refresh_token ", " refresh_token",
    "implicit", "urn:ietf:params:oauth:grant-type:device_code", "REFRESH_TOKEN",
    "BEARER_GRANT_REFRESH_TOKEN", "basic",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (unknown); i++)
    {
      BearerGrantType grant = BEARER_GRANT_PASSWORD;

      g_test_message ("grant name '%s'", unknown[i]);
      g_assert_false (bearer_grant_type_from_string (unknown[i], &grant));
    }
}

static void
test_enums_auth_to_string (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (auth_names); i++)
    g_assert_cmpstr (bearer_client_auth_to_string (auth_names[i].value), ==, auth_names[i].name);
}

static void
test_enums_auth_round_trip (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (auth_names); i++)
    {
      BearerClientAuth auth = (BearerClientAuth) -1;
      const char *name = bearer_client_auth_to_string (auth_names[i].value);

      g_assert_true (bearer_client_auth_from_string (name, &auth));
      g_assert_cmpint (auth, ==, auth_names[i].value);
    }
}

static void
test_enums_auth_unknown (void)
{
  static const char * const unknown[] = {
    "", "basic_raw", "Basic", "BASIC", "basic ", "client_secret_basic",
    "client_secret_post", "bearer", "refresh_token", "none\n",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (unknown); i++)
    {
      BearerClientAuth auth = BEARER_CLIENT_AUTH_POST;

      g_test_message ("client auth name '%s'", unknown[i]);
      g_assert_false (bearer_client_auth_from_string (unknown[i], &auth));
    }
}

static void
assert_nick (GType       type,
             int         value,
             const char *nick)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *by_value = g_enum_get_value (klass, value);
  GEnumValue *by_nick = g_enum_get_value_by_nick (klass, nick);

  g_assert_nonnull (by_value);
  g_assert_cmpstr (by_value->value_nick, ==, nick);
  g_assert_nonnull (by_nick);
  g_assert_cmpint (by_nick->value, ==, value);
}

static void
test_enums_gtype_nicks (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (grant_names); i++)
    assert_nick (BEARER_TYPE_GRANT_TYPE, grant_names[i].value, grant_names[i].name);
  for (gsize i = 0; i < G_N_ELEMENTS (auth_names); i++)
    assert_nick (BEARER_TYPE_CLIENT_AUTH, auth_names[i].value, auth_names[i].name);

  assert_nick (BEARER_TYPE_BODY_ENCODING, BEARER_BODY_FORM, "form");
  assert_nick (BEARER_TYPE_BODY_ENCODING, BEARER_BODY_JSON, "json");
  assert_nick (BEARER_TYPE_PARAM_LOCATION, BEARER_PARAM_BODY, "body");
  assert_nick (BEARER_TYPE_PARAM_LOCATION, BEARER_PARAM_QUERY, "query");
  assert_nick (BEARER_TYPE_PARAM_LOCATION, BEARER_PARAM_HEADER, "header");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/bearer/enums/grant/to-string", test_enums_grant_to_string);
  g_test_add_func ("/bearer/enums/grant/round-trip", test_enums_grant_round_trip);
  g_test_add_func ("/bearer/enums/grant/unknown", test_enums_grant_unknown);
  g_test_add_func ("/bearer/enums/client-auth/to-string", test_enums_auth_to_string);
  g_test_add_func ("/bearer/enums/client-auth/round-trip", test_enums_auth_round_trip);
  g_test_add_func ("/bearer/enums/client-auth/unknown", test_enums_auth_unknown);
  g_test_add_func ("/bearer/enums/gtype-nicks", test_enums_gtype_nicks);

  return g_test_run ();
}
