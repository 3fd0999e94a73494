#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/e2e/test-sign-in.sh: bearer-cli signs in from zero against a real
# OpenID Provider (oidc-provider, tests/e2e/oidc-server.mjs) on 127.0.0.1.
# Prints TAP.
#
#   BEARER_CLI=build/src/cli/bearer-cli tools/test-session bash tests/e2e/test-sign-in.sh
#
# The browser is tests/e2e/browser.mjs, registered as this session's
# default web browser (a desktop entry for x-scheme-handler/http and https
# in the script's own XDG_DATA_HOME, and mimeapps.list in its
# XDG_CONFIG_HOME), so `bearer-cli login` opens it through its real launch
# path, g_app_info_launch_default_for_uri(). It follows the authorization
# URL through the provider's login and consent pages, then to Bearer's
# loopback redirect.
#
# Checked: discovery (--issuer), the authorization code with PKCE over an
# ephemeral loopback port (public client) and over a fixed registered one
# (confidential client), --no-browser (the URL alone on its line), the
# device grant (its addresses and code each alone on a line), a refused
# device code (exit 4), a refresh after each sign-in, and once the same
# browser sign-in with Debian's Chromium, headless, as the default browser
# (chromium-browser.mjs, puppeteer-core).
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PLAN=24

. "$here/lib.sh"
e2e_require_base
[[ -n "$missing" ]] || command -v gio >/dev/null 2>&1 || missing="gio (libglib2.0-bin) is not installed"
CHROMIUM="${BEARER_TEST_CHROMIUM:-/usr/bin/chromium}"
[[ -n "$missing" || -x "$CHROMIUM" ]] || missing="Debian's chromium is not installed ($CHROMIUM)"
[[ -n "$missing" || -f "$here/node_modules/puppeteer-core/package.json" ]] ||
	missing="puppeteer-core is missing from tests/e2e/node_modules (run: npm ci --prefix tests/e2e)"
e2e_prerequisites_done
e2e_start bearer-sign-in data/applications
cli_env+=(
	XDG_CURRENT_DESKTOP=
	BEARER_TEST_BROWSER_LOG="$work/browser.log"
)

# start_cli ARGS...: bearer-cli in the background; its stderr in $work/bg.err.
start_cli() {
	: >"$work/bg.err"
	env "${cli_env[@]}" timeout 60 "$BEARER_CLI" "$@" </dev/null >"$work/bg.out" 2>"$work/bg.err" &
	bg_pid=$!
}
finish_cli() {
	wait "$bg_pid"
	rc=$?
	out="$(cat "$work/bg.out")"
	err="$(cat "$work/bg.err")"
}
# wait_line REGEX: until a line of bearer-cli's stderr matches (20 s at most).
wait_line() {
	local i
	for ((i = 0; i < 400; i++)); do
		grep -Eq "$1" "$work/bg.err" 2>/dev/null && return 0
		kill -0 "$bg_pid" 2>/dev/null || break
		sleep 0.05
	done
	grep -Eq "$1" "$work/bg.err" 2>/dev/null
}
introspect() {
	printf 'user = "bearer-e2e:%s"\ndata-urlencode = "token=%s"\nsilent\nmax-time = 30\n' "$E2E_SECRET_FORM" "$1" |
		curl -K - "$ISSUER/token/introspection"
}
server_events() { grep -c "^EVENT $1" "$work/server.err"; }
# profile_member NAME MEMBER: a member of a profile in profiles.json.
profile_member() {
	node -e '
		const fs = require("fs");
		const file = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
		const p = file.profiles.find((x) => x.name === process.argv[2]) ?? {};
		process.stdout.write(String(p[process.argv[3]] ?? ""));' \
		"$work/config/bearer/profiles.json" "$1" "$2"
}
browser_done() {
	local count
	count="$(grep -c '^DONE ' "$work/browser.log" 2>/dev/null)"
	echo "${count:-0}"
}
# wait_browser_done N: the launched browser logs its last page a moment after
# bearer-cli, which only waits until the page was sent, has ended (20 s at most).
wait_browser_done() {
	local i
	for ((i = 0; i < 400; i++)); do
		(($(browser_done) >= $1)) && return 0
		sleep 0.05
	done
	return 1
}

E2E_SECRET='s3cr:et%+ x'
E2E_SECRET_FORM="$(form_encode "$E2E_SECRET")"
SCOPE='openid api:read'

# ---- the server, with a fixed registered redirect on a free port -----------------
FIXED_PORT="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => {
	process.stdout.write(String(s.address().port)); s.close(); });')"
t0=$(now_ms)
(
	cd "$here" &&
		BEARER_E2E_SECRET="$E2E_SECRET" BEARER_E2E_FIXED_PORT="$FIXED_PORT" exec node oidc-server.mjs
) </dev/null >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for ((i = 0; i < 300; i++)); do
	grep -q '^READY$' "$work/server.out" 2>/dev/null && break
	kill -0 "$server_pid" 2>/dev/null || break
	sleep 0.05
done
ISSUER="$(sed -n '1s/^ISSUER //p' "$work/server.out")"
t_server=$(($(now_ms) - t0))
if [[ "$ISSUER" =~ ^http://127\.0\.0\.1:[0-9]+$ ]]; then
	ok "oidc-provider started: $ISSUER, fixed redirect port $FIXED_PORT, in ${t_server} ms"
else
	not_ok "oidc-provider started" "$(cat "$work/server.out" "$work/server.err")"
	bail "the OpenID Provider did not start"
fi

# ---- the scripted browser as the default web browser ---------------------------------
# default_browser SCRIPT: the desktop entry the session opens web addresses with.
default_browser() {
	cat >"$work/data/applications/bearer-test-browser.desktop" <<DESKTOP
[Desktop Entry]
Type=Application
Name=Bearer Test Browser
Exec=$(command -v node) $here/$1 %u
MimeType=x-scheme-handler/http;x-scheme-handler/https;
NoDisplay=true
DESKTOP
}
default_browser browser.mjs
cat >"$work/config/mimeapps.list" <<MIME
[Default Applications]
x-scheme-handler/http=bearer-test-browser.desktop
x-scheme-handler/https=bearer-test-browser.desktop
MIME
default="$(env "${cli_env[@]}" gio mime x-scheme-handler/http 2>&1)"
[[ "$default" == *"Default application for “x-scheme-handler/http”: bearer-test-browser.desktop"* ||
	"$default" == *"bearer-test-browser.desktop"* ]]
check "the scripted browser is the session's default web browser (gio mime x-scheme-handler/http)" $? "$default"

# ---- discovery ----------------------------------------------------------------------
profiles+=(pub)
run_cli add pub --issuer "$ISSUER" --client-id bearer-native --auth none --scope "$SCOPE"
problems=()
((rc == 0)) || problems+=("exit $rc: $err")
for pair in "token_url=$ISSUER/token" "authorization_url=$ISSUER/auth" \
	"device_authorization_url=$ISSUER/device/auth" "revocation_url=$ISSUER/token/revocation" \
	"introspection_url=$ISSUER/token/introspection" "issuer=$ISSUER" "grant_type=authorization_code" \
	"pkce_method=s256"; do
	value="$(profile_member pub "${pair%%=*}")"
	[[ "$value" == "${pair#*=}" ]] || problems+=("${pair%%=*} is '$value', not '${pair#*=}'")
done
[[ "$err" != *Warning* ]] || problems+=("discovery warned: $err")
if ((${#problems[@]} == 0)); then ok "add --issuer: discovery filled the token, authorization, device, revocation and introspection endpoints"
else not_ok "add --issuer (discovery)" "${problems[@]}"; fi

# ---- the authorization code, public client, ephemeral port, the default browser -----------
t0=$(now_ms)
run_cli login pub
t_login_pub=$(($(now_ms) - t0))
wait_browser_done 1
url_line="$(grep -E '^http://127\.0\.0\.1:[0-9]+/auth\?' <<<"$err")"
[[ $rc == 0 && "$out" == *"Signed in to “pub”"* && "$(browser_done)" == 1 ]] &&
	grep -q '^DONE 200 Signed In' "$work/browser.log"
check "login pub: the default browser signed in through oidc-provider's pages, Bearer's page says so, exit 0 (${t_login_pub} ms)" $? \
	"exit $rc" "$out" "$err" "$(cat "$work/browser.log" 2>/dev/null)"

redirect="$(node -e 'process.stdout.write(new URL(process.argv[1]).searchParams.get("redirect_uri") ?? "")' "$url_line")"
method="$(node -e 'process.stdout.write(new URL(process.argv[1]).searchParams.get("code_challenge_method") ?? "")' "$url_line")"
[[ "$redirect" =~ ^http://127\.0\.0\.1:[0-9]+/callback$ && "$method" == S256 && "$redirect" != *":$FIXED_PORT/"* ]]
check "login pub: the authorization URL (alone on its line) asks for PKCE S256 and an ephemeral loopback redirect" $? \
	"redirect_uri: $redirect, code_challenge_method: $method" "$err"

run_cli token pub --json
token="$(json_get access_token <<<"$out")"
answer="$(introspect "$token")"
[[ $rc == 0 && "$(json_get active <<<"$answer")" == true && "$(json_get client_id <<<"$answer")" == bearer-native &&
	"$(json_get sub <<<"$answer")" == e2e-user && "$(json_get refreshed <<<"$out")" == false ]]
check "token pub: the stored access token is active at the provider, for bearer-native and e2e-user" $? \
	"exit $rc" "$err" "$answer"

before=$(server_events 'grant.success refresh_token')
run_cli refresh pub
after=$(server_events 'grant.success refresh_token')
[[ $rc == 0 && "$out" == *"the refresh token rotated and the new one is stored"* && $after == $((before + 1)) ]]
check "refresh pub: the signed-in profile refreshes with its refresh token (rotated)" $? "exit $rc" "$out" "$err"

# ---- the confidential client, a fixed registered redirect ----------------------------------
profiles+=(conf)
run_cli add conf --grant authorization_code --authorize-url "$ISSUER/auth" --token-url "$ISSUER/token" \
	--client-id bearer-e2e --auth basic --redirect-uri "http://127.0.0.1:$FIXED_PORT/fixed" --scope "$SCOPE"
a_rc=$rc
with_stdin "$E2E_SECRET"
run_cli set-secret conf client-secret
s_rc=$rc
t0=$(now_ms)
run_cli login conf
t_login_conf=$(($(now_ms) - t0))
wait_browser_done 2
[[ $a_rc == 0 && $s_rc == 0 && $rc == 0 && "$(browser_done)" == 2 ]] &&
	grep -q "^GET http://127.0.0.1:$FIXED_PORT/fixed -> 200" "$work/browser.log" &&
	grep -q "redirect_uri=http%3A%2F%2F127.0.0.1%3A$FIXED_PORT%2Ffixed&" <<<"$err"
check "login conf: a confidential client (client_secret_basic) over the fixed registered redirect :$FIXED_PORT/fixed, exit 0 (${t_login_conf} ms)" $? \
	"add $a_rc, set-secret $s_rc, login $rc" "$err" "$(cat "$work/browser.log")"

run_cli refresh conf
[[ $rc == 0 && "$out" == *"rotated"* ]]
check "refresh conf: the confidential profile refreshes" $? "exit $rc" "$out" "$err"

# ---- --no-browser: the URL alone on its line, nothing launched -------------------------------
done_before="$(browser_done)"
t0=$(now_ms)
start_cli login pub --no-browser --timeout 30
wait_line '^http://127\.0\.0\.1:[0-9]+/auth\?'
url_line="$(grep -E '^http://127\.0\.0\.1:[0-9]+/auth\?' "$work/bg.err")"
[[ -n "$url_line" && "$url_line" != *" "* && "$(browser_done)" == "$done_before" ]]
check "login --no-browser: the authorization URL stands alone on its own line of stderr, no browser started" $? \
	"$(cat "$work/bg.err")"
BEARER_TEST_BROWSER_LOG="$work/browser.log" node "$here/browser.mjs" "$url_line"
finish_cli
t_login_nb=$(($(now_ms) - t0))
[[ $rc == 0 && "$out" == *"Signed in to “pub”"* ]]
check "login --no-browser: the address opened elsewhere comes back to the loopback redirect, exit 0 (${t_login_nb} ms)" $? \
	"exit $rc" "$out" "$err"

# The browser never comes back: a time-out, exit 3.
t0=$(now_ms)
run_cli login pub --no-browser --timeout 1
t_timeout=$(($(now_ms) - t0))
[[ $rc == 3 && "$err" == *"did not come back within 1 second"* ]]
check "login --timeout 1 with nobody at the browser: exit 3, the time-out said in words (${t_timeout} ms)" $? \
	"exit $rc" "$err"

# ---- the device grant ----------------------------------------------------------------------
profiles+=(dev)
run_cli add dev --grant device_code --device-authorization-url "$ISSUER/device/auth" --token-url "$ISSUER/token" \
	--client-id bearer-native --auth none --scope "$SCOPE"
check "add dev --grant device_code" $rc "exit $rc" "$err"

t0=$(now_ms)
start_cli login dev --no-browser
wait_line '^[A-Z]{4}-[A-Z]{4}$'
uri_line="$(grep -xF "$ISSUER/device" "$work/bg.err")"
complete_line="$(grep -E "^$ISSUER/device\?user_code=[A-Z]{4}-[A-Z]{4}$" "$work/bg.err")"
code_line="$(grep -E '^[A-Z]{4}-[A-Z]{4}$' "$work/bg.err")"
[[ -n "$uri_line" && -n "$complete_line" && -n "$code_line" && "$complete_line" == *"$code_line" ]]
check "login dev: the verification URI, verification_uri_complete and the user code each stand alone on a line" $? \
	"$(cat "$work/bg.err")"
BEARER_TEST_BROWSER_LOG="$work/browser.log" node "$here/browser.mjs" "$complete_line"
finish_cli
t_login_dev=$(($(now_ms) - t0))
[[ $rc == 0 && "$out" == *"Signed in to “dev”"* ]]
check "login dev: approved in the browser, the poll brings the tokens, exit 0 (${t_login_dev} ms, one 5 s interval)" $? \
	"exit $rc" "$out" "$err"

run_cli token dev --json
answer="$(introspect "$(json_get access_token <<<"$out")")"
[[ $rc == 0 && "$(json_get active <<<"$answer")" == true && "$(json_get client_id <<<"$answer")" == bearer-native ]]
check "token dev: the device grant's access token is active at the provider" $? "exit $rc" "$err" "$answer"

run_cli refresh dev
[[ $rc == 0 && "$out" == *"rotated"* ]]
check "refresh dev: the device-grant profile refreshes with its refresh token" $? "exit $rc" "$out" "$err"

# The default browser opens verification_uri_complete; the user aborts there.
t0=$(now_ms)
cli_env+=(BEARER_TEST_BROWSER_ABORT=1)
run_cli login dev
unset 'cli_env[${#cli_env[@]}-1]'
t_denied=$(($(now_ms) - t0))
[[ $rc == 4 && "$err" == *access_denied* ]]
check "login dev, aborted in the default browser: exit 4, access_denied (${t_denied} ms)" $? "exit $rc" "$err" \
	"$(tail -5 "$work/browser.log")"

run_cli token dev --json
[[ $rc == 0 && -n "$(json_get access_token <<<"$out")" ]]
check "a refused sign-in loses nothing: the earlier tokens of dev are still there" $? "exit $rc" "$err"

# ---- a real browser: Debian's Chromium, headless, as the default browser -------------------
default_browser chromium-browser.mjs
: >"$work/browser.log"
t0=$(now_ms)
run_cli login pub
t_chromium=$(($(now_ms) - t0))
wait_browser_done 1
[[ $rc == 0 && "$out" == *"Signed in to “pub”"* ]] && grep -q '^DONE Signed In Signed in to “pub”' "$work/browser.log"
check "login pub with headless Chromium as the default browser: its login and consent pages, then Bearer's page; exit 0 (${t_chromium} ms)" $? \
	"exit $rc" "$out" "$err" "$(cat "$work/browser.log")"
chromium_version="$(sed -n 's/^CHROMIUM \(Chrome\/[0-9.]*\).*/\1/p' "$work/browser.log")"

run_cli refresh pub
[[ $rc == 0 && "$out" == *"rotated"* ]]
check "refresh pub after the Chromium sign-in" $? "exit $rc" "$out" "$err"

# ---- what the provider saw -----------------------------------------------------------------
codes=$(server_events 'grant.success authorization_code')
devices=$(server_events 'grant.success urn:ietf:params:oauth:grant-type:device_code')
code_errors=$(server_events 'grant.error authorization_code')
((codes == 4 && devices == 1 && code_errors == 0))
check "the provider exchanged 4 authorization codes (none refused) and 1 device code" $? \
	"codes $codes, device codes $devices, code errors $code_errors" "$(grep '^EVENT' "$work/server.err")"

# A sign-in's secrets never reach a file: profiles.json holds no token.
! grep -Eq 'access_token|refresh_token|client_secret' "$work/config/bearer/profiles.json"
check "profiles.json holds no token and no secret after the sign-ins" $? "$(cat "$work/config/bearer/profiles.json")"

[[ "$(ls -A "$work/runtime/bearer/pending" 2>/dev/null)" == "" ]]
check "nothing was kept aside: every sign-in's tokens went to the keyring" $? "$(ls -la "$work/runtime/bearer/pending" 2>&1)"

total=$(($(now_ms) - started_ns / 1000000))
echo "# timings: server ${t_server} ms; login pub ${t_login_pub} ms; login conf ${t_login_conf} ms;" \
	"login --no-browser ${t_login_nb} ms; device ${t_login_dev} ms; denied ${t_denied} ms;" \
	"Chromium (${chromium_version:-?}) ${t_chromium} ms; whole script ${total} ms"
if ((n != PLAN)); then
	echo "# ran $n tests, planned $PLAN"
	failures=$((failures + 1))
fi
((failures == 0))
