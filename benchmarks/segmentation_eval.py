"""What scoring one U-Net of the segmentation table costs in the default and the channels-last memory format, on this
CPU, and how many test pixels change class between the two.

The segmentation notebook scores about twenty U-Nets on CamVid's test split; the decoder's convolutions at full
resolution are most of its time. Here the base U-Net and the Individual U-Net at h = 128 each segment the whole
test split in both formats, one thread, the formats interleaved round by round (load on the machine hits both
alike), medians over ``--rounds``. Writes ``results/<profile>/benchmarks/segmentation_eval.csv`` atomically
(seconds per pass, the ratio, the pixels scored and how many of them change class):

    python benchmarks/segmentation_eval.py --profile cpu        # about three minutes on a 2-core CPU
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neumeta.config.profiles import load_profile  # noqa: E402
from neumeta.experiments.segmentation.models import datasets, labels, train_model  # noqa: E402
from neumeta.models.unet import FULL_WIDTH, output_stride  # noqa: E402
from neumeta.segmentation.predict import predict_confusions  # noqa: E402
from neumeta.hardware.layout import channels_last_copy  # noqa: E402
from neumeta.tooling.bench_table import store  # noqa: E402


def pixels_moved(a, b):
    """Pixels whose predicted class differs between two ``[n, C, C]`` confusions of the same images (each moved
    pixel leaves one cell and enters another of its image's matrix)."""
    return int(np.abs(a.astype(np.int64) - b.astype(np.int64)).sum() // 2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(1)
    P = load_profile(args.profile)
    _, _, test = datasets(P)
    classes, ignore = labels(P)
    rows = []
    for width in (FULL_WIDTH, 128):
        net = train_model(P, width)[0].eval()  # reuses the checkpoint
        formats = {"default": net, "channels_last": channels_last_copy(net)}
        seconds, conf = {f: [] for f in formats}, {}
        for _ in range(args.rounds):
            for fmt, model in formats.items():
                t0 = time.perf_counter()
                conf[fmt] = predict_confusions(model, test, classes, ignore, output_stride(net))
                seconds[fmt].append(time.perf_counter() - t0)
        default, fast = (statistics.median(seconds[f]) for f in formats)
        rows.append(dict(network=f"Individual U-Net, h = {width}", default_seconds=default,
                         channels_last_seconds=fast, ratio=default / fast, images=len(test),
                         pixels=int(conf["default"].sum()),
                         pixels_changing_class=pixels_moved(conf["default"], conf["channels_last"])))
    table = pd.DataFrame(rows)
    store(table, args.profile, "segmentation_eval")
    print(table.drop(columns=["cpu_model", "commit", "date"]).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
