"""The whole-network figure, drawn from the stored tables only."""
from neumeta.plotting import COLORS

STYLES = {"NeuMeta (paper recipe)": dict(color=COLORS["NeuMeta"], marker="o", lw=2.0),
          "NeuMeta (follow-up recipe)": dict(color="#E39B3A", marker="D", lw=1.6),
          "Individual": dict(color=COLORS["Individual"], marker="s", ls="none", ms=7)}
PRUNING = dict(color="#8E6BB0", lw=1.1)


def accuracy_against_params(ax, scores, single_block, title):
    """Test accuracy of every row against its whole-network parameters (fraction of the base model's)."""
    for method, style in STYLES.items():
        line = scores[scores.method == method].sort_values("param_fraction")
        if len(line):
            ax.plot(100 * line.param_fraction, line.accuracy, label=method, **style)
    for i, method in enumerate(sorted(m for m in scores.method.unique() if m.startswith("pruning"))):
        line = scores[scores.method == method].sort_values("param_fraction")
        ax.plot(100 * line.param_fraction, line.accuracy, ls=[":", "-."][i % 2],
                marker="x" if "fine-tune" in method else ".", label=method, **PRUNING)
    for method, g in single_block.groupby("method"):
        g = g.sort_values("param_fraction")
        ax.plot(100 * g.param_fraction, g.accuracy, ls="--", lw=1, color=STYLES.get(method, {}).get("color", "0.5"),
                alpha=0.6, label=f"Table 2, one block: {method}")
    ax.set(xlabel="parameters of the whole network (% of the base model)", ylabel="test accuracy (%)",
           title=title)
    ax.legend(fontsize=6.5, loc="lower right")
