"""The tabular foundation model, its pre-training, TFMClassifier, fine-tuning and the CausalMixFT
protocol (scmforge.models.tfm*, scmforge.models.causalmixft)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from scmforge import InvalidInputError  # noqa: E402
from scmforge.models import causalmixft  # noqa: E402
from scmforge.models.tfm import TFMConfig, TFMModel, checkpoint_state, load_tfm, loss, pad_features  # noqa: E402
from scmforge.models.tfm_classifier import BUNDLED_TFM, TFMClassifier, roc_auc  # noqa: E402
from scmforge.models.tfm_train import RECIPES, prior_stream, train_tfm  # noqa: E402

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "datasets", "classification")


def tiny_model(seed: int = 0, **sizes) -> TFMModel:
    torch.manual_seed(seed)
    return TFMModel(TFMConfig(**{"width": 16, "layers": 1, "heads": 2, **sizes}))


def test_shapes_and_absent_classes_masked():
    model = tiny_model()
    x = torch.randn(3, 20, 10)
    y = torch.randint(0, 3, (3, 12))
    fmask = torch.zeros(3, 10, dtype=torch.bool)
    fmask[:, :4] = True
    logits = model(x, y, fmask, torch.tensor([3, 3, 2]))
    assert logits.shape == (3, 8, 10)
    assert torch.isinf(logits[:, :, 3:]).all() and torch.isinf(logits[2, :, 2]).all()
    assert torch.isfinite(logits[:2, :, :3]).all()


def test_test_rows_do_not_see_each_other_and_padding_is_ignored():
    model = tiny_model().eval()
    x = torch.randn(1, 30, 10)
    x[:, :, 5:] = 0
    y = torch.randint(0, 2, (1, 20))
    fmask = torch.zeros(1, 10, dtype=torch.bool)
    fmask[:, :5] = True
    k = torch.tensor([2])
    with torch.no_grad():
        whole = model(x, y, fmask, k)
        first = model(x[:, :25], y, fmask, k)  # the first 5 test rows alone
        noisy = x.clone()
        noisy[:, :, 5:] = torch.randn(1, 30, 5)  # values in masked feature slots
        masked = model(noisy, y, fmask, k)
    torch.testing.assert_close(first, whole[:, :5], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(masked, whole, rtol=1e-5, atol=1e-5)


def test_row_attention_skips_padding_features_without_changing_a_bit(attending_everything_gives_the_same_bits):
    batch = prior_stream(RECIPES["test-tiny"], seed=0).batch(0)
    assert not pad_features(batch["feature_mask"], 10).all()  # padding features to skip

    def run() -> tuple:
        model = tiny_model(layers=2)
        value = loss(model, batch)
        value.backward()
        return (value,), {key: p.grad for key, p in model.named_parameters()}

    attending_everything_gives_the_same_bits(run)


def test_bad_shapes_are_named():
    model = tiny_model()
    with pytest.raises(InvalidInputError, match="10 \\(padded\\) features"):
        model(torch.randn(1, 10, 7), torch.zeros(1, 5, dtype=torch.long), torch.ones(1, 7, dtype=torch.bool),
              torch.tensor([2]))
    with pytest.raises(InvalidInputError, match="at least one training and one test row"):
        model(torch.randn(1, 5, 10), torch.zeros(1, 5, dtype=torch.long), torch.ones(1, 10, dtype=torch.bool),
              torch.tensor([2]))
    with pytest.raises(InvalidInputError, match="multiple of heads"):
        TFMConfig(width=10, heads=4)


def test_learns_a_simple_task_in_a_short_run():
    # Class = [x0 > 0] in every table: after a short run the model must use the context.
    torch.manual_seed(0)
    model = tiny_model(width=32, heads=4, layers=2)  # one layer learns it far more slowly
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(1)

    def batch(b: int = 16, n: int = 60, pos: int = 40):
        x = torch.randn(b, n, 10, generator=gen)
        flip = torch.rand(b, 1, generator=gen) < 0.5  # the sign convention varies per table
        y = ((x[:, :, 0] > 0) ^ flip).long()
        fmask = torch.zeros(b, 10, dtype=torch.bool)
        fmask[:, :3] = True
        return {"x": x, "y": y, "feature_mask": fmask, "num_classes": torch.full((b,), 2), "single_eval_pos": pos}

    with torch.no_grad():
        before = float(loss(model, batch()))
    for _ in range(300):
        value = loss(model, batch())
        opt.zero_grad()
        value.backward()
        opt.step()
    with torch.no_grad():
        b = batch()
        after = float(loss(model, b))
        logits = model(b["x"], b["y"][:, :40], b["feature_mask"], b["num_classes"])
        accuracy = float((logits.argmax(-1) == b["y"][:, 40:]).float().mean())
    assert before > 0.6 and after < 0.3, (before, after)  # observed 0.69 -> 0.15
    assert accuracy > 0.85, accuracy  # the flip is only knowable from the context labels


def test_checkpoint_round_trip_and_bad_files(tmp_path):
    model = tiny_model()
    path = tmp_path / "m.pt"
    torch.save(checkpoint_state(model), path)
    loaded, state = load_tfm(str(path))
    assert state["format"] == "scmforge-tfm" and loaded.config == model.config
    for a, b in zip(model.state_dict().values(), loaded.state_dict().values()):
        assert torch.equal(a, b)
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(InvalidInputError, match="not a readable TFM checkpoint"):
        load_tfm(str(tmp_path / "junk.pt"))
    torch.save({"format": "other"}, tmp_path / "other.pt")
    with pytest.raises(InvalidInputError, match="not a TFM checkpoint"):
        load_tfm(str(tmp_path / "other.pt"))


def test_training_resumes_exactly(tmp_path):
    # A run stopped by --minutes after its first step (checkpointed on exit) and resumed equals an
    # uninterrupted one; the same run can then be extended with more steps.
    whole = train_tfm(str(tmp_path / "a"), recipe="test-tiny", steps=12, threads=1, quiet=True)
    train_tfm(str(tmp_path / "b"), recipe="test-tiny", steps=12, minutes=1e-9, threads=1, quiet=True)
    assert len((tmp_path / "b" / "metrics.csv").read_text().strip().splitlines()) == 2  # stopped after step 1
    resumed = train_tfm(str(tmp_path / "b"), recipe="test-tiny", steps=12, threads=1, quiet=True)
    assert resumed["step"] == whole["step"] == 12
    a, _ = load_tfm(str(tmp_path / "a" / "checkpoint.pt"))
    b, _ = load_tfm(str(tmp_path / "b" / "checkpoint.pt"))
    for p, q in zip(a.state_dict().values(), b.state_dict().values()):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6)
    rows = (tmp_path / "b" / "metrics.csv").read_text().strip().splitlines()
    assert len(rows) == 13  # header + 12 steps
    if importlib.util.find_spec("tensorboard") is not None:  # the same metrics as scalars, one file per call
        assert len(list((tmp_path / "b" / "tensorboard").glob("events.out.tfevents.*"))) == 2
    assert train_tfm(str(tmp_path / "b"), recipe="test-tiny", steps=14, threads=1, quiet=True)["step"] == 14
    checkpoint = (tmp_path / "b" / "checkpoint.pt").read_bytes()
    again = train_tfm(str(tmp_path / "b"), recipe="test-tiny", steps=14, threads=1, quiet=True)
    assert again["step"] == 14 and again["trained"] == 0 and again["examples"] > 0
    assert (tmp_path / "b" / "checkpoint.pt").read_bytes() == checkpoint  # a finished run is left as it is
    with pytest.raises(InvalidInputError, match="other settings"):
        train_tfm(str(tmp_path / "b"), recipe="test-tiny", steps=14, seed=1, quiet=True)
    with pytest.raises(InvalidInputError, match="unknown recipe"):
        train_tfm(str(tmp_path / "c"), recipe="huge")


def test_prior_stream_matches_the_model():
    batch = prior_stream(RECIPES["test-tiny"], seed=0).batch(0)
    assert batch["x"].shape[-1] <= 10 and int(batch["num_classes"].max()) <= 10
    assert 0 < batch["single_eval_pos"] < batch["x"].shape[1]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> str:
    """A briefly trained tiny checkpoint (the classifier tests do not depend on the bundled one)."""
    out = tmp_path_factory.mktemp("tfm")
    train_tfm(str(out), recipe="test-tiny", steps=10, threads=1, quiet=True)
    return str(out / "checkpoint.pt")


def _table(n: int = 120, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = np.where(X[:, 0] + 0.3 * rng.normal(size=n) > 0, "yes", "no")
    return X, y


def test_classifier_predicts_deterministically_and_rejects_bad_input(checkpoint):
    X, y = _table()
    clf = TFMClassifier(checkpoint, n_ensemble=3).fit(X[:80], y[:80])
    p = clf.predict_proba(X[80:])
    assert p.shape == (40, 2) and np.allclose(p.sum(1), 1.0)
    assert set(clf.predict(X[80:])) <= {"no", "yes"}
    again = TFMClassifier(checkpoint, n_ensemble=3).fit(X[:80], y[:80]).predict_proba(X[80:])
    assert np.array_equal(p, again)
    with pytest.raises(InvalidInputError, match="NaN"):
        TFMClassifier(checkpoint).fit(np.where(X == X[3, 1], np.nan, X), y)
    with pytest.raises(InvalidInputError, match="single class"):
        TFMClassifier(checkpoint).fit(X, np.full(len(y), "a"))
    with pytest.raises(InvalidInputError, match="11 classes; this TFM takes at most 10"):
        TFMClassifier(checkpoint).fit(X, np.arange(len(y)) % 11)
    with pytest.raises(InvalidInputError, match="feature_subsample=True"):
        TFMClassifier(checkpoint).fit(np.hstack([X, X, X]), y)
    wide = TFMClassifier(checkpoint, feature_subsample=True).fit(np.hstack([X, X, X]), y)
    assert len(wide.columns_) == 10
    with pytest.raises(InvalidInputError, match="fitted on 4"):
        clf.predict_proba(X[:, :3])
    with pytest.raises(InvalidInputError, match="does not exist"):
        TFMClassifier(str(os.path.join(os.path.dirname(checkpoint), "missing.pt"))).fit(X, y)


def test_finetune_keeps_the_best_validation_weights(checkpoint):
    X, y = _table(200, seed=3)
    clf = TFMClassifier(checkpoint, n_ensemble=1).fit(X[:80], y[:80])
    history = clf.finetune(X[80:120], y[80:120], steps=20, eval_every=5, lr=1e-3)
    assert history[0]["step"] == 0 and len(history) >= 2
    best = min(history, key=lambda r: r["val_loss"])
    assert clf.finetune_best_step_ == best["step"]
    proba = clf.predict_proba(X[80:120])
    codes = clf._codes(y[80:120], "y")
    assert roc_auc(codes, proba, 2) == pytest.approx(best["val_auc"], abs=1e-9)
    assert -np.mean(np.log(proba[np.arange(40), codes])) == pytest.approx(best["val_loss"], abs=1e-9)
    with pytest.raises(InvalidInputError, match="not among the fitted classes"):
        clf.finetune(X[80:120], np.full(40, "maybe"), steps=2)
    with pytest.raises(InvalidInputError, match="steps must be"):
        clf.finetune(X[80:120], y[80:120], steps=0)


def test_synthetic_rows_never_reach_validation_or_test(checkpoint, monkeypatch):
    # The generator sees only the training rows, and the validation / test rows are scored with
    # the real training rows as the context: record what each part is built from.
    path = os.path.join(SHARED, "diabetes.csv")
    if not os.path.exists(path):
        pytest.skip("shared datasets not present")
    X, y = causalmixft.load_table(path)
    parts = causalmixft.split(X, y, 64, seed=5)
    assert parts is not None
    assert not set(parts["train"]) & set(parts["val"]) and not set(parts["train"]) & set(parts["test"])
    assert not set(parts["val"]) & set(parts["test"])
    seen = {}
    real = causalmixft.synthesize

    def spy(mode, Xg, yg, n, seed, epochs=300):
        seen["generator_rows"] = Xg.copy()
        return real(mode, Xg, yg, n, seed, epochs)

    monkeypatch.setattr(causalmixft, "synthesize", spy)
    contexts = []
    original = TFMClassifier.predict_proba_columns

    def record(self, rows):
        contexts.append(self.context_x_.copy())
        return original(self, rows)

    monkeypatch.setattr(TFMClassifier, "predict_proba_columns", record)
    out = causalmixft.run(X, y, parts, ["jitter"], checkpoint, seed=5, ratios=[1.0], steps=4, eval_every=2, lr=1e-4)
    train_rows = causalmixft.numeric(X)[parts["train"]]
    # The generator was fitted on exactly the training rows.
    assert np.array_equal(causalmixft.numeric(seen["generator_rows"]), train_rows)
    # Every scoring (zero-shot, validation, test) used the real training rows as its context.
    assert contexts and all(np.array_equal(c, train_rows[:, :c.shape[1]]) for c in contexts)
    r = out["modes"]["jitter"]
    assert r["synthetic_rows"] == 64 and r["history"][0]["step"] == 0


def test_protocol_is_deterministic(checkpoint, tmp_path):
    path = os.path.join(SHARED, "diabetes.csv")
    if not os.path.exists(path):
        pytest.skip("shared datasets not present")
    X, y = causalmixft.load_table(path)
    parts = causalmixft.split(X, y, 64, seed=2)
    runs = [causalmixft.run(X, y, parts, ["none", "causalmix"], checkpoint, seed=2, ratios=[0.5], steps=4,
                            eval_every=2, lr=1e-4) for _ in range(2)]
    for run in runs:  # wall-clock timings are the only fields allowed to differ
        for mode in run["modes"].values():
            mode.pop("seconds"), mode.pop("generator_s")
    assert json.dumps(runs[0], sort_keys=True) == json.dumps(runs[1], sort_keys=True)
    assert runs[0]["modes"]["causalmix"]["synthetic_rows"] > 0


def test_ratio_sweep_labels_and_sizes(checkpoint):
    path = os.path.join(SHARED, "diabetes.csv")
    if not os.path.exists(path):
        pytest.skip("shared datasets not present")
    assert causalmixft.labels_of(["none", "jitter"], [2.0]) == [("none", "none", 2.0), ("jitter", "jitter", 2.0)]
    X, y = causalmixft.load_table(path)
    parts = causalmixft.split(X, y, 64, seed=3)
    out = causalmixft.run(X, y, parts, ["none", "jitter"], checkpoint, seed=3, ratios=[0.5, 2.0], steps=2,
                          eval_every=1, lr=1e-4)
    assert list(out["modes"]) == ["none", "jitter@0.5x", "jitter@2x"]
    assert [m["synthetic_rows"] for m in out["modes"].values()] == [0, 32, 128]


def test_causalmix_handles_constant_columns_and_single_row_levels():
    import pandas as pd

    rng = np.random.default_rng(4)
    a = rng.normal(size=80)
    X = pd.DataFrame({"a": a, "b": a + rng.normal(0, 0.3, 80), "const": np.full(80, 2.5),
                      "level": pd.Categorical(["x"] * 80),
                      "rare": pd.Categorical(["u"] * 50 + ["v"] * 29 + ["w"]),  # "w": a single row
                      "almost": pd.Categorical(["p"] * 79 + ["q"])})  # constant once "q" is merged
    y = np.where(a > 0, "yes", "no")
    Xs, ys = causalmixft.synthesize("causalmix", X, y, 50, seed=1)
    assert list(Xs.columns) == list(X.columns) and len(Xs) == len(ys) == 50
    assert (Xs["const"] == 2.5).all() and (Xs["level"] == "x").all()
    assert list(Xs["level"].cat.categories) == ["x"] and set(ys) <= {"yes", "no"}
    assert set(Xs["rare"]) <= {"u", "v"}  # the single-row level is merged into the most frequent one
    assert (Xs["almost"] == "p").all()


def test_sdv_learns_columns_it_would_take_for_personal_data():
    import pandas as pd

    frame = pd.DataFrame({"SSLfinal_State": [1, 0, -1], "city": ["a", "b", "a"], "x": [0.5, 1.5, 2.5]})
    detected = {"SSLfinal_State": {"sdtype": "administrative_unit"}, "city": {"sdtype": "city", "pii": True},
                "x": {"sdtype": "numerical"}}
    assert causalmixft._data_sdtypes(frame, detected) == {"SSLfinal_State": "numerical", "city": "categorical"}
    assert causalmixft._data_sdtypes(frame, {"x": {"sdtype": "ordinal"}}) == {}


def test_eval_writes_report_plot_and_rejects_bad_ratios(checkpoint, tmp_path):
    if not os.path.exists(os.path.join(SHARED, "diabetes.csv")):
        pytest.skip("shared datasets not present")
    out = str(tmp_path / "report")
    args = ["--datasets", SHARED, "--tables", "diabetes.csv", "--folds", "1", "--sizes", "64", "--modes", "none",
            "jitter", "--steps", "2", "--eval-every", "1", "--checkpoint", checkpoint, "--out", out]
    assert causalmixft.eval_main(args) == 0
    report = json.load(open(out + ".json"))
    assert len(report["runs"]) == 1 and set(report["summary"]) == {"none", "jitter"}
    md = open(out + ".md").read()
    assert "](report.png)" in md and "| jitter | " in md and "vs plain fine-tuning" in md
    assert open(out + ".png", "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(InvalidInputError, match="ratio"):
        causalmixft.eval_main(args[:-2] + ["--out", str(tmp_path / "bad"), "--ratio", "-1"])
    assert not os.path.exists(str(tmp_path / "bad.json"))


def test_eval_shards_merge_into_the_unsharded_report(checkpoint, tmp_path):
    if not os.path.exists(os.path.join(SHARED, "diabetes.csv")):
        pytest.skip("shared datasets not present")
    base = ["--datasets", SHARED, "--tables", "diabetes.csv", "--folds", "2", "--sizes", "64", "--modes",
            "none", "--steps", "2", "--eval-every", "1", "--checkpoint", checkpoint, "--threads", "1"]
    for name, shard in (("all", "0/1"), ("s0", "0/2"), ("s1", "1/2")):
        assert causalmixft.eval_main(base + ["--shard", shard, "--out", str(tmp_path / name)]) == 0
    parts = [json.load(open(tmp_path / f"s{i}.json")) for i in range(2)]
    assert [len(p["runs"]) for p in parts] == [1, 1]
    assert causalmixft.eval_main(["--merge", str(tmp_path / "s1.json"), str(tmp_path / "s0.json"),
                                  "--out", str(tmp_path / "merged")]) == 0

    def scores(path):
        runs = json.load(open(path))["runs"]
        for run in runs:
            for mode in run["modes"].values():
                mode.pop("seconds"), mode.pop("generator_s")
        return json.dumps(runs, sort_keys=True)

    assert scores(tmp_path / "merged.json") == scores(tmp_path / "all.json")
    with pytest.raises(InvalidInputError, match="I/N"):
        causalmixft.eval_main(base + ["--shard", "2/2", "--out", str(tmp_path / "bad")])
    other = json.load(open(tmp_path / "s0.json"))
    other["settings"]["lr"] = 1.0
    json.dump(other, open(tmp_path / "other.json", "w"))
    with pytest.raises(InvalidInputError, match="different settings"):
        causalmixft.eval_main(["--merge", str(tmp_path / "s1.json"), str(tmp_path / "other.json"),
                               "--out", str(tmp_path / "bad")])


def test_eval_resume_keeps_finished_splits_and_runs_the_rest(checkpoint, tmp_path):
    if not os.path.exists(os.path.join(SHARED, "diabetes.csv")):
        pytest.skip("shared datasets not present")
    base = ["--datasets", SHARED, "--tables", "diabetes.csv", "--folds", "2", "--sizes", "64", "--modes",
            "none", "--steps", "2", "--eval-every", "1", "--checkpoint", checkpoint, "--threads", "1"]
    assert causalmixft.eval_main(base + ["--out", str(tmp_path / "all")]) == 0
    assert causalmixft.eval_main(base + ["--shard", "0/2", "--out", str(tmp_path / "r")]) == 0
    first = json.load(open(tmp_path / "r.json"))
    first["runs"][0]["zero_shot"] = -1.0  # a mark: a kept split is not run again
    json.dump(first, open(tmp_path / "r.json", "w"))
    assert causalmixft.eval_main(base + ["--resume", "--out", str(tmp_path / "r")]) == 0
    runs, full = json.load(open(tmp_path / "r.json"))["runs"], json.load(open(tmp_path / "all.json"))["runs"]
    assert [(r["fold"], r["zero_shot"]) for r in runs] == [(0, -1.0), (1, full[1]["zero_shot"])]
    assert runs[1]["modes"]["none"]["test_auc"] == full[1]["modes"]["none"]["test_auc"]
    with pytest.raises(InvalidInputError, match="different settings"):
        causalmixft.eval_main(base + ["--lr", "1.0", "--resume", "--out", str(tmp_path / "r")])


def test_cli_train_and_bad_arguments(tmp_path):
    cli = os.path.join(os.path.dirname(sys.executable), "scmforge")
    if not os.path.exists(cli):
        pytest.skip("the scmforge CLI is not installed in this environment")
    run = subprocess.run([cli, "train", "tfm", str(tmp_path / "run"), "--recipe", "test-tiny", "--steps", "2",
                          "--threads", "1", "--quiet"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "run" / "checkpoint.pt").exists()
    bad = subprocess.run([cli, "train", "tfm", str(tmp_path / "x"), "--prior", "oops"], capture_output=True, text=True)
    assert bad.returncode == 2 and "KEY=VALUE" in bad.stderr
    bad = subprocess.run([cli, "train", "tfm", str(tmp_path / "y"), "--prior", "max_clases=4"], capture_output=True, text=True)
    assert bad.returncode == 2 and "did you mean 'max_classes'" in bad.stderr
    bad = subprocess.run([cli, "train", "tfm", str(tmp_path / "z"), "--precision", "fp16"], capture_output=True, text=True)
    assert bad.returncode != 0 and "with --device cpu training runs in fp32" in bad.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists() and not (tmp_path / "z").exists()
    bad = subprocess.run([cli, "finetune", "tfm", str(tmp_path / "missing.csv")], capture_output=True, text=True)
    assert bad.returncode != 0


def test_bundled_checkpoint_is_small():
    if not os.path.exists(BUNDLED_TFM):
        pytest.fail(f"the bundled TFM checkpoint {BUNDLED_TFM} is missing")
    assert os.path.getsize(BUNDLED_TFM) <= 5 * 1024 * 1024
    model, state = load_tfm(BUNDLED_TFM)
    assert state["step"] > 0
