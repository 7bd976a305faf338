"""The result blocks of notebook 92: every row's accuracy and size at every gamma, NeuMeta's paired margins and
verdict per gamma, and the README's one headline line."""
from neumeta import pages

NOTEBOOK = "92_whole_network"


def _accuracy_table(scores):
    gammas = sorted(scores.gamma.unique())
    acc = scores.set_index(["method", "gamma"])["accuracy"]
    frac = scores[scores.method == "NeuMeta (paper recipe)"].set_index("gamma")["param_fraction"]
    rows = [[m] + [pages.number(acc.get((m, g))) if (m, g) in acc.index else pages.MISSING for g in gammas]
            for m in scores.method.unique()]
    rows.append(["whole-network parameters"] + [pages.percent(frac.get(g), 1) if g in frac.index else pages.MISSING
                                                for g in gammas])
    return pages.markdown(rows, ["method"] + [pages.percent(g, 1) for g in gammas])


def _verdict_lines(comparisons):
    lines = []
    for gamma, g in comparisons.groupby("gamma"):
        parts = [f"{r.b} {pages.interval(r['diff'], r.ci_low, r.ci_high)} ({r.verdict})" for _, r in g.iterrows()]
        lines.append(f"- γ = {pages.percent(gamma, 1)}: NeuMeta (paper recipe) minus " + "; ".join(parts) + ".")
    return lines


def whole(profile="cpu"):
    """Accuracy of every row at every gamma, the whole network's size, and NeuMeta's paired margins."""
    scores = pages.stored(profile, NOTEBOOK, "whole_scores.csv")
    comparisons = pages.stored(profile, NOTEBOOK, "whole_comparisons.csv", columns=("verdict",))
    stored = pages.stored(profile, NOTEBOOK, "whole_stored_params.csv")
    rows = [[r.approach, pages.count(r.stored_params), r.serves] for r in stored.itertuples()]
    return "\n".join([
        f"![Accuracy against whole-network parameters]"
        f"(../../figures/{profile}/{NOTEBOOK}/whole_accuracy_vs_params.png)",
        "", "**Test accuracy (%)** at every compression ratio γ of every block (CIFAR-10 test set):", "",
        _accuracy_table(scores), "", "**NeuMeta (paper recipe) against each row at the same γ** (points, paired 95 % "
        "interval over test images):", "", *_verdict_lines(comparisons), "", "**Stored parameters** to serve every γ:",
        "", pages.markdown(rows, ["approach", "stored parameters", "serves"]), "",
        pages.source(profile, NOTEBOOK, "whole_scores.csv", "whole_comparisons.csv", "whole_stored_params.csv")])


def whole_headline(profile="cpu"):
    """One line: NeuMeta's whole-network INR at the largest gamma a thin network was trained at, against that thin
    network (trained from scratch)."""
    scores = pages.stored(profile, NOTEBOOK, "whole_scores.csv")
    comparisons = pages.stored(profile, NOTEBOOK, "whole_comparisons.csv", columns=("verdict",))
    gamma = max(g for g in scores[scores.method == "Individual"].gamma)
    acc = scores.set_index(["method", "gamma"])["accuracy"]
    row = comparisons[(comparisons.gamma == gamma) & (comparisons.b == "Individual")]
    margin = (f" ({pages.interval_of(row)} against the thin network trained from scratch: {row.verdict.iloc[0]})"
              if len(row) else "")
    return (f"Every block of ResNet-20 resized by one INR: at γ = {pages.percent(gamma)} the paper recipe's network "
            f"reaches {pages.number(acc.get(('NeuMeta (paper recipe)', gamma)))} %{margin}.")
