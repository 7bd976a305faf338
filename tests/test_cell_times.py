"""Where the time goes: the cell table is read from papermill's recorded durations, each cell under its heading."""
import json

import nbformat

from neumeta.tooling.cell_times import cell_rows


def test_cells_are_named_by_their_heading_and_timed_by_papermill(tmp_path):
    folder = tmp_path / "99_example"
    folder.mkdir()
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 99 · Example"), nbformat.v4.new_code_cell("import time"),
        nbformat.v4.new_markdown_cell("Some words\n## Slow part\nmore"), nbformat.v4.new_code_cell("# why\nwork()")])
    for cell, seconds in zip([c for c in nb.cells if c.cell_type == "code"], (1.0, 3.0)):
        cell.metadata["papermill"] = {"duration": seconds}
    (folder / "executed.ipynb").write_text(nbformat.writes(nb))
    (folder / "meta.json").write_text(json.dumps({"machine": {"cpu_model": "x", "torch_threads": 1},
                                                  "git": {"commit": "abcdef0123456"}}))
    rows = cell_rows(folder)
    assert [(r["section"], r["first_line"], r["seconds"], r["share"]) for r in rows] == [
        ("99 · Example", "import time", 1.0, 0.25), ("Slow part", "work()", 3.0, 0.75)]
    assert rows[0]["commit"] == "abcdef0123" and rows[0]["notebook"] == "99_example"
