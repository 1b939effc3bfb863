"""Plots of scmforge outputs (matplotlib); also the backend of `scmforge prior describe --plot`."""

from __future__ import annotations

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


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "prior-describe":
        prior_describe(argv[1], argv[2])
        return 0
    print("usage: python -m scmforge.plots prior-describe DUMP.h5 OUT.png", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
