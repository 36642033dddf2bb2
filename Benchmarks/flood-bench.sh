#!/usr/bin/env bash
# p99 client latency on a 3-node loopback cluster, idle and during a 100k datagrams/s junk flood
# (issue 13, "cheap rejection first"):
#
#     bash Benchmarks/flood-bench.sh                      # 10 s idle, then 10 s flooded
#     bash Benchmarks/flood-bench.sh --seconds 5 --rate 50000
#
# Builds `gossipkv` (release) and runs Benchmarks/flood_bench.py, which starts
# `gossipkv cluster --nodes 3` on 127.0.0.1 (RESP 7041-7043, gossip 7141-7143, metrics
# 7241-7243; no multicast) in Benchmarks/.flood-bench/ (gitignored), floods node 1's gossip port
# from a second process on loopback, and stops the cluster by its PID. Figures are printed,
# not asserted.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."

echo "== building gossipkv (release)"
swift build -c release --product gossipkv 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' || true
gossipkv="$(swift build -c release --show-bin-path)/gossipkv"
[[ -x "$gossipkv" ]] || { echo "flood-bench.sh: gossipkv did not build" >&2; exit 1; }

run_dir="$here/.flood-bench"
rm -rf "$run_dir"
mkdir -p "$run_dir"
python3 "$here/flood_bench.py" --gossipkv "$gossipkv" --run-dir "$run_dir" "$@" 2>&1 | tee "$run_dir/output.txt"
exit "${PIPESTATUS[0]}"
