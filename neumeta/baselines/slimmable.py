"""Slimmable baseline (Yu et al., ICLR 2019), restricted to the width NeuMeta varies.

One ResNet-20 whose last ``layer3`` block has a switchable inner width d: every width in
``widths`` uses the first d channels of one shared weight (conv1 rows, conv2 columns) and
its own BatchNorm layers ("switchable BN"). Training sums the losses of all widths on each
batch; the trunk before the block is the same for every width, so it runs once per batch.

A width that was not trained has no BN of its own. ``plain_network`` then borrows the BN of
the nearest trained width (slicing its first d channels), which is what a Slimmable network
can do out of the box; ``recalibrate_bn`` re-estimates the statistics on training images
instead (the US-Nets "post-statistics" step).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader

from neumeta.models import build_model, check_width

BLOCK = "layer3.2."  # the last BasicBlock of ResNet-20: the block whose inner width varies


class SlimmableResNet20(nn.Module):
    def __init__(self, num_classes=10, widths=(32, 48, 64)):
        super().__init__()
        self.widths = tuple(sorted(check_width(d, "width") for d in widths))
        self.net = build_model("resnet20", num_classes, width=max(self.widths))
        block = self.net.layer3[-1]
        del block.bn1, block.bn2  # replaced by one pair per width
        self.bn1 = nn.ModuleDict({str(d): nn.BatchNorm2d(d) for d in self.widths})
        self.bn2 = nn.ModuleDict({str(d): nn.BatchNorm2d(block.conv2.out_channels) for d in self.widths})
        self.width = max(self.widths)  # the width ``forward`` uses

    def trunk(self, x):
        return self.net.trunk(x)

    def block(self, h, width):
        if width not in self.widths:
            raise ValueError(f"width {width} has no BN of its own (trained: {self.widths}); use plain_network")
        conv1, conv2 = self.net.layer3[-1].conv1, self.net.layer3[-1].conv2
        out = F.relu(self.bn1[str(width)](F.conv2d(h, conv1.weight[:width], padding=1)))
        out = self.bn2[str(width)](F.conv2d(out, conv2.weight[:, :width], padding=1))
        return F.relu(out + h)

    def head(self, h):
        return self.net.head(h)

    def forward(self, x, width=None):
        return self.head(self.block(self.trunk(x), self.width if width is None else width))


def slimmable_objective(model, x, y):
    """Sum of the cross-entropies of every trained width on this batch; logits of the widest."""
    h = model.trunk(x)
    loss, logits = 0.0, None
    for width in model.widths:
        logits = model.head(model.block(h, width))
        loss = loss + F.cross_entropy(logits.float(), y)
    return loss, logits


def plain_network(model, width):
    """The width-``width`` sub-network as an ordinary ResNet-20 (``build_model(..., width=width)``).

    Returns ``(network, bn_source)``: its BN comes from ``width`` itself when that width was trained,
    otherwise from the smallest trained width above it (or the widest), first ``width`` channels."""
    width = check_width(width, "width")
    source = width if width in model.widths else min([d for d in model.widths if d > width] or [max(model.widths)])
    if width > max(model.widths):
        raise ValueError(f"width {width} is above the widest trained width {max(model.widths)}")
    plain = build_model("resnet20", model.net.fc.out_features, width=width)
    state = dict(model.net.state_dict())
    state[BLOCK + "conv1.weight"] = state[BLOCK + "conv1.weight"][:width]
    state[BLOCK + "conv2.weight"] = state[BLOCK + "conv2.weight"][:, :width]
    for bn, sliced in (("bn1", True), ("bn2", False)):
        for key, value in getattr(model, bn)[str(source)].state_dict().items():
            state[f"{BLOCK}{bn}.{key}"] = value[:width] if sliced and value.ndim else value
    plain.load_state_dict(state)
    return plain.eval(), source


def calibration_subset(dataset, images, seed=0):
    """The ``images`` training images (seeded random choice, in a fixed order) BN recalibration sees."""
    keep = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(seed))[:images].tolist()
    return torch.utils.data.Subset(dataset, keep)


def recalibrate_bn(network, dataset, images, prefix=BLOCK, batch_size=200, seed=0, trunk=None):
    """Re-estimate the running statistics of the BN layers under ``prefix`` on ``images`` images of
    ``dataset`` (cumulative average, as ``torch.optim.swa_utils.update_bn`` does). Only the varying
    block is recalibrated: ``update_bn`` would also move the trunk's statistics, which every width shares.

    ``trunk``: the ``TrunkFeatures`` of ``calibration_subset(dataset, images, seed)``; the block then
    runs on those activations instead of the whole network on the images (same statistics: the
    trunk is in eval mode either way)."""
    bns = [m for n, m in network.named_modules() if isinstance(m, nn.BatchNorm2d) and n.startswith(prefix)]
    if trunk is not None:
        trunk.check(network)
        if len(trunk) != min(images, len(dataset)):
            raise ValueError(f"the trunk activations cover {len(trunk)} images, recalibration uses {images}")
        batches = (trunk.features[i:i + batch_size] for i in range(0, len(trunk), batch_size))
        run = network.varying_block()
    else:
        batches = (x for x, _ in DataLoader(calibration_subset(dataset, images, seed), batch_size=batch_size))
        run = network
    network.eval()
    momenta = [bn.momentum for bn in bns]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # None = cumulative moving average over all batches
        bn.train()
    with torch.no_grad():
        for x in batches:
            run(x)
    for bn, momentum in zip(bns, momenta):
        bn.momentum = momentum
    return network.eval()
