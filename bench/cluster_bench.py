#!/usr/bin/env python3
"""One keel-node against a cluster of three on this machine (scripts/bench cluster).

Starts a single keel-node (12 shards) and a three-node cluster (examples/cluster/, 4 shards
each) on loopback, with the same sync policy (--sync, default none), and runs the identical
redis-benchmark command (-t set,get -c 50 -P 16 -r 100000) against the single node and against
node a of the cluster, alternately, --trials times. Two thirds of the cluster's keys live on
the other two nodes, so most commands take a network hop (CAF's BASP over TCP) there and back.

Then it measures that hop: one connection to node a sends GETs one at a time, for keys whose
shard node a hosts (local) and for keys of the other nodes' shards (remote), interleaved; the
latency of each is taken at the client.

Output: progress on stderr; JSON lines on stdout, the last one the summary with rps_1_node,
rps_3_nodes (requests/s, mean of SET and GET, median over trials), their ratio, local_p50_ms,
local_p99_ms, remote_hop_p50_ms, remote_hop_p99_ms (the remote requests' latency) and
remote_hop_cost_p50_ms (remote minus local median).
keel-node is taken from $KEEL_BUILD_DIR (default build-release) or --build-dir. Stdlib only.
"""
import argparse
import json
import os
import socket
import statistics
import sys
import tempfile
import time
import shutil

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import resp_bench as rb  # noqa: E402  (Server, free_port, await_keel, run_redis_benchmark)

ROOT = rb.ROOT
SHARDS = 12
PLACEMENT = {"a": range(0, 4), "b": range(4, 8), "c": range(8, 12)}


def log(msg):
    print(f"[cluster_bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def shard_of(key):
    """The router's hash for a key without a {hash tag}: FNV-1a 64 of its bytes, mod the
    shard count."""
    h = 0xcbf29ce484222325
    for b in key.encode():
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h % SHARDS


def peers_up(text):
    """The peers a node's log last reported up."""
    up = set()
    for line in text.splitlines():
        i = line.find("cluster: node '")
        if i < 0:
            continue
        peer = line[i + 15:].split("'", 1)[0]
        if "' is up" in line:
            up.add(peer)
        elif "' is unreachable" in line:
            up.discard(peer)
    return up


def start_node(workdir, build_dir, name, sync, cluster_ports=None, timeout=60.0):
    data = os.path.join(workdir, f"data-{name}")
    os.makedirs(data, exist_ok=True)
    if cluster_ports:
        config = os.path.join(ROOT, "examples", "cluster", f"node-{name}.yaml")
    else:
        config = os.path.join(ROOT, "examples", "node.yaml")
    argv = [os.path.join(build_dir, "keel-node"), "--config", config,
            "--set", "gateway.port=0", "--set", "http.enabled=false",
            "--set", f"node.data_dir={data}", "--set", f"shards.sync={sync}",
            "--set", f"shards.count={SHARDS}"]
    for i, port in enumerate(cluster_ports or []):
        argv += ["--set", f"cluster.nodes.{i}.address=127.0.0.1:{port}"]
    s = rb.Server(f"keel-{name}", argv, workdir)
    s.wanted_peers = set(PLACEMENT) - {name} if cluster_ports else set()
    s.deadline = time.monotonic() + timeout
    return s


def await_ready(s):
    """Waits for the gateway, the ready line and (in the cluster) every peer up."""
    rb.await_keel(s, s.deadline, lambda text: s.wanted_peers <= peers_up(text))


def one_by_one(port, keys):
    """Latency in ms of a GET of each key, sent one at a time on one connection."""
    out = []
    with socket.create_connection((rb.HOST, port), timeout=10.0) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        f = s.makefile("rb")
        for key in keys:
            b = key.encode()
            msg = b"*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n" % (len(b), b)
            t0 = time.perf_counter()
            s.sendall(msg)
            line = f.readline()
            if line.startswith(b"$") and int(line[1:]) >= 0:
                f.read(int(line[1:]) + 2)
            elif line.startswith(b"-"):
                raise RuntimeError(f"GET {key} failed: {line!r}")
            out.append((time.perf_counter() - t0) * 1000.0)
    return out


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.environ.get("KEEL_BUILD_DIR", "build-release"))
    ap.add_argument("--n", type=int, default=200000, help="requests per redis-benchmark run")
    ap.add_argument("--trials", type=int, default=3)
    ap.add_argument("--samples", type=int, default=5000, help="GETs per side for the hop")
    ap.add_argument("--sync", default="none", choices=["none", "group", "interval"])
    ap.add_argument("--quick", action="store_true", help="--n 20000 --trials 1 --samples 500")
    args = ap.parse_args()
    if args.quick:
        args.n, args.trials, args.samples = 20000, 1, 500
    build_dir = os.path.join(ROOT, args.build_dir) if not os.path.isabs(args.build_dir) \
        else args.build_dir
    workdir = tempfile.mkdtemp(prefix="keel-cluster-bench-")
    servers = []
    try:
        ports = [rb.free_port() for _ in PLACEMENT]
        single = start_node(workdir, build_dir, "single", args.sync)
        servers.append(single)
        nodes = {n: start_node(workdir, build_dir, n, args.sync, ports) for n in PLACEMENT}
        servers += nodes.values()
        for s in servers:
            await_ready(s)
        log(f"single node on {single.port}; cluster gateways "
            + ", ".join(f"{n}:{s.port}" for n, s in nodes.items()))
        rps = {"1_node": [], "3_nodes": []}
        for t in range(args.trials):
            for case, port in (("1_node", single.port), ("3_nodes", nodes["a"].port)):
                r = rb.run_redis_benchmark(port, "set,get", args.n, 16, 600, keyspace=100000)
                mean = (r["SET"]["rps"] + r["GET"]["rps"]) / 2
                rps[case].append(mean)
                print(json.dumps({"bench": "cluster", "case": case, "trial": t,
                                  "set_rps": r["SET"]["rps"], "get_rps": r["GET"]["rps"],
                                  "rps": mean}), flush=True)
                log(f"{case} trial {t}: SET {r['SET']['rps']:.0f}/s GET {r['GET']['rps']:.0f}/s")
        local, remote = [], []
        i = 0
        while len(local) < args.samples or len(remote) < args.samples:
            key = f"hop:{i}"
            i += 1
            (local if shard_of(key) in PLACEMENT["a"] else remote).append(key)
        local, remote = local[:args.samples], remote[:args.samples]
        lat_local, lat_remote = [], []
        for j in range(0, args.samples, 100):  # interleaved, so both see the same machine
            lat_local += one_by_one(nodes["a"].port, local[j:j + 100])
            lat_remote += one_by_one(nodes["a"].port, remote[j:j + 100])
        summary = {
            "bench": "cluster", "case": "summary", "sync": args.sync, "n": args.n,
            "trials": args.trials, "samples": args.samples, "cpus": os.cpu_count(),
            "rps_1_node": round(statistics.median(rps["1_node"]), 1),
            "rps_3_nodes": round(statistics.median(rps["3_nodes"]), 1),
            "local_p50_ms": round(pct(lat_local, 50), 4),
            "local_p99_ms": round(pct(lat_local, 99), 4),
            "remote_hop_p50_ms": round(pct(lat_remote, 50), 4),
            "remote_hop_p99_ms": round(pct(lat_remote, 99), 4),
        }
        summary["ratio_3_to_1"] = round(summary["rps_3_nodes"] / summary["rps_1_node"], 3)
        summary["remote_hop_cost_p50_ms"] = round(summary["remote_hop_p50_ms"]
                                                  - summary["local_p50_ms"], 4)
        print(json.dumps(summary), flush=True)
    finally:
        for s in servers:
            if s.stop() not in (0, None):
                log(f"{s.name} did not stop cleanly:\n{s.log_text()[-2000:]}")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
