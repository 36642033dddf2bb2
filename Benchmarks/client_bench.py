#!/usr/bin/env python3
"""GossipKV's Redis-protocol figures beside Debian's redis-server, in one run on loopback.

Run it through `bash Benchmarks/client-bench.sh [--quick]` (it installs redis-server when
missing, builds `gossipkv` in release mode and cleans up). Figures are printed, not asserted.
See Benchmarks/README.md, "Client benchmarks", for what each figure means.

Every process here is started by this script and stopped by its PID: one redis-server
(`--save '' --appendonly no`, a temp dir), one `gossipkv node` (no multicast, its own cluster
secret), and one `gossipkv cluster --nodes 3` (loopback, static seeds, no multicast).
"""

import argparse
import atexit
import csv
import datetime
import io
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_lab import Resp, rss_breakdown_kib, rss_kib  # noqa: E402

REDIS_PORT = 7391
NODE_RESP_PORT = 7390
NODE_GOSSIP_PORT = 7392
BASELINE_RESP_PORT = 7393  # --baseline: a second node from another build, for before/after
BASELINE_GOSSIP_PORT = 7394
CLUSTER_RESP_BASE = 7001
CLUSTER_GOSSIP_BASE = 7101
SERF_BIND_PORT = 7946  # --only idle: a lone serf agent on loopback
SERF_RPC_PORT = 7373
SECRET = "client bench secret words"

# Targets beside redis-server in the same run (README, "Throughput and memory beside redis-server").
TARGET_P1 = 1.0
TARGET_P16 = 0.8
TARGET_VISIBLE_P99_MS = 10.0
TARGET_MEMORY_RATIO = 2.0
TARGET_CLUSTER_VS_NODE_P16 = 0.5  # node 1 of a 3-node cluster against the single node, -P 16

processes = []  # every child we started, stopped by PID at exit


def stop(process, grace=10.0):
    """SIGINT (gossipkv leaves cleanly; redis-server exits), then SIGKILL after the grace."""
    if process.poll() is not None:
        return
    children = child_pids(process.pid)
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for pid in children:  # `gossipkv cluster`'s nodes, should they outlive it
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def stop_all():
    for process in reversed(processes):
        stop(process)


atexit.register(stop_all)


def child_pids(pid):
    found = []
    try:
        for task in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, task)) as f:
                found += [int(p) for p in f.read().split()]
    except (FileNotFoundError, ProcessLookupError):
        pass
    return found


def spawn(args, log_path):
    log = open(log_path, "wb")
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    processes.append(process)
    return process


def port_free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def connect(port, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return Resp(sock)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def wait_ready(port, process, timeout=60.0):
    """Until PING answers PONG (a node answers as soon as its RESP server is bound)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("client_bench: the process behind port %d exited (status %s)" % (port, process.returncode))
        try:
            client = connect(port, timeout=0.5)
            if client.call("PING") == "PONG":
                client.close()
                return
            client.close()
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit("client_bench: port %d did not answer PING within %.0f s" % (port, timeout))


def start_redis(run_dir):
    data = tempfile.mkdtemp(prefix="redis-", dir=run_dir)
    process = spawn(
        ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", data, "--daemonize", "no"],
        os.path.join(run_dir, "redis.log"))
    wait_ready(REDIS_PORT, process)
    return process


def start_node(gossipkv, run_dir, resp_port=None, gossip_port=None):
    resp_port = resp_port or NODE_RESP_PORT
    gossip_port = gossip_port or NODE_GOSSIP_PORT
    data = tempfile.mkdtemp(prefix="node-", dir=run_dir)
    # The passphrase from a 0600 file: gossipkv refuses it on argv (visible in /proc/PID/cmdline).
    secret_file = os.path.join(run_dir, "cluster-secret")
    with open(os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
        out.write(SECRET + "\n")
    process = spawn(
        [gossipkv, "node", "--name", "bench", "--bind", "127.0.0.1", "--gossip-port", str(gossip_port),
         "--resp-port", str(resp_port), "--metrics-port", "0", "--no-multicast", "--data-dir", data,
         "--cluster-secret-file", secret_file, "--cluster-name", "client-bench", "--log-level", "warning"],
        os.path.join(run_dir, "node-%d.log" % resp_port))
    wait_ready(resp_port, process)
    return process


def start_cluster(gossipkv, run_dir, nodes=3):
    data = tempfile.mkdtemp(prefix="cluster-", dir=run_dir)
    process = spawn(
        [gossipkv, "cluster", "--nodes", str(nodes), "--dir", data, "--resp-base", str(CLUSTER_RESP_BASE),
         "--gossip-base", str(CLUSTER_GOSSIP_BASE), "--metrics-base", "0", "--log-level", "warning"],
        os.path.join(run_dir, "cluster.log"))
    ports = [CLUSTER_RESP_BASE + i for i in range(nodes)]
    for port in ports:
        wait_ready(port, process)
    # Joined when a write on node 1 is readable on every other node.
    writer = connect(ports[0])
    readers = [connect(p) for p in ports[1:]]
    deadline = time.monotonic() + 60
    while True:
        token = str(time.time_ns())
        writer.call("SET", "bench:probe", token)
        time.sleep(0.2)
        if all(r.call("GET", "bench:probe") == token.encode() for r in readers):
            break
        if time.monotonic() > deadline:
            sys.exit("client_bench: the 3-node cluster did not converge within 60 s (see cluster.log)")
    for client in [writer] + readers:
        client.close()
    return process


# ---------------------------------------------------------------------------------------------
# Throughput: redis-benchmark


def redis_benchmark(port, pipeline, requests, clients):
    out = subprocess.run(
        ["redis-benchmark", "-p", str(port), "-t", "set,get", "-n", str(requests), "-c", str(clients),
         "-P", str(pipeline), "--csv"],
        check=True, capture_output=True, text=True).stdout
    rows = {}
    for row in csv.DictReader(io.StringIO(out)):
        rows[row["test"].lower()] = float(row["rps"])
    return rows


def cpu_seconds(pids):
    """User + system CPU time of these processes so far (from /proc/PID/stat)."""
    total = 0
    for pid in pids:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def throughput(targets, requests, clients, reps):
    """targets: [(label, port, server pids)]; interleaved reps so drift in machine load hits
    all alike. Besides requests per second, the servers' CPU time per request: on a machine
    shared with other work it moves far less than throughput does."""
    results, cpu = {}, {}
    for pipeline in (1, 16):
        for rep in range(reps):
            for label, port, pids in targets:
                before = cpu_seconds(pids)
                rows = redis_benchmark(port, pipeline, requests, clients)
                per_request = (cpu_seconds(pids) - before) * 1e6 / (requests * len(rows))
                cpu.setdefault((label, pipeline), []).append(per_request)
                for test, rps in rows.items():
                    results.setdefault((label, pipeline, test), []).append(rps)
                print("  -P %-2d rep %d %-26s SET %9.0f/s  GET %9.0f/s  server CPU %6.2f us/request" % (
                    pipeline, rep + 1, label, rows.get("set", 0), rows.get("get", 0), per_request), flush=True)
    medians = {key: statistics.median(values) for key, values in results.items()}
    return medians, {key: statistics.median(values) for key, values in cpu.items()}


# ---------------------------------------------------------------------------------------------
# Memory per key


def load_commands(count):
    """`count` SETs of 16-byte keys and 32-byte values, in chunks of 1,000 commands."""
    chunks = []
    for start in range(0, count, 1000):
        parts = []
        for i in range(start, min(count, start + 1000)):
            key = b"k%015d" % i
            value = b"v%031d" % i
            parts.append(b"*3\r\n$3\r\nSET\r\n$16\r\n%s\r\n$32\r\n%s\r\n" % (key, value))
        chunks.append((len(parts), b"".join(parts)))
    return chunks


def load(port, chunks):
    """Pipelined: send a chunk, read its replies, so socket buffers never deadlock."""
    client = connect(port)
    sock = client.sock
    began = time.monotonic()
    for count, data in chunks:
        sock.sendall(data)
        expected = b"+OK\r\n" * count
        got = bytearray()
        while len(got) < len(expected):
            chunk = sock.recv(len(expected) - len(got))
            if not chunk:
                sys.exit("client_bench: connection closed while loading")
            got += chunk
        if bytes(got) != expected:
            sys.exit("client_bench: a SET was refused while loading: %r" % bytes(got[:200]))
    elapsed = time.monotonic() - began
    client.close()
    return elapsed


def memory(label, process, port, chunks, keys):
    client = connect(port)
    time.sleep(1.0)
    before = rss_kib(process.pid)
    elapsed = load(port, chunks)
    time.sleep(2.0)
    after = rss_kib(process.pid)
    client.sock.settimeout(600)
    began = time.monotonic()
    dbsize = client.call("DBSIZE")
    dbsize_s = time.monotonic() - began
    client.close()
    per_key = (after - before) * 1024.0 / keys
    print("  %-22s RSS %7.1f MiB -> %7.1f MiB  %.1f bytes/key  (load %.1f s, %.0f SET/s; DBSIZE %d in %.3f s)" % (
        label, before / 1024, after / 1024, per_key, elapsed, keys / elapsed, dbsize, dbsize_s), flush=True)
    return {"before": before, "after": after, "dbsize": dbsize, "per_key": per_key, "load_s": elapsed}


# ---------------------------------------------------------------------------------------------
# Write on node 1 -> readable on nodes 2 and 3


def visibility(ports, writes, gap_s):
    writer = connect(ports[0])
    readers = [connect(p) for p in ports[1:]]
    everywhere, per_node, acks = [], [[] for _ in readers], []
    for i in range(writes):
        key = "lat:%d" % i
        value = ("%d-%d" % (i, time.time_ns())).encode()
        began = time.perf_counter()
        reply = writer.call("SET", key, value)
        acks.append(time.perf_counter() - began)
        if reply != "OK":
            sys.exit("client_bench: SET on node 1 answered %r" % (reply,))
        pending = set(range(len(readers)))
        deadline = began + 5.0
        while pending:
            for index in list(pending):
                if readers[index].call("GET", key) == value:
                    per_node[index].append(time.perf_counter() - began)
                    pending.discard(index)
            if time.perf_counter() > deadline:
                sys.exit("client_bench: write %d not visible everywhere after 5 s" % i)
        everywhere.append(max(node[-1] for node in per_node))
        time.sleep(gap_s)
    for client in [writer] + readers:
        client.close()
    return everywhere, per_node, acks


def pct(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(fraction * len(ordered) + 0.5)) - 1))
    return ordered[index]


def ms(seconds):
    return "%.2f ms" % (seconds * 1000)


# ---------------------------------------------------------------------------------------------


def header():
    redis_version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.strip()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=os.path.dirname(os.path.abspath(__file__))).stdout.strip()
    print("GossipKV client benchmarks — %s" % datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    print("machine: %s, %d cores, load average %s" % (
        platform.platform(), os.cpu_count(), " ".join("%.2f" % v for v in os.getloadavg())))
    print("gossipkv commit %s (release build); %s" % (commit or "?", redis_version))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gossipkv", required=True, help="the release gossipkv binary")
    parser.add_argument("--run-dir", required=True, help="directory for logs and data (emptied by the caller)")
    parser.add_argument("--quick", action="store_true", help="fewer requests and keys: a smoke test")
    parser.add_argument("--only", default="throughput,cluster,memory,visibility,idle",
                        help="comma-separated subset of throughput,cluster,memory,visibility,idle")
    parser.add_argument("--baseline", action="append", default=[],
                        help="another gossipkv binary (an earlier build) to measure beside, for before/after "
                        "figures in one run (repeatable)")
    parser.add_argument("--reps", type=int, help="interleaved redis-benchmark runs per figure (default 3)")
    parser.add_argument("--port-offset", type=int, default=0,
                        help="add this to every port (another run of this script on the machine holds the defaults)")
    options = parser.parse_args()
    if options.port_offset:
        global REDIS_PORT, NODE_RESP_PORT, NODE_GOSSIP_PORT, BASELINE_RESP_PORT, BASELINE_GOSSIP_PORT
        global CLUSTER_RESP_BASE, CLUSTER_GOSSIP_BASE, SERF_BIND_PORT, SERF_RPC_PORT
        REDIS_PORT += options.port_offset
        NODE_RESP_PORT += options.port_offset
        NODE_GOSSIP_PORT += options.port_offset
        BASELINE_RESP_PORT += options.port_offset
        BASELINE_GOSSIP_PORT += options.port_offset
        CLUSTER_RESP_BASE += options.port_offset
        CLUSTER_GOSSIP_BASE += options.port_offset
        SERF_BIND_PORT += options.port_offset
        SERF_RPC_PORT += options.port_offset
    only = set(options.only.split(","))
    requests = 20_000 if options.quick else 200_000
    clients = 50
    reps = options.reps or (1 if options.quick else 3)
    keys = 100_000 if options.quick else 1_000_000
    writes = 100 if options.quick else 1000

    busy = [p for p in [REDIS_PORT, NODE_RESP_PORT, NODE_GOSSIP_PORT]
            + [BASELINE_RESP_PORT + i for i in range(2 * len(options.baseline))]
            + [CLUSTER_RESP_BASE + i for i in range(3)] + [CLUSTER_GOSSIP_BASE + i for i in range(3)]
            if not port_free(p)]
    if busy:
        sys.exit("client_bench: loopback ports %s are in use; stop what holds them" % busy)

    header()
    summary = []
    single = {}
    if "throughput" in only or "cluster" in only:
        redis = start_redis(options.run_dir)
        node = start_node(options.gossipkv, options.run_dir)
        print("\n== throughput: redis-benchmark -t set,get -n %d -c %d -P {1,16}, median of %d interleaved runs"
              % (requests, clients, reps), flush=True)
        targets = [("redis-server", REDIS_PORT, [redis.pid]), ("gossipkv node", NODE_RESP_PORT, [node.pid])]
        baselines = []
        for index, binary in enumerate(options.baseline):
            resp_port, gossip_port = BASELINE_RESP_PORT + 2 * index, BASELINE_GOSSIP_PORT + 2 * index
            baselines.append(start_node(binary, options.run_dir, resp_port, gossip_port))
            targets.append(("gossipkv node (baseline %d)" % (index + 1), resp_port, [baselines[-1].pid]))
        cluster = None
        if "cluster" in only:
            cluster = start_cluster(options.gossipkv, options.run_dir)
            # CPU of all three nodes: node 1 serves, nodes 2 and 3 apply what it replicates.
            targets.append(("gossipkv cluster node 1", CLUSTER_RESP_BASE, child_pids(cluster.pid)))
        single, cpu = throughput(targets, requests, clients, reps)
        print("\n  %-26s %-4s %12s %12s %10s %10s %14s" % (
            "server", "-P", "SET/s", "GET/s", "SET ratio", "GET ratio", "CPU us/request"))
        for pipeline in (1, 16):
            for label, _, _ in targets:
                row = [single[(label, pipeline, t)] for t in ("set", "get")]
                base = [single[("redis-server", pipeline, t)] for t in ("set", "get")]
                print("  %-26s %-4d %12.0f %12.0f %9.2fx %9.2fx %8.2f (%4.1fx)" % (
                    label, pipeline, row[0], row[1], row[0] / base[0], row[1] / base[1], cpu[(label, pipeline)],
                    cpu[(label, pipeline)] / cpu[("redis-server", pipeline)]))
        print("  (medians of %d runs; CPU: the server processes' user+system time over SET and GET requests "
              "together; for the cluster, all three nodes)" % reps)
        if cluster is not None:
            print("\n  node 1 of the 3-node cluster against the single node (same run, medians):")
            for pipeline in (1, 16):
                ratios = [single[("gossipkv cluster node 1", pipeline, t)] / single[("gossipkv node", pipeline, t)]
                          for t in ("set", "get")]
                cpu_ratio = cpu[("gossipkv cluster node 1", pipeline)] / cpu[("gossipkv node", pipeline)]
                print("  -P %-2d SET %.2fx  GET %.2fx  CPU per request (all three nodes) %.1fx" % (
                    pipeline, ratios[0], ratios[1], cpu_ratio))
                target = TARGET_CLUSTER_VS_NODE_P16 if pipeline == 16 else None
                summary.append(("cluster node 1 vs single node -P %d (worse of SET/GET)" % pipeline,
                                "%.2fx" % min(ratios), ">= %.1fx" % target if target else "—",
                                None if target is None else min(ratios) >= target))
        for label, _, _ in targets[1:]:
            if "baseline" in label:
                continue
            for pipeline, target in ((1, TARGET_P1), (16, TARGET_P16)):
                worst = min(single[(label, pipeline, t)] / single[("redis-server", pipeline, t)] for t in ("set", "get"))
                summary.append(("throughput %s -P %d (worse of SET/GET)" % (label, pipeline),
                                "%.2fx" % worst, ">= %.1fx" % target, worst >= target))
        if cluster is not None and "visibility" in only:
            ports = [CLUSTER_RESP_BASE + i for i in range(3)]
            print("\n== write on node 1 -> readable on nodes 2 and 3 (RESP SET, then GET polled on both; "
                  "%d writes, 5 ms apart)" % writes, flush=True)
            everywhere, per_node, acks = visibility(ports, writes, 0.005)
            print("  SET acknowledged by node 1:   p50 %s  p99 %s" % (ms(pct(acks, .5)), ms(pct(acks, .99))))
            for index, values in enumerate(per_node):
                print("  readable on node %d:           p50 %s  p99 %s  max %s" % (
                    index + 2, ms(pct(values, .5)), ms(pct(values, .99)), ms(max(values))))
            p99 = pct(everywhere, .99)
            print("  readable on nodes 2 and 3:    p50 %s  p99 %s  max %s" % (
                ms(pct(everywhere, .5)), ms(p99), ms(max(everywhere))))
            summary.append(("write visible on all 3 nodes, p99", ms(p99), "< %.0f ms" % TARGET_VISIBLE_P99_MS,
                            p99 * 1000 < TARGET_VISIBLE_P99_MS))
        for process in [cluster] + baselines + [node, redis]:
            if process is not None:
                stop(process)

    if "memory" in only:
        print("\n== memory: RSS before/after loading %d keys (16-byte keys, 32-byte values, pipelined SETs "
              "1,000 a batch), fresh processes" % keys, flush=True)
        chunks = load_commands(keys)
        redis = start_redis(options.run_dir)
        redis_memory = memory("redis-server", redis, REDIS_PORT, chunks, keys)
        stop(redis)
        node = start_node(options.gossipkv, options.run_dir)
        node_memory = memory("gossipkv node", node, NODE_RESP_PORT, chunks, keys)
        stop(node)
        ratio = node_memory["per_key"] / redis_memory["per_key"]
        print("  gossipkv / redis-server bytes per key: %.2fx" % ratio)
        summary.append(("memory per key vs redis-server", "%.2fx (%.0f vs %.0f B)" % (
            ratio, node_memory["per_key"], redis_memory["per_key"]), "<= %.1fx" % TARGET_MEMORY_RATIO,
            ratio <= TARGET_MEMORY_RATIO))

    if "idle" in only:
        print("\n== idle RSS: a fresh `gossipkv node` (data directory, no peers) and a lone `serf agent` on "
              "loopback, 10 s after start; by mapping from /proc/PID/smaps", flush=True)
        node = start_node(options.gossipkv, options.run_dir)
        serf = None
        if shutil.which("serf"):
            serf = spawn(["serf", "agent", "-node=client-bench", "-bind=127.0.0.1:%d" % SERF_BIND_PORT,
                          "-rpc-addr=127.0.0.1:%d" % SERF_RPC_PORT], os.path.join(options.run_dir, "serf.log"))
        time.sleep(10)
        for label, process in (("gossipkv node", node), ("serf agent", serf)):
            if process is None:
                print("  %-14s not installed (apt-get install -y serf)" % label)
                continue
            groups = rss_breakdown_kib(process.pid)
            total = sum(groups.values())
            print("  %-14s RSS %5.1f MiB: %s" % (label, total / 1024, ", ".join(
                "%s %.1f" % (group, kib / 1024) for group, kib in sorted(groups.items(), key=lambda g: -g[1])
                if kib >= 52)))
            summary.append(("idle RSS, %s" % label, "%.1f MiB" % (total / 1024), "—", None))
        for process in (serf, node):
            if process is not None:
                stop(process)

    print("\n== summary (printed, not asserted)")
    for name, value, target, met in summary:
        verdict = "(no target)" if met is None else "met" if met else "NOT met"
        print("  %-56s %-22s target %-8s %s" % (name, value, target, verdict))


if __name__ == "__main__":
    main()
