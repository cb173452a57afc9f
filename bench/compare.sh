#!/usr/bin/env bash
# Run Lookalike.Index and the peers hnswlib-native and usearch on the same dataset and print our ratios at
# recall@10 = 0.90 / 0.95 / 0.99 (single-query QPS, 1 thread), build time with 1 and 2 threads, and index bytes (saved
# file size, as hnswlib reports it).
#
#   bench/compare.sh DATASET [RUN_ARGS…]   e.g. synthetic-clustered-128 | random-300d-10k | lfw-faces-128
#
# Against hnswlib-native the runs are interleaved (COMPARE_MODE=interleaved, the default): bench/interleave.py keeps
# both processes alive — ours (`Lookalike.Bench serve`) and hnswlib's C++ (bench/interleave/hnswlib_serve.cpp, built
# -O3 -march=native against Debian's libhnswlib-dev headers) — builds both, then at every efSearch point runs one pass
# of each back to back, alternating who goes first, for BENCH_RUNS rounds (default 5); QPS is the median of the
# rounds and the table prints the spread (min–max). COMPARE_MODE=sequential runs our whole sweep and then the peers'
# (bench/run.sh, then ../shared/bench/peers/run_all.sh), fastest of BENCH_RUNS passes, as before. The other peers
# (COMPARE_PEERS, default "hnswlib-native usearch") always run after, sequentially.
#
# RUN_ARGS go to our runner (e.g. --quantization int8); with any, our records and the table get a suffix from them
# (bench/out/synthetic-clustered-128.quantization-int8.lookalike.jsonl). COMPARE_SKIP_PEERS=1 reuses the sequential
# peers' results already in $PEERS_WORK/results instead of running them again.
#
# Environment: PEERS_WORK (where the peers' data/builds/results live; default /tmp/lookalike-peers),
# PEERS_DIR (the peers harness; default ../shared/bench/peers beside the checkout), COMPARE_PEERS, COMPARE_MODE,
# BENCH_RUNS, EF_SWEEP, BUILD_THREADS (interleaved builds, default "2,1"; the last is the index searched),
# COMPARE_ALSO (arguments of a second side of ours, "lookalike-also", run beside the first against the same peer build,
# e.g. COMPARE_ALSO="--quantization int8 --reload mapped"). Needs g++ and libhnswlib-dev (apt-get install libhnswlib-dev) for hnswlib-native.
# Results: bench/out/DATASET.interleaved.jsonl (ours and hnswlib-native, interleaved), $PEERS_WORK/results/DATASET.jsonl
# (sequential peers) and bench/out/DATASET.lookalike.jsonl (ours, sequential mode); the table also goes to
# bench/out/DATASET.compare.txt.
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
MODE="${COMPARE_MODE:-interleaved}"
PEER_LIST="${COMPARE_PEERS:-hnswlib-native usearch}"
FILES=()
if [ "$MODE" = interleaved ] && [[ " $PEER_LIST " == *" hnswlib-native "* ]]; then
  SERVE="$PEERS_WORK/build/hnswlib_serve"
  if [ ! -x "$SERVE" ] || [ "$HERE/interleave/hnswlib_serve.cpp" -nt "$SERVE" ]; then
    [ -f /usr/include/hnswlib/hnswlib.h ] || { echo "hnswlib headers missing: apt-get install libhnswlib-dev" >&2; exit 1; }
    mkdir -p "$PEERS_WORK/build"
    g++ -O3 -march=native -DNDEBUG -pthread -o "$SERVE" "$HERE/interleave/hnswlib_serve.cpp"
  fi
  "$HERE/run.sh" --build-only   # builds Lookalike.Bench (Release) if a source changed
  BOTH="$HERE/out/$DATASET$TAG.interleaved.jsonl"
  echo "== lookalike and hnswlib-native interleaved on $DATASET $* (${BENCH_RUNS:-5} rounds; load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  OURS_SIDES=(--ours "dotnet $HERE/out/lookalike-bench/Lookalike.Bench.dll serve $DATA $*")
  if [ -n "${COMPARE_ALSO:-}" ]; then
    # A second side of ours with other arguments (e.g. "--quantization int8 --reload mapped"), beside one peer build.
    OURS_SIDES+=(--ours "dotnet $HERE/out/lookalike-bench/Lookalike.Bench.dll serve $DATA $COMPARE_ALSO" --ours-names lookalike,lookalike-also)
  fi
  /usr/bin/python3 "$HERE/interleave.py" --rounds "${BENCH_RUNS:-5}" --ef "$EF_SWEEP" --build-threads "${BUILD_THREADS:-2,1}" \
    "${OURS_SIDES[@]}" --peer "$SERVE $DATA" > "$BOTH"
  FILES+=("$BOTH")
  PEER_LIST="$(echo " $PEER_LIST " | sed 's/ hnswlib-native / /')"
else
  OURS="$HERE/out/$DATASET$TAG.lookalike.jsonl"
  echo "== lookalike on $DATASET $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  "$HERE/run.sh" "$DATA" --ef "$EF_SWEEP" "$@" > "$OURS"
  FILES+=("$OURS")
fi
PEER_LIST="$(echo $PEER_LIST)"
if [ -n "$PEER_LIST" ]; then
  if [ "${COMPARE_SKIP_PEERS:-0}" = 1 ] && [ -s "$PEERS_WORK/results/$DATASET.jsonl" ]; then
    echo "== peers: reusing $PEERS_WORK/results/$DATASET.jsonl" >&2
  else
    echo "== peers (sequential): $PEER_LIST" >&2
    PEERS="$PEER_LIST" EF_SWEEP="$EF_SWEEP" "$PEERS_DIR/run_all.sh" "$DATASET" > /dev/null
  fi
  FILES+=("$PEERS_WORK/results/$DATASET.jsonl")
fi
/usr/bin/python3 "$HERE/compare.py" "${FILES[@]}" | tee "$HERE/out/$DATASET$TAG.compare.txt"
if [ -n "${COMPARE_ALSO:-}" ]; then
  /usr/bin/python3 "$HERE/compare.py" --ours lookalike-also "${FILES[@]}" | tee -a "$HERE/out/$DATASET$TAG.compare.txt"
fi
