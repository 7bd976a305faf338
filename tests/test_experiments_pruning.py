"""Notebook 40's library parts: one panel pruned and scored end to end (smoke profile, the MNIST fixture), a panel
whose data cannot be had, and NeuMeta's paired margins over each criterion."""
import numpy as np
import pandas as pd
import pytest
import torch

from neumeta.config.profiles import resolve_profile
from neumeta.experiments.pruning.margins import MARGIN_COLUMNS, neumeta_margins
from neumeta.experiments.pruning.runs import load_panel, prepare_panel, prune_and_score
from neumeta.metrics import accuracy_of, count_parameters
from neumeta.models import build_model


def test_a_lenet_panel_pruned_and_scored(tmp_checkpoints):
    P = resolve_profile("smoke")
    panel, reason = load_panel("mnist", "lenet", P)
    assert reason is None and not panel["base"].training
    prepare_panel(panel, P)
    assert panel["full"] == 32 and not panel["shared"] and panel["trunk"] is None  # LeNet: every layer resized
    preds, labels, metrics = prune_and_score(panel, 8, "l1", False, P)
    value = dict(metrics)
    assert [m for m, _ in metrics] == ["accuracy", "block_compression", "network_params", "network_param_reduction",
                                       "network_flops", "network_flop_reduction"]
    assert len(preds) == len(labels) == len(panel["test"]) and value["accuracy"] == accuracy_of(preds, labels)
    assert value["block_compression"] == pytest.approx(0.75)
    assert value["network_params"] == count_parameters(build_model("lenet", width=8))
    assert 0 < value["network_param_reduction"] < 1 and 0 < value["network_flop_reduction"] < 1
    # the same run again gives the same predictions (seeded criteria)
    assert torch.equal(prune_and_score(panel, 8, "l1", False, P)[0], preds)
    # a network the criteria reach alike (every one at full width) is scored once, with a full pass's predictions
    scored = len(panel["predicted"])
    at_full = [prune_and_score(panel, 32, c, False, P)[0] for c in ("l1", "random", "taylor")]
    assert len(panel["predicted"]) == scored + 1
    assert all(torch.equal(p, at_full[0]) for p in at_full)
    from neumeta.metrics import predict
    assert torch.equal(predict(panel["base"], panel["test"])[0], at_full[0])


def test_a_panel_without_its_data_says_why(tmp_path):
    P = resolve_profile("smoke")
    P["data_root"] = str(tmp_path)  # no dataset there, and offline
    panel, reason = load_panel("cifar10", "resnet20", P)
    assert panel is None and reason


def _acc(dataset, methods, width=8):
    return pd.DataFrame([dict(dataset=dataset, method=m, width=float(width), ratio=0.75, value=50.0) for m in methods])


def test_margins_pair_neumeta_with_each_method_on_the_same_images():
    n = 400
    labels = np.arange(n) % 10
    wrong = (labels + 1) % 10
    half = np.where(np.arange(n) < n // 2, labels, wrong)
    neumeta = {"mnist|labels": labels, "mnist|acc_merged|d=8": half}
    pruning = {"mnist|labels": labels, "mnist|worse|d=8": wrong, "mnist|same|d=8": half, "mnist|better|d=8": labels}
    acc = _acc("mnist", ["worse", "same", "better"])
    margins = neumeta_margins(acc, np.array(["mnist"]), neumeta, pruning, seed=0)
    assert margins.columns.tolist() == MARGIN_COLUMNS
    assert margins.verdict.tolist() == ["NeuMeta higher", "within noise", "NeuMeta lower"]
    assert margins.neumeta_minus_method.tolist() == pytest.approx([50.0, 0.0, -50.0])
    # no NeuMeta points for the dataset, or no width in common: no rows
    assert neumeta_margins(acc, np.array(["cifar10"]), neumeta, pruning, seed=0).empty
    assert neumeta_margins(_acc("mnist", ["worse"], width=4), np.array(["mnist"]), neumeta, pruning, seed=0).empty


def test_margins_refuse_test_images_in_another_order():
    labels = np.arange(20) % 10
    neumeta = {"mnist|labels": labels[::-1], "mnist|acc_merged|d=8": labels}
    with pytest.raises(RuntimeError, match="cannot pair"):
        neumeta_margins(_acc("mnist", ["l1"]), np.array(["mnist"]), neumeta, {"mnist|labels": labels}, seed=0)


def test_the_fine_tuned_variant_runs_at_the_profiles_compressions_only():
    from neumeta.experiments.pruning.runs import fine_tuned_widths
    P = {"prune_finetune_compressions": [0.25, 0.5, 0.75, 0.875]}
    assert fine_tuned_widths([64, 56, 48, 40, 32, 24, 16, 8, 4], 64, P) == [48, 32, 16, 8]
    assert fine_tuned_widths([32, 28, 24, 20, 16, 12, 8, 4, 2], 32, P) == [24, 16, 8, 4]
    assert fine_tuned_widths([64, 60], 64, P) == []  # no width at those compressions: no fine-tune
