"""PyTorch datasets that stream prior datasets straight from the C++ engine (no disk)."""

from __future__ import annotations

from typing import Any, Iterator, Optional

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

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
