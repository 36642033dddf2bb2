#!/usr/bin/env bash
# The one command for GossipKV's core benchmarks:
#
#     bash Benchmarks/run.sh            # full figures (a few minutes on 2 cores)
#     bash Benchmarks/run.sh --quick    # smaller maps, 2 runs: a smoke test, not figures to quote
#
# It builds CoreBench in release mode, runs it, then runs the pycrdt comparison in a virtualenv
# it makes under Benchmarks/.venv (pip install pycrdt), and prints the ratio lines.
# Compare figures taken in one run on one machine; they drift between machines.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

quick=()
if [[ "${1:-}" == "--quick" ]]; then quick=(--quick); fi

echo "== building CoreBench (release)"
swift build -c release --product CoreBench 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' || true
bin="$(swift build -c release --show-bin-path)/CoreBench"
[[ -x "$bin" ]] || { echo "run.sh: CoreBench did not build" >&2; exit 1; }

results="$(mktemp "${TMPDIR:-/tmp}/corebench.XXXXXX")"
trap 'rm -f "$results"' EXIT

echo
"$bin" "${quick[@]}" --results "$results"

echo
echo "== pycrdt (virtualenv in Benchmarks/.venv)"
if [[ ! -x .venv/bin/python ]]; then
    python3 -m venv .venv
fi
if ! .venv/bin/python -c 'import pycrdt' 2>/dev/null; then
    .venv/bin/pip install --quiet pycrdt
fi
.venv/bin/python pycrdt_bench.py "${quick[@]}" --gossipkv-results "$results"
