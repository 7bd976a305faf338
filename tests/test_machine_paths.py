"""Committed results hold no path of the machine that made them."""
import subprocess
from pathlib import Path

import nbformat
import pytest

from neumeta.tooling.paths import absolute_paths, relative_notebook, staging_replacements

REPO = Path(__file__).resolve().parents[1]
TEXT = (".ipynb", ".json", ".csv", ".md", ".txt", ".tex", ".svg")


def test_no_committed_result_or_figure_holds_an_absolute_path():
    listed = subprocess.run(["git", "ls-files", "results", "figures"], cwd=REPO, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("no git checkout to ask what is committed")
    found = {}
    for name in listed.stdout.split():
        if name.endswith(TEXT) and (REPO / name).exists():
            paths = absolute_paths((REPO / name).read_text(errors="replace"))
            if paths:
                found[name] = paths[:3]
    assert found == {}


def test_an_executed_notebook_names_its_files_relative_to_the_repository(tmp_path):
    repo, staging = Path("/opt/checkout"), Path("/opt/checkout/results/cpu/.staging-00_x-123")
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("write_table(df, 'a', P)")
    cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": f"PosixPath('{staging}/a.csv')"},
                                           execution_count=1)]
    notebook.cells = [cell]
    notebook.metadata["papermill"] = {"input_path": f"{repo}/notebooks/00_x.ipynb", "output_path": f"{staging}/e.ipynb"}
    path = tmp_path / "executed.ipynb"
    nbformat.write(notebook, path)
    assert absolute_paths(path.read_text())
    relative_notebook(path, staging_replacements(repo, [(staging, repo / "results" / "cpu" / "00_x")]))
    text = path.read_text()
    assert absolute_paths(text) == []
    assert "PosixPath('results/cpu/00_x/a.csv')" in text and '"notebooks/00_x.ipynb"' in text
