"""Notebook 30's library parts on small tables: the training-cost yardstick, Table 2 and its rendering, which
predictions are paired, and the step timing."""
import math

import pandas as pd
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from neumeta.experiments.table2.costs import on_one_yardstick, step_ratio
from neumeta.experiments.table2.pairing import paired_predictions
from neumeta.experiments.table2.speed import PLAIN, training_step_speed
from neumeta.experiments.table2.tables import gammas, render, table2

WIDTHS = [64, 48, 32, 16]


def _training():
    return pd.DataFrame([
        dict(dataset="cifar10", method="Individual", width=64.0, epochs=10, train_hours=2.0, params=270_000),
        dict(dataset="cifar10", method="Individual", width=48.0, epochs=10, train_hours=5.0, params=250_000),
        dict(dataset="cifar10", method="Slimmable", width=float("nan"), epochs=20, train_hours=9.0, params=280_000),
        dict(dataset="cifar10", method="NeuMeta", width=float("nan"), epochs=3, train_hours=3.5, params=300_000)])


def _speed():
    return pd.DataFrame(dict(method=[PLAIN, "Slimmable", "Individual d=48"], ratio_to_plain=[1.0, 2.5, 0.8]))


def test_step_ratio_reads_the_plain_step_for_a_full_width_individual():
    ratio = _speed().set_index("method").ratio_to_plain
    assert step_ratio(ratio, "Individual", 64.0, 64) == 1.0 and step_ratio(ratio, "Individual", 48.0, 64) == 0.8
    assert step_ratio(ratio, "Slimmable", float("nan"), 64) == 2.5
    assert math.isnan(step_ratio(ratio, "INN", float("nan"), 64))


def test_every_method_but_neumeta_is_costed_on_the_base_models_epoch_time():
    training = _training()
    costed = on_one_yardstick(training, _speed(), 64)
    assert costed.train_hours_as_run.tolist() == training.train_hours.tolist()
    assert training.columns.tolist() == costed.columns.tolist()[:-1]  # the input is left as it was
    per_epoch = 2.0 / 10
    assert costed.train_hours.tolist() == pytest.approx([10 * per_epoch, 10 * per_epoch * 0.8, 20 * per_epoch * 2.5,
                                                        3.5])


def _sweep():
    rows = [("Individual", "trained at d", d, 90 - (64 - d) / 4) for d in (64, 48, 32, 16)]
    rows += [("Slimmable", "own BN", d, 89.0) for d in (64, 48, 32)]
    rows += [("Slimmable", "borrowed BN (32)", 16, 40.0), ("Slimmable", "recalibrated BN", 16, 60.0),
             ("NeuMeta", "K-sample average", 64, 91.0), ("NeuMeta", "K-sample average", 16, 70.0)]
    return pd.DataFrame([dict(dataset="cifar10", method=m, variant=v, width=d, accuracy=a) for m, v, d, a in rows])


def test_table2_shows_each_methods_main_variant_beside_the_papers_numbers():
    training = on_one_yardstick(_training(), _speed(), 64)
    paper = {("cifar10", "NeuMeta"): {"gamma_0": 91.8, "gamma_75": 89.0, "gpu_hours": 1.0, "stored_params": 2e5}}
    table = table2(_sweep(), training, WIDTHS, paper=paper).set_index("method")
    assert gammas(WIDTHS) == {64: 0.0, 48: 0.25, 32: 0.5, 16: 0.75}
    assert table.loc["Slimmable", "gamma_75"] == 40.0  # the borrowed BN, not the recalibrated one
    assert table.loc["Individual", "gamma_50"] == 82.0
    assert math.isnan(table.loc["NeuMeta", "gamma_25"]) and table.loc["NeuMeta", "gamma_75"] == 70.0
    assert table.loc["NeuMeta", "paper_gamma_0"] == 91.8 and math.isnan(table.loc["NeuMeta", "paper_gamma_25"])
    assert table.loc["Individual", "stored_params"] == 520_000 and table.loc["NeuMeta", "paper_gpu_hours"] == 1.0
    assert table.loc["Individual", "train_hours_as_run"] == 7.0


def test_render_prints_the_papers_columns():
    table = table2(_sweep(), on_one_yardstick(_training(), _speed(), 64), WIDTHS, paper={})
    md = render(table, "md")
    assert "γ=75%" in md and "Train h (here, one yardstick)" in md and "0.52M" in md
    assert "\\begin{tabular}" in render(table, "tex")


def test_paired_predictions_pick_each_methods_main_variant_at_table2s_widths():
    labels = torch.tensor([0, 1, 2, 3])
    p = {"cifar10|labels": labels,
         "cifar10|Individual|trained at d|d=64": torch.tensor([0, 1, 2, 0]),
         "cifar10|Slimmable|own BN|d=64": torch.tensor([0, 1, 1, 3]),
         "cifar10|Slimmable|borrowed BN (32)|d=16": torch.tensor([1, 1, 1, 1]),
         "cifar10|Slimmable|recalibrated BN|d=16": torch.tensor([0, 0, 0, 0]),
         "cifar10|INN|sampled|d=24": torch.tensor([0, 1, 2, 3]),  # not a Table 2 width
         "cifar100|INN|sampled|d=64": torch.tensor([0, 0, 0, 0])}
    neumeta = {"cifar10|labels": labels.numpy(), "cifar10|acc_merged|d=64": labels.numpy()}
    got_labels, per_method = paired_predictions(p, neumeta, "cifar10", WIDTHS)
    assert got_labels.tolist() == [0, 1, 2, 3]
    assert list(per_method) == [("Individual", 64), ("Slimmable", 64), ("Slimmable", 16), ("NeuMeta", 64)]
    assert per_method["Slimmable", 16].tolist() == [1, 1, 1, 1]
    with pytest.raises(RuntimeError, match="not in the order"):
        paired_predictions(p, {"cifar10|labels": labels.numpy()[::-1]}, "cifar10", WIDTHS)


class _Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3 * 32 * 32, 10)

    def forward(self, x):
        return self.fc(x.flatten(1))


def _objective(model, x, y):
    return F.cross_entropy(model(x), y), None


def test_training_step_speed_times_every_model_relative_to_the_plain_one():
    models = {PLAIN: (_Tiny(), _objective), "Other": (_Tiny(), _objective)}
    speed = training_step_speed(models, {"base_batch_size": 4, "bench_steps": 3}, bf16=False).set_index("method")
    assert speed.loc[PLAIN, "ratio_to_plain"] == 1.0 and speed.loc["Other", "step_seconds"] > 0
    assert speed.loc["Other", "ratio_to_plain"] == pytest.approx(speed.loc["Other", "step_seconds"]
                                                                 / speed.loc[PLAIN, "step_seconds"])
    assert (speed.steps == 3).all() and (speed.batch_size == 4).all()
    assert models[PLAIN][0].fc.weight.grad is not None  # the backward pass ran
