"""Training the INR hypernetwork (method reference, section 8), resumable from every epoch.

Each step samples a width d uniformly from the spec's training range, generates that
width's tensors (with coordinate noise), runs the frozen target network on the batch
and minimises
    CE + lambda_reg * sum_t ||W_t||_F + lambda_rec * weighted-MSE(W, W_gt)   (last term at d = full width only)
with AdamW, element-wise gradient clipping and an EMA of the INR, optionally after a
reconstruction-only warm start (``fit_reconstruction``).

Model selection: none. The result is the EMA INR after the last epoch. A validation split
carved from the training set would hold images the frozen base model was trained on (its
accuracy sits far above test accuracy and barely moves), and the test set is for reporting
only; so the INR trains on every training image and the schedule alone decides.
A non-finite loss stops training with an error naming the epoch and step, before any
update or checkpoint. The trainer keeps no global state (all randomness from generators
seeded by (seed, epoch)), so it can be wrapped for data-parallel runs later.
"""
import dataclasses
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from torch.utils.data import DataLoader, default_collate

from neumeta.hardware import world
from neumeta.hardware.machine import default_device
from neumeta.parallel import data_parallel
from neumeta.parallel.batches import global_batches, loss_scale, rank_part
from neumeta.progress import progress
from neumeta.training.loop import NonFiniteLossError, Trainee, check_finite, cpu_state, limit_dataset, train_resumable  # noqa: F401


@dataclass(frozen=True)
class INRTrainConfig:
    epochs: int
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 1e-2
    milestones: tuple = ()  # epochs where lr drops x0.1 (paper: 100, 150 of 200)
    clip_value: float = 10.0
    ema_decay: float = 0.995
    noise: float = 1.0  # coordinate noise width sigma (U(-sigma/2, sigma/2) on channel indices)
    lambda_rec: float = 1.0
    lambda_reg: float = 1e-4
    seed: int = 0
    limit_train: int = 0
    # Reconstruction warm start (not in the paper; 0 = off): fit the full-width tensors alone first,
    # so that the short CPU schedule starts from a network that already works at full width.
    rec_warmup_steps: int = 0
    rec_warmup_lr: float = 1e-2


def weighted_mse(generated, target):
    """Reconstruction loss: per tensor, MSE weighted by |W_gt| / max|W_gt| (large weights matter more)."""
    losses = []
    for name, gt in target.items():
        w = (gt.abs() + 1e-6) / (gt.abs() + 1e-6).max()
        losses.append((w * (generated[name] - gt).square()).mean())
    return torch.stack(losses).mean()


def inr_loss(inr, target, x, y, width, cfg, generator=None, task_loss=None):
    """The training objective for one batch at ``width``; returns (loss, the target network's output).
    ``task_loss(output, x, y)`` replaces the classifier's cross-entropy (the VAEs' negative ELBO)."""
    generated = inr.weights(width, noise=cfg.noise, generator=generator)
    logits = target(x, generated)
    loss = F.cross_entropy(logits, y) if task_loss is None else task_loss(logits, x, y)
    if cfg.lambda_reg:
        loss = loss + cfg.lambda_reg * sum(w.norm() for w in generated.values())
    if cfg.lambda_rec and width == inr.spec.full_width:
        loss = loss + cfg.lambda_rec * weighted_mse(generated, target.ground_truth())
    return loss, logits


def relative_errors(generated, target):
    """Per tensor ||W - W_gt|| / ||W_gt||."""
    return {name: float((generated[name] - gt).detach().norm() / gt.detach().norm().clamp_min(1e-12))
            for name, gt in target.items()}


def fit_reconstruction(inr, target, steps, lr, desc="reconstruction", seed=0):
    """Fit the INR to the permuted pretrained tensors alone (no data, no task loss).

    Rows sit at the full-width positions, but each step gives the size features of a random width
    from the training range, with the target scaled so that *every* width reads the pretrained
    kernel at that position (x full fan-in / own fan-in, the INR's Riemann-sum scaling). Without
    that, the fit only holds at the one size it saw and other widths start at chance.
    The loss is the per-tensor relative MSE (biases count as much as kernels); Adam, one-cycle.
    Returns the final relative errors at full width and the time taken.
    """
    full = inr.spec.full_width
    lo, hi = inr.spec.train_widths
    gt = {name: w.detach() for name, w in target.ground_truth().items()}
    rows = {}
    for name, (raw, shape) in inr.coordinates(full).items():
        fan = inr.spec.fan_in(name, shape)
        rows[name] = (inr.features(raw), gt[name].reshape(raw.shape[0], -1) * fan)  # target in head units
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(inr.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    t0 = time.perf_counter()
    bar = progress(range(steps), desc=desc, leave=False)
    for _ in bar:
        width = int(torch.randint(lo, hi + 1, (1,), generator=gen))
        shapes = inr.spec.shapes(width)
        losses = []
        for name, (features, y_target) in rows.items():
            s0, s1 = shapes[name][0], (shapes[name][1] if len(shapes[name]) > 1 else 1)
            f = features.clone()
            f[..., 2], f[..., 3] = s0 / inr.norm, s1 / inr.norm
            y = inr.head_output(name, f)[0]
            losses.append((y - y_target).square().mean() / y_target.square().mean().clamp_min(1e-12))
        loss = torch.stack(losses).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        bar.set_postfix(rel_mse=f"{loss.item():.4f}", d=width, refresh=False)
    with torch.no_grad():
        errors = relative_errors(inr.weights(full), gt)
    return {"steps": steps, "lr": lr, "seconds": time.perf_counter() - t0, "relative_error": errors}


def train_inr(inr, target, train_set, cfg, path, meta=None, desc="inr", on_epoch_end=None, task_loss=None):
    """Train ``inr`` and return ``(ema_inr, info)``; reuses a finished checkpoint at ``path``.
    ``task_loss``: see ``inr_loss`` (default: cross-entropy, with the training accuracy in the history)."""
    return train_resumable(path, INRTrainee(inr, target, train_set, cfg, meta or {}, desc, task_loss), on_epoch_end)


class INRTrainee(Trainee):
    """The INR with its EMA; the frozen target network runs the generated weights on each batch."""

    def __init__(self, inr, target, train_set, cfg, meta, desc, task_loss):
        self.inr, self.target, self.train_set, self.cfg = inr, target, train_set, cfg
        self.meta, self.desc, self.task_loss, self.epochs = meta, desc, task_loss, cfg.epochs
        self.ema = AveragedModel(inr, multi_avg_fn=get_ema_multi_avg_fn(cfg.ema_decay), use_buffers=False)
        self.warm_start = None

    def reuse(self, payload):
        self.ema.module.load_state_dict(payload["state_dict"])
        return self.ema.module, dict(payload["meta"], reused=True)

    def prepare(self):
        cfg, target = self.cfg, self.target
        self.device = world.device() if world.active() else default_device()
        self.inr.to(self.device), self.ema.to(self.device), target.to(self.device)

        def objective(model, x, y, width, generator):
            return inr_loss(model, target, x, y, width, cfg, generator=generator, task_loss=self.task_loss)
        # under torchrun: DDP averages the INR's gradients; every process draws the same width and noise per step
        self.step_objective, self.inr = data_parallel.wrap(self.inr, objective, self.device)
        self.train_set = limit_dataset(self.train_set, cfg.limit_train, cfg.seed)
        self.opt = torch.optim.AdamW(self.inr.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        self.sched = torch.optim.lr_scheduler.MultiStepLR(self.opt, milestones=list(cfg.milestones), gamma=0.1)

    def restore(self, partial):
        self.inr.load_state_dict(partial["state_dict"])
        self.ema.load_state_dict(partial["ema"])
        self.opt.load_state_dict(partial["optimizer"])
        self.sched.load_state_dict(partial["scheduler"])
        self.warm_start = partial["meta"].get("warm_start")

    def begin(self):
        if not self.cfg.rec_warmup_steps:
            return 0.0
        # deterministic: every process computes the same warm start; the EMA's first update copies its weights
        self.warm_start = fit_reconstruction(self.inr, self.target, self.cfg.rec_warmup_steps, self.cfg.rec_warmup_lr,
                                             desc=f"{self.desc} warm start", seed=self.cfg.seed)
        return self.warm_start["seconds"]

    def _batches(self, gen):
        ranks = world.world_size()
        torch.manual_seed(gen.initial_seed())  # augmentation: seeded by (seed, epoch) as the batch order is
        if ranks == 1:
            return DataLoader(self.train_set, batch_size=self.cfg.batch_size, shuffle=True, generator=gen)
        # the one-process run's global batches (same draws from gen), this process's part of each
        return _rank_batches(self.train_set, global_batches(len(self.train_set), self.cfg.batch_size, gen),
                             world.rank(), ranks)

    def train_epoch(self, epoch):
        cfg, inr, ranks = self.cfg, self.inr, world.world_size()
        gen = torch.Generator().manual_seed(cfg.seed * 100_003 + epoch)
        loader = self._batches(gen)
        lo, hi = inr.spec.train_widths
        inr.train()
        loss_sum = correct = seen = 0
        bar = progress(loader, desc=f"{self.desc} epoch {epoch + 1}/{cfg.epochs}", leave=False)
        for step, batch in enumerate(bar, start=1):
            x, y = batch[0].to(self.device), batch[1].to(self.device)
            width = int(torch.randint(lo, hi + 1, (1,), generator=gen))
            loss, logits = self.step_objective(inr, x, y, width, gen)
            check_finite(loss, epoch + 1, step)
            self.opt.zero_grad(set_to_none=True)
            (loss * batch[2] if ranks > 1 else loss).backward()
            if cfg.clip_value > 0:
                torch.nn.utils.clip_grad_value_(inr.parameters(), cfg.clip_value)
            self.opt.step()
            self.ema.update_parameters(inr)
            loss_sum += loss.item() * len(y)
            if self.task_loss is None:
                correct += (logits.argmax(1) == y).sum().item()
            seen += len(y)
            bar.set_postfix(loss=f"{loss_sum / seen:.3f}", d=width, refresh=False)
        loss_sum, correct, seen = world.all_sum([loss_sum, correct, seen])
        self.sched.step()
        entries = {"train_loss": loss_sum / seen}
        if self.task_loss is None:
            entries["train_acc"] = 100.0 * correct / seen
        return entries

    def state(self):
        return {"state_dict": cpu_state(self.inr.state_dict()), "ema": cpu_state(self.ema.state_dict()),
                "optimizer": self.opt.state_dict(), "scheduler": self.sched.state_dict()}

    def partial_meta(self):
        return {"warm_start": self.warm_start}

    def finish(self, history, train_seconds):
        info = dict(self.meta, config=_plain(dataclasses.asdict(self.cfg)), history=history,
                    train_seconds=train_seconds, selection="last EMA epoch", epochs=self.cfg.epochs,
                    warm_start=self.warm_start)
        if world.world_size() > 1:
            info["processes"] = world.world_size()
        self.inr.to("cpu"), self.ema.to("cpu"), self.target.to("cpu")  # evaluation and the notebooks run on the CPU
        return {"state_dict": self.ema.module.state_dict(), "meta": info}, (self.ema.module, dict(info, reused=False))


def _rank_batches(dataset, batches, rank, ranks):
    """``(x, y, loss scale)`` of this process's part of each global index batch, fetched as the one-process
    loader (no workers) fetches them."""
    for batch in batches:
        part = rank_part(batch, rank, ranks)
        x, y = default_collate([dataset[i] for i in part])
        yield x, y, loss_scale(len(part), len(batch), ranks)


def _plain(d):
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}
