"""What the whole-set CKA costs in float64 and with its cross term in float32 on centred features (what notebook 60
computes), on this CPU, and how far the two are apart.

Notebook 60 compares ResNet-20s on the 10,000 CIFAR-10 test images by linear CKA of 4,096-wide features; each
HSIC is one 4,096 x 10,000 x 4,096 product, dozens of them. Here the base ResNet-20's features at Figure 9's two
convolutional layers (``layer3.1``, ``layer3.2``) on ``--images`` real test images are compared both ways, one
thread, medians over ``--rounds``. Writes ``results/<profile>/benchmarks/cka_precision.csv`` atomically (seconds
per CKA, the ratio, both estimates each way and their largest difference):

    python benchmarks/cka_precision.py --profile cpu        # about two minutes on a 2-core CPU
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neumeta.config.profiles import load_profile  # noqa: E402
from neumeta.evaluation.eval_sets import eval_set  # noqa: E402
from neumeta.experiments.pretrained.base_models import resolve_data_root, train_base_model  # noqa: E402
from neumeta.experiments.similarity.cka import CKAFeatures, cka_estimates  # noqa: E402
from neumeta.experiments.similarity.experiment import evaluation_subset  # noqa: E402
from neumeta.experiments.similarity.features import LAYERS, layer_outputs  # noqa: E402
from neumeta.tooling.bench_table import store  # noqa: E402


def timed_cka(x, y, fast, rounds):
    """``(median seconds, {"biased", "unbiased"})`` of the whole-set CKA of x and y, the self-HSICs included."""
    seconds = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        values = cka_estimates(CKAFeatures(x, fast=fast), CKAFeatures(y, fast=fast))
        seconds.append(time.perf_counter() - t0)
    return statistics.median(seconds), {k: float(v) for k, v in values.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--images", type=int, default=10_000, help="test images (notebook 60: all 10,000)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    P = load_profile(args.profile)
    test = evaluation_subset(eval_set("cifar10", "test", resolve_data_root(P)), args.images, P["seed"])
    base, _ = train_base_model("resnet20", "cifar10", P)
    layers = {name: path for name, path in LAYERS.items() if name != "logits"}
    feats = layer_outputs(base.eval(), test, layers)
    x, y = (feats[name] for name in layers)
    slow_s, slow = timed_cka(x, y, False, args.rounds)
    fast_s, fast = timed_cka(x, y, True, args.rounds)
    table = pd.DataFrame([dict(pair=" vs ".join(layers), images=len(x), features=f"{x.shape[1]} x {y.shape[1]}",
                               float64_seconds=slow_s, fast_seconds=fast_s, ratio=slow_s / fast_s,
                               **{f"{k}_float64": slow[k] for k in slow}, **{f"{k}_fast": fast[k] for k in fast},
                               max_abs_difference=max(abs(slow[k] - fast[k]) for k in slow))])
    store(table, args.profile, "cka_precision")
    print(table.drop(columns=["cpu_model", "commit", "date"]).T.to_string())


if __name__ == "__main__":
    main()
