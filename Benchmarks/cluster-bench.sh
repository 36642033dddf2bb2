#!/usr/bin/env bash
# GossipKV node benchmarks beside HashiCorp Serf, on a LAN of network namespaces:
#
#     sudo bash Benchmarks/cluster-bench.sh            # full figures (about 15 minutes once built)
#     sudo bash Benchmarks/cluster-bench.sh --quick    # fewer reps and keys, 20 s idle: a smoke test
#     sudo bash Benchmarks/cluster-bench.sh --only discovery,failure --systems gossipkv   # a subset
#     sudo bash Benchmarks/cluster-bench.sh --only burst --burst-nodes 3,10    # a write burst by message kind
#
# Needs root (network namespaces). Installs `serf` and `redis-tools` with apt-get when missing,
# builds `gossipkv` (release) in the main package and `CryptoBench` (release) in Benchmarks/, then
# runs Benchmarks/cluster_bench.py, which prints every figure with its setup and a summary table.
# Figures are printed, not asserted. See Benchmarks/README.md, "Cluster benchmarks".
#
# Safety: every node runs inside namespaces this script creates (<prefix>sw, <prefix>h0..h9; the
# only interfaces are veths into one bridge namespace), so no multicast leaves the machine. On
# exit, whatever happens, everything still running inside those namespaces is killed by PID and
# the namespaces are deleted. Keys and logs of the last run stay in Benchmarks/.cluster-bench/
# (gitignored).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
root="$(pwd)"

if [[ $EUID -ne 0 ]]; then
    echo "cluster-bench.sh: needs root (it creates network namespaces); run it with sudo" >&2
    exit 1
fi

missing=()
command -v serf >/dev/null || missing+=(serf)
command -v redis-cli >/dev/null || missing+=(redis-tools)
command -v python3 >/dev/null || missing+=(python3)
command -v ip >/dev/null || missing+=(iproute2)
dpkg -s libsodium-dev >/dev/null 2>&1 || missing+=(libsodium-dev)
command -v pkg-config >/dev/null || missing+=(pkg-config)
if ((${#missing[@]})); then
    echo "== apt-get install -y ${missing[*]}"
    apt-get install -y "${missing[@]}" >/dev/null || { apt-get update >/dev/null && apt-get install -y "${missing[@]}" >/dev/null; }
fi

echo "== building gossipkv (release) in $root"
swift build -c release --product gossipkv 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' || true
gossipkv="$(swift build -c release --show-bin-path)/gossipkv"
[[ -x "$gossipkv" ]] || { echo "cluster-bench.sh: gossipkv did not build" >&2; exit 1; }

# CryptoBench (a second package, a cold release build of its own) only when the crypto phase runs.
only=""
previous=""
for arg in "$@"; do
    [[ $previous == --only ]] && only="$arg"
    [[ $arg == --only=* ]] && only="${arg#--only=}"
    previous="$arg"
done
cryptobench=/bin/false
if [[ -z $only || ,$only, == *,crypto,* ]]; then
    echo "== building CryptoBench (release) in $here"
    (cd "$here" && swift build -c release --product CryptoBench 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' || true)
    cryptobench="$(cd "$here" && swift build -c release --show-bin-path)/CryptoBench"
    [[ -x "$cryptobench" ]] || { echo "cluster-bench.sh: CryptoBench did not build" >&2; exit 1; }
fi

prefix="gkvb$(($$ % 100000))"
run_dir="$here/.cluster-bench"
cleanup() {
    local ns pid
    for ns in $(ip netns list | awk '{print $1}' | grep -E "^${prefix}(sw|h[0-9]+)\$" || true); do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
}
trap cleanup EXIT
rm -rf "$run_dir"
mkdir -p "$run_dir"

python3 "$here/cluster_bench.py" --prefix "$prefix" --subnet $((1 + $$ % 250)) --gossipkv "$gossipkv" \
    --cryptobench "$cryptobench" --run-dir "$run_dir" "$@" 2>&1 | tee "$run_dir/output.txt"
exit "${PIPESTATUS[0]}"
