"""Plots of scmforge outputs (matplotlib); the backend of `scmforge prior describe --plot` and
`scmforge corpus stats`."""

from __future__ import annotations

import json
import sys

import numpy as np


def prior_describe(path: str, png: str) -> None:
    """Histograms of rows, features, classes, majority share and categorical share of a dump."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scmforge import prior

    s = prior.describe(path)
    fig, axes = plt.subplots(1, 5, figsize=(20, 3.6))
    for ax, key, title in zip(axes[:3], ("rows", "features", "classes"), ("rows", "features", "classes")):
        values, counts = np.unique(np.asarray(s[key]), return_counts=True)
        ax.bar(values, counts / counts.sum(), width=0.8)
        ax.set_title(title)
        ax.set_ylabel("share of datasets")
    for ax, key, title in zip(axes[3:], ("majority_share", "categorical_share"),
                              ("majority-class share", "categorical-feature share")):
        ax.hist(np.asarray(s[key]), bins=20, range=(0, 1), weights=np.full(len(s[key]), 1 / len(s[key])))
        ax.set_title(title)
    fig.suptitle(f"{path}: {s['count']} datasets")
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)


def corpus_stats(s: dict, png: str, title: str) -> None:
    """Histograms of classes, imbalance (the paper's Figure 5a), features, target-tree accuracy,
    tree shapes (internal nodes) and rejection reasons of ``scmforge.corpus.stats(...)``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 6, figsize=(24, 3.6))
    for ax, key, label in zip(axes[:3], ("num_classes", "num_features", "splits"),
                              ("classes", "features", "target-tree splits")):
        values, counts = np.unique(np.asarray(s[key]), return_counts=True)
        ax.bar(values, counts / max(counts.sum(), 1), width=0.8)
        ax.set_title(label)
        ax.set_ylabel("share of examples")
    for ax, key, label in zip(axes[3:5], ("imbalance", "tree_accuracy"),
                              ("class imbalance 1 - H/ln k", "target-tree accuracy")):
        values = np.asarray(s[key])
        ax.hist(values, bins=20, range=(0, 1), weights=np.full(len(values), 1 / max(len(values), 1)))
        ax.set_title(label)
    reasons = dict(s["rejections"], accepted=s["examples"])
    axes[5].bar(list(reasons), [v / max(s["candidates"], 1) for v in reasons.values()])
    axes[5].set_title("candidates by outcome")
    axes[5].tick_params(axis="x", rotation=30)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "prior-describe":
        prior_describe(argv[1], argv[2])
        return 0
    if len(argv) in (2, 3) and argv[0] == "corpus-stats":
        from scmforge import corpus

        s = corpus.stats(argv[1])
        print(corpus.describe(s))
        if len(argv) == 3:
            corpus_stats(s, argv[2], f"{argv[1]}: {s['examples']} examples")
            print(f"plots written to {argv[2]}")
        return 0
    if len(argv) in (2, 3) and argv[0] == "corpus-stats-sample":
        # The CLI's `corpus stats --sample N`: [n, preset, seed, prior overrides, options, threads].
        from scmforge import corpus

        n, preset, seed, overrides, options, threads = json.loads(argv[1])
        s = corpus.stats(corpus._sample(n, -1, 0, preset, seed, threads, options, overrides))
        print(corpus.describe(s))
        if len(argv) == 3:
            corpus_stats(s, argv[2], f"streamed sample ({preset}, seed {seed}): {s['examples']} examples")
            print(f"plots written to {argv[2]}")
        return 0
    print("usage: python -m scmforge.plots prior-describe DUMP.h5 OUT.png\n"
          "       python -m scmforge.plots corpus-stats FOLDER [OUT.png]\n"
          "       python -m scmforge.plots corpus-stats-sample SPEC_JSON [OUT.png]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
