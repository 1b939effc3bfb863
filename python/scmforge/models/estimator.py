"""MetaTreeClassifier: scikit-learn style trees written by a pre-trained MetaTree model."""

from __future__ import annotations

import json
import os
from typing import Any, Optional

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from scmforge import _core
from scmforge._errors import InvalidInputError
from scmforge.models.metatree import MetaTreeModel, generate_splits, load_model

#: The checkpoint shipped with the package (trained by the documented cpu-small command).
BUNDLED_CHECKPOINT = os.path.join(os.path.dirname(__file__), "checkpoints", "metatree-cpu-small.pt")


class MetaTreeClassifier(ClassifierMixin, BaseEstimator):
    """Decision trees written by a MetaTree transformer (one forward pass per split).

    Each of ``n_trees`` trees is generated from ``max_rows`` training rows drawn without
    replacement (all rows when there are fewer), breadth-first to ``depth``, with thresholds at
    midpoints between adjacent values of the node's rows; leaves hold the class counts of those
    rows. ``predict_proba`` averages the trees' leaf class shares (MetaTree's soft voting).

    Args:
        checkpoint: a file written by ``scmforge train metatree`` (default: the bundled
            cpu-small checkpoint).
        depth: tree depth (the model was trained on depth-2 targets; deeper trees recurse).
        n_trees: ensemble size T.
        max_rows: rows per tree (at most the model's max_rows, 256).
        feature_subsample: when the data has more features than the model takes (10), each tree
            uses a random subset of that many columns; without it wider data is an error.
        random_state: seed of the row and feature subsamples.
    """

    def __init__(self, checkpoint: Optional[str] = None, depth: int = 2, n_trees: int = 1, max_rows: int = 256,
                 feature_subsample: bool = False, random_state: Optional[int] = None) -> None:
        self.checkpoint = checkpoint
        self.depth = depth
        self.n_trees = n_trees
        self.max_rows = max_rows
        self.feature_subsample = feature_subsample
        self.random_state = random_state

    def _model(self) -> MetaTreeModel:
        path = self.checkpoint or BUNDLED_CHECKPOINT
        if not os.path.exists(path):
            raise InvalidInputError(f"MetaTree checkpoint {path!r} does not exist; train one with `scmforge train metatree`")
        model, _ = load_model(path)
        return model

    def _check_X(self, X: Any, fit: bool) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2:
            raise InvalidInputError(f"X must be 2-D (rows x features), got shape {X.shape}")
        if not np.isfinite(X).all():
            raise InvalidInputError("X holds NaN or infinite values; MetaTree needs complete numeric data (impute first)")
        if not fit and X.shape[1] != self.n_features_in_:
            raise InvalidInputError(f"X has {X.shape[1]} features, but the trees were fitted on {self.n_features_in_}")
        return X

    def fit(self, X: Any, y: Any) -> "MetaTreeClassifier":
        for name, value, low in (("depth", self.depth, 1), ("n_trees", self.n_trees, 1), ("max_rows", self.max_rows, 2)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
                raise InvalidInputError(f"{name} must be an integer >= {low}, got {value!r}")
        X = self._check_X(X, fit=True)
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(X):
            raise InvalidInputError(f"y must be 1-D with one label per row of X ({len(X)}), got shape {y.shape}")
        if len(X) < 2:
            raise InvalidInputError(f"MetaTree needs at least 2 training rows, got {len(X)}")
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise InvalidInputError("y has a single class; a classifier needs at least two")
        model = self._model()
        c = model.config
        if len(self.classes_) > c.n_classes:
            raise InvalidInputError(f"y has {len(self.classes_)} classes; this MetaTree model takes at most {c.n_classes}")
        d = X.shape[1]
        if d > c.n_features and not self.feature_subsample:
            raise InvalidInputError(
                f"X has {d} features; this MetaTree model takes at most {c.n_features}: select features first, "
                f"or pass feature_subsample=True to give each tree a random subset of {c.n_features}"
            )
        if self.max_rows > c.max_rows:
            raise InvalidInputError(f"max_rows ({self.max_rows}) exceeds the model's {c.max_rows}")
        self.n_features_in_ = d
        rng = np.random.default_rng(self.random_state)
        rows = min(len(X), self.max_rows)
        width = min(d, c.n_features)
        picks = [np.sort(rng.choice(len(X), rows, replace=False)) if rows < len(X) else np.arange(len(X))
                 for _ in range(self.n_trees)]
        columns = [np.sort(rng.choice(d, width, replace=False)) if d > width else np.arange(d)
                   for _ in range(self.n_trees)]
        self.subsamples_ = picks  # the training rows of each tree (for baselines on the same rows)
        xb = np.zeros((self.n_trees, rows, c.n_features), dtype=np.float32)
        yb = np.zeros((self.n_trees, rows, c.n_classes), dtype=np.float32)
        for t in range(self.n_trees):
            xb[t, :, :width] = X[np.ix_(picks[t], columns[t])]
            yb[t, np.arange(rows), codes[picks[t]]] = 1.0
        fmask = torch.zeros((self.n_trees, c.n_features), dtype=torch.bool)
        fmask[:, :width] = True
        feature, threshold, status = generate_splits(model, torch.from_numpy(xb), torch.from_numpy(yb), fmask, self.depth)
        self.trees_ = []
        for t in range(self.n_trees):
            text = self._complete_tree(feature[t].numpy(), threshold[t].numpy(), status[t].numpy(), xb[t],
                                       codes[picks[t]], columns[t], d)
            self.trees_.append(_core.Tree.from_json(text))
        return self

    def _complete_tree(self, feature: np.ndarray, threshold: np.ndarray, status: np.ndarray, x: np.ndarray,
                       y: np.ndarray, columns: np.ndarray, d: int) -> str:
        """Adds the leaf level's row masks below the generated slots, then writes the JSON."""
        slots = len(feature)
        full = np.zeros((2 * slots + 1, x.shape[0]), dtype=bool)
        full[:slots] = status
        for s in range(slots):
            if feature[s] >= 0:
                left = x[:, feature[s]].astype(np.float64) <= threshold[s]
                for child, side in ((2 * s + 1, left), (2 * s + 2, ~left)):
                    full[child] = status[s] & side
        return _tree_json_full(feature, threshold, full, y, len(self.classes_), columns, d)

    def predict_proba(self, X: Any) -> np.ndarray:
        """The trees' leaf class shares, averaged (soft voting): (n, n_classes)."""
        return self.tree_proba(X).mean(axis=0)

    def tree_proba(self, X: Any) -> np.ndarray:
        """Each tree's leaf class shares: (n_trees, n, n_classes). A leaf that no training row
        reached votes uniformly."""
        check_is_fitted(self, "trees_")
        Xf = np.asfortranarray(self._check_X(X, fit=False))
        return np.stack([leaf_shares(tree, Xf, len(self.classes_)) for tree in self.trees_])

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def export_text(self, tree: int = 0, decimals: int = 2) -> str:
        """Text of tree ``tree`` in scikit-learn's ``export_text`` style."""
        check_is_fitted(self, "trees_")
        return self.trees_[tree].to_text(decimals)

    def to_json(self, tree: int = 0) -> str:
        """Tree ``tree`` as scmforge tree JSON (``scmforge.tree.load_tree`` reads it back)."""
        check_is_fitted(self, "trees_")
        return self.trees_[tree].to_json()


def _tree_json_full(feature: np.ndarray, threshold: np.ndarray, rows: np.ndarray, y: np.ndarray, n_classes: int,
                    columns: np.ndarray, n_features: int) -> str:
    """scmforge tree JSON of one generated complete tree. ``rows`` (2S + 1, N): the rows reaching
    every slot of the complete tree one level deeper than the splits; slots whose feature is -1
    are leaves and their subtrees are absent. Leaf values: class counts of their rows."""
    slots = len(feature)
    ids: dict[int, int] = {}
    queue, nodes = [0], []
    while queue:
        s = queue.pop(0)
        ids[s] = len(ids)
        nodes.append(s)
        if s < slots and feature[s] >= 0:
            queue += [2 * s + 1, 2 * s + 2]
    out = []
    for s in nodes:
        counts = np.bincount(y[rows[s]], minlength=n_classes).astype(float)
        node: dict[str, Any] = {"id": ids[s], "value": counts.tolist(), "impurity": 0.0,
                                "samples": int(rows[s].sum()), "weighted_samples": float(rows[s].sum())}
        if s < slots and feature[s] >= 0:
            node.update(feature=int(columns[feature[s]]), threshold=float(threshold[s]), kind="threshold",
                        missing="left", left=ids[2 * s + 1], right=ids[2 * s + 2])
        out.append(node)
    return json.dumps({"format": "scmforge-tree", "version": 1, "task": "classification",
                       "n_features": n_features, "n_outputs": n_classes, "features": [], "classes": [],
                       "nodes": out})


def leaf_shares(tree: Any, Xf: np.ndarray, n_classes: int) -> np.ndarray:
    """Class shares (n, n_classes) of the leaf each row of ``Xf`` (float32, Fortran order)
    reaches in a classification tree (``_core.Tree``); uniform for an empty leaf."""
    values = np.asarray(tree.value).reshape(tree.node_count, -1)
    counts = values[np.asarray(tree.apply(Xf))]
    total = counts.sum(axis=1, keepdims=True)
    return np.where(total > 0, counts / np.maximum(total, 1e-300), 1.0 / n_classes)
