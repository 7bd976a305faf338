"""The notebooks stay readable: short code cells, no functions or classes defined in them (library logic lives in
the library), and a first output that lists the profile values the notebook reads and where each came from."""
import ast

import nbformat
import pytest

from neumeta.tooling.pipeline import list_notebooks

MAX_LINES = 30


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def long_cells(nb, limit=MAX_LINES):
    """``(cell id, lines)`` of every code cell longer than ``limit`` lines; the parameters cell, one assignment per
    profile value the notebook reads, is a list rather than logic and is not counted."""
    return [(c.get("id"), len(c.source.splitlines())) for c in code_cells(nb)
            if len(c.source.splitlines()) > limit and "parameters" not in c.metadata.get("tags", [])]


def definitions(nb):
    """``(cell id, name)`` of every function or class a code cell defines (nested ones included)."""
    found = []
    for c in code_cells(nb):
        for node in ast.walk(ast.parse(c.source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.append((c.get("id"), node.name))
    return found


def _calls(tree):
    return {n.func.id if isinstance(n.func, ast.Name) else getattr(n.func, "attr", None)
            for n in ast.walk(tree) if isinstance(n, ast.Call)}


def profile_table_problems(nb, stem):
    """Why the first output of ``nb`` would not be the table of its profile values: the parameters cell (only
    assignments) must be the only code cell before the cell that resolves the profile, and that cell must print
    nothing and end with ``profile_values(P, keys_read_by("<stem>"))``."""
    cells = code_cells(nb)
    tagged = [i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", [])]
    if len(tagged) != 1:
        return ["not exactly one parameters cell"]
    problems = []
    for c in cells[:tagged[0] + 1]:
        if any(not isinstance(s, ast.Assign) for s in ast.parse(c.source).body):
            problems.append(f"cell {c.get('id')} before the profile table does more than assign parameters")
    if len(cells) <= tagged[0] + 1:
        return problems + ["no cell after the parameters cell"]
    first = cells[tagged[0] + 1]
    tree = ast.parse(first.source)
    last = tree.body[-1] if tree.body else None
    expected = f'profile_values(P, keys_read_by("{stem}"))'
    if not (isinstance(last, ast.Expr) and ast.dump(last) == ast.dump(ast.parse(expected).body[0])):
        problems.append(f"cell {first.get('id')} does not end with {expected}")
    shown = _calls(ast.Module(body=tree.body[:-1], type_ignores=[])) & {"print", "display", "show"}
    if shown:
        problems.append(f"cell {first.get('id')} shows something before the profile table: {sorted(shown)}")
    return problems


NOTEBOOKS = list_notebooks()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_code_cell_is_longer_than_30_lines(notebook):
    assert long_cells(nbformat.read(notebook, as_version=4)) == []


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_cell_defines_a_function_or_class(notebook):
    assert definitions(nbformat.read(notebook, as_version=4)) == []


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_first_output_is_the_table_of_profile_values(notebook):
    assert profile_table_problems(nbformat.read(notebook, as_version=4), notebook.stem) == []


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_parameters_cell_says_where_its_values_come_from(notebook):
    nb = nbformat.read(notebook, as_version=4)
    source = next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    comment = " ".join(line for line in source.splitlines() if line.startswith("#"))
    assert "profiles/<profile>.yaml" in comment and "first output" in comment and "papermill -p KEY VALUE" in comment


def _notebook(*sources, tags=("parameters",)):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.cells[0].metadata["tags"] = list(tags)
    return nb


def test_the_checks_catch_long_cells_definitions_and_a_late_profile_table():
    good = _notebook("profile = None", 'P = resolve_profile(profile)\nprofile_values(P, keys_read_by("xx"))')
    assert long_cells(good) == [] and definitions(good) == [] and profile_table_problems(good, "xx") == []
    assert [n for _, n in long_cells(_notebook("x = 1\n" * 31, tags=()))] == [31]
    assert long_cells(_notebook("x = None\n" * 31)) == []  # the parameters cell: a list of the values read
    defined = definitions(_notebook("profile = None", "class A:\n    def f(self):\n        pass"))
    assert [name for _, name in defined] == ["A", "f"]
    printed = _notebook("profile = None", 'P = 1\nprint(P)\nprofile_values(P, keys_read_by("xx"))')
    assert "shows something" in profile_table_problems(printed, "xx")[0]
    late = _notebook("profile = None", "P = 1", 'profile_values(P, keys_read_by("xx"))')
    assert "does not end with" in profile_table_problems(late, "xx")[0]
    assert "more than assign" in profile_table_problems(_notebook("print(1)", 'profile_values(P, keys_read_by("xx"))'),
                                                        "xx")[0]
