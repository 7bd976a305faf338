"""The VAEs' images as one uint8 tensor per split, decoded once per process.

MNIST as stored (28 x 28 grey levels, not binarised, as the reference); CelebA resized to 64 x 64
(aspect ratio not kept, as the reference). Models see ``as_float(x)``: pixels in [0, 1].
"""
import functools
from pathlib import Path

import torch
import torch.nn.functional as F

from neumeta.data import ArrayDataset, get_dataset
from neumeta.progress import progress

VAE_DATASETS = ("mnist", "celeba")
SPLITS = {"mnist": {"train": "train", "test": "test"}, "celeba": {"train": "train", "test": "val"}}  # reference: CelebA's "valid" split


def vae_images(name, split, root):
    """uint8 [N, C, H, W] images of ``name`` (``split``: "train" or "test")."""
    if name not in VAE_DATASETS:
        raise ValueError(f"unknown VAE dataset {name!r}; choose one of {list(VAE_DATASETS)}")
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    return _cached(name, SPLITS[name][split], str(Path(root).resolve()))


@functools.lru_cache(maxsize=4)
def _cached(name, split, root):
    ds = get_dataset(name, split, root=root, transform=None)
    if isinstance(ds, ArrayDataset):
        return ds.images.contiguous()
    out = torch.empty(len(ds), 3, 64, 64, dtype=torch.uint8)
    for i in progress(range(len(ds)), desc=f"decode {name} {split}"):
        x = ds[i][0].float()[None]
        out[i] = F.interpolate(x, size=(64, 64), mode="bilinear", antialias=True, align_corners=False)[0].round().clamp(0, 255)
    return out


def as_float(x):
    return x.float() / 255.0
