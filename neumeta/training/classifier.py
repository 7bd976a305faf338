"""Supervised training of a classifier, resumable from every epoch.

A finished model is stored under a hash of its config and reused on the next call
(``NEUMETA_FORCE=1`` retrains it once per forced run). While training, a ``.partial.pt`` checkpoint is
written atomically after every epoch; a killed run resumes from it and ends with
the same weights as an uninterrupted one (the data order and augmentation of each
epoch are seeded by (seed, epoch)).
"""
import dataclasses
import math
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from neumeta.store.checkpoints import is_built, load_checkpoint, partial_path, save_checkpoint, training_lock
from neumeta.metrics import evaluate_accuracy
from neumeta.hardware import world
from neumeta.hardware.machine import bf16_in_hardware, default_device  # noqa: F401 (re-exported for the trainers)
from neumeta.parallel import data_parallel
from neumeta.parallel.batches import global_batches, loss_scale, rank_part
from neumeta.progress import progress


@dataclass(frozen=True)
class TrainConfig:
    epochs: int
    batch_size: int = 128
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 5e-4
    warmup_epochs: float = 1.0
    label_smoothing: float = 0.0
    bf16: bool = False  # bfloat16 autocast (only where the hardware has it, see bf16_in_hardware); weights stay float32
    channels_last: bool = False
    seed: int = 0
    limit_train: int = 0  # use only the first N training images (0 = all); smoke runs
    num_workers: int = 0
    eval_every: int = 0  # test accuracy every N epochs for the history (0 = only at the end)

    def __post_init__(self):
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError(f"epochs and batch_size must be >= 1, got {self.epochs}, {self.batch_size}")


def _lr_lambda(cfg, steps_per_epoch):
    warmup = max(1, int(cfg.warmup_epochs * steps_per_epoch))
    total = cfg.epochs * steps_per_epoch

    def f(step):  # linear warm-up, then cosine to zero
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))
    return f


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


def cross_entropy_objective(model, x, y, label_smoothing=0.0):
    """The plain objective: ``(loss, logits)`` of one forward pass."""
    logits = model(x)
    return F.cross_entropy(logits.float(), y, label_smoothing=label_smoothing), logits


def train_classifier(model, train_set, test_set, cfg, path, meta=None, desc="train", on_epoch_end=None,
                     device=None, objective=None):
    """Train ``model`` (in place) and return ``(model, info)``; ``info`` holds the history and times.

    ``path`` is the final checkpoint; if it exists (and FORCE is off) nothing is trained.
    ``on_epoch_end(epoch)`` is a test hook called after each epoch's checkpoint is saved.
    ``objective(model, x, y) -> (loss, logits)`` replaces the plain cross-entropy, for models
    trained at several widths per batch (the Slimmable and INN baselines).
    """
    if is_built(path):
        payload = load_checkpoint(path)
        model.load_state_dict(payload["state_dict"])
        return model, dict(payload["meta"], reused=True)
    if not world.is_main():  # under torchrun rank 0 holds the lock and writes; the others train beside it
        return _train(model, train_set, test_set, cfg, path, meta, desc, on_epoch_end, device, objective)
    with training_lock(path):
        return _train(model, train_set, test_set, cfg, path, meta, desc, on_epoch_end, device, objective)


def _train(model, train_set, test_set, cfg, path, meta, desc, on_epoch_end, device, objective):
    part = partial_path(path)
    if objective is None:
        def objective(model, x, y):
            return cross_entropy_objective(model, x, y, cfg.label_smoothing)

    device = torch.device(device) if device is not None else world.device() if world.active() else default_device()
    model.to(device)
    # under torchrun: BatchNorm over the global batch, gradients averaged by DDP (before the optimizer sees the
    # parameters: synchronised BatchNorm layers are new modules)
    step_objective, model = data_parallel.wrap(model, objective, device)
    ranks, rank, main = world.world_size(), world.rank(), world.is_main()
    train_set = limit_dataset(train_set, cfg.limit_train, cfg.seed)
    steps_per_epoch = math.ceil(len(train_set) / cfg.batch_size)
    # Weight decay only on conv/linear weights, not on BN parameters and biases.
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": cfg.weight_decay},
                           {"params": no_decay, "weight_decay": 0.0}],
                          lr=cfg.lr, momentum=cfg.momentum, nesterov=True)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, _lr_lambda(cfg, steps_per_epoch))
    history, start_epoch, train_seconds = [], 0, 0.0
    if part.exists():
        state = load_checkpoint(part)  # optimizer tensors load onto the model's device below
        model.load_state_dict(state["state_dict"])
        opt.load_state_dict(state["optimizer"])  # moved to the parameters' device by torch
        sched.load_state_dict(state["scheduler"])
        history, start_epoch = state["meta"]["history"], state["meta"]["epoch"]
        train_seconds = state["meta"]["train_seconds"]

    memory_format = torch.channels_last if cfg.channels_last else torch.contiguous_format
    model.to(memory_format=memory_format)
    for epoch in range(start_epoch, cfg.epochs):
        torch.manual_seed(cfg.seed * 100_003 + epoch + 7919 * rank)  # augmentation RNG, reproducible per epoch
        order = torch.Generator().manual_seed(cfg.seed * 100_003 + epoch)
        if ranks == 1:
            loader = DataLoader(train_set, batch_size=cfg.batch_size, shuffle=True, drop_last=False,
                                num_workers=cfg.num_workers, generator=order)
            scales = None
        else:  # this process's part of each global batch the one-process run would see
            batches = list(global_batches(len(train_set), cfg.batch_size, order))
            parts = [rank_part(b, rank, ranks) for b in batches]
            loader = DataLoader(train_set, batch_sampler=parts, num_workers=cfg.num_workers)
            scales = [loss_scale(len(p), len(b), ranks) for p, b in zip(parts, batches)]
        model.train()
        t0 = time.perf_counter()
        loss_sum = correct = seen = 0
        bar = progress(loader, desc=f"{desc} epoch {epoch + 1}/{cfg.epochs}", leave=False)
        for step, (x, y) in enumerate(bar, start=1):
            x, y = x.to(device, memory_format=memory_format, non_blocking=True), y.to(device, non_blocking=True)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.bf16):
                loss, logits = step_objective(model, x, y)
            check_finite(loss, epoch + 1, step)
            opt.zero_grad(set_to_none=True)
            (loss if scales is None else loss * scales[step - 1]).backward()
            opt.step()
            sched.step()
            loss_sum += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
            seen += len(y)
            bar.set_postfix(loss=f"{loss_sum / seen:.3f}", acc=f"{100 * correct / seen:.1f}", refresh=False)
        loss_sum, correct, seen = world.all_sum([loss_sum, correct, seen])
        train_seconds += time.perf_counter() - t0
        row = {"epoch": epoch + 1, "train_loss": loss_sum / seen, "train_acc": 100.0 * correct / seen,
               "lr": opt.param_groups[0]["lr"], "train_seconds": train_seconds}
        if main and cfg.eval_every and (epoch + 1) % cfg.eval_every == 0 and epoch + 1 < cfg.epochs:
            model.to(memory_format=torch.contiguous_format)
            row["test_acc"] = evaluate_accuracy(model, test_set, desc="test", device=device)
            model.to(memory_format=memory_format)
        history.append(row)
        if main:
            save_checkpoint(part, {
                "state_dict": _contiguous_state(model), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                "meta": {"epoch": epoch + 1, "history": history, "train_seconds": train_seconds}})
        if on_epoch_end:
            on_epoch_end(epoch + 1)

    model = data_parallel.unwrap(model).to("cpu", memory_format=torch.contiguous_format)
    info = dict(meta or {}, config=dataclasses.asdict(cfg), history=history, train_seconds=train_seconds,
                epochs=cfg.epochs, test_acc=evaluate_accuracy(model, test_set, desc="test"))
    if ranks > 1:
        info["processes"] = ranks
    if main:
        save_checkpoint(path, {"state_dict": _contiguous_state(model), "meta": info})
        part.unlink(missing_ok=True)
    world.barrier()  # no process returns before the checkpoint is on disk
    return model, dict(info, reused=False)


def _contiguous_state(model):
    return {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
