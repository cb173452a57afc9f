#!/usr/bin/env python3
"""Ratios of Lookalike.Index to each peer from JSON-lines benchmark records (standard library only).

    compare.py [--ours NAME] OURS.jsonl PEERS.jsonl [MORE.jsonl ...]

--ours picks whose ratios are printed (default "lookalike"; e.g. "lookalike-int8" for records of bench/interleave.py
--ours-names); every other name is a peer. Index bytes, resident memory (params.memory_bytes) and peak RSS come from
the last build record with the most threads, where the records have them.

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


def best_qps(recs, peer, t, key="qps"):
    pts = [r for r in recs if r["peer"] == peer and r["mode"] == "single" and r.get("threads") == 1
           and r.get("recall_at_k") is not None and r["recall_at_k"] >= t and r.get(key)]
    if not pts:
        return None, None, None
    b = max(pts, key=lambda r: r[key])
    return b[key], b["ef"], b


def cell(q, ef, rec):
    """QPS [ef], with the spread (min–max of the interleaved rounds) when the record has one."""
    if not q:
        return "-"
    s = f"{q:,.0f} [{ef}]"
    if rec and rec.get("qps_runs"):
        s += f" ({rec['qps_min']:,.0f}–{rec['qps_max']:,.0f}, n={rec['qps_runs']})"
    return s


def build(recs, peer, threads):
    # A record with loaded_from (serve --index PATH, an existing file) timed a load, not a build: not a build row.
    pts = [r for r in recs if r["peer"] == peer and r["mode"] == "build" and r.get("build_threads") == threads and not r.get("loaded_from")]
    return (pts[-1]["build_s"], pts[-1].get("index_bytes")) if pts else (None, None)


def ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "-"


def last_build(recs, peer):
    pts = [r for r in recs if r["peer"] == peer and r["mode"] == "build"]
    return max(pts, key=lambda r: r.get("build_threads") or 0) if pts else None


def main():
    args = sys.argv[1:]
    ours_name = "lookalike"
    if len(args) >= 2 and args[0] == "--ours":
        ours_name, args = args[1], args[2:]
    recs = load(args)
    dataset = next((r["dataset"] for r in recs if r["peer"] == ours_name), "?")
    peers = sorted({r["peer"] for r in recs if r["peer"] not in (ours_name, "_env") and r["mode"] == "single"})
    print(f"### {dataset}: {ours_name} vs peers (load1 at our first record: "
          f"{next((r.get('load1') for r in recs if r['peer'] == ours_name), '?')})")
    print()
    print(f"| recall@10 >= | {ours_name} QPS [ef] | " + " | ".join(f"{p} QPS [ef] | ratio vs {p}" for p in peers) + " |")
    print("|---|---|" + "---|---|" * len(peers))
    for t in THRESHOLDS:
        ours, ef, orec = best_qps(recs, ours_name, t)
        row = [f"{t:.2f}", cell(ours, ef, orec)]
        for p in peers:
            q, pef, prec = best_qps(recs, p, t)
            row += [cell(q, pef, prec), ratio(ours, q)]
        print("| " + " | ".join(row) + " |")
    if any(r.get("cpu_qps") for r in recs if r["peer"] == ours_name):
        print()
        print("Queries per CPU-second of the searching thread (median of the rounds; less sensitive to a shared machine):")
        print()
        print(f"| recall@10 >= | {ours_name} cpu QPS [ef] | " + " | ".join(f"{p} cpu QPS [ef] | ratio vs {p}" for p in peers) + " |")
        print("|---|---|" + "---|---|" * len(peers))
        for t in THRESHOLDS:
            ours, ef, orec = best_qps(recs, ours_name, t, "cpu_qps")
            row = [f"{t:.2f}", f"{ours:,.0f} [{ef}]" if ours else "-"]
            for p in peers:
                q, pef, prec = best_qps(recs, p, t, "cpu_qps")
                row += [f"{q:,.0f} [{pef}]" if q else "-", ratio(ours, q)]
            print("| " + " | ".join(row) + " |")
    print()
    print(f"| build | {ours_name} s | " + " | ".join(f"{p} s | ratio vs {p}" for p in peers) + " |")
    print("|---|---|" + "---|---|" * len(peers))
    for th in (1, 2):
        ours, _ = build(recs, ours_name, th)
        row = [f"{th} thread{'s' if th > 1 else ''}", f"{ours:.2f}" if ours else "-"]
        for p in peers:
            s, _ = build(recs, p, th)
            row += [f"{s:.2f}" if s else "-", ratio(ours, s)]
        print("| " + " | ".join(row) + " |")
    ob_rec = last_build(recs, ours_name)
    for label, get in (("index bytes", lambda r: r.get("index_bytes")),
                       ("resident bytes (memory_bytes)", lambda r: r.get("params", {}).get("memory_bytes")),
                       ("mapped bytes", lambda r: r.get("mapped_bytes")),
                       ("peak RSS, build", lambda r: r.get("build_peak_rss_bytes") or r.get("peak_rss_bytes")),
                       ("RSS after build/load", lambda r: r.get("rss_bytes"))):
        ob = get(ob_rec) if ob_rec else None
        if ob is None:
            continue
        row = [label, f"{ob:,}"]
        for p in peers:
            prec = last_build(recs, p)
            b = get(prec) if prec else None
            row += [f"{b:,}" if b else "-", ratio(ob, b)]
        print("| " + " | ".join(row) + " |")
    serve_peak = [r.get("peak_rss_bytes") for r in recs if r["peer"] == ours_name and r["mode"] == "single" and r.get("peak_rss_bytes")]
    if serve_peak:
        row = ["peak RSS, whole run (ours: since the load)", f"{max(serve_peak):,}"]
        for p in peers:
            pk = [r.get("peak_rss_bytes") for r in recs if r["peer"] == p and r.get("peak_rss_bytes")]
            row += [f"{max(pk):,}" if pk else "-", ratio(max(serve_peak), max(pk)) if pk else "-"]
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
