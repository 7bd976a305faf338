"""The result blocks of notebook 90: the paper's segmentation table with ours beside it, NeuMeta against every
other method at each width, and the README's one headline line."""
from neumeta import pages

NOTEBOOK = "90_segmentation"


def _miou_table(scores):
    """Every model's scores at the evaluated widths (the deterministic sweep left to the figure)."""
    shown = scores[~scores.method.str.contains(" GL")]
    rows = [[r.method, f"{int(r.width)} ({pages.percent(r.gamma / 100)})",
             "" if r.trained != r.trained else ("yes" if str(r.trained) == "True" else "**no**"),
             pages.number(r.miou), pages.number(r.pixel_acc), pages.number(r.micro_iou), pages.number(r.micro_f1)]
            for r in shown.itertuples()]
    return pages.markdown(rows, ["method", "h (γ)", "width trained", "mIoU", "pixel acc.", "micro IoU (paper's)",
                                 "micro F1 (paper's)"])


def _paper_table(layout):
    rows = [[r.method, pages.percent(r.gamma / 100), pages.number(r.miou), pages.number(r.micro_iou),
             pages.number(r.paper_micro_iou), pages.number(r.micro_f1), pages.number(r.paper_micro_f1)]
            for r in layout.itertuples()]
    return pages.markdown(rows, ["method", "γ", "mIoU (ours)", "micro IoU (ours)", "micro IoU (paper, VOC)",
                                 "micro F1 (ours)", "micro F1 (paper, VOC)"])


def _comparison_lines(comparisons):
    lines = []
    for width, group in comparisons.groupby("width", sort=False):
        parts = [f"{r.b} {pages.interval(r['diff'], r.ci_low, r.ci_high)} ({_words(r.verdict)})"
                 for _, r in group.iterrows()]
        lines.append(f"- h = {int(width)}: NeuMeta minus " + "; ".join(parts) + ".")
    return lines


def _words(verdict):
    return {"A > B": "NeuMeta above", "A < B": "NeuMeta **below**"}.get(verdict, verdict)


def segmentation(profile="cpu"):
    """The paper's layout, every model's scores, and NeuMeta's paired differences."""
    layout = pages.stored(profile, NOTEBOOK, "segmentation_table.csv")
    scores = pages.stored(profile, NOTEBOOK, "segmentation_scores.csv")
    comparisons = pages.stored(profile, NOTEBOOK, "segmentation_comparisons.csv", columns=("verdict",))
    figures = f"../../figures/{profile}/{NOTEBOOK}"
    return "\n".join([
        f"![mIoU against width]({figures}/segmentation_miou_vs_width.png)", "",
        "**The paper's table**, γ of the block `encoder.layer3.1` (paper: PASCAL VOC 2012, ours: CamVid):", "",
        _paper_table(layout), "", "**Every model** at the evaluated widths (test split):", "", _miou_table(scores), "",
        "**NeuMeta against each method at the same width** (mIoU points, paired 95 % bootstrap interval over test "
        "images):", "", *_comparison_lines(comparisons), "",
        pages.source(profile, NOTEBOOK, "segmentation_table.csv", "segmentation_scores.csv",
                     "segmentation_comparisons.csv"), "", f"![Predicted masks]({figures}/segmentation_masks.png)"])


def segmentation_headline(profile="cpu"):
    """One line for the README: NeuMeta at the never-trained h = 64 against the Individual U-Net of that width."""
    scores = pages.stored(profile, NOTEBOOK, "segmentation_scores.csv")
    comparisons = pages.stored(profile, NOTEBOOK, "segmentation_comparisons.csv", columns=("verdict",))
    narrow = int(scores[scores.method == "NeuMeta"].width.min())
    miou = scores.set_index(["method", "width"])["miou"]
    row = comparisons[(comparisons.width == narrow) & (comparisons.b == "Individual")]
    versus = (f"; against the Individual U-Net of that width: {pages.interval(row['diff'].iloc[0], row.ci_low.iloc[0], row.ci_high.iloc[0])} "
              f"({_words(row.verdict.iloc[0])})" if len(row) else "")
    return (f"Segmentation on CamVid (a stand-in for VOC): NeuMeta's U-Net reaches {pages.number(miou['NeuMeta', 256])} "
            f"mIoU at full width and {pages.number(miou['NeuMeta', narrow])} at the never-trained h = {narrow}"
            f"{versus}.")
