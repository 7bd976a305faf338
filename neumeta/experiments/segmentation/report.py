"""The result blocks of notebook 90: the paper's segmentation table with ours beside it, NeuMeta against every
other method at each width, and the README's one headline line."""
from neumeta import pages
from neumeta.config.profiles import load_profile
from neumeta.experiments.segmentation.tables import DATASET_TITLES

NOTEBOOK = "90_segmentation"


def _dataset(profile):
    """The dataset the profile's run scored, by name."""
    name = load_profile(profile)["seg_dataset"]
    return DATASET_TITLES.get(name, name)


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
        f"**The paper's table**, γ of the block `encoder.layer3.1` (paper: PASCAL VOC 2012, ours: "
        f"{_dataset(profile)}):", "",
        _paper_table(layout), "", "**Every model** at the evaluated widths (test split):", "", _miou_table(scores), "",
        "**NeuMeta against each method at the same width** (mIoU points, paired 95 % bootstrap interval over test "
        "images):", "", *_comparison_lines(comparisons), "",
        pages.source(profile, NOTEBOOK, "segmentation_table.csv", "segmentation_scores.csv",
                     "segmentation_comparisons.csv"), "", f"![Predicted masks]({figures}/segmentation_masks.png)"])


def segmentation_headline(profile="cpu"):
    """One line for the README: NeuMeta at full width and at its narrowest width never trained on, against the
    Individual U-Net of that width."""
    scores = pages.stored(profile, NOTEBOOK, "segmentation_scores.csv")
    comparisons = pages.stored(profile, NOTEBOOK, "segmentation_comparisons.csv", columns=("verdict",))
    neumeta = scores[scores.method == "NeuMeta"]
    unseen = neumeta[neumeta.trained.astype(str) == "False"]
    narrow = int((unseen if len(unseen) else neumeta).width.min())
    miou = neumeta.set_index("width")["miou"]
    row = comparisons[(comparisons.width == narrow) & (comparisons.b == "Individual")]
    versus = (f"; against the Individual U-Net of that width: {pages.interval_of(row)} "
              f"({_words(row.verdict.iloc[0])})" if len(row) else "")
    full = (f"{pages.number(miou[neumeta.width.max()])} mIoU at h = {int(neumeta.width.max())} and "
            if len(neumeta) else "")
    dataset = _dataset(profile)
    stand_in = "" if dataset == DATASET_TITLES["voc"] else " (a stand-in for VOC)"
    return (f"Segmentation on {dataset}{stand_in}: NeuMeta's U-Net reaches {full}"
            f"{pages.number(miou[narrow])} at the {'never-trained' if len(unseen) else 'narrowest'} h = {narrow}"
            f"{versus}.")
