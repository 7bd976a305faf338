"""The seed study's comparisons: each single-run reading beside its interval over seeds and test images together,
with the verdict of the rules ``neumeta.variation`` wrote down before the runs.

A comparison whose single-run interval lies on one side of 0 is a claim (A > B or A < B); the seeds then say
whether it holds at every seed, on average, or not. A single-run reading *within noise* makes no claim: the
seed-and-image interval is reported, and a verdict only says whether the seeds make it a finding.
"""
import pandas as pd

from neumeta.experiments.vae import experiment as vae
from neumeta.stats import paired_difference, paired_mean_difference
from neumeta.variation import seed_image_interval, seed_verdict, seed_verdict_of_values

COLUMNS = ["figure", "a", "b", "width", "gamma", "seeds_a", "seeds_b", "single_diff", "single_low", "single_high",
           "single_verdict", "seed_diff", "seed_low", "seed_high", "verdict", "pairs_holding", "pairs"]


def _no_claim(row, interval, pairs):
    """A single run within noise claims nothing: the seed-and-image interval says whether the seeds make a finding."""
    diff, low, high = interval
    found = "becomes A > B" if low > 0 else "becomes A < B" if high < 0 else "stays within noise"
    return dict(row, seed_diff=diff, seed_low=low, seed_high=high, verdict=f"no single-run claim; {found}",
                pairs_holding=None, pairs=pairs)


def _claimed(row, result):
    return dict(row, seed_diff=result["diff"], seed_low=result["ci_low"], seed_high=result["ci_high"],
                verdict=result["verdict"], pairs_holding=result["pairs_holding"], pairs=result["pairs"])


def compare(figure, a, b, width, gamma, preds_a, preds_b, labels, seed=0, matched=False):
    """One row: ``preds_a`` / ``preds_b`` are [seeds, images] (seed 0 first: the committed model); ``matched``: row s
    of both comes from one seed's chain (``neumeta.variation``)."""
    single = paired_difference(preds_a[0], preds_b[0], labels, seed=seed)
    row = dict(figure=figure, a=a, b=b, width=width, gamma=gamma, seeds_a=len(preds_a), seeds_b=len(preds_b),
               single_diff=single["diff"], single_low=single["ci_low"], single_high=single["ci_high"],
               single_verdict=single["verdict"])
    if single["verdict"] == "within noise":
        interval = seed_image_interval(preds_a == labels, preds_b == labels, seed=seed, matched=matched)
        return _no_claim(row, interval, len(preds_a) if matched else len(preds_a) * len(preds_b))
    claim = 1 if single["verdict"] == "A > B" else -1
    return _claimed(row, seed_verdict(preds_a, preds_b, labels, claim, seed=seed, matched=matched))


def table2_rows(neumeta, individual16, saved, widths, labels, seed=0):
    """Table 2 (CIFAR-10): NeuMeta's INR seeds against Individual (d = 16: its seeds; elsewhere one model, the
    base model at d = 64), INN and Slimmable (one model each, from notebook 30) at every gamma."""
    t2, full = saved["30"], max(widths)
    rows = []
    for d in widths:
        others = {"Individual": individual16 if d == 16 else t2.get(f"cifar10|Individual|trained at d|d={d}"),
                  "INN": t2.get(f"cifar10|INN|sampled|d={d}")}
        slim = [k for k in (f"cifar10|Slimmable|own BN|d={d}", f"cifar10|Slimmable|borrowed BN (d=32)|d={d}")
                if k in t2]
        others["Slimmable"] = t2[slim[0]] if slim else None
        for name, preds in others.items():
            if preds is not None:
                preds = preds if preds.ndim == 2 else preds[None]
                rows.append(compare("Table 2", "NeuMeta", name, d, round(100 * (1 - d / full)), neumeta[d], preds,
                                    labels, seed))
    return rows


def figure5_rows(neumeta, pruned, labels, full, seed=0):
    """Figure 5 (MNIST, LeNet): NeuMeta against each pruning criterion, every chain seed's own base model (so the
    seeds are matched: NeuMeta's seed s against the pruning of seed s's base model)."""
    return [compare("Figure 5 (MNIST)", "NeuMeta", criterion, d, round(100 * (1 - d / full)), neumeta[d], preds,
                    labels, seed, matched=True)
            for (criterion, d), preds in pruned.items() if d in neumeta]


def compare_values(figure, a, b, width, full, values_a, values_b, seed=0):
    """``compare`` for a per-image quantity ([seeds, images]; here -log p(x) in nats, lower is better) at ``width``
    of the full width ``full``."""
    single = paired_mean_difference(values_a[0], values_b[0])
    row = dict(figure=figure, a=a, b=b, width=width, gamma=round(100 * (1 - width / full)), seeds_a=len(values_a),
               seeds_b=len(values_b), single_diff=single["diff"], single_low=single["ci_low"],
               single_high=single["ci_high"], single_verdict=single["verdict"])
    if single["verdict"] == "within noise":
        # seed_image_interval reports points (x 100) of a 0/1 quantity; these values are in their own units
        interval = tuple(v / 100 for v in seed_image_interval(values_a, values_b, seed=seed))
        return _no_claim(row, interval, len(values_a) * len(values_b))
    claim = 1 if single["verdict"] == "A > B" else -1
    return _claimed(row, seed_verdict_of_values(values_a, values_b, claim, seed=seed))


def figure7_rows(values, full=None, seed=0):
    """Figure 7 (MNIST VAE): NeuMeta's INR seeds against the Individual VAE of the same decoder width, in
    importance-weighted -log p(x) (nats; A < B: NeuMeta better); ``full``: the VAE's full decoder width (default:
    the MNIST VAE's own)."""
    full = vae.SPECS["mnist"].full_width if full is None else full
    return [compare_values("Figure 7 (MNIST)", "NeuMeta", "Individual", w, full, v, values["Individual", w], seed)
            for (method, w), v in values.items() if method == "NeuMeta" and ("Individual", w) in values]


def iwae_convergence(by_k):
    """``by_k``: ``{k: {(method, width): [1, images]}}``; each model's estimate at every k on the same images and
    its paired difference from the smallest k (nats)."""
    ks = sorted(by_k)
    rows = []
    for key in by_k[ks[0]]:
        first = by_k[ks[0]][key][0]
        for k in ks:
            d = paired_mean_difference(by_k[k][key][0], first)
            rows.append(dict(method=key[0], width=key[1], k=k, nll=float(by_k[k][key][0].mean()),
                             minus_first_k=d["diff"], ci_low=d["ci_low"], ci_high=d["ci_high"], images=d["n"]))
    return pd.DataFrame(rows)


def as_table(rows):
    return pd.DataFrame(rows, columns=COLUMNS)
