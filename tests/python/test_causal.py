"""scmforge.causal.pc against causal-learn's recorded and live graphs, exports, CLI and bad input."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

import scmforge
import scmforge.causal

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "causal-learn" / "TestData"


def load(name: str, skip: int = 1) -> np.ndarray:
    return np.loadtxt(FIXTURES / name, skiprows=skip)


@pytest.fixture(scope="module")
def linear10() -> np.ndarray:
    return load("data_linear_10.txt")


@pytest.mark.parametrize("priority", [0, 1, 2, 3, 4])
def test_pc_fisherz_equals_causal_learns_recorded_graph(linear10, priority):
    g = scmforge.causal.pc(linear10, 0.05, "fisherz", uc_priority=priority)
    expected = load(f"benchmark_returned_results/linear_10_pc_fisherz_0.05_stable_0_{priority}.txt", 0)
    np.testing.assert_array_equal(g.marks, expected)
    assert g.names[0] == "X1" and g.info["depth_reached"] >= 1


def test_pc_discrete_from_a_dataframe_with_categories():
    pd = pytest.importorskip("pandas")
    data = load("data_discrete_10.txt")
    frame = pd.DataFrame({f"X{j + 1}": pd.Categorical(data[:, j].astype(int)) for j in range(data.shape[1])})
    for test in ("chisq", "gsq"):
        g = scmforge.causal.pc(frame, 0.05, test, uc_priority=-1)
        expected = load(f"benchmark_returned_results/discrete_10_pc_{test}_0.05_stable_0_-1.txt", 0)
        np.testing.assert_array_equal(g.marks, expected)
    with pytest.raises(scmforge.InvalidInputError, match="categorical; fisherz needs numeric"):
        scmforge.causal.pc(frame)


def test_stable_pc_does_not_depend_on_column_order_or_threads(linear10):
    # The skeleton never depends on the column order. Orientation does where colliders conflict
    # and the rule is first-come (uc_priority 0: last wins; 2: first wins, causal-learn's pc
    # default); ranking them by p-value (3, 4) or making them bi-directed (1) does not.
    data = linear10[:3000]
    perm = np.random.default_rng(0).permutation(data.shape[1])
    for priority in (-1, 1, 3, 4):
        a = scmforge.causal.pc(data, threads=1, uc_priority=priority)
        b = scmforge.causal.pc(data[:, perm], threads=2, uc_priority=priority)
        np.testing.assert_array_equal(b.marks, a.marks[np.ix_(perm, perm)], err_msg=f"uc_priority {priority}")
    for priority in (0, 2):  # on this data: 8 and 11 marks differ, never an adjacency
        a = scmforge.causal.pc(data, uc_priority=priority)
        b = scmforge.causal.pc(data[:, perm], uc_priority=priority)
        np.testing.assert_array_equal(b.marks != 0, a.marks[np.ix_(perm, perm)] != 0)


def test_pc_equals_causal_learn_live_on_random_dags():
    cl = pytest.importorskip("causallearn.search.ConstraintBased.PC")
    rng = np.random.default_rng(5)
    for trial in range(3):
        d, n = 12, 3000
        weights = np.triu(rng.normal(size=(d, d)) * (rng.random((d, d)) < 0.25), k=1)
        x = np.zeros((n, d))
        for j in range(d):
            x[:, j] = x @ weights[:, j] + rng.normal(size=n)
        ours = scmforge.causal.pc(x, 0.05, "fisherz")
        theirs = cl.pc(x, 0.05, "fisherz", stable=True, uc_rule=0, uc_priority=2, show_progress=False)
        np.testing.assert_array_equal(ours.marks, theirs.G.graph, err_msg=f"trial {trial}")


def test_exports(linear10):
    g = scmforge.causal.pc(linear10[:2000])
    doc = json.loads(g.to_json())
    assert doc["format"] == "scmforge-graph" and doc["nodes"] == g.names
    np.testing.assert_array_equal(np.array(doc["marks"]), g.marks)
    assert len(doc["edges"]) == len(g.edges()) == len(g.to_edge_list().splitlines())
    assert g.to_dot().startswith("digraph") and g.to_dot().count("->") == len(g.edges())
    nx = pytest.importorskip("networkx")
    graph = g.to_networkx()
    assert isinstance(graph, nx.DiGraph) and set(g.directed_edges()) <= set(graph.edges())
    pytest.importorskip("causallearn")
    np.testing.assert_array_equal(g.to_causallearn().graph, g.marks)


def test_cli_writes_the_python_graph(tmp_path, cli, linear10):
    csv = tmp_path / "linear.csv"
    header = ",".join(f"X{j + 1}" for j in range(linear10.shape[1]))
    np.savetxt(csv, linear10[:2000], delimiter=",", header=header, comments="", fmt="%.6f")
    out, dot = tmp_path / "g.json", tmp_path / "g.dot"
    run = subprocess.run([cli, "causal", "pc", str(csv), "--alpha", "0.05", "--out", str(out), "--dot", str(dot)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    import pandas as pd

    g = scmforge.causal.pc(pd.read_csv(csv))
    assert out.read_text() == g.to_json() and dot.read_text() == g.to_dot()
    assert run.stdout == g.to_edge_list()
    bad = subprocess.run([cli, "causal", "pc", str(csv), "--alpha", "1.5"], capture_output=True, text=True)
    assert bad.returncode == 2 and "alpha must be in (0, 1)" in bad.stderr


def test_bad_inputs(linear10):
    x = linear10[:500, :5].copy()
    with pytest.raises(scmforge.InvalidInputError, match="alpha must be in"):
        scmforge.causal.pc(x, alpha=0.0)
    with pytest.raises(scmforge.InvalidInputError, match="unknown test"):
        scmforge.causal.pc(x, test="kci2")
    with pytest.raises(scmforge.InvalidInputError, match="uc_priority"):
        scmforge.causal.pc(x, uc_priority=9)
    holes = x.copy()
    holes[7, 2] = np.nan
    with pytest.raises(scmforge.InvalidInputError, match="row 8 has a missing value"):
        scmforge.causal.pc(holes)
    assert scmforge.causal.pc(holes, missing="drop").info["rows_used"] == 499
    with pytest.raises(scmforge.InvalidInputError, match="missing must be"):
        scmforge.causal.pc(holes, missing="mean")
    constant = x.copy()
    constant[:, 3] = 1.0
    with pytest.raises(scmforge.InvalidInputError, match="'X4' has a single value"):
        scmforge.causal.pc(constant)
    collinear = np.column_stack([x, 2 * x[:, 0] + x[:, 1]])
    with pytest.raises(scmforge.NumericalError, match="singular"):
        scmforge.causal.pc(collinear)
    with pytest.raises(scmforge.InvalidInputError, match="too few"):
        scmforge.causal.pc(x[:6], alpha=0.99)
    with pytest.raises(scmforge.InvalidInputError, match="time limit of 1e-09 s reached during level 0"):
        scmforge.causal.pc(x, time_limit=1e-9)
    with pytest.raises(scmforge.InvalidInputError, match="2-D"):
        scmforge.causal.pc(x[:, 0])
    pd = pytest.importorskip("pandas")
    one_level = pd.DataFrame({"a": pd.Categorical(["u"] * 50), "b": pd.Categorical(list("vw") * 25)})
    with pytest.raises(scmforge.InvalidInputError, match="'a' has a single value \\(one level\\)"):
        scmforge.causal.pc(one_level, test="chisq")


def test_dag_extension_of_a_pc_graph(linear10):
    g = scmforge.causal.pc(linear10)
    for seed in (None, 0, 1, 2):
        dag = g.to_dag(seed)
        assert ((dag.marks != 0) == (g.marks != 0)).all()
        directed = (g.marks == -1) & (g.marks.T == 1)
        assert (dag.marks[directed] == -1).all()
        assert ((dag.marks == -1) == (dag.marks.T == 1)).all()  # every edge directed
        nx = pytest.importorskip("networkx")
        assert nx.is_directed_acyclic_graph(dag.to_networkx())
    with pytest.raises(scmforge.InvalidInputError, match="seed"):
        g.to_dag(-3)
    bidirected = scmforge.causal.Graph(["a", "b"], np.array([[0, 1], [1, 0]], dtype=np.int8))
    assert bidirected.to_dag().directed_edges() == [("a", "b")]  # a PAG: the PAG rule
    cycle = scmforge.causal.Graph(["a", "b", "c"], np.array([[0, -1, 1], [1, 0, -1], [-1, 1, 0]], dtype=np.int8))
    with pytest.raises(scmforge.InvalidInputError, match="directed cycle|no consistent DAG extension"):
        cycle.to_dag()


def _causallearn_fci(x: np.ndarray, test: str) -> np.ndarray:
    fci = pytest.importorskip("causallearn.search.ConstraintBased.FCI")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph, _ = fci.fci(x, test, 0.05, show_progress=False)
    return graph.graph


@pytest.mark.parametrize("name", ["data_linear_10.txt", "bnlearn_discrete_10000/data/asia.txt",
                                  "bnlearn_discrete_10000/data/child.txt"])
def test_fci_equals_causal_learn_live_on_fixtures(name):
    x = load(name)
    test = "fisherz" if "linear" in name else "chisq"
    g = scmforge.causal.fci(x, test=test)
    np.testing.assert_array_equal(g.marks, _causallearn_fci(x, test))
    assert g.info["algorithm"] == "fci" and g.info["ci_tests"] > 0


def test_fci_equals_causal_learn_live_on_dags_with_latents():
    rng = np.random.default_rng(11)
    found_bidirected = False
    for trial in range(3):
        d, n, hidden = 14, 4000, 3
        weights = np.triu(rng.normal(size=(d, d)) * (rng.random((d, d)) < 0.3), k=1)
        x = np.zeros((n, d))
        for j in range(d):
            x[:, j] = x @ weights[:, j] + rng.normal(size=n)
        observed = x[:, hidden:]  # the first (root-most) variables are latent
        ours = scmforge.causal.fci(observed)
        np.testing.assert_array_equal(ours.marks, _causallearn_fci(observed, "fisherz"), err_msg=f"trial {trial}")
        found_bidirected |= bool(((ours.marks == 1) & (ours.marks.T == 1)).any())
    assert found_bidirected  # the latents show up as <-> somewhere


def test_fci_cli_writes_the_python_graph(tmp_path, cli, linear10):
    csv = tmp_path / "linear.csv"
    header = ",".join(f"X{j + 1}" for j in range(linear10.shape[1]))
    np.savetxt(csv, linear10[:3000], delimiter=",", header=header, comments="", fmt="%.6f")
    out = tmp_path / "pag.json"
    run = subprocess.run([cli, "causal", "fci", str(csv), "--out", str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    import pandas as pd

    g = scmforge.causal.fci(pd.read_csv(csv))
    assert out.read_text() == g.to_json() and run.stdout == g.to_edge_list()
    doc = json.loads(out.read_text())
    assert doc["algorithm"] == "fci" and "possible_dsep_removed" in doc and "uc_priority" not in doc
    bad = subprocess.run([cli, "causal", "fci", str(csv), "--original"], capture_output=True, text=True)
    assert bad.returncode != 0 and "original" in bad.stderr


def test_fci_bad_inputs(linear10):
    x = linear10[:500, :5].copy()
    with pytest.raises(scmforge.InvalidInputError, match="alpha must be in"):
        scmforge.causal.fci(x, alpha=1.0)
    with pytest.raises(scmforge.InvalidInputError, match="time limit"):
        scmforge.causal.fci(x, time_limit=1e-9)
    with pytest.raises(scmforge.InvalidInputError, match="fisherz needs numeric columns"):
        pd = pytest.importorskip("pandas")
        scmforge.causal.fci(pd.DataFrame({"a": x[:, 0], "b": pd.Categorical(["u", "v"] * 250)}))


def test_fci_pag_to_dag_feeds_an_scm(linear10):
    from scmforge.scm import SCM

    x = linear10[:3000, :12]
    pag = scmforge.causal.fci(x)
    assert (pag.marks == 2).any()  # circles: a PAG, not a CPDAG
    dag = pag.to_dag()
    assert dag.info["from_pag"] and len(dag.directed_edges()) == len(pag.edges())
    assert (dag.marks != 0).sum() == (pag.marks != 0).sum()
    for a, b, ma, mb in pag.edges():  # every a *-> b with a tail or circle at a stays a -> b
        if mb == "arrow" and ma != "arrow":
            assert (a, b) in dag.directed_edges()
    assert pag.to_dag(seed=4).info["dag_seed"] == 4
    scm = SCM.fit(x, dag, names=pag.names)
    assert scm.sample(100, seed=0).shape == (100, 12)


@pytest.mark.parametrize("rule,priority", [(1, -1), (1, 0), (1, 1), (1, 2), (1, 4), (2, -1), (2, 2), (2, 3)])
def test_pc_maxp_rules_equal_causal_learn_live(linear10, rule, priority):
    cl = pytest.importorskip("causallearn.search.ConstraintBased.PC")
    g = scmforge.causal.pc(linear10, uc_rule=rule, uc_priority=priority)
    ref = cl.pc(linear10, 0.05, "fisherz", True, rule, priority, show_progress=False)
    np.testing.assert_array_equal(g.marks, ref.G.graph)
    assert g.info["uc_rule"] == rule
    if priority == -1:
        recorded = load(f"benchmark_returned_results/linear_10_pc_fisherz_0.05_stable_{rule}_-1.txt", 0)
        np.testing.assert_array_equal(g.marks, recorded)


def test_pc_background_knowledge_equals_causal_learn_live(linear10):
    """Random forbidden / required edges and tiers, each collider rule: causal-learn's graph."""
    cl = pytest.importorskip("causallearn.search.ConstraintBased.PC")
    from causallearn.utils.PCUtils.BackgroundKnowledge import BackgroundKnowledge

    d = linear10.shape[1]
    nodes = cl.pc(linear10[:200], 0.05, "fisherz", show_progress=False).G.get_nodes()
    rng = np.random.default_rng(0)
    changed = 0
    plain = scmforge.causal.pc(linear10, uc_priority=-1).marks
    for trial in range(6):
        bk, spec = BackgroundKnowledge(), {"forbidden": [], "required": [], "tiers": []}
        if trial % 2:
            tiers = rng.integers(0, 3, size=d)
            for i in range(d):
                bk.add_node_to_tier(nodes[i], int(tiers[i]))
            spec["tiers"] = [[f"X{i + 1}" for i in range(d) if tiers[i] == t] for t in range(3)]
        for _ in range(4):
            a, b = (int(v) for v in rng.choice(d, 2, replace=False))
            if rng.random() < 0.5:
                bk.add_forbidden_by_node(nodes[a], nodes[b])
                spec["forbidden"].append((a, b))
                if rng.random() < 0.5:
                    bk.add_forbidden_by_node(nodes[b], nodes[a])
                    spec["forbidden"].append((b, a))
            elif not bk.is_forbidden(nodes[a], nodes[b]) and (b, a) not in spec["required"]:
                bk.add_required_by_node(nodes[a], nodes[b])
                spec["required"].append((a, b))
        for rule in (0, 1, 2):
            ref = cl.pc(linear10, 0.05, "fisherz", True, rule, -1, background_knowledge=bk, show_progress=False)
            g = scmforge.causal.pc(linear10, uc_rule=rule, uc_priority=-1, background_knowledge=spec)
            np.testing.assert_array_equal(g.marks, ref.G.graph, err_msg=f"trial {trial} rule {rule}")
            changed += rule == 0 and not np.array_equal(g.marks, plain)
    assert changed >= 3  # the knowledge changed the graph in most trials
    assert set(g.info["background_knowledge"]) >= {"forbidden", "required"}


def test_pc_knowledge_cli_and_bad_knowledge(tmp_path, cli, linear10):
    csv = tmp_path / "linear.csv"
    header = ",".join(f"X{j + 1}" for j in range(linear10.shape[1]))
    np.savetxt(csv, linear10[:2000], delimiter=",", header=header, comments="", fmt="%.6f")
    spec = {"forbidden": [["X2", "X1"], ["X1", "X2"]], "tiers": [["X3", "X4"], ["X5"]], "forbidden_within_tiers": [1]}
    kfile = tmp_path / "k.json"
    kfile.write_text(json.dumps(spec))
    out = tmp_path / "g.json"
    run = subprocess.run([cli, "causal", "pc", str(csv), "--uc-rule", "1", "--knowledge", str(kfile), "--out", str(out)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    import pandas as pd

    g = scmforge.causal.pc(pd.read_csv(csv), uc_rule=1, background_knowledge=spec)
    assert out.read_text() == g.to_json()
    assert json.loads(out.read_text())["background_knowledge"]["forbidden"] == [["X1", "X2"], ["X2", "X1"]]
    x = linear10[:500, :5]
    cases = [({"forbidden": [("X1", "Z9")]}, "'Z9', which is not a column"),
             ({"required": [(0, 1)], "forbidden": [(0, 1)]}, "both required and forbidden"),
             ({"required": [(0, 1), (1, 0)]}, "both required"),
             ({"tiers": [["X1"], ["X1"]]}, "in two tiers"),
             ({"forbiden": [(0, 1)]}, "unknown key 'forbiden'"),
             ({"forbidden": [(0, 9)]}, "outside 0..4"),
             ({"forbidden": [(0, 0)]}, "self-loop")]
    for spec, message in cases:
        with pytest.raises(scmforge.InvalidInputError, match=message):
            scmforge.causal.pc(x, background_knowledge=spec)
    with pytest.raises(scmforge.InvalidInputError, match="uc_rule 2 .* takes uc_priority"):
        scmforge.causal.pc(x, uc_rule=2, uc_priority=0)
    with pytest.raises(scmforge.InvalidInputError, match="uc_rule must be"):
        scmforge.causal.pc(x, uc_rule=3)
    kfile.write_text("{not json")
    bad = subprocess.run([cli, "causal", "pc", str(csv), "--knowledge", str(kfile)], capture_output=True, text=True)
    assert bad.returncode == 2 and "not valid JSON" in bad.stderr


def _mixed_frame(n: int, seed: int):
    """A known mixed DAG: a -> c (3 categories) -> d, a -> b, b -> e <- c, f alone."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    b = 0.8 * a + rng.normal(size=n)
    u = rng.random(n) + 0.4 * a
    c = np.where(u < 0.3, "lo", np.where(u < 0.7, "mid", "hi"))
    shift = pd.Series(c).map({"lo": 0.0, "mid": 1.0, "hi": -1.0}).to_numpy()
    d = shift + rng.normal(size=n)
    e = 0.7 * b - 0.8 * shift + rng.normal(size=n)
    f = rng.normal(size=n)
    frame = pd.DataFrame({"a": a, "b": b, "c": pd.Categorical(c), "d": d, "e": e, "f": f})
    truth = {("a", "b"), ("a", "c"), ("c", "d"), ("b", "e"), ("c", "e")}
    return frame, truth


def test_pc_dg_test_recovers_a_mixed_dag_and_runs_from_the_cli(tmp_path, cli):
    frame, truth = _mixed_frame(3000, 0)
    g = scmforge.causal.pc(frame, test="dg")
    found = {tuple(sorted((a, b))) for a, b, _, _ in g.edges()}
    assert found == {tuple(sorted(e)) for e in truth}
    assert set(g.directed_edges()) >= {("b", "e"), ("c", "e")}  # the collider at e
    with pytest.raises(scmforge.InvalidInputError, match="is categorical; fisherz needs numeric"):
        scmforge.causal.pc(frame, test="fisherz")
    csv = tmp_path / "mixed.csv"
    frame.to_csv(csv, index=False)
    run = subprocess.run([cli, "causal", "pc", str(csv), "--test", "dg", "--quiet"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    import pandas as pd

    assert run.stdout == scmforge.causal.pc(pd.read_csv(csv), test="dg").to_edge_list()
    assert scmforge.causal.fci(frame, test="dg").info["test"] == "dg"
