#!/usr/bin/env python3
"""Write a small face-descriptor-like dataset (ann-benchmarks layout: base.fvecs, query.fvecs, groundtruth.ivecs,
meta.json) for bench/run.sh and bench/compare.sh when the real gallery export (bench/faces_dataset.py) is not at hand.

    /usr/bin/python3 bench/synthetic_faces.py /tmp/lookalike-peers/data/synthetic-faces-128

Sized like lfw-faces-128: 8,145 base + 1,000 query unit vectors in 128-D, drawn from 1,500 "people" as centre +
Gaussian noise (expected noise norm 0.75), cosine metric. Uses the generator and the exact float64
ground truth of ../shared/bench/peers/gen_datasets.py (Debian python3-numpy).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.environ.get("PEERS_DIR", os.path.join(HERE, "..", "..", "shared", "bench", "peers")))
import gen_datasets as g  # noqa: E402


def main(out):
    os.makedirs(out, exist_ok=True)
    spec = dict(kind="clustered", n_base=8_145, n_query=1_000, dim=128, n_clusters=1_500, spread=0.75, seed=2026,
                metric="cosine")
    xb, xq = g.clustered(spec["n_base"], spec["n_query"], spec["dim"], spec["n_clusters"], spec["spread"], spec["seed"])
    gt = g.exact_knn(xb, xq, g.GT_K, "cosine")
    g.write_vecs(os.path.join(out, "base.fvecs"), xb)
    g.write_vecs(os.path.join(out, "query.fvecs"), xq)
    g.write_vecs(os.path.join(out, "groundtruth.ivecs"), gt)
    meta = dict(name=os.path.basename(out.rstrip("/")), metric="cosine", n_base=int(xb.shape[0]),
                n_query=int(xq.shape[0]), dim=int(xb.shape[1]), gt_k=g.GT_K, generator=spec)
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(f"wrote {out}: base {xb.shape}, query {xq.shape}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/lookalike-peers/data/synthetic-faces-128")
