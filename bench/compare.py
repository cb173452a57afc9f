#!/usr/bin/env python3
"""Ratios of Lookalike.Index to each peer from JSON-lines benchmark records (standard library only).

    compare.py OURS.jsonl PEERS.jsonl [MORE.jsonl ...]

For recall@k thresholds 0.90 / 0.95 / 0.99: best single-query (1 thread) QPS of each peer at recall >= threshold,
ours, and ours / theirs; for interleaved records (bench/interleave.py) the QPS is the median of the rounds and the
spread (min–max, n rounds) is printed beside it. Then build seconds with 1 and 2 threads and index bytes, with ratios ours / theirs.
"""
import json
import sys

THRESHOLDS = (0.90, 0.95, 0.99)


def load(paths):
    recs = []
    for p in paths:
        with open(p) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    recs.append(json.loads(line))
    return recs


def best_qps(recs, peer, t):
    pts = [r for r in recs if r["peer"] == peer and r["mode"] == "single" and r.get("threads") == 1
           and r.get("recall_at_k") is not None and r["recall_at_k"] >= t and r.get("qps")]
    if not pts:
        return None, None, None
    b = max(pts, key=lambda r: r["qps"])
    return b["qps"], b["ef"], b


def cell(q, ef, rec):
    """QPS [ef], with the spread (min–max of the interleaved rounds) when the record has one."""
    if not q:
        return "-"
    s = f"{q:,.0f} [{ef}]"
    if rec and rec.get("qps_runs"):
        s += f" ({rec['qps_min']:,.0f}–{rec['qps_max']:,.0f}, n={rec['qps_runs']})"
    return s


def build(recs, peer, threads):
    pts = [r for r in recs if r["peer"] == peer and r["mode"] == "build" and r.get("build_threads") == threads]
    return (pts[-1]["build_s"], pts[-1].get("index_bytes")) if pts else (None, None)


def ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "-"


def main():
    recs = load(sys.argv[1:])
    dataset = next((r["dataset"] for r in recs if r["peer"] == "lookalike"), "?")
    peers = sorted({r["peer"] for r in recs if r["peer"] not in ("lookalike", "_env") and r["mode"] == "single"})
    print(f"### {dataset}: lookalike vs peers (load1 at our first record: "
          f"{next((r.get('load1') for r in recs if r['peer'] == 'lookalike'), '?')})")
    print()
    print("| recall@10 >= | lookalike QPS [ef] | " + " | ".join(f"{p} QPS [ef] | ratio vs {p}" for p in peers) + " |")
    print("|---|---|" + "---|---|" * len(peers))
    for t in THRESHOLDS:
        ours, ef, orec = best_qps(recs, "lookalike", t)
        row = [f"{t:.2f}", cell(ours, ef, orec)]
        for p in peers:
            q, pef, prec = best_qps(recs, p, t)
            row += [cell(q, pef, prec), ratio(ours, q)]
        print("| " + " | ".join(row) + " |")
    print()
    print("| build | lookalike s | " + " | ".join(f"{p} s | ratio vs {p}" for p in peers) + " |")
    print("|---|---|" + "---|---|" * len(peers))
    for th in (1, 2):
        ours, _ = build(recs, "lookalike", th)
        row = [f"{th} thread{'s' if th > 1 else ''}", f"{ours:.2f}" if ours else "-"]
        for p in peers:
            s, _ = build(recs, p, th)
            row += [f"{s:.2f}" if s else "-", ratio(ours, s)]
        print("| " + " | ".join(row) + " |")
    _, ob = build(recs, "lookalike", 1)
    row = ["index bytes", f"{ob:,}" if ob else "-"]
    for p in peers:
        _, b = build(recs, p, 1)
        row += [f"{b:,}" if b else "-", ratio(ob, b)]
    print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
