#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-manifest.py MANIFEST APP_ID [SOURCE_DIR]

Checks a Flatpak manifest offline (TAP): it parses; its id is APP_ID and its
command is bearer; the runtime is org.gnome.Platform at a stable (numbered,
not master) version and the SDK org.gnome.Sdk at the same version; every
module before the app builds a release archive pinned by its sha256 (https),
the app module comes last, builds with meson with builddir true and
its sources are this source tree; -D options exist in meson_options.txt and
the profile matches the id (.Devel = development); finish-args stay within
what Bearer needs, and x-finish-args-why explains each of them (a key
flatpak-builder ignores). When flatpak-builder is installed, it must read the
manifest too (--show-manifest, with G_DEBUG=fatal-warnings so that an
unknown key fails); without it that check is skipped.

Only the Python standard library is used (json).
"""

import json
import os
import re
import resource
import shutil
import tempfile
import subprocess
import sys

ALLOWED_FINISH_ARGS = [
    "--share=network",
    "--share=ipc",
    "--socket=wayland",
    "--socket=fallback-x11",
    "--device=dri",
]

results = []


def check(description, passed, *details):
    results.append((description, bool(passed), [d for d in details if d]))
    return passed


def skip(description, reason):
    results.append((description, None, [reason]))


def finish():
    failed = 0
    for number, (description, passed, details) in enumerate(results, 1):
        if passed is None:
            print(f"ok {number} - {description} # SKIP {details[0]}")
            continue
        print(f"{'ok' if passed else 'not ok'} {number} - {description}")
        if not passed:
            failed += 1
            for d in details:
                for line in str(d).splitlines():
                    print(f"#   {line}")
    print(f"1..{len(results)}")
    sys.exit(1 if failed else 0)


def meson_options(source_dir):
    names = set()
    for name in ("meson_options.txt", "meson.options"):
        path = os.path.join(source_dir, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                names.update(re.findall(r"option\s*\(\s*'([^']+)'", f.read()))
    return names


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__.splitlines()[0], file=sys.stderr)
        sys.exit(2)
    path, app_id = sys.argv[1], sys.argv[2]
    manifest_dir = os.path.dirname(os.path.abspath(path))
    source_dir = sys.argv[3] if len(sys.argv) == 4 else os.path.dirname(manifest_dir)

    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        check(f"{os.path.basename(path)} parses as JSON", False, e)
        finish()
    check(f"{os.path.basename(path)} parses as JSON", isinstance(manifest, dict),
          "the top level is not an object")
    if not isinstance(manifest, dict):
        finish()

    ids = {k: manifest[k] for k in ("id", "app-id") if k in manifest}
    check(f"id is {app_id}", ids and all(v == app_id for v in ids.values()), f"found {ids or 'none'}")
    check(f"file name is {app_id}.json", os.path.basename(path) == app_id + ".json",
          f"found {os.path.basename(path)}")
    check("command is bearer", manifest.get("command") == "bearer", f"found {manifest.get('command')!r}")

    version = manifest.get("runtime-version")
    check("runtime is org.gnome.Platform", manifest.get("runtime") == "org.gnome.Platform",
          f"found {manifest.get('runtime')!r}")
    check("runtime-version is a stable release, not master",
          isinstance(version, str) and re.fullmatch(r"[0-9]+(\.[0-9]+)?", version),
          f"found {version!r}")
    sdk = manifest.get("sdk", "")
    sdk_name, _, sdk_version = sdk.partition("//") if isinstance(sdk, str) else ("", "", "")
    check("sdk is org.gnome.Sdk at the runtime's version",
          sdk_name == "org.gnome.Sdk" and sdk_version in ("", version),
          f"found sdk {sdk!r}, runtime-version {version!r}")

    modules = manifest.get("modules")
    if check("modules is a non-empty list", isinstance(modules, list) and modules,
             f"found {modules!r}"):
        inline = [m for m in modules if isinstance(m, dict)]
        check("every module is written inline (no module file to check offline)",
              len(inline) == len(modules), f"found {[m for m in modules if not isinstance(m, dict)]}")
        # A library Bearer links (libqrencode) builds before it, from a
        # release archive pinned by its sha256; Bearer itself with meson.
        def pinned(module):
            sources = module.get("sources", [])
            return bool(sources) and all(
                isinstance(s, dict) and s.get("type") == "archive"
                and str(s.get("url", "")).startswith("https://")
                and re.fullmatch(r"[0-9a-f]{64}", str(s.get("sha256", ""))) is not None
                for s in sources)
        unpinned = [m.get("name") for m in inline[:-1]
                    if m.get("buildsystem") not in ("meson", "cmake-ninja", "autotools") or not pinned(m)]
        check("every module before the app builds a release archive pinned by its sha256",
              not unpinned, f"not pinned: {unpinned}")
        app = modules[-1] if isinstance(modules[-1], dict) else {}
        check("the last module is bearer", app.get("name") == "bearer", f"found {app.get('name')!r}")
        check("the app module has buildsystem meson", app.get("buildsystem") == "meson")
        check("the app module has builddir true", app.get("builddir") is True,
              f"found {app.get('builddir')!r}")

        sources = app.get("sources", [])
        dirs = [s for s in sources if isinstance(s, dict) and s.get("type") == "dir"]
        tree = [os.path.normpath(os.path.join(manifest_dir, s.get("path", ""))) for s in dirs]
        check("the app module builds this source tree (a dir source)",
              len(sources) == 1 and tree == [os.path.normpath(source_dir)]
              and os.path.exists(os.path.join(tree[0], "meson.build")),
              f"sources {sources!r}, expected a dir source pointing at {source_dir}")

        opts = app.get("config-opts", [])
        known = meson_options(source_dir)
        defined = {}
        for o in opts:
            m = re.fullmatch(r"-D([^=]+)=(.*)", o)
            if m:
                defined[m.group(1)] = m.group(2)
        unknown = sorted(set(defined) - known - {"buildtype", "b_lto", "b_ndebug"})
        check("every -D option in config-opts exists in meson_options.txt", not unknown,
              f"unknown: {unknown}")
        want = "development" if app_id.endswith(".Devel") else "default"
        check(f"the profile is {want} for {app_id}", defined.get("profile", "default") == want,
              f"config-opts {opts!r}")

    finish_args = manifest.get("finish-args", [])
    extra = [a for a in finish_args if a not in ALLOWED_FINISH_ARGS]
    check("finish-args stay within " + " ".join(ALLOWED_FINISH_ARGS),
          isinstance(finish_args, list) and not extra, f"not allowed: {extra}")
    check("finish-args list nothing twice", len(set(finish_args)) == len(finish_args))
    why = manifest.get("x-finish-args-why")
    if check("x-finish-args-why is an object", isinstance(why, dict), f"found {why!r}"):
        unexplained = [a for a in finish_args if not (isinstance(why.get(a), str) and why[a].strip())]
        check("x-finish-args-why explains every finish-arg", not unexplained, f"unexplained: {unexplained}")
        stale = [a for a in why if a not in finish_args]
        check("x-finish-args-why explains nothing that is not granted", not stale, f"not in finish-args: {stale}")

    builder = shutil.which("flatpak-builder")
    if builder is None:
        skip("flatpak-builder --show-manifest reads it", "flatpak-builder is not installed")
    else:
        env = dict(os.environ, G_DEBUG="fatal-warnings")
        # A fatal warning is a SIGTRAP: no core file, and none in the tree.
        no_core = lambda: resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # noqa: E731
        try:
            with tempfile.TemporaryDirectory(prefix="bearer-manifest-") as cwd:
                run = subprocess.run([builder, "--show-manifest", os.path.abspath(path)],
                                     env=env, cwd=cwd, capture_output=True, text=True,
                                     timeout=60, preexec_fn=no_core)
            check("flatpak-builder --show-manifest reads it (G_DEBUG=fatal-warnings)",
                  run.returncode == 0, f"exit status {run.returncode}", run.stderr.strip())
        except (OSError, subprocess.TimeoutExpired) as e:
            check("flatpak-builder --show-manifest reads it (G_DEBUG=fatal-warnings)", False, e)

    finish()


if __name__ == "__main__":
    main()
