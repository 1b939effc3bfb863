"""scmforge.scm: recovery of known SCMs, do()-distributions, dtypes, determinism, files, bad inputs."""

import subprocess

import numpy as np
import pandas as pd
import pytest

from scmforge import InvalidInputError, IoError
from scmforge.scm import SCM


def chain(n=2000, seed=0):
    """x ~ N(0, 1); y = 2x + N(0, 1); z = -1.5y + N(0, 0.25)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = 2 * x + rng.normal(size=n)
    z = -1.5 * y + 0.5 * rng.normal(size=n)
    return np.column_stack([x, y, z])


CHAIN = [("x", "y"), ("y", "z")]


def mixed_frame(n=1500, seed=1):
    """Every supported dtype; a category with an unused level; an ordered category."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 80, n)
    income = np.round(1000 + 40 * age + rng.normal(0, 300, n), 2)
    region = rng.choice(["north", "south", "east"], n, p=[0.5, 0.3, 0.2])
    member = income + 500 * (region == "north") + rng.normal(0, 400, n) > 3000
    grade = pd.Categorical(np.where(income > 3000, "high", "low"),
                           categories=["low", "high", "unused"], ordered=True)
    return pd.DataFrame({"age": age, "income": income, "region": region, "member": member,
                         "grade": grade})


MIXED = [("age", "income"), ("income", "member"), ("region", "member"), ("income", "grade")]


def test_linear_chain_interventional_moments():
    model = SCM.fit(chain(), CHAIN, names=["x", "y", "z"], mechanisms="linear", seed=0)
    assert model.summary()[1]["mechanism"] == "ridge"
    obs = model.sample(20000, seed=1)
    assert obs.shape == (20000, 3)
    assert np.var(obs[:, 1]) == pytest.approx(5.0, abs=0.3)  # observed 4.85
    dx = model.intervene({"x": 1.0}).sample(20000, seed=2)
    assert np.all(dx[:, 0] == 1.0)
    assert dx[:, 1].mean() == pytest.approx(2.0, abs=0.1)  # observed 1.978; worst of data seeds 0-9: 0.061 off
    assert dx[:, 2].mean() == pytest.approx(-3.0, abs=0.15)  # observed -2.957; seeds 0-9: 0.097 off
    assert dx[:, 2].var() == pytest.approx(2.5, abs=0.25)  # observed 2.467; seeds 0-9: 0.15 off
    dy = model.intervene({"y": 1.0}).sample(20000, seed=3)
    assert dy[:, 0].mean() == pytest.approx(0.0, abs=0.08)  # x upstream, unchanged; observed -0.028
    assert dy[:, 2].mean() == pytest.approx(-1.5, abs=0.05)  # observed -1.488; seeds 0-9: 0.032 off


def test_nonlinear_mechanism_is_recovered_by_auto():
    rng = np.random.default_rng(2)
    x = rng.uniform(-2, 2, 2000)
    y = np.sin(2 * x) + 0.5 * x**2 + 0.2 * rng.normal(size=2000)
    model = SCM.fit(pd.DataFrame({"x": x, "y": y}), [("x", "y")], seed=0)
    node = model.summary()[1]
    assert node["mechanism"] == "boosted_regressor"
    assert node["cv_boosted"] < 0.06  # observed 0.0438 (noise variance 0.04)
    assert node["cv_linear"] > 10 * node["cv_boosted"]  # observed 0.764
    # E[y | do(x = v)] on a grid: the fitted curve is the true one up to the trees' variance.
    grid = np.linspace(-1.8, 1.8, 9)
    means = [model.intervene({"x": float(v)}).sample(20000, seed=4)["y"].mean() for v in grid]
    rmse = np.sqrt(np.mean((np.array(means) - (np.sin(2 * grid) + 0.5 * grid**2)) ** 2))
    assert rmse < 0.1  # observed 0.038; a linear fit gives 0.86


def test_pandas_dtypes_categories_and_ranges_are_kept():
    df = mixed_frame()
    model = SCM.fit(df, MIXED, seed=0)
    s = model.sample(5000, seed=7)
    assert list(s.columns) == list(df.columns)
    assert (s.dtypes == df.dtypes).all(), (s.dtypes, df.dtypes)
    assert list(s["grade"].cat.categories) == ["low", "high", "unused"]
    assert s["grade"].cat.ordered
    assert (s["grade"] == "unused").sum() == 0  # a level with no rows is never drawn
    assert set(s["region"]) <= {"north", "south", "east"}
    assert s["income"].min() >= df["income"].min() and s["income"].max() <= df["income"].max()
    assert s["age"].between(18, 79).all()
    assert np.allclose(s["income"], np.round(s["income"], 2))  # the data's 2 decimals
    shares = s["region"].value_counts(normalize=True)
    assert shares["north"] == pytest.approx(0.5, abs=0.02)  # observed 0.508
    # member depends on income and region: P(member | north) > P(member | south).
    by_region = s.groupby("region")["member"].mean()
    true_by_region = df.groupby("region")["member"].mean()
    assert by_region["north"] == pytest.approx(true_by_region["north"], abs=0.04)  # obs 0.007 off
    assert by_region["south"] == pytest.approx(true_by_region["south"], abs=0.04)  # obs 0.012 off
    # do() on categorical and bool nodes, by category value.
    d = model.intervene({"region": "south", "grade": "high"}).sample(100, seed=1)
    assert (d["region"] == "south").all() and (d["grade"] == "high").all()
    assert d.dtypes.equals(df.dtypes)


def test_integer_categories_and_numpy_dtypes():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 10, (500, 2))
    out = SCM.fit(x, [(0, 1)], mechanisms="linear").sample(100, seed=0)
    assert out.dtype == x.dtype
    df = pd.DataFrame({"c": pd.Categorical(rng.integers(1, 4, 500)), "v": rng.normal(size=500)})
    s = SCM.fit(df, [("c", "v")]).sample(50, seed=0)
    assert list(s["c"].cat.categories) == [1, 2, 3]
    assert s["c"].cat.categories.dtype == df["c"].cat.categories.dtype


def test_same_seed_same_bytes_at_any_thread_count():
    df = mixed_frame(800)
    a = SCM.fit(df, MIXED, seed=5, threads=1)
    b = SCM.fit(df, MIXED, seed=5, threads=2)
    assert a.to_bytes() == b.to_bytes()
    one = a.sample(10000, seed=11, threads=1)
    two = a.sample(10000, seed=11, threads=2)
    pd.testing.assert_frame_equal(one, two)
    assert not one.equals(a.sample(10000, seed=12))
    g = a.sample(10, seed=np.random.default_rng(0))
    assert isinstance(a.seed_, int) and g.shape == (10, 5)


def test_save_load_round_trip_and_damaged_files(tmp_path):
    df = mixed_frame(600)
    model = SCM.fit(df, MIXED, seed=0)
    path = tmp_path / "m.scm"
    model.save(path)
    back = SCM.load(path)
    assert back.to_bytes() == model.to_bytes()
    pd.testing.assert_frame_equal(back.sample(500, seed=3), model.sample(500, seed=3))
    raw = path.read_bytes()
    (tmp_path / "cut.scm").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(InvalidInputError, match="truncated"):
        SCM.load(tmp_path / "cut.scm")
    bad = bytearray(raw)
    bad[-50] ^= 0x01
    (tmp_path / "bad.scm").write_bytes(bytes(bad))
    with pytest.raises(InvalidInputError, match="checksum mismatch"):
        SCM.load(tmp_path / "bad.scm")
    with pytest.raises(InvalidInputError, match="not a scmforge SCM file"):
        SCM.from_bytes(b"\x80\x04\x95pickle")
    with pytest.raises(IoError):
        SCM.load(tmp_path / "missing.scm")


def test_graph_inputs():
    import networkx as nx

    data = pd.DataFrame(chain(1000), columns=["x", "y", "z"])
    a = SCM.fit(data, nx.DiGraph(CHAIN), mechanisms="linear")
    b = SCM.fit(data, CHAIN, mechanisms="linear")
    assert a.to_bytes() == b.to_bytes()
    assert sorted(a.edges) == sorted(CHAIN)
    with pytest.raises(InvalidInputError, match="undirected"):
        SCM.fit(data, nx.Graph(CHAIN))


def test_bad_inputs_are_named():
    data = pd.DataFrame(chain(300), columns=["x", "y", "z"])
    with pytest.raises(InvalidInputError, match="no column named 'q'"):
        SCM.fit(data, [("x", "q")])
    with pytest.raises(InvalidInputError, match="directed cycle: x -> y -> z -> x"):
        SCM.fit(data, CHAIN + [("z", "x")])
    const = data.assign(y=4.0)
    with pytest.raises(InvalidInputError, match="column 'y' is constant"):
        SCM.fit(const, CHAIN)
    lone = data.assign(c=np.where(np.arange(300) < 150, "a", "b"))
    lone.loc[7, "c"] = "solo"
    with pytest.raises(InvalidInputError, match="level 'solo' has a single row"):
        SCM.fit(lone, CHAIN + [("x", "c")])
    holes = data.copy()
    holes.loc[5, "z"] = np.nan
    with pytest.raises(InvalidInputError, match="column 'z', row 5: missing value"):
        SCM.fit(holes, CHAIN)
    imputed = SCM.fit(holes, CHAIN, missing="impute")
    assert imputed.summary()[2]["imputed"] == 1
    assert not imputed.sample(1000, seed=0).isna().any().any()
    with pytest.raises(InvalidInputError, match="mechanisms must be one of"):
        SCM.fit(data, CHAIN, mechanisms="nn")
    model = SCM.fit(data, CHAIN, mechanisms="linear")
    for n in (0, -3):
        with pytest.raises(InvalidInputError, match="must be >= 1"):
            model.sample(n)
    with pytest.raises(InvalidInputError, match="n must be an int"):
        model.sample(2.5)
    with pytest.raises(InvalidInputError, match="no such node"):
        model.intervene({"w": 1})
    with pytest.raises(InvalidInputError, match="not one of its categories"):
        SCM.fit(mixed_frame(300), MIXED).intervene({"region": "west"})
    with pytest.raises(InvalidInputError, match="seed must be"):
        model.sample(5, seed=-1)
    with pytest.raises(InvalidInputError, match="dtype"):
        SCM.fit(data.assign(t=pd.Timestamp("2020-01-01")), CHAIN)


def test_cli_rows_equal_python_rows(tmp_path, cli):
    data = chain(500)
    csv = tmp_path / "data.csv"
    pd.DataFrame(data, columns=["x", "y", "z"]).to_csv(csv, index=False, float_format="%.17g")
    graph = tmp_path / "graph.txt"
    graph.write_text("x -> y\ny -> z\n")
    run = subprocess.run([cli, "scm", "fit", str(csv), "--graph", str(graph), "--out",
                          str(tmp_path / "m.scm")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    run = subprocess.run([cli, "scm", "sample", str(tmp_path / "m.scm"), "--n", "3000", "--seed",
                          "9", "--out", str(tmp_path / "rows.csv")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    cli_rows = pd.read_csv(tmp_path / "rows.csv").to_numpy()
    # The graph file path is accepted by Python too.
    py = SCM.fit(pd.read_csv(csv), str(graph)).sample(3000, seed=9)
    np.testing.assert_array_equal(cli_rows, py.to_numpy())
    # A model written by the CLI loads in Python (numpy container: no pandas metadata).
    assert np.array_equal(SCM.load(tmp_path / "m.scm").sample(3000, seed=9), cli_rows)
    bad = subprocess.run([cli, "scm", "sample", str(tmp_path / "m.scm"), "--n", "0", "--out",
                          str(tmp_path / "r.csv")], capture_output=True, text=True)
    assert bad.returncode == 2 and "must be >= 1" in bad.stderr
