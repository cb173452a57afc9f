#!/usr/bin/env python3
"""Turn the gallery's descriptors (the app's `export-fvecs` output) into an ann-benchmarks-style dataset folder
(base.fvecs, query.fvecs, groundtruth.ivecs, meta.json — the format of ../shared/bench/peers) for bench/compare.sh.

    dotnet run --project src/Lookalike.Web -- export-fvecs /tmp/lfw-faces.fvecs --data <gallery data dir>
    /usr/bin/python3 bench/faces_dataset.py /tmp/lfw-faces.fvecs /tmp/lookalike-peers/data/lfw-faces-128
    bench/compare.sh lfw-faces-128

1,000 random descriptors (fixed seed) become the probes, the rest the base; ground truth is the exact top-100 by
cosine distance, computed in float64 with numpy (Debian python3-numpy).
"""
import json
import os
import sys
import time

import numpy as np


def write_vecs(path, rows):
    n, dim = rows.shape
    out = np.empty((n, dim + 1), dtype=np.int32)
    out[:, 0] = dim
    out[:, 1:] = rows.view(np.int32)
    out.tofile(path)


def main(src, dst, n_query=1000, seed=2026):
    raw = np.fromfile(src, dtype=np.int32)
    dim = int(raw[0])
    x = raw.reshape(-1, dim + 1)[:, 1:].view(np.float32).copy()
    perm = np.random.default_rng(seed).permutation(len(x))
    query, base = x[perm[:n_query]], x[perm[n_query:]]
    os.makedirs(dst, exist_ok=True)
    write_vecs(os.path.join(dst, "base.fvecs"), base)
    write_vecs(os.path.join(dst, "query.fvecs"), query)
    t = time.time()
    b = base.astype(np.float64)
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    q = query.astype(np.float64)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    gt = np.argsort(1.0 - q @ b.T, axis=1, kind="stable")[:, :100].astype(np.int32)
    write_vecs(os.path.join(dst, "groundtruth.ivecs"), gt)
    meta = {"name": os.path.basename(os.path.normpath(dst)), "metric": "cosine", "n_base": len(base),
            "n_query": len(query), "dim": dim, "gt_k": 100,
            "generator": {"kind": "gallery descriptors (export-fvecs)", "source": os.path.basename(src), "seed": seed},
            "groundtruth_s": round(time.time() - t, 2)}
    with open(os.path.join(dst, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(f"{len(base)} base, {len(query)} queries, dim {dim} -> {dst}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
