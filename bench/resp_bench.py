#!/usr/bin/env python3
"""keel's RESP gateway side by side with a real redis-server (scripts/bench resp).

Starts redis-server and keel-node on loopback with the same persistence setting and runs the
identical redis-benchmark command against each, alternately (redis, keel, redis, keel, ...),
--trials times; reports the median requests/s of each and the ratio keel/redis.

  non-durable: redis --save '' --appendonly no      vs  keel shards.sync=none
               cases set_p1, get_p1 (-P 1), set_p16, get_p16 (-P 16); command -t set,get
  durable:     redis --appendonly yes --appendfsync always  vs  keel shards.sync=group
               cases set_p1_durable, set_p16_durable; command -t set

-P 16 runs send --p16-factor (5) times as many requests as -P 1 runs (-n N, default 200000;
--quick 20000), so that both last about as long.
Output: progress on stderr; on stdout one JSON object per case, then the summary with
keel_rps_<case>, redis_rps_<case>, ratio_<case> and ratio_min.
keel-node is taken from $KEEL_BUILD_DIR (default build-release) or --build-dir.
Stdlib only; talks to 127.0.0.1 only; stops both servers and removes its temp dirs at the end.
"""
import argparse
import csv
import io
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = "127.0.0.1"
CLIENTS = 50


def log(msg):
    print(f"[resp_bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def resp_command(port, *args, timeout=5.0):
    """Sends one command, returns the first reply line (bulk replies: the payload)."""
    payload = f"*{len(args)}\r\n".encode()
    for a in args:
        b = a.encode() if isinstance(a, str) else a
        payload += b"$%d\r\n%s\r\n" % (len(b), b)
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(payload)
        f = s.makefile("rb")
        line = f.readline()
        if line.startswith(b"$"):
            n = int(line[1:])
            return None if n < 0 else f.read(n + 2)[:-2].decode()
        return line.rstrip(b"\r\n").decode()


class Server:
    """One server process whose stderr+stdout go to a log file."""

    def __init__(self, name, argv, workdir):
        self.name = name
        self.argv = argv
        self.logpath = os.path.join(workdir, f"{name}.log")
        self.logfile = open(self.logpath, "wb")
        self.proc = subprocess.Popen(argv, stdout=self.logfile, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=ROOT)
        self.port = None

    def log_text(self):
        try:
            with open(self.logpath, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self, timeout=20.0):
        """SIGTERM, wait; SIGKILL on timeout. Returns the exit code (None if it was killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log(f"{self.name}: did not stop {timeout:.0f} s after SIGTERM; killing it")
                self.proc.kill()
                self.proc.wait()
                self.logfile.close()
                return None
        self.logfile.close()
        return self.proc.returncode


def wait_ping(server, port, timeout=30.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.proc.returncode}:\n"
                               + server.log_text()[-3000:])
        try:
            if resp_command(port, "PING", timeout=2.0) == "+PONG":
                return
        except OSError as e:
            last = e
        time.sleep(0.05)
    raise RuntimeError(f"{server.name} did not answer PING on port {port} within {timeout} s ({last})")


def start_redis(workdir, durable):
    port = free_port()
    data = os.path.join(workdir, "redis-data")
    os.makedirs(data, exist_ok=True)
    argv = ["redis-server", "--port", str(port), "--bind", HOST, "--dir", data,
            "--save", "", "--daemonize", "no", "--protected-mode", "yes"]
    if durable:
        argv += ["--appendonly", "yes", "--appendfsync", "always"]
    else:
        argv += ["--appendonly", "no"]
    s = Server("redis", argv, workdir)
    s.port = port
    wait_ping(s, port)
    return s


def start_keel(workdir, build_dir, sync, timeout=60.0):
    data = os.path.join(workdir, "keel-data")
    os.makedirs(data, exist_ok=True)
    binary = os.path.join(build_dir, "keel-node")
    argv = [binary, "--config", os.path.join(ROOT, "examples", "node.yaml"),
            "--set", "gateway.port=0", "--set", "gateway.bind=127.0.0.1",
            "--set", "http.enabled=false", "--set", f"node.data_dir={data}",
            "--set", f"shards.sync={sync}"]
    s = Server("keel", argv, workdir)
    try:
        await_keel(s, time.monotonic() + timeout)
    except RuntimeError:
        s.stop()
        raise
    return s


def await_keel(s, deadline, ready=lambda text: True):
    """Waits for keel-node's gateway port (into s.port), its ready line and ready(log text),
    then for a PING answer; raises RuntimeError with the log's tail when that does not come."""
    while time.monotonic() < deadline:
        text = s.log_text()
        if s.port is None:
            for line in text.splitlines():
                i = line.find("gateway listening on ")
                if i >= 0:
                    s.port = int(line[i:].split()[-1].rsplit(":", 1)[1])
                    break
        if s.port is not None and "keel-node ready" in text and ready(text):
            wait_ping(s, s.port)
            return
        if s.proc.poll() is not None:
            raise RuntimeError(f"{s.name} exited with {s.proc.returncode} before it was ready:\n"
                               + text[-3000:])
        time.sleep(0.05)
    raise RuntimeError(f"{s.name} was not ready in time:\n{s.log_text()[-3000:]}")


def sanity_check(server):
    """A SET/GET round trip with a fresh value; raises when the reply is wrong."""
    value = f"v{time.monotonic_ns()}"
    r1 = resp_command(server.port, "SET", "resp_bench:sanity", value)
    r2 = resp_command(server.port, "GET", "resp_bench:sanity")
    if r1 != "+OK" or r2 != value:
        raise RuntimeError(f"{server.name}: SET/GET sanity check failed: SET -> {r1!r}, "
                           f"GET -> {r2!r} (expected '+OK', {value!r})")


def run_redis_benchmark(port, tests, n, pipeline, timeout, keyspace=0):
    """Runs redis-benchmark; returns {"SET": {...}, "GET": {...}} from its CSV output."""
    argv = ["redis-benchmark", "-h", HOST, "-p", str(port), "-t", tests, "-c", str(CLIENTS),
            "-n", str(n), "-P", str(pipeline), "-q", "--csv"]
    if keyspace > 0:
        argv[1:1] = ["-r", str(keyspace)]
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise RuntimeError(f"{' '.join(argv)} timed out after {timeout:.0f} s; "
                           f"stdout so far: {(e.stdout or '')[-500:]!r}")
    results = {}
    for row in csv.reader(io.StringIO(p.stdout)):
        if len(row) >= 2 and row[0] in ("SET", "GET"):
            rec = {"rps": float(row[1])}
            if len(row) >= 8:
                rec.update(avg_ms=float(row[2]), p50_ms=float(row[4]), p95_ms=float(row[5]),
                           p99_ms=float(row[6]), max_ms=float(row[7]))
            results[row[0]] = rec
    wanted = [t.upper() for t in tests.split(",")]
    if p.returncode != 0 or any(t not in results for t in wanted):
        raise RuntimeError(f"{' '.join(argv)} exited {p.returncode}; stdout: {p.stdout[-800:]!r}; "
                           f"stderr: {p.stderr[-800:]!r}")
    if p.stderr.strip():
        log(f"redis-benchmark stderr: {p.stderr.strip()[:300]}")
    return results


def scan_keel_log(text):
    """Lines at warn level or above (keel logs '<time> <level> <logger>: ...')."""
    bad = []
    for line in text.splitlines():
        parts = line.split(None, 2)
        if len(parts) >= 2 and parts[1] in ("warn", "warning", "error", "err", "critical"):
            bad.append(line)
    return bad


def run_mode(mode, build_dir, n, trials, timeout, samples, notes, keyspace=0, p16_factor=5):
    """Runs one persistence mode; fills samples[case][server] with per-trial results."""
    durable = mode == "durable"
    tests = "set" if durable else "set,get"
    sync = "group" if durable else "none"
    suffix = "_durable" if durable else ""
    workdir = tempfile.mkdtemp(prefix=f"keel-resp-bench-{mode}-")
    servers = []
    failed = True
    try:
        log(f"{mode}: starting redis-server ({'appendfsync always' if durable else 'no AOF, no RDB'})"
            f" and keel-node (shards.sync={sync}) from {build_dir}")
        redis = start_redis(workdir, durable)
        servers.append(redis)
        keel = start_keel(workdir, build_dir, sync)
        servers.append(keel)
        log(f"{mode}: redis on {HOST}:{redis.port}, keel on {HOST}:{keel.port}")
        for s in (redis, keel):
            sanity_check(s)
        for trial in range(1, trials + 1):
            for pipeline in (1, 16):
                for s in (redis, keel):
                    t0 = time.monotonic()
                    reqs = n * p16_factor if pipeline == 16 else n
                    res = run_redis_benchmark(s.port, tests, reqs, pipeline, timeout, keyspace)
                    dt = time.monotonic() - t0
                    for test, rec in res.items():
                        case = f"{test.lower()}_p{pipeline}{suffix}"
                        samples.setdefault(case, {"redis": [], "keel": []})[s.name].append(rec)
                    log(f"{mode} trial {trial}/{trials} -P {pipeline:<2} {s.name:5}: "
                        + ", ".join(f"{t} {r['rps']:,.0f} rps (p99 {r.get('p99_ms', float('nan'))} ms)"
                                    for t, r in res.items()) + f"  [{dt:.1f} s]")
                    if s.proc.poll() is not None:
                        raise RuntimeError(f"{s.name} exited with {s.proc.returncode} during the run")
        for s in (redis, keel):
            sanity_check(s)
        failed = False
    finally:
        for s in reversed(servers):
            t0 = time.monotonic()
            rc = s.stop()
            log(f"{mode}: {s.name} stopped, exit code {rc} ({time.monotonic() - t0:.2f} s)")
            if s.name == "keel":
                if rc != 0:
                    notes.append(f"{mode}: keel-node exit code {rc} after SIGTERM")
                bad = scan_keel_log(s.log_text())
                if bad:
                    notes.append(f"{mode}: keel-node logged {len(bad)} warn/error line(s), "
                                 f"first: {bad[0][:300]}")
                    for line in bad[:10]:
                        log(f"{mode}: keel log: {line[:300]}")
                if failed or rc != 0 or bad:
                    kept = os.path.join(tempfile.gettempdir(),
                                        f"keel-resp-bench-{mode}-{os.getpid()}.log")
                    shutil.copyfile(s.logpath, kept)
                    log(f"{mode}: keel-node log kept in {kept}")
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small N (a run of about a minute)")
    ap.add_argument("--requests", "-n", type=int, default=None,
                    help="requests per redis-benchmark run (default 200000; --quick 20000)")
    ap.add_argument("--p16-factor", type=int, default=5,
                    help="-P 16 runs send this many times more requests (default 5), so that "
                         "they last about as long as -P 1 runs")
    ap.add_argument("--durable-requests", type=int, default=None,
                    help="requests per durable run (default: as --requests)")
    ap.add_argument("--trials", type=int, default=3)
    ap.add_argument("--build-dir", default=os.environ.get("KEEL_BUILD_DIR", "build-release"),
                    help="where keel-node is (default $KEEL_BUILD_DIR or build-release)")
    ap.add_argument("--keyspace", type=int, default=0,
                    help="pass -r KEYSPACE to redis-benchmark (random keys); default 0: its "
                         "single key 'key:__rand_int__', as the standard command does")
    ap.add_argument("--modes", default="plain,durable", help="plain,durable (default both)")
    args = ap.parse_args()
    n = args.requests or (20000 if args.quick else 200000)
    nd = args.durable_requests or n
    build_dir = args.build_dir if os.path.isabs(args.build_dir) else os.path.join(ROOT, args.build_dir)
    if not os.access(os.path.join(build_dir, "keel-node"), os.X_OK):
        log(f"no keel-node in {build_dir}")
        return 2
    for tool in ("redis-server", "redis-benchmark"):
        if shutil.which(tool) is None:
            log(f"{tool} not found (Debian: redis-server, redis-tools; scripts/setup installs them)")
            return 2

    stop = {"signal": None}

    def on_signal(signum, _frame):
        stop["signal"] = signum
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)

    samples, notes = {}, []
    modes = [m for m in args.modes.split(",") if m]
    timeout = 600.0
    t_start = time.monotonic()
    try:
        for mode in modes:
            if mode not in ("plain", "durable"):
                log(f"unknown mode {mode!r}")
                return 2
            run_mode(mode, build_dir, nd if mode == "durable" else n, args.trials, timeout,
                     samples, notes, args.keyspace, args.p16_factor)
    except KeyboardInterrupt:
        log("interrupted; servers stopped")
        return 130
    except RuntimeError as e:
        log(f"FAILED: {e}")
        for note in notes:
            log(f"note: {note}")
        print(json.dumps({"bench": "resp", "case": "summary", "error": str(e)[:2000],
                          "notes": notes}), flush=True)
        return 1

    order = ["set_p1", "get_p1", "set_p16", "get_p16", "set_p1_durable", "set_p16_durable"]
    summary = {"bench": "resp", "case": "summary"}
    ratios = []
    for case in order:
        if case not in samples:
            continue
        k = [r["rps"] for r in samples[case]["keel"]]
        r = [x["rps"] for x in samples[case]["redis"]]
        km, rm = statistics.median(k), statistics.median(r)
        ratio = km / rm if rm > 0 else 0.0
        ratios.append(ratio)
        line = {"bench": "resp", "case": case, "keel_rps": round(km), "redis_rps": round(rm),
                "ratio": round(ratio, 3), "keel_trials": [round(x) for x in k],
                "redis_trials": [round(x) for x in r],
                "n": (nd if case.endswith("_durable") else n)
                     * (args.p16_factor if "_p16" in case else 1), "clients": CLIENTS}
        for who in ("keel", "redis"):
            p99 = [x["p99_ms"] for x in samples[case][who] if "p99_ms" in x]
            if p99:
                line[f"{who}_p99_ms_median"] = statistics.median(p99)
        print(json.dumps(line), flush=True)
        summary[f"keel_rps_{case}"] = round(km)
        summary[f"redis_rps_{case}"] = round(rm)
        summary[f"ratio_{case}"] = round(ratio, 3)
    summary["ratio_min"] = round(min(ratios), 3) if ratios else None
    summary["trials"] = args.trials
    summary["n"] = n
    summary["n_p16"] = n * args.p16_factor
    summary["quick"] = args.quick
    if args.keyspace:
        summary["keyspace"] = args.keyspace
    summary["seconds"] = round(time.monotonic() - t_start, 1)
    if notes:
        summary["notes"] = notes
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
