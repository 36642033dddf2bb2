#!/usr/bin/env python3
"""redis-py, a second independent Redis client, against one GossipKV node or several.

Usage: redis_py_check.py PORT[,PORT...] [default|2]

The second argument is the protocol: "default" (redis-py's own choice: RESP3, opened with
HELLO 3) or "2" (protocol=2, RESP2); default when absent. Keys are prefixed by it, so both
runs can share a cluster.

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
    protocol = sys.argv[2] if len(sys.argv) > 2 else "default"
    if protocol not in ("default", "2"):
        fail("arguments", f"protocol must be default or 2, not {protocol!r}")
    options = {} if protocol == "default" else {"protocol": 2}
    expected_resp = "3" if protocol == "default" else "2"
    p = f"py{expected_resp}:"
    clients = [
        redis.Redis(host="127.0.0.1", port=port, decode_responses=True, socket_timeout=5, **options) for port in ports
    ]
    for client in clients:
        expect("protocol", str(client.client_info()["resp"]), expected_resp)
    print(f"ok connected with RESP{expected_resp} ({protocol} configuration)", flush=True)
    first, last = clients[0], clients[-1]
    middle = clients[len(clients) // 2]
    for client in clients:
        expect("PING", client.ping(), True)
    print(f"ok PING on {len(clients)} node(s)", flush=True)

    # SET on one node, GET on another.
    expect("SET", first.set(f"{p}a", "5"), True)
    eventually("GET on another node", lambda: last.get(f"{p}a") == "5")
    print("ok SET/GET", flush=True)

    # MSET/MGET
    expect("MSET", middle.mset({f"{p}m1": "x", f"{p}m2": "y"}), True)
    eventually("MGET on another node", lambda: first.mget([f"{p}m1", f"{p}m2", f"{p}none"]) == ["x", "y", None])
    print("ok MSET/MGET", flush=True)

    # INCR / INCRBY
    expect("INCR", first.incr(f"{p}n"), 1)
    expect("INCRBY", first.incrby(f"{p}n", 5), 6)
    eventually("INCR replicated", lambda: last.get(f"{p}n") == "6")
    print("ok INCR", flush=True)

    # EXPIRE / TTL / PERSIST, each written on one node and seen on another.
    first.set(f"{p}e", "x")
    eventually("key replicated", lambda: middle.exists(f"{p}e") == 1)
    expect("EXPIRE", middle.expire(f"{p}e", 100), True)
    eventually("EXPIRE replicated", lambda: 95 <= last.ttl(f"{p}e") <= 100)
    expect("PERSIST", last.persist(f"{p}e"), True)
    eventually("PERSIST replicated", lambda: first.ttl(f"{p}e") == -1)
    print("ok EXPIRE/TTL/PERSIST", flush=True)

    # DEL
    eventually("key replicated", lambda: last.exists(f"{p}a") == 1)
    expect("DEL", last.delete(f"{p}a"), 1)
    eventually("DEL replicated", lambda: first.get(f"{p}a") is None and first.exists(f"{p}a") == 0)
    print("ok DEL", flush=True)

    # SCAN iteration over keys written on another node.
    wanted = {f"{p}scan:{i}" for i in range(60)}
    first.mset({key: "1" for key in wanted})
    eventually("SCAN iteration", lambda: set(last.scan_iter(match=f"{p}scan:*", count=7)) == wanted)
    print("ok SCAN", flush=True)

    # Pipelines (no MULTI: transaction=False).
    pipe = middle.pipeline(transaction=False)
    pipe.set(f"{p}p", "1").incr(f"{p}p").get(f"{p}p").setnx(f"{p}p", "9").append(f"{p}p", "0").getset(f"{p}p", "z")
    expect("pipeline", pipe.execute(), [True, 2, "2", False, 2, "20"])
    eventually("pipeline replicated", lambda: first.get(f"{p}p") == "z")
    print("ok pipeline", flush=True)

    # Transactions: redis-py's default pipeline wraps the batch in MULTI/EXEC.
    pipe = middle.pipeline()
    pipe.set(f"{p}t", "1").incr(f"{p}t").incrby(f"{p}t", 10).get(f"{p}t").get(f"{p}none")
    expect("MULTI/EXEC pipeline", pipe.execute(), [True, 2, 12, "12", None])
    eventually("transaction replicated", lambda: first.get(f"{p}t") == "12")
    pipe = middle.pipeline()
    pipe.set(f"{p}t", "text").incr(f"{p}t").set(f"{p}t2", "after")
    try:
        pipe.execute()
        fail("MULTI/EXEC with a failing command", "no error raised")
    except redis.ResponseError as error:
        expect("failing command's error", "not an integer" in str(error), True)
    expect("other commands of the transaction applied", middle.get(f"{p}t2"), "after")
    print("ok MULTI/EXEC transaction pipelines", flush=True)

    # Client name and library info (redis-py sends CLIENT SETINFO on connect).
    expect("CLIENT SETNAME", middle.client_setname(f"{p}worker"), True)
    expect("CLIENT GETNAME", middle.client_getname(), f"{p}worker")
    info = middle.client_info()
    expect("CLIENT INFO", (info["name"], info["lib-name"]), (f"{p}worker", "redis-py"))
    expect("CLIENT ID", middle.client_id(), int(info["id"]))
    names = [client["name"] for client in middle.client_list()]
    expect("CLIENT LIST", f"{p}worker" in names, True)
    print("ok client name", flush=True)

    # The shorthand commands and CONFIG GET, as redis-py sends them.
    expect("SETEX", first.setex(f"{p}s", 50, "v"), True)
    eventually("SETEX replicated", lambda: 45 <= last.ttl(f"{p}s") <= 50)
    expect("GETEX", last.getex(f"{p}s", persist=True), "v")
    eventually("GETEX PERSIST replicated", lambda: first.ttl(f"{p}s") == -1)
    expect("CONFIG GET", first.config_get("save"), {"save": ""})
    print("ok SETEX/GETEX/CONFIG GET", flush=True)

    # Keyspace notifications on the last node for writes made on the first.
    pubsub = last.pubsub()
    pubsub.psubscribe(f"__keyspace@0__:{p}*")
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.1)
        if message is not None and message["type"] == "psubscribe":
            break
    else:
        fail("PSUBSCRIBE", "no confirmation")
    first.set(f"{p}ks", "1")
    message = next_message(pubsub, "set event")
    expect("set event", (message["channel"], message["data"]), (f"__keyspace@0__:{p}ks", "set"))
    first.delete(f"{p}ks")
    message = next_message(pubsub, "del event")
    expect("del event", (message["channel"], message["data"]), (f"__keyspace@0__:{p}ks", "del"))
    first.set(f"{p}gone", "v", px=400)
    events = [next_message(pubsub, "set PX events")["data"] for _ in range(2)]
    expect("set PX events", events, ["set", "expire"])
    started = time.monotonic()
    message = next_message(pubsub, "expired event")
    expect("expired event", (message["channel"], message["data"]), (f"__keyspace@0__:{p}gone", "expired"))
    expect("expired key", last.get(f"{p}gone"), None)
    pubsub.close()
    print(f"ok keyspace notifications (expired {int((time.monotonic() - started) * 1000)} ms after the set events)", flush=True)

    print(f"redis-py {redis.__version__} ({protocol} configuration, RESP{expected_resp}) against {len(clients)} node(s): all checks passed", flush=True)


if __name__ == "__main__":
    try:
        main()
    except redis.RedisError as error:
        fail("redis error", repr(error))
