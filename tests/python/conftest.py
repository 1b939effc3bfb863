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
