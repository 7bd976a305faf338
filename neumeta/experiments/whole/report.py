"""The result blocks of notebooks 92 and 95: every row's accuracy and size at every gamma, NeuMeta's paired margins
and verdict per gamma (92: against the thin networks and each other; 95: against global pruning), and the README's
one headline line."""
import pandas as pd

from neumeta import pages
from neumeta.config.profiles import load_profile
from neumeta.experiments.whole.setting import NAMES, setting
from neumeta.experiments.whole.tables import FOLLOWUP, REFERENCE

NOTEBOOK = "92_whole_network"
NOTEBOOK_PRUNING = "95_whole_network_pruning"


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
    for (a, gamma), g in comparisons.groupby(["a", "gamma"], sort=False):
        parts = [f"{r.b} {pages.interval(r['diff'], r.ci_low, r.ci_high)} ({r.verdict})" for _, r in g.iterrows()]
        lines.append(f"- γ = {pages.percent(gamma, 1)}: {a} minus " + "; ".join(parts) + ".")
    return lines


def _followup_claim(comparisons):
    """The follow-up's two claims read from the stored comparisons: the paper recipe on many blocks falls short of
    networks trained at each width, and the follow-up's recipe does better than the paper's."""
    def at(a, b):
        rows = comparisons[(comparisons.a == a) & (comparisons.b == b)]
        return {r.gamma: r for r in rows.itertuples()}
    short = at(REFERENCE, "Individual")
    better = at(REFERENCE, FOLLOWUP)
    lines = []
    if short:
        below = [g for g, r in short.items() if r.verdict == "NeuMeta lower"]
        lines.append(f"- The paper recipe below the networks trained at each γ (Individual): at {len(below)} of "
                     f"{len(short)} γ with a trained network ("
                     + "; ".join(f"{pages.percent(g, 1)}: {pages.interval(r.diff, r.ci_low, r.ci_high)}"
                                 for g, r in short.items()) + "): the claim "
                     + ("holds here." if len(below) == len(short) else "holds at some γ only." if below else
                        "does not hold here."))
    if better:
        ahead = [g for g, r in better.items() if r.verdict == "NeuMeta lower"]  # paper minus follow-up below 0
        lines.append(f"- The follow-up's recipe above the paper's: at {len(ahead)} of {len(better)} γ (paper minus "
                     f"follow-up, " + "; ".join(f"{pages.percent(g, 1)}: {pages.interval(r.diff, r.ci_low, r.ci_high)}"
                                                for g, r in better.items()) + "): the claim "
                     + ("holds here." if len(ahead) == len(better) else "holds at some γ only." if ahead else
                        "does not hold here."))
    return lines or ["- Not measured: no follow-up recipe or Individual rows in the stored comparisons."]


def _stage_line(stages, scores):
    """The paper recipe with one stage narrowed at a time, beside every stage at once and full width."""
    if stages is None or not len(stages):
        return []
    gamma = stages.gamma.iloc[0]
    acc = scores.set_index(["method", "gamma"])["accuracy"]
    each = "; ".join(f"`{r.stage}` only: {pages.number(r.accuracy)} %" for r in stages.itertuples())
    return [f"**Where the paper recipe loses its accuracy** (one stage's blocks at γ = {pages.percent(gamma, 1)}, the "
            f"others at full width): {each}; every stage at once: {pages.number(acc.get((REFERENCE, gamma)))} %; "
            f"full width: {pages.number(acc.get((REFERENCE, 0.0)))} %.", ""]


def _merge_words(P):
    n = P["whole_merge_points"]
    return (f"NeuMeta's weights by the deterministic {n} × {n} Gauss-Legendre merge, not the paper's K = "
            f"{P['inr_eval_samples']} sample merge (checked against it: `results/{P['profile']}/benchmarks/"
            f"changes_92_whole_network.csv`)" if n else f"NeuMeta's weights by the K = {P['inr_eval_samples']} merge")


def whole(profile="cpu"):
    """Accuracy of every row at every gamma, the whole network's size, and NeuMeta's paired margins."""
    scores = pages.stored(profile, NOTEBOOK, "whole_scores.csv")
    comparisons = pages.stored(profile, NOTEBOOK, "whole_comparisons.csv", columns=("verdict",))
    stored = pages.stored(profile, NOTEBOOK, "whole_stored_params.csv")
    rows = [[r.approach, pages.count(r.stored_params), r.serves] for r in stored.itertuples()]
    P = load_profile(profile)
    s = setting(P)
    return "\n".join([
        f"![Accuracy against whole-network parameters]"
        f"(../../figures/{profile}/{NOTEBOOK}/whole_accuracy_vs_params.png)",
        "", f"**Test accuracy (%)** at every compression ratio γ of every block ({NAMES[s.dataset]} test set; "
        f"{_merge_words(P)}):", "",
        _accuracy_table(scores), "", "**Each NeuMeta recipe against each row at the same γ** (points, paired 95 % "
        "interval over test images):", "", *_verdict_lines(comparisons), "",
        "**Does the follow-up's claim hold here?** (it reports the paper's recipe effective only for the final layers, "
        "and its own recipe better):", "", *_followup_claim(comparisons), "",
        *_stage_line(pages.optional(profile, NOTEBOOK, "whole_stage_by_stage.csv"), scores),
        "**Stored parameters** to serve every γ:",
        "", pages.markdown(rows, ["approach", "stored parameters", "serves"]), "",
        pages.source(profile, NOTEBOOK, "whole_scores.csv", "whole_comparisons.csv", "whole_stored_params.csv",
                     "whole_stage_by_stage.csv")])


def whole_pruning(profile="cpu"):
    """Every pruned network's accuracy at every gamma beside NeuMeta's, and NeuMeta's paired margins against them."""
    neumeta = pages.stored(profile, NOTEBOOK, "whole_scores.csv")
    scores = pages.stored(profile, NOTEBOOK_PRUNING, "whole_pruning_scores.csv")
    comparisons = pages.stored(profile, NOTEBOOK_PRUNING, "whole_pruning_comparisons.csv", columns=("verdict",))
    shown = neumeta[neumeta.method.str.startswith("NeuMeta")]
    return "\n".join([
        f"![Accuracy against whole-network parameters]"
        f"(../../figures/{profile}/{NOTEBOOK_PRUNING}/whole_pruning_accuracy_vs_params.png)", "",
        "**Test accuracy (%)** at every compression ratio γ of every block (NeuMeta's rows are notebook 92's):", "",
        _accuracy_table(pd.concat([shown, scores], ignore_index=True)), "",
        "**Each NeuMeta recipe against each pruned network at the same γ** (points, paired 95 % interval over test "
        "images):", "", *_verdict_lines(comparisons), "",
        pages.source(profile, NOTEBOOK_PRUNING, "whole_pruning_scores.csv", "whole_pruning_comparisons.csv",
                     "whole_pruning_verdicts.csv")])


def whole_headline(profile="cpu"):
    """One line: NeuMeta's whole-network INR at the largest gamma a thin network was trained at, against that thin
    network (trained from scratch)."""
    scores = pages.stored(profile, NOTEBOOK, "whole_scores.csv")
    comparisons = pages.stored(profile, NOTEBOOK, "whole_comparisons.csv", columns=("verdict",))
    gamma = max(g for g in scores[scores.method == "Individual"].gamma)
    acc = scores.set_index(["method", "gamma"])["accuracy"]
    row = comparisons[(comparisons.a == REFERENCE) & (comparisons.gamma == gamma) & (comparisons.b == "Individual")]
    margin = (f" ({pages.interval_of(row)} against the thin network trained from scratch: {row.verdict.iloc[0]})"
              if len(row) else "")
    name = NAMES[setting(load_profile(profile)).arch]
    followup = (f"; the follow-up's recipe {pages.number(acc.get((FOLLOWUP, gamma)))} %"
                if (FOLLOWUP, gamma) in acc.index else "")
    return (f"Every block of {name} resized by one INR: at γ = {pages.percent(gamma)} the paper recipe's network "
            f"reaches {pages.number(acc.get((REFERENCE, gamma)))} %{margin}{followup}.")
