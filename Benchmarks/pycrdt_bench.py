"""pycrdt (Yrs, the Rust port of Yjs) beside GossipKV's core, with the same data.

Figures, best of 5:
  merge: a 100k-key Map merged from a full update: `apply_update` of the encoded state into a
         fresh Doc (decoding included) -> keys/s.
  delta: the update for 1000 changed keys of that 100k-key Map: `get_update(state_vector)` after
         changing 1000 keys -> ms.

Keys and values are the bytes CoreBench uses (16-byte keys, 32-byte values, as str).

Usage: python pycrdt_bench.py [--quick] [--gossipkv-results FILE]
With a CoreBench results file, also prints the ratio lines.
"""

import argparse
import time

from pycrdt import Doc, Map

RUNS = 5


def key(index: int) -> str:
    return "key-%012d" % index


def value(index: int, generation: int = 0) -> str:
    return "v%d-%029d" % (generation % 10, index)


def best_of(runs, prepare, body):
    best = float("inf")
    for _ in range(runs):
        state = prepare()
        start = time.perf_counter()
        body(state)
        best = min(best, time.perf_counter() - start)
    return best


def build_doc(keys: int) -> Doc:
    doc = Doc()
    doc["m"] = m = Map()
    with doc.transaction():
        for index in range(keys):
            m[key(index)] = value(index)
    return doc


def bench_merge(keys: int, runs: int) -> float:
    source = build_doc(keys)
    update = source.get_update()

    def merge(doc):
        doc.apply_update(update)

    seconds = best_of(runs, Doc, merge)
    check = Doc()
    check.apply_update(update)
    merged = check.get("m", type=Map)
    assert len(merged) == keys and merged[key(keys - 1)] == value(keys - 1), "merge check failed"
    return keys / seconds


def bench_delta(keys: int, changed: int, runs: int):
    doc = build_doc(keys)
    replica = Doc()
    replica.apply_update(doc.get_update())
    state = replica.get_state()  # what a replica holding everything advertises
    m = doc.get("m", type=Map)
    stride = 7919  # the same spread of changed keys as CoreBench
    with doc.transaction():
        for written in range(changed):
            index = (written * stride) % keys
            m[key(index)] = value(index, generation=2)
    update = doc.get_update(state)

    # The update brings the replica up to date.
    replica.apply_update(update)
    replica_map = replica.get("m", type=Map)
    for written in (0, changed // 2, changed - 1):
        index = (written * stride) % keys
        assert replica_map[key(index)] == value(index, generation=2), "delta check failed"

    seconds = best_of(runs, lambda: None, lambda _: doc.get_update(state))
    return seconds * 1000, len(update)


def read_results(path: str) -> dict:
    results = {}
    with open(path) as file:
        for line in file:
            name, _, number = line.strip().partition(" ")
            if name:
                results[name] = float(number)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="10k keys, 2 runs (smoke test)")
    parser.add_argument("--gossipkv-results", help="CoreBench --results file, for the ratio lines")
    arguments = parser.parse_args()
    keys = 10_000 if arguments.quick else 100_000
    runs = 2 if arguments.quick else RUNS
    changed = 1000

    import pycrdt

    print("pycrdt %s (Yrs), best of %d" % (getattr(pycrdt, "__version__", "?"), runs))
    merge_rate = bench_merge(keys, runs)
    print("    %-44s%14s keys/s" % ("merge: apply_update of a %s-key Map" % format(keys, ","), format(round(merge_rate), ",")))
    delta_ms, update_bytes = bench_delta(keys, changed, runs)
    print("    %-44s%14.3f ms  (%s bytes)" % ("delta: get_update, %d of %s keys changed" % (changed, format(keys, ",")), delta_ms, format(update_bytes, ",")))

    if arguments.gossipkv_results:
        ours = read_results(arguments.gossipkv_results)
        our_merge = ours.get("merge_empty_keys_per_s")
        our_delta = ours.get("delta_ms_%d_%d" % (keys, changed))
        print("")
        if our_merge is not None and int(ours.get("merge_keys", 0)) == keys:
            print("merge: GossipKV/pycrdt = %.1f×  (target ≥ 5×)" % (our_merge / merge_rate))
        else:
            print("merge: no GossipKV figure for %d keys in %s" % (keys, arguments.gossipkv_results))
        if our_delta is not None:
            print("delta(%d of %s): GossipKV %.3f ms vs pycrdt %.3f ms" % (changed, "%dk" % (keys // 1000), our_delta, delta_ms))
        else:
            print("delta: no GossipKV figure for %d of %d keys in %s" % (changed, keys, arguments.gossipkv_results))


if __name__ == "__main__":
    main()
