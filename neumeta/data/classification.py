"""The classification datasets: CIFAR-10/100 (torchvision's batches or the offline JPEG copy, decoded once and
cached) and MNIST / Fashion-MNIST (idx files; Debian's Fashion-MNIST package when present)."""

import gzip
import pickle
import shutil
import zipfile
from pathlib import Path

import numpy as np
import torchvision

from neumeta.store.atomic import atomic_write
from neumeta.progress import progress
from neumeta.data.common import ArrayDataset, DatasetNotFoundError, _check_split, _try_download, read_rgb


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
