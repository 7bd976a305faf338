"""Predicting label maps at the network's stride: every test pixel is scored.

A U-Net needs inputs whose sides are multiples of its output stride (16 for four encoder stages); CamVid's
240 x 180 images are not. Each batch is padded at the bottom and right with zeros (the normalised mean colour),
and the logits are cropped back to the image, so no pixel is resized away or left out. Images of different sizes
in one batch (VOC) are padded to the largest first, their padding labelled ``ignore``: it is never scored.
"""
import functools

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from neumeta.progress import progress
from neumeta.segmentation.metrics import confusions


def pad_to(x, stride):
    """``x`` (``[..., H, W]``) padded at the bottom and right to multiples of ``stride``."""
    h, w = x.shape[-2:]
    return F.pad(x, (0, -w % stride, 0, -h % stride))


@torch.no_grad()
def predict_logits(model, images, stride):
    """Logits of ``images`` (``[n, 3, H, W]``), computed on the padded batch and cropped back to ``H x W``."""
    if isinstance(model, torch.nn.Module):
        model.eval()
    h, w = images.shape[-2:]
    return model(pad_to(images, stride))[..., :h, :w]


def padded_batch(items, ignore):
    """Collate ``(image, labels)`` pairs of any sizes: each padded at the bottom and right to the batch's largest,
    images with zeros and labels with ``ignore``."""
    h, w = (max(x.shape[d] for x, _ in items) for d in (-2, -1))
    xs = [F.pad(x, (0, w - x.shape[-1], 0, h - x.shape[-2])) for x, _ in items]
    ys = [F.pad(y, (0, w - y.shape[-1], 0, h - y.shape[-2]), value=ignore) for _, y in items]
    return torch.stack(xs), torch.stack(ys)


def batches(dataset, batch_size, ignore):
    """The split in order, in batches of ``batch_size`` (``padded_batch``)."""
    return DataLoader(dataset, batch_size=batch_size, collate_fn=functools.partial(padded_batch, ignore=ignore))


@torch.no_grad()
def predict_confusions(model, dataset, classes, ignore, stride, batch_size=8, desc="segment", device="cpu"):
    """``[n, C, C]`` int64 confusion of every image of ``dataset`` (its order), ``ignore`` pixels left out."""
    out = []
    for x, y in progress(batches(dataset, batch_size, ignore), desc=desc, leave=False):
        pred = predict_logits(model, x.to(device), stride).argmax(1).cpu()
        out.append(confusions(pred, y, classes, ignore))
    return torch.cat(out).numpy().astype(np.int64)


@torch.no_grad()
def predict_masks(model, dataset, indices, stride, device="cpu"):
    """``(images, labels, predictions)`` of the images ``indices``: uint8 label maps for the figures, each image
    predicted at its own size and all cropped to the smallest (VOC's differ)."""
    xs, ys = zip(*(dataset[i] for i in indices))
    preds = [predict_logits(model, x[None].to(device), stride).argmax(1)[0].cpu().to(torch.uint8) for x in xs]
    h, w = (min(y.shape[d] for y in ys) for d in (-2, -1))
    return (torch.stack([x[..., :h, :w] for x in xs]), torch.stack([y[..., :h, :w] for y in ys]),
            torch.stack([p[..., :h, :w] for p in preds]))
