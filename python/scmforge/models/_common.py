"""What the model families (MetaTree, the TFM) share: size configs stored in checkpoints,
checkpoint files holding only tensors and plain values, and training-run folders.

A run folder holds ``manifest.json`` (the run's identity, so a folder is resumed only by the
same run), ``checkpoint.pt`` (model, optimiser, step; loadable with
``torch.load(weights_only=True)``: loading never runs code from the file) and ``metrics.csv``
(one row per step). When TensorBoard is installed (``pip install tensorboard``), the same
metrics also go to ``tensorboard/`` as scalars by step (``tensorboard --logdir OUT``).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import os
import sys
from typing import Any, ClassVar, Optional

import torch
from torch import nn

from scmforge._errors import InvalidInputError
from scmforge.io import write_atomically

CHECKPOINT = "checkpoint.pt"
METRICS = "metrics.csv"
MANIFEST = "manifest.json"
TENSORBOARD = "tensorboard"


class ModelConfig:
    """Base of the frozen dataclasses of model sizes: checks that the integer sizes are positive
    and that the width splits into heads, and round-trips through the dict stored in checkpoints.
    Subclasses name themselves (``LABEL``) and their integer sizes (``SIZES``)."""

    LABEL: ClassVar[str] = "model"
    SIZES: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        name = type(self).__name__
        for field in self.SIZES:
            value = getattr(self, field)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InvalidInputError(f"{name}.{field} must be a positive integer, got {value!r}")
        if self.width % self.heads != 0:
            raise InvalidInputError(f"{name}.width ({self.width}) must be a multiple of heads ({self.heads})")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict):
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise InvalidInputError(f"unknown {cls.LABEL} config keys: {sorted(unknown)}")
        return cls(**values)


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def checkpoint_state(model: nn.Module, extra: Optional[dict] = None) -> dict:
    """A checkpoint of ``model`` (a class with ``FORMAT`` and a ``config``) holding only tensors
    and plain Python values (loadable with weights_only=True)."""
    return {"format": model.FORMAT, "version": 1, "config": model.config.to_dict(), "model": model.state_dict(),
            **(extra or {})}


def load_checkpoint(path: str, model_class: type) -> tuple[nn.Module, dict]:
    """The ``model_class`` model of a checkpoint file (in eval mode) and the checkpoint dict."""
    label = model_class.CONFIG.LABEL
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as e:  # noqa: BLE001 - a truncated or foreign file
        raise InvalidInputError(f"{path!r} is not a readable {label} checkpoint: {e}") from e
    if not isinstance(state, dict) or state.get("format") != model_class.FORMAT:
        raise InvalidInputError(f"{path!r} is not a {label} checkpoint (format field missing)")
    if state.get("version") != 1:
        raise InvalidInputError(f"{path!r}: checkpoint version {state.get('version')} is not supported (1 is)")
    model = model_class(model_class.CONFIG.from_dict(state["config"]))
    model.load_state_dict(state["model"])
    model.eval()
    return model, state


PRECISIONS = ("bf16", "fp16", "fp32")


class Precision:
    """A training run's arithmetic: on CUDA, bf16 autocast (the default), fp16 autocast with loss
    scaling (for GPUs without bf16), or fp32; on CPU fp32 only. :meth:`backward` and
    :meth:`step` replace ``loss.backward()`` and ``clip + optimizer.step()``; the loss scaler's
    state goes into checkpoints (:meth:`state`, :meth:`load`) so an fp16 run resumes exactly."""

    def __init__(self, device: str, precision: Optional[str] = None) -> None:
        cuda = device.startswith("cuda")
        self.name = precision or ("bf16" if cuda else "fp32")
        if self.name not in PRECISIONS:
            raise InvalidInputError(f"precision must be one of {', '.join(PRECISIONS)}, got {self.name!r}")
        if not cuda and self.name != "fp32":
            raise InvalidInputError(f"precision {self.name} is GPU autocast; with --device cpu training runs in fp32")
        self._dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.name)
        self._scaler = torch.amp.GradScaler("cuda", enabled=self.name == "fp16")

    def identity(self) -> dict:
        """The run-identity entry of the precision: none for fp32, so CPU runs' manifests (which
        predate the option) still match."""
        return {} if self.name == "fp32" else {"precision": self.name}

    def autocast(self):
        return torch.autocast("cuda", dtype=self._dtype or torch.float32, enabled=self._dtype is not None)

    def backward(self, value: torch.Tensor) -> None:
        self._scaler.scale(value).backward()

    def step(self, model: nn.Module, optimizer: torch.optim.Optimizer, clip: float) -> None:
        """Gradient clipping at ``clip`` (on the unscaled gradients) and the optimiser step
        (skipped by the scaler when an fp16 gradient overflowed)."""
        self._scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        self._scaler.step(optimizer)
        self._scaler.update()

    def state(self) -> dict:
        return self._scaler.state_dict()

    def load(self, state: dict) -> None:
        if state:
            self._scaler.load_state_dict(state)


def parse_prior_overrides(items: list[str]) -> dict[str, str]:
    """``--prior KEY=VALUE`` flags as a dict (the prior validates names and values)."""
    prior: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InvalidInputError(f"--prior takes KEY=VALUE, got {item!r}")
        prior[key] = value
    return prior


def learning_rate(step: int, recipe: dict) -> float:
    """Linear warm-up, then cosine decay to 10% of the peak at the last step."""
    warmup, total, peak = recipe["warmup"], recipe["steps"], recipe["lr"]
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def run_summary(result: dict, out: str, unit: str) -> str:
    """The line a ``train`` command prints at its end. ``result`` holds step, loss, examples,
    elapsed_s, parameters and trained (the steps this call took); a run resumed at the end of its
    schedule says that there was nothing to train, rather than a loss of nan."""
    done = (f"loss {result['loss']:.4f}" if result["trained"] else
            "nothing to train, the run is already at the end of its schedule (raise --steps to go on)")
    return (f"step {result['step']}: {done}, {result['examples']} {unit}, {result['elapsed_s']:.0f} s, "
            f"{result['parameters']} parameters; checkpoint {os.path.join(out, CHECKPOINT)}")


def dump_json(path: str, value: dict) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=1, sort_keys=True)
        f.write("\n")


class RunFolder:
    """A training run's folder. Opening checks that it is empty or holds the run with the same
    ``identity`` (JSON values); :meth:`resume` restores the model and optimiser from its
    checkpoint; :meth:`log` appends a metrics row (and shows progress on a terminal, and writes
    the row's numbers as TensorBoard scalars when TensorBoard is installed)."""

    def __init__(self, out: str, identity: dict, label: str, quiet: bool = False, writer: bool = True) -> None:
        self.out, self.identity, self.writer = out, identity, writer
        os.makedirs(out, exist_ok=True)
        self.manifest = os.path.join(out, MANIFEST)
        self.checkpoint = os.path.join(out, CHECKPOINT)
        if os.path.exists(self.manifest):
            with open(self.manifest, encoding="utf-8") as f:
                earlier = json.load(f)
            if {k: earlier.get(k) for k in identity} != json.loads(json.dumps(identity)):
                raise InvalidInputError(f"{out!r} holds a run with other settings; use another folder or the same arguments")
        elif os.listdir(out):
            raise InvalidInputError(f"{out!r} is not empty and holds no {label} run")
        self.tty = sys.stderr.isatty() and not quiet
        self._metrics = None
        self._board = None

    def resume(self, model: nn.Module, optimizer: torch.optim.Optimizer, device: str,
               precision: Precision) -> tuple[int, int, float]:
        """(step, examples seen, elapsed seconds) of the checkpoint, loaded into ``model``,
        ``optimizer`` and ``precision``; (0, 0, 0.0) when there is none yet."""
        if not os.path.exists(self.checkpoint):
            return 0, 0, 0.0
        state = torch.load(self.checkpoint, map_location=device, weights_only=True)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        precision.load(state.get("scaler", {}))
        return int(state["step"]), int(state["examples"]), float(state["elapsed"])

    def write_manifest(self, model: nn.Module, **extra: Any) -> None:
        if self.writer:
            value = {**self.identity, **extra, "model": model.config.to_dict(), "parameters": parameter_count(model)}
            write_atomically(self.manifest, lambda p: dump_json(p, value))

    def save(self, model: nn.Module, optimizer: torch.optim.Optimizer, precision: Precision, step: int, seen: int,
             elapsed: float) -> None:
        if self.writer:
            extra = {"optimizer": optimizer.state_dict(), "step": step, "examples": seen, "elapsed": elapsed}
            scaler = precision.state()
            if scaler:  # fp16's loss scale
                extra["scaler"] = scaler
            state = checkpoint_state(model, extra)
            write_atomically(self.checkpoint, lambda p: torch.save(state, p))

    def open_metrics(self, header: list[str]) -> None:
        if not self.writer:
            return
        path = os.path.join(self.out, METRICS)
        new_file = not os.path.exists(path)
        self._metrics = open(path, "a", newline="", encoding="utf-8")  # noqa: SIM115 - closed by close()
        self._csv = csv.writer(self._metrics)
        if new_file:
            self._csv.writerow(header)
        self._header = header
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:  # TensorBoard is optional: the CSV holds the same numbers
            return
        self._board = SummaryWriter(os.path.join(self.out, TENSORBOARD))

    def log(self, row: list, progress: str) -> None:
        if self._metrics is None:
            return
        self._csv.writerow(row)
        self._metrics.flush()
        if self._board is not None:  # row[0] is the step; the other columns are scalars
            for name, value in zip(self._header[1:], row[1:]):
                self._board.add_scalar(name, float(value), int(row[0]))
        if self.tty:
            print(f"\r{progress}", end="", file=sys.stderr)

    def close(self) -> None:
        if self._metrics is not None:
            self._metrics.close()
            self._metrics = None
            if self._board is not None:
                self._board.close()
                self._board = None
            if self.tty:
                print(file=sys.stderr)
