"""Paired comparisons of two classifiers on the same test images.

Two models evaluated on the same 10,000 images are compared image by image: the difference in
accuracy gets a 95 % paired-bootstrap interval, and McNemar's exact test counts the images only
one of them gets right. A difference whose interval contains 0 is "within noise".

The paired bootstrap is drawn exactly and fast: resampling images with replacement only changes
how many of the n images fall in each of the three kinds (only A right, only B right, same), so
one multinomial draw per resample is the whole bootstrap.
"""
import math

import numpy as np

WITHIN_NOISE = "within noise"


def verdict(ci_low, ci_high, above="A > B", below="A < B"):
    """The one verdict rule of the project: ``above`` where the whole interval of A − B lies above 0, ``below``
    where it lies below 0, else "within noise". ``above`` / ``below`` name the comparison in its own words
    ("NeuMeta higher" / "NeuMeta lower", "better" / "worse")."""
    return above if ci_low > 0 else below if ci_high < 0 else WITHIN_NOISE


def verdict_of(result, above, below):
    """``verdict`` of a ``paired_difference`` / ``paired_mean_difference`` result, in a comparison's own words."""
    return verdict(result["ci_low"], result["ci_high"], above, below)


def paired_difference(pred_a, pred_b, labels, confidence=0.95, resamples=20_000, seed=0):
    """Accuracy of A minus accuracy of B (points) with its paired-bootstrap interval and McNemar's p.

    Returns a dict: ``diff``, ``ci_low``, ``ci_high``, ``only_a``, ``only_b`` (images only one gets
    right), ``p_mcnemar`` (exact, two-sided), ``n`` and ``verdict`` ("A > B", "A < B", "within noise")."""
    pred_a, pred_b, labels = (np.asarray(v) for v in (pred_a, pred_b, labels))
    if not (pred_a.shape == pred_b.shape == labels.shape) or labels.ndim != 1 or len(labels) == 0:
        raise ValueError(f"paired comparison needs predictions of both models on the same images, "
                         f"got shapes {pred_a.shape}, {pred_b.shape}, labels {labels.shape}")
    right_a, right_b = pred_a == labels, pred_b == labels
    n = len(labels)
    only_a, only_b = int((right_a & ~right_b).sum()), int((~right_a & right_b).sum())
    diff = 100.0 * (only_a - only_b) / n
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n, [only_a / n, only_b / n, 1 - (only_a + only_b) / n], size=resamples)
    boot = 100.0 * (counts[:, 0] - counts[:, 1]) / n
    alpha = 1 - confidence
    lo, hi = np.quantile(boot, [alpha / 2, 1 - alpha / 2])
    return dict(diff=diff, ci_low=float(lo), ci_high=float(hi), only_a=only_a, only_b=only_b,
                p_mcnemar=mcnemar_exact(only_a, only_b), n=n, verdict=verdict(lo, hi))


def mcnemar_exact(only_a, only_b):
    """Two-sided exact McNemar p-value: the discordant images as a fair coin (binomial, p = 1/2)."""
    m = only_a + only_b
    if m == 0:
        return 1.0
    k = min(only_a, only_b)
    # log-space binomial tail, exact enough for any test set size
    logs = [math.lgamma(m + 1) - math.lgamma(i + 1) - math.lgamma(m - i + 1) - m * math.log(2) for i in range(k + 1)]
    top = max(logs)
    tail = math.exp(top) * sum(math.exp(v - top) for v in logs)
    return min(1.0, 2 * tail)


def describe(name_a, name_b, result, digits=2):
    """One line: 'A − B = +0.78 points [0.41, 1.15], A > B' or '... within noise'."""
    words = verdict_of(result, f"{name_a} > {name_b}", f"{name_a} < {name_b}")
    return (f"{name_a} − {name_b} = {result['diff']:+.{digits}f} points "
            f"[{result['ci_low']:+.{digits}f}, {result['ci_high']:+.{digits}f}]: {words}")


def paired_mean_difference(values_a, values_b, confidence=0.95):
    """Mean of A minus mean of B for a per-image quantity (a VAE's negative ELBO, say) measured on the
    same images, with the paired interval from the per-image differences (normal approximation: the
    test sets have thousands of images). Returns ``diff``, ``ci_low``, ``ci_high``, ``n`` and ``verdict``."""
    a, b = np.asarray(values_a, dtype=np.float64), np.asarray(values_b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1 or len(a) < 2:
        raise ValueError(f"paired comparison needs one value per image for both models, got shapes {a.shape}, {b.shape}")
    d = a - b
    from statistics import NormalDist
    half = NormalDist().inv_cdf(0.5 + confidence / 2) * d.std(ddof=1) / math.sqrt(len(d))
    lo, hi = d.mean() - half, d.mean() + half
    return dict(diff=float(d.mean()), ci_low=float(lo), ci_high=float(hi), n=len(d), verdict=verdict(lo, hi))


def bootstrap_means(values, resamples=1000, seed=0):
    """Means of ``values`` (``[n]`` or ``[k, n]``: k quantities measured on the same n images) over
    ``resamples`` bootstrap resamples of the images, the same resample for every row (so differences and
    ratios of rows are paired). Returns ``[resamples]`` or ``[resamples, k]``."""
    v = np.asarray(values, dtype=np.float64)
    one = v.ndim == 1
    v = v[None] if one else v
    if v.ndim != 2 or v.shape[1] < 2:
        raise ValueError(f"bootstrap needs at least two values per quantity, got shape {np.shape(values)}")
    n = v.shape[1]
    rng = np.random.default_rng(seed)
    # resampling with replacement = multinomial counts per image; one matrix product gives every mean
    counts = rng.multinomial(n, np.full(n, 1.0 / n), size=resamples)
    means = counts @ v.T / n
    return means[:, 0] if one else means


def percentile_interval(samples, confidence=0.95):
    """``(low, high)``: the central ``confidence`` percentile interval of bootstrap ``samples``."""
    alpha = 1 - confidence
    lo, hi = np.quantile(np.asarray(samples), [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


def spread_indices(total, count):
    """``count`` indices spread evenly over ``range(total)`` (all of them when ``count`` is 0 or at least
    ``total``): a test set stored class by class (CIFAR's) keeps every class in a subset of it."""
    count = total if not count or count >= total else count
    return np.rint(np.linspace(0, total - 1, count)).astype(np.int64)
