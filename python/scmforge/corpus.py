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

import builtins
import json
import os
import sys
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from scmforge import _core
from scmforge._errors import InvalidInputError
from scmforge.prior import _overrides, _seed

__all__ = ["Corpus", "MetaTreeBatch", "build", "describe", "open", "sample", "sample_range", "stats", "verify"]

_OPTIONS = (
    "max_majority_share",
    "max_imbalance",
    "min_tree_accuracy",
    "min_error_reduction",
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
        threshold_distance: float32 (E, S, T): |x[row, split_feature] - v| where v, the split's
            lower value, is the largest value at most split_threshold among the node's rows.
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
    min_error_reduction: float = 0.0,
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
    return _sample(int(n), -1, int(first_candidate), preset, seed, threads, _options(locals()), prior_overrides)


def sample_range(first_candidate: int, candidates: int, **kwargs: Any) -> MetaTreeBatch:
    """Every accepted example among candidates ``[first_candidate, first_candidate + candidates)``;
    the batches of ``MetaTreeStream`` and ``MetaTreeShards``. ``kwargs`` are ``sample``'s
    keywords (preset, seed, threads, example options, prior parameters)."""
    if not isinstance(candidates, (int, np.integer)) or candidates < 0:
        raise InvalidInputError(f"candidates must be a non-negative integer, got {candidates!r}")
    if not isinstance(first_candidate, (int, np.integer)) or first_candidate < 0:
        raise InvalidInputError(f"first_candidate must be a non-negative integer, got {first_candidate!r}")
    settings = {**_DEFAULTS, **kwargs}
    prior_overrides = {k: v for k, v in settings.items() if k not in _DEFAULTS}
    return _sample(0, int(candidates), int(first_candidate), settings["preset"], settings["seed"],
                   settings["threads"], _options(settings), prior_overrides)


def _sample(n: int, candidates: int, first: int, preset: str, seed: Any, threads: int,
            options: dict[str, str], prior_overrides: dict[str, Any]) -> MetaTreeBatch:
    used_seed = _seed(seed)
    raw = _core.corpus_sample(
        n, preset, used_seed, int(threads), first, _overrides(prior_overrides), options, candidates
    )
    fields = {name: raw[name] for name in MetaTreeBatch.__dataclass_fields__ if name in raw and name not in ("prior_config", "rejections")}
    return MetaTreeBatch(
        **fields,
        rejections=dict(raw["rejections"]),
        seed=used_seed,
        prior_config=json.loads(raw["prior_config"]),
    )


# sample()'s keywords other than prior parameters, with their defaults.
_DEFAULTS = {
    "preset": "metatree", "seed": 0, "threads": 0, "target": "cart", "depth": 2,
    "max_majority_share": 0.75, "max_imbalance": 0.3, "min_tree_accuracy": 0.70,
    "min_error_reduction": 0.0, "label_noise": 0.05, "optimal_time_limit": 0.0, "optimal_max_thresholds": 0,
}


def _options(values: dict[str, Any]) -> dict[str, str]:
    out = {"target": str(values["target"]), "depth": str(int(values["depth"]))}
    for name in _OPTIONS:
        out[name] = str(int(values[name])) if name == "optimal_max_thresholds" else repr(float(values[name]))
    return out


def build(
    out: str,
    n: int,
    preset: str = "metatree",
    seed: Any = 0,
    threads: int = 0,
    target: str = "cart",
    depth: int = 2,
    max_majority_share: float = 0.75,
    max_imbalance: float = 0.3,
    min_tree_accuracy: float = 0.70,
    min_error_reduction: float = 0.0,
    label_noise: float = 0.05,
    optimal_time_limit: float = 0.0,
    optimal_max_thresholds: int = 0,
    shard_candidates: int = 16384,
    compression: int = 1,
    backend: str = "local",
    ray_address: Optional[str] = None,
    **prior_overrides: Any,
) -> dict:
    """Builds (or resumes) a corpus folder: HDF5 shards + manifest.json (docs/corpus.md).

    The same call as ``scmforge corpus build``; the folder's bytes depend only on the arguments
    (not on ``threads`` or the backend), a stopped build resumes to the same bytes, and a folder
    holding another config or foreign files is refused. Returns counts: examples, candidates,
    shards, shards_reused, rejections. The examples are those of ``sample(n, ...)``.

    ``backend="ray"`` runs one Ray task per shard (``ray_address``: None or "auto" connects to or
    starts a local cluster, else the cluster's address); every node must see ``out`` (a shared
    filesystem). See docs/distributed.md.
    """
    config = (int(n), preset, _seed(seed), _overrides(prior_overrides), _options(locals()), int(shard_candidates), int(compression))
    if backend == "local":
        raw = _core.corpus_build(str(out), config, int(threads))
        return {k: (dict(v) if k == "rejections" else v) for k, v in raw.items()}
    if backend != "ray":
        raise InvalidInputError(f"backend must be 'local' or 'ray', got {backend!r}")
    return _build_ray(str(out), config, ray_address)


def _build_ray(out: str, config: tuple, address: Optional[str]) -> dict:
    """Shards as Ray tasks, speculatively ahead; the driver keeps them in order, truncates the
    shard that reaches n exactly as a local build does, and writes the manifest."""
    try:
        import ray
    except ImportError as e:
        raise InvalidInputError("backend='ray' needs Ray: pip install 'ray[default]'") from e
    started = False
    if not ray.is_initialized():
        ray.init(address=None if address in (None, "auto") else address, ignore_reinit_error=True,
                 log_to_driver=False, include_dashboard=False)
        started = True
    try:
        entries = list(_core.corpus_intact_shards(out, config))
        reused = len(entries)
        n = config[0]
        examples = sum(json.loads(e)["examples"] for e in entries)
        task = ray.remote(num_cpus=1)(_core_build_shard)
        ahead = max(1, int(ray.cluster_resources().get("CPU", 1)))
        pending: dict[int, Any] = {}
        next_shard = len(entries)
        extra: list[int] = []
        while examples < n:
            while len(pending) < ahead:
                pending[next_shard] = task.remote(out, config, next_shard)
                next_shard += 1
            s = len(entries)
            entry = json.loads(ray.get(pending.pop(s)))
            if examples + entry["examples"] > n:  # the last shard stops at the n-th example
                entry = json.loads(_core.corpus_build_shard(out, config, s, n - examples, 0))
            entries.append(json.dumps(entry))
            examples += entry["examples"]
            _core.corpus_write_manifest(out, config, entries)
        extra = sorted(pending)
        ray.get(list(pending.values()))  # let speculative shards finish before removing them
        for s in extra:
            path = os.path.join(out, f"shard-{s:05d}.h5")
            if os.path.exists(path):
                os.remove(path)
        _core.corpus_write_manifest(out, config, entries)
        with builtins.open(os.path.join(out, "manifest.json"), encoding="utf-8") as f:
            totals = json.load(f)
        return {"examples": totals["examples"], "candidates": totals["candidates"], "shards": len(entries),
                "shards_reused": reused, "rejections": totals["rejections"]}
    finally:
        if started:
            ray.shutdown()


def _core_build_shard(out: str, config: tuple, shard: int) -> str:
    """A Ray task: one whole shard on one core."""
    from scmforge import _core as core

    return core.corpus_build_shard(out, config, shard, -1, 1)


def verify(out: str) -> list[str]:
    """Problems in a corpus folder (missing or damaged shards, unfinished build); [] if intact."""
    return list(_core.corpus_verify(str(out)))


def derive_targets(x: np.ndarray, num_rows: np.ndarray, feature: np.ndarray,
                   threshold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Node masks (E, S, T) and threshold distances (E, S, T) of padded examples ``x`` (E, T, F)
    with splits ``feature`` / ``threshold`` (E, S), as corpus::node_masks / threshold_distances
    compute them: rows go left when x <= t (in float64); a distance is |x - v| where v, the
    split's lower value, is the largest value at most t among the node's rows (float32)."""
    e, t, _ = x.shape
    slots = feature.shape[1]
    mask = np.zeros((e, slots, t), dtype=np.uint8)
    dist = np.zeros((e, slots, t), dtype=np.float32)
    rows = np.arange(t)[None, :] < np.asarray(num_rows)[:, None]
    mask[:, 0] = rows
    for s in range(slots):
        has = feature[:, s] >= 0
        f = np.where(has, feature[:, s], 0)
        column = np.take_along_axis(x, f[:, None, None], axis=2)[:, :, 0].astype(np.float64)
        left = column <= threshold[:, s][:, None]
        lower = np.where((mask[:, s] == 1) & left, column, -np.inf).max(axis=1)
        lower = np.where(np.isfinite(lower), lower, threshold[:, s])
        dist[:, s] = np.where(has[:, None] & rows, np.abs(column - lower[:, None]).astype(np.float32), 0.0)
        for child, side in ((2 * s + 1, left), (2 * s + 2, ~left)):
            if child < slots:
                mask[:, child] = (mask[:, s] == 1) & side & has[:, None]
    return mask, dist


class Corpus:
    """Random access to a corpus folder's examples (``open(path)``), shards read with h5py.

    ``corpus[i]`` is a dict of one example's arrays, unpadded in rows (X (n, F), y, y_clean,
    y_prior (n,), split_feature / split_threshold (S,), leaf_counts (S + 1, K), node_mask (S, n)
    and threshold_distance (S, n), derived from X and the splits as the C++ pipeline derives
    them, plus dataset_id, num_features, num_classes, tree_accuracy). Iterating yields them in
    order; ``manifest`` is the parsed manifest.json.
    """

    def __init__(self, path: str):
        try:
            import h5py
        except ImportError as e:  # pragma: no cover - h5py is in the dev requirements
            raise InvalidInputError("reading a corpus needs h5py: pip install h5py") from e
        manifest_path = os.path.join(path, "manifest.json")
        if not os.path.exists(manifest_path):
            raise InvalidInputError(f"{path!r} has no manifest.json: not a corpus folder")
        with builtins.open(manifest_path, encoding="utf-8") as f:
            self.manifest = json.load(f)
        if not self.manifest.get("complete", False):
            raise InvalidInputError(f"{path!r} holds an unfinished build: resume it with the same arguments")
        self._h5py = h5py
        self._path = path
        self._shards = self.manifest["shards"]
        self._starts = np.cumsum([0] + [s["examples"] for s in self._shards])
        self._open: dict[int, Any] = {}

    def __len__(self) -> int:
        return int(self._starts[-1])

    def _file(self, s: int):
        if s not in self._open:
            self._open[s] = self._h5py.File(os.path.join(self._path, self._shards[s]["file"]), "r")
        return self._open[s]

    def __getitem__(self, i: int) -> dict:
        if not -len(self) <= i < len(self):
            raise IndexError(f"example {i} out of range for a corpus of {len(self)}")
        i %= len(self)
        s = int(np.searchsorted(self._starts, i, side="right") - 1)
        f, j = self._file(s), i - int(self._starts[s])
        n, d = int(f["num_rows"][j]), int(f["num_features"][j])
        x = f["X"][j, :n]
        feature, threshold = f["split_feature"][j], f["split_threshold"][j]
        mask, dist = derive_targets(x[None], np.array([n]), feature[None], threshold[None])
        mask, dist = mask[0], dist[0]
        return {
            "X": x, "y": f["y"][j, :n], "y_clean": f["y_clean"][j, :n], "y_prior": f["y_prior"][j, :n],
            "num_features": d, "num_classes": int(f["num_classes"][j]), "dataset_id": int(f["dataset_id"][j]),
            "split_feature": feature, "split_threshold": threshold, "leaf_counts": f["leaf_counts"][j],
            "node_mask": mask, "threshold_distance": dist, "tree_accuracy": float(f["tree_accuracy"][j]),
        }

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def close(self) -> None:
        for f in self._open.values():
            f.close()
        self._open.clear()


def open(path: str) -> Corpus:  # noqa: A001 - the issue names it scmforge.corpus.open
    """Opens a corpus folder written by ``build`` or ``scmforge corpus build``."""
    return Corpus(path)


def stats(source: Any) -> dict:
    """Distributions of a corpus folder (path) or of a MetaTreeBatch (a streamed sample).

    Returns per-example arrays ``num_classes``, ``num_features``, ``imbalance``,
    ``majority_share``, ``tree_accuracy``, ``splits`` (internal nodes of the target tree), and
    the totals ``examples``, ``candidates`` and ``rejections`` (by reason).
    """
    if isinstance(source, MetaTreeBatch):
        arrays = {k: getattr(source, k) for k in ("num_classes", "num_features", "imbalance", "majority_share", "tree_accuracy")}
        arrays["splits"] = (source.split_feature >= 0).sum(axis=1)
        return {**arrays, "examples": len(source), "candidates": source.candidates, "rejections": dict(source.rejections)}
    corpus = open(str(source))
    import h5py

    parts: dict[str, list] = {k: [] for k in ("num_classes", "num_features", "imbalance", "majority_share", "tree_accuracy", "splits")}
    for shard in corpus.manifest["shards"]:
        with h5py.File(os.path.join(str(source), shard["file"]), "r") as f:
            for key in ("num_classes", "num_features", "imbalance", "majority_share", "tree_accuracy"):
                parts[key].append(f[key][:])
            parts["splits"].append((f["split_feature"][:] >= 0).sum(axis=1))
    out = {k: np.concatenate(v) for k, v in parts.items()}
    m = corpus.manifest
    return {**out, "examples": m["examples"], "candidates": m["candidates"], "rejections": dict(m["rejections"])}


def describe(s: dict) -> str:
    """A text summary of ``stats(...)``."""
    lines = [f"{s['examples']} examples from {s['candidates']} candidates "
             f"({100 * s['examples'] / max(s['candidates'], 1):.1f}% accepted)"]
    order = ("majority", "imbalance", "tree_accuracy")  # the filters in the order they run
    reasons = sorted(s["rejections"].items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
    lines.append("rejected: " + ", ".join(f"{k} {v} ({100 * v / max(s['candidates'], 1):.1f}%)" for k, v in reasons))
    for key in ("num_classes", "num_features", "splits"):
        values, counts = np.unique(s[key], return_counts=True)
        lines.append(f"{key}: " + ", ".join(f"{v}: {c / len(s[key]):.3f}" for v, c in zip(values, counts)))
    for key in ("imbalance", "majority_share", "tree_accuracy"):
        q = np.quantile(s[key], [0.0, 0.25, 0.5, 0.75, 1.0]) if len(s[key]) else [np.nan] * 5
        lines.append(f"{key}: min {q[0]:.3f}, quartiles {q[1]:.3f} / {q[2]:.3f} / {q[3]:.3f}, max {q[4]:.3f}")
    return "\n".join(lines)


def _main(argv: list[str]) -> int:
    """`python -m scmforge.corpus build-ray OUT CONFIG_JSON ADDRESS`: the CLI's `--ray`."""
    if len(argv) == 4 and argv[0] == "build-ray":
        n, preset, seed, overrides, options, shard_candidates, compression = json.loads(argv[2])
        config = (n, preset, seed, overrides, options, shard_candidates, compression)
        result = _build_ray(argv[1], config, argv[3])
        print(f"{result['examples']} examples from {result['candidates']} candidates in "
              f"{result['shards']} shards ({result['shards_reused']} reused) with Ray")
        return 0
    print("usage: python -m scmforge.corpus build-ray OUT CONFIG_JSON ADDRESS", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
