"""Causal discovery: PC and FCI on numeric (Fisher's z) or discrete (chi-square, G-square) tables.

``pc(data)`` and ``fci(data)`` return the graphs causal-learn's ``pc`` and ``fci`` return on the
same data and settings (tested against causal-learn's recorded graphs), as a :class:`Graph` that
converts to causal-learn, networkx, JSON, DOT and an edge list. Details: docs/causal.md.
"""

from __future__ import annotations

import json

from typing import Any, Optional

import numpy as np

from scmforge import _core
from scmforge._errors import InvalidInputError
from scmforge.io import is_categorical

TESTS = ("fisherz", "chisq", "gsq", "dg")

_MARK_NAMES = {-1: "tail", 1: "arrow", 2: "circle"}


class Graph:
    """A graph with endpoint marks over named variables.

    ``marks`` is causal-learn's ``GeneralGraph.graph`` encoding: ``marks[a, b]`` is the mark at
    ``a`` of the edge ``a - b`` (0 none, -1 tail, 1 arrow, 2 circle), so ``a -> b`` is
    ``marks[a, b] == -1 and marks[b, a] == 1``.
    """

    def __init__(self, names: list[str], marks: np.ndarray, info: Optional[dict] = None,
                 exports: Optional[dict] = None) -> None:
        self.names = list(names)
        self.marks = np.asarray(marks, dtype=np.int8)
        self.info = dict(info or {})
        self._exports = exports or {}

    def __repr__(self) -> str:
        return f"Graph({len(self.names)} nodes, {len(self.edges())} edges)"

    def edges(self) -> list[tuple[str, str, str, str]]:
        """(a, b, mark at a, mark at b) for every edge, a before b in column order."""
        out = []
        d = len(self.names)
        for a in range(d):
            for b in range(a + 1, d):
                if self.marks[a, b] != 0:
                    out.append((self.names[a], self.names[b], _MARK_NAMES[int(self.marks[a, b])],
                                _MARK_NAMES[int(self.marks[b, a])]))
        return out

    def directed_edges(self) -> list[tuple[str, str]]:
        """(parent, child) for every a -> b."""
        d = len(self.names)
        return [(self.names[a], self.names[b]) for a in range(d) for b in range(d)
                if self.marks[a, b] == -1 and self.marks[b, a] == 1]

    def to_json(self) -> str:
        return self._exports["json"]

    def to_dot(self) -> str:
        return self._exports["dot"]

    def to_edge_list(self) -> str:
        return self._exports["edges"]

    def to_dag(self, seed: Optional[int] = None, fallback: bool = False) -> "Graph":
        """A DAG for SCM fitting. From a CPDAG (PC): a consistent extension (Dor-Tarsi):
        acyclic, the same directed edges and v-structures. From a PAG (FCI): o-> and --> become
        ->, the arrowless edges get a consistent extension (or, when the estimated PAG admits
        none, follow a topological order; ``info["consistent"]`` says which), and a <-> b
        (a latent common cause) goes from the earlier to the later node of a topological order
        (docs/causal.md). ``seed=None``: the fixed DAG; an int: a random consistent extension.
        Raises InvalidInputError for a directed cycle, or for a CPDAG with no extension unless
        ``fallback``: then its undirected edges follow a topological order of the directed ones
        (the PAG rule; ``info["consistent"]`` is False)."""
        if seed is not None and (not isinstance(seed, (int, np.integer)) or seed < 0):
            raise InvalidInputError(f"seed must be a non-negative integer or None, got {seed!r}")
        raw = _core.causal_extend(self.names, np.ascontiguousarray(self.marks, dtype=np.int8),
                                  -1 if seed is None else int(seed), bool(fallback))
        info = {**self.info, "dag_seed": seed, "from_pag": raw["from_pag"],
                "consistent": raw["consistent"]}
        return Graph(self.names, np.asarray(raw["marks"]), info,
                     {"json": raw["json"], "dot": raw["dot"], "edges": raw["edges"]})

    def to_networkx(self) -> Any:
        """A networkx DiGraph: a -> b as one edge, an undirected or bi-directed edge as two
        (with attribute ``marks``, the marks at each end)."""
        import networkx as nx

        g = nx.DiGraph()
        g.add_nodes_from(self.names)
        for a, b, ma, mb in self.edges():
            if (ma, mb) == ("tail", "arrow"):
                g.add_edge(a, b, marks=(ma, mb))
            elif (ma, mb) == ("arrow", "tail"):
                g.add_edge(b, a, marks=(mb, ma))
            else:
                g.add_edge(a, b, marks=(ma, mb))
                g.add_edge(b, a, marks=(mb, ma))
        return g

    def to_causallearn(self) -> Any:
        """causal-learn's GeneralGraph with the same marks (needs causal-learn installed)."""
        from causallearn.graph.GeneralGraph import GeneralGraph
        from causallearn.graph.GraphNode import GraphNode

        nodes = [GraphNode(name) for name in self.names]
        g = GeneralGraph(nodes)
        g.graph = self.marks.astype(int).copy()
        return g


def _table(data: Any, categorical: Optional[list[bool]]) -> tuple[np.ndarray, list[str], list[int]]:
    """Float64 Fortran array, column names and categorical flags of a numpy array or DataFrame
    (category / object / bool columns become level codes, NaN kept as missing)."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is optional
        pd = None
    if pd is not None and isinstance(data, pd.DataFrame):
        names = [str(c) for c in data.columns]
        columns, flags = [], []
        for c in data.columns:
            s = data[c]
            if is_categorical(s):
                codes = s.astype("category").cat.codes.to_numpy().astype(np.float64)
                codes[codes < 0] = np.nan
                columns.append(codes)
                flags.append(1)
            else:
                columns.append(s.to_numpy(dtype=np.float64, na_value=np.nan))
                flags.append(0)
        X = np.column_stack(columns) if columns else np.zeros((len(data), 0))
    else:
        X = np.asarray(data, dtype=np.float64)
        if X.ndim != 2:
            raise InvalidInputError(f"data must be 2-D (rows x variables), got shape {X.shape}")
        names = [f"X{j + 1}" for j in range(X.shape[1])]  # causal-learn's default names
        flags = [0] * X.shape[1]
    if categorical is not None:
        if len(categorical) != X.shape[1]:
            raise InvalidInputError(f"categorical has {len(categorical)} flags for {X.shape[1]} columns")
        flags = [int(bool(c)) for c in categorical]
    return np.asfortranarray(X), names, flags


def pc(data: Any, alpha: float = 0.05, test: str = "fisherz", stable: bool = True, uc_priority: int = 2,
       max_depth: int = -1, missing: str = "error", threads: int = 0, categorical: Optional[list[bool]] = None,
       names: Optional[list[str]] = None, time_limit: float = 0.0, uc_rule: int = 0,
       background_knowledge: Optional[dict] = None) -> Graph:
    """The PC algorithm (as causal-learn's ``pc``), returning a CPDAG.

    Args:
        data: numpy array (n, d) or pandas DataFrame; category/object/bool columns are discrete.
        alpha: significance level in (0, 1).
        test: "fisherz" (numeric columns), "chisq" or "gsq" (discrete columns), "dg" (mixed
            numeric and categorical columns: the degenerate-Gaussian likelihood-ratio test).
        stable: PC-stable (order-independent) or the original order-dependent PC.
        uc_priority: collider conflicts as causal-learn: -1 (the rule's default: 3, or 4 for
            uc_rule 2), 0 overwrite, 1 bi-directed, 2 keep existing (causal-learn's pc default),
            3 stronger, 4 stronger*.
        uc_rule: colliders as causal-learn: 0 by separating sets, 1 MaxP, 2 definite MaxP
            (priorities -1, 2, 3, 4 only).
        background_knowledge: ``{"forbidden": [(a, b), ...], "required": [(a, b), ...],
            "tiers": [[a, b], [c], ...], "forbidden_within_tiers": [0, ...]}`` over column
            names or positions; every key optional. Meaning as causal-learn's
            ``BackgroundKnowledge`` (docs/causal.md): an edge forbidden both ways is removed,
            orientations follow the knowledge, a later tier never points at an earlier one.
        max_depth: largest conditioning set (-1: no limit).
        missing: "error" (NaN is an error) or "drop" (rows with NaN are dropped).
        threads: threads for the CI tests of one level (0: all cores); the result is the same.
        categorical: per-column flags overriding the detected ones; names: column names.
        time_limit: seconds the adjacency search may take (0: none); past it, InvalidInputError
            naming the level reached.
    """
    return _discover("pc", data, alpha, test, stable, uc_priority, max_depth, missing, threads,
                     categorical, names, time_limit, uc_rule, background_knowledge)


def fci(data: Any, alpha: float = 0.05, test: str = "fisherz", max_depth: int = -1,
        missing: str = "error", threads: int = 0, categorical: Optional[list[bool]] = None,
        names: Optional[list[str]] = None, time_limit: float = 0.0) -> Graph:
    """FCI (as causal-learn's ``fci`` with its defaults), returning a PAG: marks may be circles
    (undetermined), and a <-> b means a latent common cause.

    Arguments as :func:`pc` (FCI's adjacency search is always the stable one); ``max_depth`` is
    causal-learn's ``depth``. ``time_limit`` covers the whole run, possible-d-separation and
    discriminating-path tests included.
    """
    return _discover("fci", data, alpha, test, True, 2, max_depth, missing, threads, categorical,
                     names, time_limit, 0, None)


def _knowledge_json(knowledge: Optional[dict], names: list[str]) -> str:
    """Background knowledge as the JSON the engine reads (names; positions resolved here)."""
    if not knowledge:
        return ""
    if not isinstance(knowledge, dict):
        raise InvalidInputError("background_knowledge must be a dict with keys forbidden, required, "
                                "tiers, forbidden_within_tiers")

    def name(v: Any) -> str:
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            if not 0 <= int(v) < len(names):
                raise InvalidInputError(f"background knowledge names column {v}, outside 0..{len(names) - 1}")
            return names[int(v)]
        return str(v)

    out: dict = {}
    for key, value in knowledge.items():
        if key in ("forbidden", "required"):
            out[key] = [[name(a), name(b)] for a, b in value]
        elif key == "tiers":
            out[key] = [[name(v) for v in tier] for tier in value]
        else:
            out[key] = value  # validated by the engine (unknown keys are named there)
    return json.dumps(out)


def _discover(algorithm: str, data: Any, alpha: float, test: str, stable: bool, uc_priority: int,
              max_depth: int, missing: str, threads: int, categorical: Optional[list[bool]],
              names: Optional[list[str]], time_limit: float, uc_rule: int,
              knowledge: Optional[dict]) -> Graph:
    if test not in TESTS:
        raise InvalidInputError(f"unknown test {test!r}; use one of {', '.join(TESTS)}")
    X, detected, flags = _table(data, categorical)
    if names is not None:
        if len(names) != X.shape[1]:
            raise InvalidInputError(f"{len(names)} names for {X.shape[1]} columns")
        detected = [str(n) for n in names]
    raw = _core.causal_discover(algorithm, X, detected, flags, test, float(alpha), bool(stable),
                                int(uc_priority), int(max_depth), missing, int(threads),
                                float(time_limit), int(uc_rule), _knowledge_json(knowledge, detected))
    info = {"algorithm": algorithm, "test": test, "alpha": alpha, "stable": stable,
            "max_depth": max_depth, "rows_used": raw["rows_used"],
            "depth_reached": raw["depth_reached"], "ci_tests": raw["ci_tests"]}
    if algorithm == "pc":
        info["uc_rule"] = uc_rule
        info["uc_priority"] = uc_priority
        if knowledge:
            info["background_knowledge"] = json.loads(raw["json"])["background_knowledge"]
    else:
        info["possible_dsep_removed"] = raw["possible_dsep_removed"]
    exports = {"json": raw["json"], "dot": raw["dot"], "edges": raw["edges"]}
    return Graph(detected, np.asarray(raw["marks"]), info, exports)
