"""The cpu profile's artifacts keep their names: a change of layout, trainer or data loading that changed a key
would retrain a committed model. ``tests/pinned_artifacts_cpu.txt`` is `make artifacts PROFILE=cpu` as committed."""
from pathlib import Path

import pytest

from neumeta.config.profiles import load_profile
from neumeta.tooling.artifacts import profile_artifacts

REPO = Path(__file__).resolve().parents[1]
PINNED = (REPO / "tests" / "pinned_artifacts_cpu.txt").read_text().split()


@pytest.fixture
def committed_checkpoints(monkeypatch):
    monkeypatch.setenv("NEUMETA_CHECKPOINTS", "checkpoints")  # the committed store, relative to the repository


def test_the_cpu_profile_lists_exactly_the_pinned_artifacts_and_all_are_built(committed_checkpoints):
    if not (REPO / "data" / "cifar10-jpeg").is_dir():
        pytest.skip("the real data is not unpacked here (`make data`)")
    rows = profile_artifacts(load_profile("cpu"))
    assert [r.name for r in rows] == PINNED
    assert {r.state for r in rows} == {"built"}


def test_the_keys_do_not_depend_on_the_data_being_unpacked(committed_checkpoints, monkeypatch, tmp_path):
    monkeypatch.setenv("NEUMETA_DATA", str(tmp_path))  # an empty data folder
    rows = profile_artifacts(load_profile("cpu"))
    assert [r.name for r in rows] == PINNED
    assert {r.state for r in rows} == {"built"}
