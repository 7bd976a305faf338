"""Profiles: small YAML files of flat values (smoke / cpu / paper).

A notebook's parameters cell names the profile (default ``$NEUMETA_PROFILE`` or
``cpu``) and sets every other value to ``None``; papermill may inject any single
value, and ``resolve_profile`` lets the injected (non-``None``) values win.
"""
import os
from pathlib import Path

import yaml

from neumeta.store.schema import check_profile, check_unknown

PROFILE_DIR = Path(__file__).resolve().parents[2] / "profiles"
SCALARS = (bool, int, float, str, type(None))


class UnknownProfileError(ValueError):
    pass


def available_profiles():
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def default_profile():
    return os.environ.get("NEUMETA_PROFILE", "cpu")


def load_profile(name):
    path = PROFILE_DIR / f"{name}.yaml"
    if not isinstance(name, str) or not path.exists():
        raise UnknownProfileError(f"unknown profile {name!r}; available: {', '.join(available_profiles())}")
    values = yaml.safe_load(path.read_text()) or {}
    for key, value in values.items():
        flat = isinstance(value, SCALARS) or (isinstance(value, list) and all(isinstance(v, SCALARS) for v in value))
        if not flat:
            raise ValueError(f"profile {name}: {key} must be a flat value (scalar or list of scalars), got {value!r}")
    return check_profile(dict(values, profile=name))


IPYTHON_NAMES = {"In", "Out", "exit", "quit", "get_ipython"}


def _plain_names(namespace):
    """Names in a notebook's namespace that hold plain data (what papermill injects), not modules,
    functions, imported UPPER_CASE constants or IPython's own variables."""
    plain = (bool, int, float, str, list, tuple, dict, type(None))
    return {k for k, v in namespace.items() if not k.startswith("_") and k not in IPYTHON_NAMES and not k.isupper()
            and isinstance(v, plain)}


def resolve_profile(name=None, namespace=None, strict=None):
    """Profile ``name`` with every non-``None`` value of the same key in ``namespace`` overriding it.

    The result is checked against the schema (one error naming every bad value). ``strict`` (default:
    when ``namespace`` is given) also refuses plain values in ``namespace`` that no profile knows: a
    notebook parameter misspelt on the papermill command line stops the run instead of being ignored."""
    values = load_profile(name or default_profile())
    namespace = namespace or {}
    if strict if strict is not None else bool(namespace):
        check_unknown(_plain_names(namespace), values)
    for key in values:
        if key != "profile" and namespace.get(key) is not None:
            values[key] = namespace[key]
    return check_profile(values)
