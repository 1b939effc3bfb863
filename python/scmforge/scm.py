"""Structural causal models fitted on a table and a DAG: sample rows, intervene, save, load.

>>> import numpy as np, pandas as pd
>>> from scmforge.scm import SCM
>>> rng = np.random.default_rng(0)
>>> x = rng.normal(size=1000); y = 2 * x + rng.normal(size=1000)
>>> df = pd.DataFrame({"x": x, "y": y, "flag": pd.Categorical(np.where(y > 0, "up", "down"))})
>>> scm = SCM.fit(df, [("x", "y"), ("y", "flag")], seed=0)
>>> rows = scm.sample(5000, seed=1)                      # a DataFrame with df's dtypes
>>> moved = scm.intervene({"x": 1.0}).sample(5000, seed=1)   # do(x = 1)
>>> round(float(moved["y"].mean()))
2

Each column is a node. Roots resample their training values (``smoothing`` > 0 adds Gaussian
kernel noise to numeric ones); numeric nodes with parents are additive noise models
``f(parents) + e`` with ``e`` resampled from the training residuals; categorical nodes with
parents draw from a classifier's probabilities. ``mechanisms`` picks the models: ``"linear"``
(ridge / logistic regression), ``"boosted"`` (histogram gradient-boosted trees) or ``"auto"``
(5-fold cross-validation picks per node, like DoWhy gcm's ``AssignmentQuality.GOOD``).
Details, presets and the file format: docs/scm.md.

Input: a pandas DataFrame (numeric, bool, category and string columns) or a 2-D numeric numpy
array (columns named ``x0, x1, ...`` unless ``names`` is given). Samples come back in the same
form: pandas in, a DataFrame with the same columns, dtypes and category sets out; numpy in, an
array of the input's dtype. Numeric samples stay inside the training range and keep its
precision (integers stay integers).
"""

from __future__ import annotations

import json
import numbers
import os
from collections.abc import Iterable, Mapping
from typing import Any, Optional, Union

import numpy as np

from scmforge import _core
from scmforge._errors import InvalidInputError

__all__ = ["SCM", "MECHANISMS", "MISSING"]

MECHANISMS = ("auto", "linear", "boosted")
MISSING = ("error", "impute")

_SCHEMA_VERSION = 1


def _seed_of(seed: Union[int, np.random.Generator, None]) -> int:
    """An int seed from ``int | numpy.random.Generator | None`` (None: fresh entropy)."""
    if seed is None:
        return int(np.random.SeedSequence().generate_state(2, dtype=np.uint32).view(np.uint64)[0])
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63))
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise InvalidInputError(
            f"seed must be a non-negative int, a numpy Generator or None, got {seed!r}")
    return int(seed)


def _threads_of(threads: Optional[int]) -> int:
    if threads is None:
        return 0
    if isinstance(threads, bool) or not isinstance(threads, numbers.Integral) or threads < 0:
        raise InvalidInputError(f"threads must be a non-negative int or None, got {threads!r}")
    return int(threads)


def _json_value(v: Any) -> Any:
    """A category value as JSON (numbers and strings kept; anything else by its str)."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        return float(v)
    return str(v)


def _encode_pandas(df: Any) -> tuple[np.ndarray, list[str], list[list[str]], list[int], list[dict]]:
    import pandas as pd

    n, d = df.shape
    x = np.empty((n, d), dtype=np.float64, order="F")
    names, levels, categorical, schema = [], [], [], []
    for j, name in enumerate(df.columns):
        if not isinstance(name, str):
            raise InvalidInputError(f"column {j} has a non-string name {name!r}; rename it")
        col = df.iloc[:, j]
        dtype = col.dtype
        entry: dict[str, Any] = {"name": name, "dtype": str(dtype)}
        if isinstance(dtype, pd.CategoricalDtype):
            cats = list(dtype.categories)
            codes = col.cat.codes.to_numpy().astype(np.float64)
            codes[codes < 0] = np.nan
            x[:, j] = codes
            entry.update(kind="category", categories=[_json_value(c) for c in cats],
                         ordered=bool(dtype.ordered))
            levels.append([str(c) for c in cats])
            categorical.append(1)
        elif pd.api.types.is_bool_dtype(dtype):
            mask = col.isna().to_numpy()
            values = np.zeros(n)
            values[~mask] = col[~mask].astype(bool).to_numpy().astype(np.float64)
            values[mask] = np.nan
            x[:, j] = values
            entry.update(kind="bool")
            levels.append(["False", "True"])
            categorical.append(1)
        elif pd.api.types.is_numeric_dtype(dtype):
            x[:, j] = col.astype("float64").to_numpy(dtype=np.float64, na_value=np.nan)
            entry.update(kind="numeric")
            levels.append([])
            categorical.append(0)
        elif pd.api.types.is_string_dtype(dtype) or dtype == object:
            mask = col.isna().to_numpy()
            present = col[~mask]
            bad = [v for v in present.head(1000) if not isinstance(v, str)]
            if bad:
                raise InvalidInputError(
                    f"column '{name}' mixes text with {type(bad[0]).__name__} values "
                    f"(e.g. {bad[0]!r}); convert it to one type or to a pandas category")
            cats = sorted(set(present.tolist()))
            index = {c: i for i, c in enumerate(cats)}
            values = np.full(n, np.nan)
            values[~mask] = [index[v] for v in present.tolist()]
            x[:, j] = values
            entry.update(kind="text", categories=cats)
            levels.append(cats)
            categorical.append(1)
        else:
            raise InvalidInputError(
                f"column '{name}' has dtype {dtype}, which an SCM cannot model; convert it to "
                "numbers, text or a pandas category")
        names.append(name)
        schema.append(entry)
    return x, names, levels, categorical, schema


def _encode_numpy(arr: np.ndarray, names: Optional[list[str]]) -> tuple[np.ndarray, list[str],
                                                                        list[list[str]], list[int],
                                                                        list[dict]]:
    if arr.ndim != 2:
        raise InvalidInputError(f"data must be 2-D (rows x columns), got shape {arr.shape}")
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise InvalidInputError(
            f"a numpy array must be numeric, got dtype {arr.dtype}; pass a pandas DataFrame for "
            "text or categorical columns")
    d = arr.shape[1]
    if names is None:
        names = [f"x{j}" for j in range(d)]
    names = [str(v) for v in names]
    if len(names) != d:
        raise InvalidInputError(f"{len(names)} names for {d} columns")
    x = np.asfortranarray(arr, dtype=np.float64)
    schema = [{"name": nm, "dtype": str(arr.dtype), "kind": "numeric"} for nm in names]
    return x, names, [[] for _ in names], [0] * d, schema


def _edges_of(graph: Any, names: list[str]) -> list[tuple[str, str]]:
    """(parent, child) name pairs from a list of pairs, a networkx DiGraph or a scmforge Graph."""
    if isinstance(graph, (str, os.PathLike)):
        path = os.fspath(graph)
        with open(path, encoding="utf-8") as f:
            return [tuple(e) for e in _core.scm_parse_edges(f.read(), path)]
    if hasattr(graph, "directed_edges") and hasattr(graph, "marks"):  # scmforge.causal.Graph
        directed = graph.directed_edges()
        if len(directed) != len(graph.edges()):
            raise InvalidInputError(
                "the graph has undirected or bi-directed edges; orient it into a DAG first "
                "(Graph.to_dag())")
        return [(str(a), str(b)) for a, b in directed]
    if hasattr(graph, "edges") and hasattr(graph, "is_directed"):  # networkx
        if not graph.is_directed():
            raise InvalidInputError("the networkx graph is undirected; pass a DiGraph")
        pairs = list(graph.edges())
    elif isinstance(graph, Iterable):
        pairs = list(graph)
    else:
        raise InvalidInputError(
            f"graph must be a list of (parent, child) pairs, a networkx DiGraph, a scmforge "
            f"causal Graph or an edge-list file, got {type(graph).__name__}")
    out = []
    for e in pairs:
        if not isinstance(e, (tuple, list)) or len(e) != 2:
            raise InvalidInputError(f"graph edge {e!r} is not a (parent, child) pair")
        ends = []
        for v in e:
            if isinstance(v, numbers.Integral) and not isinstance(v, bool):
                if not 0 <= int(v) < len(names):
                    raise InvalidInputError(
                        f"graph edge {tuple(e)!r}: column index {v} out of range [0, {len(names)})")
                ends.append(names[int(v)])
            else:
                ends.append(str(v))
        out.append((ends[0], ends[1]))
    return out


class SCM:
    """A fitted structural causal model. Build one with :meth:`SCM.fit` or :meth:`SCM.load`."""

    def __init__(self, model: Any) -> None:
        self._model = model
        meta = json.loads(model.metadata) if model.metadata else {}
        self._schema: list[dict] = meta.get("columns") or [
            {"name": nm, "dtype": "float64", "kind": "category" if c else "numeric",
             "categories": lv} if c else {"name": nm, "dtype": "float64", "kind": "numeric"}
            for nm, c, lv in zip(model.names, model.categorical, model.levels)]
        self._container: str = meta.get("container", "numpy")
        self.seed_: Optional[int] = None

    # -- construction ----------------------------------------------------------------------------

    @classmethod
    def fit(cls, data: Any, graph: Any, *, mechanisms: str = "auto", missing: str = "error",
            smoothing: float = 0.0, seed: Union[int, np.random.Generator, None] = 0,
            threads: Optional[int] = None, names: Optional[list[str]] = None,
            clip_to_range: bool = True, round_to_precision: bool = True, cv_folds: int = 5,
            n_rounds: int = 100, max_depth: int = 5, learning_rate: float = 0.1,
            min_leaf: int = 20, ridge_alpha: float = 1.0, logistic_l2: float = 1.0) -> "SCM":
        """Fits one mechanism per column of ``data`` given ``graph`` (a DAG over its columns).

        data: a pandas DataFrame or a 2-D numeric numpy array (``names`` names its columns).
        graph: (parent, child) pairs of column names (or indices), a networkx DiGraph, a
        scmforge.causal Graph with every edge directed, or the path of an edge-list / graph JSON
        file. Columns in no edge are roots.
        mechanisms: "auto" | "linear" | "boosted". missing: "error" | "impute".
        seed fixes the cross-validation folds of the auto mode.
        Raises InvalidInputError for unknown columns, cycles, constant columns, a class with a
        single row at a node with parents, missing values under missing="error", and bad options.
        """
        if mechanisms not in MECHANISMS:
            raise InvalidInputError(f"mechanisms must be one of {MECHANISMS}, got {mechanisms!r}")
        if missing not in MISSING:
            raise InvalidInputError(f"missing must be one of {MISSING}, got {missing!r}")
        try:
            import pandas as pd
            is_frame = isinstance(data, pd.DataFrame)
        except ImportError:  # pragma: no cover - pandas is optional
            is_frame = False
        if is_frame:
            if names is not None:
                raise InvalidInputError("names is for numpy input; a DataFrame has its columns")
            x, col_names, levels, categorical, schema = _encode_pandas(data)
            container = "pandas"
        else:
            x, col_names, levels, categorical, schema = _encode_numpy(np.asarray(data), names)
            container = "numpy"
        edges = _edges_of(graph, col_names)
        options = {
            "mechanisms": mechanisms, "missing": missing, "smoothing": float(smoothing),
            "ridge_alpha": float(ridge_alpha), "logistic_l2": float(logistic_l2),
            "n_rounds": int(n_rounds), "max_depth": int(max_depth),
            "learning_rate": float(learning_rate), "min_leaf": int(min_leaf),
            "cv_folds": int(cv_folds), "clip_to_range": bool(clip_to_range),
            "round_to_precision": bool(round_to_precision), "seed": _seed_of(seed),
            "threads": _threads_of(threads),
        }
        meta = {"schema_version": _SCHEMA_VERSION, "container": container, "columns": schema}
        model = _core.Scm.fit(x, col_names, levels, categorical, edges, options, json.dumps(meta))
        return cls(model)

    @classmethod
    def load(cls, path: Union[str, os.PathLike]) -> "SCM":
        """Reads a model written by :meth:`save` (or ``scmforge scm fit``). Raises
        InvalidInputError for a truncated, altered or unknown-version file, IoError when it
        cannot be read. Loading parses data only; it never runs code."""
        return cls(_core.Scm.load(os.fspath(path)))

    @classmethod
    def from_bytes(cls, data: bytes) -> "SCM":
        return cls(_core.Scm.from_bytes(bytes(data), "<bytes>"))

    def save(self, path: Union[str, os.PathLike]) -> None:
        """Writes the model (JSON header + binary arrays + CRC-32; docs/scm.md) atomically."""
        self._model.save(os.fspath(path))

    def to_bytes(self) -> bytes:
        return self._model.to_bytes()

    # -- use -------------------------------------------------------------------------------------

    def sample(self, n: int, seed: Union[int, np.random.Generator, None] = None,
               threads: Optional[int] = None) -> Any:
        """Draws ``n`` rows. Same seed, same rows, at any thread count (``seed_`` records the
        seed used). Returns a DataFrame for pandas input, else a numpy array."""
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise InvalidInputError(f"n must be an int >= 1, got {n!r}")
        used = _seed_of(seed)
        raw = self._model.sample(int(n), used, _threads_of(threads))  # d x n
        self.seed_ = used
        return self._decode(raw.T)

    def intervene(self, interventions: Mapping[str, Any]) -> "SCM":
        """A copy with do(node = value) for each entry: the node becomes constant and its
        incoming edges are cut. A categorical node takes one of its categories (a bool column
        True / False); a numeric node any finite number."""
        if not isinstance(interventions, Mapping):
            raise InvalidInputError("interventions must be a mapping {node: value}")
        by_name = {c["name"]: c for c in self._schema}
        items = []
        for node, value in interventions.items():
            col = by_name.get(node)
            if col is None:
                raise InvalidInputError(f"intervention on '{node}': no such node in the model")
            kind = col["kind"]
            if kind == "numeric":
                if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
                    raise InvalidInputError(
                        f"intervention on '{node}': a numeric node takes a number, got {value!r}")
                items.append((node, float(value), ""))
                continue
            cats = ["False", "True"] if kind == "bool" else col["categories"]
            key = str(bool(value)) if kind == "bool" and isinstance(value, (bool, np.bool_)) \
                else value
            matches = [i for i, c in enumerate(cats) if c == _json_value(key) or c == key]
            if not matches:
                raise InvalidInputError(
                    f"intervention on '{node}': {value!r} is not one of its categories {cats}")
            items.append((node, float(matches[0]), ""))
        out = SCM(self._model.intervene(items))
        return out

    # -- inspection ------------------------------------------------------------------------------

    @property
    def columns(self) -> list[str]:
        return list(self._model.names)

    @property
    def edges(self) -> list[tuple[str, str]]:
        """(parent, child) pairs of the fitted graph (without edges cut by interventions)."""
        return [tuple(e) for e in self._model.edges]

    @property
    def rows_fitted(self) -> int:
        return int(self._model.rows_fitted)

    def summary(self) -> list[dict]:
        """Per node: name, kind, mechanism, parents, the auto mode's CV errors (MSE or log-loss)
        and the number of values imputed."""
        return json.loads(self._model.summary_json())

    def __repr__(self) -> str:
        return f"SCM({len(self.columns)} nodes, {len(self.edges)} edges)"

    # -- output ----------------------------------------------------------------------------------

    def _decode(self, x: np.ndarray) -> Any:
        if self._container != "pandas":
            dtype = np.dtype(self._schema[0]["dtype"]) if self._schema else np.float64
            same = all(c["dtype"] == self._schema[0]["dtype"] for c in self._schema)
            if same and dtype != np.float64:
                return x.astype(dtype)
            return np.ascontiguousarray(x)
        import pandas as pd

        # One float64 block over the sampled array (no copy), then the other dtypes column by
        # column: building the frame from d separate columns would copy every value again.
        frame = pd.DataFrame(x, columns=[c["name"] for c in self._schema], copy=False)
        for j, col in enumerate(self._schema):
            v = x[:, j]
            kind = col["kind"]
            if kind == "numeric":
                if col["dtype"] == "float64":
                    continue
                try:
                    series = pd.Series(v).astype(col["dtype"])
                except (TypeError, ValueError):
                    continue
            elif kind == "bool":
                series = pd.Series(v.astype(bool))
            elif kind == "category":
                cats = col["categories"]
                codes = v.astype(np.int64)
                series = pd.Series(pd.Categorical.from_codes(
                    codes, categories=pd.Index(cats) if cats else pd.Index([]),
                    ordered=col.get("ordered", False)))
            else:  # text
                cats = np.asarray(col["categories"], dtype=object)
                values = cats[v.astype(np.int64)]
                try:
                    series = pd.Series(values, dtype=col["dtype"])
                except (TypeError, ValueError):
                    series = pd.Series(values, dtype=object)
            frame[col["name"]] = series
        return frame
