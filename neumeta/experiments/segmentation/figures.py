"""The segmentation figures, drawn from the stored tables and arrays only."""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from neumeta.data.common import NUM_CLASSES
from neumeta.plotting import COLORS

# CamVid's usual colours (SegNet), void in black
CAMVID_COLOURS = np.array([(128, 128, 128), (128, 0, 0), (192, 192, 128), (128, 64, 128), (60, 40, 222),
                           (128, 128, 0), (192, 128, 128), (64, 64, 128), (64, 0, 128), (64, 64, 0), (0, 128, 192),
                           (0, 0, 0)]) / 255.0


def voc_colours(classes=21):
    """PASCAL VOC's palette (the bits of the class index spread over R, G, B), void in black after the classes."""
    index = np.arange(classes)
    colours = np.zeros((classes, 3))
    for bit in range(8):
        for channel in range(3):
            colours[:, channel] += ((index >> (3 * bit + channel)) & 1) << (7 - bit)
    return np.vstack([colours, [0, 0, 0]]) / 255.0


def palette(dataset, classes):
    """``classes`` colours and void's (black) for ``dataset``."""
    return CAMVID_COLOURS if dataset == "camvid" else voc_colours(classes)


STYLES = {"NeuMeta GL": dict(color=COLORS["NeuMeta"], ls="-", lw=2.0, label="NeuMeta (deterministic merge)"),
          "NeuMeta": dict(color=COLORS["NeuMeta"], marker="o", ls="none", ms=7, label="NeuMeta (K = 100)"),
          "Individual": dict(color=COLORS["Individual"], marker="s", ls="none", ms=7, label="Individual"),
          "Slimmable": dict(color="#6AA66E", marker="^", ls="--", lw=1.2, label="Slimmable")}
PRUNING = dict(color="#8E6BB0", lw=1.2)


def miou_against_width(ax, table, trained_range, title, block_off=None):
    """mIoU of every method against the block's width, the range NeuMeta trained on shaded; ``block_off``: the
    stored block-off table (``diagnosis.against_block_off``), drawn as the level of the base U-Net without its block."""
    ax.axvspan(*trained_range, color="0.93", zorder=0, label="NeuMeta's training widths")
    if block_off is not None:
        level = block_off[block_off.model == "block off"].miou
        if len(level):
            ax.axhline(level.iloc[0], color="0.45", ls="--", lw=1.0, label="base U-Net, block off")
    for method, style in STYLES.items():
        line = table[table.method == method].sort_values("width")
        if len(line):
            ax.plot(line.width, line.miou, **style)
    pruned = sorted(m for m in table.method.unique() if m not in STYLES)
    for i, method in enumerate(pruned):
        line = table[table.method == method].sort_values("width")
        ax.plot(line.width, line.miou, ls=[":", "-."][i % 2], marker="x" if "fine-tune" in method else ".",
                alpha=0.6 + 0.4 * ("fine-tune" in method), label=f"pruning: {method}", **PRUNING)
    ax.set(title=title, xlabel="inner width h of encoder.layer3.1", ylabel="test mIoU (%)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # outside: NeuMeta sits low on the axes


def mask_grid(masks, columns, dataset):
    """Rows: test images of ``dataset``; columns: the image, its labels, then each ``columns`` entry's mask."""
    images, labels, classes = masks["images"], masks["labels"], NUM_CLASSES[dataset]
    cmap = ListedColormap(palette(dataset, classes)[:classes + 1])
    shown = [c for c in columns if c in masks]
    fig, axes = plt.subplots(len(images), 2 + len(shown), figsize=(1.7 * (2 + len(shown)), 1.35 * len(images)),
                             squeeze=False)
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    for row in range(len(images)):
        picture = np.clip(images[row].transpose(1, 2, 0) * std + mean, 0, 1)
        panels = [picture, _with_void(labels[row], classes)] + [_with_void(masks[c][row], classes) for c in shown]
        for col, panel in enumerate(panels):
            ax = axes[row][col]
            ax.imshow(panel, cmap=None if col == 0 else cmap, vmin=0, vmax=classes, interpolation="nearest")
            ax.set_xticks([]), ax.set_yticks([])
            if row == 0:
                ax.set_title((["image", "labels"] + shown)[col], fontsize=7)
    fig.tight_layout()
    return fig


def _with_void(label_map, classes):
    out = np.asarray(label_map).astype(np.int64)
    return np.where(out >= classes, classes, out)  # the ignore label drawn as void
