"""tests/python/test_optimal_peers.py: OptimalTreeClassifier reaches the objective of pystreed,
pydl8.5 and gosdt on binarised shared datasets (the peers are in requirements-dev.txt)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scmforge.tree import OptimalTreeClassifier

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "classification"
# Binary (0/1) feature sets small enough for depth 3 in well under a second per peer.
DATASETS = ["monk1", "monk2", "monk3_bin", "vote_bin", "tic-tac-toe", "car_evaluation_bin"]


def load(name: str) -> tuple[np.ndarray, np.ndarray]:
    path = DATA / f"{name}.csv"
    df = pd.read_csv(path)
    X = df.drop(columns=["target"]).to_numpy()
    _, y = np.unique(df["target"].to_numpy(), return_inverse=True)
    assert set(np.unique(X)) <= {0, 1}, f"{name} is not binarised"
    return X.astype(np.int32), y.astype(np.int32)


def ours(X: np.ndarray, y: np.ndarray, depth: int, leaf_penalty: float = 0.0) -> OptimalTreeClassifier:
    model = OptimalTreeClassifier(max_depth=depth, leaf_penalty=leaf_penalty).fit(X, y)
    assert model.optimal_
    assert model.lower_bound_ == pytest.approx(model.objective_)
    assert model.misclassified_ == int((model.predict(X) != y).sum())
    return model


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("depth", [2, 3])
def test_same_objective_as_pystreed(name: str, depth: int) -> None:
    import pystreed
    X, y = load(name)
    peer = pystreed.STreeDClassifier(max_depth=depth, time_limit=60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer.fit(X, y)
    peer_errors = int((peer.predict(X) != y).sum())
    assert ours(X, y, depth).misclassified_ == peer_errors


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("depth", [2, 3])
def test_same_objective_as_pydl85(name: str, depth: int) -> None:
    import pydl85
    X, y = load(name)
    peer = pydl85.DL85Classifier(max_depth=depth, time_limit=60)
    peer.fit(X, y)
    assert peer.is_fitted_
    peer_errors = int((np.asarray(peer.predict(X)) != y).sum())
    assert ours(X, y, depth).misclassified_ == peer_errors


def gosdt_objective(model, X: np.ndarray, y: np.ndarray, lam: float) -> float:
    """errors + lam * n * leaves of a fitted gosdt 1.x model, read from its JSON tree (its own
    predict() fails with scikit-learn >= 1.8: check_array lost force_all_finite)."""
    import json

    tree = json.loads(model.result_.model)[0]
    leaves = 0

    def walk(node, rows: np.ndarray) -> int:
        nonlocal leaves
        if "prediction" in node:
            leaves += 1
            return int((y[rows] != node["prediction"]).sum())
        hit = X[rows, node["feature"]] == 1
        return walk(node["true"], rows[hit]) + walk(node["false"], rows[~hit])

    errors = walk(tree, np.arange(len(y)))
    # Cross-check the reading against gosdt's own loss (a float32 share of n).
    assert errors == round(model.result_.model_loss * len(y))
    return errors + lam * len(y) * leaves


@pytest.mark.parametrize("name", ["monk1", "monk3_bin", "vote_bin", "tic-tac-toe"])
@pytest.mark.parametrize("depth", [2, 3])
def test_same_objective_as_gosdt(name: str, depth: int) -> None:
    import gosdt
    X, y = load(name)
    lam = 0.01
    # gosdt 1.x: depth_budget d allows trees of depth d (checked: depth_budget=2 gives 4 leaves).
    peer = gosdt.GOSDTClassifier(regularization=lam, depth_budget=depth, time_limit=60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer.fit(X, y)
    peer_objective = gosdt_objective(peer, X, y, lam)
    model = ours(X, y, depth, leaf_penalty=lam)
    assert model.objective_ == pytest.approx(peer_objective, abs=1e-6)
