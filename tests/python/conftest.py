"""Shared pytest fixtures: paths of the CLI, the shared data folder and the repository."""

import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def cli() -> str:
    """The scmforge command installed beside this Python (the package's C++ CLI)."""
    candidate = Path(sys.executable).parent / "scmforge"
    path = str(candidate) if candidate.exists() else shutil.which("scmforge")
    assert path, "the scmforge CLI is not installed; run `make setup`"
    return path


@pytest.fixture(scope="session")
def shared() -> Path:
    return SHARED


@pytest.fixture(autouse=True)
def _few_threads(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    yield


@pytest.fixture
def attending_everything_gives_the_same_bits(monkeypatch):
    """A check that `run()` (returning outputs and a name -> gradient dict) gives bit-identical results
    when attention skips nothing: `_Attention`'s `active` mask must only save work."""

    def check(run) -> None:
        import torch
        from scmforge.models.metatree import _Attention

        outputs, grads = run()
        everything = _Attention.forward
        monkeypatch.setattr(_Attention, "forward", lambda self, h, keys, active=None: everything(self, h, keys))
        want_outputs, want_grads = run()
        assert len(outputs) == len(want_outputs)
        for output, want in zip(outputs, want_outputs):
            assert torch.equal(output, want)
        assert grads.keys() == want_grads.keys()
        for key, grad in want_grads.items():
            assert torch.equal(grads[key], grad), key

    return check
