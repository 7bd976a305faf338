"""Every module of the library is short enough to read at once, and so is every function in it (counted with ast:
a function's lines run from its ``def`` to its last line, decorators and nested functions included)."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "neumeta"
MODULE_LINES, FUNCTION_LINES = 300, 60


def oversized(path):
    """``[what, lines]`` over the limits in one module: the module itself and each function or method."""
    source = path.read_text()
    found = []
    if len(source.splitlines()) > MODULE_LINES:
        found.append(("module", len(source.splitlines())))
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lines = node.end_lineno - node.lineno + 1
            if lines > FUNCTION_LINES:
                found.append((f"{node.name}()", lines))
    return found


def test_no_module_or_function_is_too_long():
    found = {path.relative_to(PACKAGE.parent).as_posix(): sizes for path in sorted(PACKAGE.rglob("*.py"))
             if (sizes := oversized(path))}
    assert not found, (f"over {MODULE_LINES} lines a module or {FUNCTION_LINES} a function: "
                       + "; ".join(f"{p}: " + ", ".join(f"{w} {n}" for w, n in s) for p, s in found.items()))


def test_the_size_check_catches_a_long_module_and_a_long_function(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(FUNCTION_LINES))
    (tmp_path / "long.py").write_text(f"def f():\n{body}\n" + "\n" * MODULE_LINES)
    assert oversized(tmp_path / "long.py") == [("module", FUNCTION_LINES + 1 + MODULE_LINES),
                                               ("f()", FUNCTION_LINES + 1)]
    (tmp_path / "short.py").write_text("def g():\n    return 1\n")
    assert oversized(tmp_path / "short.py") == []
