"""MetaTree model, training loop and estimator (scmforge.models)."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import scmforge  # noqa: E402
import scmforge.corpus  # noqa: E402
import scmforge.tree  # noqa: E402
from scmforge.models import BUNDLED_CHECKPOINT, MetaTreeClassifier, MetaTreeConfig, MetaTreeModel, load_model, train  # noqa: E402
from scmforge.models.metatree import (MIXED_LEVELS, checkpoint_state, generate_splits, loss, loss_backward, many_levels,  # noqa: E402
                                     node_ranks, smoothed_targets)
from scmforge.models.train import learning_rate, permute_features, RECIPES  # noqa: E402

TINY = dict(width=16, layers=1, heads=2, mlp_ratio=2, max_rows=64)


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def stump_batch(gen: torch.Generator, b: int = 16, n: int = 64, d: int = 5) -> tuple[dict, torch.Tensor, torch.Tensor]:
    """Tables whose label is x[:, k] > t for a random informative feature k of d (the rest of
    the 10 feature slots are padding): the depth-1 target tree splits k at t."""
    x = torch.randn(b, n, 10, generator=gen)
    x[:, :, d:] = 0
    k = torch.randint(0, d, (b,), generator=gen)
    t = torch.rand(b, generator=gen) - 0.5
    column = x[torch.arange(b), :, k]
    y = (column > t[:, None]).long()
    batch = {
        "x": x, "y_onehot": torch.nn.functional.one_hot(y, 10).float(),
        "row_mask": torch.ones(b, n, dtype=torch.bool), "feature_mask": (torch.arange(10) < d)[None].expand(b, 10),
        "split_feature": k[:, None], "node_mask": torch.ones(b, 1, n, dtype=torch.bool),
        "threshold_distance": (column - column.where(column <= t[:, None], -torch.inf).amax(1, keepdim=True)).abs()[:, None, :],
    }
    return batch, k, t


def save_tiny(path, seed: int = 0, **config) -> str:
    torch.manual_seed(seed)
    model = MetaTreeModel(MetaTreeConfig(**{**TINY, **config}))
    torch.save(checkpoint_state(model), path)
    return str(path)


def test_logits_cover_exactly_the_nodes_cells():
    model = MetaTreeModel(MetaTreeConfig(**TINY))
    batch, _, _ = stump_batch(torch.Generator().manual_seed(0), b=3, n=20)
    status = torch.rand(3, 20, generator=torch.Generator().manual_seed(1)) < 0.5
    status[2] = False  # an empty node: no finite logit, and no NaN anywhere
    logits = model(batch["x"], batch["y_onehot"], status, batch["feature_mask"])
    assert logits.shape == (3, 20, 10)
    valid = status[:, :, None] & batch["feature_mask"][:, None, :]
    assert torch.isfinite(logits[valid]).all() and torch.isneginf(logits[~valid]).all()
    assert not torch.isnan(logits).any()


@pytest.mark.parametrize("threads", [1, 2])
def test_attention_skips_padding_and_rows_outside_the_node_without_changing_a_bit(
        attending_everything_gives_the_same_bits, threads):
    from scmforge.torch import MetaTreeStream

    torch.set_num_threads(threads)
    batch = permute_features(MetaTreeStream(stride=48, seed=2).batch(0), torch.Generator().manual_seed(0))
    batch["split_feature"][0, 1] = -1
    rows = batch["node_mask"].sum(dim=2)
    assert not batch["feature_mask"].all() and (rows[:, 1:] < rows[:, :1]).all()  # something to skip
    status = batch["node_mask"][:, 1] & batch["row_mask"]
    status[0] = False  # an empty node attends every row

    def run() -> tuple:
        torch.manual_seed(0)
        model = MetaTreeModel(MetaTreeConfig(**{**TINY, "max_rows": 256, "layers": 2}))
        value = loss(model, batch)
        value.backward()
        logits = model(batch["x"], batch["y_onehot"], status, batch["feature_mask"])
        return (value, logits), {key: p.grad for key, p in model.named_parameters()}

    attending_everything_gives_the_same_bits(run)


def test_config_and_input_errors():
    with pytest.raises(scmforge.InvalidInputError, match="multiple of heads"):
        MetaTreeConfig(width=10, heads=4)
    with pytest.raises(scmforge.InvalidInputError, match="sigma"):
        MetaTreeConfig(sigma=0.0)
    with pytest.raises(scmforge.InvalidInputError, match="inputs must be one of values, ranks, mixed, got 'rank'"):
        MetaTreeConfig(inputs="rank")
    with pytest.raises(scmforge.InvalidInputError, match="unknown MetaTree config keys"):
        MetaTreeConfig.from_dict({"width": 16, "colour": 1})
    model = MetaTreeModel(MetaTreeConfig(**TINY))
    x = torch.zeros(1, 65, 10)
    with pytest.raises(scmforge.InvalidInputError, match="at most 64 rows"):
        model(x, torch.zeros(1, 65, 10), torch.ones(1, 65, dtype=torch.bool), torch.ones(1, 10, dtype=torch.bool))


def test_node_ranks_are_mid_ranks_among_the_nodes_rows():
    x = torch.tensor([[[3.0], [1.0], [3.0], [-100.0], [7.0]]])
    rows = torch.tensor([[True, True, True, False, True]])  # -100 is outside the node: not counted
    assert node_ranks(x, rows)[0, :, 0].tolist() == [0.5, 0.125, 0.5, 0.0, 0.875]
    gen = torch.Generator().manual_seed(0)
    x = torch.randint(0, 5, (3, 40, 4), generator=gen).float()  # many ties
    rows = torch.rand(3, 40, generator=gen) > 0.3
    w = rows[:, None, :, None].float()
    below = ((x[:, None] < x[:, :, None]).float() * w).sum(2)
    equal = ((x[:, None] == x[:, :, None]).float() * w).sum(2)
    expected = (below + equal / 2) / rows.sum(1)[:, None, None] * rows[..., None]
    torch.testing.assert_close(node_ranks(x, rows), expected, rtol=0, atol=1e-7)


def test_many_levels_counts_distinct_values_among_the_nodes_rows_only():
    n = 4 * MIXED_LEVELS
    x = torch.zeros(2, n, 4)
    x[:, :, 0] = torch.arange(n) % 3  # three levels: values
    x[:, :, 1] = torch.arange(n) % (MIXED_LEVELS + 1)  # one level more than the cut: ranks
    x[:, :, 2] = torch.arange(n) % MIXED_LEVELS  # exactly the cut, fewer than half the rows: values
    x[:, :, 3] = torch.arange(n) % MIXED_LEVELS + 100.0 * (torch.arange(n) >= n - MIXED_LEVELS)  # levels outside the node
    rows = torch.ones(2, n, dtype=torch.bool)
    rows[:, n - MIXED_LEVELS:] = False
    rows[1, 6:] = False  # six rows: three levels are not more than half of them, six distinct ones are
    x[1, :6, 3] = torch.arange(6.0)
    assert many_levels(x, rows).tolist() == [[False, True, False, False], [False, True, True, True]]


@pytest.mark.parametrize("inputs", ["values", "ranks"])
def test_a_ranks_model_reads_no_more_than_the_order_of_a_feature(inputs):
    """inputs='ranks': a strictly increasing transform of a feature leaves every logit as it was
    (a 'values' model's logits move, so the check can fail)."""
    torch.manual_seed(0)
    model = MetaTreeModel(MetaTreeConfig(**TINY, inputs=inputs))
    batch, _, _ = stump_batch(torch.Generator().manual_seed(3), b=2, n=30)
    status = torch.rand(2, 30, generator=torch.Generator().manual_seed(4)) < 0.7
    warped = batch["x"].clone()
    warped[:, :, 1] = torch.exp(3 * warped[:, :, 1])  # heavy-tailed, same order
    warped[:, :, 3] = warped[:, :, 3] ** 3
    with torch.no_grad():
        before = model(batch["x"], batch["y_onehot"], status, batch["feature_mask"])
        after = model(warped, batch["y_onehot"], status, batch["feature_mask"])
    finite = torch.isfinite(before)
    assert (before[finite] == after[finite]).all() == (inputs == "ranks")


def test_a_mixed_model_reads_ranks_of_many_level_features_and_values_of_few_level_ones():
    """inputs='mixed': a monotone warp of a many-level feature leaves the logits as they were; one
    of a three-level feature moves them; and its few-level features read as a 'values' model's."""
    torch.manual_seed(0)
    mixed = MetaTreeModel(MetaTreeConfig(**TINY, inputs="mixed"))
    values = MetaTreeModel(MetaTreeConfig(**TINY))
    values.load_state_dict(mixed.state_dict())
    ranks = MetaTreeModel(MetaTreeConfig(**TINY, inputs="ranks"))
    ranks.load_state_dict(mixed.state_dict())
    batch, _, _ = stump_batch(torch.Generator().manual_seed(3), b=2, n=40)
    x, y, mask = batch["x"].clone(), batch["y_onehot"], batch["feature_mask"]
    status = torch.ones(2, 40, dtype=torch.bool)
    few = torch.arange(x.shape[2])[mask[0]][-1]
    x[:, :, few] = torch.tensor([0.0, 1.0, 10.0])[torch.arange(40) % 3]  # uneven: its ranks differ from its values
    assert many_levels(x, status)[mask].tolist().count(False) == 2  # `few`, in each example
    with torch.no_grad():
        before = mixed(x, y, status, mask)
        warped = x.clone()
        warped[:, :, 1] = torch.exp(3 * warped[:, :, 1])
        assert torch.equal(mixed(warped, y, status, mask), before)
        warped[:, :, few] = warped[:, :, few] ** 3
        assert not torch.equal(mixed(warped, y, status, mask), before)
        only_few = x.clone()
        only_few[:, :, mask[0]] = x[:, :, few][..., None]  # every real feature three-valued: reads as values
        assert torch.equal(mixed(only_few, y, status, mask), values(only_few, y, status, mask))
        assert not torch.equal(mixed(only_few, y, status, mask), ranks(only_few, y, status, mask))


def test_smoothed_target_peaks_at_the_threshold_rows_of_the_split_feature():
    d = torch.tensor([[0.0, 0.5, 1.0, 2.0]])
    target = smoothed_targets(d, torch.tensor([2]), torch.tensor([[True, True, True, False]]), 4, 0.5)
    assert target[0, :, [0, 1, 3]].abs().sum() == 0  # other features: 0
    col = target[0, :, 2]
    assert col[0] == 1.0 and col[3] == 0.0  # the nearest row: 1; a row outside the node: 0
    np.testing.assert_allclose(col[1:3].numpy(), np.exp(-np.array([0.5, 1.0]) ** 2 / (2 * 0.25)), rtol=1e-6)


def test_the_model_learns_to_point_at_the_informative_feature():
    # 150 steps of a 1-layer width-16 model on single-split tables (about 7 s on one core).
    torch.manual_seed(0)
    model = MetaTreeModel(MetaTreeConfig(**TINY))
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(1)
    losses = []
    for _ in range(150):
        batch, _, _ = stump_batch(gen)
        value = loss(model, batch)
        optimizer.zero_grad()
        value.backward()
        optimizer.step()
        losses.append(float(value.detach()))
    assert np.mean(losses[-20:]) < 0.25 * np.mean(losses[:5])  # observed about 0.12 vs 1.0
    batch, k, t = stump_batch(torch.Generator().manual_seed(99), b=64)
    model.eval()
    feature, threshold, _ = generate_splits(model, batch["x"], batch["y_onehot"], batch["feature_mask"], 1)
    assert (feature[:, 0] == k).float().mean() >= 0.85  # observed 0.95; chance is 0.2


def test_generated_trees_route_rows_exactly_as_the_generated_masks(tmp_path):
    ckpt = save_tiny(tmp_path / "m.pt", max_rows=256)
    rng = np.random.default_rng(3)
    X = rng.normal(size=(150, 6)).astype(np.float32)
    y = np.where(X[:, 1] > 0.2, "b", "a")
    y[:10] = "c"
    clf = MetaTreeClassifier(ckpt, depth=3, random_state=0).fit(X, y)
    model, _ = load_model(ckpt)
    xb = np.zeros((1, 150, 10), dtype=np.float32)
    xb[0, :, :6] = X
    codes = np.unique(y, return_inverse=True)[1]
    yb = torch.nn.functional.one_hot(torch.from_numpy(codes), 10).float()[None]
    fmask = (torch.arange(10) < 6)[None]
    feature, threshold, status = generate_splits(model, torch.from_numpy(xb), yb, fmask, 3)
    tree = clf.trees_[0]
    doc = json.loads(clf.to_json())
    # Every split of the exported tree is a generated split, and the rows each leaf receives
    # under the exported tree are the rows the generation routed there.
    splits = [(n["feature"], n["threshold"]) for n in doc["nodes"] if "feature" in n]
    generated = [(int(f), float(t)) for f, t in zip(feature[0], threshold[0]) if f >= 0]
    assert sorted(splits) == sorted(generated) and splits
    leaves = np.asarray(tree.apply(np.asfortranarray(X)))
    counts = {n["id"]: n["samples"] for n in doc["nodes"] if "feature" not in n}
    assert {int(k): int(v) for k, v in zip(*np.unique(leaves, return_counts=True))} == {k: v for k, v in counts.items() if v}
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(clf.predict(X)) <= {"a", "b", "c"}
    assert scmforge.tree.load_tree(clf.to_json()).tree_.node_count == tree.node_count


def test_estimator_is_deterministic_and_ensembles_average(tmp_path):
    ckpt = save_tiny(tmp_path / "m.pt", max_rows=256)
    rng = np.random.default_rng(4)
    X = rng.normal(size=(400, 4)).astype(np.float32)
    y = (X[:, 0] + X[:, 2] > 0).astype(int)
    a = MetaTreeClassifier(ckpt, n_trees=5, random_state=7).fit(X, y)
    b = MetaTreeClassifier(ckpt, n_trees=5, random_state=7).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert [t.to_json() for t in a.trees_] == [t.to_json() for t in b.trees_]
    single = [MetaTreeClassifier(ckpt).fit(X, y)]  # a smoke check that T = 1 works on 400 rows
    assert len(single[0].trees_) == 1 and len(a.trees_) == 5


def test_estimator_bad_inputs(tmp_path):
    ckpt = save_tiny(tmp_path / "m.pt", max_rows=256)
    X = np.random.default_rng(0).normal(size=(40, 3))
    with pytest.raises(scmforge.InvalidInputError, match="11 classes"):
        MetaTreeClassifier(ckpt).fit(X, np.arange(40) % 11)
    with pytest.raises(scmforge.InvalidInputError, match="single class"):
        MetaTreeClassifier(ckpt).fit(X, np.zeros(40))
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(scmforge.InvalidInputError, match="NaN"):
        MetaTreeClassifier(ckpt).fit(bad, np.arange(40) % 2)
    wide = np.random.default_rng(0).normal(size=(40, 12))
    with pytest.raises(scmforge.InvalidInputError, match="12 features.*feature_subsample"):
        MetaTreeClassifier(ckpt).fit(wide, np.arange(40) % 2)
    clf = MetaTreeClassifier(ckpt, feature_subsample=True, n_trees=3, random_state=0).fit(wide, np.arange(40) % 2)
    assert clf.predict(wide).shape == (40,)
    with pytest.raises(scmforge.InvalidInputError, match="X has 3 features, but the trees were fitted on 12"):
        clf.predict(X)
    with pytest.raises(scmforge.InvalidInputError, match="depth"):
        MetaTreeClassifier(ckpt, depth=0).fit(X, np.arange(40) % 2)
    with pytest.raises(scmforge.InvalidInputError, match="does not exist"):
        MetaTreeClassifier(str(tmp_path / "missing.pt")).fit(X, np.arange(40) % 2)


def test_checkpoints_round_trip_and_reject_foreign_files(tmp_path):
    path = save_tiny(tmp_path / "m.pt")
    model, state = load_model(path)
    torch.manual_seed(0)
    again = MetaTreeModel(MetaTreeConfig(**TINY))
    for key, value in again.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key
    assert state["config"]["width"] == 16
    truncated = tmp_path / "cut.pt"
    truncated.write_bytes((tmp_path / "m.pt").read_bytes()[:500])
    with pytest.raises(scmforge.InvalidInputError, match="not a readable MetaTree checkpoint"):
        load_model(str(truncated))
    foreign = tmp_path / "foreign.pt"
    torch.save({"weights": torch.zeros(2)}, foreign)
    with pytest.raises(scmforge.InvalidInputError, match="not a MetaTree checkpoint"):
        load_model(str(foreign))


def test_feature_permutation_keeps_the_split_column():
    batch, k, _ = stump_batch(torch.Generator().manual_seed(5), b=6, n=8)
    out = permute_features(batch, torch.Generator().manual_seed(6))
    for e in range(6):
        new = int(out["split_feature"][e, 0])
        assert torch.equal(out["x"][e, :, new], batch["x"][e, :, int(k[e])])
        assert bool(out["feature_mask"][e, new])
    assert out["feature_mask"].sum() == batch["feature_mask"].sum()


def test_schedule_warms_up_then_decays_to_a_tenth():
    r = {"warmup": 10, "steps": 110, "lr": 1.0}
    assert learning_rate(0, r) == pytest.approx(0.1) and learning_rate(9, r) == pytest.approx(1.0)
    assert learning_rate(110, r) == pytest.approx(0.1) and learning_rate(60, r) == pytest.approx(0.55)


def test_precision_defaults_and_refusals_and_fp32_steps_exactly_as_plain_pytorch():
    from scmforge.models._common import Precision

    assert Precision("cpu").name == "fp32" and Precision("cpu").state() == {}  # no scaler in CPU checkpoints
    assert Precision("cuda").name == "bf16" and Precision("cuda:1", "fp32").name == "fp32"
    with pytest.raises(scmforge.InvalidInputError, match="with --device cpu training runs in fp32"):
        Precision("cpu", "fp16")
    with pytest.raises(scmforge.InvalidInputError, match="precision must be one of bf16, fp16, fp32"):
        Precision("cuda", "fp8")
    batch, _, _ = stump_batch(torch.Generator().manual_seed(0))
    models = []
    for wrapped in (True, False):
        torch.manual_seed(0)
        model = MetaTreeModel(MetaTreeConfig(**TINY))
        optimizer = torch.optim.AdamW(model.parameters(), lr=0.01)
        arithmetic = Precision("cpu")
        with arithmetic.autocast():
            value = loss(model, batch)
        if wrapped:
            arithmetic.backward(value)
            arithmetic.step(model, optimizer, 0.5)
        else:
            value.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
            optimizer.step()
        models.append(model.state_dict())
    for key, value in models[0].items():
        torch.testing.assert_close(models[1][key], value, rtol=0, atol=0, msg=key)


def test_micro_batches_accumulate_the_whole_batch_gradient():
    from scmforge.torch import MetaTreeStream

    batch = MetaTreeStream(stride=48, seed=2).batch(0)  # depth-2 targets: nodes of unequal rows
    batch["split_feature"][0, 1] = -1  # and one example with a leaf at node 1
    rows = batch["node_mask"].sum(dim=2)
    assert batch["x"].shape[0] >= 8 and len(set(rows[:, 1].tolist())) > 3 and (rows[:, 1] != rows[:, 2]).any()
    grads, values = [], []
    for micro in (None, 3, 1):
        torch.manual_seed(0)
        model = MetaTreeModel(MetaTreeConfig(**{**TINY, "max_rows": 256}))
        values.append(loss_backward(model, batch, lambda v: v.backward(), micro_batch=micro))
        grads.append({k: p.grad for k, p in model.named_parameters()})
    for value, grad in zip(values[1:], grads[1:]):
        torch.testing.assert_close(value, values[0], rtol=1e-5, atol=0)
        for key, g in grads[0].items():
            torch.testing.assert_close(grad[key], g, rtol=1e-4, atol=1e-7, msg=key)
    with pytest.raises(scmforge.InvalidInputError, match="micro_batch must be >= 1, got 0"):
        loss_backward(model, batch, lambda v: v.backward(), micro_batch=0)


def test_micro_batch_training_matches_whole_batches_and_is_refused_below_one(tmp_path):
    whole = train(str(tmp_path / "w"), recipe="test-tiny", steps=3, seed=3, quiet=True)
    micro = train(str(tmp_path / "m"), recipe="test-tiny", steps=3, micro_batch=2, seed=3, quiet=True)
    assert micro["step"] == 3 and micro["loss"] == pytest.approx(whole["loss"], rel=1e-4)
    assert json.loads((tmp_path / "m" / "manifest.json").read_text())["settings"]["micro_batch"] == 2
    assert "micro_batch" not in json.loads((tmp_path / "w" / "manifest.json").read_text())["settings"]
    with pytest.raises(scmforge.InvalidInputError, match="micro_batch must be >= 1, got 0"):
        train(str(tmp_path / "z"), recipe="test-tiny", micro_batch=0, quiet=True)
    assert not (tmp_path / "z").exists()


def test_training_resumes_to_the_same_model(tmp_path):
    straight = train(str(tmp_path / "a"), recipe="test-tiny", steps=6, seed=3, quiet=True)
    train(str(tmp_path / "b"), recipe="test-tiny", steps=6, minutes=0.0, seed=3, quiet=True)  # stops after one step
    resumed = train(str(tmp_path / "b"), recipe="test-tiny", steps=6, seed=3, quiet=True)
    assert straight["step"] == resumed["step"] == 6
    a, _ = load_model(str(tmp_path / "a" / "checkpoint.pt"))
    b, _ = load_model(str(tmp_path / "b" / "checkpoint.pt"))
    for key, value in a.state_dict().items():
        torch.testing.assert_close(b.state_dict()[key], value, rtol=0, atol=0, msg=key)
    rows = (tmp_path / "b" / "metrics.csv").read_text().splitlines()
    assert rows[0].startswith("step,examples,loss") and len(rows) >= 2
    with pytest.raises(scmforge.InvalidInputError, match="other settings"):
        train(str(tmp_path / "b"), recipe="test-tiny", steps=6, seed=4, quiet=True)


def test_metrics_go_to_tensorboard_when_installed_and_the_csv_alone_otherwise(tmp_path, monkeypatch):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    train(str(tmp_path / "a"), recipe="test-tiny", steps=4, minutes=0.0, seed=3, quiet=True)  # stops after step 1
    train(str(tmp_path / "a"), recipe="test-tiny", steps=4, seed=3, quiet=True)  # resumed: a second event file
    rows = [line.split(",") for line in (tmp_path / "a" / "metrics.csv").read_text().splitlines()]
    board = EventAccumulator(str(tmp_path / "a" / "tensorboard"))
    board.Reload()
    assert sorted(board.Tags()["scalars"]) == sorted(rows[0][1:])
    for column in ("loss", "examples", "lr"):
        logged = [(e.step, e.value) for e in board.Scalars(column)]
        index = rows[0].index(column)
        assert logged == [(int(r[0]), pytest.approx(float(r[index]), rel=1e-6)) for r in rows[1:]], column
    monkeypatch.setitem(__import__("sys").modules, "torch.utils.tensorboard", None)  # as if not installed
    train(str(tmp_path / "b"), recipe="test-tiny", steps=2, seed=3, quiet=True)
    assert (tmp_path / "b" / "metrics.csv").exists() and not (tmp_path / "b" / "tensorboard").exists()


def test_recipe_corpus_options_are_used_and_overridable(tmp_path):
    # cpu-small streams its corpus with binary_prob 0; an option given to train wins; a corpus
    # folder keeps its own options, so options with --data are refused before anything is written.
    assert RECIPES["cpu-small"]["corpus"] == {"binary_prob": 0.0}
    train(str(tmp_path / "a"), recipe="cpu-small", steps=1, threads=1, quiet=True)
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["corpus_options"] == {"binary_prob": 0.0} and "corpus" not in manifest["settings"]
    train(str(tmp_path / "b"), recipe="cpu-small", steps=1, threads=1, quiet=True, binary_prob=0.5, label_noise=0.0)
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["corpus_options"] == {"binary_prob": 0.5, "label_noise": 0.0}
    from scmforge.models.train import main as train_main

    assert train_main([str(tmp_path / "d"), "--recipe", "test-tiny", "--steps", "1", "--threads", "1",
                       "--min-tree-accuracy", "0", "--min-error-reduction", "0.4", "--stride", "12", "--quiet"]) == 0
    manifest = json.loads((tmp_path / "d" / "manifest.json").read_text())
    assert manifest["corpus_options"] == {"min_tree_accuracy": 0.0, "min_error_reduction": 0.4}
    assert manifest["settings"]["stride"] == 12 and RECIPES["test-tiny"]["stride"] == 24
    with pytest.raises(scmforge.InvalidInputError, match="keeps the options it was built with"):
        train(str(tmp_path / "c"), recipe="test-tiny", data=str(tmp_path), label_noise=0.1, quiet=True)
    assert not (tmp_path / "c").exists()


def test_input_labels_prior_is_recorded_and_trains_on_the_prior_labels(tmp_path):
    # --input-labels prior: the manifest says so (a tree-label run's manifest has no such key, as
    # before the option), the same folder refuses the other labels, and the model is trained on
    # other inputs than with the tree's labels.
    from scmforge.models.train import main as train_main

    tree, prior = tmp_path / "tree", tmp_path / "prior"
    train(str(tree), recipe="test-tiny", steps=2, threads=1, quiet=True)
    assert train_main([str(prior), "--recipe", "test-tiny", "--steps", "2", "--threads", "1", "--input-labels",
                       "prior", "--quiet"]) == 0
    assert "labels" not in json.loads((tree / "manifest.json").read_text())
    assert json.loads((prior / "manifest.json").read_text())["labels"] == "prior"
    a = torch.load(tree / "checkpoint.pt", weights_only=True)["model"]
    b = torch.load(prior / "checkpoint.pt", weights_only=True)["model"]
    assert a.keys() == b.keys() and any(not torch.equal(a[k], b[k]) for k in a)
    with pytest.raises(scmforge.InvalidInputError, match="holds a run with other settings"):
        train(str(prior), recipe="test-tiny", steps=3, threads=1, quiet=True)
    with pytest.raises(scmforge.InvalidInputError, match="labels must be 'tree'"):
        train(str(tmp_path / "bad"), recipe="test-tiny", steps=1, threads=1, quiet=True, labels="clean")
    with pytest.raises(scmforge.InvalidInputError, match="--input-labels prior does not read"):
        train_main([str(tmp_path / "bad"), "--recipe", "test-tiny", "--input-labels", "prior", "--label-noise", "0.1"])
    with pytest.raises(scmforge.InvalidInputError, match="--input-labels prior does not read"):
        train(str(tmp_path / "bad"), recipe="test-tiny", quiet=True, labels="prior", label_noise=0.1)
    assert not (tmp_path / "bad").exists()


def test_model_sizes_override_the_recipe_and_are_recorded(tmp_path):
    from scmforge.models.train import MODEL_SIZES, main as train_main

    assert all(tuple(recipe["model"]) == MODEL_SIZES for recipe in RECIPES.values())  # every size can be replaced
    wide = tmp_path / "wide"
    assert train_main([str(wide), "--recipe", "test-tiny", "--steps", "1", "--threads", "1", "--width", "24",
                       "--layers", "2", "--quiet"]) == 0
    model, _ = load_model(str(wide / "checkpoint.pt"))
    sizes = {"width": 24, "layers": 2, "heads": RECIPES["test-tiny"]["model"]["heads"],
             "mlp_ratio": RECIPES["test-tiny"]["model"]["mlp_ratio"]}
    assert {k: model.config.to_dict()[k] for k in sizes} == sizes
    assert json.loads((wide / "manifest.json").read_text())["settings"]["model"] == sizes
    with pytest.raises(scmforge.InvalidInputError, match="holds a run with other settings"):
        train(str(wide), recipe="test-tiny", steps=2, threads=1, quiet=True)  # the recipe's width: another run
    with pytest.raises(scmforge.InvalidInputError, match="must be a multiple of heads"):
        train_main([str(tmp_path / "bad"), "--recipe", "test-tiny", "--width", "15"])
    with pytest.raises(scmforge.InvalidInputError, match="must be a positive integer"):
        train_main([str(tmp_path / "bad"), "--recipe", "test-tiny", "--layers", "0"])
    with pytest.raises(scmforge.InvalidInputError, match="unknown model sizes \\['depth'\\]"):
        train(str(tmp_path / "bad"), recipe="test-tiny", quiet=True, model_sizes={"depth": 3})
    assert not (tmp_path / "bad").exists()


def test_inputs_ranks_is_recorded_in_the_checkpoint_and_manifest_and_old_checkpoints_read_values(tmp_path):
    from scmforge.models.train import main as train_main

    out = tmp_path / "ranks"
    assert train_main([str(out), "--recipe", "test-tiny", "--steps", "1", "--threads", "1", "--inputs", "ranks",
                       "--quiet"]) == 0
    model, _ = load_model(str(out / "checkpoint.pt"))
    assert model.config.inputs == "ranks"
    assert json.loads((out / "manifest.json").read_text())["settings"]["model"]["inputs"] == "ranks"
    bundled, _ = load_model(BUNDLED_CHECKPOINT)  # written before the option
    assert bundled.config.inputs == "values"
    with pytest.raises(scmforge.InvalidInputError, match="inputs must be one of values, ranks"):
        train(str(tmp_path / "bad"), recipe="test-tiny", quiet=True, inputs="quantiles")
    with pytest.raises(SystemExit):
        train_main([str(tmp_path / "bad"), "--recipe", "test-tiny", "--inputs", "quantiles"])
    assert not (tmp_path / "bad").exists()


def test_sigma_is_recorded_and_a_bad_one_refused_before_the_run_folder_is_made(tmp_path):
    from scmforge.models.train import main as train_main

    out = tmp_path / "narrow"
    assert train_main([str(out), "--recipe", "test-tiny", "--steps", "1", "--threads", "1", "--sigma", "0.02",
                       "--quiet"]) == 0
    model, _ = load_model(str(out / "checkpoint.pt"))
    assert model.config.sigma == 0.02
    assert json.loads((out / "manifest.json").read_text())["settings"]["model"]["sigma"] == 0.02
    with pytest.raises(scmforge.InvalidInputError, match="holds a run with other settings"):
        train(str(out), recipe="test-tiny", steps=1, threads=1, quiet=True)
    for bad in (0.0, 1.5):
        with pytest.raises(scmforge.InvalidInputError, match=f"sigma must be in \\(0, 1\\), got {bad}"):
            train(str(tmp_path / "bad"), recipe="test-tiny", quiet=True, sigma=bad)
    with pytest.raises(scmforge.InvalidInputError, match="sigma must be in"):
        train_main([str(tmp_path / "bad"), "--recipe", "test-tiny", "--sigma", "-1"])
    assert not (tmp_path / "bad").exists()


def test_a_corpus_folder_smaller_than_the_schedule_is_read_again(tmp_path):
    # A 2-batch folder and a 7-step schedule: the run completes, steps 3, 5 and 7 read batch 0 again
    # (and steps 4 and 6 batch 1) with other feature permutations; resumed runs wrap the same way.
    folder = tmp_path / "corpus"
    scmforge.corpus.build(str(folder), 20, seed=0, shard_candidates=48)
    from scmforge.torch import MetaTreeShards

    sizes = [int(MetaTreeShards(str(folder), stride=24).batch(i)["x"].shape[0]) for i in range(2)]
    assert len(MetaTreeShards(str(folder), stride=24)) == 2 and min(sizes) > 0
    whole = train(str(tmp_path / "a"), recipe="test-tiny", steps=7, data=str(folder), quiet=True)
    assert whole["step"] == 7 and whole["examples"] == 4 * sizes[0] + 3 * sizes[1]
    train(str(tmp_path / "b"), recipe="test-tiny", steps=7, minutes=0.0, data=str(folder), quiet=True)
    resumed = train(str(tmp_path / "b"), recipe="test-tiny", steps=7, data=str(folder), quiet=True)
    assert resumed["examples"] == whole["examples"]
    a, _ = load_model(str(tmp_path / "a" / "checkpoint.pt"))
    b, _ = load_model(str(tmp_path / "b" / "checkpoint.pt"))
    for key, value in a.state_dict().items():
        torch.testing.assert_close(b.state_dict()[key], value, rtol=0, atol=0, msg=key)


def test_a_finished_run_resumed_trains_nothing_and_says_so(tmp_path, capsys):
    from scmforge.models.train import main as train_main

    out = str(tmp_path / "run")
    first = train(out, recipe="test-tiny", steps=3, seed=3, quiet=True)
    before = (tmp_path / "run" / "checkpoint.pt").read_bytes()
    assert train_main([out, "--recipe", "test-tiny", "--steps", "3", "--seed", "3", "--quiet"]) == 0
    line = capsys.readouterr().out
    assert "nothing to train" in line and "loss nan" not in line
    assert "step 3: " in line and f"{first['examples']} examples" in line and first["examples"] > 0
    assert (tmp_path / "run" / "checkpoint.pt").read_bytes() == before
    with pytest.raises(scmforge.InvalidInputError, match="unknown recipe"):
        train(str(tmp_path / "c"), recipe="huge")
    assert set(RECIPES) >= {"cpu-small", "gpu-base"}


def test_init_continues_the_schedule_from_a_checkpoint_with_a_fresh_optimiser(tmp_path):
    train(str(tmp_path / "a"), recipe="test-tiny", steps=12, minutes=0.0, seed=3, quiet=True)  # stops at step 1
    start = str(tmp_path / "a" / "checkpoint.pt")
    first = torch.load(start, weights_only=True)["step"]
    result = train(str(tmp_path / "b"), recipe="test-tiny", steps=12, seed=3, quiet=True, init=start)
    assert result["step"] == 12
    rows = [line.split(",") for line in (tmp_path / "b" / "metrics.csv").read_text().splitlines()[1:]]
    assert int(rows[0][0]) == first + 1  # the schedule continues: no step is repeated
    r = {**RECIPES["test-tiny"], "steps": 12}
    # the lr ramps up again from the init step over the warm-up (fresh Adam moments)
    assert float(rows[0][3]) == pytest.approx(learning_rate(first, r) / r["warmup"], rel=1e-2)
    assert float(rows[-1][3]) == pytest.approx(learning_rate(11, r), rel=1e-2)
    b, _ = load_model(str(tmp_path / "b" / "checkpoint.pt"))
    a, _ = load_model(start)
    assert any(not torch.equal(b.state_dict()[k], v) for k, v in a.state_dict().items())  # it trained
    assert json.loads((tmp_path / "b" / "manifest.json").read_text())["init"].endswith("checkpoint.pt")
    with pytest.raises(scmforge.InvalidInputError, match="pick the recipe"):
        train(str(tmp_path / "c"), recipe="cpu-small", quiet=True, init=start)
    with pytest.raises(scmforge.InvalidInputError, match="raise --steps"):
        train(str(tmp_path / "d"), recipe="test-tiny", steps=first, quiet=True, init=start)


def test_cli_trains_and_evaluates(tmp_path, cli):
    import subprocess

    run = subprocess.run([cli, "train", "metatree", str(tmp_path / "run"), "--recipe", "test-tiny", "--steps", "2",
                          "--threads", "1", "--quiet"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "step 2" in run.stdout and (tmp_path / "run" / "checkpoint.pt").exists()
    bad = subprocess.run([cli, "train", "metatree", str(tmp_path / "x"), "--recipe", "huge"], capture_output=True, text=True)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
    for flags, message in ((["--prior", "binary_prob"], "--prior takes KEY=VALUE"),
                           (["--prior", "binary_prb=0"], "did you mean 'binary_prob'"),
                           (["--min-tree-accuracy", "1.5"], "min_tree_accuracy must be in [0, 1)"),
                           (["--min-error-reduction", "-0.1"], "min_error_reduction must be in [0, 1)"),
                           (["--no-filters", "--min-tree-accuracy", "0.5"], "contradict each other"),
                           (["--no-filters", "--min-error-reduction", "0.5"], "contradict each other"),
                           (["--precision", "bf16"], "with --device cpu training runs in fp32"),
                           (["--stride", "0"], "stride must be >= 1"),
                           (["--micro-batch", "-1"], "micro_batch must be >= 1, got -1")):
        bad = subprocess.run([cli, "train", "metatree", str(tmp_path / "x"), "--recipe", "test-tiny", *flags],
                             capture_output=True, text=True)
        assert bad.returncode != 0 and message in bad.stderr, bad.stderr
    assert not (tmp_path / "x").exists()
    datasets = tmp_path / "data"
    datasets.mkdir()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    rows = [",".join(["a", "b", "c", "target"])] + [
        f"{a:.4f},{b:.4f},{c:.4f},{'yes' if a > 0.3 else 'no'}" for a, b, c in X]
    (datasets / "toy.csv").write_text("\n".join(rows) + "\n")
    out = tmp_path / "report" / "metatree.md"
    run = subprocess.run([cli, "eval", "metatree", "--checkpoint", str(tmp_path / "run" / "checkpoint.pt"),
                          "--datasets", str(datasets), "--depths", "2", "--seeds", "0", "--t-max", "5",
                          "--out", str(out), "--quiet"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    doc = json.loads(out.with_suffix(".json").read_text())
    accuracy = doc["results"][0]["accuracy"]
    assert set(accuracy) == {"metatree", "cart", "optimal", "sklearn_cart"}
    # Our CART and scikit-learn's fit the same subsamples and must agree exactly.
    assert accuracy["cart"] == accuracy["sklearn_cart"]
    assert accuracy["optimal"]["1"] >= 0.9  # one informative feature: observed 0.98
    assert "| metatree |" in out.read_text()
    # MetaTree alone against that run: the same checkpoint gains nothing, and CART comes from the
    # baseline (the splits and subsamples depend only on the dataset and the seed).
    again = tmp_path / "again" / "metatree.md"
    run = subprocess.run([cli, "eval", "metatree", "--checkpoint", str(tmp_path / "run" / "checkpoint.pt"),
                          "--datasets", str(datasets), "--depths", "2", "--seeds", "0", "--t-max", "5",
                          "--methods", "metatree", "--baseline", str(out.with_suffix(".json")),
                          "--out", str(again), "--quiet"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    gap = 100 * (accuracy["metatree"]["5"] - accuracy["cart"]["5"])
    assert f"| 2 | 5 | 1 | +0.00 (–) | 0 / 0 | +0.00 (–) | – | {gap:+.2f} (–) |" in again.read_text()
    assert "## Against the baseline" in run.stdout


def test_bundled_checkpoint_writes_trees_without_training():
    model, state = load_model(BUNDLED_CHECKPOINT)
    assert state["config"]["width"] == 32 and state["step"] > 0
    assert "scmforge train metatree" in state["trained_by"]
    X = np.random.default_rng(1).normal(size=(200, 4)).astype(np.float32)
    y = (X[:, 2] > 0.1).astype(int)
    clf = MetaTreeClassifier(random_state=0).fit(X, y)  # the bundled checkpoint by default
    assert clf.trees_[0].node_count >= 3 and clf.predict(X).shape == (200,)
    # a trained model splits the root on the one informative feature, near its threshold
    # (the checkpoint stuck on the loss plateau chose features at chance)
    assert clf.trees_[0].feature[0] == 2 and abs(clf.trees_[0].threshold[0] - 0.1) < 0.15
    assert (clf.predict(X) == y).mean() >= 0.95
    # binary 0/1 features: the reference's soft target |x - t| is flat there, and a checkpoint
    # trained on it never split such a feature (root -1, accuracy ~0.5)
    X = np.random.default_rng(0).integers(0, 2, size=(200, 6)).astype(np.float32)
    y = X[:, 4].astype(int)
    clf = MetaTreeClassifier(random_state=0).fit(X, y)
    assert clf.trees_[0].feature[0] == 4 and clf.trees_[0].threshold[0] == 0.5
    assert (clf.predict(X) == y).mean() >= 0.95


def test_tree_accuracy_routes_rows_like_the_tree():
    from scmforge.models.evaluate import _tree_accuracy

    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 1, 0])
    # root on feature 0 at 0.5; left child on feature 1 at 0.5; right child a leaf
    assert _tree_accuracy(x, y, np.array([0, 1, -1]), np.array([0.5, 0.5, 0.0]), 2) == pytest.approx(4 / 5)
    assert _tree_accuracy(x, y, np.array([-1, -1, -1]), np.zeros(3), 2) == pytest.approx(3 / 5)


def test_synthetic_fidelity_of_an_untrained_model(tmp_path):
    from scmforge.models.evaluate import synthetic_fidelity

    out = synthetic_fidelity(save_tiny(tmp_path / "tiny.pt", max_rows=256), batches=2, stride=24, seed=7)
    assert out["examples"] > 0 and 0 <= out["root_feature_agreement"] <= 1
    # the target trees are fitted to these rows: never below the majority class
    assert out["target_tree_accuracy"] >= out["majority_accuracy"] - 1e-12
    assert out["written_tree_accuracy"] >= out["majority_accuracy"] - 1e-12  # a split never loses majority votes
    groups = out["by_classes"]
    assert set(groups) <= {"1-2", "3-4", "5+"} and sum(g["examples"] for g in groups.values()) == out["examples"]
    for key in ("root_feature_agreement", "written_tree_accuracy", "majority_accuracy"):  # the groups' weighted mean
        assert sum(g["examples"] * g[key] for g in groups.values()) / out["examples"] == pytest.approx(out[key])
    with pytest.raises(scmforge.InvalidInputError, match="no examples"):
        synthetic_fidelity(save_tiny(tmp_path / "tiny2.pt", max_rows=256), batches=1, stride=1, seed=7)


def test_eval_metatree_synthetic_flag_refuses_zero_batches():
    from scmforge.models.evaluate import main

    with pytest.raises(scmforge.InvalidInputError, match="--synthetic needs at least 1 batch"):
        main(["--synthetic", "0"])


def _eval_doc(rows: list[tuple], methods: list[str]) -> dict:
    # rows: (dataset, seed, classes, metatree accuracy at T=1, cart accuracy at T=1)
    results = [{"dataset": d, "seed": s, "depth": 2, "classes": k, "majority_share": 0.5,
                "accuracy": {m: {"1": a if m == "metatree" else c, "2": a} for m in methods}}
               for d, s, k, a, c in rows]
    return {"checkpoint": "x", "depths": [2], "seeds": [0, 1], "t_max": 2, "methods": methods, "skipped": [],
            "results": results, "seconds": 0.0}


def test_against_baseline_pairs_datasets_after_averaging_seeds():
    from scmforge.models.evaluate import against_baseline

    base = _eval_doc([("a", 0, 2, 0.70, 0.80), ("a", 1, 2, 0.70, 0.80), ("b", 0, 2, 0.60, 0.60),
                      ("b", 1, 2, 0.60, 0.60), ("c", 0, 3, 0.50, 0.55), ("c", 1, 3, 0.50, 0.55),
                      ("gone", 0, 2, 0.1, 0.1)], ["metatree", "cart"])
    new = _eval_doc([("a", 0, 2, 0.72, 0), ("a", 1, 2, 0.74, 0), ("b", 0, 2, 0.60, 0), ("b", 1, 2, 0.60, 0),
                     ("c", 0, 3, 0.44, 0), ("c", 1, 3, 0.46, 0), ("new", 0, 2, 0.9, 0)], ["metatree"])
    line = next(x for x in against_baseline(new, base) if x.startswith("| 2 | 1 |"))
    # gains a +3, b 0, c -5 (pp): mean -0.67, SE std([3, 0, -5]) / sqrt(3) = 2.33; binary +1.50 (1.50);
    # 3+ classes -5.00; MetaTree - CART with the baseline's CART: a -7, b 0, c -10 -> -5.67 (2.96)
    assert line == "| 2 | 1 | 3 | -0.67 (2.33) | 1 / 1 | +1.50 (1.50) | -5.00 (–) | -5.67 (2.96) |"


def test_eval_baseline_is_checked_before_anything_runs(tmp_path):
    from scmforge.models.evaluate import main

    datasets = tmp_path / "data"
    datasets.mkdir()
    (datasets / "toy.csv").write_text("a,target\n" + "".join(f"{i},{i % 2}\n" for i in range(40)))
    good = tmp_path / "base.json"
    good.write_text(json.dumps(_eval_doc([("a", 0, 2, 0.7, 0.8)], ["metatree", "cart"])))
    (tmp_path / "text.json").write_text("not json")
    (tmp_path / "other.json").write_text(json.dumps({"results": []}))
    for baseline, message in ((tmp_path / "missing.json", "cannot read it"), (tmp_path / "text.json", "is not JSON"),
                              (tmp_path / "other.json", "holds no MetaTree results"),
                              (good, r"seeds \[0, 1\] and --t-max 2, this run with \[0\] and 100")):
        out = tmp_path / "out" / "r.md"
        with pytest.raises(scmforge.InvalidInputError, match=message):
            main(["--datasets", str(datasets), "--seeds", "0", "--methods", "metatree", "--baseline", str(baseline),
                  "--out", str(out), "--quiet"])
        assert not out.parent.exists()


def _splits_script():
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "metatree_splits.py"
    spec = importlib.util.spec_from_file_location("metatree_splits", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_split_diagnosis_modes_replace_exactly_their_part_of_the_choice(tmp_path):
    """scripts/metatree_splits.py: 'cart' writes scmforge CART's depth-2 tree; 'threshold' keeps the
    model's features; 'feature' takes CART's root feature; 'permutations=1' is the model; 'ranks' is
    the same weights run as an inputs='ranks' model, 'mixed' as an inputs='mixed' one; 'center' takes
    the weighted median of the bump's upper half; 'outliers' log-compresses what lies beyond 4 sd
    of the inliers, and only that; an unknown mode is refused."""
    script = _splits_script()
    ckpt = save_tiny(tmp_path / "m.pt", max_rows=256)
    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 6)).astype(np.float32)
    y = np.where(X[:, 2] > 0.3, 2, np.where(X[:, 4] < -0.2, 1, 0))
    flip = rng.random(200) < 0.1
    y[flip] = rng.integers(0, 3, flip.sum())

    def splits(clf):
        return [(n["feature"], round(n["threshold"], 6)) for n in json.loads(clf.to_json())["nodes"] if "feature" in n]

    guided = {m: script.GuidedClassifier(ckpt, 2, m, random_state=0).fit(X, y)
              for m in ("model", "cart", "threshold", "feature", "permutations=1", "permutations=4", "ranks", "mixed", "center")}
    cart = scmforge.tree.DecisionTreeClassifier(max_depth=2).fit(X, y)
    assert splits(guided["cart"]) == splits(cart) and len(splits(cart)) == 3
    plain = MetaTreeClassifier(ckpt, depth=2, random_state=0).fit(X, y)
    assert splits(guided["model"]) == splits(plain) == splits(guided["permutations=1"])
    root_model, root_threshold = splits(plain)[0], splits(guided["threshold"])[0]
    assert root_threshold[0] == root_model[0] and root_threshold != root_model  # an untrained model's threshold is not Gini's
    assert splits(guided["feature"])[0][0] == splits(cart)[0][0]
    assert splits(guided["permutations=4"]) != splits(plain)  # an untrained model is not permutation-invariant
    ranks = MetaTreeClassifier(save_tiny(tmp_path / "r.pt", max_rows=256, inputs="ranks"), depth=2, random_state=0)
    assert splits(guided["ranks"]) == splits(ranks.fit(X, y)) != splits(plain)
    assert splits(guided["mixed"]) == splits(guided["ranks"])  # normal X: every feature has many levels
    assert splits(guided["center"])[0][0] == root_model[0]
    with pytest.raises(ValueError, match="unknown mode"):
        script.GuidedClassifier(ckpt, 2, "gini", random_state=0).fit(X, y)
    x = torch.tensor([0.0, 1.0, 2.0, 1.0] * 5 + [1000.0, -7.0])[None, :, None]
    rows = torch.arange(22)[None] < 21  # -7 is outside the node
    squeezed = script.soft_outliers(x, rows)[0, :, 0]
    upper = 1 + 4 * (10 / 19) ** 0.5  # the bounds come from the 20 inliers: mean 1, sd sqrt(10 / 19)
    assert squeezed[:20].tolist() == x[0, :20, 0].tolist() and squeezed[20].item() == pytest.approx(np.log1p(1000) + upper)
    values = torch.tensor([3.0, 9.0, 5.0, 0.0, 6.0, 4.0, 7.0, 1.0])  # one row per value, shuffled
    p = {4.0: 0.6, 5.0: 0.65, 6.0: 0.7, 7.0: 0.36}  # peak at 6; the cells at half of it or more centre on 5
    probs = torch.tensor([p.get(v, 0.3) for v in values.tolist()])
    x2 = torch.stack([values, values], -1)[None]
    logits2 = torch.stack([torch.logit(probs), torch.full((8,), -5.0)], -1)[None]
    center = script.bump_center(x2, logits2)
    assert center.flatten().argmax().item() == 2 * 2 and torch.isfinite(center).sum() == 1  # row 2 (value 5), feature 0
    tame = script.GuidedClassifier(ckpt, 2, "outliers", random_state=0).fit(X, y)  # normal X: no value beyond 4 sd
    assert splits(tame) == splits(plain)
    table = np.array([[0.0, 1.0], [0.0, 2.0], [1.0, 3.0], [1.0, 10.0]])  # column 0 is two-valued: skipped
    assert script.two_valued(table) == [True, False] and script.max_abs_z(table) == pytest.approx([6 / 12.5**0.5])
