"""The library's floors (``[tool.neumeta.floors]`` in pyproject.toml): no module imports from a floor above it or
from another package of its own floor, counting imports placed inside functions."""
import ast
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "neumeta"


def floors():
    table = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["neumeta"]["floors"]
    return {unit: level for level, units in enumerate(table.values()) for unit in units}


def unit_of(module, units):
    """The floor unit a dotted module belongs to: the longest unit that is it or contains it."""
    matches = [u for u in units if module == u or module.startswith(u + ".")]
    return max(matches, key=len) if matches else None


def imports_of(path):
    """``neumeta.*`` modules imported anywhere in ``path`` (module level or inside functions)."""
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    package = parts[:-1] if parts[-1] != "__init__" else parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found |= {module} | {f"{module}.{a.name}" for a in node.names}
    return {m for m in found if m.split(".")[0] == "neumeta"}


def upward_imports(units):
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        if module in ("neumeta", "neumeta.experiments"):  # the roots: the top re-exports, experiments/ only groups
            continue
        own = unit_of(module, units)
        assert own is not None, f"{module} is on no floor: add its package to [tool.neumeta.floors]"
        for imported in imports_of(path):
            other = unit_of(imported, units)
            if other is None or other == own:
                continue
            if units[other] >= units[own]:
                bad.append(f"{module} imports {imported} (floor {units[other]} >= {units[own]})")
    return sorted(set(bad))


def test_every_import_goes_down_a_floor():
    assert upward_imports(floors()) == []


def test_the_check_catches_an_upward_import():
    units = floors()
    units["neumeta.store"] = units["neumeta.tooling"] + 1  # pretend the store sat above the tooling
    assert any("imports neumeta.store" in line for line in upward_imports(units))


def test_the_layout_page_names_every_floor():
    page = (REPO / "docs" / "layout.md").read_text()
    for unit in floors():
        assert f"`{unit}`" in page, f"docs/layout.md does not describe {unit}"
