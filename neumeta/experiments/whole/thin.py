"""Thin CIFAR ResNets trained from scratch (the Individual rows): every generated block's inner width set by one
compression ratio gamma (``setting.block_widths``); the residual stream, the stem and the classifier keep the base
model's widths. They train with the base model's recipe, each under a key of its own."""
from neumeta.experiments.pretrained.base_models import data_identity, recipe_checkpoint_paths, train_with_recipe
from neumeta.experiments.whole.setting import NAMES, block_widths, setting
from neumeta.models import build_model
from neumeta.models.narrow import narrow_block
from neumeta.seed import seed_everything


def thin_network(gamma, s):
    """A freshly initialised ``s.arch`` whose every generated block has its inner width at ``gamma``."""
    net = build_model(s.arch, s.num_classes)
    for block, width in block_widths(gamma, s).items():
        if width != s.stage_width(block):
            narrow_block(net.get_submodule(block), width)
    return net


def thin_paths(gamma, P):
    s = setting(P)
    key = {"arch": f"{s.arch}-thin", "dataset": s.dataset, "data": data_identity(s.dataset, P),
           "block_widths": block_widths(gamma, s)}
    return recipe_checkpoint_paths(s.arch, P, f"thin-{s.arch}-g{round(100 * gamma)}-{s.dataset}", key)


def train_thin(gamma, P):
    """The thin network at ``gamma``, trained (or reused) with the base recipe: ``(model, info)``."""
    s = setting(P)
    seed_everything(P["seed"])  # the initial weights depend on the seed alone
    model = thin_network(gamma, s)
    meta = {"arch": f"{s.arch}-thin", "dataset": s.dataset, "gamma": gamma, "block_widths": block_widths(gamma, s),
            "profile": P["profile"]}
    return train_with_recipe(model, s.arch, s.dataset, P, thin_paths(gamma, P), meta,
                             desc=f"thin {NAMES[s.arch]} gamma={gamma:g}")
