"""Fidelity of synthetic rows to a real table: marginals, dependences, detection, utility.

>>> from scmforge.eval import fidelity, write_report
>>> result = fidelity(real, synth, target="class", seed=0)
>>> result["detection_auc"], result["marginal"]["mean_ks"], result["tstr"]["accuracy"]
>>> write_report(result, real, synth, "report.md")          # Markdown + PNG plots beside it

Metrics (docs/augment.md):

- **marginal**: per column, the Kolmogorov-Smirnov statistic (numeric columns) or the total
  variation distance between level frequencies (categorical columns); 0 is identical.
- **dependence**: per pair of columns an association in [0, 1] on each table, |Pearson r| for
  two numeric columns, Cramer's V for two categorical ones, the correlation ratio eta for a
  mixed pair; the report gives the mean and largest absolute difference between the tables.
- **detection_auc**: ROC-AUC of a gradient-boosted classifier telling real from synthetic rows
  (5-fold cross-validation on equal numbers of each; 0.5 is indistinguishable, 1 is trivially
  told apart).
- **tstr / trtr** (with a target): train on synthetic, test on real (TSTR), against train on
  real, test on real (TRTR, a held-out split of the real table); accuracy and ROC-AUC
  (macro one-vs-rest for several classes). The TSTR model is tested on the same held-out rows.
- **dcr** (with a holdout): memorisation. Distance from each synthetic row to the closest real
  (training) row, against the same distance for the unseen holdout rows, on standardised numeric
  columns and one-hot categories. The medians, and the share of synthetic rows that copy a
  training row exactly. Synthetic rows much closer to the training rows than unseen real rows
  are would be memorised ones.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Optional

import numpy as np

from scmforge._errors import InvalidInputError
from scmforge.io import is_categorical, write_text_atomically

__all__ = ["fidelity", "write_report"]


def _pandas():
    import pandas as pd

    return pd


def _frames(real: Any, synth: Any) -> tuple[Any, Any]:
    pd = _pandas()
    if not isinstance(real, pd.DataFrame):
        real = pd.DataFrame(np.asarray(real))
    if not isinstance(synth, pd.DataFrame):
        synth = pd.DataFrame(np.asarray(synth), columns=real.columns)
    if list(real.columns) != list(synth.columns):
        raise InvalidInputError(f"the tables have different columns: {list(real.columns)} and "
                                f"{list(synth.columns)}")
    if len(real) < 2 or len(synth) < 2:
        raise InvalidInputError(f"fidelity needs at least 2 rows in each table, got {len(real)} "
                                f"and {len(synth)}")
    return real.reset_index(drop=True), synth.reset_index(drop=True)


def _ks(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic: the largest gap between the empirical CDFs."""
    a, b = np.sort(a[~np.isnan(a)]), np.sort(b[~np.isnan(b)])
    if len(a) == 0 or len(b) == 0:
        return 1.0
    grid = np.concatenate([a, b])
    fa = np.searchsorted(a, grid, side="right") / len(a)
    fb = np.searchsorted(b, grid, side="right") / len(b)
    return float(np.max(np.abs(fa - fb)))


def _tv(a: Any, b: Any) -> float:
    pa = a.astype(str).value_counts(normalize=True)
    pb = b.astype(str).value_counts(normalize=True)
    levels = pa.index.union(pb.index)
    return float(0.5 * np.abs(pa.reindex(levels, fill_value=0) - pb.reindex(levels, fill_value=0)).sum())


def _cramers_v(a: Any, b: Any) -> float:
    pd = _pandas()
    table = pd.crosstab(a.astype(str), b.astype(str)).to_numpy(dtype=float)
    n = table.sum()
    if n == 0 or min(table.shape) < 2:
        return 0.0
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / n
    chi2 = float(((table - expected) ** 2 / np.where(expected > 0, expected, 1)).sum())
    return math.sqrt(chi2 / (n * (min(table.shape) - 1)))


def _eta(categories: Any, values: np.ndarray) -> float:
    """Correlation ratio: the share of the variance of values explained by the categories."""
    ok = ~np.isnan(values)
    values, cats = values[ok], categories[ok].astype(str).to_numpy()
    total = float(((values - values.mean()) ** 2).sum())
    if total == 0:
        return 0.0
    between = 0.0
    for c in np.unique(cats):
        v = values[cats == c]
        between += len(v) * (v.mean() - values.mean()) ** 2
    return math.sqrt(between / total)


def _association(frame: Any, categorical: dict) -> np.ndarray:
    cols = list(frame.columns)
    d = len(cols)
    out = np.eye(d)
    for i in range(d):
        for j in range(i + 1, d):
            a, b = frame[cols[i]], frame[cols[j]]
            if categorical[cols[i]] and categorical[cols[j]]:
                v = _cramers_v(a, b)
            elif categorical[cols[i]]:
                v = _eta(a, b.to_numpy(dtype=float))
            elif categorical[cols[j]]:
                v = _eta(b, a.to_numpy(dtype=float))
            else:
                x, y = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
                ok = ~(np.isnan(x) | np.isnan(y))
                sx, sy = x[ok].std(), y[ok].std()
                v = 0.0 if sx == 0 or sy == 0 else abs(float(np.corrcoef(x[ok], y[ok])[0, 1]))
            out[i, j] = out[j, i] = v
    return out


def _design(frames: list, categorical: dict, exclude: Optional[str] = None) -> list:
    """Numeric design matrices of several tables with shared one-hot columns."""
    pd = _pandas()
    cols = [c for c in frames[0].columns if c != exclude]
    joined = pd.concat([f[cols] for f in frames], keys=range(len(frames)))
    parts = []
    for c in cols:
        if categorical[c]:
            parts.append(pd.get_dummies(joined[c].astype(str), prefix=str(c), dtype=float))
        else:
            parts.append(joined[c].astype(float).to_frame())
    matrix = pd.concat(parts, axis=1)
    return [matrix.xs(k).to_numpy(dtype=float) for k in range(len(frames))]


def _auc(y_true: np.ndarray, proba: np.ndarray, classes: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    present = np.unique(y_true)
    if len(present) < 2:
        return float("nan")
    if len(classes) == 2:
        return float(roc_auc_score(y_true == classes[1], proba[:, 1]))
    cols = [list(classes).index(c) for c in present]
    p = proba[:, cols]
    p = p / np.clip(p.sum(1, keepdims=True), 1e-12, None)
    return float(roc_auc_score(y_true, p, multi_class="ovr", labels=present))


def fidelity(real: Any, synth: Any, target: Optional[str] = None, seed: int = 0,
             test_size: float = 0.3, holdout: Any = None) -> dict:
    """Fidelity metrics of ``synth`` against ``real`` (same columns; module docstring).
    ``target`` adds TSTR / TRTR, tested on ``holdout`` (real rows the generator never saw; TRTR
    then trains on all of ``real``) or else on a ``test_size`` split of ``real`` (which the
    generator may have seen). Deterministic given ``seed``."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_predict, train_test_split

    real, synth = _frames(real, synth)
    if target is not None and target not in real.columns:
        raise InvalidInputError(f"target {target!r} is not a column; the columns are {list(real.columns)}")
    if not 0 < test_size < 1:
        raise InvalidInputError(f"test_size must be in (0, 1), got {test_size}")
    categorical = {c: is_categorical(real[c]) or is_categorical(synth[c]) for c in real.columns}
    if target is not None:
        categorical[target] = True  # class labels, whatever their dtype
    marginal = {}
    for c in real.columns:
        if categorical[c]:
            marginal[c] = {"metric": "tv", "value": _tv(real[c], synth[c])}
        else:
            marginal[c] = {"metric": "ks",
                           "value": _ks(real[c].to_numpy(dtype=float), synth[c].to_numpy(dtype=float))}
    ks = [m["value"] for m in marginal.values() if m["metric"] == "ks"]
    tv = [m["value"] for m in marginal.values() if m["metric"] == "tv"]
    assoc_real, assoc_synth = _association(real, categorical), _association(synth, categorical)
    diff = np.abs(assoc_real - assoc_synth)
    off = ~np.eye(len(real.columns), dtype=bool)
    out: dict = {
        "rows_real": len(real), "rows_synth": len(synth), "columns": list(map(str, real.columns)),
        "marginal": {"columns": marginal, "mean_ks": float(np.mean(ks)) if ks else None,
                     "mean_tv": float(np.mean(tv)) if tv else None},
        "dependence": {"real": assoc_real.tolist(), "synth": assoc_synth.tolist(),
                       "mean_abs_diff": float(diff[off].mean()) if off.any() else 0.0,
                       "max_abs_diff": float(diff[off].max()) if off.any() else 0.0},
    }
    # Detection: equal numbers of real and synthetic rows, 5-fold cross-validated ROC-AUC.
    rng = np.random.default_rng(seed)
    m = min(len(real), len(synth))
    real_rows = real.iloc[np.sort(rng.choice(len(real), m, replace=False))]
    synth_rows = synth.iloc[np.sort(rng.choice(len(synth), m, replace=False))]
    xr, xs = _design([real_rows, synth_rows], categorical)
    x = np.vstack([xr, xs])
    label = np.r_[np.zeros(m), np.ones(m)]
    folds = min(5, m)
    if folds >= 2:
        clf = HistGradientBoostingClassifier(max_iter=100, random_state=seed)
        proba = cross_val_predict(clf, x, label, cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
                                  method="predict_proba")[:, 1]
        from sklearn.metrics import roc_auc_score

        out["detection_auc"] = float(roc_auc_score(label, proba))
    else:
        out["detection_auc"] = None
    if holdout is not None:
        holdout = _frames(real, holdout)[1]
        out["dcr"] = _dcr(real, synth, holdout, categorical)
    if target is not None:
        out.update(_utility(real, synth, target, categorical, seed, test_size,
                            HistGradientBoostingClassifier, train_test_split, holdout))
    return out


def _dcr(real: Any, synth: Any, holdout: Any, categorical: dict) -> dict:
    from sklearn.neighbors import NearestNeighbors

    x_real, x_synth, x_hold = _design([real, synth, holdout], categorical)
    mean, std = x_real.mean(0), x_real.std(0)
    std[std == 0] = 1.0
    x_real, x_synth, x_hold = ((m - mean) / std for m in (x_real, x_synth, x_hold))
    nn = NearestNeighbors(n_neighbors=1).fit(x_real)
    d_synth = nn.kneighbors(x_synth)[0][:, 0]
    d_hold = nn.kneighbors(x_hold)[0][:, 0]
    return {"synth_median": float(np.median(d_synth)), "holdout_median": float(np.median(d_hold)),
            "synth_exact_copies": float((d_synth < 1e-9).mean()),
            "holdout_exact_copies": float((d_hold < 1e-9).mean())}


def _utility(real: Any, synth: Any, target: str, categorical: dict, seed: int, test_size: float,
             model: Any, split: Any, holdout: Any) -> dict:
    if holdout is None:
        y_all = real[target].astype(str).to_numpy()
        counts = {c: int((y_all == c).sum()) for c in np.unique(y_all)}
        stratify = y_all if min(counts.values()) >= 2 else None
        train_idx, test_idx = split(np.arange(len(real)), test_size=test_size, random_state=seed,
                                    stratify=stratify)
        train, test = real.iloc[train_idx], real.iloc[test_idx]
    else:
        train, test = real, holdout
    y_train = train[target].astype(str).to_numpy()
    y_test = test[target].astype(str).to_numpy()
    y_synth = synth[target].astype(str).to_numpy()
    x_train, x_test, x_synth = _design([train, test, synth], categorical, exclude=target)
    result = {}
    for name, (x, y) in {"trtr": (x_train, y_train), "tstr": (x_synth, y_synth)}.items():
        if len(np.unique(y)) < 2:
            result[name] = {"accuracy": None, "roc_auc": None, "note": "one class in the training rows"}
            continue
        clf = model(max_iter=100, random_state=seed).fit(x, y)
        proba = clf.predict_proba(x_test)
        pred = clf.classes_[np.argmax(proba, axis=1)]
        result[name] = {"accuracy": float((pred == y_test).mean()),
                        "roc_auc": _auc(y_test, proba, clf.classes_)}
    result["utility_rows"] = {"train_real": len(train), "test_real": len(test),
                              "train_synth": len(synth), "holdout": holdout is not None}
    return result


def write_report(result: dict, real: Any, synth: Any, path: Any) -> Path:
    """Writes a Markdown report of ``result`` (from :func:`fidelity`) to ``path`` and its PNG
    plots (marginals, dependence heat-maps) beside it, as ``<stem>_*.png``. Needs matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - matplotlib is in the dev requirements
        raise InvalidInputError("write_report needs matplotlib (pip install 'scmforge[plot]')") from e
    real, synth = _frames(real, synth)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    stem = path.stem
    cols = result["columns"]
    # Marginals: a histogram or bar pair per column, up to 4 per row.
    k = len(cols)
    per_row = min(4, k)
    rows = math.ceil(k / per_row)
    fig, axes = plt.subplots(rows, per_row, figsize=(3.2 * per_row, 2.6 * rows), squeeze=False)
    for ax, c in zip(axes.flat, cols):
        metric = result["marginal"]["columns"][c]
        if metric["metric"] == "tv":
            pr = real[c].astype(str).value_counts(normalize=True)
            ps = synth[c].astype(str).value_counts(normalize=True)
            levels = list(pr.index.union(ps.index))[:20]
            pos = np.arange(len(levels))
            ax.bar(pos - 0.2, pr.reindex(levels, fill_value=0), 0.4, label="real")
            ax.bar(pos + 0.2, ps.reindex(levels, fill_value=0), 0.4, label="synthetic")
            ax.set_xticks(pos, levels, rotation=45, fontsize=6)
        else:
            a, b = real[c].to_numpy(dtype=float), synth[c].to_numpy(dtype=float)
            bins = np.histogram_bin_edges(np.concatenate([a[~np.isnan(a)], b[~np.isnan(b)]]), bins=30)
            ax.hist(a, bins=bins, alpha=0.5, density=True, label="real")
            ax.hist(b, bins=bins, alpha=0.5, density=True, label="synthetic")
        ax.set_title(f"{c} ({metric['metric']} {metric['value']:.3f})", fontsize=8)
    for ax in list(axes.flat)[k:]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=6)
    fig.tight_layout()
    marg_png = path.with_name(f"{stem}_marginals.png")
    fig.savefig(marg_png, dpi=90)
    plt.close(fig)
    fig, axes = plt.subplots(1, 3, figsize=(12, 4))
    mats = [np.array(result["dependence"]["real"]), np.array(result["dependence"]["synth"])]
    mats.append(np.abs(mats[0] - mats[1]))
    for ax, mat, title in zip(axes, mats, ["real", "synthetic", "|difference|"]):
        im = ax.imshow(mat, vmin=0, vmax=1, cmap="viridis")
        ax.set_title(title)
        ax.set_xticks(range(k), cols, rotation=90, fontsize=6)
        ax.set_yticks(range(k), cols, fontsize=6)
    fig.colorbar(im, ax=axes, shrink=0.8)
    dep_png = path.with_name(f"{stem}_dependence.png")
    fig.savefig(dep_png, dpi=90)
    plt.close(fig)

    def fmt(v: Any) -> str:
        return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3f}"

    lines = ["# Fidelity report", "",
             f"{result['rows_real']} real rows, {result['rows_synth']} synthetic rows, "
             f"{len(cols)} columns.", "",
             "| metric | value | ideal |", "|---|---:|---:|",
             f"| mean KS (numeric marginals) | {fmt(result['marginal']['mean_ks'])} | 0 |",
             f"| mean TV (categorical marginals) | {fmt(result['marginal']['mean_tv'])} | 0 |",
             f"| mean abs. dependence difference | {fmt(result['dependence']['mean_abs_diff'])} | 0 |",
             f"| max abs. dependence difference | {fmt(result['dependence']['max_abs_diff'])} | 0 |",
             f"| detection ROC-AUC | {fmt(result['detection_auc'])} | 0.5 |"]
    if "tstr" in result:
        for name in ("trtr", "tstr"):
            lines.append(f"| {name.upper()} accuracy | {fmt(result[name]['accuracy'])} | TRTR |")
            lines.append(f"| {name.upper()} ROC-AUC | {fmt(result[name]['roc_auc'])} | TRTR |")
    if "dcr" in result:
        d = result["dcr"]
        lines.append(f"| median distance to closest real row, synthetic / unseen real | "
                     f"{d['synth_median']:.3f} / {d['holdout_median']:.3f} | similar |")
        lines.append(f"| synthetic rows copying a real row | {d['synth_exact_copies']:.3f} | "
                     f"{d['holdout_exact_copies']:.3f} (unseen real) |")
    lines += ["", "## Marginals", "", "| column | metric | value |", "|---|---|---:|"]
    for c in cols:
        m = result["marginal"]["columns"][c]
        lines.append(f"| {c} | {m['metric'].upper()} | {m['value']:.3f} |")
    lines += ["", f"![marginals]({marg_png.name})", "", "## Dependences", "",
              "Association per pair (|Pearson r|, Cramer's V, or the correlation ratio), real, "
              "synthetic and their difference:", "", f"![dependence]({dep_png.name})", ""]
    write_text_atomically(path, "\n".join(lines))
    return path
