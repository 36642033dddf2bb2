#!/usr/bin/env bash
# Storage benchmarks (printed, not asserted): recovery of 1M keys from a snapshot + 100k log
# records, append throughput per fsync policy, group commit with 64 writers, snapshot write time
# and the writer's longest pause meanwhile, disk bytes per key.
#
#     bash Benchmarks/storage-bench.sh            # full figures (1M keys; about a minute, ~400 MB of disk)
#     bash Benchmarks/storage-bench.sh --quick    # 100k keys: a smoke test
#     bash Benchmarks/storage-bench.sh --dir /mnt/disk/tmp   # measure another disk
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
echo "== building StorageBench (release)"
swift build -c release --product StorageBench 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' || true
"$(swift build -c release --show-bin-path)/StorageBench" "$@"
