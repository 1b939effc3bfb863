#!/usr/bin/env python3
"""bench/scm.py: fitting an SCM and sampling 10,000 rows, scmforge vs DoWhy gcm, on the same DAG.

Cases: one per table of ../shared/datasets/classification (or the --quick subset), each
prepared the same way for both libraries:
  * at most --max-rows rows (a seeded subsample), rows with a missing value dropped, constant
    columns dropped, rows of a categorical level seen only once dropped (a classifier cannot
    learn it; scmforge refuses it), text and bool columns categorical, numbers numeric;
  * a stratified 70 / 30 split: the SCM is fitted on the 70 %, the 30 % is the real holdout;
  * the DAG: columns in file order (the target last), each column's parents the (up to) three
    columns before it. This fixed-ordering DAG is not a discovered graph; it is the same for
    both libraries, which is what a speed comparison needs.
Timed: fit + sample 10,000 rows. scmforge: SCM.fit(mechanisms="auto") + sample (2 threads).
DoWhy: gcm.auto.assign_causal_mechanisms(quality=GOOD) + gcm.fit + gcm.draw_samples, its
default n_jobs=-1 (both cores). ratio = DoWhy seconds / scmforge seconds (medians).
Quality, the issue's comparison (not byte equality: the two draw different random rows):
  * detection ROC-AUC: HistGradientBoostingClassifier telling the real holdout from as many
    synthetic rows, 5-fold cross-validated (0.5 = indistinguishable);
  * TSTR: accuracy on the real holdout of a HistGradientBoostingClassifier trained on the 10,000
    synthetic rows to predict the target (TRTR, trained on the real 70 %, for reference).
  same_result = detection AUC <= DoWhy's + 0.02 and TSTR >= DoWhy's - 0.02.
  bench/scm.py --quick   < 60 s on 2 cores: 2 small tables, 1 timing each; nothing written
  bench/scm.py           every table, 3 timings of scmforge and 1 of DoWhy (minutes each);
                         appends bench/results/scm.jsonl and refreshes the "SCM" section of
                         docs/benchmarks.md (--no-docs: prints that table instead)
The last line of output is the summary row (median ratio and quality over the tables).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import statistics
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

from scmforge.scm import SCM  # noqa: E402

DATASETS = _common.ROOT.parent / "shared" / "datasets" / "classification"
QUICK = ["iris.csv", "haberman.csv"]
N_SAMPLE = 10_000


def prepare(path: Path, max_rows: int, seed: int = 0) -> pd.DataFrame:
    df = pd.read_csv(path)
    if len(df) > max_rows:
        df = df.sample(max_rows, random_state=seed).reset_index(drop=True)
    df = df.dropna().reset_index(drop=True)
    for col in list(df.columns):
        if pd.api.types.is_bool_dtype(df[col]) or not pd.api.types.is_numeric_dtype(df[col]):
            df[col] = df[col].astype(str)
    df["target"] = df["target"].astype(str)
    df = df[[c for c in df.columns if df[c].nunique() > 1]]
    for col in df.columns:
        if df[col].dtype == object or pd.api.types.is_string_dtype(df[col]):
            counts = df[col].value_counts()
            df = df[~df[col].isin(counts[counts < 2].index)]
    return df.reset_index(drop=True)


def fixed_order_dag(columns: list[str], k: int = 3) -> list[tuple[str, str]]:
    return [(columns[p], columns[j]) for j in range(len(columns)) for p in range(max(0, j - k), j)]


def encode(frames: list[pd.DataFrame]) -> list[np.ndarray]:
    """Numeric matrices with shared category codes (for the quality classifiers)."""
    out = [f.copy() for f in frames]
    for col in frames[0].columns:
        if frames[0][col].dtype.kind in "OUT" or pd.api.types.is_string_dtype(frames[0][col]):
            cats = sorted(set().union(*(set(f[col].astype(str)) for f in frames)))
            for f in out:
                f[col] = pd.Categorical(f[col].astype(str), categories=cats).codes
    return [f.to_numpy(dtype=np.float64) for f in out]


def detection_auc(real: pd.DataFrame, synth: pd.DataFrame, seed: int = 0) -> float:
    synth = synth.sample(len(real), random_state=seed)
    a, b = encode([real, synth])
    X = np.vstack([a, b])
    y = np.r_[np.zeros(len(a)), np.ones(len(b))]
    clf = HistGradientBoostingClassifier(random_state=seed)
    cv = StratifiedKFold(5, shuffle=True, random_state=seed)
    return float(np.mean(cross_val_score(clf, X, y, cv=cv, scoring="roc_auc")))


def tstr(train: pd.DataFrame, test: pd.DataFrame, seed: int = 0) -> float:
    a, b = encode([train.drop(columns="target"), test.drop(columns="target")])
    clf = HistGradientBoostingClassifier(random_state=seed).fit(a, train["target"].astype(str))
    return float(np.mean(clf.predict(b) == test["target"].astype(str).to_numpy()))


def run_ours(train: pd.DataFrame, edges, rep: int):
    model = SCM.fit(train, edges, mechanisms="auto", seed=abs(rep), threads=2)
    rows = model.sample(N_SAMPLE, seed=abs(rep), threads=2)
    return rows, model


def run_dowhy(train: pd.DataFrame, edges, rep: int):
    import networkx as nx
    from dowhy import gcm

    gcm.config.disable_progress_bars()
    np.random.seed(abs(rep))
    causal = gcm.ProbabilisticCausalModel(nx.DiGraph(edges))
    causal.graph.add_nodes_from(train.columns)
    summary = gcm.auto.assign_causal_mechanisms(causal, train, quality=gcm.auto.AssignmentQuality.GOOD)
    gcm.fit(causal, train)
    rows = gcm.draw_samples(causal, N_SAMPLE)[list(train.columns)]
    return rows, summary


def case(path: Path, max_rows: int, reps_ours: int, reps_peer: int) -> dict:
    df = prepare(path, max_rows)
    train, holdout = train_test_split(df, test_size=0.3, random_state=0, stratify=df["target"])
    edges = fixed_order_dag(list(df.columns))
    ours_s, _, ours_out = _common.median_time(lambda rep: run_ours(train, edges, rep), reps_ours)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer_s, _, peer_out = _common.median_time(lambda rep: run_dowhy(train, edges, rep), reps_peer,
                                                  warmup=0)
    ours_rows, model = ours_out[0]
    peer_rows, _ = peer_out[0]
    q = {
        "detection_auc": detection_auc(holdout, ours_rows),
        "peer_detection_auc": detection_auc(holdout, peer_rows.astype(train.dtypes.to_dict())),
        "tstr": tstr(ours_rows, holdout),
        "peer_tstr": tstr(peer_rows.astype(train.dtypes.to_dict()), holdout),
        "trtr": tstr(train, holdout),
    }
    chosen = [s["mechanism"] for s in model.summary()]
    return {
        "bench": "scm",
        "case": f"{path.name.split('.')[0]} ({len(train)}x{df.shape[1]}, {len(edges)} edges) "
                f"fit + sample {N_SAMPLE}",
        "peer": f"DoWhy gcm {importlib.metadata.version('dowhy')} (GOOD)",
        "scmforge_s": ours_s,
        "peer_s": peer_s,
        "ratio": peer_s / ours_s,
        "same_result": bool(q["detection_auc"] <= q["peer_detection_auc"] + 0.02
                            and q["tstr"] >= q["peer_tstr"] - 0.02),
        **{k: round(v, 4) for k, v in q.items()},
        "auto_chose": {m: chosen.count(m) for m in sorted(set(chosen))},
    }


def summarise(rows: list[dict]) -> dict:
    med = lambda key: statistics.median(r[key] for r in rows)  # noqa: E731
    return {
        "bench": "scm",
        "case": f"fit + sample {N_SAMPLE}, median over {len(rows)} tables",
        "peer": rows[0]["peer"],
        "scmforge_s": med("scmforge_s"),
        "peer_s": med("peer_s"),
        "ratio": med("ratio"),
        "same_result": bool(med("detection_auc") <= med("peer_detection_auc") + 0.02
                            and med("tstr") >= med("peer_tstr") - 0.02),
        "detection_auc": med("detection_auc"),
        "peer_detection_auc": med("peer_detection_auc"),
        "tstr": med("tstr"),
        "peer_tstr": med("peer_tstr"),
        "trtr": med("trtr"),
        "tables_same_result": f"{sum(r['same_result'] for r in rows)}/{len(rows)}",
    }


def doc_table(rows: list[dict], summary: dict) -> str:
    lines = [
        "`bench/scm.py`: fit + sample 10,000 rows on a fixed-ordering DAG (each column's parents: "
        "the three columns before it), scmforge `SCM.fit(mechanisms=\"auto\")` (2 threads) vs "
        f"{summary['peer']} (n_jobs=-1). Detection ROC-AUC (real holdout vs synthetic, 5-fold "
        "HistGradientBoosting; 0.5 is ideal) and TSTR accuracy on the real holdout.",
        "",
        "| table | scmforge s | DoWhy s | ratio | det. AUC ours | det. AUC DoWhy | TSTR ours | "
        "TSTR DoWhy | TRTR | auto chose |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        chose = ", ".join(f"{k} {v}" for k, v in r["auto_chose"].items())
        lines.append(f"| {r['case'].split(' fit')[0]} | {r['scmforge_s']:.3f} | {r['peer_s']:.2f} | "
                     f"{r['ratio']:.0f}x | {r['detection_auc']:.3f} | {r['peer_detection_auc']:.3f} | "
                     f"{r['tstr']:.3f} | {r['peer_tstr']:.3f} | {r['trtr']:.3f} | {chose} |")
    lines.append(f"| **median** | {summary['scmforge_s']:.3f} | {summary['peer_s']:.2f} | "
                 f"**{summary['ratio']:.0f}x** | {summary['detection_auc']:.3f} | "
                 f"{summary['peer_detection_auc']:.3f} | {summary['tstr']:.3f} | "
                 f"{summary['peer_tstr']:.3f} | {summary['trtr']:.3f} | |")
    m = _common.machine()
    lines += ["", f"Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="< 60 s, nothing written")
    parser.add_argument("--max-rows", type=int, default=None, help="row cap per table")
    parser.add_argument("--tables", nargs="*", help="file names to run (default: all)")
    parser.add_argument("--no-docs", action="store_true",
                        help="full run: print the Markdown table instead of editing docs/benchmarks.md")
    opts = parser.parse_args()
    if opts.quick:
        names, max_rows, reps_ours, reps_peer = QUICK, opts.max_rows or 400, 1, 1
    else:
        names = opts.tables or sorted(p.name for p in DATASETS.glob("*.csv*"))
        max_rows, reps_ours, reps_peer = opts.max_rows or 2000, 3, 1
    rows = []
    for name in names:
        try:
            row = case(DATASETS / name, max_rows, reps_ours, reps_peer)
        except Exception as e:  # a table one library cannot fit is reported, not fatal
            _common.emit({"bench": "scm", "case": name, "error": f"{type(e).__name__}: {e}"})
            continue
        _common.emit(row)
        rows.append(row)
    if not rows:
        sys.exit("no table could be run")
    summary = summarise(rows)
    if not opts.quick:
        _common.append_results("scm", rows + [summary])
        if opts.no_docs:
            print(doc_table(rows, summary))
        else:
            _common.replace_doc_section("SCM", doc_table(rows, summary))
    _common.emit(summary)


if __name__ == "__main__":
    main()
