"""Notebook 01: NeuMeta through the public API on a network the paper never used, a small MNIST CNN whose middle
block changes width. Everything NeuMeta-specific is ``neumeta.Metamorph``; this module only trains the base
network, names the checkpoints and scores widths."""
import dataclasses
from collections import OrderedDict

import pandas as pd
import torch
import torch.nn as nn

from neumeta.data import get_dataset
from neumeta.experiments.pretrained.base_models import data_identity, resolve_data_root
from neumeta.metrics import accuracy_of, count_parameters, predict
from neumeta.stats import paired_difference, verdict_of
from neumeta.store.checkpoints import checkpoint_path
from neumeta.training.classifier import TrainConfig, train_classifier

BLOCK = "body"  # the block whose inner width changes: 64 channels between its two convolutions


def quick_net(seed=0):
    """stem (1 -> 16) | body (16 -> 64 -> 32, the width that changes) | head (pool, 1568 -> 10)."""
    torch.manual_seed(seed)
    return nn.Sequential(OrderedDict(
        stem=nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2)),
        body=nn.Sequential(nn.Conv2d(16, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
                           nn.Conv2d(64, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU()),
        head=nn.Sequential(nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 7 * 7, 10))))


def datasets(P):
    root = resolve_data_root(P)
    return get_dataset("mnist", "train", root=root), get_dataset("mnist", "test", root=root, transform="eval")


def base_config(P):
    return TrainConfig(epochs=P["quickstart_base_epochs"], batch_size=128, lr=0.05, warmup_epochs=0.5,
                       seed=P["seed"], limit_train=P["quickstart_limit_train"])


def base_key(P):
    return {"model": "quick_net", "data": data_identity("mnist", P), **dataclasses.asdict(base_config(P))}


def train_base(P, train, test):
    """The base network, trained (or reused) with SGD; returns ``(model, info)``."""
    path = checkpoint_path(P["profile"], "quickstart-base", base_key(P))
    return train_classifier(quick_net(P["seed"]), train, test, base_config(P), path, desc="base")


def fit_settings(P):
    return {"batch_size": 128, "lr": 1e-3, "limit_train": P["quickstart_limit_train"],
            "rec_warmup_steps": P["quickstart_rec_warmup_steps"], "noise": P["inr_noise"]}


def inr_checkpoint(P, meta):
    key = {"base": base_key(P), "metamorph": meta.settings, "epochs": P["quickstart_inr_epochs"],
           **fit_settings(P)}
    return checkpoint_path(P["profile"], "quickstart-inr", key)


def accuracy_by_width(meta, base, test, P):
    """One row per width of ``quickstart_eval_widths``: the generated network's accuracy (the paper's K-sample
    merge), its parameters, and its difference from the base network with the paired 95 % interval."""
    base_preds, labels = predict(base, test, desc="base")
    lo, hi = P["quickstart_widths"]
    rows = []
    for width in P["quickstart_eval_widths"]:
        net = meta.network(width, samples=P["quickstart_samples"], noise=P["inr_noise"], seed=P["seed"])
        preds, _ = predict(net, test, desc=f"width {width}")
        diff = paired_difference(preds, base_preds, labels, seed=P["seed"])
        rows.append({"width": width, "trained_width": lo <= width <= hi, "accuracy": accuracy_of(preds, labels),
                     "base_accuracy": accuracy_of(base_preds, labels), "minus_base": diff["diff"],
                     "ci_low": diff["ci_low"], "ci_high": diff["ci_high"],
                     "verdict": verdict_of(diff, "above the base", "below the base"),
                     "within_1_point": abs(diff["diff"]) <= 1.0, "params": count_parameters(net),
                     "images": len(labels), "samples": P["quickstart_samples"]})
    return pd.DataFrame(rows)

