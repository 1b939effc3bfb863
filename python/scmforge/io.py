"""Real tables from CSV files (plain or gzip) as numpy arrays, read by the C++ reader.

>>> import scmforge.io
>>> table = scmforge.io.read_csv("../shared/datasets/classification/iris.csv")
>>> table.X.shape, table.class_names
((150, 4), ['setosa', 'versicolor', 'virginica'])

The format rules (quoting, missing-value tokens, type inference, class order) are in
``docs/csv.md``; the reader is ``scmforge::io::read_labeled_csv`` (``scmforge/io/csv.hpp``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Optional, Union

import numpy as np

from scmforge import _core


def write_atomically(path: Union[str, os.PathLike], write: Callable[[str], None]) -> None:
    """Calls ``write(partial)`` for ``path + ".partial"``, then renames it to ``path``: a reader
    never sees a half-written file, and a failure leaves the old one."""
    partial = os.fspath(path) + ".partial"
    write(partial)
    os.replace(partial, path)


def write_text_atomically(path: Union[str, os.PathLike], text: str) -> None:
    """``text`` (UTF-8) to ``path`` by :func:`write_atomically`."""

    def write(partial: str) -> None:
        with open(partial, "w", encoding="utf-8") as f:
            f.write(text)

    write_atomically(path, write)


def is_categorical(series: object) -> bool:
    """Whether a pandas column is discrete for scmforge: a category, bool, or any non-numeric
    dtype (object, and pandas' string dtype, which ``read_csv`` gives text in pandas 3)."""
    import pandas as pd

    dtype = series.dtype  # type: ignore[attr-defined]
    return (isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype)
            or not pd.api.types.is_numeric_dtype(dtype))


@dataclass
class CsvTable:
    """A labeled real table read from CSV.

    Attributes:
        X: float64 (n, d), Fortran order (columns contiguous); NaN marks a missing value; a
            categorical column holds level codes 0..L-1 (``levels[j][code]`` is the label).
        y: int32 (n,): class codes 0..k-1 (``class_names[code]`` is the label).
        feature_names: the d column names in file order, the target removed.
        categorical: per feature, the number of levels (0 = numeric).
        levels: per feature, the level labels sorted bytewise ([] for numeric columns).
        class_names: the k class labels, numerically ordered when all are numbers, else bytewise.
        target_name: the name of the target column.
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    categorical: list[int]
    levels: list[list[str]]
    class_names: list[str]
    target_name: str


def read_csv(
    path: Union[str, os.PathLike],
    target: Optional[str] = None,
    target_index: Optional[int] = None,
) -> CsvTable:
    """Reads a CSV file whose target column holds class labels.

    Args:
        path: a CSV file, plain or gzip-compressed (recognised by its first bytes).
        target: the name of the target column.
        target_index: the index of the target column; negative counts from the end. With neither
            ``target`` nor ``target_index`` the last column is the target; giving both is an error.

    Returns:
        A ``CsvTable``; the arrays are owned by numpy (no copy was made).

    Raises:
        scmforge.InvalidInputError: bad contents (a ragged row, an unclosed quote, duplicate column
            names, an unknown target, a missing label, a single class, ...); the message names the
            file, line and column, quotes the text and says how to fix it.
        scmforge.IoError: the file cannot be opened or read.
    """
    return CsvTable(**_core.read_csv(os.fspath(path), target, target_index))
