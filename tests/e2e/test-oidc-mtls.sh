#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/e2e/test-oidc-mtls.sh: bearer-cli with a client certificate (RFC 8705)
# against a real OpenID Provider (oidc-provider with its mTLS feature,
# tests/e2e/oidc-mtls-server.mjs) on 127.0.0.1. Prints TAP.
#
#   BEARER_CLI=build/src/cli/bearer-cli tools/test-session bash tests/e2e/test-oidc-mtls.sh
#
# tls_client_auth (a certificate issued by a CA) and
# self_signed_tls_client_auth (a registered self-signed certificate), each
# for the client credentials grant and the refresh grant (twice: the
# provider rotates refresh tokens); the access tokens are bound to the
# certificate (the provider's introspection shows cnf.x5t#S256), and a
# certificate the client does not own is refused in words.
#
# The certificates and keys are made here with openssl, in a private
# temporary directory removed at the end. The keys reach bearer-cli on
# standard input only (set-secret NAME client-key), never in argv.
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PLAN=11

. "$here/lib.sh"
e2e_require_base
[[ -n "$missing" ]] || command -v openssl >/dev/null 2>&1 || missing="openssl is not installed"
e2e_prerequisites_done
e2e_start bearer-e2e-mtls certs

# thumbprint CERT: base64url SHA-256 of its DER (RFC 8705 §3.1 x5t#S256).
thumbprint() {
	openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=\n'
}
# introspect CLIENT CERT KEY TOKEN: the provider's answer, the client
# authenticated by its certificate; the token goes to curl on stdin.
introspect() {
	printf 'data = "client_id=%s"\ndata-urlencode = "token=%s"\nsilent\nmax-time = 30\n' "$1" "$4" |
		curl -K - --cacert "$certs/server.pem" --cert "$2" --key "$3" "$ISSUER/token/introspection"
}

# ---- 0. the certificates ---------------------------------------------------------
certs="$work/certs"
(
	cd "$certs" &&
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
			-addext subjectAltName=IP:127.0.0.1 -keyout server.key -out server.pem &&
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Bearer E2E CA" \
			-keyout ca.key -out ca.pem &&
		openssl req -newkey rsa:2048 -nodes -subj /CN=bearer-mtls -keyout a.key -out a.csr &&
		openssl x509 -req -in a.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out a.pem &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
			-subj /CN=bearer-mtls-self -keyout b.key -out b.pem
) >"$work/openssl.log" 2>&1 || bail "openssl could not make the certificates: $(cat "$work/openssl.log")"

# ---- 1. the server ---------------------------------------------------------------
(cd "$here" && BEARER_MTLS_DIR="$certs" exec node oidc-mtls-server.mjs) \
	</dev/null >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for ((i = 0; i < 300; i++)); do
	grep -q '^READY$' "$work/server.out" 2>/dev/null && break
	kill -0 "$server_pid" 2>/dev/null || break
	sleep 0.05
done
ISSUER="$(sed -n '1s/^ISSUER //p' "$work/server.out")"
REFRESH_TLS="$(sed -n 's/^REFRESH_TLS //p' "$work/server.out")"
REFRESH_SELF="$(sed -n 's/^REFRESH_SELF //p' "$work/server.out")"
if [[ "$ISSUER" =~ ^https://127\.0\.0\.1:[0-9]+$ && -n "$REFRESH_TLS" && -n "$REFRESH_SELF" ]]; then
	ok "oidc-provider with mTLS started: $ISSUER"
else
	not_ok "oidc-provider with mTLS started" "$(cat "$work/server.out" "$work/server.err")"
	bail "the OpenID Provider did not start"
fi

# ---- 2. each mode, each grant -------------------------------------------------------
# mode MODE CLIENT CERT KEY REFRESH: client credentials, then the refresh grant
# twice (rotation), with bearer-cli; the access token is bound to CERT.
mode() {
	local auth="$1" client="$2" cert="$3" key="$4" refresh="$5"
	local cc="$client-cc" rt="$client-rt" token first answer
	local expected
	expected="$(thumbprint "$cert")"

	run_cli add "$cc" --token-url "$ISSUER/token" --client-id "$client" --grant client_credentials \
		--auth "$auth" --client-cert "$cert" --ca-file "$certs/server.pem"
	[[ $rc == 0 ]] && profiles+=("$cc")
	from_file "$key"
	run_cli set-secret "$cc" client-key
	local stored=$rc
	run_cli token "$cc"
	token="$out"
	answer="$(introspect "$client" "$cert" "$key" "$token")"
	[[ $stored == 0 && $rc == 0 && -n "$token" && "$(json_get active <<<"$answer")" == true &&
		"$(json_get 'cnf.x5t#S256' <<<"$answer")" == "$expected" ]]
	check "$auth: client credentials, the access token bound to the certificate" $? \
		"token: rc=$rc $err" "introspection: $answer" "expected x5t#S256 $expected"

	run_cli add "$rt" --token-url "$ISSUER/token" --client-id "$client" --grant refresh_token \
		--auth "$auth" --client-cert "$cert" --ca-file "$certs/server.pem"
	[[ $rc == 0 ]] && profiles+=("$rt")
	from_file "$key"
	run_cli set-secret "$rt" client-key
	with_stdin "$refresh"
	run_cli set-secret "$rt" refresh-token
	local before
	before="$(grep -c "^EVENT grant.success refresh_token" "$work/server.err")"
	run_cli refresh "$rt"
	local first_rc=$rc first_err="$err"
	run_cli token "$rt"
	first="$out"
	run_cli refresh "$rt"
	local second_rc=$rc second_err="$err"
	run_cli token "$rt"
	answer="$(introspect "$client" "$cert" "$key" "$out")"
	[[ $first_rc == 0 && $second_rc == 0 && -n "$first" && "$out" != "$first" &&
		"$(json_get 'cnf.x5t#S256' <<<"$answer")" == "$expected" ]]
	check "$auth: the refresh grant twice (the refresh token rotates), certificate-bound" $? \
		"first: rc=$first_rc $first_err" "second: rc=$second_rc $second_err" "introspection: $answer"
	[[ "$(grep -c "^EVENT grant.success refresh_token" "$work/server.err")" == $((before + 2)) ]]
	check "$auth: the provider saw both refreshes succeed" $? "$(grep EVENT "$work/server.err")"
}

mode tls bearer-mtls "$certs/a.pem" "$certs/a.key" "$REFRESH_TLS"
mode self-signed-tls bearer-mtls-self "$certs/b.pem" "$certs/b.key" "$REFRESH_SELF"

# ---- 3. refusals -------------------------------------------------------------------
# The self-signed certificate for the client whose certificate a CA issues.
run_cli add wrong --token-url "$ISSUER/token" --client-id bearer-mtls --grant client_credentials \
	--auth tls --client-cert "$certs/b.pem" --ca-file "$certs/server.pem"
[[ $rc == 0 ]] && profiles+=(wrong)
from_file "$certs/b.key"
run_cli set-secret wrong client-key
run_cli token wrong
[[ $rc == 3 && "$err" == *invalid_client* ]]
check "a certificate the client does not own: invalid_client, said in words" $? "rc=$rc $err"

# A key that is not the certificate's is refused before it is stored.
from_file "$certs/a.key"
run_cli set-secret wrong client-key
[[ $rc == 2 && "$err" == *"not the key of the certificate"* ]]
check "a key that is not the certificate's is not stored" $? "rc=$rc $err"

# No client certificate at all: the provider refuses the client.
run_cli add none --token-url "$ISSUER/token" --client-id bearer-mtls --grant client_credentials \
	--auth none --ca-file "$certs/server.pem"
[[ $rc == 0 ]] && profiles+=(none)
run_cli token none
[[ $rc == 3 && "$err" == *invalid_client* ]]
check "without a certificate: invalid_client" $? "rc=$rc $err"

# ---- 4. no key anywhere -----------------------------------------------------------------
key_line="$(sed -n 2p "$certs/a.key")"
self_line="$(sed -n 2p "$certs/b.key")"
leaks="$(grep -rlF -e "$key_line" -e "$self_line" "$work/config" "$work/data" "$work/cache" "$work/runtime" \
	"$work/out" "$work/err" 2>/dev/null)"
[[ -z "$leaks" ]]
check "no private key in the profiles, the runtime files or the output" $? "$leaks"

if ((n != PLAN)); then
	echo "# planned $PLAN tests, ran $n"
	exit 1
fi
((failures == 0))
