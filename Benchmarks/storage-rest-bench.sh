#!/usr/bin/env bash
# Acknowledged SETs/s through RESP against one `gossipkv node` with each fsync policy, beside
# redis-server with `appendonly yes` + `appendfsync always` / `everysec`, in the same run, plus
# disk bytes per key:
#
#     bash Benchmarks/storage-rest-bench.sh                 # 100k SETs per system, 50 clients
#     bash Benchmarks/storage-rest-bench.sh -n 20000        # quicker
#     GOSSIPKV_BIN=.build/debug/gossipkv bash Benchmarks/storage-rest-bench.sh -n 5000   # no release build
#
# Load: `redis-benchmark -t set -n N -c 50 -P 1 -r 1000000 -d 16` (one command in flight per
# client, so each SET's reply is its acknowledgement; random keys from a million, 16-byte
# values). Every process runs on 127.0.0.1 on free ports, in a temporary directory, started and
# stopped by this script by PID; nothing else is touched. Figures are printed, never asserted;
# compare ratios within one run (the machine's disk decides the fsync figures).
#
# Disk bytes per key: the data directory (gossipkv: log segments + snapshot, node.key excluded;
# redis: the AOF directory) divided by the distinct keys held (DBSIZE), right after the load
# ("log": every SET is a record) and after compaction (gossipkv: the snapshot its graceful stop
# writes; redis: BGREWRITEAOF).
set -euo pipefail

requests=100000
clients=50
while (($#)); do
    case "$1" in
        -n) requests="$2"; shift 2 ;;
        -c) clients="$2"; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "storage-rest-bench.sh: unknown argument $1 (try -h)" >&2; exit 2 ;;
    esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

missing=()
command -v redis-benchmark >/dev/null || missing+=(redis-tools)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v python3 >/dev/null || missing+=(python3)
if ((${#missing[@]})); then
    if [[ $EUID -ne 0 ]]; then
        echo "storage-rest-bench.sh: needs ${missing[*]} (apt-get install -y ${missing[*]})" >&2
        exit 1
    fi
    echo "== apt-get install -y ${missing[*]}"
    apt-get install -y "${missing[@]}" >/dev/null || { apt-get update >/dev/null && apt-get install -y "${missing[@]}" >/dev/null; }
fi

if [[ -n "${GOSSIPKV_BIN:-}" ]]; then
    gossipkv="$GOSSIPKV_BIN"
else
    echo "== building gossipkv (release) in $root"
    (cd "$root" && swift build -c release --product gossipkv 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' || true)
    gossipkv="$(cd "$root" && swift build -c release --show-bin-path)/gossipkv"
fi
[[ -x "$gossipkv" ]] || { echo "storage-rest-bench.sh: no gossipkv binary at $gossipkv" >&2; exit 1; }

work="$(mktemp -d /tmp/gkv-storage-bench.XXXXXX)"
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
p = s.getsockname()[1]; t.bind(("127.0.0.1", p)); print(p)'
}

wait_for_ping() {
    local port="$1" pid="$2"
    for _ in $(seq 1 300); do
        kill -0 "$pid" 2>/dev/null || return 1
        [[ "$(redis-cli -p "$port" PING 2>/dev/null)" == "PONG" ]] && return 0
        sleep 0.1
    done
    return 1
}

# Stops a process we started: SIGINT (graceful), then waits for it.
stop() {
    local pid="$1"
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# Bytes of regular files under a directory, except the node key.
dir_bytes() { find "$1" -type f ! -name node.key -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }

# SETs/s reported by redis-benchmark (CSV: "test","rps",...).
load() {
    redis-benchmark -p "$1" -t set -n "$requests" -c "$clients" -P 1 -r 1000000 -d 16 --csv 2>/dev/null \
        | awk -F'"' '$2 == "SET" {print $4}'
}

declare -a names rates log_bytes compact_bytes keys_held

run_gossipkv() {
    local policy="$1" label="$2" port gport pid rps keys bytes_log bytes_compact data="$work/gossipkv-$1"
    port="$(free_port)"; gport="$(free_port)"
    local storage=(--data-dir "$data" --fsync "$policy")
    [[ "$policy" == "memory" ]] && storage=(--in-memory)
    "$gossipkv" node --name "bench-$policy" --bind 127.0.0.1 --gossip-port "$gport" --resp-port "$port" \
        --metrics-port 0 --no-multicast --log-level warning "${storage[@]}" >"$work/gossipkv-$policy.log" 2>&1 &
    pid=$!; pids+=("$pid")
    wait_for_ping "$port" "$pid" || { echo "gossipkv ($policy) did not start:"; cat "$work/gossipkv-$policy.log"; exit 1; }
    echo "== $label: $requests SETs, $clients clients"
    rps="$(load "$port")"
    keys="$(redis-cli -p "$port" DBSIZE)"
    bytes_log="-"; bytes_compact="-"
    if [[ "$policy" != "memory" ]]; then bytes_log="$(dir_bytes "$data")"; fi
    stop "$pid"
    if [[ "$policy" != "memory" ]]; then bytes_compact="$(dir_bytes "$data")"; fi
    names+=("$label"); rates+=("$rps"); keys_held+=("$keys"); log_bytes+=("$bytes_log"); compact_bytes+=("$bytes_compact")
}

run_redis() {
    local policy="$1" label="$2" port pid rps keys bytes_log bytes_compact data="$work/redis-$1"
    mkdir -p "$data"
    port="$(free_port)"
    local persistence=(--appendonly yes --appendfsync "$policy")
    [[ "$policy" == "none" ]] && persistence=(--appendonly no)
    redis-server --port "$port" --bind 127.0.0.1 --save "" --dir "$data" "${persistence[@]}" \
        --daemonize no --logfile "$work/redis-$policy.log" &
    pid=$!; pids+=("$pid")
    wait_for_ping "$port" "$pid" || { echo "redis-server ($policy) did not start"; exit 1; }
    echo "== $label: $requests SETs, $clients clients"
    rps="$(load "$port")"
    keys="$(redis-cli -p "$port" DBSIZE)"
    bytes_log="-"; bytes_compact="-"
    if [[ "$policy" != "none" ]]; then
        bytes_log="$(dir_bytes "$data")"
        redis-cli -p "$port" BGREWRITEAOF >/dev/null
        for _ in $(seq 1 200); do
            [[ "$(redis-cli -p "$port" INFO persistence | tr -d '\r' | awk -F: '$1 == "aof_rewrite_in_progress" {print $2}')" == "0" ]] && break
            sleep 0.05
        done
        sleep 0.2
        bytes_compact="$(dir_bytes "$data")"
    fi
    stop "$pid"
    names+=("$label"); rates+=("$rps"); keys_held+=("$keys"); log_bytes+=("$bytes_log"); compact_bytes+=("$bytes_compact")
}

run_redis always "redis appendfsync always"
run_gossipkv always "gossipkv --fsync always"
run_redis everysec "redis appendfsync everysec"
run_gossipkv batch "gossipkv --fsync batch"
run_gossipkv never "gossipkv --fsync never"
run_redis none "redis appendonly no"
run_gossipkv memory "gossipkv --in-memory"

echo
echo "storage-rest-bench: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(uname -r), $(redis-server --version | awk '{print $3}')"
echo "load: redis-benchmark -t set -n $requests -c $clients -P 1 -r 1000000 -d 16 on 127.0.0.1; disk under $(df -P /tmp | awk 'NR == 2 {print $1}')"
echo
always_rate="${rates[0]}"
everysec_rate="${rates[2]}"
printf '%-28s %12s %10s %12s %10s %14s %14s\n' "system" "SET/s" "vs always" "vs everysec" "keys" "B/key (log)" "B/key (compact)"
for i in "${!names[@]}"; do
    awk -v name="${names[$i]}" -v rps="${rates[$i]}" -v a="$always_rate" -v e="$everysec_rate" -v keys="${keys_held[$i]}" \
        -v lb="${log_bytes[$i]}" -v cb="${compact_bytes[$i]}" 'BEGIN {
            per_log = (lb == "-" || keys == 0) ? "-" : sprintf("%.1f", lb / keys)
            per_compact = (cb == "-" || keys == 0) ? "-" : sprintf("%.1f", cb / keys)
            printf "%-28s %12.0f %9.2fx %11.2fx %10d %14s %14s\n", name, rps, rps / a, rps / e, keys, per_log, per_compact
        }'
done
