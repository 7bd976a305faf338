"""Thin ResNet-20s trained from scratch: every residual block's inner width set by one compression ratio gamma,
floor((1 - gamma) * C + 0.5) for its stage's width C (16 / 32 / 64); the residual stream, the stem and the
classifier keep the base model's widths. They train with the base model's recipe, each under a key of its own."""
import math

from neumeta.data import NUM_CLASSES
from neumeta.experiments.pretrained.base_models import data_identity, recipe_checkpoint_paths, train_with_recipe
from neumeta.models import build_model
from neumeta.models.narrow import narrow_block
from neumeta.seed import seed_everything

STAGES = {"layer1": 16, "layer2": 32, "layer3": 64}  # ResNet-20: three stages of three blocks
BLOCKS = tuple(f"{stage}.{i}" for stage in STAGES for i in range(3))


def block_widths(gamma):
    """``{block: inner width}`` of every residual block at compression ``gamma`` (0 <= gamma < 1)."""
    if not 0 <= gamma < 1:
        raise ValueError(f"gamma must be in [0, 1), got {gamma!r}")
    return {block: max(1, math.floor((1 - gamma) * STAGES[block.split(".")[0]] + 0.5)) for block in BLOCKS}


def thin_resnet20(gamma, num_classes=10):
    """A freshly initialised ResNet-20 whose every residual block has its inner width at ``gamma``."""
    net = build_model("resnet20", num_classes)
    for block, width in block_widths(gamma).items():
        if width != STAGES[block.split(".")[0]]:
            narrow_block(net.get_submodule(block), width)
    return net


def thin_paths(gamma, P, dataset="cifar10"):
    key = {"arch": "resnet20-thin", "dataset": dataset, "data": data_identity(dataset, P),
           "block_widths": block_widths(gamma)}
    return recipe_checkpoint_paths("resnet20", P, f"thin-resnet20-g{round(100 * gamma)}-{dataset}", key)


def train_thin(gamma, P, dataset="cifar10"):
    """The thin ResNet-20 at ``gamma``, trained (or reused) with the base recipe: ``(model, info)``."""
    seed_everything(P["seed"])  # the initial weights depend on the seed alone
    model = thin_resnet20(gamma, NUM_CLASSES[dataset])
    meta = {"arch": "resnet20-thin", "dataset": dataset, "gamma": gamma, "block_widths": block_widths(gamma),
            "profile": P["profile"]}
    return train_with_recipe(model, "resnet20", dataset, P, thin_paths(gamma, P, dataset), meta,
                             desc=f"thin ResNet-20 gamma={gamma:g}")
