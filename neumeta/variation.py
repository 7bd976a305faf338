"""Differences between two methods when each was trained with several seeds: intervals that carry the variation
over training seeds and over test images together, and the verdict rules of the seed study.

Every model of both methods is scored on the same test images. One bootstrap draw resamples the images once
(shared by every model, so the comparison stays paired image by image) and, independently for each method, its
seeds (with replacement); the statistic is the mean accuracy of A's drawn seeds minus B's. The percentile interval
of that statistic is the two-level (hierarchical) bootstrap interval. Where A's and B's seed s share a model they
both start from (a LeNet chain's base model: its INR and its pruned networks), the seeds are *matched*: one draw of
seed indices serves both, and the seed pairs are the matched ones. Neither scipy.stats.bootstrap nor rliable
resamples two levels (seeds, and images shared across seeds), hence the loop here.

With three seeds the seed level has few distinct draws, and the interval is narrower than its nominal level where
seeds differ more than the test images' noise (``tests/test_variation.py`` measures it): "holds on average" from
three seeds is the weaker reading; "holds at every seed" the one that does not lean on the seed-level resampling.

The verdict rules, written down before any seed ran:
- **holds at every seed**: for every pair of seeds (one of A, one of B; the matched pairs where seeds are matched)
  the test-image interval of A - B lies on the claimed side of 0, and so does the seed-and-image interval;
- **holds on average**: the seed-and-image interval lies on the claimed side of 0, but not every pair's;
- **does not hold**: the seed-and-image interval does not lie on the claimed side.
"""
import numpy as np

from neumeta.stats import paired_difference, paired_mean_difference

HOLDS_EVERYWHERE, HOLDS_ON_AVERAGE, DOES_NOT_HOLD = "holds at every seed", "holds on average", "does not hold"


def seed_image_interval(correct_a, correct_b, confidence=0.95, resamples=4000, seed=0, matched=False):
    """``(difference, low, high)`` in accuracy points of A - B: ``correct_a`` [seeds of A, images] and
    ``correct_b`` [seeds of B, images] are 0/1 (right or wrong) on the same images; ``matched``: row s of both
    comes from one seed s (one draw of seed indices for both)."""
    a, b = np.asarray(correct_a, dtype=np.float64), np.asarray(correct_b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or not len(a) or not len(b):
        raise ValueError(f"need [seeds, images] arrays on the same images, got shapes {a.shape} and {b.shape}")
    if matched and len(a) != len(b):
        raise ValueError(f"matched seeds need as many seeds of A as of B, got {len(a)} and {len(b)}")
    rng = np.random.default_rng(seed)
    n = a.shape[1]
    diffs = np.empty(resamples)
    for r in range(resamples):
        # each image's weight in this draw: how often the image was drawn
        weight = np.bincount(rng.integers(0, n, n), minlength=n) / n
        seeds_a = rng.integers(0, len(a), len(a))
        seeds_b = seeds_a if matched else rng.integers(0, len(b), len(b))
        diffs[r] = (a[seeds_a] @ weight).mean() - (b[seeds_b] @ weight).mean()
    alpha = 1 - confidence
    low, high = np.quantile(100 * diffs, [alpha / 2, 1 - alpha / 2])
    return 100 * (a.mean() - b.mean()), float(low), float(high)


def _verdict(pairs, claim, interval):
    """The rules above: ``pairs`` are the test-image intervals of every pair of seeds, ``interval`` the
    seed-and-image one ``(diff, low, high)``."""
    diff, low, high = interval
    holds = [(p["ci_low"] > 0) if claim > 0 else (p["ci_high"] < 0) for p in pairs]
    on_average = low > 0 if claim > 0 else high < 0
    verdict = HOLDS_EVERYWHERE if all(holds) and on_average else HOLDS_ON_AVERAGE if on_average else DOES_NOT_HOLD
    return {"diff": diff, "ci_low": low, "ci_high": high, "verdict": verdict, "pairs": len(pairs),
            "pairs_holding": sum(holds)}


def seed_pairs(a, b, matched):
    """The pairs of seeds the rules read: every (A seed, B seed), or the matched ones."""
    return list(zip(a, b)) if matched else [(x, y) for x in a for y in b]


def seed_verdict(preds_a, preds_b, labels, claim, confidence=0.95, seed=0, matched=False):
    """The verdict of the claim "A > B" (``claim=+1``) or "A < B" (``claim=-1``) by the rules above, with the
    seed-and-image interval. ``preds_a`` / ``preds_b``: [seeds, images] predicted classes."""
    preds_a, preds_b, labels = np.asarray(preds_a), np.asarray(preds_b), np.asarray(labels)
    pairs = [paired_difference(pa, pb, labels, confidence, seed=seed) for pa, pb in seed_pairs(preds_a, preds_b,
                                                                                                matched)]
    return _verdict(pairs, claim, seed_image_interval(preds_a == labels, preds_b == labels, confidence, seed=seed,
                                                      matched=matched))


def seed_verdict_of_values(values_a, values_b, claim, confidence=0.95, seed=0, matched=False):
    """``seed_verdict`` for a per-image quantity (a VAE's importance-weighted -log p(x), say): ``values_a`` /
    ``values_b`` are [seeds, images]; ``claim`` +1 for "A > B", -1 for "A < B" (in the quantity's own units)."""
    a, b = np.asarray(values_a, dtype=np.float64), np.asarray(values_b, dtype=np.float64)
    pairs = [paired_mean_difference(va, vb, confidence) for va, vb in seed_pairs(a, b, matched)]
    # seed_image_interval reports points (x 100) of a 0/1 quantity; these values are in their own units
    interval = tuple(v / 100 for v in seed_image_interval(a, b, confidence, seed=seed, matched=matched))
    return _verdict(pairs, claim, interval)
