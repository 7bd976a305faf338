"""What scoring one whole-network row costs as it is (default memory format), in the channels-last format, and in
channels-last with its BatchNorms folded into the convolutions (what the notebook scores), on this CPU, and whether
all give the same predictions.

The whole-network notebook scores dozens of ResNet-20s (every row at every gamma) on the 10,000 CIFAR-10 test
images; a full pass per network is most of its time. Here the base model and its thin network at gamma = 0.5 each
predict the same real test images in all three, one thread, the formats interleaved round by round (load on the
machine hits both alike), medians over ``--rounds`` after a warm-up round. Writes
``results/<profile>/benchmarks/whole_eval.csv`` atomically (milliseconds per 1,000 images, the ratio of the default to
the folded channels-last copy, and how many predictions each copy changes against the default):

    python benchmarks/whole_eval.py --profile cpu        # about two minutes on a 2-core CPU
"""
import argparse
import copy
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
from neumeta.experiments.whole.evaluate import spread_images  # noqa: E402
from neumeta.experiments.whole.setting import setting  # noqa: E402
from neumeta.experiments.whole.thin import thin_network  # noqa: E402
from neumeta.method.folding import fuse_bn  # noqa: E402
from neumeta.metrics import predict  # noqa: E402
from neumeta.tooling.bench_table import store  # noqa: E402


def networks(P):
    """The base model and a thin network at gamma = 0.5 (its weights random: the cost does not depend on them)."""
    s = setting(P)
    base, _ = train_base_model(s.arch, s.dataset, P)
    return {"base": base.eval(), "thin, gamma = 0.5": thin_network(0.5, s).eval()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--images", type=int, default=2000, help="test images per pass, spread over the test set")
    args = parser.parse_args()
    torch.set_num_threads(1)
    P = load_profile(args.profile)
    test = spread_images(eval_set(setting(P).dataset, "test", resolve_data_root(P)), args.images)
    rows = []
    for name, net in networks(P).items():
        formats = {"default": net, "channels_last": copy.deepcopy(net).to(memory_format=torch.channels_last),
                   "folded_channels_last": fuse_bn(net).to(memory_format=torch.channels_last)}
        seconds, preds = {f: [] for f in formats}, {}
        for _ in range(args.rounds + 1):
            for fmt, model in formats.items():
                t0 = time.perf_counter()
                preds[fmt], _ = predict(model, test)
                seconds[fmt].append(time.perf_counter() - t0)
        ms = {f: 1e3 * statistics.median(seconds[f][1:]) / len(test) * 1000 for f in formats}
        rows.append(dict(network=name, **{f"{f}_ms_per_1000": v for f, v in ms.items()},
                         ratio=ms["default"] / ms["folded_channels_last"], images=len(test),
                         **{f"{f}_predictions_differing": int((preds["default"] != preds[f]).sum())
                            for f in ("channels_last", "folded_channels_last")}))
    table = pd.DataFrame(rows)
    store(table, args.profile, "whole_eval")
    print(table.drop(columns=["cpu_model", "commit", "date"]).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
