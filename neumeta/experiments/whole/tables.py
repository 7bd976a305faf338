"""The whole-network tables, from the stored per-image predictions and sizes.

- ``scores``: accuracy, parameters and FLOPs of every row at every gamma, as fractions of the base model's too;
- ``comparisons``: each NeuMeta recipe against every other row at one gamma (paired 95 % interval);
  ``against_pruning`` keeps those against the pruned networks (notebook 95's);
- ``verdicts``: per recipe and gamma, where NeuMeta stands (favourable to it or not);
- ``single_block``: Table 2's single-block compression in the same whole-network terms;
- ``beside_followup``: our rows beside the follow-up's reported numbers, in its own setting (paper profile).
"""
import pandas as pd

from neumeta.experiments.whole.reported import FOLLOWUP_REPORTED, OUR_ROW, SETTING
from neumeta.metrics import accuracy_of, count_parameters
from neumeta.models import build_model
from neumeta.stats import paired_difference, verdict_of

REFERENCE = "NeuMeta (paper recipe)"
FOLLOWUP = "NeuMeta (follow-up recipe)"


def scores(rows, labels, base_size):
    """``rows``: ``{(method, gamma): (predictions, {"params", "flops"})}``."""
    out = [dict(method=m, gamma=g, accuracy=accuracy_of(p, labels), params=s["params"], flops=s["flops"],
                param_fraction=s["params"] / base_size["params"], flops_fraction=s["flops"] / base_size["flops"])
           for (m, g), (p, s) in rows.items()]
    return pd.DataFrame(out).sort_values(["method", "gamma"], ignore_index=True)


def comparisons(predictions, labels, seed=0, references=(REFERENCE, FOLLOWUP)):
    """``predictions``: ``{(method, gamma): [n]}``; each reference (a NeuMeta recipe) minus every other method at the
    same gamma (a pair of references once, the first minus the second)."""
    out = []
    for i, reference in enumerate(references):
        for (method, gamma), preds in predictions.items():
            if method != reference:
                continue
            for (other, other_gamma), other_preds in predictions.items():
                if other_gamma != gamma or other in references[:i + 1]:
                    continue
                r = paired_difference(preds, other_preds, labels, seed=seed)
                out.append(dict(gamma=gamma, a=reference, b=other, diff=r["diff"], ci_low=r["ci_low"],
                                ci_high=r["ci_high"], n=r["n"], verdict=verdict_of(r, "NeuMeta higher", "NeuMeta lower")))
    columns = ["gamma", "a", "b", "diff", "ci_low", "ci_high", "n", "verdict"]
    order = {r: i for i, r in enumerate(references)}
    return pd.DataFrame(out, columns=columns).sort_values(
        ["a", "gamma", "b"], key=lambda c: c.map(order) if c.name == "a" else c, ignore_index=True)


def against_pruning(comparison_table):
    """The rows of a ``comparisons`` table whose other side is a pruned network."""
    return comparison_table[comparison_table.b.str.startswith("pruning")].reset_index(drop=True)


def verdicts(comparison_table):
    """One line per recipe and gamma: the rows that NeuMeta recipe is above, below and within noise of."""
    out = []
    for (a, gamma), g in comparison_table.groupby(["a", "gamma"], sort=False):
        said = {v: ", ".join(g[g.verdict == v].b) for v in ("NeuMeta higher", "NeuMeta lower", "within noise")}
        out.append(dict(a=a, gamma=gamma, above=said["NeuMeta higher"], below=said["NeuMeta lower"],
                        within_noise=said["within noise"]))
    return pd.DataFrame(out, columns=["a", "gamma", "above", "below", "within_noise"])


def single_block(table2, base_params, params_at_width):
    """Table 2's rows (the inner width d of ``layer3.2`` alone) with the whole network's parameters at each d.
    ``params_at_width``: ``{d: parameters of ResNet-20 with layer3.2 at d}``."""
    t = table2[table2.method.isin(["Individual", "NeuMeta"])].copy() if "method" in table2 else table2.copy()
    t["whole_network_params"] = t.width.map(params_at_width)
    t["param_fraction"] = t.whole_network_params / base_params
    return t


def single_block_params(widths, num_classes=10):
    """``{d: parameters of ResNet-20 whose layer3.2 has inner width d}`` (Table 2's networks)."""
    return {d: count_parameters(build_model("resnet20", num_classes, width=d)) for d in widths}


def single_block_terms(table2, s, base_params, widths=(64, 48, 32, 16)):
    """Table 2's single-block rows in whole-network terms where the setting is Table 2's network and dataset
    (ResNet-20; its block ``layer3.2``); otherwise no rows."""
    if s.arch != "resnet20" or "dataset" not in table2:
        return pd.DataFrame(columns=[*table2.columns, "whole_network_params", "param_fraction"])
    table2 = table2[(table2.dataset == s.dataset) & table2.width.isin(widths)]
    return single_block(table2, base_params, single_block_params(list(widths), s.num_classes))


def beside_followup(scores, s, blocks_choice):
    """Our accuracy beside every number the follow-up reports at the same gamma, where this run is the follow-up's
    own setting (``reported.SETTING``); otherwise no rows."""
    columns = ["gamma", "followup_series", "followup_reported", "our_row", "our_accuracy", "difference"]
    if (s.arch, s.dataset, blocks_choice) != SETTING:
        return pd.DataFrame(columns=columns)
    acc = scores.set_index(["method", "gamma"])["accuracy"]
    out = [dict(gamma=g, followup_series=series, followup_reported=value, our_row=OUR_ROW[series],
                our_accuracy=acc.get((OUR_ROW[series], g), float("nan")))
           for series, by_gamma in FOLLOWUP_REPORTED.items() for g, value in by_gamma.items()]
    t = pd.DataFrame(out, columns=columns[:-1])
    t["difference"] = t.our_accuracy - t.followup_reported
    return t.sort_values(["gamma", "followup_series"], ignore_index=True)
