"""Loader tests for every dataset in neumeta.data, against the small fixtures in tests/fixtures/data.

The fixtures are built by tests/make_fixtures.py (see tests/fixtures/data/README.md).
Everything runs offline (NEUMETA_OFFLINE=1) and takes a few seconds.
"""
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from neumeta import data
from neumeta.data import DATASETS, SEG_IGNORE, DatasetNotFoundError, get_dataset

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "data"


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("NEUMETA_OFFLINE", "1")
    monkeypatch.setenv("TQDM_DISABLE", "1")


@pytest.fixture
def cifar10_root(tmp_path):
    """A private copy of the CIFAR-10 JPEG fixture: the loader writes its decode cache next to the data."""
    shutil.copytree(FIXTURES / "cifar10-jpeg", tmp_path / "cifar10-jpeg",
                    ignore=shutil.ignore_patterns("*-cache.npz"))
    return tmp_path


def labels_of(ds):
    return torch.as_tensor([int(ds[i][1]) for i in range(len(ds))])


def augmentation_differs(name, root, n=8, split="train"):
    """The paper transform on a training split is random; the eval transform is not."""
    paper = get_dataset(name, split, root=root, transform="paper")
    evaluation = get_dataset(name, split, root=root, transform="eval")
    differs = False
    for i in range(n):
        torch.manual_seed(i)
        a, b = paper[i][0], evaluation[i][0]
        assert torch.equal(b, evaluation[i][0])  # eval is deterministic
        differs |= a.shape != b.shape or not torch.equal(a, b)
    return differs


# ---------------------------------------------------------------- one loader test per dataset
def test_mnist():
    train, test = get_dataset("mnist", "train", root=FIXTURES), get_dataset("mnist", "test", root=FIXTURES)
    assert (len(train), len(test)) == (1000, 1000)
    x, y = train[0]
    assert x.shape == (1, 28, 28) and x.dtype == torch.float32
    assert -1.0 <= x.min() and x.max() <= 1.0 and x.min() < 0 < x.max()  # Normalize((0.5,), (0.5,))
    assert y.dtype == torch.long
    for ds in (train, test):
        assert torch.equal(torch.bincount(ds.targets, minlength=10), torch.full((10,), 100))  # class-balanced


def test_mnist_fixture_is_real_data():
    raw = get_dataset("mnist", "train", root=FIXTURES, transform=None)
    images = raw.images.float()
    # Real MNIST: mostly black background, mean ~33/255, about 19% of pixels lit.
    assert 25 < images.mean() < 42
    assert 0.12 < (images > 128).float().mean() < 0.26
    assert len(torch.unique(raw.targets)) >= 9
    # Digits of one class resemble each other more than digits of another class.
    mean0, mean1 = (images[raw.targets == c].mean(0) for c in (0, 1))
    zeros = images[raw.targets == 0]
    assert (zeros - mean0).abs().mean() < (zeros - mean1).abs().mean()


def test_mnist_root_from_environment(monkeypatch):
    monkeypatch.setenv("NEUMETA_DATA", str(FIXTURES))
    assert len(get_dataset("mnist", "test")) == 1000


def test_fashion_mnist():
    train, test = (get_dataset("fashion-mnist", s, root=FIXTURES) for s in ("train", "test"))
    assert (len(train), len(test)) == (100, 50)
    x, y = test[0]
    assert x.shape == (1, 28, 28) and x.dtype == torch.float32
    assert set(labels_of(train).tolist()) == set(range(10))


def test_cifar10_jpeg(cifar10_root):
    train = get_dataset("cifar10", "train", root=cifar10_root)
    test = get_dataset("cifar10", "test", root=cifar10_root)
    assert (len(train), len(test)) == (1000, 1000)
    x, y = test[0]
    assert x.shape == (3, 32, 32) and x.dtype == torch.float32
    assert y.dtype == torch.long
    for ds in (train, test):
        assert torch.equal(torch.bincount(ds.targets, minlength=10), torch.full((10,), 100))
    # labels follow the sorted class folders
    assert int(test.targets[0]) == 0 and int(test.targets[-1]) == 9
    assert augmentation_differs("cifar10", cifar10_root)


def test_cifar10_cache_created_and_reused(cifar10_root, monkeypatch):
    cache = cifar10_root / "cifar10-jpeg" / "test-cache.npz"
    assert not cache.exists()
    first = get_dataset("cifar10", "test", root=cifar10_root, transform=None)
    assert cache.exists()
    with np.load(cache) as z:
        assert z["images"].shape == (1000, 32, 32, 3) and z["images"].dtype == np.uint8

    def no_decoding(folder):
        raise AssertionError("decoded the JPEGs again instead of using the cache")

    monkeypatch.setattr(data.classification, "_decode_folder_tree", no_decoding)
    second = get_dataset("cifar10", "test", root=cifar10_root, transform=None)
    assert torch.equal(first.images, second.images) and torch.equal(first.targets, second.targets)
    assert not (cifar10_root / "cifar10-jpeg" / "train-cache.npz").exists()  # one cache per split


@pytest.mark.parametrize("damage", [b"not an npz file", "truncate"])
def test_cifar10_unreadable_cache_is_rebuilt(cifar10_root, damage):
    cache = cifar10_root / "cifar10-jpeg" / "test-cache.npz"
    good = get_dataset("cifar10", "test", root=cifar10_root, transform=None)
    raw = cache.read_bytes()
    cache.write_bytes(raw[:len(raw) // 2] if damage == "truncate" else damage)
    again = get_dataset("cifar10", "test", root=cifar10_root, transform=None)
    assert torch.equal(good.images, again.images)
    with np.load(cache) as z:  # rewritten, readable again
        assert z["images"].shape == (1000, 32, 32, 3)


def test_cifar100():
    train, test = get_dataset("cifar100", "train", root=FIXTURES), get_dataset("cifar100", "test", root=FIXTURES)
    assert (len(train), len(test)) == (300, 100)
    x, y = train[0]
    assert x.shape == (3, 32, 32) and x.dtype == torch.float32
    assert train.targets.min() >= 0 and train.targets.max() <= 99
    assert torch.equal(torch.sort(test.targets).values, torch.arange(100))  # one test image per class
    assert augmentation_differs("cifar100", FIXTURES)


def test_celeba():
    lengths = {s: len(get_dataset("celeba", s, root=FIXTURES)) for s in ("train", "val", "test")}
    assert lengths == {"train": 16, "val": 4, "test": 4}
    x, y = get_dataset("celeba", "val", root=FIXTURES)[0]
    assert x.shape == (3, 64, 64) and x.dtype == torch.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert y == 0  # VAE data: no label
    raw = get_dataset("celeba", "train", root=FIXTURES, transform=None)[0][0]
    assert raw.shape == (3, 218, 178) and raw.dtype == torch.uint8
    attr = (FIXTURES / "celeba" / "list_attr_celeba.txt").read_text().splitlines()
    assert int(attr[0]) == 24 and len(attr[1].split()) == 40 and len(attr[2].split()) == 41


def test_voc():
    lengths = {s: len(get_dataset("voc", s, root=FIXTURES)) for s in ("train", "val", "trainval")}
    assert lengths == {"train": 4, "val": 2, "trainval": 6}
    valid = set(range(21)) | {SEG_IGNORE}
    # eval: full-size image, mask holds the palette indices (not their grey values)
    ds = get_dataset("voc", "val", root=FIXTURES, transform="eval")
    for i in range(len(ds)):
        img, mask = ds[i]
        png = np.asarray(Image.open(ds.masks[i]))
        assert img.dtype == torch.float32 and img.shape[1:] == mask.shape == png.shape
        assert mask.dtype == torch.long
        assert torch.equal(mask, torch.from_numpy(png.copy()).long())
        values = set(mask.unique().tolist())
        assert values <= valid and SEG_IGNORE in values and values & set(range(1, 21))
    # paper train: 512 crop, padding is ignored in the mask and zero (before normalisation) in the image
    torch.manual_seed(0)
    img, mask = get_dataset("voc", "train", root=FIXTURES)[0]
    assert img.shape == (3, 512, 512) and mask.shape == (512, 512) and mask.dtype == torch.long
    assert set(mask.unique().tolist()) <= valid
    assert (mask == SEG_IGNORE).float().mean() > 0.5  # the fixture images are much smaller than 512
    assert augmentation_differs("voc", FIXTURES, n=4)


def test_camvid():
    lengths = {s: len(get_dataset("camvid", s, root=FIXTURES)) for s in ("train", "val", "test")}
    assert lengths == {"train": 4, "val": 2, "test": 2}
    ds = get_dataset("camvid", "test", root=FIXTURES, transform="eval")
    saw_void = False
    for i in range(len(ds)):
        img, mask = ds[i]
        assert img.shape == (3, 180, 240) and img.dtype == torch.float32
        assert mask.shape == (180, 240) and mask.dtype == torch.long
        png = torch.from_numpy(np.array(Image.open(ds.masks[i]))).long()
        void = png == 11
        saw_void |= bool(void.any())
        assert torch.equal(mask == SEG_IGNORE, void)  # void 11 -> 255, nowhere else
        assert torch.equal(mask[~void], png[~void])
        assert set(mask.unique().tolist()) <= set(range(11)) | {SEG_IGNORE}
    assert saw_void
    torch.manual_seed(0)
    img, mask = get_dataset("camvid", "train", root=FIXTURES)[0]
    assert img.shape == (3, 176, 224) and mask.shape == (176, 224)
    assert 11 not in mask.unique().tolist()
    assert augmentation_differs("camvid", FIXTURES, n=4)


def test_imagenet():
    train, val = get_dataset("imagenet", "train", root=FIXTURES), get_dataset("imagenet", "val", root=FIXTURES)
    assert (len(train), len(val)) == (6, 6)
    assert train.classes == ["n01440764", "n01443537", "n01484850"] == val.classes
    x, y = val[0]
    assert x.shape == (3, 224, 224) and x.dtype == torch.float32
    assert set(labels_of(val).tolist()) == {0, 1, 2}
    assert augmentation_differs("imagenet", FIXTURES, n=6)
    # root may also be the ImageNet folder itself
    assert len(get_dataset("imagenet", "val", root=FIXTURES / "imagenet")) == 6


def test_every_dataset_has_a_loader_test():
    tested = {n[len("test_"):].replace("_jpeg", "").replace("_", "-") for n in globals() if n.startswith("test_")}
    assert set(DATASETS) <= tested


# ---------------------------------------------------------------- clear errors
@pytest.mark.parametrize("name", DATASETS)
def test_missing_dataset_raises_clear_error(name, tmp_path, monkeypatch):
    monkeypatch.setattr(data.classification, "_unpack_debian_fashion_mnist", lambda raw: False)  # hermetic
    with pytest.raises(DatasetNotFoundError) as info:
        get_dataset(name, "train", root=tmp_path)
    message = str(info.value)
    assert repr(name) in message and str(tmp_path) in message and "To obtain it" in message
    assert isinstance(info.value, FileNotFoundError) and info.value.name == name
    assert str(info.value.searched).startswith(str(tmp_path))
    assert list(tmp_path.iterdir()) == []  # offline: nothing was downloaded or created


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="unknown dataset 'svhn'"):
        get_dataset("svhn", "train", root=FIXTURES)


@pytest.mark.parametrize("name", DATASETS)
def test_bad_split(name):
    with pytest.raises(ValueError, match="split 'validation'"):
        get_dataset(name, "validation", root=FIXTURES)


def test_a_cifar_batch_that_would_run_code_is_refused():
    """CIFAR's python batches are pickles: one whose payload names anything but plain data is refused."""
    import io
    import os
    import pickle

    class Payload:
        def __reduce__(self):
            return (os.system, ("echo ran",))

    plain = pickle.dumps({b"data": np.zeros((2, 3072), dtype=np.uint8), b"labels": [3, 5]})
    assert data.classification._CifarUnpickler(io.BytesIO(plain), encoding="bytes").load()[b"labels"] == [3, 5]
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        data.classification._CifarUnpickler(io.BytesIO(pickle.dumps({b"data": Payload()})), encoding="bytes").load()
