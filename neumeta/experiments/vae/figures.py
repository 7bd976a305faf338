"""Parts of notebook 50's figures, drawn from its stored tables: one panel of Figure 7 and Figure 6's image grids."""
import numpy as np

from neumeta.plotting import COLORS


def draw_metric_panel(ax, sub, spec, paper_widths, palette):
    """One panel of Figure 7 from ``sub`` (the stored metrics of one dataset and metric): every baseline's mean with
    its 95 % interval against compression, NeuMeta's line over every width, the widths NeuMeta never trained on
    shaded and the paper's widths (``paper_widths``) marked. ``spec``: the dataset's generated-decoder spec."""
    full = spec.full_width
    lo = min(spec.train_widths)
    ax.axvspan(100 * (1 - lo / full), 100 * (1 - sub.width.min() / full), color="0.93", zorder=0)
    for k, (method, line) in enumerate(sub[sub.method != "NeuMeta"].groupby("method", sort=False)):
        line = line.sort_values("compression")
        style = dict(marker="s", ls=":", color=COLORS["Individual"]) if method == "Individual" else \
            dict(marker=".", ls="--" if method.endswith("finetune") else "-", color=palette(k % 10))
        ax.errorbar(100 * line.compression, line["mean"], yerr=line.ci_half, lw=1, ms=3, capsize=1.5,
                    label=method, **style)
    nm = sub[sub.method == "NeuMeta"].sort_values("compression")
    ax.errorbar(100 * nm.compression, nm["mean"], yerr=nm.ci_half, color=COLORS["NeuMeta"], lw=2.0, label="NeuMeta")
    for w in paper_widths:
        ax.axvline(100 * (1 - w / full), color="0.6", lw=0.5, ls=":")


def tile(batch, n):
    """[B, C, H, W] uint8 -> one (n*H, n*W[, C]) image, row-major (the first n * n images; the rest black)."""
    b, c, h, w = batch.shape
    grid = np.zeros((n * h, n * w, c), dtype=np.uint8)
    for i in range(min(b, n * n)):
        grid[(i // n) * h:(i // n + 1) * h, (i % n) * w:(i % n + 1) * w] = batch[i].transpose(1, 2, 0)
    return grid[..., 0] if c == 1 else grid


def square_tile(batch):
    """``tile`` on the smallest square grid that holds every image of ``batch``."""
    return tile(batch, int(np.ceil(np.sqrt(len(batch)))))


def figure6_panels(full):
    """``[(method, width, title)]`` of Figure 6's columns: the pretrained VAE (stored as L1 at full width, where
    pruning removes nothing) and NeuMeta at full width, then NeuMeta and L1 pruning at 25 % and 50 % compression."""
    panels = [("l1", full, f"pretrained h = {full}"), ("NeuMeta", full, f"NeuMeta h = {full}")]
    panels += [(method, w, f"{'NeuMeta' if method == 'NeuMeta' else 'L1 pruning'} h = {w}")
               for w in (round(0.75 * full), round(0.5 * full)) for method in ("NeuMeta", "l1")]
    return panels
