"""Training a VAE from scratch (the pretrained model NeuMeta starts from, and the Individual baseline at
each decoder width), resumable from every epoch.

The reference recipes (method reference 13): Adam on the summed negative ELBO of each batch (CelebA:
KL weighted by 0.0004, gradient norm clipped at 5) plus ``tv_weight`` x the network's total variation
(``objective.tv_penalty``), which makes neighbouring channels similar before any permutation. Each epoch's data order comes from (seed, epoch), and the
noise of the reparameterisation from the same seed, so a killed run resumes to the same weights.
"""
import dataclasses
from dataclasses import dataclass

import torch

from neumeta.progress import progress
from neumeta.training.loop import Trainee, check_finite, train_resumable
from neumeta.experiments.vae.images import as_float
from neumeta.experiments.vae.objective import neg_elbo, tv_penalty


@dataclass(frozen=True)
class VAETrainConfig:
    epochs: int
    batch_size: int = 100
    lr: float = 1e-3
    tv_weight: float = 10.0
    kl_weight: float = 1.0  # CelebA: 0.0004 (the reference's beta)
    likelihood: str = "bernoulli"
    clip_norm: float = 0.0  # gradient-norm clipping (CelebA: 5; 0 = off)
    batch_mean: bool = False  # the loss is the batch's mean (CelebA) rather than its sum (MNIST)
    seed: int = 0
    limit_train: int = 0  # the first N images of a seeded shuffle (0 = all): smoke runs

    def __post_init__(self):
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError(f"epochs and batch_size must be >= 1, got {self.epochs}, {self.batch_size}")


def train_vae(model, train_x, test_x, cfg, path, meta=None, desc="vae"):
    """Train ``model`` on the uint8 images ``train_x`` and return ``(model, info)``; reuses a finished
    checkpoint at ``path``. ``info["test_neg_elbo"]``: mean one-sample negative ELBO on ``test_x``."""
    return train_resumable(path, VAETrainee(model, train_x, test_x, cfg, meta or {}, desc))


class VAETrainee(Trainee):
    def __init__(self, model, train_x, test_x, cfg, meta, desc):
        self.model, self.train_x, self.test_x, self.cfg = model, train_x, test_x, cfg
        self.meta, self.desc, self.epochs = meta, desc, cfg.epochs

    def reuse(self, payload):
        self.model.load_state_dict(payload["state_dict"])
        return self.model, dict(payload["meta"], reused=True)

    def prepare(self):
        cfg = self.cfg
        if cfg.limit_train and cfg.limit_train < len(self.train_x):
            keep = torch.randperm(len(self.train_x), generator=torch.Generator().manual_seed(cfg.seed))[:cfg.limit_train]
            self.train_x = self.train_x[keep]
        self.opt = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)

    def restore(self, partial):
        self.model.load_state_dict(partial["state_dict"])
        self.opt.load_state_dict(partial["optimizer"])

    def train_epoch(self, epoch):
        cfg, model = self.cfg, self.model
        gen = torch.Generator().manual_seed(cfg.seed * 100_003 + epoch)  # data order and reparameterisation noise
        order = torch.randperm(len(self.train_x), generator=gen)
        model.train()
        elbo_sum = tv_sum = 0.0
        bar = progress(range(0, len(order), cfg.batch_size), desc=f"{self.desc} epoch {epoch + 1}/{cfg.epochs}",
                       leave=False)
        for step, start in enumerate(bar, start=1):
            x = as_float(self.train_x[order[start:start + cfg.batch_size]])
            elbo = neg_elbo(model(x, gen), x, cfg.likelihood, cfg.kl_weight).sum()
            tv = tv_penalty(model) if cfg.tv_weight else torch.zeros(())
            loss = (elbo / len(x) if cfg.batch_mean else elbo) + cfg.tv_weight * tv
            check_finite(loss, epoch + 1, step)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.clip_norm:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip_norm)
            self.opt.step()
            elbo_sum += elbo.item()
            tv_sum += tv.item() * len(x)
            bar.set_postfix(neg_elbo=f"{elbo.item() / len(x):.1f}", refresh=False)
        return {"train_neg_elbo": elbo_sum / len(order), "train_tv": tv_sum / len(order)}

    def state(self):
        return {"state_dict": self.model.state_dict(), "optimizer": self.opt.state_dict()}

    def finish(self, history, train_seconds):
        cfg, model = self.cfg, self.model
        model.eval()
        gen = torch.Generator().manual_seed(cfg.seed)
        with torch.no_grad():
            test = torch.cat([neg_elbo(model(x, gen), x, cfg.likelihood)
                              for x in map(as_float, self.test_x.split(500))]).mean().item()
        info = dict(self.meta, config=dataclasses.asdict(cfg), history=history, train_seconds=train_seconds,
                    epochs=cfg.epochs, test_neg_elbo=test, torch_threads=torch.get_num_threads())
        return {"state_dict": model.state_dict(), "meta": info}, (model, dict(info, reused=False))
