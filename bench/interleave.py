#!/usr/bin/env python3
"""Ours and a peer measured alternately, per efSearch point (standard library only).

    interleave.py --ours 'CMD…' --peer 'CMD…' --ef 10,20,40 [--rounds 5] [--build-threads 2,1] > records.jsonl
    interleave.py --ours 'CMD float…' --ours 'CMD int8…' --ours-names lookalike,lookalike-int8 --peer 'CMD…' …

With several --ours (e.g. float32 and int8 beside one hnswlib build), each side's records carry its name from
--ours-names as "peer", and at each point the sides run in an order rotated by one per point and round.

Both commands speak the line protocol of `Lookalike.Bench serve` (bench/Lookalike.Bench/ServeBench.cs;
bench/interleave/hnswlib_serve.cpp): "build T" → one build record, "search EF" → one timed single-thread pass, one
"single" record. Builds: for each thread count, ours then the peer (the last count's index is the one searched). Then
ROUNDS rounds over the sweep; at each efSearch point both run one pass back to back, the order alternating
(A B, then B A, …) so that neither side always runs first after the other's pass. Each side's single-query QPS at a
point is the median of its ROUNDS passes; the record keeps qps_min / qps_max / qps_runs so the spread is visible.
Records go to stdout (the ../shared/bench/peers format, one JSON object per line); progress to stderr.
"""
import argparse
import json
import shlex
import statistics
import subprocess
import sys


class Side:
    def __init__(self, cmd, name=None):
        self.cmd = cmd
        self.name = name
        self.proc = subprocess.Popen(shlex.split(cmd), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def ask(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        while True:
            out = self.proc.stdout.readline()
            if not out:
                try:
                    code = self.proc.wait(timeout=10)  # its output ended: let it exit so the code is known
                except subprocess.TimeoutExpired:
                    code = None
                raise SystemExit(f"{self.cmd!r} ended while answering {line!r} (exit {code})")
            out = out.strip()
            if out.startswith("{"):
                rec = json.loads(out)
                if "error" in rec:
                    raise SystemExit(f"{self.cmd!r} refused {line!r}: {rec['error']}")
                if self.name:
                    rec["peer"] = self.name
                return rec

    def close(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.proc.wait(timeout=60)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ours", required=True, action="append")
    ap.add_argument("--ours-names", default="")
    ap.add_argument("--peer", required=True)
    ap.add_argument("--ef", default="10,20,40,80,160,320")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--build-threads", default="2,1")
    a = ap.parse_args()
    if a.rounds < 1:
        ap.error("--rounds must be at least 1")
    efs = [int(x) for x in a.ef.split(",") if x]
    names = [x for x in a.ours_names.split(",") if x]
    if names and len(names) != len(a.ours):
        ap.error("--ours-names needs one name per --ours")
    sides = [Side(c, names[i] if names else None) for i, c in enumerate(a.ours)] + [Side(a.peer)]
    n = len(sides)
    try:
        for bt in [int(x) for x in a.build_threads.split(",") if x]:
            for s in sides:
                rec = s.ask(f"build {bt}")
                print(json.dumps(rec), flush=True)
                print(f"build {bt} thread(s): {rec['peer']} {rec['build_s']:.2f}s", file=sys.stderr)
        passes = {}  # (side index, ef) -> records
        for r in range(a.rounds):
            for j, ef in enumerate(efs):
                shift = (r + j) % n
                for i in [(x + shift) % n for x in range(n)]:
                    passes.setdefault((i, ef), []).append(sides[i].ask(f"search {ef}"))
            print(f"round {r + 1}/{a.rounds} done", file=sys.stderr)
        for ef in efs:
            line = [f"ef {ef:>4}:"]
            for i in range(n):
                recs = passes[(i, ef)]
                qps = [x["qps"] for x in recs]
                med = statistics.median(qps)
                # the record of the median pass (its latencies); recall is the same in every pass
                rec = dict(min(recs, key=lambda x: abs(x["qps"] - med)))
                rec.update(qps=round(med, 1), qps_min=min(qps), qps_max=max(qps), qps_runs=len(qps), interleaved=True)
                cpu = [x["cpu_qps"] for x in recs if x.get("cpu_qps")]
                if cpu:
                    # queries per CPU-second of the searching thread, median of the rounds (less load-sensitive)
                    rec.update(cpu_qps=round(statistics.median(cpu), 1), cpu_qps_min=min(cpu), cpu_qps_max=max(cpu))
                print(json.dumps(rec), flush=True)
                line.append(f"{rec['peer']} {med:,.0f} QPS ({min(qps):,.0f}–{max(qps):,.0f}) cpu {rec.get('cpu_qps') or 0:,.0f} recall {rec['recall_at_k']:.4f}")
            print("  ".join(line), file=sys.stderr)
    finally:
        for s in sides:
            s.close()


if __name__ == "__main__":
    main()
