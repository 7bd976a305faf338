"""The results store: tidy CSV tables that only the pipeline writes.

The pipeline (``neumeta.tooling.pipeline``) runs each notebook with ``NEUMETA_RESULTS_DIR``
and ``NEUMETA_FIGURES_DIR`` pointing at staging folders and moves them into
``results/<profile>/<notebook>/`` and ``figures/<profile>/<notebook>/`` only when the
notebook succeeded. A notebook opened interactively writes to ``results/scratch/``
instead, so the committed store is never touched by hand; such a run reads another notebook's
scratch copy when the store has none of its files, so notebooks opened in order work before any pipeline run.
"""
import os
from pathlib import Path

import pandas as pd

from neumeta.store.atomic import atomic_write

REPO_ROOT = Path(__file__).resolve().parents[2]
# another results store (a test's fresh one, say) via $NEUMETA_RESULTS_ROOT / $NEUMETA_FIGURES_ROOT
# relative settings are relative to the repository, whatever the working directory (notebooks run in notebooks/)
RESULTS_ROOT = REPO_ROOT / os.environ.get("NEUMETA_RESULTS_ROOT", "results")
FIGURES_ROOT = REPO_ROOT / os.environ.get("NEUMETA_FIGURES_ROOT", "figures")


def in_pipeline():
    return "NEUMETA_RESULTS_DIR" in os.environ


def notebook_name():
    return os.environ.get("NEUMETA_NOTEBOOK", "interactive")


def results_dir(profile):
    if in_pipeline():
        return Path(os.environ["NEUMETA_RESULTS_DIR"])
    return RESULTS_ROOT / "scratch" / profile / notebook_name()


def figures_dir(profile):
    if in_pipeline():
        return Path(os.environ["NEUMETA_FIGURES_DIR"])
    return FIGURES_ROOT / "scratch" / profile / notebook_name()


def write_table(df, name, profile):
    """Write ``df`` as ``<name>.csv`` into this run's results folder, atomically."""
    path = results_dir(profile) / f"{name}.csv"
    with atomic_write(path, "w", newline="") as f:
        df.to_csv(f, index=False, float_format="%.6g", lineterminator="\n")
    return path


def write_text(text, name, profile):
    """Write a rendered table (markdown, LaTeX) as ``name`` into this run's results folder, atomically."""
    path = results_dir(profile) / name
    with atomic_write(path, "w") as f:
        f.write(text.rstrip("\n") + "\n")
    return path


def write_predictions(predictions, name, profile):
    """Per-image predicted classes, ``{label: int array over the test set}``, as ``<name>.npz`` (compressed
    integer arrays; read back without pickle), beside the tables: every paired comparison is made from them."""
    import numpy as np
    path = results_dir(profile) / f"{name}.npz"
    arrays = {label: np.asarray(pred, dtype=np.int16) for label, pred in predictions.items()}
    with atomic_write(path, "wb") as f:
        np.savez_compressed(f, **arrays)
    return path


def write_arrays(arrays, name, profile):
    """Named numeric arrays (per-image metrics, generated images) as ``<name>.npz``, compressed, dtypes kept;
    read back with ``read_arrays`` (no pickle)."""
    import numpy as np
    path = results_dir(profile) / f"{name}.npz"
    with atomic_write(path, "wb") as f:
        np.savez_compressed(f, **{label: np.asarray(a) for label, a in arrays.items()})
    return path


def read_arrays(name, profile, notebook=None):
    """``{label: array}`` written by ``write_arrays`` (this run's, or a stored notebook's)."""
    import numpy as np
    path = _stored_file(f"{name}.npz", profile, notebook, "arrays")
    with np.load(path, allow_pickle=False) as data:
        return {label: data[label] for label in data.files}


def _record_upstream(path, profile):
    """A table read from another notebook is an input of this one: its sha256 goes into this run's
    ``upstream.json`` (then ``meta.json``), so the result turns stale when that table changes."""
    import hashlib
    import json
    record = results_dir(profile) / "upstream.json"
    seen = json.loads(record.read_text()) if record.exists() else {}
    seen[path.resolve().relative_to(RESULTS_ROOT.resolve()).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    with atomic_write(record, "w") as f:
        json.dump(seen, f, indent=1, sort_keys=True)


def _scratch_copy(name, profile, notebook):
    """Outside the pipeline, another notebook's file from its own run by hand (or under nbval) when the store has
    none: such runs write to the scratch folder, so notebooks opened in order work before any pipeline run."""
    if in_pipeline():  # a pipeline run reads only the store, never a hand run's leftovers
        return None
    scratch = RESULTS_ROOT / "scratch" / profile
    for folder in (scratch / notebook, scratch / notebook_name()):
        if (folder / name).exists():
            print(f"{notebook} has no stored {name} in the {profile} profile: reading the scratch copy "
                  f"{(folder / name).relative_to(RESULTS_ROOT).as_posix()} of a run by hand")
            return folder / name
    return None


def _stored_file(name, profile, notebook, what):
    """``<name>`` of this run (``notebook=None``) or of another notebook's stored results, which then counts
    as an input of this run (``_record_upstream``); one clear error if it is not there."""
    folder = results_dir(profile) if notebook is None else RESULTS_ROOT / profile / notebook
    path = folder / name
    if not path.exists() and notebook is not None:
        path = _scratch_copy(name, profile, notebook) or path
    if not path.exists():
        hint = "" if notebook is None else f"; run `make reproduce PROFILE={profile} ONLY={notebook[:2]}` first"
        raise FileNotFoundError(f"{what} {path} does not exist{hint}")
    if notebook is not None:
        _record_upstream(path, profile)
    return path


def read_predictions(name, profile, notebook=None):
    """``{label: int array}`` written by ``write_predictions`` (this run's, or a stored notebook's)."""
    import numpy as np
    path = _stored_file(f"{name}.npz", profile, notebook, "predictions")
    with np.load(path, allow_pickle=False) as data:  # no file the project reads may run code
        return {label: data[label] for label in data.files}


def read_table(name, profile, notebook=None):
    """A table of this run (``notebook=None``) or the stored table of another notebook."""
    return pd.read_csv(_stored_file(f"{name}.csv", profile, notebook, "results table"))


def keys_read_by(notebook):
    """The profile values ``notebook`` read in its last pipeline runs (every profile with results), recorded in each
    run's ``meta.json``; empty when it has never run through the pipeline."""
    import json
    keys = set()
    for meta in RESULTS_ROOT.glob(f"*/{notebook}/meta.json"):
        keys |= set(json.loads(meta.read_text()).get("code", {}).get("profile_keys_read") or [])
    return sorted(keys)
