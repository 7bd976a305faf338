"""NeuMeta on the base U-Net through the public API: ``Metamorph`` folds its BatchNorms, orders its channels and
generates the inner width of ``encoder.layer3.1`` (conv1 256 -> h, conv2 h -> 256), trained on the profile's
range of h with the segmentation loss.

The frozen U-Net runs under bfloat16 autocast with channels-last activations where the CPU has bfloat16 (3x
faster here); the INR itself, its generated weights and their gradients stay in float32. The skip connections
that the decoder concatenates keep their channels (``neumeta.method.channels``), so only the block changes width.
"""
import dataclasses

import torch

from neumeta.api.metamorph import CheckpointMismatchError, Metamorph
from neumeta.api.target import NetworkTarget
from neumeta.experiments.segmentation.models import datasets, labels, model_path, train_config, train_model
from neumeta.hardware.machine import bf16_in_hardware
from neumeta.experiments.inr import configs
from neumeta.experiments.inr.configs import inr_size
from neumeta.method.training import INRTrainee
from neumeta.models.unet import BLOCK
from neumeta.store.checkpoints import checkpoint_path, load_checkpoint, partial_path
from neumeta.training.loop import train_resumable
from neumeta.training.segmentation import combo_loss

EXAMPLE_SHAPE = (1, 3, 64, 64)  # any multiple of the stride: the structure does not depend on the image size


class Bfloat16Target(NetworkTarget):
    """The frozen network of ``NetworkTarget`` run under bfloat16 autocast, channels-last; float32 logits out."""

    def forward(self, x, generated):
        with torch.autocast(x.device.type, dtype=torch.bfloat16):
            out = super().forward(x.contiguous(memory_format=torch.channels_last), generated)
        return out.float()


def inr_settings(P):
    return inr_size(P, "seg")


def inr_config(P):
    return configs.inr_config(P, epochs=P["seg_inr_epochs"], batch_size=P["seg_batch_size"], lr=P["seg_inr_lr"],
                              milestones=P["seg_inr_milestones"], lambda_rec=P["seg_inr_lambda_rec"],
                              lambda_reg=P["seg_inr_lambda_reg"], seed=P["seed"], limit_train=P["seg_limit_train"],
                              rec_warmup_steps=P["seg_inr_warm_start"])


def uses_bf16(P):
    """Whether a fresh run of the frozen U-Net is in bfloat16 here: the profile asks for it and the CPU has it."""
    return train_config(P).bf16 and bf16_in_hardware()


def run_precision(P):
    """The precision the frozen U-Net trains in: a partial checkpoint's own, so a run resumed on another CPU stays
    in one precision (a partial that does not record it predates the record and ran in float32); else
    ``uses_bf16``'s choice."""
    partial = partial_path(inr_path(P))
    if partial.exists():
        return load_checkpoint(partial)["meta"].get("precision", "float32")
    return "bfloat16" if uses_bf16(P) else "float32"


def inr_key(P):
    """Everything the INR depends on: the base U-Net's checkpoint (its name carries its own key), the block, the
    widths, the permutation and its budget, the INR's size, its training and the loss."""
    return {"base": model_path(P).name, "blocks": [BLOCK], "widths": list(P["seg_inr_widths"]), "permutation": "shp",
            "runs": P["permute_runs"], "seed": P["seed"], "inr": inr_settings(P), "bf16": train_config(P).bf16,
            "loss": "0.5 CE + 0.5 softmax Dice", **_plain(dataclasses.asdict(inr_config(P)))}


def inr_path(P):
    return checkpoint_path(P["profile"], "unet-neumeta", inr_key(P))


def metamorph(P, base=None, precision="float32"):
    """The untrained ``Metamorph`` of the base U-Net (trained or reused first): BN folded, channels ordered; the
    frozen U-Net runs in ``precision``."""
    base = base if base is not None else train_model(P)[0]
    meta = Metamorph(base.eval(), [BLOCK], tuple(P["seg_inr_widths"]), torch.zeros(EXAMPLE_SHAPE),
                     permutation="shp", solver_runs=P["permute_runs"], seed=P["seed"], inr=inr_settings(P))
    if precision == "bfloat16":
        meta.target = Bfloat16Target(meta.spec, meta.target.net.state_dict())
    return meta


def train_neumeta(P, base=None, on_epoch_end=None):
    """The U-Net's NeuMeta INR, trained (or reused): ``(metamorph, info)``; every epoch is checkpointed
    (``on_epoch_end(epoch)`` runs after each, as in ``train_resumable``)."""
    precision = run_precision(P)
    meta = metamorph(P, base, precision)
    train, _, _ = datasets(P)
    _, ignore = labels(P)
    loss = combo_loss(ignore)
    record = {"key": inr_key(P), "describe": meta.describe(), "precision": precision,
              "fingerprint": meta.fingerprint}
    trainee = _UNetINRTrainee(meta, train, inr_config(P), record, lambda logits, x, y: loss(logits, y))
    meta.inr, info = train_resumable(inr_path(P), trainee, on_epoch_end)
    meta.history = info.get("history")
    return meta.eval(), info


class _UNetINRTrainee(INRTrainee):
    """``INRTrainee`` whose checkpoints (final and partial) also hold the frozen U-Net's precision and the permuted
    network's fingerprint: the key names the base U-Net by its checkpoint's name only, so an INR of another base
    (retrained elsewhere under the same key) is refused rather than reused."""

    def __init__(self, meta, train_set, cfg, record, task_loss):
        super().__init__(meta.inr, meta.target, train_set, cfg, record, "U-Net NeuMeta", task_loss)

    def _check(self, saved, what):
        if saved.get("fingerprint", self.meta["fingerprint"]) != self.meta["fingerprint"]:
            raise CheckpointMismatchError(f"{what} was trained on another base U-Net (other weights under the same "
                                          "key): delete it, or restore the base U-Net it was trained on")
        if "fingerprint" not in saved:  # written before the fingerprint was recorded: the key alone identifies it
            print(f"[neumeta] {what} does not record its base U-Net's fingerprint: accepted by its key", flush=True)

    def reuse(self, payload):
        self._check(payload["meta"], "the U-Net INR's checkpoint")
        return super().reuse(payload)

    def restore(self, partial):
        self._check(partial["meta"], "the U-Net INR's partial checkpoint")
        super().restore(partial)

    def train_epoch(self, epoch):
        return {**super().train_epoch(epoch), "precision": self.meta["precision"]}

    def partial_meta(self):
        return {**super().partial_meta(), "precision": self.meta["precision"], "fingerprint": self.meta["fingerprint"]}


def _plain(d):
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}
