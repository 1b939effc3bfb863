"""PyTorch datasets that stream prior datasets and MetaTree examples from the C++ engine (no disk)."""

from __future__ import annotations

from typing import Any, Iterator, Optional

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from scmforge import corpus as _corpus
from scmforge import prior as _prior
from scmforge._errors import InvalidInputError


class PriorStream(IterableDataset):
    """Padded batches of prior datasets for a training loop.

    Each item is one batch (use ``DataLoader(stream, batch_size=None)``)::

        {"x": float32 (B, rows, F), "y": int64 (B, rows), "feature_mask": bool (B, F),
         "num_features": int64 (B,), "num_classes": int64 (B,), "single_eval_pos": int}

    Batch ``b`` holds datasets ``first_id + b * batch_size ...``; with a multi-worker DataLoader,
    worker ``w`` of ``W`` builds batches ``w, w + W, ...``, which the DataLoader returns in order,
    so the stream is the same for any number of workers or threads. All datasets of a batch share
    ``single_eval_pos`` (``split_group_size`` is set to ``batch_size`` unless overridden).

    Args:
        preset: prior preset name.
        batch_size: datasets per batch.
        num_batches: length of the stream (None: endless).
        seed: random seed.
        threads: C++ threads per worker (0: all cores when num_workers is 0, else 1).
        first_id: id of the first dataset.
        **overrides: prior parameters.
    """

    def __init__(
        self,
        preset: str = "tabicl",
        batch_size: int = 32,
        num_batches: Optional[int] = None,
        seed: int = 0,
        threads: int = 0,
        first_id: int = 0,
        **overrides: Any,
    ) -> None:
        super().__init__()
        if batch_size <= 0:
            raise InvalidInputError(f"batch_size must be positive, got {batch_size}")
        if num_batches is not None and num_batches < 0:
            raise InvalidInputError(f"num_batches must be >= 0 or None, got {num_batches}")
        overrides.setdefault("split_group_size", batch_size)
        split = int(overrides["split_group_size"])
        if split % batch_size != 0 or first_id % batch_size != 0:
            raise InvalidInputError(
                f"split_group_size ({split}) and first_id ({first_id}) must be multiples of "
                f"batch_size ({batch_size}) so that each batch has one single_eval_pos"
            )
        _prior.config(preset, **overrides)  # validate now, not in a worker
        self.preset = preset
        self.batch_size = batch_size
        self.num_batches = num_batches
        self.seed = seed
        self.threads = threads
        self.first_id = first_id
        self.overrides = overrides

    def __len__(self) -> int:
        if self.num_batches is None:
            raise TypeError("an endless PriorStream has no length")
        return self.num_batches

    def batch(self, index: int) -> dict:
        """Batch `index` of the stream."""
        info = get_worker_info()
        threads = self.threads if self.threads > 0 else (0 if info is None else 1)
        b = _prior.sample(
            self.batch_size, preset=self.preset, seed=self.seed, threads=threads,
            first_id=self.first_id + index * self.batch_size, **self.overrides,
        )
        num_features = torch.from_numpy(b.num_features.astype(np.int64))
        feature_mask = torch.arange(b.X.shape[2])[None, :] < num_features[:, None]
        return {
            "x": torch.from_numpy(b.X),
            "y": torch.from_numpy(b.y),
            "feature_mask": feature_mask,
            "num_features": num_features,
            "num_classes": torch.from_numpy(b.num_classes.astype(np.int64)),
            "single_eval_pos": int(b.single_eval_pos[0]),
        }

    def __iter__(self) -> Iterator[dict]:
        info = get_worker_info()
        worker, workers = (0, 1) if info is None else (info.id, info.num_workers)
        index = worker
        while self.num_batches is None or index < self.num_batches:
            yield self.batch(index)
            index += workers


class MetaTreeStream(IterableDataset):
    """Batches of MetaTree pre-training examples straight from the C++ pipeline (no disk).

    Each item is one batch (``DataLoader(stream, batch_size=None)``)::

        {"x": float32 (B, T, F), "y": int64 (B, T) noisy labels, "y_clean": int64 (B, T),
         "y_onehot": float32 (B, T, K) of y, "row_mask": bool (B, T), "feature_mask": bool (B, F),
         "split_feature": int64 (B, S) (-1: no split), "split_threshold": float64 (B, S),
         "node_mask": bool (B, S, T), "threshold_distance": float32 (B, S, T)}

    Batch ``b`` holds the first ``batch_size`` accepted examples from candidate (prior dataset)
    ``b * stride`` on (``scmforge.corpus.sample``), so it is the same whatever the number of
    DataLoader workers or threads: worker ``w`` of ``W`` builds batches ``w, w + W, ...``. With the
    default ``stride = 8 * batch_size`` a batch needs more candidates than its stride only when
    fewer than 1 in 8 are accepted (about 1 in 3 are with the defaults); then it overlaps the next
    batch and a few examples repeat.

    Args: preset, batch_size, num_batches (None: endless), seed, threads (per worker; 0: all cores
    without workers, else 1), stride, and the options of ``scmforge.corpus.sample`` (target, depth,
    label_noise, ...) and prior parameters as keywords.
    """

    def __init__(
        self,
        preset: str = "metatree",
        batch_size: int = 32,
        num_batches: Optional[int] = None,
        seed: int = 0,
        threads: int = 0,
        stride: Optional[int] = None,
        **options: Any,
    ) -> None:
        super().__init__()
        if batch_size <= 0:
            raise InvalidInputError(f"batch_size must be positive, got {batch_size}")
        if num_batches is not None and num_batches < 0:
            raise InvalidInputError(f"num_batches must be >= 0 or None, got {num_batches}")
        self.stride = 8 * batch_size if stride is None else int(stride)
        if self.stride <= 0:
            raise InvalidInputError(f"stride must be positive, got {stride}")
        _corpus.sample(0, preset=preset, seed=seed, **options)  # validate now, not in a worker
        self.preset = preset
        self.batch_size = batch_size
        self.num_batches = num_batches
        self.seed = seed
        self.threads = threads
        self.options = options

    def __len__(self) -> int:
        if self.num_batches is None:
            raise TypeError("an endless MetaTreeStream has no length")
        return self.num_batches

    def batch(self, index: int) -> dict:
        """Batch `index` of the stream."""
        info = get_worker_info()
        threads = self.threads if self.threads > 0 else (0 if info is None else 1)
        b = _corpus.sample(
            self.batch_size, preset=self.preset, seed=self.seed, threads=threads,
            first_candidate=index * self.stride, **self.options,
        )
        y = torch.from_numpy(b.y.astype(np.int64))
        row_mask = y >= 0
        k = b.leaf_counts.shape[2]
        onehot = torch.nn.functional.one_hot(y.clamp(min=0), k).to(torch.float32) * row_mask[..., None]
        num_features = torch.from_numpy(b.num_features.astype(np.int64))
        return {
            "x": torch.from_numpy(b.X),
            "y": y,
            "y_clean": torch.from_numpy(b.y_clean.astype(np.int64)),
            "y_onehot": onehot,
            "row_mask": row_mask,
            "feature_mask": torch.arange(b.X.shape[2])[None, :] < num_features[:, None],
            "split_feature": torch.from_numpy(b.split_feature.astype(np.int64)),
            "split_threshold": torch.from_numpy(b.split_threshold),
            "node_mask": torch.from_numpy(b.node_mask.astype(bool)),
            "threshold_distance": torch.from_numpy(b.threshold_distance),
        }

    def __iter__(self) -> Iterator[dict]:
        info = get_worker_info()
        worker, workers = (0, 1) if info is None else (info.id, info.num_workers)
        index = worker
        while self.num_batches is None or index < self.num_batches:
            yield self.batch(index)
            index += workers
