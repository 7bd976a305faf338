"""The result block of notebook 40: Figure 5 in numbers, NeuMeta against structured pruning at the same widths,
with where NeuMeta is above, below or within noise of each criterion."""
from neumeta import pages

NOTEBOOK = "40_pruning"


def _ratio(width, full):
    return pages.percent(1 - width / full)


def _panel_table(sub, nm, widths, full):
    """One dataset's accuracy table: every criterion at every width (the fine-tuned variant where it ran), NeuMeta's row
    last (when stored)."""
    acc = sub.set_index(["method", "width"])["value"]
    rows = [[method] + [pages.number(acc.get((method, w))) for w in widths] for method in sub.method.unique()]
    if nm is not None and len(nm):
        rows.append(["**NeuMeta**"] + [pages.bold(pages.number(nm[w])) if w in nm.index else pages.MISSING
                                       for w in widths])
    return pages.markdown(rows, ["method"] + [f"{_ratio(w, full)} (d={w})" for w in widths])


def margin_summary(margins, dataset, full):
    """Per dataset: where NeuMeta is above, below or within noise of each method, each margin with its paired 95 %
    interval (from ``neumeta_margins.csv``)."""
    if margins is None:
        return []
    m = margins[margins.dataset == dataset]
    if m.empty:
        return []
    pruned_only = m[~m.method.str.endswith("finetune")]
    above_all = sorted({w for w, g in pruned_only.groupby("width") if (g.verdict == "NeuMeta higher").all()},
                       reverse=True)
    lines = ["", ("NeuMeta is above every criterion without fine-tuning, beyond noise, at "
                  + (", ".join(_ratio(w, full) for w in above_all) if above_all else "no shared ratio") + ".")]
    for label, verdict in [("below", "NeuMeta lower"), ("within noise of", "within noise")]:
        sub = m[m.verdict == verdict].sort_values(["method", "width"], ascending=[True, False])
        if len(sub):
            lines.append(f"NeuMeta is **{label}**: " + "; ".join(
                f"{r.method} at {_ratio(r.width, full)} ({pages.interval(r.neumeta_minus_method, r.ci_low, r.ci_high)})"
                for r in sub.itertuples()) + ".")
    lines.append("(NeuMeta minus method, points, with the paired 95 % bootstrap interval over test images.)")
    return lines


def pruning(profile="cpu"):
    """Per dataset: the whole-network parameter reduction at each width, every criterion's accuracy and NeuMeta's,
    then NeuMeta's paired margins."""
    t = pages.stored(profile, NOTEBOOK, "pruning.csv")
    points = pages.optional(profile, NOTEBOOK, "neumeta_points.csv")
    margins = pages.optional(profile, NOTEBOOK, "neumeta_margins.csv", columns=("verdict",))
    reduction = (t[t.metric == "network_param_reduction"].drop_duplicates(["dataset", "width"])
                 .set_index(["dataset", "width"])["value"])
    blocks = []
    for dataset in t.dataset.unique():
        sub = t[(t.dataset == dataset) & (t.metric == "accuracy")]
        widths = sorted(sub.width.unique(), reverse=True)
        full = sub.full_width.iloc[0]
        nm = points[points.dataset == dataset].set_index("width")["accuracy"] if points is not None else None
        lines = [f"**{dataset}** ({sub.arch.iloc[0]}); whole-network parameter reduction: "
                 + ", ".join(f"d={w}: {pages.percent(reduction[(dataset, w)], 1)}" for w in widths), "",
                 _panel_table(sub, nm, widths, full)]
        blocks.append("\n".join(lines + margin_summary(margins, dataset, full)))
    return "\n\n".join(blocks) + "\n\n" + pages.source(profile, NOTEBOOK, "pruning.csv", "neumeta_points.csv")
