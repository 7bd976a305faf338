"""Which network, dataset and residual blocks the whole-network experiment resizes, read from the profile:

- ``whole_arch`` / ``whole_dataset``: the CIFAR ResNet and its dataset (cpu: ResNet-20 on CIFAR-10; paper: the
  follow-up's own setting, ResNet-56 on CIFAR-100, so its numbers can be set beside the follow-up's);
- ``whole_blocks``: ``all`` (every residual block) or ``followup`` (the follow-up's headline blocks: ``layer3``'s
  blocks but its first, which downsamples, and its last, which the follow-up trains directly with the classifier:
  ``layer3.1``-``layer3.7`` of ResNet-56).

A compression ratio gamma sets every generated block's inner width to floor((1 - gamma) C + 0.5) for its stage's
width C (16 / 32 / 64); every other width is the base model's.
"""
import math
from dataclasses import dataclass

from neumeta.data import NUM_CLASSES

STAGE_WIDTHS = {"layer1": 16, "layer2": 32, "layer3": 64}  # the CIFAR ResNets' three stages
BLOCKS_PER_STAGE = {"resnet20": 3, "resnet56": 9}
NAMES = {"resnet20": "ResNet-20", "resnet56": "ResNet-56", "cifar10": "CIFAR-10", "cifar100": "CIFAR-100"}


@dataclass(frozen=True)
class Setting:
    arch: str
    dataset: str
    blocks: tuple  # the generated residual blocks, front to back

    @property
    def num_classes(self):
        return NUM_CLASSES[self.dataset]

    @property
    def widest(self):
        """The widest stage's width among the generated blocks: the width the INR is asked for."""
        return max(self.stage_width(b) for b in self.blocks)

    @staticmethod
    def stage_width(block):
        return STAGE_WIDTHS[block.split(".")[0]]

    def describe(self):
        """E.g. "ResNet-20 on CIFAR-10, all 9 residual blocks"."""
        which = (f"all {len(self.blocks)} residual blocks" if self.blocks == residual_blocks(self.arch)
                 else f"blocks {self.blocks[0]}-{self.blocks[-1]} ({len(self.blocks)})")
        return f"{NAMES[self.arch]} on {NAMES[self.dataset]}, {which}"


def residual_blocks(arch):
    """Every residual block of the CIFAR ResNet ``arch``, front to back (``layer1.0`` ... ``layer3.<n-1>``)."""
    if arch not in BLOCKS_PER_STAGE:
        raise ValueError(f"whole_arch must be one of {sorted(BLOCKS_PER_STAGE)}, got {arch!r}")
    return tuple(f"{stage}.{i}" for stage in STAGE_WIDTHS for i in range(BLOCKS_PER_STAGE[arch]))


def setting(P):
    """The profile's ``Setting``."""
    every = residual_blocks(P["whole_arch"])
    if P["whole_blocks"] == "all":
        blocks = every
    elif P["whole_blocks"] == "followup":
        blocks = tuple(b for b in every if b.startswith("layer3."))[1:-1]
    else:
        raise ValueError(f"whole_blocks must be 'all' or 'followup', got {P['whole_blocks']!r}")
    return Setting(P["whole_arch"], P["whole_dataset"], blocks)


def block_widths(gamma, s):
    """``{block: inner width}`` of every generated block of setting ``s`` at compression ``gamma`` (0 <= gamma < 1)."""
    if not 0 <= gamma < 1:
        raise ValueError(f"gamma must be in [0, 1), got {gamma!r}")
    return {block: max(1, math.floor((1 - gamma) * s.stage_width(block) + 0.5)) for block in s.blocks}
