"""bench/pipeline.py: MetaTree examples/s, scmforge's pipeline vs the Python pipeline a user would write.

Both sides produce accepted examples with the same recipe, one thread each:
  prior   MLP-SCM, 256 rows, 2-10 features, <= 10 classes (the `metatree` case of bench/prior.py:
          scmforge's TabICL-family settings vs TabICL 2.2's own SCMPrior);
  target  depth-2 CART (scmforge's vs scikit-learn's DecisionTreeClassifier);
  filters majority share <= 0.75, imbalance 1 - H(p)/ln k < 0.3, tree accuracy > 0.7;
  output  relabelled y, 5 % label noise, node masks and threshold distances of the 3 nodes.

The ratio is accepted examples/s of scmforge over the Python pipeline. The generators differ
(our own prior implementation vs TabICL's), so the outputs are not identical: `same_result`
compares what the two pipelines accept (acceptance rate and rejection shares within 0.1).
The last line of output is the JSON row.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402
import prior as prior_bench  # noqa: E402  (the matched prior settings and TabICL's generator)

CASE = prior_bench.CASES[0]  # metatree
REASONS = ("majority", "imbalance", "tree_accuracy")


def python_pipeline(peer: prior_bench.Peer, n_accepted: int, seed: int) -> dict[str, Any]:
    """TabICL's prior + scikit-learn CART + numpy filters, relabelling, noise and targets."""
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.default_rng(seed)
    accepted, rejected, candidates, batch_seed = 0, dict.fromkeys(REASONS, 0), 0, seed
    while accepted < n_accepted:
        peer.torch.manual_seed(batch_seed)
        np.random.seed(batch_seed)
        batch_seed += 1
        prior = peer.scm_prior(batch_size=64, prior_type="mlp_scm", n_jobs=1, **CASE.peer)
        X, y, d, seq_lens, _ = prior.get_batch()
        X, y, d = X.numpy(), y.numpy().astype(np.int64), d.numpy()
        for i in range(X.shape[0]):
            if accepted == n_accepted:
                break
            candidates += 1
            xi, yi = X[i, : int(seq_lens[i]), : int(d[i])], y[i, : int(seq_lens[i])]
            counts = np.bincount(yi)
            p = counts[counts > 0] / len(yi)
            if p.max() > 0.75:
                rejected["majority"] += 1
                continue
            if len(p) < 2 or 1 + (p * np.log(p)).sum() / np.log(len(p)) >= 0.3:
                rejected["imbalance"] += 1
                continue
            tree = DecisionTreeClassifier(max_depth=2).fit(xi, yi)
            clean = tree.predict(xi)
            if not (clean == yi).mean() > 0.7:
                rejected["tree_accuracy"] += 1
                continue
            noisy = clean.copy()
            flip = rng.choice(len(yi), size=int(np.floor(0.05 * len(yi) + 0.5)), replace=False)
            k = int(yi.max()) + 1
            noisy[flip] = (noisy[flip] + rng.integers(1, k, size=len(flip))) % k
            t = tree.tree_
            masks = np.zeros((3, len(yi)), dtype=bool)
            dist = np.zeros((3, len(yi)), dtype=np.float32)
            masks[0] = True
            nodes = {0: 0}
            if t.children_left[0] >= 0:
                nodes[1], nodes[2] = t.children_left[0], t.children_right[0]
            for slot, node in nodes.items():
                f = t.feature[node]
                if f >= 0:
                    dist[slot] = np.abs(xi[:, f] - t.threshold[node])
            if 1 in nodes:
                left = xi[:, t.feature[0]] <= t.threshold[0]
                masks[1], masks[2] = left, ~left
            accepted += 1
    return {"candidates": candidates, "rejections": rejected}


def ours(n_accepted: int, seed: int) -> dict[str, Any]:
    import scmforge.corpus

    batch = scmforge.corpus.sample(n_accepted, seed=seed, threads=1, **CASE.ours)
    return {"candidates": batch.candidates, "rejections": batch.rejections}


def shares(result: dict[str, Any], n: int) -> dict[str, float]:
    out = {"accepted": n / result["candidates"]}
    out.update({r: result["rejections"][r] / result["candidates"] for r in REASONS})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small run, < 60 s, writes nothing")
    args = parser.parse_args()
    n_ours, n_peer = (400, 40) if args.quick else (4000, 300)
    load_start = os.getloadavg()[0]
    peer = prior_bench.Peer()
    ours(10, seed=99)  # warm-up
    python_pipeline(peer, 2, seed=99)
    start = time.perf_counter()
    mine = ours(n_ours, seed=0)
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    theirs = python_pipeline(peer, n_peer, seed=0)
    peer_s = time.perf_counter() - start
    ours_rate, peer_rate = n_ours / ours_s, n_peer / peer_s
    a, b = shares(mine, n_ours), shares(theirs, n_peer)
    same = all(abs(a[key] - b[key]) <= 0.1 for key in a)
    print(f"scmforge: {n_ours} accepted of {mine['candidates']} candidates in {ours_s:.2f} s "
          f"({ours_rate:.1f} accepted/s/core); shares {a}")
    print(f"python:   {n_peer} accepted of {theirs['candidates']} candidates in {peer_s:.2f} s "
          f"({peer_rate:.2f} accepted/s/core); shares {b}")
    row = {
        "bench": "pipeline",
        "case": "metatree MLP-SCM 256 rows, depth-2 CART targets, default filters, 5% noise, 1 thread",
        "peer": f"{peer.version} SCMPrior + scikit-learn CART + numpy",
        "scmforge_s": round(ours_s / n_ours, 6),
        "peer_s": round(peer_s / n_peer, 6),
        "ratio": round(ours_rate / peer_rate, 2),
        "same_result": same,
        "unit": "seconds per accepted example",
        "scmforge_accepted_per_s": round(ours_rate, 1),
        "peer_accepted_per_s": round(peer_rate, 2),
        "scmforge_shares": {k: round(v, 3) for k, v in a.items()},
        "peer_shares": {k: round(v, 3) for k, v in b.items()},
        "load_avg_1min": [round(load_start, 2), round(os.getloadavg()[0], 2)],
        "machine": _common.machine(),
        "quick": args.quick,
    }
    if not args.quick:
        path = _common.append_results("pipeline", [row])
        print(f"appended {path.relative_to(_common.ROOT)}")
    _common.emit(row)


if __name__ == "__main__":
    main()
