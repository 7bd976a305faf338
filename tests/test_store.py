"""Reading another notebook's results: the store first; outside the pipeline, that notebook's scratch copy from a run
by hand when the store has none (so notebooks opened in order, and nbval's run of them, work on a fresh checkout)."""
import json

import pandas as pd
import pytest

from neumeta.store import results


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "RESULTS_ROOT", tmp_path / "results")
    monkeypatch.delenv("NEUMETA_RESULTS_DIR", raising=False)
    monkeypatch.delenv("NEUMETA_NOTEBOOK", raising=False)
    return tmp_path / "results"


def _write(folder, value):
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"value": [value]}).to_csv(folder / "t.csv", index=False)


def test_a_hand_run_reads_the_store_first_then_the_scratch_copy(store, capsys):
    with pytest.raises(FileNotFoundError, match="ONLY=20"):
        results.read_table("t", "smoke", notebook="20_other")
    _write(store / "scratch" / "smoke" / "interactive", 2.0)  # what notebook 20 opened by hand (or nbval) wrote
    assert results.read_table("t", "smoke", notebook="20_other").value.tolist() == [2.0]
    assert "scratch/smoke/interactive/t.csv" in capsys.readouterr().out
    upstream = json.loads((store / "scratch" / "smoke" / "interactive" / "upstream.json").read_text())
    assert list(upstream) == ["scratch/smoke/interactive/t.csv"]
    _write(store / "smoke" / "20_other", 1.0)  # the pipeline's stored table wins once there is one
    assert results.read_table("t", "smoke", notebook="20_other").value.tolist() == [1.0]


def test_a_pipeline_run_never_reads_a_scratch_copy(store, tmp_path, monkeypatch):
    _write(store / "scratch" / "smoke" / "interactive", 2.0)
    _write(store / "scratch" / "smoke" / "20_other", 2.0)
    monkeypatch.setenv("NEUMETA_RESULTS_DIR", str(tmp_path / "staging"))
    monkeypatch.setenv("NEUMETA_NOTEBOOK", "30_this")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        results.read_table("t", "smoke", notebook="20_other")
    with pytest.raises(FileNotFoundError):
        results.read_arrays("t", "smoke", notebook="20_other")
