"""The whole-network tables, from the stored per-image predictions and sizes.

- ``scores``: accuracy, parameters and FLOPs of every row at every gamma, as fractions of the base model's too;
- ``comparisons``: the paper recipe's NeuMeta against every other row at one gamma (paired 95 % interval);
- ``verdicts``: per gamma, where NeuMeta stands (favourable to it or not);
- ``single_block``: Table 2's single-block compression in the same whole-network terms.
"""
import pandas as pd

from neumeta.metrics import accuracy_of, count_parameters
from neumeta.models import build_model
from neumeta.stats import paired_difference, verdict_of

REFERENCE = "NeuMeta (paper recipe)"


def scores(rows, labels, base_size):
    """``rows``: ``{(method, gamma): (predictions, {"params", "flops"})}``."""
    out = [dict(method=m, gamma=g, accuracy=accuracy_of(p, labels), params=s["params"], flops=s["flops"],
                param_fraction=s["params"] / base_size["params"], flops_fraction=s["flops"] / base_size["flops"])
           for (m, g), (p, s) in rows.items()]
    return pd.DataFrame(out).sort_values(["method", "gamma"], ignore_index=True)


def comparisons(predictions, labels, seed=0, reference=REFERENCE):
    """``predictions``: ``{(method, gamma): [n]}``; the reference minus every other method at the same gamma."""
    out = []
    for (method, gamma), preds in predictions.items():
        if method != reference:
            continue
        for (other, other_gamma), other_preds in predictions.items():
            if other_gamma != gamma or other == reference:
                continue
            r = paired_difference(preds, other_preds, labels, seed=seed)
            out.append(dict(gamma=gamma, a=reference, b=other, diff=r["diff"], ci_low=r["ci_low"], ci_high=r["ci_high"],
                            n=r["n"], verdict=verdict_of(r, "NeuMeta higher", "NeuMeta lower")))
    columns = ["gamma", "a", "b", "diff", "ci_low", "ci_high", "n", "verdict"]
    return pd.DataFrame(out, columns=columns).sort_values(["gamma", "b"], ignore_index=True)


def verdicts(comparison_table):
    """One line per gamma: the rows NeuMeta is above, below and within noise of."""
    out = []
    for gamma, g in comparison_table.groupby("gamma"):
        said = {v: ", ".join(g[g.verdict == v].b) for v in ("NeuMeta higher", "NeuMeta lower", "within noise")}
        out.append(dict(gamma=gamma, above=said["NeuMeta higher"], below=said["NeuMeta lower"],
                        within_noise=said["within noise"]))
    return pd.DataFrame(out, columns=["gamma", "above", "below", "within_noise"])


def single_block(table2, base_params, params_at_width):
    """Table 2's rows (the inner width d of ``layer3.2`` alone) with the whole network's parameters at each d.
    ``params_at_width``: ``{d: parameters of ResNet-20 with layer3.2 at d}``."""
    t = table2[table2.method.isin(["Individual", "NeuMeta"])].copy() if "method" in table2 else table2.copy()
    t["whole_network_params"] = t.width.map(params_at_width)
    t["param_fraction"] = t.whole_network_params / base_params
    return t


def single_block_params(widths):
    """``{d: parameters of ResNet-20 whose layer3.2 has inner width d}`` (Table 2's networks)."""
    return {d: count_parameters(build_model("resnet20", 10, width=d)) for d in widths}
