"""scmforge.corpus.sample: filters, relabelling, label noise, target tensors, determinism, errors."""

import subprocess

import numpy as np
import pytest

import scmforge
import scmforge.corpus


def _route(x, feature, threshold, depth):
    """Breadth-first leaf slot of one row in a complete tree (x <= t goes left)."""
    slot = 0
    for _ in range(depth):
        f = feature[slot]
        if f < 0:
            break
        slot = 2 * slot + (1 if x[f] <= threshold[slot] else 2)
    return slot


def test_examples_pass_the_filters_and_carry_the_tree():
    batch = scmforge.corpus.sample(60, seed=3, threads=2)
    assert len(batch) == 60
    assert (batch.majority_share <= 0.75).all() and (batch.imbalance < 0.3).all()
    assert (batch.tree_accuracy > 0.7).all()
    assert batch.candidates == batch.next_candidate and sum(batch.rejections.values()) + 60 == batch.candidates
    for i in range(60):
        n = batch.num_rows[i]
        x, feature, threshold = batch.X[i, :n], batch.split_feature[i], batch.split_threshold[i]
        # y_clean is the tree's prediction: the majority prior label of the leaf each row reaches.
        slots = np.array([_route(row, feature, threshold, 2) for row in x])
        for slot in np.unique(slots):
            rows = slots == slot
            assert len(np.unique(batch.y_clean[i, :n][rows])) == 1
        # Exactly round(5% of n) labels flipped, each to another class.
        flipped = batch.y[i, :n] != batch.y_clean[i, :n]
        assert flipped.sum() == int(np.floor(0.05 * n + 0.5))
        assert (batch.y[i, :n][flipped] < batch.num_classes[i]).all()
        # The root mask holds every row; its children partition them; distances are |x - v|, v the
        # largest value <= t among the node's rows (where the soft target peaks).
        assert batch.node_mask[i, 0, :n].all()
        for slot, rows in ((0, np.ones(n, bool)), (1, x[:, feature[0]] <= threshold[0])):
            if feature[slot] < 0:
                continue
            if slot == 1:
                np.testing.assert_array_equal(batch.node_mask[i, 1, :n], rows)
            column = x[:, feature[slot]].astype(np.float64)
            lower = column[rows & (column <= threshold[slot])].max()
            assert lower < threshold[slot] < column[rows & (column > lower)].min()
            np.testing.assert_array_equal(batch.threshold_distance[i, slot, :n], np.abs(column - lower).astype(np.float32))
        assert batch.leaf_counts[i].sum() == n


def test_error_reduction_filter_keeps_exactly_the_examples_above_its_bound():
    # (accuracy - majority) / (1 - majority) >= 0.4, in place of the 70% accuracy filter: the same
    # candidates as with no tree filter at all, minus those below the bound, and more 5+-class ones.
    options = dict(seed=5, threads=2, binary_prob=0.0, min_tree_accuracy=0.0)
    every = scmforge.corpus.sample_range(0, 300, **options)
    kept = scmforge.corpus.sample_range(0, 300, min_error_reduction=0.4, **options)
    reduction = (every.tree_accuracy - every.majority_share) / (1 - every.majority_share)
    np.testing.assert_array_equal(kept.dataset_id, every.dataset_id[reduction >= 0.4])
    assert kept.rejections["tree_accuracy"] == every.rejections["tree_accuracy"] + int((reduction < 0.4).sum())
    default = scmforge.corpus.sample_range(0, 300, seed=5, threads=2, binary_prob=0.0)
    assert (kept.num_classes >= 5).sum() > (default.num_classes >= 5).sum()


def test_target_distance_is_zero_on_the_split_lower_value_even_for_tied_binary_columns():
    # A binary feature split at 0.5 leaves every row at |x - t| = 0.5: a soft target built on
    # that distance is flat (and vanishes after scaling by the maximum), so it must be measured
    # from the split's lower value, here 0 at the root and, in node 2 (x0 > 0.5), 2 of column 1.
    x = np.array([[0, 1], [0, 2], [1, 3], [1, 2], [1, 5], [0, 9]], dtype=np.float32)
    x = np.concatenate([x, np.zeros((2, 2), np.float32)])[None]  # 2 padded rows
    feature, threshold = np.array([[0, -1, 1]]), np.array([[0.5, 0.0, 4.0]])
    mask, dist = scmforge.corpus.derive_targets(x, np.array([6]), feature, threshold)
    np.testing.assert_array_equal(mask[0, 2], [0, 0, 1, 1, 1, 0, 0, 0])
    np.testing.assert_array_equal(dist[0, 0], [0, 0, 1, 1, 1, 0, 0, 0])
    np.testing.assert_array_equal(dist[0, 1], 0)
    np.testing.assert_array_equal(dist[0, 2], [2, 1, 0, 1, 2, 6, 0, 0])  # lower value 3: 9 is not in the node


def test_thread_independent_and_resumable():
    a = scmforge.corpus.sample(30, seed=5, threads=1)
    b = scmforge.corpus.sample(30, seed=5, threads=2)
    head = scmforge.corpus.sample(12, seed=5)
    tail = scmforge.corpus.sample(18, seed=5, first_candidate=head.next_candidate)
    for name in ("X", "y", "split_threshold", "node_mask", "dataset_id"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
        np.testing.assert_array_equal(getattr(a, name), np.concatenate([getattr(head, name), getattr(tail, name)]))
    assert a.rejections == b.rejections


def test_optimal_targets_fit_at_least_as_well_as_cart():
    # Without the accuracy filter both keep the same datasets (the balance filters come first);
    # on each, the optimal depth-2 tree fits the prior labels at least as well as CART.
    cart = scmforge.corpus.sample(20, seed=8, label_noise=0.0, min_tree_accuracy=0.0)
    best = scmforge.corpus.sample(20, seed=8, label_noise=0.0, min_tree_accuracy=0.0, target="optimal")
    np.testing.assert_array_equal(cart.dataset_id, best.dataset_id)
    assert (best.tree_accuracy >= cart.tree_accuracy).all()
    assert (best.tree_accuracy > cart.tree_accuracy).any()  # observed: all 20 strictly better


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"label_noise": 1.5}, "label_noise"),
        ({"depth": 0}, "depth"),
        ({"target": "gosdt"}, "target must be"),
        ({"max_features": 0}, "max_features"),
        ({"max_imbalance": 0}, "max_imbalance"),
        ({"min_error_reduction": 1.0}, "min_error_reduction"),
    ],
)
def test_bad_options_name_the_problem(kwargs, message):
    with pytest.raises(scmforge.InvalidInputError, match=message):
        scmforge.corpus.sample(2, **kwargs)


def test_build_open_and_verify_match_the_stream(tmp_path, cli):
    out = tmp_path / "corpus"
    result = scmforge.corpus.build(str(out), 30, seed=4, threads=2, shard_candidates=40)
    assert result["examples"] == 30 and result["shards"] >= 2
    assert scmforge.corpus.verify(str(out)) == []
    corpus = scmforge.corpus.open(str(out))
    batch = scmforge.corpus.sample(30, seed=4)
    assert len(corpus) == 30
    for i, example in enumerate(corpus):
        n = batch.num_rows[i]
        np.testing.assert_array_equal(example["X"], batch.X[i, :n])
        np.testing.assert_array_equal(example["y"], batch.y[i, :n])
        np.testing.assert_array_equal(example["split_threshold"], batch.split_threshold[i])
        np.testing.assert_array_equal(example["node_mask"], batch.node_mask[i, :, :n])
        np.testing.assert_array_equal(example["threshold_distance"], batch.threshold_distance[i, :, :n])
    corpus.close()
    # The CLI writes the same bytes for the same arguments.
    cli_out = tmp_path / "cli"
    run = subprocess.run(
        [cli, "corpus", "build", "--n", "30", "--seed", "4", "--threads", "1", "--shard-candidates", "40",
         "--out", str(cli_out), "--quiet"],
        capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stderr
    for path in out.iterdir():
        assert (cli_out / path.name).read_bytes() == path.read_bytes(), path.name
    run = subprocess.run([cli, "corpus", "build", "--n", "31", "--out", str(cli_out)], capture_output=True, text=True)
    assert run.returncode == 2 and "/n: 30 there, 31 asked" in run.stderr


def test_open_rejects_non_corpus_folders(tmp_path):
    with pytest.raises(scmforge.InvalidInputError, match="not a corpus folder"):
        scmforge.corpus.open(str(tmp_path))


def test_stats_of_a_folder_and_of_a_stream(tmp_path, cli):
    out = tmp_path / "corpus"
    scmforge.corpus.build(str(out), 25, seed=6, shard_candidates=30)
    folder = scmforge.corpus.stats(str(out))
    streamed = scmforge.corpus.stats(scmforge.corpus.sample(25, seed=6))
    for key in ("num_classes", "imbalance", "tree_accuracy", "splits"):
        np.testing.assert_array_equal(folder[key], streamed[key])
    assert folder["rejections"] == streamed["rejections"]
    assert folder["examples"] + sum(folder["rejections"].values()) == folder["candidates"]
    assert "examples from" in scmforge.corpus.describe(folder)
    png = tmp_path / "stats.png"
    run = subprocess.run([cli, "corpus", "stats", str(out), "--plot", str(png)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "rejected: " in run.stdout and png.stat().st_size > 10_000
    # A streamed sample from the CLI: the same summary as the folder built with the same options.
    run_sample = subprocess.run([cli, "corpus", "stats", "--sample", "25", "--seed", "6", "--threads", "1"],
                                capture_output=True, text=True)
    assert run_sample.returncode == 0, run_sample.stderr
    assert run_sample.stdout == run.stdout.replace(f"plots written to {png}\n", "")
    for args, message in (([], "got neither"), ([str(out), "--sample", "3"], "got both"),
                          (["--sample", "-2"], "--sample must be > 0"),
                          (["--sample", "3", "--target", "forest"], "--target must be 'cart' or 'optimal'"),
                          (["--sample", "3", "--set", "nonsense=1"], "nonsense")):
        bad = subprocess.run([cli, "corpus", "stats", *args], capture_output=True, text=True)
        assert bad.returncode == 2 and message in bad.stderr, (args, bad.stderr)
    run = subprocess.run([cli, "corpus", "verify", str(out)], capture_output=True, text=True)
    assert run.returncode == 0 and "matches its checksum" in run.stdout
    (out / "shard-00000.h5").write_bytes(b"damaged")
    run = subprocess.run([cli, "corpus", "verify", str(out)], capture_output=True, text=True)
    assert run.returncode == 1 and "shard-00000.h5: checksum" in run.stderr
