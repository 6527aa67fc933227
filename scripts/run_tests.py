#!/usr/bin/env python3
"""Runs keel's Catch2 test binaries (as registered with meson) and counts test cases.

Each binary runs with the arguments and environment meson has for it; binaries run two at a
time. The last line printed is "N passed, N failed", counting Catch2 test cases over all
binaries and repetitions. A binary that crashes or times out before Catch2's summary counts as
one failed case more than its summary showed. Exit status: 0 when nothing failed, 1 otherwise.
"""
import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import time

ALL_PASSED = re.compile(r"All tests passed \((\d+) assertions? in (\d+) test cases?\)")
SUMMARY = re.compile(r"test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed")
FAILED_ONLY = re.compile(r"test cases:\s*(\d+)\s*\|\s*(\d+) failed")


def parse_counts(output):
    """Returns (passed, failed) from Catch2's console summary, or None if there is none."""
    m = ALL_PASSED.search(output)
    if m:
        return int(m.group(2)), 0
    m = SUMMARY.search(output)
    if m:
        return int(m.group(2)), int(m.group(3))
    m = FAILED_ONLY.search(output)
    if m:
        return 0, int(m.group(2))
    return None


def run_one(test, extra_env):
    env = dict(os.environ)
    env.update(test.get("env") or {})
    env.update(extra_env)
    started = time.monotonic()
    try:
        proc = subprocess.run(test["cmd"], env=env, cwd=test.get("workdir") or None,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=test.get("timeout") or 600)
        output = proc.stdout.decode(errors="replace")
        rc = proc.returncode
    except subprocess.TimeoutExpired as e:
        output = (e.stdout or b"").decode(errors="replace") + "\n[timed out]"
        rc = -1
    counts = parse_counts(output)
    if counts is None:
        counts = (0, 1)  # no summary: the binary crashed or hung
    elif rc != 0 and counts[1] == 0:
        counts = (counts[0], 1)  # exited non-zero after a clean summary (a leak, a crash)
    return test["name"], counts, rc, output, time.monotonic() - started


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--repeat", type=int, default=1, help="run the whole suite N times")
    ap.add_argument("--filter", default=None, help="only binaries whose name contains this")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()

    tests = json.loads(subprocess.check_output(
        ["meson", "introspect", "--tests", args.build_dir]))
    if args.filter:
        tests = [t for t in tests if args.filter in t["name"]]
    if not tests:
        print("no test binaries found in %s; build with -Dtests=true" % args.build_dir)
        print("0 passed, 1 failed")
        return 1

    passed = failed = 0
    suite_started = time.monotonic()
    for rep in range(args.repeat):
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = [pool.submit(run_one, t, {}) for t in tests]
            for fut in concurrent.futures.as_completed(futures):
                name, (p, f), rc, output, secs = fut.result()
                passed += p
                failed += f
                status = "ok" if f == 0 else "FAILED (exit %d)" % rc
                label = name if args.repeat == 1 else "%s [run %d]" % (name, rep + 1)
                print("%-28s %4d passed %4d failed  %6.1fs  %s" % (label, p, f, secs, status),
                      flush=True)
                if f:
                    sys.stdout.write(output[-20000:] + "\n")
    print("suite wall time: %.1fs for %d run(s)" % (time.monotonic() - suite_started,
                                                     args.repeat))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
