"""The segmentation experiment end to end, for its notebooks: the plan, every network trained (or reused), every
model scored on the test split (notebook 90), the base U-Net's block pruned and scored (notebook 94).

    python -m neumeta.experiments.segmentation.train cpu base|individual H|slimmable|neumeta   # beforehand, resumably
"""
import pandas as pd

from neumeta.experiments.segmentation import evaluate
from neumeta.experiments.segmentation.inr import inr_path, train_neumeta
from neumeta.experiments.segmentation.models import (datasets, model_path, slimmable_path, train_model,
                                                     train_slimmable)
from neumeta.models.unet import FULL_WIDTH, output_stride
from neumeta.store.checkpoints import is_built, load_checkpoint

# The cost of one training epoch relative to the base U-Net's, measured on this machine's kind of CPU: a
# Slimmable step runs the block at each of its widths, the INR's step adds generating the block.
EPOCH_COST = {"base": 1.0, "individual": 1.0, "slimmable": 1.3, "neumeta": 1.2}


def artifacts(P):
    """``[(role, width, checkpoint path, epochs, command)]`` of every network the experiment trains."""
    cmd = f"python -m neumeta.experiments.segmentation.train {P['profile']}"
    rows = [("base", FULL_WIDTH, model_path(P), P["seg_epochs"], f"{cmd} base")]
    rows += [("individual", w, model_path(P, w), P["seg_epochs"], f"{cmd} individual {w}")
             for w in P["seg_individual_widths"]]
    rows.append(("slimmable", None, slimmable_path(P), P["seg_epochs"], f"{cmd} slimmable"))
    rows.append(("neumeta", None, inr_path(P), P["seg_inr_epochs"], f"{cmd} neumeta"))
    return rows


def plan(P):
    """The plan of CPU-hours: measured hours of what is trained, an estimate (the base U-Net's measured epoch
    time x the relative epoch cost x epochs) of what is not."""
    base_hours_per_epoch = None
    if is_built(model_path(P)):
        meta = load_checkpoint(model_path(P))["meta"]
        base_hours_per_epoch = meta["train_seconds"] / 3600 / meta["epochs"]
    rows = []
    for role, width, path, epochs, command in artifacts(P):
        built = is_built(path)
        hours = load_checkpoint(path)["meta"].get("train_seconds", 0) / 3600 if built else (
            base_hours_per_epoch * EPOCH_COST[role] * epochs if base_hours_per_epoch else float("nan"))
        rows.append(dict(network=role, width=width, epochs=epochs, built=built,
                         hours=hours, hours_are="measured" if built else "estimated", command=command,
                         checkpoint=path.name))
    return pd.DataFrame(rows)


def train_all(P):
    """Every network (trained, or reused from its checkpoint): ``(models, training table)``."""
    models, rows = {}, []
    base, info = train_model(P)
    models["Individual", FULL_WIDTH] = base
    rows.append(_row("base U-Net (Individual at 256)", FULL_WIDTH, info))
    for width in P["seg_individual_widths"]:
        models["Individual", width], info = train_model(P, width)
        rows.append(_row("Individual", width, info))
    models["Slimmable", None], info = train_slimmable(P)
    rows.append(_row("Slimmable", None, info))
    models["NeuMeta", None], info = train_neumeta(P, base)
    rows.append(_row("NeuMeta INR", None, info))
    return models, pd.DataFrame(rows)


def _row(role, width, info):
    history = info.get("history") or []
    return dict(network=role, width=width, epochs=info.get("epochs"), hours=info.get("train_seconds", 0) / 3600,
                held_out_miou=info.get("held_out_miou"),
                precision=(history[-1].get("precision") if history else None) or info.get("precision"))


def score_all(P, models):
    """``{method@width: [n, C, C]}`` of every trained or generated model on the test split, and the masks of the
    figure's images."""
    _, _, test = datasets(P)
    base = models["Individual", FULL_WIDTH]
    stride = output_stride(base)
    meta = models["NeuMeta", None]
    evaluate.check_trunk_matches(P, meta, test, stride, min(P["seg_eval_widths"]))
    confusions, shown = evaluate.score_neumeta(P, meta, test, stride)
    confusions.update(evaluate.score_individual(P, {w: net for (m, w), net in models.items() if m == "Individual"},
                                                test, stride))
    confusions.update(evaluate.score_slimmable(P, models["Slimmable", None], stride))
    shown.update({f"Individual@{w}": net for (m, w), net in models.items() if m == "Individual"})
    return confusions, evaluate.masks_of(P, shown, test, stride)


def score_pruned(P):
    """``{criterion@width: [n, C, C]}``: the base U-Net (trained, or reused from its checkpoint) with its block pruned
    by each criterion at every evaluated width below full, and the first criterion's fine-tuned."""
    base, _ = train_model(P)
    return evaluate.score_pruning(P, base, output_stride(base))


def neumeta_confusions(confusions):
    """NeuMeta's entries (K-sample merge and deterministic sweep) of a stored ``segmentation_confusions``."""
    return {key: conf for key, conf in confusions.items() if key.startswith("NeuMeta")}


def trained_widths(P):
    """What each method trained on, for the tables' ``trained`` column."""
    lo, hi = P["seg_inr_widths"]
    return {"NeuMeta": range(lo, hi + 1), "Individual": [FULL_WIDTH, *P["seg_individual_widths"]],
            "Slimmable": list(P["seg_slimmable_widths"])}
