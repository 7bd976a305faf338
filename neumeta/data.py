"""Datasets by name and split, with the paper's transforms, for offline machines.

``get_dataset("cifar10", "train")`` is the one entry point. The data root is
``$NEUMETA_DATA`` (default ``data/`` in the repository). A dataset that is missing
is downloaded the way torchvision does when the network allows; otherwise one
``DatasetNotFoundError`` names the dataset, the path searched and how to get it.
"""
import functools
import gzip
import os
import pickle
import shutil
import zipfile
from pathlib import Path

import numpy as np
import torch
import torchvision
from torch.utils.data import Dataset
from torchvision import tv_tensors
from PIL import Image
from torchvision.transforms import v2

from neumeta.store.atomic import atomic_write
from neumeta.progress import progress

REPO_ROOT = Path(__file__).resolve().parents[1]
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
def _decode_folder_tree(folder):
    """Read a <class>/<image> tree (classes sorted = label ids) into uint8 arrays."""
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir())
    files, labels = [], []
    for label, cls in enumerate(classes):
        names = sorted((folder / cls).iterdir())
        files += names
        labels += [label] * len(names)
    images = np.stack([read_rgb(f)
                       for f in progress(files, desc=f"decoding {folder.name}")])
    return images, np.asarray(labels, dtype=np.int64)


def _cifar_jpeg_arrays(root, split):
    folder = root / "cifar10-jpeg" / split
    cache = root / "cifar10-jpeg" / f"{split}-cache.npz"
    if cache.exists():
        try:
            with np.load(cache, allow_pickle=False) as z:
                return z["images"], z["labels"]
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            pass  # unreadable cache: decode again and overwrite it
    images, labels = _decode_folder_tree(folder)
    with atomic_write(cache, "wb") as f:
        np.savez(f, images=images, labels=labels)
    return images, labels


class _CifarUnpickler(pickle.Unpickler):
    """CIFAR's python batches are pickles: dicts of bytes, lists and (in some copies) numpy arrays. Anything
    else a file asks to construct is refused, so a tampered batch cannot run code."""
    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype")}

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a CIFAR batch file")


def _cifar_python_arrays(folder, split, label_key):
    """Read torchvision's pickled CIFAR layout directly (torchvision would md5-check the files)."""
    names = ["train"] if label_key == b"fine_labels" else [f"data_batch_{i}" for i in range(1, 6)]
    if split == "test":
        names = ["test"] if label_key == b"fine_labels" else ["test_batch"]
    images, labels = [], []
    for n in names:
        with open(folder / n, "rb") as f:
            batch = _CifarUnpickler(f, encoding="bytes").load()
        images.append(np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        labels += list(batch[label_key])
    return np.concatenate(images), np.asarray(labels, dtype=np.int64)


def _try_download(name, fn):
    if not downloads_allowed():
        return False
    try:
        fn()
        return True
    except Exception:  # no network, server gone: fall through to the clear error
        return False


def dataset_source(name, root=None):
    """Which copy of ``name`` the loader reads under ``root``: part of every artifact's key, since the
    offline JPEG CIFAR-10 copy and the lossless one give different numbers, and a subset (the test
    fixtures) is not the dataset. The format, then the image count and a hash of the labels of each
    split; no paths of the machine."""
    root = Path(root) if root is not None else data_root()
    if name == "cifar10":
        jpeg = (root / "cifar10-jpeg" / "train").is_dir() and not (root / "cifar-10-batches-py").exists()
        label = "cifar10: cifar10-jpeg (JPEG quality 75)" if jpeg else "cifar10: cifar-10-batches-py (lossless)"
    elif name == "cifar100":
        label = "cifar100: cifar-100-python (lossless)"
    elif name in ("mnist", "fashion-mnist"):
        label = f"{name}: idx (lossless)"
    else:
        return name
    fingerprint = _content_fingerprint(name, str(root))
    if fingerprint == NOT_HERE and name in DECLARED_COPIES:
        return DECLARED_COPIES[name]  # the copy `make data` would unpack: keys do not depend on unpacking
    return f"{label}; {fingerprint}"


NOT_HERE = "not present here"
# The copies that ../shared/data ships (`make data` unpacks them), named exactly as ``dataset_source`` names them
# when they are unpacked (tests/test_data.py checks both). A dataset that is not on this machine is named by its
# declared copy, so an artifact's key, and whether `make artifacts` finds it built, do not depend on the data
# being unpacked.
DECLARED_COPIES = {
    "cifar10": "cifar10: cifar10-jpeg (JPEG quality 75); 50000 train + 10000 test images, labels sha256 3e7dfa466343",
    "mnist": "mnist: idx (lossless); 60000 train + 10000 test images, labels sha256 818800b46032",
}


@functools.lru_cache(maxsize=32)
def _content_fingerprint(name, root):
    import hashlib
    digest, counts = hashlib.sha256(), []
    for split in ("train", "test"):
        try:
            ds = get_dataset(name, split, root=root, transform=None)
        except DatasetNotFoundError:
            return NOT_HERE
        targets = np.asarray(ds.targets, dtype=np.int64)
        digest.update(targets.tobytes())
        counts.append(f"{len(targets)} {split}")
    return f"{' + '.join(counts)} images, labels sha256 {digest.hexdigest()[:12]}"


def _cifar(name, root, split, transform):
    _check_split(name, split, ("train", "test"))
    py_dir = root / ("cifar-10-batches-py" if name == "cifar10" else "cifar-100-python")
    label_key = b"labels" if name == "cifar10" else b"fine_labels"
    cls = torchvision.datasets.CIFAR10 if name == "cifar10" else torchvision.datasets.CIFAR100
    if name == "cifar10" and not py_dir.exists() and (root / "cifar10-jpeg" / split).is_dir():
        images, labels = _cifar_jpeg_arrays(root, split)
    else:
        if not py_dir.exists() and not _try_download(name, lambda: cls(root, download=True)):
            searched = f"{py_dir}" + (f" and {root / 'cifar10-jpeg' / split}" if name == "cifar10" else "")
            raise DatasetNotFoundError(name, searched)
        images, labels = _cifar_python_arrays(py_dir, split, label_key)
    return ArrayDataset(images, labels, transform)


def _unpack_debian_fashion_mnist(raw):
    src = Path("/usr/share/datasets/fashion-mnist")
    if not src.is_dir():
        return False
    raw.mkdir(parents=True, exist_ok=True)
    for gz in src.glob("*-ubyte.gz"):
        with gzip.open(gz, "rb") as fin, atomic_write(raw / gz.stem, "wb") as fout:
            shutil.copyfileobj(fin, fout)
    return True


def _mnist_like(name, root, split, transform):
    _check_split(name, split, ("train", "test"))
    cls = torchvision.datasets.MNIST if name == "mnist" else torchvision.datasets.FashionMNIST
    raw = root / cls.__name__ / "raw"
    needed = [raw / f"{p}-{kind}-ubyte" for p in ("train", "t10k") for kind in ("images-idx3", "labels-idx1")]
    if not all(p.exists() for p in needed):
        if name == "fashion-mnist":
            _unpack_debian_fashion_mnist(raw)
        if not all(p.exists() for p in needed) and not _try_download(name, lambda: cls(root, download=True)):
            raise DatasetNotFoundError(name, raw)
    ds = cls(root, train=(split == "train"), download=False)
    return ArrayDataset(ds.data.numpy()[..., None], ds.targets.numpy(), transform)


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


def get_dataset(name, split="train", root=None, transform="paper"):
    """Dataset ``name`` (one of ``DATASETS``), ``split`` ("train"/"test"/"val"), paper transforms.

    ``transform="paper"`` applies the paper's augmentation on training splits;
    ``transform="eval"`` uses the test-time transform on any split (for BN
    recalibration or validation carved from train); ``None`` returns raw uint8.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {list(DATASETS)}")
    root = Path(root) if root is not None else data_root()
    if transform in ("paper", "eval"):
        train = transform == "paper" and split in ("train", "trainval")
        if name in ("voc", "camvid"):
            transform = segmentation_transform(train, crop=(176, 224) if name == "camvid" else 512)
        else:
            transform = classification_transform(name, train)
    if name in ("cifar10", "cifar100"):
        return _cifar(name, root, split, transform)
    if name in ("mnist", "fashion-mnist"):
        return _mnist_like(name, root, split, transform)
    if name == "celeba":
        return _celeba(root, split, transform)
    if name == "voc":
        return _voc(root, split, transform)
    if name == "camvid":
        return _camvid(root, split, transform)
    return _imagenet(root, split, transform)
