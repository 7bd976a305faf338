"""The one resumable trainer: every model here (classifiers, the INR, the VAEs) trains through ``train_resumable``.

What it guarantees, whatever is trained:
- a finished checkpoint is reused, never retrained (``NEUMETA_FORCE=1`` rebuilds it once per forced run);
- one process trains a checkpoint at a time (a lock file), and under torchrun only rank 0 writes;
- after every epoch a ``.partial.pt`` holds everything the next epoch needs; a killed run resumes from it and ends
  with the same weights as an uninterrupted one, since each epoch's randomness is seeded by (seed, epoch);
- a non-finite loss stops training before the update (``check_finite``), so nothing of that epoch is saved.

What is trained is a ``Trainee``: its hooks say how to restore, run one epoch, and what is saved.
"""
import time

import torch

from neumeta.hardware import world
from neumeta.store.checkpoints import is_built, load_checkpoint, partial_path, save_checkpoint, training_lock


class NonFiniteLossError(FloatingPointError):
    def __init__(self, epoch, step, value):
        super().__init__(f"training loss is {value} at epoch {epoch}, step {step}: stopped before the update; "
                         "nothing of this epoch was saved (lower the learning rate or check the data)")
        self.epoch, self.step = epoch, step


def check_finite(loss, epoch, step):
    if not torch.isfinite(loss.detach()).all():
        raise NonFiniteLossError(epoch, step, float(loss.detach()))


def limit_dataset(dataset, limit, seed):
    """The first ``limit`` images of a seeded shuffle (0 = all): folder-ordered datasets would
    otherwise give one class only."""
    if limit and limit < len(dataset):
        keep = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(seed))[:limit]
        return torch.utils.data.Subset(dataset, keep.tolist())
    return dataset


def cpu_state(state):
    """A state dict's tensors on the CPU, contiguous (what checkpoints hold, whatever trained them)."""
    return {k: v.detach().cpu().contiguous() if torch.is_tensor(v) else v for k, v in state.items()}


class Trainee:
    """The hooks ``train_resumable`` calls. ``epochs``: how many epochs in all."""
    epochs = 1

    def reuse(self, payload):
        """Load a finished checkpoint's payload; return the result (as ``finish`` does, with ``reused=True``)."""
        raise NotImplementedError

    def prepare(self):
        """Set up (devices, optimizers) before the first epoch or the resume."""

    def restore(self, partial):
        """Load the state saved by ``state`` from a partial checkpoint."""
        raise NotImplementedError

    def begin(self):
        """Work before the first epoch of a fresh run (not on resume); returns its seconds of training."""
        return 0.0

    def train_epoch(self, epoch):
        """Train epoch ``epoch`` (0-based); return its history entries (losses, accuracies)."""
        raise NotImplementedError

    def after_epoch(self, epoch):
        """Entries measured after the epoch, outside its training time (a test accuracy); default none."""
        return {}

    def state(self):
        """What a partial checkpoint holds besides ``meta`` (weights, optimizer and scheduler states)."""
        raise NotImplementedError

    def partial_meta(self):
        """Extra ``meta`` of a partial checkpoint (restored through ``restore``)."""
        return {}

    def finish(self, history, train_seconds):
        """``(payload of the final checkpoint, result to return)`` once every epoch has run."""
        raise NotImplementedError


def train_resumable(path, trainee, on_epoch_end=None):
    """Train ``trainee`` into the checkpoint ``path`` (reusing it when built) and return ``trainee``'s result.
    ``on_epoch_end(epoch)`` is called after each epoch's partial checkpoint is written (tests stop runs there)."""
    if is_built(path):
        return trainee.reuse(load_checkpoint(path))
    if not world.is_main():  # under torchrun rank 0 holds the lock and writes; the others train beside it
        return _train(path, trainee, on_epoch_end)
    with training_lock(path):
        return _train(path, trainee, on_epoch_end)


def _train(path, trainee, on_epoch_end):
    part, main = partial_path(path), world.is_main()
    trainee.prepare()
    history, start_epoch, train_seconds = [], 0, 0.0
    if part.exists():
        partial = load_checkpoint(part)
        trainee.restore(partial)
        meta = partial["meta"]
        history, start_epoch, train_seconds = meta["history"], meta["epoch"], meta["train_seconds"]
    else:
        train_seconds += trainee.begin()
    for epoch in range(start_epoch, trainee.epochs):
        t0 = time.perf_counter()
        entries = trainee.train_epoch(epoch)
        train_seconds += time.perf_counter() - t0
        history.append({"epoch": epoch + 1, **entries, "train_seconds": train_seconds, **trainee.after_epoch(epoch)})
        if main:
            meta = {"epoch": epoch + 1, "history": history, "train_seconds": train_seconds, **trainee.partial_meta()}
            save_checkpoint(part, {**trainee.state(), "meta": meta})
        if on_epoch_end:
            on_epoch_end(epoch + 1)
    payload, result = trainee.finish(history, train_seconds)
    if main:
        save_checkpoint(path, payload)
        part.unlink(missing_ok=True)
    world.barrier()  # no process returns before the checkpoint is on disk
    return result
