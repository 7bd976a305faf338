"""The seed-and-image interval on synthetic studies whose truth is known."""
import numpy as np
import pytest

from neumeta.stats import paired_difference
from neumeta.variation import (DOES_NOT_HOLD, HOLDS_EVERYWHERE, HOLDS_ON_AVERAGE, seed_image_interval, seed_verdict,
                               seed_verdict_of_values)


def _study(rng, seeds, images, accuracy, seed_spread):
    """[seeds, images] right/wrong: each seed's accuracy drawn around ``accuracy``, each image right with it."""
    per_seed = np.clip(accuracy + seed_spread * rng.standard_normal(seeds), 0, 1)
    return rng.random((seeds, images)) < per_seed[:, None]


def test_the_interval_covers_the_true_difference_about_as_often_as_it_claims():
    rng = np.random.default_rng(0)
    hits = 0
    for study in range(100):
        a, b = _study(rng, 10, 500, 0.80, 0.03), _study(rng, 10, 500, 0.78, 0.03)
        _, low, high = seed_image_interval(a, b, resamples=400, seed=study)
        hits += low <= 2.0 <= high  # the truth: 80 % - 78 % in expectation over seeds and images
    assert 85 <= hits <= 100


def test_seed_variation_widens_the_interval_and_no_seed_variation_does_not():
    rng = np.random.default_rng(1)
    steady_a, steady_b = _study(rng, 3, 4000, 0.80, 0.0), _study(rng, 3, 4000, 0.80, 0.0)
    shaky_a, shaky_b = _study(rng, 3, 4000, 0.80, 0.05), _study(rng, 3, 4000, 0.80, 0.05)
    steady = seed_image_interval(steady_a, steady_b, resamples=1000)
    shaky = seed_image_interval(shaky_a, shaky_b, resamples=1000)
    assert shaky[2] - shaky[1] > 2 * (steady[2] - steady[1])


def test_the_verdict_rules():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 10, 5000)

    def predictions(accuracies):
        right = rng.random((len(accuracies), len(labels))) < np.asarray(accuracies)[:, None]
        return np.where(right, labels, (labels + 1) % 10)
    clear = seed_verdict(predictions([0.90, 0.91, 0.90]), predictions([0.80, 0.81, 0.79]), labels, claim=+1)
    assert clear["verdict"] == HOLDS_EVERYWHERE and clear["pairs_holding"] == 9
    mixed = _one_seed_level_with_b()
    assert mixed["verdict"] == HOLDS_ON_AVERAGE and (mixed["pairs_holding"], mixed["pairs"]) == (9, 12)
    wrong_way = seed_verdict(predictions([0.80] * 3), predictions([0.85] * 3), labels, claim=+1)
    assert wrong_way["verdict"] == DOES_NOT_HOLD and wrong_way["ci_high"] < 0


def _one_seed_level_with_b():
    """Four seeds of A, three 10 points above every seed of B and one level with them (as many images gained as
    lost): that seed's pairs fail, the average holds (drawing it four times out of four, 1 / 256 of the seed
    draws, stays beyond the interval's 2.5 %)."""
    labels = np.arange(5000) % 10

    def right_on(images):
        return np.where(np.isin(np.arange(5000), images), labels, (labels + 1) % 10)
    b = [right_on(np.arange(4000))] * 3
    good, level = right_on(np.arange(4500)), right_on(np.arange(20, 4020))
    return seed_verdict([good, level, good, good], b, labels, claim=+1)


def test_one_seed_each_is_the_image_only_interval_in_width():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 10, 3000)
    a = np.where(rng.random(3000) < 0.9, labels, (labels + 1) % 10)
    b = np.where(rng.random(3000) < 0.85, labels, (labels + 1) % 10)
    diff, low, high = seed_image_interval((a == labels)[None], (b == labels)[None], resamples=4000)
    images_only = paired_difference(a, b, labels)
    assert diff == pytest.approx(images_only["diff"])
    assert high - low == pytest.approx(images_only["ci_high"] - images_only["ci_low"], rel=0.15)


def test_bad_shapes_are_one_clear_error():
    with pytest.raises(ValueError, match="same images"):
        seed_image_interval(np.ones((2, 5)), np.ones((2, 6)))


def test_the_verdict_rules_for_a_per_image_quantity():
    """Lower -log p(x) is better: A's seeds all 1 nat below B's holds everywhere; one of four seeds level with B
    makes the claim hold on average only (as in ``_one_seed_level_with_b``); no difference does not hold."""
    rng = np.random.default_rng(3)
    noise = rng.standard_normal((3, 2000))
    b = 100 + noise
    a = 99 + rng.standard_normal((3, 2000)) * 0.2 + noise
    result = seed_verdict_of_values(a, b, claim=-1)
    assert result["verdict"] == HOLDS_EVERYWHERE and -1.1 < result["diff"] < -0.9 and result["ci_high"] < 0
    level = b[0] + 0.2 * np.where(np.arange(2000) % 2, 1.0, -1.0)
    mixed = seed_verdict_of_values(np.stack([a[0], level, a[1], a[2]]), b[[0, 0, 0]], claim=-1)
    assert mixed["verdict"] == HOLDS_ON_AVERAGE and (mixed["pairs_holding"], mixed["pairs"]) == (9, 12)
    assert seed_verdict_of_values(b + 0.01 * rng.standard_normal((3, 2000)), b, claim=-1)["verdict"] == DOES_NOT_HOLD


def test_with_three_seeds_the_interval_is_narrower_than_it_claims_where_seeds_dominate():
    """The caveat the module states: at three seeds, a seed spread (5 points) well above the images' noise (about
    0.6 points per difference on 10,000 images) leaves the nominal 95 % interval covering the truth about 85 % of
    the time (theory's limit, seeds alone: about 75 %); at ten seeds (the test above) it is about right."""
    rng = np.random.default_rng(4)
    hits = 0
    for study in range(100):
        a, b = _study(rng, 3, 10_000, 0.80, 0.05), _study(rng, 3, 10_000, 0.78, 0.05)
        _, low, high = seed_image_interval(a, b, resamples=400, seed=study)
        hits += low <= 2.0 <= high
    assert 65 <= hits <= 91


def _chain_study(rng, seeds, images, gap, chain_spread):
    """Each chain seed's base model sets a level both methods share; A sits ``gap`` above B on every chain."""
    level = 0.80 + chain_spread * rng.standard_normal(seeds)
    shared = rng.random((seeds, images))
    return shared < (level + gap)[:, None], shared < level[:, None]


def test_matched_seeds_are_resampled_together_and_paired_seed_by_seed():
    """A and B share each chain's level, so matched seeds see the 2-point gap through the chains' spread while
    independent resampling mixes chains and widens the interval by that spread; the rules read 3 matched pairs."""
    rng = np.random.default_rng(5)
    a, b = _chain_study(rng, 3, 4000, 0.02, 0.05)
    independent = seed_image_interval(a, b, resamples=1000)
    matched = seed_image_interval(a, b, resamples=1000, matched=True)
    assert matched[1] > 0 and independent[1] < 0 < independent[2]
    assert matched[2] - matched[1] < (independent[2] - independent[1]) / 3
    labels = np.zeros(4000, dtype=int)
    result = seed_verdict(np.where(a, 0, 1), np.where(b, 0, 1), labels, claim=+1, matched=True)
    assert result["pairs"] == 3 and result["verdict"] == HOLDS_EVERYWHERE
    with pytest.raises(ValueError, match="as many seeds"):
        seed_image_interval(a, b[:2], matched=True)
