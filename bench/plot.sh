#!/usr/bin/env bash
# Recall@10-versus-QPS plots (PNG, log QPS axis) of every peer in ../shared/bench/peers/results plus ours.
#
#   bench/plot.sh DATASET [OURS.jsonl] [FRESH_PEERS.jsonl]
#
# OURS defaults to docs/bench/DATASET.lookalike.jsonl; FRESH_PEERS (optional: peers re-run beside ours by
# compare.sh) are drawn dashed with "(same run)". Output: docs/bench-DATASET.png.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATASET="${1:?usage: bench/plot.sh DATASET [OURS.jsonl] [FRESH_PEERS.jsonl]}"
OURS="${2:-$HERE/../docs/bench/$DATASET.lookalike.jsonl}"
REF="${PEERS_DIR:-$HERE/../../shared/bench/peers}/results/$DATASET.jsonl"
OUT="$HERE/out/lookalike-benchplot"
dotnet build -c Release "$HERE/Lookalike.BenchPlot/Lookalike.BenchPlot.csproj" -o "$OUT" -v quiet -nologo >&2
ARGS=("$HERE/../docs/bench-$DATASET.png" "$DATASET: recall@10 vs QPS (k=10, 1 thread, 2-core machine)" "$REF" "$OURS")
if [ -n "${3:-}" ]; then ARGS+=("$3=(same run)"); fi
dotnet "$OUT/Lookalike.BenchPlot.dll" "${ARGS[@]}"
