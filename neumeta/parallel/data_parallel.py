"""DistributedDataParallel around a training objective, so any objective (plain cross-entropy, KD, the
Slimmable and INN sums over widths, NeuMeta's INR loss) runs as one DDP forward.

DDP averages gradients over processes during backward; it needs the forward to go through the DDP module,
but several objectives call parts of the model (trunk, block, head) rather than ``model(x)``. Wrapping the
objective itself as the module's forward lets them keep doing so. Checkpoints are always written from the
plain model (never the wrapper), so one- and multi-process checkpoints are interchangeable.
"""
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel

from neumeta.hardware import world
from neumeta.parallel import batchnorm


class ObjectiveModule(nn.Module):
    """``forward(*args)`` = ``objective(model, *args)``; the model's parameters are this module's."""

    def __init__(self, model, objective):
        super().__init__()
        self.model = model
        self.objective = objective

    def forward(self, *args, **kwargs):
        return self.objective(self.model, *args, **kwargs)


def wrap(model, objective, device):
    """``(callable objective, model)``: under ``torchrun`` the objective runs through DDP with BatchNorm
    synchronised over processes; for one process it is ``objective`` itself, untouched."""
    if not world.active():
        return objective, model
    model = batchnorm.convert(model, device)
    ddp = DistributedDataParallel(ObjectiveModule(model, objective),
                                  device_ids=[device.index] if device.type == "cuda" else None)
    return (lambda _model, *args, **kwargs: ddp(*args, **kwargs)), model


def unwrap(model):
    """The model as one process trains it (plain BatchNorm layers), after a data-parallel run."""
    return batchnorm.revert(model) if world.active() else model
