#!/usr/bin/env python3
"""redis-py, a second independent Redis client, against one GossipKV node or several.

Usage: redis_py_check.py PORT[,PORT...]

With several ports it writes on one node and reads on another, retrying for a few seconds
(replication is eventual, usually milliseconds). Prints one "ok ..." line per check and a
final summary; exits 1 with a "FAIL ..." line on the first failure. Run by
Tests/IntegrationTests/RedisPyTests.swift.
"""
import sys
import time
import warnings

import redis

TIMEOUT = 5.0


def fail(step, detail):
    print(f"FAIL {step}: {detail}", flush=True)
    sys.exit(1)


def eventually(step, check, timeout=TIMEOUT):
    """Polls check() until it returns a truthy value; fails the run with its last value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.02)
    fail(step, f"still {last!r} after {timeout} s")


def expect(step, got, want):
    if got != want:
        fail(step, f"got {got!r}, expected {want!r}")


def next_message(pubsub, step, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.1)
        if message is not None and message["type"] == "pmessage":
            return message
    fail(step, f"no keyspace message within {timeout} s")


def main():
    # SETEX and GETSET are deprecated in redis-py, but clients still send them: test them quietly.
    warnings.simplefilter("ignore", DeprecationWarning)
    ports = [int(p) for p in sys.argv[1].split(",")]
    # redis-py 8 opens with HELLO 3 (RESP3) and does not fall back when the server answers
    # NOPROTO, as GossipKV (RESP2 only) does: clients must ask for protocol=2.
    try:
        redis.Redis(host="127.0.0.1", port=ports[0], socket_timeout=5).ping()
        print("note: the default (RESP3) handshake was accepted", flush=True)
    except redis.ResponseError as error:
        expect("default handshake refused with NOPROTO", str(error).startswith("NOPROTO"), True)
        print("ok the default RESP3 handshake is refused with NOPROTO (use protocol=2)", flush=True)
    clients = [
        redis.Redis(host="127.0.0.1", port=p, protocol=2, decode_responses=True, socket_timeout=5) for p in ports
    ]
    first, last = clients[0], clients[-1]
    middle = clients[len(clients) // 2]
    for client in clients:
        expect("PING", client.ping(), True)
    print(f"ok PING on {len(clients)} node(s)", flush=True)

    # SET on one node, GET on another.
    expect("SET", first.set("py:a", "5"), True)
    eventually("GET on another node", lambda: last.get("py:a") == "5")
    print("ok SET/GET", flush=True)

    # MSET/MGET
    expect("MSET", middle.mset({"py:m1": "x", "py:m2": "y"}), True)
    eventually("MGET on another node", lambda: first.mget(["py:m1", "py:m2", "py:none"]) == ["x", "y", None])
    print("ok MSET/MGET", flush=True)

    # INCR / INCRBY
    expect("INCR", first.incr("py:n"), 1)
    expect("INCRBY", first.incrby("py:n", 5), 6)
    eventually("INCR replicated", lambda: last.get("py:n") == "6")
    print("ok INCR", flush=True)

    # EXPIRE / TTL / PERSIST, each written on one node and seen on another.
    first.set("py:e", "x")
    eventually("key replicated", lambda: middle.exists("py:e") == 1)
    expect("EXPIRE", middle.expire("py:e", 100), True)
    eventually("EXPIRE replicated", lambda: 95 <= last.ttl("py:e") <= 100)
    expect("PERSIST", last.persist("py:e"), True)
    eventually("PERSIST replicated", lambda: first.ttl("py:e") == -1)
    print("ok EXPIRE/TTL/PERSIST", flush=True)

    # DEL
    eventually("key replicated", lambda: last.exists("py:a") == 1)
    expect("DEL", last.delete("py:a"), 1)
    eventually("DEL replicated", lambda: first.get("py:a") is None and first.exists("py:a") == 0)
    print("ok DEL", flush=True)

    # SCAN iteration over keys written on another node.
    wanted = {f"py:scan:{i}" for i in range(60)}
    first.mset({key: "1" for key in wanted})
    eventually("SCAN iteration", lambda: set(last.scan_iter(match="py:scan:*", count=7)) == wanted)
    print("ok SCAN", flush=True)

    # Pipelines (no MULTI: transaction=False).
    pipe = middle.pipeline(transaction=False)
    pipe.set("py:p", "1").incr("py:p").get("py:p").setnx("py:p", "9").append("py:p", "0").getset("py:p", "z")
    expect("pipeline", pipe.execute(), [True, 2, "2", False, 2, "20"])
    eventually("pipeline replicated", lambda: first.get("py:p") == "z")
    print("ok pipeline", flush=True)

    # The shorthand commands and CONFIG GET, as redis-py sends them.
    expect("SETEX", first.setex("py:s", 50, "v"), True)
    eventually("SETEX replicated", lambda: 45 <= last.ttl("py:s") <= 50)
    expect("GETEX", last.getex("py:s", persist=True), "v")
    eventually("GETEX PERSIST replicated", lambda: first.ttl("py:s") == -1)
    expect("CONFIG GET", first.config_get("save"), {"save": ""})
    print("ok SETEX/GETEX/CONFIG GET", flush=True)

    # Keyspace notifications on the last node for writes made on the first.
    pubsub = last.pubsub()
    pubsub.psubscribe("__keyspace@0__:*")
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.1)
        if message is not None and message["type"] == "psubscribe":
            break
    else:
        fail("PSUBSCRIBE", "no confirmation")
    first.set("py:ks", "1")
    message = next_message(pubsub, "set event")
    expect("set event", (message["channel"], message["data"]), ("__keyspace@0__:py:ks", "set"))
    first.delete("py:ks")
    message = next_message(pubsub, "del event")
    expect("del event", (message["channel"], message["data"]), ("__keyspace@0__:py:ks", "del"))
    first.set("py:gone", "v", px=400)
    events = [next_message(pubsub, "set PX events")["data"] for _ in range(2)]
    expect("set PX events", events, ["set", "expire"])
    started = time.monotonic()
    message = next_message(pubsub, "expired event")
    expect("expired event", (message["channel"], message["data"]), ("__keyspace@0__:py:gone", "expired"))
    expect("expired key", last.get("py:gone"), None)
    pubsub.close()
    print(f"ok keyspace notifications (expired {int((time.monotonic() - started) * 1000)} ms after the set events)", flush=True)

    print(f"redis-py {redis.__version__} against {len(clients)} node(s): all checks passed", flush=True)


if __name__ == "__main__":
    try:
        main()
    except redis.RedisError as error:
        fail("redis error", repr(error))
