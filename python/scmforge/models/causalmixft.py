"""CausalMixFT: fine-tuning the TFM in the low-data regime with synthetic rows mixed in, and the
paper's evaluation protocol.

``scmforge finetune tfm data.csv ...`` fine-tunes on one table and reports zero-shot and
fine-tuned test ROC-AUC; ``scmforge eval causalmixft ...`` runs the protocol over the shared
datasets (docs/causalmixft.md):

* per dataset (at most 10 features: a fixed random subset where wider; at most 10 classes),
  fold f and training size n: a stratified test split (30 %, at most 1,000 rows), then n
  training rows and max(16, n / 4) validation rows, all drawn with seed (dataset, f);
* the zero-shot score: the pre-trained TFM with the n training rows as its context;
* for each augmentation mode: its generator fitted on the n training rows only, ``ratio`` x n
  synthetic rows, fine-tuning with early stopping on the validation rows (the context at
  validation and test time is the real training rows);
* recorded: test ROC-AUC at the best validation step, the normalised ROC-AUC
  100 * (score / zero-shot score - 1) (the paper's sign is +1 for ROC-AUC), the Pearson
  correlation between validation and test ROC-AUC over the evaluation steps of the run, and the
  step of the best validation score.

Augmentation modes: ``none``; ``causalmix`` (PC; ``causalmix-fci``: FCI); ``ctgan`` and
``gaussian_copula`` (SDV, when installed); ``jitter``: training rows resampled with Gaussian
noise of 10 % of each numeric column's standard deviation (a simple statistical baseline).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import zlib
from typing import Optional

import numpy as np

from scmforge._errors import InvalidInputError

MODES = ("none", "causalmix", "causalmix-fci", "ctgan", "gaussian_copula", "jitter")
MAX_FEATURES, MAX_CLASSES = 10, 10
QUICK_DATASETS = ("diabetes.csv", "blood-transfusion-service-center.csv", "heart_statlog.csv")


# -- data ----------------------------------------------------------------------------------------

def load_table(path: str):
    """(features DataFrame, labels) of a shared dataset: the last column is the target; text
    columns become categoricals, missing values are filled (median / most frequent), and at most
    10 features are kept (a fixed random subset chosen from the file name)."""
    import pandas as pd

    df = pd.read_csv(path)
    if df.shape[1] < 2 or len(df) == 0:
        raise InvalidInputError(f"{path}: needs at least one feature column and a target column, and rows")
    y = df.iloc[:, -1].astype(str).to_numpy()
    X = df.iloc[:, :-1]
    name = os.path.basename(path).split(".")[0]
    if X.shape[1] > MAX_FEATURES:
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        X = X.iloc[:, np.sort(rng.choice(X.shape[1], MAX_FEATURES, replace=False))]
    X = X.copy()
    for col in X.columns:
        if pd.api.types.is_numeric_dtype(X[col]) and not pd.api.types.is_bool_dtype(X[col]):
            X[col] = X[col].astype(np.float64).fillna(X[col].median())
        else:
            text = X[col].astype(str).where(X[col].notna(), other=np.nan)
            X[col] = pd.Categorical(text.fillna(text.mode().iloc[0]))
    keep = [c for c in X.columns if X[c].nunique() > 1]
    return X[keep], y


def numeric(X) -> np.ndarray:
    """The TFM's view of a feature frame: categorical columns as their level codes."""
    import pandas as pd

    cols = [X[c].cat.codes.to_numpy(np.float32) if isinstance(X[c].dtype, pd.CategoricalDtype)
            else X[c].to_numpy(np.float32) for c in X.columns]
    return np.stack(cols, axis=1) if cols else np.zeros((len(X), 0), np.float32)


def split(X, y: np.ndarray, n_train: int, seed: int) -> Optional[dict]:
    """Row indices of the test, training and validation parts (see the module docstring), or
    None when the table is too small or a class too rare for them."""
    from sklearn.model_selection import train_test_split

    n_val = max(16, n_train // 4)
    idx = np.arange(len(y))
    _, counts = np.unique(y, return_counts=True)
    if counts.min() < 4 or len(y) < n_train + n_val + 20:
        return None
    rest, test = train_test_split(idx, test_size=min(0.3, 1000 / len(y)), random_state=seed, stratify=y)
    if len(rest) < n_train + n_val:
        return None
    try:
        train, other = train_test_split(rest, train_size=n_train, random_state=seed, stratify=y[rest])
        val, _ = train_test_split(other, train_size=n_val, random_state=seed, stratify=y[other]) \
            if len(other) > n_val else (other, None)
    except ValueError:  # a class too rare to stratify at this size
        return None
    if len(np.unique(y[train])) < 2 or len(np.unique(y[val])) < 2:
        return None
    return {"train": np.sort(train), "val": np.sort(val), "test": np.sort(test)}


# -- generators ----------------------------------------------------------------------------------

def synthesize(mode: str, X, y: np.ndarray, n: int, seed: int, ctgan_epochs: int = 300):
    """``n`` synthetic (X, y) rows from a generator fitted on (X, y) only; (None, None) for
    mode "none"."""
    import pandas as pd

    if mode not in MODES:
        raise InvalidInputError(f"unknown augmentation mode {mode!r}; known: {', '.join(MODES)}")
    if mode == "none":
        return None, None
    if mode.startswith("causalmix"):
        from scmforge.augment import CausalMix

        # Levels seen once are merged (see _merge_single_levels); a column then constant on
        # these rows (common at 64 rows) carries nothing for discovery: it is left out of the SCM
        # and keeps its value in the synthetic rows.
        merged = _merge_single_levels(X)
        constant = [c for c in X.columns if merged[c].nunique() <= 1]
        mix = CausalMix(discovery="fci" if mode == "causalmix-fci" else "pc", seed=seed, threads=1)
        Xs, ys = mix.fit(merged.drop(columns=constant), pd.Series(y, name="__label__")).sample(n, seed=seed)
        for col in constant:
            Xs[col] = merged[col].iloc[:1].repeat(n).to_numpy()
            if isinstance(X[col].dtype, pd.CategoricalDtype):
                Xs[col] = pd.Categorical(Xs[col], categories=X[col].cat.categories)
        return Xs[X.columns], np.asarray(ys).astype(str)
    if mode == "jitter":
        rng = np.random.default_rng(seed)
        rows = rng.integers(0, len(y), n)
        Xs = X.iloc[rows].reset_index(drop=True).copy()
        for col in X.columns:
            if not isinstance(X[col].dtype, pd.CategoricalDtype):
                Xs[col] = Xs[col] + rng.normal(0, 0.1 * float(X[col].std() or 0.0), n)
        return Xs, y[rows]
    try:
        from sdv.metadata import Metadata
        from sdv.single_table import CTGANSynthesizer, GaussianCopulaSynthesizer
    except ImportError as e:
        raise InvalidInputError(f"augmentation {mode!r} needs SDV (pip install sdv)") from e
    import torch

    np.random.seed(seed)
    torch.manual_seed(seed)
    frame = X.assign(__label__=y)
    frame = frame.astype({c: object for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)})
    meta = Metadata.detect_from_dataframes({"t": frame}, infer_keys=None)
    for col, kind in _data_sdtypes(frame, meta.to_dict()["tables"]["t"]["columns"]).items():
        meta.update_column(col, table_name="t", sdtype=kind)
    synth = CTGANSynthesizer(meta, epochs=ctgan_epochs) if mode == "ctgan" else GaussianCopulaSynthesizer(meta)
    synth.fit({"t": frame})
    out = synth.sample(n)
    out = out["t"] if isinstance(out, dict) else out
    Xs = out[X.columns].reset_index(drop=True)
    for col in X.columns:
        if isinstance(X[col].dtype, pd.CategoricalDtype):
            Xs[col] = pd.Categorical(Xs[col].astype(str), categories=X[col].cat.categories)
    return Xs, out["__label__"].astype(str).to_numpy()


def _data_sdtypes(frame, detected: dict) -> dict:
    """The columns of ``frame`` that SDV's detection (``detected``: column -> {"sdtype": ...})
    took for personal data by their names, each with the data type to learn it as. Faker would
    draw such columns instead of SDV learning them: website_phishing's "SSLfinal_State" became US
    state names, "having_IP_Address" IPv6 addresses. Keys are not inferred at all (infer_keys=None)."""
    import pandas as pd

    return {col: "numerical" if pd.api.types.is_numeric_dtype(frame[col]) else "categorical"
            for col, spec in detected.items() if spec["sdtype"] not in ("numerical", "ordinal", "categorical", "boolean")}


def _merge_single_levels(X):
    """X with every categorical level seen on a single row replaced by its column's most frequent
    level: a mechanism cannot learn the probability of a level from one row (CausalMix refuses
    such columns), and at 64 training rows such levels are common."""
    import pandas as pd

    X = X.copy()
    for col in X.columns:
        if isinstance(X[col].dtype, pd.CategoricalDtype):
            counts = X[col].value_counts()
            single = counts.index[counts == 1]
            if len(single):
                X[col] = X[col].where(~X[col].isin(single), counts.idxmax())
    return X


# -- one run -------------------------------------------------------------------------------------

def labels_of(modes: list[str], ratios: list[float]) -> list[tuple[str, str, float]]:
    """(label, mode, ratio) of every run of one split: the mode's name, or "mode@Rx" when
    several synthetic ratios are compared ("none" runs once: it has no synthetic rows)."""
    out = []
    for mode in modes:
        for ratio in ratios[:1] if mode == "none" or len(ratios) == 1 else ratios:
            out.append((mode if mode == "none" or len(ratios) == 1 else f"{mode}@{ratio:g}x", mode, ratio))
    return out


def run(X, y: np.ndarray, parts: dict, modes: list[str], checkpoint: Optional[str], seed: int,
        ratios: list[float], steps: int, eval_every: int, lr: float, ctgan_epochs: int = 300) -> dict:
    """Zero-shot and fine-tuned scores of every mode (at every synthetic ratio) on one split (see
    the module docstring); keyed by :func:`labels_of`."""
    from scmforge.models.tfm_classifier import TFMClassifier, roc_auc

    tr, va, te = parts["train"], parts["val"], parts["test"]
    Xn = numeric(X)
    labels = np.unique(y[tr])
    keep_val, keep_test = np.isin(y[va], labels), np.isin(y[te], labels)
    xv, yv, xt, yt = Xn[va][keep_val], y[va][keep_val], Xn[te][keep_test], y[te][keep_test]
    base = TFMClassifier(checkpoint, random_state=seed).fit(Xn[tr], y[tr])
    k = len(base.classes_)
    zero = roc_auc(base._codes(yt, "y"), base.predict_proba(xt), k)
    out = {"zero_shot": zero, "baselines": baselines(Xn[tr], base._codes(y[tr], "y"), xt, base._codes(yt, "y"), k),
           "modes": {}}
    for label, mode, ratio in labels_of(modes, ratios):
        start = time.perf_counter()
        n_syn = int(round(ratio * len(tr)))
        try:
            Xs, ys = synthesize(mode, X.iloc[tr].reset_index(drop=True), y[tr], n_syn, seed, ctgan_epochs)
        except Exception as e:  # noqa: BLE001 - a generator that cannot fit this split is reported, not fatal
            out["modes"][label] = {"error": f"{type(e).__name__}: {e}"}
            continue
        synthetic = None
        if Xs is not None:
            known = np.isin(ys, labels)
            synthetic = (numeric(Xs)[known], ys[known])
        gen_s = time.perf_counter() - start
        model = TFMClassifier(checkpoint, random_state=seed).fit(Xn[tr], y[tr])
        yt_codes = model._codes(yt, "y")

        def test_score(step: int, m: TFMClassifier) -> dict:
            return {"test_auc": roc_auc(yt_codes, m.predict_proba(xt), k)}

        history = model.finetune(xv, yv, synthetic=synthetic, steps=steps, lr=lr, eval_every=eval_every,
                                 on_eval=test_score)
        best = next(r for r in history if r["step"] == model.finetune_best_step_)
        tests = [r["test_auc"] for r in history]
        out["modes"][label] = {
            "test_auc": best["test_auc"], "normalised": 100.0 * (best["test_auc"] / zero - 1.0),
            "val_test_corr": pearson([r["val_auc"] for r in history], tests),
            "val_loss_test_corr": pearson([-r["val_loss"] for r in history], tests),
            "best_step": int(model.finetune_best_step_),
            "synthetic_rows": 0 if synthetic is None else len(synthetic[1]),
            "generator_s": round(gen_s, 3), "seconds": round(time.perf_counter() - start, 3),
            "history": history,
        }
    return out


def pearson(a: list[float], b: list[float]) -> float:
    """Pearson correlation of two score series (NaN when either is constant or too short)."""
    if len(a) < 3 or np.std(a) == 0 or np.std(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def baselines(x: np.ndarray, y: np.ndarray, xt: np.ndarray, yt: np.ndarray, k: int) -> dict:
    """Test ROC-AUC of the classical baselines on the same training rows: logistic regression
    (standardised features, C = 1) and scmforge's CART (gini, at least 5 rows per leaf, so that
    leaves give class shares rather than 0 / 1)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from scmforge.models.tfm_classifier import roc_auc
    from scmforge.tree import DecisionTreeClassifier

    def full(model) -> np.ndarray:  # probabilities over all k classes (absent ones 0)
        p = np.zeros((len(xt), k))
        p[:, model.classes_.astype(int)] = model.predict_proba(xt)
        return p

    lr = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(x, y)
    cart = DecisionTreeClassifier(min_samples_leaf=5, random_state=0).fit(x, y)
    return {"logistic": roc_auc(yt, full(lr), k), "cart": roc_auc(yt, full(cart), k)}


# -- drivers -------------------------------------------------------------------------------------

def _common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", help="TFM checkpoint (default: the bundled cpu-small one)")
    parser.add_argument("--steps", type=int, default=60, help="fine-tuning steps (early stopping may end sooner)")
    parser.add_argument("--eval-every", type=int, default=5)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--ctgan-epochs", type=int, default=300)
    parser.add_argument("--threads", type=int, help="torch CPU threads")


def finetune_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scmforge finetune tfm",
                                     description="Fine-tune the TFM on one table (last column: the target)")
    parser.add_argument("data", help="CSV table")
    parser.add_argument("--train-rows", type=int, default=128)
    parser.add_argument("--augment", default="causalmix", choices=MODES)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="write the scores and the evaluation history as JSON")
    parser.add_argument("--ratio", type=float, default=1.0, help="synthetic rows per real training row")
    _common_args(parser)
    args = parser.parse_args(argv)
    _threads(args.threads)
    X, y = load_table(args.data)
    parts = split(X, y, args.train_rows, args.seed)
    if parts is None:
        raise InvalidInputError(f"{args.data}: too few rows or a class too rare for {args.train_rows} training rows")
    result = run(X, y, parts, [args.augment], args.checkpoint, args.seed, [args.ratio], args.steps,
                 args.eval_every, args.lr, args.ctgan_epochs)
    r = result["modes"][args.augment]
    print(f"zero-shot ROC-AUC {result['zero_shot']:.4f}; fine-tuned ({args.augment}) {r['test_auc']:.4f} "
          f"({r['normalised']:+.2f} %), best validation step {r['best_step']}")
    if args.out:
        from scmforge.io import write_text_atomically

        write_text_atomically(args.out, json.dumps(result, indent=1) + "\n")
    return 0


def _threads(threads: Optional[int]) -> None:
    if threads is not None:
        import torch

        torch.set_num_threads(int(threads))


def summarise(records: list[dict], modes: list[str]) -> dict:
    """Median and spread (quartiles) per mode of the normalised ROC-AUC, the validation-test
    correlation and the best step."""
    out = {}
    for mode in modes:
        rows = [r["modes"][mode] for r in records if "error" not in r["modes"].get(mode, {"error": ""})]
        failed = sum("error" in r["modes"].get(mode, {}) for r in records)
        if not rows:
            out[mode] = {"failed": failed}
            continue

        def stats(key: str) -> dict:
            values = [v[key] for v in rows if v[key] == v[key]]
            if not values:
                return {"median": float("nan"), "q1": float("nan"), "q3": float("nan"), "n": 0}
            q = np.percentile(values, [25, 50, 75])
            return {"median": float(q[1]), "q1": float(q[0]), "q3": float(q[2]), "n": len(values)}

        out[mode] = {key: stats(key) for key in ("normalised", "test_auc", "val_test_corr", "val_loss_test_corr",
                                                  "best_step")}
        out[mode]["failed"] = failed
    return out


def eval_main(argv: list[str]) -> int:
    from scmforge.models.evaluate import default_datasets

    parser = argparse.ArgumentParser(prog="scmforge eval causalmixft",
                                     description="The CausalMixFT protocol over the shared datasets")
    parser.add_argument("--datasets", help="folder of CSV tables (default: the shared classification datasets)")
    parser.add_argument("--tables", nargs="*", help="file names to run (default: all; --quick: three)")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 256])
    parser.add_argument("--modes", nargs="+", default=["none", "causalmix", "gaussian_copula", "ctgan", "jitter"],
                        choices=MODES)
    parser.add_argument("--zero-shot", action="store_true",
                        help="no fine-tuning: the pre-trained TFM against logistic regression and CART only")
    parser.add_argument("--quick", action="store_true", help="3 datasets, 2 folds, 64 rows")
    parser.add_argument("--out", default="docs/results/causalmixft", help="writes OUT.json and OUT.md")
    parser.add_argument("--ratio", type=float, nargs="+", default=[1.0],
                        help="synthetic rows per real training row; several values compare them (e.g. 0.5 1 2 4 8)")
    parser.add_argument("--shard", default="0/1", metavar="I/N",
                        help="run only the (fold, table) pairs whose index, folds outermost, is I modulo N")
    parser.add_argument("--merge", nargs="+", metavar="JSON",
                        help="instead of running: combine the reports of shards of one protocol into OUT")
    parser.add_argument("--resume", action="store_true",
                        help="keep the splits already in OUT.json (same protocol; --shard and --tables may differ) "
                             "and run only the others")
    _common_args(parser)
    args = parser.parse_args(argv)
    if args.merge:
        return merge_main(args.merge, args.out)
    shard, shards = _parse_shard(args.shard)
    _threads(args.threads)
    folder = args.datasets or default_datasets()
    names = args.tables or (list(QUICK_DATASETS) if args.quick else
                            sorted(f for f in os.listdir(folder) if f.endswith((".csv", ".csv.gz"))))
    folds, sizes = (2, [64]) if args.quick else (args.folds, args.sizes)
    wanted = [] if args.zero_shot else args.modes
    modes = [m for m in wanted if not (m in ("ctgan", "gaussian_copula") and not _has_sdv())]
    skipped = sorted(set(wanted) - set(modes))
    if any(r < 0 for r in args.ratio):
        raise InvalidInputError(f"--ratio values must be >= 0, got {args.ratio}")
    labels = [label for label, _, _ in labels_of(modes, args.ratio)]
    tables = {}
    for name in names:
        X, y = load_table(os.path.join(folder, name))
        if len(np.unique(y)) > MAX_CLASSES:
            print(f"{name}: more than {MAX_CLASSES} classes, skipped", file=sys.stderr)
            continue
        tables[name] = (X, y)
    settings = {**{k: v for k, v in vars(args).items() if k != "out"}, "modes": modes, "skipped_modes": skipped,
                "folds": folds, "sizes": sizes}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    done, earlier = _resumable(args.out, settings) if args.resume else ({}, 0.0)
    records, start, index = [], time.perf_counter() - earlier, -1
    # Folds outermost, so a run stopped early has every table at its first folds; the report is
    # rewritten after every split.
    for fold in range(folds):
        for name, (X, y) in tables.items():
            index += 1
            if index % shards != shard:
                continue
            seed = zlib.crc32(f"{name}/{fold}".encode()) % (2**31)
            for n in sizes:
                if (name, fold, n) in done:
                    records.append(done[(name, fold, n)])
                    continue
                parts = split(X, y, n, seed)
                if parts is None:
                    print(f"{name}: too small for {n} training rows, skipped", file=sys.stderr)
                    continue
                result = run(X, y, parts, modes, args.checkpoint, seed, args.ratio, args.steps, args.eval_every,
                             args.lr, args.ctgan_epochs)
                records.append({"dataset": name, "fold": fold, "train_rows": n, **result})
                line = ", ".join(f"{m} {v['normalised']:+.2f}%" if "error" not in v else f"{m} failed ({v['error']})"
                                 for m, v in result["modes"].items())
                print(f"{name} fold {fold} n={n}: zero-shot {result['zero_shot']:.4f}; {line}", file=sys.stderr)
                _write_report(args.out, records, labels, settings, time.perf_counter() - start)
    summary, report = _write_report(args.out, records, labels, settings, time.perf_counter() - start)
    for mode, s in summary.items():
        if "normalised" not in s:
            print(f"{mode}: failed on every run")
            continue
        print(f"{mode}: normalised ROC-AUC median {s['normalised']['median']:+.2f} % "
              f"[{s['normalised']['q1']:+.2f}, {s['normalised']['q3']:+.2f}], val-test corr "
              f"{s['val_test_corr']['median']:.2f} / {s['val_loss_test_corr']['median']:.2f}, "
              f"best step {s['best_step']['median']:.0f}")
    print(f"{len(records)} runs in {report['seconds']:.0f} s; wrote {args.out}.json and {args.out}.md")
    return 0


def _parse_shard(text: str) -> tuple[int, int]:
    try:
        i, n = (int(v) for v in text.split("/"))
    except ValueError:
        raise InvalidInputError(f"--shard takes I/N with integers, e.g. 0/2; got {text!r}") from None
    if n < 1 or not 0 <= i < n:
        raise InvalidInputError(f"--shard I/N needs 0 <= I < N, got {text!r}")
    return i, n


def merge_main(paths: list[str], out: str) -> int:
    """Combines the reports of shards of one protocol (same settings but --shard and --tables)
    into OUT.json and OUT.md; a split present in several reports is kept once."""
    reports = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            reports.append(json.load(f))
    same = [_protocol(r["settings"]) for r in reports]
    if any(s != same[0] for s in same[1:]):
        raise InvalidInputError("the reports to merge come from different settings; merge shards of one protocol only")
    runs, seen = [], set()
    for r in reports:
        for run in r["runs"]:
            key = (run["dataset"], run["fold"], run["train_rows"])
            if key not in seen:
                seen.add(key)
                runs.append(run)
    names = sorted({run["dataset"] for run in runs})
    sizes = reports[0]["settings"]["sizes"]
    runs.sort(key=lambda run: (run["fold"], names.index(run["dataset"]), sizes.index(run["train_rows"])))
    labels = list(reports[0]["summary"])
    settings = {**reports[0]["settings"], "shard": "merged", "merge": paths, "tables": names}
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    _write_report(out, runs, labels, settings, sum(r["seconds"] for r in reports))
    print(f"{len(runs)} runs from {len(paths)} reports; wrote {out}.json and {out}.md")
    return 0


def _protocol(settings: dict) -> dict:
    """The settings that define a protocol's results: not how it was split into runs."""
    return {k: v for k, v in settings.items() if k not in ("shard", "merge", "threads", "tables", "resume")}


def _resumable(out: str, settings: dict) -> tuple[dict, float]:
    """The runs of OUT.json keyed by (dataset, fold, train_rows), and its seconds; nothing when
    there is no OUT.json yet."""
    try:
        with open(out + ".json", encoding="utf-8") as f:
            report = json.load(f)
    except FileNotFoundError:
        return {}, 0.0
    if _protocol(report["settings"]) != _protocol(settings):
        raise InvalidInputError(f"--resume: {out}.json comes from different settings; run with them, or with "
                                f"another --out")
    return {(r["dataset"], r["fold"], r["train_rows"]): r for r in report["runs"]}, float(report["seconds"])


def _write_report(out: str, records: list[dict], labels: list[str], settings: dict, seconds: float) -> tuple[dict, dict]:
    """Writes OUT.json and OUT.md for the runs so far; returns (summary, report)."""
    from scmforge.io import write_text_atomically

    summary = summarise(records, labels)
    report = {"zero_shot": zero_shot_summary(records), "settings": settings, "seconds": round(seconds, 1),
              "summary": summary, "runs": records}
    write_text_atomically(out + ".json", json.dumps(report, indent=1) + "\n")
    plotted = _plot(report, out + ".png")
    write_text_atomically(out + ".md", markdown(report, os.path.basename(out) + ".png" if plotted else None))
    return summary, report


def _plot(report: dict, path: str) -> bool:
    """Box plots per mode of the normalised ROC-AUC, the validation-test correlation and the
    best step; False when matplotlib is missing or there is nothing to plot."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # the report still lists the numbers
        return False
    labels = [m for m, v in report["summary"].items() if "normalised" in v]
    if not labels:
        return False
    panels = (("normalised", "normalised ROC-AUC (%)"), ("val_test_corr", "validation-test correlation"),
              ("best_step", "step of the selected weights"))
    fig, axes = plt.subplots(1, 3, figsize=(4 + 1.8 * len(labels), 3.8))
    for ax, (key, title) in zip(axes, panels):
        data = [[r["modes"][m][key] for r in report["runs"]
                 if "error" not in r["modes"].get(m, {"error": ""}) and r["modes"][m][key] == r["modes"][m][key]]
                for m in labels]
        ax.boxplot([d or [np.nan] for d in data], showfliers=False)
        ax.set_xticks(range(1, len(labels) + 1), labels, rotation=30, ha="right")
        ax.axhline(0, color="grey", lw=0.6)
        ax.set_title(title)
    fig.suptitle(f"{len(report['runs'])} runs (boxes: quartiles; whiskers: 1.5 IQR; outliers not drawn)")
    from scmforge.io import write_atomically

    fig.tight_layout()
    write_atomically(path, lambda p: fig.savefig(p, dpi=100, format="png"))
    plt.close(fig)
    return True


def zero_shot_summary(records: list[dict]) -> dict:
    """Median test ROC-AUC of the zero-shot TFM and the baselines over the runs, and the share of
    runs where the TFM scores higher than each baseline."""
    if not records:
        return {}
    tfm = np.array([r["zero_shot"] for r in records])
    out = {"tfm": float(np.median(tfm)), "runs": len(records)}
    for name in ("logistic", "cart"):
        base = np.array([r["baselines"][name] for r in records])
        out[name] = float(np.median(base))
        out[f"tfm_beats_{name}"] = float(np.mean(tfm > base))
    return out


def _has_sdv() -> bool:
    try:
        import sdv  # noqa: F401
    except ImportError:
        return False
    return True


def _comparison_lines(report: dict) -> list[str]:
    """Markdown: the standard deviation of the normalised ROC-AUC per mode (the paper's spread),
    each mode paired with plain fine-tuning on the same splits, and the medians per training
    size."""
    labels = [m for m, v in report["summary"].items() if "normalised" in v]
    runs = report["runs"]

    def ok(r: dict, m: str) -> bool:
        return "error" not in r["modes"].get(m, {"error": ""})

    lines = ["", "| mode | normalised ROC-AUC, mean ± std (%) | vs plain fine-tuning, same splits: median "
             "difference (pp) | higher / equal / lower |", "|---|---|---|---|"]
    for m in labels:
        values = np.array([r["modes"][m]["normalised"] for r in runs if ok(r, m)])
        cells = ["", ""]
        if m != "none" and "none" in labels:
            d = np.array([r["modes"][m]["normalised"] - r["modes"]["none"]["normalised"] for r in runs
                          if ok(r, m) and ok(r, "none")])
            if len(d):
                cells = [f"{np.median(d):+.2f}", f"{int((d > 1e-9).sum())} / {int((abs(d) <= 1e-9).sum())} / "
                                                 f"{int((d < -1e-9).sum())}"]
        lines.append(f"| {m} | {values.mean():+.2f} ± {values.std():.2f} | {cells[0]} | {cells[1]} |")
    sizes = sorted({r["train_rows"] for r in runs})
    if len(sizes) > 1:
        lines += ["", "Median normalised ROC-AUC (%) by training size (runs):", "",
                  "| mode | " + " | ".join(f"{n} rows" for n in sizes) + " |", "|---|" + "---|" * len(sizes)]
        for m in labels:
            cells = []
            for n in sizes:
                values = [r["modes"][m]["normalised"] for r in runs if r["train_rows"] == n and ok(r, m)]
                cells.append(f"{np.median(values):+.2f} ({len(values)})" if values else "")
            lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return lines


def markdown(report: dict, png: Optional[str] = None) -> str:
    s = report["settings"]
    lines = ["# CausalMixFT protocol results", "",
             f"Written by `scmforge eval causalmixft` ({len(report['runs'])} runs, {report['seconds']:.0f} s): "
             f"folds {s['folds']}, training sizes {s['sizes']}, synthetic ratio {s['ratio']}, "
             f"{s['steps']} fine-tuning steps at most (validation every {s['eval_every']}), lr {s['lr']}. "
             + (f"Modes skipped (SDV not installed): {', '.join(s['skipped_modes'])}. " if s["skipped_modes"] else ""),
             ""]
    z = report.get("zero_shot") or {}
    if z:
        lines += [f"Zero-shot (no fine-tuning), median test ROC-AUC over {z['runs']} runs: TFM {z['tfm']:.4f}, "
                  f"logistic regression {z['logistic']:.4f}, CART {z['cart']:.4f}; the TFM scores higher than "
                  f"logistic regression in {100 * z['tfm_beats_logistic']:.0f} % of the runs and than CART in "
                  f"{100 * z['tfm_beats_cart']:.0f} %.", ""]
    lines += ["| mode | normalised ROC-AUC, median [q1, q3] (%) | test ROC-AUC median | "
             "val-test correlation (ROC-AUC; runs where defined) | val-test correlation (-log-loss vs test ROC-AUC) | "
             "best step, median |", "|---|---|---|---|---|---|"]
    for mode, v in report["summary"].items():
        if "normalised" not in v:
            lines.append(f"| {mode} | failed on all {v['failed']} runs | | | | |")
            continue
        n = v["normalised"]
        lines.append(f"| {mode} | {n['median']:+.2f} [{n['q1']:+.2f}, {n['q3']:+.2f}] | "
                     f"{v['test_auc']['median']:.4f} | {v['val_test_corr']['median']:.2f} "
                     f"({v['val_test_corr']['n']}) | {v['val_loss_test_corr']['median']:.2f} | "
                     f"{v['best_step']['median']:.0f}" + (f" ({v['failed']} runs failed)" if v["failed"] else "") + " |")
    lines += _comparison_lines(report)
    if png:
        lines += ["", f"![normalised ROC-AUC, validation-test correlation and best step per mode]({png})"]
    lines += ["", "| dataset | fold | rows | zero-shot | " + " | ".join(report["summary"]) + " |",
              "|---|---|---|---|" + "---|" * len(report["summary"])]
    for r in report["runs"]:
        cells = " | ".join(("failed" if "error" in r["modes"][m] else f"{r['modes'][m]['test_auc']:.4f}")
                           if m in r["modes"] else "" for m in report["summary"])
        lines.append(f"| {r['dataset']} | {r['fold']} | {r['train_rows']} | {r['zero_shot']:.4f} | {cells} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(eval_main(sys.argv[1:]))
