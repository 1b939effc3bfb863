"""MetaTree's evaluation protocol on the shared real datasets (``scmforge eval metatree``).

Per dataset, seed and depth: a stratified 70/30 train/test split (seeded); missing values filled
with the training medians; categorical level codes used as numbers; at most 10 features (a fixed
random subset, chosen from the dataset's name, where wider). ``T_max`` trees are each fitted on
256 training rows drawn without replacement (all rows when fewer), the same rows for every
method; an ensemble of T trees averages the first T trees' leaf class shares (soft voting), and
its test accuracy is recorded for every T in ``ensembles``. Methods: MetaTree (a checkpoint
pre-trained on scmforge's synthetic corpus only), scmforge's CART, scmforge's optimal tree, and
scikit-learn's CART as a cross-check of ours. Datasets with more than 10 classes are skipped and
listed. Writes a Markdown report with the accuracy-vs-T plot and a JSON file of every accuracy.

``--baseline FILE`` (an earlier run's JSON, with the same seeds and largest T) adds a section
comparing this run's MetaTree with the baseline's, paired over the datasets both hold, and with
CART; CART's accuracy is taken from the baseline when this run did not fit it, which is exact
because every split and subsample depends only on the dataset and the seed. This is how an
ablation or a new checkpoint is compared with the bundled one at the cost of MetaTree alone.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
import zlib
from typing import Any, Optional

import numpy as np

from scmforge._errors import InvalidInputError

METHODS = ("metatree", "cart", "optimal", "sklearn_cart")
ENSEMBLES = (1, 5, 10, 20, 50, 100)
MAX_FEATURES = 10
ROWS = 256


def default_datasets() -> str:
    """The shared classification datasets folder (``../shared/datasets/classification`` of the repo)."""
    here = os.path.dirname(os.path.realpath(__file__))  # python/scmforge/models in a checkout
    for base in (os.environ.get("SCMFORGE_SHARED", ""), os.path.join(os.getcwd(), "..", "shared"),
                 os.path.join(here, "..", "..", "..", "..", "shared")):
        folder = os.path.realpath(os.path.join(base, "datasets", "classification"))
        if base and os.path.isdir(folder):
            return folder
    raise InvalidInputError("cannot find the shared datasets: pass --datasets FOLDER or set SCMFORGE_SHARED")


def prepare(path: str, seed: int) -> Optional[dict]:
    """Train/test arrays of one dataset and seed, or None when it has more than 10 classes."""
    from sklearn.model_selection import train_test_split

    from scmforge.io import read_csv

    table = read_csv(path)
    X, y = np.asarray(table.X, dtype=np.float64), np.asarray(table.y)
    k = len(table.class_names)
    if k > 10:
        return None
    name = os.path.basename(path).split(".")[0]
    if X.shape[1] > MAX_FEATURES:
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        X = X[:, np.sort(rng.choice(X.shape[1], MAX_FEATURES, replace=False))]
    _, counts = np.unique(y, return_counts=True)
    stratify = y if counts.min() >= 2 else None
    train, test = train_test_split(np.arange(len(y)), test_size=0.3, random_state=seed, stratify=stratify)
    with warnings.catch_warnings():  # a column with no value in the training rows: imputed by 0
        warnings.simplefilter("ignore", RuntimeWarning)
        median = np.nanmedian(X[train], axis=0)
    median = np.where(np.isfinite(median), median, 0.0)
    X = np.where(np.isnan(X), median[None, :], X).astype(np.float32)
    return {"name": name, "X_train": X[train], "y_train": y[train], "X_test": X[test], "y_test": y[test], "k": k}


def _cumulative_accuracy(probas: np.ndarray, y: np.ndarray, ensembles: tuple[int, ...]) -> dict[int, float]:
    """Accuracy of the soft vote of the first T trees, for every T; probas (T_max, n, k)."""
    cumulative = np.cumsum(probas, axis=0)
    return {t: float((cumulative[t - 1].argmax(axis=1) == y).mean()) for t in ensembles if t <= len(probas)}


def _shares(proba: np.ndarray, classes: np.ndarray, k: int) -> np.ndarray:
    """A fitted tree's class probabilities widened to all k classes of the dataset."""
    out = np.zeros((len(proba), k))
    out[:, classes] = proba
    return out


def evaluate_one(data: dict, depth: int, seed: int, checkpoint: Optional[str], t_max: int,
                 optimal_time_limit: float, methods: tuple[str, ...]) -> dict[str, dict[int, float]]:
    """Test accuracy per method and ensemble size for one dataset, seed and depth."""
    from sklearn.tree import DecisionTreeClassifier as SkTree

    from scmforge.models.estimator import MetaTreeClassifier
    from scmforge.tree import DecisionTreeClassifier, OptimalTreeClassifier

    Xtr, ytr, Xte, yte, k = data["X_train"], data["y_train"], data["X_test"], data["y_test"], data["k"]
    meta = MetaTreeClassifier(checkpoint, depth=depth, n_trees=t_max, random_state=seed).fit(Xtr, ytr)
    picks = meta.subsamples_
    ensembles = tuple(t for t in ENSEMBLES if t <= t_max)
    out: dict[str, dict[int, float]] = {}
    if "metatree" in methods:
        out["metatree"] = _cumulative_accuracy(
            np.stack([_shares(p, meta.classes_, k) for p in meta.tree_proba(Xte)]), yte, ensembles)
    makers = {
        "cart": lambda: DecisionTreeClassifier(max_depth=depth, random_state=0),
        "optimal": lambda: OptimalTreeClassifier(max_depth=depth, max_thresholds=64,
                                                 time_limit=optimal_time_limit or None),
        "sklearn_cart": lambda: SkTree(max_depth=depth, random_state=0),
    }
    for method, make in makers.items():
        if method not in methods:
            continue
        probas = []
        for rows in picks:
            single_class = len(np.unique(ytr[rows])) < 2
            if single_class:  # a subsample of one class: its tree predicts that class
                probas.append(np.eye(k)[np.full(len(Xte), ytr[rows][0])])
                continue
            tree = make().fit(Xtr[rows], ytr[rows])
            probas.append(_shares(tree.predict_proba(Xte), np.asarray(tree.classes_, dtype=np.int64), k))
        out[method] = _cumulative_accuracy(np.stack(probas), yte, ensembles)
    return out


def run(out_md: str, checkpoint: Optional[str] = None, datasets: Optional[str] = None, depths: tuple[int, ...] = (2, 3),
        seeds: tuple[int, ...] = (0, 1, 2), t_max: int = 100, limit: Optional[int] = None,
        optimal_time_limit: float = 1.0, methods: tuple[str, ...] = METHODS, quiet: bool = False,
        baseline: Optional[str] = None) -> dict:
    """Runs the protocol and writes ``out_md`` (report), ``<out_md stem>.json`` (every accuracy)
    and ``<out_md stem>.png`` (accuracy vs T). Returns the JSON document. ``baseline``: an
    earlier run's JSON file to compare with (module docstring); checked before anything runs."""
    base = load_baseline(baseline, seeds, t_max) if baseline is not None else None
    unknown = set(methods) - set(METHODS)
    if unknown:
        raise InvalidInputError(f"unknown methods {sorted(unknown)}; known: {', '.join(METHODS)}")
    if "metatree" not in methods:
        raise InvalidInputError("the methods must include metatree (its subsamples are shared by all methods)")
    folder = datasets or default_datasets()
    files = sorted(f for f in os.listdir(folder) if f.endswith((".csv", ".csv.gz")))[:limit]
    if not files:
        raise InvalidInputError(f"no CSV files in {folder!r}")
    results: list[dict[str, Any]] = []
    skipped: list[str] = []
    start = time.perf_counter()
    for file in files:
        for seed in seeds:
            data = prepare(os.path.join(folder, file), seed)
            if data is None:
                skipped.append(file)
                break
            for depth in depths:
                accuracy = {m: {str(t): a for t, a in by_t.items()}  # the keys JSON will have
                            for m, by_t in evaluate_one(data, depth, seed, checkpoint, t_max, optimal_time_limit,
                                                        methods).items()}
                results.append({"dataset": data["name"], "seed": seed, "depth": depth, "classes": data["k"],
                                "majority_share": float(np.bincount(data["y_train"]).max() / len(data["y_train"])),
                                "accuracy": accuracy})
        if not quiet:
            print(f"{file}: done ({time.perf_counter() - start:.0f} s)", file=sys.stderr)
    doc = {"checkpoint": checkpoint or "bundled", "depths": list(depths), "seeds": list(seeds), "t_max": t_max,
           "methods": list(methods), "skipped": skipped, "results": results,
           "seconds": round(time.perf_counter() - start, 1)}
    stem = os.path.splitext(out_md)[0]
    os.makedirs(os.path.dirname(os.path.abspath(out_md)), exist_ok=True)
    with open(stem + ".json", "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
    _plot(doc, stem + ".png")
    with open(out_md, "w", encoding="utf-8") as f:
        f.write(report(doc, os.path.basename(stem) + ".png", base))
    return doc


def load_baseline(path: str, seeds: tuple[int, ...], t_max: int) -> dict:
    """The results document at ``path``, which must come from ``run`` with these seeds and T_max."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        raise InvalidInputError(f"--baseline {path!r}: cannot read it ({e.strerror})") from None
    except json.JSONDecodeError as e:
        raise InvalidInputError(f"--baseline {path!r} is not JSON ({e.msg}, line {e.lineno}); give the .json "
                                "file an earlier `scmforge eval metatree` wrote beside its report") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list) or "metatree" not in doc.get("methods", []):
        raise InvalidInputError(f"--baseline {path!r} holds no MetaTree results; give the .json file an earlier "
                                "`scmforge eval metatree` wrote beside its report")
    if list(doc.get("seeds", [])) != list(seeds) or doc.get("t_max") != t_max:
        raise InvalidInputError(f"--baseline {path!r} was run with seeds {doc.get('seeds')} and --t-max "
                                f"{doc.get('t_max')}, this run with {list(seeds)} and {t_max}; use the same to compare")
    return doc


def against_baseline(doc: dict, base: dict) -> list[str]:
    """Report lines: this run's MetaTree minus the baseline's, and minus CART (this run's, else
    the baseline's), paired over the datasets of each depth both runs hold (seed means first), at
    T = 1 and the largest T; all datasets, then the binary and the 3+-class ones."""
    def key(r: dict) -> tuple:
        return r["dataset"], r["seed"], r["depth"]

    def mean_se(values: dict[str, list[float]], names: list[str]) -> str:
        v = 100 * np.array([np.mean(values[n]) for n in names if n in values])
        if len(v) == 0:
            return "–"
        se = f"{v.std(ddof=1) / np.sqrt(len(v)):.2f}" if len(v) > 1 else "–"  # one dataset: no spread
        return f"{v.mean():+.2f} ({se})"

    theirs = {key(r): r for r in base["results"]}
    t_last = str(doc["t_max"])
    lines = [f"## Against the baseline (checkpoint `{base['checkpoint']}`)", "",
             "Paired over datasets, in pp: mean (standard error); better / worse: datasets where this run's "
             "MetaTree beats / trails the baseline's.", "",
             "| depth | T | datasets | MetaTree - baseline | better / worse | binary | 3+ classes | MetaTree - CART |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for depth in doc["depths"]:
        pairs = [(r, theirs[key(r)]) for r in doc["results"] if r["depth"] == depth and key(r) in theirs]
        if not pairs:
            continue
        for t in ("1", t_last):
            gain: dict[str, list[float]] = {}
            gap: dict[str, list[float]] = {}
            classes: dict[str, int] = {}
            for mine, old in pairs:
                cart = (mine if "cart" in mine["accuracy"] else old)["accuracy"].get("cart")
                gain.setdefault(mine["dataset"], []).append(mine["accuracy"]["metatree"][t] - old["accuracy"]["metatree"][t])
                if cart is not None:
                    gap.setdefault(mine["dataset"], []).append(mine["accuracy"]["metatree"][t] - cart[t])
                classes[mine["dataset"]] = mine["classes"]
            names = sorted(gain)
            per = {n: np.mean(gain[n]) for n in names}
            better, worse = sum(v > 1e-12 for v in per.values()), sum(v < -1e-12 for v in per.values())
            binary = [n for n in names if classes[n] == 2]
            multi = [n for n in names if classes[n] > 2]
            lines.append(f"| {depth} | {t} | {len(names)} | {mean_se(gain, names)} | {better} / {worse} | "
                         f"{mean_se(gain, binary)} | {mean_se(gain, multi)} | {mean_se(gap, names)} |")
    return lines + [""]


def summary(doc: dict, depth: int) -> tuple[dict[str, dict[int, float]], dict[str, dict[int, float]], dict[int, tuple]]:
    """Mean accuracy and mean rank (1 = best, ties averaged) per method and T over the datasets
    (each dataset's accuracy averaged over seeds first), and the paired MetaTree - CART difference
    per T (mean, std, datasets)."""
    from scipy.stats import rankdata

    methods = doc["methods"]
    per: dict[str, dict[str, dict[int, list[float]]]] = {}
    for r in doc["results"]:
        if r["depth"] != depth:
            continue
        for m in methods:
            for t, a in r["accuracy"][m].items():
                per.setdefault(r["dataset"], {}).setdefault(m, {}).setdefault(int(t), []).append(a)
    ts = sorted({t for d in per.values() for m in d.values() for t in m})
    mean = {m: {t: float(np.mean([np.mean(per[d][m][t]) for d in per])) for t in ts} for m in methods}
    rank: dict[str, dict[int, float]] = {m: {} for m in methods}
    diff = {}
    for t in ts:
        table = np.array([[np.mean(per[d][m][t]) for m in methods] for d in per])
        ranks = np.array([rankdata(-row) for row in table])
        for j, m in enumerate(methods):
            rank[m][t] = float(ranks[:, j].mean())
        if "cart" in methods:
            delta = table[:, methods.index("metatree")] - table[:, methods.index("cart")]
            diff[t] = (float(delta.mean()), float(delta.std(ddof=1)) if len(delta) > 1 else 0.0, len(delta))
    return mean, rank, diff


def report(doc: dict, png: str, baseline: Optional[dict] = None) -> str:
    lines = ["# MetaTree on the shared datasets", "",
             f"Checkpoint: `{doc['checkpoint']}`. Seeds {doc['seeds']}, up to {doc['t_max']} trees on {ROWS}-row "
             f"training subsamples, depths {doc['depths']}; {len({r['dataset'] for r in doc['results']})} datasets "
             f"({doc['seconds']:.0f} s). Protocol: `python/scmforge/models/evaluate.py` (module docstring).", ""]
    if doc["skipped"]:
        lines += [f"Skipped (more than 10 classes): {', '.join(doc['skipped'])}.", ""]
    for depth in doc["depths"]:
        mean, rank, diff = summary(doc, depth)
        ts = sorted(next(iter(mean.values())))
        lines += [f"## Depth {depth}", "", "| method | " + " | ".join(f"T={t}" for t in ts) + " |",
                  "|---|" + "---:|" * len(ts)]
        for m in doc["methods"]:
            cells = [f"{100 * mean[m][t]:.2f} ({rank[m][t]:.2f})" for t in ts]
            lines.append(f"| {m} | " + " | ".join(cells) + " |")
        lines += ["", "Mean test accuracy in % (mean rank, 1 = best) over datasets.", ""]
        if diff:
            lines += ["MetaTree - CART, paired over datasets: " + "; ".join(
                f"T={t}: {100 * d[0]:+.2f} pp (std {100 * d[1]:.2f}, {d[2]} datasets)" for t, d in sorted(diff.items())), ""]
    if baseline is not None:
        lines += against_baseline(doc, baseline)
    lines += [f"![accuracy vs T]({png})", ""]
    lines += per_dataset(doc)
    return "\n".join(lines)


def per_dataset(doc: dict) -> list[str]:
    """Per dataset at the smallest depth: classes, majority share and each method's accuracy at
    T = 1 and the largest T (seed means), then binary vs multi-class and balanced vs imbalanced
    (majority share > 0.7) groups: the paper's open question 3."""
    depth = min(doc["depths"])
    rows = [r for r in doc["results"] if r["depth"] == depth]
    t_last = str(max(int(t) for t in rows[0]["accuracy"]["metatree"]))
    names = sorted({r["dataset"] for r in rows})
    methods = doc["methods"]
    table: dict[str, dict[str, float]] = {}
    info: dict[str, tuple[int, float]] = {}
    for name in names:
        mine = [r for r in rows if r["dataset"] == name]
        info[name] = (mine[0]["classes"], float(np.mean([r["majority_share"] for r in mine])))
        table[name] = {f"{m}@{t}": float(np.mean([r["accuracy"][m][t] for r in mine])) for m in methods for t in ("1", t_last)}
    head = " | ".join(f"{m} T=1 | {m} T={t_last}" for m in methods)
    lines = [f"## Per dataset (depth {depth}, accuracy in %, mean over seeds)", "",
             f"| dataset | classes | majority share | {head} |", "|---|---:|---:|" + "---:|" * (2 * len(methods))]
    for name in names:
        cells = " | ".join(f"{100 * table[name][f'{m}@{t}']:.1f}" for m in methods for t in ("1", t_last))
        lines.append(f"| {name} | {info[name][0]} | {info[name][1]:.2f} | {cells} |")
    groups = {"binary": [n for n in names if info[n][0] == 2], "3+ classes": [n for n in names if info[n][0] > 2],
              "majority share <= 0.7": [n for n in names if info[n][1] <= 0.7],
              "majority share > 0.7": [n for n in names if info[n][1] > 0.7]}
    lines += ["", "| group | datasets | " + " | ".join(f"{m} T=1" for m in methods) + " |",
              "|---|---:|" + "---:|" * len(methods)]
    for group, members in groups.items():
        if members:
            cells = " | ".join(f"{100 * np.mean([table[n][f'{m}@1'] for n in members]):.1f}" for m in methods)
            lines.append(f"| {group} | {len(members)} | {cells} |")
    return lines + [""]


def _plot(doc: dict, path: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # the report still lists the numbers
        return
    fig, axes = plt.subplots(1, len(doc["depths"]), figsize=(5 * len(doc["depths"]), 3.6), squeeze=False)
    for ax, depth in zip(axes[0], doc["depths"]):
        mean, _, _ = summary(doc, depth)
        for m in doc["methods"]:
            ts = sorted(mean[m])
            ax.plot(ts, [100 * mean[m][t] for t in ts], marker="o", label=m)
        ax.set_xscale("log")
        ax.set_xlabel("trees in the ensemble (T)")
        ax.set_ylabel("mean test accuracy (%)")
        ax.set_title(f"depth {depth}")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def synthetic_fidelity(checkpoint: Optional[str] = None, batches: int = 8, stride: int = 48, seed: int = 12345,
                       depth: int = 2, **corpus_options: Any) -> dict:
    """Whether a model has learnt its training task: on examples of the synthetic corpus drawn
    with ``seed`` (not a training seed), the share whose root split feature is the target tree's,
    and the mean training accuracy (leaf majority, on the example's own rows and labels) of the
    depth-``depth`` tree the model writes, of the target tree, and of the majority class; overall
    and, under ``by_classes``, per group of examples by the classes holding at least 5 % of their
    input labels ("1-2", "3-4", "5+"; a group with no example is left out). ``corpus_options`` are
    ``MetaTreeStream``'s (labels, binary_prob, ...)."""
    from scmforge.models.estimator import BUNDLED_CHECKPOINT
    from scmforge.models.metatree import generate_splits, load_model
    from scmforge.torch import MetaTreeStream

    model, _ = load_model(checkpoint or BUNDLED_CHECKPOINT)
    stream = MetaTreeStream(stride=stride, seed=seed, threads=1, depth=depth, **corpus_options)
    root, written, target, majority, classes = [], [], [], [], []
    for b in range(batches):
        batch = stream.batch(b)
        if batch["x"].shape[0] == 0:
            continue
        feature, threshold, _ = generate_splits(model, batch["x"], batch["y_onehot"], batch["feature_mask"], depth)
        for e in range(batch["x"].shape[0]):
            rows = batch["row_mask"][e].numpy()
            x, y = batch["x"][e].numpy()[rows].astype(np.float64), batch["y"][e].numpy()[rows]
            root.append(int(feature[e, 0]) == int(batch["split_feature"][e, 0]))
            written.append(_tree_accuracy(x, y, feature[e].numpy(), threshold[e].numpy(), depth))
            target.append(_tree_accuracy(x, y, batch["split_feature"][e].numpy(), batch["split_threshold"][e].numpy(),
                                         depth))
            counts = np.bincount(y)
            majority.append(counts.max() / len(y))
            classes.append(int((counts >= 0.05 * len(y)).sum()))
    if not root:
        raise InvalidInputError("the corpus stream gave no examples; raise batches or stride")
    columns = {"root_feature_agreement": root, "written_tree_accuracy": written, "target_tree_accuracy": target,
               "majority_accuracy": majority}

    def summary(keep: np.ndarray) -> dict:
        return {"examples": int(keep.sum()), **{k: float(np.mean(np.asarray(v)[keep])) for k, v in columns.items()}}

    classes = np.asarray(classes)
    groups = {"1-2": classes <= 2, "3-4": (classes >= 3) & (classes <= 4), "5+": classes >= 5}
    return {**summary(np.ones(len(classes), dtype=bool)),
            "by_classes": {name: summary(keep) for name, keep in groups.items() if keep.any()}}


def _tree_accuracy(x: np.ndarray, y: np.ndarray, feature: np.ndarray, threshold: np.ndarray, depth: int) -> float:
    """Training accuracy of a breadth-first complete tree (node s has children 2s+1, 2s+2;
    feature -1: a leaf) whose leaves predict their rows' majority label."""
    n, slots = len(y), len(feature)
    node = np.zeros(n, dtype=np.int64)
    for _ in range(depth):
        inner = node < slots
        feat = np.where(inner, feature[np.minimum(node, slots - 1)], -1)
        split = feat >= 0
        left = x[np.arange(n), np.maximum(feat, 0)] <= threshold[np.minimum(node, slots - 1)]
        node = np.where(split, np.where(left, 2 * node + 1, 2 * node + 2), node)
    return sum(np.bincount(y[node == leaf]).max() for leaf in np.unique(node)) / n


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scmforge eval metatree", description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", help="MetaTree checkpoint (default: the bundled one)")
    parser.add_argument("--datasets", help="folder of CSV files, target last (default: the shared datasets)")
    parser.add_argument("--depths", type=int, nargs="+", default=[2, 3])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--t-max", type=int, default=100, help="largest ensemble")
    parser.add_argument("--limit", type=int, help="only the first N datasets (alphabetical)")
    parser.add_argument("--optimal-time-limit", type=float, default=1.0, help="seconds per optimal tree (0: none)")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--out", default="docs/results/metatree.md", help="Markdown report (.json and .png beside it)")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--baseline", metavar="JSON",
                        help="an earlier run's JSON (same seeds and --t-max), e.g. docs/results/metatree.json: "
                             "adds MetaTree vs that run's MetaTree and CART, paired over datasets")
    parser.add_argument("--synthetic", type=int, metavar="BATCHES",
                        help="instead of the real datasets: how well the model writes its training targets on "
                             "BATCHES held-out batches of the synthetic corpus (prints JSON)")
    args = parser.parse_args(argv)
    if args.synthetic is not None:
        if args.synthetic < 1:
            raise InvalidInputError(f"--synthetic needs at least 1 batch, got {args.synthetic}")
        print(json.dumps(synthetic_fidelity(args.checkpoint, batches=args.synthetic), indent=1))
        return 0
    if args.t_max < 1 or any(d < 1 for d in args.depths):
        raise InvalidInputError("--t-max and --depths must be >= 1")
    run(args.out, args.checkpoint, args.datasets, tuple(args.depths), tuple(args.seeds), args.t_max, args.limit,
        args.optimal_time_limit, tuple(args.methods), args.quiet, args.baseline)
    with open(args.out, encoding="utf-8") as f:
        print(f.read())
    return 0
