"""Tables of Figure 9 from per-image KL divergences and per-batch CKA values, with bootstrap intervals.

Every interval resamples test images (KL: images; the per-batch CKA: whole batches of images, the unit the
reference's estimator is computed on), with the same resamples for every method, so differences between
methods are paired.
"""
import numpy as np

from neumeta.stats import bootstrap_means, percentile_interval, verdict


def off_diagonal_mean(kl):
    """``[m, m, n]`` -> ``[n]``: per image, the mean KL over the m(m-1) ordered pairs of different models."""
    kl = np.asarray(kl, dtype=np.float64)
    m = kl.shape[0]
    if m < 2:
        raise ValueError("the mean KL between widths needs at least two widths")
    return (kl.sum((0, 1)) - np.trace(kl, axis1=0, axis2=1)) / (m * (m - 1))


def per_unit(measured, quantity, widths):
    """One value per unit over ``widths`` (widest first) of one method's measurements (``measure_family``'s):
    ``quantity`` "kl": per image, the mean KL over every ordered pair of different widths; a layer name: per
    batch of images, the mean of each narrower width's CKA with the widest (the reference's estimator)."""
    idx = [measured["widths"].index(d) for d in widths]
    if quantity == "kl":
        return off_diagonal_mean(measured["kl"].numpy()[idx][:, idx])
    return measured["batch_cka"][quantity].numpy()[idx[0], idx[1:]].mean(0)


def kl_rows(method, widths, kl, resamples, seed):
    """One row per ordered pair of widths: KL(p_a ‖ p_b) averaged over images, with its interval."""
    kl = np.asarray(kl, dtype=np.float64)
    flat = kl.reshape(-1, kl.shape[-1])
    lo_hi = np.apply_along_axis(percentile_interval, 0, bootstrap_means(flat, resamples, seed))
    rows = []
    for i, a in enumerate(widths):
        for j, b in enumerate(widths):
            k = i * len(widths) + j
            rows.append(dict(method=method, width_a=a, width_b=b, kl=float(flat[k].mean()),
                             ci_low=float(lo_hi[0, k]), ci_high=float(lo_hi[1, k])))
    return rows


def paired_margin(values_a, values_b, resamples, seed):
    """Mean of A, mean of B, A - B and A / B, each difference with its paired bootstrap interval;
    ``values_*``: one value per unit (image or batch) in the same order."""
    a, b = np.asarray(values_a, dtype=np.float64), np.asarray(values_b, dtype=np.float64)
    means = bootstrap_means(np.stack([a, b]), resamples, seed)
    diff_lo, diff_hi = percentile_interval(means[:, 0] - means[:, 1])
    ratio_lo, ratio_hi = percentile_interval(means[:, 0] / means[:, 1])
    return dict(a=float(a.mean()), b=float(b.mean()), diff=float(a.mean() - b.mean()), diff_low=diff_lo,
                diff_high=diff_hi, ratio=float(a.mean() / b.mean()), ratio_low=ratio_lo, ratio_high=ratio_hi,
                n=len(a), verdict=verdict(diff_lo, diff_hi))


def cka_rows(method, layer, widths, per_batch, resamples, seed):
    """One row per ordered pair of different widths: the reference's estimate (the mean over batches of the
    per-batch CKA, ``per_batch`` [m, m, batches]) with its interval over batches of test images."""
    per_batch = np.asarray(per_batch, dtype=np.float64)
    m = len(widths)
    pairs = [(i, j) for i in range(m) for j in range(m) if i != j]
    boot = bootstrap_means(np.stack([per_batch[i, j] for i, j in pairs]), resamples, seed)
    rows = []
    for k, (i, j) in enumerate(pairs):
        lo, hi = percentile_interval(boot[:, k])
        rows.append(dict(method=method, layer=layer, estimator="per-batch biased (reference)", width_a=widths[i],
                         width_b=widths[j], cka=float(per_batch[i, j].mean()), ci_low=lo, ci_high=hi))
    return rows
