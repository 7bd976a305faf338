"""The whole-network experiment end to end, for its notebook: the plan of machine-hours, every model trained (or
reused), every row scored.

    python -m neumeta.experiments.whole.train cpu thin G | neumeta | followup     # beforehand, resumably
"""
import pandas as pd

from neumeta.experiments.inr.experiment import inr_checkpoint_path
from neumeta.experiments.pretrained.base_models import base_checkpoint_path, train_base_model
from neumeta.experiments.whole.followup import followup_path, train_followup
from neumeta.experiments.whole.inr import inr_path, train_whole_neumeta
from neumeta.experiments.whole.thin import thin_paths, train_thin
from neumeta.store.checkpoints import is_built, load_checkpoint
from neumeta.store.results import RESULTS_ROOT


def _hours(path):
    return load_checkpoint(path)["meta"].get("train_seconds", float("nan")) / 3600 if is_built(path) else None


def step_ratio(P):
    """The nine-block INR step over the one-block INR's, from ``benchmarks/whole_inr_step.py`` (1 if not run)."""
    path = RESULTS_ROOT / P["profile"] / "benchmarks" / "whole_inr_step.csv"
    if not path.exists():
        return 1.0
    t = pd.read_csv(path)
    return float(t.ratio_to_one_block_inr.iloc[-1])


def plan(P):
    """Measured hours of what is trained; estimates of the rest: a thin network costs the base model's recipe, an
    INR the one-block INR's hours per epoch x the step ratio x its epochs."""
    base_hours = _hours(base_checkpoint_path("resnet20", "cifar10", P))
    one = inr_checkpoint_path("resnet20", "cifar10", P)
    one_meta = load_checkpoint(one)["meta"] if is_built(one) else None
    per_epoch = one_meta["train_seconds"] / 3600 / one_meta["epochs"] if one_meta else float("nan")
    cmd = f"python -m neumeta.experiments.whole.train {P['profile']}"
    rows = [(f"thin ResNet-20, gamma = {g:g}", thin_paths(g, P)[-1], base_hours, f"{cmd} thin {g:g}")
            for g in P["whole_thin_gammas"]]
    inr_estimate = per_epoch * step_ratio(P) * P["whole_inr_epochs"]
    rows += [("NeuMeta INR, paper recipe", inr_path(P), inr_estimate, f"{cmd} neumeta"),
             ("NeuMeta INR, follow-up recipe", followup_path(P), inr_estimate, f"{cmd} followup")]
    out = []
    for name, path, estimate, command in rows:
        measured = _hours(path)
        out.append(dict(model=name, built=measured is not None, hours=measured if measured is not None else estimate,
                        hours_are="measured" if measured is not None else "estimated", command=command,
                        checkpoint=path.name))
    return pd.DataFrame(out)


def train_all(P):
    """Every model (trained or reused): ``(models, training table)``."""
    models, rows = {}, []
    models["base"], info = train_base_model("resnet20", "cifar10", P)
    rows.append(dict(model="base ResNet-20 (gamma = 0)", hours=info["train_seconds"] / 3600, params=None))
    for gamma in P["whole_thin_gammas"]:
        models["thin", gamma], info = train_thin(gamma, P)
        rows.append(dict(model=f"thin ResNet-20, gamma = {gamma:g}", hours=info["train_seconds"] / 3600))
    models["paper"], info = train_whole_neumeta(P)
    rows.append(dict(model="NeuMeta INR, paper recipe", hours=info["train_seconds"] / 3600))
    models["followup"], info = train_followup(P)
    rows.append(dict(model="NeuMeta INR, follow-up recipe", hours=info["train_seconds"] / 3600))
    return models, pd.DataFrame(rows)[["model", "hours"]]


def stored_parameters(models, P):
    """What each approach stores to serve every gamma: NeuMeta its INR plus the base model's parameters outside
    the generated tensors (the follow-up adds its scalars and classifier); Individual every network; pruning the
    base model (plus each fine-tuned network)."""
    from neumeta.metrics import count_parameters
    meta = models["paper"]
    outside = sum(p.numel() for n, p in meta.target.net.named_parameters() if n not in meta.spec.names)
    follow_meta, extra = models["followup"]
    base = count_parameters(models["base"])
    thin = sum(count_parameters(models["thin", g]) for g in P["whole_thin_gammas"])  # a fine-tuned pruned network
    return pd.DataFrame([
        dict(approach="NeuMeta (paper recipe)", stored_params=count_parameters(meta.inr) + outside, serves="every gamma"),
        dict(approach="NeuMeta (follow-up recipe)", stored_params=count_parameters(follow_meta.inr) + outside
             + count_parameters(extra), serves="every gamma"),
        dict(approach="Individual", stored_params=base + thin, serves=f"{1 + len(P['whole_thin_gammas'])} gammas"),
        dict(approach="pruning (no fine-tune)", stored_params=base, serves="every gamma (pruned on demand)"),
        dict(approach="pruning + fine-tune", stored_params=base + thin,  # each fine-tuned network: a thin one's size
             serves=f"{len(P['whole_thin_gammas'])} gammas (one fine-tuned network each)"),
    ])
