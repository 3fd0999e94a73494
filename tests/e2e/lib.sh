# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/e2e/lib.sh: what the end-to-end scripts share. Sourced (not run) by
# test-*.sh after they set `here` (their own folder) and PLAN (how many
# checks they print):
#
#   . "$here/lib.sh"
#   e2e_require_base            # node, oidc-provider, curl, bearer-cli, a keyring
#   [[ -n "$missing" ]] || …    # the script's own needs, in the same way
#   e2e_prerequisites_done      # skips, or fails under tools/test
#   e2e_start bearer-e2e [DIR…] # $work, cli_env, the clean-up, the TAP plan
#
# bearer-cli runs with XDG directories of the script's own (removed at the
# end), so a developer's profiles are never touched; the keyring items it
# creates are removed with `bearer-cli remove` for every name in `profiles`.
# Secrets and tokens are given to bearer-cli and curl on standard input
# only, never in argv.

# ---- prerequisites -----------------------------------------------------------
missing=""

# e2e_require_base: sets `missing` to what the first absent piece is.
e2e_require_base() {
	command -v node >/dev/null 2>&1 || missing="node is not installed"
	[[ -n "$missing" || -f "$here/node_modules/oidc-provider/package.json" ]] ||
		missing="tests/e2e/node_modules is missing (run: npm ci --prefix tests/e2e --no-audit --no-fund)"
	[[ -n "$missing" ]] || command -v curl >/dev/null 2>&1 || missing="curl is not installed"
	[[ -n "$missing" || (-n "${BEARER_CLI:-}" && -x "${BEARER_CLI:-}") ]] ||
		missing="BEARER_CLI does not name the built bearer-cli (run through meson test or tools/test)"
	if [[ -z "$missing" && -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]]; then
		if [[ -n "${XDG_RUNTIME_DIR:-}" && -S "${XDG_RUNTIME_DIR}/bus" ]]; then
			# The bus is found through XDG_RUNTIME_DIR, which e2e_start replaces.
			export DBUS_SESSION_BUS_ADDRESS="unix:path=${XDG_RUNTIME_DIR}/bus"
		else
			missing="no D-Bus session bus, so no secret service (run tools/test)"
		fi
	fi
	# The secret service: owned, or at least activatable, on the session bus.
	if [[ -z "$missing" ]] && command -v gdbus >/dev/null 2>&1; then
		local owned activatable
		owned="$(gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
			--method org.freedesktop.DBus.NameHasOwner org.freedesktop.secrets 2>/dev/null)"
		activatable="$(gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
			--method org.freedesktop.DBus.ListActivatableNames 2>/dev/null)"
		if [[ "$owned" != "(true,)" && "$activatable" != *"'org.freedesktop.secrets'"* ]]; then
			missing="no secret service (org.freedesktop.secrets) on the session bus (run tools/test)"
		fi
	fi
}

# e2e_prerequisites_done: with something missing, a skip for a developer's
# `meson test`, and a failure inside tools/test (BEARER_TEST_SESSION), where
# everything must be there.
e2e_prerequisites_done() {
	[[ -z "$missing" ]] && return 0
	if [[ -z "${BEARER_TEST_SESSION:-}" ]]; then
		echo "1..0 # SKIP $missing"
		exit 0
	fi
	echo "1..1"
	echo "not ok 1 - prerequisites: $missing (BEARER_TEST_SESSION is set, so this is a failure)"
	exit 1
}

# ---- state and clean-up ------------------------------------------------------
server_pid=""
profiles=()

# e2e_start PREFIX [DIR…]: a private $work (config, data, cache, runtime and
# each DIR under it), bearer-cli's environment in cli_env, the clean-up on
# exit, and the TAP plan.
e2e_start() {
	local prefix="$1" dir
	shift
	started_ns=$(date +%s%N)
	work="$(mktemp -d "${TMPDIR:-/tmp}/$prefix.XXXXXXXX")"
	chmod 0700 "$work"
	mkdir -p "$work"/{config,data,cache,runtime}
	chmod 0700 "$work/runtime"
	for dir in "$@"; do
		mkdir -p "$work/$dir"
		chmod 0700 "$work/$dir"
	done
	cli_env=(
		XDG_CONFIG_HOME="$work/config"
		XDG_DATA_HOME="$work/data"
		XDG_CACHE_HOME="$work/cache"
		XDG_RUNTIME_DIR="$work/runtime"
	)
	trap e2e_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	echo "1..$PLAN"
}

e2e_cleanup() {
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

# ---- TAP -----------------------------------------------------------------------
n=0
failures=0

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

# ---- bearer-cli ------------------------------------------------------------------
# run_cli ARGS...: bearer-cli in our own XDG directories; standard input from
# $cli_stdin (a file, or /dev/null). Sets rc, out, err.
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

# ---- JSON and forms --------------------------------------------------------------
# json_get PATH < JSON: a member of a JSON object (PATH: names joined by
# dots, e.g. cnf.jkt), printed as text; nothing when it is not there.
json_get() {
	node -e '
		let s = "";
		process.stdin.on("data", (d) => (s += d)).on("end", () => {
			let v;
			try { v = JSON.parse(s); for (const k of process.argv[1].split(".")) v = v[k]; } catch (e) { v = undefined; }
			process.stdout.write(v === undefined || v === null ? "" : String(v));
		});' "$1"
}
# form_encode VALUE: application/x-www-form-urlencoded, as RFC 6749 §2.3.1
# wants it for HTTP Basic (the value goes to node on stdin, not in argv).
form_encode() {
	printf %s "$1" | node -e '
		let s = "";
		process.stdin.on("data", (d) => (s += d)).on("end", () =>
			process.stdout.write(new URLSearchParams([["", s]]).toString().slice(1)));'
}
