"""Supervised training of a classifier: SGD with Nesterov momentum, linear warm-up then cosine, weight decay on
conv/linear weights only, optional bfloat16 autocast and channels-last. It runs through the one resumable
trainer (``neumeta.training.loop``): reused when built, resumed bitwise from every epoch, rank 0 writes.
"""
import dataclasses
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from neumeta.hardware import world
from neumeta.hardware.machine import default_device
from neumeta.metrics import evaluate_accuracy
from neumeta.parallel import data_parallel
from neumeta.parallel.batches import global_batches, loss_scale, rank_part
from neumeta.progress import progress
from neumeta.training.loop import Trainee, check_finite, cpu_state, limit_dataset, train_resumable  # noqa: F401


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
    trainee = ClassifierTrainee(model, train_set, test_set, cfg, meta, desc, device, objective)
    return train_resumable(path, trainee, on_epoch_end)


class ClassifierTrainee(Trainee):
    def __init__(self, model, train_set, test_set, cfg, meta, desc, device, objective):
        self.model, self.test_set, self.cfg, self.meta, self.desc = model, test_set, cfg, meta, desc
        self.train_set = train_set
        self.objective = objective or (lambda m, x, y: cross_entropy_objective(m, x, y, cfg.label_smoothing))
        self.device_arg, self.epochs = device, cfg.epochs
        self.memory_format = torch.channels_last if cfg.channels_last else torch.contiguous_format

    def reuse(self, payload):
        self.model.load_state_dict(payload["state_dict"])
        return self.model, dict(payload["meta"], reused=True)

    def prepare(self):
        cfg = self.cfg
        self.device = (torch.device(self.device_arg) if self.device_arg is not None
                       else world.device() if world.active() else default_device())
        self.model.to(self.device)
        # under torchrun: BatchNorm over the global batch, gradients averaged by DDP (before the optimizer sees the
        # parameters: synchronised BatchNorm layers are new modules)
        self.step_objective, self.model = data_parallel.wrap(self.model, self.objective, self.device)
        self.train_set = limit_dataset(self.train_set, cfg.limit_train, cfg.seed)
        steps_per_epoch = math.ceil(len(self.train_set) / cfg.batch_size)
        # Weight decay only on conv/linear weights, not on BN parameters and biases.
        decay = [p for n, p in self.model.named_parameters() if p.ndim > 1]
        no_decay = [p for n, p in self.model.named_parameters() if p.ndim <= 1]
        self.opt = torch.optim.SGD([{"params": decay, "weight_decay": cfg.weight_decay},
                                    {"params": no_decay, "weight_decay": 0.0}],
                                   lr=cfg.lr, momentum=cfg.momentum, nesterov=True)
        self.sched = torch.optim.lr_scheduler.LambdaLR(self.opt, _lr_lambda(cfg, steps_per_epoch))

    def restore(self, partial):
        self.model.load_state_dict(partial["state_dict"])
        self.opt.load_state_dict(partial["optimizer"])  # moved to the parameters' device by torch
        self.sched.load_state_dict(partial["scheduler"])

    def _loader(self, epoch):
        """This epoch's batches (order and augmentation seeded by (seed, epoch)) and, under torchrun, the loss
        scale of this process's part of each global batch."""
        cfg, ranks, rank = self.cfg, world.world_size(), world.rank()
        torch.manual_seed(cfg.seed * 100_003 + epoch + 7919 * rank)  # augmentation RNG, reproducible per epoch
        order = torch.Generator().manual_seed(cfg.seed * 100_003 + epoch)
        if ranks == 1:
            return DataLoader(self.train_set, batch_size=cfg.batch_size, shuffle=True, drop_last=False,
                              num_workers=cfg.num_workers, generator=order), None
        batches = list(global_batches(len(self.train_set), cfg.batch_size, order))
        parts = [rank_part(b, rank, ranks) for b in batches]
        loader = DataLoader(self.train_set, batch_sampler=parts, num_workers=cfg.num_workers)
        return loader, [loss_scale(len(p), len(b), ranks) for p, b in zip(parts, batches)]

    def train_epoch(self, epoch):
        cfg, model, device = self.cfg, self.model, self.device
        loader, scales = self._loader(epoch)
        model.to(memory_format=self.memory_format)
        model.train()
        loss_sum = correct = seen = 0
        bar = progress(loader, desc=f"{self.desc} epoch {epoch + 1}/{cfg.epochs}", leave=False)
        for step, (x, y) in enumerate(bar, start=1):
            x, y = x.to(device, memory_format=self.memory_format, non_blocking=True), y.to(device, non_blocking=True)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.bf16):
                loss, logits = self.step_objective(model, x, y)
            check_finite(loss, epoch + 1, step)
            self.opt.zero_grad(set_to_none=True)
            (loss if scales is None else loss * scales[step - 1]).backward()
            self.opt.step()
            self.sched.step()
            loss_sum += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
            seen += len(y)
            bar.set_postfix(loss=f"{loss_sum / seen:.3f}", acc=f"{100 * correct / seen:.1f}", refresh=False)
        loss_sum, correct, seen = world.all_sum([loss_sum, correct, seen])
        return {"train_loss": loss_sum / seen, "train_acc": 100.0 * correct / seen, "lr": self.opt.param_groups[0]["lr"]}

    def after_epoch(self, epoch):
        cfg = self.cfg
        if not (world.is_main() and cfg.eval_every and (epoch + 1) % cfg.eval_every == 0 and epoch + 1 < cfg.epochs):
            return {}
        self.model.to(memory_format=torch.contiguous_format)
        accuracy = evaluate_accuracy(self.model, self.test_set, desc="test", device=self.device)
        self.model.to(memory_format=self.memory_format)
        return {"test_acc": accuracy}

    def state(self):
        return {"state_dict": cpu_state(self.model.state_dict()), "optimizer": self.opt.state_dict(),
                "scheduler": self.sched.state_dict()}

    def finish(self, history, train_seconds):
        model = data_parallel.unwrap(self.model).to("cpu", memory_format=torch.contiguous_format)
        info = dict(self.meta or {}, config=dataclasses.asdict(self.cfg), history=history, train_seconds=train_seconds,
                    epochs=self.cfg.epochs, test_acc=evaluate_accuracy(model, self.test_set, desc="test"))
        if world.world_size() > 1:
            info["processes"] = world.world_size()
        return {"state_dict": cpu_state(model.state_dict()), "meta": info}, (model, dict(info, reused=False))
