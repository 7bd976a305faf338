"""Paired statistics: the interval covers what it should and the verdict follows it."""
import numpy as np
import pytest

from neumeta.stats import mcnemar_exact, paired_difference


def test_identical_models_differ_by_nothing_within_noise():
    labels = np.arange(1000) % 10
    preds = labels.copy()
    preds[:100] = (preds[:100] + 1) % 10
    r = paired_difference(preds, preds, labels)
    assert r["diff"] == 0 and r["ci_low"] == r["ci_high"] == 0 and r["verdict"] == "within noise"
    assert r["p_mcnemar"] == 1.0


def test_a_clear_difference_is_found_and_its_interval_brackets_it():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 10_000)
    a = labels.copy()
    b = labels.copy()
    b[rng.random(10_000) < 0.05] = (labels[:1] + 1) % 10  # B wrong on ~5 % more images
    r = paired_difference(a, b, labels)
    assert r["verdict"] == "A > B" and r["ci_low"] < r["diff"] < r["ci_high"] and r["ci_low"] > 0
    assert r["p_mcnemar"] < 1e-6
    flipped = paired_difference(b, a, labels)
    assert flipped["verdict"] == "A < B" and flipped["diff"] == -r["diff"]


def test_a_small_difference_on_few_discordant_images_is_within_noise():
    labels = np.zeros(10_000, dtype=int)
    a, b = labels.copy(), labels.copy()
    a[:30] = 1  # A wrong on 30 images
    b[30:55] = 1  # B wrong on 25 others: 0.05 points apart
    r = paired_difference(a, b, labels)
    assert r["verdict"] == "within noise" and r["ci_low"] < 0 < r["ci_high"]


def test_the_interval_matches_the_normal_approximation_of_the_paired_difference():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 10, 10_000)
    a = np.where(rng.random(10_000) < 0.88, labels, (labels + 1) % 10)
    b = np.where(rng.random(10_000) < 0.87, labels, (labels + 1) % 10)
    r = paired_difference(a, b, labels)
    d = 100.0 * ((a == labels).astype(float) - (b == labels).astype(float))
    se = d.std(ddof=1) / np.sqrt(len(d))
    assert r["ci_low"] == pytest.approx(d.mean() - 1.96 * se, abs=0.05)
    assert r["ci_high"] == pytest.approx(d.mean() + 1.96 * se, abs=0.05)


def test_mcnemar_exact_against_known_values():
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(5, 5) == 1.0
    assert mcnemar_exact(0, 10) == pytest.approx(2 / 1024)  # 2 * 0.5^10
    assert mcnemar_exact(1, 9) == pytest.approx(2 * 11 / 1024)


def test_mismatched_inputs_are_refused():
    with pytest.raises(ValueError, match="same images"):
        paired_difference(np.zeros(3), np.zeros(4), np.zeros(3))


def test_the_one_verdict_rule_names_only_intervals_that_exclude_zero():
    from neumeta.stats import verdict, verdict_of
    assert verdict(0.1, 0.5) == "A > B" and verdict(-0.5, -0.1) == "A < B" and verdict(-0.1, 0.1) == "within noise"
    assert verdict(0.0, 0.3) == "within noise"  # an interval that touches 0 does not exclude it
    assert verdict_of({"ci_low": -2.0, "ci_high": -1.0}, "NeuMeta higher", "NeuMeta lower") == "NeuMeta lower"
