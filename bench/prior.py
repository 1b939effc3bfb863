#!/usr/bin/env python3
"""bench/prior.py: scmforge's prior vs TabICL's own SCMPrior (MLP-SCM only, one thread each).

Two cases at matched settings, both sides running the TabICL MLP-SCM family:

  metatree  256 rows, 2..10 features, <= 10 classes, train fraction 0.5 (the MetaTree shape)
  tabicl    1024 rows, 2..100 features, <= 10 classes (TabICL's / TabPFN v1's size)

Speed: wall seconds to draw the same number of datasets (median over repetitions of the same
draw, seed 0 on both sides); ratio = TabICL seconds / scmforge seconds. scmforge runs
with threads=1; TabICL with n_jobs=1, torch.set_num_threads(1) and threadpoolctl limits of 1.

Result: the two generators share no random stream, so "same result" means "same distribution".
For the number of classes and the majority-class share of every dataset we compare the two
samples with a two-sample Kolmogorov-Smirnov test; same_result is true when both statistics stay
below the 1% critical value D_crit = 1.628 * sqrt((n + m) / (n m)) (under equal distributions
each exceeds it with probability <= 1%, less for these discrete variables). The histograms and
their total-variation distances are printed as well.

  bench/prior.py --quick    < 60 s on 2 cores; small samples, nothing written
  bench/prior.py            larger samples; appends bench/results/prior.jsonl and refreshes the
                            "Prior generation" section of docs/benchmarks.md
  bench/prior.py --rss      peak RSS of `scmforge prior sample --preset metatree --n 1000000
                            --threads 2` (/usr/bin/time -v, ~half an hour); refreshes the
                            "Prior generation: peak memory" section of docs/benchmarks.md

The last line of output is the JSON row of the tabicl case (the metatree row precedes it).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

KS_ALPHA = 0.01
KS_C_ALPHA = math.sqrt(-0.5 * math.log(KS_ALPHA / 2))  # 1.628
SHARE_EDGES = np.round(np.arange(0.1, 1.0001, 0.1), 1)  # majority share is >= 1 / 10


@dataclass
class Case:
    name: str
    label: str
    ours: dict[str, Any]
    peer: dict[str, Any]
    # (datasets per timed repetition, repetitions, extra untimed peer datasets, extra untimed
    # scmforge datasets) for --quick and the full run.
    quick: tuple[int, int, int, int]
    full: tuple[int, int, int, int]
    stats: dict[str, Any] = field(default_factory=dict)


CASES = [
    Case(
        name="metatree",
        label="MLP-SCM, 256 rows, 2-10 features, <=10 classes",
        ours=dict(preset="metatree", family="tabicl", mix="fixed", mlp_weight=1, tree_weight=0,
                  gp_weight=0, is_causal=False, meta_group_size=4, hp_group_size=4),
        peer=dict(batch_size_per_gp=4, min_features=2, max_features=10, max_classes=10,
                  max_seq_len=256, min_train_size=0.5, max_train_size=0.5),
        quick=(32, 3, 0, 1000),
        full=(128, 3, 384, 5000),
    ),
    Case(
        name="tabicl",
        label="MLP-SCM, 1024 rows, 2-100 features, <=10 classes",
        ours=dict(preset="tabicl", tree_weight=0),
        peer=dict(batch_size_per_gp=4, min_features=2, max_features=100, max_classes=10,
                  max_seq_len=1024),
        quick=(12, 3, 0, 200),
        full=(48, 3, 208, 2000),
    ),
]


def class_stats(y: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Number of distinct labels and majority-class share of each dataset (y: (n, max_rows))."""
    classes, shares = [], []
    for yi, ri in zip(y, rows):
        counts = np.bincount(np.asarray(yi[: int(ri)], dtype=np.int64))
        counts = counts[counts > 0]
        classes.append(len(counts))
        shares.append(counts.max() / counts.sum())
    return np.array(classes), np.array(shares)


def compare(ours: np.ndarray, peer: np.ndarray) -> dict[str, float]:
    from scipy.stats import ks_2samp

    n, m = len(ours), len(peer)
    result = ks_2samp(ours, peer)
    return {"ks": float(result.statistic), "p": float(result.pvalue),
            "crit": KS_C_ALPHA * math.sqrt((n + m) / (n * m))}


def histogram(values: np.ndarray, kind: str) -> np.ndarray:
    if kind == "classes":
        return np.bincount(values, minlength=11)[2:11] / len(values)
    return np.histogram(np.clip(values, 0.1, 1.0), bins=SHARE_EDGES)[0] / len(values)


def histogram_table(case: Case) -> str:
    """Both generators' histograms side by side, as aligned text."""
    ours, peer = case.stats["ours"], case.stats["peer"]
    n, m = len(ours["classes"]), len(peer["classes"])
    head = f"{'scmforge':>9} {'tabicl':>9}"
    lines = [f"{'classes':>12} {head}    {'majority share':>14} {head}"]
    hc = [histogram(ours["classes"], "classes"), histogram(peer["classes"], "classes")]
    hs = [histogram(ours["shares"], "shares"), histogram(peer["shares"], "shares")]
    for i in range(9):
        share_bin = f"[{SHARE_EDGES[i]:.1f}, {SHARE_EDGES[i + 1]:.1f}{']' if i == 8 else ')'}"
        lines.append(f"{i + 2:>12} {hc[0][i]:>9.3f} {hc[1][i]:>9.3f}    {share_bin:>14} "
                     f"{hs[0][i]:>9.3f} {hs[1][i]:>9.3f}")
    for kind in ("classes", "shares"):
        c = case.stats[kind]
        lines.append(f"{kind:>12}: KS D = {c['ks']:.3f} (1% critical {c['crit']:.3f}, p = {c['p']:.2f}), "
                     f"total variation {c['tv']:.3f}")
    lines.append(f"{'datasets':>12}: scmforge {n}, tabicl {m}")
    return "\n".join(lines)


class Peer:
    """TabICL's SCMPrior, MLP-SCM only, one process and one thread."""

    def __init__(self) -> None:
        import threadpoolctl
        import torch
        from tabicl.prior._dataset import SCMPrior
        from tabicl.prior.graph_lib._config import PriorConfig

        warnings.filterwarnings("ignore")
        torch.set_num_threads(1)
        self.torch = torch
        self.limits = threadpoolctl.threadpool_limits(limits=1)
        self.scm_prior = SCMPrior
        config = PriorConfig()
        # should_filter() returns False at once unless one of these is set.
        self.filter_active = bool(config.filter_unpredictable_datasets or config.remove_trivial_datasets)
        self.version = f"tabicl {importlib.metadata.version('tabicl')}"

    def sample(self, case: Case, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        random.seed(seed)
        np.random.seed(seed)
        self.torch.manual_seed(seed)
        prior = self.scm_prior(batch_size=n, prior_type="mlp_scm", n_jobs=1, **case.peer)
        _, y, _, seq_lens, _ = prior.get_batch()
        return y.numpy().astype(np.int64), seq_lens.numpy()


def ours_sample(case: Case, n: int, seed: int, threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
    import scmforge.prior

    batch = scmforge.prior.sample(n, seed=seed, threads=threads, **case.ours)
    return batch.y, batch.num_rows


def run_case(case: Case, peer: Peer, quick: bool) -> dict[str, Any]:
    n, reps, peer_extra, ours_extra = case.quick if quick else case.full
    print(f"\n== {case.name}: {case.label}; {n} datasets per repetition, {reps} repetitions", flush=True)
    ours_sample(case, 4, seed=10_000)  # warm-up
    peer.sample(case, 4, seed=10_000)
    # Every repetition draws the same n datasets (seed 0), so the median measures one workload.
    ours_s, ours_times, ours_out = _common.median_time(lambda r: ours_sample(case, n, seed=0), reps, 0)
    peer_s, peer_times, peer_out = _common.median_time(lambda r: peer.sample(case, n, seed=0), reps, 0)
    print(f"scmforge: median {ours_s:.3f} s ({n / ours_s:.1f} datasets/s); runs "
          + ", ".join(f"{t:.3f}" for t in ours_times), flush=True)
    print(f"tabicl:   median {peer_s:.3f} s ({n / peer_s:.2f} datasets/s); runs "
          + ", ".join(f"{t:.3f}" for t in peer_times), flush=True)

    # Distributions: the timed datasets, plus untimed extra draws (other seeds).
    ours_draws = [ours_out[0]]
    if ours_extra:
        ours_draws.append(ours_sample(case, ours_extra, seed=20_000, threads=0))
    peer_draws = [peer_out[0]]
    for b in range(math.ceil(peer_extra / 32)):
        peer_draws.append(peer.sample(case, min(32, peer_extra - 32 * b), seed=20_000 + b))
    for side, draws in (("ours", ours_draws), ("peer", peer_draws)):
        parts = [class_stats(y, rows) for y, rows in draws]
        case.stats[side] = {"classes": np.concatenate([p[0] for p in parts]),
                            "shares": np.concatenate([p[1] for p in parts])}
    for kind in ("classes", "shares"):
        a, b = case.stats["ours"][kind], case.stats["peer"][kind]
        tv = 0.5 * float(np.abs(histogram(a, kind) - histogram(b, kind)).sum())
        case.stats[kind] = {**compare(a, b), "tv": tv}
    same = all(case.stats[k]["ks"] <= case.stats[k]["crit"] for k in ("classes", "shares"))
    print(histogram_table(case), flush=True)
    return {
        "bench": "prior",
        "case": f"{case.name}: {case.label}, {n} datasets, 1 thread",
        "peer": peer.version,
        "scmforge_s": round(ours_s, 4),
        "peer_s": round(peer_s, 4),
        "ratio": round(peer_s / ours_s, 2),
        "same_result": same,
        "datasets": n,
        "scmforge_datasets_per_s": round(n / ours_s, 2),
        "peer_datasets_per_s": round(n / peer_s, 3),
        "peer_should_filter_active": peer.filter_active,
        "ks_classes": round(case.stats["classes"]["ks"], 4),
        "ks_majority_share": round(case.stats["shares"]["ks"], 4),
        "ks_critical": round(max(case.stats[k]["crit"] for k in ("classes", "shares")), 4),
        "tv_classes": round(case.stats["classes"]["tv"], 4),
        "tv_majority_share": round(case.stats["shares"]["tv"], 4),
        "distribution_datasets": [len(case.stats["ours"]["classes"]), len(case.stats["peer"]["classes"])],
        "quick": quick,
    }


def tabpfn_v1_rate(quick: bool) -> float:
    """scmforge's own tabpfn-v1 preset (its default GP/MLP prior bag), datasets/s, one thread."""
    import scmforge.prior

    n, reps = (8, 3) if quick else (64, 5)
    scmforge.prior.sample(2, preset="tabpfn-v1", seed=10_000, threads=1)
    seconds, _, _ = _common.median_time(
        lambda r: scmforge.prior.sample(n, preset="tabpfn-v1", seed=r, threads=1), reps, 0)
    return n / seconds


def docs_body(rows: list[dict[str, Any]], tabpfn_rate: float, peer: Peer, load: list[float]) -> str:
    info = _common.machine()
    out = [
        f"Machine: {info['cpu']}, {info['cores']} cores; Python {info['python']}; 1-minute load "
        f"average {load[0]:.1f} at the start and {load[1]:.1f} at the end of the run"
        + (" (other jobs shared the CPU: absolute times are inflated, both sides alike). "
           if max(load) > (info["cores"] or 1) else ". ")
        + 
        f"Peer: {peer.version} (`tabicl.prior._dataset.SCMPrior`, `prior_type=\"mlp_scm\"`, "
        "`n_jobs=1`, torch and BLAS limited to one thread). scmforge: `scmforge.prior.sample(..., "
        "threads=1)`. Both sides draw the same number of datasets; times are medians over "
        "repetitions of the same draw; ratio = TabICL seconds / scmforge seconds.",
        "",
        "| case | datasets | scmforge s | TabICL s | scmforge datasets/s | TabICL datasets/s "
        "| ratio | same distribution |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for case, row in zip(CASES, rows):
        out.append(f"| `{case.name}`: {case.label} "
                   f"| {row['datasets']} | {row['scmforge_s']:.3f} | {row['peer_s']:.2f} "
                   f"| {row['scmforge_datasets_per_s']:.1f} | {row['peer_datasets_per_s']:.2f} "
                   f"| {row['ratio']:.1f} | {'yes' if row['same_result'] else 'no'} |")
    out += [
        "",
        f"scmforge's own `tabpfn-v1` preset (TabPFN v1's GP/MLP prior bag, 1152 rows, up to 100 "
        f"features), one thread: {tabpfn_rate:.1f} datasets/s (no peer).",
        "",
        "Settings. scmforge `metatree` case: `preset=\"metatree\", family=\"tabicl\", mix=\"fixed\", "
        "mlp_weight=1, tree_weight=0, gp_weight=0, is_causal=False, meta_group_size=4, "
        "hp_group_size=4`; TabICL: `batch_size_per_gp=4, min_features=2, max_features=10, "
        "max_classes=10, max_seq_len=256, min_train_size=max_train_size=0.5`. `tabicl` case: "
        "`preset=\"tabicl\", tree_weight=0`; TabICL: `max_features=100, max_seq_len=1024` and its "
        "defaults otherwise.",
        "",
        f"TabICL's predictability filter (`should_filter`, an ExtraTrees fit per draw) is "
        f"{'ACTIVE' if peer.filter_active else 'off'} in its default `PriorConfig` "
        "(`filter_unpredictable_datasets=False`, `remove_trivial_datasets=False`), so neither "
        "side filters and the times above compare like with like.",
        "",
        "Same distribution: the generators share no random stream, so the outputs are compared "
        f"as distributions. For the number of classes and the majority-class share of each "
        f"dataset, a two-sample Kolmogorov-Smirnov statistic D below the {KS_ALPHA:.0%} critical "
        "value 1.628 sqrt((n+m)/(nm)) counts as the same distribution (both must pass); total "
        "variation between the histograms is shown for scale.",
    ]
    for case in CASES:
        if case.stats:
            out += ["", f"Histograms, `{case.name}` case (share of datasets):", "", "```",
                    histogram_table(case), "```"]
    return "\n".join(out)


def measure_rss(cli: str) -> None:
    """Peak RSS of one million metatree datasets on 2 threads; refreshes the docs section."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "big.h5"
        cmd = ["/usr/bin/time", "-v", cli, "prior", "sample", "--preset", "metatree", "--n",
               "1000000", "--threads", "2", "--out", str(out)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        size = out.stat().st_size if out.exists() else 0
    if proc.returncode != 0:
        sys.exit(f"error: {' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", proc.stderr).group(1)
    info = _common.machine()
    row = {"bench": "prior", "case": "peak RSS, metatree preset, 1,000,000 datasets, 2 threads",
           "peak_rss_mib": round(kib / 1024, 1), "wall": wall, "file_gib": round(size / 2**30, 2),
           "target_mib": 1024, "within_target": kib < 1024 * 1024}
    _common.append_results("prior", [row])
    body = (f"`/usr/bin/time -v scmforge prior sample --preset metatree --n 1000000 --threads 2 "
            f"--out big.h5` on {info['cpu']}, {info['cores']} cores: peak RSS "
            f"**{kib / 1024:.0f} MiB** (target < 1 GiB: {'met' if row['within_target'] else 'NOT met'}), "
            f"wall {wall}, output {size / 2**30:.2f} GiB. Datasets are generated and written in "
            "batches, so memory does not grow with --n.")
    _common.replace_doc_section("Prior generation: peak memory", body)
    _common.emit(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small samples, < 60 s, writes nothing")
    parser.add_argument("--rss", action="store_true", help="measure peak RSS of 1M metatree datasets")
    parser.add_argument("--cli", default=None, help="scmforge executable for --rss")
    args = parser.parse_args()
    if args.rss:
        beside = shutil.which("scmforge", path=str(Path(sys.executable).parent))
        cli = args.cli or beside or shutil.which("scmforge")
        if cli is None:
            sys.exit("error: no scmforge executable found; pass --cli PATH")
        measure_rss(cli)
        return

    load_start = os.getloadavg()[0]
    peer = Peer()
    print(f"{peer.version}; should_filter (predictability filter) active in its default config: "
          f"{peer.filter_active}", flush=True)
    rows = [run_case(case, peer, args.quick) for case in CASES]
    rate = tabpfn_v1_rate(args.quick)
    print(f"\nscmforge tabpfn-v1 preset: {rate:.1f} datasets/s (one thread)", flush=True)
    load = [round(load_start, 2), round(os.getloadavg()[0], 2)]
    for row in rows:
        row["scmforge_tabpfn_v1_datasets_per_s"] = round(rate, 2)
        row["load_avg_1min"] = load  # start, end: above the core count, other jobs shared the CPU
    if not args.quick:
        path = _common.append_results("prior", rows)
        docs = _common.replace_doc_section("Prior generation", docs_body(rows, rate, peer, load))
        print(f"appended {path.relative_to(_common.ROOT)}; refreshed {docs.relative_to(_common.ROOT)}")
    for row in rows:
        _common.emit(row)


if __name__ == "__main__":
    main()
