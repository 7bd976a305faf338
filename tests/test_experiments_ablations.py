"""Notebook 70's library parts: the ablation table with its paired margins (small synthetic predictions), and
Figure 10's measurements of sample-and-merge (real MNIST fixture images, a small untrained LeNet INR)."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neumeta.evaluation.logits import loss_and_predictions, width_logits
from neumeta.experiments.ablations.sampling import accuracy_against_k, merge_against_clean
from neumeta.experiments.ablations.table import ablation_table, with_interval
from neumeta.metrics import accuracy_of

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "data"


def _ablation():
    n = 400
    labels = np.arange(n) % 10
    wrong = (labels + 1) % 10
    half = np.where(np.arange(n) < n // 2, labels, wrong)
    preds = {"lenet|labels": labels, "lenet|reference|d=32": half, "lenet|reference|d=8": half,
             "lenet|no-permutation|d=32": wrong, "lenet|no-permutation|d=8": half}
    sweep = pd.DataFrame([dict(arch="lenet", row=r, width=d, accuracy=100.0 * (p == labels).mean())
                          for r in ("reference", "no-permutation") for d, p in
                          ((32, preds[f"lenet|{r}|d=32"]), (8, preds[f"lenet|{r}|d=8"]))])
    return sweep, preds


def test_the_ablation_table_compares_each_row_with_the_reference_image_by_image():
    sweep, preds = _ablation()
    table, margins = ablation_table(sweep, preds, {"reference": "reference"}, {"lenet": [32, 24, 8]}, seed=0)
    assert table.row.tolist() == ["reference", "no-permutation"]
    assert table.name.tolist() == ["reference", "no-permutation"]  # a row without a name keeps its id
    assert table.acc_d32.tolist() == [50.0, 0.0] and table.acc_d8.tolist() == [50.0, 50.0]
    assert table.acc_d24.isna().all() and table.paper_accuracy.isna().all()  # LeNet: the paper reports ResNet-20 only
    assert margins.width.tolist() == [32, 8] and margins.minus_reference.tolist() == pytest.approx([-50.0, 0.0])
    assert margins.verdict.tolist() == ["worse", "within noise"]
    shown = with_interval(margins)
    assert shown["row − reference [95 % CI]"].iloc[1].startswith("+0.00 [") and shown.verdict.iloc[0] == "worse"
    assert "row − reference [95 % CI]" not in margins  # the input is left as it was


P = {"inr_eval_samples": 3, "inr_noise": 1.0, "seed": 0, "ablation_k_values": [1, 4], "inr_merge_points": [1, 2]}


def test_merge_against_clean_scores_both_rules_and_pairs_them(lenet):
    inr, target, test, labels = lenet
    rows, margin = merge_against_clean(inr, target, test, 6, labels, "lenet", P)
    assert [(r["rule"], r["K"]) for r in rows] == [("clean sample", 1), ("K-sample merge", 3)]
    loss, preds = loss_and_predictions(width_logits(inr, target, test, 6, samples=3, noise=1.0, seed=0), labels)
    assert rows[1]["test_loss"] == loss and rows[1]["accuracy"] == accuracy_of(preds, labels)
    assert margin["merge_minus_clean"] == pytest.approx(rows[1]["accuracy"] - rows[0]["accuracy"])
    assert margin["trained_width"] is False  # LeNet's INR trains on 8..32
    assert margin["verdict"] in ("better", "worse", "within noise")
    assert margin["merge_lowers_loss"] == (rows[1]["test_loss"] < rows[0]["test_loss"])


def test_accuracy_against_k_has_three_seeds_per_merge_and_each_gauss_legendre_rule(lenet):
    inr, target, test, labels = lenet
    rows = accuracy_against_k(inr, target, test, 24, labels, "lenet", P)
    assert [(r["rule"], r["K"], r["seed"]) for r in rows] == [
        ("Monte-Carlo", 1, 0), ("Monte-Carlo", 4, 0), ("Monte-Carlo", 4, 1), ("Monte-Carlo", 4, 2),
        ("Gauss-Legendre", 2, None), ("Gauss-Legendre", 5, None)]
    assert all(r["width"] == 24 and 0 <= r["accuracy"] <= 100 for r in rows)
    # each seed is its own draw: seed + 1 reproduces the second merge
    _, p = loss_and_predictions(width_logits(inr, target, test, 24, samples=4, noise=1.0, seed=1), labels)
    assert rows[2]["accuracy"] == accuracy_of(p, labels)
