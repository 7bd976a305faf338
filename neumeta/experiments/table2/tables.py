"""Table 2 itself: each method's accuracy at every compression γ beside the paper's, its training hours and the
parameters it stores to serve every width; and its rendering as markdown or LaTeX."""
import pandas as pd

from neumeta.paper import PAPER_TABLE2

# The variant each method's Table 2 cell shows (Slimmable: its own BN where it has one, else the borrowed one)
MAIN_VARIANT = {"Individual": "trained at d", "INN": "sampled", "NeuMeta": "K-sample average"}


def gammas(widths):
    """``{width: compression 1 - d / d_full}``."""
    return {d: 1 - d / max(widths) for d in widths}


def table2(sweep, training, widths, paper=PAPER_TABLE2):
    """One row per (dataset, method): accuracy at each γ (``gamma_<percent>``) and the paper's
    (``paper_gamma_<percent>``), training hours (on the yardstick and as run) and stored parameters, each beside
    the paper's where it reports one (NaN where not)."""
    gamma = gammas(widths)
    table = []
    for (dataset, method), group in sweep.groupby(["dataset", "method"], sort=False):
        main = group[(group.variant == MAIN_VARIANT.get(method, "")) | group.variant.isin(["own BN"])
                     | group.variant.str.startswith("borrowed")]
        acc = main.set_index("width").accuracy
        cost = training[(training.dataset == dataset) & (training.method == method)]
        reported = paper.get((dataset, method), {})
        row = dict(dataset=dataset, method=method)
        for d in widths:
            row[f"gamma_{100 * gamma[d]:.0f}"] = acc.get(d, float("nan"))
            row[f"paper_gamma_{100 * gamma[d]:.0f}"] = reported.get(f"gamma_{100 * gamma[d]:.0f}", float("nan"))
        row.update(train_hours=cost.train_hours.sum(), train_hours_as_run=cost.train_hours_as_run.sum(),
                   paper_gpu_hours=reported.get("gpu_hours", float("nan")),
                   stored_params=cost.params.sum(), paper_stored_params=reported.get("stored_params", float("nan")))
        table.append(row)
    return pd.DataFrame(table)


def render(df, fmt):
    """Our rows of Table 2 as the paper prints them: markdown (``fmt="md"``) or LaTeX (any other ``fmt``)."""
    cols = ["method"] + [c for c in df.columns if c.startswith("gamma")] + ["train_hours", "stored_params"]
    out = df[cols].copy()
    out["stored_params"] = (out.stored_params / 1e6).map("{:.2f}M".format)
    out = out.round(2)
    out.columns = (["Method"] + [f"γ={c.split('_')[1]}%" for c in cols[1:-2]]
                   + ["Train h (here, one yardstick)", "Stored params"])
    return out.to_markdown(index=False) if fmt == "md" else out.to_latex(index=False, float_format="%.2f")
