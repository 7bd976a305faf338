"""Whole-network NeuMeta with the paper's recipe: one INR generates the inner convolutions of every generated
residual block (conv1 C -> h, its folded bias, conv2 h -> C; ``setting``), through ``Metamorph.prepared`` on the
committed BN-folded, channel-permuted base model; the residual stream, the stem and the classifier stay the base
model's.

The INR is asked for the widest generated stage's width (``layer3``, 64 channels), so training draws each of its
inner widths from 32..64 (gamma = 0-50 %) and narrower stages follow at the same ratio; a compression ratio gamma
is evaluated with every block at floor((1 - gamma) C + 0.5) (``setting.block_widths``), the thin networks'
structure.
"""
import dataclasses
import math

import torch

from neumeta.api.metamorph import Metamorph
from neumeta.data import get_dataset
from neumeta.experiments.inr import configs
from neumeta.experiments.inr.configs import inr_size
from neumeta.experiments.inr.experiment import inr_seed
from neumeta.experiments.pretrained.base_models import INPUT_SHAPES, resolve_data_root
from neumeta.experiments.pretrained.specs import folded_network
from neumeta.experiments.pretrained.targets import permuted_target, permuted_target_path
from neumeta.experiments.whole.setting import block_widths, setting
from neumeta.store.checkpoints import checkpoint_path

BENCHMARK_STEP = "nine-block INR (all blocks)"  # this INR's row in benchmarks/whole_inr_step.py's table


def widest_first(s):
    """The generated blocks, widest stage first: the INR is asked for the first one's width."""
    return tuple(sorted(s.blocks, key=lambda b: -s.stage_width(b)))


def train_range(P):
    """(lo, hi) of the widest stage's inner width that training draws from: gamma in [0, whole_train_gamma]."""
    widest = setting(P).widest
    return math.floor((1 - P["whole_train_gamma"]) * widest + 0.5), widest


def inr_settings(P):
    return inr_size(P, "whole")


def inr_config(P):
    # ``whole_inr_rec_warmup_steps`` in place of the one-block INRs' warm start: fitted on the full-width grid alone,
    # it leaves every narrower all-blocks network at chance and the first epoch collapses to a constant classifier
    return configs.inr_config(P, epochs=P["whole_inr_epochs"], milestones=P["whole_inr_milestones"],
                              rec_warmup_steps=P["whole_inr_rec_warmup_steps"],
                              limit_train=P["whole_limit_train"] or P["inr_limit_train"])


def inr_path(P):
    s = setting(P)
    key = {"target": permuted_target_path(s.arch, s.dataset, P).name, "blocks": list(widest_first(s)),
           "train_widths": list(train_range(P)), "inr": inr_settings(P), "recipe": "paper, all blocks at once",
           "train": {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(inr_config(P)).items()}}
    return checkpoint_path(P["profile"], f"neumeta-whole-{s.arch}-{s.dataset}", key)


def metamorph(P):
    """The untrained whole-network ``Metamorph`` (the INR seeded by ``inr_seed``)."""
    s = setting(P)
    state, _ = permuted_target(s.arch, s.dataset, P)
    return Metamorph.prepared(folded_network(s.arch, state, s.num_classes), list(widest_first(s)), train_range(P),
                              torch.zeros(1, *INPUT_SHAPES[s.dataset]), inr_seed(P), inr=inr_settings(P))


def train_whole_neumeta(P):
    """The whole-network INR, trained (or reused): ``(metamorph, info)``; every epoch is checkpointed."""
    s = setting(P)
    meta = metamorph(P)
    train = get_dataset(s.dataset, "train", root=resolve_data_root(P))
    path = inr_path(P)
    info = meta.fit_keyed(train, inr_config(P), path, {"checkpoint": path.name, "blocks": list(widest_first(s)),
                                                        "describe": meta.describe()}, desc="whole-network NeuMeta")
    return meta.eval(), info


def network_at(meta, gamma, s, **merge):
    """The generated network with every generated block at compression ``gamma`` (the thin networks' widths)."""
    return meta.network(block_widths(gamma, s), **merge)
