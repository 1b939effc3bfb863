"""scmforge.torch.PriorStream: batches, masks and determinism under multi-worker DataLoaders."""

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

import scmforge
import scmforge.prior as prior
from scmforge.torch import PriorStream


def _collect(stream, workers):
    loader = DataLoader(stream, batch_size=None, num_workers=workers)
    return list(loader)


def test_batches_are_padded_and_share_single_eval_pos():
    stream = PriorStream("metatree", batch_size=8, num_batches=3, seed=5, threads=1)
    batches = _collect(stream, 0)
    assert len(batches) == 3
    b = batches[1]
    assert b["x"].shape == (8, 256, 10) and b["x"].dtype == torch.float32
    assert b["y"].shape == (8, 256) and b["y"].dtype == torch.int64
    assert b["feature_mask"].dtype == torch.bool
    assert (b["feature_mask"].sum(1) == b["num_features"]).all()
    assert (b["x"][~b["feature_mask"][:, None, :].expand_as(b["x"])] == 0).all()
    ref = prior.sample(8, preset="metatree", seed=5, first_id=8, split_group_size=8)
    np.testing.assert_array_equal(b["x"].numpy(), ref.X)
    assert b["single_eval_pos"] == int(ref.single_eval_pos[0])
    assert (ref.single_eval_pos == ref.single_eval_pos[0]).all()


def test_same_stream_for_zero_and_two_workers():
    stream = PriorStream("nanotabpfn", batch_size=4, num_batches=5, seed=9)
    a = _collect(stream, 0)
    b = _collect(stream, 2)
    assert len(a) == len(b) == 5
    for x, y in zip(a, b):
        assert torch.equal(x["x"], y["x"]) and torch.equal(x["y"], y["y"])
        assert x["single_eval_pos"] == y["single_eval_pos"]


def test_bad_stream_arguments():
    with pytest.raises(scmforge.InvalidInputError, match="batch_size"):
        PriorStream("metatree", batch_size=0)
    with pytest.raises(scmforge.InvalidInputError, match="multiples of batch_size"):
        PriorStream("metatree", batch_size=8, split_group_size=12)
    with pytest.raises(scmforge.InvalidInputError, match="unknown prior parameter"):
        PriorStream("metatree", batch_size=8, bogus=1)
    with pytest.raises(TypeError):
        len(PriorStream("metatree", batch_size=8))
