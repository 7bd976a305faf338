"""What NeuMeta generates in the paper's networks, declared as blocks of the networks themselves.

Each experiment is a use of the public API (``neumeta.api.Metamorph``): the blocks whose inner width changes and
the widths training samples. The generated tensors and their shapes come from each network's structure
(``neumeta.api.structure``); the paper's settings are the last BasicBlock of ResNet-20's ``layer3`` (folded
conv1/conv2), every LeNet layer, and the decoder layers of the VAEs whose shapes follow h.
"""
import functools
from collections.abc import Mapping
from dataclasses import dataclass

import torch

from neumeta.api import Metamorph
from neumeta.api.spec import NetworkSpec
from neumeta.method.folding import fuse_bn
from neumeta.models import build_model


@dataclass(frozen=True)
class Generated:
    blocks: tuple  # module names, or tuples of layer names that together form one block
    train_widths: tuple  # (lo, hi) of the width, inclusive
    input_shape: tuple
    width_of: str = None  # the layer whose outputs are the width, where a block has several inner widths
    num_classes: int = 10


GENERATED = {
    "resnet20": Generated(("layer3.2",), (32, 64), (3, 32, 32)),
    "lenet": Generated(("",), (8, 32), (1, 28, 28)),
    "vae-mnist": Generated((("fc5", "fc6"),), (32, 64), (1, 28, 28), num_classes=None),
    "vae-celeba": Generated((("decoder.3", "decoder.6", "decoder.9"),), (32, 64), (3, 64, 64), "decoder.6",
                            num_classes=None),
}


def folded_network(arch, state=None, num_classes=None):
    """The BN-folded ``arch`` at full width (``num_classes``: default its generated family's), holding ``state``
    where given, in eval mode."""
    num_classes = GENERATED[arch].num_classes if num_classes is None else num_classes
    with torch.random.fork_rng(devices=[]):  # a fresh network's initial weights must not move the global random state
        network = fuse_bn(build_model(arch, num_classes).eval())
    if state is not None:
        network.load_state_dict(state)
    return network.eval()


def example_input(arch):
    return torch.zeros(1, *GENERATED[arch].input_shape)


@functools.lru_cache(maxsize=None)
def spec_of(arch):
    """The ``NetworkSpec`` of ``arch``'s generated tensors (names, shapes, widths; the weights play no part)."""
    g = GENERATED[arch]
    with torch.random.fork_rng(devices=[]):  # tracing a VAE draws its noise
        return NetworkSpec(folded_network(arch), g.blocks, g.train_widths, example_input(arch), g.width_of)


def metamorph_of(arch, state, seed, inr):
    """``Metamorph.prepared`` on the stored permuted target ``state`` of ``arch``; ``seed`` seeds the INR's initial
    weights (right before they are drawn); ``inr``: (hidden, layers, Fourier bands)."""
    g = GENERATED[arch]
    hidden, layers, freqs = inr
    return Metamorph.prepared(folded_network(arch, state), g.blocks, g.train_widths, example_input(arch), seed,
                              inr={"hidden": hidden, "num_layers": layers, "num_freqs": freqs}, width_of=g.width_of)


def spec_key(arch):
    """What a checkpoint key records of the generated tensors."""
    spec = spec_of(arch)
    return {"names": list(spec.names), "full_width": spec.full_width, "train_widths": list(spec.train_widths)}


class Specs(Mapping):
    """``{name: NetworkSpec}`` for experiments that name their networks (``{"mnist": "vae-mnist"}``), each spec
    derived on first use."""

    def __init__(self, archs):
        self.archs = dict(archs)

    def __getitem__(self, name):
        return spec_of(self.archs[name])

    def __iter__(self):
        return iter(self.archs)

    def __len__(self):
        return len(self.archs)
