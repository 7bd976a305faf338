"""The result blocks of notebook 30: Table 2 beside the paper, every ordering with its interval, and the README's
headline (Table 2 in brief: ours beside the paper, NeuMeta's standing among the methods here)."""
from neumeta import pages

NOTEBOOK = "30_table2"


def _gammas(t):
    return [c for c in t.columns if c.startswith("gamma_")]


def _ours_paper(x, paper, fmt=pages.number):
    return f"{fmt(x)} / {fmt(paper)}"


def table2(profile="cpu"):
    """Per dataset: every method's accuracy at every γ, training hours and stored parameters, ours / the paper's."""
    t = pages.stored(profile, NOTEBOOK, "table2.csv")
    gammas = _gammas(t)
    columns = (["method"] + [f"γ={g.split('_')[1]} %" for g in gammas]
               + ["train h (here / paper GPU h)", "stored params (here / paper)"])
    blocks = []
    for dataset, sub in t.groupby("dataset", sort=False):
        rows = [[r["method"]] + [_ours_paper(r[g], r["paper_" + g]) for g in gammas]
                + [f"{pages.number(r.train_hours, '.1f')} / {pages.number(r.paper_gpu_hours, '.1f')}",
                   _ours_paper(r.stored_params, r.paper_stored_params, pages.millions)]
                for _, r in sub.iterrows()]
        blocks.append(f"**{dataset}**, ours ({profile} profile) / paper\n\n" + pages.markdown(rows, columns))
    return "\n\n".join(blocks) + "\n\n" + pages.source(profile, NOTEBOOK, "table2.csv")


def standing(g, method="NeuMeta"):
    """``(above, below, within noise)``: the methods ``method`` is above, below and within noise of in ``g`` (the
    ordering rows of one γ)."""
    g = g[(g.a == method) | (g.b == method)]
    above = sorted(g[(g.a == method) & (g.verdict != "within noise")].b)
    below = sorted(g[(g.b == method) & (g.verdict != "within noise")].a)
    tied = sorted((set(g.a) | set(g.b)) - {method} - set(above) - set(below))
    return above, below, tied


def table2_ordering(profile="cpu"):
    """Every ordering of Table 2 at every γ with its paired interval; differences within noise named as such."""
    t = pages.stored(profile, NOTEBOOK, "table2_ordering.csv", columns=("verdict",))
    columns = ["γ", "d", "comparison", "difference [95 % interval]", "McNemar p", "reading"]
    blocks = []
    for dataset, sub in t.groupby("dataset", sort=False):
        rows = [[f"{pages.number(r.gamma, '.0f')} %", r.width, f"{r.a} vs {r.b}",
                 pages.interval(r.diff, r.ci_low, r.ci_high), pages.number(r.p_mcnemar, ".2g"),
                 f"**{r.a} > {r.b}**" if r.verdict != "within noise" else "within noise"]
                for r in sub.sort_values(["gamma", "diff"], ascending=[True, False]).itertuples()]
        lines = [f"**{dataset}**: every pair of methods at every γ, the more accurate first (difference in points, "
                 "paired 95 % bootstrap interval over the test images, McNemar's exact p)", "",
                 pages.markdown(rows, columns)]
        for gamma, g in sub.groupby("gamma"):
            above, below, tied = standing(g)
            lines += ["", f"- γ = {pages.number(gamma, '.0f')} %: NeuMeta above {', '.join(above) or 'none'}; below "
                          f"{', '.join(below) or 'none'}; within noise of {', '.join(tied) or 'none'}."]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n\n" + pages.source(profile, NOTEBOOK, "table2_ordering.csv")


def _standing_words(above, below, tied, tie="within noise of"):
    words = [f"{label} {', '.join(names)}" for label, names in (("above", above), ("below", below), (tie, tied))
             if names]
    return "; ".join(words) or "alone"


def _paper_standing(sub, gamma, method="NeuMeta"):
    """Where ``method`` stands among the paper's numbers at one γ (no intervals: the paper gives none)."""
    paper = dict(zip(sub["method"], sub["paper_" + gamma]))
    own = paper.pop(method)
    above, below = sorted(m for m, x in paper.items() if x < own), sorted(m for m, x in paper.items() if x > own)
    return _standing_words(above, below, sorted(m for m, x in paper.items() if x == own), tie="equal to")


def headline(profile="cpu"):
    """Table 2 in brief, per dataset: each method's accuracy ours / the paper's at every γ, NeuMeta's distance from
    the paper, and where NeuMeta stands among the methods here (paired 95 % intervals)."""
    t = pages.stored(profile, NOTEBOOK, "table2.csv")
    order = pages.stored(profile, NOTEBOOK, "table2_ordering.csv", columns=("verdict",))
    gammas = _gammas(t)
    blocks = []
    for dataset, sub in t.groupby("dataset", sort=False):
        o = order[order.dataset == dataset]
        width = dict(zip(o.gamma, o.width))
        columns = ["method"] + [f"γ = {g.split('_')[1]} % (d = {width.get(int(g.split('_')[1]), '?')})"
                                for g in gammas] + ["stored params"]
        rows = [[pages.bold(r["method"]) if r["method"] == "NeuMeta" else r["method"]]
                + [_ours_paper(r[g], r["paper_" + g]) for g in gammas]
                + [_ours_paper(r.stored_params, r.paper_stored_params, pages.millions)] for _, r in sub.iterrows()]
        ours = sub[sub["method"] == "NeuMeta"].iloc[0]
        rows.append(["NeuMeta, ours − paper (points)"] + [pages.signed(ours[g] - ours["paper_" + g]) for g in gammas]
                    + [""])
        rows.append(["NeuMeta in the paper"] + [_paper_standing(sub, g) for g in gammas] + [""])
        rows.append(["NeuMeta here (paired 95 % intervals)"]
                    + [_standing_words(*standing(o[o.gamma == int(g.split("_")[1])])) for g in gammas] + [""])
        blocks.append(f"**{dataset}**, ResNet-20, test accuracy (%): ours (`{profile}` profile) / the paper's\n\n"
                      + pages.markdown(rows, columns))
    return "\n\n".join(blocks) + "\n\n" + pages.source(profile, NOTEBOOK, "table2.csv", "table2_ordering.csv")
