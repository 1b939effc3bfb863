"""scmforge.tree estimators: scikit-learn API contract, pandas, pickling, exports, CLI parity, errors."""

import json
import pickle
import subprocess
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import check_estimator

import scmforge
import scmforge.io
from scmforge.tree import (
    DecisionTreeClassifier,
    DecisionTreeRegressor,
    OptimalTreeClassifier,
    TreeEnsembleClassifier,
    export_text,
    load_tree,
)

ESTIMATORS = [
    DecisionTreeClassifier(max_depth=4, random_state=0),
    DecisionTreeRegressor(max_depth=4, random_state=0),
    OptimalTreeClassifier(max_depth=2, max_thresholds=16),
    TreeEnsembleClassifier(n_estimators=3, max_samples=64, max_depth=3, random_state=0),
]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_check_estimator(estimator):
    # Every scikit-learn check must pass; none is skipped or expected to fail.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(estimator, on_fail=None)
    failed = [(r["check_name"], str(r["exception"])) for r in results if r["status"] == "failed"]
    assert failed == []


def _mixed_frame(n=200, seed=0):
    rng = np.random.default_rng(seed)
    color = pd.Categorical(rng.choice(["red", "green", "blue"], size=n), categories=["blue", "green", "red"])
    age = rng.normal(40, 10, size=n)
    y = np.where((color == "red") & (age > 40), "yes", "no")
    return pd.DataFrame({"age": age, "color": color}), y


def test_pandas_categorical_columns_and_feature_names():
    X, y = _mixed_frame()
    for est in (DecisionTreeClassifier(max_depth=3), OptimalTreeClassifier(max_depth=2)):
        est.fit(X, y)
        assert list(est.feature_names_in_) == ["age", "color"]
        assert (est.predict(X) == y).mean() == 1.0
        assert "color" in est.export_text()
    # The optimal tree splits the categorical column one-vs-rest: color == red.
    best = OptimalTreeClassifier(max_depth=2).fit(X, y)
    assert best.tree_.is_category_split.any()
    assert best.misclassified_ == 0 and best.optimal_


def test_unseen_category_is_missing_and_text_columns_are_rejected():
    X, y = _mixed_frame()
    est = DecisionTreeClassifier(max_depth=3).fit(X, y)
    unseen = X.copy()
    unseen["color"] = pd.Categorical(["purple"] * len(X))
    assert est.predict(unseen).shape == (len(X),)
    text = X.copy()
    text["color"] = text["color"].astype(str)
    with pytest.raises(scmforge.InvalidInputError, match="holds text"):
        DecisionTreeClassifier().fit(text, y)


def test_pickle_and_json_round_trip():
    X, y = _mixed_frame(seed=1)
    for est in (DecisionTreeClassifier(max_depth=3).fit(X, y), OptimalTreeClassifier(max_depth=2).fit(X, y)):
        again = pickle.loads(pickle.dumps(est))
        np.testing.assert_array_equal(again.predict_proba(X), est.predict_proba(X))
        loaded = load_tree(est.to_json())
        assert loaded.to_json() == est.to_json()
        np.testing.assert_array_equal(loaded.predict(X), est.predict(X))


def test_regressor_json_and_text():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 3))
    y = 2 * X[:, 0] + rng.normal(scale=0.1, size=300)
    est = DecisionTreeRegressor(max_depth=3).fit(X, y)
    assert "value: [" in export_text(est)
    loaded = load_tree(est.to_json())
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    assert est.to_dot().startswith("digraph Tree {")


def test_ensemble_is_deterministic_across_threads():
    X, y = _mixed_frame(n=600, seed=3)
    for kind in ("cart", "optimal"):
        one = TreeEnsembleClassifier(estimator=kind, n_estimators=8, max_depth=2, random_state=5, n_jobs=1).fit(X, y)
        two = TreeEnsembleClassifier(estimator=kind, n_estimators=8, max_depth=2, random_state=5, n_jobs=2).fit(X, y)
        np.testing.assert_array_equal(one.predict_proba(X), two.predict_proba(X))
        assert len(one.estimators_) == 8
        assert all(view.n_node_samples[0] == 256 for view in one.estimators_)


def test_random_forest_trees_differ():
    X, y = _mixed_frame(n=400, seed=4)
    forest = TreeEnsembleClassifier(
        n_estimators=6, max_samples=None, bootstrap=True, max_features=1, max_depth=3, random_state=0
    ).fit(X, y)
    roots = {(int(v.feature[0]), float(v.threshold[0])) for v in forest.estimators_}
    assert len(roots) > 1  # bootstrap rows and feature subsets give different trees


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: DecisionTreeClassifier().fit(np.zeros((0, 2)), np.zeros(0)), "0 sample"),
        (lambda: DecisionTreeClassifier().fit(np.ones((4, 2)), [1, 1, 1, 1]), "only one class"),
        (lambda: DecisionTreeClassifier().fit(np.ones((3, 2)), [0.0, np.nan, 1.0]), "NaN"),
        (lambda: DecisionTreeClassifier(max_depth=0).fit(np.ones((4, 2)), [0, 1, 0, 1]), "max_depth"),
        (lambda: OptimalTreeClassifier(max_depth=0).fit(np.ones((4, 2)), [0, 1, 0, 1]), "max_depth"),
        (lambda: DecisionTreeClassifier(criterion="mse").fit(np.ones((4, 2)), [0, 1, 0, 1]), "criterion"),
        (lambda: DecisionTreeClassifier(max_features=7).fit(np.ones((4, 2)), [0, 1, 0, 1]), "max_features"),
        (lambda: TreeEnsembleClassifier(estimator="svm").fit(np.ones((4, 2)), [0, 1, 0, 1]), "estimator"),
        (lambda: OptimalTreeClassifier(time_limit=-1).fit(np.ones((4, 2)), [0, 1, 0, 1]), "time_limit"),
    ],
)
def test_bad_input_names_the_problem(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_predict_with_mismatched_columns_fails_clearly():
    X, y = _mixed_frame()
    est = DecisionTreeClassifier(max_depth=2).fit(X, y)
    with pytest.raises(ValueError, match="features"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "X does not have valid feature names" comes first
        est.predict(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="feature names"):
        est.predict(X.rename(columns={"age": "years"}))


def test_cli_and_python_write_identical_json(cli, shared, tmp_path):
    path = shared / "datasets" / "classification" / "iris.csv"
    out = tmp_path / "iris.json"
    run = subprocess.run([cli, "tree", "fit", str(path), "--depth", "3", "--out", str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "training accuracy" in run.stdout
    table = scmforge.io.read_csv(path)
    X = pd.DataFrame(table.X, columns=table.feature_names)
    y = np.array(table.class_names)[table.y]
    est = DecisionTreeClassifier(max_depth=3).fit(X, y)
    assert out.read_text() == est.to_json()
    loaded = load_tree(str(out))
    assert (loaded.predict(X) == y).mean() == est.score(X, y)


def test_cli_predict_and_show(cli, shared, tmp_path):
    data = shared / "datasets" / "classification" / "penguins.csv"
    tree_json, pred = tmp_path / "t.json", tmp_path / "pred.csv"
    fit = subprocess.run([cli, "tree", "fit", str(data), "--algo", "optimal", "--depth", "2", "--out", str(tree_json)], capture_output=True, text=True)
    assert fit.returncode == 0, fit.stderr
    assert "proven optimal" in fit.stdout
    doc = json.loads(tree_json.read_text())
    assert doc["format"] == "scmforge-tree" and doc["version"] == 1
    run = subprocess.run(
        [cli, "tree", "predict", str(tree_json), str(data), "--out", str(pred), "--proba", "--target", "target"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    frame = pd.read_csv(pred)
    assert list(frame.columns[:1]) == ["prediction"] and frame.shape[1] == 1 + len(doc["classes"])
    accuracy = float(run.stdout.split("accuracy ")[1].split()[0])
    truth = pd.read_csv(data)["target"].astype(str)
    assert accuracy == pytest.approx((frame["prediction"].astype(str) == truth).mean(), abs=1e-4)
    show = subprocess.run([cli, "tree", "show", str(tree_json)], capture_output=True, text=True)
    assert show.returncode == 0 and show.stdout.startswith("|--- ")
    dot = subprocess.run([cli, "tree", "show", str(tree_json), "--dot"], capture_output=True, text=True)
    assert dot.stdout.startswith("digraph Tree {")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--depth", "0"], "--depth must be >= 1"),
        (["--algo", "greedy"], "--algo must be"),
        (["--target", "nope"], "nope"),
    ],
)
def test_cli_fit_bad_flags(cli, shared, tmp_path, args, message):
    out = tmp_path / "t.json"
    data = shared / "datasets" / "classification" / "iris.csv"
    run = subprocess.run([cli, "tree", "fit", str(data), "--out", str(out), *args], capture_output=True, text=True)
    assert run.returncode == 2
    assert message in run.stderr
    assert not out.exists()


def test_cli_bad_data(cli, tmp_path):
    one_class = tmp_path / "one.csv"
    one_class.write_text("a,target\n1,x\n2,x\n")
    text_col = tmp_path / "text.csv"
    text_col.write_text("a,target\n1,x\n2,y\n")
    out = tmp_path / "t.json"
    run = subprocess.run([cli, "tree", "fit", str(one_class), "--out", str(out)], capture_output=True, text=True)
    assert run.returncode == 2 and "class" in run.stderr
    assert subprocess.run([cli, "tree", "fit", str(text_col), "--out", str(out)], capture_output=True).returncode == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("a,target\nhello,x\n")
    run = subprocess.run([cli, "tree", "predict", str(out), str(bad), "--out", str(tmp_path / "p.csv")], capture_output=True, text=True)
    assert run.returncode == 2 and "holds text" in run.stderr
    missing = tmp_path / "missing.csv"
    missing.write_text("b,target\n1,x\n")
    run = subprocess.run([cli, "tree", "predict", str(out), str(missing), "--out", str(tmp_path / "p.csv")], capture_output=True, text=True)
    assert run.returncode == 2 and "needs column 'a'" in run.stderr
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text('{"format": "scmforge-tree", "version": 1, "nodes": [')
    run = subprocess.run([cli, "tree", "show", str(corrupt)], capture_output=True, text=True)
    assert run.returncode == 2 and "not valid JSON" in run.stderr


def test_complete_view_of_a_fitted_tree():
    X, y = _mixed_frame(n=300, seed=6)
    est = DecisionTreeClassifier(max_depth=2).fit(X, y)
    view = est.tree_._tree.complete_view(3)
    assert view["feature"].shape == (7,) and view["leaf_value"].shape == (8, 2)
    assert view["feature"][0] == est.tree_.feature[0]
    assert (view["feature"][3:] == -1).all()  # the depth-2 tree leaves the third level empty
    assert view["leaf_value"].sum() == 300  # every row's count lands in exactly one leaf slot
    with pytest.raises(ValueError, match="depth 2 > 1"):
        est.tree_._tree.complete_view(1)
