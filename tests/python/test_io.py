"""Tests of scmforge.io.read_csv: known answers, errors, and a round trip through Python's csv."""

from __future__ import annotations

import csv
import gzip
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scmforge
from scmforge.io import CsvTable, read_csv

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"


def write(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def test_known_answer(tmp_path):
    path = write(tmp_path, 'x,"c, 1",label\n1.5,b,yes\nNA,a,no\n-2,b,yes\n')
    t = read_csv(path)
    assert isinstance(t, CsvTable)
    assert t.X.dtype == np.float64 and t.X.shape == (3, 2)
    assert t.y.dtype == np.int32 and t.y.shape == (3,)
    np.testing.assert_array_equal(t.X, [[1.5, 1], [np.nan, 0], [-2, 1]])
    np.testing.assert_array_equal(t.y, [1, 0, 1])
    assert t.feature_names == ["x", "c, 1"]
    assert t.categorical == [0, 2]
    assert t.levels == [[], ["a", "b"]]
    assert t.class_names == ["no", "yes"]
    assert t.target_name == "label"


def test_arrays_are_owned_views(tmp_path):
    t = read_csv(write(tmp_path, "a,b,y\n1,2,p\n3,4,q\n"))
    # Zero copy: numpy views the C++ buffer (column-major), kept alive by its owner.
    assert t.X.flags.f_contiguous and not t.X.flags.owndata
    assert t.X.base is not None
    np.testing.assert_array_equal(t.X[:, 1], [2, 4])


def test_target_by_name_and_index(tmp_path):
    path = write(tmp_path, "a,b,c\n1,x,5\n2,y,6\n")
    by_name = read_csv(path, target="b")
    by_index = read_csv(path, target_index=-2)
    assert by_name.target_name == by_index.target_name == "b"
    assert by_name.feature_names == ["a", "c"]
    np.testing.assert_array_equal(by_name.X, by_index.X)
    assert read_csv(path, target_index=0).class_names == ["1", "2"]


def test_numeric_labels_order_numerically(tmp_path):
    t = read_csv(write(tmp_path, "x,y\n1,10\n2,9\n3,-1\n"))
    assert t.class_names == ["-1", "9", "10"]
    np.testing.assert_array_equal(t.y, [2, 1, 0])


def test_gzip_and_crlf(tmp_path):
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(b"\xef\xbb\xbfa,y\r\n1,p\r\n2,q\r\n"))
    t = read_csv(path)
    assert t.feature_names == ["a"]
    np.testing.assert_array_equal(t.X[:, 0], [1, 2])


@pytest.mark.parametrize(
    ("text", "kwargs", "pieces"),
    [
        ("a,y\n1,p\n2,q,3\n", {}, ["line 3, column 3", "3 fields but the header has 2"]),
        ('a,y\n1,"p\n', {}, ["line 2, column 2", "never closed"]),
        ("a,a\n1,p\n2,q\n", {}, ["line 1, column 2", "duplicate column name 'a'"]),
        ("a,y\n", {}, ["line 1", "no data rows"]),
        ("", {}, ["empty"]),
        ("a,y\n1,p\n2,p\n", {}, ["only one class ('p')"]),
        ("a,y\n1,p\n2,NA\n", {}, ["line 3, column 2", "label is missing", "'NA'"]),
        ("a,y\n1,p\n2,q\n", {"target": "z"}, ["no column is named 'z'"]),
        ("a,y\n1,p\n2,q\n", {"target_index": 2}, ["target index 2 is out of range"]),
        ("a,y\n1,p\n2,q\n", {"target": "a", "target_index": 0}, ["set only one"]),
    ],
)
def test_bad_input_raises_invalid_input(tmp_path, text, kwargs, pieces):
    path = write(tmp_path, text)
    with pytest.raises(scmforge.InvalidInputError) as info:
        read_csv(path, **kwargs)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert str(path) in message
    for piece in pieces:
        assert piece in message


def test_missing_file_raises_io_error(tmp_path):
    path = tmp_path / "none.csv"
    with pytest.raises(scmforge.IoError) as info:
        read_csv(path)
    assert isinstance(info.value, OSError)
    assert str(path) in str(info.value)


def test_staged_dataset():
    t = read_csv(SHARED / "classification" / "iris.csv")
    assert t.X.shape == (150, 4)
    assert t.class_names == ["setosa", "versicolor", "virginica"]
    np.testing.assert_array_equal(np.bincount(t.y), [50, 50, 50])


# Text with characters that need quoting. It starts with a letter, so it is never a number; it is
# always quoted when written (QUOTE_NONNUMERIC, QUOTE_ALL), so it is never a missing-value token.
_chars = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
_text = st.builds(lambda a, b: a + b, st.sampled_from("abcXYZé"), st.text(_chars, max_size=8))
_numeric = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False))
_categorical = st.one_of(st.none(), _text)


@st.composite
def _tables(draw):
    n = draw(st.integers(2, 12))
    kinds = draw(st.lists(st.booleans(), max_size=5))  # True = categorical
    names = draw(st.lists(_text, min_size=len(kinds) + 1, max_size=len(kinds) + 1, unique=True))
    columns = [
        draw(st.lists(_categorical if k else _numeric, min_size=n, max_size=n)) for k in kinds
    ]
    classes = draw(st.lists(_text, min_size=2, max_size=4, unique=True))
    labels = classes[:2] + draw(st.lists(st.sampled_from(classes), min_size=n - 2, max_size=n - 2))
    return names, kinds, columns, draw(st.permutations(labels))


@settings(max_examples=150, deadline=None)
@given(
    table=_tables(),
    quoting=st.sampled_from([csv.QUOTE_NONNUMERIC, csv.QUOTE_ALL]),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_tables_written_by_python_csv_read_back_equal(tmp_path_factory, table, quoting, newline):
    names, kinds, columns, labels = table
    path = tmp_path_factory.mktemp("prop") / "t.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, quoting=quoting, lineterminator=newline)
        writer.writerow(names)
        for i, label in enumerate(labels):
            writer.writerow([col[i] for col in columns] + [label])
    t = read_csv(path)
    assert t.feature_names == names[:-1]
    assert t.target_name == names[-1]
    assert t.class_names == sorted(set(labels))
    assert [t.class_names[c] for c in t.y] == labels
    for j, (is_categorical, col) in enumerate(zip(kinds, columns)):
        present = [v for v in col if v is not None]
        if is_categorical and present:
            assert t.levels[j] == sorted(set(present))
            assert t.categorical[j] == len(t.levels[j])
            decoded = [None if math.isnan(c) else t.levels[j][int(c)] for c in t.X[:, j]]
        else:
            assert t.categorical[j] == 0
            decoded = [None if math.isnan(v) else v for v in t.X[:, j]]
        assert decoded == col
