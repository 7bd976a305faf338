"""The folder datasets: CelebA, PASCAL VOC, CamVid and ImageNet, read from their on-disk layouts."""

from pathlib import Path

import torch
import torchvision
from torch.utils.data import Dataset

from neumeta.data.common import (SEG_IGNORE, DatasetNotFoundError, SegmentationPairs, _check_split, _rgb_tensor,
                                 _try_download)


class CelebAFolder(Dataset):
    """CelebA's own layout (img_align_celeba/ + list_eval_partition.txt), without md5 checks."""

    def __init__(self, folder, split, transform=None):
        code = {"train": "0", "val": "1", "test": "2"}[split]
        lines = (folder / "list_eval_partition.txt").read_text().split("\n")
        self.files = [folder / "img_align_celeba" / ln.split()[0] for ln in lines
                      if ln.strip() and ln.split()[1] == code]
        self.transform = transform

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        x = _rgb_tensor(self.files[i])
        return (self.transform(x) if self.transform else x), 0  # VAEs need no label


def _celeba(root, split, transform):
    _check_split("celeba", split, ("train", "val", "test"))
    folder = root / "celeba"
    if not (folder / "list_eval_partition.txt").exists() or not (folder / "img_align_celeba").is_dir():
        raise DatasetNotFoundError("celeba", folder)  # Google-Drive hosted: torchvision downloads rarely work
    return CelebAFolder(folder, split, transform)


def _voc(root, split, transform):
    _check_split("voc", split, ("train", "val", "trainval"))
    voc_root = root / "VOCdevkit" / "VOC2012"
    if not voc_root.is_dir() and not _try_download(
            "voc", lambda: torchvision.datasets.VOCSegmentation(root, "2012", "train", download=True)):
        raise DatasetNotFoundError("voc", voc_root)
    ds = torchvision.datasets.VOCSegmentation(root, year="2012", image_set=split, download=False)
    return SegmentationPairs(ds.images, ds.masks, transform)


class _CamVidPairs(SegmentationPairs):
    def __getitem__(self, i):
        img, mask = super().__getitem__(i)
        return img, torch.where(mask == 11, SEG_IGNORE, mask)  # void -> ignore


def _camvid(root, split, transform):
    _check_split("camvid", split, ("train", "val", "test"))
    folder = root / "camvid-half"
    if not (folder / split).is_dir() or not (folder / f"{split}annot").is_dir():
        raise DatasetNotFoundError("camvid", folder)
    images = sorted((folder / split).glob("*.png"))
    masks = [folder / f"{split}annot" / p.name for p in images]
    return _CamVidPairs(images, masks, transform)


def _imagenet(root, split, transform):
    _check_split("imagenet", split, ("train", "val"))
    folder = Path(root) / split
    if not folder.is_dir():
        folder = Path(root) / "imagenet" / split
    if not folder.is_dir():
        raise DatasetNotFoundError("imagenet", folder)
    return torchvision.datasets.ImageFolder(folder, transform=transform, loader=_read_rgb)


def _read_rgb(path):
    return _rgb_tensor(path)
