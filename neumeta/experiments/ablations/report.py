"""The result blocks of notebooks 70 (the ablation table, the INR-size frontier) and 71 (Figure 10 in numbers)."""
from neumeta import pages
from neumeta.paper import PAPER_NEUMETA_STORED_PARAMS

NOTEBOOK = "70_ablations"
SAMPLING_NOTEBOOK = "71_sampling"


def _ablation_rows(sub, mm, widths):
    rows = []
    for r in sub.itertuples():
        cells = []
        for w in widths:
            cell = pages.number(getattr(r, f"acc_d{w}"))
            if (r.row, w) in mm.index:
                x = mm.loc[(r.row, w)]
                cell += "<br>" + pages.interval(x.minus_reference, x.ci_low, x.ci_high)
            cells.append(cell)
        rows.append([r.name] + cells + ["" if pages.is_missing(r.paper_accuracy) else pages.number(r.paper_accuracy)])
    return rows


def verdicts(table, margins, widths):
    """One line per verdict pattern: which rows differ from the reference (interval excludes 0) at which widths."""
    names = dict(zip(table.row, table.name))
    shown = margins[margins.width.isin(widths) & ~margins.row.str.startswith("inr-")]
    groups = {"worse at every width shown": [], "better at every width shown": [],
              "within noise at every width shown": [], "mixed": []}
    for row, g in shown.groupby("row", sort=False):
        if g.verdict.nunique() == 1:
            groups[f"{g.verdict.iloc[0]} at every width shown"].append(names[row])
        else:
            widths_said = ", ".join(f"d = {r.width} {r.verdict}" for r in g.itertuples())
            groups["mixed"].append(f"{names[row]} ({widths_said})")
    return "; ".join(f"**{k}**: {', '.join(v)}" for k, v in groups.items() if v) + "."


def ablations(profile="cpu"):
    """The ablation table: each row's accuracy at four widths, its paired difference from the reference row of the
    same schedule, and the paper's number for the row that changes the same thing."""
    t = pages.stored(profile, NOTEBOOK, "ablation_table.csv")
    m = pages.stored(profile, NOTEBOOK, "ablation_margins.csv")
    blocks = []
    for arch in t.arch.unique():
        sub, mm = t[t.arch == arch], m[m.arch == arch].set_index(["row", "width"])
        widths = sorted((int(c[5:]) for c in sub.columns if c.startswith("acc_d") and sub[c].notna().any()),
                        reverse=True)
        table = pages.markdown(_ablation_rows(sub, mm, widths), ["row"] + [f"d = {w}" for w in widths] + ["paper"])
        blocks.append(f"**{arch}**: test accuracy (%); below each, the row minus the reference row [paired 95 % "
                      f"interval]\n\n{table}\n\n{verdicts(sub, m[m.arch == arch], widths)}")
    return "\n\n".join(blocks) + "\n\n" + pages.source(profile, NOTEBOOK, "ablation_table.csv", "ablation_margins.csv")


def _frontier_cells(r, d):
    if r.row == "reference":
        return [pages.number(getattr(r, f"acc_d{d}")), "reference"]
    diff = pages.interval(*(getattr(r, f"d{d}_{c}") for c in ("minus_reference", "ci_low", "ci_high")))
    return [pages.number(getattr(r, f"acc_d{d}")), f"{diff} {getattr(r, f'd{d}_verdict')}"]


def frontier(profile="cpu"):
    """The INR-size frontier: stored parameters against accuracy at d = 64 and 16, each point against the
    reference-size row on the same schedule, and the smallest point not worse than it at both widths."""
    t = pages.stored(profile, NOTEBOOK, "frontier.csv").sort_values("stored_params")
    rows = [[f"{r.hidden} x {r.layers} x {r.bands}", pages.count(r.inr_params), pages.millions(r.stored_params, 3)]
            + _frontier_cells(r, 64) + _frontier_cells(r, 16) for r in t.itertuples()]
    columns = ["INR (hidden x layers x bands)", "INR params", "stored params", "d = 64", "minus reference [95 % CI]",
               "d = 16", "minus reference [95 % CI]"]
    ok = t[t.not_worse_than_reference]
    smallest = (f"{ok.iloc[0].hidden} x {ok.iloc[0].layers} x {ok.iloc[0].bands}, "
                f"{pages.millions(ok.iloc[0].stored_params, 3)} stored" if len(ok) else "none of the smaller points")
    return pages.markdown(rows, columns) + (
        f"\n\nSmallest INR not worse than the reference size at d = 64 and 16 (paired interval): {smallest}. The "
        f"paper reports {pages.millions(PAPER_NEUMETA_STORED_PARAMS)} stored parameters.\n\n"
        + pages.source(profile, NOTEBOOK, "frontier.csv"))


def _merge_counts(m):
    rows = []
    for arch in m.arch.unique():
        for trained in (True, False):
            g = m[(m.arch == arch) & (m.trained_width == trained)]
            if len(g):
                rows.append([arch, f"{'trained' if trained else 'never trained'} ({len(g)})",
                             pages.signed(g.merge_minus_clean.mean()), (g.verdict == "better").sum(),
                             (g.verdict == "within noise").sum(), (g.verdict == "worse").sum(),
                             f"{g.merge_lowers_loss.sum()} of {len(g)}"])
    return pages.markdown(rows, ["model", "widths", "merge − clean, mean (points)", "merge better", "within noise",
                                 "merge worse", "merge lowers the test loss"])


def _accuracy_against_k(g):
    """One model's accuracy against K: Monte-Carlo (mean [min, max] over seeds) and Gauss–Legendre, per width."""
    mc = g[g.rule == "Monte-Carlo"].groupby(["width", "K"]).accuracy.agg(["mean", "min", "max"])
    gl = g[g.rule != "Monte-Carlo"].set_index(["width", "K"]).accuracy
    ks = sorted(set(g.K))

    def monte_carlo(d, k):
        if (d, k) not in mc.index:
            return ""
        x = mc.loc[(d, k)]
        spread = "" if k == 1 else f" [{pages.number(x['min'])}, {pages.number(x['max'])}]"
        return pages.number(x["mean"]) + spread

    rows = []
    for d in sorted(set(g.width), reverse=True):
        rows.append([d, "Monte-Carlo"] + [monte_carlo(d, k) for k in ks])
        rows.append([d, "Gauss–Legendre"] + [pages.number(gl.loc[(d, k)]) if (d, k) in gl.index else "" for k in ks])
    return pages.markdown(rows, ["width", "rule"] + [f"K = {k}" for k in ks])


def figure10(profile="cpu"):
    """Figure 10 in numbers: the K-sample merge against one clean sample per width (paired intervals, counted by
    verdict), and accuracy against K at a trained and an untrained width."""
    m = pages.stored(profile, SAMPLING_NOTEBOOK, "figure10_margins.csv")
    k = pages.stored(profile, SAMPLING_NOTEBOOK, "figure10_k.csv")
    lines = [_merge_counts(m), "", "Accuracy (%) against the number of merged INR passes K (Monte-Carlo: mean of "
             "three seeds, [min, max], one clean sample at K = 1; Gauss–Legendre: n × n nodes + the clean point):",
             ""]
    for arch, g in k.groupby("arch", sort=False):
        lines += [f"**{arch}**", "", _accuracy_against_k(g), ""]
    return "\n".join(lines) + "\n" + pages.source(profile, SAMPLING_NOTEBOOK, "figure10_margins.csv", "figure10_k.csv")
