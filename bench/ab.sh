#!/usr/bin/env bash
# Before/after check of an index change: two builds of bench/Lookalike.Bench run alternately on one dataset
# (A B A B …, ROUNDS rounds), then the median single-query QPS per efSearch of each, B ÷ A, and the spread
# (min–max over the rounds). Build A from the commit before the change, B from the working tree, e.g.
#
#   git stash; dotnet build -c Release bench/Lookalike.Bench -o /tmp/bench-a; git stash pop
#   dotnet build -c Release bench/Lookalike.Bench -o /tmp/bench-b
#   ROUNDS=5 bench/ab.sh /tmp/bench-a /tmp/bench-b /tmp/lookalike-peers/data/random-300d-10k --ef 10,20,40,80
#
# Extra arguments go to both runners (see bench/run.sh); BENCH_RUNS passes per point inside each run (default 1).
# A_ARGS / B_ARGS add arguments to one side only, e.g. one build, float against int8:
#
#   B_ARGS="--quantization int8" bench/ab.sh /tmp/bench-b /tmp/bench-b /tmp/lookalike-peers/data/synthetic-clustered-128
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
A="${1:?usage: bench/ab.sh BUILD_A BUILD_B DATA_DIR [runner args]}"; B="${2:?}"; DATA="${3:?}"; shift 3
ROUNDS="${ROUNDS:-5}"
OUT="$(mktemp -d)"
for r in $(seq 1 "$ROUNDS"); do
  for side in A B; do
    dir="$A"; extra="${A_ARGS:-}"; [ "$side" = B ] && { dir="$B"; extra="${B_ARGS:-}"; }
    echo "== round $r/$ROUNDS, $side (load $(cut -d' ' -f1 /proc/loadavg))" >&2
    BENCH_RUNS="${BENCH_RUNS:-1}" dotnet "$dir/Lookalike.Bench.dll" "$DATA" --build-threads 1 "$@" $extra 2>/dev/null > "$OUT/$side.$r.jsonl"
  done
done
/usr/bin/python3 "$HERE/ab_summary.py" "$OUT"
rm -rf "$OUT"
