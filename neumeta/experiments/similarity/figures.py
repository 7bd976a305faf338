"""The panels of Figure 9, drawn from notebook 60's stored tables: CKA with each family's full model against width
(one layer per panel) and the KL heatmap of one family."""
import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.patches import Rectangle

from neumeta.experiments.similarity.experiment import FULL
from neumeta.plotting import COLORS


def draw_cka_panel(ax, with_full, layer, methods, widths):
    """CKA with the full model against width at ``layer``, per method of ``methods``: the reference's per-batch
    estimate with its 95 % interval (solid) and the whole-set unbiased one (dashed); widths below 32 (never
    trained by NeuMeta) shaded; widths from the widest to the narrowest. ``with_full``: the stored CKA rows whose
    first width is the family's full model."""
    ax.axvspan(min(widths) - 2, 32, color="0.93", zorder=0)
    for method in methods:
        sub = with_full[(with_full.method == method) & (with_full.layer == layer)]
        ref = sub[sub.estimator.str.startswith("per-batch")].sort_values("width_b", ascending=False)
        x = [FULL] + list(ref.width_b)
        y = [1.0] + list(ref.cka)
        err = np.array([[0] + list(ref.cka - ref.ci_low), [0] + list(ref.ci_high - ref.cka)])
        ax.errorbar(x, y, yerr=err, color=COLORS[method], marker="o", ms=3, lw=1.5, capsize=2,
                    label=f"{method} (per batch)")
        unb = sub[sub.estimator == "whole-set unbiased"].sort_values("width_b", ascending=False)
        ax.plot([FULL] + list(unb.width_b), [1.0] + list(unb.cka), color=COLORS[method], ls="--", marker="o", ms=3,
                mfc="white", lw=1, label=f"{method} (whole set, unbiased)")
    ax.set(xlim=(max(widths) + 2, min(widths) - 2), xticks=widths, xlabel="width d of layer3.2",
           ylabel="CKA with the full model", title=f"{layer}" + (" (the paper's layer)" if layer == "block" else ""))


def kl_colour_range(kl):
    """``(vmin, vmax)`` of the KL heatmaps' shared log colour scale: the largest KL between different widths and
    the smallest, floored at 1e-4 of the largest."""
    vmax = kl[kl.width_a != kl.width_b].kl.max()
    return max(kl[kl.width_a != kl.width_b].kl.min(), vmax * 1e-4), vmax


def draw_kl_panel(ax, kl, method, widths, model_widths, vmin, vmax):
    """The heatmap of KL(p_a ‖ p_b) between every ordered pair of ``widths`` for ``method`` (``kl``: the stored
    KL rows), each value written in its cell, the diagonal white and widths without a model (not in
    ``model_widths``) grey. Returns the image, for the colour bar."""
    sub = kl[kl.method == method].pivot_table(index="width_a", columns="width_b", values="kl")
    sub = sub.reindex(index=widths, columns=widths)
    shown = sub.where(np.array([[a != b for b in widths] for a in widths]))
    ax.set_facecolor("0.85")
    im = ax.imshow(shown.values, norm=LogNorm(vmin=vmin, vmax=vmax), cmap="magma_r")
    for i, d in enumerate(widths):  # the diagonal (KL 0) in white; grey is left for widths without a model
        if d in model_widths:
            ax.add_patch(Rectangle((i - 0.5, i - 0.5), 1, 1, color="white"))
    for i, a in enumerate(widths):
        for j, b in enumerate(widths):
            v = sub.values[i, j]
            if np.isfinite(v) and a != b:
                ax.text(j, i, f"{v:.2f}" if v >= 0.01 else f"{v:.0e}", ha="center", va="center", fontsize=5.5,
                        color="white" if v > np.sqrt(vmin * vmax) * 3 else "black")
    ax.set(xticks=range(len(widths)), yticks=range(len(widths)), xticklabels=widths, yticklabels=widths,
           xlabel="width b", ylabel="width a", title=f"{method}: KL(p_a ‖ p_b), nats")
    ax.grid(False)
    return im
