#!/usr/bin/env python3
"""p99 client latency on a 3-node loopback cluster, idle and during a 100k datagrams/s junk flood.

Run it through `bash Benchmarks/flood-bench.sh` (it builds `gossipkv` in release mode). Figures
are printed, not asserted. Loopback only: the cluster is `gossipkv cluster --nodes 3` (127.0.0.1,
static seeds, no multicast) and the flood goes to node 1's gossip port on 127.0.0.1.

The flood is issue 13's junk, in equal thirds, each datagram distinct:
- garbage: 200 random bytes (refused at the header: unsupported version or malformed);
- strangers: a well-formed header for this cluster from an id nobody admitted (unknown sender);
- forgeries: node 2's id, addressed to node 1, a fresh sequence number each and a random
  64-byte signature whose S is canonical (so libsodium cannot refuse it early): each passes
  every cheap check, so only the verification budget (and the forgery memo, for resends)
  stands between it and a full Ed25519 verification.
The sender is a separate process pacing itself to the target rate in batches of 500.

While idle and then while flooded, one client on node 1 runs SET/GET in turn, one request at a
time, for the same duration; the script prints p50/p99/max of each, how many requests ran, the
flood's achieved rate, node 1's rejection counters by reason and signature checks (from
/metrics), and whether the cluster still lists 3 alive members and replicates a write.
"""

import argparse
import atexit
import base64
import multiprocessing
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_lab import parse_info_cluster  # noqa: E402
from client_bench import connect, wait_ready  # noqa: E402

RESP_BASE = 7041
GOSSIP_BASE = 7141
METRICS_BASE = 7241
processes = []


def stop_all():
    for process in reversed(processes):
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


atexit.register(stop_all)


def certificate_ids(path):
    """(cluster id, node id) from a node.cert file: header line, then base64 of the certificate,
    whose bytes 1-17 are the cluster id and 17-33 the node id."""
    with open(path) as f:
        lines = [line.strip() for line in f if line.strip()]
    raw = base64.b64decode(lines[1])
    return raw[1:17], raw[17:33]


def header(kind, cluster, sender, recipient, boot_epoch, channel, sequence, hlc, body_length):
    return struct.pack(">BB16s16s16sQBQQI", 1, kind, cluster, sender, recipient, boot_epoch, channel,
                       sequence, hlc, body_length)


def flood(port, rate, seconds, cluster, member, target, counter):
    """Sends `rate` datagrams a second for `seconds` to 127.0.0.1:port; stores the count sent."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    address = ("127.0.0.1", port)
    rng = random.Random(13)
    stranger = bytes(rng.getrandbits(8) for _ in range(16))
    boot_epoch = int(time.time() * 1000) << 16
    body = bytes(rng.getrandbits(8) for _ in range(40))
    # R random, S below 2^252 (so below the group order L): libsodium then does the whole
    # verification instead of refusing a non-canonical S at once, as it would for most random
    # signatures. An attacker makes the node pay the most; so does this flood.
    signature = bytearray(rng.getrandbits(8) for _ in range(64))
    signature[63] &= 0x0F
    signature = bytes(signature)
    garbage = [bytes(rng.getrandbits(8) for _ in range(200)) for _ in range(64)]
    sent, sequence, batch = 0, 0, 500
    start = time.monotonic()
    while True:
        elapsed = time.monotonic() - start
        if elapsed >= seconds:
            break
        due = int(elapsed * rate)
        if sent >= due:
            time.sleep(min(0.002, (sent + batch) / rate - elapsed))
            continue
        hlc = int(time.time() * 1000) << 16
        for _ in range(batch):
            sequence += 1
            kind = sequence % 3
            if kind == 0:
                datagram = garbage[sequence % 64] + struct.pack(">Q", sequence)
            elif kind == 1:
                datagram = header(5, cluster, stranger, target, boot_epoch, 0, sequence, hlc, len(body)) + body + signature
            else:
                datagram = header(5, cluster, member, target, boot_epoch, 0, sequence, hlc, len(body)) + body + signature
            try:
                sock.sendto(datagram, address)
            except OSError:
                pass
        sent += batch
    counter.value = sent


def latencies(port, seconds):
    client = connect(port)
    samples, index = [], 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        index += 1
        started = time.perf_counter()
        if index % 2:
            client.call("SET", "bench:key:%d" % (index % 1000), "v%d" % index)
        else:
            client.call("GET", "bench:key:%d" % ((index - 1) % 1000))
        samples.append((time.perf_counter() - started) * 1000)
    client.close()
    samples.sort()
    pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]  # noqa: E731
    return {"count": len(samples), "p50": pick(0.50), "p99": pick(0.99), "max": samples[-1]}


def metrics(port):
    text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5).read().decode()
    rejects, checks = {}, 0
    for line in text.splitlines():
        if line.startswith("gossipkv_rejects_total{"):
            labels, value = line.rsplit(" ", 1)
            reason = labels.split('reason="', 1)[1].split('"', 1)[0]
            rejects[reason] = rejects.get(reason, 0) + int(float(value))
        elif line.startswith("gossipkv_authenticator_checks_total{"):
            checks += int(float(line.rsplit(" ", 1)[1]))
    return rejects, checks


def cluster_state(ports):
    info = []
    for port in ports:
        client = connect(port)
        info.append(parse_info_cluster(client.call("INFO", "cluster")))
        client.close()
    return [state["alive"] for state in info]


def replicated(ports, timeout=10.0):
    writer, reader = connect(ports[1]), connect(ports[0])
    token = str(time.time_ns())
    writer.call("SET", "bench:after", token)
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        value = reader.call("GET", "bench:after")
        if (value.decode() if isinstance(value, bytes) else value) == token:
            return (time.monotonic() - started) * 1000
        time.sleep(0.005)
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gossipkv", required=True)
    parser.add_argument("--run-dir", required=True)
    parser.add_argument("--rate", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    options = parser.parse_args()

    data = tempfile.mkdtemp(prefix="cluster-", dir=options.run_dir)
    log = open(os.path.join(options.run_dir, "cluster.log"), "wb")
    process = subprocess.Popen(
        [options.gossipkv, "cluster", "--nodes", "3", "--dir", data, "--resp-base", str(RESP_BASE),
         "--gossip-base", str(GOSSIP_BASE), "--metrics-base", str(METRICS_BASE), "--log-level", "warning"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    processes.append(process)
    ports = [RESP_BASE + i for i in range(3)]
    for port in ports:
        wait_ready(port, process)
    deadline = time.monotonic() + 60
    while cluster_state(ports) != [3, 3, 3]:
        if time.monotonic() > deadline:
            sys.exit("flood_bench: the cluster did not form")
        time.sleep(0.2)
    cluster, target = certificate_ids(os.path.join(data, "node1", "node.cert"))
    _, member = certificate_ids(os.path.join(data, "node2", "node.cert"))
    print("== 3-node loopback cluster up (node 1: RESP %d, gossip %d)" % (RESP_BASE, GOSSIP_BASE), flush=True)

    idle = latencies(ports[0], options.seconds)
    before, checks_before = metrics(METRICS_BASE)

    counter = multiprocessing.Value("q", 0)
    sender = multiprocessing.Process(
        target=flood, args=(GOSSIP_BASE, options.rate, options.seconds + 1, cluster, member, target, counter))
    sender.start()
    time.sleep(0.5)
    flooded = latencies(ports[0], options.seconds)
    sender.join()
    after, checks_after = metrics(METRICS_BASE)
    alive = cluster_state(ports)
    lag = replicated(ports)

    print("\n== client latency on node 1 (SET/GET in turn, one at a time, %.0f s each)" % options.seconds)
    print("%-34s %9s %9s %9s %9s" % ("", "requests", "p50 ms", "p99 ms", "max ms"))
    for name, figures in (("idle", idle), ("during %dk datagrams/s flood" % (options.rate // 1000), flooded)):
        print("%-34s %9d %9.3f %9.3f %9.3f" % (name, figures["count"], figures["p50"], figures["p99"], figures["max"]))
    seconds = options.seconds + 1
    print("\nflood sent: %d datagrams in %.0f s (%.0f/s achieved; target %d/s)"
          % (counter.value, seconds, counter.value / seconds, options.rate))
    print("node 1 signature checks during the flood: %d" % (checks_after - checks_before))
    print("node 1 rejections during the flood, by reason:")
    for reason in sorted(set(after) | set(before)):
        delta = after.get(reason, 0) - before.get(reason, 0)
        if delta:
            print("  %-32s %d" % (reason, delta))
    print("members alive per node after the flood: %s" % alive)
    print("a write on node 2 readable on node 1 after: %s" % ("%.1f ms" % lag if lag is not None else "NOT within 10 s"))


if __name__ == "__main__":
    main()
