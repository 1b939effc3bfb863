#!/usr/bin/env python3
"""bench/scm_sample.py: sampling throughput of a fitted SCM with tree mechanisms, scmforge vs
DoWhy gcm, on the same 20-node DAG and data.

The SCM: 20 numeric columns x0..x19, x_j = sum of sin(x_p) over its parents x_{j-3}..x_{j-1}
+ N(0, 1) (x0 a root), 5,000 rows. Both libraries fit the same DAG with gradient-boosted tree
mechanisms (additive noise models):
  * scmforge: SCM.fit(mechanisms="boosted") (100 depth-5 trees per node), 2 threads;
  * DoWhy gcm: AdditiveNoiseModel(create_hist_gradient_boost_regressor()) at every non-root
    node (scikit-learn's HistGradientBoostingRegressor, 100 trees of <= 31 leaves), empirical
    roots; n_jobs=-1 (both cores).
Timed: drawing the rows only (the models are fitted before the clock starts). scmforge draws
1,000,000 rows as a DataFrame; DoWhy draws 100,000 (a million takes it minutes); the ratio is of
rows per second. Quality check (same_result): the two samples' column means and standard
deviations agree within 0.05 (both fit the same data; the rows differ, as they are random).
  bench/scm_sample.py --quick   < 60 s: 200,000 rows for scmforge, 20,000 for DoWhy; nothing written
  bench/scm_sample.py           appends bench/results/scm_sample.jsonl and refreshes the "SCM
                                sampling" section of docs/benchmarks.md (--no-docs: prints it)
The last line of output is the result row.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

from scmforge.scm import SCM  # noqa: E402

NODES, PARENTS, ROWS = 20, 3, 5000


def make_data(seed: int = 0) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    rng = np.random.default_rng(seed)
    x = np.zeros((ROWS, NODES))
    edges = []
    for j in range(NODES):
        parents = list(range(max(0, j - PARENTS), j))
        x[:, j] = rng.normal(size=ROWS) + sum(np.sin(x[:, p]) for p in parents)
        edges += [(f"x{p}", f"x{j}") for p in parents]
    return pd.DataFrame(x, columns=[f"x{j}" for j in range(NODES)]), edges


def dowhy_model(df: pd.DataFrame, edges):
    import networkx as nx
    from dowhy import gcm
    from dowhy.gcm.ml import create_hist_gradient_boost_regressor

    gcm.config.disable_progress_bars()
    causal = gcm.ProbabilisticCausalModel(nx.DiGraph(edges))
    for node in causal.graph.nodes:
        if causal.graph.in_degree(node) == 0:
            causal.set_causal_mechanism(node, gcm.EmpiricalDistribution())
        else:
            causal.set_causal_mechanism(
                node, gcm.AdditiveNoiseModel(create_hist_gradient_boost_regressor()))
    gcm.fit(causal, df)
    return causal


def agree(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """Largest difference of a column's mean or standard deviation between two samples."""
    return float(max((a.mean() - b.mean()).abs().max(), (a.std() - b.std()).abs().max()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="< 60 s, nothing written")
    parser.add_argument("--no-docs", action="store_true",
                        help="print the Markdown section instead of editing docs/benchmarks.md")
    opts = parser.parse_args()
    n_ours, n_peer, reps = (200_000, 20_000, 1) if opts.quick else (1_000_000, 100_000, 3)
    df, edges = make_data()
    model = SCM.fit(df, edges, mechanisms="boosted", seed=0, threads=2)
    ours_s, _, ours_out = _common.median_time(
        lambda rep: model.sample(n_ours, seed=abs(rep), threads=2), reps)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from dowhy import gcm

        causal = dowhy_model(df, edges)
        np.random.seed(0)
        peer_s, _, peer_out = _common.median_time(
            lambda rep: gcm.draw_samples(causal, n_peer), 1, warmup=0)
    gap = agree(ours_out[0], peer_out[0][df.columns])
    row = {
        "bench": "scm_sample",
        "case": f"{NODES}-node SCM, {PARENTS} parents, boosted trees (100 x depth 5), "
                f"{ROWS} training rows; draw rows",
        "peer": f"DoWhy gcm {importlib.metadata.version('dowhy')} (AdditiveNoiseModel + "
                "HistGradientBoostingRegressor)",
        "scmforge_s": ours_s,
        "peer_s": peer_s,
        "scmforge_rows": n_ours,
        "peer_rows": n_peer,
        "scmforge_rows_per_s": n_ours / ours_s,
        "peer_rows_per_s": n_peer / peer_s,
        "ratio": (n_ours / ours_s) / (n_peer / peer_s),
        "moment_gap": round(gap, 4),
        "same_result": bool(gap <= 0.05),
    }
    if not opts.quick:
        _common.append_results("scm_sample", [row])
        m = _common.machine()
        body = "\n".join([
            "`bench/scm_sample.py`: drawing rows from a fitted SCM with tree mechanisms: "
            f"{row['case']}. scmforge `SCM.sample` (DataFrame out, 2 threads) vs {row['peer']} "
            "`gcm.draw_samples` (n_jobs=-1), same DAG and training data, models fitted before "
            "timing.",
            "",
            "| | rows drawn | seconds | rows/s |",
            "|---|---|---|---|",
            f"| scmforge | {n_ours:,} | {ours_s:.3f} | {n_ours / ours_s:,.0f} |",
            f"| DoWhy gcm | {n_peer:,} | {peer_s:.2f} | {n_peer / peer_s:,.0f} |",
            "",
            f"Ratio (rows/s): **{row['ratio']:.0f}x**. Largest gap between the two samples' "
            f"column means / standard deviations: {gap:.3f}. Machine: {m['cpu']}, {m['cores']} "
            f"cores, Python {m['python']}.",
        ])
        if opts.no_docs:
            print(body)
        else:
            _common.replace_doc_section("SCM sampling", body)
    _common.emit(row)


if __name__ == "__main__":
    main()
