"""Decision trees with scikit-learn's interface: CART, provably optimal trees and ensembles.

>>> from sklearn.datasets import load_iris
>>> from scmforge.tree import DecisionTreeClassifier, OptimalTreeClassifier
>>> X, y = load_iris(return_X_y=True)
>>> cart = DecisionTreeClassifier(max_depth=2).fit(X, y)
>>> best = OptimalTreeClassifier(max_depth=2).fit(X, y)
>>> best.misclassified_ <= (cart.predict(X) != y).sum()
True

``DecisionTreeClassifier`` / ``DecisionTreeRegressor`` take scikit-learn's parameters and give
the same trees (node for node where no two candidate splits tie; see ``docs/trees.md``).
``OptimalTreeClassifier`` returns the tree of depth <= ``max_depth`` with the fewest training
errors (plus ``leaf_penalty`` per leaf), splitting raw numeric and categorical columns directly.
``TreeEnsembleClassifier`` bags either kind (random forests, and MetaTree's ensemble of trees
on 256-row subsamples). Trees export to JSON (lossless), Graphviz DOT and text.

pandas input: columns of dtype ``category`` are categorical (their codes are split on; levels
unseen at fit time are treated as missing at predict time); text columns of another dtype are
rejected with a message that says to convert them.
"""

from __future__ import annotations

import json
import math
import numbers
from typing import Any, Optional, Union

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from scmforge import _core
from scmforge._errors import InvalidInputError

__all__ = [
    "DecisionTreeClassifier",
    "DecisionTreeRegressor",
    "OptimalTreeClassifier",
    "TreeEnsembleClassifier",
    "TreeView",
    "export_text",
    "load_tree",
]

_LEAF = -1
_UNDEFINED = -2


class TreeView:
    """scikit-learn's ``tree_`` attributes for a fitted scmforge tree (read-only numpy arrays).

    ``feature`` and ``threshold`` are -2 at leaves, ``children_left`` / ``children_right`` are
    -1 there, as in ``sklearn.tree._tree.Tree``. ``value`` has shape (node_count, 1, k): for a
    classifier the weighted class fractions of the node (scikit-learn >= 1.4), for a regressor
    the weighted mean. ``class_counts`` (node_count, k) keeps the weighted class counts.
    ``is_category_split[i]`` marks an ``x == threshold`` split (optimal trees on categorical
    columns); all other splits are ``x <= threshold``.
    """

    def __init__(self, tree: _core.Tree):
        self._tree = tree
        leaf = tree.feature < 0
        self.node_count: int = tree.node_count
        self.max_depth: int = tree.max_depth
        self.n_leaves: int = tree.n_leaves
        self.n_features: int = tree.n_features
        self.n_outputs: int = 1
        self.feature = np.where(leaf, _UNDEFINED, tree.feature).astype(np.intp)
        self.threshold = np.where(leaf, float(_UNDEFINED), tree.threshold)
        self.children_left = tree.children_left.astype(np.intp)
        self.children_right = tree.children_right.astype(np.intp)
        self.missing_go_to_left = tree.missing_go_to_left
        self.is_category_split = tree.is_category_split.astype(bool)
        self.impurity = tree.impurity
        self.n_node_samples = tree.n_node_samples.astype(np.intp)
        self.weighted_n_node_samples = tree.weighted_n_node_samples
        value = tree.value
        if tree.task == "classification":
            self.class_counts = value
            totals = value.sum(axis=1, keepdims=True)
            value = np.divide(value, totals, out=np.zeros_like(value), where=totals > 0)
        self.value = value[:, np.newaxis, :]
        for name in vars(self):
            array = getattr(self, name)
            if isinstance(array, np.ndarray):
                array.setflags(write=False)

    def __getstate__(self) -> dict:
        return {"tree": self._tree}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["tree"])


def _is_dataframe(X: Any) -> bool:
    return hasattr(X, "dtypes") and hasattr(X, "columns") and hasattr(X, "iloc")


def _int_or_fraction(value: Any, name: str, n: int, low: int, allow_one: bool) -> int:
    """scikit-learn's convention: an int >= low, or a float fraction of n (rounded up)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if value < low:
            raise InvalidInputError(f"{name} must be an int >= {low} or a float in (0, 1], got {value}")
        return int(value)
    if isinstance(value, numbers.Real) and 0.0 < value < 1.0 + (1e-12 if allow_one else 0.0):
        return max(low, int(math.ceil(value * n)))
    raise InvalidInputError(f"{name} must be an int >= {low} or a float in (0, 1], got {value!r}")


def _resolve_max_features(max_features: Any, d: int) -> int:
    if max_features is None:
        return d
    if max_features == "sqrt":
        return max(1, int(math.sqrt(d)))
    if max_features == "log2":
        return max(1, int(math.log2(d)))
    if isinstance(max_features, numbers.Integral) and not isinstance(max_features, bool):
        if not 1 <= max_features <= d:
            raise InvalidInputError(f"max_features must be in [1, n_features={d}], got {max_features}")
        return int(max_features)
    if isinstance(max_features, numbers.Real) and 0.0 < max_features <= 1.0:
        return max(1, int(max_features * d))
    raise InvalidInputError(
        f"max_features must be None, 'sqrt', 'log2', an int or a float in (0, 1], got {max_features!r}"
    )


def _resolve_max_depth(max_depth: Any, unlimited: bool = True) -> int:
    if max_depth is None and unlimited:
        return -1
    if isinstance(max_depth, numbers.Integral) and not isinstance(max_depth, bool) and max_depth >= 1:
        return int(max_depth)
    raise InvalidInputError(
        f"max_depth must be an int >= 1{' or None' if unlimited else ''}, got {max_depth!r}"
    )


def _seed(random_state: Any) -> int:
    """A 31-bit seed from int / RandomState / None, as scikit-learn's trees draw it."""
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


class _TreeBase(BaseEstimator):
    """Input handling shared by the estimators: pandas categoricals, validation, tags."""

    _allow_nan = True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = self._allow_nan
        return tags

    def _encode_frame(self, X: Any, fit: bool) -> Any:
        """Turns pandas category columns into float codes (NaN = missing or unseen level)."""
        if not _is_dataframe(X):
            if fit:
                self._levels = None
            return X
        import pandas as pd

        levels: list[list[str]] = []
        columns = {}
        for name in X.columns:
            column = X[name]
            if isinstance(column.dtype, pd.CategoricalDtype):
                if fit:
                    categories = list(column.cat.categories)
                else:
                    categories = self._categories_[len(levels)]
                    if categories is None:
                        raise InvalidInputError(
                            f"column {name!r} is categorical now but was numeric at fit time"
                        )
                codes = pd.Index(categories).get_indexer(column.astype(object)).astype(np.float32)
                codes[codes < 0] = np.nan
                columns[name] = codes
                levels.append(categories)
            elif column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
                raise InvalidInputError(
                    f"column {name!r} holds text; convert it with X[{name!r}].astype('category') "
                    "(or encode it as numbers) before fitting"
                )
            else:
                if not fit and self._categories_ is not None and self._categories_[len(levels)] is not None:
                    raise InvalidInputError(f"column {name!r} was categorical at fit time; pass it as 'category' dtype")
                columns[name] = column
                levels.append(None)
        if fit:
            self._categories_ = levels if any(c is not None for c in levels) else None
        return pd.DataFrame(columns, index=X.index)

    def _validate_X(self, X: Any, fit: bool, y: Any = None):
        frame = self._encode_frame(X, fit)
        finite = "allow-nan" if self._allow_nan else True
        if fit:
            X_checked, y_checked = validate_data(
                self, frame, y, dtype=np.float32, ensure_all_finite=finite, multi_output=False, y_numeric=isinstance(self, RegressorMixin)
            )
            if not _is_dataframe(X):
                self._categories_ = None
            return np.asfortranarray(X_checked), y_checked
        X_checked = validate_data(self, frame, reset=False, dtype=np.float32, ensure_all_finite=finite)
        return np.asfortranarray(X_checked)

    def _categorical_levels(self) -> np.ndarray:
        """Per feature: number of levels (0 = numeric)."""
        cats = getattr(self, "_categories_", None)
        if cats is None:
            return np.zeros(0, dtype=np.int32)
        return np.array([0 if c is None else len(c) for c in cats], dtype=np.int32)

    def _label_tree(self, tree: _core.Tree) -> None:
        names = [str(n) for n in getattr(self, "feature_names_in_", [f"feature_{j}" for j in range(self.n_features_in_)])]
        cats = getattr(self, "_categories_", None) or [None] * self.n_features_in_
        levels = [[] if c is None else [str(v) for v in c] for c in cats]
        classes = [str(c) for c in getattr(self, "classes_", [])]
        tree.set_labels(names, levels, classes)

    # --- exports -------------------------------------------------------------------------
    def to_json(self) -> str:
        """The fitted tree as JSON (schema in docs/trees.md; lossless)."""
        return self._fitted_tree().to_json()

    def to_dot(self) -> str:
        """The fitted tree as Graphviz DOT."""
        return self._fitted_tree().to_dot()

    def export_text(self, decimals: int = 2) -> str:
        """Indented text in the style of ``sklearn.tree.export_text``."""
        return self._fitted_tree().to_text(decimals)

    def _fitted_tree(self) -> _core.Tree:
        check_is_fitted(self, "tree_")
        return self.tree_._tree

    def get_depth(self) -> int:
        return self._fitted_tree().max_depth

    def get_n_leaves(self) -> int:
        return self._fitted_tree().n_leaves

    def apply(self, X) -> np.ndarray:
        """Leaf id per row."""
        tree = self._fitted_tree()
        return tree.apply(self._validate_X(X, fit=False)).astype(np.intp)

    @property
    def feature_importances_(self) -> np.ndarray:
        """Normalised total impurity decrease per feature (scikit-learn's definition)."""
        t = self.tree_
        importances = np.zeros(t.n_features)
        w, imp = t.weighted_n_node_samples, t.impurity
        for i in np.flatnonzero(t.children_left >= 0):
            left, right = t.children_left[i], t.children_right[i]
            importances[t.feature[i]] += w[i] * imp[i] - w[left] * imp[left] - w[right] * imp[right]
        total = importances.sum()
        return importances / total if total > 0 else importances


class _ClassifierBase(ClassifierMixin, _TreeBase):
    def _encode_y(self, y: np.ndarray) -> np.ndarray:
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        self.n_classes_ = len(self.classes_)
        if self.n_classes_ < 2:
            raise InvalidInputError(
                "Classifier can't train when only one class is present: y holds only the class "
                f"{self.classes_[0]!r}; a tree needs at least two classes"
            )
        return codes.astype(np.int32)

    def predict_proba(self, X) -> np.ndarray:
        tree = self._fitted_tree()
        return tree.predict_values(self._validate_X(X, fit=False))

    def predict_log_proba(self, X) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X) -> np.ndarray:
        tree = self._fitted_tree()
        return self.classes_[tree.predict_class(self._validate_X(X, fit=False))]


def _cart_args(est, n: int, d: int, criterion: str) -> Any:
    """The C++ options from an estimator's parameters (an ensemble has only some of them)."""
    return _core.CartArgs(
        criterion,
        _resolve_max_depth(est.max_depth),
        _int_or_fraction(getattr(est, "min_samples_split", 2), "min_samples_split", n, 2, allow_one=True),
        _int_or_fraction(est.min_samples_leaf, "min_samples_leaf", n, 1, allow_one=False),
        float(getattr(est, "min_weight_fraction_leaf", 0.0)),
        float(getattr(est, "min_impurity_decrease", 0.0)),
        _resolve_max_features(est.max_features, d),
        _seed(est.random_state),
    )


def _class_weights(class_weight: Any, classes: np.ndarray, codes: np.ndarray) -> np.ndarray:
    if class_weight is None:
        return np.zeros(0)
    return compute_class_weight(class_weight, classes=classes, y=classes[codes]).astype(np.float64)


class DecisionTreeClassifier(_ClassifierBase):
    """CART classifier, scikit-learn's ``DecisionTreeClassifier`` with splitter="best".

    Parameters and attributes have scikit-learn's names and meanings (``tree_`` is a
    :class:`TreeView`). ``criterion`` is "gini", "entropy" or "log_loss".
    """

    def __init__(
        self,
        *,
        criterion: str = "gini",
        max_depth: Optional[int] = None,
        min_samples_split: Union[int, float] = 2,
        min_samples_leaf: Union[int, float] = 1,
        min_weight_fraction_leaf: float = 0.0,
        max_features: Union[int, float, str, None] = None,
        random_state: Any = None,
        min_impurity_decrease: float = 0.0,
        class_weight: Union[dict, str, None] = None,
    ):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.max_features = max_features
        self.random_state = random_state
        self.min_impurity_decrease = min_impurity_decrease
        self.class_weight = class_weight

    def fit(self, X, y, sample_weight=None) -> "DecisionTreeClassifier":
        if self.criterion not in ("gini", "entropy", "log_loss"):
            raise InvalidInputError(f"criterion must be 'gini', 'entropy' or 'log_loss', got {self.criterion!r}")
        Xf, y = self._validate_X(X, fit=True, y=y)
        codes = self._encode_y(y)
        weights = np.zeros(0) if sample_weight is None else _check_sample_weight(sample_weight, Xf, dtype=np.float64)
        args = _cart_args(self, Xf.shape[0], Xf.shape[1], self.criterion)
        tree = _core.fit_cart(
            Xf, codes, self.n_classes_, np.zeros(0), weights, _class_weights(self.class_weight, self.classes_, codes), args
        )
        self._label_tree(tree)
        self.tree_ = TreeView(tree)
        self.max_features_ = args.max_features
        return self


class DecisionTreeRegressor(RegressorMixin, _TreeBase):
    """CART regressor (squared error), scikit-learn's ``DecisionTreeRegressor``."""

    def __init__(
        self,
        *,
        criterion: str = "squared_error",
        max_depth: Optional[int] = None,
        min_samples_split: Union[int, float] = 2,
        min_samples_leaf: Union[int, float] = 1,
        min_weight_fraction_leaf: float = 0.0,
        max_features: Union[int, float, str, None] = None,
        random_state: Any = None,
        min_impurity_decrease: float = 0.0,
    ):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.max_features = max_features
        self.random_state = random_state
        self.min_impurity_decrease = min_impurity_decrease

    def fit(self, X, y, sample_weight=None) -> "DecisionTreeRegressor":
        if self.criterion != "squared_error":
            raise InvalidInputError(f"criterion must be 'squared_error', got {self.criterion!r}")
        Xf, y = self._validate_X(X, fit=True, y=y)
        target = np.ascontiguousarray(y, dtype=np.float64)
        weights = np.zeros(0) if sample_weight is None else _check_sample_weight(sample_weight, Xf, dtype=np.float64)
        args = _cart_args(self, Xf.shape[0], Xf.shape[1], "squared_error")
        tree = _core.fit_cart(Xf, np.zeros(0, dtype=np.int32), 1, target, weights, np.zeros(0), args)
        self._label_tree(tree)
        self.tree_ = TreeView(tree)
        return self

    def predict(self, X) -> np.ndarray:
        tree = self._fitted_tree()
        return tree.predict_values(self._validate_X(X, fit=False))[:, 0]


class OptimalTreeClassifier(_ClassifierBase):
    """The provably optimal classification tree of depth <= ``max_depth``.

    Minimises training errors + ``leaf_penalty`` * n * leaves (GOSDT's objective; 0 gives
    MurTree's minimum misclassification) over splits at every midpoint of adjacent distinct
    values of numeric columns (``max_thresholds`` caps them at that many quantile midpoints) and
    one-vs-rest splits of pandas ``category`` columns. With ``time_limit`` (seconds) it returns
    the best tree found and a proven lower bound. Rows are unweighted.

    Attributes: ``tree_``, ``misclassified_``, ``objective_``, ``lower_bound_``, ``optimal_``,
    ``candidates_per_feature_``, ``search_stats_`` (subproblems, cache hits, seconds).
    ``fit`` takes no ``sample_weight``.
    """

    def __init__(
        self,
        *,
        max_depth: int = 3,
        leaf_penalty: float = 0.0,
        max_leaves: Optional[int] = None,
        max_thresholds: Optional[int] = None,
        min_samples_leaf: int = 1,
        time_limit: Optional[float] = None,
        n_jobs: int = 1,
    ):
        self.max_depth = max_depth
        self.leaf_penalty = leaf_penalty
        self.max_leaves = max_leaves
        self.max_thresholds = max_thresholds
        self.min_samples_leaf = min_samples_leaf
        self.time_limit = time_limit
        self.n_jobs = n_jobs

    def _options(self) -> tuple:
        max_leaves = -1 if self.max_leaves is None else int(self.max_leaves)
        max_thresholds = 0 if self.max_thresholds is None else int(self.max_thresholds)
        time_limit = 0.0 if self.time_limit is None else float(self.time_limit)
        if self.time_limit is not None and time_limit <= 0:
            raise InvalidInputError(f"time_limit must be > 0 seconds or None, got {self.time_limit!r}")
        return (
            _resolve_max_depth(self.max_depth, unlimited=False),
            max_leaves,
            float(self.leaf_penalty),
            max_thresholds,
            int(self.min_samples_leaf),
            time_limit,
        )

    def fit(self, X, y) -> "OptimalTreeClassifier":
        Xf, y = self._validate_X(X, fit=True, y=y)
        codes = self._encode_y(y)
        result = _core.fit_optimal(Xf, codes, self.n_classes_, self._categorical_levels(), *self._options(), int(self.n_jobs))
        self._label_tree(result["tree"])
        self.tree_ = TreeView(result["tree"])
        self.misclassified_ = int(result["misclassified"])
        self.objective_ = float(result["objective"])
        self.lower_bound_ = float(result["lower_bound"])
        self.optimal_ = bool(result["optimal"])
        self.candidates_per_feature_ = np.asarray(result["candidates_per_feature"], dtype=np.intp)
        self.search_stats_ = {k: result[k] for k in ("subproblems", "cache_hits", "seconds")}
        return self


class TreeEnsembleClassifier(_ClassifierBase):
    """Soft-voting ensemble of CART or optimal trees, each fitted on a row subsample.

    - MetaTree's evaluation ensemble (the default): ``max_samples=256, bootstrap=False`` (each
      tree on 256 rows drawn without replacement; all rows when fewer).
    - Bagged trees: ``bootstrap=True, max_samples=None``.
    - Random forest: ``bootstrap=True, max_samples=None, max_features="sqrt"``.

    ``estimator`` is "cart" or "optimal"; ``max_depth``, ``criterion``, ``min_samples_leaf``,
    ``max_features`` (CART only) and ``leaf_penalty`` / ``time_limit`` (optimal only) configure
    the trees. Trees are fitted in parallel (``n_jobs``); the result is the same for any n_jobs.
    """

    def __init__(
        self,
        *,
        estimator: str = "cart",
        n_estimators: int = 10,
        max_samples: Union[int, float, None] = 256,
        bootstrap: bool = False,
        max_depth: Optional[int] = None,
        criterion: str = "gini",
        min_samples_leaf: int = 1,
        max_features: Union[int, float, str, None] = None,
        leaf_penalty: float = 0.0,
        time_limit: Optional[float] = None,
        random_state: Any = None,
        n_jobs: int = 1,
    ):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.bootstrap = bootstrap
        self.max_depth = max_depth
        self.criterion = criterion
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.leaf_penalty = leaf_penalty
        self.time_limit = time_limit
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _sample_size(self, n: int) -> int:
        if self.max_samples is None:
            return n
        if isinstance(self.max_samples, numbers.Integral) and not isinstance(self.max_samples, bool):
            if self.max_samples < 1:
                raise InvalidInputError(f"max_samples must be >= 1, got {self.max_samples}")
            return n if not self.bootstrap and self.max_samples > n else int(self.max_samples)
        if isinstance(self.max_samples, numbers.Real) and 0.0 < self.max_samples <= 1.0:
            return max(1, int(round(self.max_samples * n)))
        raise InvalidInputError(f"max_samples must be None, an int >= 1 or a float in (0, 1], got {self.max_samples!r}")

    def fit(self, X, y) -> "TreeEnsembleClassifier":
        if self.estimator not in ("cart", "optimal"):
            raise InvalidInputError(f"estimator must be 'cart' or 'optimal', got {self.estimator!r}")
        if not isinstance(self.n_estimators, numbers.Integral) or self.n_estimators < 1:
            raise InvalidInputError(f"n_estimators must be an int >= 1, got {self.n_estimators!r}")
        Xf, y = self._validate_X(X, fit=True, y=y)
        codes = self._encode_y(y)
        n, d = Xf.shape
        m = self._sample_size(n)
        rng = np.random.default_rng(_seed(self.random_state))
        if self.bootstrap:
            rows = rng.integers(0, n, size=(self.n_estimators, m))
        else:
            rows = np.stack([rng.permutation(n)[:m] for _ in range(self.n_estimators)])
        Xb = np.ascontiguousarray(np.asarray(Xf)[rows])  # (T, m, d)
        yb = np.ascontiguousarray(codes[rows])
        if self.estimator == "cart":
            args = _cart_args(self, m, d, "entropy" if self.criterion == "log_loss" else self.criterion)
            trees = _core.fit_cart_batch(Xb, yb, self.n_classes_, args, int(self.n_jobs))
        else:
            opt = OptimalTreeClassifier(
                max_depth=3 if self.max_depth is None else self.max_depth,
                leaf_penalty=self.leaf_penalty,
                min_samples_leaf=self.min_samples_leaf,
                time_limit=self.time_limit,
            )
            results = _core.fit_optimal_batch(
                Xb, yb, self.n_classes_, self._categorical_levels(), *opt._options(), int(self.n_jobs)
            )
            trees = [r["tree"] for r in results]
        for tree in trees:
            self._label_tree(tree)
        self.estimators_ = [TreeView(t) for t in trees]
        return self

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "estimators_")
        Xf = self._validate_X(X, fit=False)
        total = np.zeros((Xf.shape[0], self.n_classes_))
        for view in self.estimators_:
            total += view._tree.predict_values(Xf)
        return total / len(self.estimators_)

    def predict(self, X) -> np.ndarray:
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def apply(self, X) -> np.ndarray:
        """Leaf id of every row in every tree: (n, n_estimators)."""
        check_is_fitted(self, "estimators_")
        Xf = self._validate_X(X, fit=False)
        return np.stack([view._tree.apply(Xf) for view in self.estimators_], axis=1).astype(np.intp)

    def _fitted_tree(self) -> _core.Tree:
        check_is_fitted(self, "estimators_")
        raise InvalidInputError("an ensemble has many trees: use estimators_[i] or export each one")


def export_text(decision_tree: _TreeBase, decimals: int = 2) -> str:
    """Indented text of a fitted scmforge tree estimator (``sklearn.tree.export_text``'s style)."""
    return decision_tree.export_text(decimals=decimals)


def load_tree(source: str) -> _TreeBase:
    """A fitted estimator from tree JSON (a path, or the JSON text itself).

    Classification trees come back as :class:`DecisionTreeClassifier` (``classes_`` are the
    class labels stored in the file, as strings), regression trees as
    :class:`DecisionTreeRegressor`; both predict, export and pickle like freshly fitted ones.
    Works for trees written by ``scmforge tree fit``, ``to_json()`` of any scmforge tree
    estimator, and the optimal solver.
    """
    import os

    text = source
    if not source.lstrip().startswith("{"):
        if not os.path.exists(source):
            raise InvalidInputError(f"{source!r} is neither tree JSON nor an existing file")
        with open(source, encoding="utf-8") as f:
            text = f.read()
    tree = _core.Tree.from_json(text)
    est: _TreeBase
    if tree.task == "classification":
        est = DecisionTreeClassifier()
        names = tree.class_names or [str(c) for c in range(tree.n_outputs)]
        est.classes_ = np.array(names)
        est.n_classes_ = len(names)
    else:
        est = DecisionTreeRegressor()
    est.n_features_in_ = tree.n_features
    if tree.feature_names and tree.feature_names != [f"feature_{j}" for j in range(tree.n_features)]:
        est.feature_names_in_ = np.array(tree.feature_names, dtype=object)
    levels = json.loads(text)["features"]
    categories = [f.get("levels") if f["kind"] == "categorical" else None for f in levels]
    est._categories_ = categories if any(c is not None for c in categories) else None
    est.tree_ = TreeView(tree)
    return est
