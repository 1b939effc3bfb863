"""Pre-training MetaTree on the scmforge corpus: streamed (no disk) or from a corpus folder.

``python -m scmforge.models.train OUT [--recipe cpu-small] ...`` (the CLI's ``scmforge train
metatree``) and :func:`train`. Step s trains on batch s of the stream (``MetaTreeStream``'s batch
index; with DDP, rank r of W takes batch s * W + r), with the features permuted by a generator
seeded by (seed, step), so a run resumed from a checkpoint continues exactly as an uninterrupted
one would. Writes ``OUT/checkpoint.pt`` (model, optimiser, schedule, step; loadable with
``torch.load(weights_only=True)``), ``OUT/metrics.csv`` and ``OUT/manifest.json``. Under torchrun
(WORLD_SIZE > 1) each rank trains on its own batches and the gradients are averaged by
all-reduce after every step (not DDP's hooks: a step runs one forward pass per tree node).

``--init CHECKPOINT`` starts a new run from a checkpoint's weights and step (the bundled one, or
any run's ``checkpoint.pt`` without its folder) and continues the recipe's schedule from that
step, on the batches an uninterrupted run would have drawn. The optimiser's moments start afresh,
so the learning rate ramps up again over the recipe's warm-up steps.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any, Optional

import torch
from torch.utils.data import DataLoader

from scmforge._errors import InvalidInputError
from scmforge.models._common import PRECISIONS, Precision, RunFolder, learning_rate, parse_prior_overrides, run_summary
from scmforge.models.metatree import MIXED_LEVELS, MetaTreeConfig, MetaTreeModel, loss_backward, parameter_count

# Recipes: model sizes, optimisation, and "corpus": options of the streamed corpus (command-line
# options override them; a --data folder keeps those it was built with). cpu-small's schedule is
# 3,400 steps, 56 minutes on 2 Intel cores. The loss plateaus until about step 1,500 and the model
# leaves it only while the learning rate is still high: a 2,000-step schedule did not. Its corpus
# draws the class count uniformly (binary_prob 0, not the prior's 0.5), which put more 3+-class
# examples in and beat the default mix on the real tables (docs/metatree.md).
# gpu-base is the documented GPU recipe, not run in tests or CI (docs/metatree.md gives its
# expected time). Its steps hold about 500 node passes of about 0.4 GB of bf16 activations each,
# so the gradient is accumulated over micro-batches of 64 examples (about 26 GB at once).
RECIPES: dict[str, dict[str, Any]] = {
    "cpu-small": {
        "model": {"width": 32, "layers": 2, "heads": 4, "mlp_ratio": 2},
        "stride": 48, "steps": 3400, "lr": 2e-3, "warmup": 50, "weight_decay": 0.01, "clip": 1.0,
        "workers": 1, "checkpoint_every": 100, "corpus": {"binary_prob": 0.0},
    },
    "gpu-base": {
        "model": {"width": 256, "layers": 8, "heads": 8, "mlp_ratio": 4},
        "stride": 768, "steps": 200000, "lr": 3e-4, "warmup": 2000, "weight_decay": 0.01, "clip": 1.0,
        "workers": 8, "checkpoint_every": 2000, "micro_batch": 64, "corpus": {"binary_prob": 0.0},
    },
    "test-tiny": {
        "model": {"width": 16, "layers": 1, "heads": 2, "mlp_ratio": 2},
        "stride": 24, "steps": 20, "lr": 3e-3, "warmup": 2, "weight_decay": 0.0, "clip": 1.0,
        "workers": 0, "checkpoint_every": 10,
    },
}

# The recipe model sizes that `train(model_sizes=...)` and --width/--layers/--heads/--mlp-ratio replace.
MODEL_SIZES = ("width", "layers", "heads", "mlp_ratio")


def permute_features(batch: dict, generator: torch.Generator) -> dict:
    """The batch with its feature axis permuted (one permutation per example), the split features
    renumbered to match."""
    x = batch["x"]
    b, _, f = x.shape
    if b == 0:
        return batch
    perm = torch.stack([torch.randperm(f, generator=generator) for _ in range(b)])  # new j <- old perm[j]
    inverse = torch.argsort(perm, dim=1)  # old j -> new position
    out = dict(batch)
    out["x"] = x.gather(2, perm[:, None, :].expand_as(x))
    out["feature_mask"] = batch["feature_mask"].gather(1, perm)
    split = batch["split_feature"]
    out["split_feature"] = torch.where(split >= 0, inverse.gather(1, split.clamp(min=0)), split)
    return out


class _Stream(torch.utils.data.IterableDataset):
    """Batches first, first + stride_w, ... of a MetaTree stream or folder (one rank's share),
    with their stream index. A folder is read again from its start when the schedule runs past
    its end (epochs): index i holds the folder's batch i mod its batch count, and the feature
    permutation, seeded by i, differs from one pass to the next."""

    def __init__(self, source: Any, first: int, every: int) -> None:
        super().__init__()
        self.source, self.first, self.every = source, first, every

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        worker, workers = (0, 1) if info is None else (info.id, info.num_workers)
        index = self.first + worker * self.every
        total = self.source.num_batches
        while True:
            yield index, self.source.batch(index if total is None else index % total)
            index += workers * self.every


def train(out: str, recipe: str = "cpu-small", steps: Optional[int] = None, stride: Optional[int] = None,
          micro_batch: Optional[int] = None, minutes: Optional[float] = None,
          seed: int = 0, data: Optional[str] = None, workers: Optional[int] = None, threads: Optional[int] = None,
          device: str = "cpu", quiet: bool = False, init: Optional[str] = None, precision: Optional[str] = None,
          labels: str = "tree", model_sizes: Optional[dict] = None, inputs: Optional[str] = None,
          sigma: Optional[float] = None, **corpus_options: Any) -> dict:
    """Trains (or resumes) a MetaTree model in folder ``out``; returns the final metrics.

    ``recipe``: a name in :data:`RECIPES`; ``steps`` overrides its length and ``stride`` its
    candidates per batch (a filter that accepts more candidates makes larger batches; a smaller
    stride keeps the examples per step, and so the step's cost, as they were); ``micro_batch``
    sets the most examples per forward pass, accumulating the step's gradient over them to bound
    its memory (the recipe's, else all of a node's examples at once); ``minutes`` stops
    early at a wall-clock budget (checkpointing first); ``data``: a corpus folder (else the
    examples are streamed with ``seed``, the recipe's corpus options and ``corpus_options`` over
    them, such as ``label_noise``, ``target`` or prior parameters); ``device``: "cpu" or "cuda";
    ``precision``: "bf16" (the default on cuda), "fp16" (loss-scaled) or "fp32" (the only one on cpu);
    ``init``: a checkpoint whose weights and step a new run starts from (module docstring);
    ``labels``: the labels the model reads, "tree" (the target tree's relabelling plus label noise,
    the paper's) or "prior" (the prior's own labels, which the target tree was fitted on);
    ``model_sizes``: some of the recipe's model sizes replaced, e.g. ``{"width": 64, "layers": 4}``
    (keys: ``MODEL_SIZES``; recorded in the manifest's settings); ``inputs``: what the model reads
    of a feature, "values" (the recipes'), "ranks" (its mid-ranks among the node's rows) or "mixed"
    (ranks for the features of many levels in the node, values for the others;
    :class:`MetaTreeConfig`); ``sigma``: the width of the soft target's bump as a share of the
    node's largest distance to the threshold (the recipes': 0.05; :class:`MetaTreeConfig`).
    """
    if recipe not in RECIPES:
        raise InvalidInputError(f"unknown recipe {recipe!r}; known: {', '.join(RECIPES)}")
    r = dict(RECIPES[recipe])
    if steps is not None:
        if steps < 1:
            raise InvalidInputError(f"steps must be >= 1, got {steps}")
        r["steps"] = int(steps)
    if stride is not None:
        if stride < 1:
            raise InvalidInputError(f"stride must be >= 1, got {stride}")
        r["stride"] = int(stride)
    if model_sizes:
        unknown = set(model_sizes) - set(MODEL_SIZES)
        if unknown:
            raise InvalidInputError(f"unknown model sizes {sorted(unknown)}; known: {', '.join(MODEL_SIZES)}")
        r["model"] = {**r["model"], **model_sizes}
    if inputs is not None:  # checked by MetaTreeConfig below, before the run folder is made
        r["model"] = {**r["model"], "inputs": inputs}
    if sigma is not None:  # checked by MetaTreeConfig below, before the run folder is made
        r["model"] = {**r["model"], "sigma": float(sigma)}
    if micro_batch is not None:
        if micro_batch < 1:
            raise InvalidInputError(f"micro_batch must be >= 1, got {micro_batch}")
        r["micro_batch"] = int(micro_batch)
    if workers is not None:
        r["workers"] = int(workers)
    if threads is not None:
        torch.set_num_threads(int(threads))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    if world > 1 and not torch.distributed.is_initialized():
        torch.distributed.init_process_group("nccl" if device == "cuda" else "gloo")
    if device == "cuda":
        device = f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}"
    arithmetic = Precision(device, precision)
    config = MetaTreeConfig(**r["model"])
    if data is not None and corpus_options:
        raise InvalidInputError(f"corpus options {sorted(corpus_options)} apply to the streamed corpus; a --data folder "
                                "keeps the options it was built with (set them in `scmforge corpus build`)")
    if data is None:
        corpus_options = {**r.get("corpus", {}), **corpus_options}
    run = {"recipe": recipe, "settings": {k: v for k, v in r.items() if k != "corpus"}, "seed": seed, "data": data,
           "corpus_options": corpus_options, "world_size": world}
    if labels == "prior" and "label_noise" in corpus_options:
        raise InvalidInputError("--label-noise flips the tree's labels, which --input-labels prior does not read; "
                                "give one of them")
    if labels != "tree":  # recorded only when set, so runs from before the option resume as they were
        run["labels"] = labels
    if init is not None:
        run["init"] = os.path.abspath(init)
    run.update(arithmetic.identity())
    # The data source validates the corpus options and folder before the run folder is made.
    if data is not None:
        from scmforge.torch import MetaTreeShards

        source = MetaTreeShards(data, stride=r["stride"], labels=labels)
    else:
        from scmforge.torch import MetaTreeStream

        source = MetaTreeStream(stride=r["stride"], seed=seed, threads=1, labels=labels, **corpus_options)
    folder = RunFolder(out, run, "MetaTree", quiet=quiet, writer=rank == 0)
    torch.manual_seed(seed)
    model = MetaTreeModel(config).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=r["lr"], weight_decay=r["weight_decay"])
    first, first_seen = _load_init(model, init, r) if init is not None else (0, 0)  # where the optimiser started
    step, seen, elapsed = folder.resume(model, optimizer, device, arithmetic)
    if step == 0:
        step, seen = first, first_seen
    folder.write_manifest(model)
    resumed_at = step
    if step >= r["steps"]:  # a finished run: no data is drawn and the checkpoint stays as it is
        return {"step": step, "loss": float("nan"), "examples": seen, "elapsed_s": elapsed, "trained": 0,
                "parameters": parameter_count(model)}
    loader = DataLoader(_Stream(source, step * world + rank, world), batch_size=None, num_workers=r["workers"])
    folder.open_metrics(["step", "examples", "loss", "lr", "examples_per_s", "data_wait_s", "elapsed_s"])
    start = time.perf_counter() - elapsed
    last = {"step": step, "loss": float("nan"), "examples": seen}
    wait_start = time.perf_counter()

    def rewarm(at: int) -> float:
        return min(1.0, (at - first + 1) / r["warmup"]) if init is not None else 1.0

    def save() -> None:
        folder.save(model, optimizer, arithmetic, step, seen, time.perf_counter() - start)

    try:
        for index, batch in loader:
            if step >= r["steps"]:
                break
            data_wait = time.perf_counter() - wait_start
            if batch["x"].shape[0] == 0 and world == 1:  # no candidate of this batch was accepted
                # (with several ranks every rank still steps, with a zero loss, so the
                # all-reduces stay matched)
                step += 1
                wait_start = time.perf_counter()
                continue
            generator = torch.Generator().manual_seed(seed * 1_000_003 + index)
            batch = {k: (v.to(device) if torch.is_tensor(v) else v) for k, v in permute_features(batch, generator).items()}
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(step, r) * rewarm(step)
            t0 = time.perf_counter()
            optimizer.zero_grad(set_to_none=True)
            value = loss_backward(model, batch, arithmetic.backward, arithmetic.autocast, r.get("micro_batch"))
            if world > 1:  # average the gradients over ranks (one forward per node, so no DDP hooks)
                for p in model.parameters():
                    if p.grad is None:
                        p.grad = torch.zeros_like(p)
                    torch.distributed.all_reduce(p.grad)
                    p.grad /= world
            arithmetic.step(model, optimizer, r["clip"])
            step += 1
            seen += int(batch["x"].shape[0]) * world
            rate = batch["x"].shape[0] / max(time.perf_counter() - t0, 1e-9)
            last = {"step": step, "loss": float(value.detach()), "examples": seen}
            folder.log([step, seen, f"{float(value.detach()):.6f}", f"{learning_rate(step - 1, r) * rewarm(step - 1):.3g}", f"{rate:.1f}",
                        f"{data_wait:.4f}", f"{time.perf_counter() - start:.1f}"],
                       f"step {step}/{r['steps']} loss {float(value.detach()):.4f} {rate:.0f} examples/s")
            if step % r["checkpoint_every"] == 0:
                save()
            if minutes is not None and time.perf_counter() - start > 60 * minutes:
                break
            wait_start = time.perf_counter()
    finally:
        folder.close()
    save()
    return {**last, "elapsed_s": time.perf_counter() - start, "trained": step - resumed_at,
            "parameters": parameter_count(model)}


def _load_init(model: MetaTreeModel, path: str, recipe: dict) -> tuple[int, int]:
    """Loads the weights of checkpoint ``path`` into ``model`` (same recipe model); its step and
    examples seen."""
    from scmforge.models.metatree import load_model

    loaded, state = load_model(path)
    if loaded.config.to_dict() != model.config.to_dict():
        raise InvalidInputError(f"--init {path!r} holds a model {loaded.config.to_dict()}, not the recipe's "
                                f"{model.config.to_dict()}; pick the recipe it was trained with")
    step = int(state.get("step", 0))
    if step >= recipe["steps"]:
        raise InvalidInputError(f"--init {path!r} is at step {step}, past the schedule's {recipe['steps']} steps; "
                                "raise --steps")
    model.load_state_dict(loaded.state_dict())
    return step, int(state.get("examples", 0))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scmforge train metatree", description="Pre-train MetaTree on the scmforge corpus")
    parser.add_argument("out", help="run folder (created; resumed when it holds the same run)")
    parser.add_argument("--recipe", default="cpu-small", choices=sorted(RECIPES))
    parser.add_argument("--steps", type=int, help="override the recipe's number of steps")
    parser.add_argument("--stride", type=int, help="override the recipe's prior candidates per batch (cpu-small: 48)")
    for size in MODEL_SIZES:
        parser.add_argument(f"--{size.replace('_', '-')}", type=int,
                            help=f"override the recipe model's {size} (cpu-small: {RECIPES['cpu-small']['model'][size]})")
    parser.add_argument("--inputs", choices=MetaTreeConfig.INPUTS,
                        help="what the model reads of a feature: its values z-scored over the node's rows (values, "
                             "the recipes'), its mid-ranks among them (ranks: invariant to monotone transforms), or ranks for "
                             f"the features of more than {MIXED_LEVELS} levels (or than half the node's rows) and values for the others "
                             "(mixed)")
    parser.add_argument("--sigma", type=float,
                        help="width of the soft target's Gaussian bump over the split feature's rows, as a share "
                             "of the node's largest distance to the threshold, in (0, 1) (the recipes': 0.05)")
    parser.add_argument("--micro-batch", type=int, metavar="M",
                        help="at most M examples per forward pass; the step's gradient is accumulated over "
                             "them, bounding its memory (gpu-base: 64; default: a node's examples at once)")
    parser.add_argument("--minutes", type=float, help="stop (with a checkpoint) after this much wall time")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", help="corpus folder (default: stream examples, no disk)")
    parser.add_argument("--init", metavar="CHECKPOINT", help="start from this checkpoint's weights and step, with a "
                        "fresh optimiser (e.g. continue the bundled model's schedule)")
    parser.add_argument("--label-noise", type=float, help="corpus label noise (streamed data)")
    parser.add_argument("--input-labels", choices=["tree", "prior"], default="tree",
                        help="labels the model reads: the target tree's relabelling plus label noise (tree, the "
                             "paper's) or the prior's own labels, which the target tree was fitted on (prior)")
    parser.add_argument("--target", choices=["cart", "optimal"], help="target trees (streamed data)")
    parser.add_argument("--no-filters", action="store_true", help="accept every prior dataset (streamed data)")
    parser.add_argument("--min-tree-accuracy", type=float, metavar="A",
                        help="keep examples whose target tree's training accuracy exceeds A, in [0, 1) "
                             "(streamed data; default 0.7)")
    parser.add_argument("--min-error-reduction", type=float, metavar="L",
                        help="keep examples whose target tree removes at least this share of the majority "
                             "guess's errors, (accuracy - majority) / (1 - majority), in [0, 1) (streamed data; "
                             "default 0, off; with --min-tree-accuracy 0 it replaces the accuracy filter)")
    parser.add_argument("--prior", action="append", default=[], metavar="KEY=VALUE",
                        help="prior parameter override (repeatable, streamed data), e.g. --prior binary_prob=0.1")
    parser.add_argument("--workers", type=int, help="DataLoader workers")
    parser.add_argument("--threads", type=int, help="torch CPU threads")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--precision", choices=PRECISIONS,
                        help="cuda autocast: bf16 (default), fp16 (with loss scaling) or fp32; cpu: fp32 only")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    options: dict[str, Any] = dict(parse_prior_overrides(args.prior))
    if args.label_noise is not None:
        options["label_noise"] = args.label_noise
    if args.target is not None:
        options["target"] = args.target
    for flag in ("min_tree_accuracy", "min_error_reduction"):
        if args.no_filters and getattr(args, flag) is not None:
            raise InvalidInputError(f"--no-filters and --{flag.replace('_', '-')} contradict each other; give one")
        if getattr(args, flag) is not None:
            options[flag] = getattr(args, flag)
    if args.no_filters:
        options.update(max_majority_share=1.0, max_imbalance=1.0, min_tree_accuracy=0.0)
    result = train(args.out, recipe=args.recipe, steps=args.steps, stride=args.stride, micro_batch=args.micro_batch,
                   minutes=args.minutes, seed=args.seed, data=args.data, workers=args.workers, threads=args.threads, device=args.device,
                   quiet=args.quiet, init=args.init, precision=args.precision, labels=args.input_labels,
                   model_sizes={k: getattr(args, k) for k in MODEL_SIZES if getattr(args, k) is not None},
                   inputs=args.inputs, sigma=args.sigma, **options)
    print(run_summary(result, args.out, "examples"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
