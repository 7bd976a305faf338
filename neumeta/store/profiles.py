"""Profiles: small YAML files of flat values (smoke / cpu / paper).

A notebook's parameters cell names the profile (default ``$NEUMETA_PROFILE`` or
``cpu``) and sets every other value to ``None``; papermill may inject any single
value, and ``resolve_profile`` lets the injected (non-``None``) values win.
"""
import os
from pathlib import Path

import yaml

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
    return dict(values, profile=name)


def resolve_profile(name=None, namespace=None):
    """Profile ``name`` with every non-``None`` value of the same key in ``namespace`` overriding it."""
    values = load_profile(name or default_profile())
    namespace = namespace or {}
    for key in values:
        if key != "profile" and namespace.get(key) is not None:
            values[key] = namespace[key]
    return values
