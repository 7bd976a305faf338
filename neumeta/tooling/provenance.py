"""Which committed results still match the code.

A notebook's result depends on the notebook itself, the library modules it imports (directly or
through other modules), and its profile's values. ``code_fingerprint`` hashes exactly those, so a
change elsewhere (another notebook, the README, an unrelated module) leaves a result current.
The pipeline stores the fingerprint in each ``meta.json``; ``check`` compares it with the code now.

    python -m neumeta.tooling.provenance            # every profile's results: current, stale or dirty
    python -m neumeta.tooling.provenance cpu        # one profile; exit 1 if anything is stale or dirty
"""
import ast
import hashlib
import json
import sys
from pathlib import Path

from neumeta.store.results import REPO_ROOT, RESULTS_ROOT

PACKAGE = REPO_ROOT / "neumeta"
NOTEBOOKS = REPO_ROOT / "notebooks"


def _imported_modules(source, package=None):
    """``neumeta.*`` modules a piece of Python imports (at any depth of the code: function-level too);
    ``package``: the dotted package of the file, to resolve its relative imports."""
    # IPython magics and shell lines are not Python: blank them, keep the rest of the cell
    source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    found = set()
    imports_root = any(isinstance(n, ast.Import) and any(a.name == "neumeta" and a.asname is None for a in n.names)
                       for n in ast.walk(tree))
    for node in ast.walk(tree):
        if (imports_root and isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == "neumeta"):
            found.add(f"neumeta.{node.attr}")  # `import neumeta; neumeta.Metamorph`: the public API by attribute
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "neumeta"}
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level and package:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([module] if module else []))
            if module.split(".")[0] != "neumeta":
                continue
            found.add(module)
            found |= {f"{module}.{a.name}" for a in node.names}  # `from neumeta.tooling import pipeline`
    return found


def _module_file(name):
    """The file of module ``neumeta.a.b``, or None (a name imported from a module, not a module)."""
    rel = Path(*name.split(".")[1:]) if "." in name else Path()
    for candidate in (PACKAGE / rel.with_suffix(".py") if rel.parts else None, PACKAGE / rel / "__init__.py"):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def module_closure(sources):
    """Files of every ``neumeta`` module that ``sources`` import, followed through the library,
    including each package's ``__init__.py`` on the way."""
    todo = set().union(*(_imported_modules(s) for s in sources)) if sources else set()
    files, seen = set(), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        todo |= {".".join(parts[:i]) for i in range(1, len(parts))}  # parent packages run their __init__
        path = _module_file(name)
        if path is None and len(parts) == 2 and not parts[1].startswith("__"):
            todo.add("neumeta.api")  # a name of the root that is no module is the public API's (neumeta/__init__.py)
        if path is None or path in files:
            continue
        files.add(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        todo |= _imported_modules(path.read_text(), package)
    return files


def notebook_sources(notebook):
    cells = json.loads(Path(notebook).read_text())["cells"]
    return [("".join(c["source"]) if isinstance(c["source"], list) else c["source"]) for c in cells
            if c["cell_type"] == "code"]


def code_fingerprint(notebook, profile):
    """``{"hash", "files", "profile_values"}`` for ``notebook`` run in ``profile``: the notebook's
    cells (code and text), each library module it reaches, and the profile's values (not its comments)."""
    from neumeta.config.profiles import load_profile
    notebook = Path(notebook).resolve()
    label = notebook.relative_to(REPO_ROOT).as_posix() if notebook.is_relative_to(REPO_ROOT) else notebook.name
    files = {label: _sha(notebook.read_bytes())}
    for path in sorted(module_closure(notebook_sources(notebook))):
        files[path.relative_to(REPO_ROOT).as_posix()] = _sha(path.read_bytes())
    values = json.dumps(load_profile(profile), sort_keys=True, default=str)
    digest = _sha(json.dumps({"files": files, "profile": values}, sort_keys=True).encode())
    return {"hash": digest, "files": files, "profile_values_sha256": _sha(values.encode()),
            "files_sha256": _sha(json.dumps(files, sort_keys=True).encode())}


def profile_values_sha(profile, keys):
    """Hash of the values of ``keys`` in ``profile`` (a key the profile no longer has hashes as missing)."""
    from neumeta.config.profiles import load_profile
    values = load_profile(profile)
    return _sha(json.dumps({k: values.get(k, "<missing>") for k in sorted(keys)}, sort_keys=True, default=str).encode())


def _sha(data):
    return hashlib.sha256(data).hexdigest()


# Modules that only refuse bad input before any work: a change to them (a new notebook's profile values getting
# their rules) never changes a result, so it does not make one stale.
VALIDATION_ONLY = frozenset({"neumeta/config/schema.py", "neumeta/config/relations.py"})


def _result_files(files):
    return {f: h for f, h in files.items() if f not in VALIDATION_ONLY}


def result_status(profile, stem):
    """``(status, reason)`` of ``results/<profile>/<stem>``: current, stale, dirty or missing."""
    meta_path = RESULTS_ROOT / profile / stem / "meta.json"
    notebook = NOTEBOOKS / f"{stem}.ipynb"
    if not meta_path.exists():
        return "missing", f"no results: run `make reproduce PROFILE={profile} ONLY={stem[:2]}`"
    meta = json.loads(meta_path.read_text())
    if meta.get("git", {}).get("dirty") is not False:
        return "dirty", "produced from a tree with uncommitted code changes (or a commit made during the run)"
    stored = meta.get("code")
    if not stored:
        return "stale", "produced before code fingerprints were recorded"
    if not notebook.exists():
        return "stale", f"notebook {notebook.name} no longer exists"
    now = code_fingerprint(notebook, profile)
    moved = [f for f, sha in (meta.get("upstream") or {}).items()
             if not (RESULTS_ROOT / f).exists() or _sha((RESULTS_ROOT / f).read_bytes()) != sha]
    keys = stored.get("profile_keys_read")  # recorded since runs track the profile values they read
    same_values = (profile_values_sha(profile, keys) == stored.get("profile_read_sha256") if keys is not None
                   else now["profile_values_sha256"] == stored.get("profile_values_sha256"))
    same_files = (_result_files(now["files"]) == _result_files(stored["files"]) if keys is not None
                  else now["hash"] == stored["hash"])
    if moved and same_files and same_values:
        return "stale", "tables it read from other notebooks changed since: " + ", ".join(moved)
    if same_files and same_values:
        return "current", f"code unchanged since commit {str(meta['git'].get('commit'))[:10]}"
    changed = sorted(f for f in set(now["files"]) | set(stored["files"])
                     if now["files"].get(f) != stored["files"].get(f) and f not in VALIDATION_ONLY)
    if not same_values:
        changed.append(f"profiles/{profile}.yaml (values {'it read' if keys is not None else 'of any key'})")
    return "stale", "changed since: " + ", ".join(changed)


def check(profile):
    """``[(stem, status, reason)]`` for every notebook with results or a notebook file in ``profile``."""
    stems = {p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")}
    stems |= {p.name for p in (RESULTS_ROOT / profile).glob("[0-9][0-9]_*") if p.is_dir()}
    return [(stem, *result_status(profile, stem)) for stem in sorted(stems)]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    profiles = argv or sorted(p.name for p in RESULTS_ROOT.iterdir() if p.is_dir() and p.name != "scratch")
    bad = 0
    for profile in profiles:
        for stem, status, reason in check(profile):
            print(f"{profile:>6} {stem:<20} {status:<8} {reason}")
            bad += status in ("stale", "dirty")
    return 1 if bad and argv else 0


if __name__ == "__main__":
    sys.exit(main())
