"""What several notebooks of one pipeline run compute alike, computed once: a folder of tensors the pipeline makes
at the start of a run (``$NEUMETA_RUN_CACHE``) and deletes at its end, so nothing outlives the run that made it.

Each entry is keyed by everything its value depends on (the weights of the model that made it, the data, the
width, the merge rule, the random generator's state), so a hit returns what the computation would have returned,
bit for bit; without the variable (a notebook opened by hand, a test) every call computes. Entries are tensors
saved with ``torch.save`` and read with ``weights_only=True``, written atomically: two notebooks running side by
side may both compute an entry; the second rename wins with the same bytes.
"""
import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import torch

from neumeta.store.atomic import atomic_write

RUN_CACHE_ENV = "NEUMETA_RUN_CACHE"


def run_cache_dir():
    """The run's cache folder, or None outside a pipeline run (or when it was removed)."""
    path = os.environ.get(RUN_CACHE_ENV)
    return Path(path) if path and Path(path).is_dir() else None


def fingerprint(value):
    """A sha256 of ``value``: tensors by dtype, shape and bytes, modules by their state, containers by content."""
    h = hashlib.sha256()
    _feed(h, value)
    return h.hexdigest()


def _feed(h, value):
    if isinstance(value, torch.nn.Module):
        value = value.state_dict()
    if isinstance(value, torch.Tensor):
        t = value.detach().cpu().contiguous()
        h.update(f"tensor {t.dtype} {tuple(t.shape)};".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    elif isinstance(value, dict):
        h.update(f"dict {len(value)};".encode())
        for k in sorted(value, key=str):
            _feed(h, str(k))
            _feed(h, value[k])
    elif isinstance(value, (list, tuple)):
        h.update(f"{type(value).__name__} {len(value)};".encode())
        for v in value:
            _feed(h, v)
    else:
        h.update(json.dumps(value, sort_keys=True, default=repr).encode() + b";")


def cached(kind, key, compute):
    """``compute()``, or the value stored under (``kind``, ``key``) by an earlier call of this run. ``key``: anything
    ``fingerprint`` reads; ``compute`` returns a tensor or a dict / list of tensors."""
    folder = run_cache_dir()
    if folder is None:
        return compute()
    path = folder / f"{kind}-{fingerprint([kind, key])[:32]}.pt"
    if path.exists():
        try:
            return torch.load(path, map_location="cpu", weights_only=True)
        except Exception:  # a half-removed folder at the end of a run: compute, as without a cache
            return compute()
    value = compute()
    try:
        with atomic_write(path, "wb") as f:
            torch.save(value, f)
    except OSError:  # the folder went away (the run ended) or the disk is full: the value is still right
        pass
    return value


@contextlib.contextmanager
def run_cache_folder():
    """The pipeline's run: a fresh cache folder in ``$NEUMETA_RUN_CACHE`` for its notebooks (lanes inherit it),
    removed at the end, however the run ends. Inside a run that already has one (a lane), that one is kept."""
    if os.environ.get(RUN_CACHE_ENV):
        yield Path(os.environ[RUN_CACHE_ENV])
        return
    folder = Path(tempfile.mkdtemp(prefix="neumeta-run-cache-"))
    os.environ[RUN_CACHE_ENV] = str(folder)
    try:
        yield folder
    finally:
        os.environ.pop(RUN_CACHE_ENV, None)
        shutil.rmtree(folder, ignore_errors=True)
