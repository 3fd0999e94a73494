#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# bench/window-scale.sh [-n RUNS] [--renderer NAME] [--counts LIST] [--bearer PATH] [--seed PATH]
#                       [--schemas DIR] [--rows-with-page]
#
# Launch to first frame and memory of the window with 0, 100 and 1,000
# connections, side by side in one run (bench/window-scale.py does the work;
# see bench/README.md). Each count gets a throw-away session of its own
# (tools/test-session), so your profiles and keyring are never touched.
#
# Options:
#   -n RUNS          starts per count, after one untimed start (default 7)
#   --renderer NAME  GSK_RENDERER for the window (default: GTK's own choice)
#   --counts LIST    the numbers of connections, the first the reference (default 0,100,1000)
#   --bearer PATH    the window (default: build/src/gui/bearer)
#   --seed PATH      the seeding helper (default: build/bench/bench-seed-connections)
#   --schemas DIR    the compiled GSettings schema (default: build/data)
#   --rows-with-page a build from before the page was made after the first
#                    frame with the connections (it says nothing of the page)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

usage() { awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "${BASH_SOURCE[0]}"; }

runs=7
renderer=""
counts="0,100,1000"
extra=()
bearer="$repo/build/src/gui/bearer"
seed="$repo/build/bench/bench-seed-connections"
schemas="$repo/build/data"
while (($#)); do
	case "$1" in
		-n) runs="$2"; shift ;;
		--renderer) renderer="$2"; shift ;;
		--counts) counts="$2"; shift ;;
		--rows-with-page) extra+=(--rows-with-page) ;;
		--bearer) bearer="$2"; shift ;;
		--seed) seed="$2"; shift ;;
		--schemas) schemas="$2"; shift ;;
		-h|--help) usage; exit 0 ;;
		*) echo "window-scale: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
for f in "$bearer" "$seed"; do
	[[ -x "$f" ]] || { echo "window-scale: no '$f' (build first)" >&2; exit 1; }
done
[[ -f "$schemas/gschemas.compiled" ]] || { echo "window-scale: no compiled schema in '$schemas'" >&2; exit 1; }

exec /usr/bin/python3 "$here/window-scale.py" -n "$runs" --renderer "$renderer" --counts "$counts" "${extra[@]}" \
	--bearer "$(realpath "$bearer")" --seed "$(realpath "$seed")" --schemas "$(realpath "$schemas")"
