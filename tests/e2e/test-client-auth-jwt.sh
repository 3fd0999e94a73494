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

# ---- prerequisites -----------------------------------------------------------
missing=""
command -v node >/dev/null 2>&1 || missing="node is not installed"
[[ -n "$missing" || -f "$here/node_modules/oidc-provider/package.json" ]] ||
	missing="tests/e2e/node_modules is missing (run: npm ci --prefix tests/e2e --no-audit --no-fund)"
[[ -n "$missing" ]] || command -v curl >/dev/null 2>&1 || missing="curl is not installed"
[[ -n "$missing" || (-n "${BEARER_CLI:-}" && -x "${BEARER_CLI:-}") ]] ||
	missing="BEARER_CLI does not name the built bearer-cli (run through meson test or tools/test)"
if [[ -z "$missing" && -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]]; then
	if [[ -n "${XDG_RUNTIME_DIR:-}" && -S "${XDG_RUNTIME_DIR}/bus" ]]; then
		# The bus is found through XDG_RUNTIME_DIR, which is replaced below.
		export DBUS_SESSION_BUS_ADDRESS="unix:path=${XDG_RUNTIME_DIR}/bus"
	else
		missing="no D-Bus session bus, so no secret service (run tools/test)"
	fi
fi
# The secret service: owned, or at least activatable, on the session bus.
if [[ -z "$missing" ]] && command -v gdbus >/dev/null 2>&1; then
	dbus_call() {
		gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
			--method "org.freedesktop.DBus.$1" "${@:2}" 2>/dev/null
	}
	if [[ "$(dbus_call NameHasOwner org.freedesktop.secrets)" != "(true,)" &&
		"$(dbus_call ListActivatableNames)" != *"'org.freedesktop.secrets'"* ]]; then
		missing="no secret service (org.freedesktop.secrets) on the session bus (run tools/test)"
	fi
fi
if [[ -n "$missing" ]]; then
	if [[ -z "${BEARER_TEST_SESSION:-}" ]]; then
		echo "1..0 # SKIP $missing"
		exit 0
	fi
	echo "1..1"
	echo "not ok 1 - prerequisites: $missing (BEARER_TEST_SESSION is set, so this is a failure)"
	exit 1
fi

# ---- state and clean-up --------------------------------------------------------
started_ns=$(date +%s%N)
work="$(mktemp -d "${TMPDIR:-/tmp}/bearer-e2e.XXXXXXXX")"
chmod 0700 "$work"
mkdir -p "$work"/{config,data,cache,runtime}
chmod 0700 "$work/runtime"
server_pid=""
profiles=()

cli_env=(
	XDG_CONFIG_HOME="$work/config"
	XDG_DATA_HOME="$work/data"
	XDG_CACHE_HOME="$work/cache"
	XDG_RUNTIME_DIR="$work/runtime"
)

cleanup() {
	local name i
	trap - EXIT INT TERM HUP
	for name in "${profiles[@]}"; do
		env "${cli_env[@]}" timeout 60 "$BEARER_CLI" remove "$name" >/dev/null 2>&1 ||
			echo "# could not remove the profile $name and its keyring item" >&2
	done
	if [[ -n "$server_pid" ]]; then
		kill -TERM "$server_pid" 2>/dev/null
		for ((i = 0; i < 50; i++)); do
			kill -0 "$server_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$server_pid" 2>/dev/null
		wait "$server_pid" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---- TAP -----------------------------------------------------------------------
n=0
failures=0
echo "1..$PLAN"

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1))
	failures=$((failures + 1))
	echo "not ok $n - $1"
	shift
	local line
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/#   /'
	done
}
# check DESCRIPTION CONDITION-STATUS [DIAGNOSTIC...]
check() {
	local what="$1" status="$2"
	shift 2
	if [[ "$status" == 0 ]]; then ok "$what"; else not_ok "$what" "$@"; fi
}
bail() {
	echo "Bail out! $*"
	exit 1
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# run_cli NAME [ARGS...]: bearer-cli in our own XDG directories; standard
# input from $cli_stdin (a file, or /dev/null). Sets rc, out, err.
cli_stdin=/dev/null
run_cli() {
	env "${cli_env[@]}" timeout 60 "$BEARER_CLI" "$@" <"$cli_stdin" >"$work/out" 2>"$work/err"
	rc=$?
	out="$(cat "$work/out")"
	err="$(cat "$work/err")"
	cli_stdin=/dev/null
}
# with_stdin VALUE: the next run_cli reads VALUE (no line break) on stdin.
with_stdin() {
	printf %s "$1" >"$work/stdin"
	cli_stdin="$work/stdin"
}
# from_file FILE: the next run_cli reads FILE on stdin.
from_file() { cli_stdin="$1"; }
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
