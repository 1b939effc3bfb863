"""MetaTree pre-training examples drawn from the prior, filtered and relabelled in C++.

>>> import scmforge.corpus
>>> batch = scmforge.corpus.sample(100, seed=1)
>>> batch.X.shape, batch.split_feature.shape, batch.node_mask.shape
((100, 256, 10), (100, 3), (100, 3, 256))

Each example is prior dataset ``dataset_id[i]`` that passed the class-balance filters (majority
share <= 0.75, imbalance 1 - H(p)/log k < 0.3), whose depth-``depth`` target tree (CART or the
optimal tree) fits its labels with accuracy > 0.7; ``y_clean`` are the tree's predictions and ``y``
adds exact-share label noise. The arrays follow MetaTree's target format per node of the complete
breadth-first tree (internal slot s has children 2s+1 and 2s+2): split feature (-1: no split),
threshold, the rows that reach the node, and each row's distance to the node's threshold. The
rules are in ``include/scmforge/corpus/example.hpp``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from scmforge import _core
from scmforge._errors import InvalidInputError
from scmforge.prior import _overrides, _seed

__all__ = ["MetaTreeBatch", "sample"]

_OPTIONS = (
    "max_majority_share",
    "max_imbalance",
    "min_tree_accuracy",
    "label_noise",
    "optimal_time_limit",
    "optimal_max_thresholds",
)


@dataclass
class MetaTreeBatch:
    """Accepted examples, padded (E examples, T rows, F features, K classes, S = 2^depth - 1).

    Attributes:
        X: float32 (E, T, F), zero-padded features.
        y: int32 (E, T), the noisy relabelled labels; y_clean (the target tree's predictions) and
            y_prior (the prior's labels) alike; -1 in padding rows.
        num_rows, num_features, num_classes: int32 (E,); dataset_id: uint64 (E,).
        split_feature: int32 (E, S), -1 where the slot has no split; split_threshold: float64 (E, S).
        leaf_counts: float64 (E, S + 1, K): class counts of the prior labels per leaf slot.
        node_mask: uint8 (E, S, T): rows reaching each node slot.
        threshold_distance: float32 (E, S, T): |x[row, split_feature] - split_threshold|.
        tree_accuracy, majority_share, imbalance: float64 (E,), measured on y_prior.
        candidates: prior datasets drawn; next_candidate: where the next batch starts.
        rejections: candidates rejected per reason.
        seed: the seed used; prior_config: the prior's full configuration.
    """

    X: np.ndarray
    y: np.ndarray
    y_clean: np.ndarray
    y_prior: np.ndarray
    num_rows: np.ndarray
    num_features: np.ndarray
    num_classes: np.ndarray
    dataset_id: np.ndarray
    split_feature: np.ndarray
    split_threshold: np.ndarray
    leaf_counts: np.ndarray
    node_mask: np.ndarray
    threshold_distance: np.ndarray
    tree_accuracy: np.ndarray
    majority_share: np.ndarray
    imbalance: np.ndarray
    candidates: int
    next_candidate: int
    rejections: dict
    seed: int
    prior_config: dict

    def __len__(self) -> int:
        return int(self.X.shape[0])


def sample(
    n: int,
    preset: str = "metatree",
    seed: Any = 0,
    threads: int = 0,
    first_candidate: int = 0,
    target: str = "cart",
    depth: int = 2,
    max_majority_share: float = 0.75,
    max_imbalance: float = 0.3,
    min_tree_accuracy: float = 0.70,
    label_noise: float = 0.05,
    optimal_time_limit: float = 0.0,
    optimal_max_thresholds: int = 0,
    **prior_overrides: Any,
) -> MetaTreeBatch:
    """The first ``n`` accepted examples from prior dataset ``first_candidate`` on.

    ``sample(a)`` followed by ``sample(b, first_candidate=batch.next_candidate)`` gives the same
    examples as ``sample(a + b)``, and no result depends on ``threads``. ``target`` is "cart"
    (scikit-learn's CART, gini) or "optimal" (the provably optimal tree of that depth);
    ``**prior_overrides`` are prior parameters (``scmforge.prior.parameters()``).
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise InvalidInputError(f"n must be a non-negative integer, got {n!r}")
    if not isinstance(first_candidate, (int, np.integer)) or first_candidate < 0:
        raise InvalidInputError(f"first_candidate must be a non-negative integer, got {first_candidate!r}")
    used_seed = _seed(seed)
    values = locals()
    options = {"target": str(target), "depth": str(int(depth))}
    options.update({name: repr(float(values[name])) if name != "optimal_max_thresholds" else str(int(values[name])) for name in _OPTIONS})
    raw = _core.corpus_sample(
        int(n), preset, used_seed, int(threads), int(first_candidate), _overrides(prior_overrides), options
    )
    fields = {name: raw[name] for name in MetaTreeBatch.__dataclass_fields__ if name in raw and name not in ("prior_config", "rejections")}
    return MetaTreeBatch(
        **fields,
        rejections=dict(raw["rejections"]),
        seed=used_seed,
        prior_config=json.loads(raw["prior_config"]),
    )
