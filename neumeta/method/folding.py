"""Fold every BatchNorm2d into the (transposed) convolution right before it (eval-mode function unchanged).

NeuMeta generates conv weight *and* bias for the varying block, so the target network
is used with BN folded: no BN statistics exist for widths never trained. Fold *after*
loading un-fused weights (folding first and loading later is the official code's
constant-class bug, Adamdad/neumeta#4).
"""
import copy

import torch.nn as nn
from torch.nn.utils.fusion import fuse_conv_bn_eval


def fuse_bn(model):
    """A copy of ``model`` in eval mode with each Conv2d->BatchNorm2d or ConvTranspose2d->BatchNorm2d pair
    (siblings, in registration order) folded into one convolution with bias; the BN becomes ``nn.Identity``."""
    fused = copy.deepcopy(model).eval()
    for parent in fused.modules():
        names = list(parent._modules)
        for a, b in zip(names, names[1:]):
            conv, bn = parent._modules[a], parent._modules[b]
            if isinstance(conv, (nn.Conv2d, nn.ConvTranspose2d)) and isinstance(bn, nn.BatchNorm2d):
                parent._modules[a] = fuse_conv_bn_eval(conv, bn, transpose=isinstance(conv, nn.ConvTranspose2d))
                parent._modules[b] = nn.Identity()
    return fused
