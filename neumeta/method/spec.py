"""What NeuMeta generates, declared as data: parameter names of the BN-folded target
network and the width that drives their shapes.

The paper's settings are ``RESNET20_LAST_BLOCK`` (the last BasicBlock of ``layer3``,
folded conv1/conv2 weight + bias) and ``LENET_ALL`` (every LeNet parameter). A later
experiment can generate more of a network by declaring a wider spec, not by
changing the engine.
"""
import functools
from dataclasses import dataclass

import torch

from neumeta.method.folding import fuse_bn
from neumeta.models import build_model


@dataclass(frozen=True)
class GenerationSpec:
    arch: str
    names: tuple  # generated parameter names, in a fixed order (one INR head each)
    full_width: int  # the pretrained width: the only one with ground-truth weights
    train_widths: tuple  # (lo, hi) inclusive, sampled uniformly in training
    num_classes: int = 10
    input_shape: tuple = (3, 32, 32)
    transposed: tuple = ()  # names of transposed-convolution weights: [in, out, k, k], fan-in on axis 0

    def fan_in(self, name, shape):
        """The input count a generated tensor's outputs are divided by (1 for biases)."""
        if len(shape) < 2:
            return 1
        return shape[0] if name in self.transposed else shape[1]

    def model(self, width, device="meta"):
        """The BN-folded target network at ``width`` (on the meta device: shapes only, no memory). The width is
        checked once, by ``build_model``: every path that asks for a width goes through it."""
        with torch.device(device):
            return fuse_bn(build_model(self.arch, self.num_classes, width))

    def shapes(self, width):
        return _shapes(self, width)


@functools.lru_cache(maxsize=512)
def _shapes(spec, width):
    """Shapes of the generated tensors at ``width`` (built once on the meta device)."""
    params = dict(spec.model(width).named_parameters())
    missing = [n for n in spec.names if n not in params]
    if missing:
        raise KeyError(f"{spec.arch} has no parameters {missing}; check the spec")
    return {n: tuple(params[n].shape) for n in spec.names}


RESNET20_LAST_BLOCK = GenerationSpec(
    arch="resnet20",
    names=("layer3.2.conv1.weight", "layer3.2.conv1.bias", "layer3.2.conv2.weight", "layer3.2.conv2.bias"),
    full_width=64, train_widths=(32, 64))

LENET_ALL = GenerationSpec(
    arch="lenet",
    names=("conv_1.weight", "conv_1.bias", "conv_2.weight", "conv_2.bias",
           "conv_3.weight", "conv_3.bias", "linear.weight", "linear.bias"),
    full_width=32, train_widths=(8, 32), input_shape=(1, 28, 28))

# Image generation (method reference 13): the decoder layers whose shapes follow h, trained on 32..64.
VAE_MNIST_DECODER = GenerationSpec(
    arch="vae-mnist", names=("fc5.weight", "fc5.bias", "fc6.weight", "fc6.bias"),
    full_width=64, train_widths=(32, 64), num_classes=None, input_shape=(1, 28, 28))

VAE_CELEBA_DECODER = GenerationSpec(
    arch="vae-celeba",
    names=("decoder.3.weight", "decoder.3.bias", "decoder.6.weight", "decoder.6.bias", "decoder.9.weight",
           "decoder.9.bias"),
    full_width=64, train_widths=(32, 64), num_classes=None, input_shape=(3, 64, 64),
    transposed=("decoder.3.weight", "decoder.6.weight", "decoder.9.weight"))
