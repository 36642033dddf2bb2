#!/usr/bin/env python3
"""Records real redis-cli traffic as seeds for FuzzRESP (corpus/FuzzRESP/).

Starts a tiny fake Redis on a loopback port that answers each command just well enough for
redis-cli to go on (OK, integers, empty arrays, a SCAN cursor of 0), runs redis-cli against it
for a set of sessions, and saves the bytes redis-cli sent. Each seed starts with FuzzRESP's
selector byte (see Fuzz/Sources/FuzzRESP): 0x01 (production limits, whole input) and 0x0A
(tight limits, chunked). Hand-written edge cases (inline quoting, limits, garbage) follow.
Usage, from Fuzz/: python3 capture-resp-corpus.py   (needs redis-cli and redis-benchmark:
apt-get install -y redis-tools)
"""
import os
import shutil
import socket
import subprocess
import threading

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "FuzzRESP")


def commands(data):
    """Yields (complete commands, bytes consumed) from RESP multibulk or inline input."""
    found, pos = [], 0
    while pos < len(data):
        if data[pos:pos + 1] == b"*":
            end = data.find(b"\r\n", pos)
            if end < 0:
                break
            count, cur, args = int(data[pos + 1:end]), end + 2, []
            for _ in range(count):
                end = data.find(b"\r\n", cur)
                if end < 0:
                    return found, pos
                length = int(data[cur + 1:end])
                if len(data) < end + 2 + length + 2:
                    return found, pos
                args.append(data[end + 2:end + 2 + length])
                cur = end + 2 + length + 2
            found.append(args)
            pos = cur
        else:
            end = data.find(b"\n", pos)
            if end < 0:
                break
            found.append(data[pos:end].split())
            pos = end + 1
    return found, pos


def answer(args):
    name = args[0].lower() if args else b""
    if name in (b"scan",):
        return b"*2\r\n$1\r\n0\r\n*0\r\n"
    if name in (b"command", b"keys", b"mget"):
        return b"*0\r\n"
    if name in (b"subscribe", b"psubscribe"):
        return b"".join(b"*3\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n:%d\r\n" % (len(name), name, len(c), c, i + 1)
                        for i, c in enumerate(args[1:]))
    if name in (b"incr", b"decr", b"incrby", b"del", b"exists", b"dbsize", b"ttl", b"expire"):
        return b":1\r\n"
    if name in (b"get", b"getex", b"getset"):
        return b"$1\r\n5\r\n"
    if name == b"config" and len(args) > 2:
        return b"*2\r\n$%d\r\n%s\r\n$0\r\n\r\n" % (len(args[2]), args[2])
    if name in (b"setnx", b"append", b"msetnx"):
        return b":1\r\n"
    if name == b"echo" and len(args) > 1:
        return b"$%d\r\n%s\r\n" % (len(args[1]), args[1])
    return b"+OK\r\n"


class FakeRedis:
    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.sessions = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.client, args=(conn,), daemon=True).start()

    def client(self, conn):
        received, pending = bytearray(), b""
        self.sessions.append(received)
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            received.extend(chunk)
            pending += chunk
            found, used = commands(pending)
            pending = pending[used:]
            for args in found:
                conn.sendall(answer(args))
                if args and args[0].lower() in (b"subscribe", b"psubscribe"):
                    conn.close()
                    return
        conn.close()


def run(server, args, stdin=None):
    before = len(server.sessions)
    subprocess.run(["redis-cli", "-p", str(server.port)] + args, input=stdin, capture_output=True, timeout=20)
    return b"".join(bytes(s) for s in server.sessions[before:])


def main():
    if shutil.which("redis-cli") is None:
        raise SystemExit("redis-cli not found: apt-get install -y redis-tools")
    server = FakeRedis()
    binary = bytes(range(256))
    sessions = {
        "set": run(server, ["SET", "a", "5"]),
        "get": run(server, ["GET", "a"]),
        "set-options": run(server, ["SET", "session:1", "alice", "EX", "60", "NX", "GET"]),
        "mset": run(server, ["MSET", "k1", "v1", "k2", "v2", "k3", "v3"]),
        "incrby": run(server, ["INCRBY", "counter", "-42"]),
        "expire": run(server, ["EXPIRE", "a", "10", "GT"]),
        "binary-value": run(server, ["-x", "SET", "blob"], stdin=binary),
        "large-value": run(server, ["-x", "SET", "big"], stdin=b"x" * 4000),
        "unicode": run(server, ["SET", "clé", "värde ✓"]),
        "empty-argument": run(server, ["SET", "", ""]),
        "piped": run(server, [], stdin=b"SET x 1\nINCR x\nGET x\nDEL x\nKEYS *\nDBSIZE\n"),
        "scan": run(server, ["--scan", "--pattern", "user:*"]),
        "subscribe": run(server, ["PSUBSCRIBE", "__keyspace@0__:*"]),
        "command-docs": run(server, ["COMMAND", "DOCS", "set", "get"]),
        "client-setname": run(server, ["CLIENT", "SETNAME", "worker-1"]),
        "info-cluster": run(server, ["INFO", "cluster"]),
        "repeat": run(server, ["-r", "5", "INCR", "n"]),
        "getex": run(server, ["GETEX", "session:1", "PX", "1500"]),
        "setnx-append": run(server, [], stdin=b"SETNX lock me\nAPPEND log line\nMSETNX a 1 b 2\nGETSET a 2\n"),
        "config-get": run(server, ["CONFIG", "GET", "save", "appendonly"]),
        "auth": run(server, ["-a", "secret", "--no-auth-warning", "GET", "a"]),
    }
    # redis-benchmark: CONFIG GET at start, then pipelined SETs and GETs from two clients.
    before = len(server.sessions)
    subprocess.run(["redis-benchmark", "-p", str(server.port), "-n", "8", "-c", "2", "-P", "4", "-t", "set,get", "-q"],
                   capture_output=True, timeout=20)
    sessions["benchmark"] = b"".join(bytes(s) for s in server.sessions[before:])
    handwritten = {
        "inline-quoted": b'SET "a b" \'c\\\'d\' "\\x41\\n"\r\nGET "a b"\n\r\n',
        "empty-arrays": b"*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n",
        "huge-bulk-header": b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1073741824\r\n",
        "huge-array-header": b"*2000000\r\n",
        "nested-array": b"*1\r\n*1\r\n$1\r\na\r\n",
        "missing-crlf": b"*1\r\n$4\r\nPINGxx",
        "negative-bulk": b"*1\r\n$-5\r\n",
        "unbalanced-quote": b'GET "open\r\n',
        "long-inline": b"a" * 200,
    }
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    for name, data in sessions.items():
        if not data:
            raise SystemExit(f"no bytes captured for {name}")
        with open(os.path.join(OUT, f"cli-{name}.bin"), "wb") as f:
            f.write(b"\x01" + data)
        with open(os.path.join(OUT, f"cli-{name}-tight.bin"), "wb") as f:
            f.write(b"\x0a" + data)
    for name, data in handwritten.items():
        with open(os.path.join(OUT, f"edge-{name}.bin"), "wb") as f:
            f.write(b"\x01" + data)
    print(f"wrote {len(sessions) * 2 + len(handwritten)} seeds to {OUT}")


if __name__ == "__main__":
    main()
