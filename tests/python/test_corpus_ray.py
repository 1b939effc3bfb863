"""scmforge.corpus.build(backend="ray"): Ray tasks over shards write the same bytes as a local build."""

import os

import pytest
import ray

import scmforge.corpus


@pytest.fixture(scope="module")
def cluster():
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def _files(folder):
    return {name: (folder / name).read_bytes() for name in sorted(os.listdir(folder))}


def test_ray_build_is_byte_identical_to_a_local_build(tmp_path, cluster):
    local, distributed = tmp_path / "local", tmp_path / "ray"
    scmforge.corpus.build(str(local), 50, seed=11, shard_candidates=32, threads=2)
    result = scmforge.corpus.build(str(distributed), 50, seed=11, shard_candidates=32, backend="ray")
    assert result["examples"] == 50 and result["shards"] > 2
    assert _files(local) == _files(distributed)
    # Resuming with Ray after losing the last two shards rebuilds exactly them.
    names = sorted(n for n in os.listdir(distributed) if n.startswith("shard-"))
    for name in names[-2:]:
        (distributed / name).unlink()
    again = scmforge.corpus.build(str(distributed), 50, seed=11, shard_candidates=32, backend="ray")
    assert again["shards_reused"] == len(names) - 2
    assert _files(local) == _files(distributed)


def test_unknown_backend_is_refused(tmp_path):
    with pytest.raises(scmforge.InvalidInputError, match="backend"):
        scmforge.corpus.build(str(tmp_path / "x"), 5, backend="dask")
