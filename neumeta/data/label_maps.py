"""Which copy of a segmentation dataset an artifact was trained on: the number of images of each split and a
hash of the bytes of every label map and image file, in the loader's order. Part of the segmentation models'
keys, so another copy (the test fixtures, a re-encoded CamVid, VOC without its augmented masks) never reuses
their checkpoints. No path of the machine enters it."""
import functools
import hashlib
from pathlib import Path

from neumeta.data.common import DatasetNotFoundError, data_root

SPLITS = {"camvid": ("train", "val", "test"), "voc": ("train", "val")}


def label_map_source(name, root=None):
    """``"camvid: 367 train + 101 val + 233 test images, files sha256 …"``; ``"<name>: not present here"`` when the
    data is missing (such a key never matches a trained model)."""
    if name not in SPLITS:
        raise ValueError(f"no segmentation dataset {name!r}; choose one of {sorted(SPLITS)}")
    return _fingerprint(name, str(Path(root) if root is not None else data_root()))


@functools.lru_cache(maxsize=8)
def _fingerprint(name, root):
    from neumeta.data import get_dataset  # the package's entry point, which this module sits under
    digest, counts = hashlib.sha256(), []
    for split in SPLITS[name]:
        try:
            ds = get_dataset(name, split, root=root, transform=None)
        except DatasetNotFoundError:
            return f"{name}: not present here"
        for image, mask in zip(ds.images, ds.masks):
            digest.update(Path(image).read_bytes())
            digest.update(Path(mask).read_bytes())
        counts.append(f"{len(ds)} {split}")
    return f"{name}: {' + '.join(counts)} images, files sha256 {digest.hexdigest()[:12]}"
