"""Where MetaTree's trees lose to CART: the choice of feature, or of threshold?

Writes single trees (T=1) for every shared table and seed of the evaluation protocol
(``scmforge.models.evaluate.prepare``, the first 256-row subsample of ``MetaTreeClassifier``, so
the ``cart`` T=1 numbers of an ``eval metatree`` report are on the same rows) with the model's
split choice replaced in part by CART's criterion:

* ``model``: the model's splits, as ``MetaTreeClassifier`` writes them;
* ``threshold``: the model's feature, the Gini-best threshold on it;
* ``feature``: the Gini-best feature, the model's best cell within it as the threshold;
* ``cart``: the Gini-best feature and threshold (CART's greedy split; a check of this script);
* ``permutations=P``: the model's logits averaged over P random permutations of the rows, the
  real features and the present classes (the first is the identity), then the argmax cell;
* ``ranks``: the checkpoint's weights run as a model of ``inputs="ranks"``: it reads each
  feature's mid-ranks among the node's rows instead of its values (``MetaTreeConfig``), although
  it was trained on values; ``mixed``: likewise as a model of ``inputs="mixed"`` (ranks for the
  features of many levels in the node, values for the others);
* ``outliers``: the model reads each feature after the corpus's outlier step over the node's rows
  (TabPFN's: 4-sigma bounds from the inliers of a first 4-sigma cut, log-compressed beyond them;
  ``src/prior/postprocess.cpp``), so real features' tails end as the corpus's do;
* ``center``: the model's feature, and as the threshold the centre of the model's bump on it
  instead of its peak: the weighted median value of the feature's cells whose probability is at
  least half the feature's largest, weighted by their probabilities (``bump_center``).

Each mode is a wrapper that returns cell scores where the model returns logits, so the trees are
generated, completed and applied exactly as the estimator's. Prints each mode against CART (pp,
paired over the tables, standard error in brackets; binary and 3+-class tables apart) and writes
the accuracies as JSON. Then compares the tables' features with the corpus's: the share of
two-valued features, and how heavy the others' tails are (the largest |z-score| per feature).

    .venv/bin/python scripts/metatree_splits.py --baseline docs/results/metatree.json \
        --modes model,threshold,feature --out runs/splits.json
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import json
import os
import sys

import numpy as np
import torch

from scmforge.models.estimator import MetaTreeClassifier
from scmforge.models.evaluate import _shares, default_datasets, prepare


def cell_gini(x: torch.Tensor, y_onehot: torch.Tensor, status: torch.Tensor, feature_mask: torch.Tensor) -> torch.Tensor:
    """Weighted Gini impurity (rows x impurity, summed over both sides) of the split that sends the
    node's rows with ``x[:, :, f] <= x[b, i, f]`` left, per cell (B, N, F); inf where the cell is
    not a node row, not a real feature, or holds its feature's largest value (no row goes right)."""
    w = y_onehot * status[..., None]
    below = (x[:, None, :, :] <= x[:, :, None, :]).to(w.dtype)  # [b, i, k, f]: x_kf <= x_if
    left = torch.einsum("bikf,bkc->bifc", below, w)
    right = w.sum(1)[:, None, None, :] - left
    nl, nr = left.sum(-1), right.sum(-1)
    gini = nl - (left**2).sum(-1) / nl.clamp(min=1) + nr - (right**2).sum(-1) / nr.clamp(min=1)
    valid = status[..., None] & feature_mask[:, None, :] & (nr > 0)
    return torch.where(valid, gini, torch.full_like(gini, float("inf")))


def soft_outliers(x: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
    """The corpus's outlier step (``soft_outliers`` in src/prior/postprocess.cpp) per feature over
    ``rows`` (B, N) of each example: bounds at 4 standard deviations (n - 1) around the mean of the
    values within 4 standard deviations of the mean; values beyond are log-compressed."""
    x = x.to(torch.float64)

    def stats(keep: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        w = keep.to(x.dtype)
        n = w.sum(1, keepdim=True)
        mean = (x * w).sum(1, keepdim=True) / n.clamp(min=1)
        var = ((x - mean) ** 2 * w).sum(1, keepdim=True) / (n - 1).clamp(min=1)
        return mean, torch.where(n > 1, var.sqrt(), torch.zeros_like(var))

    inside = rows[..., None].expand_as(x)
    mean, std = stats(inside)
    mean, std = stats(inside & ((x - mean).abs() <= 4 * std))
    x = torch.maximum(-torch.log1p(x.abs()) + mean - 4 * std, x)
    x = torch.minimum(torch.log1p(x.abs()) + mean + 4 * std, x)
    return x.to(torch.float32)


def bump_center(x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """Scores (B, N, F), 0 at one cell per example and -inf elsewhere: in the feature of the
    argmax cell, the cell at the weighted median value of the cells whose probability is at least
    half of that feature's largest, weighted by their probabilities (the first such cell in the
    rows' order where values tie)."""
    b, n, f = x.shape
    chosen = logits.flatten(1).argmax(1) % f
    column = logits[torch.arange(b), :, chosen]  # (B, N)
    p = torch.sigmoid(column.double())
    w = torch.where(p >= p.amax(1, keepdim=True) / 2, p, torch.zeros_like(p))
    values = x[torch.arange(b), :, chosen].double()
    order = values.argsort(dim=1, stable=True)
    cum = w.gather(1, order).cumsum(1)
    at = order.gather(1, (cum < cum[:, -1:] / 2).sum(1, keepdim=True))[:, 0]
    scores = torch.full_like(logits, -torch.inf)
    scores[torch.arange(b), at, chosen] = 0.0
    return scores


class Guided:
    """A MetaTree model whose logits are replaced, in part, by CART's criterion (see the module doc)."""

    MODES = ("model", "threshold", "feature", "cart", "ranks", "mixed", "outliers", "center")

    def __init__(self, model: torch.nn.Module, mode: str, seed: int = 0) -> None:
        if mode not in self.MODES and not mode.startswith("permutations="):
            raise ValueError(f"unknown mode {mode!r}; known: {', '.join(self.MODES)}, permutations=P")
        if mode in ("ranks", "mixed"):  # the same weights, read as a model of those inputs
            model.config = dataclasses.replace(model.config, inputs=mode)
        self.model, self.config, self.mode, self.seed = model, model.config, mode, seed

    def __call__(self, x: torch.Tensor, y_onehot: torch.Tensor, status: torch.Tensor,
                 feature_mask: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            if self.mode.startswith("permutations="):
                return self._permuted(x, y_onehot, status, feature_mask, int(self.mode.split("=")[1]))
            if self.mode == "outliers":
                x = soft_outliers(x, status)
            logits = None if self.mode == "cart" else self.model(x, y_onehot, status, feature_mask)
            if self.mode in ("model", "ranks", "mixed", "outliers"):
                return logits
            if self.mode == "center":
                return bump_center(x, logits)
            gini = cell_gini(x.to(torch.float64), y_onehot.to(torch.float64), status, feature_mask)
            if self.mode == "cart":
                return -gini
            columns = torch.arange(x.shape[2])[None, None, :]
            if self.mode == "threshold":
                chosen = logits.flatten(1).argmax(1) % x.shape[2]
                return torch.where(columns == chosen[:, None, None], -gini, torch.full_like(gini, -torch.inf))
            chosen = gini.flatten(1).argmin(1) % x.shape[2]  # "feature"
            return torch.where(columns == chosen[:, None, None], logits, torch.full_like(logits, -torch.inf))

    def _permuted(self, x: torch.Tensor, y_onehot: torch.Tensor, status: torch.Tensor, feature_mask: torch.Tensor,
                  count: int) -> torch.Tensor:
        b, n, f = x.shape
        if b != 1:
            raise ValueError("permutations: one tree at a time (n_trees=1)")
        gen = torch.Generator().manual_seed(self.seed)
        width = int(feature_mask[0].sum())
        classes = int(y_onehot[0].sum(0).nonzero().max()) + 1
        out = torch.zeros((b, n, f))
        for p in range(count):
            rows, feats, labels = torch.arange(n), torch.arange(f), torch.arange(y_onehot.shape[-1])
            if p:
                rows = torch.randperm(n, generator=gen)
                feats[:width] = torch.randperm(width, generator=gen)
                labels[:classes] = torch.randperm(classes, generator=gen)
            logits = self.model(x[:, rows][:, :, feats], y_onehot[:, rows][:, :, labels], status[:, rows],
                                feature_mask[:, feats])
            back = torch.empty_like(logits)
            back[:, rows[:, None], feats[None, :]] = logits
            out += back / count
        return out


class GuidedClassifier(MetaTreeClassifier):
    """``MetaTreeClassifier`` writing its trees with a ``Guided`` model."""

    def __init__(self, checkpoint=None, depth=2, mode="model", random_state=None):
        super().__init__(checkpoint, depth=depth, n_trees=1, random_state=random_state)
        self.mode = mode

    def _model(self):
        return Guided(super()._model(), self.mode, seed=1000 + (self.random_state or 0))


def two_valued(X: np.ndarray) -> list[bool]:
    """Per column of X: whether it holds two values or fewer."""
    return [len(np.unique(X[:, j])) <= 2 for j in range(X.shape[1])]


def max_abs_z(X: np.ndarray) -> list[float]:
    """Per column of X holding more than two values: the largest |z-score| (how far its furthest
    value lies from the mean, in standard deviations)."""
    z = [(X[:, j] - X[:, j].mean()) / max(X[:, j].std(), 1e-12) for j, two in enumerate(two_valued(X)) if not two]
    return [float(np.abs(c).max()) for c in z]


def corpus_tables(batches: int = 6, stride: int = 48, seed: int = 12345):
    """The feature matrices (rows x real features) of held-out examples of the corpus stream (``MetaTreeStream``'s defaults)."""
    from scmforge.torch import MetaTreeStream

    stream = MetaTreeStream(stride=stride, seed=seed, threads=1, depth=2)
    for b in range(batches):
        batch = stream.batch(b)
        for e in range(batch["x"].shape[0]):
            x = batch["x"][e].numpy()[batch["row_mask"][e].numpy()]
            yield x[:, batch["feature_mask"][e].numpy().astype(bool)]


def summary(doc: dict, cart: dict, shares: dict) -> list[str]:
    """Each mode against CART: overall, binary / 3+-class tables, and tables whose features all / some /
    none hold two values."""
    names, seeds = sorted(doc["classes"]), doc["seeds"]
    k = np.array([doc["classes"][n] for n in names])
    two = np.array([shares[n] for n in names])
    groups = (("binary", k == 2), ("3+ classes", k > 2), ("all features two-valued", two == 1),
              ("some", (two > 0) & (two < 1)), ("none", two == 0))
    lines = ["tables: " + ", ".join(f"{g} {m.sum()}" for g, m in groups)]
    for mode, acc in doc["accuracy"].items():
        gap = np.array([100 * np.mean([acc[f"{n}|{s}"] - cart[(n, s)] for s in seeds]) for n in names])
        lines.append(f"{mode:16s} - CART: {gap.mean():+.2f} ({gap.std(ddof=1) / np.sqrt(len(gap)):.2f}) pp; "
                     + ", ".join(f"{g} {gap[m].mean():+.2f}" for g, m in groups))
    return lines


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", default=None, help="MetaTree checkpoint (default: the bundled one)")
    p.add_argument("--baseline", required=True, help="an `eval metatree` report JSON with the cart method")
    p.add_argument("--modes", default="model,threshold,feature")
    p.add_argument("--depth", type=int, default=2)
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--datasets", default=None, help="folder of tables (default: the shared classification tables)")
    p.add_argument("--out", required=True, help="JSON of the accuracies (with --summary: read, not written)")
    p.add_argument("--summary", action="store_true", help="only print the summary of an existing --out")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    with open(a.baseline) as f:
        base = json.load(f)
    paths = sorted(glob.glob(os.path.join(a.datasets or default_datasets(), "*.csv*")))
    if a.summary:
        with open(a.out) as f:
            doc = json.load(f)
    else:
        doc = {"checkpoint": a.checkpoint, "depth": a.depth, "seeds": [int(s) for s in a.seeds.split(",")],
               "classes": {}, "accuracy": {m: {} for m in a.modes.split(",")}}
        for path in paths:
            for seed in doc["seeds"]:
                d = prepare(path, seed)
                if d is None:
                    continue
                doc["classes"][d["name"]] = d["k"]
                for mode, acc in doc["accuracy"].items():
                    clf = GuidedClassifier(a.checkpoint, a.depth, mode, seed).fit(d["X_train"], d["y_train"])
                    proba = _shares(clf.tree_proba(d["X_test"])[0], clf.classes_, d["k"])
                    acc[f"{d['name']}|{seed}"] = float((proba.argmax(1) == d["y_test"]).mean())
        with open(a.out, "w") as f:
            json.dump(doc, f, indent=1, sort_keys=True)
    cart = {(r["dataset"], r["seed"]): r["accuracy"]["cart"]["1"] for r in base["results"] if r["depth"] == doc["depth"]}
    tables = [d for d in (prepare(path, 0) for path in paths) if d is not None and d["name"] in doc["classes"]]
    flags = {d["name"]: two_valued(d["X_train"]) for d in tables}
    print("\n".join(summary(doc, cart, {n: float(np.mean(f)) for n, f in flags.items()})))
    corpus = list(corpus_tables())
    print(f"two-valued features: {np.mean(sum(flags.values(), [])):.1%} of the tables' (seed-0 training rows), "
          f"{np.mean(sum((two_valued(x) for x in corpus), [])):.1%} of the corpus's (6 batches of 48 held-out examples)")
    tails = {"tables": sum((max_abs_z(d["X_train"][:256]) for d in tables), []),
             "corpus": sum((max_abs_z(x) for x in corpus), [])}
    print("largest |z| of a feature of 3+ values, quantiles 50 / 75 / 90 %: " + "; ".join(
        f"{k} {' / '.join(f'{q:.1f}' for q in np.percentile(v, [50, 75, 90]))} ({len(v)} features)"
        for k, v in tails.items()) + " (tables: the first 256 seed-0 training rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
