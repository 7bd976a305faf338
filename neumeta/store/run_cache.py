"""What several notebooks of one pipeline run compute alike, computed once: a folder the pipeline makes at the
start of a run (``results/scratch/run-cache/neumeta-run-cache-<pid>-*``, named in ``$NEUMETA_RUN_CACHE``) and
deletes at its end, so nothing outlives the run that made it; a folder whose run was killed is removed by the next.

Each entry is keyed by everything its value depends on (the weights of the model that made it, the data, the
width, the merge rule, the random generator's state, the code), so a hit returns what the computation would have
returned, bit for bit; without a live run (a notebook opened by hand, a test) every call computes. Entries are
tensors saved with ``torch.save`` and read with ``weights_only=True``, written atomically: two notebooks running
side by side may both compute an entry; the second rename wins with the same bytes.
"""
import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import torch

from neumeta.store.atomic import _alive
from neumeta.store.results import RESULTS_ROOT

RUN_CACHE_ENV = "NEUMETA_RUN_CACHE"
OWNER_ENV = "NEUMETA_RUN_CACHE_OWNER"  # the pid of the run that made the folder
PREFIX = "neumeta-run-cache-"


def run_cache_dir():
    """The run's cache folder, or None outside a live pipeline run (or when it was removed)."""
    path, owner = os.environ.get(RUN_CACHE_ENV), os.environ.get(OWNER_ENV, "")
    if not path or not owner.isdigit() or not _alive(int(owner)):
        return None
    return Path(path) if Path(path).is_dir() else None


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
    if folder.is_dir():  # never recreate a folder its run has removed
        _write(path, value)
    return value


def _write(path, value):
    fd, tmp = tempfile.mkstemp(prefix=f".{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(value, f)
        os.replace(tmp, path)
    except OSError:  # the folder went away (the run ended) or the disk is full: the value is still right
        with contextlib.suppress(OSError):
            os.unlink(tmp)


@contextlib.contextmanager
def run_cache_folder(parent=None):
    """A pipeline run's cache: a fresh folder under ``parent`` (default ``results/scratch/run-cache``) named in
    ``$NEUMETA_RUN_CACHE`` for its notebooks, removed at the end however the run ends. A lane of a live run (the
    owner's pid alive) keeps its run's folder; any other process starts its own, so no run reads another's."""
    live = run_cache_dir()  # read once: the owner could end between two reads
    if live is not None:
        yield live
        return
    parent = Path(parent or RESULTS_ROOT / "scratch" / "run-cache")
    parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned(parent)
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=parent))
    saved = {k: os.environ.get(k) for k in (RUN_CACHE_ENV, OWNER_ENV)}
    os.environ.update({RUN_CACHE_ENV: str(folder), OWNER_ENV: str(os.getpid())})
    try:
        yield folder
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(folder, ignore_errors=True)


def remove_abandoned(parent):
    """Remove the cache folders under ``parent`` whose run is gone (killed before it could clean up)."""
    for entry in Path(parent).glob(f"{PREFIX}*"):
        m = re.match(rf"{PREFIX}(\d+)-", entry.name)
        if m and not _alive(int(m.group(1))):
            shutil.rmtree(entry, ignore_errors=True)
