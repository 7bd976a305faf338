"""Build the small dataset fixtures under tests/fixtures/data (deterministic, seeded).

    .venv/bin/python tests/make_fixtures.py [--source data] [--out tests/fixtures/data]

Every dataset is written in the exact on-disk layout ``neumeta/data.py`` reads.

REAL subsets, cut from the unpacked data in ``--source`` (``make data``):
  MNIST        1000 train + 1000 test images (100 per class), uncompressed IDX files
  CIFAR-10     1000 train + 1000 test JPEGs (100 per class), original JPEG bytes
  CamVid       4 train, 2 val, 2 test image/annotation pairs (+ README.txt)

GENERATED stand-ins (these datasets are not available offline), in the real layouts:
  Fashion-MNIST, CIFAR-100 (python pickles), CelebA, VOC2012 segmentation, ImageNet folders.
Generated images carry a simple class signal (class-dependent colours/shapes plus noise)
so a model can learn something from them; they are not the real images.
"""
import argparse
import pickle
import shutil
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[1]
SEED = 20240601
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
CELEBA_ATTRS = (
    "5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose Black_Hair "
    "Blond_Hair Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee Gray_Hair Heavy_Makeup "
    "High_Cheekbones Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard Oval_Face Pale_Skin Pointy_Nose "
    "Receding_Hairline Rosy_Cheeks Sideburns Smiling Straight_Hair Wavy_Hair Wearing_Earrings Wearing_Hat "
    "Wearing_Lipstick Wearing_Necklace Wearing_Necktie Young").split()
IMAGENET_WNIDS = ("n01440764", "n01443537", "n01484850")  # tench, goldfish, great white shark
MANAGED = ("MNIST", "FashionMNIST", "cifar10-jpeg", "camvid-half", "cifar-100-python", "celeba", "VOCdevkit",
           "imagenet")


def rng_for(name):
    """One independent, reproducible stream per dataset (adding one never changes the others)."""
    return np.random.default_rng([SEED, zlib.crc32(name.encode())])


def balanced_pick(labels, per_class, rng):
    """Sorted indices of ``per_class`` random examples of every class."""
    picks = [rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in np.unique(labels)]
    return np.sort(np.concatenate(picks))


# ---------------------------------------------------------------- IDX (MNIST format)
def read_idx(path):
    raw = Path(path).read_bytes()
    ndim = raw[3]
    shape = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def write_idx(path, array):
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(header + array.tobytes())


def write_mnist_layout(raw, splits):
    for prefix, (images, labels) in splits.items():
        write_idx(raw / f"{prefix}-images-idx3-ubyte", images)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels)


# ---------------------------------------------------------------- real subsets
def make_mnist(src, out, per_class=100):
    rng = rng_for("mnist")
    splits = {}
    for prefix in ("train", "t10k"):
        images = read_idx(src / "MNIST" / "raw" / f"{prefix}-images-idx3-ubyte")
        labels = read_idx(src / "MNIST" / "raw" / f"{prefix}-labels-idx1-ubyte")
        idx = balanced_pick(labels, per_class, rng)
        splits[prefix] = (images[idx], labels[idx])
    write_mnist_layout(out / "MNIST" / "raw", splits)


def make_cifar10_jpeg(src, out, per_class=100):
    rng = rng_for("cifar10")
    for split in ("train", "test"):
        for cls in CIFAR10_CLASSES:
            files = sorted((src / "cifar10-jpeg" / split / cls).glob("*.jpg"))
            chosen = sorted(rng.choice(len(files), per_class, replace=False))
            dst = out / "cifar10-jpeg" / split / cls
            dst.mkdir(parents=True, exist_ok=True)
            for n, i in enumerate(chosen):
                shutil.copyfile(files[i], dst / f"{n:04d}.jpg")


def make_camvid(src, out, counts=(("train", 4), ("val", 2), ("test", 2))):
    rng = rng_for("camvid")
    folder, dst = src / "camvid-half", out / "camvid-half"
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(folder / "README.txt", dst / "README.txt")
    for split, n in counts:
        files = sorted((folder / split).glob("*.png"))
        for i in sorted(rng.choice(len(files), n, replace=False)):
            for sub in (split, f"{split}annot"):
                (dst / sub).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(folder / sub / files[i].name, dst / sub / files[i].name)


# ---------------------------------------------------------------- generated stand-ins
def smooth_field(rng, h, w, channels=3, cells=4):
    """Low-frequency random colour field (compresses well, looks like a blurry photo)."""
    coarse = rng.uniform(0, 255, (cells, cells, channels)).astype(np.uint8)
    img = Image.fromarray(coarse.squeeze() if channels == 1 else coarse)
    return np.asarray(img.resize((w, h), Image.BICUBIC))


def make_fashion_mnist(out, per_class=(10, 5)):
    """28x28 grey silhouettes: class c is a filled shape whose width and height depend on c."""
    rng = rng_for("fashion-mnist")
    splits = {}
    for prefix, n in zip(("train", "t10k"), per_class):
        labels = np.repeat(np.arange(10, dtype=np.uint8), n)
        images = np.zeros((len(labels), 28, 28), np.uint8)
        for k, c in enumerate(labels):
            w, h = 6 + 2 * (c % 5), 8 + 8 * (c // 5)
            x0, y0 = 14 - w // 2 + rng.integers(-2, 3), 14 - h // 2 + rng.integers(-2, 3)
            images[k, max(y0, 0):y0 + h, max(x0, 0):x0 + w] = 120 + 12 * c
        images = np.clip(images + rng.normal(0, 10, images.shape) * (images > 0), 0, 255).astype(np.uint8)
        splits[prefix] = (images, labels)
    write_mnist_layout(out / "FashionMNIST" / "raw", splits)


class Py2StrPickler(pickle._Pickler):
    """Pickle ``bytes`` as Python 2 ``str`` (BINSTRING), like the real CIFAR files.

    Loaded with ``encoding="bytes"`` the keys are bytes (what neumeta reads); with
    ``encoding="latin1"`` they are str (what torchvision reads), as for the originals.
    """
    dispatch = pickle._Pickler.dispatch.copy()

    def save_py2_str(self, obj):
        n = len(obj)
        if n < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([n]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", n) + obj)
        self.memoize(obj)

    dispatch[bytes] = save_py2_str


def dump_py2(obj, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        Py2StrPickler(f, protocol=2).dump(obj)


def make_cifar100(out, per_class=(3, 1)):
    """32x32 images: class c = a colour (from c) plus a grating (orientation/frequency from c), plus noise."""
    rng = rng_for("cifar100")
    colours = rng.uniform(40, 215, (100, 3))
    yy, xx = np.mgrid[0:32, 0:32].astype(np.float64)
    folder = out / "cifar-100-python"
    for split, n in zip(("train", "test"), per_class):
        fine = np.repeat(np.arange(100), n)
        rng.shuffle(fine)
        data = np.empty((len(fine), 3, 32, 32), np.uint8)
        for k, c in enumerate(fine):
            angle, freq = np.pi * (c % 10) / 10, 0.25 + 0.1 * (c // 10)
            grating = 40 * np.sin(freq * (np.cos(angle) * xx + np.sin(angle) * yy) + rng.uniform(0, 2 * np.pi))
            img = colours[c][:, None, None] + grating[None] + rng.normal(0, 12, (3, 32, 32))
            data[k] = np.clip(img, 0, 255)
        batch = {b"filenames": [f"generated_{split}_{k:05d}_c{c:02d}.png".encode() for k, c in enumerate(fine)],
                 b"batch_label": f"generated {split} batch (neumeta test fixture)".encode(),
                 b"fine_labels": [int(c) for c in fine],
                 b"coarse_labels": [int(c) // 5 for c in fine],
                 b"data": data.reshape(len(fine), 3072)}
        dump_py2(batch, folder / split)
    dump_py2({b"fine_label_names": [f"fine_{c:02d}".encode() for c in range(100)],
              b"coarse_label_names": [f"coarse_{c:02d}".encode() for c in range(20)]}, folder / "meta")


def make_celeba(out, counts=(16, 4, 4)):
    """178x218 aligned-'face' stand-ins: a skin-tone ellipse with eyes on a smooth background."""
    rng = rng_for("celeba")
    folder = out / "celeba"
    (folder / "img_align_celeba").mkdir(parents=True, exist_ok=True)
    partition, attrs = [], []
    n = 0
    for code, count in enumerate(counts):
        for _ in range(count):
            n += 1
            name = f"{n:06d}.jpg"
            img = Image.fromarray(smooth_field(rng, 218, 178))
            d = ImageDraw.Draw(img)
            skin = tuple(int(v) for v in rng.uniform([170, 120, 90], [240, 190, 160]))
            d.ellipse((39, 55, 139, 185), fill=skin)
            for ex in (68, 110):
                d.ellipse((ex - 7, 105, ex + 7, 115), fill=(40, 30, 30))
            d.line((70, 155, 108, 155), fill=(150, 60, 60), width=4)
            img.save(folder / "img_align_celeba" / name, quality=85)
            partition.append(f"{name} {code}")
            attrs.append(name + " " + " ".join(f"{v:2d}" for v in rng.choice([-1, 1], len(CELEBA_ATTRS))))
    (folder / "list_eval_partition.txt").write_text("\n".join(partition) + "\n")
    (folder / "list_attr_celeba.txt").write_text(
        f"{n}\n" + " ".join(CELEBA_ATTRS) + " \n" + "\n".join(attrs) + "\n")


def voc_palette():
    """The standard PASCAL VOC colour map (bit-interleaved), 256 entries."""
    pal = []
    for i in range(256):
        r = g = b = 0
        c = i
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        pal += [r, g, b]
    return pal


def make_voc(out, train=4, val=2):
    """Images with 1-2 coloured objects; palette masks 0 background, 1..20 objects, 255 object borders."""
    rng = rng_for("voc")
    root = out / "VOCdevkit" / "VOC2012"
    for sub in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    ids = [f"2007_{k:06d}" for k in range(1, train + val + 1)]
    palette = voc_palette()
    for k, img_id in enumerate(ids):
        h, w = (120, 160) if k % 2 == 0 else (150, 112)
        img = Image.fromarray(smooth_field(rng, h, w))
        mask = Image.new("P", (w, h), 0)
        mask.putpalette(palette)
        d_img, d_mask = ImageDraw.Draw(img), ImageDraw.Draw(mask)
        for _ in range(1 + k % 2):
            cls = int(rng.integers(1, 21))
            x0, y0 = int(rng.integers(5, w // 2)), int(rng.integers(5, h // 2))
            x1, y1 = x0 + int(rng.integers(25, w // 2)), y0 + int(rng.integers(25, h // 2))
            box = (x0, y0, x1, y1)
            colour = tuple(palette[3 * cls:3 * cls + 3])
            d_img.ellipse(box, fill=colour)
            d_mask.ellipse(box, fill=cls, outline=255, width=3)  # VOC marks object borders "void" (255)
        img.save(root / "JPEGImages" / f"{img_id}.jpg", quality=85)
        mask.save(root / "SegmentationClass" / f"{img_id}.png")
    lists = {"train": ids[:train], "val": ids[train:], "trainval": ids}
    for split, names in lists.items():
        (root / "ImageSets" / "Segmentation" / f"{split}.txt").write_text("\n".join(names) + "\n")


def make_imagenet(out, per_class=2):
    """ImageFolder layout: one dominant hue per class, images of varied sizes."""
    rng = rng_for("imagenet")
    hues = np.array([[200, 60, 40], [230, 170, 30], [60, 90, 200]], np.float64)
    sizes = ((96, 128), (140, 100))
    for split in ("train", "val"):
        for c, wnid in enumerate(IMAGENET_WNIDS):
            dst = out / "imagenet" / split / wnid
            dst.mkdir(parents=True, exist_ok=True)
            for k in range(per_class):
                h, w = sizes[k % 2]
                img = 0.6 * hues[c] + 0.4 * smooth_field(rng, h, w)
                name = f"{wnid}_{k + 1}.JPEG" if split == "train" else f"ILSVRC2012_val_{c * per_class + k + 1:08d}.JPEG"
                Image.fromarray(img.astype(np.uint8)).save(dst / name, format="JPEG", quality=85)


README = """\
# Dataset fixtures for the tests

Small copies of every dataset `neumeta/data.py` loads, each in the exact on-disk
layout it reads, so `tests/test_data.py` runs offline (`NEUMETA_OFFLINE=1`) in seconds.
Rebuild them (deterministic, seeded) from the repository root after `make data`:

    .venv/bin/python tests/make_fixtures.py --source data --out tests/fixtures/data

## Real data (subsets of the unpacked originals in `data/`)

| folder | what |
|---|---|
| `MNIST/raw/` | MNIST: 1000 train + 1000 test images (100 per class, random), uncompressed IDX files with proper headers |
| `cifar10-jpeg/{train,test}/<class>/NNNN.jpg` | CIFAR-10: 1000 train + 1000 test (100 per class, random); the original JPEG bytes, renumbered |
| `camvid-half/` | CamVid (240x180, SegNet 11 classes, 11 = void): 4 train, 2 val, 2 test image/annotation pairs, original files and README.txt |

## Generated stand-ins (these datasets are not available on this machine)

They are synthetic, NOT real images: same layout, file formats and value ranges as the
originals, with a simple class signal (class-dependent colours/shapes plus noise).

| folder | what |
|---|---|
| `FashionMNIST/raw/` | Fashion-MNIST IDX files: 100 train + 50 test 28x28 grey shapes, size depends on the class |
| `cifar-100-python/{train,test,meta}` | CIFAR-100 pickles (Python-2-style str keys: `b'data'` uint8 [N, 3072], `b'fine_labels'`, `b'coarse_labels'`, `b'filenames'`): 300 train (3 per class) + 100 test (1 per class); class colour plus oriented grating plus noise; coarse label = fine // 5 |
| `celeba/` | CelebA: 24 178x218 JPEGs `img_align_celeba/NNNNNN.jpg` (face-like ellipse), `list_eval_partition.txt` (16 train / 4 val / 4 test), `list_attr_celeba.txt` in the real format (40 attributes, random +-1) |
| `VOCdevkit/VOC2012/` | VOC2012 segmentation: 6 JPEGs, palette-mode PNG masks in `SegmentationClass/` (0 background, classes 1..20, 255 object borders), `ImageSets/Segmentation/{train,val,trainval}.txt` (4 / 2 / 6) |
| `imagenet/{train,val}/<wnid>/*.JPEG` | ImageNet folders: 3 classes (n01440764, n01443537, n01484850) x 2 images per split, varied sizes |

The loaders write a decode cache `cifar10-jpeg/{split}-cache.npz` next to CIFAR-10 JPEGs;
the tests work on a temporary copy, and `*-cache.npz` is git-ignored.
"""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=REPO / "data", help="unpacked real data (make data)")
    ap.add_argument("--out", type=Path, default=REPO / "tests" / "fixtures" / "data")
    args = ap.parse_args(argv)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    for name in MANAGED:  # start clean so the result depends only on the source and the seed
        if (out / name).exists():
            shutil.rmtree(out / name)
    make_mnist(args.source, out)
    make_cifar10_jpeg(args.source, out)
    make_camvid(args.source, out)
    make_fashion_mnist(out)
    make_cifar100(out)
    make_celeba(out)
    make_voc(out)
    make_imagenet(out)
    (out / "README.md").write_text(README)
    print(f"fixtures written to {out}")


if __name__ == "__main__":
    main()
