"""The result blocks of notebooks 90 and 94: the paper's segmentation table with ours beside it, NeuMeta against every
other method at each width (90: Individual and Slimmable; 94: the pruned U-Nets), and the README's one headline
line."""
from neumeta import pages
from neumeta.config.profiles import load_profile
from neumeta.experiments.segmentation.tables import DATASET_TITLES

NOTEBOOK = "90_segmentation"
NOTEBOOK_PRUNING = "94_segmentation_pruning"


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


def _unseen_holds(scores, comparisons):
    """Whether NeuMeta at each width it never trained on is below any other method there (paired intervals)."""
    neumeta = scores[scores.method == "NeuMeta"]
    lines = []
    for width in sorted(neumeta[neumeta.trained.astype(str) == "False"].width.astype(int), reverse=True):
        rows = comparisons[comparisons.width == width]
        below = sorted(rows[rows.verdict == "A < B"].b)
        verdict = (f"it does **not** hold against {', '.join(below)} (NeuMeta below, the interval excludes 0)" if below
                   else "it holds: NeuMeta is not below any method there")
        lines.append(f"- h = {width} (γ = {pages.percent(1 - width / neumeta.width.max())}, never trained): "
                     f"{verdict}; against {len(rows)} method(s) at that width.")
    return lines


def _against_paper(layout):
    """Each method's drop in micro IoU from the smallest to the largest gamma that both the paper and we measured,
    ours beside the paper's."""
    lines = []
    for method, g in layout.dropna(subset=["paper_micro_iou"]).groupby("method", sort=False):
        both = g.dropna(subset=["micro_iou"])
        g = (both if len(both) >= 2 else g).sort_values("gamma")
        lo, hi = g.iloc[0], g.iloc[-1]
        ours = (f"ours {pages.number(lo.micro_iou - hi.micro_iou)} (mIoU {pages.number(lo.miou - hi.miou)})"
                if lo.micro_iou == lo.micro_iou and hi.micro_iou == hi.micro_iou else "ours not measured")
        lines.append(f"- {method}, γ = {int(lo.gamma)} → {int(hi.gamma)} %: the paper's micro IoU drops "
                     f"{pages.number(lo.paper_micro_iou - hi.paper_micro_iou)} points; {ours}.")
    return lines


def _base_level(training, scores, per_class):
    """The base U-Net's level on the test split against its validation score, its weakest classes, and the spread
    between networks of one recipe at the widths they trained."""
    base = scores[(scores.method == "Individual") & (scores.width == scores.width.max())].iloc[0]
    held_out = training[training.network.str.startswith("base")].held_out_miou.iloc[0]
    classes = per_class[(per_class.method == "Individual") & (per_class.width == base.width)].nsmallest(3, "iou")
    trained = scores[scores.trained.astype(str) == "True"]
    peers = trained[trained.method.isin(["Individual", "Slimmable"])].miou
    rank = "the lowest of them" if base.miou <= peers.min() else f"above {int((peers < base.miou).sum())} of them"
    weakest = ", ".join(f"{r.cls} {pages.number(r.iou, '.1f')}" for r in classes.itertuples())
    return (f"**The base U-Net's level.** It reaches {pages.number(base.miou)} % mIoU on the test split, under the "
            f"45 % we set for a U-Net that has learned the task, while it reached {pages.number(held_out)} % on the "
            f"validation split during training; its weakest classes on test are {weakest} (IoU %). The Individual "
            f"and Slimmable U-Nets, one recipe and one training seed each, span {pages.number(peers.min())}-"
            f"{pages.number(peers.max())} % at the widths they trained; the base is {rank}. "
            f"What it would take, untested here: the ImageNet-pretrained encoder the paper starts from (no download "
            f"offline), CamVid at its full 480 × 360 instead of this half-resolution copy, and a longer schedule.")


def _diagnosis(off, reconstruction):
    """NeuMeta between the base U-Net with its block off and the base U-Net, and its INR's reconstruction."""
    off_miou = off[off.model == "block off"].miou.iloc[0]
    base = off[off.model == "base U-Net"].iloc[0]
    lines = [f"- The base U-Net with its block off (residual branch zeroed, the block passes its input through) "
             f"scores {pages.number(off_miou)} mIoU; the block is worth "
             f"{pages.interval(base['diff'], base.ci_low, base.ci_high)} points to the base U-Net."]
    shares = _shares(off)
    for r in off[off.model == "NeuMeta"].itertuples():
        share = shares.loc[r.Index]
        lines.append(f"- NeuMeta at h = {r.width}: {pages.interval(r.diff, r.ci_low, r.ci_high)} against the block "
                     f"off ({_off_words(r.verdict)}), {pages.percent(share)} of what the base's block is worth.")
    errors = "; ".join(f"`{r.tensor.split('.', 3)[-1]}` {pages.number(r.warm_start, '.3f')} after its warm start, "
                       f"{pages.number(r.trained, '.3f')} after training" for r in reconstruction.itertuples())
    lines.append(f"- The INR's weights at h = 256 against the base block's (relative error, 1 is as far as all-zero "
                 f"weights): {errors}.")
    return lines


def _shares(off):
    """NeuMeta's mIoU above the block off, as a fraction of the base U-Net's, at each evaluated width."""
    off_miou = off[off.model == "block off"].miou.iloc[0]
    worth = off[off.model == "base U-Net"].miou.iloc[0] - off_miou
    # A block worth nothing has no share to give; NaN rather than a division by zero.
    return (off[off.model == "NeuMeta"].miou - off_miou) / (worth if worth > 0 else float("nan"))


def _share_span(off):
    shares = _shares(off)
    return f"{pages.percent(shares.min())}-{pages.percent(shares.max())}"


def _summary(off, reconstruction, P, paper):
    """One sentence: how much of the trained block's worth NeuMeta's block adds, and whether its INR represents it."""
    shares = _shares(off)
    span = _share_span(off)
    weights = reconstruction[reconstruction.tensor.str.endswith("weight")].trained
    represented = ("its weights are not the base block's" if weights.min() > 0.5 else
                   "its weights are near the base block's")
    size = (f"the INR ({P['seg_inr_hidden']} wide, {P['seg_inr_freqs']} frequency bands, {P['seg_inr_epochs']} "
            f"epochs)")
    if shares.max() >= 0.5:
        return f"NeuMeta's generated block adds {span} of what the trained block adds; {represented}."
    return (f"So NeuMeta's generated block adds only {span} of what the trained block adds, and {represented}: "
            f"{size} has not learned a 256-channel block here. A larger INR (the paper profile's is "
            f"{paper['seg_inr_hidden']} wide with {paper['seg_inr_freqs']} bands) or a longer reconstruction warm "
            f"start is what might close the gap, untested here.")


def _off_words(verdict):
    return {"A > B": "above it", "A < B": "**below** it"}.get(verdict, verdict)


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
        "**Does the never-trained width hold?** NeuMeta against every method at each width it never trained on:", "",
        *_unseen_holds(scores, comparisons), "",
        "**Against the paper's numbers** (different data, so read the shape, not the level: how much each method "
        "loses as its block narrows; the paper's NeuMeta numbers are one network scored three times, its test loop "
        "built every model at width 256):", "", *_against_paper(layout), "",
        *_why(profile, scores),
        pages.source(profile, NOTEBOOK, "segmentation_table.csv", "segmentation_scores.csv",
                     "segmentation_comparisons.csv", "segmentation_block_off.csv", "segmentation_reconstruction.csv",
                     "segmentation_training.csv", "segmentation_per_class.csv"), "",
        f"![Predicted masks]({figures}/segmentation_masks.png)"])


def segmentation_pruning(profile="cpu"):
    """The pruned U-Nets' scores and NeuMeta's paired differences against them."""
    scores = pages.stored(profile, NOTEBOOK_PRUNING, "segmentation_pruning_scores.csv")
    comparisons = pages.stored(profile, NOTEBOOK_PRUNING, "segmentation_pruning_comparisons.csv",
                               columns=("verdict",))
    return "\n".join([
        f"![mIoU against width](../../figures/{profile}/{NOTEBOOK_PRUNING}/segmentation_pruning_miou_vs_width.png)",
        "", "**Every pruned network and NeuMeta** at the evaluated widths (test split):", "", _miou_table(scores), "",
        "**NeuMeta against each pruned network at the same width** (mIoU points, paired 95 % bootstrap interval over "
        "test images):", "", *_comparison_lines(comparisons), "",
        pages.source(profile, NOTEBOOK_PRUNING, "segmentation_pruning_scores.csv",
                     "segmentation_pruning_comparisons.csv", "segmentation_pruning_per_class.csv")])


def _why(profile, scores):
    """The block-off and reconstruction checks, and the base U-Net's level, as lines of the page."""
    off = pages.stored(profile, NOTEBOOK, "segmentation_block_off.csv", columns=("verdict",))
    reconstruction = pages.stored(profile, NOTEBOOK, "segmentation_reconstruction.csv")
    training = pages.stored(profile, NOTEBOOK, "segmentation_training.csv")
    per_class = pages.stored(profile, NOTEBOOK, "segmentation_per_class.csv")
    P, paper = load_profile(profile), load_profile("paper")
    return ["**Why NeuMeta sits where it does** (mIoU points, paired 95 % intervals over test images):", "",
            *_diagnosis(off, reconstruction), "",
            _summary(off, reconstruction, P, paper), "", _base_level(training, scores, per_class), ""]


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
    off = pages.optional(profile, NOTEBOOK, "segmentation_block_off.csv", columns=("model",))
    share = (f" Its generated block adds {_share_span(off)} of what the base U-Net's trained block adds over the "
             f"block switched off." if off is not None else "")
    return (f"Segmentation on {dataset}{stand_in}: NeuMeta's U-Net reaches {full}"
            f"{pages.number(miou[narrow])} at the {'never-trained' if len(unseen) else 'narrowest'} h = {narrow}"
            f"{versus}.{share}")
