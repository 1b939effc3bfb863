"""MetaTree: a transformer that writes a decision tree for a table, one split per forward pass.

Our own PyTorch implementation of the model of Zhuang et al., "Learning a Decision Tree Algorithm
with Transformers" (TMLR 2024), as described in docs/metatree.md:

* every cell (row i, feature j) of the node's table is a token: ``Linear(1->d)(x_ij)`` plus a
  learned column bias, a learned row bias and ``Linear(C->d)(onehot(y_i))``, then a SwiGLU MLP;
* each layer adds row attention (over the rows of one feature, restricted to the node's rows)
  and column attention (over the features of one row, restricted to real features), computed in
  parallel from the same RMS-normalised input, then a SwiGLU MLP, all with residuals;
* a linear head gives one logit per cell; the split is the argmax cell: feature j, threshold at
  the midpoint between x_ij and the next larger value of feature j among the node's rows;
* the node's features are z-scored over the node's rows first (``normalize``), so each split
  sees its node re-standardised; with ``inputs="ranks"`` the model reads each feature's mid-ranks
  among the node's rows (as a share of them) instead of its values, so its input, like CART's
  criterion, does not change under a monotone transform of a feature (the threshold is still the
  midpoint of the values; trained so, cpu-small was not better on the real tables, see
  docs/metatree.md); ``inputs="mixed"`` reads mid-ranks for the features of many levels in the
  node (more than ``MIXED_LEVELS``, or than half its rows) and values for the others (trained
  so, worse than either; docs/metatree.md);
* training targets are Gaussian-smoothed over the target tree's split feature
  (``T_ij = 1[j = f*] exp(-(d_i / max d)^2 / (2 sigma^2))`` with ``d_i = |x_i,f* - v*|``, v* the
  split's lower value: the largest x_.,f* <= t* among the node's rows; the reference measures from
  t*, which is flat on binary features, see docs/metatree.md), the loss binary cross-entropy over
  the node's cells, with teacher-forced node masks.

Shapes: ``x`` (B, N, F) float32 padded to ``n_features`` with zero columns; ``y_onehot``
(B, N, C) padded to ``n_classes``; ``status`` (B, N) bool, the rows that reach the node;
``feature_mask`` (B, F) bool, the real features. N <= ``max_rows``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from typing import Callable, ClassVar, ContextManager, Optional

import torch
from torch import nn
from torch.nn import functional as F

from scmforge._errors import InvalidInputError
from scmforge.models._common import ModelConfig, checkpoint_state, load_checkpoint, parameter_count  # noqa: F401 - re-exported


@dataclasses.dataclass(frozen=True)
class MetaTreeConfig(ModelConfig):
    """Model sizes and the target smoothing; stored in every checkpoint."""

    LABEL: ClassVar[str] = "MetaTree"
    SIZES: ClassVar[tuple[str, ...]] = ("n_features", "n_classes", "max_rows", "width", "layers", "heads", "mlp_ratio")

    n_features: int = 10
    n_classes: int = 10
    max_rows: int = 256
    width: int = 64
    layers: int = 2
    heads: int = 4
    mlp_ratio: int = 4
    sigma: float = 0.05
    normalize: bool = True
    inputs: str = "values"

    INPUTS: ClassVar[tuple[str, ...]] = ("values", "ranks", "mixed")

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 < self.sigma < 1:
            raise InvalidInputError(f"MetaTreeConfig.sigma must be in (0, 1), got {self.sigma}")
        if self.inputs not in self.INPUTS:
            raise InvalidInputError(f"MetaTreeConfig.inputs must be one of {', '.join(self.INPUTS)}, got {self.inputs!r}")


class RMSNorm(nn.Module):
    def __init__(self, width: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))
        self.eps = eps

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class SwiGLU(nn.Module):
    def __init__(self, width: int, hidden: int) -> None:
        super().__init__()
        self.gate = nn.Linear(width, hidden, bias=False)
        self.up = nn.Linear(width, hidden, bias=False)
        self.down = nn.Linear(hidden, width, bias=False)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.down(F.silu(self.gate(h)) * self.up(h))


class _Attention(nn.Module):
    """Multi-head self-attention over the second-to-last axis of (S, L, d) with a key mask; given
    ``active``, on the active sequences only, and an inactive one's output is 0."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width, bias=False)
        self.out = nn.Linear(width, width, bias=False)

    def forward(self, h: torch.Tensor, keys: torch.Tensor, active: torch.Tensor | None = None) -> torch.Tensor:
        # h: (S, L, d); keys: (S, L) bool, at least one True per active sequence; active: (S,) bool.
        # The models mark inactive the sequences that never reach a real cell (padding features;
        # in MetaTree also rows outside the node), about 40 % of MetaTree's attention work.
        # Attention treats each sequence on its own, so the real cells' values and every gradient
        # are bit for bit those of attending all of them (tested). The projections keep every
        # token: dropping tokens there would reorder the weight gradients' sums, and a training
        # run's bits would change.
        s, length, width = h.shape
        qkv = self.qkv(h).view(s, length, 3, self.heads, width // self.heads)
        if active is not None:
            index = (active.nonzero()[:, 0],)
            qkv, keys = qkv[index], keys[index]
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        o = F.scaled_dot_product_attention(q, k, v, attn_mask=keys[:, None, None, :])
        o = o.transpose(1, 2).reshape(o.shape[0], length, width)
        if active is not None:
            o = o.new_zeros(s, length, width).index_put(index, o)
        return self.out(o)


class _Layer(nn.Module):
    def __init__(self, config: MetaTreeConfig) -> None:
        super().__init__()
        d = config.width
        self.norm_attention = RMSNorm(d)
        self.rows = _Attention(d, config.heads)
        self.columns = _Attention(d, config.heads)
        self.norm_mlp = RMSNorm(d)
        self.mlp = SwiGLU(d, config.mlp_ratio * d)

    def forward(self, h: torch.Tensor, bias: torch.Tensor, status: torch.Tensor, feature_mask: torch.Tensor) -> torch.Tensor:
        b, n, f, d = h.shape
        a = self.norm_attention(h) + bias
        # Row attention: per (example, feature), over the node's rows.
        rows_in = a.permute(0, 2, 1, 3).reshape(b * f, n, d)
        row_keys = status[:, None, :].expand(b, f, n).reshape(b * f, n)
        rows_out = self.rows(rows_in, row_keys, feature_mask.reshape(b * f)).view(b, f, n, d).permute(0, 2, 1, 3)
        # Column attention: per (example, row), over the real features.
        col_keys = feature_mask[:, None, :].expand(b, n, f).reshape(b * n, f)
        cols_out = self.columns(a.reshape(b * n, f, d), col_keys, status.reshape(b * n)).view(b, n, f, d)
        h = h + rows_out + cols_out
        return h + self.mlp(self.norm_mlp(h))


class MetaTreeModel(nn.Module):
    """The transformer: per-cell split logits for one node of a batch of tables."""

    CONFIG = MetaTreeConfig
    FORMAT = "scmforge-metatree"

    def __init__(self, config: MetaTreeConfig) -> None:
        super().__init__()
        self.config = config
        d = config.width
        self.value = nn.Linear(1, d)
        self.label = nn.Linear(config.n_classes, d, bias=False)
        self.column_bias = nn.Parameter(torch.zeros(config.n_features, d))
        self.row_bias = nn.Parameter(torch.zeros(config.max_rows, d))
        self.embed = SwiGLU(d, config.mlp_ratio * d)
        self.layers = nn.ModuleList(_Layer(config) for _ in range(config.layers))
        self.norm = RMSNorm(d)
        self.head = nn.Linear(d, 1)
        nn.init.normal_(self.column_bias, std=0.02)
        nn.init.normal_(self.row_bias, std=0.02)

    def forward(self, x: torch.Tensor, y_onehot: torch.Tensor, status: torch.Tensor, feature_mask: torch.Tensor) -> torch.Tensor:
        """Split logits (B, N, F); cells outside the node's rows or real features are -inf."""
        b, n, f = x.shape
        c = self.config
        if f != c.n_features or y_onehot.shape[-1] != c.n_classes or n > c.max_rows:
            raise InvalidInputError(
                f"MetaTree input has {n} rows, {f} features, {y_onehot.shape[-1]} classes; this model takes "
                f"at most {c.max_rows} rows and exactly {c.n_features} (padded) features and {c.n_classes} classes"
            )
        # An empty node (no rows) would leave attention without keys: let it see every row; its
        # logits are masked to -inf below and its loss is skipped.
        empty = ~status.any(dim=1)
        keys = status | empty[:, None]
        if c.inputs == "ranks":
            x = node_ranks(x, keys)
        elif c.inputs == "mixed":  # one sort serves both the level count and the ranks
            keyed = sorted_over_rows(x, keys)
            x = torch.where(many_levels(x, keys, keyed)[:, None, :], node_ranks(x, keys, keyed), x)
        if c.normalize:
            x = standardize(x, keys)
        x = x * feature_mask[:, None, :]
        bias = self.column_bias[None, None, :, :] + self.row_bias[None, :n, None, :]
        h = self.value(x[..., None]) + bias + self.label(y_onehot)[:, :, None, :]
        h = h + self.embed(h)
        for layer in self.layers:
            h = layer(h, bias, keys, feature_mask)
        logits = self.head(self.norm(h))[..., 0]
        valid = status[:, :, None] & feature_mask[:, None, :]
        return logits.masked_fill(~valid, float("-inf"))


def standardize(x: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
    """Each feature z-scored over ``rows`` (B, N) of its example (std floored at 1e-6)."""
    w = rows[..., None].to(x.dtype)
    count = w.sum(1, keepdim=True).clamp(min=1.0)
    mean = (x * w).sum(1, keepdim=True) / count
    var = ((x - mean).pow(2) * w).sum(1, keepdim=True) / count
    return (x - mean) / var.sqrt().clamp(min=1e-6)


def sorted_over_rows(x: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
    """(B, F, N): each feature's values over ``rows`` (B, N) in ascending order, then +inf for
    the other rows."""
    return x.transpose(1, 2).masked_fill(~rows[:, None, :], float("inf")).sort(dim=-1).values.contiguous()


def node_ranks(x: torch.Tensor, rows: torch.Tensor, keyed: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Each cell's mid-rank among its feature's values over ``rows`` (B, N) of its example, as a
    share of them: (values below + values equal / 2) / rows, in (0, 1); 0 outside ``rows``.
    ``keyed``: ``sorted_over_rows(x, rows)`` where the caller has it."""
    xt = x.transpose(1, 2).contiguous()  # (B, F, N)
    keyed = sorted_over_rows(x, rows) if keyed is None else keyed
    below = torch.searchsorted(keyed, xt, side="left")
    upto = torch.searchsorted(keyed, xt, side="right")
    count = rows.sum(1)[:, None, None].clamp(min=1)
    ranks = (below + upto).to(x.dtype) / (2 * count)
    return ranks.transpose(1, 2) * rows[..., None]


MIXED_LEVELS = 16


def many_levels(x: torch.Tensor, rows: torch.Tensor, keyed: Optional[torch.Tensor] = None) -> torch.Tensor:
    """(B, F) bool: the features with more distinct values over ``rows`` (B, N) than
    ``MIXED_LEVELS`` or than half of those rows, the ones ``inputs="mixed"`` reads as ranks.
    ``keyed``: ``sorted_over_rows(x, rows)`` where the caller has it."""
    keyed = sorted_over_rows(x, rows) if keyed is None else keyed
    steps = (keyed[..., 1:] != keyed[..., :-1]) & torch.isfinite(keyed[..., 1:])
    levels = steps.sum(-1) + rows.any(1, keepdim=True)
    count = rows.sum(1, keepdim=True)
    return (levels > MIXED_LEVELS) | (2 * levels > count)


def smoothed_targets(threshold_distance: torch.Tensor, split_feature: torch.Tensor, status: torch.Tensor,
                     n_features: int, sigma: float) -> torch.Tensor:
    """MetaTree's soft target (B, N, F) of one node: a Gaussian bump over the rows of the split
    feature, largest at the rows nearest the threshold. ``threshold_distance`` (B, N),
    ``split_feature`` (B,) (>= 0), ``status`` (B, N)."""
    d = threshold_distance * status
    scale = d.amax(dim=1, keepdim=True).clamp(min=1e-12)
    bump = torch.exp(-((d / scale) ** 2) / (2 * sigma * sigma)) * status
    onehot = F.one_hot(split_feature.clamp(min=0), n_features).to(bump.dtype)
    return bump[:, :, None] * onehot[:, None, :]


def node_loss(model: MetaTreeModel, batch: dict, node: int) -> tuple[torch.Tensor, int]:
    """Mean BCE over the cells (node's rows x real features) of node ``node`` of the examples whose
    target tree splits there, and how many examples that is. ``batch`` is a MetaTreeStream /
    MetaTreeShards batch."""
    feature = batch["split_feature"][:, node]
    status = batch["node_mask"][:, node] & batch["row_mask"]
    has = (feature >= 0) & status.any(dim=1)
    if not bool(has.any()):
        return torch.zeros((), requires_grad=True), 0
    x, y = batch["x"][has], batch["y_onehot"][has]
    status, fmask = status[has], batch["feature_mask"][has]
    logits = model(x, y, status, fmask)
    target = smoothed_targets(batch["threshold_distance"][has][:, node], feature[has], status,
                              model.config.n_features, model.config.sigma)
    cells = status[:, :, None] & fmask[:, None, :]
    return F.binary_cross_entropy_with_logits(logits[cells], target[cells]), int(has.sum())


def loss(model: MetaTreeModel, batch: dict) -> torch.Tensor:
    """The per-node BCE averaged over the target trees' split nodes, weighted by the examples
    that split there (teacher-forced node masks)."""
    total, count = torch.zeros(()), 0
    for node in range(batch["split_feature"].shape[1]):
        value, n = node_loss(model, batch, node)
        if n:
            total = total + value * n
            count += n
    if count == 0:  # no split node in the batch: a zero that still reaches every parameter
        return sum(p.sum() for p in model.parameters()) * 0.0
    return total / count


def loss_backward(model: MetaTreeModel, batch: dict, backward: Callable[[torch.Tensor], None],
                  autocast: Callable[[], ContextManager] = contextlib.nullcontext,
                  micro_batch: Optional[int] = None) -> torch.Tensor:
    """:func:`loss` of ``batch`` (returned detached), back-propagated with ``backward``; the
    forward passes run under ``autocast()``.

    ``micro_batch`` None: one forward pass per node over all its examples and one backward pass,
    so every activation of the step is held at once. ``micro_batch`` M: each node's examples are
    cut into chunks of at most M, and each chunk's loss, weighted by its share of the node's
    cells and the node's share of the step's (example, split node) pairs, is back-propagated
    before the next chunk runs, so only one chunk's activations are held (the gradient is
    accumulated). Both give the same gradient up to the order of floating-point sums."""
    if micro_batch is not None and micro_batch < 1:
        raise InvalidInputError(f"micro_batch must be >= 1, got {micro_batch}")
    status = None if micro_batch is None else batch["node_mask"] & batch["row_mask"][:, None, :]
    splits = None if status is None else ((batch["split_feature"] >= 0) & status.any(dim=2)).cpu()
    if splits is None or not bool(splits.any()):  # whole nodes at once, or no split node to cut
        with autocast():
            value = loss(model, batch)
        backward(value)
        return value.detach()
    count = int(splits.sum())  # (example, split node) pairs
    # A node's loss is the mean over its cells, so a chunk's mean counts by the chunk's share of
    # the node's cells, and the node by its share of the step's (example, split node) pairs, as
    # in loss(). The weights are worked out on the CPU: no extra device sync per chunk.
    cells = (status.sum(dim=2) * batch["feature_mask"].sum(dim=1, keepdim=True)).cpu()  # (examples, nodes)
    total = torch.zeros((), device=batch["x"].device)
    keys = ("x", "y_onehot", "row_mask", "node_mask", "feature_mask", "split_feature", "threshold_distance")
    for node in range(splits.shape[1]):
        rows = torch.nonzero(splits[:, node])[:, 0]
        node_cells, node_examples = int(cells[rows, node].sum()), len(rows)
        for chunk in rows.split(micro_batch):
            with autocast():
                value, _ = node_loss(model, {k: batch[k][chunk.to(batch[k].device)] for k in keys}, node)
            weight = int(cells[chunk, node].sum()) / node_cells * node_examples / count
            backward(value * weight)
            total = total + value.detach().float() * weight
    return total


@torch.no_grad()
def generate_splits(model: MetaTreeModel, x: torch.Tensor, y_onehot: torch.Tensor, feature_mask: torch.Tensor,
                    depth: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Breadth-first splits of complete depth-``depth`` trees for a batch of tables.

    Returns ``feature`` (B, S) (-1 where the node has no rows, or where the chosen cell holds its
    feature's largest value among the node's rows, so no threshold lies above it), ``threshold``
    (B, S) float64, and the node masks ``status`` (B, S, N) of
    ``x`` under those splits; rows go left when ``x <= threshold``, node s has children
    2s+1 (left) and 2s+2.
    """
    b, n, _ = x.shape
    slots = 2**depth - 1
    feature = torch.full((b, slots), -1, dtype=torch.int64)
    threshold = torch.zeros((b, slots), dtype=torch.float64)
    status = torch.zeros((b, slots, n), dtype=torch.bool)
    status[:, 0] = y_onehot.sum(-1) > 0  # padded rows have no label
    xd = x.to(torch.float64)
    for s in range(slots):
        rows = status[:, s]
        logits = model(x, y_onehot, rows, feature_mask)
        flat = logits.flatten(1)
        best = flat.argmax(dim=1)
        has = torch.isfinite(flat.gather(1, best[:, None]))[:, 0]
        i, j = best // x.shape[2], best % x.shape[2]
        column = xd.gather(2, j[:, None, None].expand(b, n, 1))[:, :, 0]
        value = column.gather(1, i[:, None])[:, 0]
        larger = torch.where(rows & (column > value[:, None]), column, torch.full_like(column, math.inf))
        upper = larger.min(dim=1).values
        t = torch.where(torch.isfinite(upper), (value + upper) / 2, value)
        splits = has & torch.isfinite(upper)
        feature[:, s] = torch.where(splits, j, torch.full_like(j, -1))
        threshold[:, s] = torch.where(splits, t, torch.zeros_like(t))
        for child, side in ((2 * s + 1, True), (2 * s + 2, False)):
            if child < slots:
                left = column <= t[:, None]
                status[:, child] = rows & splits[:, None] & (left if side else ~left)
    return feature, threshold, status


def load_model(path: str) -> tuple[MetaTreeModel, dict]:
    """The model of a MetaTree checkpoint file and the checkpoint dict (``torch.load(weights_only=True)``:
    loading never runs code from the file)."""
    return load_checkpoint(path, MetaTreeModel)
