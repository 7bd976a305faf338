"""Segmentation scores from per-image confusion matrices.

Every score here is a function of the test images' confusion matrices (``[n, C, C]``: rows the true class, columns
the predicted one, ignored pixels left out), so one stored array gives them all, and resampling images gives the
intervals of the dataset-level scores:

- ``mean_iou``: the standard dataset-level mean IoU, IoU of each class over the whole split, averaged over the
  classes present in the split (in labels or predictions). The headline.
- ``pixel_accuracy``: correct pixels over all scored pixels of the split.
- ``micro_iou_per_image`` / ``micro_f1_per_image``: the paper's scores (smp's ``get_stats`` in multiclass mode with
  micro reduction, per image, then averaged over images). For single-label pixels each wrong pixel is one false
  positive and one false negative, so micro IoU = correct / (correct + 2 wrong) and micro F1 = pixel accuracy of
  the image: not comparable with a published mIoU.
"""
import numpy as np
import torch

from neumeta.stats import percentile_interval, verdict


def confusion_of(pred, target, classes, ignore):
    """``[C, C]`` int64 confusion of one image (or any batch of pixels): ``target`` ``ignore`` pixels left out."""
    keep = target != ignore
    index = target[keep].long() * classes + pred[keep].long()
    return torch.bincount(index, minlength=classes * classes).reshape(classes, classes)


def confusions(pred, target, classes, ignore):
    """``[n, C, C]`` int64: one confusion per image of ``[n, H, W]`` predictions and labels, in one bincount."""
    n = pred.shape[0]
    keep = target != ignore
    image = torch.arange(n).view(n, *([1] * (target.ndim - 1))).expand_as(target)
    index = (image[keep] * classes + target[keep].long()) * classes + pred[keep].long()
    return torch.bincount(index, minlength=n * classes * classes).reshape(n, classes, classes)


def iou_per_class(confusion):
    """IoU of each class (``[..., C]``) from ``[..., C, C]``; NaN where a class is in neither labels nor
    predictions."""
    c = np.asarray(confusion, dtype=np.float64)
    hit = np.diagonal(c, axis1=-2, axis2=-1)
    union = c.sum(-1) + c.sum(-2) - hit
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, hit / union, np.nan)


def mean_iou(confusion):
    """Dataset-level mean IoU in percent of ``[n, C, C]`` per-image confusions (or one summed ``[C, C]``)."""
    total = np.asarray(confusion).reshape(-1, *np.shape(confusion)[-2:]).sum(0)
    return 100.0 * float(np.nanmean(iou_per_class(total)))


def pixel_accuracy(confusion):
    """Correct pixels over scored pixels of the whole split, in percent."""
    total = np.asarray(confusion, dtype=np.float64).reshape(-1, *np.shape(confusion)[-2:]).sum(0)
    return 100.0 * float(np.trace(total) / total.sum())


def micro_iou_per_image(confusion):
    """The paper's per-image micro IoU in percent (``[n]``): correct / (correct + 2 wrong)."""
    c = np.asarray(confusion, dtype=np.float64)
    right = np.trace(c, axis1=-2, axis2=-1)
    wrong = c.sum((-2, -1)) - right
    return 100.0 * right / (right + 2 * wrong)


def micro_f1_per_image(confusion):
    """The paper's per-image micro F1 in percent (``[n]``): 2 tp / (2 tp + fp + fn) = correct / scored."""
    c = np.asarray(confusion, dtype=np.float64)
    right = np.trace(c, axis1=-2, axis2=-1)
    return 100.0 * right / c.sum((-2, -1))


def paired_miou_difference(conf_a, conf_b, confidence=0.95, resamples=2000, seed=0):
    """Mean IoU of A minus that of B (points) on the same test images, with a paired-bootstrap interval: each
    resample draws the images with replacement and recomputes both dataset-level scores from the summed
    confusions of the same draw."""
    a, b = (np.asarray(c, dtype=np.float64) for c in (conf_a, conf_b))
    if a.shape != b.shape or a.ndim != 3 or len(a) < 2:
        raise ValueError(f"a paired mIoU comparison needs [n, C, C] confusions of both models on the same images, "
                         f"got {a.shape} and {b.shape}")
    n = len(a)
    counts = np.random.default_rng(seed).multinomial(n, np.full(n, 1.0 / n), size=resamples).astype(np.float64)
    boot = []
    for chunk in np.array_split(counts, max(1, resamples // 250)):  # [r, n] @ [n, C*C]: every resample at once
        sums_a, sums_b = (chunk @ x.reshape(n, -1) for x in (a, b))
        shape = (len(chunk),) + a.shape[1:]
        boot.append(_mean_iou_rows(sums_a.reshape(shape)) - _mean_iou_rows(sums_b.reshape(shape)))
    lo, hi = percentile_interval(np.concatenate(boot), confidence)
    diff = mean_iou(a) - mean_iou(b)
    return dict(diff=diff, ci_low=lo, ci_high=hi, n=n, verdict=verdict(lo, hi))


def _mean_iou_rows(confusion):
    return 100.0 * np.nanmean(iou_per_class(confusion), axis=-1)
