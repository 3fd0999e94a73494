#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# bench/refresh-vs-curl.sh [-n N] [--cli PATH] [--agent PATH]
#
# How much does bearer-cli cost over a bare curl for one refresh, and for a
# token it already has?
#
# Against a local token server (bench/token-server.py, 127.0.0.1 only) that
# rotates refresh tokens like ProcessMaker (every refresh answers a new
# access token and a new refresh token; the old refresh token dies), it
# times, in one run, N samples (default 30) of each of:
#
#   refresh/agent   `bearer-cli refresh NAME` through the token agent: a
#                   forced refresh (lock, keyring read, the POST, keyring
#                   write) done by bearer-agent, which keeps libsecret's
#                   session open;
#   refresh/direct  the same with BEARER_NO_AGENT=1: bearer-cli does it all;
#   curl            the same POST by curl, given the current refresh token
#                   each time (the seed's cURL example);
#   python          the seed's Python `requests` script (bench/seed-refresh.py)
#                   under /usr/bin/python3, skipped when `requests` cannot
#                   be imported (Debian: python3-requests);
#   token/agent     `bearer-cli token NAME` with a valid token, through the
#                   agent (from its memory);
#   token/direct    the same with BEARER_NO_AGENT=1 (profiles, one keyring
#                   read).
#
# Each sample is one whole process, start-up included, timed with bash's
# $EPOCHREALTIME (no process of its own); all are interleaved so that drift
# hits all alike, after 3 untimed warm-up rounds. hyperfine is not used:
# every curl run needs the refresh token the previous one received. It
# prints the median, minimum and maximum of each in ms, and the ratios of
# the medians to curl's, against the targets: token/agent <= 0.5,
# refresh/agent <= 1.5.
#
# It runs inside tools/test-session (a private D-Bus session with an
# unlocked throw-away gnome-keyring), where the built bearer-agent is made
# D-Bus activatable and given the benchmark's directories; it never touches
# your profiles or your session's agent.
#
# Options:
#   -n N          samples per contestant (default 30, at most 1000)
#   --cli PATH    bearer-cli to measure (default: $BEARER_CLI, else
#                 build/src/cli/bearer-cli of this checkout)
#   --agent PATH  bearer-agent to activate (default: $BEARER_AGENT, else
#                 build/src/agent/bearer-agent of this checkout)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

usage() { awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "${BASH_SOURCE[0]}"; }

n="${BENCH_N:-30}"
cli="${BEARER_CLI:-$repo/build/src/cli/bearer-cli}"
agent="${BEARER_AGENT:-$repo/build/src/agent/bearer-agent}"
args=("$@")
while (($#)); do
	case "$1" in
		-n) n="$2"; shift ;;
		--cli) cli="$2"; shift ;;
		--agent) agent="$2"; shift ;;
		-h|--help) usage; exit 0 ;;
		*) echo "refresh-vs-curl: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
if ! [[ "$n" =~ ^[0-9]+$ ]] || ((n < 1 || n > 1000)); then
	echo "refresh-vs-curl: -n takes a number from 1 to 1000" >&2
	exit 2
fi
cli="$(realpath "$cli" 2>/dev/null || echo "$cli")"
agent="$(realpath "$agent" 2>/dev/null || echo "$agent")"
if [[ ! -x "$cli" ]]; then
	echo "refresh-vs-curl: no bearer-cli at '$cli' (build first, or give --cli PATH)" >&2
	exit 1
fi
if [[ ! -x "$agent" ]]; then
	echo "refresh-vs-curl: no bearer-agent at '$agent' (build first, or give --agent PATH)" >&2
	exit 1
fi
for cmd in curl /usr/bin/python3 gdbus; do
	command -v "$cmd" >/dev/null 2>&1 || { echo "refresh-vs-curl: '$cmd' is needed" >&2; exit 1; }
done

# ---- a keyring ------------------------------------------------------------
has_keyring() {
	[[ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]] &&
		gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
			--method org.freedesktop.DBus.NameHasOwner org.freedesktop.secrets 2>/dev/null |
		grep -q true
}
if [[ -z "${BEARER_BENCH_IN_SESSION:-}" || -z "${BEARER_SESSION_DIR:-}" ]]; then
	if [[ -x "$repo/tools/test-session" ]]; then
		echo "refresh-vs-curl: running inside tools/test-session" >&2
		exec "$repo/tools/test-session" env BEARER_BENCH_IN_SESSION=1 BEARER_CLI="$cli" \
			BEARER_AGENT="$agent" bash "${BASH_SOURCE[0]}" "${args[@]}"
	fi
	echo "refresh-vs-curl: tools/test-session is missing" >&2
	exit 1
fi
if ! has_keyring; then
	echo "refresh-vs-curl: no Secret Service on the session bus" >&2
	exit 1
fi

# ---- set-up ---------------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/bearer-bench.XXXXXXXX")"
server_pid=""
profile_added=0
cleanup() {
	local rc=$?
	set +e
	if ((profile_added)); then
		"$cli" remove bench >/dev/null 2>&1 || echo "refresh-vs-curl: could not remove the profile 'bench'" >&2
	fi
	if [[ -n "$server_pid" ]]; then
		kill "$server_pid" 2>/dev/null
		wait "$server_pid" 2>/dev/null
	fi
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export XDG_CONFIG_HOME="$work/config"
mkdir -p "$XDG_CONFIG_HOME"
if [[ -z "${XDG_RUNTIME_DIR:-}" ]]; then
	export XDG_RUNTIME_DIR="$work/runtime"
	mkdir -p "$XDG_RUNTIME_DIR"
	chmod 0700 "$XDG_RUNTIME_DIR"
fi
unset G_MESSAGES_DEBUG BEARER_NO_AGENT

# The built agent, activatable on the session's private bus (its service
# directory), with the benchmark's directories.
agent_name="$("$cli" --agent-name 2>/dev/null || true)"
[[ -n "$agent_name" ]] || agent_name=io.github.bearerapp.Bearer.Devel.Agent
printf '[D-BUS Service]\nName=%s\nExec=%s\n' "$agent_name" "$agent" \
	>"$BEARER_SESSION_DIR/dbus-services/$agent_name.service"
gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
	--method org.freedesktop.DBus.UpdateActivationEnvironment \
	"{'XDG_CONFIG_HOME': '$XDG_CONFIG_HOME', 'XDG_RUNTIME_DIR': '$XDG_RUNTIME_DIR'}" >/dev/null

client_id=3
client_secret="bench-client-secret"
/usr/bin/python3 "$here/token-server.py" --client-id "$client_id" --client-secret "$client_secret" \
	--max-seconds 1800 >"$work/port" 2>"$work/server.log" &
server_pid=$!
for ((i = 0; i < 100; i++)); do
	[[ -s "$work/port" ]] && break
	kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
	sleep 0.05
done
port="$(head -n1 "$work/port")"
[[ "$port" =~ ^[0-9]+$ ]] || { echo "refresh-vs-curl: the token server did not start" >&2; exit 1; }
base="http://127.0.0.1:$port"
token_url="$base/oauth/token"

seed() {
	curl -sS -X POST "$base/bench/seed" | sed -n 's/.*"refresh_token": *"\([^"]*\)".*/\1/p'
}
# The refresh token in a token reply (read outside the timed part).
refresh_token_of() {
	sed -n 's/.*"refresh_token": *"\([^"]*\)".*/\1/p' "$1"
}

"$cli" add bench --token-url "$token_url" --client-id "$client_id" --auth post >/dev/null
profile_added=1
printf '%s\n' "$client_secret" | "$cli" set-secret bench client-secret >/dev/null
seed | "$cli" set-secret bench refresh-token >/dev/null

curl_rt="$(seed)"
py_rt="$(seed)"
have_python=0
if /usr/bin/python3 -c 'import requests' 2>/dev/null; then
	have_python=1
fi

run_refresh_agent() {
	"$cli" refresh bench >/dev/null
}
run_refresh_direct() {
	BEARER_NO_AGENT=1 "$cli" refresh bench >/dev/null
}
run_token_agent() {
	"$cli" token bench >/dev/null
}
run_token_direct() {
	BEARER_NO_AGENT=1 "$cli" token bench >/dev/null
}
run_curl() {
	curl -sS -X POST "$token_url" \
		-d "grant_type=refresh_token&refresh_token=$curl_rt&client_id=$client_id&client_secret=$client_secret" \
		>"$work/curl.json"
}
run_python() {
	BENCH_TOKEN_URL="$token_url" BENCH_REFRESH_TOKEN="$py_rt" BENCH_CLIENT_ID="$client_id" \
		BENCH_CLIENT_SECRET="$client_secret" /usr/bin/python3 "$here/seed-refresh.py" >"$work/py.out"
}

refresh_agent_ms=()
refresh_direct_ms=()
token_agent_ms=()
token_direct_ms=()
curl_ms=()
py_ms=()
# One sample: runs $1, appends its time in ms to the array named $2 (when
# $3 is 1), then moves the contestant's refresh token on.
sample() {
	local fn="$1" keep="$3" t0 t1
	local -n times="$2"
	# Microseconds, from bash itself: a `date` process would be timed too.
	t0="${EPOCHREALTIME/[.,]/}"
	"$fn"
	t1="${EPOCHREALTIME/[.,]/}"
	if [[ "$keep" == 1 ]]; then
		times+=("$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.3f", d / 1e3 }')")
	fi
	case "$fn" in
		run_curl)
			curl_rt="$(refresh_token_of "$work/curl.json")"
			[[ -n "$curl_rt" ]] || { echo "refresh-vs-curl: curl got no refresh token: $(cat "$work/curl.json")" >&2; exit 1; } ;;
		run_python)
			py_rt="$(head -n1 "$work/py.out")"
			[[ -n "$py_rt" ]] || { echo "refresh-vs-curl: the Python script got no refresh token" >&2; exit 1; } ;;
	esac
}

round() {
	local keep="$1"
	sample run_refresh_agent refresh_agent_ms "$keep"
	sample run_curl curl_ms "$keep"
	sample run_token_agent token_agent_ms "$keep"
	sample run_refresh_direct refresh_direct_ms "$keep"
	sample run_token_direct token_direct_ms "$keep"
	if ((have_python)); then
		sample run_python py_ms "$keep"
	fi
}

echo "refresh-vs-curl: $n samples each against $token_url (rotating refresh tokens)" >&2
for ((i = 0; i < 3; i++)); do round 0; done
for ((i = 0; i < n; i++)); do round 1; done

# ---- summary --------------------------------------------------------------
stats() {  # prints "median min max" of the numbers given
	printf '%s\n' "$@" | sort -g | awk '
		{ v[NR] = $1 }
		END {
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.1f %.1f %.1f\n", m, v[1], v[NR]
		}'
}

row() {  # LABEL ARRAY-NAME: prints the row, sets med_<ARRAY-NAME>
	local label="$1" med min max
	local -n values="$2"
	read -r med min max <<<"$(stats "${values[@]}")"
	printf -v "med_$2" '%s' "$med"
	printf '%-46s %8s %8s %8s\n' "$label" "$med" "$min" "$max"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r <= t) ? "meets the target (<= " t ")" : "MISSES the target (<= " t ")" }'; }

stats_json="$(curl -sS "$base/bench/stats")"
printf '\n%-46s %8s %8s %8s\n' "N=$n, one whole process each (ms)" median min max
row "curl POST (refresh)" curl_ms
row "bearer-cli refresh, through the agent" refresh_agent_ms
row "bearer-cli refresh, direct (BEARER_NO_AGENT=1)" refresh_direct_ms
if ((have_python)); then
	row "python3 requests (seed script, refresh)" py_ms
else
	printf '%-46s %s\n' "python3 requests (seed script)" "skipped: /usr/bin/python3 cannot import requests"
fi
row "bearer-cli token (valid), through the agent" token_agent_ms
row "bearer-cli token (valid), direct" token_direct_ms

r_token="$(ratio "$med_token_agent_ms" "$med_curl_ms")"
r_refresh="$(ratio "$med_refresh_agent_ms" "$med_curl_ms")"
printf '\nratios of the medians to the curl POST:\n'
printf '  token through the agent    %s, %s\n' "$r_token" "$(verdict "$r_token" 0.5)"
printf '  refresh through the agent  %s, %s\n' "$r_refresh" "$(verdict "$r_refresh" 1.5)"
printf '  token direct               %s\n' "$(ratio "$med_token_direct_ms" "$med_curl_ms")"
printf '  refresh direct             %s\n' "$(ratio "$med_refresh_direct_ms" "$med_curl_ms")"
if ((have_python)); then
	printf '  python seed script         %s\n' "$(ratio "$med_py_ms" "$med_curl_ms")"
fi
printf 'token server: %s\n' "$stats_json"
