"""Datasets by name and split, with the paper's transforms, for offline machines.

``get_dataset("cifar10", "train")`` is the one entry point. The data root is
``$NEUMETA_DATA`` (default ``data/`` in the repository). A dataset that is missing
is downloaded the way torchvision does when the network allows; otherwise one
``DatasetNotFoundError`` names the dataset, the path searched and how to get it.
"""
from pathlib import Path

from neumeta.data.common import (DATASETS, HOW_TO_GET, NUM_CLASSES, REPO_ROOT, SEG_IGNORE, ArrayDataset,  # noqa: F401
                                 DatasetNotFoundError, SegmentationPairs, classification_transform, data_root,
                                 downloads_allowed, read_label_map, read_rgb, segmentation_transform)
from neumeta.data.classification import _cifar, _mnist_like
from neumeta.data.folders import CelebAFolder, _camvid, _celeba, _imagenet, _voc  # noqa: F401
from neumeta.data.identity import DECLARED_COPIES, NOT_HERE, dataset_source  # noqa: F401


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
