"""From per-image metrics to the stored tables of notebook 50: one summary row per (model, metric), and
NeuMeta's paired margin over every other method at the same width.

All three metrics are "lower is better" (nats or squared error per image), so a negative margin
NeuMeta - method means NeuMeta is better.
"""
import pandas as pd

from neumeta.stats import paired_mean_difference, verdict_of
from neumeta.experiments.vae.evaluate import mean_with_interval

METRICS = {"iwae": "-log p(x), IWAE estimate", "neg_elbo": "negative ELBO (1 sample; the paper's \"NLL\")",
           "mse": "reconstruction MSE (sum over pixels)"}
SUMMARY_COLUMNS = ["dataset", "method", "width", "compression", "param_reduction", "metric", "mean", "ci_half", "n"]
MARGIN_COLUMNS = ["dataset", "method", "width", "compression", "metric", "neumeta_minus_method", "ci_low", "ci_high",
                  "n", "verdict"]


def summary_rows(dataset, method, width, full_width, params, base_params, metrics):
    """One row per metric: mean over test images with its 95 % half-interval; ``compression`` is the paper's
    block-local 1 - h / h_full, ``param_reduction`` the whole VAE's parameter saving."""
    rows = []
    for metric, values in metrics.items():
        mean, half = mean_with_interval(values)
        rows.append(dict(dataset=dataset, method=method, width=int(width), compression=1 - width / full_width,
                         param_reduction=1 - params / base_params, metric=metric, mean=mean, ci_half=half,
                         n=len(values)))
    return rows


def margins(per_image, full_width, reference="NeuMeta"):
    """``per_image``: ``{(dataset, method, width): {metric: values}}`` -> NeuMeta minus each other method at
    each width both have, per metric, paired over images, with a verdict; ``full_width``: {dataset: h_full}."""
    rows = []
    for (dataset, method, width), metrics in sorted(per_image.items(), key=lambda kv: str(kv[0])):
        ref = per_image.get((dataset, reference, width))
        if method == reference or ref is None:
            continue
        for metric, values in metrics.items():
            m = paired_mean_difference(ref[metric], values)
            verdict = verdict_of(m, above="NeuMeta worse", below="NeuMeta better")  # lower is better here
            rows.append(dict(dataset=dataset, method=method, width=int(width),
                             compression=1 - width / full_width[dataset], metric=metric,
                             neumeta_minus_method=m["diff"], ci_low=m["ci_low"], ci_high=m["ci_high"], n=m["n"],
                             verdict=verdict))
    return pd.DataFrame(rows, columns=MARGIN_COLUMNS)
