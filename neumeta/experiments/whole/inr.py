"""Whole-network NeuMeta with the paper's recipe: one INR generates the inner convolutions of all nine residual
blocks of ResNet-20 (conv1 C -> h, its folded bias, conv2 h -> C), through ``Metamorph.prepared`` on the committed
BN-folded, channel-permuted base model; the residual stream, the stem and the classifier stay the base model's.

The INR is asked for the widest stage's width (``layer3``, 64 channels), so training draws each of its inner
widths from 32..64 (gamma = 0-50 %) and the 32- and 16-channel stages follow at the same ratio; a compression ratio
gamma is evaluated with every block at floor((1 - gamma) C + 0.5) (``thin.block_widths``), the thin networks'
structure.
"""
import dataclasses
import math

from neumeta.api.metamorph import Metamorph
from neumeta.data import get_dataset
from neumeta.experiments.inr.experiment import inr_seed
from neumeta.experiments.pretrained.base_models import resolve_data_root
from neumeta.experiments.pretrained.specs import example_input, folded_network
from neumeta.experiments.pretrained.targets import permuted_target, permuted_target_path
from neumeta.experiments.whole.thin import BLOCKS, STAGES, block_widths
from neumeta.experiments.inr import configs
from neumeta.experiments.inr.configs import inr_size
from neumeta.store.checkpoints import checkpoint_path

WIDEST_FIRST = tuple(sorted(BLOCKS, key=lambda b: -STAGES[b.split(".")[0]]))  # the INR is asked for layer3's width
BENCHMARK_STEP = "nine-block INR (all blocks)"  # this INR's row in benchmarks/whole_inr_step.py's table


def train_range(P):
    """(lo, hi) of layer3's inner width that training draws from: gamma in [0, whole_train_gamma]."""
    return math.floor((1 - P["whole_train_gamma"]) * STAGES["layer3"] + 0.5), STAGES["layer3"]


def inr_settings(P):
    return inr_size(P, "whole")


def inr_config(P):
    return configs.inr_config(P, epochs=P["whole_inr_epochs"], milestones=P["whole_inr_milestones"],
                              limit_train=P["whole_limit_train"] or P["inr_limit_train"])


def inr_path(P, dataset="cifar10"):
    key = {"target": permuted_target_path("resnet20", dataset, P).name, "blocks": list(WIDEST_FIRST),
           "train_widths": list(train_range(P)), "inr": inr_settings(P), "recipe": "paper, all blocks at once",
           "train": {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(inr_config(P)).items()}}
    return checkpoint_path(P["profile"], f"neumeta-whole-resnet20-{dataset}", key)


def metamorph(P, dataset="cifar10"):
    """The untrained whole-network ``Metamorph`` (the INR seeded by ``inr_seed``)."""
    state, _ = permuted_target("resnet20", dataset, P)
    return Metamorph.prepared(folded_network("resnet20", state), list(WIDEST_FIRST), train_range(P),
                              example_input("resnet20"), inr_seed(P), inr=inr_settings(P))


def train_whole_neumeta(P, dataset="cifar10"):
    """The whole-network INR, trained (or reused): ``(metamorph, info)``; every epoch is checkpointed."""
    meta = metamorph(P, dataset)
    train = get_dataset(dataset, "train", root=resolve_data_root(P))
    path = inr_path(P, dataset)
    info = meta.fit_keyed(train, inr_config(P), path, {"checkpoint": path.name, "blocks": list(WIDEST_FIRST),
                                                        "describe": meta.describe()}, desc="whole-network NeuMeta")
    return meta.eval(), info


def network_at(meta, gamma, **merge):
    """The generated ResNet-20 with every block at compression ``gamma`` (the thin networks' widths)."""
    return meta.network(block_widths(gamma), **merge)
