#!/usr/bin/env python3
"""bench/augment.py: CausalMix vs SDV's GaussianCopula and CTGAN, same tables, same splits.

Cases: tables of ../shared/datasets/classification (the --quick subset, or --tables), each
prepared as bench/scm.py prepares them (at most --max-rows rows, missing rows and constant
columns dropped, single-row levels dropped, text and bool columns categorical) and split
70 / 30, stratified by the target. Each generator is fitted on the 70 % and samples as many
rows; the 30 % is never seen by a generator.
  * CausalMix: scmforge.augment.CausalMix(discovery="pc", alpha=0.05, mechanisms="auto"),
    class shares of the training rows (2 threads);
  * GaussianCopula: sdv.single_table.GaussianCopulaSynthesizer with its defaults;
  * CTGAN: sdv.single_table.CTGANSynthesizer, --ctgan-epochs epochs (default 300, its own
    default), on CPU.
Timed: fit + sample, one run each. ratio_<peer> = peer seconds / CausalMix seconds.
Quality: scmforge.eval.fidelity(train, synthetic, target, holdout=test): mean KS (numeric
columns), mean TV (categorical), mean |dependence difference|, detection ROC-AUC (0.5 ideal),
TSTR accuracy / ROC-AUC on the holdout (TRTR: trained on the real 70 %), and memorisation: the
median distance of synthetic rows to the closest training row against that of the holdout rows,
and the share of synthetic rows copying a training row.

SDV is not a dependency of scmforge: it pins pandas < 3. Install it where it cannot change the
environment, e.g. `pip install --target /tmp/sdvlib --no-deps sdv ctgan copulas rdt Faker
deepecho sdmetrics platformdirs python-dateutil pytz six boto3 botocore jmespath s3transfer
plotly narwhals cloudpickle graphviz` and run with PYTHONPATH=/tmp/sdvlib. Without SDV the
peers are reported as missing and only CausalMix runs.

  bench/augment.py --quick   2 small tables, CTGAN 30 epochs; nothing written (~2 min)
  bench/augment.py           the full set; appends bench/results/augment.jsonl and refreshes
                             the "CausalMix augmentation" section of docs/benchmarks.md
The last line of output is the summary row (medians over the tables).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402
from scm import prepare  # noqa: E402

from scmforge.augment import CausalMix  # noqa: E402
from scmforge.eval import fidelity  # noqa: E402

DATA = _common.ROOT.parent / "shared" / "datasets" / "classification"
QUICK = ["penguins", "haberman"]
FULL = ["penguins", "haberman", "iris", "diabetes", "blood-transfusion-service-center",
        "maternal_health_risk", "heart_statlog", "breast_cancer_ljubljana", "credit-approval",
        "south-german-credit"]
METRICS = ("mean_ks", "mean_tv", "dep_diff", "detection_auc", "tstr_acc", "tstr_auc", "dcr_synth",
           "dcr_holdout", "copies")


def _sdv():
    try:
        from sdv.metadata import Metadata
        from sdv.single_table import CTGANSynthesizer, GaussianCopulaSynthesizer
    except ImportError:
        return None
    return Metadata, GaussianCopulaSynthesizer, CTGANSynthesizer


def sdv_fit_sample(kind: str, train: pd.DataFrame, n: int, epochs: int, seed: int) -> pd.DataFrame:
    Metadata, Copula, Ctgan = _sdv()
    import torch

    np.random.seed(seed)
    torch.manual_seed(seed)
    categorical = [c for c in train.columns if isinstance(train[c].dtype, pd.CategoricalDtype)]
    plain = train.astype({c: object for c in categorical})  # CTGAN refuses category dtypes
    md = Metadata.detect_from_dataframes({"t": plain})
    synth = Copula(md) if kind == "gaussian_copula" else Ctgan(md, epochs=epochs)
    synth.fit({"t": plain})
    out = synth.sample(n)
    out = (out["t"] if isinstance(out, dict) else out)[train.columns].reset_index(drop=True)
    for c in train.columns:
        if c in categorical:
            out[c] = pd.Categorical(out[c], categories=train[c].cat.categories)
        else:
            out[c] = out[c].astype(train[c].dtype)
    return out


def _ours(train: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    X, y = train.drop(columns=["target"]), train["target"]
    Xs, ys = CausalMix(discovery="pc", seed=seed, threads=2).fit(X, y).sample(n)
    return Xs.assign(target=ys.to_numpy())[train.columns]


def _scores(train: pd.DataFrame, synth: pd.DataFrame, test: pd.DataFrame, seed: int) -> dict:
    r = fidelity(train, synth, target="target", seed=seed, holdout=test)
    return {"mean_ks": r["marginal"]["mean_ks"], "mean_tv": r["marginal"]["mean_tv"],
            "dep_diff": r["dependence"]["mean_abs_diff"], "detection_auc": r["detection_auc"],
            "tstr_acc": r["tstr"]["accuracy"], "tstr_auc": r["tstr"]["roc_auc"],
            "trtr_acc": r["trtr"]["accuracy"], "trtr_auc": r["trtr"]["roc_auc"],
            "dcr_synth": r["dcr"]["synth_median"], "dcr_holdout": r["dcr"]["holdout_median"],
            "copies": r["dcr"]["synth_exact_copies"]}


def case(name: str, max_rows: int, epochs: int, seed: int = 0) -> dict:
    table = prepare(DATA / f"{name}.csv", max_rows, seed)
    for col in table.columns:  # categorical dtypes, as CausalMix and SDV both read them
        if table[col].dtype == object or pd.api.types.is_string_dtype(table[col]):
            table[col] = table[col].astype("category")
    train, test = train_test_split(table, test_size=0.3, random_state=seed, stratify=table["target"])
    train, test = train.reset_index(drop=True), test.reset_index(drop=True)
    n = len(train)
    row = {"bench": "augment", "case": name, "rows": n, "columns": table.shape[1], "unit": "seconds"}
    generators = {"causalmix": lambda: _ours(train, n, seed)}
    if _sdv() is not None:
        generators["gaussian_copula"] = lambda: sdv_fit_sample("gaussian_copula", train, n, epochs, seed)
        generators["ctgan"] = lambda: sdv_fit_sample("ctgan", train, n, epochs, seed)
    for method, run in generators.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            synth = run()
            seconds = time.perf_counter() - start
        scores = _scores(train, synth, test, seed)
        row[f"{method}_s"] = round(seconds, 3)
        for k, v in scores.items():
            row[f"{method}_{k}"] = None if v is None else round(float(v), 4)
    for peer in ("gaussian_copula", "ctgan"):
        if f"{peer}_s" in row:
            row[f"ratio_{peer}"] = round(row[f"{peer}_s"] / max(row["causalmix_s"], 1e-9), 1)
    row["peer"] = "sdv " + _sdv_version() if _sdv() else None
    return row


def _sdv_version() -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version("sdv")
    except importlib.metadata.PackageNotFoundError:
        return "?"


def summarise(rows: list[dict]) -> dict:
    out = {"bench": "augment", "case": "median over tables", "tables": len(rows), "unit": "seconds"}
    for method in ("causalmix", "gaussian_copula", "ctgan"):
        for k in ("s",) + METRICS:
            vals = [r[f"{method}_{k}"] for r in rows if r.get(f"{method}_{k}") is not None]
            if vals:
                out[f"{method}_{k}"] = round(statistics.median(vals), 4)
    for peer in ("gaussian_copula", "ctgan"):
        vals = [r[f"ratio_{peer}"] for r in rows if f"ratio_{peer}" in r]
        if vals:
            out[f"ratio_{peer}"] = round(statistics.median(vals), 1)
    return out


def doc_table(rows: list[dict], summary: dict, epochs: int) -> str:
    lines = [f"`bench/augment.py` (full run, {time.strftime('%Y-%m-%d')}), {_common.cpu_model()}, "
             f"{rows[0].get('peer') or 'SDV not installed'}; CTGAN {epochs} epochs on CPU. Fit on 70 % "
             "of each table, sample as many rows, score against the 30 % holdout (TSTR) and the "
             "70 % (marginals, dependences, detection).", "",
             "| table | rows | method | fit+sample s | mean KS | mean TV | dep. diff | detection AUC | "
             "TSTR acc | TSTR AUC | TRTR acc | DCR synth / holdout | copies |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]

    def f(v):
        return "" if v is None else f"{v:.3f}"

    for r in rows + [summary]:
        for method in ("causalmix", "gaussian_copula", "ctgan"):
            if f"{method}_s" not in r:
                continue
            lines.append(f"| {r['case']} | {r.get('rows', '')} | {method} | {r[f'{method}_s']:.2f} | "
                         f"{f(r.get(f'{method}_mean_ks'))} | {f(r.get(f'{method}_mean_tv'))} | "
                         f"{f(r.get(f'{method}_dep_diff'))} | {f(r.get(f'{method}_detection_auc'))} | "
                         f"{f(r.get(f'{method}_tstr_acc'))} | {f(r.get(f'{method}_tstr_auc'))} | "
                         f"{f(r.get(f'{method}_trtr_acc'))} | {f(r.get(f'{method}_dcr_synth'))} / "
                         f"{f(r.get(f'{method}_dcr_holdout'))} | {f(r.get(f'{method}_copies'))} |")
    if "ratio_ctgan" in summary:
        lines += ["", f"Median speed-up of CausalMix: {summary['ratio_gaussian_copula']}x over "
                      f"GaussianCopula, {summary['ratio_ctgan']}x over CTGAN."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--tables", nargs="*")
    parser.add_argument("--max-rows", type=int, default=2000)
    parser.add_argument("--ctgan-epochs", type=int)
    args = parser.parse_args()
    tables = args.tables or (QUICK if args.quick else FULL)
    epochs = args.ctgan_epochs or (30 if args.quick else 300)
    rows = []
    for name in tables:
        rows.append(case(name, args.max_rows, epochs))
        print(rows[-1], file=sys.stderr, flush=True)
    summary = summarise(rows)
    if not args.quick:
        _common.append_results("augment", rows + [summary])
        _common.replace_doc_section("CausalMix augmentation", doc_table(rows, summary, epochs))
    _common.emit({**summary, "machine": _common.machine(), "quick": args.quick})


if __name__ == "__main__":
    main()
