"""Predicting label maps at the network's stride: every test pixel is scored.

A U-Net needs inputs whose sides are multiples of its output stride (16 for four encoder stages); CamVid's
240 x 180 images are not. Each batch is padded at the bottom and right with zeros (the normalised mean colour),
and the logits are cropped back to the image, so no pixel is resized away or left out.
"""
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


@torch.no_grad()
def predict_confusions(model, dataset, classes, ignore, stride, batch_size=8, desc="segment", device="cpu"):
    """``[n, C, C]`` int64 confusion of every image of ``dataset`` (its order), ``ignore`` pixels left out."""
    out = []
    for x, y in progress(DataLoader(dataset, batch_size=batch_size), desc=desc, leave=False):
        pred = predict_logits(model, x.to(device), stride).argmax(1).cpu()
        out.append(confusions(pred, y, classes, ignore))
    return torch.cat(out).numpy().astype(np.int64)


@torch.no_grad()
def predict_masks(model, dataset, indices, stride, device="cpu"):
    """``(images, labels, predictions)`` of the images ``indices``: uint8 label maps for the figures."""
    xs, ys = zip(*(dataset[i] for i in indices))
    x = torch.stack(xs).to(device)
    return x.cpu(), torch.stack(ys), predict_logits(model, x, stride).argmax(1).cpu().to(torch.uint8)
