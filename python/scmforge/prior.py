"""Synthetic classification datasets from TabPFN / TabICL-style SCM priors.

>>> import scmforge.prior
>>> batch = scmforge.prior.sample(100, preset="metatree", seed=7)
>>> batch.X.shape            # (datasets, rows, padded features)
(100, 256, 10)

Dataset ``i`` of a seed is always the same bytes, whatever ``threads`` or how the range is split:
``sample(10, first_id=5)`` equals rows 5..14 of ``sample(15)``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from scmforge import _core
from scmforge._errors import InvalidInputError

PRIOR_TYPES = ("mlp", "tree", "gp")


def _seed(seed: Any) -> int:
    """Accepts an int, a numpy Generator (one draw is taken) or None (seed 0)."""
    if seed is None:
        return 0
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63 - 1))
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        if seed < 0:
            raise InvalidInputError(f"seed must be a non-negative integer, got {seed}")
        return int(seed)
    raise InvalidInputError(f"seed must be an int, a numpy Generator or None, got {type(seed).__name__}")


def _overrides(overrides: dict[str, Any]) -> dict[str, str]:
    out = {}
    for key, value in overrides.items():
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = str(value)
    return out


@dataclass
class PriorBatch:
    """Datasets of a prior, padded to a common shape.

    Attributes:
        X: float32 (n, rows, max_features); padded features are 0.
        y: int64 (n, rows); labels 0..k-1 (padding rows would be -100; every row is used).
        num_features, num_rows, num_classes, single_eval_pos: int32 (n,).
        categorical: int32 (n, max_features): levels of each feature, 0 = numeric.
        dataset_id: uint64 (n,): the id (= random stream) of each dataset.
        prior_type: uint8 (n,): index into PRIOR_TYPES.
        rejections: rejected draws by reason [none, non-finite, one class, incompatible split,
            no features].
        config: the full configuration used (dict).
        seed: the seed actually used.
    """

    X: np.ndarray
    y: np.ndarray
    num_features: np.ndarray
    num_rows: np.ndarray
    num_classes: np.ndarray
    single_eval_pos: np.ndarray
    categorical: np.ndarray
    dataset_id: np.ndarray
    prior_type: np.ndarray
    rejections: list
    config: dict
    seed: int

    def __len__(self) -> int:
        return int(self.X.shape[0])

    def dataset(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Dataset i without padding: X (rows, d) float32 and y (rows,) int64."""
        n, d = int(self.num_rows[i]), int(self.num_features[i])
        return self.X[i, :n, :d], self.y[i, :n]

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        return (self.dataset(i) for i in range(len(self)))


def sample(
    n: int,
    preset: str = "tabicl",
    seed: Any = 0,
    threads: int = 0,
    first_id: int = 0,
    **overrides: Any,
) -> PriorBatch:
    """Draws datasets ``first_id .. first_id + n - 1`` of a prior.

    Args:
        n: number of datasets.
        preset: ``"tabpfn-v1"``, ``"tabicl"``, ``"metatree"`` or ``"nanotabpfn"``.
        seed: int, numpy Generator or None.
        threads: worker threads (0: all cores); the result does not depend on it.
        first_id: id of the first dataset.
        **overrides: any prior parameter (see ``parameters()``), e.g. ``max_features=8``.
    """
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise InvalidInputError(f"n must be a non-negative integer, got {n!r}")
    used_seed = _seed(seed)
    raw = _core.prior_sample(int(n), preset, used_seed, int(threads), int(first_id), _overrides(overrides))
    return PriorBatch(
        X=raw["X"],
        y=raw["y"],
        num_features=raw["num_features"],
        num_rows=raw["num_rows"],
        num_classes=raw["num_classes"],
        single_eval_pos=raw["single_eval_pos"],
        categorical=raw["categorical"],
        dataset_id=raw["dataset_id"],
        prior_type=raw["prior_type"],
        rejections=list(raw["rejections"]),
        config=json.loads(raw["config"]),
        seed=used_seed,
    )


def write(
    path: str,
    n: int,
    preset: str = "tabicl",
    seed: Any = 0,
    threads: int = 0,
    first_id: int = 0,
    compression: int = 1,
    batch: int = 256,
    **overrides: Any,
) -> None:
    """Writes datasets to an HDF5 prior dump, exactly as ``scmforge prior sample`` does
    (same bytes for the same arguments). See docs/formats.md for the layout."""
    _core.prior_write_dump(
        str(path), int(n), preset, _seed(seed), int(threads), int(first_id), _overrides(overrides),
        int(compression), int(batch),
    )


def describe(path: str) -> dict:
    """Per-dataset rows, features, classes, majority share and categorical share of a dump."""
    summary = _core.prior_summarize_dump(str(path))
    summary["config"] = json.loads(summary["config"]) if summary["config"] else None
    return summary


def presets() -> list[str]:
    """Names of the presets."""
    return list(_core.prior_presets())


def config(preset: str = "tabicl", **overrides: Any) -> dict[str, str]:
    """The full parameter set of a preset after overrides (validated)."""
    return dict(_core.prior_preset(preset, _overrides(overrides)))


def parameters() -> list[dict]:
    """The parameter table: name, type, documentation, range or choices."""
    return list(_core.prior_parameters())
