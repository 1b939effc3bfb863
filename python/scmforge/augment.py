"""CausalMix: synthetic rows of a small real table from a causal model learned on it.

>>> from scmforge.augment import CausalMix
>>> aug = CausalMix(discovery="pc", alpha=0.05, mechanisms="auto", seed=0).fit(X, y)
>>> X_new, y_new = aug.sample(5000)                       # class shares of the real table
>>> X_all, y_all = aug.fit_resample(X, y, ratio=2.0)      # real rows + 2x as many synthetic ones

``fit`` learns a graph of the features and the label together (PC or FCI, or takes a given
graph), turns it into a DAG (``Graph.to_dag``: a consistent extension of PC's CPDAG, the PAG rule
for FCI's PAG), and fits an SCM on it (``scmforge.scm.SCM``: resampled roots, additive-noise
regressors for numeric nodes, classifiers for categorical ones, the label included).
``sample`` draws rows through the SCM in topological order. A column that earlier columns
determine exactly (an affine combination of them, e.g. one indicator of a complete one-hot group,
or a category that another column's category fixes) leaves the CI tests undefined: it is left out
of discovery and fitted as a child of the columns that determine it (``redundant_``). Class shares: ``"keep"`` (the real
table's, the default), ``"balance"`` (equal), ``"model"`` (whatever the SCM draws) or a
``{class: count}`` dict; the first three but ``"model"`` condition on the label by rejection,
which draws P(features | label) faithfully. The CI test is chosen from the column types unless
given: ``fisherz`` (all numeric), ``chisq`` (all categorical) or ``dg`` (mixed; the label is
categorical, so numeric features with a label use ``dg``).

Input: a pandas DataFrame (numeric, bool, category and string columns) or a 2-D numeric numpy
array, and labels (a Series or array). Output has the input's form: DataFrame and Series with the
same columns, dtypes and categories, or numpy arrays of the input dtypes. Everything is
deterministic given ``seed``. ``python -m scmforge.augment`` (``scmforge augment``) is the CLI.
"""

from __future__ import annotations

import argparse
import numbers
import sys
from typing import Any, Optional, Union

import numpy as np

import scmforge.causal
from scmforge._errors import Error, InvalidInputError
from scmforge.io import is_categorical, write_text_atomically
from scmforge.scm import SCM, _seed_of

__all__ = ["CausalMix", "main"]

DISCOVERY = ("pc", "fci")
SHARES = ("keep", "balance", "model")
_MAX_BATCHES = 64  # rejection sampling gives up after this many batches


def _pandas():
    try:
        import pandas as pd
    except ImportError as e:  # pragma: no cover - pandas ships with the dev requirements
        raise InvalidInputError("CausalMix needs pandas (pip install pandas)") from e
    return pd


class CausalMix:
    """Fits a causal model of (X, y) and samples new labelled rows from it (module docstring).

    discovery: "pc" | "fci" | a scmforge.causal Graph | (parent, child) pairs over the columns
        (the label's name: ``y.name``, or "target" for unnamed labels).
    alpha, test, max_depth: the discovery's (test "auto" picks by column types).
    mechanisms: "auto" | "linear" | "boosted" (scmforge.scm.SCM).
    seed: fixes the DAG extension, the mechanism selection and, unless sample gets its own seed,
        the rows.
    snap_levels: numeric features with at most this many distinct training values (counts,
        scores, coded answers) have their samples snapped to the nearest training value
        (``snapped_``); 0 turns it off.
    """

    def __init__(self, discovery: Any = "pc", alpha: float = 0.05, test: str = "auto",
                 mechanisms: str = "auto", max_depth: int = -1, seed: int = 0,
                 threads: Optional[int] = None, snap_levels: int = 30) -> None:
        self.discovery = discovery
        self.snap_levels = snap_levels
        self.alpha = alpha
        self.test = test
        self.mechanisms = mechanisms
        self.max_depth = max_depth
        self.seed = seed
        self.threads = threads

    # -- fit -------------------------------------------------------------------------------------

    def fit(self, X: Any, y: Any = None) -> "CausalMix":
        """Learns the graph and fits the SCM on X with y as a categorical column. With
        ``y=None`` the table X is modelled as it is, and ``sample`` returns a table. Raises
        InvalidInputError for bad input (a single class, mismatched lengths, missing labels,
        and what discovery and SCM.fit reject), naming it."""
        seed = _seed_of(self.seed)
        if isinstance(self.snap_levels, bool) or not isinstance(self.snap_levels, numbers.Integral) \
                or self.snap_levels < 0:
            raise InvalidInputError(f"snap_levels must be an int >= 0, got {self.snap_levels!r}")
        frame, self._form = _as_frame(X, y)
        self.target_ = self._form["target"]
        if self.target_ is not None:
            labels = frame[self.target_]
            counts = labels.value_counts(sort=False)
            counts = counts[counts > 0]
            if len(counts) < 2:
                raise InvalidInputError(
                    f"y has a single class ({counts.index[0]!r}); CausalMix needs at least two")
            self.classes_ = list(labels.cat.categories[labels.cat.categories.isin(counts.index)])
            self.class_counts_ = {c: int(counts[c]) for c in self.classes_}
        self.test_ = self.test if self.test != "auto" else _auto_test(frame)
        graph = self.discovery
        self.redundant_ = {}
        if isinstance(graph, str):
            if graph not in DISCOVERY:
                raise InvalidInputError(
                    f"discovery must be 'pc', 'fci', a scmforge.causal Graph or a list of "
                    f"(parent, child) pairs, got {graph!r}")
            # Columns that earlier columns determine exactly leave the CI tests undefined: they
            # are left out of discovery and become children of the columns that determine them.
            self.redundant_ = _redundant_columns(frame, keep=self.target_)
            learn = scmforge.causal.pc if graph == "pc" else scmforge.causal.fci
            graph = learn(frame.drop(columns=list(self.redundant_)), alpha=self.alpha,
                          test=self.test_, max_depth=self.max_depth,
                          threads=0 if self.threads is None else self.threads)
        self.graph_ = graph
        if isinstance(graph, scmforge.causal.Graph):
            undirected = len(graph.directed_edges()) != len(graph.edges())
            # An estimated CPDAG may admit no consistent extension; then its undirected edges
            # follow a topological order (dag_.info["consistent"] is False).
            self.dag_ = graph.to_dag(seed=seed % (2**31), fallback=True) if undirected else graph
            self.edges_ = [tuple(e) for e in self.dag_.directed_edges()]
        else:
            self.dag_ = graph
            self.edges_ = list(graph)
        self.edges_ += [(p, c) for c, parents in self.redundant_.items() for p in parents]
        self.scm_ = SCM.fit(frame, self.edges_, mechanisms=self.mechanisms, seed=seed,
                            threads=self.threads)
        self._columns = list(frame.columns)
        # Numeric columns with few distinct values (counts, scores, coded answers): samples are
        # snapped to the nearest training value, so they keep the column's support.
        self.snapped_ = {}
        for c in self._columns:
            if c != self.target_ and not is_categorical(frame[c]):
                values = np.unique(frame[c].to_numpy(dtype=float))
                if 2 <= len(values) <= self.snap_levels:
                    self.snapped_[c] = values
        return self

    # -- sample ----------------------------------------------------------------------------------

    def sample(self, n: int, seed: Union[int, np.random.Generator, None] = None,
               class_shares: Any = "keep") -> Any:
        """Draws ``n`` synthetic rows: ``(X, y)`` in the input's form when fitted with labels,
        else a table. ``class_shares`` as in the module docstring. Raises InvalidInputError for
        n < 1, an unknown class, or a class the model almost never draws (conditioning by
        rejection would not finish; use class_shares="model")."""
        self._check_fitted()
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise InvalidInputError(f"n must be an int >= 1, got {n!r}")
        base = _seed_of(self.seed if seed is None else seed)
        if self.target_ is None or (isinstance(class_shares, str) and class_shares == "model"):
            rows = self.scm_.sample(int(n), seed=base, threads=self.threads)
        else:
            rows = self._conditional(int(n), base, self._quotas(int(n), class_shares))
        for c, support in self.snapped_.items():
            v = rows[c].to_numpy(dtype=float)
            i = np.clip(np.searchsorted(support, v), 1, len(support) - 1)
            left, right = support[i - 1], support[i]
            rows[c] = np.where(v - left <= right - v, left, right).astype(rows[c].dtype)
        return self._output(rows)

    def fit_resample(self, X: Any, y: Any = None, ratio: float = 1.0, n: Optional[int] = None,
                     seed: Union[int, np.random.Generator, None] = None,
                     class_shares: Any = "keep") -> Any:
        """Fits, then returns the real rows followed by ``n`` synthetic ones (default
        ``round(ratio * len(X))``), as imbalanced-learn's ``fit_resample`` does."""
        self.fit(X, y)
        rows = len(X)
        if n is None:
            if not isinstance(ratio, numbers.Real) or not ratio > 0:
                raise InvalidInputError(f"ratio must be > 0, got {ratio!r}")
            n = max(1, int(round(float(ratio) * rows)))
        synthetic = self.sample(n, seed=seed, class_shares=class_shares)
        real = self._output(_as_frame(X, y)[0])
        pd = _pandas()
        if self.target_ is None:
            return _concat(pd, real, synthetic)
        return _concat(pd, real[0], synthetic[0]), _concat(pd, real[1], synthetic[1])

    # -- internals -------------------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "scm_"):
            raise InvalidInputError("CausalMix is not fitted; call fit(X, y) first")

    def _quotas(self, n: int, shares: Any) -> dict:
        if isinstance(shares, dict):
            unknown = [c for c in shares if c not in self.classes_]
            if unknown:
                raise InvalidInputError(f"class_shares names unknown classes {unknown}; "
                                        f"the classes are {self.classes_}")
            quotas = {c: int(shares.get(c, 0)) for c in self.classes_}
            if any(q < 0 for q in quotas.values()) or sum(quotas.values()) != n:
                raise InvalidInputError(
                    f"class_shares counts must be >= 0 and sum to n = {n}, got {shares}")
            return quotas
        if shares not in SHARES:
            raise InvalidInputError(
                f"class_shares must be one of {SHARES} or a {{class: count}} dict, got {shares!r}")
        k = len(self.classes_)
        if shares == "balance":
            weights = np.full(k, 1.0 / k)
        else:
            total = sum(self.class_counts_.values())
            weights = np.array([self.class_counts_[c] / total for c in self.classes_])
        # Largest remainders: counts that sum to n exactly, the same for the same inputs.
        raw = weights * n
        quotas = np.floor(raw).astype(int)
        for i in np.argsort(-(raw - quotas), kind="stable")[: n - int(quotas.sum())]:
            quotas[i] += 1
        return dict(zip(self.classes_, (int(q) for q in quotas)))

    def _conditional(self, n: int, seed: int, quotas: dict) -> Any:
        """Rows drawn from the SCM, each class kept until its quota is met (rejection), in draw
        order. Batch b uses seed + b, so the result depends on the seed only."""
        pd = _pandas()
        need = dict(quotas)
        kept, drawn = [], 0
        for batch in range(_MAX_BATCHES):
            rows = self.scm_.sample(max(2 * n, 1000), seed=(seed + batch) % (2**63),
                                    threads=self.threads)
            drawn += len(rows)
            labels = rows[self.target_]
            take = np.zeros(len(rows), dtype=bool)
            for c, left in need.items():
                if left > 0:
                    hits = np.flatnonzero((labels == c).to_numpy())[:left]
                    take[hits] = True
                    need[c] = left - len(hits)
            kept.append(rows[take])
            if all(v == 0 for v in need.values()):
                return pd.concat(kept, ignore_index=True)
        short = {c: v for c, v in need.items() if v > 0}
        got = {c: quotas[c] - short.get(c, 0) for c in quotas}
        raise InvalidInputError(
            f"after {drawn} draws the model produced too few rows of classes {list(short)} "
            f"(got {got} of {quotas}); the fitted model rarely draws them: use "
            f"class_shares='model', a smaller n, or more real rows of those classes")

    def _output(self, frame: Any) -> Any:
        form = self._form
        frame = frame[self._columns]
        features = [c for c in self._columns if c != self.target_]
        if form["kind"] == "pandas":
            if self.target_ is None:
                return frame.reset_index(drop=True)
            X = frame[features].reset_index(drop=True)
            y = frame[self.target_].reset_index(drop=True)
            y = y.astype(form["y_dtype"]) if form["y_dtype"] is not None else y
            y.name = form["y_name"]
            return X, y
        X = frame[features].to_numpy(dtype=form["x_dtype"])
        if self.target_ is None:
            return X
        y = np.asarray(frame[self.target_].astype(object).to_numpy(), dtype=form["y_dtype"])
        return X, y


def _as_frame(X: Any, y: Any) -> tuple[Any, dict]:
    """A DataFrame of X with the label as a categorical column, and how to give results back."""
    pd = _pandas()
    if isinstance(X, pd.DataFrame):
        frame = X.copy()
        form = {"kind": "pandas", "x_dtype": None}
    else:
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise InvalidInputError(f"X must be 2-D (rows x features), got shape {arr.shape}")
        if not np.issubdtype(arr.dtype, np.number) and arr.dtype != bool:
            raise InvalidInputError("numpy X must be numeric; pass a DataFrame for text columns")
        frame = pd.DataFrame(arr, columns=[f"x{j}" for j in range(arr.shape[1])])
        form = {"kind": "numpy", "x_dtype": arr.dtype}
    if len(frame) == 0:
        raise InvalidInputError("X has no rows")
    form.update(target=None, y_dtype=None, y_name=None)
    if y is None:
        return frame, form
    if isinstance(y, pd.DataFrame):
        raise InvalidInputError("y must be one column (a Series or 1-D array), got a DataFrame")
    labels = y if isinstance(y, pd.Series) else pd.Series(np.asarray(y))
    if labels.ndim != 1 or len(labels) != len(frame):
        raise InvalidInputError(f"y has {len(labels)} labels for {len(frame)} rows of X")
    if labels.isna().any():
        raise InvalidInputError(f"y has {int(labels.isna().sum())} missing labels; drop those rows")
    name = labels.name if isinstance(y, pd.Series) and labels.name is not None else "target"
    name = str(name)
    if name in frame.columns:
        raise InvalidInputError(f"X already has a column named {name!r}; rename the label")
    frame[name] = pd.Categorical(labels.to_numpy())
    form.update(target=name, y_name=labels.name if isinstance(y, pd.Series) else None,
                y_dtype=labels.dtype if isinstance(y, pd.Series) else np.asarray(y).dtype)
    return frame, form


def _embedding(frame: Any, column: str) -> np.ndarray:
    """A column as the dg test embeds it: numeric as is, categorical as indicators of every
    level but the first."""
    s = frame[column]
    if is_categorical(s):
        codes = s.astype("category").cat.codes.to_numpy()
        levels = np.unique(codes[codes >= 0])
        return np.column_stack([(codes == v).astype(float) for v in levels[1:]]) if len(levels) > 1 \
            else np.zeros((len(s), 0))
    return s.to_numpy(dtype=float).reshape(-1, 1)


def _redundant_columns(frame: Any, keep: Optional[str]) -> dict:
    """{column: determining columns} for each column whose embedding is an exact affine
    combination of the embeddings of columns before it (the label is never dropped, and is
    tried first). The determining columns are those with non-zero weight in that combination."""
    columns = ([keep] if keep is not None else []) + [c for c in frame.columns if c != keep]
    kept: list = []
    blocks: list = []
    out: dict = {}
    n = len(frame)
    for c in columns:
        e = _embedding(frame, c)
        if e.shape[1] == 0 or not kept or c == keep:
            kept.append(c)
            blocks.append(e)
            continue
        basis = np.column_stack([np.ones(n)] + blocks)
        coef, *_ = np.linalg.lstsq(basis, e, rcond=None)
        resid = e - basis @ coef
        if all(resid[:, j].var() <= 1e-12 * max(e[:, j].var(), 1e-300) for j in range(e.shape[1])):
            parents, at = [], 1
            for k, b in zip(kept, blocks):
                if np.abs(coef[at:at + b.shape[1]]).max(initial=0.0) > 1e-9:
                    parents.append(k)
                at += b.shape[1]
            out[c] = parents
        else:
            kept.append(c)
            blocks.append(e)
    return out


def _auto_test(frame: Any) -> str:
    kinds = {is_categorical(frame[c]) for c in frame.columns}
    if kinds == {False}:
        return "fisherz"
    if kinds == {True}:
        return "chisq"
    return "dg"


def _concat(pd: Any, a: Any, b: Any) -> Any:
    if isinstance(a, np.ndarray):
        return np.concatenate([a, b])
    out = pd.concat([a, b], ignore_index=True)
    if isinstance(a, pd.Series):
        out = out.astype(a.dtype)
        out.name = a.name
    else:
        out = out.astype(a.dtypes.to_dict())
    return out


# -- CLI -----------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    """``scmforge augment data.csv --target class --n 5000 --out synth.csv [--report report.md]``."""
    parser = argparse.ArgumentParser(
        prog="scmforge augment",
        description="CausalMix: learn a causal graph of a CSV table, fit an SCM on it, and "
                    "write synthetic rows (docs/augment.md)")
    parser.add_argument("data", help="CSV table with a header row")
    parser.add_argument("--target", help="label column (class-conditional sampling); none: the "
                                         "table is modelled as a whole")
    parser.add_argument("--n", type=int, help="synthetic rows (default: as many as the real ones)")
    parser.add_argument("--ratio", type=float, help="synthetic rows as a multiple of the real ones")
    parser.add_argument("--out", required=True, help="CSV of the synthetic rows (written atomically)")
    parser.add_argument("--discovery", default="pc", help="pc | fci | a graph file (edge list or "
                                                          "graph JSON) over the columns")
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--test", default="auto", help="auto | fisherz | chisq | gsq | dg")
    parser.add_argument("--max-depth", type=int, default=-1)
    parser.add_argument("--mechanisms", default="auto", help="auto | linear | boosted")
    parser.add_argument("--class-shares", default="keep", help="keep | balance | model")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--snap-levels", type=int, default=30,
                        help="snap numeric columns with at most this many distinct values to them (0: off)")
    parser.add_argument("--report", help="Markdown fidelity report (PNG plots beside it)")
    parser.add_argument("--graph-out", help="write the learned graph (JSON)")
    args = parser.parse_args(argv)
    pd = _pandas()
    try:
        try:
            table = pd.read_csv(args.data)
        except (OSError, ValueError) as e:
            raise InvalidInputError(f"cannot read {args.data}: {e}") from e
        if args.target is not None and args.target not in table.columns:
            raise InvalidInputError(f"--target {args.target!r} is not a column of {args.data}; "
                                    f"the columns are {list(table.columns)}")
        if args.n is not None and args.ratio is not None:
            raise InvalidInputError("give --n or --ratio, not both")
        n = args.n if args.n is not None else max(1, round((args.ratio or 1.0) * len(table)))
        discovery: Any = args.discovery
        if discovery not in DISCOVERY:
            discovery = _read_graph(discovery)
        aug = CausalMix(discovery=discovery, alpha=args.alpha, test=args.test,
                        mechanisms=args.mechanisms, max_depth=args.max_depth, seed=args.seed,
                        threads=args.threads, snap_levels=args.snap_levels)
        if args.target is None:
            aug.fit(table)
            synth = aug.sample(n)
        else:
            aug.fit(table.drop(columns=[args.target]), table[args.target])
            X, y = aug.sample(n, class_shares=args.class_shares)
            synth = X.assign(**{args.target: y.to_numpy()})[list(table.columns)]
        write_text_atomically(args.out, synth.to_csv(index=False))
        if args.graph_out and isinstance(aug.graph_, scmforge.causal.Graph):
            write_text_atomically(args.graph_out, aug.graph_.to_json())
        if args.report:
            from scmforge.eval import fidelity, write_report

            result = fidelity(table, synth, target=args.target, seed=args.seed)
            write_report(result, table, synth, args.report)
        print(f"wrote {len(synth)} synthetic rows to {args.out} (graph: "
              f"{len(getattr(aug.dag_, 'edges', lambda: [])())} edges, test {aug.test_})",
              file=sys.stderr)
        return 0
    except Error as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


def _read_graph(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise InvalidInputError(f"--discovery {path!r} is neither pc, fci nor a readable graph "
                                f"file: {e}") from e
    from scmforge import _core

    return [tuple(e) for e in _core.scm_parse_edges(text, path)]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
