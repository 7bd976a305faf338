"""Notebooks are committed with outputs stripped and one parameters cell."""
import json

import pytest

from neumeta.tooling.pipeline import list_notebooks


@pytest.mark.parametrize("notebook", list_notebooks(), ids=lambda p: p.stem)
def test_notebook_is_stripped(notebook):
    nb = json.loads(notebook.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, f"{notebook.name} has outputs"
    assert "papermill" not in nb["metadata"] and "widgets" not in nb["metadata"]
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"


def test_notebooks_are_numbered():
    names = [p.name for p in list_notebooks()]
    assert names and all(n[:2].isdigit() and n[2] == "_" for n in names)
