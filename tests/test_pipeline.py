"""The papermill runner: atomic results, failures named, previous results kept."""
import json
import subprocess
import sys

import nbformat
import pandas as pd
import pytest

from neumeta.tooling import pipeline

GOOD = """
import pandas as pd, matplotlib.pyplot as plt
from neumeta.store.results import write_table, read_table
from neumeta.plotting import savefig, set_style
write_table(pd.DataFrame({"metric": ["acc"], "value": [VALUE]}), "t", profile)
set_style(); fig, ax = plt.subplots(); ax.plot(read_table("t", profile)["value"]); savefig(fig, "f", profile)
"""


def _notebook(path, body):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("profile = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


@pytest.fixture
def store(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    monkeypatch.setattr(pipeline, "NOTEBOOK_DIR", tmp_path / "notebooks")
    monkeypatch.setattr(pipeline, "RESULTS_ROOT", tmp_path / "results")
    monkeypatch.setattr(pipeline, "FIGURES_ROOT", tmp_path / "figures")
    return tmp_path


def test_success_writes_tables_meta_and_figures_then_failure_keeps_them(store):
    nb = store / "notebooks" / "00_demo.ipynb"
    _notebook(nb, GOOD.replace("VALUE", "1.5"))
    assert pipeline.main(["--profile", "smoke", "--only", "00", "--quiet"]) == 0
    out = store / "results" / "smoke" / "00_demo"
    assert pd.read_csv(out / "t.csv")["value"].tolist() == [1.5]
    meta = json.loads((out / "meta.json").read_text())
    assert meta["profile"] == "smoke" and meta["parameters"] == {"profile": "smoke"}
    assert meta["versions"]["torch"] and "commit" in meta["git"]
    assert meta["duration_seconds"] >= meta["papermill"]["duration"] - 0.5  # the whole run holds papermill's part
    assert (out / "executed.ipynb").exists()
    png = store / "figures" / "smoke" / "00_demo" / "f.png"
    first_png = png.read_bytes()
    assert (png.with_suffix(".pdf")).exists()

    # Same data -> byte-identical figures on a rerun.
    assert pipeline.main(["--profile", "smoke", "--only", "00", "--quiet"]) == 0
    assert png.read_bytes() == first_png

    # A failing run (after writing a new table) leaves the stored results as they were.
    _notebook(nb, GOOD.replace("VALUE", "2.5") + "\nraise RuntimeError('boom')")
    assert pipeline.main(["--profile", "smoke", "--only", "00", "--quiet"]) == 1
    assert pd.read_csv(out / "t.csv")["value"].tolist() == [1.5]
    assert png.read_bytes() == first_png
    assert (store / "results" / "smoke" / "_failed" / "00_demo.ipynb").exists()
    assert not list((store / "results" / "smoke").glob(".staging-*"))


def test_a_run_records_the_profile_values_its_notebook_read_and_nothing_else(store):
    _notebook(store / "notebooks" / "00_demo.ipynb", """
from neumeta.config.profiles import resolve_profile
P = resolve_profile(profile)
print(P["seed"], P.get("kd_alpha"))
""")
    assert pipeline.main(["--profile", "smoke", "--only", "00", "--quiet"]) == 0
    out = store / "results" / "smoke" / "00_demo"
    code = json.loads((out / "meta.json").read_text())["code"]
    assert code["profile_keys_read"] == ["kd_alpha", "seed"]
    assert code["profile_read_sha256"] == pipeline.profile_values_sha("smoke", ["seed", "kd_alpha"])
    assert not (out / ".profile-reads").exists()


def test_unknown_profile_and_notebook_fail_clearly(store, capsys):
    with pytest.raises(SystemExit) as stop:
        pipeline.main(["--profile", "nope"])
    assert stop.value.code == 2 and "unknown profile 'nope'" in capsys.readouterr().err
    _notebook(store / "notebooks" / "00_demo.ipynb", "pass")
    with pytest.raises(SystemExit) as stop:
        pipeline.main(["--profile", "smoke", "--only", "42"])
    assert stop.value.code == 2 and "no notebook matches" in capsys.readouterr().err


def test_cli_reports_failures_and_exit_code():
    res = subprocess.run([sys.executable, "-m", "neumeta.tooling.pipeline", "--profile", "does-not-exist"],
                         capture_output=True, text=True)
    assert res.returncode != 0 and "unknown profile" in res.stderr


def test_a_code_change_during_a_run_marks_its_results_dirty(tmp_path, monkeypatch):
    """meta.json's git state covers the whole run: a commit of docs alone is fine, code changed mid-run is not."""
    import subprocess
    from neumeta.tooling import pipeline

    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=tmp_path,
                       check=True, capture_output=True)

    (tmp_path / "neumeta").mkdir()
    (tmp_path / "neumeta" / "engine.py").write_text("1\n")
    (tmp_path / "README.md").write_text("a\n")
    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "start")
    monkeypatch.setattr(pipeline, "REPO_ROOT", tmp_path)
    start = pipeline.git_state()
    (tmp_path / "README.md").write_text("b\n")
    git("commit", "-qam", "docs only")
    assert pipeline._code_changed(start, pipeline.git_state()) is False
    (tmp_path / "neumeta" / "engine.py").write_text("2\n")
    assert pipeline._code_changed(start, pipeline.git_state()) is True
    git("commit", "-qam", "code")
    assert pipeline._code_changed(start, pipeline.git_state()) is True


def test_headless_log_names_the_cell_and_prefixes_output(capsys):
    """What `make reproduce` prints while a notebook runs: the cell it is in, then the cell's output."""
    import logging

    from neumeta.tooling.cell_log import CellLog
    handler = CellLog()
    handler.notebook, handler.cells = "30_table2", 17
    for message in ("Executing Cell 8---------", "Working directory: /somewhere", "line one\nline two", "Ending Cell 8--"):
        handler.emit(logging.LogRecord("papermill", logging.INFO, __file__, 0, message, None, None))
    assert capsys.readouterr().out.splitlines() == ["[neumeta] 30_table2 cell 8/17", "  30_table2 | line one",
                                                    "  30_table2 | line two"]
