"""Where NeuMeta's U-Net stands, and why: how much of the base U-Net's block its INR reproduces, and what the
U-Net scores with that block switched off.

The block off is the base U-Net whose ``encoder.layer3.1`` residual branch is zeroed (its last BatchNorm's scale
and shift at 0): the block then passes its input through (the input already went through a ReLU), the h = 0 end of
the width range. A NeuMeta network near it has learned a block that adds little; one near the base has learned the
block. The reconstruction errors say how far the INR's weights are from the base block's at full width, after its
warm start (the checkpoint's record) and after training.
"""
import copy

import numpy as np
import pandas as pd
import torch

from neumeta.experiments.segmentation.inr import inr_path
from neumeta.experiments.segmentation.models import datasets, labels
from neumeta.method.training import relative_errors
from neumeta.models.unet import BLOCK, FULL_WIDTH, output_stride
from neumeta.segmentation.metrics import mean_iou, paired_miou_difference
from neumeta.segmentation.trunk import shared_trunk
from neumeta.store.checkpoints import load_checkpoint

BLOCK_OFF = "block off"


def block_off(base):
    """A copy of the base U-Net whose generated block passes its input through (residual branch zeroed)."""
    net = copy.deepcopy(base).eval()
    last_norm = net.get_submodule(BLOCK).bn2
    with torch.no_grad():
        last_norm.weight.zero_()
        last_norm.bias.zero_()
    return net


def block_off_confusions(P, base):
    """``{"block off@0": [n, C, C]}``: the base U-Net with its block off, on the test split."""
    _, _, test = datasets(P)
    classes, ignore = labels(P)
    trunk = shared_trunk(base, test, output_stride(base), ignore, desc="base trunk")  # score_all's, if it ran
    return {f"{BLOCK_OFF}@0": trunk.confusions(block_off(base), classes, ignore)}


def reconstruction(P, meta):
    """One row per generated tensor: the INR's relative error ||W - W_base|| / ||W_base|| at full width after its
    warm start (as recorded in its checkpoint) and after training (the K-sample merge the table scores)."""
    record = load_checkpoint(inr_path(P))["meta"].get("warm_start") or {}
    warm = record.get("relative_error", {})
    trained = relative_errors(meta.weights(FULL_WIDTH, samples=P["seg_eval_samples"]),
                              meta.target.ground_truth())
    return pd.DataFrame([dict(tensor=name, warm_start=warm.get(name, np.nan), trained=error)
                         for name, error in trained.items()])


def against_block_off(confusions, off, seed=0, resamples=2000):
    """NeuMeta at each evaluated width, and the base U-Net, minus the block off (mIoU points, paired interval)."""
    (off_key, off_conf), = off.items()
    rows = [dict(model=BLOCK_OFF, width=0, miou=mean_iou(off_conf), diff=np.nan, ci_low=np.nan, ci_high=np.nan,
                 verdict="")]
    keys = [k for k in confusions if k.startswith("NeuMeta@")] + [f"Individual@{FULL_WIDTH}"]
    for key in keys:
        model, _, width = key.rpartition("@")
        result = paired_miou_difference(confusions[key], off_conf, resamples=resamples, seed=seed)
        rows.append(dict(model="base U-Net" if model == "Individual" else model, width=int(width),
                         miou=mean_iou(confusions[key]), diff=result["diff"], ci_low=result["ci_low"],
                         ci_high=result["ci_high"], verdict=result["verdict"]))
    return pd.DataFrame(rows)
