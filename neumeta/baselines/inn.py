"""Integral Neural Network baseline (INN, Solodskikh et al., CVPR 2023), for the width NeuMeta varies.

Own port of the idea, not of TorchIntegral's code: the last ``layer3`` block's weights are a
continuous function of the inner channel coordinate t in [0, 1], stored as a grid of
``grid_size`` samples. A network of width d samples that function at d evenly spaced t by
cubic interpolation along the channel axis; conv2 integrates over t, so its sampled weights
carry the quadrature weight grid_size / d (the rectangle rule, which at d = grid_size gives
back the grid itself). Training samples a random width in ``train_widths`` each batch.

The block has no BN after conv1: a BN's running statistics belong to one discrete width, so
(like TorchIntegral, which folds BN into its continuous layers) conv1 carries a continuous
bias instead. The sampled network is an ordinary ResNet-20 whose ``layer3.2.bn1`` is the
identity plus that bias.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from neumeta.method.export import identity_bn_state
from neumeta.models import build_model, check_width

BLOCK = "layer3.2."


def resample(grid, size, dim):
    """Cubic interpolation of ``grid`` along ``dim`` at ``size`` evenly spaced points of [0, 1]
    (end points included, so ``size == grid.shape[dim]`` returns the grid values)."""
    moved = grid.movedim(dim, -1)
    flat = moved.reshape(1, -1, 1, moved.shape[-1])
    out = F.interpolate(flat, size=(1, size), mode="bicubic", align_corners=True)
    return out.reshape(*moved.shape[:-1], size).movedim(-1, dim)


class INNResNet20(nn.Module):
    def __init__(self, num_classes=10, grid_size=64, train_widths=(32, 64)):
        super().__init__()
        self.grid_size = check_width(grid_size, "grid_size")
        lo, hi = (check_width(d, "train width") for d in train_widths)
        if lo > hi:
            raise ValueError(f"train_widths must be (low, high), got {train_widths}")
        self.train_widths = (lo, hi)
        self.net = build_model("resnet20", num_classes, width=self.grid_size)
        del self.net.layer3[-1].bn1  # replaced by the continuous bias below
        self.conv1_bias = nn.Parameter(torch.zeros(self.grid_size))
        self.width = self.grid_size  # the width ``forward`` uses

    def block_weights(self, width):
        """(conv1 weight, conv1 bias, conv2 weight) of the block sampled at ``width`` channels."""
        block = self.net.layer3[-1]
        conv1 = resample(block.conv1.weight, width, dim=0)
        bias = resample(self.conv1_bias, width, dim=0)
        conv2 = resample(block.conv2.weight, width, dim=1) * (self.grid_size / width)
        return conv1, bias, conv2

    def block(self, h, width):
        conv1, bias, conv2 = self.block_weights(check_width(width, "width"))
        out = F.relu(F.conv2d(h, conv1, bias, padding=1))
        out = self.net.layer3[-1].bn2(F.conv2d(out, conv2, padding=1))
        return F.relu(out + h)

    def forward(self, x, width=None):
        return self.net.head(self.block(self.net.trunk(x), self.width if width is None else width))


def inn_objective(model, x, y):
    """Cross-entropy at one width drawn uniformly from the training range (torch's global RNG,
    which the trainer seeds per epoch, so a resumed run draws the same widths)."""
    lo, hi = model.train_widths
    width = int(torch.randint(lo, hi + 1, ()))
    logits = model(x, width)
    return F.cross_entropy(logits.float(), y), logits


def plain_network(model, width):
    """The INN sampled at ``width`` as an ordinary ResNet-20 (``build_model(..., width=width)``)."""
    width = check_width(width, "width")
    plain = build_model("resnet20", model.net.fc.out_features, width=width)
    state = dict(model.net.state_dict())
    with torch.no_grad():
        conv1, bias, conv2 = model.block_weights(width)
    state.update({BLOCK + "conv1.weight": conv1, BLOCK + "conv2.weight": conv2,
                  BLOCK + "bn1.num_batches_tracked": torch.tensor(0)})
    state.update(identity_bn_state(BLOCK + "bn1", bias, plain.layer3[-1].bn1.eps))  # identity plus the bias
    plain.load_state_dict(state)
    return plain.eval()
