#!/usr/bin/env bash
# Importer throughput on PostgreSQL (issue 14): the same LFW subset imported into a fresh store by 1 importer, then by
# 2 concurrent importers (`--shard 0/2`, `--shard 1/2`), printing photos/s, each process's CPU-seconds (user + system,
# /usr/bin/time) and CPU-seconds per photo of its share, and the 2-vs-1 ratios.
#
#   bench/import-scale.sh [--photos 1000] [--lfw ../shared/data/lfw] [--dll src/Lookalike.Web/bin/Release/net10.0/Lookalike.Web.dll]
#
# The subset is the first N photos of LFW in name order (person folders, then files), copied to a temporary folder.
# PostgreSQL: a throwaway cluster from .ci/postgres.sh on 127.0.0.1:${BENCH_PG_PORT:-18532} (stopped at the end); each
# run gets a database of its own. A 5-photo warm-up import runs first so that both measured runs find the models'
# on-disk caches. Wall time is from starting the importers to the last one's exit (process start-up and the index file
# written at the end included). Without --dll the Release build is made first.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
photos=1000 lfw="$ROOT/../shared/data/lfw" dll=""
while [ $# -gt 0 ]; do
  case "$1" in
    --photos) photos="$2"; shift 2 ;;
    --lfw) lfw="$2"; shift 2 ;;
    --dll) dll="$2"; shift 2 ;;
    *) echo "usage: $0 [--photos N] [--lfw DIR] [--dll Lookalike.Web.dll]" >&2; exit 2 ;;
  esac
done
[ -d "$lfw" ] || { echo "no LFW folder at $lfw (--lfw DIR)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
if [ -z "$dll" ]; then
  dotnet build -c Release "$ROOT/src/Lookalike.Web" -v q -nologo >&2
  dll="$ROOT/src/Lookalike.Web/bin/Release/net10.0/Lookalike.Web.dll"
fi

work="$(mktemp -d /tmp/lookalike-import-scale.XXXXXX)"
chmod 755 "$work" # .ci/postgres.sh runs the cluster as another user when started as root
pg_port=${BENCH_PG_PORT:-18532}
pg_dir="$work/postgres"
cleanup() { LOOKALIKE_PG_PORT=$pg_port LOOKALIKE_PG_DIR=$pg_dir "$ROOT/.ci/postgres.sh" stop || true; rm -rf "$work"; }
trap cleanup EXIT
server="$(LOOKALIKE_PG_PORT=$pg_port LOOKALIKE_PG_DIR=$pg_dir "$ROOT/.ci/postgres.sh" start | tail -n 1)"
server="${server#LOOKALIKE_TEST_POSTGRES=}"
sql() { psql -h 127.0.0.1 -p "$pg_port" -U lookalike -d "$1" -tAq -c "$2"; }

python3 - "$lfw" "$work/photos" "$photos" <<'PY'
import os, shutil, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
copied = 0
for person in sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d))):
    for name in sorted(f for f in os.listdir(os.path.join(src, person)) if f.lower().endswith(".jpg")):
        if copied == n:
            break
        os.makedirs(os.path.join(dst, person), exist_ok=True)
        shutil.copyfile(os.path.join(src, person, name), os.path.join(dst, person, name))
        copied += 1
if copied < n:
    sys.exit(f"only {copied} photos in {src}")
PY

# one import process: <label> <database> <folder> [--shard i/n]; writes $work/<label>.{log,time}
start_import() {
  local label="$1" db="$2" folder="$3"; shift 3
  mkdir -p "$work/data-$label"
  Lookalike__Store__Provider=postgres Lookalike__Store__ConnectionString="$server;Database=$db" \
    /usr/bin/time -f "%e %U %S" -o "$work/$label.time" \
    dotnet "$dll" import "$folder" --format lfw --data "$work/data-$label" "$@" >"$work/$label.log" 2>&1 &
}

# the importer's summary table: total (files in its share), imported
summary() {
  python3 - "$1" <<'PY'
import re, sys
rows = [l for l in open(sys.argv[1], encoding="utf-8", errors="replace") if re.match(r"^\s*[│|]\s*\d", l)]
cells = [c.strip() for c in re.split(r"[│|]", rows[-1]) if c.strip()]
print(cells[0], cells[1])
PY
}

sql lookalike "CREATE DATABASE warmup" && sql lookalike "CREATE DATABASE one" && sql lookalike "CREATE DATABASE two"
mkdir -p "$work/warmup-photos" && cp -r "$work/photos/$(ls "$work/photos" | head -n 1)" "$work/warmup-photos/"
start_import warmup warmup "$work/warmup-photos"; wait $! || { cat "$work/warmup.log"; exit 1; }

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(date +%s.%N)
start_import one one "$work/photos"; wait $! || { tail -n 30 "$work/one.log"; exit 1; }
t1=$(date +%s.%N)
start_import s0 two "$work/photos" --shard 0/2; p0=$!
start_import s1 two "$work/photos" --shard 1/2; p1=$!
wait $p0 || { tail -n 30 "$work/s0.log"; exit 1; }
wait $p1 || { tail -n 30 "$work/s1.log"; exit 1; }
t2=$(date +%s.%N)
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

one_imported=$(sql one "SELECT count(*) FROM photos WHERE status = 'imported'")
two_imported=$(sql two "SELECT count(*) FROM photos WHERE status = 'imported'")
one_rows=$(sql one "SELECT count(*) FROM photos")
two_rows=$(sql two "SELECT count(*) FROM photos")
two_dupes=$(sql two "SELECT count(*) - count(DISTINCT source_path) FROM photos")

python3 - "$photos" "$t0" "$t1" "$t2" "$one_imported" "$two_imported" "$one_rows" "$two_rows" "$two_dupes" \
  "$(cat "$work/one.time")" "$(summary "$work/one.log")" "$(cat "$work/s0.time")" "$(summary "$work/s0.log")" \
  "$(cat "$work/s1.time")" "$(summary "$work/s1.log")" "$(nproc)" "$load_before" "$load_after" <<'PY'
import sys
a = sys.argv[1:]
n, t0, t1, t2 = int(a[0]), float(a[1]), float(a[2]), float(a[3])
one_imp, two_imp, one_rows, two_rows, dupes = map(int, a[4:9])
def proc(time_line, summary_line):
    wall, user, system = map(float, time_line.split())
    total, imported = map(int, summary_line.split())
    return wall, user + system, total, imported
one = proc(a[9], a[10]); s0 = proc(a[11], a[12]); s1 = proc(a[13], a[14])
cores, before, after = a[15], a[16], a[17]
w1, w2 = t1 - t0, t2 - t1
print(f"# importer throughput on PostgreSQL: the first {n} LFW photos, a fresh database per run")
print(f"# {cores} cores; load average {before} before, {after} after")
print(f"# NOTE: on this {cores}-core machine the two importers of the second run share the same cores (and PostgreSQL):")
print(f"#       the 2-importer wall time shows contention, not scale-out; CPU-seconds per photo is what carries to n machines.")
print(f"{'run':<22}{'wall s':>8}{'photos':>8}{'photos/s':>10}   per process: files, CPU-s, CPU-s/photo")
print(f"{'1 importer':<22}{w1:>8.1f}{one_imp:>8}{one_imp / w1:>10.1f}   {one[2]} files, {one[1]:.1f} CPU-s, {one[1] / one[2]:.4f}")
print(f"{'2 importers (0/2,1/2)':<22}{w2:>8.1f}{two_imp:>8}{two_imp / w2:>10.1f}   "
      f"{s0[2]} files, {s0[1]:.1f} CPU-s, {s0[1] / s0[2]:.4f} | {s1[2]} files, {s1[1]:.1f} CPU-s, {s1[1] / s1[2]:.4f}")
cpu1 = one[1] / one[2]
cpu2 = (s0[1] + s1[1]) / (s0[2] + s1[2])
print(f"ratio 2-vs-1: photos/s {(two_imp / w2) / (one_imp / w1):.2f}x, CPU-s per photo {cpu2 / cpu1:.2f}x "
      f"({cpu2:.4f} against {cpu1:.4f}), wall {w2 / w1:.2f}x")
print(f"accounted: 1 importer {one_rows} of {n} files, 2 importers {two_rows} of {n} ({dupes} paths recorded twice)")
if one_rows != n or two_rows != n or dupes != 0 or s0[2] + s1[2] != n:
    sys.exit("error: the runs did not account for every file exactly once")
PY
