"""Notebook 01's figure, drawn from its stored table only."""
import matplotlib.pyplot as plt

from neumeta.plotting import COLORS, set_style


def accuracy_figure(table, P):
    """Left: accuracy against width, the base network's as a line, the trained widths shaded. Right: the difference
    from the base network with its paired 95 % interval."""
    set_style()
    lo, hi = P["quickstart_widths"]
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.2))
    for ax in axes:
        ax.axvspan(lo, hi, color="0.92", zorder=0, label="trained widths")
    ax = axes[0]
    ax.plot(table.width, table.accuracy, "o-", color=COLORS["NeuMeta"], label="NeuMeta (generated)")
    ax.axhline(table.base_accuracy.iloc[0], color="0.3", ls="--", lw=1, label="base network (width 64)")
    ax.set(xlabel="inner width of the block", ylabel="test accuracy (%)", title="one INR, every width")
    ax.legend(fontsize=7)
    ax = axes[1]
    ax.errorbar(table.width, table.minus_base, yerr=[table.minus_base - table.ci_low, table.ci_high - table.minus_base],
                fmt="o", color=COLORS["NeuMeta"], capsize=3)
    ax.axhline(0, color="0.3", lw=1)
    ax.axhspan(-1, 1, color=COLORS["Individual"], alpha=0.12, label="within 1 point")
    ax.set(xlabel="inner width of the block", ylabel="generated − base (points)", title="paired 95 % intervals")
    ax.legend(fontsize=7)
    fig.suptitle(f"Quickstart: a small MNIST CNN through neumeta.Metamorph ({P['profile']} profile, "
                 f"{int(table.images.iloc[0])} test images, K = {int(table.samples.iloc[0])})", fontsize=9)
    fig.tight_layout()
    return fig
