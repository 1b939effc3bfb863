#!/usr/bin/env python3
"""bench/pc.py: scmforge's PC vs causal-learn's, same data and settings, one thread each.

Cases:

  linear d=<d> n=<n>   sparse random linear-Gaussian DAGs as in Kalisch & Buehlmann (2007): a
                       random order, each pair an edge with probability 2 / (d - 1) (expected
                       degree 2), weights U(0.1, 1), N(0, 1) noise, seeded; Fisher's z, alpha 0.05,
                       PC-stable, uc_rule 0, uc_priority 2 (causal-learn's pc defaults);
                       d = 20, 50, 100 and n = 1,000, 10,000 (--quick: d = 20, 50; n = 1,000)
  bnlearn <net>        causal-learn's bnlearn_discrete_10000 data (10,000 rows), chi-square,
                       uc_priority -1 (the settings of its recorded results); alarm, insurance,
                       child, sachs, barley, hailfinder, hepar2, win95pts (--quick: sachs)

Speed: wall seconds of one call each (the median of 3 for scmforge), including building the CI
test from the data; ratio = causal-learn seconds / scmforge seconds. same_result: the two graphs
are equal entry for entry (causal-learn's G.graph). shd: structural Hamming distance of
scmforge's CPDAG to the true DAG's skeleton and v-structures (linear cases only): missing +
extra adjacencies + adjacencies whose orientation differs from the true CPDAG's collider marks.

  bench/pc.py --quick   < 2 minutes on 2 cores; nothing written
  bench/pc.py --scale   the 1,000-variable target alone (about 40 s); appends the results and
                        refreshes the "PC scale" section of docs/benchmarks.md
  bench/pc.py           every case; appends bench/results/pc.jsonl and refreshes the "PC"
                        section of docs/benchmarks.md

The last line of output is the JSON row of the largest linear case.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

FIXTURES = _common.ROOT.parent / "shared" / "fixtures" / "causal-learn" / "TestData"


def random_dag_data(d: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Data of a random linear-Gaussian DAG over d nodes (expected degree 2) and its weights."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(d)
    p = 2.0 / max(d - 1, 1)
    weights = np.zeros((d, d))
    for i in range(d):
        for j in range(i + 1, d):
            if rng.random() < p:
                weights[order[i], order[j]] = rng.uniform(0.1, 1.0)
    x = np.zeros((n, d))
    for j in order:
        x[:, j] = x @ weights[:, j] + rng.normal(size=n)
    return x, weights


def shd(marks: np.ndarray, weights: np.ndarray) -> int:
    """Missing + extra adjacencies + shared adjacencies oriented unlike the true CPDAG's
    v-structures (an undirected edge counts as a difference only where the truth has a collider
    arrow there)."""
    true_adj = (weights != 0) | (weights.T != 0)
    adj = marks != 0
    d = len(marks)
    colliders = np.zeros((d, d), dtype=bool)  # colliders[a, b]: a -> b is part of a v-structure
    for b in range(d):
        parents = np.flatnonzero(weights[:, b])
        for i, a in enumerate(parents):
            for c in parents[i + 1:]:
                if not true_adj[a, c]:
                    colliders[a, b] = colliders[c, b] = True
    count = 0
    for a in range(d):
        for b in range(a + 1, d):
            if adj[a, b] != true_adj[a, b]:
                count += 1
            elif adj[a, b]:
                ours = (marks[a, b] == -1 and marks[b, a] == 1, marks[b, a] == -1 and marks[a, b] == 1)
                truth = (bool(colliders[a, b]), bool(colliders[b, a]))
                if (truth[0] or truth[1]) and ours != truth:
                    count += 1
    return count


def run_case(case: str, data: np.ndarray, test: str, priority: int, weights=None) -> dict:
    import causallearn
    from causallearn.search.ConstraintBased.PC import pc as cl_pc

    import scmforge.causal

    ours_s, _, graphs = _common.median_time(
        lambda rep: scmforge.causal.pc(data, 0.05, test, uc_priority=priority, threads=1), reps=3)
    mine = graphs[0]
    peer_s, theirs = _common.timed(lambda: cl_pc(data, 0.05, test, stable=True, uc_rule=0, uc_priority=priority,
                                                show_progress=False))
    row = {
        "bench": "pc", "case": case, "peer": f"causal-learn {getattr(causallearn, '__version__', '0.1.4.x')}",
        "scmforge_s": round(ours_s, 4), "peer_s": round(peer_s, 3), "ratio": round(peer_s / ours_s, 1),
        "same_result": bool(np.array_equal(mine.marks, theirs.G.graph)), "unit": "seconds",
        "edges": len(mine.edges()), "ci_tests": mine.info["ci_tests"],
    }
    if weights is not None:
        row["shd"] = shd(mine.marks, weights)
    return row


def scale() -> None:
    """The scale target (PC-stable on 1,000 variables x 10,000 rows in < 60 s, < 2 GiB): scmforge
    alone (causal-learn would take hours), 2 threads, alpha 0.05 and 0.01; peak RSS of this
    process, the data included."""
    import resource

    import scmforge.causal

    data, weights = random_dag_data(1000, 10000, seed=0)
    rows = []
    for alpha in (0.05, 0.01):
        start = time.perf_counter()
        g = scmforge.causal.pc(data, alpha=alpha, threads=2)
        seconds = time.perf_counter() - start
        rows.append({"bench": "pc", "case": f"scale d=1000 n=10000 alpha={alpha}", "peer": None,
                     "scmforge_s": round(seconds, 2), "unit": "seconds", "threads": 2,
                     "edges": int((g.marks != 0).sum() // 2), "ci_tests": g.info["ci_tests"],
                     "depth_reached": g.info["depth_reached"], "shd": shd(g.marks, weights),
                     "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)})
        print(rows[-1], file=sys.stderr)
    _common.append_results("pc", rows)
    lines = [f"`bench/pc.py --scale` ({time.strftime('%Y-%m-%d')}), {_common.cpu_model()}, 2 threads, "
             "PC-stable on a Kalisch-Buehlmann DAG (expected degree 2) with 1,000 variables and 10,000 "
             "rows; target < 60 s and < 2 GiB.", "",
             "| alpha | seconds | CI tests | depth reached | edges | SHD to truth | peak RSS MiB |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['case'].split('alpha=')[1]} | {r['scmforge_s']} | {r['ci_tests']:,} | "
                     f"{r['depth_reached']} | {r['edges']} | {r['shd']} | {r['peak_rss_mib']} |")
    _common.replace_doc_section("PC scale", "\n".join(lines))
    _common.emit({**rows[0], "machine": _common.machine()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--scale", action="store_true",
                        help="only the scale target: d=1000, n=10000, scmforge alone on 2 threads")
    args = parser.parse_args()
    if args.scale:
        scale()
        return
    sizes = [(20, 1000), (50, 1000)] if args.quick else [(d, n) for d in (20, 50, 100) for n in (1000, 10000)]
    nets = ["sachs"] if args.quick else ["sachs", "child", "insurance", "alarm", "barley", "hailfinder",
                                         "hepar2", "win95pts"]
    rows = []
    for d, n in sizes:
        data, weights = random_dag_data(d, n, seed=d * 1000 + n)
        rows.append(run_case(f"linear d={d} n={n}", data, "fisherz", 2, weights))
        print(rows[-1], file=sys.stderr)
    for net in nets:
        data = np.loadtxt(FIXTURES / "bnlearn_discrete_10000" / "data" / f"{net}.txt", skiprows=1)
        rows.append(run_case(f"bnlearn {net} chisq", data, "chisq", -1))
        print(rows[-1], file=sys.stderr)
    if not args.quick:
        _common.append_results("pc", rows)
        lines = ["`bench/pc.py` (full run, " + time.strftime("%Y-%m-%d") + f"), {_common.cpu_model()}, one thread "
                 "each, PC-stable, alpha 0.05; scmforge median of 3 calls, causal-learn one call.", "",
                 "| case | scmforge s | causal-learn s | ratio | identical graph | SHD to truth |",
                 "|---|---:|---:|---:|---|---:|"]
        for r in rows:
            lines.append(f"| {r['case']} | {r['scmforge_s']:.4f} | {r['peer_s']:.2f} | {r['ratio']:.0f}x | "
                         f"{'yes' if r['same_result'] else 'no'} | {r.get('shd', '')} |")
        lines += ["", f"Median ratio {statistics.median(r['ratio'] for r in rows):.0f}x."]
        _common.replace_doc_section("PC", "\n".join(lines))
    _common.emit({**rows[len(sizes) - 1], "machine": _common.machine(), "quick": args.quick})


if __name__ == "__main__":
    main()
