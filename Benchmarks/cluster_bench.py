#!/usr/bin/env python3
"""GossipKV node benchmarks beside HashiCorp Serf, on a LAN of network namespaces.

Run it through `bash Benchmarks/cluster-bench.sh [--quick]` (root; it builds, installs serf and
redis-tools when missing, and cleans up). Figures are printed, not asserted. See
Benchmarks/README.md, "Cluster benchmarks", for what each figure means.
"""

import argparse
import atexit
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_lab import (  # noqa: E402
    Lab, Resp, RespError, SerfRPC, connect_in, now, parse_info_cluster, rss_breakdown_kib, rss_kib, sh,
    thread_names, udp_counters)

RESP_PORT = 7379
METRICS_PORT = 7380
SERF_RPC_PORT = 7373
SERF_REF = {"discovery10": 0.14, "failure3": 5.8, "failure10": 5.2, "idle_bps": 314, "rss_mib": 15}
PASSPHRASE = "correct horse battery staple"


def fmt_s(value):
    return "—" if value is None else "%.3f s" % value


def fmt_ms(value):
    return "—" if value is None else "%.2f ms" % value


def spread(values, unit=fmt_s):
    values = [v for v in values if v is not None]
    if not values:
        return "—"
    if len(values) == 1:
        return unit(values[0])
    return "%s (min %s, max %s, n=%d)" % (unit(statistics.median(values)), unit(min(values)), unit(max(values)), len(values))


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def percentile(sorted_values, fraction):
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, int(round(fraction * len(sorted_values) + 0.5)) - 1))
    return sorted_values[index]


class Bench:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.binary = args.gossipkv
        self.run_dir = args.run_dir
        self.results = {}
        self.anomalies = []  # misbehaviour seen, printed at the end (never hidden)
        self.reps_discovery = 1 if self.quick else 3
        self.reps_failure = 1 if self.quick else 3
        self.idle_seconds = 20 if self.quick else 60
        self.writes = 200 if self.quick else 1000
        self.catchup_keys = 20_000 if self.quick else 100_000
        self.settle = 2.0 if self.quick else 5.0
        self.only = set(args.only.split(",")) if args.only else None
        self.lab = None
        self.procs = {}  # index -> Popen of the system under test
        self.dbsize_ms = []  # how long each DBSIZE check took (it walks every key)

    def enabled(self, name):
        return self.only is None or name in self.only

    def say(self, text=""):
        if text.startswith("== "):
            text += "  [load average %.1f %.1f %.1f]" % os.getloadavg()
        print(text, flush=True)

    def anomaly(self, text):
        self.anomalies.append(text)
        self.say("  !! " + text)

    # -- lab and processes ---------------------------------------------------------------------

    def setup(self):
        os.makedirs(self.run_dir, exist_ok=True)
        # Ten hosts, or more when a burst runs on more nodes (`--burst-nodes 20`).
        self.host_count = max([10] + (self.args.burst_nodes if self.enabled("burst") else []))
        self.say("== namespace LAN: %s (bridge %ssw, hosts %sh0..h%d, eth0 10.77.%d.1-%d/24, multicast on)"
                 % (self.args.prefix, self.args.prefix, self.args.prefix, self.host_count - 1, self.args.subnet,
                    self.host_count))
        self.lab = Lab(self.args.prefix, self.host_count, self.args.subnet)
        self.make_keys()

    def teardown(self):
        if self.lab is not None:
            self.lab.teardown()
            self.lab = None

    def make_keys(self):
        keys = os.path.join(self.run_dir, "keys")
        shutil.rmtree(keys, ignore_errors=True)
        sh(self.binary, "init", "--dir", os.path.join(keys, "cluster"), "--name", "operator")
        for index in range(self.host_count):
            sh(self.binary, "cert", "issue", "--cluster-dir", os.path.join(keys, "cluster"), "--name", "h%d" % index,
               "--out", os.path.join(keys, "h%d" % index))
        self.keys = keys

    def log_path(self, phase, index):
        return os.path.join(self.run_dir, "logs", "%s-h%d.log" % (phase, index))

    def start_gkv(self, index, phase, extra=None):
        args = [self.binary, "node", "--name", "h%d" % index, "--log-level", "info"]
        args += extra if extra is not None else ["--cluster-dir", os.path.join(self.keys, "h%d" % index)]
        args += self.args.node_args.split()
        # Each phase's nodes get fresh data directories in the run directory (wiped at every run):
        # the default as root, /var/lib/gossipkv/NAME, outlived phases and runs, so a "fresh"
        # 10-node cluster started with the 200k entries of the 3-node catch-up on h0..h2.
        args += ["--data-dir", os.path.join(self.run_dir, "data", phase, "h%d" % index)]
        os.makedirs(os.path.join(self.run_dir, "logs"), exist_ok=True)
        self.procs[index] = self.lab.spawn(index, args, self.log_path(phase, index))
        self.procs[index].system = "gossipkv"

    def start_serf(self, index, phase):
        args = ["serf", "agent", "-node=h%d" % index, "-bind=%s:7946" % self.lab.address(index),
                "-discover=%s" % self.args.prefix, "-rpc-addr=127.0.0.1:%d" % SERF_RPC_PORT, "-log-level=info"]
        os.makedirs(os.path.join(self.run_dir, "logs"), exist_ok=True)
        self.procs[index] = self.lab.spawn(index, args, self.log_path(phase, index))
        self.procs[index].system = "serf"

    def stop_all(self, sig=signal.SIGTERM):
        for index, process in sorted(self.procs.items()):
            code = Lab.stop(process, sig)
            allowed = (0,) if getattr(process, "system", "") == "gossipkv" else (0, 1, -signal.SIGTERM)
            if sig == signal.SIGTERM and code not in allowed:
                self.anomaly("h%d (pid %d) exited with %s on SIGTERM" % (index, process.pid, code))
        self.procs = {}

    def check_alive(self, phase):
        """Every node we started must still run: a crash is reported with its log's tail."""
        for index, process in sorted(self.procs.items()):
            if process.poll() is not None:
                tail = open(self.log_path(phase, index), errors="replace").read().splitlines()[-15:]
                self.anomaly("%s: h%d (pid %d) exited by itself with %s; log tail:\n      %s"
                             % (phase, index, process.pid, process.returncode, "\n      ".join(tail)))

    # -- pollers -------------------------------------------------------------------------------

    def make_poller(self, system):
        return GkvPoller(self.lab) if system == "gossipkv" else SerfPoller(self.lab)

    # -- 1. discovery --------------------------------------------------------------------------

    def discovery(self, system, count, phase, extra=None, timeout=30.0):
        """Starts `count` nodes back to back; returns seconds from the last start until every node
        lists all `count` alive (and per-node detail), or None on timeout."""
        names = ["h%d" % i for i in range(count)]
        poller = self.make_poller(system)
        for index in range(count):
            if system == "gossipkv":
                self.start_gkv(index, phase, extra)
            else:
                self.start_serf(index, phase)
        t_last = now()
        first_answer = {}
        complete = {}
        done = None
        while now() - t_last < timeout:
            views = poller.poll(range(count))
            t = now()
            for index, view in views.items():
                if view is None:
                    continue
                first_answer.setdefault(index, t - t_last)
                if index not in complete and all(view["members"].get(n) == "alive" for n in names):
                    complete[index] = t - t_last
            if len(complete) == count and all(
                    views[i] is not None and all(views[i]["members"].get(n) == "alive" for n in names)
                    for i in range(count)):
                done = t - t_last
                break
            time.sleep(0.01)
        poller.close()
        if done is None:
            self.check_alive(phase)
            self.anomaly("%s %s discovery of %d nodes did not complete in %.0f s (complete on %s)"
                         % (system, phase, count, timeout, sorted(complete)))
        return done, (max(first_answer.values()) if len(first_answer) == count else None)

    def wait_all_alive(self, system, indices, timeout=60.0, interval=0.02):
        names = ["h%d" % i for i in indices]
        poller = self.make_poller(system)
        start = now()
        try:
            while now() - start < timeout:
                views = poller.poll(indices)
                if all(v is not None and all(v["members"].get(n) == "alive" for n in names) for v in views.values()):
                    return now() - start
                time.sleep(interval)
            return None
        finally:
            poller.close()

    # -- 2. failure detection ------------------------------------------------------------------

    def failure(self, system, count, reps, phase):
        victim = count - 1
        dead_state = "dead" if system == "gossipkv" else "failed"
        names = ["h%d" % i for i in range(count)]
        observers = [i for i in range(count) if i != victim]
        times, suspects, rejoins = [], [], []
        for rep in range(reps):
            if self.wait_all_alive(system, list(range(count))) is None:
                self.anomaly("%s failure %d: cluster not all alive before rep %d" % (system, count, rep + 1))
            time.sleep(self.settle)
            poller = self.make_poller(system)
            poller.poll(observers)  # connections open before the kill
            process = self.procs[victim]
            t0 = now()
            os.kill(process.pid, signal.SIGKILL)
            first_suspect, done, false_views = None, None, set()
            seen_dead = {}
            while now() - t0 < 60:
                views = poller.poll(observers)
                t = now() - t0
                for index, view in views.items():
                    if view is None:
                        continue
                    state = view["members"].get("h%d" % victim)
                    if state == "suspect" and first_suspect is None:
                        first_suspect = t
                    if state == dead_state:
                        seen_dead.setdefault(index, t)
                    for name in names:
                        if name != "h%d" % victim and view["members"].get(name) not in ("alive", None):
                            false_views.add((index, name, view["members"].get(name)))
                if all(v is not None and v["members"].get("h%d" % victim) == dead_state for v in views.values()):
                    done = t
                    break
                time.sleep(0.02)
            process.wait()
            poller.close()
            if done is None:
                self.anomaly("%s: h%d not %s on every node within 60 s (seen on %s)"
                             % (system, victim, dead_state, sorted(seen_dead)))
            for index, name, state in sorted(false_views):
                self.anomaly("%s %d nodes, rep %d: h%d listed live node %s as %s while h%d was down"
                             % (system, count, rep + 1, index, name, state, victim))
            times.append(done)
            suspects.append(first_suspect)
            self.say("   rep %d: h%d killed; %s on all %d others after %s (first suspect %s; first node %s)"
                     % (rep + 1, victim, dead_state, len(observers), fmt_s(done), fmt_s(first_suspect),
                        fmt_s(min(seen_dead.values())) if seen_dead else "—"))
            # Restart the victim with the same identity and wait until everyone lists it alive again.
            if system == "gossipkv":
                self.start_gkv(victim, phase)
            else:
                self.start_serf(victim, phase)
            rejoin = self.wait_all_alive(system, list(range(count)))
            rejoins.append(rejoin)
            if rejoin is None:
                self.anomaly("%s: restarted h%d not alive everywhere within 60 s" % (system, victim))
            self.check_alive(phase)
        return times, suspects, rejoins

    # -- 5. idle traffic -----------------------------------------------------------------------

    def rejections(self, count):
        """Sum of INFO cluster's rejected_* counters (drops by reason) over the nodes."""
        totals = {}
        for index in range(count):
            sock = connect_in(self.lab.hosts[index], RESP_PORT)
            if sock is None:
                continue
            client = Resp(sock)
            try:
                for line in client.call("INFO", "cluster").decode().splitlines():
                    if line.startswith("rejected_"):
                        name, value = line.split(":", 1)
                        totals[name] = totals.get(name, 0) + int(value)
            finally:
                client.close()
        return totals

    def idle(self, system, count, phase):
        time.sleep(10.0 if not self.quick else 3.0)
        drops_before = self.rejections(count) if system == "gossipkv" else {}
        before = {i: self.lab.netdev(i) for i in range(count)}
        t0 = now()
        poller = self.make_poller(system)
        names = ["h%d" % i for i in range(count)]
        oddities = set()
        while now() - t0 < self.idle_seconds:
            time.sleep(1.0)
            for index, view in poller.poll(range(count)).items():
                for name in names:
                    state = None if view is None else view["members"].get(name)
                    if state != "alive":
                        oddities.add((index, name, state))
        poller.close()
        elapsed = now() - t0
        after = {i: self.lab.netdev(i) for i in range(count)}
        tx_bps = [(after[i][2] - before[i][2]) / elapsed for i in range(count)]
        tx_pps = [(after[i][3] - before[i][3]) / elapsed for i in range(count)]
        rx_bps = [(after[i][0] - before[i][0]) / elapsed for i in range(count)]
        rss = [rss_kib(self.procs[i].pid) for i in range(count)]
        anon = [rss_kib(self.procs[i].pid, "RssAnon") for i in range(count)]
        breakdown = rss_breakdown_kib(self.procs[0].pid)
        if breakdown:
            self.say("   RSS of h0 by mapping (/proc/PID/smaps): " + ", ".join(
                "%s %.2f MiB" % (group, kib / 1024) for group, kib in sorted(breakdown.items(), key=lambda g: -g[1])))
            names = thread_names(self.procs[0].pid)
            self.say("   threads of h0: %d (%s)" % (sum(names.values()), ", ".join("%s x%d" % n for n in sorted(names.items()))))
        for index, name, state in sorted(oddities):
            self.anomaly("%s idle: h%d listed %s as %s during the idle period" % (system, index, name, state))
        if system == "gossipkv":
            drops_after = self.rejections(count)
            grown = {k: v - drops_before.get(k, 0) for k, v in drops_after.items() if v != drops_before.get(k, 0)}
            self.say("   dropped messages (INFO rejected_*, all nodes) before the idle period: %s; during it: %s"
                     % (drops_before or "none", grown or "none"))
            if grown:
                self.anomaly("gossipkv idle: messages dropped while idle: %s" % grown)
        self.check_alive(phase)
        return {"seconds": elapsed, "tx_bps": tx_bps, "tx_pps": tx_pps, "rx_bps": rx_bps,
                "rss_mib": [r / 1024 for r in rss if r is not None],
                "anon_mib": [r / 1024 for r in anon if r is not None]}

    # -- the system cycles ---------------------------------------------------------------------

    def cycle(self, system, count):
        label = "GossipKV" if system == "gossipkv" else "Serf"
        phase = "%s-%d" % (system, count)
        want_failure = self.enabled("failure")
        want_idle = self.enabled("idle") and count == 10
        if not (self.enabled("discovery") or want_failure or want_idle):
            return
        if system == "gossipkv":
            setup = ("`gossipkv node --name hX --cluster-dir DIR --log-level info` (key files from `gossipkv init` + "
                     "`gossipkv cert issue`; multicast discovery; RESP 127.0.0.1:7379)")
        else:
            setup = ("`serf agent -node=hX -bind=<eth0 ip>:7946 -discover=%s -rpc-addr=127.0.0.1:7373` "
                     "(mDNS; no encryption)" % self.args.prefix)
        self.say()
        self.say("== %s, %d nodes, one per namespace: %s" % (label, count, setup))
        reps = self.reps_discovery if self.enabled("discovery") else 1
        times, startups = [], []
        for rep in range(reps):
            if rep > 0:
                self.stop_all()
            done, startup = self.discovery(system, count, phase)
            times.append(done)
            startups.append(startup)
            self.say("   discovery rep %d: every node lists all %d alive %s after the last start "
                     "(every node answering its client port after %s)" % (rep + 1, count, fmt_s(done), fmt_s(startup)))
        if self.enabled("discovery"):
            self.results["%s_discovery%d" % (system, count)] = times
            self.results["%s_startup%d" % (system, count)] = startups
            self.say("   [1] discovery, %d nodes: %s" % (count, spread(times)))
        if want_idle:
            result = self.idle(system, count, phase)
            self.results["%s_idle" % system] = result
            self.say("   [5] idle %d nodes for %.0f s: sent %.0f B/s and %.2f packets/s per node "
                     "(eth0 tx, mean; min %.0f, max %.0f B/s), received %.0f B/s; RSS %.1f MiB per process (max %.1f), "
                     "of which anonymous (the process's own heap and stacks; the rest is code pages shared between "
                     "processes) %.1f MiB"
                     % (count, result["seconds"], statistics.mean(result["tx_bps"]), statistics.mean(result["tx_pps"]),
                        min(result["tx_bps"]), max(result["tx_bps"]), statistics.mean(result["rx_bps"]),
                        statistics.mean(result["rss_mib"]), max(result["rss_mib"]),
                        statistics.mean(result["anon_mib"] or [0])))
        if want_failure:
            self.say("   failure detection: kill -9 h%d, poll the others every 20 ms (%s), restart it between reps"
                     % (count - 1, "INFO cluster state=dead" if system == "gossipkv" else "serf members status failed"))
            times, suspects, rejoins = self.failure(system, count, self.reps_failure, phase)
            self.results["%s_failure%d" % (system, count)] = times
            self.results["%s_failure_suspect%d" % (system, count)] = suspects
            self.results["%s_rejoin%d" % (system, count)] = rejoins
            self.say("   [2] failure detection, %d nodes: %s; restarted node alive everywhere again after %s"
                     % (count, spread(times), spread(rejoins)))
        self.check_alive(phase)
        self.stop_all()

    def passphrase(self):
        if not self.enabled("passphrase"):
            return
        self.say()
        self.say("== GossipKV, 3 nodes with the passphrase '%s' from --cluster-secret-file (Argon2id, "
                 "OPSLIMIT/MEMLIMIT_MODERATE) instead of key files; no --data-dir, so no start-up wait" % PASSPHRASE)
        secret_file = os.path.join(self.run_dir, "cluster-secret")
        with open(os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            out.write(PASSPHRASE + "\n")
        derivations, times = [], []
        for rep in range(self.reps_discovery):
            phase = "passphrase%d" % rep
            done, _ = self.discovery(
                "gossipkv", 3, phase, extra=["--cluster-secret-file", secret_file, "--cluster-name", "bench"])
            times.append(done)
            self.stop_all()
            for index in range(3):
                text = open(self.log_path(phase, index), errors="replace").read()
                match = re.search(r"derived the cluster key from the passphrase in (\d+) ms", text)
                if match:
                    derivations.append(int(match.group(1)) / 1000)
                else:
                    self.anomaly("passphrase: no 'derived the cluster key' line in h%d's log" % index)
            self.say("   rep %d: every node lists all 3 alive %s after the last start" % (rep + 1, fmt_s(done)))
        self.results["passphrase_derive"] = derivations
        self.results["passphrase_discovery3"] = times
        self.say("   [1b] passphrase derivation (from the node's log, 3 nodes deriving at once on 2 cores): %s"
                 % spread(derivations, lambda v: "%.0f ms" % (v * 1000)))
        self.say("        discovery with the passphrase, 3 nodes: %s" % spread(times))

    # -- 3. write-to-visible -------------------------------------------------------------------

    def start_cluster(self, phase, count=3):
        self.say("   starting h0..h%d with key files" % (count - 1))
        done, _ = self.discovery("gossipkv", count, phase)
        if done is None:
            raise RuntimeError("the %d-node cluster did not form" % count)
        time.sleep(self.settle)
        clients = [Resp(connect_in(self.lab.hosts[i], RESP_PORT, timeout=10)) for i in range(count)]
        # A node takes writes once it has waited out the max clock offset.
        deadline = now() + 10
        while True:
            reply = clients[0].call("SET", "bench:ready", "1")
            if reply == "OK":
                break
            if now() > deadline:
                raise RuntimeError("h0 refuses writes: %s" % reply)
            time.sleep(0.05)
        return clients

    def write_visible(self):
        if not self.enabled("writes"):
            return
        self.say()
        self.say("== GossipKV write-to-visible: 3 nodes (key files); %d sequential SETs on h0 (unique 16-byte key, "
                 "32-byte value), after each +OK poll GET on h1 and h2 back to back with no sleep until both return "
                 "the value; latency = GET reply with the value - SET reply" % self.writes)
        phase = "writes"
        clients = self.start_cluster(phase)
        # Baseline: one GET round trip from this Python client.
        rtts = []
        for _ in range(500):
            t = now()
            clients[1].call("GET", "bench:ready")
            rtts.append((now() - t) * 1000)
        rtts.sort()
        latencies, missing = [], 0
        polls = 0
        for n in range(self.writes):
            key = "wv%014d" % n
            value = os.urandom(16).hex()
            reply = clients[0].call("SET", key, value)
            t0 = now()
            if reply != "OK":
                self.anomaly("write-visible: SET %s answered %r" % (key, reply))
                continue
            pending = {1, 2}
            expected = value.encode()
            while pending and now() - t0 < 5:
                for j in pending:
                    clients[j].send("GET", key)
                for j in list(pending):
                    got = clients[j].read()
                    polls += 1
                    if got == expected:
                        latencies.append((now() - t0) * 1000)
                        pending.discard(j)
            if pending:
                missing += len(pending)
                self.anomaly("write-visible: %s not visible on %s within 5 s" % (key, sorted("h%d" % j for j in pending)))
                if missing >= 10:
                    self.anomaly("write-visible: stopped after %d writes (10 misses)" % (n + 1))
                    break
        latencies.sort()
        for client in clients:
            client.close()
        self.check_alive(phase)
        self.stop_all()
        result = {"p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99), "max": latencies[-1] if latencies else None,
                  "samples": len(latencies), "missing": missing, "get_rtt_p50": percentile(rtts, 0.5), "polls": polls}
        self.results["write_visible"] = result
        self.say("   [3] write-to-visible on the 2 other nodes (%d samples): p50 %s, p99 %s, max %s; not visible "
                 "within 5 s: %d (one GET round trip from this client: p50 %s; %d GETs polled)"
                 % (len(latencies), fmt_ms(result["p50"]), fmt_ms(result["p99"]), fmt_ms(result["max"]), missing,
                    fmt_ms(result["get_rtt_p50"]), polls))

    # -- 4. catch-up ---------------------------------------------------------------------------

    def bulk_write(self, client, prefix, count):
        """count pipelined SETs (16-byte keys `prefix` + digits, 32-byte values), 1,000 per batch."""
        t0 = now()
        batch = 1000
        for start in range(0, count, batch):
            n = min(batch, count - start)
            payload = b"".join(
                Resp.encode(b"SET", b"%s%0*d" % (prefix, 16 - len(prefix), i), os.urandom(16).hex().encode())
                for i in range(start, start + n))
            client.send_raw(payload)
            for _ in range(n):
                reply = client.read()
                if reply != "OK":
                    raise RuntimeError("bulk SET answered %r" % (reply,))
        return now() - t0

    def wait_entries(self, index, target, timeout, started=None, dbsize=True):
        """Polls INFO cluster on host index every 20 ms until entries >= target. Returns
        (seconds until done, seconds until its first answer, seconds until it listed h0 alive)."""
        started = started or now()
        resp, first_answer, first_alive = None, None, None
        while now() - started < timeout:
            if resp is None:
                sock = connect_in(self.lab.hosts[index], RESP_PORT)
                if sock:
                    sock.settimeout(30)  # INFO's lag fields cost time per entry a peer lacks
                resp = Resp(sock) if sock else None
            if resp is not None:
                try:
                    reply = resp.call("INFO", "cluster")
                except (OSError, ConnectionError):
                    resp.close()
                    resp = None
                    continue
                view = parse_info_cluster(reply)
                t = now() - started
                if view["members"]:
                    first_answer = first_answer if first_answer is not None else t
                if view["members"].get("h0") == "alive" and first_alive is None:
                    first_alive = t
                if view["entries"] is not None and view["entries"] >= target:
                    size = None
                    if dbsize:
                        # DBSIZE walks every live key (RESPBackend's default keyspaceStats): slow.
                        resp.sock.settimeout(120)
                        t_size = now()
                        size = resp.call("DBSIZE")
                        self.dbsize_ms.append((now() - t_size) * 1000)
                    resp.close()
                    return t, first_answer, first_alive, view["entries"], size
            time.sleep(0.02)
        if resp is not None:
            resp.close()
        return None, first_answer, first_alive, None, None

    def cluster_tx(self, indices):
        return sum(self.lab.netdev(i)[2] for i in indices)

    def settle_traffic(self, indices, start_bytes, t_start, timeout=120.0):
        """Waits until the hosts together send under 20 kB in 0.5 s; returns (bytes sent since
        start_bytes, seconds from t_start until traffic settled)."""
        last = self.cluster_tx(indices)
        while now() - t_start < timeout:
            time.sleep(0.5)
            current = self.cluster_tx(indices)
            if current - last < 20_000:
                return current - start_bytes, now() - t_start
            last = current
        return self.cluster_tx(indices) - start_bytes, None

    def replication(self, label, clients, writer_prefix, running, base, k, after_writes=None):
        """k pipelined writes on h0 with `running` hosts up; prints the time until every running
        node holds them and the bytes all running hosts sent until the traffic settled.
        `after_writes` runs right after the last +OK."""
        tx0 = self.cluster_tx(running)
        t0 = now()
        seconds = self.bulk_write(clients[0], writer_prefix, k)
        if after_writes is not None:
            after_writes()
        slowest = 0.0
        for index in running[1:]:
            done = self.wait_entries(index, base + k, 120, dbsize=False)[0]
            slowest = None if done is None or slowest is None else max(slowest, done)
        if slowest is None:
            self.anomaly("%s: not every running node held the %d writes within 120 s" % (label, k))
        sent, settled = self.settle_traffic(running, tx0, t0)
        receivers = len(running) - 1
        result = {"nodes": len(running), "write_seconds": seconds, "write_rate": k / seconds, "held_after": slowest,
                  "cluster_tx": sent, "settled": settled, "bytes_per_write_per_receiver": sent / k / receivers}
        self.say("       %d SETs on h0 in %.2f s (%.0f/s) with %d nodes running; every running node held them %s after the "
                 "last +OK; the %d running nodes sent %.1f MB together until traffic settled %s after the first write "
                 "(%.0f B per write per receiving node)"
                 % (k, seconds, k / seconds, len(running), fmt_s(slowest), len(running), sent / 1e6, fmt_s(settled),
                    result["bytes_per_write_per_receiver"]))
        return seconds, slowest, result

    def lag_of(self, name, observers=(0, 1)):
        """What h0 and h1 say `name` lacks (INFO lag_entries: entries they hold above the
        watermarks of the last digest they got from it)."""
        return ", ".join("h%d: %s" % (i, self.info(i)["details"].get(name, {}).get("lag_entries", "?")) for i in observers)

    def info(self, index):
        """INFO cluster of host index over a fresh connection (parsed), or an empty view."""
        sock = connect_in(self.lab.hosts[index], RESP_PORT)
        if sock is None:
            return {"alive": 0, "entries": None, "members": {}, "details": {}}
        client = Resp(sock)
        try:
            return parse_info_cluster(client.call("INFO", "cluster"))
        finally:
            client.close()

    def catchup(self):
        if not self.enabled("catchup"):
            return
        k = self.catchup_keys
        self.say()
        self.say("== GossipKV catch-up: 3 nodes (key files); h2 misses %d writes (16-byte keys, 32-byte values, "
                 "pipelined 1,000 per batch on h0), then returns; time until h2's INFO cluster `entries` reaches the "
                 "total (polled every 20 ms), bytes = h2 eth0 rx/tx deltas from /proc/net/dev" % k)
        phase = "catchup"
        clients = self.start_cluster(phase)
        base = parse_info_cluster(clients[0].call("INFO", "cluster"))["entries"]
        # (a) h2 stopped (SIGTERM: it leaves) and restarted. It keeps its data directory, but was
        # stopped before the writes, so it needs every one of them.
        Lab.stop(self.procs.pop(2), signal.SIGTERM)
        self.say("   (a) h2 stopped (SIGTERM)")
        seconds, h1, self.results["replication3"] = self.replication("catch-up (a)", clients, b"ck", [0, 1], base, k)
        before = [self.lab.netdev(i) for i in range(3)]
        t0 = now()
        self.start_gkv(2, phase)
        done, answer, alive, entries, dbsize = self.wait_entries(2, base + k, 180, started=t0)
        after = [self.lab.netdev(i) for i in range(3)]
        rx0, tx0, rx1, tx1 = before[2][0], before[2][2], after[2][0], after[2][2]
        peers_tx = [after[i][2] - before[i][2] for i in range(2)]
        result_a = {"seconds": done, "first_answer": answer, "h0_alive": alive, "rx": rx1 - rx0, "tx": tx1 - tx0,
                    "entries": entries, "dbsize": dbsize, "write_rate": k / seconds, "h1_seconds": h1,
                    "peers_tx": peers_tx}
        if done is None:
            self.anomaly("catch-up (a): restarted h2 did not reach %d entries in 180 s" % (base + k))
        self.say("   [4a] restart: h2 holds %s entries (DBSIZE %s) %s after its start (its client port answered after "
                 "%s, it listed h0 alive after %s); h2 received %.2f MB, sent %.2f MB (meanwhile h0 sent %.2f MB, "
                 "h1 sent %.2f MB)"
                 % (entries, dbsize, fmt_s(done), fmt_s(answer), fmt_s(alive), (rx1 - rx0) / 1e6, (tx1 - tx0) / 1e6,
                    peers_tx[0] / 1e6, peers_tx[1] / 1e6))
        self.results["catchup_restart"] = result_a
        self.say("       entries h2 lacks by its last digest, as its peers see it (INFO lag_entries): right after: %s; "
                 "3 s later: %s" % (self.lag_of("h2"), (time.sleep(3), self.lag_of("h2"))[1]))
        # (b) h2 keeps running but is cut off the LAN (its switch port down) while another k writes
        # land on h0, then reconnected.
        total = base + 2 * k
        self.lab.set_connected(2, False)
        t_cut = now()
        seconds = self.bulk_write(clients[0], b"cx", k)
        h1, *_ = self.wait_entries(1, total, 120, dbsize=False)
        # A real partition: keep h2 cut off until both sides have declared each other dead.
        while now() - t_cut < 60:
            views = {i: self.info(i) for i in range(3)}
            if (views[0]["members"].get("h2") == "dead" and views[1]["members"].get("h2") == "dead"
                    and views[2]["members"].get("h0") == "dead" and views[2]["members"].get("h1") == "dead"):
                break
            time.sleep(0.1)
        cut_for = now() - t_cut
        self.say("   (b) h2 cut off (switch port down); %d more SETs on h0 in %.2f s; h1 held them %s after the last +OK; "
                 "cut held until both sides declared each other dead: after %.1f s h0/h1 list h2 as %s/%s, h2 lists "
                 "h0/h1 as %s/%s"
                 % (k, seconds, fmt_s(h1), cut_for, views[0]["members"].get("h2"), views[1]["members"].get("h2"),
                    views[2]["members"].get("h0"), views[2]["members"].get("h1")))
        before = [self.lab.netdev(i) for i in range(3)]
        t0 = now()
        self.lab.set_connected(2, True)
        done, _, alive, entries, dbsize = self.wait_entries(2, total, 180, started=t0)
        after = [self.lab.netdev(i) for i in range(3)]
        rx0, tx0, rx1, tx1 = before[2][0], before[2][2], after[2][0], after[2][2]
        peers_tx = [after[i][2] - before[i][2] for i in range(2)]
        result_b = {"seconds": done, "h0_alive": alive, "rx": rx1 - rx0, "tx": tx1 - tx0, "entries": entries,
                    "dbsize": dbsize, "cut_seconds": cut_for, "peers_tx": peers_tx}
        if done is None:
            self.anomaly("catch-up (b): reconnected h2 did not reach %d entries in 180 s (listed h0 alive after %s)"
                         % (total, fmt_s(alive)))
        self.say("   [4b] reconnect after a %.0f s cut: h2 holds %s entries (DBSIZE %s) %s after the port came up "
                 "(it listed h0 alive after %s); h2 received %.2f MB, sent %.2f MB (meanwhile h0 sent %.2f MB, "
                 "h1 sent %.2f MB)"
                 % (cut_for, entries, dbsize, fmt_s(done), fmt_s(alive), (rx1 - rx0) / 1e6, (tx1 - tx0) / 1e6,
                    peers_tx[0] / 1e6, peers_tx[1] / 1e6))
        self.results["catchup_cut"] = result_b
        heal = self.wait_all_alive("gossipkv", [0, 1, 2], timeout=90, interval=0.1)
        heal = None if heal is None else now() - t0  # seconds since the port came up
        result_b["heal_seconds"] = heal
        if heal is None:
            self.anomaly("catch-up (b): membership not healed (all 3 alive on all 3) 90 s after reconnecting h2")
        self.say("       membership healed (every node lists all 3 alive) %s after the port came up; h2 lacks (lag_entries) %s"
                 % (fmt_s(heal), self.lag_of("h2")))
        for client in clients:
            client.close()
        self.check_alive(phase)
        self.stop_all()
        self.catchup_ten()

    def catchup_ten(self):
        """(c) as (a) in a 10-node cluster: does every peer send the returning node a copy?"""
        k = self.catchup_keys
        phase = "catchup10"
        self.say("   (c) as (a) with 10 nodes: h9 stopped, %d SETs on h0, h9 restarted" % k)
        clients = self.start_cluster(phase, 10)
        base = parse_info_cluster(clients[0].call("INFO", "cluster"))["entries"]
        Lab.stop(self.procs.pop(9), signal.SIGTERM)
        seconds, _, self.results["replication10"] = self.replication(
            "catch-up (c)", clients, b"cz", list(range(9)), base, k)
        before = [self.lab.netdev(i) for i in range(10)]
        t0 = now()
        self.start_gkv(9, phase)
        done, answer, alive, entries, dbsize = self.wait_entries(9, base + k, 180, started=t0)
        time.sleep(1.0)  # answers still in flight land in the counters too
        after = [self.lab.netdev(i) for i in range(10)]
        rx = after[9][0] - before[9][0]
        peers_tx = [after[i][2] - before[i][2] for i in range(9)]
        result = {"seconds": done, "rx": rx, "tx": after[9][2] - before[9][2], "peers_tx": peers_tx,
                  "peers_sending": sum(1 for t in peers_tx if t > 0.1 * rx / 9), "entries": entries, "dbsize": dbsize,
                  "write_rate": k / seconds}
        self.results["catchup_restart10"] = result
        if done is None:
            self.anomaly("catch-up (c): restarted h9 did not reach %d entries in 180 s" % (base + k))
        self.say("   [4c] restart in 10 nodes: h9 holds %s entries (DBSIZE %s) %s after its start (client port after %s); "
                 "h9 received %.2f MB (%.0f B per missed entry; up to 1 s after); its 9 peers sent %s MB"
                 % (entries, dbsize, fmt_s(done), fmt_s(answer), rx / 1e6, rx / k,
                    " ".join("%.1f" % (t / 1e6) for t in peers_tx)))
        for client in clients:
            client.close()
        self.check_alive(phase)
        self.stop_all()

    # -- 4d. a write burst, by message kind --------------------------------------------------------

    def burst(self):
        """k pipelined writes on h0 of a fresh N-node cluster (no node stopped before, no restart
        after): the bytes all nodes sent until traffic settled per write per receiving node, and,
        from each node's /metrics and /proc/PID/net/snmp before and after, which message kinds
        carried them and whether datagrams were dropped at a full receive buffer."""
        if not self.enabled("burst"):
            return
        k = self.catchup_keys
        for count in self.args.burst_nodes:
            phase = "burst%d" % count
            self.say()
            self.say("== GossipKV write burst: %d nodes (key files), %d pipelined SETs on h0 (16-byte keys, 32-byte "
                     "values, 1,000 per batch); eth0 tx of every node until traffic settled, and each node's "
                     "/metrics counters (messages/bytes in and out by kind) and UDP counters before and after"
                     % (count, k))
            clients = self.start_cluster(phase, count)
            base = parse_info_cluster(clients[0].call("INFO", "cluster"))["entries"]
            nodes = list(range(count))
            before = {i: (self.counters(i), udp_counters(self.procs[i].pid)) for i in nodes}
            lags = {}

            def sample_lags():
                # What h0 holds above the digest each peer last sent it (INFO lag_entries): a
                # peer's digest is what its disk holds (advertised after fsync), so this is how
                # far each peer's advertised watermarks trail the writer when the writes end.
                for name, detail in self.info(0)["details"].items():
                    lags[name] = detail.get("lag_entries", "?")

            _, _, result = self.replication("burst", clients, b"bb", nodes, base, k, after_writes=sample_lags)
            self.say("       right after the last +OK, entries h0 holds above each peer's last digest (INFO "
                     "lag_entries): %s" % ", ".join("%s %s" % kv for kv in sorted(lags.items())))
            result["lag_entries_after_writes"] = lags
            time.sleep(1.0)  # the last answers land in the counters too
            after = {i: (self.counters(i), udp_counters(self.procs[i].pid)) for i in nodes}
            self.report_burst(count, k, before, after, result)
            # A member listed suspect reshapes the push tree (and is skipped) while it is: count
            # those transitions in the nodes' logs (the phase's logs hold only this cluster).
            flaps = [sum(line.count("alive -> suspect") for line in open(self.log_path(phase, i), errors="replace"))
                     for i in nodes]
            result["suspect_transitions"] = flaps
            self.say("       members listed suspect (log lines `alive -> suspect`, per node, whole phase): %s"
                     % " ".join(str(f) for f in flaps))
            for client in clients:
                client.close()
            self.check_alive(phase)
            self.stop_all()

    def counters(self, index):
        """gossipkv_{messages,bytes}_{in,out}_total by kind from host index's /metrics."""
        sock = connect_in(self.lab.hosts[index], METRICS_PORT, timeout=5)
        if sock is None:
            return {}
        try:
            sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                chunk = sock.recv(1 << 16)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        finally:
            sock.close()
        found = {}
        pattern = r'^gossipkv_(messages|bytes)_(in|out)_total\{[^}]*kind="([^"]+)"[^}]*\} ([0-9.e+]+)$'
        text = data.decode(errors="replace")
        for match in re.finditer(pattern, text, re.M):
            found[(match.group(1), match.group(2), match.group(3))] = float(match.group(4))
        # Sync answer chunks sent by phase (answer, answerBack, buckets), where the node has them.
        pattern = r'^gossipkv_sync_answer_(chunks|bytes)_out_total\{[^}]*phase="([^"]+)"[^}]*\} ([0-9.e+]+)$'
        for match in re.finditer(pattern, text, re.M):
            found[("answer_" + match.group(1), "out", match.group(2))] = float(match.group(3))
        return found

    def report_burst(self, count, k, before, after, result):
        receivers = count - 1
        kinds = sorted({key[2] for i in after for key in after[i][0] if key[0] in ("messages", "bytes")})

        def delta(i, what, way, kind):
            return after[i][0].get((what, way, kind), 0) - before[i][0].get((what, way, kind), 0)

        rows = []
        for kind in kinds:
            sent = sum(delta(i, "bytes", "out", kind) for i in after)
            messages = sum(delta(i, "messages", "out", kind) for i in after)
            by_writer = delta(0, "bytes", "out", kind)
            if messages:
                rows.append((sent, kind, messages, by_writer))
        total = sum(row[0] for row in rows) or 1
        self.say("   [4d] %d nodes: messages sent during the burst by kind (all nodes; bytes as sealed, before "
                 "UDP/IP headers), per write per receiving node:" % count)
        for sent, kind, messages, by_writer in sorted(rows, reverse=True):
            self.say("       %-14s %9d messages %8.1f MB (%5.1f %%) %7.1f B/write/receiver; h0 (the writer) sent %.1f MB"
                     % (kind, messages, sent / 1e6, 100 * sent / total, sent / k / receivers, by_writer / 1e6))
        phases = sorted({key[2] for i in after for key in after[i][0] if key[0] == "answer_bytes"})
        if phases:
            self.say("       syncAnswer by phase (chunks, MB, B/write/receiver): " + "; ".join(
                "%s %d, %.1f MB, %.1f B" % (
                    phase, sum(delta(i, "answer_chunks", "out", phase) for i in after),
                    sum(delta(i, "answer_bytes", "out", phase) for i in after) / 1e6,
                    sum(delta(i, "answer_bytes", "out", phase) for i in after) / k / receivers)
                for phase in phases))
        self.say("       total sealed %.1f MB = %.1f B/write/receiver; eth0 tx %.1f MB = %.1f B/write/receiver"
                 % (total / 1e6, total / k / receivers, result["cluster_tx"] / 1e6, result["bytes_per_write_per_receiver"]))
        for i in sorted(after):
            udp_before, udp_after = before[i][1], after[i][1]
            received = {kind: delta(i, "bytes", "in", kind) for kind in kinds}
            sent = {kind: delta(i, "bytes", "out", kind) for kind in kinds}
            self.say("       h%d received %.1f MB (%s), sent %.1f MB (%s); UDP datagrams in %d, dropped at a full "
                     "receive buffer %d"
                     % (i, sum(received.values()) / 1e6,
                        ", ".join("%s %.1f" % (kind, v / 1e6) for kind, v in sorted(received.items(), key=lambda x: -x[1])
                                  if v > 1e5),
                        sum(sent.values()) / 1e6,
                        ", ".join("%s %.1f" % (kind, v / 1e6) for kind, v in sorted(sent.items(), key=lambda x: -x[1])
                                  if v > 1e5),
                        udp_after.get("InDatagrams", 0) - udp_before.get("InDatagrams", 0),
                        udp_after.get("RcvbufErrors", 0) - udp_before.get("RcvbufErrors", 0)))
        result["by_kind"] = {kind: {"messages": messages, "bytes": sent} for sent, kind, messages, _ in rows}
        self.results["burst%d" % count] = result

    # -- 6. crypto -----------------------------------------------------------------------------

    def crypto(self):
        if not self.enabled("crypto"):
            return
        self.say()
        self.say("== CryptoBench (release, one thread): 1,400-byte push envelopes sealed with Ed25519Signer, opened "
                 "with EnvelopeOpener + CertificateVerifier (every check, signature and body decode)")
        args = [self.args.cryptobench] + (["--quick"] if self.quick else [])
        output = sh(*args)
        for line in output.strip().splitlines():
            self.say("   " + line)
        match = re.search(r"RESULT seals_per_s=(\d+) opens_per_s=(\d+)", output)
        if match:
            self.results["crypto"] = {"seals": int(match.group(1)), "opens": int(match.group(2))}

    # -- summary -------------------------------------------------------------------------------

    def summary(self, started):
        r = self.results
        rows = []

        def add(figure, ours, serf, target):
            rows.append((figure, ours, serf, target))

        def after_up(system, count):
            pairs = zip(r.get("%s_discovery%d" % (system, count), []), r.get("%s_startup%d" % (system, count), []))
            return [d - u for d, u in pairs if d is not None and u is not None]

        for count in (3, 10):
            if "gossipkv_discovery%d" % count in r or "serf_discovery%d" % count in r:
                add("[1] discovery, %d nodes (last start -> all list all alive)" % count,
                    spread(r.get("gossipkv_discovery%d" % count, [])), spread(r.get("serf_discovery%d" % count, [])),
                    "Serf ref 0.14 s" if count == 10 else "—")
                add("    of which after every node's client port answered",
                    spread(after_up("gossipkv", count)), spread(after_up("serf", count)), "—")
        if "passphrase_derive" in r:
            add("[1b] passphrase key derivation (Argon2id MODERATE)", spread(r["passphrase_derive"], lambda v: "%.0f ms" % (v * 1000)),
                "—", "README: ~90 ms")
            add("     discovery, 3 nodes with a passphrase", spread(r["passphrase_discovery3"]), "—", "—")
        for count in (3, 10):
            if "gossipkv_failure%d" % count in r or "serf_failure%d" % count in r:
                add("[2] failure detection, %d nodes (kill -9 -> all list dead)" % count,
                    spread(r.get("gossipkv_failure%d" % count, [])), spread(r.get("serf_failure%d" % count, [])),
                    "Serf ref %.1f s" % SERF_REF["failure%d" % count])
        if "write_visible" in r:
            w = r["write_visible"]
            add("[3] write-to-visible, 3 nodes, p50 / p99 / max",
                "%s / %s / %s" % (fmt_ms(w["p50"]), fmt_ms(w["p99"]), fmt_ms(w["max"])), "—", "p99 < 10 ms")
        for key in ("replication3", "replication10"):
            if key in r:
                x = r[key]
                add("[4] %dk pipelined SETs on h0, %d nodes up: rate; all hold them; bytes sent"
                    % (self.catchup_keys // 1000, x["nodes"]),
                    "%.0f/s; +%s; %.0f MB (%.0f B/write/receiver)" % (x["write_rate"], fmt_s(x["held_after"]),
                                                                    x["cluster_tx"] / 1e6,
                                                                    x["bytes_per_write_per_receiver"]), "—", "—")
        if "catchup_restart" in r:
            a = r["catchup_restart"]
            add("[4a] catch-up of %dk missed writes, restarted node (3 nodes)" % (self.catchup_keys // 1000),
                "%s, rx %.1f MB (%.0f B/entry), tx %.2f MB" % (fmt_s(a["seconds"]), a["rx"] / 1e6,
                                                              a["rx"] / self.catchup_keys, a["tx"] / 1e6), "—", "—")
        if "catchup_cut" in r:
            b = r["catchup_cut"]
            add("[4b] the same, node reconnected after a partition (3 nodes)",
                "%s, rx %.1f MB (%.0f B/entry), tx %.2f MB" % (fmt_s(b["seconds"]), b["rx"] / 1e6,
                                                              b["rx"] / self.catchup_keys, b["tx"] / 1e6), "—", "—")
        if "catchup_restart10" in r:
            c = r["catchup_restart10"]
            add("[4c] the same, restarted node in a 10-node cluster",
                "%s, rx %.1f MB (%.0f B/entry)" % (fmt_s(c["seconds"]), c["rx"] / 1e6, c["rx"] / self.catchup_keys),
                "—", "—")
        gi, si = r.get("gossipkv_idle"), r.get("serf_idle")
        if gi or si:
            def idle(x, key, form):
                return "—" if not x else form % statistics.mean(x[key])
            add("[5] idle, 10 nodes: bytes sent per node per second", idle(gi, "tx_bps", "%.0f B/s"),
                idle(si, "tx_bps", "%.0f B/s"), "Serf ref 314 B/s")
            add("[5] idle, 10 nodes: packets sent per node per second", idle(gi, "tx_pps", "%.2f/s"),
                idle(si, "tx_pps", "%.2f/s"), "—")
            add("[5] idle RSS per process", idle(gi, "rss_mib", "%.1f MiB"), idle(si, "rss_mib", "%.1f MiB"),
                "Serf ref 15 MB")
            add("[5] of which anonymous (own heap and stacks)", idle(gi, "anon_mib", "%.1f MiB"),
                idle(si, "anon_mib", "%.1f MiB"), "—")
        if "crypto" in r:
            add("[6] signed 1,400-byte envelopes opened (verified) per second, 1 thread", "%d/s" % r["crypto"]["opens"],
                "—", "DESIGN: ~20k/s per core")
            add("[6] signed 1,400-byte envelopes sealed per second, 1 thread", "%d/s" % r["crypto"]["seals"], "—",
                "toolchain: ~50k/s")
        widths = [max(len(row[i]) for row in rows + [("figure", "GossipKV", "Serf (this run)", "target")]) for i in range(4)]
        line = "+".join("-" * (w + 2) for w in widths)
        self.say()
        self.say("== summary (%s, %s, %d cores; median over reps, min/max in brackets; %s)"
                 % (datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), platform.node(), os.cpu_count(),
                    "--quick" if self.quick else "full run"))
        self.say(line)
        for row in [("figure", "GossipKV", "Serf (this run)", "target")] + rows:
            self.say(" " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)))
            if row[0] == "figure":
                self.say(line)
        self.say(line)
        if self.dbsize_ms:
            self.say("DBSIZE after catch-up answered in %s ms (it walks every live key)"
                     % ", ".join("%.0f" % v for v in self.dbsize_ms))
        if self.anomalies:
            self.say("misbehaviour seen (%d):" % len(self.anomalies))
            for text in self.anomalies:
                self.say(" - " + text)
        else:
            self.say("misbehaviour seen: none (no crash, no live node listed as suspect/dead/failed, every write visible)")
        self.say("run took %.0f s; logs and keys of this run in %s" % (now() - started, self.run_dir))
        with open(os.path.join(self.run_dir, "results.json"), "w") as f:
            json.dump({"results": r, "anomalies": self.anomalies, "quick": self.quick}, f, indent=1, default=str)


class GkvPoller:
    """One RESP connection per node (opened lazily, inside its namespace); `poll` sends INFO
    cluster to every node first, then reads every reply, so one round costs about one round trip."""

    def __init__(self, lab):
        self.lab = lab
        self.conns = {}

    def poll(self, indices):
        views = {}
        sent = []
        for index in indices:
            conn = self.conns.get(index)
            if conn is None:
                sock = connect_in(self.lab.hosts[index], RESP_PORT)
                if sock is None:
                    views[index] = None
                    continue
                conn = self.conns[index] = Resp(sock)
            try:
                conn.send("INFO", "cluster")
                sent.append(index)
            except OSError:
                self._drop(index)
                views[index] = None
        for index in sent:
            try:
                reply = self.conns[index].read()
                if isinstance(reply, RespError) or reply is None:
                    views[index] = None
                else:
                    view = parse_info_cluster(reply)
                    views[index] = view if view["members"] else None  # empty while the node attaches
            except (OSError, ConnectionError):
                self._drop(index)
                views[index] = None
        return views

    def _drop(self, index):
        conn = self.conns.pop(index, None)
        if conn:
            conn.close()

    def close(self):
        for index in list(self.conns):
            self._drop(index)


class SerfPoller:
    """The same over Serf's agent RPC (the `members` command `serf members` sends)."""

    def __init__(self, lab):
        self.lab = lab
        self.conns = {}

    def poll(self, indices):
        views = {}
        for index in indices:
            conn = self.conns.get(index)
            try:
                if conn is None:
                    sock = connect_in(self.lab.hosts[index], SERF_RPC_PORT)
                    if sock is None:
                        views[index] = None
                        continue
                    conn = self.conns[index] = SerfRPC(sock)
                views[index] = {"members": conn.members()}
            except (OSError, ConnectionError, RuntimeError):
                conn = self.conns.pop(index, None)
                if conn:
                    conn.close()
                views[index] = None
        return views

    def close(self):
        for conn in self.conns.values():
            conn.close()
        self.conns = {}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer reps, 20 s idle, fewer keys: a smoke test")
    parser.add_argument("--prefix", required=True, help="namespace name prefix (unique per run)")
    parser.add_argument("--subnet", type=int, default=77)
    parser.add_argument("--gossipkv", required=True, help="the release gossipkv binary")
    parser.add_argument("--cryptobench", required=True, help="the release CryptoBench binary")
    parser.add_argument("--run-dir", required=True, help="directory for this run's keys and logs")
    parser.add_argument("--only", help="comma-separated subset: discovery,passphrase,failure,idle,writes,catchup,burst,crypto")
    parser.add_argument("--systems", default="gossipkv,serf", help="gossipkv,serf (default both)")
    parser.add_argument("--node-args", default="", help="more `gossipkv node` flags for every node (e.g. '--fsync never')")
    parser.add_argument("--burst-nodes", default="3,10", type=lambda v: [int(x) for x in v.split(",")],
                        help="cluster sizes of the burst phase (default 3,10)")
    args = parser.parse_args()

    bench = Bench(args)
    atexit.register(bench.teardown)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda s, f: sys.exit(128 + s))
    started = now()
    print("cluster-bench %s: %s, %s, Python %s, %s" % (
        "--quick" if args.quick else "(full)", datetime.datetime.now().isoformat(timespec="seconds"), platform.platform(),
        platform.python_version(), sh("serf", "version").splitlines()[0]), flush=True)
    bench.setup()
    systems = args.systems.split(",")
    try:
        for count in (3, 10):
            for system in systems:
                bench.cycle(system, count)
        if "gossipkv" in systems:
            bench.passphrase()
            bench.write_visible()
            bench.catchup()
            bench.burst()
            bench.crypto()
    except Exception as error:  # report what we have, then fail
        bench.anomaly("harness error: %r" % (error,))
        bench.summary(started)
        raise
    bench.teardown()
    bench.summary(started)


if __name__ == "__main__":
    main()
