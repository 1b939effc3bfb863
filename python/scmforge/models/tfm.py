"""A small tabular foundation model (TFM): a TabPFN-style in-context classifier.

Our own PyTorch implementation in the style of TabPFN / nanoTabPFN (docs/tfm.md):

* every cell (row i, feature j) is a token ``Linear(1 -> d)(x_ij)`` after the features are
  z-scored over the *training* rows of the table (clipped to [-10, 10]); the label is one more
  token per row, ``Embedding(C, d)(y_i)`` for training rows and a learned query vector for test
  rows;
* each layer runs attention across the tokens of a row (features and label; padded features
  masked), then attention across rows per column in which every row attends to the training
  rows only, then a SwiGLU MLP, each pre-normalised and residual;
* the label token of each test row goes through a two-layer MLP to ``n_classes`` logits; the
  logits of classes the table does not have are -inf.

Test rows never attend to each other, so a table's test rows can be predicted in any chunks
with the same result. Shapes: ``x`` (B, N, F) float32 padded to ``n_features``; ``y_train``
(B, n_train) int64; ``feature_mask`` (B, F) bool; ``num_classes`` (B,) int64; the first
``n_train`` rows of ``x`` are the training rows.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import torch
from torch import nn
from torch.nn import functional as F

from scmforge._errors import InvalidInputError
from scmforge.models._common import ModelConfig, checkpoint_state, load_checkpoint, parameter_count
from scmforge.models.metatree import RMSNorm, SwiGLU, _Attention

@dataclasses.dataclass(frozen=True)
class TFMConfig(ModelConfig):
    """Model sizes; stored in every checkpoint."""

    LABEL: ClassVar[str] = "TFM"
    SIZES: ClassVar[tuple[str, ...]] = ("n_features", "n_classes", "width", "layers", "heads", "mlp_ratio")

    n_features: int = 10
    n_classes: int = 10
    width: int = 64
    layers: int = 3
    heads: int = 4
    mlp_ratio: int = 2

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.n_classes < 2:
            raise InvalidInputError(f"TFMConfig.n_classes must be >= 2, got {self.n_classes}")


class _Layer(nn.Module):
    def __init__(self, config: TFMConfig) -> None:
        super().__init__()
        d = config.width
        self.norm_columns = RMSNorm(d)
        self.columns = _Attention(d, config.heads)
        self.norm_rows = RMSNorm(d)
        self.rows = _Attention(d, config.heads)
        self.norm_mlp = RMSNorm(d)
        self.mlp = SwiGLU(d, config.mlp_ratio * d)

    def forward(self, h: torch.Tensor, token_mask: torch.Tensor, train_rows: torch.Tensor) -> torch.Tensor:
        b, n, t, d = h.shape
        # Across the tokens of each row (features + label).
        keys = token_mask[:, None, :].expand(b, n, t).reshape(b * n, t)
        h = h + self.columns(self.norm_columns(h).reshape(b * n, t, d), keys).view(b, n, t, d)
        # Across rows, per column: every row attends to the training rows.
        a = self.norm_rows(h).permute(0, 2, 1, 3).reshape(b * t, n, d)
        keys = train_rows[None, :].expand(b * t, n)
        h = h + self.rows(a, keys, token_mask.reshape(b * t)).view(b, t, n, d).permute(0, 2, 1, 3)
        return h + self.mlp(self.norm_mlp(h))


class TFMModel(nn.Module):
    """Class logits of a table's test rows given its training rows and labels."""

    CONFIG = TFMConfig
    FORMAT = "scmforge-tfm"

    def __init__(self, config: TFMConfig) -> None:
        super().__init__()
        self.config = config
        d = config.width
        self.value = nn.Linear(1, d)
        self.label = nn.Embedding(config.n_classes, d)
        self.query = nn.Parameter(torch.zeros(d))
        self.layers = nn.ModuleList(_Layer(config) for _ in range(config.layers))
        self.norm = RMSNorm(d)
        self.head = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, config.n_classes))
        nn.init.normal_(self.query, std=0.02)

    def forward(self, x: torch.Tensor, y_train: torch.Tensor, feature_mask: torch.Tensor,
                num_classes: torch.Tensor) -> torch.Tensor:
        """Logits (B, N - n_train, n_classes) of the rows after the ``n_train = y_train.shape[1]``
        training rows."""
        b, n, f = x.shape
        c = self.config
        n_train = y_train.shape[1]
        if f != c.n_features or not 1 <= n_train < n:
            raise InvalidInputError(
                f"TFM input has {n} rows ({n_train} training) and {f} features; this model takes exactly "
                f"{c.n_features} (padded) features and at least one training and one test row")
        x = standardize_by_train(x, n_train) * feature_mask[:, None, :]
        train_rows = torch.arange(n, device=x.device) < n_train
        h = self.value(x[..., None])  # (B, N, F, d)
        label = torch.cat([self.label(y_train), self.query.expand(b, n - n_train, -1)], dim=1)
        h = torch.cat([h, label[:, :, None, :]], dim=2)  # (B, N, F + 1, d)
        token_mask = torch.cat([feature_mask, torch.ones(b, 1, dtype=torch.bool, device=x.device)], dim=1)
        for layer in self.layers:
            h = layer(h, token_mask, train_rows)
        logits = self.head(self.norm(h[:, n_train:, f]))
        absent = torch.arange(c.n_classes, device=x.device)[None, :] >= num_classes[:, None]
        return logits.masked_fill(absent[:, None, :], float("-inf"))


def standardize_by_train(x: torch.Tensor, n_train: int) -> torch.Tensor:
    """Each feature z-scored with the mean and standard deviation of the first ``n_train`` rows
    (std floored at 1e-6), clipped to [-10, 10]."""
    train = x[:, :n_train]
    mean = train.mean(1, keepdim=True)
    std = train.std(1, keepdim=True, unbiased=False).clamp(min=1e-6)
    return ((x - mean) / std).clamp(-10.0, 10.0)


def loss(model: TFMModel, batch: dict) -> torch.Tensor:
    """Mean cross-entropy over the test rows of a PriorStream batch (``single_eval_pos`` training
    rows first)."""
    pos = int(batch["single_eval_pos"])
    x, y = batch["x"], batch["y"]
    logits = model(pad_features(x, model.config.n_features), y[:, :pos],
                   pad_features(batch["feature_mask"], model.config.n_features), batch["num_classes"])
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y[:, pos:].reshape(-1))


def pad_features(t: torch.Tensor, width: int) -> torch.Tensor:
    """``t`` (x (B, N, F) or a mask (B, F)) with its last axis zero-padded to ``width``."""
    f = t.shape[-1]
    if f > width:
        raise InvalidInputError(f"{f} features, but the model takes at most {width}")
    return F.pad(t, (0, width - f)) if f < width else t


def load_tfm(path: str) -> tuple[TFMModel, dict]:
    """The model of a TFM checkpoint file and the checkpoint dict (``torch.load(weights_only=True)``:
    loading never runs code from the file)."""
    return load_checkpoint(path, TFMModel)


__all__ = ["TFMConfig", "TFMModel", "checkpoint_state", "load_tfm", "loss", "pad_features", "parameter_count",
           "standardize_by_train"]
