"""Notebook 30's yardstick of training cost: one training step of every Table 2 method, relative to one plain
ResNet-20 step at the recipe's batch size (same process, steps interleaved, medians)."""
import statistics
import time

import pandas as pd
import torch

from neumeta.baselines.inn import INNResNet20, inn_objective
from neumeta.baselines.slimmable import SlimmableResNet20, slimmable_objective
from neumeta.models import build_model
from neumeta.training.classifier import cross_entropy_objective

PLAIN = "plain ResNet-20"


def bench_models(P):
    """``{name: (model, objective)}``: the plain ResNet-20, Slimmable, INN and an Individual network at every
    narrower width of ``table2_widths``, freshly built (their step time does not depend on trained weights)."""
    widths = P["table2_widths"]
    models = {PLAIN: (build_model("resnet20"), cross_entropy_objective),
              "Slimmable": (SlimmableResNet20(widths=P["table2_slim_widths"]), slimmable_objective),
              "INN": (INNResNet20(grid_size=P["table2_inn_grid"], train_widths=P["table2_inn_train_widths"]),
                      inn_objective)}
    models.update({f"Individual d={d}": (build_model("resnet20", width=d), cross_entropy_objective)
                   for d in widths if d != max(widths)})
    return models


def training_step_speed(models, P, bf16, warmup=2):
    """One row per model: the median seconds of its forward and backward pass on one random batch of
    ``base_batch_size`` images (``bench_steps`` timed rounds after ``warmup``, all models in turn each round,
    bfloat16 autocast where ``bf16``) and its ratio to the plain ResNet-20's."""
    x = torch.randn(P["base_batch_size"], 3, 32, 32)
    y = torch.randint(0, 10, (P["base_batch_size"],))
    times = {name: [] for name in models}
    for step in range(P["bench_steps"] + warmup):
        for name, (model, objective) in models.items():
            model.train()
            t0 = time.perf_counter()
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                loss, _ = objective(model, x, y)
            loss.backward()
            if step >= warmup:
                times[name].append(time.perf_counter() - t0)
    plain_step = statistics.median(times[PLAIN])
    return pd.DataFrame([dict(method=name, step_seconds=statistics.median(t),
                              ratio_to_plain=statistics.median(t) / plain_step,
                              batch_size=P["base_batch_size"], steps=P["bench_steps"]) for name, t in times.items()])
