#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-potfiles.sh SOURCE_DIR
#
# Fails (TAP) when po/POTFILES.in is out of step with the tree:
#   - a listed file does not exist (xgettext would stop on it);
#   - the list is not sorted (LC_ALL=C) or holds a file twice;
#   - a file under src/ or data/ with translatable strings is neither listed
#     nor in po/POTFILES.skip. Translatable means: a gettext call in C
#     (_( N_( C_( NC_( Q_( ngettext g_dngettext …), translatable="yes" in a
#     GtkBuilder .ui file, or a file translated as a whole by its kind
#     (desktop file, AppStream metainfo, a GSettings schema with a
#     gettext-domain).
set -u
LC_ALL=C
export LC_ALL

if [ $# -ne 1 ]; then
	echo "usage: $0 SOURCE_DIR" >&2
	exit 2
fi
cd "$1" || exit 1

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bearer-potfiles.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

# Entries: one path a line; '#' comments and blank lines ignored.
entries() {
	[ -f "$1" ] || return 0
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e 's/^[[:space:]]*//' "$1" | grep -v '^$' || true
}
entries po/POTFILES.in >"$tmp/listed"
entries po/POTFILES.skip >"$tmp/skipped"

# ---- every listed file exists ----------------------------------------------
missing_files=$(while read -r f; do [ -f "$f" ] || echo "$f"; done <"$tmp/listed")
if [ -z "$missing_files" ]; then
	ok "every file in POTFILES.in exists"
else
	not_ok "every file in POTFILES.in exists"
	printf '%s\n' "$missing_files" | sed 's/^/#   no such file: /'
fi

# ---- sorted, once each ----------------------------------------------------------
disorder=$(sort -c "$tmp/listed" 2>&1)
twice=$(sort "$tmp/listed" | uniq -d)
if [ -z "$disorder" ] && [ -z "$twice" ]; then
	ok "POTFILES.in is sorted and lists each file once"
else
	not_ok "POTFILES.in is sorted and lists each file once"
	[ -z "$disorder" ] || echo "#   out of order (LC_ALL=C sort): ${disorder##*disorder: }"
	[ -z "$twice" ] || printf '%s\n' "$twice" | sed 's/^/#   listed twice: /'
fi

# ---- every file with translatable strings is listed --------------------------
{
	# Gettext calls in C (GNU style allows a space before the parenthesis),
	# and translatable properties in GtkBuilder files.
	grep -rlE \
		-e '(^|[^A-Za-z0-9_])(_|N_|C_|NC_|Q_)[[:space:]]*\(' \
		-e '(^|[^A-Za-z0-9_])(g_d?n?gettext|g_dpgettext2?|g_dcgettext|d?n?gettext|pgettext)[[:space:]]*\(' \
		--include='*.c' --include='*.h' --include='*.c.in' --include='*.h.in' \
		src data 2>/dev/null
	grep -rlE 'translatable="(yes|true|1)"' \
		--include='*.ui' --include='*.ui.in' --include='*.blp' \
		src data 2>/dev/null
	# Blueprint marks strings with _("…") too.
	grep -rlE '(^|[^A-Za-z0-9_])C?_\(' --include='*.blp' src data 2>/dev/null
	# Translated as a whole because of what they are.
	find src data \( -name '*.desktop.in' -o -name '*.desktop.in.in' \
		-o -name '*.metainfo.xml.in' -o -name '*.metainfo.xml.in.in' \
		-o -name '*.appdata.xml.in' -o -name '*.appdata.xml.in.in' \
		-o -name '*.policy.in' \) -type f 2>/dev/null
	grep -rl 'gettext-domain=' --include='*.gschema.xml' --include='*.gschema.xml.in' \
		src data 2>/dev/null
} | sort -u >"$tmp/translatable"

sort -u "$tmp/listed" "$tmp/skipped" >"$tmp/known"
unlisted=$(comm -23 "$tmp/translatable" "$tmp/known")
if [ -z "$unlisted" ]; then
	ok "every file with translatable strings is in POTFILES.in ($(wc -l <"$tmp/translatable" | tr -d ' ') files)"
else
	not_ok "every file with translatable strings is in POTFILES.in"
	printf '%s\n' "$unlisted" | sed 's/^/#   add to po\/POTFILES.in (sorted): /'
fi

echo "1..$n"
[ "$failed" -eq 0 ]
