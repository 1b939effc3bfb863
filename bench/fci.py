#!/usr/bin/env python3
"""bench/fci.py: scmforge's FCI vs causal-learn's, same data and settings, one thread each.

Cases:

  latent d=<d> n=<n>   bench/pc.py's sparse random linear-Gaussian DAGs (Kalisch & Buehlmann,
                       expected degree 2) over d + d/10 variables, the d/10 first in the causal
                       order hidden; Fisher's z, alpha 0.05, causal-learn's fci defaults;
                       d = 20, 50 and n = 1,000, 10,000 (--quick: d = 20, n = 1,000)
  bnlearn <net>        causal-learn's bnlearn_discrete_10000 data (10,000 rows), chi-square, alpha
                       0.05 (the settings of its recorded FCI results); sachs, child, insurance,
                       alarm, barley, hailfinder, hepar2, water, win95pts (--quick: sachs); water's
                       constant columns are dropped (scmforge refuses them, causal-learn leaves
                       them unconnected)

Speed: wall seconds of one call each (the median of 3 for scmforge), including building the CI
test from the data; ratio = causal-learn seconds / scmforge seconds. same_result: the two PAGs
are equal entry for entry (causal-learn's G.graph).

  bench/fci.py --quick   < 2 minutes on 2 cores; nothing written
  bench/fci.py           every case; appends bench/results/fci.jsonl and refreshes the "FCI"
                         section of docs/benchmarks.md

The last line of output is the JSON row of the largest latent case.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402
from pc import FIXTURES, random_dag_data  # noqa: E402


def latent_data(d: int, n: int, seed: int) -> np.ndarray:
    """Rows of the d observed variables of a random DAG over d + d // 10 variables whose first
    d // 10 in the causal order are hidden."""
    hidden = d // 10
    x, weights = random_dag_data(d + hidden, n, seed)
    # The first `hidden` nodes of a topological order (Kahn's, smallest index first) are hidden.
    indegree = (weights != 0).sum(axis=0)
    topo, ready = [], [v for v in range(d + hidden) if indegree[v] == 0]
    while ready:
        v = ready.pop(0)
        topo.append(v)
        for c in np.flatnonzero(weights[v]):
            indegree[c] -= 1
            if indegree[c] == 0:
                ready.append(int(c))
    keep = sorted(topo[hidden:])
    return x[:, keep]


def run_case(case: str, data: np.ndarray, test: str) -> dict:
    import causallearn
    from causallearn.search.ConstraintBased.FCI import fci as cl_fci

    import scmforge.causal

    ours_s, _, graphs = _common.median_time(lambda rep: scmforge.causal.fci(data, 0.05, test, threads=1), reps=3)
    mine = graphs[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer_s, (theirs, _) = _common.timed(lambda: cl_fci(data, test, 0.05, show_progress=False))
    marks = mine.marks
    return {
        "bench": "fci", "case": case, "peer": f"causal-learn {getattr(causallearn, '__version__', '0.1.4.x')}",
        "scmforge_s": round(ours_s, 4), "peer_s": round(peer_s, 3), "ratio": round(peer_s / ours_s, 1),
        "same_result": bool(np.array_equal(marks, theirs.graph)), "unit": "seconds",
        "edges": len(mine.edges()), "bidirected": int(((marks == 1) & (marks.T == 1)).sum() // 2),
        "ci_tests": mine.info["ci_tests"], "possible_dsep_removed": mine.info["possible_dsep_removed"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes = [(20, 1000)] if args.quick else [(d, n) for d in (20, 50) for n in (1000, 10000)]
    nets = ["sachs"] if args.quick else ["sachs", "child", "insurance", "alarm", "barley", "hailfinder",
                                         "hepar2", "water", "win95pts"]
    rows = []
    for d, n in sizes:
        rows.append(run_case(f"latent d={d} n={n}", latent_data(d, n, seed=d * 1000 + n + 7), "fisherz"))
        print(rows[-1], file=sys.stderr, flush=True)
    for net in nets:
        data = np.loadtxt(FIXTURES / "bnlearn_discrete_10000" / "data" / f"{net}.txt", skiprows=1)
        data = data[:, np.ptp(data, axis=0) > 0]
        rows.append(run_case(f"bnlearn {net} chisq", data, "chisq"))
        print(rows[-1], file=sys.stderr, flush=True)
    if not args.quick:
        _common.append_results("fci", rows)
        lines = ["`bench/fci.py` (full run, " + time.strftime("%Y-%m-%d") + f"), {_common.cpu_model()}, one thread "
                 "each, alpha 0.05, causal-learn's fci defaults; scmforge median of 3 calls, causal-learn one call.",
                 "", "| case | scmforge s | causal-learn s | ratio | identical PAG | edges | <-> | CI tests |",
                 "|---|---:|---:|---:|---|---:|---:|---:|"]
        for r in rows:
            lines.append(f"| {r['case']} | {r['scmforge_s']:.4f} | {r['peer_s']:.2f} | {r['ratio']:.0f}x | "
                         f"{'yes' if r['same_result'] else 'no'} | {r['edges']} | {r['bidirected']} | "
                         f"{r['ci_tests']} |")
        lines += ["", f"Median ratio {statistics.median(r['ratio'] for r in rows):.0f}x."]
        _common.replace_doc_section("FCI", "\n".join(lines))
    _common.emit({**rows[len(sizes) - 1], "machine": _common.machine(), "quick": args.quick})


if __name__ == "__main__":
    main()
