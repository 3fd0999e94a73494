#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/e2e/test-oidc-dpop.sh: bearer-cli with DPoP (RFC 9449) against a
# real OpenID Provider (oidc-provider with features.dPoP,
# tests/e2e/oidc-dpop-server.mjs) on 127.0.0.1. Prints TAP.
#
#   BEARER_CLI=build/src/cli/bearer-cli tools/test-session bash tests/e2e/test-oidc-dpop.sh
#
# The client credentials grant and the refresh grant (twice: the provider
# rotates refresh tokens) with --dpop: the provider demands a nonce on the
# token endpoint, so each bearer-cli process is first refused with
# use_dpop_nonce and retries once; the access tokens are DPoP tokens bound
# to the connection's key (introspection through bearer-cli shows cnf.jkt,
# the same for every token of the connection); bearer-cli curl gets the
# userinfo with a proof for its own request, and the same token without a
# proof is refused. The key stays in the keyring: never in a file.
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PLAN=9

. "$here/lib.sh"
e2e_require_base
e2e_prerequisites_done
e2e_start bearer-e2e-dpop

# ---- 1. the server ---------------------------------------------------------------
(cd "$here" && exec node oidc-dpop-server.mjs) </dev/null >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for ((i = 0; i < 300; i++)); do
	grep -q '^READY$' "$work/server.out" 2>/dev/null && break
	kill -0 "$server_pid" 2>/dev/null || break
	sleep 0.05
done
ISSUER="$(sed -n '1s/^ISSUER //p' "$work/server.out")"
REFRESH="$(sed -n 's/^REFRESH //p' "$work/server.out")"
SECRET="${BEARER_E2E_DPOP_SECRET:-dp0p-s3cret}"
if [[ "$ISSUER" =~ ^http://127\.0\.0\.1:[0-9]+$ && -n "$REFRESH" ]]; then
	ok "oidc-provider with DPoP started: $ISSUER"
else
	not_ok "oidc-provider with DPoP started" "$(cat "$work/server.out" "$work/server.err")"
	bail "the OpenID Provider did not start"
fi
events() { grep -c "^EVENT $1" "$work/server.err"; }

# ---- 2. client credentials ------------------------------------------------------------
run_cli add cc --token-url "$ISSUER/token" --client-id bearer-dpop --grant client_credentials \
	--auth post --scope api:read --introspect-url "$ISSUER/token/introspection" --dpop
[[ $rc == 0 ]] && profiles+=(cc)
with_stdin "$SECRET"
run_cli set-secret cc client-secret
nonce_before="$(events 'grant.error client_credentials use_dpop_nonce')"
run_cli token cc --format header
header="$out"
[[ $rc == 0 && "$header" == "Authorization: DPoP "* && -z "$err" ]]
check "client credentials with --dpop: a DPoP token" $? "rc=$rc out=$out" "$err"
[[ "$(events 'grant.error client_credentials use_dpop_nonce')" == $((nonce_before + 1)) &&
	"$(events 'grant.success client_credentials')" == 1 ]]
check "client credentials: refused once for the server's nonce, then issued" $? "$(grep EVENT "$work/server.err")"
run_cli introspect cc
cc_jkt="$(json_get cnf.jkt <<<"$out")"
[[ $rc == 0 && "$(json_get active <<<"$out")" == true && "$(json_get token_type <<<"$out")" == DPoP &&
	${#cc_jkt} == 43 ]]
check "client credentials: introspection shows the token bound to a key (cnf.jkt)" $? "rc=$rc $out" "$err"

# ---- 3. the refresh grant, twice --------------------------------------------------------
run_cli add rt --token-url "$ISSUER/token" --client-id bearer-dpop --grant refresh_token --auth post \
	--introspect-url "$ISSUER/token/introspection" --dpop
[[ $rc == 0 ]] && profiles+=(rt)
with_stdin "$SECRET"
run_cli set-secret rt client-secret
with_stdin "$REFRESH"
run_cli set-secret rt refresh-token
run_cli refresh rt
first_rc=$rc first_err="$err"
run_cli token rt
first="$out"
run_cli introspect rt
first_jkt="$(json_get cnf.jkt <<<"$out")"
run_cli refresh rt
second_rc=$rc second_err="$err"
run_cli token rt
second="$out"
run_cli introspect rt
second_jkt="$(json_get cnf.jkt <<<"$out")"
[[ $first_rc == 0 && $second_rc == 0 && -n "$first" && "$second" != "$first" &&
	"$(events 'grant.success refresh_token')" == 2 && "$(events 'grant.error refresh_token use_dpop_nonce')" == 2 ]]
check "the refresh grant twice with DPoP: each refused once for the nonce, the refresh token spent once each" $? \
	"first: rc=$first_rc $first_err" "second: rc=$second_rc $second_err" "$(grep EVENT "$work/server.err")"
[[ ${#first_jkt} == 43 && "$first_jkt" == "$second_jkt" && "$first_jkt" != "$cc_jkt" &&
	"$(json_get token_type <<<"$out")" == DPoP ]]
check "the refresh grant: both tokens bound to the connection's own key (the same cnf.jkt)" $? \
	"first $first_jkt, second $second_jkt, cc $cc_jkt" "$out"

# ---- 4. a resource request -----------------------------------------------------------------
run_cli curl rt -- -s -S --max-time 30 "$ISSUER/me"
[[ $rc == 0 && "$(json_get sub <<<"$out")" == e2e-user ]]
check "bearer-cli curl: the userinfo answers the DPoP token with its proof" $? "rc=$rc $out" "$err"

# The same token as a Bearer token, without a proof: refused.
status="$(printf 'header = "Authorization: Bearer %s"\nsilent\nmax-time = 30\nwrite-out = "%%{http_code}"\noutput = /dev/null\n' \
	"$second" | curl -K - "$ISSUER/me")"
[[ "$status" == 401 || "$status" == 400 ]]
check "the same token without a proof is refused (HTTP $status)" $?

# ---- 5. no key anywhere -----------------------------------------------------------------
leaks="$(grep -rlF -e "PRIVATE KEY" "$work/config" "$work/data" "$work/cache" "$work/runtime" \
	"$work/out" "$work/err" 2>/dev/null)"
[[ -z "$leaks" ]]
check "no DPoP key in the profiles, the runtime files or the output" $? "$leaks"

if ((n != PLAN)); then
	echo "# planned $PLAN tests, ran $n"
	exit 1
fi
((failures == 0))
