"""bench/metatree.py: is MetaTree's CPU training bounded by the model, not the data?

Both sides run the `cpu-small` recipe (stride 48 candidates per batch, its corpus options) on
the same batches of ``MetaTreeStream``, one after the other in one run:
  stream  accepted examples/s of ``MetaTreeStream.batch`` with one thread: the rate one
          DataLoader worker (the recipe's one) delivers;
  model   accepted examples/s of a training step on those batches (feature permutation, the
          teacher-forced loss over the tree's nodes, backward, clipping, AdamW) with
          ``--threads`` torch threads (the recipe is run with 2).

The target (issue 8) is a stream at least 10x faster than the model consumes it; `ratio` is
stream over model. `same_result`: every training step on the stream's batches gave a finite
loss. A full run also refreshes its section of docs/benchmarks.md. The last
line of output is the JSON row.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small run, < 60 s, writes nothing")
    parser.add_argument("--threads", type=int, default=2, help="torch threads of the model side")
    args = parser.parse_args()
    import torch

    from scmforge.models.metatree import MetaTreeConfig, MetaTreeModel, loss
    from scmforge.models.train import RECIPES, permute_features
    from scmforge.torch import MetaTreeStream

    recipe = RECIPES["cpu-small"]
    n_batches = 6 if args.quick else 60
    load_start = os.getloadavg()[0]
    stream = MetaTreeStream(stride=recipe["stride"], seed=0, threads=1, **recipe["corpus"])
    stream.batch(10_000)  # warm-up
    start = time.perf_counter()
    batches = [stream.batch(i) for i in range(n_batches)]
    stream_s = time.perf_counter() - start
    examples = sum(int(b["x"].shape[0]) for b in batches)

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = MetaTreeModel(MetaTreeConfig(**recipe["model"]))
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe["lr"], weight_decay=recipe["weight_decay"])

    def step(index: int, batch: dict) -> float:
        batch = permute_features(batch, torch.Generator().manual_seed(index))
        value = loss(model, batch)
        optimizer.zero_grad(set_to_none=True)
        value.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), recipe["clip"])
        optimizer.step()
        return float(value.detach())

    step(-1, batches[0])  # warm-up
    start = time.perf_counter()
    losses = [step(index, batch) for index, batch in enumerate(batches) if batch["x"].shape[0]]
    model_s = time.perf_counter() - start
    same = all(map(math.isfinite, losses))
    stream_rate, model_rate = examples / stream_s, examples / model_s
    print(f"stream: {examples} accepted examples in {n_batches} batches, {stream_s:.2f} s on 1 thread "
          f"({stream_rate:.1f} examples/s)")
    print(f"model:  the same batches, {model_s:.2f} s on {args.threads} threads ({model_rate:.2f} examples/s, "
          f"{model_s / len(losses):.2f} s per step)")
    row = {
        "bench": "metatree",
        "case": f"cpu-small recipe, {n_batches} batches of {recipe['stride']} candidates, corpus {recipe['corpus']}",
        "peer": f"the cpu-small model's training step ({args.threads} torch threads) on the same batches",
        "scmforge_s": round(stream_s / examples, 6),
        "peer_s": round(model_s / examples, 6),
        "ratio": round(stream_rate / model_rate, 1),
        "same_result": same,
        "unit": "seconds per accepted example",
        "stream_examples_per_s": round(stream_rate, 1),
        "model_examples_per_s": round(model_rate, 2),
        "examples": examples,
        "load_avg_1min": [round(load_start, 2), round(os.getloadavg()[0], 2)],
        "machine": _common.machine(),
        "torch": torch.__version__,
        "quick": args.quick,
    }
    if not args.quick:
        path = _common.append_results("metatree", [row])
        print(f"appended {path.relative_to(_common.ROOT)}")
        _common.replace_doc_section("MetaTree training: stream vs model", f"""
`bench/metatree.py` (full run, {time.strftime("%Y-%m-%d")}), {row["machine"]["cpu"]}, {row["machine"]["cores"]} cores,
torch {torch.__version__}; 1-minute load {row["load_avg_1min"][0]}-{row["load_avg_1min"][1]}. The `cpu-small`
recipe's first {n_batches} batches ({recipe["stride"]} candidates each, corpus {recipe["corpus"]}):
{examples} accepted examples.

| side | examples/s | seconds |
|---|---:|---:|
| `MetaTreeStream.batch`, 1 thread (the recipe's one DataLoader worker) | {stream_rate:.1f} | {stream_s:.2f} |
| training step on the same batches, {args.threads} torch threads | {model_rate:.2f} | {model_s:.2f} |
| ratio (target >= 10x) | **{row["ratio"]}x** | |

The model bounds training. A step ({len(losses)} of the {n_batches} batches held examples) is {model_s / len(losses):.2f} s for about {examples / len(losses):.0f} examples.
""")
    _common.emit(row)


if __name__ == "__main__":
    main()
