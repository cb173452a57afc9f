#!/usr/bin/env bash
# Run the Lookalike.Index benchmark on one ann-benchmarks-style dataset folder (base.fvecs, query.fvecs,
# groundtruth.ivecs, meta.json — the format of ../shared/bench/peers) and print one JSON line per record
# ("peer": "lookalike", same fields as the peers' runners) on stdout; progress goes to stderr.
#
#   bench/run.sh --build-only   (just build Lookalike.Bench; bench/compare.sh runs it with `serve`, see ServeBench.cs)
#   bench/run.sh quantization DATA_DIR [--ef 10,20,40,80] [--rounds 5]   (float32 against int8, interleaved)
#   bench/run.sh DATA_DIR [--k 10] [--ef 10,20,40,80,160,320] [--M 16] [--efc 200]
#                         [--build-threads 1,2] [--batch-threads 2] [--runs 2] [--dataset NAME]
#                         [--quantization none|int8]
# --quantization int8: HnswOptions.Quantization = Int8 (cosine datasets only); the build line on stderr gives the saved
# file's and the memory's bytes ("index_bytes" / "params.memory_bytes" in the records).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$HERE/out/lookalike-bench"
if [ ! -f "$OUT/Lookalike.Bench.dll" ] || [ -n "$(find "$HERE/Lookalike.Bench" "$HERE/../src/Lookalike.Index" -name '*.cs' -newer "$OUT/Lookalike.Bench.dll" 2>/dev/null | head -1)" ]; then
  dotnet build -c Release "$HERE/Lookalike.Bench/Lookalike.Bench.csproj" -o "$OUT" -v quiet -nologo >&2
fi
[ "${1:-}" = --build-only ] && exit 0
# Tiered compilation stays on (the warm-up pass reaches tier-1 code); server GC off: the runner allocates little.
exec dotnet "$OUT/Lookalike.Bench.dll" "$@"
