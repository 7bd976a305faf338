"""Notebook 20's library parts: the measurements at one width of the sweep (real MNIST fixture images, a small
untrained LeNet INR) and the step timings."""
from pathlib import Path

import pytest
import torch

from neumeta.evaluation.widths import predict_width
from neumeta.experiments.inr.speed import interleaved_times, speed_table
from neumeta.experiments.inr.width_sweep import sweep_width
from neumeta.metrics import accuracy_of, count_parameters
from neumeta.models import build_model

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "data"
P = {"inr_eval_samples": 3, "inr_noise": 1.0, "seed": 0, "inr_merge_points": [2], "inr_sweep_merge_points": 0}




def _sweep(lenet, d, first_width, profile=P):
    inr, target, test, labels = lenet
    common = dict(arch="lenet", dataset="mnist", width=d, trained_width=8 <= d <= 32, base_acc=50.0, K=3)
    full_params = count_parameters(build_model("lenet"))
    return sweep_width(inr, target, test, labels, common, first_width, full_params, profile)


def test_the_first_width_gets_every_comparison_and_its_size_floored_variant(lenet):
    inr, target, test, labels = lenet
    predictions, rows = _sweep(lenet, 4, first_width=4)
    assert list(predictions) == ["acc_merged", "gauss_legendre_2", "mc_other_seed"]
    metrics = [r["metric"] for r in rows]
    assert metrics == ["acc_merged", "acc_merged_size_floor", "acc_clean", "block_compression", "network_params",
                       "network_param_reduction", "network_flops"]
    assert all(r["width"] == 4 and r["base_acc"] == 50.0 for r in rows)
    # the K-sample merge draws from Generator(seed), the other seed from Generator(seed + 1)
    expected, _ = predict_width(inr, target, test, 4, samples=3, noise=1.0, generator=torch.Generator().manual_seed(0))
    assert torch.equal(predictions["acc_merged"], expected)
    other, _ = predict_width(inr, target, test, 4, samples=3, noise=1.0, generator=torch.Generator().manual_seed(1))
    assert torch.equal(predictions["mc_other_seed"], other)
    value = {r["metric"]: r["value"] for r in rows}
    assert value["acc_merged"] == accuracy_of(expected, labels)
    assert value["block_compression"] == pytest.approx(1 - 4 / 32)
    assert value["network_params"] == count_parameters(build_model("lenet", width=4))
    assert value["network_param_reduction"] == pytest.approx(1 - value["network_params"] / count_parameters(
        build_model("lenet")))


def test_a_full_pass_width_below_the_range_off_the_grid_gets_its_size_floor_but_no_comparison(lenet):
    predictions, rows = _sweep(lenet, 5, first_width=4)  # LeNet: every width below the range is floored
    assert list(predictions) == ["acc_merged"] and "acc_merged_size_floor" in [r["metric"] for r in rows]


def test_a_width_in_the_training_range_off_the_clean_grid_gets_only_the_merge(lenet):
    predictions, rows = _sweep(lenet, 9, first_width=4)  # LeNet: the full pass, so no rule at every width
    assert list(predictions) == ["acc_merged"]
    assert [r["metric"] for r in rows] == ["acc_merged", "block_compression", "network_params",
                                           "network_param_reduction", "network_flops"]
    assert {r["merge"] for r in rows} == {"K = 3"}


def test_between_the_k_merge_widths_the_sweep_takes_the_deterministic_rule_and_compares_it_with_k(lenet):
    """With inr_sweep_merge_points = n, a width outside inr_lenet_kmerge_widths merges n x n Gauss-Legendre + clean;
    where it is compared, the K-sample merge it stands for is computed beside it (acc_merged_mc)."""
    inr, target, test, labels = lenet
    plan = dict(P, inr_sweep_merge_points=2, inr_lenet_kmerge_widths=[4, 32])
    predictions, rows = _sweep(lenet, 9, first_width=4, profile=plan)
    expected, _ = predict_width(inr, target, test, 9, samples=3, noise=1.0, rule=("gauss-legendre", 2))
    assert list(predictions) == ["acc_merged"] and torch.equal(predictions["acc_merged"], expected)
    assert {r["merge"] for r in rows} == {"Gauss-Legendre 2 x 2 + clean"}
    predictions, rows = _sweep(lenet, 8, first_width=4, profile=plan)  # a clean-sample width: compared
    k_merge, _ = predict_width(inr, target, test, 8, samples=3, noise=1.0, generator=torch.Generator().manual_seed(0))
    assert torch.equal(predictions["acc_merged_mc"], k_merge)
    assert torch.equal(predictions["acc_merged"], predictions["gauss_legendre_2"])
    predictions, rows = _sweep(lenet, 4, first_width=4, profile=plan)  # a K-merge width: as before
    assert "acc_merged_mc" not in predictions and {r["merge"] for r in rows} == {"K = 3"}


def test_interleaved_times_skip_the_warm_up_and_alternate():
    calls = []
    times = interleaved_times(3, {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, warmup=2)
    assert calls == ["a", "b"] * 5
    assert len(times["a"]) == len(times["b"]) == 3 and all(t >= 0 for t in times["a"])


def test_the_speed_table_takes_medians_and_their_ratio():
    table = speed_table({"neumeta_step": [1.0, 9.0, 3.0], "plain_step": [2.0, 1.0, 0.5]}, 4.0,
                        {"inr_batch_size": 32, "bench_steps": 3}).set_index("metric").value
    assert table["neumeta_step_seconds"] == 3.0 and table["plain_step_seconds"] == 1.0
    assert table["step_time_ratio"] == 3.0 and table["materialise_k100_seconds"] == 4.0
    assert table["batch_size"] == 32 and table["steps"] == 3
