#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-po.sh PO_DIR
#
# Runs `msgfmt --check --check-format` on every PO_DIR/*.po (TAP, one test
# each, with msgfmt's statistics: translated/fuzzy/untranslated), and checks
# that po/LINGUAS and the .po files name the same languages. With no .po
# file and an empty LINGUAS there is nothing to check, and that passes.
set -u
LC_ALL=C
export LC_ALL

if [ $# -ne 1 ]; then
	echo "usage: $0 PO_DIR" >&2
	exit 2
fi
cd "$1" || exit 1

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }

for po in *.po; do
	[ -f "$po" ] || continue
	if out=$(msgfmt --check --check-format --statistics -o /dev/null "$po" 2>&1); then
		ok "$po: $(printf '%s' "$out" | tail -n 1)"
	else
		not_ok "msgfmt --check --check-format $po"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
done

linguas=$(sed -e 's/#.*//' LINGUAS 2>/dev/null | tr -s ' \t' '\n\n' | grep -v '^$' | sort -u)
present=$(for po in *.po; do [ -f "$po" ] && basename "$po" .po; done | sort -u)
if [ "$linguas" = "$present" ]; then
	ok "LINGUAS lists exactly the languages with a .po file ($(echo ${linguas:-none yet}))"
else
	not_ok "LINGUAS lists exactly the languages with a .po file"
	echo "#   LINGUAS: $(echo $linguas)"
	echo "#   .po files: $(echo $present)"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
