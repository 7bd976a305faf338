"""Evaluation sets decoded once per process: every width of every method reads the same tensors."""
import functools
from pathlib import Path

import torch
from torch.utils.data import TensorDataset

from neumeta.data import get_dataset
from neumeta.progress import progress


def decode(dataset, desc="decode"):
    """Every (image, label) of ``dataset`` stacked into one ``TensorDataset`` (deterministic transforms only)."""
    xs, ys = [], []
    for i in progress(range(len(dataset)), desc=desc, leave=False):
        x, y = dataset[i]
        xs.append(x)
        ys.append(int(y))
    return TensorDataset(torch.stack(xs), torch.tensor(ys))


def eval_set(name, split, root):
    """``name``/``split`` with the evaluation transform, as tensors; decoded on the first call only."""
    return _cached(name, split, str(Path(root).resolve()))


@functools.lru_cache(maxsize=8)
def _cached(name, split, root):
    return decode(get_dataset(name, split, root=root, transform="eval"), desc=f"decode {name} {split}")
