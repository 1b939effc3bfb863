"""TFMClassifier: scikit-learn style in-context classification with a pre-trained TFM, and its
fine-tuning on one dataset (optionally with synthetic rows mixed in).

``fit`` stores the training rows as the context; ``predict_proba`` runs the model with them as
the training rows of the table and the new rows as its test rows. ``finetune`` adapts the
weights to one dataset: each step draws a random context / query split of the training pool
(the real rows, plus synthetic rows when given), minimises the cross-entropy on the query rows,
and every ``eval_every`` steps scores the validation rows with the *real* training rows as the
context; the weights with the best validation ROC-AUC are kept (early stopping).
"""

from __future__ import annotations

import copy
import os
from typing import Any, Callable, Optional

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import roc_auc_score
from sklearn.utils.validation import check_is_fitted
from torch.nn import functional as F

from scmforge._errors import InvalidInputError
from scmforge.models.tfm import TFMModel, load_tfm

#: The checkpoint shipped with the package (trained by the documented cpu-small command).
BUNDLED_TFM = os.path.join(os.path.dirname(__file__), "checkpoints", "tfm-cpu-small.pt")


def roc_auc(y: np.ndarray, proba: np.ndarray, n_classes: int) -> float:
    """ROC-AUC: binary on the second class's probability, else macro one-vs-rest (classes absent
    from ``y`` are left out, as scikit-learn requires)."""
    if n_classes == 2:
        return float(roc_auc_score(y, proba[:, 1]))
    present = np.unique(y)
    if len(present) == 2:
        p = proba[:, present[1]] / np.maximum(proba[:, present].sum(1), 1e-12)
        return float(roc_auc_score(y == present[1], p))
    p = proba[:, present] / np.maximum(proba[:, present].sum(1, keepdims=True), 1e-12)
    return float(roc_auc_score(y, p, multi_class="ovr", labels=present))


class TFMClassifier(ClassifierMixin, BaseEstimator):
    """In-context classification by a pre-trained tabular foundation model.

    Args:
        checkpoint: a file written by ``scmforge train tfm`` (default: the bundled cpu-small
            checkpoint).
        n_ensemble: members averaged by ``predict_proba``; member m sees the features in a
            random order and the classes relabelled by a cyclic shift of m (TabPFN's ensembling
            over permutations). 1 = the model as it is.
        feature_subsample: when X has more features than the model takes, use a fixed random
            subset of that many (drawn from ``random_state``); otherwise wider X is an error.
        max_context: at most this many training rows form the context (a fixed random subset
            when there are more).
        random_state: seed of the subsets, the permutations and fine-tuning.
    """

    def __init__(self, checkpoint: Optional[str] = None, n_ensemble: int = 4, feature_subsample: bool = False,
                 max_context: int = 1024, random_state: int = 0) -> None:
        self.checkpoint = checkpoint
        self.n_ensemble = n_ensemble
        self.feature_subsample = feature_subsample
        self.max_context = max_context
        self.random_state = random_state

    # -- inputs ------------------------------------------------------------------------------

    def _load(self) -> TFMModel:
        path = self.checkpoint or BUNDLED_TFM
        if not os.path.exists(path):
            raise InvalidInputError(f"TFM checkpoint {path!r} does not exist; train one with `scmforge train tfm`")
        model, _ = load_tfm(path)
        return model

    def _check_X(self, X: Any, fit: bool) -> np.ndarray:
        try:
            X = np.asarray(X, dtype=np.float32)
        except (TypeError, ValueError) as e:
            raise InvalidInputError(f"X must be numeric (encode categorical columns first): {e}") from e
        if X.ndim != 2:
            raise InvalidInputError(f"X must be 2-D (rows x features), got shape {X.shape}")
        if not np.isfinite(X).all():
            bad = np.argwhere(~np.isfinite(X))[0]
            raise InvalidInputError(
                f"X holds NaN or infinite values (first at row {bad[0]}, column {bad[1]}); impute them first")
        if not fit and X.shape[1] != self.n_features_in_:
            raise InvalidInputError(f"X has {X.shape[1]} features, but the classifier was fitted on {self.n_features_in_}")
        return X

    def fit(self, X: Any, y: Any) -> "TFMClassifier":
        """Stores (a subset of) the rows as the context. Raises InvalidInputError for NaN, a
        single class, more classes or (without feature_subsample) features than the model takes."""
        if not isinstance(self.n_ensemble, (int, np.integer)) or self.n_ensemble < 1:
            raise InvalidInputError(f"n_ensemble must be an integer >= 1, got {self.n_ensemble!r}")
        if not isinstance(self.max_context, (int, np.integer)) or self.max_context < 2:
            raise InvalidInputError(f"max_context must be an integer >= 2, got {self.max_context!r}")
        X = self._check_X(X, fit=True)
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(X):
            raise InvalidInputError(f"y must be 1-D with one label per row of X ({len(X)}), got shape {y.shape}")
        if len(X) < 2:
            raise InvalidInputError(f"the TFM needs at least 2 training rows, got {len(X)}")
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise InvalidInputError("y has a single class; a classifier needs at least two")
        self.model_ = self._load()
        c = self.model_.config
        if len(self.classes_) > c.n_classes:
            raise InvalidInputError(f"y has {len(self.classes_)} classes; this TFM takes at most {c.n_classes}")
        d = X.shape[1]
        if d > c.n_features and not self.feature_subsample:
            raise InvalidInputError(
                f"X has {d} features; this TFM takes at most {c.n_features}: select features first, or pass "
                f"feature_subsample=True to use a fixed random subset of {c.n_features}")
        self.n_features_in_ = d
        rng = np.random.default_rng(self.random_state)
        self.columns_ = np.sort(rng.choice(d, c.n_features, replace=False)) if d > c.n_features else np.arange(d)
        rows = np.sort(rng.choice(len(X), self.max_context, replace=False)) if len(X) > self.max_context \
            else np.arange(len(X))
        self.context_x_ = X[rows][:, self.columns_]
        self.context_y_ = codes[rows].astype(np.int64)
        return self

    # -- prediction --------------------------------------------------------------------------

    def _member_views(self) -> list[tuple[np.ndarray, int]]:
        """(feature order, class shift) of each ensemble member; member 0 is the identity."""
        rng = np.random.default_rng(self.random_state + 1)
        width = len(self.columns_)
        return [(np.arange(width) if m == 0 else rng.permutation(width), m % len(self.classes_))
                for m in range(self.n_ensemble)]

    def _logits(self, model: TFMModel, cx: np.ndarray, cy: np.ndarray, qx: np.ndarray, order: np.ndarray,
                shift: int, chunk: int = 2048) -> torch.Tensor:
        """Class logits (len(qx), k) in the original class order for one member."""
        c = model.config
        k = len(self.classes_)
        out = []
        for s in range(0, len(qx), chunk):
            rows = np.concatenate([cx, qx[s:s + chunk]])[:, order]
            x = torch.zeros((1, len(rows), c.n_features))
            x[0, :, :rows.shape[1]] = torch.from_numpy(rows)
            fmask = torch.zeros((1, c.n_features), dtype=torch.bool)
            fmask[0, :rows.shape[1]] = True
            y = torch.from_numpy((cy + shift) % k)[None, :]
            logits = model(x, y, fmask, torch.tensor([k]))[0, :, :k]
            out.append(torch.roll(logits, -shift, dims=1))  # shifted class j -> original j - shift
        return torch.cat(out)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (n, n_classes), averaged over the ensemble members."""
        check_is_fitted(self, "model_")
        X = self._check_X(X, fit=False)[:, self.columns_]
        if len(X) == 0:
            return np.zeros((0, len(self.classes_)))
        return self.predict_proba_columns(X)

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    # -- fine-tuning -------------------------------------------------------------------------

    def finetune(self, X_val: Any, y_val: Any, synthetic: Optional[tuple[Any, Any]] = None, steps: int = 100,
                 lr: float = 1e-4, eval_every: int = 10, patience: int = 5, query_share: float = 0.3,
                 select: str = "loss", on_eval: Optional[Callable[[int, "TFMClassifier"], dict]] = None) -> list[dict]:
        """Fine-tunes the fitted model on its training rows (plus ``synthetic`` rows (X, y) with
        labels among ``classes_``) with early stopping on (X_val, y_val); keeps the best weights:
        those with the lowest validation log-loss (``select="loss"``) or the highest validation
        ROC-AUC (``select="auc"``; with few validation rows it often ties and stops at step 0).

        Returns one record per evaluation: ``{"step", "val_auc", "val_loss", ...}`` plus what ``on_eval(step,
        self)`` returns (e.g. a test score, for the validation-test correlation). Step 0 is the
        model before fine-tuning. Synthetic rows are used only as training pool rows; the
        validation context is always the real training rows.
        """
        check_is_fitted(self, "model_")
        for name, value in (("steps", steps), ("eval_every", eval_every), ("patience", patience)):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise InvalidInputError(f"{name} must be an integer >= 1, got {value!r}")
        if not 0 < query_share < 1:
            raise InvalidInputError(f"query_share must be in (0, 1), got {query_share}")
        if select not in ("loss", "auc"):
            raise InvalidInputError(f"select must be 'loss' or 'auc', got {select!r}")
        Xv = self._check_X(X_val, fit=False)[:, self.columns_]
        yv = self._codes(y_val, "y_val")
        if len(Xv) != len(yv) or len(np.unique(yv)) < 2:
            raise InvalidInputError("the validation rows need one label each and at least two classes")
        pool_x, pool_y = self.context_x_, self.context_y_
        if synthetic is not None:
            sx = self._check_X(synthetic[0], fit=False)[:, self.columns_]
            sy = self._codes(synthetic[1], "synthetic y")
            if len(sx) != len(sy):
                raise InvalidInputError(f"synthetic X has {len(sx)} rows but y has {len(sy)}")
            pool_x, pool_y = np.concatenate([pool_x, sx]), np.concatenate([pool_y, sy])
        k = len(self.classes_)
        model = self.model_
        optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
        gen = np.random.default_rng(self.random_state + 2)
        torch.manual_seed(self.random_state)
        history: list[dict] = []

        def evaluate(step: int) -> float:
            proba = self.predict_proba_columns(Xv)
            log_loss = float(-np.mean(np.log(np.clip(proba[np.arange(len(yv)), yv], 1e-12, None))))
            record = {"step": step, "val_auc": roc_auc(yv, proba, k), "val_loss": log_loss}
            if on_eval is not None:
                record.update(on_eval(step, self))
            history.append(record)
            # Lower is better: the log-loss (continuous, so a small validation set rarely ties),
            # or minus the ROC-AUC.
            return log_loss if select == "loss" else -record["val_auc"]

        best, best_state, since = evaluate(0), copy.deepcopy(model.state_dict()), 0
        c = model.config
        for step in range(1, steps + 1):
            model.train()
            order = gen.permutation(len(pool_x))
            n_query = max(1, int(round(query_share * len(order))))
            context, query = order[n_query:], order[:n_query]
            if len(np.unique(pool_y[context])) < 2:  # a context needs two classes to be informative
                continue
            rows = np.concatenate([pool_x[context], pool_x[query]])
            x = torch.zeros((1, len(rows), c.n_features))
            x[0, :, :rows.shape[1]] = torch.from_numpy(rows)
            fmask = torch.zeros((1, c.n_features), dtype=torch.bool)
            fmask[0, :rows.shape[1]] = True
            logits = model(x, torch.from_numpy(pool_y[context])[None, :], fmask, torch.tensor([k]))[0, :, :k]
            value = F.cross_entropy(logits, torch.from_numpy(pool_y[query]))
            optimizer.zero_grad(set_to_none=True)
            value.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            if step % eval_every == 0:
                score = evaluate(step)
                if score < best:
                    best, best_state, since = score, copy.deepcopy(model.state_dict()), 0
                else:
                    since += 1
                    if since >= patience:
                        break
        model.load_state_dict(best_state)
        model.eval()
        self.finetune_best_step_ = next(r["step"] for r in history
                                        if (r["val_loss"] if select == "loss" else -r["val_auc"]) == best)
        return history

    def predict_proba_columns(self, X: np.ndarray) -> np.ndarray:
        """predict_proba for rows already reduced to ``columns_`` (float32)."""
        self.model_.eval()
        with torch.no_grad():
            probs = [F.softmax(self._logits(self.model_, self.context_x_, self.context_y_, X, order, shift), dim=1)
                     for order, shift in self._member_views()]
        return torch.stack(probs).mean(0).numpy().astype(np.float64)

    def _codes(self, y: Any, name: str) -> np.ndarray:
        y = np.asarray(y)
        codes = np.searchsorted(self.classes_, y)
        if y.ndim != 1 or (codes >= len(self.classes_)).any() or (self.classes_[np.minimum(codes, len(self.classes_) - 1)] != y).any():
            raise InvalidInputError(f"{name} holds labels that are not among the fitted classes {list(self.classes_)}")
        return codes.astype(np.int64)
