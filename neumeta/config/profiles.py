"""Profiles: small YAML files of flat values (smoke / cpu / paper).

A notebook's parameters cell names the profile (default ``$NEUMETA_PROFILE`` or
``cpu``) and sets every other value to ``None``; papermill may inject any single
value, and ``resolve_profile`` lets the injected (non-``None``) values win.
"""
import os
from pathlib import Path

import yaml

from neumeta.config.schema import check_profile, check_unknown

PROFILE_DIR = Path(__file__).resolve().parents[2] / "profiles"
SCALARS = (bool, int, float, str, type(None))


class UnknownProfileError(ValueError):
    pass


# Where a pipeline run records which profile values its notebook read (set by the pipeline for the kernel)
READS_ENV = "NEUMETA_PROFILE_READS"


class Profile(dict):
    """A profile's values that remember which of them were read. Under the pipeline each key read for the
    first time is appended to the file named by ``$NEUMETA_PROFILE_READS``, so a result's provenance depends
    on the values its notebook used, not on values added to the profile for other notebooks. Iterating over
    it (``items()``, ``dict(P)``) counts as reading every key."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read = set()
        self.overridden = set()  # the keys whose value an injected parameter replaced

    def _note(self, *keys):
        new = [k for k in keys if k not in self.read]
        if new:
            self.read.update(new)
            path = os.environ.get(READS_ENV)
            if path:
                with open(path, "a") as f:  # one short append per new key: safe from several processes
                    f.write("".join(f"{k}\n" for k in new))

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)

    def __iter__(self):
        self._note(*dict.keys(self))
        return super().__iter__()

    def keys(self):
        self._note(*dict.keys(self))
        return super().keys()

    def items(self):
        self._note(*dict.keys(self))
        return super().items()

    def values(self):
        self._note(*dict.keys(self))
        return super().values()


def available_profiles():
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def default_profile():
    return os.environ.get("NEUMETA_PROFILE", "cpu")


DRY_RUN_ENV = "NEUMETA_DRY_RUN"


def _read(name):
    path = PROFILE_DIR / f"{name}.yaml"
    if not isinstance(name, str) or not path.exists():
        raise UnknownProfileError(f"unknown profile {name!r}; available: {', '.join(available_profiles())}")
    try:
        values = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as e:  # one line naming the file and place, not a parser traceback
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ValueError(f"profile {name}: profiles/{name}.yaml is not valid YAML at{where or ' an unknown place'}: "
                         f"{getattr(e, 'problem', None) or e}") from None
    if not isinstance(values, dict):
        raise ValueError(f"profile {name}: profiles/{name}.yaml must map names to values, got {type(values).__name__}")
    for key, value in values.items():
        flat = isinstance(value, SCALARS) or (isinstance(value, list) and all(isinstance(v, SCALARS) for v in value))
        if not flat:
            raise ValueError(f"profile {name}: {key} must be a flat value (scalar or list of scalars), got {value!r}")
    return values


def load_profile(name):
    values = _read(name)
    if os.environ.get(DRY_RUN_ENV) == "1" and name != "smoke":
        values = dry_run_values(values, _read("smoke"))
    return check_profile(dict(values, profile=name))


def dry_run_values(values, smoke):
    """A profile's code path at the smoke profile's sizes: its choices (datasets, panels, criteria, variants,
    rows) and switches (precision, memory format) stay, every number, list of widths and path comes from
    ``smoke`` (fixtures, one epoch, tiny networks). ``NEUMETA_DRY_RUN=1`` applies it to every profile but smoke,
    so the paper profile's notebooks run end to end on a CPU in minutes (``make dry-run``)."""
    from neumeta.config.schema import SCHEMA
    return {k: v if SCHEMA[k].kind in ("choice", "bool") else smoke[k] for k, v in values.items()}


def injected_names(namespace):
    """Names papermill injected into this kernel: the assignments of its "# Parameters" cell, read back from
    IPython's input history (``In``). Outside a papermill-run kernel: none."""
    import ast
    names = set()
    for source in namespace.get("In", []) or []:
        if isinstance(source, str) and source.lstrip().startswith("# Parameters"):
            try:
                tree = ast.parse(source)
            except SyntaxError:
                continue
            names |= {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
                      if isinstance(t, ast.Name)}
    return names


def resolve_profile(name=None, namespace=None, strict=None):
    """Profile ``name`` with every non-``None`` value of the same key in ``namespace`` overriding it.

    The result is checked against the schema (one error naming every bad value). ``strict`` (default:
    when ``namespace`` is given) also refuses injected parameters that no profile knows: a
    notebook parameter misspelt on the papermill command line stops the run instead of being ignored.
    Only what papermill injected counts (``injected_names``), so re-running a cell interactively is fine."""
    values = load_profile(name or default_profile())
    namespace = namespace or {}
    if strict if strict is not None else bool(namespace):
        check_unknown(injected_names(namespace), values)
    overridden = {key for key in values if key != "profile" and namespace.get(key) is not None}
    for key in overridden:
        values[key] = namespace[key]
    P = Profile(check_profile(values))
    P.overridden = overridden
    return P


def profile_values(P, keys=None):
    """A table of the values a notebook runs with: each of ``keys`` (default: every value), its value and where it
    came from (the profile's file, or an override papermill injected). Building it does not count as reading."""
    import pandas as pd
    keys = sorted(dict.keys(P)) if not keys else [k for k in sorted(keys) if dict.__contains__(P, k)]
    overridden = getattr(P, "overridden", set())
    rows = [{"value": repr(dict.__getitem__(P, k)) if isinstance(dict.__getitem__(P, k), str)
             else str(dict.__getitem__(P, k)),
             "from": "override" if k in overridden else f"profiles/{dict.__getitem__(P, 'profile')}.yaml"}
            for k in keys]
    return pd.DataFrame(rows, index=pd.Index(keys, name="profile value"))


def with_values(P, **values):
    """A copy of the profile ``P`` with ``values`` replaced, checked against the schema (an ablation's or a
    sweep point's settings). Only the replaced values count as read; the copy records its own reads."""
    unknown = sorted(set(values) - set(dict.keys(P)))
    if unknown:
        raise ValueError(f"with_values: {unknown} are not profile values")
    return Profile(check_profile({**{k: dict.__getitem__(P, k) for k in dict.keys(P)}, **values}))
