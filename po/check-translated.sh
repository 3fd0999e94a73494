#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-translated.sh BEARER-CLI LOCALEDIR: bearer-cli --help speaks each
# language of LINGUAS, from the catalogs built in LOCALEDIR (TAP).
cli="$1"
localedir="$2"
n=0
failed=0
echo "1..3"
for pair in "de:Befehle:" "es:Órdenes:" "fr:Commandes"; do
	lang="${pair%%:*}"
	word="${pair#*:}"
	n=$((n + 1))
	out=$(LANGUAGE="$lang" LANG=C.UTF-8 LC_ALL= BEARER_LOCALEDIR="$localedir" "$cli" --help 2>&1)
	case "$out" in
	*"$word"*) echo "ok $n - LANGUAGE=$lang bearer-cli --help says \"$word\"" ;;
	*) echo "not ok $n - LANGUAGE=$lang bearer-cli --help does not say \"$word\""
	   echo "$out" | sed 's/^/# /' | head -5
	   failed=1 ;;
	esac
done
exit "$failed"
