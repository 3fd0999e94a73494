#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Launch to first frame, and memory, of the Bearer window with 0, 100 and
1,000 connections, side by side in one run. See bench/README.md.

    window-scale.py --bearer PATH --seed PATH --schemas DIR [-n RUNS]
                    [--counts 0,100,1000] [--renderer NAME] [--first-frame-only]

For each count it starts a throw-away session of its own (tools/test-session:
Xvfb, a private D-Bus, an unlocked gnome-keyring, temporary XDG folders),
so every count has a keyring holding only its own items; there it writes
the connections (bench-seed-connections: profiles.json, and a keyring item
with a client secret, a refresh token and a valid access token for each),
then starts the window RUNS times after one untimed start, and reads from
its debug output (G_MESSAGES_DEBUG=Bearer-GUI) when, on the monotonic
clock, it drew

  - its first frame (whatever it shows: the connections may still be read),
  - its first frame with the connections loaded (the rows in the sidebar), and
  - its first frame with the page of the connection shown (the last one's
    page; the empty state when there is none),

counted from just before the process was started; then, a second later,
its resident memory (VmRSS of /proc/PID/status). It prints the medians
(and min–max), the ratios to the empty state and the memory per 100
connections, against the targets (first frame and first frame with the
connections ≤ 1.2× the empty state's; memory ≤ 10 MiB more per 100
connections).

--rows-with-page measures a build from before the page was made after the
first frame with the connections: it says nothing of the page, and its
frame with the connections has the page in it (the same time is given for
both).

--first-frame-only measures a build that says only when it drew its first
frame (before the window bound to connections): its memory is read 1.5 s
after that frame, when the old window had built its rows.
"""
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
FIRST = "First frame drawn at monotonic time "
LOADED = "First frame with "
PAGE = "First frame with the page shown drawn at monotonic time "


def when(line, marker):
    return int(line.split(marker)[1].split()[0])


def measure_one(args, env):
    """One start of the window: (first frame ms, loaded frame ms, RSS KiB, page frame ms)."""
    start = time.monotonic_ns() // 1000
    proc = subprocess.Popen([args.bearer], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    first = loaded = page = None
    deadline = time.monotonic() + 60
    try:
        for line in proc.stdout:
            if FIRST in line:
                first = when(line, FIRST) - start
                if args.first_frame_only:
                    loaded = page = first
                    time.sleep(0.5)
                    break
            elif PAGE in line:
                page = when(line, PAGE) - start
                break
            elif LOADED in line and "drawn at monotonic time" in line:
                loaded = when(line, "monotonic time ") - start
                if args.rows_with_page:
                    page = loaded
                    break
            if time.monotonic() > deadline:
                break
        time.sleep(1.0)
        rss = None
        with open("/proc/%d/status" % proc.pid) as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if first is None or loaded is None or page is None or rss is None:
        raise RuntimeError("the window did not say when it drew its frames")
    return first / 1000.0, loaded / 1000.0, rss, page / 1000.0


def inner(args):
    """Inside a session: seed args.count connections, start the window."""
    config = tempfile.mkdtemp(prefix="bearer-window-scale-")
    env = dict(os.environ, XDG_CONFIG_HOME=config, GSETTINGS_SCHEMA_DIR=args.schemas,
               G_MESSAGES_DEBUG="Bearer-GUI", LC_ALL="C.UTF-8", LANGUAGE="")
    env.pop("G_DEBUG", None)
    if args.renderer:
        env["GSK_RENDERER"] = args.renderer
    else:
        env.pop("GSK_RENDERER", None)
    subprocess.run([args.seed, str(args.count)], env=env, check=True)
    samples = []
    for run in range(args.runs + 1):
        sample = measure_one(args, env)
        if run > 0:  # the first start warms the caches
            samples.append(sample)
    print("RESULT " + json.dumps({"count": args.count, "samples": samples}), flush=True)


def summary(name, values, unit, digits=0):
    return "%s %s (%s–%s)" % (round(statistics.median(values), digits), unit,
                              round(min(values), digits), round(max(values), digits))


def outer(args):
    results = {}
    for count in args.counts:
        command = [os.path.join(REPO, "tools", "test-session"), "/usr/bin/python3", os.path.abspath(__file__),
                   "--inner", "--count", str(count), "-n", str(args.runs), "--bearer", args.bearer,
                   "--seed", args.seed, "--schemas", args.schemas]
        if args.renderer:
            command += ["--renderer", args.renderer]
        if args.first_frame_only:
            command.append("--first-frame-only")
        if args.rows_with_page:
            command.append("--rows-with-page")
        out = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True).stdout
        for line in out.splitlines():
            if line.startswith("RESULT "):
                data = json.loads(line[len("RESULT "):])
                results[data["count"]] = data["samples"]
        print("# %d connections measured" % count, file=sys.stderr, flush=True)

    base = results[args.counts[0]]
    base_first = statistics.median(s[0] for s in base)
    base_loaded = statistics.median(s[1] for s in base)
    base_page = statistics.median(s[3] for s in base)
    base_rss = statistics.median(s[2] for s in base) / 1024.0
    renderer = args.renderer or "default"
    print("Window scale: %d starts each after one untimed start; renderer %s; medians (min–max)"
          % (args.runs, renderer))
    print("| connections | first frame | ×empty | first frame with the connections | ×empty "
          "| first frame with the page | ×empty | RSS | +MiB per 100 connections |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    ok = True
    for count in args.counts:
        samples = results[count]
        first = [s[0] for s in samples]
        loaded = [s[1] for s in samples]
        rss = [s[2] / 1024.0 for s in samples]
        page = [s[3] for s in samples]
        ratio_first = statistics.median(first) / base_first
        ratio_loaded = statistics.median(loaded) / base_loaded
        ratio_page = statistics.median(page) / base_page
        per_100 = (statistics.median(rss) - base_rss) * 100.0 / count if count else 0.0
        print("| %d | %s | %.2f | %s | %.2f | %s | %.2f | %s | %s |" % (
            count, summary("first", first, "ms"), ratio_first, summary("loaded", loaded, "ms"), ratio_loaded,
            summary("page", page, "ms"), ratio_page, summary("rss", rss, "MiB", 1),
            ("%.1f" % per_100) if count else "–"))
        if count:
            ok = ok and ratio_first <= 1.2 and ratio_loaded <= 1.2 and per_100 <= 10.0
    print("Targets (first frame and first frame with the connections ≤ 1.2× the empty state's; "
          "≤ 10 MiB more per 100 connections): %s" % ("met" if ok else "NOT met"))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bearer", required=True)
    parser.add_argument("--seed", required=True)
    parser.add_argument("--schemas", required=True)
    parser.add_argument("-n", "--runs", type=int, default=7)
    parser.add_argument("--counts", default="0,100,1000")
    parser.add_argument("--renderer", default="")
    parser.add_argument("--first-frame-only", action="store_true")
    parser.add_argument("--rows-with-page", action="store_true")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.counts = [int(c) for c in str(args.counts).split(",")]
    if not 1 <= args.runs <= 100:
        parser.error("-n takes a number from 1 to 100")
    if args.inner:
        inner(args)
        return 0
    return outer(args)


if __name__ == "__main__":
    sys.exit(main())
