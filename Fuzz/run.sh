#!/usr/bin/env bash
# Builds the libFuzzer targets with ASan (the recipe of shared/notes/toolchain.md) and runs each
# for N seconds (default 20) on a temporary copy of its checked-in seed corpus, so the checked-in
# corpus stays small and reviewed. Fails on any crash, leak, timeout or out-of-memory; the
# reproducer is left as Fuzz/crash-* (or leak-*, timeout-*, oom-*): replay it with
# `Fuzz/.build/debug/<Target> <file>`.
set -euo pipefail

seconds="${1:-20}"
cd "$(dirname "$0")"
targets=(
    FuzzEnvelope FuzzSealedFrame FuzzMessageBody FuzzCertificate FuzzRESP FuzzWALRecord FuzzSnapshot
    FuzzStreamFrames FuzzHandshake FuzzRevocation FuzzReplicaMerge
)
flags=(-c debug --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address)

for target in "${targets[@]}"; do
    echo "==> building $target"
    # ld.gold warns harmlessly about ASan's local symbols; keep everything else.
    swift build "${flags[@]}" --product "$target" 2>&1 | { grep -v "Cannot export local symbol '__asan_" || true; }
done
bin="$(swift build "${flags[@]}" --show-bin-path)"

# Without Swift's own backtracer a failed precondition prints its message straight to the log.
export SWIFT_BACKTRACE=enable=no
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
for target in "${targets[@]}"; do
    mkdir -p "$work/$target"
    cp corpus/"$target"/* "$work/$target/"
    echo "==> fuzzing $target for ${seconds}s ($(ls "$work/$target" | wc -l) seeds)"
    # -malloc_limit_mb: any single allocation over 64 MiB is a finding (inputs are at most 8 KiB,
    # so it can only come from trusting a length or count in the input).
    if "$bin/$target" -max_total_time="$seconds" -max_len=8192 -malloc_limit_mb=64 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$PWD/" "$work/$target" >"$work/$target.log" 2>&1; then
        grep -E "^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)" "$work/$target.log" \
            | sed "s/^/    $target /"
    else
        status=1
        echo "!!! $target found a problem; last lines of its log:"
        tail -n 60 "$work/$target.log"
    fi
done
exit "$status"
