#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/e2e/test-oidc.sh: bearer-cli against a real OpenID Provider
# (oidc-provider, tests/e2e/oidc-server.mjs) on 127.0.0.1. Prints TAP.
#
#   BEARER_CLI=build/src/cli/bearer-cli tools/test-session bash tests/e2e/test-oidc.sh
#
# Needs node, curl, tests/e2e/node_modules (npm ci --prefix tests/e2e) and a
# secret service (tools/test provides all of them). Without them it skips,
# unless BEARER_TEST_SESSION is set, where a missing piece is a failure.
#
# bearer-cli runs with XDG directories of this script's own (removed at the
# end), so a developer's profiles are never touched; the keyring items it
# creates are removed with `bearer-cli remove`. Secrets and tokens are given
# to bearer-cli and curl on standard input only, never in argv.
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PLAN=32

. "$here/lib.sh"
e2e_require_base
e2e_prerequisites_done
e2e_start bearer-e2e


# introspect TOKEN: the provider's introspection answer (JSON), as bearer-e2e;
# curl reads its config, credentials and token included, from stdin.
introspect() {
	printf 'user = "bearer-e2e:%s"\ndata-urlencode = "token=%s"\nsilent\nmax-time = 30\n' "$E2E_SECRET_FORM" "$1" |
		curl -K - "$ISSUER/token/introspection"
}
# server_events PREFIX: how many token endpoint outcomes the server logged (EVENT lines).
server_events() { grep -c "^EVENT $1" "$work/server.err"; }

E2E_SECRET='s3cr:et%+ x'
POST_SECRET='p0st:s%cr+t x'
E2E_SECRET_FORM="$(form_encode "$E2E_SECRET")"

# ---- 1. the server ---------------------------------------------------------------
t0=$(now_ms)
(
	cd "$here" &&
		BEARER_E2E_SECRET="$E2E_SECRET" BEARER_E2E_POST_SECRET="$POST_SECRET" \
			exec node oidc-server.mjs
) </dev/null >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for ((i = 0; i < 300; i++)); do
	grep -q '^READY$' "$work/server.out" 2>/dev/null && break
	kill -0 "$server_pid" 2>/dev/null || break
	sleep 0.05
done
ISSUER="$(sed -n '1s/^ISSUER //p' "$work/server.out")"
FIRST_REFRESH="$(sed -n 's/^REFRESH //p' "$work/server.out")"
REVOKE_REFRESH="$(sed -n 's/^REFRESH_REVOKE //p' "$work/server.out")"
t_server=$(($(now_ms) - t0))
if [[ "$ISSUER" =~ ^http://127\.0\.0\.1:[0-9]+$ && -n "$FIRST_REFRESH" ]]; then
	ok "oidc-provider started: $ISSUER (first line), a first refresh token minted, in ${t_server} ms"
else
	not_ok "oidc-provider started" "$(cat "$work/server.out" "$work/server.err")"
	bail "the OpenID Provider did not start"
fi

# The minted refresh token is real: the provider itself says it is active.
answer="$(introspect "$FIRST_REFRESH")"
[[ "$(json_get active <<<"$answer")" == true && "$(json_get client_id <<<"$answer")" == bearer-e2e ]]
check "the minted refresh token is active at the provider (introspection)" $? "$answer"

# ---- 2. the profile, secrets on stdin ---------------------------------------------
profiles+=(e2e)
run_cli add e2e --token-url "$ISSUER/token" --client-id bearer-e2e --auth basic
check "add e2e (http to 127.0.0.1 needs no --allow-http)" $rc "exit $rc" "$err"

with_stdin "$E2E_SECRET"
run_cli set-secret e2e client-secret
check "set-secret e2e client-secret, from stdin" $rc "exit $rc" "$err"

with_stdin "$FIRST_REFRESH"
run_cli set-secret e2e refresh-token
check "set-secret e2e refresh-token, from stdin" $rc "exit $rc" "$err"

# ---- (a) five refreshes: new access token and a rotated refresh token each time ----
declare -A seen_tokens=()
refresh_ms=()
last_token=""
for round in 1 2 3 4 5; do
	before=$(server_events 'grant.success refresh_token')
	t0=$(now_ms)
	run_cli refresh e2e
	refresh_ms+=($(($(now_ms) - t0)))
	r_rc=$rc r_out="$out" r_err="$err"
	run_cli token e2e --json
	token="$(json_get access_token <<<"$out")"
	after=$(server_events 'grant.success refresh_token')
	problems=()
	((r_rc == 0)) || problems+=("refresh exited $r_rc: $r_err")
	[[ "$r_out" == *"the refresh token rotated and the new one is stored"* ]] ||
		problems+=("the status line does not say the refresh token rotated: $r_out")
	((rc == 0)) || problems+=("token --json exited $rc: $err")
	[[ -n "$token" ]] || problems+=("no access_token in token --json")
	[[ -z "$token" || -z "${seen_tokens[$token]:-}" ]] || problems+=("the access token did not change")
	[[ "$(json_get refreshed <<<"$out")" == false ]] ||
		problems+=("token --json refreshed again although the new token is valid for an hour")
	((after == before + 1)) || problems+=("the server counted $((after - before)) refreshes, not 1")
	[[ -n "$token" ]] && seen_tokens[$token]=1
	last_token="$token"
	if ((${#problems[@]} == 0)); then
		ok "(a) refresh $round: exit 0, a new access token, the refresh token rotated (${refresh_ms[-1]} ms)"
	else
		not_ok "(a) refresh $round" "${problems[@]}"
	fi
done

# The first refresh token was spent at the server: rotation really happened
# there, not only in bearer-cli's words.
answer="$(introspect "$FIRST_REFRESH")"
[[ "$(json_get active <<<"$answer")" == false ]]
check "(a) the provider no longer accepts the first refresh token (rotated away)" $? "$answer"

count=$(server_events 'grant.success refresh_token')
errors=$(server_events 'grant.error')
((count == 5 && errors == 0))
check "(a) the provider performed exactly 5 refreshes and refused none" $? \
	"successes: $count, errors: $errors" "$(grep '^EVENT' "$work/server.err")"

# ---- (b) --header, and the provider accepts the token ----------------------------
run_cli token e2e --header
header="$out"
[[ $rc == 0 && "$header" =~ ^Authorization:\ Bearer\ [^[:space:]]+$ && "$header" == "Authorization: Bearer $last_token" ]]
check "(b) token e2e --header prints 'Authorization: Bearer <the current token>'" $? "exit $rc" "$err"

answer="$(introspect "${header#Authorization: Bearer }")"
[[ "$(json_get active <<<"$answer")" == true && "$(json_get client_id <<<"$answer")" == bearer-e2e &&
	"$(json_get sub <<<"$answer")" == e2e-user ]]
check "(b) the provider's introspection says the token is active, for bearer-e2e and e2e-user" $? "$answer"

# ---- (g) bearer-cli curl against userinfo -------------------------------------------
run_cli curl e2e -- -s -w '\n%{http_code}' "$ISSUER/me"
status="${out##*$'\n'}"
body="${out%$'\n'*}"
[[ $rc == 0 && "$status" == 200 && "$(json_get sub <<<"$body")" == e2e-user ]]
check "(g) bearer-cli curl e2e -- -s \$ISSUER/me: HTTP 200 with the user's claims" $? \
	"exit $rc, HTTP ${status}" "$body" "$err"

# ---- (c) client credentials ------------------------------------------------------------
profiles+=(cc)
run_cli add cc --token-url "$ISSUER/token" --client-id bearer-e2e --grant client_credentials
a_rc=$rc
with_stdin "$E2E_SECRET"
run_cli set-secret cc client-secret
s_rc=$rc
run_cli token cc
cc_token="$out"
answer="$(introspect "$cc_token")"
[[ $a_rc == 0 && $s_rc == 0 && $rc == 0 && -n "$cc_token" &&
	"$(json_get active <<<"$answer")" == true && "$(json_get client_id <<<"$answer")" == bearer-e2e ]]
check "(c) client_credentials profile: token cc exits 0 and the provider says its token is active" $? \
	"add $a_rc, set-secret $s_rc, token $rc" "$err" "$answer"

# The second client authenticates in the body (client_secret_post).
profiles+=(post)
run_cli add post --token-url "$ISSUER/token" --client-id bearer-post --auth post --grant client_credentials
a_rc=$rc
with_stdin "$POST_SECRET"
run_cli set-secret post client-secret
s_rc=$rc
run_cli token post
[[ $a_rc == 0 && $s_rc == 0 && $rc == 0 && -n "$out" ]]
check "(c) client_secret_post client bearer-post (secret with ':' '%' '+' ' '): token post exits 0" $? \
	"add $a_rc, set-secret $s_rc, token $rc" "$err"

# ---- (d) a wrong client secret ------------------------------------------------------------
with_stdin "wrong-$E2E_SECRET"
run_cli set-secret e2e client-secret
run_cli refresh e2e
d_rc=$rc d_err="$err"
[[ $d_rc == 3 && "$d_err" == *invalid_client* ]]
check "(d) a wrong client secret: refresh exits 3 and stderr mentions invalid_client" $? "exit $d_rc" "$d_err"

run_cli list
e2e_line="$(grep '^e2e ' <<<"$out")"
[[ $rc == 0 && -n "$e2e_line" && "$e2e_line" != *"sign in again"* ]]
check "(d) a refused client is not a dead refresh token: list does not say 'sign in again'" $? "$out" "$err"

with_stdin "$E2E_SECRET"
run_cli set-secret e2e client-secret
run_cli refresh e2e
[[ $rc == 0 ]]
check "(d) with the right secret again, the stored refresh token still works (exit 0)" $? "exit $rc" "$err"

# ---- (f) basic-raw: the secret's '%' is not form-encoded ------------------------------------
profiles+=(raw)
run_cli add raw --token-url "$ISSUER/token" --client-id bearer-e2e --auth basic-raw --grant client_credentials
with_stdin "$E2E_SECRET"
run_cli set-secret raw client-secret
run_cli token raw
[[ $rc == 3 && "$err" == *invalid_request* && "$err" == *"not properly encoded"* ]]
check "(f) --auth basic-raw with a '%' in the secret: exit 3, invalid_request 'not properly encoded'" $? \
	"exit $rc" "$err"

# ---- (e) a reused refresh token: the provider revokes the grant --------------------------
run_cli token e2e --json
live_token="$(json_get access_token <<<"$out")"
with_stdin "$FIRST_REFRESH"
run_cli set-secret e2e refresh-token
s_rc=$rc
run_cli refresh e2e
[[ $s_rc == 0 && $rc == 4 && "$err" == *invalid_grant* ]]
check "(e) a spent refresh token stored again: refresh exits 4 (sign in again), stderr mentions invalid_grant" $? \
	"set-secret $s_rc, refresh $rc" "$err"

run_cli list
e2e_line="$(grep '^e2e ' <<<"$out")"
[[ $rc == 0 && "$e2e_line" == *"sign in again"* ]]
check "(e) bearer-cli list shows e2e as 'sign in again'" $? "exit $rc" "$out" "$err"

answer="$(introspect "$live_token")"
[[ -n "$live_token" && "$(json_get active <<<"$answer")" == false ]]
check "(e) the reuse made the provider revoke the whole grant: the last access token is no longer active" $? \
	"$answer"

before=$(server_events 'grant.')
run_cli token e2e
after=$(server_events 'grant.')
[[ $rc == 4 && $after == "$before" && -z "$out" ]]
check "(e) token then exits 4 at once, without asking the server, and does not hand out the revoked access token" $? \
	"exit $rc, server events before $before, after $after" "$err"

# ---- (h) revocation (RFC 7009) and introspection (RFC 7662) through bearer-cli -------------
# A refresh token never used for a refresh: a refresh after its revocation
# fails because of the revocation alone, not because it was spent.
profiles+=(life)
run_cli add life --issuer "$ISSUER" --grant refresh_token --client-id bearer-e2e --auth basic
a_rc=$rc
with_stdin "$E2E_SECRET"
run_cli set-secret life client-secret
with_stdin "$REVOKE_REFRESH"
run_cli set-secret life refresh-token
run_cli introspect life --refresh-token
[[ $a_rc == 0 && $rc == 0 && "$(json_get active <<<"$out")" == true &&
	"$(json_get client_id <<<"$out")" == bearer-e2e ]]
check "(h) a profile added by discovery: introspect --refresh-token says active, for bearer-e2e" $? \
	"add $a_rc, introspect $rc" "$out" "$err"

run_cli revoke life --refresh-token
[[ $rc == 0 && "$out" == *"revoked the refresh token"* ]]
check "(h) revoke life --refresh-token (the revocation URL from discovery): exit 0" $? "exit $rc" "$out" "$err"

with_stdin "$REVOKE_REFRESH"
run_cli set-secret life refresh-token
run_cli refresh life
[[ $rc == 4 && "$err" == *invalid_grant* ]]
check "(h) a refresh with the revoked refresh token exits 4 (sign in again)" $? "exit $rc" "$err"

run_cli introspect life --refresh-token
[[ $rc == 0 && "$(json_get active <<<"$out")" == false ]]
check "(h) introspect of the revoked refresh token: active false, exit 0" $? "exit $rc" "$out" "$err"

# An access token (client credentials): active, then revoked.
run_cli set cc --revoke-url "$ISSUER/token/revocation" --introspect-url "$ISSUER/token/introspection"
s_rc=$rc
run_cli token cc
cc_access="$out"
run_cli introspect cc
[[ $s_rc == 0 && $rc == 0 && "$(json_get active <<<"$out")" == true && -n "$(json_get exp <<<"$out")" ]]
check "(h) introspect cc: the access token is active, with its expiry" $? "set $s_rc, introspect $rc" "$out" "$err"

run_cli revoke cc
r_rc=$rc r_out="$out"
answer="$(introspect "$cc_access")"
[[ $r_rc == 0 && "$r_out" == *"Signed out of"* && "$(json_get active <<<"$answer")" == false ]]
check "(h) revoke cc: exit 0, and the provider says the access token is no longer active" $? \
	"exit $r_rc" "$r_out" "$answer"

run_cli introspect cc
[[ $rc == 1 && "$err" == *"No access token is stored"* ]]
check "(h) the revoked access token is forgotten: introspect cc says none is stored (exit 1)" $? "exit $rc" "$err"

# ---- the end ----------------------------------------------------------------------------------
total=$(($(now_ms) - started_ns / 1000000))
echo "# timings: server start ${t_server} ms; refreshes ${refresh_ms[*]} ms; whole script ${total} ms"
echo "# server events: $(grep -c '^EVENT' "$work/server.err") ($(server_events 'grant.success') successes, $(server_events 'grant.error') errors)"
if ((n != PLAN)); then
	echo "# ran $n tests, planned $PLAN"
	failures=$((failures + 1))
fi
((failures == 0))
