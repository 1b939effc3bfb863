"""CausalMix (scmforge.augment) and fidelity metrics (scmforge.eval): a known mixed SCM, dtypes,
class shares, determinism, bad input and the CLI."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

pd = pytest.importorskip("pandas")

from scmforge import InvalidInputError  # noqa: E402
from scmforge.augment import CausalMix  # noqa: E402
from scmforge.eval import fidelity, write_report  # noqa: E402


def known(n: int, seed: int):
    """a -> b, a -> label, b -> label, label -> c (categorical), d alone; a 2:1 class imbalance."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    b = 0.9 * a + rng.normal(scale=0.6, size=n)
    score = 1.2 * a + 0.8 * b + rng.normal(scale=0.7, size=n)
    label = np.where(score > 0.9, "yes", "no")
    c = np.where(label == "yes", rng.choice(["p", "q", "r"], n, p=[0.7, 0.2, 0.1]),
                 rng.choice(["p", "q", "r"], n, p=[0.2, 0.3, 0.5]))
    d = rng.integers(0, 10, size=n)
    X = pd.DataFrame({"a": a, "b": b, "c": pd.Categorical(c), "d": d})
    return X, pd.Series(label, name="label")


@pytest.fixture(scope="module")
def data():
    return known(1500, 0)


def test_causalmix_learns_the_graph_keeps_types_and_class_shares(data):
    X, y = data
    aug = CausalMix(seed=0).fit(X, y)
    assert aug.test_ == "dg"
    skeleton = {frozenset(e) for e in aug.dag_.directed_edges()}
    for edge in ({"a", "b"}, {"a", "label"}, {"b", "label"}, {"label", "c"}):
        assert frozenset(edge) in skeleton, (edge, skeleton)
    assert not any("d" in e for e in skeleton)
    Xs, ys = aug.sample(3001)
    assert list(Xs.columns) == list(X.columns) and (Xs.dtypes == X.dtypes).all()
    assert list(Xs["c"].cat.categories) == list(X["c"].cat.categories)
    assert ys.name == "label" and ys.dtype == y.dtype and len(Xs) == 3001
    share = (y == "yes").mean()
    assert (ys == "yes").sum() == round(3001 * share)  # "keep": exact largest-remainder counts
    assert Xs["d"].between(X["d"].min(), X["d"].max()).all()
    # d has 10 distinct values: its samples are snapped to them; a and b are left alone.
    assert list(aug.snapped_) == ["d"] and set(Xs["d"]) <= set(X["d"])
    assert not CausalMix(seed=0, snap_levels=0).fit(X, y).snapped_
    balanced = aug.sample(1000, class_shares="balance")[1]
    assert balanced.value_counts().to_dict() == {"no": 500, "yes": 500}
    counts = aug.sample(100, class_shares={"yes": 70, "no": 30})[1].value_counts().to_dict()
    assert counts == {"yes": 70, "no": 30}
    # Conditioning keeps P(c | label): c is "p" far more often among synthetic "yes" rows.
    yes = Xs["c"][ys == "yes"]
    assert (yes == "p").mean() > 0.55 and (Xs["c"][ys == "no"] == "p").mean() < 0.35


def test_causalmix_is_deterministic_and_numpy_in_numpy_out(data):
    X, y = data
    a = CausalMix(seed=3).fit(X, y).sample(500)
    b = CausalMix(seed=3).fit(X, y).sample(500)
    assert a[0].equals(b[0]) and a[1].equals(b[1])
    c = CausalMix(seed=3).fit(X, y).sample(500, seed=4)
    assert not a[0].equals(c[0])
    Xn = X[["a", "b", "d"]].to_numpy()
    yn = (y == "yes").to_numpy().astype(np.int64)
    aug = CausalMix(seed=0)
    Xa, ya = aug.fit_resample(Xn, yn, ratio=0.5)
    assert isinstance(Xa, np.ndarray) and Xa.dtype == Xn.dtype and Xa.shape == (len(Xn) + 750, 3)
    assert ya.dtype == yn.dtype and set(np.unique(ya)) == {0, 1}
    np.testing.assert_array_equal(Xa[: len(Xn)], Xn)  # the real rows come first, untouched
    Xf, yf = CausalMix(seed=0).fit_resample(X, y, n=200)
    assert len(Xf) == len(X) + 200 and Xf.dtypes.equals(X.dtypes) and yf.name == "label"


def test_causalmix_takes_fci_or_a_given_graph(data):
    X, y = data
    fci = CausalMix(discovery="fci", seed=0).fit(X, y)
    assert fci.graph_.info["algorithm"] == "fci" and len(fci.sample(50)[0]) == 50
    edges = [("a", "b"), ("a", "label"), ("b", "label"), ("label", "c")]
    given = CausalMix(discovery=edges, seed=0).fit(X, y)
    assert given.sample(50)[1].isin(["yes", "no"]).all()
    table = CausalMix(seed=0).fit(X)  # no label: the table as a whole
    assert list(table.sample(20).columns) == list(X.columns)


def test_fidelity_ranks_causalmix_above_independent_columns(data, tmp_path):
    X, y = data
    real = X.assign(label=y)
    Xs, ys = CausalMix(seed=0).fit(X, y).sample(len(X))
    good = Xs.assign(label=ys)
    rng = np.random.default_rng(1)
    bad = real.apply(lambda col: col.iloc[rng.permutation(len(col))].to_numpy())  # marginals kept
    bad = bad.astype(real.dtypes.to_dict())
    g, b = fidelity(real, good, target="label"), fidelity(real, bad, target="label")
    assert g["marginal"]["mean_ks"] < 0.1 and b["marginal"]["mean_ks"] < 0.02
    assert g["dependence"]["mean_abs_diff"] < 0.05 < b["dependence"]["mean_abs_diff"]
    assert g["detection_auc"] < 0.7 < b["detection_auc"]
    assert g["tstr"]["roc_auc"] > 0.85 and b["tstr"]["roc_auc"] < 0.65
    assert abs(g["tstr"]["accuracy"] - g["trtr"]["accuracy"]) < 0.08
    assert fidelity(real, good, target="label") == g  # deterministic
    report = write_report(g, real, good, tmp_path / "r" / "report.md")
    text = report.read_text()
    assert "detection ROC-AUC" in text and "TSTR accuracy" in text
    assert (tmp_path / "r" / "report_marginals.png").stat().st_size > 1000
    assert (tmp_path / "r" / "report_dependence.png").stat().st_size > 1000


def test_bad_inputs_are_named(data):
    X, y = data
    cases = [
        (lambda: CausalMix().fit(X, pd.Series(["one"] * len(X))), "single class"),
        (lambda: CausalMix().fit(X, y[:10]), "10 labels for 1500 rows"),
        (lambda: CausalMix().fit(X, y.where(y == "yes")), "missing labels"),
        (lambda: CausalMix(discovery="ges").fit(X, y), "discovery must be"),
        (lambda: CausalMix().sample(5), "not fitted"),
        (lambda: CausalMix().fit(X, y).sample(0), "n must be an int >= 1"),
        (lambda: CausalMix().fit(X, y).sample(5, class_shares={"maybe": 5}), "unknown classes"),
        (lambda: CausalMix().fit(X, y).sample(5, class_shares={"yes": 2}), "sum to n"),
        (lambda: CausalMix().fit(X, y).sample(5, class_shares="even"), "class_shares must be"),
        (lambda: CausalMix().fit(X.iloc[:0], y.iloc[:0]), "no rows"),
        (lambda: CausalMix().fit(np.array([["a", "b"]] * 5), np.arange(5)), "numpy X must be numeric"),
        (lambda: CausalMix().fit(X.assign(label=1), y), "already has a column named 'label'"),
        (lambda: CausalMix(discovery=[("a", "zz")]).fit(X, y), "zz"),
        (lambda: CausalMix().fit_resample(X, y, ratio=0), "ratio must be > 0"),
        (lambda: CausalMix(snap_levels=-1).fit(X, y), "snap_levels must be"),
        (lambda: fidelity(X, X[["a"]]), "different columns"),
        (lambda: fidelity(X.assign(label=y), X.assign(label=y), target="nope"), "not a column"),
    ]
    for call, message in cases:
        with pytest.raises(InvalidInputError, match=message):
            call()


def test_cli_augment_writes_rows_graph_and_report(tmp_path, cli, data):
    X, y = data
    csv = tmp_path / "real.csv"
    X.assign(label=y).iloc[:600].to_csv(csv, index=False)
    out, rep, graph = tmp_path / "synth.csv", tmp_path / "rep" / "report.md", tmp_path / "g.json"
    run = subprocess.run([cli, "augment", str(csv), "--target", "label", "--n", "400", "--out", str(out),
                          "--report", str(rep), "--graph-out", str(graph), "--seed", "2"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    synth = pd.read_csv(out)
    assert list(synth.columns) == ["a", "b", "c", "d", "label"] and len(synth) == 400
    assert "detection ROC-AUC" in rep.read_text() and '"format": "scmforge-graph"' in graph.read_text()
    again = subprocess.run([cli, "augment", str(csv), "--target", "label", "--n", "400", "--out",
                            str(tmp_path / "again.csv"), "--seed", "2"], capture_output=True, text=True)
    assert again.returncode == 0 and (tmp_path / "again.csv").read_text() == out.read_text()
    bad = subprocess.run([cli, "augment", str(csv), "--target", "klass", "--out", str(tmp_path / "x.csv")],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "'klass' is not a column" in bad.stderr
    assert not (tmp_path / "x.csv").exists()


def test_causalmix_orients_a_cpdag_without_consistent_extension(data):
    """An undirected chordless 4-cycle (a - b - label - c - a) has no consistent extension: every
    orientation adds a v-structure or a cycle. to_dag refuses it; with fallback (CausalMix's
    choice) the edges follow a topological order and the DAG says it is not consistent."""
    import scmforge.causal

    X, y = data
    names = ["a", "b", "c", "d", "label"]
    marks = np.zeros((5, 5), dtype=np.int8)
    for u, v in [("a", "b"), ("b", "label"), ("label", "c"), ("c", "a")]:
        marks[names.index(u), names.index(v)] = marks[names.index(v), names.index(u)] = -1
    cycle = scmforge.causal.Graph(names, marks)
    with pytest.raises(InvalidInputError, match="no consistent DAG extension"):
        cycle.to_dag()
    dag = cycle.to_dag(fallback=True)
    assert dag.info["consistent"] is False and len(dag.directed_edges()) == 4
    aug = CausalMix(discovery=cycle, seed=0).fit(X, y)
    assert aug.dag_.info["consistent"] is False
    Xs, ys = aug.sample(300)
    assert len(Xs) == 300 and set(ys.unique()) == {"yes", "no"}


def test_causalmix_fits_columns_that_others_determine(data):
    """A column that is an affine combination of others (and a complete one-hot group) leaves the
    CI tests undefined; CausalMix fits it as their child and samples it consistently."""
    X, y = data
    Z = X.assign(a2=2.0 * X["a"] + 1.0,
                 c_p=(X["c"] == "p").astype(float), c_q=(X["c"] == "q").astype(float),
                 c_r=(X["c"] == "r").astype(float))
    import scmforge.causal

    with pytest.raises(scmforge.NumericalError, match="singular"):
        scmforge.causal.pc(Z[["a", "a2", "b"]], test="fisherz")
    aug = CausalMix(mechanisms="linear", seed=0).fit(Z, y)
    assert aug.redundant_ == {"a2": ["a"], "c_p": ["c"], "c_q": ["c"], "c_r": ["c"]}
    assert ("a", "a2") in aug.edges_
    Xs, _ = aug.sample(500)
    # Ridge (alpha 1) shrinks the exact relation a little: within 0.02 of 2 a + 1 (a2 spans ~12).
    np.testing.assert_allclose(Xs["a2"], np.clip(2.0 * Xs["a"] + 1.0, Z["a2"].min(), Z["a2"].max()), atol=0.02)


def test_fidelity_measures_memorisation_against_a_holdout(data):
    X, y = data
    real = X.assign(label=y)
    train, holdout = real.iloc[:1000].reset_index(drop=True), real.iloc[1000:].reset_index(drop=True)
    Xs, ys = CausalMix(seed=0).fit(train.drop(columns=["label"]), train["label"]).sample(500)
    ours = fidelity(train, Xs.assign(label=ys), target="label", holdout=holdout)["dcr"]
    copies = fidelity(train, train.iloc[:500], target="label", holdout=holdout)["dcr"]
    assert ours["synth_exact_copies"] == 0.0 and copies["synth_exact_copies"] == 1.0
    assert 0.5 < ours["synth_median"] / ours["holdout_median"] < 2.0
    assert copies["synth_median"] == 0.0 and ours["holdout_exact_copies"] == 0.0
