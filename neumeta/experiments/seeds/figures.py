"""The seed study's figure, drawn from its stored tables only."""
import matplotlib.pyplot as plt
import numpy as np

from neumeta.plotting import COLORS


def intervals(rows, xlabel="A − B"):
    """One line per comparison: the single-run interval (test images) and the interval over seeds and images;
    ``xlabel``: the difference's units."""
    rows = rows.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7.0, 0.28 * len(rows) + 1.2))
    y = np.arange(len(rows))[::-1]
    ax.hlines(y + 0.15, rows.single_low, rows.single_high, color="0.55", lw=2, label="one run (test images)")
    ax.plot(rows.single_diff, y + 0.15, "o", color="0.55", ms=3)
    ax.hlines(y - 0.15, rows.seed_low, rows.seed_high, color=COLORS["NeuMeta"], lw=2, label="seeds and test images")
    ax.plot(rows.seed_diff, y - 0.15, "o", color=COLORS["NeuMeta"], ms=3)
    ax.axvline(0, color="k", lw=0.8)
    labels = [f"{r.figure}: {r.a} − {r.b}, d = {r.width} ({r.verdict})" for r in rows.itertuples()]
    ax.set_yticks(y, labels, fontsize=6)
    ax.set_xlabel(xlabel)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig
