"""The plumbing of cluster_bench.py: a namespace LAN, per-namespace sockets, RESP and Serf RPC.

Everything here runs as root on one machine. No packet leaves it: each host is a network
namespace whose only interface (`eth0`, 10.77.S.i/24) is a veth into a bridge that lives in one
more namespace of ours. The driver never forks a client per poll: it enters a namespace with
setns(2) (per thread; only the main thread is used), opens a socket there (a socket stays in the
namespace it was made in), and comes back, so one Python process polls every node tightly.
"""

import ctypes
import os
import signal
import socket
import struct
import subprocess
import time

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
_home_ns = os.open("/proc/thread-self/ns/net", os.O_RDONLY)


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "setns: " + os.strerror(err))


class InNamespace:
    """`with InNamespace("x"):` runs the block with this thread in network namespace x."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        fd = os.open("/var/run/netns/" + self.name, os.O_RDONLY)
        try:
            _setns(fd)
        finally:
            os.close(fd)

    def __exit__(self, *exc):
        _setns(_home_ns)


def sh(*args, check=True):
    """Runs a command (no shell); raises with its output when it fails."""
    result = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if check and result.returncode != 0:
        raise RuntimeError("`%s` exited with %d: %s" % (" ".join(args), result.returncode, result.stdout.strip()))
    return result.stdout


class Lab:
    """A bridge namespace `<prefix>sw` and hosts `<prefix>h<i>`, each with eth0 = 10.77.S.(i+1)/24."""

    def __init__(self, prefix, hosts, subnet):
        self.prefix = prefix
        self.subnet = subnet
        self.switch = prefix + "sw"
        self.hosts = []
        self.processes = []  # every Popen we started, for cleanup by PID
        sh("ip", "netns", "add", self.switch)
        self._in(self.switch, "ip", "link", "add", "br0", "type", "bridge")
        self._in(self.switch, "ip", "link", "set", "br0", "up")
        self._in(self.switch, "ip", "link", "set", "lo", "up")
        for index in range(hosts):
            self._add_host(index)
        self._wait_for_ipv6()

    def _wait_for_ipv6(self, seconds=10.0):
        """Serf's mDNS also sends to ff02::fb, which fails while eth0's link-local IPv6 address is
        still tentative (duplicate address detection, about 2 s after the link comes up)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            pending = [h for h in self.hosts
                       if sh("ip", "netns", "exec", h, "ip", "-6", "addr", "show", "dev", "eth0", "tentative").strip()
                       or not sh("ip", "netns", "exec", h, "ip", "-6", "addr", "show", "dev", "eth0").strip()]
            if not pending:
                return
            time.sleep(0.2)
        raise RuntimeError("IPv6 link-local addresses still tentative after %.0f s" % seconds)

    def _in(self, namespace, *args):
        return sh("ip", "netns", "exec", namespace, *args)

    def _add_host(self, index):
        host = "%sh%d" % (self.prefix, index)
        inner, outer = "%si%d" % (self.prefix, index), "%sp%d" % (self.prefix, index)
        sh("ip", "netns", "add", host)
        self.hosts.append(host)
        sh("ip", "link", "add", inner, "type", "veth", "peer", "name", outer)
        sh("ip", "link", "set", inner, "netns", host)
        sh("ip", "link", "set", outer, "netns", self.switch)
        self._in(host, "ip", "link", "set", inner, "name", "eth0")
        self._in(host, "ip", "addr", "add", self.address(index) + "/24", "dev", "eth0")
        self._in(host, "ip", "link", "set", "eth0", "multicast", "on")
        self._in(host, "ip", "link", "set", "eth0", "up")
        self._in(host, "ip", "link", "set", "lo", "up")
        # Serf's mDNS sends to 224.0.0.251 without choosing an interface: it needs this route
        # (the namespace has no default route). GossipKV picks its interface itself.
        self._in(host, "ip", "route", "add", "224.0.0.0/4", "dev", "eth0")
        self._in(self.switch, "ip", "link", "set", outer, "master", "br0")
        self._in(self.switch, "ip", "link", "set", outer, "multicast", "on")
        self._in(self.switch, "ip", "link", "set", outer, "up")

    def address(self, index):
        return "10.77.%d.%d" % (self.subnet, index + 1)

    def set_connected(self, index, connected):
        """Takes host index's switch port down (cut off the LAN) or up again."""
        self._in(self.switch, "ip", "link", "set", "%sp%d" % (self.prefix, index), "up" if connected else "down")

    def spawn(self, index, args, log_path):
        """Starts args inside host index; `ip netns exec` execs, so the PID is the program's."""
        log = open(log_path, "ab")
        process = subprocess.Popen(
            ["ip", "netns", "exec", self.hosts[index]] + list(args),
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.processes.append(process)
        return process

    def netdev(self, index, interface="eth0"):
        """(rx_bytes, rx_packets, tx_bytes, tx_packets) of an interface of host index."""
        with InNamespace(self.hosts[index]):
            with open("/proc/thread-self/net/dev") as f:
                lines = f.read().splitlines()
        for line in lines[2:]:
            name, data = line.split(":", 1)
            if name.strip() == interface:
                fields = data.split()
                return int(fields[0]), int(fields[1]), int(fields[8]), int(fields[9])
        raise RuntimeError("no %s in %s" % (interface, self.hosts[index]))

    @staticmethod
    def stop(process, sig=signal.SIGTERM, grace=10.0):
        """Signals one of our processes by PID and reaps it (SIGKILL after `grace` seconds)."""
        if process.poll() is None:
            try:
                os.kill(process.pid, sig)
            except ProcessLookupError:
                pass
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
        return process.returncode

    def teardown(self):
        for process in self.processes:
            if process.poll() is None:
                try:
                    os.kill(process.pid, signal.SIGKILL)
                    process.wait(5)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass
        self.processes = []
        for namespace in self.hosts + [self.switch]:
            # Anything still inside one of our namespaces is ours (we made them): end it by PID.
            for pid in sh("ip", "netns", "pids", namespace, check=False).split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            sh("ip", "netns", "del", namespace, check=False)
        self.hosts = []


def connect_in(namespace, port, timeout=2.0):
    """A TCP socket to 127.0.0.1:port inside namespace, or None when nothing listens yet."""
    with InNamespace(namespace):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.settimeout(timeout)
    try:
        sock.connect(("127.0.0.1", port))
    except OSError:
        sock.close()
        return None
    return sock


def rss_breakdown_kib(pid):
    """Where a process's resident pages are, from /proc/PID/smaps, in KiB by group. File pages:
    its own binary, the Swift runtime (with Concurrency and Dispatch), Foundation (with its ICU),
    other shared libraries; these are code and read-only data, shared with every process of the
    host that maps the same file (PSS splits them). Anonymous pages: the libraries' and binary's
    relocated data (written once at load), the brk heap, malloc's per-thread arenas (64 MiB
    reserved each, 64 MiB-aligned), thread stacks (an 8 MiB mapping after a guard page), and the
    rest (large mallocs, buffers, Go's heap for Serf). Empty when unreadable."""
    maps = []
    try:
        exe = os.path.realpath("/proc/%d/exe" % pid)
        with open("/proc/%d/smaps" % pid) as f:
            for line in f:
                parts = line.split()
                if parts and "-" in parts[0] and not parts[0].endswith(":"):
                    low, high = (int(x, 16) for x in parts[0].split("-"))
                    maps.append({"low": low, "high": high, "perm": parts[1],
                                 "path": parts[5] if len(parts) > 5 else "", "rss": 0, "anon": 0})
                elif parts and parts[0] in ("Rss:", "Anonymous:") and maps:
                    maps[-1]["rss" if parts[0] == "Rss:" else "anon"] = int(parts[1])
    except (FileNotFoundError, PermissionError, ProcessLookupError):
        return {}
    groups = {}

    def add(group, kib):
        if kib:
            groups[group] = groups.get(group, 0) + kib

    for index, m in enumerate(maps):
        path, name = m["path"], os.path.basename(m["path"])
        if path.startswith("/"):
            if path == exe:
                group = "binary"
            elif name.startswith(("libswift", "libdispatch", "libBlocksRuntime")):
                group = "Swift runtime"
            elif name.startswith(("libFoundation", "lib_Foundation")):
                group = "Foundation"
            else:
                group = "other shared libraries"
            add(group + " (file)", m["rss"] - m["anon"])
            add("relocated data of binary and libraries (anon)", m["anon"])
        elif path == "[heap]":
            add("brk heap (anon)", m["rss"])
        elif path == "[stack]":
            add("thread stacks (anon)", m["rss"])
        elif path.startswith("["):
            add("vdso", m["rss"])
        elif not m["perm"].startswith("---"):
            previous = maps[index - 1] if index else None
            after_guard = (previous is not None and previous["high"] == m["low"]
                           and previous["perm"].startswith("---") and previous["high"] - previous["low"] == 4096)
            if after_guard and m["high"] - m["low"] >= 1 << 20:
                add("thread stacks (anon)", m["rss"])
            elif m["low"] % (64 << 20) == 0 and m["high"] - m["low"] <= 64 << 20:
                add("malloc arenas (anon)", m["rss"])
            else:
                add("other anonymous (large mallocs, buffers)", m["rss"])
    return groups


def thread_names(pid):
    """{thread name: count} of a process (/proc/PID/task/*/comm)."""
    names = {}
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                name = f.read().strip()
            names[name] = names.get(name, 0) + 1
    except (FileNotFoundError, PermissionError, ProcessLookupError):
        pass
    return names


def udp_counters(pid):
    """The UDP counters (InDatagrams, RcvbufErrors, ...) of pid's network namespace, from
    /proc/PID/net/snmp; empty when unreadable."""
    try:
        with open("/proc/%d/net/snmp" % pid) as f:
            rows = [line.split() for line in f if line.startswith("Udp:")]
    except (FileNotFoundError, PermissionError, ProcessLookupError):
        return {}
    if len(rows) < 2:
        return {}
    return {name: int(value) for name, value in zip(rows[0][1:], rows[1][1:])}


def rss_kib(pid, field="VmRSS"):
    """A /proc/PID/status memory figure in KiB: VmRSS (all resident pages, shared code included)
    or RssAnon (the process's own heap and stacks)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return None


# ---------------------------------------------------------------------------------------------
# RESP


class RespError(Exception):
    pass


class Resp:
    """A minimal blocking RESP2 client on one socket (pipelining: send many, then read many)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()
        self.pos = 0

    @staticmethod
    def encode(*args):
        out = [b"*%d\r\n" % len(args)]
        for arg in args:
            if isinstance(arg, str):
                arg = arg.encode()
            elif isinstance(arg, int):
                arg = str(arg).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
        return b"".join(out)

    def send(self, *args):
        self.sock.sendall(self.encode(*args))

    def send_raw(self, data):
        self.sock.sendall(data)

    def call(self, *args):
        self.send(*args)
        return self.read()

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("connection closed")
        if self.pos > 65536 and self.pos > len(self.buf) // 2:
            del self.buf[: self.pos]
            self.pos = 0
        self.buf += chunk

    def _line(self):
        while True:
            end = self.buf.find(b"\r\n", self.pos)
            if end >= 0:
                line = bytes(self.buf[self.pos : end])
                self.pos = end + 2
                return line
            self._fill()

    def _exact(self, count):
        while len(self.buf) - self.pos < count + 2:
            self._fill()
        data = bytes(self.buf[self.pos : self.pos + count])
        self.pos += count + 2
        return data

    def read(self):
        """One reply: str for +, int for :, bytes/None for $, list for *, RespError for -."""
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            length = int(rest)
            return None if length < 0 else self._exact(length)
        if kind == b"*":
            length = int(rest)
            return None if length < 0 else [self.read() for _ in range(length)]
        raise RespError("unexpected reply line %r" % line)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def parse_info_cluster(text):
    """INFO cluster -> {"alive": int, "entries": int|None, "members": {name: state},
    "details": {name: {field: value}}} (fields such as lag_entries, lag_ms)."""
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    alive, entries, members, details = 0, None, {}, {}
    for line in text.splitlines():
        if line.startswith("members_alive:"):
            alive = int(line.split(":", 1)[1])
        elif line.startswith("entries:"):
            entries = int(line.split(":", 1)[1])
        elif line.startswith("member") and ":" in line and "=" in line:
            fields = dict(item.split("=", 1) for item in line.split(":", 1)[1].split(",") if "=" in item)
            if "name" in fields:
                members[fields["name"]] = fields.get("state", "?")
                details[fields["name"]] = fields
    return {"alive": alive, "entries": entries, "members": members, "details": details}


# ---------------------------------------------------------------------------------------------
# Serf RPC (msgpack over TCP, as `serf members` speaks it)


def mp_encode(value):
    if value is None:
        return b"\xc0"
    if value is True:
        return b"\xc3"
    if value is False:
        return b"\xc2"
    if isinstance(value, int):
        if 0 <= value < 128:
            return bytes([value])
        if 0 <= value < 1 << 32:
            return b"\xce" + struct.pack(">I", value)
        return b"\xcf" + struct.pack(">Q", value)
    if isinstance(value, str):
        data = value.encode()
        if len(data) < 32:
            return bytes([0xA0 | len(data)]) + data
        return b"\xda" + struct.pack(">H", len(data)) + data
    if isinstance(value, dict):
        out = [bytes([0x80 | len(value)]) if len(value) < 16 else b"\xde" + struct.pack(">H", len(value))]
        for key, item in value.items():
            out.append(mp_encode(key))
            out.append(mp_encode(item))
        return b"".join(out)
    raise TypeError("cannot encode %r" % (value,))


class _Incomplete(Exception):
    pass


def mp_decode(data, pos):
    """Decodes one msgpack object at data[pos:]; returns (value, new pos) or raises _Incomplete."""

    def need(count):
        if pos + count > len(data):
            raise _Incomplete()

    need(1)
    b = data[pos]
    pos += 1
    if b <= 0x7F:
        return b, pos
    if b >= 0xE0:
        return b - 256, pos
    if 0x80 <= b <= 0x8F:
        return _mp_map(data, pos, b & 0x0F)
    if 0x90 <= b <= 0x9F:
        return _mp_array(data, pos, b & 0x0F)
    if 0xA0 <= b <= 0xBF:
        return _mp_raw(data, pos, b & 0x1F, True)
    if b == 0xC0:
        return None, pos
    if b == 0xC2:
        return False, pos
    if b == 0xC3:
        return True, pos
    fixed = {0xCC: ">B", 0xCD: ">H", 0xCE: ">I", 0xCF: ">Q", 0xD0: ">b", 0xD1: ">h", 0xD2: ">i", 0xD3: ">q",
             0xCA: ">f", 0xCB: ">d"}
    if b in fixed:
        size = struct.calcsize(fixed[b])
        need(size)
        return struct.unpack_from(fixed[b], data, pos)[0], pos + size
    lengths = {0xC4: (1, False), 0xC5: (2, False), 0xC6: (4, False), 0xD9: (1, True), 0xDA: (2, True),
               0xDB: (4, True)}
    if b in lengths:
        width, is_str = lengths[b]
        need(width)
        length = int.from_bytes(data[pos : pos + width], "big")
        return _mp_raw(data, pos + width, length, is_str)
    if b in (0xDC, 0xDD, 0xDE, 0xDF):
        width = 2 if b in (0xDC, 0xDE) else 4
        need(width)
        count = int.from_bytes(data[pos : pos + width], "big")
        if b in (0xDC, 0xDD):
            return _mp_array(data, pos + width, count)
        return _mp_map(data, pos + width, count)
    ext = {0xD4: 1, 0xD5: 2, 0xD6: 4, 0xD7: 8, 0xD8: 16}
    if b in ext:
        need(1 + ext[b])
        return None, pos + 1 + ext[b]
    if b in (0xC7, 0xC8, 0xC9):
        width = {0xC7: 1, 0xC8: 2, 0xC9: 4}[b]
        need(width + 1)
        length = int.from_bytes(data[pos : pos + width], "big")
        need(width + 1 + length)
        return None, pos + width + 1 + length
    raise ValueError("msgpack byte 0x%02x not understood" % b)


def _mp_raw(data, pos, length, is_str):
    if pos + length > len(data):
        raise _Incomplete()
    raw = bytes(data[pos : pos + length])
    return (raw.decode(errors="replace") if is_str else raw), pos + length


def _mp_array(data, pos, count):
    items = []
    for _ in range(count):
        item, pos = mp_decode(data, pos)
        items.append(item)
    return items, pos


def _mp_map(data, pos, count):
    items = {}
    for _ in range(count):
        key, pos = mp_decode(data, pos)
        value, pos = mp_decode(data, pos)
        if isinstance(key, bytes):
            key = key.decode(errors="replace")
        items[key] = value
    return items, pos


class SerfRPC:
    """Serf's agent RPC (what `serf members` uses): handshake, then `members` requests."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()
        self.seq = 0
        self._request("handshake", {"Version": 1})
        self._header()

    def _object(self):
        while True:
            try:
                value, pos = mp_decode(self.buf, 0)
            except _Incomplete:
                chunk = self.sock.recv(1 << 20)
                if not chunk:
                    raise ConnectionError("serf rpc closed")
                self.buf += chunk
                continue
            del self.buf[:pos]
            return value

    def _request(self, command, body=None):
        self.seq += 1
        data = mp_encode({"Command": command, "Seq": self.seq})
        if body is not None:
            data += mp_encode(body)
        self.sock.sendall(data)

    def _header(self):
        header = self._object()
        if header.get("Error"):
            raise RuntimeError("serf rpc: %s" % header["Error"])
        return header

    def members(self):
        """{name: status} as `serf members` shows it (alive, failed, left, leaving)."""
        self._request("members")
        self._header()
        body = self._object()
        return {m["Name"]: m["Status"] for m in (body.get("Members") or [])}

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def now():
    return time.monotonic()
