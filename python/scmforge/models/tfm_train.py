"""Pre-training the TFM on the scmforge prior, streamed (no disk).

``python -m scmforge.models train tfm OUT [--recipe cpu-small] ...`` (the CLI's ``scmforge train
tfm``) and :func:`train_tfm`. Step s trains on batch s of a :class:`scmforge.torch.PriorStream`
(the recipe's prior preset and overrides, seeded by ``seed``), so a run resumed from its
checkpoint continues exactly as an uninterrupted one would. Writes ``OUT/checkpoint.pt`` (model,
optimiser, step; loadable with ``torch.load(weights_only=True)``), ``OUT/metrics.csv`` and
``OUT/manifest.json``.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, Optional

import torch

from scmforge._errors import InvalidInputError
from scmforge.models._common import (PRECISIONS, Precision, RunFolder, learning_rate, parameter_count,
                                     parse_prior_overrides, run_summary)
from scmforge.models.tfm import TFMConfig, TFMModel, loss

# The prior every recipe draws from: TabPFN's SCM prior at nanoTabPFN's settings, widened to the
# model's 10 features and 10 classes; the recipe sets rows and batch size.
_PRIOR = {"preset": "nanotabpfn", "min_features": 1, "max_features": 10, "max_classes": 10}

RECIPES: dict[str, dict[str, Any]] = {
    "cpu-small": {
        "model": {"width": 64, "layers": 3, "heads": 4, "mlp_ratio": 2},
        "batch": 8, "rows": 192, "steps": 8000, "lr": 1e-3, "warmup": 200, "weight_decay": 0.01, "clip": 1.0,
        "checkpoint_every": 250,
    },
    "gpu-base": {
        "model": {"width": 192, "layers": 8, "heads": 6, "mlp_ratio": 2},
        "batch": 64, "rows": 1024, "steps": 100000, "lr": 3e-4, "warmup": 2000, "weight_decay": 0.01, "clip": 1.0,
        "checkpoint_every": 2000,
    },
    "test-tiny": {
        "model": {"width": 16, "layers": 1, "heads": 2, "mlp_ratio": 2},
        "batch": 4, "rows": 100, "steps": 20, "lr": 3e-3, "warmup": 2, "weight_decay": 0.0, "clip": 1.0,
        "checkpoint_every": 10,
    },
}

def prior_stream(recipe: dict, seed: int, **overrides: Any):
    """The recipe's PriorStream (endless); ``overrides`` are prior parameters."""
    from scmforge.torch import PriorStream

    b = recipe["batch"]
    settings = {**_PRIOR, "n_rows": recipe["rows"], "hp_group_size": b, "meta_group_size": b,
                "split_group_size": b, **overrides}
    preset = settings.pop("preset")
    return PriorStream(preset, batch_size=b, seed=seed, threads=1, **settings)


def train_tfm(out: str, recipe: str = "cpu-small", steps: Optional[int] = None, minutes: Optional[float] = None,
              seed: int = 0, threads: Optional[int] = None, device: str = "cpu", quiet: bool = False,
              precision: Optional[str] = None, **prior: Any) -> dict:
    """Trains (or resumes) a TFM in folder ``out``; returns the final metrics.

    ``recipe``: a name in :data:`RECIPES`; ``steps`` overrides its length; ``minutes`` stops
    early at a wall-clock budget (checkpointing first); ``prior``: prior parameters overriding the
    recipe's; ``device``: "cpu" or "cuda"; ``precision``: "bf16" (the default on cuda), "fp16"
    (loss-scaled) or "fp32" (the only one on cpu).
    """
    if recipe not in RECIPES:
        raise InvalidInputError(f"unknown recipe {recipe!r}; known: {', '.join(RECIPES)}")
    r = dict(RECIPES[recipe])
    if steps is not None:
        if steps < 1:
            raise InvalidInputError(f"steps must be >= 1, got {steps}")
        r["steps"] = int(steps)
    if threads is not None:
        torch.set_num_threads(int(threads))
    config = TFMConfig(**r["model"])
    arithmetic = Precision(device, precision)
    # The run's identity: everything but its length, so a finished run can be extended with
    # more --steps (the schedule then follows the new length from the resumed step).
    run = {"model_kind": "tfm", "recipe": recipe, "settings": {k: v for k, v in r.items() if k != "steps"},
           "seed": seed, "prior": prior, **arithmetic.identity()}
    source = prior_stream(r, seed, **prior)  # validates the prior overrides before anything is written
    folder = RunFolder(out, run, "TFM", quiet=quiet)
    torch.manual_seed(seed)
    model = TFMModel(config).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=r["lr"], weight_decay=r["weight_decay"])
    step, seen, elapsed = folder.resume(model, optimizer, device, arithmetic)
    folder.write_manifest(model, steps=r["steps"])
    folder.open_metrics(["step", "examples", "loss", "lr", "examples_per_s", "data_s", "elapsed_s"])
    start = time.perf_counter() - elapsed
    last = {"step": step, "loss": float("nan"), "examples": seen}
    resumed_at = step
    model.train()
    try:
        while step < r["steps"]:
            t0 = time.perf_counter()
            batch = source.batch(step)
            data_s = time.perf_counter() - t0
            batch = {k: (v.to(device) if torch.is_tensor(v) else v) for k, v in batch.items()}
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(step, r)
            t1 = time.perf_counter()
            with arithmetic.autocast():
                value = loss(model, batch)
            optimizer.zero_grad(set_to_none=True)
            arithmetic.backward(value)
            arithmetic.step(model, optimizer, r["clip"])
            step += 1
            seen += int(batch["x"].shape[0])
            rate = batch["x"].shape[0] / max(time.perf_counter() - t1, 1e-9)
            current = float(value.detach())
            last = {"step": step, "loss": current, "examples": seen}
            folder.log([step, seen, f"{current:.6f}", f"{learning_rate(step - 1, r):.3g}", f"{rate:.1f}",
                        f"{data_s:.4f}", f"{time.perf_counter() - start:.1f}"],
                       f"step {step}/{r['steps']} loss {current:.4f} {rate:.0f} tables/s")
            if step % r["checkpoint_every"] == 0:
                folder.save(model, optimizer, arithmetic, step, seen, time.perf_counter() - start)
            if minutes is not None and time.perf_counter() - start > 60 * minutes:
                break
    finally:
        folder.close()
    if step > resumed_at:  # a finished run resumed keeps its checkpoint as it is
        folder.save(model, optimizer, arithmetic, step, seen, time.perf_counter() - start)
    return {**last, "elapsed_s": time.perf_counter() - start, "trained": step - resumed_at,
            "parameters": parameter_count(model)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scmforge train tfm",
                                     description="Pre-train the tabular foundation model on the scmforge prior")
    parser.add_argument("out", help="run folder (created; resumed when it holds the same run)")
    parser.add_argument("--recipe", default="cpu-small", choices=sorted(RECIPES))
    parser.add_argument("--steps", type=int, help="override the recipe's number of steps")
    parser.add_argument("--minutes", type=float, help="stop (with a checkpoint) after this much wall time")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--prior", action="append", default=[], metavar="KEY=VALUE",
                        help="prior parameter override (repeatable), e.g. --prior max_classes=4")
    parser.add_argument("--threads", type=int, help="torch CPU threads")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--precision", choices=PRECISIONS,
                        help="cuda autocast: bf16 (default), fp16 (with loss scaling) or fp32; cpu: fp32 only")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    prior = parse_prior_overrides(args.prior)
    result = train_tfm(args.out, recipe=args.recipe, steps=args.steps, minutes=args.minutes, seed=args.seed,
                       threads=args.threads, device=args.device, quiet=args.quiet, precision=args.precision, **prior)
    print(run_summary(result, args.out, "tables"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
