"""What every dataset loader shares: names, class counts, the data root, the error for a missing dataset, the
paper's transforms, and the in-memory and segmentation-pair datasets."""

import os
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset
from torchvision import tv_tensors
from PIL import Image
from torchvision.transforms import v2


REPO_ROOT = Path(__file__).resolve().parents[2]
DATASETS = ("mnist", "fashion-mnist", "cifar10", "cifar100", "celeba", "voc", "camvid", "imagenet")
NUM_CLASSES = {"mnist": 10, "fashion-mnist": 10, "cifar10": 10, "cifar100": 100, "celeba": 40,
               "voc": 21, "camvid": 11, "imagenet": 1000}

CIFAR10_MEAN, CIFAR10_STD = (0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.201)
CIFAR100_MEAN, CIFAR100_STD = (0.507, 0.4865, 0.4409), (0.2673, 0.2564, 0.2761)
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
SEG_IGNORE = 255  # label value no loss or metric counts (CamVid's "void" 11 is mapped to it)

HOW_TO_GET = {
    "mnist": "run `make data` (unpacks ../shared/data/mnist.tar.gz) or go online once",
    "fashion-mnist": "`apt-get install dataset-fashion-mnist` (then any call unpacks it) or go online once",
    "cifar10": "run `make data` (unpacks ../shared/data/cifar10-jpeg.tar.gz) or go online once",
    "cifar100": "download https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz and unpack it in the data root",
    "celeba": "download CelebA (img_align_celeba + list_eval_partition.txt + list_attr_celeba.txt) into <root>/celeba",
    "voc": "download VOC2012 (VOCdevkit/VOC2012) into the data root",
    "camvid": "run `make data` (unpacks ../shared/data/camvid-half.tar.gz)",
    "imagenet": "pass the ImageNet folder (with train/ and val/ class folders) as root",
}


class DatasetNotFoundError(FileNotFoundError):
    def __init__(self, name, searched, detail=""):
        self.name, self.searched = name, searched
        msg = f"dataset {name!r} not found (searched {searched}). To obtain it: {HOW_TO_GET[name]}."
        super().__init__(msg + (f" ({detail})" if detail else ""))


def data_root():
    return Path(os.environ.get("NEUMETA_DATA", REPO_ROOT / "data"))


def downloads_allowed():
    # Tests and CI set NEUMETA_OFFLINE=1 so a missing dataset fails fast instead of timing out.
    return os.environ.get("NEUMETA_OFFLINE", "0") != "1"


def _check_split(name, split, allowed):
    if split not in allowed:
        raise ValueError(f"split {split!r} is not one of {allowed} for dataset {name!r}")


# ---------------------------------------------------------------- transforms
def classification_transform(name, train):
    """The paper's transforms (method reference, section 8.7) for uint8 CHW tensors."""
    to_float = [v2.ToImage(), v2.ToDtype(torch.float32, scale=True)]
    if name in ("mnist", "fashion-mnist"):
        return v2.Compose(to_float + [v2.Normalize((0.5,), (0.5,))])
    if name in ("cifar10", "cifar100"):
        mean, std = (CIFAR10_MEAN, CIFAR10_STD) if name == "cifar10" else (CIFAR100_MEAN, CIFAR100_STD)
        aug = [v2.RandomCrop(32, padding=4), v2.RandomHorizontalFlip()] if train else []
        return v2.Compose([v2.ToImage()] + aug + [v2.ToDtype(torch.float32, scale=True), v2.Normalize(mean, std)])
    if name == "celeba":  # VAE: 64x64, aspect not preserved, [0, 1] values
        return v2.Compose([v2.ToImage(), v2.Resize((64, 64), antialias=True), v2.ToDtype(torch.float32, scale=True)])
    if name == "imagenet":
        crop = [v2.RandomResizedCrop(224, antialias=True), v2.RandomHorizontalFlip()] if train else \
            [v2.Resize(256, antialias=True), v2.CenterCrop(224)]
        return v2.Compose([v2.ToImage()] + crop + [v2.ToDtype(torch.float32, scale=True),
                                                  v2.Normalize(IMAGENET_MEAN, IMAGENET_STD)])
    raise ValueError(f"no classification transform for {name!r}")


def segmentation_transform(train, crop=None):
    """Joint image/mask transform: random crop + flip for training, ImageNet normalisation."""
    aug = []
    if train:
        if crop:
            aug.append(v2.RandomCrop(crop, pad_if_needed=True, fill={tv_tensors.Mask: SEG_IGNORE, "others": 0}))
        aug.append(v2.RandomHorizontalFlip())
    return v2.Compose([v2.ToImage()] + aug + [v2.ToDtype({tv_tensors.Image: torch.float32, "others": None}, scale=True),
                                              v2.Normalize(IMAGENET_MEAN, IMAGENET_STD)])


# ---------------------------------------------------------------- image files
# PIL rather than torchvision.io: torchvision 0.29 deprecates its decoders in favour of torchcodec.
def read_rgb(path):
    """An image file as a uint8 HWC array."""
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def read_label_map(path):
    """A label PNG as a uint8 HW array of class indices (palette indices for VOC, grey values for CamVid)."""
    with Image.open(path) as im:
        return np.asarray(im)


def _rgb_tensor(path):
    return torch.from_numpy(read_rgb(path).copy()).permute(2, 0, 1)


# ---------------------------------------------------------------- array-backed datasets
class ArrayDataset(Dataset):
    """Images held in memory as uint8 NHWC arrays: decoded once, cheap to index."""

    def __init__(self, images, labels, transform=None):
        self.images = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2)  # NCHW view
        self.targets = torch.as_tensor(np.asarray(labels), dtype=torch.long)
        self.transform = transform

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, i):
        x = self.images[i]
        return (self.transform(x) if self.transform else x), self.targets[i]


class SegmentationPairs(Dataset):
    def __init__(self, images, masks, transform=None):
        self.images, self.masks, self.transform = images, masks, transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        img = tv_tensors.Image(_rgb_tensor(self.images[i]))
        # UNCHANGED keeps palette indices (VOC); GRAY would turn them into luminance values.
        mask = tv_tensors.Mask(torch.from_numpy(read_label_map(self.masks[i]).astype(np.int64)))
        if self.transform:
            img, mask = self.transform(img, mask)
        return img, mask


# ---------------------------------------------------------------- loaders per dataset
def _try_download(name, fn):
    if not downloads_allowed():
        return False
    try:
        fn()
        return True
    except Exception:  # no network, server gone: fall through to the clear error
        return False
