#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# bench/refresh-vs-curl.sh [-n N] [--cli PATH]
#
# How much does bearer-cli cost over a bare curl for one refresh?
#
# Against a local token server (bench/token-server.py, 127.0.0.1 only) that
# rotates refresh tokens like ProcessMaker (every refresh answers a new
# access token and a new refresh token; the old refresh token dies), it
# times, in one run, N refreshes (default 30) of each of:
#
#   bearer-cli   `bearer-cli refresh NAME`: a forced refresh, keyring read,
#                profile lock, keyring read again, the POST, keyring write;
#   curl         the same POST by curl, given the current refresh token each
#                time (the seed's cURL example);
#   python       the seed's Python `requests` script (bench/seed-refresh.py)
#                under /usr/bin/python3, skipped when `requests` cannot be
#                imported (Debian: python3-requests).
#
# Each sample is one whole process, start-up included, timed with
# `date +%s%N`; the three are interleaved so that drift hits all alike,
# after 3 untimed warm-up rounds. hyperfine is not used: every run needs the
# refresh token the previous one received. It prints the median, minimum
# and maximum of each in ms, and the ratio of the medians bearer-cli/curl
# (target: at most 2.0).
#
# A Secret Service is needed. Without one on the session bus, the script
# runs itself again inside tools/test-session (a private D-Bus session with
# an unlocked throw-away gnome-keyring). It never touches your profiles: it
# uses a temporary XDG_CONFIG_HOME, and removes its profile and keyring item
# at the end.
#
# Options:
#   -n N        samples per contestant (default 30, at most 1000)
#   --cli PATH  bearer-cli to measure (default: $BEARER_CLI, else
#               build/src/cli/bearer-cli of this checkout)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

usage() { awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "${BASH_SOURCE[0]}"; }

n="${BENCH_N:-30}"
cli="${BEARER_CLI:-$repo/build/src/cli/bearer-cli}"
args=("$@")
while (($#)); do
	case "$1" in
		-n) n="$2"; shift ;;
		--cli) cli="$2"; shift ;;
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
if [[ ! -x "$cli" ]]; then
	echo "refresh-vs-curl: no bearer-cli at '$cli' (build first, or give --cli PATH)" >&2
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
if ! has_keyring; then
	if [[ -z "${BEARER_BENCH_IN_SESSION:-}" && -x "$repo/tools/test-session" ]]; then
		echo "refresh-vs-curl: no Secret Service here; running inside tools/test-session" >&2
		exec "$repo/tools/test-session" env BEARER_BENCH_IN_SESSION=1 BEARER_CLI="$cli" \
			bash "${BASH_SOURCE[0]}" "${args[@]}"
	fi
	echo "refresh-vs-curl: no Secret Service on the session bus; run it inside 'tools/test --shell'" >&2
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
unset G_MESSAGES_DEBUG

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

now_ns() { date +%s%N; }

run_bearer() {
	"$cli" refresh bench >/dev/null
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

bearer_ms=()
curl_ms=()
py_ms=()
# One sample: runs $1, appends its time in ms to the array named $2 (when
# $3 is 1), then moves the contestant's refresh token on.
sample() {
	local fn="$1" keep="$3" t0 t1
	local -n times="$2"
	t0=$(now_ns)
	"$fn"
	t1=$(now_ns)
	if [[ "$keep" == 1 ]]; then
		times+=("$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.3f", d / 1e6 }')")
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
	sample run_bearer bearer_ms "$keep"
	sample run_curl curl_ms "$keep"
	if ((have_python)); then
		sample run_python py_ms "$keep"
	fi
}

echo "refresh-vs-curl: $n forced refreshes each against $token_url (rotating refresh tokens)" >&2
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

read -r b_med b_min b_max <<<"$(stats "${bearer_ms[@]}")"
read -r c_med c_min c_max <<<"$(stats "${curl_ms[@]}")"
stats_json="$(curl -sS "$base/bench/stats")"

printf '\n%-34s %10s %10s %10s\n' "refresh, N=$n (ms)" median min max
printf '%-34s %10s %10s %10s\n' "bearer-cli refresh (with keyring)" "$b_med" "$b_min" "$b_max"
printf '%-34s %10s %10s %10s\n' "curl POST" "$c_med" "$c_min" "$c_max"
if ((have_python)); then
	read -r p_med p_min p_max <<<"$(stats "${py_ms[@]}")"
	printf '%-34s %10s %10s %10s\n' "python3 requests (seed script)" "$p_med" "$p_min" "$p_max"
else
	printf '%-34s %s\n' "python3 requests (seed script)" "skipped: /usr/bin/python3 cannot import requests"
fi
ratio="$(awk -v b="$b_med" -v c="$c_med" 'BEGIN { printf "%.2f", b / c }')"
verdict="$(awk -v r="$ratio" 'BEGIN { print (r <= 2.0) ? "within the target (<= 2.0)" : "ABOVE the target (<= 2.0)" }')"
printf '\nbearer-cli / curl (medians): %s, %s\n' "$ratio" "$verdict"
printf 'token server: %s\n' "$stats_json"
