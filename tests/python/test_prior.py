"""scmforge.prior: determinism, invariants, errors, dumps readable by nanoTabPFN's loader."""

import subprocess

import h5py
import numpy as np
import pytest

import scmforge
import scmforge.prior as prior
from scmforge import _core


def test_same_seed_same_arrays_for_any_threads_and_slicing():
    a = prior.sample(40, preset="metatree", seed=7, threads=1)
    b = prior.sample(40, preset="metatree", seed=7, threads=2)
    tail = prior.sample(15, preset="metatree", seed=7, threads=2, first_id=25)
    for key in ("X", "y", "num_features", "num_classes", "single_eval_pos", "categorical"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
        np.testing.assert_array_equal(getattr(a, key)[25:], getattr(tail, key))
    assert a.seed == 7
    c = prior.sample(40, preset="metatree", seed=8, threads=2)
    assert not np.array_equal(a.X, c.X)


@pytest.mark.parametrize("preset", ["tabpfn-v1", "tabicl", "metatree", "nanotabpfn"])
def test_dataset_invariants(preset):
    overrides = {"n_rows": 256} if preset in ("tabpfn-v1", "tabicl") else {}
    batch = prior.sample(30, preset=preset, seed=1, threads=2, **overrides)
    cfg = prior.config(preset, **overrides)
    assert batch.X.dtype == np.float32 and batch.y.dtype == np.int64
    assert batch.X.shape == (30, int(cfg["n_rows"]), int(cfg["max_features"]))
    for i, (x, y) in enumerate(batch):
        k = int(batch.num_classes[i])
        assert 2 <= k <= int(cfg["max_classes"])
        assert set(np.unique(y)) == set(range(k))
        pos = int(batch.single_eval_pos[i])
        assert set(np.unique(y[:pos])) == set(np.unique(y[pos:]))
        assert 1 <= x.shape[1] <= int(cfg["max_features"])
        assert not np.isnan(x).any()
        assert (batch.X[i, :, x.shape[1]:] == 0).all()


def test_overrides_and_the_recorded_config():
    batch = prior.sample(5, preset="metatree", seed=2, max_features=4, missing_rate=0.1)
    assert batch.config["max_features"] == 4 and batch.config["missing_rate"] == 0.1
    assert batch.X.shape[2] == 4
    assert np.isnan(batch.X).any()


@pytest.mark.parametrize("family", ["tabpfn", "tabicl"])
def test_binary_prob_sets_the_share_of_two_class_datasets(family):
    def binary_share(p):
        k = prior.sample(256, preset="metatree", seed=3, threads=2, family=family, binary_prob=p).num_classes
        return float(np.mean(k == 2))

    assert binary_share(1.0) == 1.0
    # 0.5 (TabPFN's MulticlassRank, TabICL) is the default: the same draws as no override.
    np.testing.assert_array_equal(prior.sample(64, preset="metatree", seed=3, family=family, binary_prob=0.5).X,
                                  prior.sample(64, preset="metatree", seed=3, family=family).X)
    # Without the outright coin, K is uniform up to max_classes (TabICL) or up to a uniform
    # bound (TabPFN): about 1/9 resp. 0.31 binary, against 0.56 resp. 0.66 with the coin.
    assert binary_share(0.0) < 0.45 < binary_share(0.5)


def test_numpy_generator_seed_is_accepted_and_recorded():
    rng = np.random.default_rng(0)
    batch = prior.sample(2, preset="nanotabpfn", seed=rng)
    assert isinstance(batch.seed, int)
    np.testing.assert_array_equal(prior.sample(2, preset="nanotabpfn", seed=batch.seed).X, batch.X)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"preset": "nope"}, "unknown preset 'nope'"),
        ({"max_feature": 3}, "did you mean 'max_features'"),
        ({"max_classes": 1}, "out of range"),
        ({"binary_prob": 1.5}, "out of range"),
        ({"family": "xgb"}, "not one of"),
        ({"min_features": 9, "max_features": 3}, "min_features (9) exceeds max_features (3)"),
        ({"seed": -1}, "non-negative"),
        ({"seed": "abc"}, "seed must be"),
    ],
)
def test_bad_arguments_raise_invalid_input(kwargs, message):
    with pytest.raises(scmforge.InvalidInputError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        prior.sample(3, **kwargs)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "kind, cls, builtin",
    [
        ("InvalidInput", scmforge.InvalidInputError, ValueError),
        ("Io", scmforge.IoError, OSError),
        ("Numerical", scmforge.NumericalError, ArithmeticError),
        ("NotImplemented", scmforge.NotImplementedFeatureError, NotImplementedError),
        ("Internal", scmforge.InternalError, RuntimeError),
    ],
)
def test_every_exception_mapping(kind, cls, builtin):
    with pytest.raises(cls, match="boom") as info:
        _core._throw_for_test(kind, "boom")
    assert isinstance(info.value, builtin) and isinstance(info.value, scmforge.Error)


def test_missing_dump_is_an_os_error(tmp_path):
    with pytest.raises(scmforge.IoError):
        prior.describe(str(tmp_path / "absent.h5"))


def _load_like_nanotabpfn(path, batch_size):
    """The reading steps of nanoTabPFN's PriorDumpDataLoader.__iter__ (automl/nanoTabPFN train.py)."""
    with h5py.File(path, "r") as f:
        max_num_classes = f["max_num_classes"][0]
        pointer = 0
        batches = []
        while pointer < f["X"].shape[0]:
            end = pointer + batch_size
            num_features = f["num_features"][pointer:end].max()
            max_seq = int(f["num_datapoints"][pointer:end].max())
            x = f["X"][pointer:end, :max_seq, :num_features]
            y = f["y"][pointer:end, :max_seq]
            split = f["single_eval_pos"][pointer:end]
            batches.append((x, y, split))
            pointer += batch_size
    return max_num_classes, batches


def test_dump_reads_like_nanotabpfn_and_matches_sample(tmp_path):
    path = tmp_path / "prior.h5"
    prior.write(str(path), 64, preset="nanotabpfn", seed=3, threads=2)
    max_num_classes, batches = _load_like_nanotabpfn(path, 32)
    assert max_num_classes == 2
    ref = prior.sample(64, preset="nanotabpfn", seed=3)
    for b, (x, y, split) in enumerate(batches):
        assert x.dtype == np.float32 and x.shape == (32, 150, 5)
        np.testing.assert_array_equal(x, ref.X[b * 32:(b + 1) * 32])
        np.testing.assert_array_equal(y.astype(np.int64), ref.y[b * 32:(b + 1) * 32])
        assert (split == split[0]).all(), "a loader batch must share single_eval_pos"
    with h5py.File(path, "r") as f:
        assert f["problem_type"][()].decode() == "classification"
        assert f.attrs["seed"] == 3


def test_cli_and_python_write_identical_bytes(tmp_path, cli):
    py_path, cli_path = tmp_path / "py.h5", tmp_path / "cli.h5"
    prior.write(str(py_path), 50, preset="metatree", seed=11, threads=1, batch=17, max_features=6)
    subprocess.run(
        [cli, "prior", "sample", "--preset", "metatree", "--n", "50", "--seed", "11", "--threads", "2",
         "--set", "max_features=6", "--out", str(cli_path), "--quiet"],
        check=True,
    )
    assert py_path.read_bytes() == cli_path.read_bytes()


def test_describe_and_plot(tmp_path, cli):
    path = tmp_path / "d.h5"
    prior.write(str(path), 30, preset="metatree", seed=1)
    summary = prior.describe(str(path))
    assert summary["count"] == 30 and len(summary["classes"]) == 30
    assert summary["config"]["n_rows"] == 256
    png = tmp_path / "d.png"
    out = subprocess.run([cli, "prior", "describe", str(path), "--plot", str(png)],
                         capture_output=True, text=True, check=True)
    assert "majority-class share" in out.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_parameter_table_is_complete():
    names = {p["name"] for p in prior.parameters()}
    assert {"n_rows", "max_features", "family", "mix", "split_group_size"} <= names
    assert set(prior.config("metatree")) == names
    assert prior.presets() == ["tabpfn-v1", "tabicl", "metatree", "nanotabpfn"]


def test_philox_known_answer():
    assert _core.philox4x32_10([0, 0, 0, 0], [0, 0]) == [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]
