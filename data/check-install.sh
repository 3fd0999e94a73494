#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-install.sh BUILD_DIR SOURCE_DIR PREFIX BINDIR DATADIR LOCALEDIR APP_ID LIBEXECDIR
#
# Installs the build into a temporary DESTDIR (meson install --no-rebuild)
# and checks, as TAP, that every file a distribution expects is there under
# the prefix, that nothing else is installed, and that the installed desktop
# file, metainfo, schema and D-Bus service are right for APP_ID.
# BINDIR, DATADIR, LOCALEDIR and LIBEXECDIR are meson's options: relative to PREFIX, or
# absolute.
set -u
LC_ALL=C
export LC_ALL

if [ $# -ne 8 ]; then
	echo "usage: $0 BUILD_DIR SOURCE_DIR PREFIX BINDIR DATADIR LOCALEDIR APP_ID LIBEXECDIR" >&2
	exit 2
fi
build_dir=$1
source_dir=$2
prefix=$3
app_id=$7

under_prefix() {
	case "$1" in
		/*) printf '%s\n' "$1" ;;
		*) printf '%s\n' "$prefix/$1" ;;
	esac
}
bindir=$(under_prefix "$4")
datadir=$(under_prefix "$5")
localedir=$(under_prefix "$6")
libexecdir=$(under_prefix "$8")
schema_id=io.github.bearerapp.Bearer

dest=$(mktemp -d "${TMPDIR:-/tmp}/bearer-install.XXXXXX") || exit 1
trap 'rm -rf "$dest"' EXIT INT TERM

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
# A check's own output becomes TAP comments, shown when it fails.
check() { # DESCRIPTION COMMAND...
	desc=$1
	shift
	if out=$("$@" 2>&1); then
		ok "$desc"
	else
		not_ok "$desc"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
}

# Quiet on success; the whole log when it fails.
if ! meson install -C "$build_dir" --no-rebuild --destdir "$dest" >"$dest.log" 2>&1; then
	echo "1..1"
	echo "not ok 1 - meson install --destdir"
	sed 's/^/# /' "$dest.log"
	rm -f "$dest.log"
	exit 1
fi
rm -f "$dest.log"
ok "meson install --destdir"

root=$dest

# ---- every expected file ---------------------------------------------------
expected=$(mktemp "${TMPDIR:-/tmp}/bearer-expected.XXXXXX") || exit 1
trap 'rm -rf "$dest" "$expected"' EXIT INT TERM
expect() { printf '%s\n' "$1" >>"$expected"; }

desktop=$datadir/applications/$app_id.desktop
metainfo=$datadir/metainfo/$app_id.metainfo.xml
service=$datadir/dbus-1/services/$app_id.service
icon=$datadir/icons/hicolor/scalable/apps/$app_id.svg
symbolic=$datadir/icons/hicolor/symbolic/apps/$app_id-symbolic.svg
schema=$datadir/glib-2.0/schemas/$schema_id.gschema.xml
agent_service=$datadir/dbus-1/services/$app_id.Agent.service
agent_unit=$prefix/lib/systemd/user/$app_id.Agent.service
agent_interface=$datadir/dbus-1/interfaces/io.github.bearerapp.Bearer.Agent1.xml
confirm_interface=$datadir/dbus-1/interfaces/io.github.bearerapp.Bearer.Confirm1.xml

for f in "$bindir/bearer" "$bindir/bearer-cli" "$bindir/bearer-agent"; do
	expect "$f"
	check "$f is an executable" test -f "$root$f" -a -x "$root$f"
done
# bearer-cli's whole program, which its front (bin/bearer-cli) runs.
expect "$libexecdir/bearer-cli-full"
check "$libexecdir/bearer-cli-full is an executable" test -f "$root$libexecdir/bearer-cli-full" -a -x "$root$libexecdir/bearer-cli-full"

for f in "$desktop" "$metainfo" "$service" "$icon" "$symbolic" "$schema" \
	"$agent_service" "$agent_unit" "$agent_interface" "$confirm_interface"; do
	expect "$f"
	check "$f" test -s "$root$f"
done

languages=$(sed -e 's/#.*//' "$source_dir/po/LINGUAS" 2>/dev/null | tr -s ' \t' '\n\n' | grep -v '^$' || true)
if [ -z "$languages" ]; then
	ok "no languages in po/LINGUAS yet # SKIP translations"
fi
for lang in $languages; do
	mo=$localedir/$lang/LC_MESSAGES/bearer.mo
	expect "$mo"
	check "$mo" test -s "$root$mo"
done

# ---- and nothing else (no static library, test or benchmark) ---------------
sort -o "$expected" "$expected"
unexpected=$( (cd "$root" && find . \( -type f -o -type l \) | sed 's/^\.//') | sort | comm -23 - "$expected")
if [ -z "$unexpected" ]; then
	ok "nothing else is installed"
else
	not_ok "nothing else is installed"
	printf '%s\n' "$unexpected" | sed 's/^/#   unexpected: /'
fi

# ---- contents -----------------------------------------------------------------
has_line() { grep -qxF "$2" "$1"; }
if [ -f "$root$desktop" ]; then
	check "desktop file: Icon=$app_id" has_line "$root$desktop" "Icon=$app_id"
	check "desktop file: DBusActivatable=true" has_line "$root$desktop" "DBusActivatable=true"
	check "desktop file: Exec=bearer" has_line "$root$desktop" "Exec=bearer"
	if command -v desktop-file-validate >/dev/null 2>&1; then
		check "installed desktop file validates" desktop-file-validate "$root$desktop"
	fi
fi
if [ -f "$root$service" ]; then
	check "D-Bus service: Name=$app_id" has_line "$root$service" "Name=$app_id"
	check "D-Bus service: Exec=$bindir/bearer --gapplication-service" \
		has_line "$root$service" "Exec=$bindir/bearer --gapplication-service"
fi
if [ -f "$root$agent_service" ]; then
	check "agent D-Bus service: Name=$app_id.Agent" has_line "$root$agent_service" "Name=$app_id.Agent"
	check "agent D-Bus service: Exec=$bindir/bearer-agent" has_line "$root$agent_service" "Exec=$bindir/bearer-agent"
	check "agent D-Bus service: SystemdService=$app_id.Agent.service" \
		has_line "$root$agent_service" "SystemdService=$app_id.Agent.service"
fi
if [ -f "$root$agent_unit" ]; then
	check "agent user unit: BusName=$app_id.Agent" has_line "$root$agent_unit" "BusName=$app_id.Agent"
	check "agent user unit: ExecStart=$bindir/bearer-agent" has_line "$root$agent_unit" "ExecStart=$bindir/bearer-agent"
fi
if [ -f "$root$metainfo" ]; then
	check "metainfo: <id>$app_id</id>" grep -qF "<id>$app_id</id>" "$root$metainfo"
	check "metainfo: launchable $app_id.desktop" \
		grep -qF "<launchable type=\"desktop-id\">$app_id.desktop</launchable>" "$root$metainfo"
	if command -v appstreamcli >/dev/null 2>&1; then
		check "installed metainfo validates" appstreamcli validate --no-net --no-color "$root$metainfo"
	fi
fi
if [ -f "$root$schema" ] && command -v glib-compile-schemas >/dev/null 2>&1; then
	check "installed schema compiles (--strict)" \
		glib-compile-schemas --strict --dry-run "$root$datadir/glib-2.0/schemas"
fi
if [ -x "$root$bindir/bearer-cli" ]; then
	check "installed bearer-cli --version runs" sh -c '"$1" --version | grep -q "^bearer-cli "' sh "$root$bindir/bearer-cli"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
