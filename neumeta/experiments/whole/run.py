"""The whole-network experiment end to end, for notebooks 92 and 95: the plan of machine-hours, every model trained (or
reused), every row scored.

    python -m neumeta.experiments.whole.train cpu thin G | neumeta | followup     # beforehand, resumably
"""
import pandas as pd
import torch.nn as nn

from neumeta.experiments.inr.experiment import inr_checkpoint_path
from neumeta.experiments.pretrained.base_models import base_checkpoint_path, train_base_model
from neumeta.experiments.pretrained.hours import training_hours
from neumeta.experiments.whole.followup import followup_path, stage_epochs, train_followup
from neumeta.experiments.whole.inr import BENCHMARK_STEP, inr_path, train_whole_neumeta
from neumeta.experiments.whole.setting import NAMES, residual_blocks, setting
from neumeta.experiments.whole.thin import thin_paths, train_thin
from neumeta.metrics import count_parameters
from neumeta.store.checkpoints import is_built, load_checkpoint
from neumeta.store.results import RESULTS_ROOT

FOLLOWUP_ESTIMATE = ("estimated as the paper recipe's (assumes the same cost per step, though each follow-up step "
                     "generates twice, at full width and a drawn one, and stage k only blocks 0..k)")


def _hours(path):
    return training_hours(path) if is_built(path) else None


def step_ratio(P):
    """The nine-block INR step over the one-block INR's, from ``benchmarks/whole_inr_step.py`` (1 if not run)."""
    s = setting(P)
    if (s.arch, s.dataset, s.blocks) != ("resnet20", "cifar10", residual_blocks("resnet20")):
        return float("nan")  # the benchmark measures ResNet-20's nine blocks on CIFAR-10 only
    path = RESULTS_ROOT / P["profile"] / "benchmarks" / "whole_inr_step.csv"
    if not path.exists():
        return 1.0
    ratio = pd.read_csv(path).set_index("step").ratio_to_one_block_inr
    if BENCHMARK_STEP not in ratio.index:
        raise ValueError(f"{path.name} has no row {BENCHMARK_STEP!r}: rerun benchmarks/whole_inr_step.py")
    return float(ratio[BENCHMARK_STEP])


def plan(P):
    """Measured hours of what is trained; estimates of the rest: a thin network costs the base model's recipe, an
    INR the one-block INR's hours per epoch x the step ratio x its epochs (the follow-up's: the paper recipe's,
    its ``hours_are`` says what that assumes). Refuses a schedule the follow-up's stages cannot share."""
    s = setting(P)
    stage_epochs(P)
    base_hours = _hours(base_checkpoint_path(s.arch, s.dataset, P))
    one = inr_checkpoint_path("resnet20", "cifar10", P) if s.arch == "resnet20" else None  # Table 2's INR
    one_meta = load_checkpoint(one)["meta"] if one and is_built(one) else None
    per_epoch = one_meta["train_seconds"] / 3600 / one_meta["epochs"] if one_meta else float("nan")
    cmd = f"python -m neumeta.experiments.whole.train {P['profile']}"
    rows = [(f"thin {NAMES[s.arch]}, gamma = {g:g}", thin_paths(g, P)[-1], base_hours, f"{cmd} thin {g:g}", "estimated")
            for g in P["whole_thin_gammas"]]
    inr_estimate = per_epoch * step_ratio(P) * P["whole_inr_epochs"]
    rows += [("NeuMeta INR, paper recipe", inr_path(P), inr_estimate, f"{cmd} neumeta", "estimated"),
             ("NeuMeta INR, follow-up recipe", followup_path(P), inr_estimate, f"{cmd} followup", FOLLOWUP_ESTIMATE)]
    out = []
    for name, path, estimate, command, estimated in rows:
        measured = _hours(path)
        hours_are = "measured" if measured is not None else estimated if estimate == estimate else (
            "no estimate: nothing of this network measured here")
        out.append(dict(model=name, built=measured is not None, hours=measured if measured is not None else estimate,
                        hours_are=hours_are, command=command,
                        checkpoint=path.name))
    return pd.DataFrame(out)


def train_all(P):
    """Every model (trained or reused): ``(models, training table)``."""
    models, rows = {}, []
    s = setting(P)
    models["base"], info = train_base_model(s.arch, s.dataset, P)
    rows.append(dict(model=f"base {NAMES[s.arch]} (gamma = 0)", hours=info["train_seconds"] / 3600))
    for gamma in P["whole_thin_gammas"]:
        models["thin", gamma], info = train_thin(gamma, P)
        rows.append(dict(model=f"thin {NAMES[s.arch]}, gamma = {gamma:g}", hours=info["train_seconds"] / 3600))
    models["paper"], info = train_whole_neumeta(P)
    rows.append(dict(model="NeuMeta INR, paper recipe", hours=info["train_seconds"] / 3600))
    models["followup"], info = train_followup(P)
    rows.append(dict(model="NeuMeta INR, follow-up recipe", hours=info["train_seconds"] / 3600))
    return models, pd.DataFrame(rows)[["model", "hours"]]


def base_model(P):
    """The base model (trained, or reused from its checkpoint): what the pruning rows prune."""
    s = setting(P)
    return train_base_model(s.arch, s.dataset, P)[0]


def _folded_into(modules, conv):
    """The BatchNorm ``fuse_bn`` folds into the convolution ``conv`` (its sibling right after it), or None."""
    parent, _, child = conv.rpartition(".")
    prefix = f"{parent}." if parent else ""
    names = [n for n, _ in modules[parent].named_children()]
    after = names[names.index(child) + 1:][:1]
    return prefix + after[0] if after and isinstance(modules[prefix + after[0]], nn.BatchNorm2d) else None


def outside_generated(base, generated, classifier=True):
    """Parameters of the unfolded ``base`` outside the ``generated`` (BN-folded) tensors: every generated
    convolution and the BatchNorm folded into it are left out, and the classifier ``fc`` too unless ``classifier``."""
    modules = dict(base.named_modules())
    convs = {n.rpartition(".")[0] for n in generated}
    covered = convs | {_folded_into(modules, c) for c in convs}
    return sum(p.numel() for n, p in base.named_parameters()
               if n.rpartition(".")[0] not in covered and (classifier or not n.startswith("fc.")))


def stored_parameters(models, P):
    """What each approach stores to serve every gamma: NeuMeta its INR plus the base model's parameters outside
    the generated tensors (the follow-up: its scalars and its own classifier instead of the base model's);
    Individual every network; pruning the base model (plus each fine-tuned network)."""
    meta = models["paper"]
    follow_meta, scales_and_head = models["followup"]
    # one form for every approach, the unfolded one the base and thin networks run in (BatchNorms as parameters):
    # NeuMeta's part outside the generated tensors counted on its folded copy would leave its BatchNorms out
    outside = outside_generated(models["base"], meta.spec.names)
    follow_outside = outside_generated(models["base"], follow_meta.spec.names, classifier=False)
    base = count_parameters(models["base"])
    thin = sum(count_parameters(models["thin", g]) for g in P["whole_thin_gammas"])
    gammas = len(P["whole_thin_gammas"])
    return pd.DataFrame([
        dict(approach="NeuMeta (paper recipe)", stored_params=count_parameters(meta.inr) + outside,
             serves="every gamma"),
        dict(approach="NeuMeta (follow-up recipe)", stored_params=count_parameters(follow_meta.inr) + follow_outside
             + count_parameters(scales_and_head), serves="every gamma"),
        dict(approach="Individual", stored_params=base + thin, serves=f"{1 + gammas} gammas"),
        dict(approach="pruning (no fine-tune)", stored_params=base, serves="every gamma (pruned on demand)"),
        dict(approach="pruning + fine-tune", stored_params=base + thin,  # each fine-tuned network: a thin one's size
             serves=f"{gammas} gammas (one fine-tuned network each)"),
    ])
