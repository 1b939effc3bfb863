"""PyTorch datasets that stream prior datasets and MetaTree examples from the C++ engine (no disk)."""

from __future__ import annotations

from typing import Any, Iterator, Optional

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from scmforge import corpus as _corpus
from scmforge import prior as _prior
from scmforge._errors import InvalidInputError


class _IndexedBatches(IterableDataset):
    """A stream whose batch b is a pure function of b (``batch(b)``); worker w of W builds
    batches w, w + W, ..., which the DataLoader returns in order, so the stream is the same for
    any number of workers."""

    def __init__(self, num_batches: Optional[int]) -> None:
        super().__init__()
        if num_batches is not None and num_batches < 0:
            raise InvalidInputError(f"num_batches must be >= 0 or None, got {num_batches}")
        self.num_batches = num_batches

    def __len__(self) -> int:
        if self.num_batches is None:
            raise TypeError("an endless stream has no length")
        return self.num_batches

    def batch(self, index: int) -> dict:  # pragma: no cover - overridden
        raise NotImplementedError

    def __iter__(self) -> Iterator[dict]:
        info = get_worker_info()
        worker, workers = (0, 1) if info is None else (info.id, info.num_workers)
        index = worker
        while self.num_batches is None or index < self.num_batches:
            yield self.batch(index)
            index += workers


class PriorStream(_IndexedBatches):
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
        super().__init__(num_batches)
        if batch_size <= 0:
            raise InvalidInputError(f"batch_size must be positive, got {batch_size}")
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
        self.seed = seed
        self.threads = threads
        self.first_id = first_id
        self.overrides = overrides

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


_LABEL_KEYS = {"tree": "y", "prior": "y_prior"}  # labels -> the field the model reads


def _check_labels(labels: Any) -> str:
    if not isinstance(labels, str) or labels not in _LABEL_KEYS:
        raise InvalidInputError(f"labels must be 'tree' (the target tree's relabelling plus noise, the paper's) or "
                                f"'prior' (the prior's own labels), got {labels!r}")
    return labels


def _metatree_tensors(a: dict, labels: str = "tree") -> dict:
    """Torch tensors of one MetaTree batch from padded numpy arrays (a MetaTreeBatch's fields);
    ``y`` and ``y_onehot`` hold the noisy tree labels, or the prior's labels with ``labels="prior"``."""
    y = torch.from_numpy(np.asarray(a[_LABEL_KEYS[labels]], dtype=np.int64))
    row_mask = y >= 0
    k = a["leaf_counts"].shape[2]
    onehot = torch.nn.functional.one_hot(y.clamp(min=0), k).to(torch.float32) * row_mask[..., None]
    num_features = torch.from_numpy(np.asarray(a["num_features"], dtype=np.int64))
    return {
        "x": torch.from_numpy(np.ascontiguousarray(a["X"], dtype=np.float32)),
        "y": y,
        "y_clean": torch.from_numpy(np.asarray(a["y_clean"], dtype=np.int64)),
        "y_onehot": onehot,
        "row_mask": row_mask,
        "feature_mask": torch.arange(a["X"].shape[2])[None, :] < num_features[:, None],
        "split_feature": torch.from_numpy(np.asarray(a["split_feature"], dtype=np.int64)),
        "split_threshold": torch.from_numpy(np.asarray(a["split_threshold"], dtype=np.float64)),
        "node_mask": torch.from_numpy(np.asarray(a["node_mask"]).astype(bool)),
        "threshold_distance": torch.from_numpy(np.asarray(a["threshold_distance"], dtype=np.float32)),
        "dataset_id": torch.from_numpy(np.asarray(a["dataset_id"]).astype(np.int64)),
    }


class MetaTreeStream(_IndexedBatches):
    """Batches of MetaTree pre-training examples straight from the C++ pipeline (no disk).

    Each item is one batch (``DataLoader(stream, batch_size=None)``)::

        {"x": float32 (B, T, F), "y": int64 (B, T) the labels the model reads (-1 padding), "y_clean",
         "y_onehot": float32 (B, T, K), "row_mask": bool (B, T), "feature_mask": bool (B, F),
         "split_feature": int64 (B, S) (-1: no split), "split_threshold": float64 (B, S),
         "node_mask": bool (B, S, T), "threshold_distance": float32 (B, S, T),
         "dataset_id": int64 (B,)}

    Batch ``b`` holds every accepted example among candidates (prior datasets)
    ``[b * stride, (b + 1) * stride)`` (``scmforge.corpus.sample_range``), so B varies around
    ``stride`` times the acceptance rate (about 1 in 3 with the defaults). The stream is the same
    for any number of DataLoader workers or threads, and ``MetaTreeShards`` over a folder built
    with the same settings yields the same batches.

    Args: preset, stride (candidates per batch), num_batches (None: endless), seed, threads (per
    worker; 0: all cores without workers, else 1), labels ("tree": ``y`` is the target tree's
    relabelling with label noise, the paper's; "prior": the prior's own labels, which the target
    tree was fitted on, with no noise added), and the options of ``scmforge.corpus.sample``
    (target, depth, label_noise, ...) and prior parameters as keywords.
    """

    def __init__(
        self,
        preset: str = "metatree",
        stride: int = 96,
        num_batches: Optional[int] = None,
        seed: int = 0,
        threads: int = 0,
        labels: str = "tree",
        **options: Any,
    ) -> None:
        super().__init__(num_batches)
        self.labels = _check_labels(labels)
        if not isinstance(stride, (int, np.integer)) or stride <= 0:
            raise InvalidInputError(f"stride must be a positive integer, got {stride!r}")
        self.stride = int(stride)
        _corpus.sample(0, preset=preset, seed=seed, **options)  # validate now, not in a worker
        self.preset = preset
        self.seed = seed
        self.threads = threads
        self.options = options

    def batch(self, index: int) -> dict:
        """Batch `index` of the stream."""
        info = get_worker_info()
        threads = self.threads if self.threads > 0 else (0 if info is None else 1)
        b = _corpus.sample_range(
            index * self.stride, self.stride, preset=self.preset, seed=self.seed, threads=threads,
            **self.options,
        )
        return _metatree_tensors(vars(b), self.labels)


class MetaTreeShards(_IndexedBatches):
    """The batches of ``MetaTreeStream`` read from a corpus folder (``scmforge corpus build``).

    Batch ``b`` holds the folder's examples whose dataset id lies in ``[b * stride, (b + 1) *
    stride)``, read from the shards that range spans. With the folder's seed and
    options, batch b equals ``MetaTreeStream``'s batch b (the folder's last batch may stop early,
    at its n-th example). Node masks and threshold distances are derived from X and the splits as
    the C++ pipeline derives them. ``labels`` as for ``MetaTreeStream``.
    """

    _KEYS = ("X", "y_clean", "num_rows", "num_features", "dataset_id", "split_feature", "split_threshold",
             "leaf_counts")  # and the labels the model reads

    def __init__(self, path: str, stride: int = 96, num_batches: Optional[int] = None, labels: str = "tree") -> None:
        self.labels = _check_labels(labels)
        self.keys = (*self._KEYS, _LABEL_KEYS[labels])
        corpus = _corpus.open(path)
        shard_candidates = int(corpus.manifest["config"]["shard_candidates"])
        if not isinstance(stride, (int, np.integer)) or stride <= 0:
            raise InvalidInputError(f"stride must be a positive integer, got {stride!r}")
        total = sum(int(s["candidates"]) for s in corpus.manifest["shards"])
        available = -(-total // stride)
        if num_batches is not None and num_batches > available:
            raise InvalidInputError(f"the folder holds {available} batches of stride {stride}, {num_batches} asked")
        super().__init__(available if num_batches is None else num_batches)
        self.stride = int(stride)
        corpus.close()
        self.path = path
        self.shard_candidates = shard_candidates
        self.shards = len(corpus.manifest["shards"])
        self._corpus: Optional[Any] = None

    def batch(self, index: int) -> dict:
        """Batch `index`: slices of the shards holding its candidates."""
        if self._corpus is None:  # opened lazily, once per worker process
            self._corpus = _corpus.open(self.path)
        first, end = index * self.stride, (index + 1) * self.stride
        parts = []
        for shard in range(first // self.shard_candidates, min((end - 1) // self.shard_candidates + 1, self.shards)):
            f = self._corpus._file(shard)
            j0, j1 = np.searchsorted(f["dataset_id"][:], [first, end])
            parts.append({key: f[key][j0:j1] for key in self.keys})
        a = {key: np.concatenate([part[key] for part in parts]) for key in self.keys}
        a["node_mask"], a["threshold_distance"] = _corpus.derive_targets(a["X"], a["num_rows"], a["split_feature"],
                                                                           a["split_threshold"])
        return _metatree_tensors(a, self.labels)
