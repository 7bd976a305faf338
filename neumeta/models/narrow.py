"""A residual block with a narrower inner width, built directly: the Individual baselines whose blocks really have
the width they are compared at (no pruning, no unused full-width module left beside them)."""
import torch.nn as nn

from neumeta.models.registry import check_width


def narrow_block(block, width):
    """A BasicBlock (``conv1`` -> ``bn1`` -> ``conv2``) given new, freshly initialised inner layers of ``width``
    channels, in place: conv1 keeps its input, kernel, stride and padding; conv2 its output; so the block's output
    and the network around it are unchanged."""
    width = check_width(width, "width")
    first, second = block.conv1, block.conv2
    block.conv1 = _conv_like(first, first.in_channels, width)
    block.bn1 = nn.BatchNorm2d(width)
    block.conv2 = _conv_like(second, width, second.out_channels)
    return block


def _conv_like(conv, cin, cout):
    return nn.Conv2d(cin, cout, conv.kernel_size, conv.stride, conv.padding, bias=conv.bias is not None)
