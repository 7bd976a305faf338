"""The segmentation tables, every number from the stored per-image confusions (``evaluate.py``).

- ``scores``: one row per model and width: dataset-level mean IoU over the classes (the headline), pixel
  accuracy, and the paper's per-image micro IoU and F1 averaged over images;
- ``per_class``: IoU of every class for every model;
- ``comparisons``: NeuMeta against each other method at one width, a paired bootstrap interval over test images;
- ``paper_layout``: the paper's table (mIoU and F1 at gamma = 25 / 50 / 75 %) with ours beside it.
"""
import numpy as np
import pandas as pd

from neumeta.models.unet import FULL_WIDTH
from neumeta.segmentation.metrics import (iou_per_class, mean_iou, micro_f1_per_image, micro_iou_per_image,
                                          paired_miou_difference, pixel_accuracy)

CLASS_NAMES = {
    "camvid": ("sky", "building", "pole", "road", "pavement", "tree", "sign/symbol", "fence", "car", "pedestrian",
               "bicyclist"),
    "voc": ("background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
            "dining table", "dog", "horse", "motorbike", "person", "potted plant", "sheep", "sofa", "train", "monitor")}
DATASET_TITLES = {"camvid": "CamVid", "voc": "PASCAL VOC 2012"}
# The paper's segmentation table (PASCAL VOC 2012, per-image micro IoU and F1 averaged over images); no gamma = 0
PAPER_TABLE3 = pd.DataFrame(
    [("Individual", 25, 84.70, 90.63), ("Individual", 50, 83.14, 89.59), ("Individual", 75, 82.79, 89.36),
     ("Slimmable", 25, 81.09, 88.14), ("Slimmable", 50, 80.92, 88.03), ("Slimmable", 75, 61.19, 72.78),
     ("NeuMeta", 25, 81.94, 88.75), ("NeuMeta", 50, 81.93, 88.74), ("NeuMeta", 75, 81.94, 88.75)],
    columns=["method", "gamma", "paper_micro_iou", "paper_micro_f1"])


def split_key(key):
    """``"NeuMeta GL@128"`` -> ``("NeuMeta GL", 128)``."""
    method, _, width = key.rpartition("@")
    return method, int(width)


def gamma_of(width):
    return round(100 * (1 - width / FULL_WIDTH), 1)


def scores(confusions, trained_widths):
    """One row per ``method@width`` key; ``trained_widths``: ``{method: widths}`` (a ``range`` or a list) of what each
    method trained on (a width outside is marked ``trained=False``)."""
    rows = []
    for key, conf in confusions.items():
        method, width = split_key(key)
        rows.append(dict(method=method, width=width, gamma=gamma_of(width),
                         trained=_trained(trained_widths.get(method.split(" +")[0].split(" GL")[0]), width),
                         miou=mean_iou(conf), pixel_acc=pixel_accuracy(conf),
                         micro_iou=float(np.mean(micro_iou_per_image(conf))),
                         micro_f1=float(np.mean(micro_f1_per_image(conf))), images=len(conf)))
    return pd.DataFrame(rows).sort_values(["method", "width"], ascending=[True, False], ignore_index=True)


def _trained(spec, width):
    if spec is None:
        return None  # pruning: no width is trained (a fine-tune starts from the pruned network)
    return width in spec  # a range (NeuMeta's) or a list of widths


def per_class(confusions, dataset):
    """IoU (%) of every class of ``dataset`` for every model."""
    classes, rows = CLASS_NAMES.get(dataset, ()), []
    for key, conf in confusions.items():
        method, width = split_key(key)
        iou = iou_per_class(np.asarray(conf).sum(0))
        names = classes if len(classes) == len(iou) else [str(i) for i in range(len(iou))]
        rows += [dict(method=method, width=width, cls=name, iou=100 * v) for name, v in zip(names, iou)]
    return pd.DataFrame(rows)


def comparisons(confusions, reference="NeuMeta", resamples=2000, seed=0):
    """``reference@w`` minus every other method's ``@w`` (GL sweeps excepted), on the same test images."""
    rows = []
    for key, conf in confusions.items():
        method, width = split_key(key)
        if method != reference:
            continue
        for other_key, other in confusions.items():
            other_method, other_width = split_key(other_key)
            if other_width != width or other_method == reference or " GL" in other_method:
                continue
            result = paired_miou_difference(conf, other, resamples=resamples, seed=seed)
            rows.append(dict(width=width, gamma=gamma_of(width), a=reference, b=other_method, **result))
    columns = ["width", "gamma", "a", "b", "diff", "ci_low", "ci_high", "n", "verdict"]
    return pd.DataFrame(rows, columns=columns).sort_values(["width", "b"], ascending=[False, True], ignore_index=True)


def paper_layout(score_table, methods=("Individual", "Slimmable", "NeuMeta")):
    """The paper's rows and gamma columns: ours (mIoU, and the paper's micro IoU / F1) beside the paper's."""
    ours = score_table[score_table.method.isin(methods)][["method", "gamma", "miou", "micro_iou", "micro_f1"]]
    table = ours.merge(PAPER_TABLE3, on=["method", "gamma"], how="outer")
    order = {m: i for i, m in enumerate(methods)}
    return table.sort_values(["method", "gamma"], key=lambda c: c.map(order) if c.name == "method" else c,
                             ignore_index=True)
