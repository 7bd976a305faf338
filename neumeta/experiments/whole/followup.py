"""Whole-network NeuMeta with the follow-up's recipe (Sommariva et al., "How to Train Your Metamorphic Deep Neural
Network", arXiv 2505.05510), as its code implements it, on the same INR, target and epochs as the paper's recipe:

- **stages, front to back**: stage k makes block k metamorphic (blocks 0..k generated, the later ones the base
  model's own); the stages share the paper-recipe row's ``whole_inr_epochs`` evenly, the last stages taking one
  more where they do not divide (``stage_epochs``: ResNet-20's nine blocks 4 each of 36; the follow-up's seven
  ResNet-56 blocks 50 each of 350, its own setting);
- **heads passed on**: at its stage a block's heads start from the previous block's trained heads;
- **SkipInit**: each generated block's residual branch is scaled by a learnable scalar that starts at 0 (applied to
  its last convolution's weight and bias, BN being folded into the convolutions);
- **two optimisers**: AdamW for the INR; the scalars and the classifier train beside it with their own (AdamW at the
  follow-up code's learning rates and weight decay: ``whole_followup_scale_lr``, ``_head_lr``, ``_weight_decay``),
  both re-created at every stage as in its code;
- **two micro-batches per step**: the first half of every batch at full width with the reconstruction loss (on the
  generated blocks), the second half at a width drawn from the training range; cross-entropy on both, and the
  weight penalty (``inr_lambda_reg``, as the paper row's) on both micro-batches' generated weights.

No reconstruction warm start before training, as the paper-recipe row (``whole_inr_rec_warmup_steps``): the
follow-up has none, its later stages start from passed-on heads instead.

Chosen here (named beside the results): the INR's optimiser settings are the paper row's (``inr_lr``,
``inr_weight_decay``; the follow-up's code: 8e-4 and 1e-4), so the two rows differ by recipe only; a constant
learning rate within each stage (the follow-up's first stage warms up over 20 epochs, then holds its rate); no EMA
of the INR (none in the follow-up's code either).
"""
import copy
import dataclasses

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader

from neumeta.data import get_dataset
from neumeta.experiments.pretrained.base_models import resolve_data_root
from neumeta.experiments.whole.inr import inr_config, inr_path, metamorph, train_range
from neumeta.experiments.whole.setting import block_widths, setting
from neumeta.method.training import weighted_mse
from neumeta.progress import progress
from neumeta.store.checkpoints import checkpoint_path
from neumeta.training.loop import Trainee, check_finite, cpu_state, limit_dataset, train_resumable

class BranchScalesAndHead(nn.Module):
    """What trains beside the INR: one SkipInit scalar per generated block (0 at the start) and the classifier."""

    def __init__(self, classifier, blocks):
        super().__init__()
        self.scales = nn.Parameter(torch.zeros(blocks))
        self.fc = copy.deepcopy(classifier).requires_grad_(True)


def stage_epochs(P):
    """Epochs of each stage (one per generated block, front to back): ``whole_inr_epochs`` shared evenly, the
    last stages taking the remainder; one clear error where there are fewer epochs than blocks."""
    blocks, total = len(setting(P).blocks), P["whole_inr_epochs"]
    if total < blocks:
        raise ValueError(f"the follow-up recipe makes {blocks} blocks metamorphic one per stage: whole_inr_epochs = "
                         f"{total} must be at least {blocks}")
    each, extra = divmod(total, blocks)
    return [each + (i >= blocks - extra) for i in range(blocks)]


def stage_of(epoch, P):
    """The 0-based stage ``epoch`` belongs to, and whether it is the stage's first epoch."""
    start = 0
    for stage, epochs in enumerate(stage_epochs(P)):
        if epoch < start + epochs:
            return stage, epoch == start
        start += epochs
    raise ValueError(f"epoch {epoch} is past the follow-up recipe's {start} epochs")


def stage_widths(meta, order, widest_width, stage):
    """Per inner group: the generated blocks (``order[:stage + 1]``) at ``widest_width``'s ratio, the later ones
    full."""
    ratio = meta.spec.widths(widest_width)
    active = set(order[:stage + 1])
    return tuple(w if g.block in active else g.size for w, g in zip(ratio, meta.spec.groups))


def block_names(meta, blocks):
    return [n for n in meta.spec.names if n.rpartition(".")[0].rpartition(".")[0] in blocks]


def generate(inr, widths, names, noise, generator):
    """One noisy draw of the tensors ``names`` at per-group ``widths`` (only those: later blocks cost nothing)."""
    coords, out = inr.coordinates(widths), {}
    for name in names:
        raw, shape = coords[name]
        y = inr.head_output(name, inr.features(raw, noise, 1, generator))
        out[name] = (y / inr.spec.fan_in(name, shape)).reshape(shape)
    return out


def scaled(generated, scales_and_head, order, blocks):
    """``generated`` with each of ``blocks``' residual branch scaled by its SkipInit scalar (indexed by its place in
    ``order``), plus the trained classifier."""
    out = dict(generated)
    for i, block in enumerate(order):
        if block in blocks:
            for p in ("weight", "bias"):
                out[f"{block}.conv2.{p}"] = generated[f"{block}.conv2.{p}"] * scales_and_head.scales[i]
    out.update({f"fc.{k}": v for k, v in scales_and_head.fc.named_parameters()})
    return out


class FollowUpTrainee(Trainee):
    def __init__(self, meta, train_set, P):
        self.meta, self.P, self.cfg = meta, P, inr_config(P)
        self.order = setting(P).blocks  # front to back
        self.epochs = sum(stage_epochs(P))
        self.train_set = limit_dataset(train_set, self.cfg.limit_train, self.cfg.seed)
        self.scales_and_head = BranchScalesAndHead(meta.target.net.fc, len(self.order))
        self._new_optimisers()

    def _new_optimisers(self):
        """Both optimisers, fresh (the follow-up's code re-creates them at every block's stage)."""
        P = self.P
        self.opt = torch.optim.AdamW(self.meta.inr.parameters(), lr=self.cfg.lr, weight_decay=self.cfg.weight_decay)
        self.opt_scales_and_head = torch.optim.AdamW(
            [{"params": [self.scales_and_head.scales], "lr": P["whole_followup_scale_lr"]},
             {"params": self.scales_and_head.fc.parameters(), "lr": P["whole_followup_head_lr"]}],
            weight_decay=P["whole_followup_weight_decay"])

    def reuse(self, payload):
        self.meta.inr.load_state_dict(payload["state_dict"])
        self.scales_and_head.load_state_dict(payload["extra"])  # the checkpoints' key for it
        return (self.meta.eval(), self.scales_and_head.eval()), dict(payload["meta"], reused=True)

    def restore(self, partial):
        self.meta.inr.load_state_dict(partial["state_dict"])
        self.scales_and_head.load_state_dict(partial["extra"])
        self.opt.load_state_dict(partial["optimizer"])
        self.opt_scales_and_head.load_state_dict(partial["optimizer_extra"])

    def _start_stage(self, stage):
        """A block's heads start from the previous block's trained heads; its scalar starts at 0 (it is); both
        optimisers start afresh."""
        self._new_optimisers()
        if stage == 0:
            return
        heads = self.meta.inr.heads
        for new, old in zip(block_names(self.meta, {self.order[stage]}),
                            block_names(self.meta, {self.order[stage - 1]})):
            heads[new.replace(".", "/")].load_state_dict(heads[old.replace(".", "/")].state_dict())

    def train_epoch(self, epoch):
        P, cfg, meta = self.P, self.cfg, self.meta
        stage, first = stage_of(epoch, P)
        if first:
            self._start_stage(stage)
        order = self.order
        blocks = set(order[:stage + 1])
        names = block_names(meta, blocks)
        pretrained = meta.target.ground_truth()
        truth = {n: pretrained[n].detach() for n in names}
        gen = torch.Generator().manual_seed(cfg.seed * 100_003 + epoch)
        torch.manual_seed(gen.initial_seed())  # augmentation, seeded as the batch order
        lo, hi = train_range(P)
        meta.inr.train()
        loss_sum = correct = seen = 0
        loader = DataLoader(self.train_set, batch_size=cfg.batch_size, shuffle=True, generator=gen)
        bar = progress(loader, desc=f"follow-up stage {stage + 1}/{len(order)} epoch {epoch + 1}/{self.epochs}",
                       leave=False)
        for step, (x, y) in enumerate(bar, start=1):
            half = len(y) // 2 or len(y)
            full = generate(meta.inr, stage_widths(meta, order, hi, stage), names, cfg.noise, gen)
            width = int(torch.randint(lo, hi + 1, (1,), generator=gen))
            drawn = generate(meta.inr, stage_widths(meta, order, width, stage), names, cfg.noise, gen)
            out_full = meta.target(x[:half], scaled(full, self.scales_and_head, order, blocks))
            out_drawn = (meta.target(x[half:], scaled(drawn, self.scales_and_head, order, blocks)) if half < len(y) else
                         out_full[:0])
            logits = torch.cat([out_full, out_drawn])
            loss = F.cross_entropy(logits, y) + cfg.lambda_rec * weighted_mse(full, truth)
            if cfg.lambda_reg:  # the follow-up's weight penalty, on each micro-batch's generated weights
                loss = loss + cfg.lambda_reg * sum(w.norm() for g in (full, drawn) for w in g.values())
            check_finite(loss, epoch + 1, step)
            self.opt.zero_grad(set_to_none=True), self.opt_scales_and_head.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.clip_value > 0:
                torch.nn.utils.clip_grad_value_(meta.inr.parameters(), cfg.clip_value)
            self.opt.step(), self.opt_scales_and_head.step()
            loss_sum, seen = loss_sum + loss.item() * len(y), seen + len(y)
            correct += (logits.argmax(1) == y).sum().item()
            bar.set_postfix(loss=f"{loss_sum / seen:.3f}", d=width, refresh=False)
        return {"stage": stage + 1, "train_loss": loss_sum / seen, "train_acc": 100.0 * correct / seen,
                "scales": [round(float(s), 4) for s in self.scales_and_head.scales.detach()]}

    def state(self):
        return {"state_dict": cpu_state(self.meta.inr.state_dict()),
                "extra": cpu_state(self.scales_and_head.state_dict()), "optimizer": self.opt.state_dict(),
                "optimizer_extra": self.opt_scales_and_head.state_dict()}

    def finish(self, history, train_seconds):
        info = {"config": {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self.cfg).items()},
                "history": history, "train_seconds": train_seconds, "epochs": self.epochs,
                "stage_epochs": stage_epochs(self.P), "selection": "last epoch"}
        payload = {"state_dict": cpu_state(self.meta.inr.state_dict()),
                   "extra": cpu_state(self.scales_and_head.state_dict()), "meta": info}
        return payload, ((self.meta.eval(), self.scales_and_head.eval()), dict(info, reused=False))


def followup_path(P):
    s = setting(P)
    key = {"paper_recipe_row": inr_path(P).name, "recipe": "follow-up (Sommariva et al.)",
           "stage_epochs": stage_epochs(P), "order": list(s.blocks),
           "beside_the_inr": {k: P[f"whole_followup_{k}"] for k in ("scale_lr", "head_lr", "weight_decay")},
           "loss": "CE + rec + reg", "optimisers": "fresh at every stage"}
    return checkpoint_path(P["profile"], f"neumeta-whole-followup-{s.arch}-{s.dataset}", key)


def train_followup(P):
    """The follow-up recipe's INR and its scalars and classifier, trained (or reused):
    ``((meta, scales_and_head), info)``."""
    s = setting(P)
    meta = metamorph(P)
    train = get_dataset(s.dataset, "train", root=resolve_data_root(P))
    return train_resumable(followup_path(P), FollowUpTrainee(meta, train, P))


@torch.no_grad()
def followup_network(meta, scales_and_head, gamma, s, **merge):
    """The follow-up recipe's network with every generated block of setting ``s`` at ``gamma``: generated, scaled,
    its own classifier."""
    widths = block_widths(gamma, s)
    generated = meta.weights(widths, **merge)
    return meta.target.materialise(scaled(generated, scales_and_head, s.blocks, set(s.blocks)), meta.widths(widths))
