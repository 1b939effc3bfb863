"""CART vs scikit-learn, live: node-for-node identical trees where no two splits tie, else equal quality.

A dataset is "tie-free" for a configuration when scikit-learn itself builds the same tree for
random_state 0..4 (its feature-visiting order is random, so any tie between candidate splits
shows up as a different tree for some seed). There we require scmforge's tree to be identical
to scikit-learn's: features, thresholds, children, NaN directions, n_node_samples exactly;
weighted counts, values and impurities to 1e-9 relative. With ties we require the same root,
an equally good root split and, for unlimited depth, the same training accuracy.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sklearn.tree

from scmforge.tree import DecisionTreeClassifier, DecisionTreeRegressor

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "classification"
SEEDS = range(5)


def load(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Features as float32 (strings as category codes, missing as NaN) and label codes."""
    frame = pd.read_csv(DATASETS / name)
    y = pd.factorize(frame.pop("target"), sort=True)[0]
    columns = []
    for column in frame.columns:
        values = frame[column]
        if not pd.api.types.is_numeric_dtype(values):
            codes = pd.Categorical(values).codes.astype(np.float32)
            codes[codes < 0] = np.nan
            columns.append(codes)
        else:
            columns.append(values.to_numpy(dtype=np.float32))
    return np.column_stack(columns), y


def same_structure(a, b) -> bool:
    return (
        a.node_count == b.node_count
        and np.array_equal(a.feature, b.feature)
        and np.array_equal(a.threshold, b.threshold)
        and np.array_equal(a.children_left, b.children_left)
        and np.array_equal(a.children_right, b.children_right)
    )


def assert_identical(ours, theirs, same_partition=None) -> None:
    """Node-for-node equality. Where a node's feature or threshold differs, `same_partition`
    (training rows reach the same leaves on both sides) must hold: two features that split a
    small node's rows identically tie exactly, and scikit-learn breaks that tie by rounding."""
    assert ours.node_count == theirs.node_count
    differ = (ours.feature != theirs.feature) | (ours.threshold != theirs.threshold)
    if differ.any():
        assert same_partition is not None and same_partition(), f"nodes {np.flatnonzero(differ)} differ"
    np.testing.assert_array_equal(ours.children_left, theirs.children_left)
    np.testing.assert_array_equal(ours.children_right, theirs.children_right)
    split = (theirs.children_left >= 0) & ~differ  # a different feature may route NaN differently
    np.testing.assert_array_equal(
        np.asarray(ours.missing_go_to_left)[split].astype(bool),
        np.asarray(theirs.missing_go_to_left)[split].astype(bool),
    )
    np.testing.assert_array_equal(ours.n_node_samples, theirs.n_node_samples)
    np.testing.assert_allclose(ours.weighted_n_node_samples, theirs.weighted_n_node_samples, rtol=1e-9)
    np.testing.assert_allclose(ours.value, theirs.value, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.impurity, theirs.impurity, rtol=1e-9, atol=1e-12)
    assert ours.max_depth == theirs.max_depth


def root_split_quality(t) -> float:
    """Weighted impurity of the root's children (what the best split minimises)."""
    if t.node_count == 1:
        return float(t.impurity[0] * t.weighted_n_node_samples[0])
    left, right = t.children_left[0], t.children_right[0]
    return float(
        t.impurity[left] * t.weighted_n_node_samples[left] + t.impurity[right] * t.weighted_n_node_samples[right]
    )


def compare(ours_cls, sk_cls, X, y, sample_weight=None, **params) -> bool:
    """Fits both; returns True when the trees had to be (and were) identical."""
    ours = ours_cls(**params).fit(X, y, sample_weight=sample_weight)
    fits = [sk_cls(random_state=s, **params).fit(X, y, sample_weight=sample_weight) for s in SEEDS]
    tie_free = all(same_structure(fits[0].tree_, f.tree_) for f in fits[1:])
    theirs = fits[0]
    if tie_free:
        assert_identical(ours.tree_, theirs.tree_, lambda: np.array_equal(ours.apply(X), theirs.apply(X)))
        return True
    np.testing.assert_allclose(ours.tree_.impurity[0], theirs.tree_.impurity[0], rtol=1e-12)
    np.testing.assert_allclose(ours.tree_.value[0], theirs.tree_.value[0], rtol=1e-12)
    np.testing.assert_allclose(root_split_quality(ours.tree_), root_split_quality(theirs.tree_), rtol=1e-9, atol=1e-9)
    if params.get("max_depth") is None and params.get("min_samples_leaf", 1) == 1:
        if ours_cls is DecisionTreeClassifier:
            assert np.mean(ours.predict(X) == y) == np.mean(theirs.predict(X) == y)
    return False


# ---------------------------------------------------------------------------------------------
# Synthetic continuous data: no ties at the sizes and depths below.


def synthetic(seed: int, n: int, d: int, k: int, nan_rate: float = 0.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    logits = X[:, :k] @ rng.normal(size=(min(k, d), k))[: min(k, d)] if d >= k else rng.normal(size=(n, k))
    y = np.argmax(logits + rng.gumbel(size=(n, k)), axis=1)
    target = X[:, 0] * 2.0 + np.sin(X[:, 1 % d]) + rng.normal(size=n) * 0.3
    if nan_rate > 0:
        X[rng.random(X.shape) < nan_rate] = np.nan
    return X, y, target


@pytest.mark.parametrize("criterion", ["gini", "entropy"])
@pytest.mark.parametrize("seed", range(4))
def test_classifier_identical_on_synthetic(criterion, seed):
    X, y, _ = synthetic(seed, 400, 6, 3)
    identical = [
        compare(DecisionTreeClassifier, sklearn.tree.DecisionTreeClassifier, X, y, criterion=criterion, max_depth=depth)
        for depth in (1, 2, 3, 4)
    ]
    assert identical[:2] == [True, True]  # observed: depth <= 3 always tie-free here


@pytest.mark.parametrize("seed", range(4))
def test_regressor_identical_on_synthetic(seed):
    X, _, target = synthetic(seed, 500, 5, 2)
    # Continuous targets: big nodes never tie; deep trees reach nodes of 2-3 rows where two
    # features can induce the same partition (then only the quality is compared).
    assert compare(DecisionTreeRegressor, sklearn.tree.DecisionTreeRegressor, X, target, max_depth=3)
    assert compare(DecisionTreeRegressor, sklearn.tree.DecisionTreeRegressor, X, target, min_samples_leaf=20)
    compare(DecisionTreeRegressor, sklearn.tree.DecisionTreeRegressor, X, target, max_depth=6)
    compare(DecisionTreeRegressor, sklearn.tree.DecisionTreeRegressor, X, target)


@pytest.mark.parametrize("seed", range(3))
def test_regressor_min_impurity_decrease_and_split(seed):
    X, _, target = synthetic(seed, 300, 4, 2)
    for params in (
        {"min_impurity_decrease": 0.01},
        {"min_samples_split": 30},
        {"min_weight_fraction_leaf": 0.05},
        {"max_depth": 4, "min_samples_leaf": 3},
    ):
        assert compare(DecisionTreeRegressor, sklearn.tree.DecisionTreeRegressor, X, target, **params)


@pytest.mark.parametrize("seed", range(3))
def test_sample_weight_and_class_weight(seed):
    X, y, target = synthetic(seed, 300, 5, 3)
    rng = np.random.default_rng(100 + seed)
    w = rng.uniform(0.2, 3.0, size=len(y))
    w[rng.random(len(y)) < 0.1] = 0.0  # zero-weight rows are dropped, as scikit-learn does
    # Fractional weights: scikit-learn's own sums depend on its feature order, so near-ties can
    # go either way; compare() checks identity where its trees agree across seeds.
    compare(DecisionTreeRegressor, sklearn.tree.DecisionTreeRegressor, X, target, sample_weight=w, max_depth=3)
    compare(DecisionTreeRegressor, sklearn.tree.DecisionTreeRegressor, X, target, sample_weight=w, max_depth=6)
    compare(DecisionTreeClassifier, sklearn.tree.DecisionTreeClassifier, X, y, sample_weight=w, max_depth=3)
    compare(DecisionTreeClassifier, sklearn.tree.DecisionTreeClassifier, X, y, class_weight="balanced", max_depth=3)
    compare(
        DecisionTreeClassifier,
        sklearn.tree.DecisionTreeClassifier,
        X,
        y,
        sample_weight=w,
        class_weight={0: 1.0, 1: 2.5, 2: 0.7},
        max_depth=3,
        criterion="entropy",
    )


@pytest.mark.parametrize("seed", range(4))
def test_missing_values(seed):
    X, y, target = synthetic(seed, 400, 4, 2, nan_rate=0.15)
    assert compare(DecisionTreeRegressor, sklearn.tree.DecisionTreeRegressor, X, target, max_depth=3)
    compare(DecisionTreeRegressor, sklearn.tree.DecisionTreeRegressor, X, target, max_depth=5)
    compare(DecisionTreeRegressor, sklearn.tree.DecisionTreeRegressor, X, target, min_samples_leaf=4)
    compare(DecisionTreeClassifier, sklearn.tree.DecisionTreeClassifier, X, y, max_depth=3)
    # Prediction routes NaN the same way.
    ours = DecisionTreeRegressor(max_depth=3).fit(X, target)
    theirs = sklearn.tree.DecisionTreeRegressor(max_depth=3, random_state=0).fit(X, target)
    Xt, _, _ = synthetic(seed + 50, 200, 4, 2, nan_rate=0.3)
    np.testing.assert_allclose(ours.predict(Xt), theirs.predict(Xt), rtol=1e-9)


def test_nan_only_in_one_class():
    # NaN marks class 1: the best split isolates the NaN rows (threshold +inf, NaN right).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2)).astype(np.float32)
    y = (rng.random(200) < 0.3).astype(int)
    X[y == 1, 0] = np.nan
    ours = DecisionTreeClassifier(max_depth=1).fit(X, y)
    theirs = sklearn.tree.DecisionTreeClassifier(max_depth=1, random_state=0).fit(X, y)
    assert_identical(ours.tree_, theirs.tree_)
    assert np.isinf(ours.tree_.threshold[0])


# ---------------------------------------------------------------------------------------------
# Real datasets from ../shared/datasets/classification.

REAL = [
    "iris.csv",
    "haberman.csv",
    "diabetes.csv",
    "blood-transfusion-service-center.csv",
    "maternal_health_risk.csv",
    "qsar-biodeg.csv",
    "penguins.csv",
    "titanic.csv",
    "heart_statlog.csv",
    "credit-approval.csv",
]


TIE_FREE_REAL = []  # (dataset, criterion, params) where scikit-learn's tree is tie-free


@pytest.mark.parametrize("name", REAL)
@pytest.mark.parametrize("criterion", ["gini", "entropy"])
def test_real_datasets(name, criterion):
    X, y = load(name)
    for params in ({"max_depth": 2}, {"max_depth": 4}, {"max_depth": None}, {"min_samples_leaf": 5}):
        if compare(DecisionTreeClassifier, sklearn.tree.DecisionTreeClassifier, X, y, criterion=criterion, **params):
            TIE_FREE_REAL.append((name, criterion, str(params)))


def test_real_datasets_some_tie_free():
    # Runs after test_real_datasets (file order). Observed: 19 of 80 configurations tie-free
    # (9 of 10 datasets at depth 2; diabetes, maternal_health_risk, titanic at depth 4), all
    # identical node for node; the other 61 have ties and agree in root split quality/accuracy.
    if not TIE_FREE_REAL:
        for name in ("diabetes.csv", "haberman.csv"):
            X, y = load(name)
            if compare(DecisionTreeClassifier, sklearn.tree.DecisionTreeClassifier, X, y, max_depth=2):
                TIE_FREE_REAL.append((name, "gini", "max_depth=2"))
    assert len(TIE_FREE_REAL) >= 2


@pytest.mark.parametrize("name", ["iris.csv", "diabetes.csv", "penguins.csv"])
def test_real_datasets_regression_on_first_column(name):
    X, _ = load(name)
    keep = ~np.isnan(X[:, 0])
    target = X[keep, 0].astype(np.float64)
    features = X[keep, 1:]
    compare(DecisionTreeRegressor, sklearn.tree.DecisionTreeRegressor, features, target, max_depth=4)
