#!/usr/bin/env bash
# GossipKV's Redis-protocol figures beside Debian's redis-server, in one run on loopback:
#
#     bash Benchmarks/client-bench.sh            # full figures (about 10 minutes once built)
#     bash Benchmarks/client-bench.sh --quick    # fewer requests, 100k keys: a smoke test
#     bash Benchmarks/client-bench.sh --only memory    # a subset: throughput,cluster,memory,visibility
#
# Prints: redis-benchmark -t set,get -n 200000 -c 50 with -P 1 and -P 16 against redis-server,
# one `gossipkv node` and node 1 of a 3-node `gossipkv cluster`, with the ratios; RSS per key
# for 1M keys (16-byte keys, 32-byte values) beside redis-server's; p50/p99 of a write on node 1
# becoming readable on nodes 2 and 3 through RESP. Figures are printed, not asserted (see
# Benchmarks/README.md, "Client benchmarks").
#
# Installs redis-server and redis-tools with apt-get when missing (needs root then), builds
# `gossipkv` (release), and runs Benchmarks/client_bench.py, which starts every server itself
# on loopback ports (redis 7391, node 7390/7392, cluster 7001-7003/7101-7103; no multicast),
# in a temp dir under Benchmarks/.client-bench/ (gitignored), and stops each by its PID.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-benchmark >/dev/null || missing+=(redis-tools)
command -v python3 >/dev/null || missing+=(python3)
dpkg -s libsodium-dev >/dev/null 2>&1 || missing+=(libsodium-dev)
command -v pkg-config >/dev/null || missing+=(pkg-config)
if ((${#missing[@]})); then
    if [[ $EUID -ne 0 ]]; then
        echo "client-bench.sh: missing ${missing[*]}; install them (apt-get install -y ${missing[*]}) or run as root" >&2
        exit 1
    fi
    echo "== apt-get install -y ${missing[*]}"
    # RUNLEVEL=1: install redis-server without starting the system service; we run our own.
    RUNLEVEL=1 apt-get install -y "${missing[@]}" >/dev/null \
        || { apt-get update >/dev/null && RUNLEVEL=1 apt-get install -y "${missing[@]}" >/dev/null; }
fi

echo "== building gossipkv (release)"
swift build -c release --product gossipkv 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' || true
gossipkv="$(swift build -c release --show-bin-path)/gossipkv"
[[ -x "$gossipkv" ]] || { echo "client-bench.sh: gossipkv did not build" >&2; exit 1; }

run_dir="$here/.client-bench"
rm -rf "$run_dir"
mkdir -p "$run_dir"
python3 "$here/client_bench.py" --gossipkv "$gossipkv" --run-dir "$run_dir" "$@" 2>&1 | tee "$run_dir/output.txt"
exit "${PIPESTATUS[0]}"
