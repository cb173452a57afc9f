#!/usr/bin/env bash
# Run Lookalike.Index and the peers hnswlib-native and usearch on the same dataset, one after the other, and print
# our ratios at recall@10 = 0.90 / 0.95 / 0.99 (single-query QPS, 1 thread), build time with 1 and 2 threads, and
# index bytes (saved file size, as hnswlib reports it).
#
#   bench/compare.sh DATASET [RUN_ARGS…]   e.g. synthetic-clustered-128 | random-300d-10k
#
# RUN_ARGS go to bench/run.sh (e.g. --quantization int8); with any, our records and the table get a suffix from them
# (bench/out/synthetic-clustered-128.quantization-int8.lookalike.jsonl). COMPARE_SKIP_PEERS=1 reuses the peers'
# results already in $PEERS_WORK/results instead of running them again.
#
# Environment: PEERS_WORK (where the peers' data/builds/results live; default /tmp/lookalike-peers),
# PEERS_DIR (the peers harness; default ../shared/bench/peers beside the checkout), COMPARE_PEERS
# (default "hnswlib-native usearch"), BENCH_RUNS (timed passes per point, default 2), EF_SWEEP.
# Results: $PEERS_WORK/results/DATASET.jsonl (peers) and bench/out/DATASET.lookalike.jsonl (ours);
# the table also goes to bench/out/DATASET.compare.txt.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATASET="${1:?usage: bench/compare.sh DATASET}"
PEERS_DIR="${PEERS_DIR:-$HERE/../../shared/bench/peers}"
export PEERS_WORK="${PEERS_WORK:-/tmp/lookalike-peers}"
DATA="${PEERS_DATA:-$PEERS_WORK/data}/$DATASET"
case "$DATASET" in random-*) DEF_EF=10,20,40,80,160,320,640,1280 ;; *) DEF_EF=10,20,40,80,160,320 ;; esac
EF_SWEEP="${EF_SWEEP:-$DEF_EF}"
mkdir -p "$HERE/out" "$PEERS_WORK"
if [ ! -f "$DATA/groundtruth.ivecs" ]; then
  echo "generating $DATASET into $(dirname "$DATA")" >&2
  /usr/bin/python3 "$PEERS_DIR/gen_datasets.py" "$DATASET" --root "$(dirname "$DATA")"
fi
shift
TAG=""
if [ $# -gt 0 ]; then TAG=".$(echo "$*" | sed -e 's/^--//' -e 's/ --/-/g' -e 's/[^A-Za-z0-9_.-]/-/g')"; fi
OURS="$HERE/out/$DATASET$TAG.lookalike.jsonl"
echo "== lookalike on $DATASET $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
"$HERE/run.sh" "$DATA" --ef "$EF_SWEEP" "$@" > "$OURS"
if [ "${COMPARE_SKIP_PEERS:-0}" = 1 ] && [ -s "$PEERS_WORK/results/$DATASET.jsonl" ]; then
  echo "== peers: reusing $PEERS_WORK/results/$DATASET.jsonl" >&2
else
  echo "== peers: ${COMPARE_PEERS:-hnswlib-native usearch}" >&2
  PEERS="${COMPARE_PEERS:-hnswlib-native usearch}" EF_SWEEP="$EF_SWEEP" "$PEERS_DIR/run_all.sh" "$DATASET" > /dev/null
fi
/usr/bin/python3 "$HERE/compare.py" "$OURS" "$PEERS_WORK/results/$DATASET.jsonl" | tee "$HERE/out/$DATASET$TAG.compare.txt"
