#!/usr/bin/env python3
"""Bounded load on POST /api/match: a fixed number of requests from C concurrent clients, for each C given.

Prints per client count: requests, errors (by status), requests/s, latency p50/p90/p99 (ms) and, when the app's pid is
known, its RSS before and after. Standard library only (threads + http.client). Used by bench/load.sh, which can also
start the app; run that, not this, unless the app is already up:

    python3 bench/load.py --url http://127.0.0.1:5183 --probes ../shared/data/lfw --requests 400 --clients 1,4,8,16 [--pid PID]

The app's per-client rate limit on /api/match must be off (Lookalike__RateLimits__MatchPerMinute=0), or most requests
are answered 429 and counted as errors.
"""
import argparse
import http.client
import os
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from urllib.parse import urlparse


def rss_mib(pid):
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def multipart(photo_bytes, name):
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{name}\"\r\n"
            "Content-Type: image/jpeg\r\n\r\n").encode("ascii")
    tail = f"\r\n--{boundary}--\r\n".encode("ascii")
    return head + photo_bytes + tail, f"multipart/form-data; boundary={boundary}"


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def run(url, bodies, requests, clients):
    target = urlparse(url)
    latencies, statuses, lock = [], Counter(), threading.Lock()
    next_index = [0]

    def worker():
        conn = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=120)
        while True:
            with lock:
                i = next_index[0]
                if i >= requests:
                    break
                next_index[0] += 1
            body, ctype = bodies[i % len(bodies)]
            start = time.perf_counter()
            try:
                conn.request("POST", "/api/match", body=body, headers={"Content-Type": ctype})
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as e:
                status = type(e).__name__
                conn.close()
                conn = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=120)
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                statuses[status] += 1
                if status == 200:
                    latencies.append(elapsed)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return wall, sorted(latencies), statuses


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--probes", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "lfw"))
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--clients", default="1,4,8,16")
    ap.add_argument("--photos", type=int, default=200, help="distinct probe photos cycled through")
    ap.add_argument("--pid", type=int, default=0)
    args = ap.parse_args()

    paths = []
    for root, _, files in sorted(os.walk(args.probes)):
        for f in sorted(files):
            if f.lower().endswith((".jpg", ".jpeg", ".png")):
                paths.append(os.path.join(root, f))
    if not paths:
        sys.exit(f"no photos under {args.probes}")
    step = max(1, len(paths) // args.photos)
    chosen = paths[::step][: args.photos]
    bodies = []
    for p in chosen:
        with open(p, "rb") as f:
            bodies.append(multipart(f.read(), os.path.basename(p)))

    print(f"# POST {args.url}/api/match · {args.requests} requests per client count · {len(bodies)} probe photos "
          f"from {args.probes} · load {open('/proc/loadavg').read().split()[0]} · {os.cpu_count()} cores")
    print(f"{'clients':>7} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'RSS before':>10} {'RSS after':>9}  statuses")
    failed = False
    for clients in [int(c) for c in args.clients.split(",")]:
        before = rss_mib(args.pid)
        wall, lat, statuses = run(args.url, bodies, args.requests, clients)
        after = rss_mib(args.pid)
        errors = sum(n for s, n in statuses.items() if s != 200)
        failed |= errors > 0
        fmt = lambda v: f"{v:.0f} MiB" if v is not None else "–"
        print(f"{clients:>7} {args.requests:>8} {errors:>6} {args.requests / wall:>7.1f} {percentile(lat, .5):>7.0f} "
              f"{percentile(lat, .9):>7.0f} {percentile(lat, .99):>7.0f} {fmt(before):>10} {fmt(after):>9}  "
              + " ".join(f"{s}×{n}" for s, n in sorted(statuses.items(), key=str)))
        sys.stdout.flush()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
