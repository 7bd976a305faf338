"""The Slimmable U-Net (Yu et al., ICLR 2019), restricted to the width NeuMeta varies: one U-Net whose block
``encoder.layer3.1`` has a switchable inner width d. Every trained width uses the first d channels of one shared
weight (conv1 rows, conv2 columns) and BatchNorms of its own; each training batch sums the loss at every trained
width, as the Slimmable paper does. A width that was not trained borrows the BatchNorm of the nearest trained
width, sliced, and then has its statistics re-estimated on training images (``plain_unet`` + ``recalibrate``)."""
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models.resnet import BasicBlock

from neumeta.models.narrow import narrow_block


class SwitchableBlock(nn.Module):
    """A ResNet BasicBlock (stride 1, no downsample) whose inner width is ``self.width``."""

    def __init__(self, block, widths):
        super().__init__()
        self.widths = tuple(sorted(widths))
        self.conv1, self.conv2 = block.conv1, block.conv2
        self.bn1 = nn.ModuleDict({str(d): nn.BatchNorm2d(d) for d in self.widths})
        self.bn2 = nn.ModuleDict({str(d): nn.BatchNorm2d(block.conv2.out_channels) for d in self.widths})
        self.width = max(self.widths)

    def forward(self, x):
        d = self.width
        out = F.relu(self.bn1[str(d)](F.conv2d(x, self.conv1.weight[:d], padding=1)))
        return F.relu(self.bn2[str(d)](F.conv2d(out, self.conv2.weight[:, :d], padding=1)) + x)


def slimmable_unet(net, widths):
    """``net`` (a fresh U-Net at full width) with its block made switchable between ``widths``."""
    block = net.encoder.layer3[1]
    if block.conv1.out_channels < max(widths):
        raise ValueError(f"the block has {block.conv1.out_channels} channels, fewer than the widest of {widths}")
    net.encoder.layer3[1] = SwitchableBlock(block, widths)
    return net


def slimmable_objective(objective):
    """``objective`` summed over every trained width of the model's switchable block; the full width's logits
    are returned for the training history."""
    def summed(model, x, y):
        block = _switchable(model)
        total, logits = 0.0, None
        for d in sorted(block.widths, reverse=True):
            block.width = d
            loss, out = objective(model, x, y)
            total, logits = total + loss, logits if logits is not None else out
        block.width = max(block.widths)
        return total, logits
    return summed


def plain_unet(slim, width):
    """A plain U-Net whose block has inner width ``width``: the shared weights sliced, and the BatchNorms of the
    narrowest trained width that is at least ``width`` (sliced; for an untrained width call ``recalibrate``)."""
    block = _switchable(slim)
    if width > max(block.widths):
        raise ValueError(f"width {width} is wider than the shared weights ({max(block.widths)} channels)")
    source = str(min(d for d in block.widths if d >= width))
    net = copy.deepcopy(slim)
    plain = narrow_block(BasicBlock(block.conv1.in_channels, block.conv2.out_channels), width)
    with torch.no_grad():
        plain.conv1.weight.copy_(block.conv1.weight[:width])
        plain.conv2.weight.copy_(block.conv2.weight[:, :width])
        for name in ("weight", "bias", "running_mean", "running_var"):
            getattr(plain.bn1, name).copy_(getattr(block.bn1[source], name)[:width])
        plain.bn2.load_state_dict(block.bn2[source].state_dict())
    net.encoder.layer3[1] = plain.train(net.training)  # a new module is in training mode: follow the network's
    return net


@torch.no_grad()
def recalibrate(net, images, batch_size=8):
    """Re-estimate the block's BatchNorm statistics (cumulative average) on ``images`` ([n, 3, H, W]), the rest of
    the network in eval mode: the US-Nets "post-statistics" step."""
    block = net.encoder.layer3[1]
    net.eval()
    for bn in (block.bn1, block.bn2):
        bn.reset_running_stats()
        bn.momentum = None
        bn.train()
    for batch in images.split(batch_size):
        net(batch)
    net.eval()
    return net


def _switchable(model):
    block = getattr(model, "module", model).encoder.layer3[1]
    if not isinstance(block, SwitchableBlock):
        raise TypeError("the model's encoder.layer3.1 is not a SwitchableBlock: build it with slimmable_unet")
    return block
