"""Which copy of a dataset an artifact was trained on: part of every artifact's key, and the same whether the
data is unpacked on this machine or not."""

import functools
from pathlib import Path

import numpy as np

from neumeta.data.common import DatasetNotFoundError, data_root


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
    from neumeta.data import get_dataset  # the package's entry point, which imports this module
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
