#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/e2e/test-client-auth-jwt.sh: bearer-cli's private_key_jwt and
# client_secret_jwt against a real OpenID Provider (oidc-provider,
# tests/e2e/oidc-server.mjs) on 127.0.0.1. Prints TAP.
#
#   BEARER_CLI=build/src/cli/bearer-cli tools/test-session bash tests/e2e/test-client-auth-jwt.sh
#
# The provider makes the clients' keys when it starts (RSA and EC P-256, with
# node's crypto) and writes the private halves into this script's own
# temporary directory; each reaches bearer-cli on standard input only.
# Checked, for each method (RS256, PS256, ES256, HS256): the refresh grant
# and client credentials succeed at the provider, and a key the client does
# not have is refused as invalid_client.
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PLAN=13

. "$here/lib.sh"
e2e_require_base
e2e_prerequisites_done
e2e_start bearer-e2e

server_events() { grep -c "^EVENT $1" "$work/server.err"; }

JWT_SECRET='a client secret of 32 bytes or more: HS256 %+:'

# ---- the server, with the clients' keys -------------------------------------------
mkdir -m 0700 "$work/keys"
(
	cd "$here" &&
		BEARER_E2E_JWT_SECRET="$JWT_SECRET" BEARER_E2E_KEY_DIR="$work/keys" exec node oidc-server.mjs
) </dev/null >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for ((i = 0; i < 300; i++)); do
	grep -q '^READY$' "$work/server.out" 2>/dev/null && break
	kill -0 "$server_pid" 2>/dev/null || break
	sleep 0.05
done
ISSUER="$(sed -n '1s/^ISSUER //p' "$work/server.out")"
client_refresh() { sed -n "s/^CLIENT_REFRESH $1 //p" "$work/server.out"; }
if [[ "$ISSUER" =~ ^http://127\.0\.0\.1:[0-9]+$ && -s "$work/keys/pkjwt-rsa.pem" && -s "$work/keys/pkjwt-ec.pem" &&
	-n "$(client_refresh bearer-csjwt)" ]]; then
	ok "oidc-provider started with private_key_jwt and client_secret_jwt clients, keys made at start"
else
	not_ok "oidc-provider started" "$(cat "$work/server.out" "$work/server.err")"
	bail "the OpenID Provider did not start"
fi

# refresh_profile NAME CLIENT SECRET-KIND SECRET-FILE [ADD-OPTIONS...]: a
# refresh-token profile with its key (or secret) and refresh token on stdin.
add_profile() {
	local name="$1" client="$2" kind="$3" file="$4"
	shift 4
	profiles+=("$name")
	run_cli add "$name" --token-url "$ISSUER/token" --client-id "$client" "$@"
	local a_rc=$rc a_err="$err"
	from_file "$file"
	run_cli set-secret "$name" "$kind"
	setup_status="add $a_rc $a_err; set-secret $kind $rc $err"
	[[ $a_rc == 0 && $rc == 0 ]]
}

printf %s "$JWT_SECRET" >"$work/secret"

# ---- the refresh grant, each method ----------------------------------------------------
# refresh_check WHAT NAME: one refresh, which the provider must count as a success.
refresh_check() {
	local what="$1" name="$2" before after
	before=$(server_events 'grant.success refresh_token')
	run_cli refresh "$name"
	after=$(server_events 'grant.success refresh_token')
	[[ $rc == 0 && "$out" == *"rotated"* && $after == $((before + 1)) ]]
	check "$what" $? "exit $rc" "$out" "$err" "$(grep '^EVENT' "$work/server.err" | tail -3)"
}

for method in rsa:RS256 ec:ES256; do
	key="${method%%:*}" alg="${method#*:}"
	if add_profile "rt-$key" "bearer-pkjwt-$key" private-key "$work/keys/pkjwt-$key.pem" \
		--auth private-key-jwt --signing-alg "$alg" --key-id "$key-key"; then
		with_stdin "$(client_refresh "bearer-pkjwt-$key")"
		run_cli set-secret "rt-$key" refresh-token
		refresh_check "private_key_jwt $alg: the refresh grant succeeds at the provider" "rt-$key"
	else
		not_ok "private_key_jwt $alg: the refresh grant" "$setup_status"
	fi
done

# PS256 with the same RSA key: the profile changes its algorithm only.
run_cli set rt-rsa --signing-alg PS256
refresh_check "private_key_jwt PS256: the refresh grant succeeds at the provider" rt-rsa

if add_profile rt-hs bearer-csjwt client-secret "$work/secret" --auth client-secret-jwt; then
	with_stdin "$(client_refresh bearer-csjwt)"
	run_cli set-secret rt-hs refresh-token
	refresh_check "client_secret_jwt HS256: the refresh grant succeeds at the provider" rt-hs
else
	not_ok "client_secret_jwt HS256: the refresh grant" "$setup_status"
fi

# ---- client credentials, each method ------------------------------------------------------
cc_check() {
	local what="$1" name="$2" before after
	before=$(server_events 'grant.success client_credentials')
	run_cli token "$name"
	after=$(server_events 'grant.success client_credentials')
	[[ $rc == 0 && -n "$out" && $after == $((before + 1)) ]]
	check "$what" $? "exit $rc" "$err" "$(grep '^EVENT' "$work/server.err" | tail -3)"
}
for method in rsa:RS256 rsa:PS256 ec:ES256 ec:auto; do
	key="${method%%:*}" alg="${method#*:}"
	args=(--auth private-key-jwt --grant client_credentials)
	[[ $alg == auto ]] || args+=(--signing-alg "$alg")
	if add_profile "cc-$key-$alg" "bearer-pkjwt-$key" private-key "$work/keys/pkjwt-$key.pem" "${args[@]}"; then
		cc_check "private_key_jwt $alg ($key key): client credentials succeed at the provider" "cc-$key-$alg"
	else
		not_ok "private_key_jwt $alg: client credentials" "$setup_status"
	fi
done
if add_profile cc-hs bearer-csjwt client-secret "$work/secret" --auth client-secret-jwt --grant client_credentials; then
	cc_check "client_secret_jwt HS256: client credentials succeed at the provider" cc-hs
else
	not_ok "client_secret_jwt HS256: client credentials" "$setup_status"
fi

# The issuer as the audience (discovery fills it), which the provider accepts too.
profiles+=(cc-iss)
run_cli add cc-iss --issuer "$ISSUER" --client-id bearer-csjwt --grant client_credentials \
	--auth client-secret-jwt --assertion-aud issuer
a_rc=$rc
from_file "$work/secret"
run_cli set-secret cc-iss client-secret
if [[ $a_rc == 0 && $rc == 0 ]]; then
	cc_check "client_secret_jwt with the issuer as the assertion's audience: client credentials succeed" cc-iss
else
	not_ok "client_secret_jwt with the issuer as audience" "add $a_rc, set-secret $rc $err"
fi

# ---- refusals -------------------------------------------------------------------------------
# Another client's key signs well, but not as this client: invalid_client.
profiles+=(wrong)
run_cli add wrong --token-url "$ISSUER/token" --client-id bearer-pkjwt-rsa --auth private-key-jwt \
	--grant client_credentials
from_file "$work/keys/pkjwt-ec.pem"
run_cli set-secret wrong private-key
run_cli token wrong
[[ $rc == 3 && "$err" == *invalid_client* ]]
check "private_key_jwt with a key the client does not have: exit 3, invalid_client" $? "exit $rc" "$err"

# A wrong client secret for client_secret_jwt: invalid_client too.
with_stdin "wrong-$JWT_SECRET"
run_cli set-secret cc-hs client-secret
run_cli refresh cc-hs
[[ $rc == 3 && "$err" == *invalid_client* ]]
check "client_secret_jwt with a wrong secret: exit 3, invalid_client" $? "exit $rc" "$err"

# ---- the end ----------------------------------------------------------------------------------
echo "# server events: $(grep -c '^EVENT' "$work/server.err") ($(server_events 'grant.success') successes, $(server_events 'grant.error') errors)"
if ((n != PLAN)); then
	echo "# ran $n tests, planned $PLAN"
	failures=$((failures + 1))
fi
((failures == 0))
