"""Checkpoint store: state dicts with metadata, keyed by a hash of the config that made them.

Everything is loaded with ``torch.load(..., weights_only=True)``: a checkpoint can hold
tensors, numbers, strings, lists and dicts, never pickled code.
"""
import contextlib
import fcntl
import hashlib
import json
import os
from pathlib import Path

import torch

from neumeta.store.atomic import atomic_write

REPO_ROOT = Path(__file__).resolve().parents[2]


class CorruptCheckpointError(RuntimeError):
    def __init__(self, path, reason):
        super().__init__(f"checkpoint {path} cannot be read ({reason}); delete it or rerun with FORCE=1 to retrain")
        self.path = path


def config_hash(config):
    """Short stable hash of a JSON-able config: same config, same checkpoint."""
    blob = json.dumps(config, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def checkpoint_dir(profile):
    return REPO_ROOT / os.environ.get("NEUMETA_CHECKPOINTS", "checkpoints") / profile  # relative: to the repository


def checkpoint_path(profile, name, config):
    """``checkpoints/<profile>/<name>-<hash>.pt``; the partial (resumable) file sits beside it."""
    return checkpoint_dir(profile) / f"{name}-{config_hash(config)}.pt"


def partial_path(final_path):
    final_path = Path(final_path)
    return final_path.with_name(final_path.stem + ".partial.pt")


def force_retrain():
    return os.environ.get("NEUMETA_FORCE", "0") == "1"


def force_run_id():
    """The forced run this process belongs to, or None when nothing is forced.

    ``FORCE=1`` means "rebuild every artifact this run needs, once each": a final checkpoint
    counts as built only if this forced run wrote it. The pipeline names the run
    (``NEUMETA_FORCE_RUN``) for all the notebooks it executes; a lone process under
    ``NEUMETA_FORCE=1`` is a run of its own."""
    if not force_retrain():
        return None
    if not os.environ.get("NEUMETA_FORCE_RUN"):
        os.environ["NEUMETA_FORCE_RUN"] = f"pid{os.getpid()}-{os.urandom(4).hex()}"
    return os.environ["NEUMETA_FORCE_RUN"]


def is_built(path):
    """Whether the artifact at ``path`` can be reused: it exists and, in a forced run, was
    (re)built by this run. Partial checkpoints are always resumed, forced or not: an
    artifact's content depends only on its config, inputs and seed."""
    path = Path(path)
    if not path.exists():
        return False
    run = force_run_id()
    return run is None or load_checkpoint(path)["meta"].get("force_run") == run


def save_checkpoint(path, payload):
    """Atomically write ``payload`` (a dict of tensors / state dicts / plain metadata). A final
    checkpoint (not ``*.partial.pt``) written in a forced run records that run."""
    run = force_run_id()
    if run is not None and not str(path).endswith(".partial.pt") and isinstance(payload.get("meta"), dict):
        payload = dict(payload, meta=dict(payload["meta"], force_run=run))
    with atomic_write(path, "wb") as f:
        torch.save(payload, f)
    if not str(path).endswith(".partial.pt"):
        _log_build(Path(path), payload.get("meta"))
    _stop_if_asked(Path(path), payload.get("meta"))


def _stop_if_asked(path, meta):
    """``NEUMETA_STOP_AFTER=<name prefix>[:<epoch>]`` ends the process the moment that checkpoint (or that
    epoch's partial checkpoint) is on disk, as a kill would (no cleanup): to carry an unfinished stage to
    another machine at an epoch boundary, and to test that a killed run resumes."""
    wanted = os.environ.get("NEUMETA_STOP_AFTER")
    if not wanted:
        return
    prefix, _, epoch = wanted.partition(":")
    partial = path.name.endswith(".partial.pt")
    if not path.name.startswith(prefix) or partial != bool(epoch):
        return
    if partial and str((meta or {}).get("epoch")) != epoch:
        return
    print(f"[neumeta] stopping after {path.name} as NEUMETA_STOP_AFTER={wanted} asks", flush=True)
    os._exit(75)


def _log_build(path, meta):
    """One line per finished artifact in ``<store>/build-log.jsonl``: what was built, when, in
    which forced run (the evidence that a forced run builds each artifact once)."""
    import datetime as dt
    line = {"artifact": path.name, "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "force_run": (meta or {}).get("force_run"), "pid": os.getpid()}
    with open(path.parent / "build-log.jsonl", "a") as f:
        f.write(json.dumps(line) + "\n")


def load_checkpoint(path):
    """Load a checkpoint safely; one clear error if it is missing, truncated or not ours."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # truncated zip, random bytes, disallowed pickle globals
        first_line = (str(e).splitlines() or [""])[0][:200]
        raise CorruptCheckpointError(path, f"{type(e).__name__}: {first_line}") from None
    if not isinstance(payload, dict) or "state_dict" not in payload:
        raise CorruptCheckpointError(path, "no 'state_dict' entry")
    return payload


def load_state_dict_file(path):
    """State dict from one of our checkpoints or a bare/`state_dict`-wrapped one (e.g. chenyaofo's)."""
    payload = torch.load(path, map_location="cpu", weights_only=True)
    state = payload.get("state_dict", payload) if isinstance(payload, dict) else payload
    return {k.removeprefix("module."): v for k, v in state.items()}


class CheckpointBusyError(RuntimeError):
    pass


def _lock_path(final_path):
    return Path(final_path).with_suffix(".lock")


def is_being_trained(final_path):
    """Whether another process holds ``final_path``'s training lock right now (a leftover ``.lock``
    file whose process died holds nothing)."""
    lock = _lock_path(final_path)
    if not lock.exists():
        return False
    with open(lock) as f:
        try:
            fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
    return False


@contextlib.contextmanager
def training_lock(final_path):
    """Hold ``<checkpoint>.lock`` while training, so two runs never write one checkpoint."""
    lock = _lock_path(final_path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            raise CheckpointBusyError(f"{final_path} is being trained by another process "
                                      f"(pid {f.read().strip() or '?'}); wait for it or stop it") from None
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()
