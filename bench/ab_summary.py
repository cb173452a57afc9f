#!/usr/bin/env python3
"""Summary of bench/ab.sh: per efSearch the median single-query QPS of A and B over the rounds, B ÷ A, the spread
(min–max) of each, recall, and the median 1-thread build time."""
import glob
import json
import os
import statistics
import sys


def load(folder, side):
    qps, recall, build = {}, {}, []
    for path in sorted(glob.glob(os.path.join(folder, f"{side}.*.jsonl"))):
        for line in open(path):
            rec = json.loads(line)
            if rec.get("mode") == "single":
                qps.setdefault(rec["ef"], []).append(rec["qps"])
                recall[rec["ef"]] = rec["recall_at_k"]
            elif rec.get("mode") == "build" and rec.get("build_threads") == 1:
                build.append(rec["build_s"])
    return qps, recall, build


def main(folder):
    qa, ra, ba = load(folder, "A")
    qb, rb, bb = load(folder, "B")
    print(f"{'ef':>5} {'recall A':>8} {'recall B':>8} {'QPS A (min-max)':>26} {'QPS B (min-max)':>26} {'B/A':>6}")
    for ef in sorted(qa):
        ma, mb = statistics.median(qa[ef]), statistics.median(qb.get(ef, [0]))
        print(f"{ef:>5} {ra[ef]:>8.4f} {rb.get(ef, 0):>8.4f} "
              f"{ma:>9.0f} ({min(qa[ef]):>7.0f}-{max(qa[ef]):>7.0f}) "
              f"{mb:>9.0f} ({min(qb[ef]):>7.0f}-{max(qb[ef]):>7.0f}) {mb / ma:>6.3f}")
    if ba and bb:
        print(f"build 1 thread: A {statistics.median(ba):.3f} s, B {statistics.median(bb):.3f} s, "
              f"B/A {statistics.median(bb) / statistics.median(ba):.3f} (medians of {len(ba)} and {len(bb)})")


if __name__ == "__main__":
    main(sys.argv[1])
