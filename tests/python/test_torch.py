"""scmforge.torch.PriorStream: batches, masks and determinism under multi-worker DataLoaders."""

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

import scmforge
import scmforge.corpus
import scmforge.prior as prior
from scmforge.torch import MetaTreeShards, MetaTreeStream, PriorStream


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


def test_metatree_stream_batches_and_workers(tmp_path):
    stream = MetaTreeStream(stride=32, num_batches=4, seed=2)
    serial = list(DataLoader(stream, batch_size=None, num_workers=0))
    parallel = list(DataLoader(stream, batch_size=None, num_workers=2))
    assert len(serial) == len(parallel) == 4
    for a, b in zip(serial, parallel):
        for key in a:
            assert torch.equal(a[key], b[key]), key
    first = serial[0]
    assert first["x"].shape[1:] == (256, 10) and first["node_mask"].shape[1:] == (3, 256)
    assert torch.equal(first["y_onehot"].argmax(-1)[first["row_mask"]], first["y"][first["row_mask"]])
    ids = torch.cat([b["dataset_id"] for b in serial])
    assert ids.min() >= 0 and ids.max() < 128 and (ids[1:] > ids[:-1]).all()
    # A folder of the same seed read back: the same batches, for any number of workers.
    out = tmp_path / "corpus"
    scmforge.corpus.build(str(out), int(len(ids)), seed=2, shard_candidates=64)
    shards = MetaTreeShards(str(out), stride=32)
    assert len(shards) == 4
    for workers in (0, 2):
        for a, b in zip(serial, DataLoader(shards, batch_size=None, num_workers=workers)):
            for key in a:
                assert torch.equal(a[key], b[key]), key
    # A stride that does not divide the shard size (64): batch 1, candidates [48, 96), spans two shards.
    wide = MetaTreeStream(stride=48, seed=2)
    spanning = MetaTreeShards(str(out), stride=48)
    for index in (0, 1):
        a, b = wide.batch(index), spanning.batch(index)
        for key in a:
            assert torch.equal(a[key], b[key]), key
    assert (spanning.batch(1)["dataset_id"] < 64).any() and (spanning.batch(1)["dataset_id"] >= 64).any()


def test_metatree_batches_can_carry_the_prior_labels(tmp_path):
    # labels="prior": y and y_onehot are the prior's labels (which the target tree was fitted on),
    # every other key is the tree-label batch's; a folder read back gives the same batches.
    tree, prior = MetaTreeStream(stride=40, seed=3), MetaTreeStream(stride=40, seed=3, labels="prior")
    raw = scmforge.corpus.sample_range(40, 40, seed=3)
    a, b = tree.batch(1), prior.batch(1)
    assert torch.equal(b["y"], torch.from_numpy(raw.y_prior.astype(np.int64)))
    assert torch.equal(a["y"], torch.from_numpy(raw.y.astype(np.int64))) and not torch.equal(a["y"], b["y"])
    assert torch.equal(b["y_onehot"].argmax(-1)[b["row_mask"]], b["y"][b["row_mask"]])
    assert torch.equal(b["y_onehot"].sum(-1), b["row_mask"].float())
    for key in set(a) - {"y", "y_onehot"}:
        assert torch.equal(a[key], b[key]), key
    out = tmp_path / "corpus"
    scmforge.corpus.build(str(out), 60, seed=3, shard_candidates=64)  # covers candidates [40, 80)
    c = MetaTreeShards(str(out), stride=40, labels="prior").batch(1)
    for key in b:
        assert torch.equal(b[key], c[key]), key
    for bad in ("noisy", None):
        with pytest.raises(scmforge.InvalidInputError, match="labels must be 'tree'"):
            MetaTreeStream(labels=bad)
        with pytest.raises(scmforge.InvalidInputError, match="labels must be 'tree'"):
            MetaTreeShards(str(out), labels=bad)


def test_metatree_stream_bad_arguments(tmp_path):
    with pytest.raises(scmforge.InvalidInputError, match="stride"):
        MetaTreeStream(stride=0)
    with pytest.raises(scmforge.InvalidInputError, match="label_noise"):
        MetaTreeStream(label_noise=2.0)
    out = tmp_path / "corpus"
    scmforge.corpus.build(str(out), 5, seed=1, shard_candidates=64)
    with pytest.raises(scmforge.InvalidInputError, match="stride must be a positive integer"):
        MetaTreeShards(str(out), stride=0)
